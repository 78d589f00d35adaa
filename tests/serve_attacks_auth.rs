//! Findings of an adversarial run against `wsync serve` (issue 16), kept
//! closed: logins reach only the modules whose secrets file vouches for
//! them, the Origin and Host checks resist DNS rebinding, static serving
//! stays beneath its root, uploaded symlinks are munged as rsync's daemon
//! does, and login guessing is throttled per address.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use util::*;
use wsync::protocol::{auth, AuthRequest, AuthResponse, Code, Message};

/// A secrets file only its owner may read.
fn secrets(dir: &Path, name: &str, text: &str) -> String {
    let p = write(dir, name, text.as_bytes());
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p.display().to_string()
}

/// `wsync ARGS` with `$WSYNC_PASSWORD` set.
fn with_password(pw: &str, args: &[&str]) -> std::process::Output {
    wsync()
        .env("WSYNC_PASSWORD", pw)
        .args(args)
        .output()
        .unwrap()
}

// ---- 1. A password of one module's secrets file opens no other module ----

#[test]
fn a_password_from_one_modules_secrets_does_not_open_another() {
    let dir = tempfile::tempdir().unwrap();
    for m in ["a", "b"] {
        std::fs::create_dir(dir.path().join(m)).unwrap();
    }
    let sa = secrets(dir.path(), "secrets.a", "alice:pwA\n");
    let sb = secrets(dir.path(), "secrets.b", "alice:pwB\n");
    let p = |m: &str| dir.path().join(m).display().to_string();
    let conf = format!(
        "read only = no\n[a]\npath = {}\nauth users = alice\nsecrets file = {sa}\n\
         [b]\npath = {}\nauth users = alice\nsecrets file = {sb}\n",
        p("a"),
        p("b")
    );
    let srv = serve_config(dir.path(), &conf);
    let at = |m: &str, path: &str| format!("ws://alice@127.0.0.1:{}/{m}/{path}", srv.port);
    let local = write(dir.path(), "local", b"payload");

    // Module a's password neither lists nor writes module b.
    let out = with_password("pwA", &["list", &at("b", "")]);
    assert!(!out.status.success(), "pwA listed module b");
    assert_eq!(out.status.code(), Some(5));
    let out = with_password("pwA", &["push", s(&local), &at("b", "f")]);
    assert!(!out.status.success(), "pwA pushed into module b");
    assert!(!dir.path().join("b/f").exists());
    // And the other way round.
    let out = with_password("pwB", &["push", s(&local), &at("a", "f")]);
    assert!(!out.status.success(), "pwB pushed into module a");
    assert!(!dir.path().join("a/f").exists());

    // Each module's own password works for it.
    ok(wsync()
        .env("WSYNC_PASSWORD", "pwA")
        .args(["push", s(&local), &at("a", "f")]));
    ok(wsync()
        .env("WSYNC_PASSWORD", "pwB")
        .args(["push", s(&local), &at("b", "f")]));
    assert_eq!(std::fs::read(dir.path().join("a/f")).unwrap(), b"payload");
    assert_eq!(std::fs::read(dir.path().join("b/f")).unwrap(), b"payload");
    ok(wsync()
        .env("WSYNC_PASSWORD", "pwB")
        .args(["list", &at("b", "")]));
}

#[test]
fn a_bearer_token_reaches_only_modules_without_auth_users() {
    let dir = tempfile::tempdir().unwrap();
    for m in ["open", "private"] {
        std::fs::create_dir(dir.path().join(m)).unwrap();
    }
    let sp = secrets(dir.path(), "secrets", "ann:pw\n");
    let p = |m: &str| dir.path().join(m).display().to_string();
    let conf = format!(
        "token = T0K\nread only = no\n[open]\npath = {}\n\
         [private]\npath = {}\nauth users = ann\nsecrets file = {sp}\n",
        p("open"),
        p("private")
    );
    let srv = serve_config(dir.path(), &conf);
    let at =
        |user: &str, m: &str, path: &str| format!("ws://{user}127.0.0.1:{}/{m}/{path}", srv.port);
    let local = write(dir.path(), "local", b"payload");

    // The token opens the module without `auth users`...
    ok(wsync().args(["push", "--token", "T0K", s(&local), &at("", "open", "f")]));
    assert_eq!(
        std::fs::read(dir.path().join("open/f")).unwrap(),
        b"payload"
    );
    // ...and not the one with them, neither for listing nor for writing.
    let out = run(&["list", "--token", "T0K", &at("", "private", "")]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "the token listed a private module"
    );
    let out = run(&["push", "--token", "T0K", s(&local), &at("", "private", "f")]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "the token wrote a private module"
    );
    assert!(!dir.path().join("private/f").exists());
    // That one takes a user login; no token at all is no entry.
    ok(wsync()
        .env("WSYNC_PASSWORD", "pw")
        .args(["push", s(&local), &at("ann@", "private", "f")]));
    assert!(!run(&["list", &at("", "open", "")]).status.success());
}

/// Hello, then `answer(nonce)` as the Auth message: what the server said.
fn login_raw(port: u16, answer: impl FnOnce([u8; 32]) -> AuthResponse) -> Message {
    let mut raw = Raw::connect(port);
    let Message::Welcome {
        auth: AuthRequest::Challenge { nonce },
        ..
    } = raw.hello()
    else {
        panic!("no challenge");
    };
    raw.send(&Message::Auth(answer(nonce)));
    raw.next()
}

#[test]
fn wrong_empty_and_replayed_auth_responses_stay_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    let sp = secrets(dir.path(), "secrets", "ann:pw\n");
    let conf = format!(
        "[m]\npath = {}\nauth users = ann\nsecrets file = {sp}\n",
        dir.path().join("m").display()
    );
    let srv = serve_config(dir.path(), &conf);
    let refused = |m: &Message| matches!(error_code(m, 0), Some(Code::AuthFailed));
    let mac = |secret: &[u8], nonce: [u8; 32], user: &str| AuthResponse::Hmac {
        user: user.into(),
        mac: auth::respond(secret, &nonce, user),
    };
    // The right answer, kept for a replay.
    let mut seen = None;
    let m = login_raw(srv.port, |nonce| {
        let r = mac(b"pw", nonce, "ann");
        seen = Some(r.clone());
        r
    });
    assert!(matches!(m, Message::AuthOk { .. }), "{m:?}");
    let replay = seen.unwrap();
    assert!(refused(&login_raw(srv.port, |_| replay)));
    assert!(refused(&login_raw(srv.port, |n| mac(b"guess", n, "ann"))));
    assert!(refused(&login_raw(srv.port, |n| mac(b"", n, "ann"))));
    assert!(refused(&login_raw(srv.port, |n| mac(b"pw", n, ""))));
    assert!(refused(&login_raw(srv.port, |_| AuthResponse::Hmac {
        user: "ann".into(),
        mac: [0; 32]
    })));
}
