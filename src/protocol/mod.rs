//! The session protocol both ends of a sync speak, without I/O.
//!
//! [`ClientSession`] and [`ServerSession`] are state machines: the host feeds
//! each received message (one WebSocket binary frame, or one record of
//! [`frame::FrameDecoder`] on a byte stream) to `receive`, and takes from
//! `poll` the messages to send and the events that ask it for file work.
//! No sockets, clocks or threads: the server, the native client and the wasm
//! client all drive these same types. `docs/PROTOCOL.md` is the reference.
//!
//! Two peers in memory: the handshake, then a download (pull) of the
//! server's version of a file against the client's older copy. A real host
//! sends each message over a WebSocket (one binary frame) and reads the
//! file from disk; here the messages go straight from one session's output
//! to the other's input until neither has anything more to say.
//!
//! ```
//! use wsync::protocol::{
//!     ClientEvent, ClientOutput, ClientSession, Limits, ServerConfig, ServerEvent,
//!     ServerOutput, ServerSession,
//! };
//! use wsync::{DeltaEncoder, DeltaOptions, PatchOptions, Patcher, Signature, SignatureOptions};
//!
//! // The server has the current version of a file; the client an older one.
//! let server_file: Vec<u8> = (0..300)
//!     .flat_map(|i| format!("line {i} of the file\n").into_bytes())
//!     .collect();
//! let mut local = server_file.clone();
//! local.splice(3000..3100, b"an older line\n".iter().copied());
//!
//! let mut client = ClientSession::new("example/1", Limits::default(), DeltaOptions::default());
//! // `None`: no login (else 32 fresh random bytes for the challenge).
//! let mut server = ServerSession::new(ServerConfig::default(), None);
//!
//! let mut patcher = Some(Patcher::new(&local[..], Vec::new(), PatchOptions::default()));
//! let (mut applied, mut result) = (0, None);
//! loop {
//!     let mut quiet = true;
//!     for out in client.poll() {
//!         quiet = false;
//!         match out {
//!             ClientOutput::Send(msg) => server.receive(&msg.encode()).unwrap(),
//!             // The handshake is done: ask for the server's version against
//!             // a signature of the local copy.
//!             ClientOutput::Event(ClientEvent::Ready { .. }) => {
//!                 let sig = Signature::of(&local, SignatureOptions::default()).unwrap();
//!                 client.pull("docs", "notes.txt", &sig);
//!             }
//!             // Delta bytes: patch the local copy, then acknowledge them.
//!             ClientOutput::Event(ClientEvent::PullData { id, data }) => {
//!                 patcher.as_mut().unwrap().update(&data).unwrap();
//!                 applied += data.len() as u64;
//!                 client.pull_applied(id, applied);
//!             }
//!             // The end: the session checks that the patched result has
//!             // the server file's SHA-256.
//!             ClientOutput::Event(ClientEvent::PullEnd { id, mode, .. }) => {
//!                 let (new, report) = patcher.take().unwrap().finish().unwrap();
//!                 client.pull_finish(id, report.sha256).expect("the server's file");
//!                 result = Some((new, report.copied_bytes, mode));
//!             }
//!             ClientOutput::Event(other) => panic!("unexpected {other:?}"),
//!         }
//!     }
//!     for out in server.poll() {
//!         quiet = false;
//!         match out {
//!             ServerOutput::Send(msg) => client.receive(&msg.encode()).unwrap(),
//!             // May this client read the file? A host checks the module and
//!             // the path, opens the file, or else `server.fail(id, code, why)`.
//!             ServerOutput::Event(ServerEvent::PullOpen { module, path, .. }) => {
//!                 assert_eq!((module.as_str(), path.as_str()), ("docs", "notes.txt"));
//!             }
//!             // The client's signature arrived: encode the file against it
//!             // (a large file in pieces, while `server.pull_ready(id)`).
//!             ServerOutput::Event(ServerEvent::PullBegin { id, signature, .. }) => {
//!                 assert!(server.pull_start(id));
//!                 let mut enc = DeltaEncoder::new(&signature, DeltaOptions::default()).unwrap();
//!                 let mut delta = Vec::new();
//!                 enc.update(&server_file, &mut delta);
//!                 let stats = enc.finish(&mut delta);
//!                 server.pull_data(id, &delta, server_file.len() as u64);
//!                 // The file's SHA-256, mtime (seconds, nanoseconds) and mode.
//!                 server.pull_end(id, stats.sha256.unwrap(), 1_700_000_000, 0, 0o644);
//!             }
//!             ServerOutput::Event(other) => panic!("unexpected {other:?}"),
//!         }
//!     }
//!     if quiet {
//!         break;
//!     }
//! }
//! assert!(client.is_ready() && server.is_ready());
//! let (new, copied, mode) = result.unwrap();
//! assert_eq!(new, server_file);
//! assert_eq!(mode, 0o644);
//! // Most of the file came from the local copy, not over the wire.
//! assert!(copied > server_file.len() as u64 * 3 / 4, "{copied} bytes copied");
//! ```

pub mod auth;
mod budget;
mod client;
pub mod frame;
mod idmap;
mod message;
mod retry;
mod sender;
mod server;
mod wire;

#[cfg(test)]
mod tests;

pub use budget::MemoryBudget;
pub use client::{ClientEvent, ClientSession, Output as ClientOutput, PullMismatch};
pub use message::{
    AuthRequest, AuthResponse, Code, Entry, FileAttrs, Kind, Limits, Message, ModuleInfo, MAX_PATH,
};
pub use retry::{Attempt, Next, UploadRetry};
pub use server::{
    Output as ServerOutput, ServerConfig, ServerEvent, ServerSession, SIGNATURE_COST,
};
pub use wire::WireError;

use crate::text::{display_by_describe, Describe, Text};

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;

/// Errors that end a session. After one, `receive` answers
/// [`ProtocolError::Closed`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The peer broke the protocol (a malformed or unexpected message, a
    /// limit exceeded), or the host called a method out of turn; the text
    /// says what. A [`ServerSession`] reports this as [`Peer`](Self::Peer)
    /// instead, with the Error it queued for the client.
    Protocol(String),
    /// The session ended with an Error of id 0: sent by the peer, or (from
    /// a [`ServerSession`]) queued for the client as the session's last
    /// message.
    Peer {
        /// Why, as a number the program can act on (`Version`,
        /// `AuthFailed`, `TryLater`...).
        code: Code,
        /// Why, for a person.
        message: String,
    },
    /// The session had already ended, so nothing more is read (or, from
    /// [`ServerSession::auth_result`], it was not waiting for one).
    Closed,
}

impl Describe for ProtocolError {
    fn describe(&self, t: &mut Text) {
        match self {
            ProtocolError::Protocol(m) => t.s("protocol error: ").s(m),
            ProtocolError::Peer { code, message } => {
                t.s("peer reported ").s(code.name()).s(": ").s(message)
            }
            ProtocolError::Closed => t.s("the session is closed"),
        };
    }
}

display_by_describe!(ProtocolError);
impl std::error::Error for ProtocolError {}
