// wsync's core in headless Chromium (the package's browser entry, pkg/index.js),
// on bench/core.sh's files: what a page gets, where SHA-256 runs in wasm.
// Called by bench/core.sh:
//
//   node bench/browser.mjs SEED_HEX BASIS NEW RANDOM_SIG RANDOM_NEW SIG
//
// The files are served over loopback HTTP and held by the page as Blobs;
// each step reads its Blob's stream, as uploads of a File do
// (pkg/source.js), and the outputs are counted, not kept. Prints
// `key=value` lines: speeds in MB/s (10^6 bytes), the best of RUNS, sizes
// in bytes and the SHA-256 of the edited file's delta (to compare with the
// native one).
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [seedHex, basis, newFile, rsig, rnew, sig] = process.argv.slice(2);
if (!sig || !/^[0-9a-f]{32}$/.test(seedHex)) {
  console.error("usage: node bench/browser.mjs SEED_HEX BASIS NEW RANDOM_SIG RANDOM_NEW SIG");
  process.exit(2);
}
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const pkg = fileURLToPath(new URL("../pkg/", import.meta.url));
const files = { basis, new: newFile, rsig, rnew, sig };
const types = { ".js": "text/javascript", ".wasm": "application/wasm" };

const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  let path = null;
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>wsync bench</title>");
    return;
  }
  if (url.pathname.startsWith("/pkg/")) {
    const p = normalize(url.pathname.slice(5));
    if (!p.startsWith("..")) path = join(pkg, p);
  } else if (url.pathname.startsWith("/data/")) {
    path = files[url.pathname.slice(6)] ?? null;
  }
  try {
    if (!path || !statSync(path).isFile()) throw new Error("not found");
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
  createReadStream(path).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${origin}/`);
  const result = await page.evaluate(async ({ seedHex, runs }) => {
    const w = await import("/pkg/index.js");
    await w.ready();
    const blob = async (name) => (await fetch(`/data/${name}`)).blob();
    const bytes = async (name) => new Uint8Array(await (await fetch(`/data/${name}`)).arrayBuffer());
    // As pkg/source.js reads a File: its stream (1 MiB slices read at a
    // quarter of the speed).
    const each = async (b, f) => {
      const reader = b.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        await f(value);
      }
    };
    const seed = Uint8Array.from(seedHex.match(/../g), (h) => parseInt(h, 16));
    const best = async (n, f) => {
      let secs = Infinity;
      let out;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        out = await f();
        secs = Math.min(secs, (performance.now() - t) / 1000);
      }
      return { mbs: Math.round(n / secs / 1e6), out };
    };
    const [basis, newFile, rnew] = await Promise.all([blob("basis"), blob("new"), blob("rnew")]);
    const [sigBytes, rsigBytes] = await Promise.all([bytes("sig"), bytes("rsig")]);

    const signature = await best(basis.size, async () => {
      const b = new w.SignatureBuilder({ lenHint: basis.size, seed });
      await each(basis, (c) => b.update(c));
      const s = b.finish();
      const n = s.encode().length;
      s.free();
      return n;
    });
    // `worker`: the whole-file SHA-256 on a Web Worker, as uploads and
    // deltaStream do in browsers (pkg/sha-browser.js).
    const delta = async (sigBytes, file, worker = false) => {
      const s = w.Signature.decode(sigBytes);
      const parts = [];
      let len = 0;
      const sha256 = worker ? new w.WorkerSha256() : undefined;
      // Kept only while small: the edited file's delta, to compare.
      const enc = new w.DeltaEncoder(s, { sha256, onOutput: (b) => { len += b.length; if (len < 8 << 20) parts.push(b.slice()); } });
      await each(file, (c) => {
        enc.update(c);
        return sha256?.room();
      });
      await sha256?.settle();
      enc.finish();
      enc.free();
      s.free();
      return { len, parts };
    };
    const edited = await best(newFile.size, () => delta(sigBytes, newFile));
    const worst = await best(rnew.size, () => delta(rsigBytes, rnew));
    const editedWorker = await best(newFile.size, () => delta(sigBytes, newFile, true));
    const worstWorker = await best(rnew.size, () => delta(rsigBytes, rnew, true));
    const sha = await best(newFile.size, async () => {
      const h = new w.Sha256();
      await each(newFile, (c) => h.update(c));
      return h.finish();
    });
    const read = await best(newFile.size, async () => each(newFile, () => {}));
    const all = new Uint8Array(edited.out.len);
    let at = 0;
    for (const p of edited.out.parts) all.set(p, (at += p.length) - p.length);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
    return {
      sig_mbs: signature.mbs,
      delta_mbs: edited.mbs,
      worst_mbs: worst.mbs,
      delta_worker_mbs: editedWorker.mbs,
      worst_worker_mbs: worstWorker.mbs,
      worker_same: editedWorker.out.len === edited.out.len && editedWorker.out.parts.every((p, i) =>
        p.length === edited.out.parts[i].length && p.every((b, j) => b === edited.out.parts[i][j])),
      sha_mbs: sha.mbs,
      read_mbs: read.mbs,
      sig_bytes: signature.out,
      delta_bytes: edited.out.len,
      worst_delta_bytes: worst.out.len,
      delta_sha: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
      version: navigator.userAgent.match(/Chrome\/([0-9.]+)/)?.[1] ?? "?",
    };
  }, { seedHex, runs: RUNS });
  if (errors.length) throw new Error(errors.join("\n"));
  for (const [k, v] of Object.entries(result)) console.log(`${k}=${v}`);
} finally {
  await browser.close();
  server.close();
}
