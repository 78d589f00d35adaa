//! # wsync
//!
//! rsync's delta algorithm as a kit for the web and the edge. This crate's
//! core is pure (slices in, sinks out; no files, sockets, threads or clocks)
//! and compiles to `wasm32-unknown-unknown`; the `wsync` binary adds the host
//! side on top of it.
//!
//! Three steps, each streaming in bounded memory:
//!
//! 1. [`SignatureBuilder`] reads the *basis* (the old file) and produces a
//!    [`Signature`]: a weak rolling sum (Adler-32) and a strong sum (seeded
//!    SHA-256, truncated) per block.
//! 2. [`DeltaEncoder`] reads the *new* file against that signature and
//!    writes a delta: COPY commands for blocks the basis already has,
//!    literals (deflated when that helps) for the rest, and the new file's
//!    length and SHA-256.
//! 3. [`Patcher`] applies the delta to the basis and checks the result.
//!
//! ```
//! use wsync::{DeltaEncoder, DeltaOptions, Patcher, PatchOptions, Signature, SignatureOptions};
//!
//! let basis = b"The quick brown fox jumps over the lazy dog. ".repeat(200);
//! let mut new = basis.clone();
//! new.splice(4000..4000, b"A few new words. ".iter().copied());
//!
//! // Receiver: sign the basis.
//! let sig = Signature::of(&basis, SignatureOptions::default()).unwrap();
//! let sig_bytes = sig.encode();
//!
//! // Sender: encode the new file against the signature, in chunks.
//! let sig = Signature::decode(&sig_bytes).unwrap();
//! let mut enc = DeltaEncoder::new(&sig, DeltaOptions::default()).unwrap();
//! let mut delta = Vec::new();
//! for chunk in new.chunks(1000) {
//!     enc.update(chunk, &mut delta);
//! }
//! let stats = enc.finish(&mut delta);
//! assert!(delta.len() < 400, "delta is {} bytes", delta.len());
//! assert_eq!(stats.matched_bytes + stats.literal_bytes, new.len() as u64);
//!
//! // Receiver: patch the basis.
//! let mut patcher = Patcher::new(&basis[..], Vec::new(), PatchOptions::default());
//! patcher.update(&delta).unwrap();
//! let (out, report) = patcher.finish().unwrap();
//! assert_eq!(out, new);
//! assert!(report.sha256.is_some());
//! ```
//!
//! [`filter`] decides which files a transfer takes exactly as rsync's
//! filter rules do (`--include`, `--exclude`, `--filter`, merge files, `-C`,
//! `-F`), without I/O: see its example and `docs/FILTERS.md`.
//!
//! Formats are documented in `docs/FORMAT.md`. Every decoder treats its
//! input as untrusted: bad bytes give a typed error, never a panic, and
//! nothing is allocated on a length the input merely claims.

// Every public item of the core says what it is. The lint skips `host`
// (`#[doc(hidden)]`: the binary's, not API) and the private `wasm` module.
#![deny(missing_docs)]

mod delta;
pub mod filter;
mod format;
mod hash;
mod index;
mod miss_scan;
mod patch;
pub mod protocol;
mod rolling;
mod sha4;
mod signature;
mod text;
mod varint;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
#[cfg(any(test, all(feature = "cli", not(target_arch = "wasm32"))))]
mod xorshift;

/// The `wsync` binary's host side (feature `cli`): not part of the API,
/// public only so that `src/main.rs` (and the fuzz targets) reach it.
#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
#[doc(hidden)]
pub mod host;

/// The npm package's bindings (feature `wasm`).
#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
mod wasm;

pub use delta::{Deflate, Deflater, DeltaEncoder, DeltaError, DeltaOptions, DeltaStats};
pub use format::{rdiff, wsync as delta_format, DeltaFormat};
pub use hash::{hex, strong_sum, Seed, Sha256, WholeHash, WholeHasher, MAX_STRONG_LEN};
pub use patch::{apply, Basis, PatchError, PatchOptions, PatchReport, Patcher};
pub use rolling::weak_sum;
pub use signature::{
    default_block_len, default_strong_len, rsync_strong_len, Signature, SignatureBuilder,
    SignatureDecoder, SignatureError, SignatureLimits, SignatureOptions, MAX_BLOCK_LEN,
};

/// Signature format constants.
pub mod signature_format {
    pub use crate::signature::{HEADER_LEN, MAGIC, VERSION};
}

/// Encodes a whole delta in memory.
pub fn delta(
    sig: &Signature,
    new: &[u8],
    opts: DeltaOptions,
) -> Result<(Vec<u8>, DeltaStats), DeltaError> {
    let mut enc = DeltaEncoder::new(sig, opts)?;
    let mut out = Vec::new();
    enc.update(new, &mut out);
    let stats = enc.finish(&mut out);
    Ok((out, stats))
}
