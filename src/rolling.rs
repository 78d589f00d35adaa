//! The weak sum: Adler-32, rolled one byte at a time.
//!
//! The value is exactly the `adler32` crate's `RollingAdler32::hash()` (and
//! zlib's `adler32()`): `a = 1 + sum(bytes) mod 65521`, `b = sum of the
//! running a's mod 65521`, `weak = b << 16 | a`. Whole blocks are summed with
//! `simd-adler32` (SIMD on x86-64 and wasm32 `simd128`); moving the window by
//! one byte is O(1): with window length `n`, outgoing byte `x` and incoming
//! byte `y`, `a' = a - x + y` and `b' = b + a' - 1 - n*x` (all mod 65521).
//! The tests check every step against the `adler32` crate.

/// The Adler-32 modulus.
pub const MOD: u32 = 65521;

/// Adler-32 of a whole block.
#[inline]
pub fn weak_sum(block: &[u8]) -> u32 {
    simd_adler32::adler32(&block)
}

/// Adler-32 of a fixed-length window that slides over the data.
///
/// The sums are kept as exact integers (plus a multiple of the modulus that
/// keeps them from going negative) rather than reduced at every step: a
/// step is then two additions and two subtractions, and the reductions that
/// `value` does are not on the loop-carried chain. Windows are at most
/// `MAX_BLOCK_LEN` (2^20) bytes.
#[derive(Clone, Copy, Debug)]
pub struct Rolling {
    /// `1 + sum(window)`, plus a multiple of MOD (below 2^30 for n <= 2^20).
    a: u32,
    /// `n + sum((n - i) * window[i])`, plus a multiple of MOD.
    b: u64,
    /// Window length.
    n: u64,
}

impl Rolling {
    /// Starts with the sum of `window`; later `roll` calls keep its length.
    #[inline]
    pub fn new(window: &[u8]) -> Self {
        let w = weak_sum(window);
        let n = window.len() as u64;
        let m = u64::from(MOD);
        // Over any number of steps the exact sums stay within [1, 255n + 1]
        // and [n, n + 255n(n+1)/2], so starting this far above the reduced
        // values they can never go below zero (n <= 2^20 keeps b < 2^49).
        let a_room = (255 * n).div_ceil(m) * m;
        let b_room = (255 * n * (n + 1) / 2).div_ceil(m) * m;
        Rolling {
            a: (w & 0xffff) + a_room as u32,
            b: u64::from(w >> 16) + b_room,
            n,
        }
    }

    /// The current weak sum.
    #[inline(always)]
    pub fn value(&self) -> u32 {
        (((self.b % u64::from(MOD)) as u32) << 16) | (self.a % MOD)
    }

    /// Slides the window one byte: `out` leaves at the front, `inp` enters at the back.
    #[inline(always)]
    pub fn roll(&mut self, out: u8, inp: u8) {
        let (x, y) = (u32::from(out), u32::from(inp));
        // a' = a - x + y;  b' = b + a' - 1 - n*x  (exact, see `new`).
        self.a = self.a + y - x;
        self.b = self.b + u64::from(self.a) - (self.n * u64::from(x) + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{test, Rng};

    fn reference(data: &[u8]) -> u32 {
        let mut r = adler32::RollingAdler32::new();
        r.update_buffer(data);
        r.hash()
    }

    #[test]
    fn block_sums_match_the_adler32_crate() {
        let mut rng = Rng::new(1);
        for len in [0usize, 1, 2, 15, 16, 17, 700, 5552, 5553, 65536, 100_000] {
            let data = rng.bytes(len);
            assert_eq!(weak_sum(&data), reference(&data), "len {len}");
        }
        assert_eq!(weak_sum(&[255; 64000]), 0xD625_1498);
    }

    #[test]
    fn rolling_matches_the_adler32_crate_at_every_step() {
        let mut rng = Rng::new(2);
        for n in [1usize, 2, 3, 16, 700, 5552, 65520] {
            let data = rng.bytes(n + 3000);
            let mut ours = Rolling::new(&data[..n]);
            let mut theirs = adler32::RollingAdler32::from_buffer(&data[..n]);
            for i in 0..3000 {
                ours.roll(data[i], data[i + n]);
                theirs.remove(n, data[i]);
                theirs.update(data[i + n]);
                assert_eq!(ours.value(), theirs.hash(), "n {n} step {i}");
                if i % 997 == 0 {
                    assert_eq!(ours.value(), reference(&data[i + 1..i + 1 + n]));
                }
            }
        }
    }

    #[test]
    fn windows_longer_than_the_modulus_roll_correctly() {
        // The adler32 crate's `remove` wraps for windows over 65521 bytes;
        // blocks may be up to 1 MiB, so compare with a full recompute.
        let mut rng = Rng::new(3);
        for n in [65521usize, 65522, 70000, 1 << 20] {
            let data = rng.bytes(n + 200);
            let mut ours = Rolling::new(&data[..n]);
            for i in 0..200 {
                ours.roll(data[i], data[i + n]);
                if i % 37 == 0 || i == 199 {
                    assert_eq!(
                        ours.value(),
                        reference(&data[i + 1..i + 1 + n]),
                        "n {n} step {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn extreme_bytes_roll_correctly() {
        for n in [1usize, 5, 4096] {
            let data: Vec<u8> = (0..n + 512)
                .map(|i| if i % 3 == 0 { 255 } else { 0 })
                .collect();
            let mut r = Rolling::new(&data[..n]);
            for i in 0..512 {
                r.roll(data[i], data[i + n]);
                assert_eq!(r.value(), reference(&data[i + 1..i + 1 + n]));
            }
        }
    }
}
