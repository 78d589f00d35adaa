// The demo's edge cache: a Service Worker (a module worker) that answers
// GET /cached/MODULE/PATH from its copy of the server's file MODULE/PATH,
// refreshed on every request by pulling only a delta over the WebSocket.
import { ready } from "../pkg/index.js";
import { refresh, headersFor, statusFor } from "./edge/cache.js";

const CACHE = "wsync-edge-v1";
const prefix = new URL("cached/", self.registration.scope).pathname;
const endpoint = (() => {
  const u = new URL("/ws", self.location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.href;
})();
const loading = ready();
/** One refresh per asset at a time; later requests share it. */
const inflight = new Map();

self.addEventListener("install", (e) => e.waitUntil(self.skipWaiting()));
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(prefix)) return;
  if (e.request.method !== "GET") return;
  const remotePath = decodeURIComponent(url.pathname.slice(prefix.length));
  // Credentials, when the server wants them, come with the page's request.
  let auth;
  try {
    auth = JSON.parse(e.request.headers.get("x-wsync-auth") ?? "null") ?? undefined;
  } catch {
    auth = undefined;
  }
  e.respondWith(serve(url.origin + url.pathname, remotePath, auth));
});

async function serve(key, remotePath, auth) {
  let pending = inflight.get(key);
  if (!pending) {
    pending = update(key, remotePath, auth).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  const { status, headers, body } = await pending;
  return new Response(body, { status, headers });
}

async function update(key, remotePath, auth) {
  await loading;
  const cache = await caches.open(CACHE);
  const old = await cache.match(key);
  const cached = old ? new Uint8Array(await old.arrayBuffer()) : null;
  try {
    const r = await refresh(endpoint, remotePath, cached, { auth });
    const headers = headersFor(remotePath, r);
    if (r.state !== "unchanged") await cache.put(key, new Response(r.bytes, { headers }));
    return { status: 200, headers, body: r.bytes };
  } catch (e) {
    if (cached && (e.code === "Connect" || e.code === "Closed")) {
      // The server is away: the copy is all there is.
      const headers = Object.fromEntries(old.headers);
      headers["x-wsync-state"] = "stale";
      return { status: 200, headers, body: cached };
    }
    if (e.code === "NotFound") await cache.delete(key);
    return {
      status: statusFor(e),
      headers: { "content-type": "text/plain; charset=utf-8", "x-wsync-error": e.code ?? "Error" },
      body: `${e.code ?? "Error"}: ${e.message}`,
    };
  }
}
