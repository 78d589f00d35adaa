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

use crate::host::text::format::{self, Escape, Field, Fields};
use crate::host::text::{date, escape, mode, num};
use std::io::Write;
use std::sync::Mutex;

/// rsync's default `log format`.
pub const DEFAULT_FORMAT: &str = "%o %h [%a] %m (%u) %f %l";

const ESCAPES: &[u8] = b"ahmufnlboitpPMB";

/// Checks a `log format` string.
pub fn check_format(f: &str) -> Result<(), String> {
    format::check(f, ESCAPES, "log format")
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
    String::from_utf8_lossy(&format::render(f, t)).into_owned()
}

impl Fields for Transfer<'_> {
    fn field(&self, e: &Escape<'_>) -> Option<Field> {
        let t = self;
        let value = match e.letter {
            b'a' | b'h' => t.addr.clone(),
            b'm' => escape(t.module),
            b'u' => escape(t.user),
            b'f' | b'n' => escape(t.path),
            b'l' => num::num(t.len, e.humanize),
            b'b' => num::num(t.bytes, e.humanize),
            b'o' => t.op.to_string(),
            b'i' => t.itemize.clone(),
            b't' => timestamp(date::now()),
            b'p' => std::process::id().to_string(),
            b'P' => escape(&t.module_path),
            b'M' => date::timestring(t.mtime, '-'),
            b'B' => mode::perm_string(t.mode),
            _ => return None,
        };
        Some(Field::Text(value.into_bytes()))
    }
}

/// `YYYY/MM/DD HH:MM:SS` in UTC, as rsync's log lines begin.
pub fn timestamp(t: i64) -> String {
    date::timestring(t, ' ')
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
            timestamp(date::now()),
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
    use crate::host::text::itemize::{item_string, IS_NEW, TRANSFER};

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
            itemize: item_string(b'f', TRANSFER | IS_NEW, true),
            mtime: 0,
            mode: 0o640,
        };
        assert_eq!(
            render("%o %h [%a] %m (%u) %f %l %b %i %B %M %5l|%-4b|%%", &t),
            "recv 127.0.0.1 [127.0.0.1] data (ann) a\\nb 1234 56 >f+++++++++ rw-r----- \
             1970/01/01-00:00:00  1234|56  |%"
        );
        // The same escapes as `wsync sync --out-format`: thousands, and
        // set-id and sticky bits.
        let t = Transfer {
            len: 1_234_567,
            mode: 0o4755,
            ..t
        };
        assert_eq!(render("%'l %''l %B", &t), "1,234,567 1.23M rwsr-xr-x");
    }
}
