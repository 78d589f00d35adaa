// Test helpers: a real `wsync serve` on a loopback port, a cutting proxy,
// and deterministic data.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const wsyncBin = join(root, "target/release/wsync");

/** Starts `wsync serve DIR --port 0 ARGS`; resolves to `{ dir, url, port, stop() }`. */
export async function startServer(args = []) {
  const dir = mkdtempSync(join(tmpdir(), "wsync-js-"));
  const child = spawn(wsyncBin, ["serve", dir, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`wsync serve exited (${code}): ${stderr}`)));
  });
  return {
    dir,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      child.kill();
      // A killed child has a signalCode, not an exitCode: stop() may come twice.
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.on("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy to `port` that cuts its first connection after `cut` bytes
 * from the client; later connections pass through.
 */
export async function cuttingProxy(port, cut) {
  let first = true;
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    sockets.add(client).add(upstream);
    let budget = first ? cut : Infinity;
    first = false;
    client.on("data", (d) => {
      budget -= d.length;
      if (budget < 0) {
        client.destroy();
        upstream.destroy();
      } else {
        upstream.write(d);
      }
    });
    upstream.on("data", (d) => client.write(d));
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `ws://127.0.0.1:${server.address().port}/ws`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** `n` bytes of compressible, varied text, the same for the same seed. */
export function data(seed, n) {
  const words = ["delta ", "sync ", "block ", "rolling ", "checksum ", "the ", "of ", "signature\n"];
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  let at = 0;
  while (at < n) {
    // xorshift32; the high bits pick the word and the number.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const w = words[x >>> 29] + ((x >>> 8) % 100000) + " ";
    for (let i = 0; i < w.length && at < n; i++) out[at++] = w.charCodeAt(i);
  }
  return out;
}

/** A copy of `bytes` with `count` small edits spread over it. */
export function edit(bytes, count) {
  const out = bytes.slice();
  for (let i = 1; i <= count; i++) {
    const at = Math.floor((out.length * i) / (count + 1));
    out[at] ^= 0x20;
  }
  return out;
}
