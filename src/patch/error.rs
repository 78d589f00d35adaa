//! The patcher's error and its messages.

use crate::format::wsync;
use crate::text::{display_by_describe, Describe, Text};
use std::io;

/// Errors from applying a delta. `offset` is the byte offset in the delta
/// where the offending command starts.
#[derive(Debug)]
#[non_exhaustive]
pub enum PatchError {
    BadMagic {
        found: [u8; 4],
    },
    UnsupportedVersion {
        found: u8,
    },
    BasisLength {
        expected: u64,
        found: u64,
    },
    UnknownOp {
        op: u8,
        offset: u64,
    },
    ZeroLength {
        offset: u64,
    },
    CopyOutOfRange {
        start: u64,
        len: u64,
        basis_len: u64,
        offset: u64,
    },
    LiteralTooLong {
        len: u64,
        max: u64,
        offset: u64,
    },
    BadVarint {
        offset: u64,
    },
    Inflate {
        offset: u64,
    },
    OutputLimit {
        limit: u64,
    },
    Truncated {
        offset: u64,
        within: &'static str,
    },
    TrailingData {
        offset: u64,
        extra: u64,
    },
    LengthMismatch {
        expected: u64,
        found: u64,
    },
    HashMismatch {
        expected: String,
        found: String,
    },
    BasisRead(io::Error),
    Write(io::Error),
}

impl Describe for PatchError {
    fn describe(&self, t: &mut Text) {
        use PatchError::*;
        let at = |t: &mut Text, offset: u64| {
            t.s(" (delta offset ").n(offset).s(")");
        };
        match self {
            BadMagic { found } => {
                t.s("not a delta (magic ").hex_list(found).s(")");
            }
            UnsupportedVersion { found } => {
                t.s("delta version ")
                    .n(*found)
                    .s(" is not supported (this build reads ")
                    .n(wsync::VERSION)
                    .s(")");
            }
            BasisLength { expected, found } => {
                t.s("delta was made for a basis of ")
                    .n(*expected)
                    .s(" bytes, this basis has ")
                    .n(*found);
            }
            UnknownOp { op, offset } => {
                t.s("unknown delta command 0x")
                    .hex(*op)
                    .s(" at offset ")
                    .n(*offset);
            }
            ZeroLength { offset } => {
                t.s("zero-length command at offset ").n(*offset);
            }
            CopyOutOfRange {
                start,
                len,
                basis_len,
                offset,
            } => {
                t.s("copy of ")
                    .n(*len)
                    .s(" bytes at ")
                    .n(*start)
                    .s(" is outside the ")
                    .n(*basis_len)
                    .s("-byte basis");
                at(t, *offset);
            }
            LiteralTooLong { len, max, offset } => {
                t.s("literal of ")
                    .n(*len)
                    .s(" bytes exceeds the limit of ")
                    .n(*max);
                at(t, *offset);
            }
            BadVarint { offset } => {
                t.s("integer too large at delta offset ").n(*offset);
            }
            Inflate { offset } => {
                t.s("compressed literal at offset ")
                    .n(*offset)
                    .s(" is corrupt");
            }
            OutputLimit { limit } => {
                t.s("output would exceed the limit of ")
                    .n(*limit)
                    .s(" bytes");
            }
            Truncated { offset, within } => {
                t.s("delta truncated at offset ")
                    .n(*offset)
                    .s(" (in ")
                    .s(within)
                    .s(")");
            }
            TrailingData { offset, extra } => {
                t.n(*extra)
                    .s(" bytes of trailing data after the end of the delta (offset ")
                    .n(*offset)
                    .s(")");
            }
            LengthMismatch { expected, found } => {
                t.s("result has ")
                    .n(*found)
                    .s(" bytes, the delta says ")
                    .n(*expected);
            }
            HashMismatch { expected, found } => {
                t.s("result's SHA-256 is ")
                    .s(found)
                    .s(", the delta says ")
                    .s(expected);
            }
            BasisRead(e) => {
                t.s("reading the basis: ").io(e);
            }
            Write(e) => {
                t.s("writing the output: ").io(e);
            }
        }
    }
}

display_by_describe!(PatchError);

impl std::error::Error for PatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PatchError::BasisRead(e) | PatchError::Write(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages as `thiserror` printed them before (`#[error(..)]`).
    #[test]
    fn messages() {
        let cases: [(PatchError, &str); 16] = [
            (PatchError::BadMagic { found: [0x72, 0x73, 0x02, 0xff] }, "not a delta (magic [72, 73, 02, ff])"),
            (PatchError::UnsupportedVersion { found: 9 }, "delta version 9 is not supported (this build reads 1)"),
            (PatchError::BasisLength { expected: 10, found: 0 }, "delta was made for a basis of 10 bytes, this basis has 0"),
            (PatchError::UnknownOp { op: 0x0a, offset: 7 }, "unknown delta command 0x0a at offset 7"),
            (PatchError::ZeroLength { offset: 12 }, "zero-length command at offset 12"),
            (
                PatchError::CopyOutOfRange { start: 1 << 40, len: 4096, basis_len: 100, offset: 33 },
                "copy of 4096 bytes at 1099511627776 is outside the 100-byte basis (delta offset 33)",
            ),
            (PatchError::LiteralTooLong { len: 9, max: 8, offset: 4 }, "literal of 9 bytes exceeds the limit of 8 (delta offset 4)"),
            (PatchError::BadVarint { offset: 5 }, "integer too large at delta offset 5"),
            (PatchError::Inflate { offset: 6 }, "compressed literal at offset 6 is corrupt"),
            (PatchError::OutputLimit { limit: u64::MAX }, "output would exceed the limit of 18446744073709551615 bytes"),
            (PatchError::Truncated { offset: 3, within: "the magic" }, "delta truncated at offset 3 (in the magic)"),
            (PatchError::TrailingData { offset: 20, extra: 2 }, "2 bytes of trailing data after the end of the delta (offset 20)"),
            (PatchError::LengthMismatch { expected: 5, found: 6 }, "result has 6 bytes, the delta says 5"),
            (
                PatchError::HashMismatch { expected: "ab".into(), found: "cd".into() },
                "result's SHA-256 is cd, the delta says ab",
            ),
            (
                PatchError::BasisRead(io::Error::new(io::ErrorKind::UnexpectedEof, "gone")),
                "reading the basis: gone",
            ),
            (PatchError::Write(io::ErrorKind::Other.into()), "writing the output: other error"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }
}
