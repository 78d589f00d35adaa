// Errors on the page, in plain words: refused credentials (then accepted),
// and a server that went away.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clickUpload, openDemo, scratch, summary } from "./harness.mjs";

test("a server that wants a token says so, and the page works once it is given", async (t) => {
  const { page, data, shot, check } = await openDemo(t, { serverArgs: ["--token", "s3cret"] });
  assert.match(await page.textContent("#server"), /refused the credentials/);
  assert.equal(await page.$eval("#auth-box", (d) => d.open), true, "the sign-in box opens");
  await shot("1-refused");

  await page.fill("#token", "wrong");
  await page.dispatchEvent("#token", "change");
  await page.waitForFunction(() => /refused/.test(document.getElementById("server").textContent));
  const local = join(scratch(t), "note.txt");
  writeFileSync(local, "hello\n");
  await page.setInputFiles("#file-input", local);
  assert.equal(await clickUpload(page), "failed");
  assert.equal(await page.$eval("#error", (el) => el.dataset.code), "AuthFailed");
  assert.match(await page.textContent("#error"), /refused the credentials/);

  await page.fill("#token", "s3cret");
  await page.dispatchEvent("#token", "change");
  await page.waitForSelector("#server.ok");
  assert.equal(await clickUpload(page), "done", await page.textContent("#error"));
  assert.equal(readFileSync(join(data, "note.txt"), "utf8"), "hello\n");
  await page.waitForSelector("#listing tr[data-path='note.txt']");
  await shot("2-signed-in");
  check();
});

test("a server that went away is reported as such", async (t) => {
  const { page, server, shot, check } = await openDemo(t);
  const local = join(scratch(t), "note.txt");
  writeFileSync(local, "hello\n");
  await page.setInputFiles("#file-input", local);
  await server.stop();
  // (The refused WebSocket is the worker's: Chromium logs no console error for it.)
  assert.equal(await clickUpload(page), "failed");
  assert.equal(await page.$eval("#error", (el) => el.dataset.code), "Connect");
  assert.match(await page.textContent("#error"), /Cannot reach the wsync server at ws:\/\/127\.0\.0\.1:\d+\/ws/);
  await shot("server-down");
  check();
});

test("a file changed on the server during an upload is uploaded again, and the page says so", async (t) => {
  const { page, data, shot, check } = await openDemo(t);
  writeFileSync(join(data, "moving.bin"), randomBytes(1 << 20));
  const local = join(scratch(t), "moving.bin");
  const mine = randomBytes(64 << 20);
  writeFileSync(local, mine);
  await page.setInputFiles("#file-input", local);
  await page.waitForSelector("#preview-summary[data-included='1']");
  await page.click("#upload");
  await page.waitForFunction(() => document.getElementById("total-bar").value > 0.05, null, { timeout: 60_000 });
  // Someone else writes the file meanwhile.
  writeFileSync(join(data, "moving.bin"), randomBytes(2 << 20));
  await page.waitForSelector("#status:is([data-state=done],[data-state=failed],[data-state=cancelled])", { timeout: 120_000 });
  assert.equal(await page.$eval("#status", (el) => el.dataset.state), "done", await page.textContent("#error"));
  assert.match(await page.textContent("#savings"), /server's copy changed during the upload; wsync started again/);
  assert.ok(readFileSync(join(data, "moving.bin")).equals(mine), "the server has the uploaded file");
  // Two attempts of incompressible bytes, counted once each.
  const s = await summary(page);
  assert.ok(s.sent > 2 * mine.length && s.sent < 2.1 * mine.length, `sent ${s.sent} for two attempts of ${mine.length}`);
  await shot("retried");
  check();
});
