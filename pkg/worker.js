// A module Web Worker that runs sessions off the main thread, for
// WorkerClient (worker-client.js): messages `{ id, op, url, auth, args }`
// in; `{ id, type: "progress" | "file" | "result" | "error", ... }` out.
import { connect, ready, WsyncError } from "./index.js";

const sessions = new Map();
const jobs = new Map();

function session(url, auth) {
  const key = JSON.stringify([url, auth ?? null]);
  let s = sessions.get(key);
  if (!s) {
    s = connect(url, { auth });
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

const ops = {
  upload: (s, a, o) => s.upload(a.source, a.remotePath, { ...o, mtime: a.mtime, size: a.size }),
  syncFiles: (s, a, o) => s.syncFiles(a.files, a.remoteDir, { ...o, filters: a.filters, delete: a.delete }),
  list: (s, a, o) => s.list(a.path, { ...o, recursive: a.recursive }),
  listModules: (s) => s.listModules(),
  delete: (s, a) => s.delete(a.path),
  patchCached: (s, a, o) => s.patchCached(a.cached, a.remotePath, o),
};

self.onmessage = async (e) => {
  const { id, op, url, auth, args } = e.data;
  if (op === "cancel") {
    jobs.get(id)?.abort();
    return;
  }
  const ac = new AbortController();
  jobs.set(id, ac);
  try {
    if (!Object.hasOwn(ops, op)) throw new WsyncError("InvalidOption", `unknown operation ${op}`);
    await ready();
    const s = await session(url, auth);
    const result = await ops[op](s, args ?? {}, {
      signal: ac.signal,
      onProgress: (progress) => self.postMessage({ id, type: "progress", progress }),
      onFile: (file) => self.postMessage({ id, type: "file", file }),
    });
    self.postMessage({ id, type: "result", result });
  } catch (err) {
    const w = WsyncError.from(err);
    self.postMessage({ id, type: "error", code: w.code, message: w.message });
  } finally {
    jobs.delete(id);
  }
};
