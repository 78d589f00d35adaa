// A folder upload with filter rules: the preview names the excluded files,
// and they are not sent; the page works in a narrow window, with labelled
// controls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clickUpload, openDemo, scratch, summary } from "./harness.mjs";

const TREE = {
  "proj/a.txt": "alpha\n",
  "proj/notes.md": "# notes\n",
  "proj/scratch.tmp": "temporary\n",
  "proj/src/main.rs": "fn main() {}\n",
  "proj/src/old.tmp": "temporary too\n",
  "proj/build/out.o": "object code\n",
  "proj/build/deep/x.o": "more object code\n",
};
const EXCLUDED = ["proj/scratch.tmp", "proj/src/old.tmp", "proj/build/out.o", "proj/build/deep/x.o"];

test("a folder upload sends only what the filter rules let through, as the preview said", async (t) => {
  const { page, data, shot, check } = await openDemo(t);
  const local = scratch(t);
  for (const [path, text] of Object.entries(TREE)) {
    mkdirSync(join(local, path, ".."), { recursive: true });
    writeFileSync(join(local, path), text);
  }
  await page.setInputFiles("#folder-input", join(local, "proj"));
  await page.waitForSelector(`#preview-summary[data-included='${Object.keys(TREE).length}']`);

  // A bad rule is reported, and nothing can be uploaded until it is fixed.
  await page.fill("#rules", "* what");
  await page.waitForSelector("#rules-error:not([hidden])");
  assert.match(await page.textContent("#rules-error"), /filter rule/i);
  assert.equal(await page.isDisabled("#upload"), true);

  await page.fill("#rules", "# build output and temporary files\n- *.tmp\n- build/\n");
  await page.waitForSelector("#preview-summary[data-excluded='4']");
  assert.equal(await page.isHidden("#rules-error"), true);
  const preview = await page.$$eval("#preview-list li", (lis) =>
    Object.fromEntries(lis.map((li) => [li.dataset.path, li.dataset.included === "true"])),
  );
  for (const path of Object.keys(TREE)) {
    assert.equal(preview[path], !EXCLUDED.includes(path), `preview of ${path}`);
  }
  assert.match(await page.textContent("#preview-summary"), /3 of 7 files will be sent, 4 excluded/);
  await shot("1-preview");

  await page.fill("#dest", "upload");
  assert.equal(await clickUpload(page), "done", await page.textContent("#error"));
  for (const [path, text] of Object.entries(TREE)) {
    const there = join(data, "upload", path);
    if (EXCLUDED.includes(path)) assert.ok(!existsSync(there), `${path} was not sent`);
    else assert.equal(readFileSync(there, "utf8"), text, `${path} was sent`);
  }
  const rows = await page.$$eval("#files li", (lis) => lis.map((li) => [li.dataset.path, li.dataset.action]));
  assert.deepEqual(rows, [
    ["proj/a.txt", "uploaded"],
    ["proj/notes.md", "uploaded"],
    ["proj/src/main.rs", "uploaded"],
  ]);
  const s = await summary(page);
  assert.equal(s.size, "alpha\n# notes\nfn main() {}\n".length);
  await page.waitForSelector("#listing tr[data-path='upload/proj/src/main.rs']");
  assert.equal(await page.$$eval("#listing tbody tr", (trs) => trs.length), 3);
  await shot("2-uploaded");

  // Again, unchanged: rsync's quick check skips every file.
  assert.equal(await clickUpload(page), "done");
  const again = await page.$$eval("#files li", (lis) => lis.map((li) => li.dataset.action));
  assert.deepEqual(again, ["skipped", "skipped", "skipped"]);
  assert.match((await summary(page)).text, /Nothing was sent/);
  await shot("3-unchanged");
  check();
});

test("the page fits a narrow window and every control has a label", async (t) => {
  const { page, shot, check } = await openDemo(t, { viewport: { width: 360, height: 740 } });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 360 px: ${overflow} px too wide`);
  const unlabelled = await page.$$eval("input, select, textarea, button", (els) =>
    els
      .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || (el.tagName === "BUTTON" && el.textContent.trim())))
      .map((el) => el.id || el.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  // The keyboard reaches the pickers, the rules and the buttons, in order.
  const order = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName));
  }
  for (const id of ["file-input", "folder-input", "module", "dest", "rules"]) assert.ok(order.includes(id), `${id} in ${order}`);
  assert.ok(order.indexOf("file-input") < order.indexOf("rules"));
  await shot("narrow");
  check();
});

test("dropped files are picked like chosen ones", async (t) => {
  const { page, data, check } = await openDemo(t);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["one\n"], "one.txt"));
    dt.items.add(new File(["two\n"], "two.tmp"));
    const drop = document.getElementById("drop");
    drop.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    drop.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForSelector("#preview-summary[data-included='2']");
  assert.match(await page.textContent("#picked"), /2 files, 8 bytes/);
  await page.fill("#rules", "- *.tmp");
  await page.waitForSelector("#preview-summary[data-excluded='1']");
  assert.equal(await clickUpload(page), "done", await page.textContent("#error"));
  assert.equal(readFileSync(join(data, "one.txt"), "utf8"), "one\n");
  assert.ok(!existsSync(join(data, "two.tmp")));
  check();
});
