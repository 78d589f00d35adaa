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
use std::time::{Duration, Instant};
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
    for m in ["a", "b", "c"] {
        std::fs::create_dir(dir.path().join(m)).unwrap();
    }
    let sa = secrets(dir.path(), "secrets.a", "alice:pwA\n");
    let sb = secrets(dir.path(), "secrets.b", "alice:pwB\n");
    let p = |m: &str| dir.path().join(m).display().to_string();
    let conf = format!(
        "read only = no\n[a]\npath = {}\nauth users = alice\nsecrets file = {sa}\n\
         [b]\npath = {}\nauth users = alice\nsecrets file = {sb}\n\
         [c]\npath = {}\nauth users = alice\nsecrets file = {sa}\nhosts deny = 127.0.0.1\n",
        p("a"),
        p("b"),
        p("c")
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
    // The right password does not get past `hosts deny`.
    let out = with_password("pwA", &["push", s(&local), &at("c", "f")]);
    assert_eq!(out.status.code(), Some(5));
    assert!(!dir.path().join("c/f").exists());
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
    upgrade_at("127.0.0.1", port, host, origin)
}

/// [`upgrade`], sent to the server's address `ip` (e.g. `::1`).
fn upgrade_at(ip: &str, port: u16, host: &str, origin: Option<&str>) -> u16 {
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
    let mut sock = std::net::TcpStream::connect((ip, port)).unwrap();
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
fn an_ipv6_loopback_bind_knows_its_own_address() {
    // `--bind ::1` was refused as "invalid socket address syntax".
    let dir = tempfile::tempdir().unwrap();
    for bind in ["::1", "[::1]"] {
        let srv = serve(dir.path(), &["--bind", bind]);
        let me = format!("[::1]:{}", srv.port);
        let page = format!("http://{me}");
        assert_eq!(upgrade_at("::1", srv.port, &me, Some(&page)), 101, "{bind}");
        let evil = format!("attacker.example:{}", srv.port);
        let evil_page = format!("http://{evil}");
        assert_eq!(
            upgrade_at("::1", srv.port, &evil, Some(&evil_page)),
            421,
            "{bind}"
        );
        assert_eq!(
            upgrade_at("::1", srv.port, &me, Some(&evil_page)),
            403,
            "{bind}"
        );
    }
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

// ---- 3. Static serving stays beneath its root; symlinks are munged ----

/// Creates symlinks in the module through the protocol (as `wsync sync`
/// does for a tree with links): `(path, target)`.
fn make_links(port: u16, module: &str, links: &[(&str, &str)]) -> Vec<Message> {
    let mut raw = Raw::connect(port);
    raw.ready();
    let mut answers = Vec::new();
    for (i, (path, target)) in links.iter().enumerate() {
        raw.send(&Message::Make {
            id: i as u64 + 1,
            module: module.into(),
            path: (*path).into(),
            kind: wsync::protocol::Kind::Symlink,
            target: (*target).into(),
            attrs: None,
        });
        answers.push(raw.next());
    }
    answers
}

#[test]
fn www_over_a_writable_module_serves_nothing_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let outside = dir.path().join("outside");
    let pkg = dir.path().join("pkg");
    std::fs::create_dir(&module).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(outside.join("secret.txt"), b"top secret").unwrap();
    write(&module, "index.html", b"<p>demo</p>");
    // In --pkg, a link out put there by someone else.
    std::os::unix::fs::symlink(outside.join("secret.txt"), pkg.join("leak.js")).unwrap();
    std::os::unix::fs::symlink(&outside, pkg.join("out")).unwrap();
    let srv = serve(&module, &["--www", s(&module), "--pkg", s(&pkg)]);
    let secret = outside.join("secret.txt").display().to_string();
    for a in make_links(srv.port, "data", &[("leak.txt", &secret), ("etc", "/etc")]) {
        assert!(matches!(a, Message::Done { .. }), "{a:?}");
    }
    let host = [("Host", "127.0.0.1")];
    for path in [
        "/leak.txt",
        "/etc/passwd",
        "/etc/hostname",
        "/pkg/leak.js",
        "/pkg/out/secret.txt",
    ] {
        let (st, body) = http(srv.port, path, "GET", &host);
        assert_eq!(st, 404, "{path}: {}", String::from_utf8_lossy(&body));
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("top secret") && !text.contains("root:"),
            "{path}"
        );
    }
    assert_eq!(http(srv.port, "/index.html", "GET", &host).0, 200);
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn www_over_a_writable_module_serves_nothing_outside_it_walking() {
    walking(www_over_a_writable_module_serves_nothing_outside_it);
}

/// (status, header lines lowercased, body) of a response.
fn parts(raw: &[u8]) -> (u16, String, Vec<u8>) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, raw[end + 4..].to_vec())
}

#[test]
fn static_files_have_types_lengths_head_and_index_pages_but_no_listings() {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    let module = dir.path().join("module");
    std::fs::create_dir_all(www.join("sub/deeper")).unwrap();
    std::fs::create_dir(&module).unwrap();
    write(&www, "index.html", b"<p>home</p>");
    write(&www.join("sub"), "index.html", b"<p>sub</p>");
    write(&www.join("sub/deeper"), "a.txt", b"text");
    write(&www, "app.mjs", b"export {}");
    write(&www, "w.wasm", b"\0asm");
    write(&www, "s.css", b"p{}");
    write(&www, "d.json", b"{}");
    write(&www, "i.svg", b"<svg/>");
    // A link inside the root is fine.
    std::os::unix::fs::symlink("sub/deeper/a.txt", www.join("alias.txt")).unwrap();
    let sub = www.join("sub");
    let srv = serve(&module, &["--www", s(&www), "--pkg", s(&sub)]);
    let get =
        |path: &str, method: &str| parts(&http(srv.port, path, method, &[("Host", "127.0.0.1")]).1);
    for (path, kind) in [
        ("/index.html", "text/html"),
        ("/app.mjs", "text/javascript"),
        ("/w.wasm", "application/wasm"),
        ("/s.css", "text/css"),
        ("/d.json", "application/json"),
        ("/i.svg", "image/svg+xml"),
        ("/alias.txt", "text/plain"),
    ] {
        let (st, head, _) = get(path, "GET");
        assert_eq!(st, 200, "{path}");
        assert!(
            head.contains(&format!("content-type: {kind}")),
            "{path}: {head}"
        );
    }
    let (st, head, body) = get("/", "GET");
    assert_eq!((st, body.as_slice()), (200, &b"<p>home</p>"[..]));
    assert!(head.contains("content-length: 11"), "{head}");
    assert_eq!(get("/sub/", "GET").2, b"<p>sub</p>");
    // A directory without its slash: redirected, so relative links work.
    let (st, head, _) = get("/sub", "GET");
    assert!(st == 301 || st == 307 || st == 308, "{st}");
    assert!(head.contains("location: sub/"), "{head}");
    let (st, head, _) = get("/pkg", "GET");
    assert!(st == 307 && head.contains("location: pkg/"), "{head}");
    assert_eq!(get("/pkg/", "GET").2, b"<p>sub</p>");
    assert_eq!(get("/pkg/deeper/a.txt", "GET").2, b"text");
    // HEAD: the length, no body.
    let (st, head, body) = get("/sub/deeper/a.txt", "HEAD");
    assert_eq!(st, 200);
    assert!(head.contains("content-length: 4"), "{head}");
    assert!(body.is_empty());
    // No listing of a directory without index.html; nothing but GET and HEAD.
    assert_eq!(get("/sub/deeper/", "GET").0, 404);
    assert_eq!(get("/missing.txt", "GET").0, 404);
    assert_eq!(get("/%2e%2e/module", "GET").0, 404);
    assert_eq!(get("/index.html", "POST").0, 405);
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn static_files_have_types_lengths_head_and_index_pages_but_no_listings_walking() {
    walking(static_files_have_types_lengths_head_and_index_pages_but_no_listings);
}

#[test]
fn uploaded_symlinks_are_munged_on_disk_and_clean_on_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let srv = serve(&module, &[]);
    make_links(
        srv.port,
        "data",
        &[("abs", "/etc/passwd"), ("up", "../../x"), ("in", "abs")],
    );
    let on_disk = |n: &str| std::fs::read_link(module.join(n)).unwrap();
    // rsync's prefix: a path that does not exist, so the link cannot be followed.
    assert_eq!(on_disk("abs"), Path::new("/rsyncd-munged//etc/passwd"));
    assert_eq!(on_disk("up"), Path::new("/rsyncd-munged/../../x"));
    assert_eq!(on_disk("in"), Path::new("/rsyncd-munged/abs"));
    // Clients see the links as they sent them: a listing and a pull.
    let url = format!("ws://127.0.0.1:{}/data/", srv.port);
    let listing = String::from_utf8(ok(wsync().args(["list", &url])).stdout).unwrap();
    assert!(listing.contains("abs -> /etc/passwd"), "{listing}");
    assert!(listing.contains("up -> ../../x"), "{listing}");
    let back = dir.path().join("back");
    let port = srv.port.to_string();
    ok(wsync().args(["sync", "-a", "--port", &port, "127.0.0.1::data/", s(&back)]));
    assert_eq!(
        std::fs::read_link(back.join("abs")).unwrap(),
        Path::new("/etc/passwd")
    );
    assert_eq!(
        std::fs::read_link(back.join("in")).unwrap(),
        Path::new("abs")
    );
    // A second push of the same links finds nothing to do.
    let again = ok(wsync().args([
        "sync",
        "-ai",
        "--port",
        &port,
        &format!("{}/", s(&back)),
        "127.0.0.1::data/",
    ]));
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "");
}

#[test]
fn munge_symlinks_no_stores_sanitized_links_as_rsync_does() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("m");
    std::fs::create_dir_all(module.join("a/b")).unwrap();
    let conf = format!(
        "[m]\npath = {}\nread only = no\nmunge symlinks = no\n",
        module.display()
    );
    let srv = serve_config(dir.path(), &conf);
    make_links(
        srv.port,
        "m",
        &[
            ("abs", "/etc/passwd"),
            ("up", "../../x"),
            ("a/b/two", "../../y"),
            ("a/b/three", "../../../z"),
            ("a/mid", "b/../../w"),
            ("in", "a//./b"),
            // A link on the way does not count as a level: c lands in the root.
            ("a/lnk", ".."),
            ("a/lnk/c", "../../x"),
        ],
    );
    let on_disk = |n: &str| std::fs::read_link(module.join(n)).unwrap();
    // rsync's sanitize_path: no leading slash, no ".." above the module.
    assert_eq!(on_disk("abs"), Path::new("etc/passwd"));
    assert_eq!(on_disk("up"), Path::new("x"));
    assert_eq!(on_disk("a/b/two"), Path::new("../../y"));
    assert_eq!(on_disk("a/b/three"), Path::new("../../z"));
    assert_eq!(on_disk("a/mid"), Path::new("../w"));
    assert_eq!(on_disk("in"), Path::new("a/b"));
    assert_eq!(on_disk("a/lnk"), Path::new(".."));
    assert_eq!(on_disk("c"), Path::new("x"));
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn munge_symlinks_no_stores_sanitized_links_as_rsync_does_walking() {
    walking(munge_symlinks_no_stores_sanitized_links_as_rsync_does);
}

/// rsync's daemon on a free loopback port, stopped when dropped.
struct RsyncDaemon {
    child: std::process::Child,
    port: u16,
}

impl Drop for RsyncDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `rsync --daemon` with this rsyncd.conf text (a free port is
/// picked; rsync cannot be asked for one, so a taken one is retried).
fn rsync_daemon(dir: &Path, conf: &str) -> RsyncDaemon {
    let path = write(dir, "rsyncd.conf", conf.as_bytes());
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = peer("rsync")
            .args(["--daemon", "--no-detach", "--address=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--config={}", path.display()))
            .spawn()
            .unwrap();
        let mut d = RsyncDaemon { child, port };
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if d.child.try_wait().unwrap().is_some() {
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return d;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = d.child.kill();
    }
    panic!("rsync --daemon did not start");
}

/// The symlinks below `root`: (path, value), sorted.
fn links_below(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            if ft.is_symlink() {
                let value = std::fs::read_link(e.path()).unwrap().display().to_string();
                out.push((rel, value));
            } else if ft.is_dir() {
                todo.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn symlinks_are_stored_and_sent_back_as_rsyncs_daemon_does() {
    let uid = rustix::process::getuid().as_raw();
    let gid = rustix::process::getgid().as_raw();
    for munge in ["yes", "no"] {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("a/b")).unwrap();
        std::fs::create_dir_all(src.join("d")).unwrap();
        write(&src.join("d"), "big.txt", b"data");
        for (path, value) in [
            ("link", "d/big.txt"),
            ("abs", "/etc/passwd"),
            ("up", "../../x"),
            ("a/b/two", "../../y"),
            ("a/b/three", "../../../z"),
            ("a/mid", "b/../../w"),
            ("in", "a//./b"),
        ] {
            std::os::unix::fs::symlink(value, src.join(path)).unwrap();
        }
        let (ours, theirs) = (dir.path().join("ours"), dir.path().join("theirs"));
        std::fs::create_dir(&ours).unwrap();
        std::fs::create_dir(&theirs).unwrap();
        let module = |path: &Path| {
            format!(
                "[m]\npath = {}\nread only = no\nmunge symlinks = {munge}\n",
                path.display()
            )
        };
        let rsyncd = rsync_daemon(
            dir.path(),
            &format!(
                "use chroot = no\nuid = {uid}\ngid = {gid}\n{}",
                module(&theirs)
            ),
        );
        let srv = serve_config(dir.path(), &module(&ours));
        let s_src = format!("{}/", s(&src));
        let out = peer("rsync")
            .args(["-a", &s_src])
            .arg(format!("rsync://127.0.0.1:{}/m/", rsyncd.port))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = srv.port.to_string();
        ok(wsync().args(["sync", "-a", "--port", &port, &s_src, "127.0.0.1::m/"]));
        // The same values on disk: munged, or sanitized.
        let stored = links_below(&theirs);
        assert_eq!(links_below(&ours), stored, "munge symlinks = {munge}");
        assert_eq!(stored.len(), 7);
        // And the same values back out.
        let (back_ours, back_theirs) =
            (dir.path().join("back_ours"), dir.path().join("back_theirs"));
        let out = peer("rsync")
            .arg("-a")
            .arg(format!("rsync://127.0.0.1:{}/m/", rsyncd.port))
            .arg(format!("{}/", s(&back_theirs)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ok(wsync().args([
            "sync",
            "-a",
            "--port",
            &port,
            "127.0.0.1::m/",
            s(&back_ours),
        ]));
        assert_eq!(
            links_below(&back_ours),
            links_below(&back_theirs),
            "munge symlinks = {munge}"
        );
        if munge == "yes" {
            assert_eq!(links_below(&back_ours), links_below(&src));
        }
    }
}

// ---- Minor: login guessing is throttled per address ----

/// What one login attempt came to.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    Failed(Code),
    Other(String),
}

/// The next protocol message, or `None` when the connection ends.
async fn next_message<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> Option<Message>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match ws.next().await {
            Some(Ok(Ws::Binary(b))) => return Message::decode(&b).ok(),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

async fn try_login(port: u16, user: &str, secret: Vec<u8>) -> Outcome {
    let url = format!("ws://127.0.0.1:{port}/ws");
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(url).await else {
        return Outcome::Other("connect".into());
    };
    let hello = Message::Hello {
        min_version: 1,
        max_version: 1,
        agent: "guess".into(),
        limits: Limits::default(),
    };
    let _ = ws.send(Ws::Binary(hello.encode().into())).await;
    let Some(Message::Welcome {
        auth: AuthRequest::Challenge { nonce },
        ..
    }) = next_message(&mut ws).await
    else {
        return Outcome::Other("no challenge".into());
    };
    let answer = AuthResponse::Hmac {
        user: user.into(),
        mac: auth::respond(&secret, &nonce, user),
    };
    let _ = ws
        .send(Ws::Binary(Message::Auth(answer).encode().into()))
        .await;
    match next_message(&mut ws).await {
        Some(Message::AuthOk { .. }) => Outcome::Ok,
        Some(Message::Error { code, .. }) => Outcome::Failed(code),
        other => Outcome::Other(format!("{other:?}")),
    }
}

#[test]
fn login_guessing_is_slowed_then_refused_and_logged_briefly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    let sp = secrets(dir.path(), "secrets", "ann:right\n");
    let conf = format!(
        "[m]\npath = {}\nauth users = ann\nsecrets file = {sp}\n",
        dir.path().join("m").display()
    );
    let conf_path = write(dir.path(), "wsyncd.conf", conf.as_bytes());
    let log = dir.path().join("log");
    let srv = start_server_logging(
        &["serve", "--config", s(&conf_path)],
        std::fs::File::create(&log).unwrap(),
        "info",
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // 80 guesses, 10 at a time, as fast as the server answers.
    let t0 = Instant::now();
    let mut outcomes = Vec::new();
    for _ in 0..8 {
        let wave: Vec<_> = (0..10)
            .map(|i| rt.spawn(try_login(srv.port, "ann", format!("guess{i}").into_bytes())))
            .collect();
        for h in wave {
            outcomes.push(rt.block_on(h).unwrap());
        }
    }
    let guessing = t0.elapsed();
    let checked = outcomes
        .iter()
        .filter(|o| **o == Outcome::Failed(Code::AuthFailed))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| **o == Outcome::Failed(Code::TryLater))
        .count();
    eprintln!("80 guesses in {guessing:?}: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, 80, "{outcomes:?}");
    assert!(checked <= 25, "{checked} guesses were checked");

    // The right password, on fresh connections, gets in within a bounded time.
    let t1 = Instant::now();
    loop {
        match rt.block_on(try_login(srv.port, "ann", b"right".to_vec())) {
            Outcome::Ok => break,
            Outcome::Failed(Code::TryLater) => {}
            other => panic!("{other:?}"),
        }
        assert!(
            t1.elapsed() < Duration::from_secs(20),
            "locked out too long"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("the right password got in after {:?}", t1.elapsed());

    // The log has a few lines about it, not one per guess.
    drop(srv);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("login") || l.contains("authentication"))
        .collect();
    eprintln!("log:\n{}", lines.join("\n"));
    assert!((1..=5).contains(&lines.len()), "log:\n{text}");
}
