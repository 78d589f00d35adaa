//! The connection budget of `wsync serve`: how many sockets may be open at
//! once (`max sockets`), and how many of them may still be in their
//! handshake (`max handshakes`: the HTTP request, Hello, authentication).
//!
//! A connection that arrives when either is full makes room by evicting a
//! handshaking one: the oldest of the address that holds the most, if the
//! newcomer's address holds fewer; else its own address's oldest, once
//! that one has had a second to finish (else the newcomer is turned away).
//! So a real client gets in past an attacker's stalled connections,
//! however fast the attacker reconnects, and a burst of clients from one
//! address does not evict itself for ever: each handshake gets its second.
//! Authenticated sessions are never evicted: `max connections` bounds them.
//! Accept never fails for want of descriptors: the budget stays below the
//! open-file limit, which is raised to its hard value at start.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Handshakes in progress at once, by default.
pub const MAX_HANDSHAKES: usize = 64;

/// How long a handshake is safe from newcomers of its own address.
pub const GRACE: Duration = Duration::from_secs(1);

/// What a connection turned away is told.
pub const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\
Content-Length: 0\r\n\r\n";

pub struct Gate {
    max_sockets: usize,
    max_handshakes: usize,
    grace: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Sockets open, including evicted ones not closed yet.
    open: usize,
    next: u64,
    /// Connections in their handshake, oldest first.
    handshakes: Vec<Waiting>,
}

struct Waiting {
    seq: u64,
    ip: IpAddr,
    since: Instant,
    kick: Arc<Kick>,
}

/// Tells a connection (its HTTP task, then its session) to close.
#[derive(Default)]
pub struct Kick {
    kicked: AtomicBool,
    notify: Notify,
}

impl Kick {
    fn kick(&self) {
        self.kicked.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Completes once the connection is evicted.
    pub async fn kicked(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so that no kick falls between.
            notified.as_mut().enable();
            if self.kicked.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }
}

/// One connection's place in the budget; it is given back when the last
/// clone is dropped (the socket is closed).
pub struct Ticket {
    gate: Arc<Gate>,
    seq: u64,
    kick: Arc<Kick>,
    /// When the current HTTP request began (its first byte).
    started: Mutex<Instant>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The state stays consistent between statements: a panic elsewhere
    // while holding it cannot leave it half-changed.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Gate {
    /// A budget of `max_sockets` open connections, `max_handshakes` of
    /// them in their handshake (at least 1 each), each handshake safe from
    /// newcomers of its own address for `grace`.
    pub fn new(max_sockets: usize, max_handshakes: usize, grace: Duration) -> Arc<Gate> {
        Arc::new(Gate {
            max_sockets: max_sockets.max(1),
            max_handshakes: max_handshakes.max(1),
            grace,
            state: Mutex::new(State::default()),
        })
    }

    /// A place for a new connection from `ip`, evicting a handshake if the
    /// budget is full; `None` when there is no room (see the module's doc).
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Arc<Ticket>> {
        let mut st = lock(&self.state);
        // Evicted connections close at once; until they have, no more than
        // `max_handshakes` over the budget.
        if st.open >= self.max_sockets + self.max_handshakes {
            return None;
        }
        let full = st.open >= self.max_sockets || st.handshakes.len() >= self.max_handshakes;
        if full && !st.make_room(ip, self.grace) {
            return None;
        }
        st.open += 1;
        st.next += 1;
        let seq = st.next;
        let kick = Arc::new(Kick::default());
        st.handshakes.push(Waiting {
            seq,
            ip,
            since: Instant::now(),
            kick: kick.clone(),
        });
        Some(Arc::new(Ticket {
            gate: self.clone(),
            seq,
            kick,
            started: Mutex::new(Instant::now()),
        }))
    }
}

impl State {
    /// Evicts a handshake for a newcomer from `ip`: the oldest of the
    /// address holding the most, if `ip` holds fewer; else `ip`'s own
    /// oldest, if it has had its `grace`. False if none.
    fn make_room(&mut self, ip: IpAddr, grace: Duration) -> bool {
        let mut counts: HashMap<IpAddr, usize> = HashMap::new();
        for w in &self.handshakes {
            *counts.entry(w.ip).or_default() += 1;
        }
        let mine = counts.get(&ip).copied().unwrap_or(0);
        let most = counts.values().copied().max().unwrap_or(0);
        let victim = match mine < most {
            true => self.handshakes.iter().position(|w| counts[&w.ip] == most),
            false => self
                .handshakes
                .iter()
                .position(|w| w.ip == ip)
                .filter(|&i| self.handshakes[i].since.elapsed() >= grace),
        };
        let Some(i) = victim else { return false };
        self.handshakes.remove(i).kick.kick();
        true
    }
}

impl Ticket {
    /// The connection's session authenticated: it leaves the handshakes
    /// and is never evicted.
    pub fn authenticated(&self) {
        lock(&self.gate.state)
            .handshakes
            .retain(|w| w.seq != self.seq);
    }

    /// Whether the connection is still in its handshake.
    #[cfg(test)]
    fn in_handshake(&self) -> bool {
        lock(&self.gate.state)
            .handshakes
            .iter()
            .any(|w| w.seq == self.seq)
    }

    pub fn kick(&self) -> &Kick {
        &self.kick
    }

    /// When the current HTTP request began: the handshake deadline of a
    /// WebSocket upgrade runs from there.
    pub fn started(&self) -> Instant {
        *lock(&self.started)
    }

    /// A new request begins on a kept-alive connection.
    pub fn restart(&self) {
        *lock(&self.started) = Instant::now();
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut st = lock(&self.gate.state);
        st.open -= 1;
        st.handshakes.retain(|w| w.seq != self.seq);
    }
}

/// Raises the soft limit of open files to the hard one, as servers do at
/// start; returns the soft limit in force.
pub fn raise_open_files() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let l = getrlimit(Resource::Nofile);
    if l.current != l.maximum {
        let raised = Rlimit {
            current: l.maximum,
            maximum: l.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return l.maximum.unwrap_or(u64::MAX);
        }
    }
    l.current.unwrap_or(u64::MAX)
}

/// `max sockets` by default: half the open-file limit (the other half for
/// the files sessions open, and the server's own), at least 16.
pub fn default_max_sockets(open_files: u64) -> usize {
    usize::try_from(open_files / 2)
        .unwrap_or(usize::MAX)
        .max(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    fn kicked(t: &Ticket) -> bool {
        t.kick.kicked.load(Ordering::SeqCst)
    }

    #[test]
    fn a_full_handshake_pool_evicts_from_the_busiest_address() {
        let gate = Gate::new(100, 4, Duration::ZERO);
        let real = gate.admit(ip(1)).unwrap();
        let attacker: Vec<_> = (0..3).map(|_| gate.admit(ip(2)).unwrap()).collect();
        // Full: the attacker's newcomer evicts the attacker's oldest.
        let again = gate.admit(ip(2)).unwrap();
        assert!(kicked(&attacker[0]) && !kicked(&attacker[1]));
        // A newcomer from elsewhere evicts the busiest address's oldest.
        let other = gate.admit(ip(3)).unwrap();
        assert!(kicked(&attacker[1]) && !kicked(&real));
        assert!(real.in_handshake() && again.in_handshake() && other.in_handshake());
        // An authenticated session is never evicted.
        real.authenticated();
        let more: Vec<_> = (0..10).map(|_| gate.admit(ip(3)).unwrap()).collect();
        assert!(!kicked(&real));
        // (Each address holds two of the four places: ip 3 evicts its own.)
        assert!(kicked(&other) && more[..8].iter().all(|t| kicked(t)));
        assert!(!kicked(&more[8]) && !kicked(&more[9]));
    }

    #[test]
    fn a_handshake_is_safe_from_its_own_address_for_its_grace() {
        let gate = Gate::new(100, 4, Duration::from_secs(3600));
        let burst: Vec<_> = (0..4).map(|_| gate.admit(ip(2)).unwrap()).collect();
        // The same address is turned away rather than evict its own...
        assert!(gate.admit(ip(2)).is_none());
        assert!(!burst.iter().any(|t| kicked(t)));
        // ...but another address gets in.
        let real = gate.admit(ip(1)).unwrap();
        assert!(kicked(&burst[0]) && !kicked(&real));
        // Two against two: each address only competes with itself now.
        let _second = gate.admit(ip(1)).unwrap();
        assert!(gate.admit(ip(1)).is_none() && gate.admit(ip(2)).is_none());
    }

    #[test]
    fn a_full_socket_budget_evicts_a_handshake_or_refuses() {
        let gate = Gate::new(2, 2, Duration::ZERO);
        let a = gate.admit(ip(1)).unwrap();
        let b = gate.admit(ip(2)).unwrap();
        a.authenticated();
        b.authenticated();
        // Only authenticated sessions hold the budget: no room.
        assert!(gate.admit(ip(3)).is_none());
        drop(b);
        let c = gate.admit(ip(3)).unwrap();
        // Full again, c still handshaking: a newcomer evicts it.
        let d = gate.admit(ip(4)).unwrap();
        assert!(c.kick.kicked.load(Ordering::SeqCst));
        // The evicted one still counts until it closes: 2 + 2 at most.
        let e = gate.admit(ip(5)).unwrap();
        assert!(d.kick.kicked.load(Ordering::SeqCst));
        assert!(gate.admit(ip(6)).is_none());
        assert!(!e.kick.kicked.load(Ordering::SeqCst));
        drop((c, d, e));
        assert_eq!(lock(&gate.state).open, 1);
        drop(a);
        assert_eq!(lock(&gate.state).open, 0);
    }
}
