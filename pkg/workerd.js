// workerd (Cloudflare Workers) and bundlers that import a `.wasm` file as a
// compiled WebAssembly.Module: no fetch, the core is ready on import.
import wasmModule from "./wasm/wsync_bg.wasm";
import { initSync } from "./wasm/wsync.js";

initSync({ module: wasmModule });

export * from "./wasm/wsync.js";
export { connect, Session } from "./client.js";
export { WsyncError } from "./errors.js";
export { signatureStream, deltaStream, patchStream } from "./streams.js";

/** Already loaded; kept so that code can call it on every runtime. */
export function ready() {
  return Promise.resolve();
}
