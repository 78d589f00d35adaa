// Files from a drop, folders included: [{ path, file }], paths relative to
// what was dropped ("photos/2024/a.jpg"), as a folder picker gives them.

/** Everything in a DataTransfer, walking dropped folders. */
export async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items]
    .filter((item) => item.kind === "file")
    .map((item) => item.webkitGetAsEntry?.())
    .filter(Boolean);
  if (entries.length === 0) {
    return [...dataTransfer.files].map((file) => ({ path: file.name, file }));
  }
  const out = [];
  for (const entry of entries) await walk(entry, "", out);
  return out;
}

async function walk(entry, prefix, out) {
  const path = prefix + entry.name;
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ path, file });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    // readEntries returns a batch at a time (100 in Chromium) until empty.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, `${path}/`, out);
    }
  }
}

/** Files from an <input type=file>, with their folder-relative paths. */
export function pickedFiles(input) {
  return [...input.files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}
