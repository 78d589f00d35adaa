// What can be uploaded, read in bounded chunks: a Blob or File, bytes, a
// ReadableStream, or (in Node) a file's path. Never the whole file at once.
import { WsyncError } from "./errors.js";

export const CHUNK = 1 << 20;

/** Milliseconds since the epoch as `{ sec, nsec }`. */
export function fromMs(ms) {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** Nanoseconds since the epoch (a bigint, as `stat(..., { bigint: true })` gives) as `{ sec, nsec }`. */
export function fromNs(ns) {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/**
 * @returns {Promise<{ size: number, mtime: {sec, nsec} | null, rereadable: boolean,
 *   chunks(): AsyncIterable<Uint8Array> }>}
 */
export async function openSource(source, options = {}) {
  let s;
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    s = blobSource(source);
  } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    s = bytesSource(source instanceof ArrayBuffer ? new Uint8Array(source) : source);
  } else if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) {
    if (!Number.isSafeInteger(options.size) || options.size < 0) {
      throw new WsyncError("InvalidOption", "option size: a ReadableStream needs its length in bytes");
    }
    s = streamSource(source, options.size);
  } else if (typeof source === "string" || source instanceof URL) {
    s = await pathSource(source);
  } else {
    throw new WsyncError("InvalidOption", "source: expected a Blob, File, Uint8Array, ReadableStream or path");
  }
  if (options.mtime?.sec !== undefined) {
    s.mtime = { sec: options.mtime.sec, nsec: options.mtime.nsec ?? 0 };
  } else if (options.mtime !== undefined) {
    const ms = options.mtime instanceof Date ? options.mtime.getTime() : options.mtime;
    if (!Number.isFinite(ms)) throw new WsyncError("InvalidOption", "option mtime: a Date or milliseconds");
    s.mtime = fromMs(ms);
  }
  return s;
}

function blobSource(blob) {
  return {
    size: blob.size,
    mtime: typeof blob.lastModified === "number" ? fromMs(blob.lastModified) : null,
    rereadable: true,
    // Its stream: in Chromium four times as fast as 1 MiB slices.
    async *chunks() {
      const reader = blob.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

function bytesSource(bytes) {
  return {
    size: bytes.length,
    mtime: null,
    rereadable: true,
    async *chunks() {
      for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
    },
  };
}

function streamSource(stream, size) {
  let used = false;
  return {
    size,
    mtime: null,
    rereadable: false,
    async *chunks() {
      if (used) throw new WsyncError("Io", "a ReadableStream can be read only once");
      used = true;
      const reader = stream.getReader();
      let total = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
          total += bytes.length;
          if (total > size) throw new WsyncError("Io", `the stream is longer than its size ${size}`);
          yield bytes;
        }
      } finally {
        reader.releaseLock();
      }
      if (total !== size) throw new WsyncError("Io", `the stream ended at ${total} of ${size} bytes`);
    },
  };
}

async function pathSource(path) {
  const fs = await import("node:fs/promises");
  let st;
  try {
    st = await fs.stat(path, { bigint: true });
  } catch (e) {
    throw new WsyncError("Io", `${path}: ${e.message}`, { cause: e });
  }
  if (!st.isFile()) throw new WsyncError("Io", `${path}: not a regular file`);
  const size = Number(st.size);
  return {
    size,
    mtime: fromNs(st.mtimeNs),
    rereadable: true,
    async *chunks() {
      const fh = await fs.open(path, "r");
      try {
        let at = 0;
        for (;;) {
          const buf = new Uint8Array(CHUNK);
          const { bytesRead } = await fh.read(buf, 0, CHUNK, at);
          if (bytesRead === 0) break;
          at += bytesRead;
          yield buf.subarray(0, bytesRead);
        }
        if (at !== size) throw new WsyncError("Io", `${path} changed size while it was read`);
      } finally {
        await fh.close();
      }
    },
  };
}
