//! The connection budget of `wsync serve`: how many sockets may be open at
//! once (`max sockets`), and how many of them may still be in their
//! handshake (`max handshakes`: the HTTP request, Hello, authentication).
//!
//! A connection that arrives when either is full makes room by evicting a
//! handshaking one: the oldest of the address that holds the most. An
//! attacker who opens connections and stalls them evicts only his own, and
//! a real client, whose handshake takes milliseconds, still gets in.
//! Authenticated sessions are never evicted: `max connections` bounds them.
//! Accept never fails for want of descriptors: the budget stays below the
//! open-file limit, which is raised to its hard value at start.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::Notify;

/// Handshakes in progress at once, by default.
pub const MAX_HANDSHAKES: usize = 64;

pub struct Gate {
    max_sockets: usize,
    max_handshakes: usize,
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
    /// them in their handshake (at least 1 each).
    pub fn new(max_sockets: usize, max_handshakes: usize) -> Arc<Gate> {
        Arc::new(Gate {
            max_sockets: max_sockets.max(1),
            max_handshakes: max_handshakes.max(1),
            state: Mutex::new(State::default()),
        })
    }

    /// A place for a new connection from `ip`, evicting a handshake if the
    /// budget is full; `None` when only authenticated sessions hold it.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Arc<Ticket>> {
        let mut st = lock(&self.state);
        // Evicted connections close at once; until they have, no more than
        // `max_handshakes` over the budget.
        if st.open >= self.max_sockets + self.max_handshakes {
            return None;
        }
        if st.open >= self.max_sockets && !st.evict() {
            return None;
        }
        if st.handshakes.len() >= self.max_handshakes {
            st.evict();
        }
        st.open += 1;
        st.next += 1;
        let seq = st.next;
        let kick = Arc::new(Kick::default());
        st.handshakes.push(Waiting {
            seq,
            ip,
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
    /// Evicts the oldest handshake of the address that holds the most.
    fn evict(&mut self) -> bool {
        let mut counts: HashMap<IpAddr, usize> = HashMap::new();
        for w in &self.handshakes {
            *counts.entry(w.ip).or_default() += 1;
        }
        let Some(&most) = counts.values().max() else {
            return false;
        };
        let i = self.handshakes.iter().position(|w| counts[&w.ip] == most);
        let Some(i) = i else { return false };
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

    #[test]
    fn a_full_handshake_pool_evicts_the_oldest_of_the_busiest_address() {
        let gate = Gate::new(100, 4);
        let real = gate.admit(ip(1)).unwrap();
        let attacker: Vec<_> = (0..3).map(|_| gate.admit(ip(2)).unwrap()).collect();
        // Full: a newcomer evicts the attacker's oldest, not the real client.
        let newcomer = gate.admit(ip(2)).unwrap();
        assert!(attacker[0].kick.kicked.load(Ordering::SeqCst));
        assert!(!attacker[1].kick.kicked.load(Ordering::SeqCst));
        assert!(real.in_handshake() && newcomer.in_handshake());
        assert!(!attacker[0].in_handshake());
        // An authenticated session is never evicted.
        real.authenticated();
        for _ in 0..10 {
            gate.admit(ip(3)).unwrap();
        }
        assert!(!real.kick.kicked.load(Ordering::SeqCst));
    }

    #[test]
    fn a_full_socket_budget_evicts_a_handshake_or_refuses() {
        let gate = Gate::new(2, 2);
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
