//! SECURITY.md, "Paths and names": hostile paths in every path field of
//! every request, a parent directory swapped for a symlink mid-upload,
//! control characters in listings, and a lying server answering a pull.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::path::Path;
use std::time::Duration;
use util::*;
use wsync::protocol::{ClientEvent, ClientSession, Code, Limits, Message};

fn empty_signature() -> Vec<u8> {
    wsync::SignatureBuilder::new(wsync::SignatureOptions {
        len_hint: Some(0),
        ..Default::default()
    })
    .unwrap()
    .finish()
    .encode()
}

/// Everything below `dir`, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            out.push(e.path().display().to_string());
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_paths_are_refused_in_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(module.join("a")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("x"), b"outside").unwrap();
    std::os::unix::fs::symlink(&outside, module.join("link")).unwrap();
    let before = (tree(&module), tree(&outside));
    let srv = serve(&module, &[]);
    let long_name = "n".repeat(300);
    let too_long = "d/".repeat(2100);
    let bad: Vec<&str> = vec![
        "../x",
        "/x",
        "a/../../x",
        "..\\x",
        "C:x",
        "a\0b",
        "",
        ".",
        "a//x",
        "link/x",
        "link/new",
        &long_name,
        &too_long,
    ];
    let mut raw = Raw::connect(srv.port);
    raw.hello();
    let mut id = 0;
    for path in &bad {
        let requests = [
            vec![Message::PushBegin {
                id: id + 1,
                module: "data".into(),
                path: path.to_string(),
                size: 5,
                resume: Vec::new(),
                strong: 0,
            }],
            vec![
                Message::PullBegin {
                    id: id + 2,
                    module: "data".into(),
                    path: path.to_string(),
                },
                Message::SigChunk {
                    id: id + 2,
                    data: empty_signature(),
                },
                Message::SigEnd {
                    id: id + 2,
                    basis: Vec::new(),
                    token: Vec::new(),
                    from: 0,
                },
            ],
            vec![Message::Delete {
                id: id + 3,
                module: "data".into(),
                path: path.to_string(),
            }],
            vec![Message::List {
                id: id + 4,
                module: "data".into(),
                path: path.to_string(),
                recursive: true,
                checksum: true,
            }],
            vec![Message::Make {
                id: id + 5,
                module: "data".into(),
                path: path.to_string(),
                kind: wsync::protocol::Kind::Dir,
                target: String::new(),
                attrs: None,
            }],
            vec![Message::Make {
                id: id + 6,
                module: "data".into(),
                path: path.to_string(),
                kind: wsync::protocol::Kind::Symlink,
                target: "x".into(),
                attrs: None,
            }],
        ];
        for (k, msgs) in requests.iter().enumerate() {
            let rid = id + 1 + k as u64;
            // The root of the module may be listed.
            let listing_root = k == 3 && (path.is_empty() || *path == ".");
            for m in msgs {
                raw.send(m);
            }
            match raw.recv(Duration::from_secs(10)) {
                Seen::Msg(Message::Error { id: i, code, .. }) if i == rid => assert!(
                    matches!(
                        code,
                        Code::BadPath | Code::NotFound | Code::Denied | Code::Io
                    ),
                    "{path:?} request {k}: {code:?}"
                ),
                // Over the wire format's cap: the session ends.
                Seen::Msg(Message::Error { id: 0, code, .. }) => {
                    assert_eq!(code, Code::Protocol);
                    assert_eq!(*path, too_long);
                    raw = Raw::connect(srv.port);
                    raw.hello();
                }
                Seen::Msg(Message::Entries { id: i, done, .. }) if listing_root && i == rid => {
                    if !done {
                        while !matches!(raw.next(), Message::Entries { done: true, .. }) {}
                    }
                }
                other => panic!("{path:?} request {k}: {other:?}"),
            }
        }
        id += 10;
    }
    // Unknown or hostile module names.
    for module in ["../data", "", "data/..", "nope"] {
        id += 1;
        raw.send(&Message::Delete {
            id,
            module: module.into(),
            path: "f".into(),
        });
        assert_eq!(
            error_code(&raw.next(), id),
            Some(Code::NoModule),
            "{module:?}"
        );
    }
    assert_eq!((tree(&module), tree(&outside)), before, "something changed");
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn hostile_paths_are_refused_in_every_request_walking() {
    walking(hostile_paths_are_refused_in_every_request);
}

#[test]
fn a_parent_swapped_for_a_symlink_mid_upload_cannot_lead_outside() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(module.join("sub")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"secret").unwrap();
    let srv = serve(&module, &[]);
    let mut raw = Raw::connect(srv.port);
    let mut s = ClientSession::new("t", Limits::default(), wsync::DeltaOptions::default());
    raw.drive(&mut s, |e| matches!(e, ClientEvent::Ready { .. }));
    let id = s.push_with("data", "sub/f", 7, &[], 0);
    raw.drive(&mut s, |e| matches!(e, ClientEvent::PushReady { .. }));
    // The signature is out: now swap the parent for a symlink to outside.
    std::fs::rename(module.join("sub"), module.join("sub.old")).unwrap();
    std::os::unix::fs::symlink(&outside, module.join("sub")).unwrap();
    s.push_data(id, b"payload").unwrap();
    s.push_finish(id, None).unwrap();
    let seen = raw.drive(&mut s, |e| {
        matches!(e, ClientEvent::Done { .. } | ClientEvent::Failed { .. })
    });
    // The upload lands in the directory it was opened in, or fails; never outside.
    assert!(!outside.join("f").exists(), "written outside the module");
    if matches!(seen.last(), Some(ClientEvent::Done { .. })) {
        assert_eq!(std::fs::read(module.join("sub.old/f")).unwrap(), b"payload");
    }
    // New requests through the symlink are refused.
    let local = write(dir.path(), "local", b"evil");
    let url = |p: &str| format!("ws://127.0.0.1:{}/data/{p}", srv.port);
    assert!(!run(&["push", s_(&local), &url("sub/g")]).status.success());
    assert!(
        !run(&["pull", &url("sub/secret"), s_(&dir.path().join("got"))])
            .status
            .success()
    );
    assert!(!run(&["delete", &url("sub/secret")]).status.success());
    assert!(!outside.join("g").exists());
    assert!(!dir.path().join("got").exists());
    assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"secret");
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn a_parent_swapped_for_a_symlink_mid_upload_cannot_lead_outside_walking() {
    walking(a_parent_swapped_for_a_symlink_mid_upload_cannot_lead_outside);
}

fn s_(p: &Path) -> &str {
    util::s(p)
}

#[test]
fn control_characters_in_names_are_escaped_in_listings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("esc\x1b[31mred"), b"x").unwrap();
    std::fs::write(dir.path().join("new\nline"), b"x").unwrap();
    let srv = serve(dir.path(), &[]);
    let out = ok(wsync().args(["list", &format!("ws://127.0.0.1:{}/data/", srv.port)]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "{text:?}");
    assert_eq!(text.lines().count(), 2, "{text:?}");
    assert!(text.contains("esc\\u{1b}[31mred"), "{text:?}");
    assert!(text.contains("new\\nline"), "{text:?}");
}

/// What a lying server sends after the signature of pull `id`.
type Answer = fn(u64) -> Vec<Message>;

/// A fake server that answers one pull with what `answer` says.
fn lying_server(answer: Answer) -> u16 {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Ws;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            while let Some(Ok(Ws::Binary(b))) = ws.next().await {
                let replies = match Message::decode(&b).unwrap() {
                    Message::Hello { limits, .. } => vec![Message::Welcome {
                        version: 1,
                        agent: "liar".into(),
                        limits,
                        auth: wsync::protocol::AuthRequest::None,
                    }],
                    Message::SigEnd { id, .. } => answer(id),
                    _ => Vec::new(),
                };
                for r in replies {
                    let _ = ws.send(Ws::Binary(r.encode().into())).await;
                }
            }
        });
    });
    port
}

#[test]
fn a_server_answering_a_pull_with_what_was_not_asked_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Answer); 3] = [
        ("a delta for another request", |id| {
            vec![Message::DeltaChunk {
                id: id + 7,
                offset: 0,
                data: vec![1, 2, 3],
            }]
        }),
        ("an end for another request", |id| {
            vec![Message::PullEnd {
                id: id + 1,
                sha256: [0; 32],
                mtime: 0,
                mtime_nsec: 0,
                mode: 0o644,
            }]
        }),
        ("a listing instead of a delta", |id| {
            vec![Message::Entries {
                id,
                done: true,
                entries: vec![wsync::protocol::Entry {
                    path: "../../etc/passwd".into(),
                    kind: wsync::protocol::Kind::File,
                    size: 1,
                    mtime: 0,
                    mtime_nsec: 0,
                    mode: 0o644,
                    target: String::new(),
                    sum: None,
                }],
            }]
        }),
    ];
    for (what, answer) in cases {
        let port = lying_server(answer);
        let dest = dir.path().join("dest");
        let out = wsync()
            .args(["pull", &format!("ws://127.0.0.1:{port}/data/f"), s_(&dest)])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{what}: accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.to_lowercase().contains("protocol"), "{what}: {err}");
        assert!(!dest.exists(), "{what}: wrote the destination");
        assert_eq!(tree(dir.path()), Vec::<String>::new(), "{what}: left files");
    }
}

/// `WSYNC_RESOLVE=walk` reaches the server (the `_walking` tests above are
/// not openat2 twice), and a value it does not know stops the start.
#[test]
fn the_server_resolves_as_wsync_resolve_says() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let said = |walk: bool| {
        let log = dir.path().join(format!("log-{walk}"));
        let start = || {
            let f = std::fs::File::create(&log).unwrap();
            drop(start_server_logging(&["serve", s_(&module)], f, "debug"));
        };
        match walk {
            true => walking(start),
            false => start(),
        }
        std::fs::read_to_string(&log).unwrap()
    };
    let walked = "paths beneath module roots: walked component by component";
    assert!(said(true).contains(walked), "{}", said(true));
    let native = match cfg!(target_os = "linux") {
        true => "paths beneath module roots: openat2 with RESOLVE_BENEATH",
        false => walked,
    };
    assert!(said(false).contains(native), "{}", said(false));
    let out = wsync()
        .env("WSYNC_RESOLVE", "bogus")
        .args(["serve", s_(&module), "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WSYNC_RESOLVE=bogus"), "{err}");
}
