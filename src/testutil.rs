//! Helpers for the core's unit tests, which run natively and, through
//! `wasm-bindgen-test-runner`, as wasm32 under Node (32-bit `usize`).

#[cfg(not(target_arch = "wasm32"))]
pub use core::prelude::v1::test;
#[cfg(target_arch = "wasm32")]
pub use wasm_bindgen_test::wasm_bindgen_test as test;

pub use crate::xorshift::Rng;

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
