// Numbers for people: sizes, rates, durations, dates, and plain-words errors.

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];

/** 1234567 -> "1.2 MB" (powers of 1000, as file managers show them). */
export function size(n) {
  n = Number(n) || 0;
  if (n < 1000) return `${n} ${n === 1 ? "byte" : "bytes"}`;
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ${UNITS[i]}`;
}

/** Bytes over milliseconds -> "12.3 MB/s". */
export function rate(bytes, ms) {
  if (!(ms > 0)) return "–";
  return `${size(Math.round((bytes * 1000) / ms))}/s`;
}

/** Milliseconds -> "850 ms", "4.2 s", "3 min 5 s". */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A share as "0.21%" or "37%". */
export function percent(part, whole) {
  if (!(whole > 0)) return "0%";
  const p = (100 * part) / whole;
  return `${p < 1 ? p.toFixed(2) : p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}

/** Seconds since 1970 -> a local date and time. */
export function date(seconds) {
  if (!Number.isFinite(Number(seconds))) return "";
  return new Date(Number(seconds) * 1000).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** What an error means for the person looking at the page. */
export function explain(e, endpoint) {
  const code = e?.code ?? "Error";
  const msg = e?.message ?? String(e);
  switch (code) {
    case "Connect":
      return `Cannot reach the wsync server at ${endpoint}. Is “wsync serve” still running? (${msg})`;
    case "Closed":
      return `The connection to the server was lost during the transfer (${msg}). The server kept its previous copy; upload again to resume.`;
    case "AuthFailed":
      return "The server refused the credentials. Open “Sign in” and check the token, or the user name and password.";
    case "NotFound":
      return `Not found on the server: ${msg}`;
    case "BasisChanged":
      return `The file kept changing on the server while uploading, so wsync gave up (${msg}). Try again.`;
    case "Aborted":
      return "Cancelled. Files that had not finished are unchanged on the server.";
    case "FilterRule":
      return `A filter rule is not valid: ${msg}`;
    default:
      return `${code}: ${msg}`;
  }
}
