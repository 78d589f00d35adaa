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

/// Reads fields from a message.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    pub fn u8(&mut self, field: &'static str) -> Result<u8, WireError> {
        let (&b, rest) = self
            .buf
            .split_first()
            .ok_or(WireError::Truncated { field })?;
        self.buf = rest;
        Ok(b)
    }
    pub fn bool(&mut self, field: &'static str) -> Result<bool, WireError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(WireError::BadValue {
                field,
                value: v.into(),
            }),
        }
    }
    pub fn uint(&mut self, field: &'static str) -> Result<u64, WireError> {
        match varint::get(self.buf) {
            Ok(Some((v, n))) => {
                self.buf = &self.buf[n..];
                Ok(v)
            }
            Ok(None) => Err(WireError::Truncated { field }),
            Err(()) => Err(WireError::BadInt { field }),
        }
    }
    pub fn u32(&mut self, field: &'static str) -> Result<u32, WireError> {
        let v = self.uint(field)?;
        u32::try_from(v).map_err(|_| WireError::BadInt { field })
    }
    pub fn int(&mut self, field: &'static str) -> Result<i64, WireError> {
        let v = self.uint(field)?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
    pub fn bytes(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], WireError> {
        let len = self.uint(field)?;
        if len > max as u64 {
            return Err(WireError::TooLong {
                field,
                len,
                max: max as u64,
            });
        }
        let len = len as usize;
        if self.buf.len() < len {
            return Err(WireError::Truncated { field });
        }
        let (b, rest) = self.buf.split_at(len);
        self.buf = rest;
        Ok(b)
    }
    pub fn str(&mut self, field: &'static str, max: usize) -> Result<String, WireError> {
        let b = self.bytes(field, max)?;
        String::from_utf8(b.to_vec()).map_err(|_| WireError::NotUtf8 { field })
    }
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], WireError> {
        if self.buf.len() < N {
            return Err(WireError::Truncated { field });
        }
        let (b, rest) = self.buf.split_at(N);
        self.buf = rest;
        Ok(b.try_into().unwrap_or([0; N]))
    }
    /// Succeeds only when every byte was read.
    pub fn end(&self) -> Result<(), WireError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(WireError::Trailing(self.buf.len()))
        }
    }
}
