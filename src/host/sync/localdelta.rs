//! `--no-whole-file` between two local files, by direct block matching:
//! the basis's blocks are indexed by rsync's weak sum (and a 128-bit
//! xxh3 of each), the new file is scanned with the sum rolled one byte at
//! a time, and a candidate block is confirmed by the xxh3 of the window.
//! Literal and matched counts are rsync's (same block length, same
//! "next block first" rule, same short last block).
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
        Ok(Index {
            pairs,
            strong,
            filter,
            shift,
        })
    }

    /// False when no full block has weak sum `w`.
    #[inline(always)]
    fn may_hold(&self, w: u32) -> bool {
        let (word, mask) = slot(w, self.shift);
        self.filter[word] & mask == mask
    }

    /// The block rsync matches at a window with weak sum `w` and xxh3
    /// `strong()` (computed only when some block has that weak sum): one
    /// with the same xxh3, from the last block down, and `want` (the
    /// block after the last match) in its place when that one is the
    /// same too.
    fn find(&self, w: u32, strong: impl FnOnce() -> u128, want: Option<usize>) -> Option<usize> {
        let from = self.pairs.partition_point(|p| p.0 < w);
        let len = self.pairs[from..].partition_point(|p| p.0 == w);
        if len == 0 {
            return None;
        }
        let s = strong();
        let found = self.pairs[from..from + len]
            .iter()
            .rev()
            .find(|p| self.strong[p.1 as usize] == s)?;
        match want {
            Some(nb) if nb < self.strong.len() && self.strong[nb] == s => Some(nb),
            _ => Some(found.1 as usize),
        }
    }
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
        let mut hit = None;
        // Right after a match the next block usually follows: its xxh3
        // is compared first (rsync finds it among the candidates of the
        // window's weak sum, the same bytes having the same sums).
        if let (None, Some(nb)) = (weak, next_block) {
            if nb < nblocks {
                let s = xxh3_128(window);
                strong = Some(s);
                if s == index.strong[nb] {
                    hit = Some(nb);
                }
            }
        }
        if hit.is_none() {
            let w = weak.get_or_insert_with(|| Weak::of(window)).value();
            if index.may_hold(w) {
                hit = index.find(
                    w,
                    || *strong.get_or_insert_with(|| xxh3_128(window)),
                    next_block,
                );
            }
        }
        if let Some(b) = hit {
            sent.literal += (pos - lit_start) as u64;
            sent.matched += blen as u64;
            pos += blen;
            lit_start = pos;
            weak = None;
            next_block = Some(b + 1);
            continue;
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

    /// rsync's `hash_search` as written (match.c), one position at a
    /// time with fresh sums and bytes compared: the counts to expect.
    fn reference(basis: &[u8], new: &[u8], blen: usize) -> (u64, u64) {
        let blocks: Vec<&[u8]> = basis.chunks(blen).collect();
        let Some(last) = blocks.last() else {
            return (new.len() as u64, 0);
        };
        // Each block's bytes, the last block of equal ones kept (the hash
        // chain runs from the last block down).
        let by_bytes: std::collections::HashMap<&[u8], usize> =
            blocks.iter().enumerate().map(|(i, b)| (*b, i)).collect();
        let len = new.len();
        let end = (len + 1).saturating_sub(last.len());
        let (mut offset, mut want, mut matched) = (0, 0, 0);
        loop {
            let k = blen.min(len - offset);
            let window = &new[offset..offset + k];
            match by_bytes.get(window).copied() {
                Some(i) => {
                    let i = if want < blocks.len() && blocks[want] == window {
                        want
                    } else {
                        i
                    };
                    want = i + 1;
                    matched += k;
                    offset += k;
                }
                None => offset += 1,
            }
            if offset >= end {
                break;
            }
        }
        ((len - matched) as u64, matched as u64)
    }

    /// A xorshift generator: `n` bytes from `seed`.
    fn noise(seed: u64, n: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
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
}
