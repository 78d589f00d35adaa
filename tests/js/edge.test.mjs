// The edge example (www/edge/worker.js), run as an edge runtime would run it:
// its fetch(request, env) with the wasm bound as a WebAssembly.Module, against
// a real `wsync serve`. A server-side change costs a delta, not the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import WebSocket from "ws";
import { root, startServer } from "./server.mjs";

const sha = (b) => createHash("sha256").update(b).digest("hex");

test("the edge module fetches an asset whole, then only deltas as it changes", async (t) => {
  const server = await startServer();
  const dir = server.dir;
  t.after(() => server.stop());
  const { default: edge } = await import(join(root, "www", "edge", "worker.js"));
  const env = {
    WSYNC_WASM: new WebAssembly.Module(readFileSync(join(root, "pkg", "wasm", "wsync_bg.wasm"))),
    WSYNC_ENDPOINT: server.url,
    WebSocket,
  };
  const get = async (path) => {
    const res = await edge.fetch(new Request(`https://edge.example/${path}`), env);
    const body = Buffer.from(await res.arrayBuffer());
    const h = (n) => res.headers.get(`x-wsync-${n}`);
    return { res, body, state: h("state"), received: Number(h("bytes-received")), sha256: h("sha256") };
  };

  // 4 MB of incompressible data: what crosses the wire is easy to tell apart.
  const v1 = randomBytes(4 << 20);
  writeFileSync(join(dir, "app.bin"), v1);
  const first = await get("app.bin");
  assert.equal(first.res.status, 200);
  assert.equal(first.state, "fetched");
  assert.ok(first.body.equals(v1), "the first response is the server's file");
  assert.equal(first.sha256, sha(v1));
  assert.ok(first.received >= v1.length, `a first fetch carries the whole file: ${first.received}`);
  assert.equal(first.res.headers.get("content-type"), "application/octet-stream");

  // The server's copy changes in three places.
  const v2 = Buffer.from(v1);
  for (const at of [1000, 2_000_000, 4_000_000]) v2.write("changed on the server", at);
  writeFileSync(join(dir, "app.bin"), v2);
  const second = await get("app.bin");
  assert.equal(second.res.status, 200);
  assert.equal(second.state, "patched");
  assert.ok(second.body.equals(v2), "the second response is the new file");
  assert.equal(second.sha256, sha(v2));
  assert.ok(
    second.received < v2.length / 50,
    `a change costs a delta: ${second.received} bytes received for ${v2.length}`,
  );

  // Unchanged: a few bytes confirm it.
  const third = await get("app.bin");
  assert.equal(third.state, "unchanged");
  assert.ok(third.body.equals(v2));
  assert.ok(third.received < v2.length / 50, `${third.received} bytes to confirm`);

  // A missing file is a 404; the server going away leaves the copy served.
  const missing = await get("nope.txt");
  assert.equal(missing.res.status, 404);
  assert.equal(missing.res.headers.get("x-wsync-error"), "NotFound");
  await server.stop(); // (this removes dir, too)
  const stale = await get("app.bin");
  assert.equal(stale.res.status, 200);
  assert.equal(stale.state, "stale");
  assert.ok(stale.body.equals(v2));
});
