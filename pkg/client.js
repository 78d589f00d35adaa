// The high-level client: `connect()` and its Session. It only moves bytes
// between a WebSocket and the wasm ClientSession (src/protocol/client.rs),
// which owns the protocol: framing, auth, flow control and the delta encoder.
import { ClientSession, Patcher, SignatureBuilder, uploadRetry } from "./wasm/wsync.js";
import { WsyncError, wrap } from "./errors.js";
import { host } from "./host.js";
import { Link } from "./link.js";
import { openSource } from "./source.js";
import { syncFiles } from "./sync.js";

/** Unacknowledged bytes kept in the socket's send buffer. */
const SEND_BUFFER = 4 << 20;

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** "module/dir/file" → ["module", "dir/file"]. */
export function splitRemote(remotePath) {
  if (typeof remotePath !== "string") throw new WsyncError("InvalidOption", "remote path: expected a string");
  const p = remotePath.replace(/^\/+/, "");
  const i = p.indexOf("/");
  const module = i < 0 ? p : p.slice(0, i);
  if (!module) throw new WsyncError("InvalidOption", `remote path ${JSON.stringify(remotePath)}: expected MODULE/PATH`);
  return [module, i < 0 ? "" : p.slice(i + 1).replace(/\/+$/, "")];
}

/** Events for one request, in order. */
class Inbox {
  #events = [];
  #wake = null;
  #error = null;

  push(e) {
    this.#events.push(e);
    this.#poke();
  }
  close(err) {
    this.#error ??= err;
    this.#poke();
  }
  #poke() {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }
  /** Events that arrived already, without waiting. */
  take() {
    return this.#events.splice(0);
  }
  async next(signal) {
    while (this.#events.length === 0) {
      if (this.#error) throw this.#error;
      if (signal?.aborted) throw new WsyncError("Aborted", "cancelled");
      const onAbort = () => this.#poke();
      signal?.addEventListener("abort", onAbort, { once: true });
      await new Promise((r) => (this.#wake = r));
      signal?.removeEventListener("abort", onAbort);
    }
    return this.#events.shift();
  }
}

/** One connection: a socket and the session state machine that speaks over it. */
class Conn {
  inboxes = new Map();
  motd = "";
  #error = null;

  constructor(link, session) {
    this.link = link;
    this.session = session;
  }

  static async open(url, options) {
    const link = await Link.open(url, options.WebSocket, options.signal);
    const conn = new Conn(link, wrap(() => new ClientSession({ agent: "wsync-js", compressLevel: options.compressLevel })));
    const ready = conn.inbox(0);
    conn.flush();
    conn.#run();
    for (;;) {
      const e = await ready.next(options.signal).catch((err) => {
        link.close();
        throw err;
      });
      if (e.type === "challenge") {
        const auth = options.auth ?? {};
        if (typeof auth.token === "string") conn.session.authenticateToken(auth.token);
        else if (typeof auth.user === "string") wrap(() => conn.session.authenticate(auth.user, String(auth.password ?? "")));
        else conn.session.authenticateToken(""); // anonymous: modules without auth users
        conn.flush();
      } else if (e.type === "ready") {
        conn.inboxes.delete(0);
        conn.motd = e.motd;
        return conn;
      }
    }
  }

  inbox(id) {
    let box = this.inboxes.get(id);
    if (!box) {
      box = new Inbox();
      if (this.#error) box.close(this.#error);
      this.inboxes.set(id, box);
    }
    return box;
  }

  /** Sends what the session queued and hands its events to their requests. */
  flush() {
    for (const item of this.session.drain()) {
      if (item instanceof Uint8Array) {
        this.link.send(item);
      } else {
        const id = item.id ?? 0;
        this.inboxes.get(id)?.push(item);
      }
    }
  }

  async #run() {
    try {
      for (;;) {
        const msg = await this.link.next();
        try {
          this.session.receive(msg);
        } finally {
          this.flush();
        }
      }
    } catch (e) {
      this.#error = WsyncError.from(e);
      for (const box of this.inboxes.values()) box.close(this.#error);
      this.link.close();
    }
  }

  get closed() {
    return this.#error !== null || this.link.closed;
  }
}

/** Opens a session with a wsync server (its WebSocket endpoint, e.g. `ws://host:8080/ws`). */
export async function connect(url, options = {}) {
  if (options === null || typeof options !== "object") {
    throw new WsyncError("InvalidOption", "options: expected an object");
  }
  const conn = await Conn.open(url, options);
  return new Session(url, options, conn);
}

export class Session {
  #url;
  #options;
  #conn;
  /** Bytes both ways of the last `patchCached`. */
  lastPull = null;

  constructor(url, options, conn) {
    this.#url = url;
    this.#options = options;
    this.#conn = conn;
  }

  get motd() {
    return this.#conn.motd;
  }

  /** The connection, opened again if it dropped. */
  async #live() {
    if (this.#conn.closed) this.#conn = await Conn.open(this.#url, this.#options);
    return this.#conn;
  }

  /** Sends a request and waits for its last event. */
  async #request(start, signal) {
    const conn = await this.#live();
    const id = start(conn.session);
    const box = conn.inbox(id);
    conn.flush();
    const events = [];
    try {
      for (;;) {
        const e = await box.next(signal);
        if (e.type === "failed") throw new WsyncError(e.code, e.message);
        events.push(e);
        if (e.type === "done" || e.type === "modules" || (e.type === "entries" && e.done)) return events;
      }
    } finally {
      conn.inboxes.delete(id);
    }
  }

  async listModules() {
    const [e] = await this.#request((s) => s.listModules());
    return e.modules;
  }

  /** Entries under `MODULE[/DIR]`, paths relative to the module. */
  async list(remotePath, { recursive = false, signal } = {}) {
    const [module, path] = splitRemote(remotePath);
    const events = await this.#request((s) => s.list(module, path, Boolean(recursive)), signal);
    return events.flatMap((e) => e.entries);
  }

  async delete(remotePath) {
    const [module, path] = splitRemote(remotePath);
    await this.#request((s) => s.delete(module, path));
  }

  /**
   * Sends `source` as `MODULE/PATH`: only the delta against the server's
   * copy crosses the wire. Retries once when the server's copy changed
   * meanwhile, and resumes (up to 3 times) when the connection drops.
   */
  async upload(source, remotePath, options = {}) {
    const [module, path] = splitRemote(remotePath);
    if (!path) throw new WsyncError("InvalidOption", "remote path: expected MODULE/PATH");
    const { signal, onProgress } = options;
    const src = await openSource(source, options);
    // The link's counters when the bytes counted so far were taken: an
    // attempt on the same connection counts from there, a new one from 0.
    const conn0 = this.#conn;
    let mark = { conn: conn0, sent: conn0.link.sent, received: conn0.link.received };
    let sent = 0;
    let received = 0;
    // What to do after a failed attempt: the core's upload retry policy,
    // its state a number (src/wasm/retry.rs): the strong sum length in
    // bits 0-7, bit 8 set once the upload started over.
    let retry = 0;
    let resumed = false;
    let token = null;
    let used = false;
    for (;;) {
      if (used && !src.rereadable) throw new WsyncError("Io", "the source cannot be read twice to retry");
      used = true;
      const conn = await this.#live();
      const base = conn === mark.conn ? mark : { sent: 0, received: 0 };
      const count = () => ({ sent: sent + conn.link.sent - base.sent, received: received + conn.link.received - base.received });
      let outcome;
      let failure;
      try {
        outcome = await this.#pushOnce(conn, module, path, src, token, retry & 255, signal, (read) => {
          onProgress?.({ read, total: src.size, sent: count().sent });
        }, (t) => (token = t));
      } catch (e) {
        failure = WsyncError.from(e);
        if (failure.code !== "Closed" || !src.rereadable || signal?.aborted) throw failure;
      }
      ({ sent, received } = count());
      mark = { conn, sent: conn.link.sent, received: conn.link.received };
      if (outcome?.stats) {
        const s = outcome.stats;
        return {
          size: s.newLen,
          bytesSent: sent,
          bytesReceived: received,
          literalBytes: s.literalBytes,
          matchedBytes: s.matchedBytes,
          sha256: hex(s.sha256),
          retried: (retry & 256) !== 0,
          resumed,
        };
      }
      failure ??= new WsyncError(outcome.failed.code, outcome.failed.message);
      const dropped = failure.code === "Closed";
      const r = uploadRetry(retry, dropped ? 0 : outcome.failed.number, token !== null);
      const step = Math.floor(r / 2 ** 32);
      retry = r % 2 ** 32;
      if (step === 0) throw failure;
      if (step === 1) token = null;
      if (dropped) resumed = token !== null;
      if (step > 2) await new Promise((w) => setTimeout(w, step - 2));
    }
  }

  async #pushOnce(conn, module, path, src, token, strong, signal, progress, keepToken) {
    const s = conn.session;
    const id = s.push(module, path, src.size, token ?? undefined, strong);
    // The whole-file SHA-256 off this thread (host.js).
    const hasher = host.sha256?.() ?? null;
    if (hasher) wrap(() => s.pushHasher(id, hasher));
    const box = conn.inbox(id);
    conn.flush();
    const cancel = () => {
      if (!conn.closed) {
        s.cancel(id);
        conn.flush();
      }
    };
    try {
      let e = await box.next(signal);
      if (e.type === "failed") return { failed: e };
      keepToken(e.token);
      let read = 0;
      for await (const chunk of src.chunks()) {
        while (!s.pushWindowOpen(id)) {
          e = await box.next(signal);
          if (e.type === "failed") return { failed: e };
        }
        wrap(() => s.pushData(id, chunk));
        conn.flush();
        read += chunk.length;
        for (const ev of box.take()) if (ev.type === "failed") return { failed: ev };
        await conn.link.drain(SEND_BUFFER);
        await hasher?.room?.();
        if (signal?.aborted) throw new WsyncError("Aborted", "upload cancelled");
        progress(read);
      }
      const m = src.mtime;
      await hasher?.settle?.();
      const stats = wrap(() => s.pushFinish(id, m ? m.sec : undefined, m ? m.nsec : 0, 0));
      conn.flush();
      // Once the commit is sent, the outcome is the server's: wait for it
      // even when cancelled, so the caller learns whether the file changed.
      for (;;) {
        e = await box.next();
        if (e.type === "done") return { stats };
        if (e.type === "failed") return { failed: e };
      }
    } catch (e) {
      cancel(); // the server drops the upload's temporary file
      throw e;
    } finally {
      conn.inboxes.delete(id);
      hasher?.close?.();
    }
  }

  /**
   * The pull direction, for caches: sends the signature of `cached`, gets
   * a delta of the server's `MODULE/PATH` against it, and returns the new
   * bytes, verified by SHA-256.
   */
  async patchCached(cached, remotePath, { signal, maxOutput } = {}) {
    const [module, path] = splitRemote(remotePath);
    if (!(cached instanceof Uint8Array)) throw new WsyncError("InvalidOption", "cached: expected a Uint8Array");
    const conn = await this.#live();
    const start = { sent: conn.link.sent, received: conn.link.received };
    const sig = wrap(() => {
      const b = new SignatureBuilder({ lenHint: cached.length });
      b.update(cached);
      return b.finish();
    });
    const parts = [];
    let size = 0;
    const patcher = wrap(() => new Patcher(cached, { maxOutput, onOutput: (c) => { parts.push(c); size += c.length; } }));
    const id = conn.session.pull(module, path, sig);
    const box = conn.inbox(id);
    conn.flush();
    try {
      let applied = 0;
      for (;;) {
        const e = await box.next(signal);
        if (e.type === "failed") throw new WsyncError(e.code, e.message);
        if (e.type === "pullData") {
          wrap(() => patcher.update(e.data));
          applied += e.data.length;
          conn.session.pullApplied(id, applied);
          conn.flush();
        } else if (e.type === "pullEnd") {
          // The session checks the result against the server's SHA-256.
          const report = wrap(() => patcher.finish());
          wrap(() => conn.session.pullFinish(id, report.sha256 ?? new Uint8Array(0)));
          this.lastPull = { bytesSent: conn.link.sent - start.sent, bytesReceived: conn.link.received - start.received, size };
          const out = new Uint8Array(size);
          let at = 0;
          for (const p of parts) {
            out.set(p, at);
            at += p.length;
          }
          return out;
        }
      }
    } catch (e) {
      if (WsyncError.from(e).code === "Aborted" && !conn.closed) {
        conn.session.cancel(id);
        conn.flush();
      }
      throw WsyncError.from(e);
    } finally {
      conn.inboxes.delete(id);
      patcher.free();
      sig.free();
    }
  }

  /** Uploads a folder's files, skipping unchanged ones (see sync.js). */
  syncFiles(files, remoteDir, options = {}) {
    return syncFiles(this, files, remoteDir, options);
  }

  close() {
    this.#conn.link.close();
  }
}
