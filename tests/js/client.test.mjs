// The high-level client (pkg/client.js) against a real `wsync serve`:
// uploads, resume, cancel, basis changes, the pull direction, folders,
// authentication and typed errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, WsyncError } from "../../pkg/node.js";
import { cuttingProxy, data, edit, startServer } from "./server.mjs";

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

const sha = (b) => createHash("sha256").update(b).digest("hex");
const serverFile = (p) => readFileSync(join(srv.dir, p));
const noTemps = (dir) => readdirSync(dir).filter((n) => n.includes(".wsync"));

test("upload sends the whole file once, then only the changes", async () => {
  const s = await connect(srv.url);
  const v1 = data(1, 8 << 20);
  const r1 = await s.upload(v1, "data/big.txt");
  assert.deepEqual(serverFile("big.txt"), Buffer.from(v1));
  assert.equal(r1.sha256, sha(v1));
  assert.equal(r1.literalBytes, v1.length);
  assert.ok(r1.bytesSent < v1.length, "literals are compressed");

  const v2 = edit(v1, 10);
  const seen = [];
  const r2 = await s.upload(new Blob([v2]), "data/big.txt", { onProgress: (p) => seen.push(p) });
  assert.deepEqual(serverFile("big.txt"), Buffer.from(v2));
  assert.ok(r2.bytesSent < v2.length / 50, `sent ${r2.bytesSent} of ${v2.length}`);
  assert.ok(r2.matchedBytes > v2.length * 0.95);
  assert.equal(r2.retried, false);
  assert.equal(seen.at(-1).read, v2.length);
  assert.ok(seen.every((p, i) => p.total === v2.length && (i === 0 || p.read >= seen[i - 1].read)));
  s.close();
});

test("upload keeps the source's mtime, from a File, a path or an option", async () => {
  const s = await connect(srv.url);
  const when = Date.UTC(2020, 1, 3, 4, 5, 6, 789);
  await s.upload(new File([data(2, 1000)], "f.txt", { lastModified: when }), "data/f.txt");
  assert.equal(statSync(join(srv.dir, "f.txt")).mtimeMs, when);
  await s.upload(data(3, 10), "data/g.txt", { mtime: new Date(when + 1000) });
  assert.equal(statSync(join(srv.dir, "g.txt")).mtimeMs, when + 1000);

  // A path in Node: nanoseconds survive.
  const local = join(srv.dir, "..", `local-${process.pid}`);
  writeFileSync(local, data(4, 5000));
  const ns = statSync(local, { bigint: true }).mtimeNs;
  await s.upload(local, "data/h.txt");
  assert.equal(statSync(join(srv.dir, "h.txt"), { bigint: true }).mtimeNs, ns);
  const [e] = (await s.list("data")).filter((x) => x.path === "h.txt");
  assert.equal(BigInt(e.mtime) * 1_000_000_000n + BigInt(e.mtimeNsec), ns);
  s.close();
});

test("a ReadableStream uploads with its size; without one it is refused", async () => {
  const s = await connect(srv.url);
  const v = data(5, 3 << 20);
  const stream = () => new Blob([v]).stream();
  const r = await s.upload(stream(), "data/stream.txt", { size: v.length });
  assert.equal(r.sha256, sha(v));
  await assert.rejects(s.upload(stream(), "data/stream2.txt"), (e) => e instanceof WsyncError && e.code === "InvalidOption");
  await assert.rejects(s.upload(stream(), "data/stream3.txt", { size: v.length + 1 }), (e) => e.code === "Io");
  assert.throws(() => statSync(join(srv.dir, "stream3.txt")));
  s.close();
});

test("cancelling mid-upload leaves the server's file as it was", async () => {
  const s = await connect(srv.url);
  const v1 = data(6, 1 << 20);
  await s.upload(v1, "data/cancel.txt");
  const ac = new AbortController();
  const big = data(7, 32 << 20);
  const p = s.upload(big, "data/cancel.txt", {
    signal: ac.signal,
    onProgress: (x) => x.read >= 4 << 20 && ac.abort(),
  });
  await assert.rejects(p, (e) => e.code === "Aborted");
  assert.deepEqual(serverFile("cancel.txt"), Buffer.from(v1));
  // The session still works, and the path is free again.
  const r = await s.upload(big, "data/cancel.txt");
  assert.equal(r.sha256, sha(big));
  assert.deepEqual(noTemps(srv.dir), []);
  s.close();
});

test("a dropped connection resumes the upload", async () => {
  const v1 = data(8, 4 << 20);
  const s0 = await connect(srv.url);
  await s0.upload(v1, "data/resume.txt");
  s0.close();
  const v2 = data(9, 24 << 20); // mostly new: many delta bytes to cut through
  const proxy = await cuttingProxy(srv.port, 1 << 20);
  try {
    const s = await connect(proxy.url);
    const r = await s.upload(v2, "data/resume.txt");
    assert.equal(r.resumed, true);
    assert.deepEqual(serverFile("resume.txt"), Buffer.from(v2));
    s.close();
  } finally {
    proxy.close();
  }
});

test("a file changed on the server meanwhile is uploaded again", async () => {
  const s = await connect(srv.url);
  const v1 = data(10, 6 << 20);
  await s.upload(v1, "data/changing.txt");
  const v2 = edit(v1, 3);
  let changed = false;
  const r = await s.upload(v2, "data/changing.txt", {
    onProgress: () => {
      if (!changed) {
        changed = true;
        writeFileSync(join(srv.dir, "changing.txt"), "someone else's write");
      }
    },
  });
  assert.equal(r.retried, true);
  assert.deepEqual(serverFile("changing.txt"), Buffer.from(v2));
  s.close();
});

test("patchCached fetches only a delta and verifies the result", async () => {
  const s = await connect(srv.url);
  const v1 = data(11, 4 << 20);
  await s.upload(v1, "data/asset.js");
  const v2 = edit(v1, 5);
  writeFileSync(join(srv.dir, "asset.js"), v2);
  const got = await s.patchCached(v1, "data/asset.js");
  assert.deepEqual(Buffer.from(got), Buffer.from(v2));
  assert.ok(s.lastPull.bytesReceived < v2.length / 50, `${s.lastPull.bytesReceived} bytes received`);
  // Nothing cached: the whole file, still verified.
  assert.deepEqual(Buffer.from(await s.patchCached(new Uint8Array(0), "data/asset.js")), Buffer.from(v2));
  await assert.rejects(s.patchCached(v1, "data/missing.js"), (e) => e.code === "NotFound");
  s.close();
});

test("syncFiles sends changed files, honours filters and deletes", async () => {
  const s = await connect(srv.url);
  const src = join(srv.dir, "..", `tree-${process.pid}`);
  mkdirSync(join(src, "sub", "deep"), { recursive: true });
  writeFileSync(join(src, "a.txt"), data(12, 100_000));
  writeFileSync(join(src, "skip.tmp"), "temporary");
  writeFileSync(join(src, "sub", "b.txt"), data(13, 5000));
  writeFileSync(join(src, "sub", "deep", "c.bin"), data(14, 70_000));
  const r1 = await s.syncFiles(src, "data/site", { filters: "- *.tmp\n# a comment\n" });
  assert.deepEqual(r1.files.map((f) => [f.path, f.action]), [
    ["a.txt", "uploaded"], ["sub/b.txt", "uploaded"], ["sub/deep/c.bin", "uploaded"],
  ]);
  assert.deepEqual(r1.excluded, ["skip.tmp"]);
  assert.deepEqual(readFileSync(join(srv.dir, "site/sub/deep/c.bin")), readFileSync(join(src, "sub/deep/c.bin")));

  // Unchanged files are skipped by the quick check; a changed one is sent.
  writeFileSync(join(src, "sub", "b.txt"), data(15, 5000));
  // On the server: an extra file (deleted) and an excluded one (spared).
  writeFileSync(join(srv.dir, "site", "extra.txt"), "x");
  writeFileSync(join(srv.dir, "site", "keep.tmp"), "x");
  const files = [];
  const r2 = await s.syncFiles(src, "data/site", { filters: ["- *.tmp"], delete: true, onFile: (f) => files.push(f.path) });
  assert.deepEqual(r2.files.map((f) => [f.path, f.action]), [
    ["a.txt", "skipped"], ["sub/b.txt", "uploaded"], ["sub/deep/c.bin", "skipped"], ["extra.txt", "deleted"],
  ]);
  assert.deepEqual(files, ["a.txt", "sub/b.txt", "sub/deep/c.bin", "extra.txt"]);
  assert.deepEqual(readdirSync(join(srv.dir, "site")).sort(), ["a.txt", "keep.tmp", "sub"]);
  await assert.rejects(s.syncFiles(src, "data/site", { filters: "bogus rule" }), (e) => e.code === "FilterRule");
  s.close();
});

test("authentication: tokens are checked", async () => {
  const guarded = await startServer(["--token", "sesame"]);
  try {
    await assert.rejects(connect(guarded.url, { auth: { token: "wrong" } }), (e) => e.code === "AuthFailed");
    await assert.rejects(connect(guarded.url), (e) => e.code === "AuthFailed");
    const s = await connect(guarded.url, { auth: { token: "sesame" } });
    await s.upload(data(16, 10), "data/ok.txt");
    s.close();
  } finally {
    await guarded.stop();
  }
});

test("bad arguments and unreachable servers give typed errors", async () => {
  await assert.rejects(connect("ws://127.0.0.1:1/ws"), (e) => e instanceof WsyncError && e.code === "Connect");
  const s = await connect(srv.url);
  await assert.rejects(s.upload(data(1, 10), "data"), (e) => e.code === "InvalidOption");
  await assert.rejects(s.upload(data(1, 10), ""), (e) => e.code === "InvalidOption");
  await assert.rejects(s.upload({}, "data/x"), (e) => e.code === "InvalidOption");
  await assert.rejects(s.upload(data(1, 10), "data/../escape"), (e) => e.code === "BadPath");
  await assert.rejects(s.upload(data(1, 10), "nomodule/x"), (e) => e.code === "NoModule");
  await assert.rejects(s.list("data/nowhere"), (e) => e.code === "NotFound");
  await assert.rejects(s.patchCached("text", "data/x"), (e) => e.code === "InvalidOption");
  await assert.rejects(connect(srv.url, { compressLevel: 12 }), (e) => e.code === "InvalidOption");
  s.close();
});
