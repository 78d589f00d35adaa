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
        let mut order: Vec<u32> = (0..full as u32).collect();
        order.sort_unstable_by(|&x, &y| {
            let (hx, hy) = (mix(sig.weak(x as usize)), mix(sig.weak(y as usize)));
            (hx >> bucket_shift)
                .cmp(&(hy >> bucket_shift))
                .then_with(|| key_cmp(sig, x, sig.weak(y as usize), sig.strong(y as usize)))
                .then(x.cmp(&y))
        });
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

fn key_cmp(sig: &Signature, x: u32, weak: u32, strong: &[u8]) -> Ordering {
    sig.weak(x as usize)
        .cmp(&weak)
        .then_with(|| sig.strong(x as usize).cmp(strong))
}
