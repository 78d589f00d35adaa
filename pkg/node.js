// Node: the wasm module is read from the package's own files, synchronously,
// so the API is usable as soon as this module is imported. Node 20 has no
// global WebSocket: the `ws` package stands in.
import { readFileSync } from "node:fs";
import { WebSocket } from "ws";
import { initSync } from "./wasm/wsync.js";
import { setDefaultWebSocket } from "./link.js";
import { host } from "./host.js";
import { ThreadedSha256 } from "./sha-thread.js";

initSync({ module: readFileSync(new URL("./wasm/wsync_bg.wasm", import.meta.url)) });
setDefaultWebSocket(globalThis.WebSocket ?? WebSocket);
// node:crypto's SHA-256, on a second thread for inputs over a few MiB.
host.sha256 = () => new ThreadedSha256();

export * from "./wasm/wsync.js";
export { connect, Session } from "./client.js";
export { WsyncError } from "./errors.js";
export { signatureStream, deltaStream, patchStream } from "./streams.js";

/** Already loaded in Node; kept so that code can call it on every runtime. */
export function ready() {
  return Promise.resolve();
}
