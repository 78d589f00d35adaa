//! Client and server sessions against each other in memory, with a host
//! that keeps files in a map: every byte crosses as an encoded message.

use super::*;
use crate::testutil::{test, Rng};
use crate::{
    DeltaEncoder, DeltaOptions, PatchOptions, Patcher, Sha256, Signature, SignatureOptions,
};
use std::collections::HashMap;

/// An upload in progress: target key, basis identity, patcher, bytes applied.
type Upload = (String, Vec<u8>, Patcher<Vec<u8>, Vec<u8>>, u64);

struct Host {
    files: HashMap<String, Vec<u8>>,
    secrets: HashMap<String, Vec<u8>>,
    uploads: HashMap<u64, Upload>,
    /// Changes the file between signature and commit, once.
    meddle: Option<String>,
    /// Ends downloads with a SHA-256 other than their delta's result's.
    wrong_end: bool,
}

fn basis_id(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data)[..16].to_vec()
}

impl Host {
    fn new() -> Self {
        Host {
            files: HashMap::new(),
            secrets: HashMap::new(),
            uploads: HashMap::new(),
            meddle: None,
            wrong_end: false,
        }
    }

    fn handle(&mut self, s: &mut ServerSession, e: ServerEvent) {
        match e {
            ServerEvent::CheckAuth {
                response: AuthResponse::Hmac { user, mac },
                nonce,
            } => {
                let ok = self
                    .secrets
                    .get(&user)
                    .is_some_and(|sec| auth::verify(sec, &nonce, &user, &mac));
                let _ = s.auth_result(ok, "welcome");
            }
            ServerEvent::CheckAuth {
                response: AuthResponse::Token { token },
                ..
            } => {
                let _ = s.auth_result(token == "good-token", "");
            }
            ServerEvent::ListModules { id } => s.modules(
                id,
                vec![ModuleInfo {
                    name: "data".into(),
                    comment: "test files".into(),
                }],
            ),
            ServerEvent::List { id, .. } => s.entries(id, Vec::new()),
            ServerEvent::PushBegin {
                id, module, path, ..
            } => {
                let key = format!("{module}/{path}");
                let basis = self.files.get(&key).cloned().unwrap_or_default();
                let sig = Signature::of(
                    &basis,
                    SignatureOptions {
                        block_len: Some(64),
                        ..Default::default()
                    },
                )
                .unwrap();
                s.signature(id, &sig.encode(), basis_id(&basis), vec![7; 16], 0);
                let patcher = Patcher::new(basis.clone(), Vec::new(), PatchOptions::default());
                self.uploads
                    .insert(id, (key.clone(), basis_id(&basis), patcher, 0));
                if self.meddle.as_deref() == Some(&key) {
                    self.meddle = None;
                    self.files
                        .insert(key, b"changed behind the client's back".to_vec());
                }
            }
            ServerEvent::PushData { id, data } => {
                let (_, _, p, n) = self.uploads.get_mut(&id).unwrap();
                match p.update(&data) {
                    Ok(()) => {
                        *n += data.len() as u64;
                        let upto = *n;
                        s.applied(id, upto);
                    }
                    Err(e) => {
                        self.uploads.remove(&id);
                        s.fail(id, Code::BadDelta, e.to_string());
                    }
                }
            }
            ServerEvent::PushCommit {
                id, sha256, basis, ..
            } => {
                let (key, _, p, _) = self.uploads.remove(&id).unwrap();
                let current = basis_id(self.files.get(&key).map(|v| &v[..]).unwrap_or(&[]));
                if current != basis {
                    s.fail(id, Code::BasisChanged, "basis changed");
                    return;
                }
                match p.finish() {
                    Ok((out, report)) if report.sha256 == Some(sha256) => {
                        self.files.insert(key, out);
                        s.done(id);
                    }
                    Ok(_) => s.fail(id, Code::HashMismatch, "commit hash differs"),
                    Err(e) => s.fail(id, Code::BadDelta, e.to_string()),
                }
            }
            ServerEvent::PullOpen { id, module, path } => {
                if !self.files.contains_key(&format!("{module}/{path}")) {
                    s.fail(id, Code::NotFound, "no such file");
                }
            }
            ServerEvent::PullBegin {
                id,
                module,
                path,
                signature,
            } => {
                // Nothing to do for a pull failed at PullOpen.
                if !s.pull_start(id) {
                    return;
                }
                let file = self.files[&format!("{module}/{path}")].clone();
                let mut enc = DeltaEncoder::new(&signature, DeltaOptions::default()).unwrap();
                let mut d = Vec::new();
                enc.update(&file, &mut d);
                let stats = enc.finish(&mut d);
                s.pull_data(id, &d, 0);
                let mut sha256 = stats.sha256.unwrap();
                if self.wrong_end {
                    sha256[0] ^= 1;
                }
                s.pull_end(id, sha256, 1_700_000_000, 5, 0o644);
            }
            ServerEvent::Delete { id, module, path } => {
                match self.files.remove(&format!("{module}/{path}")) {
                    Some(_) => s.done(id),
                    None => s.fail(id, Code::NotFound, "no such file"),
                }
            }
            ServerEvent::Make { id, path, .. } if path == "bad" => s.fail(id, Code::BadPath, "bad"),
            ServerEvent::Make { id, .. } => s.done(id),
            ServerEvent::Cancel { id, .. } => {
                self.uploads.remove(&id);
            }
        }
    }
}

/// Moves messages both ways until neither side has anything to say;
/// returns the client's events and the bytes sent each way.
fn pump(
    c: &mut ClientSession,
    s: &mut ServerSession,
    host: &mut Host,
) -> (Vec<ClientEvent>, u64, u64) {
    let (mut events, mut up, mut down) = (Vec::new(), 0u64, 0u64);
    loop {
        let mut quiet = true;
        for o in c.poll() {
            quiet = false;
            match o {
                ClientOutput::Send(m) => {
                    let bytes = m.encode();
                    up += bytes.len() as u64;
                    let _ = s.receive(&bytes);
                }
                ClientOutput::Event(e) => events.push(e),
            }
        }
        for o in s.poll() {
            quiet = false;
            match o {
                ServerOutput::Send(m) => {
                    let bytes = m.encode();
                    down += bytes.len() as u64;
                    let _ = c.receive(&bytes);
                }
                ServerOutput::Event(e) => host.handle(s, e),
            }
        }
        if quiet {
            return (events, up, down);
        }
    }
}

fn connect(host: &mut Host, nonce: Option<[u8; 32]>) -> (ClientSession, ServerSession) {
    let mut c = ClientSession::new("test", Limits::default(), DeltaOptions::default());
    let mut s = ServerSession::new(ServerConfig::default(), nonce);
    pump(&mut c, &mut s, host);
    (c, s)
}

/// Uploads `data` the way a host would: feed while the window is open.
fn upload(
    c: &mut ClientSession,
    s: &mut ServerSession,
    host: &mut Host,
    path: &str,
    data: &[u8],
) -> (Vec<ClientEvent>, u64) {
    let id = c.push("data", path, data.len() as u64);
    let (mut events, mut up, _) = pump(c, s, host);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::PushReady { id: i, from: 0, .. } if *i == id)),
        "{events:?}"
    );
    for piece in data.chunks(1000) {
        assert!(c.push_window_open(id));
        c.push_data(id, piece).unwrap();
        let (e, u, _) = pump(c, s, host);
        events.extend(e);
        up += u;
    }
    c.push_finish(id, None).unwrap();
    let (e, u, _) = pump(c, s, host);
    events.extend(e);
    (events, up + u)
}

#[test]
fn handshake_lists_modules() {
    let mut host = Host::new();
    let (mut c, mut s) = connect(&mut host, None);
    assert!(c.is_ready());
    let id = c.list_modules();
    let (events, _, _) = pump(&mut c, &mut s, &mut host);
    assert_eq!(
        events,
        vec![ClientEvent::Modules {
            id,
            modules: vec![ModuleInfo {
                name: "data".into(),
                comment: "test files".into()
            }]
        }]
    );
}

#[test]
fn uploads_send_about_the_changed_bytes() {
    let mut rng = Rng::new(1);
    let mut host = Host::new();
    let (mut c, mut s) = connect(&mut host, None);
    let first = rng.bytes(100_000);
    let (events, _) = upload(&mut c, &mut s, &mut host, "f", &first);
    assert!(
        events.iter().any(|e| matches!(e, ClientEvent::Done { .. })),
        "{events:?}"
    );
    assert_eq!(host.files["data/f"], first);
    let mut second = first.clone();
    second.splice(50_000..50_000, rng.bytes(500));
    let (events, up) = upload(&mut c, &mut s, &mut host, "f", &second);
    assert!(
        events.iter().any(|e| matches!(e, ClientEvent::Done { .. })),
        "{events:?}"
    );
    assert_eq!(host.files["data/f"], second);
    assert!(up < 2000, "{up} bytes sent for a 500-byte change");
}

#[test]
fn downloads_patch_the_local_copy() {
    let mut rng = Rng::new(2);
    let mut host = Host::new();
    let server_copy = rng.text(80_000);
    let mut local = server_copy.clone();
    local.drain(10_000..10_300);
    host.files.insert("data/g".into(), server_copy.clone());
    let (mut c, mut s) = connect(&mut host, None);
    let sig = Signature::of(
        &local,
        SignatureOptions {
            block_len: Some(256),
            ..Default::default()
        },
    )
    .unwrap();
    let id = c.pull("data", "g", &sig);
    let (events, _, down) = pump(&mut c, &mut s, &mut host);
    let mut p = Patcher::new(&local[..], Vec::new(), PatchOptions::default());
    let mut end = None;
    for e in events {
        match e {
            ClientEvent::PullData { id: i, data } if i == id => p.update(&data).unwrap(),
            ClientEvent::PullEnd {
                id: i,
                sha256,
                mode,
                ..
            } if i == id => end = Some((sha256, mode)),
            other => panic!("{other:?}"),
        }
    }
    let (out, report) = p.finish().unwrap();
    assert_eq!(out, server_copy);
    assert_eq!(end, Some((report.sha256.unwrap(), 0o644)));
    assert!(down < 5000, "{down} bytes down");
}

/// Pulls `data/f` against `local` and patches it as a host does; returns
/// the download's id, the patcher's result and its SHA-256.
fn pull_and_patch(
    c: &mut ClientSession,
    s: &mut ServerSession,
    host: &mut Host,
    local: &[u8],
) -> (u64, Vec<u8>, Option<[u8; 32]>) {
    let sig = Signature::of(local, SignatureOptions::default()).unwrap();
    let id = c.pull("data", "f", &sig);
    let (events, _, _) = pump(c, s, host);
    let mut p = Patcher::new(local, Vec::new(), PatchOptions::default());
    let mut ended = false;
    for e in events {
        match e {
            ClientEvent::PullData { id: i, data } if i == id => p.update(&data).unwrap(),
            ClientEvent::PullEnd { id: i, .. } if i == id => ended = true,
            other => panic!("{other:?}"),
        }
    }
    assert!(ended);
    let (out, report) = p.finish().unwrap();
    (id, out, report.sha256)
}

#[test]
fn the_session_refuses_a_download_whose_result_is_not_the_servers_file() {
    let mut rng = Rng::new(17);
    let mut host = Host::new();
    let server_copy = rng.text(20_000);
    let mut local = server_copy.clone();
    local.drain(5_000..5_100);
    host.files.insert("data/f".into(), server_copy.clone());
    let (mut c, mut s) = connect(&mut host, None);

    // The result the delta produced, against the SHA-256 the server ended
    // with: the same file, accepted once.
    let (id, out, sha) = pull_and_patch(&mut c, &mut s, &mut host, &local);
    assert_eq!(out, server_copy);
    assert_eq!(c.pull_finish(id, sha), Ok(()));
    assert_eq!(
        c.pull_finish(id, sha),
        Err(PullMismatch),
        "the download is over"
    );

    // A result of another SHA-256, or of none (a delta without one).
    let (id, _, sha) = pull_and_patch(&mut c, &mut s, &mut host, &local);
    let mut other = sha.unwrap();
    other[31] ^= 0x80;
    assert_eq!(c.pull_finish(id, Some(other)), Err(PullMismatch));
    let (id, _, _) = pull_and_patch(&mut c, &mut s, &mut host, &local);
    assert_eq!(c.pull_finish(id, None), Err(PullMismatch));

    // A server whose end names another file than its delta makes: the
    // patcher is content (the delta's own hash holds), the session is not.
    host.wrong_end = true;
    let (id, out, sha) = pull_and_patch(&mut c, &mut s, &mut host, &local);
    assert_eq!(out, server_copy);
    let e = c.pull_finish(id, sha).unwrap_err();
    assert_eq!(PullMismatch::CODE, Code::HashMismatch);
    assert_eq!(
        e.to_string(),
        "the result's SHA-256 differs from the server's"
    );

    // Before its end a download has no verdict; an acknowledgement after
    // the end, or a cancel, sends nothing.
    host.wrong_end = false;
    let sig = Signature::of(&local, SignatureOptions::default()).unwrap();
    let early = c.pull("data", "f", &sig);
    assert_eq!(c.pull_finish(early, sha), Err(PullMismatch));
    pump(&mut c, &mut s, &mut host);
    c.pull_applied(early, 1);
    c.cancel(early);
    assert!(c.poll().is_empty());
    assert_eq!(c.pull_finish(early, sha), Err(PullMismatch), "cancelled");
    assert!(c.is_ready() && s.is_ready());
}

#[test]
fn basis_changed_is_reported_and_a_retry_succeeds() {
    let mut host = Host::new();
    host.files
        .insert("data/h".into(), b"old contents of h".repeat(100));
    host.meddle = Some("data/h".into());
    let (mut c, mut s) = connect(&mut host, None);
    let new = b"new contents of h".repeat(100);
    let (events, _) = upload(&mut c, &mut s, &mut host, "h", &new);
    assert!(
        events.iter().any(|e| matches!(
            e,
            ClientEvent::Failed {
                code: Code::BasisChanged,
                ..
            }
        )),
        "{events:?}"
    );
    assert_eq!(host.files["data/h"], b"changed behind the client's back");
    let (events, _) = upload(&mut c, &mut s, &mut host, "h", &new);
    assert!(
        events.iter().any(|e| matches!(e, ClientEvent::Done { .. })),
        "{events:?}"
    );
    assert_eq!(host.files["data/h"], new);
}

#[test]
fn authentication_right_wrong_and_replayed() {
    let mut host = Host::new();
    host.secrets.insert("ann".into(), b"s3cret".to_vec());
    let nonce = [5u8; 32];
    // Right secret.
    let (mut c, mut s) = connect(&mut host, Some(nonce));
    assert!(!c.is_ready());
    c.authenticate("ann", b"s3cret").unwrap();
    let (events, _, _) = pump(&mut c, &mut s, &mut host);
    assert_eq!(
        events,
        vec![ClientEvent::Ready {
            motd: "welcome".into()
        }]
    );
    // Wrong secret: the session ends with AuthFailed.
    let (mut c, mut s) = connect(&mut host, Some(nonce));
    c.authenticate("ann", b"guess").unwrap();
    pump(&mut c, &mut s, &mut host);
    assert!(s.is_closed());
    assert!(!c.is_ready());
    // A response recorded for one nonce does not open a session with another.
    let replayed = Message::Auth(AuthResponse::Hmac {
        user: "ann".into(),
        mac: auth::respond(b"s3cret", &nonce, "ann"),
    });
    let mut s = ServerSession::new(ServerConfig::default(), Some([6u8; 32]));
    let hello = Message::Hello {
        min_version: 1,
        max_version: 1,
        agent: "x".into(),
        limits: Limits::default(),
    };
    s.receive(&hello.encode()).unwrap();
    s.receive(&replayed.encode()).unwrap();
    for o in s.poll() {
        if let ServerOutput::Event(e) = o {
            host.handle(&mut s, e);
        }
    }
    assert!(s.is_closed());
    assert!(s.poll().iter().any(|o| matches!(
        o,
        ServerOutput::Send(Message::Error {
            code: Code::AuthFailed,
            ..
        })
    )));
    // Tokens.
    let (mut c, mut s) = connect(&mut host, Some(nonce));
    c.authenticate_token("good-token");
    pump(&mut c, &mut s, &mut host);
    assert!(c.is_ready());
}

#[test]
fn limits_are_clamped_never_raised() {
    let max = ServerConfig::default().limits;
    let greedy = Limits {
        max_message: u32::MAX,
        chunk: u32::MAX,
        window: u64::MAX,
    };
    let mut c = ClientSession::new("greedy", greedy, DeltaOptions::default());
    let mut s = ServerSession::new(ServerConfig::default(), None);
    pump(&mut c, &mut s, &mut Host::new());
    assert_eq!(s.limits().max_message, max.max_message);
    assert_eq!(s.limits().window, max.window);
    assert!(s.limits().chunk <= max.chunk);
    assert_eq!(c.limits(), s.limits());
    let modest = Limits {
        max_message: 4096,
        chunk: 1000,
        window: 5000,
    };
    let mut c = ClientSession::new("modest", modest, DeltaOptions::default());
    let mut s = ServerSession::new(ServerConfig::default(), None);
    pump(&mut c, &mut s, &mut Host::new());
    assert_eq!(s.limits(), modest);
    // Zero is raised to the smallest workable value, not taken as "no limit".
    let zero = Limits {
        max_message: 4096,
        chunk: 0,
        window: 0,
    };
    let mut s = ServerSession::new(ServerConfig::default(), None);
    s.receive(
        &Message::Hello {
            min_version: 1,
            max_version: 1,
            agent: String::new(),
            limits: zero,
        }
        .encode(),
    )
    .unwrap();
    assert_eq!((s.limits().chunk, s.limits().window), (1, 1));
}

#[test]
fn the_window_holds_back_an_upload_until_acknowledged() {
    let mut host = Host::new();
    let small = Limits {
        max_message: 4096,
        chunk: 512,
        window: 2048,
    };
    let mut c = ClientSession::new(
        "w",
        small,
        DeltaOptions {
            compress_level: 0,
            ..Default::default()
        },
    );
    let mut s = ServerSession::new(ServerConfig::default(), None);
    pump(&mut c, &mut s, &mut host);
    let id = c.push("data", "w", 400_000);
    pump(&mut c, &mut s, &mut host);
    // The encoder holds up to 128 KiB of literal bytes before emitting them.
    let data = Rng::new(3).bytes(400_000);
    // Without delivering anything to the server, the window fills.
    let mut fed = 0;
    while c.push_window_open(id) && fed < data.len() {
        c.push_data(id, &data[fed..fed + 500]).unwrap();
        fed += 500;
    }
    assert!(!c.push_window_open(id));
    assert!(fed <= (128 << 10) + 3000, "fed {fed}");
    // Once the server applies and acknowledges, it opens again.
    pump(&mut c, &mut s, &mut host);
    assert!(c.push_window_open(id));
}

#[test]
fn bad_messages_end_the_session_with_a_reason() {
    let hello = Message::Hello {
        min_version: 1,
        max_version: 1,
        agent: "x".into(),
        limits: Limits::default(),
    }
    .encode();
    let cases: Vec<(Vec<Vec<u8>>, Code)> = vec![
        (vec![vec![0x7e]], Code::Protocol), // unknown type
        (vec![vec![]], Code::Protocol),     // empty
        (vec![hello[..hello.len() - 1].to_vec()], Code::Protocol), // truncated
        (
            vec![Message::Hello {
                min_version: 2,
                max_version: 9,
                agent: "x".into(),
                limits: Limits::default(),
            }
            .encode()],
            Code::Version,
        ),
        (
            vec![Message::ListModules { id: 1 }.encode()],
            Code::Protocol,
        ), // before Hello
        (
            vec![hello.clone(), vec![0x10; (1 << 20) + 1]],
            Code::TooLarge,
        ), // one byte over
        (
            vec![
                hello.clone(),
                Message::DeltaChunk {
                    id: 9,
                    offset: 0,
                    data: vec![1],
                }
                .encode(),
            ],
            Code::Protocol,
        ),
        (
            vec![
                hello.clone(),
                Message::PushBegin {
                    id: 1,
                    module: "m".into(),
                    path: "p".into(),
                    size: 1,
                    resume: Vec::new(),
                    strong: 0,
                }
                .encode(),
                Message::DeltaChunk {
                    id: 1,
                    offset: 5,
                    data: vec![1],
                }
                .encode(),
            ],
            Code::Protocol,
        ),
        (
            vec![
                hello.clone(),
                Message::PullBegin {
                    id: 1,
                    module: "m".into(),
                    path: "p".into(),
                }
                .encode(),
                Message::Ack {
                    id: 1,
                    received: 10,
                }
                .encode(),
            ],
            Code::Protocol,
        ),
    ];
    for (i, (msgs, code)) in cases.into_iter().enumerate() {
        let mut s = ServerSession::new(ServerConfig::default(), None);
        let mut result = Ok(());
        for m in &msgs {
            result = s.receive(m);
            if result.is_err() {
                break;
            }
        }
        assert!(
            matches!(result, Err(ProtocolError::Peer { code: c, .. }) if c == code),
            "case {i}: {result:?}"
        );
        assert!(s.is_closed(), "case {i}");
        let sent = s.poll();
        assert!(
            sent.iter().any(
                |o| matches!(o, ServerOutput::Send(Message::Error { code: c, .. }) if *c == code)
            ),
            "case {i}"
        );
    }
}

#[test]
fn every_message_round_trips_and_truncations_fail() {
    let e = Entry {
        path: "a/b".into(),
        kind: Kind::Symlink,
        size: 7,
        mtime: -5,
        mtime_nsec: 999,
        mode: 0o777,
        target: "../x".into(),
        sum: None,
    };
    let f = Entry {
        path: "a/f".into(),
        kind: Kind::File,
        size: 3,
        mtime: 1,
        mtime_nsec: 2,
        mode: 0o644,
        target: String::new(),
        sum: Some([3; 32]),
    };
    let msgs = vec![
        Message::Hello {
            min_version: 1,
            max_version: 3,
            agent: "a".into(),
            limits: Limits::default(),
        },
        Message::Welcome {
            version: 1,
            agent: "s".into(),
            limits: Limits::default(),
            auth: AuthRequest::Challenge { nonce: [1; 32] },
        },
        Message::Auth(AuthResponse::Hmac {
            user: "u".into(),
            mac: [2; 32],
        }),
        Message::Auth(AuthResponse::Token { token: "t".into() }),
        Message::AuthOk { motd: "hi".into() },
        Message::ListModules { id: 1 },
        Message::Modules {
            id: 1,
            modules: vec![ModuleInfo {
                name: "m".into(),
                comment: "c".into(),
            }],
        },
        Message::List {
            id: 2,
            module: "m".into(),
            path: "p".into(),
            recursive: true,
            checksum: false,
        },
        Message::List {
            id: 2,
            module: "m".into(),
            path: "p".into(),
            recursive: false,
            checksum: true,
        },
        Message::Entries {
            id: 2,
            entries: vec![e, f],
            done: true,
        },
        Message::PushBegin {
            id: 3,
            module: "m".into(),
            path: "p".into(),
            size: u64::MAX,
            resume: vec![5; 16],
            strong: 32,
        },
        Message::PullBegin {
            id: 4,
            module: "m".into(),
            path: "p".into(),
        },
        Message::SigChunk {
            id: 3,
            data: vec![1, 2, 3],
        },
        Message::SigEnd {
            id: 3,
            basis: vec![9; 16],
            token: vec![8; 16],
            from: 12345,
        },
        Message::DeltaChunk {
            id: 3,
            offset: 1 << 40,
            data: vec![4; 100],
        },
        Message::Ack {
            id: 3,
            received: 77,
        },
        Message::Commit {
            id: 3,
            sha256: [3; 32],
            basis: vec![1],
            attrs: None,
        },
        Message::Commit {
            id: 3,
            sha256: [3; 32],
            basis: vec![],
            attrs: Some(FileAttrs {
                mtime: -5,
                mtime_nsec: 999_999_999,
                mode: 0o4755,
            }),
        },
        Message::PullEnd {
            id: 4,
            sha256: [4; 32],
            mtime: i64::MIN,
            mtime_nsec: 1,
            mode: 2,
        },
        Message::Delete {
            id: 5,
            module: "m".into(),
            path: "p".into(),
        },
        Message::Make {
            id: 6,
            module: "m".into(),
            path: "d".into(),
            kind: Kind::Dir,
            target: String::new(),
            attrs: Some(FileAttrs {
                mtime: 5,
                mtime_nsec: 6,
                mode: 0o755,
            }),
        },
        Message::Make {
            id: 6,
            module: "m".into(),
            path: "l".into(),
            kind: Kind::Symlink,
            target: "x".into(),
            attrs: None,
        },
        Message::Done { id: 5 },
        Message::Error {
            id: 5,
            code: Code::BasisChanged,
            message: "x".into(),
        },
    ];
    for m in msgs {
        let b = m.encode();
        assert_eq!(Message::decode(&b).unwrap(), m);
        for cut in 0..b.len() {
            assert!(Message::decode(&b[..cut]).is_err(), "{m:?} cut at {cut}");
        }
        let mut long = b.clone();
        long.push(0);
        assert!(Message::decode(&long).is_err());
    }
}

#[test]
fn framing_refuses_oversized_records_before_buffering() {
    let mut d = frame::FrameDecoder::new(100);
    d.push(&frame::frame(b"hello"));
    d.push(&frame::frame(b"world")[..3]);
    assert_eq!(d.next_record().unwrap(), Some(b"hello".to_vec()));
    assert_eq!(d.next_record().unwrap(), None);
    assert_eq!(d.finish(), Err(frame::FrameError::Truncated));
    let mut d = frame::FrameDecoder::new(100);
    d.push(&101u32.to_be_bytes());
    assert_eq!(
        d.next_record(),
        Err(frame::FrameError::TooLarge { len: 101, max: 100 })
    );
    let mut d = frame::FrameDecoder::new(100);
    d.push(&[0, 0, 0, 0]);
    assert_eq!(d.next_record(), Err(frame::FrameError::Empty));
}

#[test]
fn a_dropped_connection_cancels_open_uploads() {
    let mut host = Host::new();
    host.files.insert("data/k".into(), b"keep me".to_vec());
    let (mut c, mut s) = connect(&mut host, None);
    let id = c.push("data", "k", 100);
    pump(&mut c, &mut s, &mut host);
    c.push_data(id, &[1; 100]).unwrap();
    pump(&mut c, &mut s, &mut host);
    assert!(host.uploads.contains_key(&id));
    s.close_quietly();
    for o in s.poll() {
        if let ServerOutput::Event(e) = o {
            host.handle(&mut s, e);
        }
    }
    assert!(host.uploads.is_empty());
    assert_eq!(host.files["data/k"], b"keep me");
}

#[test]
fn late_replies_to_a_cancelled_request_are_ignored() {
    let mut host = Host::new();
    let (mut c, mut s) = connect(&mut host, None);
    let id = c.push("data", "late", 1000);
    pump(&mut c, &mut s, &mut host);
    c.push_data(id, &[7; 1000]).unwrap();
    // The server acknowledges delta bytes while the client cancels.
    let sent: Vec<_> = c.poll();
    c.cancel(id);
    for m in [
        Message::Ack { id, received: 10 },
        Message::Error {
            id,
            code: Code::Cancelled,
            message: "cancelled".into(),
        },
    ] {
        c.receive(&m.encode()).unwrap();
    }
    assert!(
        c.poll()
            .iter()
            .all(|o| !matches!(o, ClientOutput::Event(_))),
        "no events for a cancelled request"
    );
    drop(sent);
    // The request's last reply forgets it: later ones are errors again.
    assert!(c
        .receive(&Message::Ack { id, received: 20 }.encode())
        .is_err());
}

/// A host that fails an upload while the client's delta chunks and commit
/// are still on their way: those are ignored, the session goes on.
#[test]
fn messages_for_a_transfer_the_server_failed_are_ignored() {
    let mut host = Host::new();
    let (mut c, mut s) = connect(&mut host, None);
    let id = c.push("data", "f", 3000);
    pump(&mut c, &mut s, &mut host);
    c.push_data(id, &[7u8; 3000]).unwrap();
    c.push_finish(id, None).unwrap();
    // The host gives up on the upload before the client's messages arrive.
    s.fail(id, Code::Io, "disk full");
    let mut sent = Vec::new();
    for o in c.poll() {
        if let ClientOutput::Send(m) = o {
            sent.push(m.encode());
        }
    }
    assert!(sent.len() >= 2, "delta chunks and a commit");
    for m in &sent {
        assert!(s.receive(m).is_ok(), "a late message ended the session");
    }
    assert!(!s.is_closed());
    // The next request is served as usual; ids never used stay errors.
    let (events, _) = upload(&mut c, &mut s, &mut host, "g", b"hello");
    assert!(
        events.iter().any(|e| matches!(e, ClientEvent::Done { .. })),
        "{events:?}"
    );
    let stray = Message::DeltaChunk {
        id: 999,
        offset: 0,
        data: vec![1],
    };
    assert!(s.receive(&stray.encode()).is_err());
}

#[test]
fn a_client_refuses_requests_by_their_type() {
    let requests = [
        Message::Hello {
            min_version: 1,
            max_version: 1,
            agent: "x".into(),
            limits: Limits::default(),
        },
        Message::Auth(AuthResponse::Token { token: "t".into() }),
        Message::ListModules { id: 1 },
        Message::List {
            id: 1,
            module: "m".into(),
            path: String::new(),
            recursive: false,
            checksum: false,
        },
        Message::PushBegin {
            id: 1,
            module: "m".into(),
            path: "p".into(),
            size: 0,
            resume: Vec::new(),
            strong: 0,
        },
        Message::PullBegin {
            id: 1,
            module: "m".into(),
            path: "p".into(),
        },
        Message::Commit {
            id: 1,
            sha256: [0; 32],
            basis: Vec::new(),
            attrs: None,
        },
        Message::Delete {
            id: 1,
            module: "m".into(),
            path: "p".into(),
        },
        Message::Make {
            id: 1,
            module: "m".into(),
            path: "p".into(),
            kind: Kind::Dir,
            target: String::new(),
            attrs: None,
        },
    ];
    for m in &requests {
        let bytes = m.encode();
        let name = server::name(m);
        assert_eq!(message::request_name(bytes[0]), Some(name));
        // Before the Welcome, and once ready: as if decoded and refused.
        let mut c = ClientSession::new("test", Limits::default(), DeltaOptions::default());
        let early = ProtocolError::Protocol(format!("unexpected {name} now"));
        assert_eq!(c.receive(&bytes), Err(early));
        let (mut c, _s) = connect(&mut Host::new(), None);
        assert!(c.is_ready());
        let ready = ProtocolError::Protocol(format!("unexpected {name}"));
        assert_eq!(c.receive(&bytes), Err(ready));
    }
    for m in [Message::Done { id: 1 }, Message::Ack { id: 1, received: 0 }] {
        assert_eq!(message::request_name(m.encode()[0]), None);
        assert_eq!(Message::decode_reply(&m.encode()), Ok(m));
    }
}

/// A signature chunk for pull `id`: a header claiming many blocks, then
/// `len - 34` bytes of sums.
fn sig_chunk(id: u64, len: usize, first: bool) -> Vec<u8> {
    let mut data = Vec::new();
    if first {
        data.extend_from_slice(b"wsyS\x01");
        data.extend_from_slice(&700u32.to_be_bytes());
        data.push(16);
        data.extend_from_slice(&[0; 16]);
        data.extend_from_slice(&(700u64 << 20).to_be_bytes());
    }
    data.resize(len, 9);
    Message::SigChunk { id, data }.encode()
}

fn begin_pull(s: &mut ServerSession, id: u64) {
    let begin = Message::PullBegin {
        id,
        module: "m".into(),
        path: "p".into(),
    };
    s.receive(&begin.encode()).unwrap();
}

/// The codes of the Error messages a session sent.
fn errors(s: &mut ServerSession) -> Vec<(u64, Code)> {
    s.poll()
        .into_iter()
        .filter_map(|o| match o {
            ServerOutput::Send(Message::Error { id, code, .. }) => Some((id, code)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_pull_is_opened_before_its_signature_and_signatures_have_budgets() {
    let budget = std::sync::Arc::new(MemoryBudget::new(3000));
    let config = ServerConfig {
        session_memory: 2000,
        memory: budget.clone(),
        ..ServerConfig::default()
    };
    let hello = Message::Hello {
        min_version: 1,
        max_version: 1,
        agent: "t".into(),
        limits: Limits::default(),
    };
    let (mut a, mut b) = (
        ServerSession::new(config.clone(), None),
        ServerSession::new(config, None),
    );
    for s in [&mut a, &mut b] {
        s.receive(&hello.encode()).unwrap();
        s.poll();
    }
    // The host hears of the pull first, and refuses it: nothing is decoded
    // or held for it.
    begin_pull(&mut a, 1);
    let out = a.poll();
    assert!(
        matches!(
            &out[..],
            [ServerOutput::Event(ServerEvent::PullOpen { id: 1, .. })]
        ),
        "{out:?}"
    );
    a.fail(1, Code::NotFound, "no such file");
    a.receive(&sig_chunk(1, 900, true)).unwrap();
    assert_eq!(budget.used(), 0);
    assert_eq!(errors(&mut a), [(1, Code::NotFound)]);
    // Each byte counts twice; over its own budget, a session's pull fails.
    begin_pull(&mut a, 2);
    a.receive(&sig_chunk(2, 600, true)).unwrap();
    assert_eq!(budget.used(), 1200);
    a.receive(&sig_chunk(2, 600, false)).unwrap();
    assert_eq!(errors(&mut a), [(2, Code::TooLarge)]);
    assert_eq!(budget.used(), 0, "a failed pull gives its bytes back");
    // Over the server's budget, shared by the sessions: try later.
    begin_pull(&mut a, 3);
    a.receive(&sig_chunk(3, 600, true)).unwrap();
    begin_pull(&mut b, 1);
    b.receive(&sig_chunk(1, 600, true)).unwrap();
    begin_pull(&mut b, 2);
    b.receive(&sig_chunk(2, 400, true)).unwrap();
    assert_eq!(errors(&mut b), [(2, Code::TryLater)]);
    assert_eq!(budget.used(), 2400);
    // A session that ends, or is dropped, gives back what it held.
    drop(a);
    assert_eq!(budget.used(), 1200);
    let bye = Message::Error {
        id: 0,
        code: Code::Cancelled,
        message: "bye".into(),
    };
    assert!(matches!(
        b.receive(&bye.encode()),
        Err(ProtocolError::Peer {
            code: Code::Cancelled,
            ..
        })
    ));
    assert!(b.is_closed());
    assert_eq!(budget.used(), 0);
}
