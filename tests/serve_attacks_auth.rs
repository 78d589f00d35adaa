//! Findings of an adversarial run against `wsync serve` (issue 16), kept
//! closed: logins reach only the modules whose secrets file vouches for
//! them, the Origin and Host checks resist DNS rebinding, static serving
//! stays beneath its root, uploaded symlinks are munged as rsync's daemon
//! does, and login guessing is throttled per address.

#[path = "util/server.rs"]
mod server;
mod util;
use futures_util::{SinkExt, StreamExt};
use server::*;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Ws;
use util::*;
use wsync::protocol::{auth, AuthRequest, AuthResponse, Code, Limits, Message};

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

// ---- 2. DNS rebinding: the Host header names the server, or nothing goes ----

/// A raw HTTP/1.1 request with these headers: (status code, whole response).
fn http(port: u16, path: &str, method: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req += &format!("{k}: {v}\r\n");
    }
    req += "\r\n";
    sock.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    // A WebSocket that was accepted stays open: stop at the response head.
    loop {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&raw);
        if text.starts_with("HTTP/1.1 101") && text.contains("\r\n\r\n") {
            break;
        }
    }
    let status = String::from_utf8_lossy(&raw)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, raw)
}

/// The headers of a WebSocket upgrade from a page at `origin`, sent to `host`.
fn upgrade(port: u16, host: &str, origin: Option<&str>) -> u16 {
    let mut h = vec![
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ];
    if let Some(o) = origin {
        h.push(("Origin", o));
    }
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = "GET /ws HTTP/1.1\r\n".to_string();
    for (k, v) in h {
        req += &format!("{k}: {v}\r\n");
    }
    req += "\r\n";
    sock.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && matches!(sock.read(&mut b), Ok(1)) {
        head.push(b[0]);
    }
    String::from_utf8_lossy(&head)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_rebound_host_name_reaches_neither_the_websocket_nor_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let www = dir.path().join("www");
    std::fs::create_dir(&module).unwrap();
    std::fs::create_dir(&www).unwrap();
    write(&www, "index.html", b"<p>demo</p>");
    let log = dir.path().join("log");
    let srv = start_server_logging(
        &[
            "serve",
            s(&module),
            "--www",
            s(&www),
            "--origin",
            "https://app.example.org",
        ],
        std::fs::File::create(&log).unwrap(),
        "info",
    );
    let port = srv.port;
    let here = format!("127.0.0.1:{port}");
    let evil = format!("attacker.example:{port}");

    // The attack: a page of attacker.example, its name rebound to 127.0.0.1.
    assert_ne!(
        upgrade(port, &evil, Some(&format!("http://{evil}"))),
        101,
        "a rebound name got a WebSocket"
    );
    let (st, body) = http(port, "/index.html", "GET", &[("Host", &evil)]);
    assert!(
        st == 421 || st == 403,
        "static file for a rebound name: {st}"
    );
    assert!(!String::from_utf8_lossy(&body).contains("demo"));
    // A foreign page with the right Host is refused too.
    assert_eq!(
        upgrade(port, &here, Some("http://evil.example")),
        403,
        "foreign origin"
    );
    // An origin that only looks like ours, with a port or scheme of its own.
    assert_eq!(upgrade(port, &here, Some("http://127.0.0.1:1")), 403);
    assert_eq!(upgrade(port, &here, Some("null")), 403);

    // Still open: the page's own origin by address or localhost name, the
    // configured origin, native clients (no Origin), and files by address.
    assert_eq!(upgrade(port, &here, Some(&format!("http://{here}"))), 101);
    let lh = format!("localhost:{port}");
    assert_eq!(upgrade(port, &lh, Some(&format!("http://{lh}"))), 101);
    assert_eq!(upgrade(port, &here, Some("https://app.example.org")), 101);
    assert_eq!(upgrade(port, &here, None), 101);
    assert_eq!(http(port, "/index.html", "GET", &[("Host", &here)]).0, 200);
    assert_eq!(http(port, "/index.html", "GET", &[("Host", &lh)]).0, 200);

    // The refusals are logged, one escaped line each.
    drop(srv);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("attacker.example"))
        .collect();
    assert!(
        !lines.is_empty(),
        "no log line for the rebound name:\n{text}"
    );
}

#[test]
fn an_upload_through_a_rebound_name_writes_nothing() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let evil = format!("attacker.example:{}", srv.port);
    let mut req = format!("ws://127.0.0.1:{}/ws", srv.port)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("host", evil.parse().unwrap());
    req.headers_mut()
        .insert("origin", format!("http://{evil}").parse().unwrap());
    let connected = rt.block_on(async {
        let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else {
            return false;
        };
        // What a page would do next: make a directory in the module.
        let hello = Message::Hello {
            min_version: 1,
            max_version: 1,
            agent: "page".into(),
            limits: Limits::default(),
        };
        let make = Message::Make {
            id: 1,
            module: "data".into(),
            path: "planted".into(),
            kind: wsync::protocol::Kind::Dir,
            target: String::new(),
            attrs: None,
        };
        for m in [hello, make] {
            let _ = ws.send(Ws::Binary(m.encode().into())).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
        true
    });
    assert!(!connected, "the upgrade was accepted");
    assert!(!dir.path().join("planted").exists());
}
