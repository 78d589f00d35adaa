// The demo uploader: pick files, preview the filter rules, upload with
// progress (the delta work runs in a Web Worker), list the module's files.
import { ready, connect, WorkerClient, Filter } from "../pkg/index.js";
import * as fmt from "./format.js";
import { droppedFiles, pickedFiles } from "./drop.js";
import { startEdge } from "./edge-ui.js";

const $ = (id) => document.getElementById(id);
const endpoint = (() => {
  const u = new URL("/ws", location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.href;
})();

let chosen = []; // [{ path, file }]
let running = null; // { abort: AbortController }
let client = null; // { key, wc: WorkerClient }

/** The credentials typed in "Sign in", as connect() takes them. */
function auth() {
  const token = $("token").value;
  if (token) return { token };
  const user = $("user").value;
  if (user) return { user, password: $("password").value };
  return undefined;
}

/** One WorkerClient, made again when the credentials change. */
function worker() {
  const key = JSON.stringify(auth() ?? null);
  if (client?.key !== key) {
    client?.wc.close();
    client = { key, wc: new WorkerClient(endpoint, { auth: auth() }) };
  }
  return client.wc;
}

function show(el, on = true) {
  el.hidden = !on;
}

function setError(el, text) {
  el.textContent = text ?? "";
  show(el, !!text);
}

// --- The server: modules, motd, listing ---------------------------------

async function loadServer() {
  let session;
  try {
    session = await connect(endpoint, { auth: auth() });
    const modules = await session.listModules();
    const select = $("module");
    const current = select.value;
    select.replaceChildren(
      ...modules.map((m) => new Option(m.comment ? `${m.name} (${m.comment})` : m.name, m.name)),
    );
    if (modules.some((m) => m.name === current)) select.value = current;
    const motd = session.motd?.trim();
    $("server").textContent = `Connected to ${endpoint}${motd ? `: ${motd}` : ""}`;
    $("server").className = "server ok";
    return true;
  } catch (e) {
    if (e.code === "AuthFailed") $("auth-box").open = true;
    $("server").textContent = fmt.explain(e, endpoint);
    $("server").className = "server bad";
    return false;
  } finally {
    session?.close();
  }
}

async function refreshListing() {
  const module = $("module").value;
  const caption = $("listing-caption");
  const body = $("listing").tBodies[0];
  if (!module) {
    caption.textContent = "No module to list.";
    return;
  }
  try {
    const entries = await worker().list(module, { recursive: true });
    const files = entries.filter((e) => e.kind !== "dir").sort((a, b) => a.path.localeCompare(b.path));
    const SHOWN = 1000; // a table of a million rows helps nobody
    body.replaceChildren(
      ...files.slice(0, SHOWN).map((e) => {
        const tr = document.createElement("tr");
        tr.dataset.path = e.path;
        tr.dataset.size = e.size;
        for (const [text, cls] of [[e.path + (e.kind === "symlink" ? " →" : ""), ""], [fmt.size(e.size), "num"], [fmt.date(e.mtime), ""]]) {
          const td = document.createElement("td");
          td.textContent = text;
          if (cls) td.className = cls;
          tr.append(td);
        }
        return tr;
      }),
    );
    caption.textContent = files.length
      ? `${files.length} ${files.length === 1 ? "file" : "files"} in “${module}”, ${fmt.size(files.reduce((n, e) => n + e.size, 0))}` +
        (files.length > SHOWN ? ` (the first ${SHOWN} shown)` : "")
      : `“${module}” is empty.`;
    $("server-files").replaceChildren(...files.slice(0, SHOWN).map((e) => new Option("", `${module}/${e.path}`)));
  } catch (e) {
    caption.textContent = fmt.explain(e, endpoint);
  }
}

// --- Choosing files and the filter preview -------------------------------

function choose(list) {
  chosen = list.sort((a, b) => a.path.localeCompare(b.path));
  const total = chosen.reduce((n, c) => n + c.file.size, 0);
  $("picked").textContent = chosen.length
    ? `${chosen.length} ${chosen.length === 1 ? "file" : "files"}, ${fmt.size(total)}`
    : "Nothing chosen yet.";
  preview();
}

/**
 * The chosen files that the rules box lets through, or an error: the core
 * reads the box as rsync reads a merge file, for the preview and the upload.
 */
function included() {
  let filter;
  try {
    filter = new Filter($("rules").value);
  } catch (e) {
    return { error: e };
  }
  try {
    // The same call syncFiles makes: a file goes unless it, or a directory
    // above it, is excluded.
    const kept = new Set(filter.filterPaths(chosen.map((c) => c.path)));
    return { files: chosen.filter((c) => kept.has(c.path)) };
  } finally {
    filter.free?.();
  }
}

function preview() {
  const { files, error } = included();
  setError($("rules-error"), error ? fmt.explain(error, endpoint) : "");
  const list = $("preview-list");
  const summary = $("preview-summary");
  if (error || chosen.length === 0) {
    list.replaceChildren();
    summary.textContent = error ? "Fix the rules to see the preview." : "Choose files to see which will be sent.";
    summary.dataset.included = summary.dataset.excluded = "";
    $("upload").disabled = true;
    return;
  }
  const kept = new Set(files);
  const shown = chosen.slice(0, 500);
  list.replaceChildren(
    ...shown.map((c) => {
      const li = document.createElement("li");
      const on = kept.has(c);
      li.className = on ? "in" : "out";
      li.dataset.path = c.path;
      li.dataset.included = on;
      li.innerHTML = `<span class="mark" aria-hidden="true">${on ? "✓" : "✗"}</span>`;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = c.path;
      const what = document.createElement("span");
      what.className = "muted small";
      what.textContent = on ? fmt.size(c.file.size) : "excluded";
      li.append(name, what);
      li.setAttribute("aria-label", `${c.path}: ${on ? "will be sent" : "excluded"}`);
      return li;
    }),
  );
  const excluded = chosen.length - files.length;
  summary.dataset.included = files.length;
  summary.dataset.excluded = excluded;
  summary.textContent =
    `${files.length} of ${chosen.length} ${chosen.length === 1 ? "file" : "files"} will be sent` +
    (excluded ? `, ${excluded} excluded by the rules` : "") +
    (chosen.length > shown.length ? ` (showing the first ${shown.length})` : "") +
    ".";
  $("upload").disabled = running !== null || files.length === 0;
}

// --- Uploading -------------------------------------------------------------

/** Progress rows, one per file, updated at most once a frame. */
function progressView(files) {
  const rows = new Map();
  $("files").replaceChildren(
    ...files.map((c, i) => {
      const li = document.createElement("li");
      li.dataset.path = c.path;
      const id = `file-${i}`;
      li.innerHTML = `<label for="${id}" class="name"></label><progress id="${id}" max="1" value="0"></progress><span class="num detail"></span>`;
      li.querySelector("label").textContent = c.path;
      rows.set(c.path, { li, bar: li.querySelector("progress"), detail: li.querySelector(".detail"), size: c.file.size, read: 0, sent: 0 });
      return li;
    }),
  );
  const totalSize = files.reduce((n, c) => n + c.file.size, 0);
  show($("total"));
  let queued = false;
  let sentReported = 0; // syncFiles reports a running total
  const draw = () => {
    queued = false;
    let read = 0;
    let sent = 0;
    for (const r of rows.values()) {
      read += r.read;
      sent += r.sent;
      if (r.dirty) {
        r.dirty = false;
        r.bar.value = r.size ? r.read / r.size : 1;
        r.detail.textContent = `${fmt.size(r.read)} of ${fmt.size(r.size)} · sent ${fmt.size(r.sent)}`;
      }
    }
    $("total-bar").value = totalSize ? read / totalSize : 1;
    $("total-text").textContent = `${fmt.size(read)} of ${fmt.size(totalSize)} · sent ${fmt.size(Math.max(sent, sentReported))}`;
  };
  const schedule = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(draw);
    }
  };
  return {
    totalSize,
    progress(path, p) {
      const r = rows.get(path) ?? (rows.size === 1 ? rows.values().next().value : null);
      if (r) {
        if (p.read !== undefined) r.read = Number(p.read);
        if (p.sent !== undefined) r.sent = Number(p.sent);
        r.dirty = true;
      }
      if (p.totalSent !== undefined) sentReported = Number(p.totalSent);
      schedule();
    },
    done(path, action, result) {
      const r = rows.get(path);
      if (!r) return;
      r.read = r.size;
      r.dirty = false;
      r.bar.value = 1;
      r.li.dataset.action = action;
      r.li.classList.add(action);
      if (action === "uploaded" && result) {
        r.sent = Number(result.bytesSent);
        r.detail.textContent = `sent ${fmt.size(result.bytesSent)} for ${fmt.size(result.size)} (${fmt.percent(result.bytesSent, result.size)})`;
      } else {
        r.detail.textContent = action === "skipped" ? "unchanged, skipped" : action;
      }
      schedule();
    },
    finish: draw,
  };
}

function showSummary(results, { sent, size, ms }) {
  const uploaded = results.filter((r) => r.result);
  const matched = uploaded.reduce((n, r) => n + Number(r.result.matchedBytes ?? 0), 0);
  const literal = uploaded.reduce((n, r) => n + Number(r.result.literalBytes ?? 0), 0);
  const el = $("summary");
  Object.assign(el.dataset, { size, sent, matched, literal, ms: Math.round(ms) });
  $("s-size").textContent = fmt.size(size);
  $("s-sent").textContent = `${fmt.size(sent)} (${fmt.percent(sent, size)} of the size)`;
  $("s-matched").textContent = fmt.size(matched);
  $("s-literal").textContent = fmt.size(literal);
  $("s-time").textContent = fmt.duration(ms);
  $("s-speed").textContent = fmt.rate(size, ms);
  $("s-wire").textContent = fmt.rate(sent, ms);
  show(el);

  const notes = [];
  const skipped = results.filter((r) => r.action === "skipped").length;
  if (size === 0) notes.push("Nothing to send: the files are empty.");
  else if (uploaded.length === 0) {
    notes.push(`Nothing was sent: the server already had ${skipped === 1 ? "this file" : `all ${skipped} files`} (same size and modification time, as rsync's quick check sees it).`);
  } else if (matched === 0) {
    notes.push(
      `The server had nothing to compare with, so all ${fmt.size(size)} went over (${fmt.size(sent)} on the wire). ` +
        "Change the file a little and upload it again to see the difference.",
    );
  } else {
    notes.push(
      `Sent ${fmt.size(sent)} instead of ${fmt.size(size)}, ${fmt.percent(sent, size)} of a plain upload: ` +
        `the server already had ${fmt.size(matched)} of it, so only the changes went over` +
        (skipped ? `, and ${skipped} unchanged ${skipped === 1 ? "file was" : "files were"} skipped.` : "."),
    );
  }
  if (uploaded.some((r) => r.result.retried)) {
    notes.push("The server's copy changed during the upload; wsync started again against the new copy.");
  }
  if (uploaded.some((r) => r.result.resumed)) notes.push("The connection dropped and the upload resumed where it stopped.");
  const savings = $("savings");
  savings.textContent = notes.join(" ");
  savings.dataset.sent = sent;
  savings.dataset.size = size;
  show(savings);
}

function remoteDir() {
  const dest = $("dest").value.trim().replace(/^\/+|\/+$/g, "");
  return dest ? `${$("module").value}/${dest}` : $("module").value;
}

async function upload() {
  const { files, error } = included();
  if (error || files.length === 0 || running) return;
  running = { abort: new AbortController() };
  const { signal } = running.abort;
  $("upload").disabled = true;
  $("cancel").disabled = false;
  setError($("error"), "");
  show($("summary"), false);
  show($("savings"), false);
  const status = $("status");
  status.dataset.state = "running";
  status.textContent = `Uploading ${files.length} ${files.length === 1 ? "file" : "files"}…`;
  const view = progressView(files);
  const t0 = performance.now();
  try {
    const wc = worker();
    let results;
    let sent;
    const single = files.length === 1 && chosen.length === 1 && !files[0].path.includes("/");
    if (single) {
      const [c] = files;
      const result = await wc.upload(c.file, `${remoteDir()}/${c.path}`, {
        signal,
        onProgress: (p) => view.progress(c.path, p),
      });
      view.done(c.path, "uploaded", result);
      results = [{ path: c.path, action: "uploaded", result }];
      sent = Number(result.bytesSent);
    } else {
      const out = await wc.syncFiles(files, remoteDir(), {
        filters: $("rules").value,
        signal,
        onProgress: (p) => view.progress(p.path, p),
        onFile: (f) => view.done(f.path, f.action, f.result),
      });
      for (const f of out.files) view.done(f.path, f.action, f.result);
      results = out.files;
      sent = Number(out.bytesSent);
    }
    view.finish();
    const ms = performance.now() - t0;
    showSummary(results, { sent, size: view.totalSize, ms });
    status.dataset.state = "done";
    status.textContent = `Done in ${fmt.duration(ms)}.`;
  } catch (e) {
    view.finish();
    status.dataset.state = e.code === "Aborted" ? "cancelled" : "failed";
    status.textContent = e.code === "Aborted" ? "Cancelled." : "The upload failed.";
    setError($("error"), fmt.explain(e, endpoint));
    $("error").dataset.code = e.code ?? "";
    if (e.code === "AuthFailed") $("auth-box").open = true;
  } finally {
    running = null;
    $("cancel").disabled = true;
    preview();
    refreshListing();
  }
}

// --- Wiring ---------------------------------------------------------------

function wire() {
  $("file-input").addEventListener("change", (e) => choose(pickedFiles(e.target)));
  $("folder-input").addEventListener("change", (e) => choose(pickedFiles(e.target)));
  $("rules").addEventListener("input", preview);
  $("upload").addEventListener("click", upload);
  $("cancel").addEventListener("click", () => running?.abort.abort());
  $("refresh").addEventListener("click", refreshListing);
  $("module").addEventListener("change", refreshListing);
  for (const id of ["token", "user", "password"]) {
    $(id).addEventListener("change", async () => {
      if (await loadServer()) refreshListing();
    });
  }
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    choose(await droppedFiles(e.dataTransfer));
  });
}

wire();
await ready();
document.body.dataset.ready = "wasm";
if (await loadServer()) await refreshListing();
startEdge({ endpoint, auth });
document.body.dataset.ready = "yes";
