//! `--no-whole-file` between two local files, by direct block matching:
//! the basis's blocks are indexed by rsync's weak sum, the new file is
//! scanned with the sum rolled one byte at a time, and a candidate block
//! is confirmed by comparing its bytes with the basis's (both files are
//! at hand, so no strong sums and no whole-file check are needed: every
//! matched byte is verified). Literal and matched counts are rsync's
//! (same block length, same "next block first" rule).
//!
//! Since a match is verified byte for byte, the result is the new file's
//! bytes: they are copied (by the kernel) on a second thread while this
//! one works out the matches, and the basis's weak sums are computed in
//! two halves at once.

use super::transfer::{copy_at, Failed, Method, Sent};
use super::weaksum::Weak;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Block length: `-B`, or rsync's square-root rule.
fn block_len(m: &Method, basis_len: u64) -> usize {
    m.block_size
        .unwrap_or_else(|| crate::default_block_len(basis_len))
        .max(1) as usize
}

/// Bytes read at a time (at least a block).
const CHUNK: usize = 1 << 20;

/// The basis's full blocks by weak sum: `(sum, block)` pairs sorted, and
/// where each sum's run starts (8 bytes a block, plus the map).
struct Index {
    pairs: Vec<(u32, u32)>,
    start: HashMap<u32, u32>,
}

impl Index {
    fn build(basis: &File, blen: usize, nblocks: usize) -> Result<Index, Failed> {
        let mut sums = vec![0u32; nblocks];
        let (a, b) = sums.split_at_mut(nblocks / 2);
        let first = a.len();
        std::thread::scope(|s| {
            let other = s.spawn(|| weak_sums(basis, blen, first, b));
            let mine = weak_sums(basis, blen, 0, a);
            let other = other.join().unwrap_or_else(|_| {
                Err(Failed::Read(std::io::Error::other("index thread panicked")))
            });
            mine.and(other)
        })?;
        let mut pairs: Vec<(u32, u32)> = sums.into_iter().zip(0u32..).collect();
        pairs.sort_unstable();
        let mut start = HashMap::with_capacity(pairs.len());
        for (i, &(sum, _)) in pairs.iter().enumerate().rev() {
            start.insert(sum, i as u32);
        }
        Ok(Index { pairs, start })
    }

    /// The blocks with weak sum `sum`, in block order.
    fn get(&self, sum: u32) -> Option<&[(u32, u32)]> {
        let from = *self.start.get(&sum)? as usize;
        let run = self.pairs[from..].iter().take_while(|p| p.0 == sum).count();
        Some(&self.pairs[from..from + run])
    }
}

/// The weak sums of blocks `first..first + out.len()`.
fn weak_sums(basis: &File, blen: usize, first: usize, out: &mut [u32]) -> Result<(), Failed> {
    let per = (CHUNK / blen).max(1);
    let mut buf = vec![0u8; per * blen];
    for (k, sums) in out.chunks_mut(per).enumerate() {
        let at = (first + k * per) as u64 * blen as u64;
        let bytes = &mut buf[..sums.len() * blen];
        basis.read_exact_at(bytes, at).map_err(Failed::Read)?;
        for (sum, blk) in sums.iter_mut().zip(bytes.chunks(blen)) {
            *sum = Weak::of(blk).value();
        }
    }
    Ok(())
}

pub fn delta(src: &mut File, basis: &File, out: &File, m: &Method) -> Result<Sent, Failed> {
    let basis_len = basis.metadata().map_err(Failed::Read)?.len();
    let blen = block_len(m, basis_len);
    let nblocks = (basis_len / blen as u64) as usize;
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
        let counted = Index::build(basis, blen, nblocks)
            .and_then(|index| count(src, basis, basis_len, &index, blen, &failed));
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
fn count(
    src: &File,
    basis: &File,
    basis_len: u64,
    index: &Index,
    blen: usize,
    failed: &AtomicBool,
) -> Result<Sent, Failed> {
    let nblocks = (basis_len / blen as u64) as usize;
    let tail_len = (basis_len % blen as u64) as usize;
    let tail = || -> Result<Vec<u8>, Failed> {
        let mut t = vec![0u8; tail_len];
        basis
            .read_exact_at(&mut t, nblocks as u64 * blen as u64)
            .map_err(Failed::Read)?;
        Ok(t)
    };
    let mut sent = Sent::default();
    if nblocks == 0 {
        // No full block to match: the new file's end against the basis.
        let total = src.metadata().map_err(Failed::Read)?.len();
        if tail_len > 0 && total >= tail_len as u64 {
            let mut end = vec![0u8; tail_len];
            src.read_exact_at(&mut end, total - tail_len as u64)
                .map_err(Failed::Read)?;
            if end == tail()? {
                sent.matched = tail_len as u64;
                sent.literal = total - tail_len as u64;
                return Ok(sent);
            }
        }
        sent.literal = total;
        return Ok(sent);
    }
    let mut cand = vec![0u8; blen];
    // A window over the new file: `data[pos..]` is unread so far.
    let chunk = CHUNK.max(blen * 4);
    let mut data: Vec<u8> = Vec::with_capacity(chunk + blen);
    let mut read_at = 0u64;
    let mut pos = 0usize;
    let mut lit_start = 0usize;
    let mut eof = false;
    let mut weak: Option<Weak> = None;
    let mut next_block: Option<usize> = None;
    loop {
        // Keep at least one block ahead of `pos` in memory.
        if !eof && data.len() - pos < blen {
            if failed.load(Ordering::Relaxed) {
                return Err(Failed::Write(std::io::Error::other("copy failed")));
            }
            sent.literal += (pos - lit_start) as u64;
            data.drain(..pos);
            pos = 0;
            lit_start = 0;
            let old = data.len();
            data.resize(old + chunk, 0);
            let n = read_full_at(src, &mut data[old..], read_at).map_err(Failed::Read)?;
            read_at += n as u64;
            data.truncate(old + n);
            eof = n < chunk;
        }
        if data.len() - pos < blen {
            break;
        }
        let window = &data[pos..pos + blen];
        let mut hit = None;
        // Right after a match, the next block usually follows: compared
        // directly (rsync tries it first too; equal bytes have equal sums).
        if let (None, Some(nb)) = (weak, next_block) {
            if nb < nblocks {
                basis
                    .read_exact_at(&mut cand, nb as u64 * blen as u64)
                    .map_err(Failed::Read)?;
                if cand[..] == *window {
                    hit = Some(nb);
                }
            }
        }
        let list = if hit.is_none() {
            let w = *weak.get_or_insert_with(|| Weak::of(window));
            index.get(w.value())
        } else {
            None
        };
        if let Some(list) = list {
            // rsync tries the block after the last match first.
            let want = next_block.filter(|&nb| list.iter().any(|p| p.1 as usize == nb));
            let rest = list
                .iter()
                .map(|p| p.1 as usize)
                .filter(|&b| Some(b) != want);
            for b in want.into_iter().chain(rest) {
                basis
                    .read_exact_at(&mut cand, b as u64 * blen as u64)
                    .map_err(Failed::Read)?;
                if cand[..] == *window {
                    hit = Some(b);
                    break;
                }
            }
        }
        match hit {
            Some(b) => {
                sent.literal += (pos - lit_start) as u64;
                sent.matched += blen as u64;
                pos += blen;
                lit_start = pos;
                weak = None;
                next_block = Some(b + 1);
            }
            None => {
                if let (Some(mut w), true) = (weak, pos + blen < data.len()) {
                    w.roll(data[pos], data[pos + blen]);
                    weak = Some(w);
                } else {
                    weak = None;
                }
                pos += 1;
            }
        }
    }
    // The rest is shorter than a block: literal, but for the basis's
    // short last block when the new file ends with it.
    if tail_len > 0 && data.len() - pos >= tail_len && data[data.len() - tail_len..] == tail()?[..]
    {
        sent.literal += (data.len() - tail_len - lit_start) as u64;
        sent.matched += tail_len as u64;
    } else {
        sent.literal += (data.len() - lit_start) as u64;
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
}
