// session.syncFiles(): a folder to a server directory, as `rsync -r --times
// [--delete] SRC/ DEST/` would send it: rsync's filter rules, its quick check
// (same size and mtime: skipped), and deletions that spare excluded files.
import { Filter } from "./wasm/wsync.js";
import { WsyncError, wrap } from "./errors.js";
import { fromMs, fromNs } from "./source.js";

function checkPath(path) {
  const parts = path.split("/");
  if (!path || path.startsWith("/") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new WsyncError("BadPath", `bad file path ${JSON.stringify(path)}`);
  }
  return path;
}

/** The files to send: `{ path, source, size, mtime }` each. */
async function localFiles(files) {
  if (typeof files === "string") return walk(files);
  const out = [];
  for (const f of files) {
    if (typeof Blob !== "undefined" && f instanceof Blob) {
      out.push({
        path: checkPath(f.webkitRelativePath || f.relativePath || f.name),
        source: f,
        size: f.size,
        mtime: typeof f.lastModified === "number" ? fromMs(f.lastModified) : null,
      });
    } else if (f && typeof f.path === "string") {
      const src = f.file ?? f.source;
      const size = src?.size ?? src?.length;
      if (!Number.isSafeInteger(size)) throw new WsyncError("InvalidOption", `${f.path}: expected a Blob or Uint8Array`);
      const ms = f.lastModified ?? src.lastModified;
      out.push({ path: checkPath(f.path), source: src, size, mtime: typeof ms === "number" ? fromMs(ms) : null });
    } else {
      throw new WsyncError("InvalidOption", "files: expected Files, { path, file } objects, or a directory path");
    }
  }
  return out;
}

/** Node: the regular files below `dir` (symlinks and specials are skipped, as rsync -r does). */
async function walk(dir) {
  const fs = await import("node:fs/promises");
  const { join, relative, sep } = await import("node:path");
  const out = [];
  const todo = [dir];
  while (todo.length) {
    const d = todo.pop();
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) todo.push(full);
      else if (e.isFile()) {
        const st = await fs.stat(full, { bigint: true });
        out.push({
          path: relative(dir, full).split(sep).join("/"),
          source: full,
          size: Number(st.size),
          mtime: fromNs(st.mtimeNs),
        });
      }
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function syncFiles(session, files, remoteDir, options = {}) {
  const { filters, delete: del = false, onProgress, onFile, signal } = options;
  // Text is read as rsync reads a merge file, by the core; an array holds
  // one rule each.
  const filter = wrap(() => new Filter(filters ?? []));
  try {
    const all = await localFiles(files);
    const kept = new Set(filter.filterPaths(all.map((f) => f.path)));
    const local = all.filter((f) => kept.has(f.path));
    const excluded = all.filter((f) => !kept.has(f.path)).map((f) => f.path);

    const dir = remoteDir.replace(/\/+$/, "");
    const prefix = dir.includes("/") ? `${dir.slice(dir.indexOf("/") + 1)}/` : "";
    let remote = [];
    try {
      remote = await session.list(dir, { recursive: true, signal });
    } catch (e) {
      if (e.code !== "NotFound") throw e;
    }
    const theirs = new Map();
    for (const e of remote) if (e.path.startsWith(prefix)) theirs.set(e.path.slice(prefix.length), e);

    const result = { files: [], excluded, bytesSent: 0, totalSize: 0 };
    const totalSize = local.reduce((n, f) => n + f.size, 0);
    let done = 0;
    for (const [index, f] of local.entries()) {
      if (signal?.aborted) throw new WsyncError("Aborted", "cancelled");
      const r = theirs.get(f.path);
      const same = r && r.kind === "file" && r.size === f.size && f.mtime &&
        r.mtime === f.mtime.sec && r.mtimeNsec === f.mtime.nsec;
      let item;
      if (same) {
        item = { path: f.path, action: "skipped" };
      } else {
        const res = await session.upload(f.source, `${dir}/${f.path}`, {
          signal,
          mtime: f.mtime ?? undefined,
          onProgress: (p) => onProgress?.({
            path: f.path, index, count: local.length, ...p,
            totalRead: done + p.read, totalSize, totalSent: result.bytesSent + p.sent,
          }),
        });
        result.bytesSent += res.bytesSent;
        item = { path: f.path, action: "uploaded", result: res };
      }
      done += f.size;
      result.totalSize += f.size;
      result.files.push(item);
      onFile?.(item);
    }

    if (del) {
      const mine = new Set(local.map((f) => f.path));
      for (const [path, e] of theirs) {
        // Excluded files on the server are protected, as with rsync --delete.
        if (e.kind === "dir" || mine.has(path) || filter.filterPaths([path]).length === 0) continue;
        if (signal?.aborted) throw new WsyncError("Aborted", "cancelled");
        await session.delete(`${dir}/${path}`);
        const item = { path, action: "deleted" };
        result.files.push(item);
        onFile?.(item);
      }
    }
    return result;
  } finally {
    filter.free();
  }
}
