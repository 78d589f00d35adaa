//! The server's `log file`, with rsync's `log format` escapes for
//! transfer lines (`transfer logging = yes`).
//!
//! Escapes: `%a` the client's address, `%h` its host name (names are not
//! looked up: the address), `%m` module, `%u` authenticated user (empty
//! for anonymous), `%f` and `%n` the file's path in the module, `%l` its
//! length, `%b` bytes transferred (delta bytes on the wire), `%o`
//! operation (`recv`, `send`, `del.`), `%i` rsync's itemize string, `%t`
//! date and time, `%p` process id, `%P` module path, `%M` the file's
//! mtime, `%B` its permission bits, `%%` a percent sign. A width may come
//! between `%` and the letter (`%-10n`, `%'l` as rsync allows). An
//! unknown escape is a configuration error.

use std::io::Write;
use std::sync::Mutex;

/// rsync's default `log format`.
pub const DEFAULT_FORMAT: &str = "%o %h [%a] %m (%u) %f %l";

const ESCAPES: &[u8] = b"ahmufnlboitpPMB";

/// Checks a `log format` string.
pub fn check_format(f: &str) -> Result<(), String> {
    let b = f.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            i += 1;
            while i < b.len() && matches!(b[i], b'-' | b'\'' | b'0'..=b'9') {
                i += 1;
            }
            match b.get(i) {
                Some(c) if *c == b'%' || ESCAPES.contains(c) => {}
                Some(c) => return Err(format!("unknown escape %{} in log format", *c as char)),
                None => return Err("log format ends with %".into()),
            }
        }
        i += 1;
    }
    Ok(())
}

/// What a transfer line tells.
pub struct Transfer<'a> {
    pub op: &'a str,
    pub addr: String,
    pub module: &'a str,
    pub module_path: String,
    pub user: &'a str,
    pub path: &'a str,
    pub len: u64,
    pub bytes: u64,
    pub itemize: String,
    pub mtime: i64,
    pub mode: u32,
}

/// Renders a format for one transfer (the format was checked).
pub fn render(f: &str, t: &Transfer) -> String {
    let esc = super::store::escape;
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d == '-' || d == '\'' || d.is_ascii_digit() {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let value = match chars.next() {
            Some('a') | Some('h') => t.addr.clone(),
            Some('m') => esc(t.module),
            Some('u') => esc(t.user),
            Some('f') | Some('n') => esc(t.path),
            Some('l') => t.len.to_string(),
            Some('b') => t.bytes.to_string(),
            Some('o') => t.op.to_string(),
            Some('i') => t.itemize.clone(),
            Some('t') => timestamp(now()),
            Some('p') => std::process::id().to_string(),
            Some('P') => esc(&t.module_path),
            Some('M') => timestamp(t.mtime).replace(' ', "-"),
            Some('B') => perms(t.mode),
            Some('%') => "%".into(),
            _ => String::new(),
        };
        let width: usize = spec.trim_start_matches(['-', '\'']).parse().unwrap_or(0);
        if spec.starts_with('-') {
            out.push_str(&format!("{value:<width$}"));
        } else {
            out.push_str(&format!("{value:>width$}"));
        }
    }
    out
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `YYYY/MM/DD HH:MM:SS` in UTC, as rsync's log lines begin.
pub fn timestamp(t: i64) -> String {
    let (y, mo, d, h, mi, s) = crate::host::client::civil(t);
    format!("{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}")
}

fn perms(mode: u32) -> String {
    let mut p = String::new();
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        p.push(if bits & 4 != 0 { 'r' } else { '-' });
        p.push(if bits & 2 != 0 { 'w' } else { '-' });
        p.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    p
}

/// The open log file: whole lines appended under a lock.
pub struct LogFile(Mutex<std::fs::File>);

impl LogFile {
    pub fn open(path: &std::path::Path) -> std::io::Result<LogFile> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(LogFile(Mutex::new(f)))
    }

    /// Appends `YYYY/MM/DD HH:MM:SS [pid] message`.
    pub fn line(&self, message: &str) {
        let line = format!(
            "{} [{}] {}\n",
            timestamp(now()),
            std::process::id(),
            message
        );
        if let Ok(mut f) = self.0.lock() {
            if let Err(e) = f.write_all(line.as_bytes()) {
                tracing::warn!("writing the log file: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_checked_and_rendered() {
        assert!(check_format(DEFAULT_FORMAT).is_ok());
        assert!(check_format("%o %-10n %'l %%").is_ok());
        assert!(check_format("%q").unwrap_err().contains("%q"));
        assert!(check_format("50%").is_err());
        let t = Transfer {
            op: "recv",
            addr: "127.0.0.1".into(),
            module: "data",
            module_path: "/srv".into(),
            user: "ann",
            path: "a\nb",
            len: 1234,
            bytes: 56,
            itemize: ">f+++++++++".into(),
            mtime: 0,
            mode: 0o640,
        };
        assert_eq!(
            render("%o %h [%a] %m (%u) %f %l %b %i %B %M %5l|%-4b|%%", &t),
            "recv 127.0.0.1 [127.0.0.1] data (ann) a\\nb 1234 56 >f+++++++++ rw-r----- \
             1970/01/01-00:00:00  1234|56  |%"
        );
    }
}
