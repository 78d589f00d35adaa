// The page's side of the edge demo: registers the Service Worker (sw.js) and
// fetches files through it, showing what each fetch cost.
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);

export async function startEdge({ endpoint, auth }) {
  const status = $("edge-status");
  if (!("serviceWorker" in navigator)) {
    status.textContent = "This browser has no Service Workers (they need https or localhost).";
    $("edge-fetch").disabled = true;
    return;
  }
  $("edge-fetch").addEventListener("click", () => fetchThrough(endpoint, auth));
  $("edge-path").addEventListener("keydown", (e) => {
    if (e.key === "Enter") fetchThrough(endpoint, auth);
  });
  $("edge-clear").addEventListener("click", async () => {
    await caches.delete("wsync-edge-v1");
    status.textContent = "The cache is empty: the next fetch brings the whole file.";
  });
  try {
    await navigator.serviceWorker.register("sw.js", { type: "module" });
    await controlled();
    document.body.dataset.edge = "ready";
  } catch (e) {
    status.textContent = `The Service Worker did not start: ${e.message}`;
  }
}

/** Waits until a Service Worker controls this page. */
async function controlled() {
  await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  await new Promise((resolve) =>
    navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }),
  );
}

async function fetchThrough(endpoint, auth) {
  const status = $("edge-status");
  const path = $("edge-path").value.trim().replace(/^\/+/, "");
  if (!path) {
    status.textContent = "Type the path of a file on the server, such as data/notes.txt.";
    $("edge-path").focus();
    return;
  }
  $("edge-fetch").disabled = true;
  status.dataset.state = "running";
  status.textContent = `Fetching ${path}…`;
  try {
    await controlled();
    const url = new URL(`cached/${path.split("/").map(encodeURIComponent).join("/")}`, location.href);
    const creds = auth();
    const res = await fetch(url, { headers: creds ? { "x-wsync-auth": JSON.stringify(creds) } : {} });
    const body = new Uint8Array(await res.arrayBuffer());
    if (!res.ok) {
      throw new Error(res.headers.get("x-wsync-error") === "Connect"
        ? `Cannot reach the wsync server at ${endpoint}, and there is no cached copy.`
        : new TextDecoder().decode(body));
    }
    // Checked here too, independently of the worker: the bytes served are the ones it verified.
    const sha = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", body)));
    const h = (name) => res.headers.get(`x-wsync-${name}`);
    if (sha !== h("sha256")) throw new Error(`SHA-256 mismatch: served ${sha}, verified ${h("sha256")}`);
    addRow(path, { state: h("state"), size: body.length, received: Number(h("bytes-received")), sha });
    status.dataset.state = "done";
    status.textContent = describe(h("state"), body.length, Number(h("bytes-received")));
  } catch (e) {
    status.dataset.state = "failed";
    status.textContent = e.message;
  } finally {
    $("edge-fetch").disabled = false;
  }
}

function describe(state, size, received) {
  switch (state) {
    case "fetched":
      return `No copy yet: fetched the whole ${fmt.size(size)} (${fmt.size(received)} on the wire).`;
    case "patched":
      return `The server's copy changed: received ${fmt.size(received)} of changes for a ${fmt.size(size)} file, patched the cached copy and verified its SHA-256.`;
    case "unchanged":
      return `Unchanged on the server: ${fmt.size(received)} on the wire to make sure.`;
    case "stale":
      return "The server is unreachable: served the cached copy as it was.";
    default:
      return `Served ${fmt.size(size)}.`;
  }
}

const words = { fetched: "fetched whole", patched: "patched (delta)", unchanged: "unchanged", stale: "stale copy" };

function addRow(path, { state, size, received, sha }) {
  const tr = document.createElement("tr");
  Object.assign(tr.dataset, { path, state, size, received, sha });
  const cells = [
    [path, ""],
    [words[state] ?? state, ""],
    [fmt.size(size), "num"],
    [Number.isFinite(received) ? `${fmt.size(received)} (${fmt.percent(received, size)})` : "–", "num"],
    [`${sha.slice(0, 12)}…`, "mono"],
  ];
  for (const [text, cls] of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    td.className = cls;
    tr.append(td);
  }
  tr.lastChild.title = sha;
  $("edge-log").tBodies[0].prepend(tr);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
