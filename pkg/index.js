// Browsers, bundlers and workers: the wasm module is fetched next to this
// file (or from `source`: a URL, Response, bytes or a compiled module).
import init from "./wasm/wsync.js";

export * from "./wasm/wsync.js";
export { connect, Session } from "./client.js";
export { WsyncError } from "./errors.js";
export { signatureStream, deltaStream, patchStream } from "./streams.js";
export { WorkerClient } from "./worker-client.js";

let loading;

/** Loads and starts the wasm core once; later calls wait for the same load. */
export function ready(source) {
  loading ??= init({ module_or_path: source ?? new URL("./wasm/wsync_bg.wasm", import.meta.url) });
  return loading.then(() => undefined);
}
