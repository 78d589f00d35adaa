// The package's TypeScript declarations compile, and describe a typical use
// (tests/js/types/usage.ts) under `strict`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("index.d.ts type-checks a typical program", () => {
  const r = spawnSync("node", ["node_modules/typescript/bin/tsc", "-p", "tests/js/types/tsconfig.json"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
