//! SECURITY.md, "Wire messages and the server", through the real server:
//! oversized frames, floods, limits a peer proposes, slow handshakes,
//! foreign origins with valid credentials, wrong and replayed auth.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use util::*;
use wsync::protocol::{auth, AuthRequest, AuthResponse, Code, Limits, Message};

fn modules_listed(raw: &mut Raw, id: u64) -> bool {
    raw.send(&Message::ListModules { id });
    loop {
        match raw.recv(Duration::from_secs(10)) {
            Seen::Msg(Message::Modules { id: i, .. }) if i == id => return true,
            Seen::Msg(_) => continue,
            _ => return false,
        }
    }
}

#[test]
fn a_message_one_byte_over_the_limit_closes_with_1009() {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &[]);
    let max = Limits::default().max_message as usize;
    let mut raw = Raw::connect(srv.port);
    raw.hello();
    // At the limit: read and refused as a malformed message, not as too large.
    let mut at_limit = vec![0u8; max];
    at_limit[0] = 0x10;
    raw.send_bytes(at_limit);
    match raw.next() {
        Message::Error { id: 0, code, .. } => assert_eq!(code, Code::Protocol),
        other => panic!("{other:?}"),
    }
    let mut raw = Raw::connect(srv.port);
    raw.hello();
    raw.send_bytes(vec![0x10; max + 1]);
    match raw.recv(Duration::from_secs(10)) {
        Seen::Closed(code) => assert_eq!(code, Some(1009), "close code"),
        other => panic!("{other:?}"),
    }
    assert!(rss_kib(srv.child.id()) < 64 << 10);
    let mut ok = Raw::connect(srv.port);
    ok.hello();
    assert!(modules_listed(&mut ok, 1));
}

#[test]
fn ping_and_tiny_message_floods_stay_bounded() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message as Ws;
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &[]);
    let before = rss_kib(srv.child.id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("ws://127.0.0.1:{}/ws", srv.port);
    let (mut ws, _) = rt.block_on(tokio_tungstenite::connect_async(url)).unwrap();
    let hello = Message::Hello {
        min_version: 1,
        max_version: 1,
        agent: "flood".into(),
        limits: Limits::default(),
    };
    rt.block_on(async {
        ws.send(Ws::Binary(hello.encode().into())).await.unwrap();
        // Feed without flushing each one, and without reading any answer.
        for i in 0..20_000u64 {
            let m = match i % 2 {
                0 => Ws::Ping(vec![7u8; 16].into()),
                _ => Ws::Binary(Message::ListModules { id: i }.encode().into()),
            };
            if tokio::time::timeout(Duration::from_secs(5), ws.feed(m))
                .await
                .is_err()
            {
                break; // the server stopped reading: back pressure, fine
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), ws.flush()).await;
    });
    // The server still serves others, and did not buffer the flood.
    let mut other = Raw::connect(srv.port);
    other.hello();
    assert!(modules_listed(&mut other, 1));
    let after = rss_kib(srv.child.id());
    assert!(
        after < before + (32 << 10),
        "RSS grew from {before} to {after} KiB"
    );
}

#[test]
fn limits_a_client_proposes_are_clamped_never_raised() {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &[]);
    let server = Limits::default();
    for proposed in [
        Limits {
            max_message: u32::MAX,
            chunk: u32::MAX,
            window: u64::MAX,
        },
        Limits {
            max_message: 4096,
            chunk: 0,
            window: 0,
        },
        Limits {
            max_message: 1 << 20,
            chunk: 1 << 31,
            window: 1 << 40,
        },
    ] {
        let mut raw = Raw::connect(srv.port);
        raw.send(&Message::Hello {
            min_version: 1,
            max_version: 1,
            agent: "x".into(),
            limits: proposed,
        });
        let Message::Welcome { limits, .. } = raw.next() else {
            panic!("no Welcome")
        };
        assert!(limits.max_message <= proposed.max_message.min(server.max_message));
        assert!((1..=server.chunk).contains(&limits.chunk), "{limits:?}");
        assert!(limits.chunk < limits.max_message, "{limits:?}");
        assert!((1..=server.window).contains(&limits.window), "{limits:?}");
    }
}

#[test]
fn slow_handshakes_are_reaped_and_real_clients_still_served() {
    let dir = tempfile::tempdir().unwrap();
    // Room for all of them in the handshake pool: here the deadline reaps
    // them (serve_attacks_dos.rs tests the eviction of a full pool).
    let srv = serve(
        dir.path(),
        &[
            "--handshake-timeout",
            "2",
            "--token",
            "t0ken",
            "--max-handshakes",
            "512",
        ],
    );
    // 100 sessions that never say Hello, 100 that never authenticate.
    let mut slow: Vec<Raw> = (0..200).map(|_| Raw::connect(srv.port)).collect();
    for r in slow.iter_mut().skip(100) {
        assert!(matches!(r.hello(), Message::Welcome { .. }));
    }
    // 40 raw sockets that dribble a byte every 300 ms: half of them in the
    // HTTP upgrade request, half in a Hello frame after the upgrade.
    let dribblers: Vec<_> = (0..40)
        .map(|n| {
            let port = srv.port;
            std::thread::spawn(move || {
                let mut t = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                let head_only = n % 2 == 0;
                if head_only {
                    t.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n").unwrap();
                }
                let req = format!(
                    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
                     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                     Sec-WebSocket-Version: 13\r\n\r\n"
                );
                if !head_only {
                    t.write_all(req.as_bytes()).unwrap();
                }
                t.set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                let mut buf = [0u8; 4096];
                let begun = Instant::now();
                // A masked binary frame header, then the bytes one by one.
                // (4096 bytes announced, so it never completes).
                let head: &[u8] = match head_only {
                    true => b"X-Slow: ",
                    false => &[0x82, 0xfe, 0x10, 0x00, 1, 2, 3, 4],
                };
                for b in head.iter().chain(std::iter::repeat(&b'9')) {
                    if t.write_all(&[*b]).is_err() {
                        return begun.elapsed();
                    }
                    match t.read(&mut buf) {
                        Ok(0) => return begun.elapsed(),
                        Err(e)
                            if e.kind() != std::io::ErrorKind::WouldBlock
                                && e.kind() != std::io::ErrorKind::TimedOut =>
                        {
                            return begun.elapsed()
                        }
                        _ => {}
                    }
                    if begun.elapsed() > Duration::from_secs(15) {
                        break;
                    }
                }
                begun.elapsed()
            })
        })
        .collect();
    // Meanwhile a real client is served.
    let start = Instant::now();
    let out = ok(wsync().args([
        "list",
        "--token",
        "t0ken",
        &format!("ws://127.0.0.1:{}/", srv.port),
    ]));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("data"));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "the real client waited"
    );
    for (i, r) in slow.iter_mut().enumerate() {
        match r.recv(Duration::from_secs(6)) {
            Seen::Closed(_) => {}
            other => panic!("slow session {i} not reaped: {other:?}"),
        }
    }
    for d in dribblers {
        let held = d.join().unwrap();
        assert!(
            held < Duration::from_secs(5),
            "a dribbler was held {held:?}"
        );
    }
}

#[test]
fn a_foreign_origin_is_refused_even_with_valid_credentials() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &["--token", "t0ken"]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut req = format!("ws://127.0.0.1:{}/ws", srv.port)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    req.headers_mut()
        .insert("authorization", "Bearer t0ken".parse().unwrap());
    let refused = rt
        .block_on(tokio_tungstenite::connect_async(req))
        .unwrap_err();
    assert!(refused.to_string().contains("403"), "{refused}");
}

#[test]
fn wrong_and_replayed_auth_responses_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m");
    std::fs::create_dir(&m).unwrap();
    let secrets = write(dir.path(), "secrets", b"ann:open sesame\n");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let conf = format!(
        "[m]\npath = {}\nauth users = ann\nsecrets file = {}\n",
        m.display(),
        secrets.display()
    );
    let srv = serve_config(dir.path(), &conf);
    let challenge = |raw: &mut Raw| match raw.hello() {
        Message::Welcome {
            auth: AuthRequest::Challenge { nonce },
            ..
        } => nonce,
        other => panic!("{other:?}"),
    };
    let answer = |raw: &mut Raw, mac: [u8; 32]| {
        raw.send(&Message::Auth(AuthResponse::Hmac {
            user: "ann".into(),
            mac,
        }));
        raw.next()
    };
    // The right password.
    let mut a = Raw::connect(srv.port);
    let nonce = challenge(&mut a);
    let good = auth::respond(b"open sesame", &nonce, "ann");
    assert!(matches!(answer(&mut a, good), Message::AuthOk { .. }));
    // The same response replayed on a new session (a new nonce) fails.
    let mut b = Raw::connect(srv.port);
    let nonce_b = challenge(&mut b);
    assert_ne!(nonce, nonce_b, "nonces must be fresh");
    match answer(&mut b, good) {
        Message::Error { id: 0, code, .. } => assert_eq!(code, Code::AuthFailed),
        other => panic!("a replayed response got {other:?}"),
    }
    assert!(matches!(b.recv(Duration::from_secs(5)), Seen::Closed(_)));
    // A wrong password fails the same way.
    let mut c = Raw::connect(srv.port);
    let nonce_c = challenge(&mut c);
    let wrong = auth::respond(b"guess", &nonce_c, "ann");
    match answer(&mut c, wrong) {
        Message::Error { id: 0, code, .. } => assert_eq!(code, Code::AuthFailed),
        other => panic!("a wrong password got {other:?}"),
    }
}

#[test]
fn a_stdio_record_over_the_limit_gets_an_error_before_anything_is_buffered() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsync"))
        .args(["serve", "--stdio", s(dir.path())])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let hello = Message::Hello {
        min_version: 1,
        max_version: 1,
        agent: "x".into(),
        limits: Limits::default(),
    };
    stdin
        .write_all(&wsync::protocol::frame::frame(&hello.encode()))
        .unwrap();
    // A length one over the limit, and no body at all: the answer must not wait for it.
    let over = Limits::default().max_message + 1;
    stdin.write_all(&over.to_be_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    // The server ended by itself, with stdin still open.
    child.wait().unwrap();
    let mut frames = wsync::protocol::frame::FrameDecoder::new(1 << 20);
    frames.push(&out);
    let mut msgs = Vec::new();
    while let Some(r) = frames.next_record().unwrap() {
        msgs.push(Message::decode(&r).unwrap());
    }
    assert!(matches!(msgs[0], Message::Welcome { .. }), "{msgs:?}");
    assert!(
        matches!(
            msgs.last(),
            Some(Message::Error {
                id: 0,
                code: Code::TooLarge,
                ..
            })
        ),
        "{msgs:?}"
    );
    drop(stdin);
}
