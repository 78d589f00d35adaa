// Web Streams over the core: pipe a file's bytes through and read the
// signature, delta or patched output, in bounded memory.
import { DeltaEncoder, Patcher, Signature, SignatureBuilder } from "./wasm/wsync.js";
import { WsyncError, wrap } from "./errors.js";
import { host } from "./host.js";

/**
 * A TransformStream driving a core object. `pace`, if given, is awaited
 * after each chunk and `settle` before the end (an asynchronous hasher's
 * `room()` and `settle()`).
 */
function transform(start, update, finish, { pace, settle } = {}) {
  let state;
  return new TransformStream({
    start() {
      state = wrap(start);
    },
    transform(chunk, controller) {
      if (!(chunk instanceof Uint8Array)) {
        throw new WsyncError("InvalidOption", "stream chunks must be Uint8Arrays");
      }
      const out = wrap(() => update(state, chunk, controller));
      if (out?.length) controller.enqueue(out);
      return pace?.();
    },
    async flush(controller) {
      await settle?.();
      const out = wrap(() => finish(state, controller));
      if (out?.length) controller.enqueue(out);
    },
  });
}

/**
 * Basis bytes in, the encoded signature out (at the end). `options` as for
 * `new SignatureBuilder()`.
 */
export function signatureStream(options) {
  return transform(
    () => new SignatureBuilder(options),
    (b, chunk) => b.update(chunk),
    (b) => {
      const sig = b.finish();
      const bytes = sig.encode();
      sig.free();
      return bytes;
    },
  );
}

/**
 * New-file bytes in, delta bytes out, against `signature` (a Signature or
 * its encoded bytes). `stream.stats()` gives the encoder's counters.
 */
export function deltaStream(signature, options) {
  let last = null;
  let encoder = null;
  // The runtime's hasher (host.js), unless the options name one.
  let hasher = null;
  const stream = transform(
    () => {
      const sig = signature instanceof Uint8Array ? Signature.decode(signature) : signature;
      if (!(options && "sha256" in options)) hasher = host.sha256?.() ?? null;
      encoder = new DeltaEncoder(sig, { sha256: hasher ?? undefined, ...options, onOutput: undefined });
      return encoder;
    },
    (e, chunk) => e.update(chunk),
    (e) => {
      const out = e.finish();
      last = e.stats();
      e.free();
      encoder = null;
      return out;
    },
    { pace: () => hasher?.room?.(), settle: () => hasher?.settle?.() },
  );
  stream.stats = () => last ?? encoder?.stats() ?? null;
  return stream;
}

/**
 * Delta bytes in, the patched file out, applied to `basis` (a Uint8Array).
 * `stream.report` resolves to the verified PatchReport at the end, or
 * rejects with the error that ended the stream.
 */
export function patchStream(basis, options = {}) {
  let settle;
  const report = new Promise((resolve, reject) => (settle = { resolve, reject }));
  report.catch(() => {});
  let sink = null;
  const stream = transform(
    () => new Patcher(basis, { ...options, onOutput: (c) => sink.enqueue(c) }),
    (p, chunk, controller) => {
      sink = controller;
      try {
        p.update(chunk);
      } catch (e) {
        settle.reject(WsyncError.from(e));
        throw e;
      }
    },
    (p, controller) => {
      sink = controller;
      try {
        settle.resolve(p.finish());
      } catch (e) {
        settle.reject(WsyncError.from(e));
        throw e;
      }
      p.free();
    },
  );
  stream.report = report;
  return stream;
}
