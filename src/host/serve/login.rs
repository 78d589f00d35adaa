//! Logins: who a session is once it answered the challenge, and which
//! modules that lets it use.
//!
//! As in rsync's daemon, a module with `auth users` checks a user against
//! its own `secrets file` only: a password from another module's file
//! opens nothing here. The bearer token (`token`, for browsers) stands for
//! an anonymous client that passed the server's gate, so it reaches the
//! modules without `auth users` and no others.

use super::config::ModuleConfig;
use crate::protocol::{auth, AuthResponse};
use std::collections::HashMap;

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
            Some(want) if constant_time_eq(given.as_bytes(), want.as_bytes()) => Some(Login::Token),
            // Anonymous: only where no token is configured.
            None if given.is_empty() => Some(Login::Anonymous),
            _ => None,
        },
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
}
