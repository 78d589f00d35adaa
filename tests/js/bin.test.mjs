// `npx wsync` (pkg/bin/wsync.js): the native commands on the wasm core,
// byte for byte the same outputs, the same exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, edit, root, startServer, wsyncBin } from "./server.mjs";

const bin = join(root, "pkg/bin/wsync.js");
const js = (args, input) => spawnSync("node", [bin, ...args], { encoding: "buffer", input });
const native = (args, input) => spawnSync(wsyncBin, args, { encoding: "buffer", input });

function work(f) {
  const dir = mkdtempSync(join(tmpdir(), "wsync-bin-"));
  try {
    return f((name) => join(dir, name), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("signature, delta and patch match the native binary byte for byte", () => work((p) => {
  const v1 = data(1, 3 << 20);
  const v2 = edit(v1, 20);
  writeFileSync(p("old"), v1);
  writeFileSync(p("new"), v2);
  for (const [tool, tag] of [[js, "js"], [native, "native"]]) {
    const run = (tool === js ? (a) => js(a) : native);
    for (const a of [
      ["signature", "--seed", "c0ffee", "-b", "2048", p("old"), p(`${tag}.sig`)],
      ["delta", "--compress-level", "6", p(`${tag}.sig`), p("new"), p(`${tag}.delta`)],
      ["delta", "--format", "rdiff", p(`${tag}.sig`), p("new"), p(`${tag}.rdelta`)],
      ["patch", p("old"), p(`${tag}.delta`), p(`${tag}.out`)],
    ]) {
      const r = run(a);
      assert.equal(r.status, 0, `${tag} ${a.join(" ")}: ${r.stderr}`);
    }
  }
  for (const f of ["sig", "delta", "rdelta"]) assert.deepEqual(readFileSync(p(`js.${f}`)), readFileSync(p(`native.${f}`)), f);
  assert.deepEqual(readFileSync(p("js.out")), Buffer.from(v2));
  // Standard input and output.
  const sig = js(["signature", "--seed", "1", "-", "-"], Buffer.from(v1));
  assert.equal(sig.status, 0);
  assert.deepEqual(sig.stdout, native(["signature", "--seed", "1", "-", "-"], Buffer.from(v1)).stdout);
  const stats = js(["delta", "--stats", p("js.sig"), p("new"), p("d2")]);
  assert.match(stats.stderr.toString(), /matched \d+, literal \d+/);
}));

test("errors: one line and the native exit codes, no partial outputs", () => work((p, dir) => {
  writeFileSync(p("old"), data(2, 100_000));
  writeFileSync(p("junk"), "not a signature");
  const cases = [
    [["frobnicate"], 1],
    [["signature", p("old")], 1],
    [["signature", "--block-size", "x", p("old"), p("s")], 1],
    [["delta", "--format", "zip", p("junk"), p("old"), p("d")], 1],
    [["signature", p("missing"), p("s")], 11],
    [["delta", p("junk"), p("old"), p("d")], 12],
    [["patch", p("old"), p("junk"), p("n")], 12],
    [["upload", p("old"), "http://x/y"], 1],
    [["upload", p("old"), "ws://127.0.0.1:1/data/x"], 10],
  ];
  for (const [a, code] of cases) {
    const r = js(a);
    assert.equal(r.status, code, `${a.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr.toString(), /^wsync: /);
  }
  assert.deepEqual(readdirSync(dir).sort(), ["junk", "old"]);
}));

test("upload sends a file to a real server", async () => {
  const srv = await startServer(["--token", "t0k"]);
  try {
    await work(async (p) => {
      const v = data(3, 1 << 20);
      writeFileSync(p("f"), v);
      const denied = js(["upload", "--token", "nope", p("f"), `ws://127.0.0.1:${srv.port}/data/f.txt`]);
      assert.equal(denied.status, 5, denied.stderr.toString());
      const r = js(["upload", "--stats", "--token", "t0k", p("f"), `ws://127.0.0.1:${srv.port}/data/f.txt`]);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.match(r.stderr.toString(), /Total bytes sent: \d+/);
      assert.deepEqual(readFileSync(join(srv.dir, "f.txt")), Buffer.from(v));
    });
  } finally {
    await srv.stop();
  }
});
