// Drops the closure shims wasm-bindgen leaves in the function table.
//
//   node scripts/drop-closure-shims.mjs IN.wasm OUT.wasm
//
// js-sys declares hundreds of imports; the descriptor of each one that
// takes a closure puts a `wasm_bindgen::convert::closures::invoke` shim in
// the function table at link time. wasm-bindgen keeps every table entry,
// so the shims (and what they call) stay in the module although only JS
// calls them, through an exported table, and this module exports none: the
// glue wraps no closure. With the table private, nothing can reach them,
// and each entry becomes a stub that traps; wasm-opt then drops the code
// (4 KB, 0.8 KB gzipped). IN must keep its function names
// (`wasm-bindgen --keep-debug`); OUT has none.
import { readFileSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
if (!output) {
  console.error("usage: node scripts/drop-closure-shims.mjs IN.wasm OUT.wasm");
  process.exit(2);
}
const { default: binaryen } = await import("binaryen");

const m = binaryen.readBinary(readFileSync(input));
const exported = new Set(
  [...Array(m.getNumExports()).keys()]
    .map((i) => binaryen.getExportInfo(m.getExportByIndex(i)))
    .filter((e) => e.kind === binaryen.ExternalTable)
    .map((e) => e.value),
);
const segments = [...Array(m.getNumElementSegments()).keys()].map((i) =>
  binaryen.getElementSegmentInfo(m.getElementSegmentByIndex(i)),
);
const shim = /^wasm_bindgen::convert::closures::.*::invoke::h[0-9a-f]{16}$/;
const exportsTable = segments.some((seg) => exported.has(seg.table));
let dropped = 0;
if (!exportsTable) {
  const stub = "wsync_unreachable_closure_shim";
  m.addFunction(stub, binaryen.none, binaryen.none, [], m.unreachable());
  for (const seg of segments) {
    if (!seg.data.some((f) => shim.test(f))) continue;
    const offset = binaryen.getExpressionInfo(seg.offset);
    if (offset.id !== binaryen.ConstId) throw new Error(`element segment ${seg.name}: offset is not a constant`);
    const data = seg.data.map((f) => (shim.test(f) ? (dropped++, stub) : f));
    m.removeElementSegment(seg.name);
    m.addActiveElementSegment(seg.table, seg.name, data, m.i32.const(offset.value));
  }
}
if (!m.validate()) throw new Error("drop-closure-shims: the module does not validate");
writeFileSync(output, m.emitBinary());
console.error(`drop-closure-shims: ${dropped} closure shims dropped${exportsTable ? " (none: the table is exported)" : ""}`);
