// Errors on the page, in plain words: refused credentials (then accepted),
// and a server that went away.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clickUpload, openDemo, scratch } from "./harness.mjs";

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
