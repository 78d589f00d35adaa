// Node: the wasm module is read from the package's own files, synchronously,
// so the API is usable as soon as this module is imported.
import { readFileSync } from "node:fs";
import { initSync } from "./wasm/wsync.js";

initSync({ module: readFileSync(new URL("./wasm/wsync_bg.wasm", import.meta.url)) });

export * from "./wasm/wsync.js";

/** Already loaded in Node; kept so that code can call it on every runtime. */
export function ready() {
  return Promise.resolve();
}
