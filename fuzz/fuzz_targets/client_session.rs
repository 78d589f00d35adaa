//! Arbitrary bytes as a server's messages to a client session that has
//! asked for one of each request. The input is cut into messages (each
//! after a 2-byte little-endian length) and fed in order; the host answers
//! events as a real one might (pushing a few bytes when asked). The
//! session must end with an error or go on, never panic, and everything it
//! sends must decode again to the same message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsync::protocol::{ClientEvent, ClientOutput, ClientSession, Limits, Message};
use wsync::{DeltaOptions, Signature};

fuzz_target!(|data: &[u8]| {
    let mut c = ClientSession::new("fuzz", Limits::default(), DeltaOptions::default());
    c.list_modules();
    c.list("data", "d", true);
    let push = c.push("data", "f", 11);
    if let Ok(sig) = Signature::of(b"local copy", Default::default()) {
        c.pull("data", "g", &sig);
    }
    c.delete("data", "h");
    drain(&mut c, push);
    let mut rest = data;
    while rest.len() >= 2 {
        let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let body = &rest[2..];
        let (msg, tail) = body.split_at(n.min(body.len()));
        rest = tail;
        if c.receive(msg).is_err() {
            break;
        }
        drain(&mut c, push);
    }
});

/// Checks what the session sends and answers its events.
fn drain(c: &mut ClientSession, push: u64) {
    for _ in 0..1000 {
        let out = c.poll();
        if out.is_empty() {
            return;
        }
        for o in out {
            match o {
                ClientOutput::Send(m) => {
                    let bytes = m.encode();
                    assert_eq!(Message::decode(&bytes).ok(), Some(m));
                }
                ClientOutput::Event(ClientEvent::Challenge) => c.authenticate_token(""),
                ClientOutput::Event(ClientEvent::PushReady { id, .. }) if id == push => {
                    let _ = c.push_data(id, b"new content");
                    let _ = c.push_finish(id, None);
                }
                ClientOutput::Event(ClientEvent::PullData { id, data }) => {
                    c.pull_applied(id, data.len() as u64)
                }
                ClientOutput::Event(_) => {}
            }
        }
    }
}
