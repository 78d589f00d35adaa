// The npm package: `npm pack` in pkg/, installed into a fresh project, used
// from Node through its package name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

test("npm pack makes a tarball that installs and works from Node", () => {
  const work = mkdtempSync(join(tmpdir(), "wsync-pkg-"));
  try {
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
      cwd: join(root, "pkg"),
      encoding: "utf8",
    });
    const [info] = JSON.parse(out);
    const files = info.files.map((f) => f.path).sort();
    for (const f of ["index.js", "node.js", "index.d.ts", "package.json", "client.js", "worker.js", "bin/wsync.js", "wasm/wsync.js", "wasm/wsync_bg.wasm"]) {
      assert.ok(files.includes(f), `${f} is in the package: ${files}`);
    }
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(work, info.filename)], { cwd: app, stdio: "pipe" });
    writeFileSync(
      join(app, "main.mjs"),
      `import { ready, Signature, SignatureBuilder, DeltaEncoder, Patcher, Sha256 } from "wsync";
await ready();
const enc = new TextEncoder();
const basis = enc.encode("hello world, ".repeat(4000));
const next = enc.encode("hello world, ".repeat(2000) + "a change, " + "hello world, ".repeat(2000));
const b = new SignatureBuilder({ blockLen: 256, seed: new Uint8Array(16) });
b.update(basis);
const sig = Signature.decode(b.finish().encode());
const e = new DeltaEncoder(sig);
const delta = Uint8Array.from([...e.update(next), ...e.finish()]);
const p = new Patcher(basis);
const out = Uint8Array.from([...p.update(delta)]);
p.finish();
const h = new Sha256(); h.update(out);
const same = out.length === next.length && out.every((x, i) => x === next[i]);
console.log(JSON.stringify({ same, delta: delta.length, size: next.length, sha: Array.from(h.finish()).length }));
`,
    );
    const result = JSON.parse(execFileSync("node", ["main.mjs"], { cwd: app, encoding: "utf8" }).trim());
    assert.equal(result.same, true);
    assert.ok(result.delta < result.size / 10, `delta ${result.delta} bytes for ${result.size}`);
    assert.equal(result.sha, 32);
    assert.ok(readdirSync(join(app, "node_modules", "wsync", "wasm")).includes("wsync_bg.wasm"));

    // The bin entry: `npx wsync` with only the package installed.
    writeFileSync(join(app, "basis"), "hello world, ".repeat(4000));
    execFileSync("npx", ["--no-install", "wsync", "signature", "--seed", "1", "basis", "basis.sig"], { cwd: app, stdio: "pipe" });
    execFileSync("npx", ["--no-install", "wsync", "delta", "basis.sig", "basis", "basis.delta"], { cwd: app, stdio: "pipe" });
    execFileSync("npx", ["--no-install", "wsync", "patch", "basis", "basis.delta", "copy"], { cwd: app, stdio: "pipe" });
    assert.deepEqual(readFileSync(join(app, "copy")), readFileSync(join(app, "basis")));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
