//! Delta commands on the wire: wsync's own format and librsync's (`rdiff`).
//! `docs/FORMAT.md` describes both byte by byte.

use crate::varint;

/// Which delta format to write. The patcher reads both, told apart by magic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeltaFormat {
    /// wsync's format: compressed literals, whole-file length and SHA-256.
    #[default]
    Wsync,
    /// librsync's delta format (magic `0x72730236`), as `rdiff patch` reads it.
    /// It has no compression and no whole-file check.
    Rdiff,
}

/// wsync delta format constants.
pub mod wsync {
    /// First bytes of a wsync delta.
    pub const MAGIC: [u8; 4] = *b"wsyD";
    /// The format version this crate writes and reads (the byte after the
    /// magic).
    pub const VERSION: u8 = 1;
    /// magic, version, basis length (u64).
    pub const HEADER_LEN: usize = 4 + 1 + 8;
    /// END: new length u64, SHA-256 of the new file.
    pub const OP_END: u8 = 0x00;
    /// COPY: varint offset, varint length (bytes of the basis).
    pub const OP_COPY: u8 = 0x01;
    /// LITERAL: varint length, bytes.
    pub const OP_LITERAL: u8 = 0x02;
    /// DEFLATE: varint raw length, varint compressed length, raw deflate
    /// bytes, decompressed with the last DICT_WINDOW bytes of output (fewer
    /// at the start) as the preset dictionary.
    pub const OP_DEFLATE: u8 = 0x03;
    /// Output bytes that prime the decompression of a DEFLATE literal.
    pub const DICT_WINDOW: usize = 32 << 10;
    /// Longest literal payload (raw or inflated) a reader must accept.
    pub const MAX_LITERAL: u64 = 1 << 22;
}

/// librsync delta format constants (`prototab.h`).
pub mod rdiff {
    /// First bytes of a librsync delta (`72 73 02 36`).
    pub const MAGIC: [u8; 4] = 0x7273_0236u32.to_be_bytes();
    /// END: the delta's last command (no arguments, no whole-file check).
    pub const OP_END: u8 = 0x00;
    /// 0x01..=0x40: a literal of that many bytes follows immediately.
    pub const OP_LITERAL_MAX_IMMEDIATE: u8 = 0x40;
    /// 0x41..=0x44: literal with a 1, 2, 4 or 8-byte length.
    pub const OP_LITERAL_N1: u8 = 0x41;
    /// 0x45..=0x54: copy; offset then length, each 1, 2, 4 or 8 bytes.
    pub const OP_COPY_N1_N1: u8 = 0x45;
    /// The last copy command: an 8-byte offset and an 8-byte length.
    pub const OP_COPY_LAST: u8 = 0x54;
}

/// Index of the smallest of 1, 2, 4, 8 bytes that holds `v` (0 to 3).
fn width_code(v: u64) -> u8 {
    match v {
        0..=0xff => 0,
        0x100..=0xffff => 1,
        0x1_0000..=0xffff_ffff => 2,
        _ => 3,
    }
}

fn put_be(out: &mut Vec<u8>, v: u64, code: u8) {
    let n = 1usize << code;
    out.extend_from_slice(&v.to_be_bytes()[8 - n..]);
}

pub(crate) fn write_header(fmt: DeltaFormat, basis_len: u64, out: &mut Vec<u8>) {
    match fmt {
        DeltaFormat::Wsync => {
            out.extend_from_slice(&wsync::MAGIC);
            out.push(wsync::VERSION);
            out.extend_from_slice(&basis_len.to_be_bytes());
        }
        DeltaFormat::Rdiff => out.extend_from_slice(&rdiff::MAGIC),
    }
}

pub(crate) fn write_copy(fmt: DeltaFormat, offset: u64, len: u64, out: &mut Vec<u8>) {
    match fmt {
        DeltaFormat::Wsync => {
            out.push(wsync::OP_COPY);
            varint::put(out, offset);
            varint::put(out, len);
        }
        DeltaFormat::Rdiff => {
            let (oc, lc) = (width_code(offset), width_code(len));
            out.push(rdiff::OP_COPY_N1_N1 + oc * 4 + lc);
            put_be(out, offset, oc);
            put_be(out, len, lc);
        }
    }
}

pub(crate) fn write_literal(fmt: DeltaFormat, data: &[u8], out: &mut Vec<u8>) {
    debug_assert!(!data.is_empty());
    let len = data.len() as u64;
    match fmt {
        DeltaFormat::Wsync => {
            out.push(wsync::OP_LITERAL);
            varint::put(out, len);
        }
        DeltaFormat::Rdiff if len <= u64::from(rdiff::OP_LITERAL_MAX_IMMEDIATE) => {
            out.push(len as u8)
        }
        DeltaFormat::Rdiff => {
            let c = width_code(len);
            out.push(rdiff::OP_LITERAL_N1 + c);
            put_be(out, len, c);
        }
    }
    out.extend_from_slice(data);
}

pub(crate) fn write_deflate(raw_len: usize, compressed: &[u8], out: &mut Vec<u8>) {
    out.push(wsync::OP_DEFLATE);
    varint::put(out, raw_len as u64);
    varint::put(out, compressed.len() as u64);
    out.extend_from_slice(compressed);
}

pub(crate) fn write_end(fmt: DeltaFormat, new_len: u64, sha256: &[u8; 32], out: &mut Vec<u8>) {
    match fmt {
        DeltaFormat::Wsync => {
            out.push(wsync::OP_END);
            out.extend_from_slice(&new_len.to_be_bytes());
            out.extend_from_slice(sha256);
        }
        DeltaFormat::Rdiff => out.push(rdiff::OP_END),
    }
}
