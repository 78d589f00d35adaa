//! Field encoding for protocol messages: varints, byte strings, UTF-8
//! strings and fixed arrays, read with bounds on every length.

use crate::varint;
use thiserror::Error;

/// Errors decoding a message.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    #[error("message ends inside the {field} field")]
    Truncated { field: &'static str },
    #[error("{field} field is {len} bytes, more than the limit of {max}")]
    TooLong {
        field: &'static str,
        len: u64,
        max: u64,
    },
    #[error("integer too large in the {field} field")]
    BadInt { field: &'static str },
    #[error("{field} field is not UTF-8")]
    NotUtf8 { field: &'static str },
    #[error("unknown message type 0x{0:02x}")]
    UnknownType(u8),
    #[error("bad value {value} in the {field} field")]
    BadValue { field: &'static str, value: u64 },
    #[error("{0} bytes left over after the message")]
    Trailing(usize),
    #[error("empty message")]
    Empty,
}

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
