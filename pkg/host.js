// The runtime entry's hasher for the whole-file SHA-256 of deltas: Node's
// on a thread (sha-thread.js); browsers' on a worker (sha-browser.js),
// whose `room()` and `settle()`, where a hasher has them, are awaited.
export const host = { sha256: null };
