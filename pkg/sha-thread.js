// Node: SHA-256 on a second thread. The bytes are copied into a ring
// shared with a worker thread, which hashes them with node:crypto while the
// encoder goes on. Inputs of up to RING bytes are hashed where they are.
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";

const SLOT = 1 << 20;
const SLOTS = 4;
const RING = SLOT * SLOTS;
// Control words (Int32): slots filled, slots hashed, the length of each slot,
// and "done": 1 when the producer has no more, 2 once the digest is written
// after the lengths, 3 when the hasher was dropped unfinished.
const FILLED = 0;
const HASHED = 1;
const DONE = 2;
const LEN = 3;
// How long digest() or a full ring waits for the worker (it waits only for CPU).
const STALL_MS = 30_000;

const worker = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
parentPort.on("message", ({ control, ring, slot, slots }) => {
  const c = new Int32Array(control);
  const data = new Uint8Array(ring);
  const sha = createHash("sha256");
  for (let n = 0; ; n++) {
    while (Atomics.load(c, ${FILLED}) === n) {
      const done = Atomics.load(c, ${DONE});
      if (done === 3) return;
      if (done === 1 && Atomics.load(c, ${FILLED}) === n) {
        const digest = new Uint8Array(control, (${LEN} + slots) * 4, 32);
        digest.set(sha.digest());
        Atomics.store(c, ${DONE}, 2);
        Atomics.notify(c, ${DONE});
        return;
      }
      Atomics.wait(c, ${FILLED}, n, 50);
    }
    const at = (n % slots) * slot;
    sha.update(data.subarray(at, at + Atomics.load(c, ${LEN} + (n % slots))));
    Atomics.store(c, ${HASHED}, n + 1);
    Atomics.notify(c, ${HASHED});
  }
});
`;

/** Idle workers, reused by later hashers; they do not keep the process alive. */
const idle = [];
/** Idle workers kept at most; more are ended (each holds an isolate). */
const KEEP_IDLE = 4;

function release(w) {
  if (idle.length < KEEP_IDLE) idle.push(w);
  else w.terminate();
}

/** How many workers wait for a hasher (for tests). */
export const idleWorkers = () => idle.length;

/** A hasher dropped before its digest lets its worker go. */
const dropped = new FinalizationRegistry(({ c, w }) => {
  Atomics.store(c, DONE, 3);
  Atomics.notify(c, FILLED);
  release(w);
});

function takeWorker() {
  const w = idle.pop() ?? new Worker(worker, { eval: true });
  w.unref();
  return w;
}

/** A SHA-256 hasher (`update`, `digest`) that hashes on another thread once its input outgrows the ring. */
export class ThreadedSha256 {
  constructor() {
    this.inline = createHash("sha256");
    this.held = 0;
    this.thread = null;
  }

  update(bytes) {
    if (this.thread === null) {
      if (this.held + bytes.length <= RING) {
        // Small so far: keep a copy, in case it stays small (not
        // `slice()`: on a Node Buffer that is a view of the caller's bytes).
        (this.pending ??= []).push(new Uint8Array(bytes));
        this.held += bytes.length;
        return this;
      }
      this.start();
    }
    let at = 0;
    while (at < bytes.length) at += this.put(bytes.subarray(at));
    return this;
  }

  start() {
    const control = new SharedArrayBuffer((LEN + SLOTS) * 4 + 32);
    const ring = new SharedArrayBuffer(RING);
    const w = takeWorker();
    w.postMessage({ control, ring, slot: SLOT, slots: SLOTS });
    const c = new Int32Array(control);
    this.thread = { w, c, control, data: new Uint8Array(ring), fill: 0 };
    dropped.register(this, { c, w }, this);
    for (const p of this.pending ?? []) {
      let at = 0;
      while (at < p.length) at += this.put(p.subarray(at));
    }
    this.pending = null;
  }

  /** Copies what fits into the current slot; returns how much. */
  put(bytes) {
    const t = this.thread;
    const n = Atomics.load(t.c, FILLED);
    while (n - Atomics.load(t.c, HASHED) >= SLOTS) {
      if (Atomics.wait(t.c, HASHED, n - SLOTS, STALL_MS) === "timed-out") {
        throw new Error("SHA-256 worker thread stalled");
      }
    }
    const take = Math.min(SLOT - t.fill, bytes.length);
    t.data.set(bytes.subarray(0, take), (n % SLOTS) * SLOT + t.fill);
    t.fill += take;
    if (t.fill === SLOT) this.flush();
    return take;
  }

  /** Hands the current slot to the worker. */
  flush() {
    const t = this.thread;
    const n = Atomics.load(t.c, FILLED);
    Atomics.store(t.c, LEN + (n % SLOTS), t.fill);
    Atomics.store(t.c, FILLED, n + 1);
    Atomics.notify(t.c, FILLED);
    t.fill = 0;
  }

  digest() {
    if (this.thread === null) {
      for (const p of this.pending ?? []) this.inline.update(p);
      return new Uint8Array(this.inline.digest());
    }
    const t = this.thread;
    if (t.fill > 0) this.flush();
    Atomics.store(t.c, DONE, 1);
    Atomics.notify(t.c, FILLED);
    while (Atomics.load(t.c, DONE) !== 2) {
      if (Atomics.wait(t.c, DONE, 1, STALL_MS) === "timed-out") {
        throw new Error("SHA-256 worker thread stalled");
      }
    }
    const out = new Uint8Array(32);
    out.set(new Uint8Array(t.control, (LEN + SLOTS) * 4, 32));
    this.thread = null;
    dropped.unregister(this);
    release(t.w);
    return out;
  }
}
