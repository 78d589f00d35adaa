export * from "./wasm/wsync.js";
import type { PatchOptions, PatchReport, DeltaOptions, DeltaStats, Signature, SignatureOptions } from "./wasm/wsync.js";

/**
 * Loads the wasm core (browsers and bundlers fetch `wsync_bg.wasm` next to
 * the package's entry, or from `source`; edge runtimes pass the imported
 * `WebAssembly.Module`); resolves once the classes can be used. In Node and
 * workerd the core is loaded on import and this resolves at once.
 */
export function ready(source?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Every error the package throws. */
export class WsyncError extends Error {
  /**
   * "AuthFailed", "NoModule", "Denied", "NotFound", "BadPath", "BasisChanged",
   * "HashMismatch", "TooLarge", "Busy", "Io", "BadDelta", "TryLater",
   * "Cancelled" (from the server); "Aborted", "Closed", "Connect", "Protocol",
   * "InvalidOption", "Worker" (from this side); or a core error's code
   * ("BadMagic", "CopyOutOfRange", "FilterRule"...).
   */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions);
}

export interface ConnectOptions {
  /**
   * HMAC challenge answered with a user's secret, or a bearer token; none:
   * anonymous. A token, like anonymous, reaches only the modules without
   * `auth users`; those with them need the user login.
   */
  auth?: { user: string; password: string } | { token: string };
  /** A WebSocket class (default: the global one; the `ws` package in Node 20). */
  WebSocket?: unknown;
  /** Deflate level for literal bytes, 0 to 9 (default 6). */
  compressLevel?: number;
  signal?: AbortSignal;
}

/** Opens a session with a wsync server: its WebSocket endpoint, e.g. `ws://host:8080/ws`. */
export function connect(url: string | URL, options?: ConnectOptions): Promise<Session>;

export interface ModuleInfo {
  name: string;
  comment: string;
}

export interface Entry {
  /** Relative to the module. */
  path: string;
  kind: "file" | "dir" | "symlink";
  size: number;
  /** Seconds since the epoch, and nanoseconds. */
  mtime: number;
  mtimeNsec: number;
  mode: number;
  /** A symlink's target; "" otherwise. */
  target: string;
}

/** A File, Blob or bytes; a ReadableStream (with `size`); a file's path in Node. */
export type Source = Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | string | URL;

export interface Progress {
  /** Bytes of the source read (and encoded) so far. */
  read: number;
  total: number;
  /** Bytes sent on the wire so far. */
  sent: number;
}

export interface UploadOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** The length of a ReadableStream source (required for streams). */
  size?: number;
  /** The mtime the server's copy gets (default: the File's or file's own). */
  mtime?: Date | number | { sec: number; nsec: number };
}

export interface UploadResult {
  size: number;
  bytesSent: number;
  bytesReceived: number;
  literalBytes: number;
  matchedBytes: number;
  /** The file's SHA-256, hex. */
  sha256: string;
  /** The server's copy changed meanwhile, and the upload was done again. */
  retried: boolean;
  /** The connection dropped, and the upload resumed where the server was. */
  resumed: boolean;
}

export interface SyncFile {
  path: string;
  action: "uploaded" | "skipped" | "deleted";
  result?: UploadResult;
}

export interface SyncProgress extends Progress {
  path: string;
  index: number;
  count: number;
  totalRead: number;
  totalSize: number;
  totalSent: number;
}

export interface SyncOptions {
  /** rsync filter rules ("- *.tmp", "+ docs/", "- /build/"...): text read as rsync reads a merge file (a rule a line, `#`/`;` comments), or an array of rules. */
  filters?: string | string[];
  /** Delete the server's files that are not in `files` (excluded ones are spared, as rsync). */
  delete?: boolean;
  onProgress?: (p: SyncProgress) => void;
  onFile?: (f: SyncFile) => void;
  signal?: AbortSignal;
}

export interface SyncResult {
  files: SyncFile[];
  /** Paths the filters left out. */
  excluded: string[];
  bytesSent: number;
  totalSize: number;
}

/** `files`: a FileList or Files (path: webkitRelativePath or name), `{ path, file }`s, or a directory in Node. */
export type SyncSource = FileList | Iterable<File | { path: string; file: Blob | Uint8Array; lastModified?: number }> | string;

export class Session {
  readonly motd: string;
  /** Bytes both ways of the last patchCached(). */
  lastPull: { bytesSent: number; bytesReceived: number; size: number } | null;
  listModules(): Promise<ModuleInfo[]>;
  /** Entries of `MODULE[/DIR]`. */
  list(remotePath: string, options?: { recursive?: boolean; signal?: AbortSignal }): Promise<Entry[]>;
  /** Sends `source` as `MODULE/PATH`; only the changed bytes cross the wire. */
  upload(source: Source, remotePath: string, options?: UploadOptions): Promise<UploadResult>;
  /** Uploads a folder's changed files into `MODULE[/DIR]`. */
  syncFiles(files: SyncSource, remoteDir: string, options?: SyncOptions): Promise<SyncResult>;
  /** The server's `MODULE/PATH`, fetched as a delta against `cached`; verified by SHA-256. */
  patchCached(cached: Uint8Array, remotePath: string, options?: { signal?: AbortSignal; maxOutput?: number }): Promise<Uint8Array>;
  delete(remotePath: string): Promise<void>;
  close(): void;
}

/**
 * Browsers: SHA-256 computed on a Web Worker, for `DeltaOptions.sha256`, so
 * that a delta's whole-file check runs beside the encoder (uploads and
 * `deltaStream` use one by themselves). Its digest is asynchronous:
 * `await room()` after each `DeltaEncoder.update()` (it bounds the bytes in
 * flight) and `await settle()` before `finish()`. Inputs up to 4 MiB, and
 * runtimes where no worker starts, hash in wasm on the calling thread.
 * Errors: `Worker` (the worker died), `Closed` (closed before settling).
 */
export class WorkerSha256 {
  constructor();
  update(bytes: Uint8Array): this;
  room(limit?: number): Promise<void>;
  settle(): Promise<void>;
  digest(): Uint8Array;
  /** Lets the worker go to later hashers, for a hasher given up before settle(). */
  close(): void;
}

/** The same operations, run in a module Web Worker. */
export class WorkerClient {
  constructor(url: string | URL, options?: { auth?: ConnectOptions["auth"]; worker?: Worker });
  listModules(): Promise<ModuleInfo[]>;
  list(remotePath: string, options?: { recursive?: boolean; signal?: AbortSignal }): Promise<Entry[]>;
  upload(source: Blob | Uint8Array, remotePath: string, options?: UploadOptions): Promise<UploadResult>;
  syncFiles(files: SyncSource, remoteDir: string, options?: SyncOptions): Promise<SyncResult>;
  patchCached(cached: Uint8Array, remotePath: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  delete(remotePath: string): Promise<void>;
  close(): void;
}

/** Basis bytes in, the encoded signature out. */
export function signatureStream(options?: SignatureOptions): TransformStream<Uint8Array, Uint8Array>;
/** New-file bytes in, delta bytes out. */
export function deltaStream(
  signature: Signature | Uint8Array,
  options?: Omit<DeltaOptions, "onOutput">,
): TransformStream<Uint8Array, Uint8Array> & { stats(): DeltaStats | null };
/** Delta bytes in, the new file out; `report` settles at the end. */
export function patchStream(
  basis: Uint8Array,
  options?: Omit<PatchOptions, "onOutput">,
): TransformStream<Uint8Array, Uint8Array> & { report: Promise<PatchReport> };
