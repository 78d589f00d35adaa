// The core's JavaScript bindings (pkg/wasm, built by scripts/build-wasm.sh):
// round trips, byte-for-byte parity with the native `wsync` binary, chunking,
// and errors with a `code`. Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = join(root, "pkg/wasm");
const wsyncBin = join(root, "target/release/wsync");

const wasm = await import(join(pkg, "wsync.js"));
const { DeltaEncoder, Patcher, Sha256, Signature, SignatureBuilder, SignatureDecoder } = wasm;
const exports = wasm.initSync({ module: readFileSync(join(pkg, "wsync_bg.wasm")) });

// ---------------------------------------------------------------- helpers

/** xorshift64*, as src/testutil.rs: deterministic test data. */
function rng(seed) {
  let x = (BigInt(seed) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn | 1n;
  return {
    next() {
      x ^= x >> 12n;
      x ^= (x << 25n) & 0xffffffffffffffffn;
      x ^= x >> 27n;
      return Number(((x * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n);
    },
    below(n) {
      return this.next() % Math.max(n, 1);
    },
  };
}

const WORDS = ["delta ", "sync ", "block ", "rolling ", "checksum ", "the ", "of ", "and ",
  "signature ", "patch ", "file ", "byte ", "window ", "match\n", "edge ", "web "];

function text(r, len) {
  let s = "";
  while (s.length < len) s += WORDS[r.below(WORDS.length)];
  return new TextEncoder().encode(s.slice(0, len));
}

function randomBytes(r, len) {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = r.next() & 0xff;
  return out;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy of `basis` with an insertion, a deletion, an overwrite and a moved run. */
function edited(r, basis) {
  const n = basis.length;
  const a = Math.floor(n / 5), b = Math.floor(n / 2), c = Math.floor((4 * n) / 5);
  return concat([
    basis.subarray(0, a),
    randomBytes(r, 777), // insertion
    basis.subarray(a, b - 300), // 300 bytes deleted
    randomBytes(r, 50), // overwrite
    basis.subarray(b - 250, c),
    basis.subarray(0, 3000), // moved copy of the start
    basis.subarray(c),
  ]);
}

/** Feeds `data` to `f` in pieces of `chunk` bytes; 0: empty calls between one-byte pieces. */
function inChunks(data, chunk, f) {
  const out = [];
  if (chunk === 0) {
    for (let i = 0; i < data.length; i++) {
      out.push(f(data.subarray(i, i)));
      out.push(f(data.subarray(i, i + 1)));
    }
    out.push(f(data.subarray(0, 0)));
  } else {
    for (let i = 0; i < data.length; i += chunk) out.push(f(data.subarray(i, i + chunk)));
  }
  return out.filter((x) => x !== undefined);
}

const CHUNKS = [0, 1, 2, 3, 7, 100, 10000, Infinity];
const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const SEED_HEX = Buffer.from(SEED).toString("hex");

function sign(basis, opts = {}, chunk = Infinity) {
  const b = new SignatureBuilder({ seed: SEED, ...opts });
  inChunks(basis, chunk, (c) => b.update(c));
  return b.finish();
}

function encode(sig, data, opts = {}, chunk = Infinity) {
  const enc = new DeltaEncoder(sig, opts);
  const parts = inChunks(data, chunk, (c) => enc.update(c));
  parts.push(enc.finish());
  return { delta: concat(parts), stats: enc.stats() };
}

function patch(basis, delta, opts, chunk = Infinity) {
  const p = new Patcher(basis, opts);
  const out = concat(inChunks(delta, chunk, (c) => p.update(c)));
  return { out, report: p.finish() };
}

function sha256(data) {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

/** Calls `f` and checks that it throws an Error with this `code`. */
function throwsCode(f, code) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error, `not an Error: ${e}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    assert.ok(e.message.length > 0);
    return true;
  });
}

const r = rng(1);
const basis = text(r, 200_000);
const newFile = edited(r, basis);

// ---------------------------------------------------------------- round trips

test("round trip in both formats, verified by SHA-256", () => {
  const sig = Signature.decode(sign(basis, { lenHint: basis.length }).encode());
  assert.equal(sig.basisLen, basis.length);
  assert.equal(sig.blockLen, 700); // rsync's rule for files under 700*700 bytes
  assert.equal(sig.blockCount, Math.ceil(basis.length / 700));
  assert.deepEqual(sig.seed, SEED);
  assert.equal(sig.encode().length, sig.encodedLen);
  for (const format of ["wsync", "rdiff"]) {
    const { delta, stats } = encode(sig, newFile, { format });
    assert.equal(stats.newLen, newFile.length);
    assert.equal(stats.matchedBytes + stats.literalBytes, newFile.length);
    assert.equal(stats.deltaBytes, delta.length);
    assert.ok(stats.matchedBytes > newFile.length * 0.9, `matched ${stats.matchedBytes}`);
    assert.ok(delta.length < 10_000, `${format} delta is ${delta.length} bytes`);
    const { out, report } = patch(basis, delta);
    assert.deepEqual(out, newFile);
    assert.equal(report.format, format);
    assert.equal(report.newLen, newFile.length);
    assert.equal(report.copiedBytes + report.literalBytes, newFile.length);
    assert.deepEqual(report.sha256, format === "wsync" ? sha256(newFile) : null);
  }
});

test("onOutput receives the output in pieces of at most 256 KiB", () => {
  const big = concat(Array.from({ length: 8 }, () => basis)); // 1.6 MB
  const bigNew = edited(rng(4), big);
  const { delta } = encode(sign(big), bigNew);
  const pieces = [];
  const p = new Patcher(big, { onOutput: (c) => pieces.push(c.slice()) });
  for (let i = 0; i < delta.length; i += 1000) {
    assert.equal(p.update(delta.subarray(i, i + 1000)).length, 0);
  }
  assert.equal(p.written, bigNew.length);
  assert.equal(p.finish().newLen, bigNew.length);
  assert.equal(p.written, bigNew.length);
  assert.deepEqual(concat(pieces), bigNew);
  assert.ok(pieces.length > 6, `${pieces.length} pieces`);
  assert.ok(pieces.every((c) => c.length <= 256 << 10));

  const throwing = new Patcher(big, { onOutput: () => { throw new Error("disk full"); } });
  assert.throws(() => throwing.update(delta), (e) => e.code === "Write" && /disk full/.test(e.message));
  throwsCode(() => new Patcher(big, { onOutput: 5 }), "InvalidOption");
});

test("an encoder keeps its signature alive after the JS object is freed", () => {
  const sig = sign(basis);
  const expected = encode(sig, newFile).delta;
  const enc = new DeltaEncoder(sig);
  sig.free();
  const delta = concat([enc.update(newFile), enc.finish()]);
  assert.deepEqual(delta, expected);
});

test("empty basis and empty new file", () => {
  const empty = new Uint8Array(0);
  for (const [b, n] of [[empty, empty], [empty, basis], [basis, empty]]) {
    const { delta } = encode(sign(b, { lenHint: b.length }), n);
    assert.deepEqual(patch(b, delta).out, n);
  }
});

test("Sha256 matches node:crypto", () => {
  const h = new Sha256();
  inChunks(basis, 7777, (c) => h.update(c));
  const d = h.finish();
  assert.deepEqual(d, sha256(basis));
  assert.deepEqual(Sha256.digest(new Uint8Array(0)), sha256(new Uint8Array(0)));
  throwsCode(() => h.update(basis), "Finished");
});

test("a random seed by default, different each time", () => {
  const a = new SignatureBuilder().finish().seed;
  const b = new SignatureBuilder(undefined).finish().seed;
  assert.equal(a.length, 16);
  assert.notDeepEqual(a, b);
});

// ---------------------------------------------------------------- native parity

test("same signature and delta bytes as the native wsync binary", (t) => {
  assert.ok(existsSync(wsyncBin), `${wsyncBin} is missing: run cargo build --release`);
  const dir = mkdtempSync(join(tmpdir(), "wsync-js-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name, data) => {
    const p = join(dir, name);
    if (data) writeFileSync(p, data);
    return p;
  };
  const run = (...args) => execFileSync(wsyncBin, args, { stdio: ["ignore", "ignore", "pipe"] });

  const r2 = rng(2);
  const cases = [
    ["text", basis, newFile],
    ["random", randomBytes(r2, 300_000), null],
    ["big text", text(r2, 3 << 20), null], // block length from the sqrt rule
  ];
  for (const [name, b, n0] of cases) {
    const n = n0 ?? edited(r2, b);
    const [bp, np] = [file("basis", b), file("new", n)];
    for (const sigArgs of [[], ["--block-size", "1000", "--strong-len", "12"]]) {
      run("signature", "--seed", SEED_HEX, ...sigArgs, bp, file("sig"));
      const opts = { lenHint: b.length };
      if (sigArgs.length) Object.assign(opts, { blockLen: 1000, strongLen: 12 });
      const sig = sign(b, opts, 1 << 20);
      assert.deepEqual(sig.encode(), new Uint8Array(readFileSync(file("sig"))), `${name} signature ${sigArgs}`);

      for (const [args, opts] of [
        [[], {}],
        [["--format", "rdiff"], { format: "rdiff" }],
        [["--compress-level", "0"], { compressLevel: 0 }],
        [["--compress-level", "9"], { compressLevel: 9 }],
      ]) {
        run("delta", ...args, file("sig"), np, file("delta"));
        const { delta } = encode(sig, n, opts, 1 << 20);
        const native = new Uint8Array(readFileSync(file("delta")));
        assert.deepEqual(delta, native, `${name} delta ${args} (${delta.length} vs ${native.length} bytes)`);
      }
    }
    // The wasm delta patches natively, and the native one in wasm.
    const sig = sign(b, { lenHint: b.length });
    writeFileSync(file("delta"), encode(sig, n).delta);
    run("patch", bp, file("delta"), file("out"));
    assert.deepEqual(new Uint8Array(readFileSync(file("out"))), n, `${name}: native patch of the wasm delta`);
  }
});

test("rdiff-format deltas from wasm patch with librsync's rdiff", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wsync-js-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "basis"), basis);
  writeFileSync(join(dir, "delta"), encode(sign(basis), newFile, { format: "rdiff" }).delta);
  execFileSync("rdiff", ["patch", join(dir, "basis"), join(dir, "delta"), join(dir, "out")]);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, "out"))), newFile);
});

// ---------------------------------------------------------------- chunking

test("output does not depend on chunk sizes (0 1 2 3 7 100 10000 whole)", () => {
  const r3 = rng(3);
  const b = text(r3, 30_000);
  const n = edited(r3, b);
  const opts = { blockLen: 64, strongLen: 8 };
  const sigWhole = sign(b, opts).encode();
  const sig = Signature.decode(sigWhole);
  const deltaWhole = encode(sig, n).delta;
  const rdiffWhole = encode(sig, n, { format: "rdiff" }).delta;
  for (const chunk of CHUNKS) {
    assert.deepEqual(sign(b, opts, chunk).encode(), sigWhole, `signature, chunk ${chunk}`);
    const dec = new SignatureDecoder();
    inChunks(sigWhole, chunk, (c) => dec.update(c));
    assert.deepEqual(dec.finish().encode(), sigWhole, `signature decoder, chunk ${chunk}`);
    assert.deepEqual(encode(sig, n, {}, chunk).delta, deltaWhole, `delta, chunk ${chunk}`);
    assert.deepEqual(encode(sig, n, { format: "rdiff" }, chunk).delta, rdiffWhole, `rdiff delta, chunk ${chunk}`);
    assert.deepEqual(patch(b, deltaWhole, {}, chunk).out, n, `patch, chunk ${chunk}`);
    assert.deepEqual(patch(b, rdiffWhole, {}, chunk).out, n, `rdiff patch, chunk ${chunk}`);
  }
});

// ---------------------------------------------------------------- errors

test("bad signature bytes throw Errors with a code", () => {
  const good = sign(basis, { blockLen: 1000 }).encode();
  throwsCode(() => Signature.decode(new Uint8Array(0)), "Truncated");
  throwsCode(() => Signature.decode(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, ...good.subarray(8))), "BadMagic");
  throwsCode(() => Signature.decode(good.subarray(0, good.length - 1)), "Truncated");
  throwsCode(() => Signature.decode(concat([good, Uint8Array.of(0)])), "TrailingBytes");
  const version = good.slice();
  version[4] = 99;
  throwsCode(() => Signature.decode(version), "UnsupportedVersion");
  const huge = good.slice(0, 34);
  new DataView(huge.buffer).setBigUint64(26, 1n << 62n); // basis_len: blocks far over the limit
  throwsCode(() => Signature.decode(huge), "TooManyBlocks");
  const block0 = good.slice();
  new DataView(block0.buffer).setUint32(5, 0);
  throwsCode(() => Signature.decode(block0), "BlockLen");
  // The streaming decoder: its own limit, errors while streaming, then finished.
  const few = new SignatureDecoder({ maxBlocks: 10 });
  throwsCode(() => few.update(good), "TooManyBlocks");
  throwsCode(() => few.update(good), "Finished");
  const dec = new SignatureDecoder();
  dec.update(good.subarray(0, 100));
  throwsCode(() => dec.finish(), "Truncated");
});

test("bad deltas throw Errors with a code", () => {
  const sig = sign(basis);
  const delta = encode(sig, newFile).delta;
  const p = () => new Patcher(basis);
  // Header: "wsyD", version 1, basis length (u64 BE).
  const header = concat([new TextEncoder().encode("wsyD"), Uint8Array.of(1), new Uint8Array(8)]);
  new DataView(header.buffer).setBigUint64(5, BigInt(basis.length));

  throwsCode(() => p().update(Uint8Array.of(0x12, 0x34, 0x56, 0x78)), "BadMagic");
  // COPY at offset basis.length - 10 of 100 bytes (LEB128 varints).
  const leb = (v) => {
    const out = [];
    for (; v >= 0x80; v = Math.floor(v / 128)) out.push((v % 128) | 0x80);
    out.push(v);
    return out;
  };
  const copy = Uint8Array.of(0x01, ...leb(basis.length - 10), ...leb(100));
  throwsCode(() => p().update(concat([header, copy])), "CopyOutOfRange");
  throwsCode(() => p().update(concat([header, Uint8Array.of(0x7f)])), "UnknownOp");
  throwsCode(() => p().update(concat([header, Uint8Array.of(0x02, 0)])), "ZeroLength");
  throwsCode(() => new Patcher(basis.subarray(1)).update(delta), "BasisLength");
  throwsCode(() => new Patcher(basis, { maxOutput: 1000 }).update(delta), "OutputLimit");
  throwsCode(() => p().update(concat([delta, Uint8Array.of(0)])), "TrailingData");

  const truncated = p();
  truncated.update(delta.subarray(0, delta.length - 5));
  throwsCode(() => truncated.finish(), "Truncated");

  const flipped = delta.slice();
  flipped[flipped.length - 1] ^= 1; // last byte of the trailer's SHA-256
  throwsCode(() => p().update(flipped), "HashMismatch");

  // After an error the patcher stays finished.
  const failed = p();
  throwsCode(() => failed.update(Uint8Array.of(0, 0, 0, 0)), "BadMagic");
  throwsCode(() => failed.update(delta), "Finished");
  throwsCode(() => failed.finish(), "Finished");
});

test("bad options throw Errors with a code", () => {
  const sig = sign(basis);
  throwsCode(() => new SignatureBuilder({ blockLen: 0 }), "BlockLen");
  throwsCode(() => new SignatureBuilder({ blockLen: (1 << 20) + 1 }), "BlockLen");
  throwsCode(() => new SignatureBuilder({ strongLen: 33 }), "StrongLen");
  throwsCode(() => new SignatureBuilder({ strongLen: 1000 }), "StrongLen");
  throwsCode(() => new SignatureBuilder({ blockLen: 2 ** 32 }), "InvalidOption");
  throwsCode(() => new SignatureBuilder({ blockLen: "700" }), "InvalidOption");
  throwsCode(() => new SignatureBuilder({ blockLen: 1.5 }), "InvalidOption");
  throwsCode(() => new SignatureBuilder({ lenHint: -1 }), "InvalidOption");
  throwsCode(() => new SignatureBuilder({ seed: new Uint8Array(15) }), "InvalidOption");
  throwsCode(() => new SignatureBuilder({ seed: [1, 2, 3] }), "InvalidOption");
  throwsCode(() => new SignatureBuilder(42), "InvalidOption");
  throwsCode(() => new DeltaEncoder(sig, { compressLevel: 10 }), "CompressLevel");
  throwsCode(() => new DeltaEncoder(sig, { format: "zip" }), "InvalidOption");
  throwsCode(() => new Patcher(basis, { maxOutput: -5 }), "InvalidOption");
  // A bigint lenHint is accepted like a number: block length sqrt(1e8).
  assert.equal(new SignatureBuilder({ lenHint: 10n ** 8n }).finish().blockLen, 10_000);
  assert.equal(new SignatureBuilder({ lenHint: 1e8 }).finish().blockLen, 10_000);
});

test("methods after finish() throw Finished", () => {
  const b = new SignatureBuilder();
  b.finish();
  throwsCode(() => b.update(basis), "Finished");
  throwsCode(() => b.finish(), "Finished");
  const enc = new DeltaEncoder(sign(basis), {});
  enc.update(newFile);
  const tail = enc.finish();
  assert.ok(tail.length > 0);
  assert.equal(enc.stats().newLen, newFile.length);
  throwsCode(() => enc.update(newFile), "Finished");
  throwsCode(() => enc.finish(), "Finished");
});

test("strong sums are SHA-256(seed || block) at every block length (four lanes at a time)", () => {
  // The package's build hashes four blocks at once with SIMD; each block's
  // stored sum must be the plain digest, whatever the padding.
  const r = rng(9);
  const lens = [...Array.from({ length: 80 }, (_, i) => i + 1), 111, 112, 113, 127, 128, 1000, 4096];
  for (const blockLen of lens) {
    const data = randomBytes(r, blockLen * 9 + (blockLen > 1 ? 1 : 0));
    const sig = sign(data, { blockLen, strongLen: 32 }, 7);
    const bytes = sig.encode();
    const body = bytes.subarray(bytes.length - sig.blockCount * 36);
    for (let i = 0; i < sig.blockCount; i++) {
      const block = data.subarray(i * blockLen, Math.min((i + 1) * blockLen, data.length));
      const want = createHash("sha256").update(SEED).update(block).digest();
      const got = body.subarray(i * 36 + 4, i * 36 + 36);
      assert.deepEqual(Buffer.from(got), want, `block ${i} of length ${blockLen}`);
    }
  }
});

test("the host's SHA-256 (option sha256) gives the same delta, and its errors surface", () => {
  const sig = sign(basis);
  const plain = encode(sig, newFile);
  let calls = 0;
  const node = createHash("sha256");
  const counting = { update: (b) => { calls++; node.update(b); }, digest: () => node.digest() };
  const withHost = encode(sig, newFile, { sha256: counting });
  assert.deepEqual(withHost, plain);
  assert.ok(calls > 0, "the host hasher was used");
  // It gets the caller's own arrays (no copy out of wasm memory), and none
  // for the rdiff format, which has no whole-file check.
  const seen = [];
  const keeping = () => {
    const h = createHash("sha256");
    return { update: (b) => { seen.push(b); h.update(b); }, digest: () => h.digest() };
  };
  const enc = new DeltaEncoder(sig, { sha256: keeping() });
  const pieces = [newFile.subarray(0, 5000), newFile.subarray(5000)];
  for (const p of pieces) enc.update(p);
  enc.finish();
  assert.equal(seen.length, 2);
  assert.ok(seen[0] === pieces[0] && seen[1] === pieces[1], "the very arrays passed to update()");
  seen.length = 0;
  const rdiff = encode(sig, newFile, { format: "rdiff", sha256: keeping() });
  assert.deepEqual(rdiff, encode(sig, newFile, { format: "rdiff" }));
  assert.equal(seen.length, 0);

  assert.throws(() => new DeltaEncoder(sig, { sha256: {} }), (e) => e.code === "InvalidOption");
  const throwing = new DeltaEncoder(sig, { sha256: { update() { throw new Error("disk on fire"); }, digest: () => new Uint8Array(32) } });
  assert.throws(() => throwing.update(newFile), /disk on fire/);
  assert.throws(() => throwing.update(newFile), (e) => e.code === "Finished");
  const short = new DeltaEncoder(sig, { sha256: { update() {}, digest: () => new Uint8Array(3) } });
  short.update(newFile);
  assert.throws(() => short.finish(), (e) => e.code === "InvalidOption");
});

test("DeltaEncoder.update takes Uint8Arrays only, views of wasm memory included", () => {
  const sig = sign(basis);
  const plain = encode(sig, newFile);
  const enc = new DeltaEncoder(sig);
  for (const bad of [[1, 2, 3], "abc", new Uint16Array(4), undefined, null, 7]) {
    throwsCode(() => enc.update(bad), "InvalidOption");
  }
  // After those refusals the encoder still works.
  const parts = [enc.update(newFile), enc.finish()];
  assert.deepEqual(concat(parts), plain.delta);

  // Bytes inside wasm memory, in pages grown here (which the allocator
  // never hands out), more than the memory held before: the encoder buffers
  // the whole call, so it grows the memory again, which detaches such
  // views; the binding copies them out first.
  for (const sha256 of [undefined, createHash("sha256")]) {
    const n = exports.memory.buffer.byteLength + 65536;
    const big = concat(Array.from({ length: Math.ceil(n / newFile.length) }, () => newFile));
    const e = new DeltaEncoder(sig, { sha256 });
    const base = exports.memory.grow(Math.ceil(big.length / 65536)) * 65536;
    const view = new Uint8Array(exports.memory.buffer, base, big.length);
    view.set(big);
    const out = [e.update(view), e.finish()];
    assert.equal(view.length, 0, "the memory grew during update()");
    assert.deepEqual(concat(out), encode(sig, big).delta);
  }
});

test("DeltaEncoder onOutput gets every delta byte as views, valid during the call", () => {
  const sig = sign(basis);
  for (const chunk of CHUNKS) {
    const pieces = [];
    let views = 0;
    const enc = new DeltaEncoder(sig, {
      onOutput: (b) => {
        assert.ok(b.length > 0, "never called with nothing");
        if (b.buffer === exports.memory.buffer) views++;
        pieces.push(b.slice());
      },
    });
    inChunks(newFile, chunk, (c) => assert.equal(enc.update(c).length, 0));
    assert.equal(enc.finish().length, 0);
    assert.deepEqual(concat(pieces), encode(sig, newFile, {}, chunk).delta, `chunks of ${chunk}`);
    assert.equal(views, pieces.length, "views of wasm memory, not copies");
    assert.equal(enc.stats().deltaBytes, concat(pieces).length);
  }
  // A view kept past the call is not the encoder's to keep: the next call
  // reuses the buffer (or moves it); writing into one does no harm.
  const copies = [];
  const enc = new DeltaEncoder(sig, { onOutput: (b) => { copies.push(b.slice()); b.fill(0); } });
  inChunks(newFile, 10000, (c) => enc.update(c));
  enc.finish();
  assert.deepEqual(concat(copies), encode(sig, newFile).delta);

  const throwing = new DeltaEncoder(sig, { onOutput: () => { throw new Error("disk full"); } });
  assert.throws(() => { throwing.update(newFile); throwing.finish(); }, /disk full/);
  throwsCode(() => throwing.update(newFile), "Finished");
  throwsCode(() => new DeltaEncoder(sig, { onOutput: "no" }), "InvalidOption");
});

test("the session refuses a download's result it cannot vouch for (pullFinish)", () => {
  // The checks against the server's SHA-256 are the protocol's unit tests
  // (src/protocol/tests.rs); here the binding's error: a download that
  // never ended has no SHA-256 to match.
  const s = new wasm.ClientSession({});
  for (const sha of [sha256(newFile), new Uint8Array(0)]) {
    assert.throws(() => s.pullFinish(1, sha), (e) => {
      assert.equal(e.code, "HashMismatch");
      assert.equal(e.message, "the result's SHA-256 differs from the server's");
      return true;
    });
  }
  s.free();
});
