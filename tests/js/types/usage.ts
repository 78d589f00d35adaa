// Compiled by tests/js/types.test.mjs with `tsc --noEmit`: the package's
// .d.ts files describe what the examples in the README do.
import { connect, ready, Filter, WsyncError, WorkerClient, WorkerSha256, DeltaEncoder, deltaStream, patchStream, signatureStream, SignatureBuilder } from "wsync";

async function main(file: File, list: FileList): Promise<void> {
  await ready();
  const s = await connect("ws://127.0.0.1:8080/ws", { auth: { token: "t" } });
  const ac = new AbortController();
  const r = await s.upload(file, "data/big.iso", { signal: ac.signal, onProgress: (p) => console.log(p.read / p.total, p.sent) });
  const saved: number = r.size - r.bytesSent;
  const sync = await s.syncFiles(list, "data/site", { filters: "- *.tmp", delete: true, onFile: (f) => console.log(f.action) });
  console.log(saved, sync.excluded.length, sync.files[0]?.result?.sha256);
  const bytes: Uint8Array = await s.patchCached(new Uint8Array(10), "data/app.js");
  const entries = await s.list("data", { recursive: true });
  console.log(bytes.length, entries.map((e) => `${e.kind} ${e.path} ${e.size} ${e.mtime}`));
  s.close();
  const w = new WorkerClient("ws://127.0.0.1:8080/ws");
  await w.upload(file, "data/x");
  const f = new Filter(["- *.o"]);
  console.log(f.matches("a.o", false), f.filterPaths(["a", "b.o"]));
  const b = new SignatureBuilder({ blockLen: 1024 });
  b.update(new Uint8Array(5));
  const sig = b.finish();
  const ds = deltaStream(sig, { compressLevel: 1 });
  console.log(ds.stats()?.literalBytes, signatureStream().readable, patchStream(new Uint8Array(0)).report);
  // pkg/README.md's DeltaEncoder with onOutput and a WorkerSha256.
  const sha256 = new WorkerSha256();
  const sent: Uint8Array[] = [];
  const enc = new DeltaEncoder(sig, { sha256, onOutput: (o: Uint8Array) => sent.push(o.slice()) });
  enc.update(new Uint8Array(3));
  await sha256.room();
  await sha256.settle();
  const last: Uint8Array = enc.finish();
  console.log(last.length, sent.length, sha256.digest().length);
  try {
    await s.delete("data/x");
  } catch (e) {
    if (e instanceof WsyncError && e.code === "NotFound") console.log("gone");
  }
}
void main;
