//! `--no-whole-file` between two local files, by direct block matching:
//! the basis's blocks are indexed by rsync's weak sum, the new file is
//! scanned with the sum rolled one byte at a time, and a candidate block
//! is confirmed by comparing its bytes with the basis's (both files are
//! at hand, so no strong sums and no whole-file check are needed: every
//! matched byte is verified). The result is written from the basis's
//! matched blocks and the new file's literal bytes; literal and matched
//! counts are rsync's (same block length, same "next block first" rule).

use super::transfer::{read_full, Failed, Method, Sent, Sink};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;

/// rsync's `get_checksum1`: two 16-bit running sums.
#[derive(Clone, Copy)]
struct Weak {
    s1: u32,
    s2: u32,
    len: u32,
}

impl Weak {
    fn of(block: &[u8]) -> Weak {
        let (mut s1, mut s2) = (0u32, 0u32);
        for &b in block {
            s1 = s1.wrapping_add(u32::from(b));
            s2 = s2.wrapping_add(s1);
        }
        Weak {
            s1,
            s2,
            len: block.len() as u32,
        }
    }

    fn roll(&mut self, out: u8, inp: u8) {
        self.s1 = self
            .s1
            .wrapping_sub(u32::from(out))
            .wrapping_add(u32::from(inp));
        self.s2 = self
            .s2
            .wrapping_sub(self.len.wrapping_mul(u32::from(out)))
            .wrapping_add(self.s1);
    }

    fn value(&self) -> u32 {
        (self.s1 & 0xffff) | (self.s2 << 16)
    }
}

/// Block length: `-B`, or rsync's square-root rule.
fn block_len(m: &Method, basis_len: u64) -> usize {
    m.block_size
        .unwrap_or_else(|| crate::default_block_len(basis_len))
        .max(1) as usize
}

pub fn delta(src: &mut File, basis: &File, out: &File, m: &Method) -> Result<Sent, Failed> {
    let basis_len = basis.metadata().map_err(Failed::Read)?.len();
    let blen = block_len(m, basis_len);
    let nblocks = (basis_len / blen as u64) as usize;
    // The index of the basis's full blocks by weak sum.
    let mut index: HashMap<u32, Vec<u32>> = HashMap::with_capacity(nblocks);
    let mut buf = vec![0u8; blen * 64];
    let mut at = 0u64;
    let mut i = 0usize;
    while i < nblocks {
        let want = ((nblocks - i) * blen).min(buf.len());
        basis
            .read_exact_at(&mut buf[..want], at)
            .map_err(Failed::Read)?;
        for blk in buf[..want].chunks(blen) {
            index
                .entry(Weak::of(blk).value())
                .or_default()
                .push(i as u32);
            i += 1;
        }
        at += want as u64;
    }

    let mut sink = Sink::new(out, 0, m);
    let mut sent = Sent::default();
    let mut cand = vec![0u8; blen];
    // A window over the new file: `data[pos..]` is unread so far.
    let chunk = (4 << 20).max(blen * 4);
    let mut data: Vec<u8> = Vec::with_capacity(chunk + blen);
    let mut pos = 0usize;
    let mut lit_start = 0usize;
    let mut eof = false;
    let mut weak: Option<Weak> = None;
    let mut next_block: Option<usize> = None;
    loop {
        // Keep at least one block ahead of `pos` in memory.
        if !eof && data.len() - pos < blen {
            flush_literal(&mut sink, &data[lit_start..pos], &mut sent)?;
            data.drain(..pos);
            pos = 0;
            lit_start = 0;
            let old = data.len();
            data.resize(old + chunk, 0);
            let n = read_full(src, &mut data[old..]).map_err(Failed::Read)?;
            data.truncate(old + n);
            eof = n < chunk;
        }
        if data.len() - pos < blen || nblocks == 0 {
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
            index.get(&w.value())
        } else {
            None
        };
        if let Some(list) = list {
            // rsync tries the block after the last match first.
            let mut order: Vec<u32> = Vec::with_capacity(list.len());
            if let Some(nb) = next_block {
                if list.contains(&(nb as u32)) {
                    order.push(nb as u32);
                }
            }
            order.extend(list.iter().filter(|&&b| Some(b as usize) != next_block));
            for b in order {
                basis
                    .read_exact_at(&mut cand, b as u64 * blen as u64)
                    .map_err(Failed::Read)?;
                if cand[..] == *window {
                    hit = Some(b as usize);
                    break;
                }
            }
        }
        match hit {
            Some(b) => {
                flush_literal(&mut sink, &data[lit_start..pos], &mut sent)?;
                sink.write_all(&cand).map_err(Failed::Write)?;
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
    // The rest (shorter than a block) is literal.
    flush_literal(&mut sink, &data[lit_start..], &mut sent)?;
    sink.finish().map_err(Failed::Write)?;
    Ok(sent)
}

fn flush_literal(sink: &mut Sink<'_>, bytes: &[u8], sent: &mut Sent) -> Result<(), Failed> {
    if !bytes.is_empty() {
        sink.write_all(bytes).map_err(Failed::Write)?;
        sent.literal += bytes.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolled_sum_equals_fresh_sum() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
        let n = 700;
        let mut w = Weak::of(&data[..n]);
        for p in 1..data.len() - n {
            w.roll(data[p - 1], data[p - 1 + n]);
            assert_eq!(w.value(), Weak::of(&data[p..p + n]).value(), "at {p}");
        }
    }

    #[test]
    fn result_is_the_new_file_with_rsync_counts() {
        let dir = tempfile::tempdir().unwrap();
        let basis: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let mut new = basis.clone();
        new[50_000..50_010].copy_from_slice(b"0123456789"); // an edit
        new.splice(10..10, b"inserted".iter().copied()); // a shift
        let (bp, np, op) = (
            dir.path().join("b"),
            dir.path().join("n"),
            dir.path().join("o"),
        );
        std::fs::write(&bp, &basis).unwrap();
        std::fs::write(&np, &new).unwrap();
        let out = File::create(&op).unwrap();
        let m = Method {
            block_size: Some(700),
            ..Default::default()
        };
        let sent = delta(
            &mut File::open(&np).unwrap(),
            &File::open(&bp).unwrap(),
            &out,
            &m,
        )
        .unwrap();
        assert_eq!(std::fs::read(&op).unwrap(), new);
        assert_eq!(sent.literal + sent.matched, new.len() as u64);
        // Two blocks spoiled (the insertion's and the edit's), a tail.
        assert!(sent.matched >= new.len() as u64 - 3 * 700, "{sent:?}");
    }
}
