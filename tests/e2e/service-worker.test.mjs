// The demo's edge cache: a Service Worker serves /cached/MODULE/PATH from its
// copy, and when the server's copy changes it pulls only a delta, patches,
// verifies the SHA-256 and serves the new bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openDemo } from "./harness.mjs";

const sha = (b) => createHash("sha256").update(b).digest("hex");

/** Clicks "Fetch through the cache" and returns the new log row's data. */
async function fetchThrough(page) {
  const before = await page.$$eval("#edge-log tbody tr", (trs) => trs.length);
  await page.click("#edge-fetch");
  await page.waitForFunction(
    (n) => document.querySelectorAll("#edge-log tbody tr").length > n || document.getElementById("edge-status").dataset.state === "failed",
    before,
  );
  const state = await page.$eval("#edge-status", (el) => el.dataset.state);
  assert.equal(state, "done", await page.textContent("#edge-status"));
  return page.$eval("#edge-log tbody tr", (tr) => ({
    state: tr.dataset.state,
    size: Number(tr.dataset.size),
    received: Number(tr.dataset.received),
    sha: tr.dataset.sha,
  }));
}

/** What a plain fetch of the URL gets in the page: size and SHA-256 of the body, and headers. */
function fetchInPage(page, url) {
  return page.evaluate(async (u) => {
    const res = await fetch(u);
    const body = new Uint8Array(await res.arrayBuffer());
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
    return {
      status: res.status,
      size: body.length,
      sha: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
      state: res.headers.get("x-wsync-state"),
      type: res.headers.get("content-type"),
    };
  }, url);
}

test("the Service Worker serves the patched asset after the server's copy changes, having pulled only a delta", async (t) => {
  const { page, data, shot, check } = await openDemo(t);
  await page.waitForSelector("body[data-edge=ready]");
  mkdirSync(join(data, "site"));
  // 3 MB of text-like data in 64-byte lines.
  const v1 = Buffer.from(
    Array.from({ length: 3 << 14 }, (_, i) => `${i.toString(16).padStart(8, "0")} ${randomBytes(27).toString("hex")}\n`).join(""),
  );
  writeFileSync(join(data, "site", "app.js"), v1);
  await page.fill("#edge-path", "data/site/app.js");

  const first = await fetchThrough(page);
  assert.equal(first.state, "fetched");
  assert.equal(first.size, v1.length);
  assert.equal(first.sha, sha(v1));
  await shot("1-fetched");

  // The server's copy changes in two places.
  const v2 = Buffer.from(v1);
  v2.write("// changed on the server ", 100_000);
  v2.write("// and here", 2_500_000);
  writeFileSync(join(data, "site", "app.js"), v2);
  const second = await fetchThrough(page);
  assert.equal(second.state, "patched");
  assert.equal(second.size, v2.length);
  assert.equal(second.sha, sha(v2), "the page got the new bytes");
  assert.ok(second.received < v2.length / 50, `pulled a delta: ${second.received} bytes received for ${v2.length}`);
  assert.match(await page.textContent("#edge-status"), /patched the cached copy/);
  await shot("2-patched");

  // Any fetch of the URL goes through the worker, and the cache holds the new bytes.
  const plain = await fetchInPage(page, "/cached/data/site/app.js");
  assert.deepEqual(
    { status: plain.status, size: plain.size, sha: plain.sha, state: plain.state },
    { status: 200, size: v2.length, sha: sha(v2), state: "unchanged" },
  );
  assert.equal(plain.type, "text/javascript; charset=utf-8");
  const cached = await page.evaluate(async () => {
    const c = await caches.open("wsync-edge-v1");
    const r = await c.match(new URL("/cached/data/site/app.js", location.href).href);
    return r ? (await r.arrayBuffer()).byteLength : null;
  });
  assert.equal(cached, v2.length);

  await shot("3-after");
  check();
});
