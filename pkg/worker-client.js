// WorkerClient: a Session's operations run in a module Web Worker
// (worker.js), so that hashing and encoding a large file leave the page
// responsive. Same arguments, results and WsyncErrors as Session.
import { WsyncError } from "./errors.js";

export class WorkerClient {
  #worker;
  #jobs = new Map();
  #next = 1;

  /** `url`: the server's WebSocket endpoint; `options.auth` as for connect(). */
  constructor(url, options = {}) {
    this.url = String(url);
    this.auth = options.auth;
    this.#worker = options.worker ?? new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e) => this.#receive(e.data);
    this.#worker.onerror = (e) => {
      const err = new WsyncError("Worker", `the worker failed: ${e.message ?? "unknown error"}`);
      for (const job of this.#jobs.values()) job.reject(err);
      this.#jobs.clear();
    };
  }

  #receive(m) {
    const job = this.#jobs.get(m.id);
    if (!job) return;
    if (m.type === "progress") job.onProgress?.(m.progress);
    else if (m.type === "file") job.onFile?.(m.file);
    else {
      this.#jobs.delete(m.id);
      job.signal?.removeEventListener("abort", job.abort);
      if (m.type === "result") job.resolve(m.result);
      else job.reject(new WsyncError(m.code, m.message));
    }
  }

  #call(op, args, { signal, onProgress, onFile } = {}) {
    if (signal?.aborted) return Promise.reject(new WsyncError("Aborted", "cancelled"));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const abort = () => this.#worker.postMessage({ id, op: "cancel" });
      signal?.addEventListener("abort", abort, { once: true });
      this.#jobs.set(id, { resolve, reject, onProgress, onFile, signal, abort });
      this.#worker.postMessage({ id, op, url: this.url, auth: this.auth, args });
    });
  }

  upload(source, remotePath, options = {}) {
    return this.#call("upload", { source, remotePath, mtime: options.mtime, size: options.size }, options);
  }

  syncFiles(files, remoteDir, options = {}) {
    // A FileList is cloned to the worker as is; File objects keep their paths.
    const list = Array.from(files, (f) => (f instanceof Blob ? { path: f.webkitRelativePath || f.relativePath || f.name, file: f } : f));
    return this.#call("syncFiles", { files: list, remoteDir, filters: options.filters, delete: options.delete }, options);
  }

  list(path, options = {}) {
    return this.#call("list", { path, recursive: options.recursive }, options);
  }

  listModules() {
    return this.#call("listModules", {});
  }

  delete(path) {
    return this.#call("delete", { path });
  }

  patchCached(cached, remotePath, options = {}) {
    return this.#call("patchCached", { cached, remotePath }, options);
  }

  /** Stops the worker; pending operations fail with "Closed". */
  close() {
    this.#worker.terminate();
    const err = new WsyncError("Closed", "the worker client is closed");
    for (const job of this.#jobs.values()) job.reject(err);
    this.#jobs.clear();
  }
}
