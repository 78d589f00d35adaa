//! Lookup from a window's weak sum to the signature blocks that share it.
//!
//! Three levels, cheapest first: a filter (64 to 128 bits per block, each
//! block setting two bits of one 32-bit word, so that 99.7% to 99.9% of
//! missing positions stop after one load), a bucket table, and the
//! blocks of a bucket sorted by (weak, strong, index) so that the block whose
//! strong sum matches is found by binary search. One strong sum is computed
//! per candidate position however many blocks share a weak sum, and the
//! lowest-numbered block wins among identical ones.

use crate::miss_scan;
use crate::rolling::{OutTable, Rolling};
use crate::signature::Signature;
use std::cmp::Ordering;

pub(crate) struct Index {
    /// Two bits (maybe one) per block in one of `1 << (32 - filter_shift)`
    /// words: see `miss_scan::slot`.
    filter: Vec<u32>,
    filter_shift: u32,
    /// `starts[b]..starts[b + 1]` is bucket `b`'s range in `order`.
    starts: Vec<u32>,
    bucket_shift: u32,
    order: Vec<u32>,
}

#[inline(always)]
fn mix(weak: u32) -> u32 {
    weak.wrapping_mul(miss_scan::MIX)
}

impl Index {
    /// Indexes the full-length blocks of `sig` (a short last block can only
    /// match at the very end of the new file and is checked there).
    pub fn new(sig: &Signature) -> Index {
        let full =
            if sig.block_count() > 0 && sig.block_size(sig.block_count() - 1) < sig.block_len() {
                sig.block_count() - 1
            } else {
                sig.block_count()
            };
        let log = usize::BITS - full.max(1).leading_zeros(); // ceil-ish log2
        let bucket_bits = (log + 1).clamp(4, 30);
        let filter_bits = (log + 6).clamp(10, 30);
        let filter_shift = 32 - (filter_bits - 5);
        let bucket_shift = 32 - bucket_bits;
        let mut filter = vec![0u32; 1 << (32 - filter_shift)];
        let mut starts = vec![0u32; (1usize << bucket_bits) + 1];
        for i in 0..full {
            let h = mix(sig.weak(i));
            let (word, mask) = miss_scan::slot(sig.weak(i), filter_shift);
            filter[word] |= mask;
            starts[(h >> bucket_shift) as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        // Counting sort into buckets (block order within each), then each
        // bucket by (weak, strong): a stable sort keeps the index order among
        // equal keys. No generic slice sort: it would add ~8 KB of wasm.
        let mut order = vec![0u32; full];
        let mut next = starts[..starts.len() - 1].to_vec();
        for i in 0..full {
            let b = (mix(sig.weak(i)) >> bucket_shift) as usize;
            order[next[b] as usize] = i as u32;
            next[b] += 1;
        }
        drop(next);
        let less =
            |x: u32, y: u32| key_cmp(sig, x, sig.weak(y as usize), sig.strong(y as usize)).is_lt();
        let mut tmp = Vec::new();
        for w in starts.windows(2) {
            let bucket = &mut order[w[0] as usize..w[1] as usize];
            if bucket.len() > 1 {
                sort_stable(bucket, &mut tmp, &less);
            }
        }
        Index {
            filter,
            filter_shift,
            starts,
            bucket_shift,
            order,
        }
    }

    /// False when no indexed block has this weak sum; true when one may.
    #[inline(always)]
    pub fn may_contain(&self, weak: u32) -> bool {
        let (word, mask) = miss_scan::slot(weak, self.filter_shift);
        self.filter[word] & mask == mask
    }

    /// Rolls `r` over `outs`/`ins` (bytes leaving and entering the window)
    /// until a position whose weak sum may be indexed; returns the steps
    /// taken. The hot loop of delta encoding on unmatched data.
    #[inline(never)]
    pub fn skip_misses(&self, r: &mut Rolling, outs: &[u8], ins: &[u8], table: &OutTable) -> usize {
        miss_scan::skip_misses(&self.filter, self.filter_shift, r, outs, ins, table)
    }

    /// The blocks whose weak sum is `weak`, as a range of `order`.
    #[inline]
    pub fn weak_range(&self, sig: &Signature, weak: u32) -> &[u32] {
        let b = (mix(weak) >> self.bucket_shift) as usize;
        let bucket = &self.order[self.starts[b] as usize..self.starts[b + 1] as usize];
        let lo = bucket.partition_point(|&i| sig.weak(i as usize) < weak);
        let hi = lo + bucket[lo..].partition_point(|&i| sig.weak(i as usize) == weak);
        &bucket[lo..hi]
    }

    /// The lowest-numbered block in `range` (from `weak_range`) with this strong sum.
    pub fn find_strong(sig: &Signature, range: &[u32], strong: &[u8]) -> Option<u32> {
        let s = &strong[..sig.strong_len() as usize];
        let at = range.partition_point(|&i| sig.strong(i as usize) < s);
        range
            .get(at)
            .copied()
            .filter(|&i| sig.strong(i as usize) == s)
    }
}

/// Sorts `v` stably by `less`: insertion sort on runs of `RUN`, then
/// bottom-up merges through `tmp`. O(n log n) however many keys are equal
/// (a file of identical blocks puts them all in one bucket).
fn sort_stable(v: &mut [u32], tmp: &mut Vec<u32>, less: &impl Fn(u32, u32) -> bool) {
    const RUN: usize = 16;
    for run in v.chunks_mut(RUN) {
        for i in 1..run.len() {
            let x = run[i];
            let mut j = i;
            while j > 0 && less(x, run[j - 1]) {
                run[j] = run[j - 1];
                j -= 1;
            }
            run[j] = x;
        }
    }
    let n = v.len();
    let mut width = RUN;
    while width < n {
        tmp.clear();
        for lo in (0..n).step_by(2 * width) {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut a, mut b) = (lo, mid);
            while a < mid && b < hi {
                // Ties take the left run's element: stable.
                if less(v[b], v[a]) {
                    tmp.push(v[b]);
                    b += 1;
                } else {
                    tmp.push(v[a]);
                    a += 1;
                }
            }
            tmp.extend_from_slice(&v[a..mid]);
            tmp.extend_from_slice(&v[b..hi]);
        }
        v.copy_from_slice(tmp);
        width *= 2;
    }
}

fn key_cmp(sig: &Signature, x: u32, weak: u32, strong: &[u8]) -> Ordering {
    sig.weak(x as usize)
        .cmp(&weak)
        .then_with(|| sig.strong(x as usize).cmp(strong))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{test, Rng};
    use crate::SignatureOptions;

    /// The order the index must produce: by bucket, weak, strong, index.
    fn reference(sig: &Signature, idx: &Index) -> Vec<u32> {
        let mut order: Vec<u32> = (0..idx.order.len() as u32).collect();
        order.sort_by(|&x, &y| {
            let (hx, hy) = (mix(sig.weak(x as usize)), mix(sig.weak(y as usize)));
            (hx >> idx.bucket_shift)
                .cmp(&(hy >> idx.bucket_shift))
                .then_with(|| key_cmp(sig, x, sig.weak(y as usize), sig.strong(y as usize)))
                .then(x.cmp(&y))
        });
        order
    }

    #[test]
    fn sort_stable_matches_std_stable_sort() {
        let mut rng = Rng::new(7);
        for n in [0, 1, 2, 15, 16, 17, 31, 33, 100, 1000, 4097] {
            for distinct in [1u32, 3, 50, 1 << 30] {
                let keys: Vec<u32> = (0..n)
                    .map(|_| rng.below(distinct as usize) as u32)
                    .collect();
                let mut v: Vec<u32> = (0..n as u32).collect();
                let mut want = v.clone();
                want.sort_by_key(|&i| keys[i as usize]);
                sort_stable(&mut v, &mut Vec::new(), &|a, b| {
                    keys[a as usize] < keys[b as usize]
                });
                assert_eq!(v, want, "n {n}, distinct {distinct}");
            }
        }
    }

    #[test]
    fn buckets_are_sorted_by_weak_strong_index() {
        // Repeated blocks (equal weak and strong sums), blocks sharing a
        // weak sum only, and distinct ones; plus one bucket of 3000 equal blocks.
        let mut data = Vec::new();
        for i in 0..3000u32 {
            let mut block = [0u8; 16];
            match i % 4 {
                0 => {}
                1 => block[0] = (i % 7) as u8,
                // Ones at 0 and 3, or at 1 and 2: the same weak sum, other strong sums.
                2 if i % 8 == 2 => (block[0], block[3]) = (1, 1),
                2 => (block[1], block[2]) = (1, 1),
                _ => block.copy_from_slice(&(i as u128 * 0x9E37_79B9_7F4A).to_le_bytes()),
            }
            data.extend_from_slice(&block);
        }
        data.extend_from_slice(&[0u8; 16 * 3000]);
        let opts = SignatureOptions {
            block_len: Some(16),
            ..SignatureOptions::default()
        };
        let sig = Signature::of(&data, opts).unwrap();
        let idx = Index::new(&sig);
        assert_eq!(idx.order.len(), 6000);
        assert_eq!(idx.order, reference(&sig, &idx));
    }
}
