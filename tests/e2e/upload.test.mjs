// The demo page in headless Chromium: a big file re-uploaded after a small
// change costs a delta; Cancel leaves the server's copy as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clickUpload, openDemo, scratch, summary } from "./harness.mjs";

test("a 20 MB file changed in a few bytes uploads again for under 2% of its size", async (t) => {
  const { page, data, shot, check } = await openDemo(t);
  const local = join(scratch(t), "big.bin");
  const v1 = randomBytes(20 << 20);
  writeFileSync(local, v1);
  await shot("1-ready");

  await page.setInputFiles("#file-input", local);
  await page.waitForSelector("#preview-summary[data-included='1']");
  assert.equal(await clickUpload(page), "done", await page.textContent("#error"));
  assert.ok(readFileSync(join(data, "big.bin")).equals(v1), "the server has the file");
  const first = await summary(page);
  assert.equal(first.size, v1.length);
  assert.equal(first.matched, 0, "nothing to match the first time");
  assert.ok(first.sent >= v1.length, `random bytes cross whole: ${first.sent}`);
  await page.waitForSelector("#listing tr[data-path='big.bin']");
  await shot("2-first-upload");

  // A few bytes change in three places.
  const v2 = Buffer.from(v1);
  for (const at of [12345, 10_000_000, v2.length - 100]) v2.write("a small change", at);
  writeFileSync(local, v2);
  await page.setInputFiles("#file-input", []);
  await page.setInputFiles("#file-input", local);
  assert.equal(await clickUpload(page), "done", await page.textContent("#error"));
  assert.ok(readFileSync(join(data, "big.bin")).equals(v2), "the server's file equals the new file");
  const second = await summary(page);
  assert.equal(second.size, v2.length);
  assert.ok(second.sent < v2.length * 0.02, `the page reports ${second.sent} bytes sent for ${v2.length}`);
  assert.ok(second.matched > v2.length * 0.95, `matched ${second.matched}`);
  assert.match(second.text, /only the changes went over/);
  // The page says so in words too: "Sent 123 KB instead of 21.0 MB".
  assert.match(await page.textContent("#s-sent"), /% of the size/);
  await shot("3-second-upload");
  check();
});

test("Cancel stops an upload and the server's file stays as it was", async (t) => {
  const { page, data, shot, check } = await openDemo(t);
  const before = randomBytes(1 << 20);
  writeFileSync(join(data, "keep.bin"), before);
  // Different, incompressible bytes: all literal, so the upload takes a while.
  const local = join(scratch(t), "keep.bin");
  // WSYNC_E2E_CANCEL_MB=1024 checks a 1 GB file (96 MB keeps npm test quick).
  writeFileSync(local, randomBytes(Number(process.env.WSYNC_E2E_CANCEL_MB ?? 96) << 20));
  await page.setInputFiles("#file-input", local);
  await page.waitForSelector("#preview-summary[data-included='1']");
  // The page stays responsive: the delta work runs in a Web Worker.
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: "longtask" });
  });
  await page.click("#upload");
  await page.waitForFunction(() => document.getElementById("total-bar").value > 0.05, null, { timeout: 60_000 });
  const t0 = Date.now();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  assert.ok(Date.now() - t0 < 1000, `a frame came ${Date.now() - t0} ms into the upload`);
  // Cancel at once: a screenshot here could take longer than the rest of
  // the upload on a loaded machine (seen: the upload done, Cancel disabled).
  await page.click("#cancel");
  await page.waitForSelector("#status:is([data-state=done],[data-state=failed],[data-state=cancelled])", { timeout: 60_000 });
  assert.equal(await page.$eval("#status", (el) => el.dataset.state), "cancelled", "the upload was cancelled, not finished");
  assert.equal(await page.$eval("#error", (el) => el.dataset.code), "Aborted");
  assert.match(await page.textContent("#error"), /unchanged on the server/);
  await shot("cancelled");
  const longest = Math.max(0, ...(await page.evaluate(() => window.longTasks)));
  assert.ok(longest < 500, `the page's longest task during the upload took ${longest} ms`);
  // The Upload button works again, and the server's copy is untouched.
  assert.equal(await page.isDisabled("#upload"), false);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(readFileSync(join(data, "keep.bin")).equals(before), "the server's file is unchanged");
  check();
});
