// Each runtime's entry loads the core its way: Node reads the file, the
// browser entry fetches a URL or takes a module, workerd imports the .wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./server.mjs";

const check = `
const s = new m.Sha256(); s.update(new TextEncoder().encode("abc"));
const hex = Array.from(s.finish(), (b) => b.toString(16).padStart(2, "0")).join("");
if (hex !== "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") throw new Error(hex);
if (typeof m.connect !== "function" || typeof m.deltaStream !== "function") throw new Error("exports");
console.log("ok");`;

function run(code, args = []) {
  const r = spawnSync("node", [...args, "--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "ok");
}

test("node entry: ready on import", () => {
  run(`import * as m from "./pkg/node.js"; ${check}`);
});

test("browser entry: ready() with a compiled module, or bytes", () => {
  run(`import * as m from "./pkg/index.js";
import { readFileSync } from "node:fs";
await m.ready(new WebAssembly.Module(readFileSync("pkg/wasm/wsync_bg.wasm")));
await m.ready(); // later calls share the first load
${check}`);
});

test("workerd entry: the .wasm import is the module", () => {
  const hook = join(root, "tests/js/fixtures/wasm-module-loader.mjs");
  run(`import { register } from "node:module"; import { pathToFileURL } from "node:url";
register(pathToFileURL(${JSON.stringify(hook)}));
const m = await import("./pkg/workerd.js");
${check}`);
});

test("package.json maps each runtime to its entry", () => {
  const pkg = JSON.parse(readFileSync(join(root, "pkg/package.json"), "utf8"));
  const e = pkg.exports["."];
  assert.deepEqual(Object.keys(e), ["types", "workerd", "deno", "node", "browser", "default"]);
  assert.equal(e.node, "./node.js");
  assert.equal(e.workerd, "./workerd.js");
  assert.equal(pkg.engines.node, ">=20");
  for (const f of Object.values(e)) assert.ok(pkg.files.includes(f.slice(2)), `${f} is published`);
});
