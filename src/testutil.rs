//! Helpers for the core's unit tests, which run natively and, through
//! `wasm-bindgen-test-runner`, as wasm32 under Node (32-bit `usize`).

#[cfg(not(target_arch = "wasm32"))]
pub use core::prelude::v1::test;
#[cfg(target_arch = "wasm32")]
pub use wasm_bindgen_test::wasm_bindgen_test as test;

/// A small deterministic generator (xorshift64*), so tests need no crates.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
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

/// Feeds `data` to `f` in pieces of `chunk` bytes (0 means: empty calls
/// between one-byte pieces, to exercise empty updates).
pub fn in_chunks(data: &[u8], chunk: usize, mut f: impl FnMut(&[u8])) {
    if chunk == 0 {
        for i in 0..data.len() {
            f(&[]);
            f(&data[i..i + 1]);
        }
        f(&[]);
        return;
    }
    for piece in data.chunks(chunk) {
        f(piece);
    }
}

/// The chunk sizes every codec is tested with; `usize::MAX` is "whole".
pub const CHUNKS: [usize; 8] = [0, 1, 2, 3, 7, 100, 10000, usize::MAX];
