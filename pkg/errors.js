// WsyncError: every error the package throws, with a `code` to branch on.

export class WsyncError extends Error {
  /**
   * @param {string} code  "AuthFailed", "NotFound", "BasisChanged", "Aborted",
   *   "Closed", "Connect", "Protocol", "InvalidOption", or a core error's code
   * @param {string} message
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = "WsyncError";
    this.code = code;
  }

  /** A WsyncError for anything thrown: wasm errors keep their `code`. */
  static from(e) {
    if (e instanceof WsyncError) return e;
    if (e?.name === "AbortError") return new WsyncError("Aborted", "cancelled", { cause: e });
    const code = typeof e?.code === "string" ? e.code : "Error";
    return new WsyncError(code, e?.message ?? String(e), { cause: e });
  }
}

/** Runs `f`, turning what it throws into a WsyncError. */
export function wrap(f) {
  try {
    return f();
  } catch (e) {
    throw WsyncError.from(e);
  }
}
