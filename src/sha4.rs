//! Four strong sums at once: `SHA-256(seed || block)` of four blocks of
//! the same length. Signatures hash every block, and the delta encoder
//! hashes the blocks ahead of a match four at a time (`delta.rs`).
//!
//! In wasm with `simd128`, one block per 32-bit lane: wasm has no SHA
//! instructions, and four independent digests in lockstep cost little more
//! than one. On x86-64 with SHA-NI (detected at run time), two pairs of
//! interleaved digests (`shani.rs`): twice the speed of one at a time.
//! Elsewhere, and for blocks of different lengths, this is four calls of
//! [`strong_sum`]. The result is plain SHA-256 either way: tests compare it
//! with the `sha2` crate.

use crate::hash::{strong_sum, Seed};

#[cfg(target_arch = "x86_64")]
mod shani;

/// A whole-file SHA-256 that hashes beside strong sums: on x86-64 with
/// SHA-NI, two messages' rounds interleave for the price of one, so the
/// delta encoder runs its whole-file check in the gaps of its block sums.
#[cfg(target_arch = "x86_64")]
pub(crate) use shani::Stream as Fused;

/// Never made off x86-64 (`new` gives `None`).
#[cfg(not(target_arch = "x86_64"))]
pub(crate) enum Fused {}

#[cfg(not(target_arch = "x86_64"))]
impl Fused {
    pub(crate) fn new() -> Option<Fused> {
        None
    }
    pub(crate) fn update(&mut self, _: &[u8]) {
        match *self {}
    }
    pub(crate) fn finish(self) -> [u8; 32] {
        match self {}
    }
    pub(crate) fn sums4_beside(
        &mut self,
        _: &Seed,
        _: [&[u8]; 4],
        _: &[u8],
    ) -> Option<([[u8; 32]; 4], usize)> {
        match *self {}
    }
}

/// `[strong_sum(seed, b) for b in blocks]`.
pub fn strong_sums4(seed: &Seed, blocks: [&[u8]; 4]) -> [[u8; 32]; 4] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let n = blocks[0].len();
        if blocks.iter().all(|b| b.len() == n) {
            return simd::sums(seed, blocks);
        }
    }
    #[cfg(target_arch = "x86_64")]
    if let Some([s0, s1]) = shani::sums2(seed, [blocks[0], blocks[1]]) {
        let [s2, s3] = shani::sums2(seed, [blocks[2], blocks[3]])
            .unwrap_or_else(|| [strong_sum(seed, blocks[2]), strong_sum(seed, blocks[3])]);
        return [s0, s1, s2, s3];
    }
    blocks.map(|b| strong_sum(seed, b))
}

#[cfg(any(
    test,
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

#[cfg(any(
    test,
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The 64-byte chunk `k` of the padded message `seed || block` (SHA-256's
/// padding: 0x80, zeros, the bit length as a big-endian u64): a slice of
/// `block` where the chunk lies inside it, else assembled in `buf`.
#[cfg(any(
    test,
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
#[inline(always)]
fn chunk<'a>(seed: &Seed, block: &'a [u8], k: usize, buf: &'a mut [u8; 64]) -> &'a [u8; 64] {
    let len = seed.len() + block.len();
    let at = k * 64;
    if at >= seed.len() && at + 64 <= len {
        // Inside the block: the common case, read directly.
        let start = at - seed.len();
        return block[start..start + 64].try_into().unwrap();
    }
    for (i, byte) in buf.iter_mut().enumerate() {
        let p = at + i;
        *byte = if p < seed.len() {
            seed[p]
        } else if p < len {
            block[p - seed.len()]
        } else if p == len {
            0x80
        } else {
            0
        };
    }
    // The length goes in the last 8 bytes of the last chunk.
    if at + 64 == padded_len(len) {
        buf[56..].copy_from_slice(&((len as u64) * 8).to_be_bytes());
    }
    buf
}

/// Chunk `k` of `seed || block` padded (see `chunk`), as big-endian words.
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
fn chunk_words(seed: &Seed, block: &[u8], k: usize) -> [u32; 16] {
    let mut buf = [0u8; 64];
    let at = k * 64;
    let bytes = if at >= seed.len() && at + 64 <= seed.len() + block.len() {
        // Inside the block (as in `chunk`), without filling `buf`.
        block[at - seed.len()..at - seed.len() + 64]
            .try_into()
            .unwrap()
    } else {
        chunk(seed, block, k, &mut buf)
    };
    let mut w = [0u32; 16];
    for (w, b) in w.iter_mut().zip(bytes.chunks_exact(4)) {
        *w = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    }
    w
}

/// Length of a message of `len` bytes once padded.
#[cfg(any(
    test,
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
fn padded_len(len: usize) -> usize {
    (len + 8) / 64 * 64 + 64
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{chunk_words, padded_len, H0, K};
    use crate::hash::Seed;
    use core::arch::wasm32::*;

    #[inline(always)]
    fn rotr<const N: u32>(x: v128) -> v128 {
        v128_or(u32x4_shr(x, N), u32x4_shl(x, 32 - N))
    }

    #[inline(always)]
    fn add(a: v128, b: v128) -> v128 {
        u32x4_add(a, b)
    }

    /// One 64-byte chunk of each lane's message into the lane's state.
    #[inline(always)]
    fn compress(s: &mut [v128; 8], words: &[[u32; 16]; 4]) {
        let mut w = [u32x4_splat(0); 16];
        for (t, w) in w.iter_mut().enumerate() {
            *w = u32x4(words[0][t], words[1][t], words[2][t], words[3][t]);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *s;
        for (t, k) in K.iter().enumerate() {
            let wt = if t < 16 {
                w[t]
            } else {
                let (w15, w2) = (w[(t + 1) & 15], w[(t + 14) & 15]);
                let s0 = v128_xor(v128_xor(rotr::<7>(w15), rotr::<18>(w15)), u32x4_shr(w15, 3));
                let s1 = v128_xor(v128_xor(rotr::<17>(w2), rotr::<19>(w2)), u32x4_shr(w2, 10));
                let v = add(add(w[t & 15], s0), add(w[(t + 9) & 15], s1));
                w[t & 15] = v;
                v
            };
            let s1 = v128_xor(v128_xor(rotr::<6>(e), rotr::<11>(e)), rotr::<25>(e));
            let ch = v128_bitselect(f, g, e);
            let t1 = add(add(add(h, s1), add(ch, u32x4_splat(*k))), wt);
            let s0 = v128_xor(v128_xor(rotr::<2>(a), rotr::<13>(a)), rotr::<22>(a));
            let maj = v128_bitselect(c, a, v128_xor(a, b));
            let t2 = add(s0, maj);
            h = g;
            g = f;
            f = e;
            e = add(d, t1);
            d = c;
            c = b;
            b = a;
            a = add(t1, t2);
        }
        for (s, v) in s.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s = add(*s, v);
        }
    }

    pub fn sums(seed: &Seed, blocks: [&[u8]; 4]) -> [[u8; 32]; 4] {
        let mut s = H0.map(|h| u32x4_splat(h));
        let chunks = padded_len(seed.len() + blocks[0].len()) / 64;
        for k in 0..chunks {
            let words = blocks.map(|b| chunk_words(seed, b, k));
            compress(&mut s, &words);
        }
        let mut out = [[0u8; 32]; 4];
        for (i, v) in s.iter().enumerate() {
            let lanes = [
                u32x4_extract_lane::<0>(*v),
                u32x4_extract_lane::<1>(*v),
                u32x4_extract_lane::<2>(*v),
                u32x4_extract_lane::<3>(*v),
            ];
            for (o, lane) in out.iter_mut().zip(lanes) {
                o[i * 4..i * 4 + 4].copy_from_slice(&lane.to_be_bytes());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{test, Rng};

    /// SHA-256 from the chunks `chunk_words` makes, one lane in scalar code:
    /// checks the padding on every target, SIMD or not.
    fn scalar(seed: &Seed, block: &[u8]) -> [u8; 32] {
        let mut s = H0;
        for k in 0..padded_len(seed.len() + block.len()) / 64 {
            let mut w = [0u32; 64];
            w[..16].copy_from_slice(&chunk_words(seed, block, k));
            for t in 16..64 {
                let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
                let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
                w[t] = w[t - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[t - 7])
                    .wrapping_add(s1);
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = s;
            for t in 0..64 {
                let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
                let ch = (e & f) ^ (!e & g);
                let t1 = h
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[t])
                    .wrapping_add(w[t]);
                let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
                let maj = (a & b) ^ (a & c) ^ (b & c);
                (h, g, f, e, d, c, b, a) = (
                    g,
                    f,
                    e,
                    d.wrapping_add(t1),
                    c,
                    b,
                    a,
                    t1.wrapping_add(s0.wrapping_add(maj)),
                );
            }
            for (s, v) in s.iter_mut().zip([a, b, c, d, e, f, g, h]) {
                *s = s.wrapping_add(v);
            }
        }
        let mut out = [0u8; 32];
        for (o, v) in out.chunks_exact_mut(4).zip(s) {
            o.copy_from_slice(&v.to_be_bytes());
        }
        out
    }

    #[test]
    fn four_lanes_are_four_sha256_digests() {
        let mut rng = Rng::new(4);
        let seed: Seed = rng.bytes(16).try_into().unwrap();
        // Around every padding boundary (the seed is 16 bytes), and longer.
        let lens = (0..200).chain([247, 248, 1000, 4096, 65_535, 65_536]);
        for n in lens {
            let data = rng.bytes(4 * n + 3);
            let blocks = [
                &data[..n],
                &data[n..2 * n],
                &data[2 * n..3 * n],
                &data[3 * n + 3..],
            ];
            let got = strong_sums4(&seed, blocks);
            for (g, b) in got.iter().zip(blocks) {
                let want = strong_sum(&seed, b);
                assert_eq!(*g, want, "length {n}");
                assert_eq!(scalar(&seed, b), want, "padding at length {n}");
            }
        }
        // Lengths that differ fall back to one digest each (on x86-64, per
        // pair: the second case has a first pair of equal lengths).
        let data = rng.bytes(100);
        for blocks in [
            [&data[..10], &data[..20], &data[..0], &data[..]],
            [&data[..70], &data[1..71], &data[..69], &data[..]],
        ] {
            assert_eq!(
                strong_sums4(&seed, blocks),
                blocks.map(|b| strong_sum(&seed, b))
            );
        }
    }

    /// The SHA-NI pairs on their own: equal to sha2 at every padding
    /// boundary, and declined for blocks of different lengths.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sha_ni_pairs_are_sha256_digests() {
        // The machines these tests run on have SHA-NI; without this the
        // test below would pass without running the code it is about.
        assert!(shani::available(), "this x86-64 CPU lacks SHA-NI");
        let mut rng = Rng::new(5);
        let seed: Seed = rng.bytes(16).try_into().unwrap();
        for n in (0..300).chain([1000, 4095, 4096, 4097, 100_000]) {
            let data = rng.bytes(2 * n + 1);
            let blocks = [&data[..n], &data[n + 1..]];
            let got = shani::sums2(&seed, blocks).unwrap();
            assert_eq!(got, blocks.map(|b| strong_sum(&seed, b)), "length {n}");
        }
        let data = rng.bytes(10);
        assert_eq!(shani::sums2(&seed, [&data[..3], &data[..4]]), None);
    }

    /// The whole-file stream beside the block sums: its digest is the
    /// SHA-256 of everything it took, however the bytes came (updates of
    /// any length, pieces taken beside blocks of any length, a pending
    /// partial chunk between them), and the block sums stay exact.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_fused_stream_is_the_sha256_of_its_bytes() {
        use crate::hash::Sha256;
        assert!(shani::available(), "this x86-64 CPU lacks SHA-NI");
        let mut rng = Rng::new(6);
        let seed: Seed = rng.bytes(16).try_into().unwrap();
        for round in 0..300 {
            let total = rng.below(if round < 200 { 3000 } else { 300_000 });
            let data = rng.bytes(total);
            let mut f = Fused::new().unwrap();
            let mut at = 0;
            while at < data.len() {
                if rng.below(2) == 0 {
                    let n = rng.below(200).min(data.len() - at);
                    f.update(&data[at..at + n]);
                    at += n;
                } else {
                    let n = rng.below(5000);
                    let blocks_data = rng.bytes(4 * n);
                    let blocks = [0, 1, 2, 3].map(|k| &blocks_data[k * n..(k + 1) * n]);
                    let window = rng.below(20_000).min(data.len() - at);
                    let (sums, took) = f
                        .sums4_beside(&seed, blocks, &data[at..at + window])
                        .unwrap();
                    assert_eq!(sums, blocks.map(|b| strong_sum(&seed, b)), "blocks of {n}");
                    assert!(took <= window);
                    at += took;
                }
            }
            assert_eq!(f.finish(), Sha256::digest(&data), "{total} bytes");
        }
        let mut f = Fused::new().unwrap();
        let d = rng.bytes(10);
        assert!(f
            .sums4_beside(&seed, [&d[..1], &d[..2], &d[..1], &d[..1]], &d)
            .is_none());
        assert_eq!(Fused::new().unwrap().finish(), Sha256::digest(b""));
    }
}
