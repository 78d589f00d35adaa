// Starts a real `wsync serve` for JavaScript tests: on a free loopback port,
// over a module directory, stopped by stop(). Uses target/release/wsync (as
// scripts/test.sh builds it), or $WSYNC_BIN, or builds the release binary.
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const root = resolve(import.meta.dirname, "../..");

export function wsyncBin() {
  if (process.env.WSYNC_BIN) return process.env.WSYNC_BIN;
  const bin = join(root, "target", "release", "wsync");
  if (!existsSync(bin)) {
    execFileSync("cargo", ["build", "--release", "--quiet"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
  return bin;
}

/**
 * `wsync serve DIR --port 0 ARGS...`; resolves once it listens, with its
 * port, WebSocket endpoint and http base URL.
 */
export async function startServer(dir, args = []) {
  const child = spawn(wsyncBin(), ["serve", dir, "--port", "0", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((ok, fail) => {
    lines.once("line", ok);
    child.once("exit", (code) => fail(new Error(`wsync serve exited (${code}): ${stderr}`)));
  });
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(first)?.[1]);
  if (!port) throw new Error(`no port in ${JSON.stringify(first)}`);
  return {
    port,
    endpoint: `ws://127.0.0.1:${port}/ws`,
    http: `http://127.0.0.1:${port}/`,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await new Promise((ok) => child.once("exit", ok));
      }
    },
  };
}
