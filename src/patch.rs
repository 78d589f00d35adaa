//! Applying a delta (wsync or librsync format) to a basis.
//!
//! The patcher is fed delta bytes in chunks of any size, reads the basis
//! through [`Basis`] and writes the new file to any `std::io::Write`. Every
//! length and range in the delta is checked before use: COPY ranges against
//! the basis, output against [`PatchOptions::max_output`], literal sizes
//! against a fixed cap. At the end of a wsync delta the output's length and
//! SHA-256 are compared with the trailer.

use crate::format::{rdiff, wsync, DeltaFormat};
use crate::hash::{Sha256, WholeHasher};
use crate::text::Text;
use crate::varint;
use std::io::{self, Write};

mod error;
pub use error::PatchError;

/// Random access to the basis file.
pub trait Basis {
    /// Length of the basis in bytes.
    fn len(&self) -> u64;
    /// Whether the basis is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` with the bytes at `offset..offset + buf.len()`.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

/// A read beyond the end of an in-memory basis. Its own type rather than a
/// string: an `io::Error` made from a string carries std's `StringError`,
/// whose `Debug` (string escaping) costs the wasm build about 4 KB.
#[derive(Debug)]
struct ReadPastBasis;

impl std::fmt::Display for ReadPastBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("read past the basis")
    }
}

impl std::error::Error for ReadPastBasis {}

impl Basis for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|o| self.get(o..o.checked_add(buf.len())?))
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, ReadPastBasis))?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl Basis for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_at(offset, buf)
    }
}

/// Limits for applying a delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatchOptions {
    /// Most output bytes; a delta that would write more is refused as it goes.
    pub max_output: u64,
}

impl Default for PatchOptions {
    fn default() -> Self {
        PatchOptions {
            max_output: u64::MAX,
        }
    }
}

/// What a finished patch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PatchReport {
    /// The delta's format, known from its magic.
    pub format: DeltaFormat,
    /// Bytes written: the new file's length.
    pub new_len: u64,
    /// Of those, the bytes copied from the basis (COPY commands).
    pub copied_bytes: u64,
    /// Of those, the bytes that came in the delta (LITERAL and, inflated,
    /// DEFLATE commands).
    pub literal_bytes: u64,
    /// The verified SHA-256 of the result (wsync deltas only; rdiff's has none).
    pub sha256: Option<[u8; 32]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Magic,
    Header,
    Op,
    Literal {
        remaining: u64,
    },
    Deflate {
        raw_len: usize,
        comp_len: usize,
        offset: u64,
    },
    Done,
}

/// Copy buffer size.
const COPY_CHUNK: usize = 256 << 10;
/// Longest command header (wsync END: 1 + 8 + 32).
const MAX_HEADER: usize = 41;

/// Applies a delta fed in chunks to a basis, writing the result to `W`.
pub struct Patcher<B: Basis, W: Write> {
    basis: B,
    out: W,
    opts: PatchOptions,
    state: State,
    /// Bytes of an incomplete command header, or of a compressed literal.
    pending: Vec<u8>,
    /// Delta offset of `pending[0]` (or of the next byte when it is empty).
    offset: u64,
    sha: WholeHasher,
    report: PatchReport,
    scratch: Vec<u8>,
    /// The last output bytes (at least DICT_WINDOW once that many were
    /// written): the dictionary of compressed literals.
    history: Vec<u8>,
}

enum Parsed {
    NeedMore,
    Used(usize),
}

impl<B: Basis, W: Write> Patcher<B, W> {
    /// A patcher of `basis` writing the new file to `out`. The delta's
    /// format (wsync or librsync) is known from its first bytes.
    pub fn new(basis: B, out: W, opts: PatchOptions) -> Self {
        Self::with_hasher(basis, out, opts, Box::new(Sha256::new()))
    }

    /// Like `new`, with the result's SHA-256 computed by `sha`.
    pub fn with_hasher(basis: B, out: W, opts: PatchOptions, sha: WholeHasher) -> Self {
        Patcher {
            basis,
            out,
            opts,
            state: State::Magic,
            pending: Vec::new(),
            offset: 0,
            sha,
            report: PatchReport::default(),
            scratch: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Bytes of output written so far.
    pub fn written(&self) -> u64 {
        self.report.new_len
    }

    /// Feeds the next delta bytes.
    pub fn update(&mut self, mut data: &[u8]) -> Result<(), PatchError> {
        loop {
            match self.state {
                State::Done => {
                    if !data.is_empty() {
                        return Err(PatchError::TrailingData {
                            offset: self.offset,
                            extra: data.len() as u64,
                        });
                    }
                    return Ok(());
                }
                State::Literal { remaining } => {
                    let take = remaining.min(data.len() as u64) as usize;
                    self.emit(&data[..take])?;
                    self.report.literal_bytes += take as u64;
                    self.offset += take as u64;
                    data = &data[take..];
                    let remaining = remaining - take as u64;
                    self.state = if remaining == 0 {
                        State::Op
                    } else {
                        State::Literal { remaining }
                    };
                    if remaining > 0 {
                        return Ok(());
                    }
                }
                State::Deflate {
                    raw_len,
                    comp_len,
                    offset,
                } => {
                    let take = (comp_len - self.pending.len()).min(data.len());
                    self.pending.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.pending.len() < comp_len {
                        return Ok(());
                    }
                    self.inflate(raw_len, offset)?;
                    self.offset += comp_len as u64;
                    self.pending.clear();
                    self.state = State::Op;
                }
                State::Magic | State::Header | State::Op => {
                    if data.is_empty() {
                        return Ok(());
                    }
                    let old = self.pending.len();
                    let take = (MAX_HEADER - old).min(data.len());
                    self.pending.extend_from_slice(&data[..take]);
                    let pending = std::mem::take(&mut self.pending);
                    let parsed = self.parse(&pending);
                    self.pending = pending;
                    match parsed? {
                        Parsed::NeedMore => {
                            data = &data[take..];
                            // Every command header fits in MAX_HEADER bytes.
                            debug_assert!(self.pending.len() < MAX_HEADER);
                        }
                        Parsed::Used(n) => {
                            // n > old: the old bytes alone were not a whole header.
                            data = &data[n - old..];
                            self.pending.clear();
                        }
                    }
                }
            }
        }
    }

    /// Parses one header from `buf` and carries it out; advances `offset`.
    fn parse(&mut self, buf: &[u8]) -> Result<Parsed, PatchError> {
        let at = self.offset;
        let used = match self.state {
            State::Magic => {
                let Some(m) = buf.get(..4) else {
                    return Ok(Parsed::NeedMore);
                };
                let found: [u8; 4] = m.try_into().unwrap();
                if found == wsync::MAGIC {
                    self.report.format = DeltaFormat::Wsync;
                    self.state = State::Header;
                } else if found == rdiff::MAGIC {
                    self.report.format = DeltaFormat::Rdiff;
                    self.state = State::Op;
                } else {
                    return Err(PatchError::BadMagic { found });
                }
                4
            }
            State::Header => {
                let Some(h) = buf.get(..9) else {
                    return Ok(Parsed::NeedMore);
                };
                if h[0] != wsync::VERSION {
                    return Err(PatchError::UnsupportedVersion { found: h[0] });
                }
                let expected = u64::from_be_bytes(h[1..9].try_into().unwrap());
                if expected != self.basis.len() {
                    return Err(PatchError::BasisLength {
                        expected,
                        found: self.basis.len(),
                    });
                }
                self.state = State::Op;
                9
            }
            State::Op if self.report.format == DeltaFormat::Wsync => {
                match self.parse_wsync(buf, at)? {
                    Some(n) => n,
                    None => return Ok(Parsed::NeedMore),
                }
            }
            State::Op => match self.parse_rdiff(buf, at)? {
                Some(n) => n,
                None => return Ok(Parsed::NeedMore),
            },
            _ => unreachable!("parse is only called in header states"),
        };
        self.offset += used as u64;
        Ok(Parsed::Used(used))
    }

    fn parse_wsync(&mut self, buf: &[u8], at: u64) -> Result<Option<usize>, PatchError> {
        let varint_at = |pos: usize| -> Result<Option<(u64, usize)>, PatchError> {
            varint::get(&buf[pos.min(buf.len())..])
                .map_err(|()| PatchError::BadVarint { offset: at })
        };
        match buf[0] {
            wsync::OP_END => {
                let Some(t) = buf.get(1..41) else {
                    return Ok(None);
                };
                let expected = u64::from_be_bytes(t[..8].try_into().unwrap());
                if expected != self.report.new_len {
                    return Err(PatchError::LengthMismatch {
                        expected,
                        found: self.report.new_len,
                    });
                }
                let found = self.sha.finish();
                if found[..] != t[8..40] {
                    return Err(PatchError::HashMismatch {
                        expected: Text::default().hex_all(&t[8..40]).as_str().into(),
                        found: Text::default().hex_all(&found).as_str().into(),
                    });
                }
                self.report.sha256 = Some(found);
                self.state = State::Done;
                Ok(Some(41))
            }
            wsync::OP_COPY => {
                let Some((start, a)) = varint_at(1)? else {
                    return Ok(None);
                };
                let Some((len, b)) = varint_at(1 + a)? else {
                    return Ok(None);
                };
                self.copy(start, len, at)?;
                Ok(Some(1 + a + b))
            }
            wsync::OP_LITERAL => {
                let Some((len, a)) = varint_at(1)? else {
                    return Ok(None);
                };
                self.begin_literal(len, at)?;
                Ok(Some(1 + a))
            }
            wsync::OP_DEFLATE => {
                let Some((raw, a)) = varint_at(1)? else {
                    return Ok(None);
                };
                let Some((comp, b)) = varint_at(1 + a)? else {
                    return Ok(None);
                };
                if raw == 0 || comp == 0 {
                    return Err(PatchError::ZeroLength { offset: at });
                }
                let max = wsync::MAX_LITERAL;
                if raw > max || comp > max {
                    return Err(PatchError::LiteralTooLong {
                        len: raw.max(comp),
                        max,
                        offset: at,
                    });
                }
                self.check_output(raw)?;
                self.state = State::Deflate {
                    raw_len: raw as usize,
                    comp_len: comp as usize,
                    offset: at,
                };
                Ok(Some(1 + a + b))
            }
            op => Err(PatchError::UnknownOp { op, offset: at }),
        }
    }

    fn parse_rdiff(&mut self, buf: &[u8], at: u64) -> Result<Option<usize>, PatchError> {
        let int = |pos: usize, width: usize| -> Option<u64> {
            let b = buf.get(pos..pos + width)?;
            Some(b.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
        };
        match buf[0] {
            rdiff::OP_END => {
                self.state = State::Done;
                Ok(Some(1))
            }
            op @ 1..=rdiff::OP_LITERAL_MAX_IMMEDIATE => {
                self.begin_literal(op.into(), at)?;
                Ok(Some(1))
            }
            op @ rdiff::OP_LITERAL_N1..=0x44 => {
                let w = 1usize << (op - rdiff::OP_LITERAL_N1);
                let Some(len) = int(1, w) else {
                    return Ok(None);
                };
                self.begin_literal(len, at)?;
                Ok(Some(1 + w))
            }
            op @ rdiff::OP_COPY_N1_N1..=rdiff::OP_COPY_LAST => {
                let code = op - rdiff::OP_COPY_N1_N1;
                let (wo, wl) = (1usize << (code / 4), 1usize << (code % 4));
                let (Some(start), Some(len)) = (int(1, wo), int(1 + wo, wl)) else {
                    return Ok(None);
                };
                self.copy(start, len, at)?;
                Ok(Some(1 + wo + wl))
            }
            op => Err(PatchError::UnknownOp { op, offset: at }),
        }
    }

    fn check_output(&self, len: u64) -> Result<(), PatchError> {
        match self.report.new_len.checked_add(len) {
            Some(total) if total <= self.opts.max_output => Ok(()),
            _ => Err(PatchError::OutputLimit {
                limit: self.opts.max_output,
            }),
        }
    }

    fn begin_literal(&mut self, len: u64, at: u64) -> Result<(), PatchError> {
        if len == 0 {
            return Err(PatchError::ZeroLength { offset: at });
        }
        self.check_output(len)?;
        self.state = State::Literal { remaining: len };
        Ok(())
    }

    fn copy(&mut self, start: u64, len: u64, at: u64) -> Result<(), PatchError> {
        let basis_len = self.basis.len();
        if len == 0 {
            return Err(PatchError::ZeroLength { offset: at });
        }
        match start.checked_add(len) {
            Some(end) if end <= basis_len => {}
            _ => {
                return Err(PatchError::CopyOutOfRange {
                    start,
                    len,
                    basis_len,
                    offset: at,
                })
            }
        }
        self.check_output(len)?;
        let mut buf = std::mem::take(&mut self.scratch);
        buf.resize(len.min(COPY_CHUNK as u64) as usize, 0);
        let mut done = 0u64;
        let result = loop {
            if done == len {
                break Ok(());
            }
            let n = (len - done).min(buf.len() as u64) as usize;
            if let Err(e) = self.basis.read_at(start + done, &mut buf[..n]) {
                break Err(PatchError::BasisRead(e));
            }
            if let Err(e) = self.emit(&buf[..n]) {
                break Err(e);
            }
            done += n as u64;
        };
        self.scratch = buf;
        self.report.copied_bytes += done;
        result
    }

    fn inflate(&mut self, raw_len: usize, at: u64) -> Result<(), PatchError> {
        use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
        use miniz_oxide::inflate::TINFLStatus;
        let dict_len = self.history.len().min(wsync::DICT_WINDOW);
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        buf.extend_from_slice(&self.history[self.history.len() - dict_len..]);
        buf.resize(dict_len + raw_len, 0);
        // The dictionary sits in the output buffer before the new bytes, so
        // back-references may reach into it (and no further).
        let mut r = Box::new(DecompressorOxide::new());
        let (status, used, written) = decompress(
            &mut r,
            &self.pending,
            &mut buf,
            dict_len,
            inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        let ok = status == TINFLStatus::Done && used == self.pending.len() && written == raw_len;
        let result = match ok {
            true => self.emit(&buf[dict_len..]),
            false => Err(PatchError::Inflate { offset: at }),
        };
        self.report.literal_bytes += raw_len as u64;
        self.scratch = buf;
        result
    }

    fn emit(&mut self, data: &[u8]) -> Result<(), PatchError> {
        self.out.write_all(data).map_err(PatchError::Write)?;
        if self.report.format == DeltaFormat::Wsync {
            self.sha.update(data);
            // Keep the last DICT_WINDOW bytes, moving at most that much.
            let w = wsync::DICT_WINDOW;
            if data.len() >= w {
                self.history.clear();
                self.history.extend_from_slice(&data[data.len() - w..]);
            } else {
                self.history.extend_from_slice(data);
                if self.history.len() > 2 * w {
                    let cut = self.history.len() - w;
                    self.history.drain(..cut);
                }
            }
        }
        self.report.new_len += data.len() as u64;
        Ok(())
    }

    /// Checks that the delta ended, flushes the output and returns it.
    pub fn finish(mut self) -> Result<(W, PatchReport), PatchError> {
        let within = match self.state {
            State::Done => {
                self.out.flush().map_err(PatchError::Write)?;
                return Ok((self.out, self.report));
            }
            State::Magic => "the magic",
            State::Header => "the header",
            State::Op => "a command header",
            State::Literal { .. } => "a literal",
            State::Deflate { .. } => "a compressed literal",
        };
        Err(PatchError::Truncated {
            offset: self.offset + self.pending.len() as u64,
            within,
        })
    }
}

/// Applies a whole delta in memory to a basis in memory.
pub fn apply(
    basis: &[u8],
    delta: &[u8],
    opts: PatchOptions,
) -> Result<(Vec<u8>, PatchReport), PatchError> {
    let mut p = Patcher::new(basis, Vec::new(), opts);
    p.update(delta)?;
    p.finish()
}
