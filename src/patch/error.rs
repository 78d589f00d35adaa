//! The patcher's error and its messages.

use crate::format::wsync;
use crate::text::{display_by_describe, Describe, Text};
use std::io;

/// Errors from applying a delta. `offset` is the byte offset in the delta
/// where the offending command starts. After an error the output holds
/// what was written so far, which is not the new file: discard it.
#[derive(Debug)]
#[non_exhaustive]
pub enum PatchError {
    /// The delta starts with neither wsync's magic (`wsyD`) nor librsync's
    /// (`72 73 02 36`): not a delta, or a signature given by mistake.
    BadMagic {
        /// The first 4 bytes of the delta.
        found: [u8; 4],
    },
    /// A wsync delta of a format version this build does not read.
    UnsupportedVersion {
        /// The version byte after the magic (this build reads 1).
        found: u8,
    },
    /// The delta was made against a signature of a basis of another length
    /// than the basis given: the wrong basis, or it changed since it was signed.
    BasisLength {
        /// The basis length the delta's header names, in bytes.
        expected: u64,
        /// The length of the basis given to the patcher, in bytes.
        found: u64,
    },
    /// A command byte that is no command of the delta's format.
    UnknownOp {
        /// The command byte.
        op: u8,
        /// Where it is in the delta.
        offset: u64,
    },
    /// A COPY, LITERAL or DEFLATE of length 0 (an encoder never writes one).
    ZeroLength {
        /// Where the command is in the delta.
        offset: u64,
    },
    /// A COPY whose range is not inside the basis (or overflows 64 bits).
    CopyOutOfRange {
        /// The first basis byte to copy.
        start: u64,
        /// Bytes to copy.
        len: u64,
        /// The basis's length in bytes.
        basis_len: u64,
        /// Where the command is in the delta.
        offset: u64,
    },
    /// A compressed literal (DEFLATE) whose raw or compressed length is
    /// over the format's cap of 4 MiB.
    LiteralTooLong {
        /// The larger of its two lengths, in bytes.
        len: u64,
        /// The cap, in bytes.
        max: u64,
        /// Where the command is in the delta.
        offset: u64,
    },
    /// A varint over 10 bytes or 64 bits in a command's arguments.
    BadVarint {
        /// Where the command is in the delta.
        offset: u64,
    },
    /// A compressed literal that does not inflate to exactly its raw length
    /// with exactly its compressed bytes (corrupt deflate data).
    Inflate {
        /// Where the DEFLATE command is in the delta.
        offset: u64,
    },
    /// The next command would take the output over
    /// [`PatchOptions::max_output`](crate::PatchOptions::max_output);
    /// refused before anything of it is written.
    OutputLimit {
        /// The limit in force, in bytes.
        limit: u64,
    },
    /// [`Patcher::finish`](crate::Patcher::finish) came before the delta's
    /// end: it was cut short.
    Truncated {
        /// The delta's length so far: where the missing bytes start.
        offset: u64,
        /// What was being read: `"the magic"`, `"the header"`, `"a command
        /// header"`, `"a literal"` or `"a compressed literal"`.
        within: &'static str,
    },
    /// Bytes after the delta's END command.
    TrailingData {
        /// Where the first of them is in the delta.
        offset: u64,
        /// How many came with the `update` call that found them.
        extra: u64,
    },
    /// A wsync delta's END names another length than the output has: the
    /// delta does not belong to this basis, or it is corrupt.
    LengthMismatch {
        /// The new file's length the END names, in bytes.
        expected: u64,
        /// The bytes written, in bytes.
        found: u64,
    },
    /// The output's SHA-256 differs from the one in the wsync delta's END:
    /// the basis changed (at the same length) since it was signed, or short
    /// strong sums matched a block falsely. Sign the basis again, with
    /// 32-byte strong sums for the second case (as rsync redoes a file).
    HashMismatch {
        /// The SHA-256 the END names, in lowercase hex.
        expected: String,
        /// The output's SHA-256, in lowercase hex.
        found: String,
    },
    /// Reading the basis failed (from [`Basis::read_at`](crate::Basis::read_at)).
    BasisRead(io::Error),
    /// Writing the output failed.
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
