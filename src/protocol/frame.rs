//! Length-prefixed records, for byte streams (the remote-shell transport).
//! On WebSocket each message is one binary frame instead.

use crate::text::{display_by_describe, Describe, Text};

/// Why a byte stream could not be split into records. Each ends the
/// session: what follows cannot be framed again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// A record's length prefix is over the decoder's limit (found as soon
    /// as the 4 length bytes arrive, before anything is buffered for it).
    TooLarge {
        /// The length the prefix claims, in bytes.
        len: u64,
        /// The decoder's limit (normally the negotiated `max_message`).
        max: u32,
    },
    /// A length prefix of 0 (no message is empty).
    Empty,
    /// The stream ended with part of a record (or of its length) buffered.
    Truncated,
}

impl Describe for FrameError {
    fn describe(&self, t: &mut Text) {
        match self {
            FrameError::TooLarge { len, max } => t
                .s("record of ")
                .n(*len)
                .s(" bytes exceeds the limit of ")
                .n(*max),
            FrameError::Empty => t.s("empty record"),
            FrameError::Truncated => t.s("stream ended inside a record"),
        };
    }
}

display_by_describe!(FrameError);
impl std::error::Error for FrameError {}

/// Prefixes `msg` with its length (u32, big-endian).
pub fn frame(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + msg.len());
    out.extend_from_slice(&(msg.len() as u32).to_be_bytes());
    out.extend_from_slice(msg);
    out
}

/// Splits a byte stream into records of at most `max` bytes.
pub struct FrameDecoder {
    max: u32,
    buf: Vec<u8>,
}

impl FrameDecoder {
    /// A decoder that refuses records over `max` bytes (the length prefix
    /// not counted).
    pub fn new(max: u32) -> Self {
        FrameDecoder {
            max,
            buf: Vec::new(),
        }
    }

    /// Adds bytes from the stream.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete record, if any. A length over the limit is an error
    /// as soon as its 4 bytes arrive, before anything is buffered for it.
    pub fn next_record(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let Some(head) = self.buf.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        if len == 0 {
            return Err(FrameError::Empty);
        }
        if len > self.max {
            return Err(FrameError::TooLarge {
                len: len.into(),
                max: self.max,
            });
        }
        let end = 4 + len as usize;
        if self.buf.len() < end {
            return Ok(None);
        }
        let record = self.buf[4..end].to_vec();
        self.buf.drain(..end);
        Ok(Some(record))
    }

    /// Call at the end of the stream: bytes left over are a cut record.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(FrameError::Truncated)
        }
    }
}
