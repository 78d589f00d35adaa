//! Length-prefixed records, for byte streams (the remote-shell transport).
//! On WebSocket each message is one binary frame instead.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    #[error("record of {len} bytes exceeds the limit of {max}")]
    TooLarge { len: u64, max: u32 },
    #[error("empty record")]
    Empty,
    #[error("stream ended inside a record")]
    Truncated,
}

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
