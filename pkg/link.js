// A WebSocket as a queue of binary messages: the shim's only I/O. It moves
// bytes; what they mean is the wasm ClientSession's business.
import { WsyncError } from "./errors.js";

let defaultWebSocket = globalThis.WebSocket;

/** Node 20 has no global WebSocket: its entry passes the `ws` package here. */
export function setDefaultWebSocket(ws) {
  defaultWebSocket ??= ws;
}

export class Link {
  #ws;
  #queue = [];
  #waiter = null;
  #closed = null;
  sent = 0;
  received = 0;

  /** Opens `url`; rejects with a WsyncError("Connect") when it cannot. */
  static open(url, WebSocketImpl, signal) {
    const WS = WebSocketImpl ?? defaultWebSocket;
    if (!WS) {
      throw new WsyncError("Connect", "no WebSocket here: pass options.WebSocket");
    }
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new WS(String(url));
      } catch (e) {
        reject(new WsyncError("Connect", `cannot connect to ${url}: ${e.message}`, { cause: e }));
        return;
      }
      ws.binaryType = "arraybuffer";
      const link = new Link(ws);
      const fail = (why) => {
        reject(new WsyncError("Connect", `cannot connect to ${url}${why ? `: ${why}` : ""}`));
      };
      const onAbort = () => {
        ws.close();
        reject(new WsyncError("Aborted", "connecting was cancelled"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      ws.onopen = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(link);
      };
      ws.onerror = (e) => fail(e?.message);
      ws.onclose = (e) => fail(e?.reason || (e?.code ? `closed (${e.code})` : ""));
    }).then((link) => {
      link.#listen();
      return link;
    });
  }

  constructor(ws) {
    this.#ws = ws;
  }

  #listen() {
    const ws = this.#ws;
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        this.#close(new WsyncError("Protocol", "the server sent a text message"));
        return;
      }
      const bytes = new Uint8Array(e.data);
      this.received += bytes.length;
      this.#queue.push(bytes);
      this.#wake();
    };
    ws.onclose = (e) => {
      const why = e?.reason ? `: ${e.reason}` : "";
      this.#close(new WsyncError("Closed", `the connection closed${why}`));
    };
    ws.onerror = () => this.#close(new WsyncError("Closed", "the connection failed"));
  }

  #close(err) {
    this.#closed ??= err;
    this.#wake();
  }

  #wake() {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  get closed() {
    return this.#closed !== null;
  }

  send(bytes) {
    if (this.#closed) throw this.#closed;
    this.sent += bytes.length;
    this.#ws.send(bytes);
  }

  /** The next message; rejects once the connection is closed and drained. */
  async next() {
    while (this.#queue.length === 0) {
      if (this.#closed) throw this.#closed;
      await new Promise((r) => (this.#waiter = r));
    }
    return this.#queue.shift();
  }

  /** Waits until at most `limit` bytes wait in the socket's send buffer. */
  async drain(limit) {
    while (this.#ws.bufferedAmount > limit) {
      if (this.#closed) throw this.#closed;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  close() {
    this.#close(new WsyncError("Closed", "the session is closed"));
    try {
      this.#ws.close();
    } catch {
      // Already closed.
    }
  }
}
