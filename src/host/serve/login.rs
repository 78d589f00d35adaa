//! Logins: who a session is once it answered the challenge, which modules
//! that lets it use, and the throttle on failed logins per address.
//!
//! As in rsync's daemon, a module with `auth users` checks a user against
//! its own `secrets file` only: a password from another module's file
//! opens nothing here. The bearer token (`token`, for browsers) stands for
//! an anonymous client that passed the server's gate, so it reaches the
//! modules without `auth users` and no others.

use super::config::ModuleConfig;
use super::quiet::Quiet;
use crate::protocol::{auth, AuthResponse};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The modules' secrets files as read at start: (module, user -> secret).
#[derive(Default)]
pub struct Secrets(Vec<(String, HashMap<String, Vec<u8>>)>);

impl Secrets {
    /// Adds module `module`'s secrets file.
    pub fn add(&mut self, module: &str, users: HashMap<String, Vec<u8>>) {
        self.0.push((module.to_string(), users));
    }

    /// The modules whose secrets file verifies `mac` as `user`'s answer
    /// to `nonce` (each file checked in constant time).
    fn vouching(&self, user: &str, nonce: &[u8; 32], mac: &[u8; 32]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(_, users)| {
                users
                    .get(user)
                    .is_some_and(|secret| auth::verify(secret, nonce, user, mac))
            })
            .map(|(module, _)| module.clone())
            .collect()
    }
}

/// Who a session is, once authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// No credentials: an empty token where the server has no token.
    Anonymous,
    /// The server's bearer token.
    Token,
    /// A user, and the modules whose secrets file verified the answer.
    User { name: String, modules: Vec<String> },
}

impl Login {
    /// The user name for logs (`%u`): empty unless a user logged in.
    pub fn user(&self) -> &str {
        match self {
            Login::User { name, .. } => name,
            _ => "",
        }
    }

    /// Whether this login may use module `m`: one with `auth users` needs
    /// a user among them whose answer `m`'s own secrets file verified;
    /// any other module takes every login.
    pub fn may_use(&self, m: &ModuleConfig) -> bool {
        if m.auth_users.is_empty() {
            return true;
        }
        match self {
            Login::User { name, modules } => {
                m.auth_users.contains(name) && modules.contains(&m.name)
            }
            Login::Anonymous | Login::Token => false,
        }
    }
}

/// Checks an answer to the challenge `nonce`: `None` when it is refused.
pub fn check(
    secrets: &Secrets,
    token: Option<&str>,
    response: &AuthResponse,
    nonce: &[u8; 32],
) -> Option<Login> {
    match response {
        AuthResponse::Hmac { user, mac } => {
            let modules = secrets.vouching(user, nonce, mac);
            (!modules.is_empty()).then(|| Login::User {
                name: user.clone(),
                modules,
            })
        }
        AuthResponse::Token { token: given } => match token {
            Some(want) if crate::protocol::auth::same_bytes(given.as_bytes(), want.as_bytes()) => {
                Some(Login::Token)
            }
            // Anonymous: only where no token is configured.
            None if given.is_empty() => Some(Login::Anonymous),
            _ => None,
        },
    }
}

/// Failed logins cost their address points, which drain by one every
/// `DRAIN`: up to `FREE` points the verdict comes at once, then it waits
/// `STEP` a point (at most `MAX_DELAY`), and from `LIMIT` on, logins from
/// that address are refused unchecked until a point has drained. Each
/// attempt is charged when it starts and refunded when it succeeds, so
/// many at once cannot slip past the limit. A burst of guesses thus gets
/// about 20 tries, then one every 5 s.
const FREE: u32 = 5;
const STEP: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(2);
const LIMIT: u32 = 20;
const DRAIN: Duration = Duration::from_secs(5);
/// Addresses remembered at most; past that, the quietest are forgotten.
const MAX_ADDRESSES: usize = 10_000;

/// The failed-login throttle, per address (per /64 for IPv6, which a
/// single host usually holds whole).
pub struct Throttle {
    points: Mutex<HashMap<IpAddr, Bucket>>,
    /// Log lines: one per address and minute, with the count.
    quiet: Quiet,
}

struct Bucket {
    points: u32,
    /// When the last point drained (or the first was charged).
    since: Instant,
}

impl Bucket {
    fn drain(&mut self, now: Instant) {
        let gone = now.duration_since(self.since).as_secs() / DRAIN.as_secs();
        let gone = u32::try_from(gone).unwrap_or(u32::MAX);
        if gone >= self.points {
            self.points = 0;
            self.since = now;
        } else if gone > 0 {
            self.points -= gone;
            self.since += DRAIN * gone;
        }
    }
}

/// The address a client is throttled by.
fn key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            points: Mutex::new(HashMap::new()),
            quiet: Quiet::new(Duration::from_secs(60)),
        }
    }
}

impl Throttle {
    /// Admits a login attempt from `ip` (charging it a point): `Ok` with
    /// the time its verdict must wait, or `Err` with the refusal to send.
    pub fn admit(&self, ip: IpAddr) -> Result<Duration, String> {
        let now = Instant::now();
        let Ok(mut all) = self.points.lock() else {
            return Err("server error".into());
        };
        if all.len() >= MAX_ADDRESSES && !all.contains_key(&key(ip)) {
            all.retain(|_, b| {
                b.drain(now);
                b.points > 0
            });
            if all.len() >= MAX_ADDRESSES {
                let quietest = all.iter().min_by_key(|(_, b)| b.points).map(|(k, _)| *k);
                if let Some(k) = quietest {
                    all.remove(&k);
                }
            }
        }
        let b = all.entry(key(ip)).or_insert(Bucket {
            points: 0,
            since: now,
        });
        b.drain(now);
        if b.points >= LIMIT {
            let wait = DRAIN.saturating_sub(now.duration_since(b.since));
            drop(all);
            if self.quiet.note(&format!("lock {ip}")).is_some() {
                tracing::warn!(peer = %ip, "too many failed logins: logins from this address are refused for a while");
            }
            self.log_failure(ip);
            return Err(format!(
                "too many failed logins from {ip}: try again in {} s",
                wait.as_secs().max(1)
            ));
        }
        let delay = (STEP * b.points.saturating_sub(FREE)).min(MAX_DELAY);
        b.points += 1;
        Ok(delay)
    }

    /// Settles an admitted attempt: a success is refunded, a failure logged.
    pub fn settle(&self, ip: IpAddr, ok: bool) {
        if !ok {
            self.log_failure(ip);
            return;
        }
        if let Ok(mut all) = self.points.lock() {
            if let Some(b) = all.get_mut(&key(ip)) {
                b.points = b.points.saturating_sub(1);
            }
        }
    }

    /// One line per address and minute, however many failures.
    fn log_failure(&self, ip: IpAddr) {
        match self.quiet.note(&format!("fail {ip}")) {
            Some(1) => tracing::warn!(peer = %ip, "authentication failed"),
            Some(n) => {
                tracing::warn!(peer = %ip, "authentication failed or refused {n} times in the last minute or so")
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(name: &str, users: &[&str]) -> ModuleConfig {
        ModuleConfig {
            name: name.into(),
            auth_users: users.iter().map(|u| u.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn each_module_checks_only_its_own_secrets() {
        let mut s = Secrets::default();
        s.add("a", HashMap::from([("alice".into(), b"pwA".to_vec())]));
        s.add("b", HashMap::from([("alice".into(), b"pwB".to_vec())]));
        let nonce = [7; 32];
        let answer = |pw: &[u8]| AuthResponse::Hmac {
            user: "alice".into(),
            mac: auth::respond(pw, &nonce, "alice"),
        };
        let login = check(&s, None, &answer(b"pwA"), &nonce).unwrap();
        assert!(login.may_use(&module("a", &["alice"])));
        assert!(!login.may_use(&module("b", &["alice"])));
        assert!(login.may_use(&module("open", &[])));
        // A user the module does not list, even with its password.
        assert!(!login.may_use(&module("a", &["bob"])));
        assert_eq!(check(&s, None, &answer(b"nope"), &nonce), None);
        assert_eq!(check(&s, None, &answer(b"pwA"), &[8; 32]), None);
    }

    #[test]
    fn a_token_reaches_only_modules_without_auth_users() {
        let s = Secrets::default();
        let token = |t: &str| AuthResponse::Token { token: t.into() };
        let login = check(&s, Some("T"), &token("T"), &[0; 32]).unwrap();
        assert!(login.may_use(&module("open", &[])));
        assert!(!login.may_use(&module("private", &["ann"])));
        assert_eq!(check(&s, Some("T"), &token("t"), &[0; 32]), None);
        assert_eq!(check(&s, Some("T"), &token(""), &[0; 32]), None);
        let anon = check(&s, None, &token(""), &[0; 32]).unwrap();
        assert_eq!(anon, Login::Anonymous);
        assert!(!anon.may_use(&module("private", &["ann"])));
        assert_eq!(check(&s, None, &token("x"), &[0; 32]), None);
    }

    #[test]
    fn failures_are_slowed_then_refused_and_drain() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let mut delays = Vec::new();
        for _ in 0..LIMIT {
            delays.push(t.admit(ip).unwrap());
            t.settle(ip, false);
        }
        assert_eq!(delays[..FREE as usize], [Duration::ZERO; FREE as usize]);
        assert_eq!(delays[FREE as usize + 2], STEP * 2);
        assert_eq!(delays[LIMIT as usize - 1], MAX_DELAY);
        let e = t.admit(ip).unwrap_err();
        assert!(e.contains("too many failed logins"), "{e}");
        // Other addresses are not affected; an IPv6 /64 counts as one.
        assert_eq!(t.admit("10.0.0.2".parse().unwrap()), Ok(Duration::ZERO));
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        for _ in 0..LIMIT {
            t.admit(a).unwrap();
        }
        assert!(t.admit(b).is_err());
        // A point drains after DRAIN: one more try.
        let mut all = t.points.lock().unwrap();
        let b = all.get_mut(&ip).unwrap();
        b.since = b.since.checked_sub(DRAIN).unwrap();
        drop(all);
        assert!(t.admit(ip).is_ok());
        assert!(t.admit(ip).is_err());
    }

    #[test]
    fn successes_are_refunded() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..100 {
            assert_eq!(t.admit(ip), Ok(Duration::ZERO));
            t.settle(ip, true);
        }
    }
}
