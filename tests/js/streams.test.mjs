// The Web Streams factories: the same bytes as the classes, any chunking,
// errors that reject the stream, and a 5 GiB stream in bounded memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deltaStream, patchStream, Signature, SignatureBuilder, signatureStream, WsyncError } from "../../pkg/node.js";
import { initSync } from "../../pkg/wasm/wsync.js";
import { data, edit, root } from "./server.mjs";

/** `bytes` as a stream, cut into chunks of `size`. */
function streamOf(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      const n = size === 0 ? bytes.length : size;
      c.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

async function collect(readable) {
  const parts = [];
  for await (const p of readable) parts.push(p);
  return Buffer.concat(parts);
}

test("signature, delta and patch streams round trip at every chunk size", async () => {
  const v1 = data(1, 60_000);
  const v2 = edit(v1, 7);
  const seed = new Uint8Array(16).fill(9);
  const b = new SignatureBuilder({ seed, blockLen: 500 });
  b.update(v1);
  const expected = b.finish().encode();
  for (const size of [1, 2, 3, 7, 100, 10000, 0]) {
    const sig = await collect(streamOf(v1, size).pipeThrough(signatureStream({ seed, blockLen: 500 })));
    assert.deepEqual(sig, Buffer.from(expected), `signature in chunks of ${size}`);
    const ds = deltaStream(new Uint8Array(sig));
    const delta = await collect(streamOf(v2, size).pipeThrough(ds));
    assert.ok(ds.stats().matchedBytes > v2.length * 0.9);
    const ps = patchStream(v1);
    const out = await collect(streamOf(new Uint8Array(delta), size).pipeThrough(ps));
    assert.deepEqual(out, Buffer.from(v2));
    assert.equal((await ps.report).newLen, v2.length);
  }
});

test("bad bytes and options are WsyncErrors with a code", async () => {
  // Known at once: the factory throws.
  assert.throws(() => deltaStream(new Uint8Array(50)), (e) => e instanceof WsyncError && e.code === "BadMagic");
  assert.throws(() => signatureStream({ blockLen: 0 }), (e) => e.code === "BlockLen");
  assert.throws(() => deltaStream(Signature.decode(sigOf(new Uint8Array(10))), { format: "zip" }), (e) => e.code === "InvalidOption");
  // Found in the bytes: the stream errors, and so does `report`.
  const ps = patchStream(new Uint8Array(10));
  await assert.rejects(collect(streamOf(new Uint8Array([1, 2, 3, 4, 5]), 2).pipeThrough(ps)), (e) => e.code === "BadMagic");
  await assert.rejects(ps.report, (e) => e.code === "BadMagic");
  const ds = deltaStream(sigOf(new Uint8Array(10)));
  await assert.rejects(collect(streamOf(new Uint8Array(3), 0).pipeThrough(ds).pipeThrough(patchStream(new Uint8Array(11)))), (e) => e.code === "BasisLength");
  await assert.rejects(collect(streamOf(new Uint8Array(3), 0).pipeThrough(deltaStream(sigOf(new Uint8Array(10))))
    .pipeThrough(new TransformStream({ transform: (c, ctl) => ctl.enqueue("text") }))
    .pipeThrough(patchStream(new Uint8Array(10)))), (e) => e.code === "InvalidOption");
});

function sigOf(bytes) {
  const b = new SignatureBuilder({ seed: new Uint8Array(16) });
  b.update(bytes);
  return b.finish().encode();
}

test("5 GiB through deltaStream keeps wasm memory under 64 MiB", { timeout: 600_000 }, async () => {
  const wasm = initSync({ module: readFileSync(join(root, "pkg/wasm/wsync_bg.wasm")) });
  const basis = data(2, 8 << 20);
  const b = new SignatureBuilder({ lenHint: basis.length });
  b.update(basis);
  const sig = Signature.decode(b.finish().encode());
  const total = 5 * 2 ** 30;
  const chunk = edit(basis, 3).subarray(0, 4 << 20);
  let produced = 0;
  const source = new ReadableStream({
    pull(c) {
      if (produced >= total) return c.close();
      c.enqueue(chunk);
      produced += chunk.length;
    },
  }, { highWaterMark: 2 });
  const ds = deltaStream(sig);
  let deltaBytes = 0;
  let peak = 0;
  await source.pipeThrough(ds).pipeTo(new WritableStream({
    write(part) {
      deltaBytes += part.length;
      peak = Math.max(peak, wasm.memory.buffer.byteLength);
    },
  }));
  peak = Math.max(peak, wasm.memory.buffer.byteLength);
  const s = ds.stats();
  assert.equal(s.newLen, total);
  assert.equal(s.matchedBytes + s.literalBytes, total);
  assert.ok(peak < 64 << 20, `wasm memory peaked at ${peak} bytes`);
  assert.ok(deltaBytes > 0);
});
