//! `--no-whole-file` between two local files, by direct block matching:
//! the basis's blocks are indexed by rsync's weak sum (and a 128-bit
//! xxh3 of each), the new file is scanned with the sum rolled one byte at
//! a time, and a candidate block is confirmed by the xxh3 of the window.
//! Literal and matched counts are rsync's (same block length, same
//! "next block first" rule, same cap on the blocks tried at one
//! position, same short last block). `inplace` is the same search with
//! rsync's rules for updating the basis file itself (`--inplace`), which
//! writes over the file as it goes.
//!
//! The result is the new file's bytes whatever matches: they are copied
//! (by the kernel) on a second thread while this one works out the
//! matches, so an xxh3 collision could only change the counts. Each file
//! is read once here (the basis for the index, the new file for the
//! scan, both in 256 KiB pieces that stay in the cache while they are
//! summed), and the basis's sums are computed in two halves at once.

use super::transfer::{copy_at, Failed, InPlace, Method, Sent};
use super::weaksum::Weak;
use crate::miss_scan::slot;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use xxhash_rust::xxh3::xxh3_128;

/// Block length: `-B`, or rsync's square-root rule.
fn block_len(m: &Method, basis_len: u64) -> usize {
    m.block_size
        .unwrap_or_else(|| crate::default_block_len(basis_len))
        .max(1) as usize
}

/// Bytes read at a time (at least four blocks).
const CHUNK: usize = 256 << 10;

/// The page size the read buffers are aligned to.
const PAGE: usize = 4096;

/// A zeroed buffer that starts on a page boundary. The kernel copies a
/// read into it about five times faster than into a buffer 16 bytes past
/// a boundary, which is where malloc puts large blocks: the copy (`rep
/// movsb`) is slow on AMD Zen when the destination is just past the
/// source modulo 4 KiB (measured on the development VM, 256 KiB reads of
/// a cached file: 0.08 s of system time a GiB aligned, 0.42 s at +16).
struct PageBuf {
    raw: Vec<u8>,
    start: usize,
    len: usize,
}

impl PageBuf {
    fn new(len: usize) -> PageBuf {
        let raw = vec![0u8; len + PAGE];
        let start = (PAGE - raw.as_ptr() as usize % PAGE) % PAGE;
        PageBuf { raw, start, len }
    }
}

impl std::ops::Deref for PageBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.raw[self.start..self.start + self.len]
    }
}

impl std::ops::DerefMut for PageBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.raw[self.start..self.start + self.len]
    }
}

/// rsync's cap on the blocks sharing one weak sum that are tried at one
/// position (match.c's `MAX_CHAIN_LEN`, 3.5.0): it walks them from the
/// last block down and gives up on the position after this many. (The
/// short last block does not take a try: rsync 3.5.0 as installed
/// matches the 1024th full block with a short last block of the same
/// weak sum in the chain before it; tests/sync_exact.rs checks.)
const MAX_CHAIN_LEN: usize = 1024;

/// After this many positions in a row where blocks had the window's weak
/// sum but none matched (false alarms, or the cap reached), rsync 3.5.0
/// as installed (Debian's 3.5.0+ds1-0+deb12u1, whose match.c is not the
/// tag's: read from its machine code and checked with `--debug=deltasum4`)
/// skips ahead: from the next such position on, until a position with
/// no block of its weak sum or a match, the next position tried is a
/// block further on. Those bytes are literal data, even where a block
/// would have matched.
const MISSES_BEFORE_SKIP: u32 = 3;

/// The basis's full blocks: their weak sums (sorted, for the candidates
/// of a window) and xxh3s (by block), and a filter that rules out most
/// weak sums with one load (24 bytes a block, plus 8 to 16 of filter).
struct Index {
    /// `(weak sum, block)`, sorted.
    pairs: Vec<(u32, u32)>,
    /// Each block's weak sum.
    weak: Vec<u32>,
    /// Each block's xxh3-128.
    strong: Vec<u128>,
    /// Two bits a block in one of its words (`crate::miss_scan::slot`).
    filter: Vec<u32>,
    shift: u32,
    /// Whether some weak sum has so many blocks that the cap may matter:
    /// then every position goes through `find`.
    crowded: bool,
}

impl Index {
    fn build(basis: &File, blen: usize, nblocks: usize) -> Result<Index, Failed> {
        let mut weak = vec![0u32; nblocks];
        let mut strong = vec![0u128; nblocks];
        let half = nblocks / 2;
        let (w0, w1) = weak.split_at_mut(half);
        let (s0, s1) = strong.split_at_mut(half);
        std::thread::scope(|s| {
            let other = s.spawn(|| block_sums(basis, blen, half, w1, s1));
            let mine = block_sums(basis, blen, 0, w0, s0);
            let other = other.join().unwrap_or_else(|_| {
                Err(Failed::Read(std::io::Error::other("index thread panicked")))
            });
            mine.and(other)
        })?;
        // The filter's size as the core's (src/index.rs): 64 to 128 bits
        // a block, so that nearly every miss stops at the filter.
        let log = usize::BITS - nblocks.max(1).leading_zeros();
        let shift = 32 - ((log + 6).clamp(10, 30) - 5);
        let mut filter = vec![0u32; 1 << (32 - shift)];
        for &w in &weak {
            let (word, mask) = slot(w, shift);
            filter[word] |= mask;
        }
        let mut pairs: Vec<(u32, u32)> = weak.iter().copied().zip(0u32..).collect();
        pairs.sort_unstable();
        let crowded = pairs
            .chunk_by(|a, b| a.0 == b.0)
            .any(|run| run.len() > MAX_CHAIN_LEN);
        Ok(Index {
            pairs,
            weak,
            strong,
            filter,
            shift,
            crowded,
        })
    }

    /// False when no full block has weak sum `w`.
    #[inline(always)]
    fn may_hold(&self, w: u32) -> bool {
        let (word, mask) = slot(w, self.shift);
        self.filter[word] & mask == mask
    }

    /// What rsync finds at a window with weak sum `w` and xxh3 `strong()`
    /// (computed only when some block has that weak sum): of the first
    /// `MAX_CHAIN_LEN` blocks with that sum, from the last down, one with
    /// the same xxh3, and `want` (the block after the last match) in its
    /// place when that one is the same too. The blocks before `first` are
    /// tried only when in `low` (ascending; in place: rsync drops the
    /// others from its chains, see `Updating`).
    fn find(
        &self,
        w: u32,
        strong: impl FnOnce() -> u128,
        want: Option<usize>,
        first: usize,
        low: &[u32],
    ) -> Found {
        let from = self.pairs.partition_point(|p| p.0 < w);
        let len = self.pairs[from..].partition_point(|p| p.0 == w);
        let run = &self.pairs[from..from + len];
        let split = run.partition_point(|p| (p.1 as usize) < first);
        let low = &low[..low.partition_point(|&b| (b as usize) < first)];
        let mut chain = run[split..]
            .iter()
            .rev()
            .map(|p| p.1 as usize)
            .chain(low.iter().rev().map(|&b| b as usize))
            .take(MAX_CHAIN_LEN)
            .peekable();
        if chain.peek().is_none() {
            return Found::Nothing;
        }
        let s = strong();
        let Some(found) = chain.find(|&b| self.strong[b] == s) else {
            return Found::Miss;
        };
        match want {
            Some(nb) if nb < self.strong.len() && self.strong[nb] == s => Found::Block(nb),
            _ => Found::Block(found),
        }
    }

    /// Whether block `b`'s weak sum is 0 (rsync's realignment over zeros).
    fn weak_is_zero(&self, b: usize) -> bool {
        self.weak[b] == 0
    }
}

/// What rsync's search finds at one position.
enum Found {
    /// No block with the window's weak sum (and length).
    Nothing,
    /// Blocks with its weak sum, none the same (or past the cap).
    Miss,
    /// The block that matches.
    Block(usize),
}

/// The weak sums and xxh3s of blocks `first..first + weak.len()`.
fn block_sums(
    basis: &File,
    blen: usize,
    first: usize,
    weak: &mut [u32],
    strong: &mut [u128],
) -> Result<(), Failed> {
    let per = (CHUNK / blen).max(1);
    let mut buf = PageBuf::new(per * blen);
    for (k, (weak, strong)) in weak.chunks_mut(per).zip(strong.chunks_mut(per)).enumerate() {
        let at = (first + k * per) as u64 * blen as u64;
        let bytes = &mut buf[..weak.len() * blen];
        basis.read_exact_at(bytes, at).map_err(Failed::Read)?;
        for ((w, s), blk) in weak.iter_mut().zip(strong).zip(bytes.chunks(blen)) {
            *w = Weak::of(blk).value();
            *s = xxh3_128(blk);
        }
    }
    Ok(())
}

pub fn delta(src: &mut File, basis: &File, out: &File, m: &Method) -> Result<Sent, Failed> {
    let src: &File = src;
    // Set when one side fails: the other stops early.
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        let copier = s.spawn(|| {
            let r = copy_at(src, out, m, &|| failed.load(Ordering::Relaxed));
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            r
        });
        let counted = count(src, basis, m, &failed);
        if counted.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        let copied = copier
            .join()
            .unwrap_or_else(|_| Err(Failed::Write(std::io::Error::other("copy thread panicked"))));
        // The first failure is the one to report.
        match (counted, copied) {
            (Err(e), _) if !matches!(e, Failed::Write(_)) => Err(e),
            (_, Err(e)) => Err(e),
            (Err(e), Ok(_)) => Err(e),
            (Ok(sent), Ok(_)) => Ok(sent),
        }
    })
}

/// `--inplace` over the file itself (rsync's `updating_basis_file`):
/// the file's blocks are indexed, then `src` is searched against them as
/// rsync's sender does when it updates the basis in place, and written
/// over the file as its receiver does (`transfer::InPlace`): a block
/// found at its own offset is left alone, what comes before it written.
/// A block is only looked for at or before its own offset (the receiver
/// copies it from the file, which is intact there), or where one was
/// already found at its own offset; one at its own offset is taken over
/// another with the same bytes, and a run of zeros that the file has
/// further on (at a block boundary) is realigned to it. Memory: the
/// index (24 bytes a block) and a bit a block.
pub fn inplace(src: &mut File, file: &File, m: &Method) -> Result<Sent, Failed> {
    let old_len = file.metadata().map_err(Failed::Write)?.len();
    let mut out = InPlace::new(file, old_len, m);
    let sent = scan(src, file, m, &AtomicBool::new(false), Some(&mut out))?;
    out.finish().map_err(Failed::Write)?;
    Ok(sent)
}

/// rsync's literal and matched split of `src` against the basis. The
/// basis's last block is shorter when its length is not a multiple of
/// the block length (the whole basis when shorter than one): rsync's
/// window shrinks at the end of the new file, and matches that block
/// only there, when the new file ends with it.
fn count(src: &File, basis: &File, m: &Method, failed: &AtomicBool) -> Result<Sent, Failed> {
    scan(src, basis, m, failed, None)
}

/// The search's state when updating the basis in place. rsync drops a
/// block from its hash chains once the window is past its offset, unless
/// it was found at its own offset (SUMFLG_SAME_OFFSET): those are kept
/// here, by weak sum, so that a position looks at no dropped block.
struct Updating<'o, 'f> {
    out: &'o mut InPlace<'f>,
    /// The blocks found at their own offset, a bit each.
    same: Vec<u64>,
    /// The same blocks by weak sum, ascending (each is found at its own
    /// offset after the ones before it).
    same_by_sum: std::collections::HashMap<u32, Vec<u32>>,
}

impl Updating<'_, '_> {
    fn is_same(&self, b: usize) -> bool {
        self.same[b / 64] >> (b % 64) & 1 == 1
    }

    fn set_same(&mut self, b: usize, weak: u32) {
        if !self.is_same(b) {
            self.same[b / 64] |= 1 << (b % 64);
            self.same_by_sum.entry(weak).or_default().push(b as u32);
        }
    }
}

/// `literal` counted (and written, in place).
fn lit(sent: &mut Sent, up: &mut Option<Updating>, data: &[u8]) -> Result<(), Failed> {
    sent.literal += data.len() as u64;
    if let Some(u) = up {
        u.out.write(data).map_err(Failed::Write)?;
    }
    Ok(())
}

/// A block matched (in place: kept when at its own offset, else written).
fn hit(sent: &mut Sent, up: &mut Option<Updating>, data: &[u8], own: bool) -> Result<(), Failed> {
    sent.matched += data.len() as u64;
    if let Some(u) = up {
        if own {
            u.out.keep(data)
        } else {
            u.out.write(data)
        }
        .map_err(Failed::Write)?;
    }
    Ok(())
}

fn scan(
    src: &File,
    basis: &File,
    m: &Method,
    failed: &AtomicBool,
    out: Option<&mut InPlace>,
) -> Result<Sent, Failed> {
    let basis_len = basis.metadata().map_err(Failed::Read)?.len();
    let blen = block_len(m, basis_len);
    let nblocks = basis_len / blen as u64;
    let tail_len = (basis_len % blen as u64) as usize;
    let mut sent = Sent::default();
    let mut up = out.map(|out| Updating {
        out,
        same: Vec::new(),
        same_by_sum: Default::default(),
    });
    // rsync counts blocks in an int32 and sends such a file whole.
    if nblocks + u64::from(tail_len > 0) > i32::MAX as u64 {
        return whole(src, &mut sent, &mut up).map(|()| sent);
    }
    let nblocks = nblocks as usize;
    if let Some(u) = &mut up {
        u.same = vec![0; nblocks.div_ceil(64)];
    }
    let mut tail = vec![0u8; tail_len];
    basis
        .read_exact_at(&mut tail, nblocks as u64 * blen as u64)
        .map_err(Failed::Read)?;
    if nblocks == 0 {
        // No full block to match: the new file's end against the basis
        // (in place: only at its own offset, the whole file the same).
        let total = src.metadata().map_err(Failed::Read)?.len();
        let fits = match up {
            Some(_) => total == tail_len as u64,
            None => total >= tail_len as u64,
        };
        if tail_len > 0 && fits {
            let mut end = vec![0u8; tail_len];
            src.read_exact_at(&mut end, total - tail_len as u64)
                .map_err(Failed::Read)?;
            if end == tail {
                if let Some(u) = &mut up {
                    u.out.keep(&end).map_err(Failed::Write)?;
                    sent.matched = tail_len as u64;
                    return Ok(sent);
                }
                sent.matched = tail_len as u64;
                sent.literal = total - tail_len as u64;
                return Ok(sent);
            }
        }
        return whole(src, &mut sent, &mut up).map(|()| sent);
    }
    let index = Index::build(basis, blen, nblocks)?;
    // In place, a realignment over zeros looks up to a block past the
    // window: two blocks and a byte are kept ahead.
    let ahead = if up.is_some() { 2 * blen } else { blen };
    // A window over the new file: `buf[pos..end]` is unscanned so far.
    // Each read lands at `head`, a page boundary, with what is left of
    // the last one (at most `ahead`) moved just before it.
    let head = (ahead + 1).div_ceil(PAGE) * PAGE;
    let mut buf = PageBuf::new(head + CHUNK.max(4 * blen));
    let (mut pos, mut end, mut lit_start) = (head, head, head);
    let mut read_at = 0u64;
    let mut eof = false;
    // The sums of the window at `pos`, when rolled there.
    let mut weak: Option<Weak> = None;
    // rsync's `want_i`: the block after the last match (block 0 first).
    let mut next_block = Some(0);
    // Positions in a row where blocks had the window's weak sum but none
    // matched (see `MISSES_BEFORE_SKIP`).
    let mut misses = 0u32;
    // The last weak sum with no block to try: it never has one again (in
    // place, the blocks past the window's offset only get fewer, and none
    // of them has it), so a run of it (zeros past all the file's zero
    // blocks) rolls on at once, as rsync's emptied hash bucket does.
    let mut dead: Option<u32> = None;
    let blen64 = blen as u64;
    loop {
        // Keep `ahead` and a byte (to roll) in memory.
        if !eof && end - pos <= ahead {
            if failed.load(Ordering::Relaxed) {
                return Err(Failed::Write(std::io::Error::other("copy failed")));
            }
            lit(&mut sent, &mut up, &buf[lit_start..pos])?;
            let left = end - pos;
            buf.copy_within(pos..end, head - left);
            pos = head - left;
            lit_start = pos;
            let n = read_full_at(src, &mut buf[head..], read_at).map_err(Failed::Read)?;
            eof = n < buf.len() - head;
            read_at += n as u64;
            end = head + n;
        }
        if end - pos < blen {
            break;
        }
        // The window's offset in the new file.
        let offset = read_at - (end - pos) as u64;
        // In place, only blocks at or past it, or found at their own.
        let usable = |b: usize| match &up {
            Some(u) => b as u64 * blen64 >= offset || u.is_same(b),
            None => true,
        };
        let window = &buf[pos..pos + blen];
        let mut strong = None;
        let mut found = Found::Nothing;
        // Right after a match the next block usually follows: its xxh3
        // is compared first (rsync finds it among the candidates of the
        // window's weak sum, the same bytes having the same sums; only
        // a crowded weak sum, where the cap may skip it, needs `find`).
        if let (None, Some(nb), false) = (weak, next_block, index.crowded) {
            if nb < nblocks && usable(nb) {
                let s = xxh3_128(window);
                strong = Some(s);
                if s == index.strong[nb] {
                    found = Found::Block(nb);
                }
            }
        }
        if !matches!(found, Found::Block(_)) {
            let w = weak.get_or_insert_with(|| Weak::of(window)).value();
            if index.may_hold(w) && dead != Some(w) {
                let (first, low) = match &up {
                    Some(u) => (
                        offset.div_ceil(blen64) as usize,
                        u.same_by_sum.get(&w).map_or(&[][..], |v| &v[..]),
                    ),
                    None => (0, &[][..]),
                };
                found = index.find(
                    w,
                    || *strong.get_or_insert_with(|| xxh3_128(window)),
                    next_block.filter(|_| up.is_none()),
                    first,
                    low,
                );
                if matches!(found, Found::Nothing) {
                    dead = Some(w);
                }
            }
        }
        match found {
            Found::Block(b) => {
                let (b, skip) = match &mut up {
                    None => (b, 0),
                    Some(u) => {
                        let s = *strong.get_or_insert_with(|| xxh3_128(window));
                        let at = Place {
                            offset,
                            pos,
                            end,
                            blen,
                            nblocks,
                        };
                        choose(&index, u, &buf, at, b, s, &mut next_block)
                    }
                };
                lit(&mut sent, &mut up, &buf[lit_start..pos + skip])?;
                pos += skip;
                let own = b as u64 * blen64 == offset + skip as u64;
                hit(&mut sent, &mut up, &buf[pos..pos + blen], own)?;
                pos += blen;
                lit_start = pos;
                weak = None;
                next_block = Some(b + 1);
                misses = 0;
                continue;
            }
            Found::Miss => {
                misses += 1;
                if misses > MISSES_BEFORE_SKIP && blen > 1 {
                    // rsync skips ahead: the next position it tries is a
                    // block on, or its end (where, past the short last
                    // block's position, that block is not tried either).
                    misses = MISSES_BEFORE_SKIP;
                    pos += blen;
                    weak = None;
                    continue;
                }
            }
            Found::Nothing => misses = 0,
        }
        // No match: roll on to the next position the filter lets through,
        // or to the last window in memory.
        let last = end - blen;
        if pos == last {
            // Only at the end of the file: shorter windows follow.
            pos += 1;
            weak = None;
            continue;
        }
        let mut w = weak.unwrap_or_else(|| Weak::of(&buf[pos..pos + blen]));
        let data: &[u8] = &buf;
        loop {
            w.roll(data[pos], data[pos + blen]);
            pos += 1;
            if pos == last || (index.may_hold(w.value()) && dead != Some(w.value())) {
                break;
            }
            misses = 0; // no block has this position's weak sum
        }
        weak = Some(w);
    }
    // The rest is shorter than a block: literal, but for the basis's
    // short last block when the new file ends with it (in place, when
    // that is at or before its own offset).
    let tail_at = read_at - tail_len as u64;
    let tail_usable = up.is_none() || nblocks as u64 * blen64 >= tail_at;
    if tail_len > 0 && end - pos >= tail_len && tail_usable && buf[end - tail_len..end] == tail[..]
    {
        lit(&mut sent, &mut up, &buf[lit_start..end - tail_len])?;
        let own = nblocks as u64 * blen64 == tail_at;
        hit(&mut sent, &mut up, &buf[end - tail_len..end], own)?;
    } else {
        lit(&mut sent, &mut up, &buf[lit_start..end])?;
    }
    Ok(sent)
}

/// All of `src` as literal data (written, in place).
fn whole(src: &File, sent: &mut Sent, up: &mut Option<Updating>) -> Result<(), Failed> {
    if up.is_none() {
        sent.literal = src.metadata().map_err(Failed::Read)?.len();
        return Ok(());
    }
    let mut buf = PageBuf::new(CHUNK);
    let mut at = 0u64;
    loop {
        let n = read_full_at(src, &mut buf, at).map_err(Failed::Read)?;
        lit(sent, up, &buf[..n])?;
        at += n as u64;
        if n < buf.len() {
            return Ok(());
        }
    }
}

/// Where a match was found: the window's offset in the new file, its
/// place in the buffer (`buf[pos..end]` read), the block length and the
/// number of full blocks.
struct Place {
    offset: u64,
    pos: usize,
    end: usize,
    blen: usize,
    nblocks: usize,
}

/// rsync's choice of block when updating the basis in place (match.c
/// hash_search, `updating_basis_file`), the window's bytes being block
/// `found`'s (xxh3 `s`): the block at the window's own offset when the
/// window starts on a block boundary and that block has the same bytes;
/// a window of zeros (weak sum 0) off a boundary whose next boundary
/// holds the same zeros in both files moves there (the bytes up to it
/// literal: `skip`); then either is marked SUMFLG_SAME_OFFSET (usable
/// from then on) and `want` follows it. Otherwise `want` (the block after
/// the last match) when usable and the same. Returns the block and
/// `skip`; `want` is set to the block chosen, the caller moves it on.
fn choose(
    index: &Index,
    u: &mut Updating,
    buf: &[u8],
    at: Place,
    found: usize,
    s: u128,
    want: &mut Option<usize>,
) -> (usize, usize) {
    let Place {
        offset,
        pos,
        end,
        blen,
        nblocks,
    } = at;
    let blen64 = blen as u64;
    let aligned_i = offset.div_ceil(blen64);
    let aligned = aligned_i * blen64;
    let aligned_i = aligned_i as usize;
    let gap = (aligned - offset) as usize;
    let mut i = found;
    let mut skip = 0;
    // What rsync then compares `want_i` with: the window's sums, or
    // those of the bytes at the boundary when a realignment failed there.
    let mut cmp_strong = Some(s);
    if aligned_i < nblocks && (gap == 0 || (gap + blen <= end - pos && index.weak_is_zero(found))) {
        let mut ok = true;
        if i != aligned_i {
            if index.strong[aligned_i] == s {
                i = aligned_i;
            } else {
                ok = false;
            }
        }
        if ok && gap > 0 {
            let there = &buf[pos + gap..pos + gap + blen];
            if Weak::of(there).value() != 0 {
                // No block with the window's xxh3 has that weak sum.
                cmp_strong = None;
                ok = false;
            } else {
                let s2 = xxh3_128(there);
                if s2 == index.strong[i] {
                    skip = gap;
                } else {
                    cmp_strong = Some(s2);
                    ok = false;
                }
            }
        }
        if ok {
            u.set_same(i, index.weak[i]);
            *want = Some(i);
        }
    }
    if let (Some(nb), Some(cs)) = (*want, cmp_strong) {
        if nb != i
            && nb < nblocks
            && (nb as u64 * blen64 >= offset + skip as u64 || u.is_same(nb))
            && index.strong[nb] == cs
        {
            i = nb;
        }
    }
    (i, skip)
}

/// Reads at `at` until `buf` is full or the file ends.
fn read_full_at(f: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read_at(&mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The result of `delta` of `new` against `basis`, files in a temporary
    /// directory, and its counts.
    fn run(basis: &[u8], new: &[u8], m: &Method) -> (Vec<u8>, Sent) {
        let dir = tempfile::tempdir().unwrap();
        let [bp, np, op] = ["b", "n", "o"].map(|n| dir.path().join(n));
        std::fs::write(&bp, basis).unwrap();
        std::fs::write(&np, new).unwrap();
        let out = File::create(&op).unwrap();
        let sent = delta(
            &mut File::open(&np).unwrap(),
            &File::open(&bp).unwrap(),
            &out,
            m,
        )
        .unwrap();
        (std::fs::read(&op).unwrap(), sent)
    }

    #[test]
    fn a_basis_shorter_than_a_block_matches_only_the_end() {
        let new: Vec<u8> = (0..3 * CHUNK as u32 + 5).map(|i| (i % 253) as u8).collect();
        let (out, sent) = run(&new[..100], &new, &Method::default());
        assert_eq!(out, new);
        assert_eq!((sent.literal, sent.matched), (new.len() as u64, 0));
        // As rsync: "hello world\n" against "XYZhello world\n".
        let (out, sent) = run(b"hello world\n", b"XYZhello world\n", &Method::default());
        assert_eq!(out, b"XYZhello world\n");
        assert_eq!((sent.literal, sent.matched), (3, 12));
    }

    #[test]
    fn the_short_last_block_matches_at_the_end() {
        let basis: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
            .collect();
        let m = Method {
            block_size: Some(700),
            ..Default::default()
        };
        let (_, sent) = run(&basis, &basis, &m);
        assert_eq!((sent.literal, sent.matched), (0, 5000));
        let mut new = basis.clone();
        new.push(b'x');
        let (_, sent) = run(&basis, &new, &m);
        assert_eq!((sent.literal, sent.matched), (101, 4900));
    }

    #[test]
    fn result_is_the_new_file_with_rsync_counts() {
        let basis: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let mut new = basis.clone();
        new[50_000..50_010].copy_from_slice(b"0123456789"); // an edit
        new.splice(10..10, b"inserted".iter().copied()); // a shift
        let m = Method {
            block_size: Some(700),
            ..Default::default()
        };
        let (out, sent) = run(&basis, &new, &m);
        assert_eq!(out, new);
        assert_eq!(sent.literal + sent.matched, new.len() as u64);
        // Two blocks spoiled (the insertion's and the edit's), a tail.
        assert!(sent.matched >= new.len() as u64 - 3 * 700, "{sent:?}");
    }

    /// rsync's `hash_search` (match.c, 3.5.0 as installed: with the skip
    /// after `MISSES_BEFORE_SKIP` misses in a row), one position at a
    /// time with fresh sums and bytes compared: the counts to expect.
    fn reference(basis: &[u8], new: &[u8], blen: usize) -> (u64, u64) {
        let blocks: Vec<&[u8]> = basis.chunks(blen).collect();
        let Some(last) = blocks.last() else {
            return (new.len() as u64, 0);
        };
        // The hash chains: blocks by weak sum, from the last down.
        let mut chains = std::collections::HashMap::<u32, Vec<usize>>::new();
        for (i, b) in blocks.iter().enumerate().rev() {
            chains.entry(Weak::of(b).value()).or_default().push(i);
        }
        let len = new.len();
        let end = (len + 1).saturating_sub(last.len());
        let (mut offset, mut want, mut matched, mut misses) = (0, 0, 0, 0);
        loop {
            let k = blen.min(len - offset);
            let window = &new[offset..offset + k];
            let sum = Weak::of(window).value();
            // The cap counts the blocks with the same weak sum and length.
            let mut chain = chains
                .get(&sum)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| blocks[i].len() == k)
                .peekable();
            if chain.peek().is_none() {
                misses = 0;
                offset += 1;
            } else if let Some(i) = chain.take(MAX_CHAIN_LEN).find(|&i| blocks[i] == window) {
                let i = if want < blocks.len() && blocks[want] == window {
                    want
                } else {
                    i
                };
                want = i + 1;
                matched += k;
                offset += k;
                misses = 0;
            } else {
                misses += 1;
                if misses > MISSES_BEFORE_SKIP && k > 1 {
                    misses = MISSES_BEFORE_SKIP;
                    offset += (end - 1).saturating_sub(offset).min(k - 1);
                }
                offset += 1;
            }
            if offset >= end {
                break;
            }
        }
        ((len - matched) as u64, matched as u64)
    }

    /// `n` bytes from `seed` (the crate's one xorshift generator).
    fn noise(seed: u64, n: usize) -> Vec<u8> {
        crate::xorshift::Rng::new(seed).bytes(n)
    }

    fn counts(basis: &[u8], new: &[u8], blen: usize) -> (u64, u64) {
        let m = Method {
            block_size: Some(blen as u32),
            ..Default::default()
        };
        let (out, sent) = run(basis, new, &m);
        assert_eq!(out, new);
        (sent.literal, sent.matched)
    }

    /// Edits, shifts, moved and repeated pieces and runs of zeros, over
    /// new files of several reads (matches straddle the refills), with
    /// and without a short last block: the counts of rsync's algorithm.
    #[test]
    fn counts_equal_rsyncs_search() {
        for (seed, blen) in [(1, 1), (2, 7), (3, 64), (4, 700), (5, 4096), (6, 100)] {
            let basis = {
                let mut b = noise(seed, 800_000 + seed as usize * 3_331);
                b[100_000..150_000].fill(0);
                b
            };
            let r = noise(seed + 100, 50_000);
            let mut new = Vec::new();
            new.extend_from_slice(&basis[5..200_000]); // shifted by 5
            new.extend_from_slice(&r[..1_234]); // literal
            new.extend_from_slice(&basis[300_000..]); // moved
            new.extend_from_slice(&basis[..70_000]); // repeated
            new.extend_from_slice(&[0; 9_000]); // zeros
            new.extend_from_slice(&basis[140_000..220_000]);
            for at in [3_000, 290_001, 300_000, 555_555] {
                if at < new.len() {
                    new[at] ^= 0x5a; // edits
                }
            }
            new.extend_from_slice(&basis[basis.len() - 3 * blen.min(999)..]); // the end
            assert!(new.len() > 3 * CHUNK);
            let want = reference(&basis, &new, blen);
            assert_eq!(counts(&basis, &new, blen), want, "blen {blen}");
            assert!(want.1 > new.len() as u64 / 2, "mostly matched: {want:?}");
        }
    }

    /// More than `MAX_CHAIN_LEN` blocks with one weak sum (1100 blocks of
    /// 4096 'd's, block k with +1, -2, +1 at 3k: the same s1 and s2),
    /// after 100 other bytes: rsync tries the last 1024 blocks only, so
    /// blocks 0 to 75 are never matched (rsync 3.5.0 -B 4096 --stats: as
    /// asserted; tests/sync_exact.rs runs the same against rsync).
    #[test]
    fn the_blocks_past_rsyncs_chain_cap_stay_literal() {
        let block = |k: usize| {
            let mut b = vec![b'd'; 4096];
            b[3 * k] += 1;
            b[3 * k + 1] -= 2;
            b[3 * k + 2] += 1;
            b
        };
        let basis: Vec<u8> = (0..1100).flat_map(block).collect();
        let pre = vec![b'x'; 100];
        for (blocks, want) in [
            (vec![0], (4196, 0)),
            (vec![1099], (100, 4096)),
            (vec![76, 75], (4196, 4096)),
            (vec![1, 2, 3], (100 + 3 * 4096, 0)),
        ] {
            let mut new = pre.clone();
            for k in &blocks {
                new.extend(block(*k));
            }
            assert_eq!(reference(&basis, &new, 4096), want, "{blocks:?}");
            assert_eq!(counts(&basis, &new, 4096), want, "{blocks:?}");
        }
        // A short last block of the same weak sum does not take a try.
        let with_tail = [&basis[..], &same_sum_tail(&block(0))].concat();
        let mut new = pre.clone();
        new.extend(block(76));
        assert_eq!(reference(&with_tail, &new, 4096), (100, 4096));
        assert_eq!(counts(&with_tail, &new, 4096), (100, 4096));
    }

    /// Four positions in a row whose weak sum some block has but whose
    /// bytes none has: rsync then tries only a block further on, until a
    /// position no block's weak sum matches (rsync 3.5.0 -B 4096 --stats,
    /// as asserted; tests/sync_exact.rs runs the same against rsync). The
    /// basis: a block `a` of 'd's with +1, -2, +1 at 0, then digits; `run`
    /// 'd's holding that change elsewhere: as many windows with `a`'s sum.
    #[test]
    fn four_misses_in_a_row_skip_a_block() {
        let mut a = vec![b'd'; 4096];
        a[0] += 1;
        a[1] -= 2;
        a[2] += 1;
        let digits: Vec<u8> = b"0123456789"
            .iter()
            .copied()
            .cycle()
            .take(3 * 4096)
            .collect();
        let basis = [&a[..], &digits].concat();
        let run = |m: usize| {
            let mut r = vec![b'd'; 4095 + m];
            let mid = r.len() / 2 + 1;
            r[mid] += 1;
            r[mid + 1] -= 2;
            r[mid + 2] += 1;
            r
        };
        let x = |n: usize| vec![b'x'; n];
        let mut ebe_in_ds = vec![b'd'; 8003];
        ebe_in_ds[4000..4003].copy_from_slice(b"ebe");
        for (parts, want) in [
            // 4 misses, a skip over `a` (at 4100): all literal.
            (vec![x(100), ebe_in_ds, x(100)], (8203, 0)),
            // 3 and 3 misses with others between: no skip.
            (
                vec![x(50), run(3), x(50), run(3), x(50), a.clone(), x(50)],
                (8396, 4096),
            ),
            // 3, then 4: a skip, ending before `a`.
            (
                vec![x(50), run(3), x(50), run(4), x(50), a.clone(), x(50)],
                (8397, 4096),
            ),
            // 5 misses, then `a`: skipped over.
            (vec![x(50), run(5), a.clone(), x(5000)], (13246, 0)),
        ] {
            let new = parts.concat();
            assert_eq!(reference(&basis, &new, 4096), want, "{} bytes", new.len());
            assert_eq!(counts(&basis, &new, 4096), want, "{} bytes", new.len());
        }
    }

    /// rsync's `hash_search` with `updating_basis_file` (`--inplace`),
    /// written plainly as match.c has it: blocks before the offset
    /// dropped unless found at their own offset, the block at the aligned
    /// offset first, the realignment over zeros, `want_i` when usable.
    /// The counts to expect and the blocks found at their own offset.
    fn reference_inplace(basis: &[u8], new: &[u8], blen: usize) -> (u64, u64, usize) {
        let blocks: Vec<&[u8]> = basis.chunks(blen).collect();
        let count = blocks.len();
        let len = new.len();
        let Some(last) = blocks.last() else {
            return (len as u64, 0, 0);
        };
        let sums: Vec<u32> = blocks.iter().map(|b| Weak::of(b).value()).collect();
        // The hash chains: blocks by weak sum, from the last down.
        let mut chains = std::collections::HashMap::<u32, Vec<usize>>::new();
        for i in (0..count).rev() {
            chains.entry(sums[i]).or_default().push(i);
        }
        let mut same = vec![false; count];
        let end = (len + 1).saturating_sub(last.len());
        let (mut offset, mut want, mut matched, mut misses, mut kept) = (0, 0, 0, 0, 0);
        while offset < end {
            let k = blen.min(len - offset);
            let window = &new[offset..offset + k];
            let sum = Weak::of(window).value();
            let usable = |i: usize, o: usize, same: &[bool]| i * blen >= o || same[i];
            let mut chain = chains
                .get(&sum)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| blocks[i].len() == k && usable(i, offset, &same))
                .peekable();
            let tried = chain.peek().is_some();
            let found = chain.take(MAX_CHAIN_LEN).find(|&i| blocks[i] == window);
            let Some(mut i) = found else {
                if !tried {
                    misses = 0;
                } else {
                    misses += 1;
                    if misses > MISSES_BEFORE_SKIP && k > 1 {
                        misses = MISSES_BEFORE_SKIP;
                        offset += (end - 1).saturating_sub(offset).min(k - 1);
                    }
                }
                offset += 1;
                continue;
            };
            let aligned_i = offset.div_ceil(blen);
            let aligned = aligned_i * blen;
            let mut cmp: Option<&[u8]> = Some(window);
            if (offset == aligned || (sum == 0 && k == blen && aligned + k <= len))
                && aligned_i < count
            {
                let mut ok = true;
                if i != aligned_i {
                    if blocks[aligned_i] == window {
                        i = aligned_i;
                    } else {
                        ok = false;
                    }
                }
                if ok && offset != aligned {
                    let there = &new[aligned..aligned + k];
                    if Weak::of(there).value() != sums[i] {
                        cmp = None;
                        ok = false;
                    } else if there != blocks[i] {
                        cmp = Some(there);
                        ok = false;
                    } else {
                        offset = aligned;
                    }
                }
                if ok {
                    same[i] = true;
                    want = i;
                }
            }
            if let Some(cmp) = cmp {
                if i != want && want < count && usable(want, offset, &same) && blocks[want] == cmp {
                    i = want;
                }
            }
            want = i + 1;
            matched += blocks[i].len();
            if i * blen == offset {
                kept += blocks[i].len();
            }
            offset += blocks[i].len();
            misses = 0;
        }
        ((len - matched) as u64, matched as u64, kept)
    }

    /// `inplace` of `new` over a file holding `old`: the file after, and
    /// the counts.
    fn run_inplace(old: &[u8], new: &[u8], blen: usize, sparse: bool) -> (Vec<u8>, Sent) {
        let dir = tempfile::tempdir().unwrap();
        let [fp, np] = ["f", "n"].map(|n| dir.path().join(n));
        std::fs::write(&fp, old).unwrap();
        std::fs::write(&np, new).unwrap();
        let m = Method {
            block_size: Some(blen as u32),
            sparse,
            ..Default::default()
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fp)
            .unwrap();
        let sent = inplace(&mut File::open(&np).unwrap(), &file, &m).unwrap();
        (std::fs::read(&fp).unwrap(), sent)
    }

    /// Content moved back and on, repeated, runs of zeros moved off the
    /// block boundaries, files longer and shorter, with and without a
    /// short last block, `-S` or not: the file becomes the new one, with
    /// the counts of rsync's search when updating in place.
    #[test]
    fn inplace_counts_equal_rsyncs_search() {
        for (seed, blen) in [(1, 700), (2, 64), (3, 100), (4, 1000), (5, 333), (6, 4096)] {
            let mut old = noise(seed, 300_000 + seed as usize * 777);
            old[40_000..90_000].fill(0);
            old[200_000..203_000].fill(0);
            let r = noise(seed + 50, 20_000);
            let mut new = Vec::new();
            new.extend_from_slice(&old[..10_000]);
            new.extend_from_slice(&old[10_333..45_000]); // moved back
            new.extend_from_slice(&[0; 61_111]); // zeros off the boundaries
            new.extend_from_slice(&old[100_000..150_000]); // moved back
            new.extend_from_slice(&r[..1_234]); // literal: the rest moves on
            new.extend_from_slice(&old[150_000..180_000]);
            new.extend_from_slice(&old[5_000..9_000]); // a copy from before
            new.extend_from_slice(&old[250_000..]); // back to before its place
            let want = reference_inplace(&old, &new, blen);
            assert!(want.1 > 100_000 && want.2 > 10_000, "{want:?}");
            for sparse in [false, true] {
                let (got, sent) = run_inplace(&old, &new, blen, sparse);
                assert!(got == new, "blen {blen}: the file is not the new one");
                assert_eq!(
                    (sent.literal, sent.matched),
                    (want.0, want.1),
                    "blen {blen}"
                );
            }
            // Shorter than the file, and the file unchanged.
            let short = &old[..old.len() - 3_000];
            let (got, sent) = run_inplace(&old, short, blen, false);
            assert!(got == short);
            let want = reference_inplace(&old, short, blen);
            assert_eq!((sent.literal, sent.matched), (want.0, want.1));
            let (got, sent) = run_inplace(&old, &old, blen, true);
            assert!(got == old);
            assert_eq!((sent.literal, sent.matched), (0, old.len() as u64));
        }
    }

    /// 200 printable bytes with the weak sum of `block` (a block of 'd's
    /// and a few others): 'R's (82 x 200 - 16 = 4096 x 100 mod 2^16), then
    /// pairs of -1 and +1 `d` apart, each taking `d` off `s2`.
    fn same_sum_tail(block: &[u8]) -> Vec<u8> {
        let mut t = vec![b'R'; 200];
        t[184..].iter_mut().for_each(|b| *b -= 1);
        let want = Weak::of(block).value() >> 16;
        let mut over = (Weak::of(&t).value() >> 16).wrapping_sub(want) & 0xffff;
        for k in 0.. {
            if over == 0 {
                break;
            }
            let d = over.min(199 - k as u32);
            t[k] -= 1;
            t[k + d as usize] += 1;
            over -= d;
        }
        assert_eq!(Weak::of(&t).value(), Weak::of(block).value());
        t
    }
}
