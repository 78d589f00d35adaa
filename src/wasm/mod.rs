//! JavaScript bindings of the core (wasm32 only), built by
//! `scripts/build-wasm.sh` into `pkg/wasm` with `wasm-bindgen --target web`.
//!
//! Thin newtypes over the core types: bytes cross as `Uint8Array`, options
//! and results as plain objects, and every core error becomes a JS `Error`
//! whose `code` names its variant (`"BadMagic"`, `"CopyOutOfRange"`...).
//!
//! ```js
//! import init, { SignatureBuilder, DeltaEncoder, Patcher } from "./wsync.js";
//! await init();
//! const sb = new SignatureBuilder({ lenHint: basis.length });
//! sb.update(basis);
//! const sig = sb.finish();
//! const enc = new DeltaEncoder(sig, { format: "wsync" });
//! const delta = [enc.update(newFile), enc.finish()];
//! const p = new Patcher(basis);
//! const out = delta.map((d) => p.update(d));
//! const report = p.finish(); // throws unless length and SHA-256 match
//! ```

mod client;
mod delta;
mod error;
mod filter;
mod host_hash;
mod js;
mod patch;
mod retry;
mod sha;
mod signature;

use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: panics go to `console.error`
/// with their message instead of a bare "unreachable" trap.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Talc instead of std's dlmalloc: about 3 KB less wasm (1.5 KB gzipped)
/// and no slower; the heap grows by whole wasm pages as before.
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Options of `new SignatureBuilder()`; every field is optional. */
export interface SignatureOptions {
  /** Block length in bytes, 1 to 1048576 (default: from lenHint, as rsync). */
  blockLen?: number;
  /** Bytes of each block's SHA-256 to keep, 1 to 32. */
  strongLen?: number;
  /** 16 bytes mixed into every strong sum (default: random). */
  seed?: Uint8Array;
  /** Length of the basis, if known: picks the default block and strong lengths. */
  lenHint?: number | bigint;
}
/** Options of `new SignatureDecoder()`. */
export interface SignatureDecoderOptions {
  /** Most blocks a signature may claim (default 2^24). */
  maxBlocks?: number | bigint;
}
/** Options of `new DeltaEncoder()`. */
export interface DeltaOptions {
  /** "wsync" (default) or "rdiff" (librsync's format, for `rdiff patch`). */
  format?: "wsync" | "rdiff";
  /** Deflate level for literals, 0 (off) to 9; default 1. */
  compressLevel?: number;
  /**
   * The whole-file SHA-256 computed by the host instead of in wasm: an
   * object with `update(bytes)` and `digest()` returning 32 bytes, such as
   * Node's `crypto.createHash("sha256")` (several times faster). `update`
   * gets the very arrays passed to `DeltaEncoder.update()` (no copy) and
   * must take in their bytes before it returns, as Node's hashes do.
   */
  sha256?: { update(bytes: Uint8Array): unknown; digest(): Uint8Array };
  /**
   * Receives the delta bytes of each `update()` and of `finish()` (when
   * there are any), which then return empty arrays. `bytes` is a view of
   * the encoder's memory, valid only until the function returns: write it
   * out or copy it (`bytes.slice()`) before then. This saves a copy and an
   * allocation per call. If it throws, the encoder is finished and the
   * call throws that error.
   */
  onOutput?: (bytes: Uint8Array) => void;
}
/** What a delta encoder did. */
export interface DeltaStats {
  newLen: number;
  matchedBytes: number;
  literalBytes: number;
  literalWireBytes: number;
  copyOps: number;
  literalOps: number;
  deltaBytes: number;
}
/** Options of `new Patcher()`. */
export interface PatchOptions {
  /** Refuse deltas whose output would exceed this many bytes. */
  maxOutput?: number | bigint;
  /**
   * Receives the output as it is written (copies in pieces of at most
   * 256 KiB) instead of `update()`'s result, which holds all the output of
   * its delta bytes: one COPY can be the whole file. If it throws, the
   * patch fails with code "Write".
   */
  onOutput?: (chunk: Uint8Array) => void;
}
/** What a finished patch did. */
export interface PatchReport {
  format: "wsync" | "rdiff";
  newLen: number;
  copiedBytes: number;
  literalBytes: number;
  /** The verified SHA-256 of the result; null for rdiff deltas, which carry none. */
  sha256: Uint8Array | null;
}
"#;
