//! Arbitrary bytes as a client's messages to a server session. The input
//! is cut into messages (each after a 2-byte little-endian length) and fed
//! in order; a host answers every event as a real one might (accepting
//! or refusing by the request's id). The session must end with an error
//! or go on, never panic, and everything it sends must decode again to
//! the same message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsync::protocol::{
    Code, Entry, Kind, Message, ModuleInfo, ServerConfig, ServerEvent, ServerOutput,
    ServerSession,
};

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let nonce = (first & 1 == 1).then_some([7u8; 32]);
    let mut s = ServerSession::new(ServerConfig::default(), nonce);
    while rest.len() >= 2 && !s.is_closed() {
        let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let body = &rest[2..];
        let (msg, tail) = body.split_at(n.min(body.len()));
        rest = tail;
        let _ = s.receive(msg);
        answer(&mut s);
    }
    s.close_quietly();
    answer(&mut s);
});

/// Sends out what the session produced and answers its events, until
/// it has nothing more to say (bounded: a session answers in finite steps).
fn answer(s: &mut ServerSession) {
    for _ in 0..1000 {
        let out = s.poll();
        if out.is_empty() {
            return;
        }
        for o in out {
            match o {
                ServerOutput::Send(m) => {
                    let bytes = m.encode();
                    assert_eq!(Message::decode(&bytes).ok(), Some(m));
                }
                ServerOutput::Event(e) => event(s, e),
            }
        }
    }
}

fn event(s: &mut ServerSession, e: ServerEvent) {
    match e {
        ServerEvent::CheckAuth { response, .. } => {
            let ok = matches!(&response, wsync::protocol::AuthResponse::Token { token } if token.is_empty());
            let _ = s.auth_result(ok, "hello");
        }
        ServerEvent::ListModules { id } => s.modules(
            id,
            vec![ModuleInfo {
                name: "data".into(),
                comment: String::new(),
            }],
        ),
        ServerEvent::List { id, path, .. } => s.entries(
            id,
            vec![Entry {
                path,
                kind: Kind::File,
                size: 1,
                mtime: 0,
                mtime_nsec: 0,
                mode: 0o644,
                target: String::new(),
                sum: None,
            }],
        ),
        ServerEvent::PushBegin { id, .. } if id % 3 == 0 => s.fail(id, Code::Denied, "no"),
        ServerEvent::PushBegin { id, .. } => {
            let sig = wsync::Signature::of(b"basis bytes", Default::default())
                .map(|sig| sig.encode())
                .unwrap_or_default();
            s.signature(id, &sig, vec![1; 16], vec![2; 16], 0)
        }
        ServerEvent::PushData { id, data } => s.applied(id, data.len() as u64),
        ServerEvent::PushCommit { id, .. } => s.done(id),
        ServerEvent::PullOpen { id, .. } if id % 2 == 0 => s.fail(id, Code::NotFound, "none"),
        ServerEvent::PullBegin { id, .. } => {
            if s.pull_start(id) {
                s.pull_data(id, b"delta", 5);
                s.pull_end(id, [0; 32], 0, 0, 0o644);
            }
        }
        ServerEvent::Delete { id, .. } | ServerEvent::Make { id, .. } => s.done(id),
        _ => {}
    }
}
