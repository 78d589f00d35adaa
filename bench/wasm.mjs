// wsync's core in wasm (pkg/wasm, +simd128) under Node, file to file, the
// files streamed through the bindings in 1 MiB chunks. Called by bench/core.sh:
//
//   node bench/wasm.mjs SEED_HEX BASIS NEW RANDOM_BASIS RANDOM_NEW OUT_DIR
//
// Prints `key=value` lines: speeds in MB/s (10^6 bytes), sizes in bytes,
// the SHA-256 of each output (to compare with the native run's; hashed
// after the timed steps), and the wasm memory at the end (it only grows,
// so this is its peak).
import { createHash } from "node:crypto";
import { ThreadedSha256 } from "../pkg/sha-thread.js";
import { closeSync, fstatSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHUNK = 1 << 20;
const pkg = fileURLToPath(new URL("../pkg/wasm/", import.meta.url));
const wasm = await import(join(pkg, "wsync.js"));
const exports = wasm.initSync({ module: readFileSync(join(pkg, "wsync_bg.wasm")) });
const { DeltaEncoder, Patcher, Sha256, Signature, SignatureBuilder } = wasm;

const [seedHex, basisPath, newPath, rbasisPath, rnewPath, outDir] = process.argv.slice(2);
if (!outDir || !/^[0-9a-f]{32}$/.test(seedHex)) {
  console.error("usage: node bench/wasm.mjs SEED_HEX(32 digits) BASIS NEW RANDOM_BASIS RANDOM_NEW OUT_DIR");
  process.exit(2);
}
const seed = Uint8Array.from(Buffer.from(seedHex, "hex"));

/** Calls `f` with each 1 MiB chunk of the file. */
function eachChunk(path, f) {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      f(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** A file written as it goes; `close()` gives its length and path. */
function output(path) {
  const fd = openSync(path, "w");
  let len = 0;
  return {
    write(bytes) {
      if (bytes.length === 0) return;
      writeSync(fd, bytes);
      len += bytes.length;
    },
    close() {
      closeSync(fd);
      return { len, path };
    },
  };
}

/**
 * The SHA-256 (hex) of a file, to compare with the native run's output:
 * taken after the timed steps: it checks the bench and is not part of
 * the work measured.
 */
function fileHash(path) {
  const sha = createHash("sha256");
  eachChunk(path, (c) => sha.update(c));
  return sha.digest("hex");
}

function timed(f) {
  const t = process.hrtime.bigint();
  const result = f();
  return { result, secs: Number(process.hrtime.bigint() - t) / 1e9 };
}

const mbs = (bytes, secs) => (bytes / secs / 1e6).toFixed(0);
const size = (path) => {
  const fd = openSync(path, "r");
  const len = fstatSync(fd).size;
  closeSync(fd);
  return len;
};

function signature(basis, sigPath) {
  const b = new SignatureBuilder({ lenHint: size(basis), seed });
  eachChunk(basis, (c) => b.update(c));
  const sig = b.finish();
  const out = output(sigPath);
  out.write(sig.encode());
  sig.free();
  return out.close();
}

/**
 * `host`: the whole-file SHA-256 by node:crypto on a second thread, as the
 * package's Node entry does (pkg/sha-thread.js).
 */
function delta(sigPath, newFile, deltaPath, host = false) {
  const sig = Signature.decode(readFileSync(sigPath));
  const out = output(deltaPath);
  // onOutput: the delta bytes are written from wasm memory, not copied out.
  const opts = { onOutput: (b) => out.write(b) };
  const enc = new DeltaEncoder(sig, host ? { ...opts, sha256: new ThreadedSha256() } : opts);
  eachChunk(newFile, (c) => enc.update(c));
  enc.finish();
  enc.free();
  sig.free();
  return out.close();
}

function patch(basis, deltaPath, newPath) {
  const out = output(newPath);
  // The basis is copied into wasm memory; the output streams out through
  // onOutput (update's result would hold a whole-file COPY at once).
  const p = new Patcher(readFileSync(basis), { onOutput: (c) => out.write(c) });
  eachChunk(deltaPath, (c) => p.update(c));
  const report = p.finish();
  p.free();
  return { ...out.close(), verified: report.sha256 !== null };
}

/** The patch without the file system: the output is only counted. */
function patchDiscard(basis, deltaPath) {
  let len = 0;
  const p = new Patcher(readFileSync(basis), { onOutput: (c) => (len += c.length) });
  eachChunk(deltaPath, (c) => p.update(c));
  p.finish();
  p.free();
  return len;
}

const o = (name) => join(outDir, name);
const sig = timed(() => signature(basisPath, o("wasm.sig")));
const del = timed(() => delta(o("wasm.sig"), newPath, o("wasm.delta")));
const memoryBeforePatch = exports.memory.buffer.byteLength;
rmSync(o("wasm.out"), { force: true }); // as bench/core.sh does: untimed
const pat = timed(() => patch(basisPath, o("wasm.delta"), o("wasm.out")));
const patNull = timed(() => patchDiscard(basisPath, o("wasm.delta")));
const rsig = signature(rbasisPath, o("wasm.rsig"));
rmSync(o("wasm.rdelta"), { force: true });
const worst = timed(() => delta(o("wasm.rsig"), rnewPath, o("wasm.rdelta")));
const delHost = timed(() => delta(o("wasm.sig"), newPath, o("wasm.delta-host"), true));
rmSync(o("wasm.rdelta-host"), { force: true });
const worstHost = timed(() => delta(o("wasm.rsig"), rnewPath, o("wasm.rdelta-host"), true));

/** SHA-256 in wasm alone, over the new file: the whole-file check's cost. */
function sha(path) {
  const h = new Sha256();
  eachChunk(path, (c) => h.update(c));
  h.finish();
  h.free();
}
const shaWasm = timed(() => sha(newPath));

const lines = {
  sig_mbs: mbs(size(basisPath), sig.secs),
  delta_mbs: mbs(size(newPath), del.secs),
  patch_mbs: mbs(pat.result.len, pat.secs),
  patch_null_mbs: mbs(patNull.result, patNull.secs),
  worst_mbs: mbs(size(rnewPath), worst.secs),
  delta_host_mbs: mbs(size(newPath), delHost.secs),
  worst_host_mbs: mbs(size(rnewPath), worstHost.secs),
  sha_mbs: mbs(size(newPath), shaWasm.secs),
  delta_host_same: fileHash(delHost.result.path) === fileHash(del.result.path),
  worst_host_same: fileHash(worstHost.result.path) === fileHash(worst.result.path),
  sig_bytes: sig.result.len,
  delta_bytes: del.result.len,
  worst_delta_bytes: worst.result.len,
  sig_sha: fileHash(sig.result.path),
  delta_sha: fileHash(del.result.path),
  worst_sha: fileHash(worst.result.path),
  out_sha: fileHash(pat.result.path),
  verified: pat.result.verified,
  memory_sig_delta_bytes: memoryBeforePatch,
  memory_bytes: exports.memory.buffer.byteLength,
  rss_kib: process.resourceUsage().maxRSS,
};
for (const [k, v] of Object.entries(lines)) console.log(`${k}=${v}`);
