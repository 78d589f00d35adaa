//! Field encoding for protocol messages: varints, byte strings, UTF-8
//! strings and fixed arrays, read with bounds on every length.

use crate::text::{display_by_describe, Describe, Text};
use crate::varint;

/// Errors decoding a message ([`Message::decode`](super::Message::decode)).
/// `field` is the field's name as `docs/PROTOCOL.md` spells it (`"path"`,
/// `"mtime_nsec"`...).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The message ends inside this field.
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// A length or count over its cap (checked before anything is
    /// allocated for it).
    TooLong {
        /// The field whose length (or, for a list, count) it is.
        field: &'static str,
        /// The length in bytes (or the count of items) the message claims.
        len: u64,
        /// The most this field may hold.
        max: u64,
    },
    /// An integer that does not fit: a LEB128 varint over 10 bytes or 64
    /// bits, or a value too large for a 32-bit field.
    BadInt {
        /// The field being read.
        field: &'static str,
    },
    /// A text field whose bytes are not UTF-8.
    NotUtf8 {
        /// The field being read.
        field: &'static str,
    },
    /// The first byte names no message type (or, for a client, a request
    /// type, which only clients send).
    UnknownType(u8),
    /// A field whose value is out of its range: a bool other than 0 or 1,
    /// an unknown kind, flag, method or error code, an mtime_nsec of 10^9
    /// or more, a mode over `0o7777`.
    BadValue {
        /// The field being read.
        field: &'static str,
        /// The value it held.
        value: u64,
    },
    /// Bytes left over after the last field (this many).
    Trailing(usize),
    /// A message of no bytes at all (not even a type byte).
    Empty,
}

impl Describe for WireError {
    fn describe(&self, t: &mut Text) {
        use WireError::*;
        match self {
            Truncated { field } => t.s("message ends inside the ").s(field).s(" field"),
            TooLong { field, len, max } => t
                .s(field)
                .s(" field is ")
                .n(*len)
                .s(" bytes, more than the limit of ")
                .n(*max),
            BadInt { field } => t.s("integer too large in the ").s(field).s(" field"),
            NotUtf8 { field } => t.s(field).s(" field is not UTF-8"),
            UnknownType(k) => t.s("unknown message type 0x").hex(*k),
            BadValue { field, value } => t
                .s("bad value ")
                .n(*value)
                .s(" in the ")
                .s(field)
                .s(" field"),
            Trailing(n) => t.size(*n).s(" bytes left over after the message"),
            Empty => t.s("empty message"),
        };
    }
}

display_by_describe!(WireError);
impl std::error::Error for WireError {}

/// Appends fields to a message.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn new(kind: u8) -> Self {
        Writer(vec![kind])
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn uint(&mut self, v: u64) -> &mut Self {
        varint::put(&mut self.0, v);
        self
    }
    /// Signed, zigzag-encoded.
    pub fn int(&mut self, v: i64) -> &mut Self {
        self.uint(((v << 1) ^ (v >> 63)) as u64)
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.uint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    pub fn array(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
}

/// A read failed; its [`WireError`] is kept by the [`Reader`]. A zero-sized
/// error keeps each `?` of `Message::decode` a plain branch (wasm size).
#[derive(Debug)]
pub struct Failed;

/// Reads fields from a message.
pub struct Reader<'a> {
    buf: &'a [u8],
    error: Option<WireError>,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, error: None }
    }
    /// Records why decoding stops.
    pub fn fail(&mut self, e: WireError) -> Failed {
        self.error = Some(e);
        Failed
    }
    /// The error of the read that failed.
    pub fn error(&mut self) -> WireError {
        self.error.take().unwrap_or(WireError::Empty)
    }
    pub fn u8(&mut self, field: &'static str) -> Result<u8, Failed> {
        match self.buf.split_first() {
            Some((&b, rest)) => {
                self.buf = rest;
                Ok(b)
            }
            None => Err(self.fail(WireError::Truncated { field })),
        }
    }
    pub fn bool(&mut self, field: &'static str) -> Result<bool, Failed> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(self.bad_value(field, v.into())),
        }
    }
    /// A field whose value is out of its range.
    pub fn bad_value(&mut self, field: &'static str, value: u64) -> Failed {
        self.fail(WireError::BadValue { field, value })
    }
    pub fn uint(&mut self, field: &'static str) -> Result<u64, Failed> {
        match varint::get(self.buf) {
            Ok(Some((v, n))) => {
                self.buf = &self.buf[n..];
                Ok(v)
            }
            Ok(None) => Err(self.fail(WireError::Truncated { field })),
            Err(()) => Err(self.fail(WireError::BadInt { field })),
        }
    }
    pub fn u32(&mut self, field: &'static str) -> Result<u32, Failed> {
        let v = self.uint(field)?;
        u32::try_from(v).map_err(|_| self.fail(WireError::BadInt { field }))
    }
    pub fn int(&mut self, field: &'static str) -> Result<i64, Failed> {
        let v = self.uint(field)?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
    /// A count of items, at most `max`.
    pub fn count(&mut self, field: &'static str, max: u64) -> Result<u64, Failed> {
        let n = self.uint("count")?;
        if n > max {
            return Err(self.fail(WireError::TooLong { field, len: n, max }));
        }
        Ok(n)
    }
    pub fn bytes(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], Failed> {
        let len = self.uint(field)?;
        if len > max as u64 {
            return Err(self.fail(WireError::TooLong {
                field,
                len,
                max: max as u64,
            }));
        }
        let len = len as usize;
        if self.buf.len() < len {
            return Err(self.fail(WireError::Truncated { field }));
        }
        let (b, rest) = self.buf.split_at(len);
        self.buf = rest;
        Ok(b)
    }
    pub fn str(&mut self, field: &'static str, max: usize) -> Result<String, Failed> {
        let b = self.bytes(field, max)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(self.fail(WireError::NotUtf8 { field })),
        }
    }
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Failed> {
        if self.buf.len() < N {
            return Err(self.fail(WireError::Truncated { field }));
        }
        let (b, rest) = self.buf.split_at(N);
        self.buf = rest;
        Ok(b.try_into().unwrap_or([0; N]))
    }
    /// Succeeds only when every byte was read.
    pub fn end(&mut self) -> Result<(), Failed> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            let n = self.buf.len();
            Err(self.fail(WireError::Trailing(n)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Code, ProtocolError};

    /// Every message as the `#[error(..)]` attributes printed it before.
    #[test]
    fn messages() {
        let cases = [
            (
                WireError::Truncated { field: "path" },
                "message ends inside the path field",
            ),
            (
                WireError::TooLong {
                    field: "data",
                    len: 70000,
                    max: 65536,
                },
                "data field is 70000 bytes, more than the limit of 65536",
            ),
            (
                WireError::BadInt { field: "size" },
                "integer too large in the size field",
            ),
            (
                WireError::NotUtf8 { field: "motd" },
                "motd field is not UTF-8",
            ),
            (WireError::UnknownType(0x0b), "unknown message type 0x0b"),
            (
                WireError::BadValue {
                    field: "kind",
                    value: 9,
                },
                "bad value 9 in the kind field",
            ),
            (
                WireError::Trailing(3),
                "3 bytes left over after the message",
            ),
            (WireError::Empty, "empty message"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
        let peer = ProtocolError::Peer {
            code: Code::TryLater,
            message: "busy".into(),
        };
        assert_eq!(peer.to_string(), "peer reported TryLater: busy");
        assert_eq!(format!("{:?}", Code::BasisChanged), "BasisChanged");
        let e = ProtocolError::Protocol("bad".into());
        assert_eq!(e.to_string(), "protocol error: bad");
        assert_eq!(ProtocolError::Closed.to_string(), "the session is closed");
    }
}
