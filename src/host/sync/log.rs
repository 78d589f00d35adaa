//! Where `wsync sync` reports: standard output (per-item lines in the
//! out-format, rsync's notes), standard error, and `--log-file`.

use super::args::SyncArgs;
use super::itemize::{self, LogItem};
use std::fs::File;
use std::io::{BufWriter, Write};

pub struct Log {
    /// The per-item format on stdout (`-v`: "%n%L", `-i`: "%i %n%L").
    pub format: Option<String>,
    /// 0, 1 (`%i` in the format) or 2 (`-ii`).
    pub has_i: u8,
    pub has_o: bool,
    /// rsync's INFO NAME level.
    pub name: u8,
    pub quiet: bool,
    pub human: u8,
    out: BufWriter<std::io::Stdout>,
    file: Option<(BufWriter<File>, String)>,
    /// A live progress bar: lines are printed around it.
    pub bar: Option<indicatif::ProgressBar>,
}

impl Log {
    pub fn new(a: &SyncArgs) -> Result<Log, String> {
        let format = match (&a.out_format, a.itemize, a.verbose) {
            (Some(f), _, _) => Some(f.clone()),
            (None, i, _) if i > 0 => Some("%i %n%L".to_string()),
            (None, _, _) if a.more.info_name == Some(0) => None,
            (None, _, _) if a.more.info_name.is_some_and(|n| n > 0) => Some("%n%L".to_string()),
            (None, _, v) if v > 0 || a.progress => Some("%n%L".to_string()),
            _ => None,
        };
        let has = |c: char| {
            format
                .as_deref()
                .is_some_and(|f| f.contains(&format!("%{c}")))
        };
        let has_i = if has('i') { a.itemize.max(1) } else { 0 };
        let name = if a.quiet {
            0
        } else {
            match a.more.info_name {
                // --info=nameN sets rsync's INFO NAME level itself.
                Some(n) => n.max(u8::from(has_i > 0)),
                None => a.verbose.max(u8::from(has_i > 0 || a.progress)),
            }
        };
        let file = match &a.log_file {
            None => None,
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| {
                        format!(
                            "rsync: failed to open log-file {}: {}",
                            p.to_string_lossy(),
                            super::os_error(&e)
                        )
                    })?;
                let fmt = a
                    .log_file_format
                    .clone()
                    .unwrap_or_else(|| "%i %n%L".to_string());
                Some((BufWriter::new(f), fmt))
            }
        };
        Ok(Log {
            has_o: has('o'),
            format: if a.quiet { None } else { format },
            has_i,
            name,
            quiet: a.quiet,
            human: a.human + 1,
            out: BufWriter::new(std::io::stdout()),
            file,
            bar: None,
        })
    }

    /// A line on stdout (rsync's FINFO/FCLIENT), unless `-q`; the log
    /// file gets it too.
    pub fn info(&mut self, line: &str) {
        if !self.quiet {
            self.line(line);
        }
        self.file_line(line);
    }

    /// Text on stdout as is.
    pub fn raw(&mut self, text: &str) {
        if super::outbytes::all_to_stderr() {
            let _ = std::io::stderr().write_all(&super::outbytes::bytes(text));
            return;
        }
        let _ = self.out.write_all(&super::outbytes::bytes(text));
    }

    /// An error or warning on stderr (stdout flushed first, to keep order).
    pub fn error(&mut self, line: &str) {
        let _ = self.out.flush();
        eprintln!("{line}");
        self.file_line(line);
    }

    /// A line in the log file only.
    pub fn file_line(&mut self, line: &str) {
        if let Some((f, _)) = &mut self.file {
            let _ = writeln!(
                f,
                "{} [{}] {line}",
                itemize::timestring(now(), ' '),
                std::process::id()
            );
        }
    }

    /// Logs one item: on stdout in the out-format, and in the log file.
    pub fn item(&mut self, li: &LogItem<'_>, stdout: bool) {
        if stdout {
            if let Some(f) = &self.format {
                let line = itemize::render(f, li);
                self.line(&line);
            }
        }
        if let Some((_, fmt)) = &self.file {
            let line = itemize::render(&fmt.clone(), li);
            self.file_line(&line);
        }
    }

    /// Logs one deletion as rsync's `log_delete`: through the out-format
    /// when it has `%i` or `%o`, else "deleting NAME" (with `-v`). `item`
    /// is the deleted entry (path and kind).
    pub fn deletion(&mut self, item: &super::flist::Item, times: bool) {
        let li = LogItem {
            item,
            name: &item.path,
            iflags: itemize::DELETED,
            op: "del.",
            bytes: 0,
            hlink: None,
            times,
            human: self.human,
        };
        if self.has_i > 0 || self.has_o {
            self.item(&li, true);
        } else {
            let line = itemize::render("deleting %n", &li);
            self.info(&line);
        }
    }

    fn line(&mut self, line: &str) {
        let line = &*super::outbytes::bytes(line);
        if super::outbytes::all_to_stderr() {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(line);
            let _ = e.write_all(b"\n");
            return;
        }
        match &self.bar {
            Some(b) => {
                let out = &mut self.out;
                b.suspend(|| {
                    let _ = out.write_all(line);
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                });
            }
            None => {
                let _ = self.out.write_all(line);
                let _ = self.out.write_all(b"\n");
            }
        }
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
        if let Some((f, _)) = &mut self.file {
            let _ = f.flush();
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
