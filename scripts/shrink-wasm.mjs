// Two size cuts wasm-bindgen leaves to do, on its output before wasm-opt:
//
//   node scripts/shrink-wasm.mjs DIR    (DIR/wsync_bg.wasm and DIR/wsync.js, in place)
//
// 1. Short import names. wasm-bindgen names each import after the JS it
//    calls plus a hash (`__wbg_instanceof_Uint8Array_d7aeb0dcb3108fea`,
//    from "./wsync_bg.js"); the hashes do not compress. The imports become
//    `a.a`, `a.b`... and the glue's import object is renamed to match; so
//    are the exports the glue calls (`wasm.clientsession_new`), all but
//    `memory`: 1.2 KB less gzipped wasm. Done only when every name is found
//    in the glue as expected, else both files are left as they are.
// 2. Closure shims. js-sys declares hundreds of imports; the descriptor of
//    each that takes a closure puts a `closures::invoke` shim in the function
//    table at link time, and wasm-bindgen keeps every table entry. Only JS
//    calls those shims, through an exported table: this module exports none
//    (the glue wraps no closure), so they are unreachable and become a stub
//    that traps; wasm-opt then drops their code (0.8 KB gzipped). Needs the
//    function names (`wasm-bindgen --keep-debug`); the output has none.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/shrink-wasm.mjs DIR");
  process.exit(2);
}
const wasmPath = join(dir, "wsync_bg.wasm");
const gluePath = join(dir, "wsync.js");
let wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, "utf8");
// The exports' types: `InitOutput` (what init returns) and the module's own.
const typeFiles = ["wsync.d.ts", "wsync_bg.wasm.d.ts"]
  .map((f) => join(dir, f))
  .filter((path) => existsSync(path))
  .map((path) => ({ path, text: readFileSync(path, "utf8") }));

// ---- 1. import names (the import section, read and written by hand)

function uleb(buf, pos) {
  let n = 0;
  let shift = 0;
  let b;
  do {
    b = buf[pos++];
    n += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [n, pos];
}

function toUleb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s) => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([toUleb(b.length), b]);
};

/** The short names: a..z, A..Z, then two letters. */
function shortName(i) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return i < letters.length ? letters[i] : shortName(Math.floor(i / letters.length) - 1) + letters[i % letters.length];
}

/** Skips an import's description (its kind and type); returns the end. */
function skipDesc(buf, pos) {
  const kind = buf[pos++];
  if (kind === 0) return uleb(buf, pos)[1]; // function: type index
  if (kind === 1) {
    pos++; // table: reference type, then limits
    const flags = buf[pos++];
    pos = uleb(buf, pos)[1];
    return flags & 1 ? uleb(buf, pos)[1] : pos;
  }
  if (kind === 2) {
    const flags = buf[pos++];
    pos = uleb(buf, pos)[1];
    return flags & 1 ? uleb(buf, pos)[1] : pos;
  }
  if (kind === 3) return pos + 2; // global: value type, mutability
  throw new Error(`import kind ${kind}`);
}

// The module with the body of each section `id` replaced by what
// `rewrite(bodyStart, end)` returns (a Buffer), or the text of the first
// error it returns (a string).
function rewriteSection(id, rewrite) {
  const parts = [wasm.subarray(0, 8)];
  let pos = 8;
  while (pos < wasm.length) {
    const [size, bodyStart] = uleb(wasm, pos + 1);
    const end = bodyStart + size;
    if (wasm[pos] === id) {
      const body = rewrite(bodyStart, end);
      if (typeof body === "string") return body;
      parts.push(Buffer.from([id]), toUleb(body.length), body);
    } else {
      parts.push(wasm.subarray(pos, end));
    }
    pos = end;
  }
  return Buffer.concat(parts);
}

function renameImports() {
  const moduleKey = glue.match(/^\s*"([^"]+)": import0,$/m);
  if (!moduleKey || glue.split(moduleKey[0]).length !== 2) return "no single import object in the glue";
  const jsModule = moduleKey[1];
  let renamed = 0;
  let newGlue = glue;
  const out = rewriteSection(2, (bodyStart, end) => {
    let [count, p] = uleb(wasm, bodyStart);
    const items = [toUleb(count)];
    for (let i = 0; i < count; i++) {
      let len;
      [len, p] = uleb(wasm, p);
      const module = wasm.subarray(p, p + len).toString("utf8");
      p += len;
      [len, p] = uleb(wasm, p);
      const name = wasm.subarray(p, p + len).toString("utf8");
      p += len;
      const descEnd = skipDesc(wasm, p);
      const desc = wasm.subarray(p, descEnd);
      p = descEnd;
      if (module !== jsModule) {
        items.push(str(module), str(name), desc);
        continue;
      }
      const short = shortName(renamed++);
      if (!/^[\w$]+$/.test(name)) return `import ${name}: not a plain name`;
      const key = `^(\\s*)"?${name.replaceAll("$", "\\$")}"?: `;
      if ((newGlue.match(new RegExp(key, "gm")) ?? []).length !== 1) return `import ${name} is not once in the glue`;
      newGlue = newGlue.replace(new RegExp(key, "m"), `$1${short}: `);
      items.push(str("a"), str(short), desc);
    }
    if (p !== end) return "the import section did not parse";
    return Buffer.concat(items);
  });
  if (typeof out === "string") return out;
  wasm = out;
  glue = newGlue.replace(moduleKey[0], moduleKey[0].replace(`"${jsModule}"`, "a"));
  return `${renamed} imports renamed`;
}

function renameExports() {
  let renamed = 0;
  let newGlue = glue;
  let types = typeFiles.map((f) => f.text);
  const names = new Set();
  const out = rewriteSection(7, (bodyStart, end) => {
    let [count, p] = uleb(wasm, bodyStart);
    const items = [toUleb(count)];
    for (let i = 0; i < count; i++) {
      let len;
      [len, p] = uleb(wasm, p);
      let name = wasm.subarray(p, p + len).toString("utf8");
      p += len;
      const descStart = p++;
      p = uleb(wasm, p)[1];
      const used = new RegExp(`\\bwasm\\.${name}\\b`, "g");
      if (name !== "memory" && /^\w+$/.test(name) && used.test(newGlue)) {
        const short = shortName(renamed++);
        newGlue = newGlue.replace(used, `wasm.${short}`);
        types = types.map((t) => t.replace(new RegExp(`^(\\s*(?:readonly|export const) )${name}:`, "m"), `$1${short}:`));
        name = short;
      }
      names.add(name);
      items.push(str(name), wasm.subarray(descStart, p));
    }
    if (p !== end) return "the export section did not parse";
    return Buffer.concat(items);
  });
  if (typeof out === "string") return out;
  const unknown = [...newGlue.matchAll(/\bwasm\.(\w+)/g)].map((m) => m[1]).filter((n) => !names.has(n));
  if (unknown.length > 0) return `the glue calls unknown exports: ${unknown.join(", ")}`;
  wasm = out;
  glue = newGlue;
  typeFiles.forEach((f, i) => (f.text = types[i]));
  return `${renamed} exports renamed`;
}

// ---- 2. closure shims (binaryen.js)

async function dropClosureShims() {
  const { default: binaryen } = await import("binaryen");
  const m = binaryen.readBinary(wasm);
  const exported = new Set(
    [...Array(m.getNumExports()).keys()]
      .map((i) => binaryen.getExportInfo(m.getExportByIndex(i)))
      .filter((e) => e.kind === binaryen.ExternalTable)
      .map((e) => e.value),
  );
  const segments = [...Array(m.getNumElementSegments()).keys()].map((i) =>
    binaryen.getElementSegmentInfo(m.getElementSegmentByIndex(i)),
  );
  if (segments.some((seg) => exported.has(seg.table))) return "closure shims kept: the table is exported";
  const shim = /^wasm_bindgen::convert::closures::.*::invoke::h[0-9a-f]{16}$/;
  const stub = "wsync_unreachable_closure_shim";
  m.addFunction(stub, binaryen.none, binaryen.none, [], m.unreachable());
  let dropped = 0;
  for (const seg of segments) {
    if (!seg.data.some((f) => shim.test(f))) continue;
    const offset = binaryen.getExpressionInfo(seg.offset);
    if (offset.id !== binaryen.ConstId) throw new Error(`element segment ${seg.name}: offset is not a constant`);
    const data = seg.data.map((f) => (shim.test(f) ? (dropped++, stub) : f));
    m.removeElementSegment(seg.name);
    m.addActiveElementSegment(seg.table, seg.name, data, m.i32.const(offset.value));
  }
  if (!m.validate()) throw new Error("the module does not validate");
  wasm = Buffer.from(m.emitBinary());
  return `${dropped} closure shims dropped`;
}

const done = [renameImports(), await dropClosureShims(), renameExports()];
writeFileSync(wasmPath, wasm);
writeFileSync(gluePath, glue);
for (const f of typeFiles) writeFileSync(f.path, f.text);
console.error(`shrink-wasm: ${done.join("; ")}`);
