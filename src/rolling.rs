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
/// Both halves stay reduced; a step is an add, a table look-up and a few
/// conditional subtractions, with no division on the loop-carried chain.
#[derive(Clone, Copy, Debug)]
pub struct Rolling {
    a: u32,
    b: u32,
    /// Window length mod MOD (for `roll`, which tests use).
    #[cfg(test)]
    n: u32,
}

/// `(n * x + 1) mod MOD` for every byte `x`: the amount `b` loses when `x`
/// leaves a window of `n` bytes.
pub struct OutTable([u32; 256], u32);

impl OutTable {
    pub fn new(n: usize) -> Self {
        let n = (n as u64 % u64::from(MOD)) as u32;
        let mut t = [0u32; 256];
        for (x, v) in t.iter_mut().enumerate() {
            *v = (n * x as u32 + 1) % MOD;
        }
        OutTable(t, n)
    }

    /// The window length mod MOD.
    pub fn len_mod(&self) -> u32 {
        self.1
    }
}

impl Rolling {
    /// Starts with the sum of `window`; later `roll` calls keep its length.
    #[inline]
    pub fn new(window: &[u8]) -> Self {
        Self::from_sum(weak_sum(window), window.len())
    }

    /// Starts from a window of `len` bytes whose weak sum is known.
    #[inline]
    pub fn from_sum(w: u32, #[allow(unused_variables)] len: usize) -> Self {
        Rolling {
            a: w & 0xffff,
            b: w >> 16,
            #[cfg(test)]
            n: (len as u64 % u64::from(MOD)) as u32,
        }
    }

    /// The current weak sum.
    #[inline(always)]
    pub fn value(&self) -> u32 {
        (self.b << 16) | self.a
    }

    /// The two halves `(a, b)`, each below MOD (for the miss scan's kernels).
    #[inline(always)]
    pub(crate) fn halves(&self) -> (u32, u32) {
        (self.a, self.b)
    }

    /// The same window length with other halves (each below MOD).
    #[inline(always)]
    pub(crate) fn with_halves(self, a: u32, b: u32) -> Self {
        debug_assert!(a < MOD && b < MOD);
        Rolling {
            a,
            b,
            #[cfg(test)]
            n: self.n,
        }
    }

    /// Slides the window one byte: `out` leaves at the front, `inp` enters at the back.
    #[cfg(test)]
    pub fn roll(&mut self, out: u8, inp: u8) {
        let sub = (self.n * u32::from(out) + 1) % MOD;
        self.step(out, inp, sub);
    }

    /// `roll` with the outgoing term from a table made for this window length.
    #[inline(always)]
    pub fn roll_with(&mut self, out: u8, inp: u8, table: &OutTable) {
        self.step(out, inp, table.0[out as usize]);
    }

    #[inline(always)]
    fn step(&mut self, out: u8, inp: u8, sub: u32) {
        // a' = a - x + y, in (-256, MOD + 255): one correction either way.
        let mut a = self
            .a
            .wrapping_add(u32::from(inp))
            .wrapping_sub(u32::from(out));
        if (a as i32) < 0 {
            a = a.wrapping_add(MOD);
        } else if a >= MOD {
            a -= MOD;
        }
        // b' = b + a' - (n*x + 1), in (0, 3*MOD) after adding MOD.
        let mut b = self.b + a + MOD - sub;
        if b >= MOD {
            b -= MOD;
        }
        if b >= MOD {
            b -= MOD;
        }
        self.a = a;
        self.b = b;
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
            let mut tabled = ours;
            let table = OutTable::new(n);
            let mut theirs = adler32::RollingAdler32::from_buffer(&data[..n]);
            for i in 0..3000 {
                ours.roll(data[i], data[i + n]);
                tabled.roll_with(data[i], data[i + n], &table);
                assert_eq!(ours.value(), tabled.value());
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
