// The Node entry's SHA-256 on a second thread: the same digests as
// node:crypto at the ring's edges and in any chunking, workers reused,
// several hashers at once, and a dropped hasher's worker set free.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { idleWorkers, ThreadedSha256 } from "../../pkg/sha-thread.js";
import { deltaStream, Signature, SignatureBuilder } from "../../pkg/node.js";

const RING = 4 << 20;

function bytes(n, seed) {
  const b = new Uint8Array(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const plain = (b) => new Uint8Array(createHash("sha256").update(b).digest());

function threaded(b, chunk) {
  const h = new ThreadedSha256();
  for (let at = 0; at < b.length || (at === 0 && chunk === 0); at += chunk || b.length) {
    // The caller reuses its buffer (a Node Buffer, whose slice() is a
    // view): the hasher must have taken its bytes.
    const piece = Buffer.from(b.subarray(at, at + (chunk || b.length)));
    h.update(piece);
    piece.fill(0xee);
    if (b.length === 0) break;
  }
  return h.digest();
}

test("digests equal node:crypto's around the ring's size, in chunks of any size", () => {
  for (const n of [0, 1, 1000, RING - 1, RING, RING + 1, 3 * RING + 7]) {
    const b = bytes(n, n);
    const want = plain(b);
    for (const chunk of [0, 7, 100_003, 1 << 20, (1 << 20) + 1]) {
      if (chunk !== 0 && chunk < 1000 && n > 10_000) continue; // slow, and the same path as 100_003
      assert.deepEqual(threaded(b, chunk), want, `${n} bytes in chunks of ${chunk}`);
    }
  }
});

test("hashers in turn and at once share workers and keep their own bytes", () => {
  const a = bytes(2 * RING + 5, 1);
  const b = bytes(3 * RING + 9, 2);
  const ha = new ThreadedSha256();
  const hb = new ThreadedSha256();
  for (let at = 0; at < b.length; at += 1 << 20) {
    if (at < a.length) ha.update(a.subarray(at, at + (1 << 20)));
    hb.update(b.subarray(at, at + (1 << 20)));
  }
  assert.deepEqual(ha.digest(), plain(a));
  assert.deepEqual(hb.digest(), plain(b));
  // Again, now with idle workers to reuse.
  for (let i = 0; i < 3; i++) assert.deepEqual(threaded(a, 1 << 19), plain(a));
});

test("many hashers at once leave at most four idle workers", () => {
  const a = bytes(RING + 1, 7);
  const hs = Array.from({ length: 6 }, () => new ThreadedSha256());
  for (const h of hs) h.update(a);
  for (const h of hs) assert.deepEqual(h.digest(), plain(a));
  assert.equal(idleWorkers(), 4);
});

test("a hasher dropped unfinished lets its worker go", async () => {
  const a = bytes(RING + 1, 3);
  assert.deepEqual(threaded(a, 1 << 20), plain(a));
  const before = idleWorkers();
  assert.ok(before >= 1);
  (() => {
    const h = new ThreadedSha256();
    h.update(a);
  })();
  assert.equal(idleWorkers(), before - 1, "the hasher took a worker");
  // scripts/test.sh runs node with --expose-gc.
  assert.ok(globalThis.gc, "run with --expose-gc");
  for (let i = 0; i < 20 && idleWorkers() < before; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(idleWorkers(), before, "the dropped hasher's worker is idle again");
  assert.deepEqual(threaded(a, 1 << 20), plain(a));
});

test("a delta through the Node entry's hasher patches to the new file", async () => {
  const v1 = bytes(9 << 20, 4);
  const v2 = v1.slice();
  v2.set(bytes(5000, 5), 3 << 20);
  const sb = new SignatureBuilder({ blockLen: 4096 });
  sb.update(v1);
  const sig = sb.finish().encode();
  const parts = [];
  const ds = deltaStream(Signature.decode(sig));
  const w = ds.writable.getWriter();
  const r = ds.readable.getReader();
  const reading = (async () => {
    for (;;) {
      const { done, value } = await r.read();
      if (done) return;
      parts.push(value);
    }
  })();
  for (let at = 0; at < v2.length; at += 1 << 20) await w.write(v2.slice(at, at + (1 << 20)));
  await w.close();
  await reading;
  const delta = Buffer.concat(parts);
  // The delta ends with the new file's SHA-256 (docs/FORMAT.md).
  assert.deepEqual(new Uint8Array(delta.subarray(delta.length - 32)), plain(v2));
  assert.ok(ds.stats().matchedBytes > v2.length - 16_384);
});
