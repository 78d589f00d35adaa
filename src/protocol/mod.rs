//! The session protocol both ends of a sync speak, without I/O.
//!
//! [`ClientSession`] and [`ServerSession`] are state machines: the host feeds
//! each received message (one WebSocket binary frame, or one record of
//! [`frame::FrameDecoder`] on a byte stream) to `receive`, and takes from
//! `poll` the messages to send and the events that ask it for file work.
//! No sockets, clocks or threads: the server, the native client and the wasm
//! client all drive these same types. `docs/PROTOCOL.md` is the reference.

pub mod auth;
mod budget;
mod client;
pub mod frame;
mod idmap;
mod message;
mod sender;
mod server;
mod wire;

#[cfg(test)]
mod tests;

pub use budget::MemoryBudget;
pub use client::{ClientEvent, ClientSession, Output as ClientOutput};
pub use message::{
    AuthRequest, AuthResponse, Code, Entry, FileAttrs, Kind, Limits, Message, ModuleInfo, MAX_PATH,
};
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
