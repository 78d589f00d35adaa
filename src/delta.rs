//! Delta encoding: the new file against a basis's [`Signature`].
//!
//! The encoder slides a window of `block_len` bytes over the new file,
//! rolling its weak sum one byte at a time. A position whose weak sum may
//! belong to a block (see `index.rs`) gets a strong sum; a block with the
//! same weak and strong sums becomes a COPY and the window jumps a whole
//! block. Bytes that match nothing become LITERALs, deflated when that makes
//! them smaller. The block after the last match is tried first, so runs of
//! blocks coalesce into one COPY. Memory is the signature, its index and a
//! buffer of a few blocks, whatever the size of the new file.

use crate::format::{self, DeltaFormat};
use crate::hash::{strong_sum, Sha256, WholeHasher};
use crate::index::Index;
use crate::rolling::{weak_sum, OutTable, Rolling};
use crate::sha4::{strong_sums4, Fused};
use crate::signature::Signature;
use crate::text::{display_by_describe, Describe, Text};
use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use std::borrow::Borrow;

/// Literal bytes are emitted in pieces of at most this size.
const LITERAL_CHUNK: usize = 128 << 10;
/// New-file bytes taken into the buffer per step.
const INPUT_STEP: usize = 256 << 10;
/// Longest COPY that adjacent matches coalesce into. A receiver applies a
/// COPY once it arrives, that is once the run ends: in runs of at most
/// this much it keeps pace with the sender rather than waiting and then
/// copying the rest of a long unchanged file after the sender is done.
/// The cost: a command of a few bytes per 4 MiB matched.
const COPY_RUN: u64 = 4 << 20;

/// Bytes hashed for failed strong checks, per byte of input, at most.
const MISS_HASH_PER_BYTE: u64 = 8;

/// Errors from delta options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeltaError {
    /// [`DeltaOptions::compress_level`] is over 9.
    CompressLevel {
        /// The level asked for.
        found: u32,
    },
}

impl Describe for DeltaError {
    fn describe(&self, t: &mut Text) {
        match self {
            DeltaError::CompressLevel { found } => t
                .s("compression level ")
                .n(*found)
                .s(" is out of range (0 to 9)"),
        };
    }
}

display_by_describe!(DeltaError);
impl std::error::Error for DeltaError {}

/// How to encode a delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeltaOptions {
    /// The format to write: wsync's (default) or librsync's.
    pub format: DeltaFormat,
    /// Deflate level for literals, 0 (off) to 9; default 1 (fast).
    /// The rdiff format has no compression and ignores it.
    pub compress_level: u32,
}

impl Default for DeltaOptions {
    fn default() -> Self {
        DeltaOptions {
            format: DeltaFormat::Wsync,
            compress_level: 1,
        }
    }
}

/// What an encoder did, for `--stats` and progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeltaStats {
    /// Bytes of the new file seen.
    pub new_len: u64,
    /// New-file bytes sent as COPY.
    pub matched_bytes: u64,
    /// New-file bytes sent as literals.
    pub literal_bytes: u64,
    /// Bytes those literals took on the wire (after compression).
    pub literal_wire_bytes: u64,
    /// COPY commands written (a run of consecutive matching blocks is one,
    /// up to 4 MiB).
    pub copy_ops: u64,
    /// Literal commands written (LITERAL or DEFLATE, each at most 128 KiB
    /// of the new file).
    pub literal_ops: u64,

    /// Total delta bytes produced.
    pub delta_bytes: u64,
    /// SHA-256 of the new file (after `finish`, wsync format).
    pub sha256: Option<[u8; 32]>,
}

/// Encodes a delta from a new file fed in chunks of any size; the output is
/// the same whatever the chunking.
pub struct DeltaEncoder<S: Borrow<Signature>> {
    sig: S,
    index: Index,
    out_table: OutTable,
    /// Number of full-length (indexed) blocks.
    full_blocks: usize,
    format: DeltaFormat,
    compressor: Option<Literals>,
    /// Buffered new-file bytes; `buf[start..pos]` is the pending literal and
    /// the window starts at `pos`.
    buf: Vec<u8>,
    start: usize,
    pos: usize,
    /// Weak sum of the window at `pos`, once computed.
    rolling: Option<Rolling>,
    /// Whether the window at `pos` has been looked up.
    checked: bool,
    /// Block tried first (the one after the last match).
    expected: usize,
    /// A COPY not yet written, grown while blocks follow each other.
    pending_copy: Option<(u64, u64)>,
    /// Bytes dropped from the front of `buf` so far.
    drained: u64,
    /// Bytes that strong sums which match nothing may still hash.
    miss_budget: u64,
    budget_at: u64,
    sha: WholeHasher,
    /// The whole-file SHA-256 computed here instead, beside the block sums
    /// (when `sha` handed over): it has hashed `buf[..hashed]`.
    fused: Option<Fused>,
    hashed: usize,
    stats: DeltaStats,
    started: bool,
    /// Strong sums of the windows after a matching one, computed four at a
    /// time along a run of blocks that follow each other: (absolute
    /// position, sum).
    /// Their weak sums are known too: they matched the blocks expected.
    ahead: Vec<(u64, u32, [u8; 32])>,
}

impl<S: Borrow<Signature>> DeltaEncoder<S> {
    /// An encoder against `sig`; building its index costs O(blocks log blocks).
    pub fn new(sig: S, opts: DeltaOptions) -> Result<Self, DeltaError> {
        Self::with_hasher(sig, opts, Box::new(Sha256::new()))
    }

    /// Like `new`, with the new file's SHA-256 computed by `sha`.
    pub fn with_hasher(
        sig: S,
        opts: DeltaOptions,
        mut sha: WholeHasher,
    ) -> Result<Self, DeltaError> {
        if opts.compress_level > 9 {
            return Err(DeltaError::CompressLevel {
                found: opts.compress_level,
            });
        }
        let compressor = (opts.format == DeltaFormat::Wsync && opts.compress_level > 0)
            .then(|| Literals::new(Box::new(Miniz::new(opts.compress_level))));
        let s: &Signature = sig.borrow();
        let index = Index::new(s);
        let n = s.block_count();
        let full_blocks = if n > 0 && s.block_size(n - 1) < s.block_len() {
            n - 1
        } else {
            n
        };
        let miss_budget = miss_cap(s.block_len());
        let out_table = OutTable::new(s.block_len() as usize);
        let fused = match opts.format {
            DeltaFormat::Wsync => Fused::new().filter(|_| sha.hand_over()),
            DeltaFormat::Rdiff => None,
        };
        Ok(DeltaEncoder {
            sig,
            index,
            out_table,
            full_blocks,
            format: opts.format,
            compressor,
            buf: Vec::new(),
            start: 0,
            pos: 0,
            rolling: None,
            checked: false,
            expected: 0,
            pending_copy: None,
            drained: 0,
            miss_budget,
            budget_at: 0,
            sha,
            fused,
            hashed: 0,
            stats: DeltaStats::default(),
            started: false,
            ahead: Vec::new(),
        })
    }

    /// The signature this encoder works against.
    pub fn signature(&self) -> &Signature {
        self.sig.borrow()
    }

    /// Counters so far (complete after `finish`).
    pub fn stats(&self) -> DeltaStats {
        self.stats
    }

    /// Deflates literals with `d` instead of the core's own deflate (when
    /// the options compress at all). Call it before the first `update`; the
    /// same choice gives the same delta bytes (a resumed upload relies on it).
    pub fn set_deflater(&mut self, d: Deflater) {
        if let Some(c) = &mut self.compressor {
            *c = Literals::new(d);
        }
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            let before = out.len();
            format::write_header(self.format, self.sig.borrow().basis_len(), out);
            self.stats.delta_bytes += (out.len() - before) as u64;
        }
    }

    /// Feeds the next bytes of the new file; delta bytes are appended to `out`.
    pub fn update(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        self.start(out);
        while !data.is_empty() {
            let take = data.len().min(INPUT_STEP);
            self.append(|buf| buf.extend_from_slice(&data[..take]), out);
            data = &data[take..];
        }
    }

    /// Like `update` with the next `len` bytes of the new file, which `fill`
    /// writes into the encoder's buffer (given zeroed): a binding copying
    /// from foreign memory, such as a JavaScript array, copies only once.
    /// The buffer holds all `len` bytes at once.
    pub fn update_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8]), out: &mut Vec<u8>) {
        self.start(out);
        self.append(
            |buf| {
                let at = buf.len();
                buf.resize(at + len, 0);
                fill(&mut buf[at..]);
            },
            out,
        );
    }

    /// Appends new-file bytes to the buffer with `push`, then scans them.
    fn append(&mut self, push: impl FnOnce(&mut Vec<u8>), out: &mut Vec<u8>) {
        let before = out.len();
        // Drop emitted bytes once they are half the buffer: each byte moves
        // at most once on average, and the buffer stays a few blocks long
        // besides the bytes appended. The last DICT_WINDOW bytes before
        // `start` stay: they are the compression dictionary of the next literal.
        let cut = self.start.saturating_sub(format::wsync::DICT_WINDOW);
        if cut > 0 && cut >= self.buf.len() / 2 {
            self.buf.drain(..cut);
            // Everything before this call is hashed: `hashed` was the end.
            self.hashed -= cut;
            self.pos -= cut;
            self.start -= cut;
            self.drained += cut as u64;
        }
        let at = self.buf.len();
        push(&mut self.buf);
        let new = &self.buf[at..];
        self.stats.new_len += new.len() as u64;
        if self.format == DeltaFormat::Wsync && self.fused.is_none() {
            self.sha.update(new);
        }
        self.scan(out);
        // What the block sums did not take along.
        if let Some(f) = &mut self.fused {
            f.update(&self.buf[self.hashed..]);
        }
        self.hashed = self.buf.len();
        self.stats.delta_bytes += (out.len() - before) as u64;
    }

    /// Moves the window as far as the buffered bytes allow.
    fn scan(&mut self, out: &mut Vec<u8>) {
        let b = self.sig.borrow().block_len() as usize;
        loop {
            if self.pos + b > self.buf.len() {
                return;
            }
            let mut r = match self.rolling {
                Some(r) => r,
                None => {
                    let at = self.drained + self.pos as u64;
                    match self.ahead.iter().find(|e| e.0 == at) {
                        Some(&(_, weak, _)) => Rolling::from_sum(weak, b),
                        None => Rolling::new(&self.buf[self.pos..self.pos + b]),
                    }
                }
            };
            self.rolling = Some(r);
            if !self.checked {
                self.checked = true;
                if self.index.may_contain(r.value()) {
                    if let Some(block) = self.find_block(r.value()) {
                        self.flush_literal(out);
                        self.push_copy(block as u64 * b as u64, b as u64, out);
                        self.expected = block + 1;
                        self.pos += b;
                        self.start = self.pos;
                        self.rolling = None;
                        self.checked = false;
                        continue;
                    }
                }
            }
            if self.pos - self.start >= LITERAL_CHUNK {
                self.flush_literal(out);
            }
            if self.pos + b >= self.buf.len() {
                return; // rolling on needs the next byte
            }
            // Roll one byte, then on past positions no block can match.
            let stop = (self.buf.len() - b).min(self.start + LITERAL_CHUNK);
            let (outs, ins) = (&self.buf[self.pos..stop], &self.buf[self.pos + b..stop + b]);
            self.pos += self.index.skip_misses(&mut r, outs, ins, &self.out_table);
            self.rolling = Some(r);
            self.checked = false;
        }
    }

    /// The block whose sums match the full window at `pos`, if any.
    fn find_block(&mut self, weak: u32) -> Option<usize> {
        let sig: &Signature = self.sig.borrow();
        let b = sig.block_len() as usize;
        let expected = self.expected;
        let try_expected = expected < self.full_blocks && sig.weak(expected) == weak;
        if !try_expected && self.index.weak_range(sig, weak).is_empty() {
            return None;
        }
        // Cap the bytes hashed for strong sums that match nothing, so that a
        // signature whose blocks share weak sums cannot make this quadratic.
        let at = self.drained + self.pos as u64;
        self.miss_budget = (self.miss_budget + (at - self.budget_at) * MISS_HASH_PER_BYTE)
            .min(miss_cap(sig.block_len()));
        self.budget_at = at;
        if self.miss_budget < b as u64 {
            return None;
        }
        let strong = match self.ahead.iter().find(|e| e.0 == at) {
            Some(&(_, _, sum)) => sum,
            None => {
                self.ahead.clear();
                let ahead = if try_expected {
                    Self::sums_ahead(
                        sig,
                        &self.buf,
                        self.pos,
                        expected,
                        self.full_blocks,
                        self.fused.as_mut().map(|f| (f, &mut self.hashed)),
                    )
                } else {
                    None
                };
                match ahead {
                    Some(sums) => {
                        for (k, sum) in sums.iter().enumerate().skip(1) {
                            let weak = sig.weak(expected + k);
                            self.ahead.push((at + (k * b) as u64, weak, *sum));
                        }
                        sums[0]
                    }
                    None => strong_sum(sig.seed(), &self.buf[self.pos..self.pos + b]),
                }
            }
        };
        let s = sig.strong_len() as usize;
        let found = if try_expected && sig.strong(expected) == &strong[..s] {
            Some(expected)
        } else {
            Index::find_strong(sig, self.index.weak_range(sig, weak), &strong).map(|i| i as usize)
        };
        if found.is_none() {
            self.miss_budget -= b as u64;
        }
        found
    }

    /// Strong sums of the window at `pos` and the three after it, when all
    /// four are buffered and their weak sums match the blocks that would
    /// follow `expected`: the usual case inside an unchanged stretch.
    fn sums_ahead(
        sig: &Signature,
        buf: &[u8],
        pos: usize,
        expected: usize,
        full_blocks: usize,
        fused: Option<(&mut Fused, &mut usize)>,
    ) -> Option<[[u8; 32]; 4]> {
        let b = sig.block_len() as usize;
        if pos + 4 * b > buf.len() || expected + 4 > full_blocks {
            return None;
        }
        let w = |k: usize| &buf[pos + k * b..pos + (k + 1) * b];
        if (1..4).any(|k| weak_sum(w(k)) != sig.weak(expected + k)) {
            return None;
        }
        let blocks = [w(0), w(1), w(2), w(3)];
        // The whole-file hash takes the bytes after those it has hashed,
        // its rounds run beside the block sums'.
        if let Some((f, hashed)) = fused {
            if let Some((sums, took)) = f.sums4_beside(sig.seed(), blocks, &buf[*hashed..]) {
                *hashed += took;
                return Some(sums);
            }
        }
        Some(strong_sums4(sig.seed(), blocks))
    }

    fn push_copy(&mut self, offset: u64, len: u64, out: &mut Vec<u8>) {
        self.stats.matched_bytes += len;
        if let Some((o, l)) = &mut self.pending_copy {
            if *o + *l == offset && *l + len <= COPY_RUN {
                *l += len;
                return;
            }
        }
        self.flush_copy(out);
        self.pending_copy = Some((offset, len));
    }

    fn flush_copy(&mut self, out: &mut Vec<u8>) {
        if let Some((o, l)) = self.pending_copy.take() {
            format::write_copy(self.format, o, l, out);
            self.stats.copy_ops += 1;
        }
    }

    /// Emits `buf[start..pos]` as a literal.
    fn flush_literal(&mut self, out: &mut Vec<u8>) {
        if self.pos == self.start {
            return;
        }
        self.flush_copy(out);
        let data = &self.buf[self.start..self.pos];
        let dict = &self.buf[self.start.saturating_sub(format::wsync::DICT_WINDOW)..self.start];
        let before = out.len();
        let compressed = match &mut self.compressor {
            Some(c) => c.try_compress(dict, data),
            None => None,
        };
        match compressed {
            Some(z) => format::write_deflate(data.len(), z, out),
            None => format::write_literal(self.format, data, out),
        }
        self.stats.literal_bytes += data.len() as u64;
        self.stats.literal_wire_bytes += (out.len() - before) as u64;
        self.stats.literal_ops += 1;
        self.start = self.pos;
    }

    /// Ends the new file: the tail, a short last block, and the trailer.
    pub fn finish(mut self, out: &mut Vec<u8>) -> DeltaStats {
        self.start(out);
        let before = out.len();
        let sig: &Signature = self.sig.borrow();
        let n = sig.block_count();
        let len = self.buf.len();
        if n > self.full_blocks {
            // rsync matches a short last block only at the very end of the file.
            let r = sig.block_size(n - 1) as usize;
            let offset = (n as u64 - 1) * u64::from(sig.block_len());
            if len >= self.pos + r {
                let tail = &self.buf[len - r..];
                let s = sig.strong_len() as usize;
                if weak_sum(tail) == sig.weak(n - 1)
                    && strong_sum(sig.seed(), tail)[..s] == *sig.strong(n - 1)
                {
                    self.pos = len - r;
                    self.flush_literal(out);
                    self.push_copy(offset, r as u64, out);
                    self.pos = len;
                    self.start = len;
                }
            }
        }
        while self.start < len {
            self.pos = len.min(self.start + LITERAL_CHUNK);
            self.flush_literal(out);
        }
        self.flush_copy(out);
        let sha = match self.fused.take() {
            Some(mut f) => {
                f.update(&self.buf[self.hashed..]);
                f.finish()
            }
            None => self.sha.finish(),
        };
        format::write_end(self.format, self.stats.new_len, &sha, out);
        if self.format == DeltaFormat::Wsync {
            self.stats.sha256 = Some(sha);
        }
        self.stats.delta_bytes += (out.len() - before) as u64;
        self.stats
    }
}

/// Most bytes failed strong checks may hash in a burst: four blocks' worth
/// of budget, refilled at MISS_HASH_PER_BYTE per byte of input.
fn miss_cap(block_len: u32) -> u64 {
    4 * u64::from(block_len) * MISS_HASH_PER_BYTE
}

/// Raw deflate of one literal run, for [`DeltaEncoder`]. The core's own is
/// miniz_oxide's; a host may bring a faster one with
/// [`DeltaEncoder::set_deflater`]. The patcher decodes any raw deflate
/// stream whose back-references stay within the preceding 32 KiB.
pub trait Deflate {
    /// Writes to `out` (empty, reused between calls) the raw deflate
    /// (RFC 1951) of `data`, ended by a final block, whose back-references
    /// may reach into `dict`: the new file's bytes just before `data`, up to
    /// 32 KiB, which the receiver has already written. Returns false when
    /// that does not fit in fewer than `limit` bytes, and `data` then goes
    /// as it is.
    fn deflate(&mut self, dict: &[u8], data: &[u8], limit: usize, out: &mut Vec<u8>) -> bool;
}

/// A boxed [`Deflate`]: `Send` natively, like [`WholeHasher`].
#[cfg(not(target_arch = "wasm32"))]
pub type Deflater = Box<dyn Deflate + Send>;
/// A boxed [`Deflate`].
#[cfg(target_arch = "wasm32")]
pub type Deflater = Box<dyn Deflate>;

/// Deflates literal runs; after runs that do not shrink it backs off, trying
/// again after 1, 2, 4 ... 64 runs, so incompressible data costs little.
struct Literals {
    imp: Deflater,
    scratch: Vec<u8>,
    skip: u32,
    backoff: u32,
}

impl Literals {
    fn new(imp: Deflater) -> Self {
        Literals {
            imp,
            scratch: Vec::new(),
            skip: 0,
            backoff: 0,
        }
    }

    /// The raw deflate of `data` after `dict`, if that is smaller than
    /// `data` by enough to pay for the longer header.
    fn try_compress(&mut self, dict: &[u8], data: &[u8]) -> Option<&[u8]> {
        if data.len() < 32 {
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        self.scratch.clear();
        if self
            .imp
            .deflate(dict, data, data.len() - 8, &mut self.scratch)
        {
            self.backoff = 0;
            Some(&self.scratch)
        } else {
            self.backoff = (self.backoff * 2).clamp(1, 64);
            self.skip = self.backoff;
            None
        }
    }
}

/// How much of the preceding output primes miniz for a literal run. Priming
/// costs a compression of that much (miniz cannot take a dictionary), so it
/// uses half the window, which keeps nearly all of the gain (on the
/// benchmark's text: 597 KB of literals instead of 592 KB at 32 KiB).
const DICT_PRIME: usize = 16 << 10;

/// The level the dictionary is compressed at (and thrown away): the least
/// that keeps miniz on its hash-chain path (level 1 has its own).
const PRIME_LEVEL: u8 = 2;

/// The core's [`Deflate`]: miniz_oxide at a level from 1 to 9.
struct Miniz {
    z: Box<CompressorOxide>,
    level: u8,
}

impl Miniz {
    fn new(level: u32) -> Self {
        let level = level.clamp(1, 9);
        let flags = create_comp_flags_from_zip_params(level as i32, -15, 0);
        Miniz {
            z: Box::new(CompressorOxide::new(flags)),
            level: level as u8,
        }
    }
}

impl Deflate for Miniz {
    fn deflate(&mut self, dict: &[u8], data: &[u8], limit: usize, out: &mut Vec<u8>) -> bool {
        let dict = &dict[dict.len().saturating_sub(DICT_PRIME)..];
        self.z.reset();
        if !dict.is_empty() {
            // Compress the dictionary and throw its output away: what counts
            // is the compressor's window. The sync flush ends that part on a
            // byte boundary, so what follows is a stream of its own whose
            // back-references may reach into the dictionary. Priming at a
            // cheap level fills the same hash chains (every byte goes in,
            // whatever the level) without searching them, so the output for
            // `data` is the same, for less work.
            out.resize(dict.len() + dict.len() / 8 + 1024, 0);
            self.z
                .set_compression_level_raw(self.level.min(PRIME_LEVEL));
            let (status, used, _) = compress(&mut self.z, dict, out, TDEFLFlush::Sync);
            self.z.set_compression_level_raw(self.level);
            if status != TDEFLStatus::Okay || used != dict.len() {
                out.clear();
                return false;
            }
        }
        out.resize(limit, 0);
        let (status, used, written) = compress(&mut self.z, data, out, TDEFLFlush::Finish);
        let ok = status == TDEFLStatus::Done && used == data.len() && written < limit;
        out.truncate(if ok { written } else { 0 });
        ok
    }
}
