// The npm package's size budgets, as bench/budgets.mjs measures them
// (gzip -9 of the built files): the .wasm within 80 KB and the JS shim
// within 15 KB. Sizes, not timings: they do not depend on the machine.
// Run after scripts/build-wasm.sh (npm test does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

test("the wasm stays within 80 KB gzipped", () => {
  const size = gz(readFileSync(join(pkg, "wasm/wsync_bg.wasm")));
  assert.ok(size <= 80_000, `pkg/wasm/wsync_bg.wasm is ${size} bytes gzipped`);
});

test("the JavaScript shim stays within 15 KB gzipped", () => {
  const files = readdirSync(pkg).filter((f) => f.endsWith(".js"));
  assert.ok(files.length >= 5, `only ${files} in pkg/`);
  const size = gz(Buffer.concat(files.map((f) => readFileSync(join(pkg, f)))));
  assert.ok(size <= 15_000, `the shim (${files.length} files) is ${size} bytes gzipped`);
});
