// The edge pattern, shared by the demo's Service Worker and the edge module:
// keep a copy of a file; to refresh it, send the server a signature of the
// copy and receive only a delta (the pull direction), patch, verify.
import { connect, Sha256 } from "../../pkg/index.js";

/**
 * Brings `cached` (a Uint8Array, or null for none) up to the server's copy
 * of `remotePath` ("MODULE/PATH"). Resolves to the new bytes, their SHA-256
 * (hex), what happened (`state`: "fetched" with no copy before, "patched",
 * "unchanged") and the bytes that crossed the wire each way.
 */
export async function refresh(endpoint, remotePath, cached, { auth, WebSocket } = {}) {
  const session = await connect(endpoint, { auth, WebSocket });
  try {
    // patchCached verifies the result's SHA-256 against the server's.
    const bytes = await session.patchCached(cached ?? new Uint8Array(0), remotePath);
    const pull = session.lastPull ?? {};
    const state = !cached ? "fetched" : same(cached, bytes) ? "unchanged" : "patched";
    return {
      bytes,
      sha256: hex(Sha256.digest(bytes)),
      state,
      size: bytes.length,
      bytesReceived: Number(pull.bytesReceived ?? NaN),
      bytesSent: Number(pull.bytesSent ?? NaN),
    };
  } finally {
    session.close();
  }
}

/** Guesses a Content-Type from a path's extension. */
export function contentType(path) {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return (
    {
      html: "text/html; charset=utf-8",
      css: "text/css; charset=utf-8",
      js: "text/javascript; charset=utf-8",
      mjs: "text/javascript; charset=utf-8",
      json: "application/json",
      txt: "text/plain; charset=utf-8",
      md: "text/plain; charset=utf-8",
      svg: "image/svg+xml",
      png: "image/png",
      jpg: "image/jpeg",
      jpeg: "image/jpeg",
      gif: "image/gif",
      webp: "image/webp",
      wasm: "application/wasm",
    }[ext] ?? "application/octet-stream"
  );
}

/** The headers a refreshed asset is served with. */
export function headersFor(remotePath, r) {
  return {
    "content-type": contentType(remotePath),
    "cache-control": "no-store",
    "x-wsync-state": r.state,
    "x-wsync-size": String(r.size),
    "x-wsync-sha256": r.sha256,
    "x-wsync-bytes-received": String(r.bytesReceived),
    "x-wsync-bytes-sent": String(r.bytesSent),
  };
}

/** An error as an HTTP status: a missing file is 404, refused credentials 403. */
export function statusFor(e) {
  return { NotFound: 404, AuthFailed: 403, Connect: 502, Closed: 502 }[e?.code] ?? 500;
}

function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
