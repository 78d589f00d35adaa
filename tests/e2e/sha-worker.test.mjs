// The whole-file SHA-256 on a Web Worker (pkg/sha-browser.js), in Chromium:
// the same delta bytes as with SHA-256 in wasm on the page's thread, the
// worker started only for inputs over 4 MiB and reused, and uploads and
// deltaStream using it by themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDemo } from "./harness.mjs";

test("SHA-256 on a worker: same deltas, started for large inputs only, reused", async (t) => {
  const { page, check } = await openDemo(t);
  const r = await page.evaluate(async () => {
    const w = await import("/pkg/index.js");
    await w.ready();
    const { hashWorkers } = await import("/pkg/sha-browser.js");
    // Deterministic data: a 6 MiB basis, the new file with an insertion
    // and an overwrite, 9 MiB long.
    let x = 12345;
    const basis = Uint8Array.from({ length: 6 << 20 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
    const newFile = new Uint8Array(9 << 20);
    newFile.set(basis.subarray(0, 1 << 20));
    newFile.fill(7, 1 << 20, 4 << 20);
    newFile.set(basis.subarray(1 << 20), 4 << 20);
    newFile.fill(9, 5 << 20, (5 << 20) + 1000);
    const seed = new Uint8Array(16).fill(3);
    const b = new w.SignatureBuilder({ seed });
    b.update(basis);
    const sig = b.finish();
    const chunks = (data, n) => Array.from({ length: Math.ceil(data.length / n) }, (_, i) => data.subarray(i * n, (i + 1) * n));
    const hex = (a) => Array.from(a, (v) => v.toString(16).padStart(2, "0")).join("");
    const join = (parts) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) out.set(p, (at += p.length) - p.length);
      return out;
    };
    const encode = async (data, hasher, n) => {
      const parts = [];
      const enc = new w.DeltaEncoder(sig, { sha256: hasher, onOutput: (o) => parts.push(o.slice()) });
      for (const c of chunks(data, n)) {
        enc.update(c);
        await hasher?.room();
      }
      await hasher?.settle();
      enc.finish();
      enc.free();
      return hex(join(parts));
    };
    const before = hashWorkers().started;
    const plain = await encode(newFile, undefined, 1 << 20);
    const out = { before, plain };
    out.worker = await encode(newFile, new w.WorkerSha256(), 1 << 20);
    out.afterFirst = hashWorkers();
    // Again, in other chunk sizes and a small bound on the bytes in flight.
    const h = new w.WorkerSha256();
    const parts = [];
    const enc = new w.DeltaEncoder(sig, { sha256: h, onOutput: (o) => parts.push(o.slice()) });
    for (const c of chunks(newFile, 100_000)) {
      enc.update(c);
      await h.room(300_000);
    }
    try {
      h.digest();
      out.early = "no error";
    } catch (e) {
      out.early = e.code;
    }
    await h.settle();
    enc.finish();
    out.again = hex(join(parts));
    out.afterSecond = hashWorkers();
    // A small input hashes here: no worker.
    const small = new w.WorkerSha256();
    small.update(basis.subarray(0, 1 << 20));
    await small.settle();
    out.small = hex(small.digest());
    out.smallWant = hex(w.Sha256.digest(basis.subarray(0, 1 << 20)));
    out.afterSmall = hashWorkers().started;
    // A hasher closed before settling: its worker is kept, settle() refuses.
    const closed = new w.WorkerSha256();
    closed.update(newFile);
    await closed.room(0);
    closed.close();
    out.closed = await closed.settle().then(() => "settled", (e) => e.code);
    // deltaStream uses one by itself.
    const stream = new Blob([newFile]).stream().pipeThrough(w.deltaStream(sig));
    out.stream = hex(new Uint8Array(await new Response(stream).arrayBuffer()));
    out.end = hashWorkers();
    return out;
  });
  assert.equal(r.worker, r.plain, "the same delta with SHA-256 on the worker");
  assert.equal(r.again, r.plain, "in 100 KB chunks with a 300 KB bound");
  assert.equal(r.stream, r.plain, "deltaStream");
  assert.equal(r.afterFirst.started, r.before + 1, "one worker started for a 9 MiB input");
  assert.equal(r.afterSecond.started, r.afterFirst.started, "and reused");
  assert.equal(r.afterSecond.idle, 1);
  assert.equal(r.early, "InvalidOption", "digest() before settle() resolves");
  assert.equal(r.small, r.smallWant);
  assert.equal(r.afterSmall, r.afterSecond.started, "no worker for 1 MiB");
  assert.equal(r.closed, "Closed");
  assert.equal(r.end.broken, false);
  check();
});

test("an upload through a session hashes on a worker and arrives intact", async (t) => {
  const { page, data, server, check } = await openDemo(t);
  const r = await page.evaluate(async (port) => {
    const w = await import("/pkg/index.js");
    await w.ready();
    const { hashWorkers } = await import("/pkg/sha-browser.js");
    const before = hashWorkers().started + hashWorkers().idle;
    let x = 99;
    const bytes = Uint8Array.from({ length: 12 << 20 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
    const s = await w.connect(`ws://127.0.0.1:${port}/ws`);
    const first = await s.upload(new Blob([bytes]), "data/big.bin");
    bytes.fill(1, 5 << 20, 6 << 20);
    const second = await s.upload(new Blob([bytes]), "data/big.bin");
    s.close();
    const after = hashWorkers();
    return { before, after: after.started + after.idle, broken: after.broken, first, second };
  }, server.port);
  assert.ok(r.after > r.before, "a hash worker was used");
  assert.equal(r.broken, false);
  const file = readFileSync(join(data, "big.bin"));
  assert.equal(file.length, 12 << 20);
  assert.equal(r.second.sha256, createHash("sha256").update(file).digest("hex"));
  assert.ok(r.second.matchedBytes >= 10 << 20, `matched ${r.second.matchedBytes}`);
  check();
});

test("where the worker cannot start, the hash is computed on the page, and right", async (t) => {
  for (const how of ["script missing", "core that does not instantiate"]) {
    const { page, errors } = await openDemo(t);
    if (how === "script missing") {
      await page.route("**/pkg/sha-worker.js", (route) => route.fulfill({ status: 404, body: "gone" }));
    }
    const r = await page.evaluate(async (how) => {
      const w = await import("/pkg/index.js");
      await w.ready();
      const sb = await import("/pkg/sha-browser.js");
      // An empty module: valid wasm, without the core's exports.
      if (how !== "script missing") sb.setCoreModule(new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0)));
      const data = new Uint8Array(9 << 20).map((_, i) => (i * 7) & 255);
      const results = [];
      for (let round = 0; round < 2; round++) {
        const h = new w.WorkerSha256();
        for (let at = 0; at < data.length; at += 1 << 20) {
          h.update(data.subarray(at, at + (1 << 20)));
          await h.room();
        }
        await h.settle();
        results.push(Array.from(h.digest(), (v) => v.toString(16).padStart(2, "0")).join(""));
      }
      const want = Array.from(w.Sha256.digest(data), (v) => v.toString(16).padStart(2, "0")).join("");
      return { results, want, workers: sb.hashWorkers() };
    }, how);
    assert.deepEqual(r.results, [r.want, r.want], how);
    assert.equal(r.workers.broken, true, `${how}: marked, so later hashers do not try`);
    assert.equal(r.workers.started, 1, `${how}: tried once`);
    // The failed worker's load error is expected here; nothing else.
    assert.deepEqual(errors.filter((e) => !/sha-worker\.js|404/.test(e)), [], how);
  }
});

test("inside a Web Worker (where WorkerClient uploads), the hash worker starts there too", async (t) => {
  const { page, check } = await openDemo(t);
  const r = await page.evaluate(async () => {
    const src = `
      const w = await import("${location.origin}/pkg/index.js");
      await w.ready();
      const { hashWorkers } = await import("${location.origin}/pkg/sha-browser.js");
      const data = new Uint8Array(9 << 20).map((_, i) => (i * 13) & 255);
      const h = new w.WorkerSha256();
      h.update(data);
      await h.settle();
      const hex = (a) => Array.from(a, (v) => v.toString(16).padStart(2, "0")).join("");
      postMessage({ got: hex(h.digest()), want: hex(w.Sha256.digest(data)), workers: hashWorkers() });
    `;
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    return new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
    });
  });
  assert.equal(r.got, r.want);
  assert.deepEqual(r.workers, { started: 1, idle: 1, broken: false });
  check();
});

test("a hasher dropped unfinished frees its worker for the next one", async (t) => {
  const { page, check } = await openDemo(t, { browserArgs: ["--js-flags=--expose-gc"] });
  const r = await page.evaluate(async () => {
    const w = await import("/pkg/index.js");
    await w.ready();
    const { hashWorkers } = await import("/pkg/sha-browser.js");
    const data = new Uint8Array(9 << 20).map((_, i) => (i * 5) & 255);
    await (async () => {
      const h = new w.WorkerSha256();
      h.update(data);
      await h.room(0); // the worker has it all; the hasher is then dropped
    })();
    for (let i = 0; i < 50 && hashWorkers().idle === 0; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    const freed = hashWorkers();
    // The next hasher takes that worker, which starts it afresh.
    const h = new w.WorkerSha256();
    h.update(data);
    await h.settle();
    const hex = (a) => Array.from(a, (v) => v.toString(16).padStart(2, "0")).join("");
    return { freed, after: hashWorkers(), got: hex(h.digest()), want: hex(w.Sha256.digest(data)) };
  });
  assert.deepEqual(r.freed, { started: 1, idle: 1, broken: false }, "the dropped hasher's worker is idle");
  assert.deepEqual(r.after, { started: 1, idle: 1, broken: false }, "and was reused");
  assert.equal(r.got, r.want);
  check();
});
