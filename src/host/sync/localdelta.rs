//! `--no-whole-file` between two local files, by direct block matching:
//! the basis's blocks are indexed by rsync's weak sum (and a 128-bit
//! xxh3 of each), the new file is scanned with the sum rolled one byte at
//! a time, and a candidate block is confirmed by the xxh3 of the window.
//! Literal and matched counts are rsync's (same block length, same
//! "next block first" rule, same cap on the blocks tried at one
//! position, same short last block).
//!
//! The result is the new file's bytes whatever matches: they are copied
//! (by the kernel) on a second thread while this one works out the
//! matches, so an xxh3 collision could only change the counts. Each file
//! is read once here (the basis for the index, the new file for the
//! scan, both in 256 KiB pieces that stay in the cache while they are
//! summed), and the basis's sums are computed in two halves at once.

use super::transfer::{copy_at, Failed, Method, Sent};
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
        let mut pairs: Vec<(u32, u32)> = weak.into_iter().zip(0u32..).collect();
        pairs.sort_unstable();
        let crowded = pairs
            .chunk_by(|a, b| a.0 == b.0)
            .any(|run| run.len() > MAX_CHAIN_LEN);
        Ok(Index {
            pairs,
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
    /// place when that one is the same too.
    fn find(&self, w: u32, strong: impl FnOnce() -> u128, want: Option<usize>) -> Found {
        let from = self.pairs.partition_point(|p| p.0 < w);
        let len = self.pairs[from..].partition_point(|p| p.0 == w);
        if len == 0 {
            return Found::Nothing;
        }
        let s = strong();
        let Some(found) = self.pairs[from..from + len]
            .iter()
            .rev()
            .take(MAX_CHAIN_LEN)
            .find(|p| self.strong[p.1 as usize] == s)
        else {
            return Found::Miss;
        };
        match want {
            Some(nb) if nb < self.strong.len() && self.strong[nb] == s => Found::Block(nb),
            _ => Found::Block(found.1 as usize),
        }
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

/// rsync's literal and matched split of `src` against the basis. The
/// basis's last block is shorter when its length is not a multiple of
/// the block length (the whole basis when shorter than one): rsync's
/// window shrinks at the end of the new file, and matches that block
/// only there, when the new file ends with it.
fn count(src: &File, basis: &File, m: &Method, failed: &AtomicBool) -> Result<Sent, Failed> {
    let basis_len = basis.metadata().map_err(Failed::Read)?.len();
    let blen = block_len(m, basis_len);
    let nblocks = basis_len / blen as u64;
    let tail_len = (basis_len % blen as u64) as usize;
    let mut sent = Sent::default();
    // rsync counts blocks in an int32 and sends such a file whole.
    if nblocks + u64::from(tail_len > 0) > i32::MAX as u64 {
        sent.literal = src.metadata().map_err(Failed::Read)?.len();
        return Ok(sent);
    }
    let nblocks = nblocks as usize;
    let mut tail = vec![0u8; tail_len];
    basis
        .read_exact_at(&mut tail, nblocks as u64 * blen as u64)
        .map_err(Failed::Read)?;
    if nblocks == 0 {
        // No full block to match: the new file's end against the basis.
        let total = src.metadata().map_err(Failed::Read)?.len();
        if tail_len > 0 && total >= tail_len as u64 {
            let mut end = vec![0u8; tail_len];
            src.read_exact_at(&mut end, total - tail_len as u64)
                .map_err(Failed::Read)?;
            if end == tail {
                sent.matched = tail_len as u64;
                sent.literal = total - tail_len as u64;
                return Ok(sent);
            }
        }
        sent.literal = total;
        return Ok(sent);
    }
    let index = Index::build(basis, blen, nblocks)?;
    // A window over the new file: `buf[pos..end]` is unscanned so far.
    // Each read lands at `head`, a page boundary, with what is left of
    // the last one (at most a block) moved just before it.
    let head = (blen + 1).div_ceil(PAGE) * PAGE;
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
    loop {
        // Keep a block and a byte ahead of `pos` (to roll) in memory.
        if !eof && end - pos <= blen {
            if failed.load(Ordering::Relaxed) {
                return Err(Failed::Write(std::io::Error::other("copy failed")));
            }
            sent.literal += (pos - lit_start) as u64;
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
        let window = &buf[pos..pos + blen];
        let mut strong = None;
        let mut found = Found::Nothing;
        // Right after a match the next block usually follows: its xxh3
        // is compared first (rsync finds it among the candidates of the
        // window's weak sum, the same bytes having the same sums; only
        // a crowded weak sum, where the cap may skip it, needs `find`).
        if let (None, Some(nb), false) = (weak, next_block, index.crowded) {
            if nb < nblocks {
                let s = xxh3_128(window);
                strong = Some(s);
                if s == index.strong[nb] {
                    found = Found::Block(nb);
                }
            }
        }
        if !matches!(found, Found::Block(_)) {
            let w = weak.get_or_insert_with(|| Weak::of(window)).value();
            if index.may_hold(w) {
                found = index.find(
                    w,
                    || *strong.get_or_insert_with(|| xxh3_128(window)),
                    next_block,
                );
            }
        }
        match found {
            Found::Block(b) => {
                sent.literal += (pos - lit_start) as u64;
                sent.matched += blen as u64;
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
            if pos == last || index.may_hold(w.value()) {
                break;
            }
            misses = 0; // no block has this position's weak sum
        }
        weak = Some(w);
    }
    // The rest is shorter than a block: literal, but for the basis's
    // short last block when the new file ends with it.
    if tail_len > 0 && end - pos >= tail_len && buf[end - tail_len..end] == tail[..] {
        sent.literal += (end - tail_len - lit_start) as u64;
        sent.matched += tail_len as u64;
    } else {
        sent.literal += (end - lit_start) as u64;
    }
    Ok(sent)
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
