// The Filter binding: rsync rules decided in wasm, as the core decides them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(fileURLToPath(new URL("../../", import.meta.url)), "pkg", "wasm");
const wasm = await import(join(pkg, "wsync.js"));
wasm.initSync({ module: readFileSync(join(pkg, "wsync_bg.wasm")) });

test("matches and filterPaths follow rsync's first-match rules", () => {
  const f = new wasm.Filter(["+ */", "+ *.rs", "- *"]);
  assert.equal(f.matches("src/main.rs", false), true);
  assert.equal(f.matches("README.md", false), false);
  assert.equal(f.matches("src", true), true);
  const g = new wasm.Filter(["- /build/", "- *.tmp", "+ *"]);
  assert.deepEqual(
    g.filterPaths(["build/", "build/out.o", "src/", "src/a.tmp", "src/a.c", "sub/build/x", "notes.txt"]),
    ["src/", "src/a.c", "sub/build/x", "notes.txt"],
  );
  // A trailing slash in a rule matches directories only.
  const h = new wasm.Filter(["- cache/"]);
  assert.equal(h.matches("cache", true), false);
  assert.equal(h.matches("cache", false), true);
});

test("bad rules are errors with a code", () => {
  assert.throws(() => new wasm.Filter(["* what"]), (e) => e.code === "FilterRule" && /what/.test(e.message));
  assert.throws(() => new wasm.Filter([". /etc/rules"]), (e) => e.code === "FilterRule");
});

test("text is read as rsync reads a merge file, by the core", () => {
  // CR or LF ends a line; empty lines and # or ; comments are skipped.
  const f = new wasm.Filter("# keep sources\r\n+ */\n\n; and Rust\n+ *.rs\r- *\n");
  assert.deepEqual(f.filterPaths(["src/", "src/main.rs", "README.md"]), ["src/", "src/main.rs"]);
  // An error names the line, as rsync names a merge file's line.
  assert.throws(
    () => new wasm.Filter("- *.o\n\n* what\n"),
    (e) => e.code === "FilterRule" && /rules:3/.test(e.message),
  );
  // A line of spaces is a rule, as in rsync (an unknown one).
  assert.throws(() => new wasm.Filter("- *.o\n   \n"), (e) => e.code === "FilterRule");
});
