// The npm package's budgets: sizes (gzip -9) of the .wasm and of the JS,
// and the core's start-up time (compile + instantiate) in Node. Called by
// bench/pkg.sh, which adds throughput beside the native binary's.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const pkg = fileURLToPath(new URL("../pkg/", import.meta.url));
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

const wasmBytes = readFileSync(join(pkg, "wasm/wsync_bg.wasm"));
const shimFiles = readdirSync(pkg).filter((f) => f.endsWith(".js"));
const shim = Buffer.concat(shimFiles.map((f) => readFileSync(join(pkg, f))));
const glue = readFileSync(join(pkg, "wasm/wsync.js"));

const rows = [
  ["wsync_bg.wasm", wasmBytes.length, gz(wasmBytes), 80_000],
  [`JS shim (${shimFiles.length} files)`, shim.length, gz(shim), 15_000],
  ["wasm-bindgen glue (wasm/wsync.js)", glue.length, gz(glue), null],
];
console.log("size                                   raw        gzip    budget");
for (const [name, raw, z, budget] of rows) {
  const verdict = budget === null ? "" : `${kb(budget)} ${z <= budget ? "ok" : "OVER"}`;
  console.log(`${name.padEnd(36)} ${kb(raw).padStart(9)} ${kb(z).padStart(10)}    ${verdict}`);
}

// Start-up: compiling the module (best of 20), then the first load as the
// Node entry does it (compile, instantiate, run the start function).
const wasm = await import(join(pkg, "wasm/wsync.js"));
let best = Infinity;
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await WebAssembly.compile(wasmBytes);
  best = Math.min(best, performance.now() - t);
}
const t0 = performance.now();
wasm.initSync({ module: wasmBytes });
const init = performance.now() - t0;
console.log(`start-up: compile ${best.toFixed(1)} ms (best of 20); first load (initSync) ${init.toFixed(1)} ms`);
