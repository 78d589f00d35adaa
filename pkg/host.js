// The runtime entry's hashers for the whole-file SHA-256 of deltas: Node's
// on a thread (sha-thread.js); browsers' on a worker (sha-browser.js),
// whose `room()` and `settle()` are awaited.
export const host = { sha256: null, sha256Async: null };
