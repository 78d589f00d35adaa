#!/usr/bin/env node
// `npx wsync signature|delta|patch|upload ...`: the native binary's
// commands and arguments, on the wasm core, for Node tooling without a
// native build. Errors are one line with the native exit codes: 1 usage,
// 5 authentication, 10 connection, 11 file I/O, 12 bad data.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { connect, DeltaEncoder, Patcher, SignatureBuilder, SignatureDecoder, WsyncError } from "../node.js";

const USAGE = `usage: wsync signature [-b N] [-S N] [--seed HEX] [--stats] BASIS SIG
       wsync delta [--format wsync|rdiff] [--compress-level N] [--stats] SIG NEW DELTA
       wsync patch [--max-output BYTES] [--stats] BASIS DELTA NEW
       wsync upload [--token T] [--password-file F] [--stats] FILE ws://[USER@]HOST[:PORT]/MODULE/PATH
(- is standard input or output)`;

class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.exitCode = code;
  }
}
const usage = (m) => new Exit(1, m);
const CODES = { AuthFailed: 5, Connect: 10, Closed: 10, Io: 11, NotFound: 11, Denied: 11, NoModule: 11, InvalidOption: 1 };

function args(argv, options, count) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usage(e.message);
  }
  if (parsed.positionals.length !== count) throw usage(`expected ${count} file arguments\n${USAGE}`);
  return parsed;
}

function int(v, name, min, max) {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usage(`--${name}: expected ${min} to ${max}`);
  return Number(v);
}

/** The chunks of a file, or of standard input for "-". */
async function* chunks(path) {
  const stream = path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const c of stream) yield new Uint8Array(c.buffer, c.byteOffset, c.length);
  } catch (e) {
    throw new Exit(11, `${path}: ${e.message}`);
  }
}

/** Writes into a temporary file renamed over `path` at commit(); "-" is stdout. */
function output(path) {
  if (path === "-") {
    return { write: (b) => b.length && process.stdout.write(b), commit: async () => {}, abort() {} };
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const out = createWriteStream(tmp);
  const failed = new Promise((_, reject) => out.on("error", (e) => reject(new Exit(11, `${path}: ${e.message}`))));
  failed.catch(() => {});
  return {
    write: (b) => b.length && out.write(b),
    async commit() {
      await Promise.race([new Promise((r) => out.end(r)), failed]);
      renameSync(tmp, path);
    },
    abort() {
      out.destroy();
      rmSync(tmp, { force: true });
    },
  };
}

async function withOutput(path, f) {
  const out = output(path);
  try {
    await f(out);
    await out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
}

const commands = {
  async signature(argv) {
    const { values: v, positionals: [basis, sig] } = args(argv, {
      "block-size": { type: "string", short: "b" },
      "strong-len": { type: "string", short: "S" },
      seed: { type: "string" },
      stats: { type: "boolean" },
    }, 2);
    let seed;
    if (v.seed !== undefined) {
      if (!/^[0-9a-fA-F]{1,32}$/.test(v.seed)) throw usage("--seed: expected 1 to 32 hex digits");
      seed = new Uint8Array(16);
      const hex = v.seed.padStart(32, "0");
      for (let i = 0; i < 16; i++) seed[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    }
    const lenHint = basis === "-" ? undefined : statOrFail(basis).size;
    const b = new SignatureBuilder({
      blockLen: int(v["block-size"], "block-size", 1, 2 ** 32 - 1),
      strongLen: int(v["strong-len"], "strong-len", 1, 255),
      seed,
      lenHint,
    });
    for await (const c of chunks(basis)) b.update(c);
    const s = b.finish();
    const bytes = s.encode();
    await withOutput(sig, (out) => out.write(bytes));
    if (v.stats) {
      process.stderr.write(`basis ${s.basisLen} bytes, block ${s.blockLen} bytes, ${s.blockCount} blocks, strong sum ${s.strongLen} bytes, signature ${bytes.length} bytes\n`);
    }
  },

  async delta(argv) {
    const { values: v, positionals: [sigPath, next, delta] } = args(argv, {
      format: { type: "string", default: "wsync" },
      "compress-level": { type: "string", default: "1" },
      stats: { type: "boolean" },
    }, 3);
    if (v.format !== "wsync" && v.format !== "rdiff") throw usage("--format: expected wsync or rdiff");
    const level = int(v["compress-level"], "compress-level", 0, 9);
    const dec = new SignatureDecoder();
    for await (const c of chunks(sigPath)) bad(sigPath, () => dec.update(c));
    const sig = bad(sigPath, () => dec.finish());
    const enc = new DeltaEncoder(sig, { format: v.format, compressLevel: level, sha256: createHash("sha256") });
    await withOutput(delta, async (out) => {
      for await (const c of chunks(next)) out.write(enc.update(c));
      out.write(enc.finish());
    });
    if (v.stats) {
      const s = enc.stats();
      const wire = sig.encodedLen + s.deltaBytes;
      process.stderr.write(`block ${sig.blockLen} bytes; new file ${s.newLen} bytes: matched ${s.matchedBytes}, literal ${s.literalBytes} (${s.literalWireBytes} on the wire, ${s.literalOps} ops); delta ${s.deltaBytes} bytes; signature + delta ${wire} bytes = ${(100 * wire / Math.max(s.newLen, 1)).toFixed(2)}% of the file\n`);
    }
  },

  async patch(argv) {
    const { values: v, positionals: [basis, delta, next] } = args(argv, {
      "max-output": { type: "string" },
      stats: { type: "boolean" },
    }, 3);
    const maxOutput = int(v["max-output"], "max-output", 0, Number.MAX_SAFE_INTEGER);
    let basisBytes;
    try {
      basisBytes = readFileSync(basis);
    } catch (e) {
      throw new Exit(11, `${basis}: ${e.message}`);
    }
    let report;
    await withOutput(next, async (out) => {
      const p = new Patcher(basisBytes, { maxOutput, onOutput: (c) => out.write(c) });
      for await (const c of chunks(delta)) bad(delta, () => p.update(c));
      report = bad(delta, () => p.finish());
    });
    if (v.stats) {
      const h = report.sha256 ? `; SHA-256 ${Buffer.from(report.sha256).toString("hex")} verified` : "; rdiff delta: no whole-file check";
      process.stderr.write(`${report.newLen} bytes written: ${report.copiedBytes} copied from the basis, ${report.literalBytes} literal${h}\n`);
    }
  },

  async upload(argv) {
    const { values: v, positionals: [file, url] } = args(argv, {
      token: { type: "string" },
      "password-file": { type: "string" },
      stats: { type: "boolean" },
    }, 2);
    const m = /^(wss?):\/\/(?:([^@/]+)@)?([^/]+)\/([^/]+)\/(.+)$/.exec(url);
    if (!m) throw usage(`expected ws://HOST[:PORT]/MODULE/PATH, not ${JSON.stringify(url)}`);
    const [, scheme, user, host, module, path] = m;
    let auth;
    if (v.token !== undefined) auth = { token: v.token };
    else if (user) {
      let password = process.env.WSYNC_PASSWORD;
      if (v["password-file"]) {
        try {
          password = readFileSync(v["password-file"], "utf8").split("\n")[0];
        } catch (e) {
          throw new Exit(11, `${v["password-file"]}: ${e.message}`);
        }
      }
      if (password === undefined) throw new Exit(5, "the server wants a password: --password-file or $WSYNC_PASSWORD");
      auth = { user, password };
    }
    statOrFail(file);
    const s = await connect(`${scheme}://${host}/ws`, { auth });
    try {
      const r = await s.upload(file, `${module}/${path}`);
      if (v.stats) {
        process.stderr.write(`Total bytes sent: ${r.bytesSent}\nTotal bytes received: ${r.bytesReceived}\nFile size: ${r.size}\n`);
      }
    } finally {
      s.close();
    }
  },
};
commands.push = commands.upload;

function statOrFail(path) {
  try {
    return statSync(path);
  } catch (e) {
    throw new Exit(11, `${path}: ${e.message}`);
  }
}

/** Runs a core call on untrusted bytes: its errors are "bad data" (12). */
function bad(name, f) {
  try {
    return f();
  } catch (e) {
    throw new Exit(12, `${name}: ${e.message}`);
  }
}

const [cmd, ...rest] = process.argv.slice(2);
try {
  if (!Object.hasOwn(commands, cmd ?? "")) throw usage(cmd === undefined || cmd === "--help" ? USAGE : `unknown command ${cmd}\n${USAGE}`);
  await commands[cmd](rest);
} catch (e) {
  const code = e instanceof Exit ? e.exitCode : e instanceof WsyncError ? CODES[e.code] ?? 12 : 11;
  process.stderr.write(`wsync: ${e.message}\n`);
  process.exitCode = code;
}

