//! The one small seeded generator of the tests, the demo and the benches
//! (xorshift, shifts 13/7/17): deterministic, so a case or a data set is
//! reproduced from its seed alone, and no crate is needed for it. Not for
//! anything that must be unpredictable.
//!
//! One source file: the crate's unit tests and the host's demo use it as a
//! module, and the integration tests and examples include it by path.

/// A xorshift generator; its state is never 0.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

#[allow(dead_code)] // each includer uses part of it
impl Rng {
    /// The generator for `seed` (any value: it is spread and made odd).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The generator of case `case` of seed `seed` (the random-case
    /// harnesses: each case replays alone).
    pub fn for_case(seed: u64, case: usize) -> Rng {
        let mut rng = Rng(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(case as u64 * 2 + 1)
            | 1);
        for _ in 0..4 {
            rng.next();
        }
        rng
    }

    /// The next 64 bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `v` (not empty).
    pub fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }

    /// Compressible text-like bytes.
    pub fn text(&mut self, len: usize) -> Vec<u8> {
        const WORDS: [&str; 16] = [
            "delta ",
            "sync ",
            "block ",
            "rolling ",
            "checksum ",
            "the ",
            "of ",
            "and ",
            "signature ",
            "patch ",
            "file ",
            "byte ",
            "window ",
            "match\n",
            "edge ",
            "web ",
        ];
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            out.extend_from_slice(WORDS[self.below(WORDS.len())].as_bytes());
        }
        out.truncate(len);
        out
    }
}
