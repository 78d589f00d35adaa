// Browsers: the whole-file SHA-256 of a delta on a Web Worker
// (sha-worker.js). In wasm it costs as much as the rest of the encoding,
// and browsers have no streaming native SHA-256. The digest comes by
// message: `await room()` after updates (bounds the bytes in flight),
// `await settle()` before `digest()`. Inputs up to 4 MiB, and any where no
// worker starts, are hashed here.
import { Sha256 } from "./wasm/wsync.js";
import { WsyncError } from "./errors.js";

const INLINE = 4 << 20;
const BACKLOG = 16 << 20;
const idle = [];
let core = null;
let broken = false;
let started = 0;
let ids = 0;

/** The compiled core for workers (set by ready()). */
export const setCoreModule = (m) => (core = m);

/** For tests. */
export const hashWorkers = () => ({ started, idle: idle.length, broken });

function release(w) {
  w.onmessage = w.onerror = null;
  if (idle.length < 2) idle.push(w);
  else w.terminate();
}

// A hasher dropped unfinished frees its worker (the next start resets it).
const dropped = new FinalizationRegistry(release);
const waiting = new Set();

export class WorkerSha256 {
  #id = ++ids;
  #held = []; // copies not yet posted nor hashed
  #heldBytes = 0;
  #w = null;
  #ready = false;
  #inline = null;
  #inFlight = 0;
  #digest = null;
  #error = null;
  #wake = null;

  update(bytes) {
    if (this.#error || this.#digest) throw this.#error ?? new WsyncError("Finished", "WorkerSha256: digested");
    if (this.#inline) return this.#inline.update(bytes), this;
    const copy = new Uint8Array(bytes); // the caller may reuse its array
    if (this.#ready) return this.#post(copy), this;
    this.#held.push(copy);
    this.#heldBytes += copy.length;
    if (!this.#w && this.#heldBytes > INLINE) this.#start();
    return this;
  }

  #start() {
    let w = idle.pop();
    const known = Boolean(w);
    try {
      if (!w && !broken && core && typeof Worker !== "undefined") {
        w = new Worker(new URL("./sha-worker.js", import.meta.url), { type: "module" });
        w.postMessage({ module: core });
        started++;
      }
    } catch {
      broken = true;
    }
    if (!w) return this.#toInline();
    this.#w = w;
    // Weakly: the registry holds the worker, which must not hold the hasher.
    const me = new WeakRef(this);
    w.onmessage = ({ data: m }) => me.deref()?.#receive(m);
    w.onerror = (e) => (e.preventDefault(), me.deref()?.#lost(e.message));
    w.postMessage({ id: this.#id, start: true });
    dropped.register(this, w, this);
    if (known) this.#begin();
  }

  #begin() {
    this.#ready = true;
    for (const c of this.#held) this.#post(c);
    this.#held = [];
    this.#heldBytes = 0;
    this.#poke();
  }

  #toInline() {
    this.#inline = new Sha256();
    for (const c of this.#held) this.#inline.update(c);
    this.#held = [];
    this.#heldBytes = 0;
    this.#poke();
  }

  #post(copy) {
    this.#inFlight += copy.length;
    this.#w.postMessage({ id: this.#id, bytes: copy }, [copy.buffer]);
  }

  #receive(m) {
    if ("ready" in m) {
      if (!m.ready) this.#lost(m.error);
      else if (!this.#ready) this.#begin();
    } else if (m.id === this.#id) {
      // (Others are an earlier hasher's, on a reused worker.)
      if (m.error) this.#lost(m.error);
      this.#inFlight -= m.hashed ?? 0;
      this.#digest ??= m.digest ?? null;
      this.#poke();
    }
  }

  /** The worker failed: before it ran, hash here; after, what it had is lost. */
  #lost(why) {
    const w = this.#w;
    if (!w) return;
    dropped.unregister(this);
    w.onmessage = w.onerror = null;
    w.terminate();
    this.#w = null;
    if (this.#ready) {
      this.#error ??= new WsyncError("Worker", `the SHA-256 worker failed: ${why}`);
      this.#poke();
    } else {
      broken = true;
      this.#toInline();
    }
  }

  #poke() {
    const f = this.#wake;
    this.#wake = null;
    f?.();
  }

  async #until(done) {
    waiting.add(this); // while awaited: workers hold hashers weakly
    try {
      for (;;) {
        if (this.#error) throw this.#error;
        if (done()) return;
        await new Promise((r) => (this.#wake = r));
      }
    } finally {
      waiting.delete(this);
    }
  }

  /** Resolves once at most `limit` bytes wait to be hashed. */
  room(limit = BACKLOG) {
    return this.#until(() => !this.#w || this.#heldBytes + this.#inFlight <= limit);
  }

  /** Hashes everything given so far; `digest()` then returns it. */
  async settle() {
    if (this.#digest) return;
    await this.#until(() => this.#ready || !this.#w);
    if (this.#w) {
      this.#w.postMessage({ id: this.#id, digest: true });
      await this.#until(() => this.#digest);
      return this.close();
    }
    if (!this.#inline) this.#toInline();
    this.#digest = this.#inline.finish();
    this.close();
  }

  digest() {
    if (!this.#digest) throw new WsyncError("InvalidOption", "WorkerSha256: digest() before settle()");
    return this.#digest;
  }

  /** Frees the worker for later hashers; settle() then fails unless it is done. */
  close() {
    if (this.#w) {
      dropped.unregister(this);
      // One not known to run is not kept.
      if (this.#ready) release(this.#w);
      else this.#w.terminate();
      this.#w = null;
    }
    this.#inline?.free();
    this.#inline = null;
    this.#held = [];
    this.#heldBytes = 0;
    if (!this.#digest) this.#error ??= new WsyncError("Closed", "WorkerSha256: closed");
    this.#poke();
  }
}
