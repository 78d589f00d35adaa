// Browsers, bundlers and workers: the wasm module is fetched next to this
// file (or from `source`: a URL, Response, bytes or a compiled module).
import init from "./wasm/wsync.js";
import { host } from "./host.js";
import { setCoreModule, WorkerSha256 } from "./sha-browser.js";

export { WorkerSha256 };

export * from "./wasm/wsync.js";
export { connect, Session } from "./client.js";
export { WsyncError } from "./errors.js";
export { signatureStream, deltaStream, patchStream } from "./streams.js";
export { WorkerClient } from "./worker-client.js";

// The whole-file SHA-256 of uploads and deltaStream on a Web Worker, where
// there are workers (not in Service Workers or edge runtimes).
if (typeof Worker !== "undefined") host.sha256 = () => new WorkerSha256();

let loading;

/** The core compiled from `source`, kept to start SHA-256 workers with. */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  const s = await (typeof source === "string" || source instanceof URL ? fetch(source) : source);
  if (!(s instanceof Response)) return WebAssembly.compile(s);
  if (!s.ok) throw new Error(`failed to fetch the wasm core: ${s.status} (${s.url})`);
  return WebAssembly.compile(await s.arrayBuffer());
}

/** Loads and starts the wasm core once; later calls wait for the same load. */
export function ready(source) {
  loading ??= compile(source ?? new URL("./wasm/wsync_bg.wasm", import.meta.url)).then((module) => {
    setCoreModule(module);
    return init({ module_or_path: module });
  });
  loading.catch(() => (loading = undefined));
  return loading.then(() => undefined);
}
