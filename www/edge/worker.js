// An edge function (the module shape of workerd / Cloudflare Workers, Deno
// Deploy and others) that serves files from a wsync server through its own
// cache: the first request fetches a file whole; later ones send a
// signature of the cached copy and receive only what changed, patch the
// copy, verify its SHA-256, and serve the new bytes.
//
// Bindings (env):
//   WSYNC_WASM      the package's wsync_bg.wasm as a WebAssembly.Module
//                   (workerd binds a `wasm` module this way)
//   WSYNC_ENDPOINT  the server's WebSocket endpoint, e.g. wss://files.example/ws
//   WSYNC_MODULE    the module served (default "data"): GET /a/b.css is MODULE/a/b.css
//   WSYNC_TOKEN     a bearer token, if the server wants one
//   WebSocket       optional: a WebSocket class where the runtime has no global one
//
// With wrangler, for example (the package's files copied next to the worker):
//   main = "www/edge/worker.js"
//   [vars] WSYNC_ENDPOINT = "wss://files.example/ws"
//   [wasm_modules] WSYNC_WASM = "pkg/wasm/wsync_bg.wasm"
// tests/js/edge.test.mjs runs it under Node against a real `wsync serve`.
import { ready } from "../../pkg/index.js";
import { refresh, headersFor, statusFor } from "./cache.js";

/** The cached copies, per path: they live as long as the isolate does. */
const copies = new Map();
/** One refresh per path at a time. */
const inflight = new Map();

export default {
  async fetch(request, env) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("only GET and HEAD", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    await ready(env.WSYNC_WASM);
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, "");
    if (!path || path.split("/").some((p) => p === "" || p === "." || p === "..")) {
      return new Response("not found", { status: 404 });
    }
    const remotePath = `${env.WSYNC_MODULE ?? "data"}/${path}`;
    let pending = inflight.get(remotePath);
    if (!pending) {
      pending = update(remotePath, env).finally(() => inflight.delete(remotePath));
      inflight.set(remotePath, pending);
    }
    const { status, headers, body } = await pending;
    return new Response(request.method === "HEAD" ? null : body, { status, headers });
  },
};

async function update(remotePath, env) {
  const copy = copies.get(remotePath);
  const auth = env.WSYNC_TOKEN ? { token: env.WSYNC_TOKEN } : undefined;
  try {
    const r = await refresh(env.WSYNC_ENDPOINT, remotePath, copy?.bytes ?? null, {
      auth,
      WebSocket: env.WebSocket,
    });
    const headers = headersFor(remotePath, r);
    copies.set(remotePath, { bytes: r.bytes, headers });
    return { status: 200, headers, body: r.bytes };
  } catch (e) {
    if (copy && (e.code === "Connect" || e.code === "Closed")) {
      // The origin is away: serve the copy as it was.
      return { status: 200, headers: { ...copy.headers, "x-wsync-state": "stale" }, body: copy.bytes };
    }
    if (e.code === "NotFound") copies.delete(remotePath);
    return {
      status: statusFor(e),
      headers: { "content-type": "text/plain; charset=utf-8", "x-wsync-error": e.code ?? "Error" },
      body: `${e.code ?? "Error"}: ${e.message}`,
    };
  }
}
