// Browser tests' harness: a real `wsync serve` with the demo (--www www
// --pkg pkg) over a temp module directory, and headless Debian Chromium
// driven by playwright-core. Every console error, page error or failed
// worker is recorded; check() fails the test on any. Screenshots go to
// tests/e2e/artifacts/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { root, startServer, wsyncBin } from "../js/server.mjs";

export const artifacts = join(root, "tests", "e2e", "artifacts");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Starts the server and a browser page on the demo; registers their cleanup
 * with the node:test context `t`. Returns { page, data, server, errors,
 * shot(name), check() }.
 */
export async function openDemo(t, { viewport = { width: 1100, height: 900 }, serverArgs = [], browserArgs = [] } = {}) {
  const wasm = join(root, "pkg", "wasm", "wsync_bg.wasm");
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run scripts/build-wasm.sh first`);
  if (!existsSync(wsyncBin)) {
    // As scripts/test.sh builds it before the JavaScript tests.
    execFileSync("cargo", ["build", "--release", "--quiet"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
  const server = await startServer(["--www", join(root, "www"), "--pkg", join(root, "pkg"), ...serverArgs]);
  const data = server.dir;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...ARGS, ...browserArgs] });
  t.after(async () => {
    await browser.close();
    await server.stop();
  });
  const context = await browser.newContext({ viewport });
  const errors = [];
  // The page's, its workers' and the Service Worker's.
  context.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()} (${m.location()?.url ?? "?"})`);
  });
  context.on("weberror", (e) => errors.push(`uncaught: ${e.error()?.stack ?? e.error()}`));
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`page error: ${e.stack ?? e}`));
  page.on("crash", () => errors.push("the page crashed"));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.waitForSelector("body[data-ready=yes]", { timeout: 30_000 });
  mkdirSync(artifacts, { recursive: true });
  const prefix = t.name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").slice(0, 40);
  return {
    page,
    context,
    data,
    server,
    errors,
    shot: (name) => page.screenshot({ path: join(artifacts, `${prefix}--${name}.png`), fullPage: true }),
    check: () => {
      if (errors.length) throw new Error(`errors in the browser:\n${errors.join("\n")}`);
    },
  };
}

/** A temp directory for local files, removed after the test. */
export function scratch(t) {
  const dir = mkdtempSync(join(tmpdir(), "wsync-e2e-local-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The numbers the page shows after an upload (data attributes of #summary). */
export async function summary(page) {
  return page.$eval("#summary", (el) => ({
    size: Number(el.dataset.size),
    sent: Number(el.dataset.sent),
    matched: Number(el.dataset.matched),
    literal: Number(el.dataset.literal),
    text: el.closest("section").querySelector("#savings").textContent,
  }));
}

/** Clicks Upload and waits for the upload to end; returns the status state. */
export async function clickUpload(page, timeout = 120_000) {
  await page.click("#upload");
  await page.waitForSelector("#status:is([data-state=done],[data-state=failed],[data-state=cancelled])", { timeout });
  return page.$eval("#status", (el) => el.dataset.state);
}
