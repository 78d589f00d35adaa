// The worker of sha-browser.js: SHA-256 in its own instance of the core.
// In order: `{ module }` (answered `{ ready, error }`), `{ id, start }`,
// `{ id, bytes }` (answered `{ id, hashed }`), `{ id, digest: true }`
// (answered `{ id, digest }`); a failure is answered `{ id, error }`.
import { initSync, Sha256 } from "./wasm/wsync.js";

let sha = null;
let current = 0;

self.onmessage = ({ data: m }) => {
  if (m.module) {
    try {
      initSync({ module: m.module });
      self.postMessage({ ready: true });
    } catch (e) {
      self.postMessage({ ready: false, error: String(e?.message ?? e) });
    }
    return;
  }
  try {
    if (m.start) {
      sha?.free();
      sha = new Sha256();
      current = m.id;
    } else if (m.id !== current || !sha) {
      throw new Error(`no hash ${m.id} in progress`);
    } else if (m.bytes) {
      sha.update(m.bytes);
      self.postMessage({ id: m.id, hashed: m.bytes.length });
    } else {
      const digest = sha.finish();
      sha.free();
      sha = null;
      self.postMessage({ id: m.id, digest }, [digest.buffer]);
    }
  } catch (e) {
    self.postMessage({ id: m.id, error: String(e?.message ?? e) });
  }
};
