//! Where `wsync sync` reports, as rsync's client does (`rwrite` in
//! log.c): standard output (per-item lines in the out-format, rsync's
//! notes), standard error, and `--log-file`.
//!
//! Lines come in rsync's display form (`flist::show`): names as the
//! client prints them. Each destination escapes them its own way, as
//! rsync's `filtered_fwrite` does: stdout keeps what is valid in the
//! locale's character set; the log file keeps raw bytes but control
//! characters (C0 but tab, and C1); what rsync's generator and receiver
//! print on stderr themselves escapes every byte the C library does not
//! call printable (all above 0x7f).

use super::args::{Info, StderrMode, SyncArgs};
use super::filesum::SumKind;
use super::flist::{show, unshow};
use super::itemize::{self, LogItem};
use std::fs::File;
use std::io::{BufWriter, Write};

/// rsync's log codes for a line: FCLIENT (stdout only), FINFO (stdout
/// and the log file), FLOG (the log file only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Client,
    Info,
    Flog,
}

/// The `--log-file` and its format.
struct LogFile {
    w: BufWriter<File>,
    format: String,
    has_i: bool,
    has_o_or_i: bool,
}

pub struct Log {
    /// The per-item format on stdout (`-v`: "%n%L", `-i`: "%i %n%L").
    pub format: Option<String>,
    /// 0, 1 (`%i` in the format) or 2 (`-ii`): rsync's stdout_format_has_i.
    pub has_i: u8,
    /// `%i` or `%o` in the stdout format.
    pub has_o_or_i: bool,
    /// rsync's output levels.
    pub info: Info,
    /// rsync's INFO NAME level (`info.name()`).
    pub name: u8,
    pub quiet: bool,
    pub human: u8,
    /// Items are logged before their data is sent (no `%b`, `%c`, `%C`
    /// in the format): rsync's log_before_transfer.
    pub log_before: bool,
    dry_run: bool,
    /// `%C` in a format: checksums are worked out for the log.
    pub wants_checksum: bool,
    /// The checksum `%C` shows (`--checksum-choice`).
    pub sum: SumKind,
    out: BufWriter<std::io::Stdout>,
    file: Option<LogFile>,
    /// Stdout holds a line not ended yet ("building file list ... "):
    /// the next line on either stream starts with a newline (rsync's
    /// output_needs_newline).
    needs_newline: bool,
    /// A live progress bar: lines are printed around it.
    pub bar: Option<indicatif::ProgressBar>,
    /// `--stderr`: which process prints the generator's and receiver's
    /// messages (rsync's msgs2stderr).
    stderr: StderrMode,
    /// `-g`: `%G` of a deletion shows rsync's zeroed group, not "DEFAULT".
    group: bool,
    /// Stdout the sender has yet to print (see `hold`).
    held: Option<Vec<Held>>,
    /// ... and what it has yet to write in the log file (rsync's client
    /// logs a line as it prints it).
    held_file: Option<Vec<u8>>,
}

/// What the sender printed while held back, printed on release as then.
enum Held {
    Line(String),
    Progress(String),
    EndLine,
}

impl Log {
    pub fn new(a: &SyncArgs) -> Result<Log, String> {
        let format = match (&a.out_format, a.itemize) {
            (Some(f), _) => Some(f.clone()),
            (None, i) if i > 0 => Some("%i %n%L".to_string()),
            _ if a.info.name() > 0 => Some("%n%L".to_string()),
            _ => None,
        };
        let has = |c: u8| {
            format
                .as_deref()
                .is_some_and(|f| super::args::format_has(f, c))
        };
        let has_i = if has(b'i') { a.itemize.max(1) } else { 0 };
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
                let format = a
                    .log_file_format
                    .clone()
                    .unwrap_or_else(|| "%i %n%L".to_string());
                let has_i = super::args::format_has(&format, b'i');
                Some(LogFile {
                    w: BufWriter::new(f),
                    has_o_or_i: has_i || super::args::format_has(&format, b'o'),
                    has_i,
                    format,
                })
            }
        };
        let wants_checksum = has(b'C')
            || file
                .as_ref()
                .is_some_and(|f| super::args::format_has(&f.format, b'C'));
        Ok(Log {
            wants_checksum,
            sum: SumKind::for_log(a.more.checksum_choice.as_deref(), a.checksum),
            has_o_or_i: has_i > 0 || has(b'o'),
            format,
            has_i,
            info: a.info,
            name: a.info.name(),
            quiet: a.quiet,
            human: a.human + 1,
            log_before: a.log_before,
            dry_run: a.dry_run,
            out: BufWriter::new(std::io::stdout()),
            file,
            needs_newline: false,
            bar: None,
            stderr: a.more.stderr,
            group: a.group,
            held: None,
            held_file: None,
        })
    }

    /// Whether `--log-file` is on.
    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }

    /// Whether `--log-file` is on, with `%i` in its format.
    pub fn file_has_i(&self) -> bool {
        self.file.as_ref().is_some_and(|f| f.has_i)
    }

    /// A line (display form) under rsync log code `code`.
    pub fn say(&mut self, code: Code, line: &str) {
        if code != Code::Flog && !self.quiet {
            self.line(line);
        }
        if code != Code::Client {
            self.file_line(line);
        }
    }

    /// A line on stdout and in the log file (rsync's FINFO).
    pub fn info(&mut self, line: &str) {
        self.say(Code::Info, line);
    }

    /// A note of rsync's generator or receiver (FINFO there): passed to
    /// the client, which prints and logs it, unless `-q` (then the
    /// server drops it). With `--stderr=all` the server prints it on
    /// stderr itself, as its errors (`error_server`).
    pub fn info_server(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        if self.stderr == StderrMode::All {
            self.error_server(line);
        } else {
            self.ahead(|log| log.info(line));
        }
    }

    /// rsync's `INFO_GTE(NAME, 1) || stdout_format_has_i`.
    pub fn names(&self) -> bool {
        self.name >= 1 || self.has_i > 0
    }

    /// A line on stdout only (rsync's FCLIENT).
    pub fn client(&mut self, line: &str) {
        self.say(Code::Client, line);
    }

    /// Text on stdout (unless `-q`) that does not end the line: the
    /// next line, on stdout or stderr, starts on a new one.
    pub fn partial(&mut self, text: &str) {
        if !self.quiet {
            if self.needs_newline {
                let _ = writeln!(self.out);
            }
            let _ = write!(self.out, "{text}");
            let _ = self.out.flush();
            self.needs_newline = true;
        }
    }

    /// A `--info=progress2` update: on the line the last one left open
    /// (it starts with "\r"), left open in turn.
    pub fn progress(&mut self, text: &str) {
        if !self.quiet {
            if let Some(h) = &mut self.held {
                h.push(Held::Progress(text.to_string()));
                return;
            }
            let _ = write!(self.out, "{text}");
            let _ = self.out.flush();
            self.needs_newline = true;
        }
    }

    /// Ends the line `partial` began with `line` (rsync's FINFO).
    pub fn end_partial(&mut self, line: &str) {
        self.needs_newline = false;
        self.info(line);
    }

    /// Text on stdout as is (the remote transfers' closing blocks).
    pub fn raw(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        if super::outbytes::all_to_stderr() {
            let _ = std::io::stderr().write_all(&super::outbytes::bytes(text));
            return;
        }
        let _ = self.out.write_all(&super::outbytes::bytes(text));
    }

    /// An error or warning of rsync's client (its sender, for a local
    /// transfer) on stderr, and in the log file. Stdout is flushed first,
    /// to keep the order.
    pub fn error(&mut self, line: &str) {
        let _ = self.out.flush();
        // A path put in raw still comes out as rsync prints it.
        self.stderr_line(&reshow(line));
        self.file_line(line);
    }

    /// A line on stderr as is (already escaped).
    fn stderr_line(&mut self, line: &str) {
        if std::mem::take(&mut self.needs_newline) {
            eprintln!();
        }
        super::outbytes::eprint_line(line);
    }

    /// An error rsync's generator or receiver prints on stderr itself:
    /// not in the log file (that is the client's), every byte above
    /// 0x7f escaped. With `--stderr=client` it goes through the client
    /// instead, which prints and logs it as its own (`error`).
    pub fn error_server(&mut self, line: &str) {
        if self.stderr == StderrMode::Client {
            self.error(line);
            return;
        }
        // (rsync's client's half-written line is its own: no newline.)
        let _ = self.out.flush();
        super::outbytes::eprint_line(&super::flist::escaped_server(line));
    }

    /// A line in the log file only (rsync's FLOG), with rsync's prefix:
    /// control characters and C1 bytes escaped, the rest raw.
    pub fn file_line(&mut self, line: &str) {
        if let Some(f) = &mut self.file {
            let raw = unshow(line);
            // -8: bytes carried through the line go in as themselves
            // (then escaped as rsync's log file escapes them).
            let raw = match std::str::from_utf8(&raw) {
                Ok(s) if super::outbytes::eight_bit() => super::outbytes::bytes(s).into_owned(),
                _ => raw,
            };
            let mut out = Vec::with_capacity(raw.len() + 32);
            out.extend_from_slice(
                format!(
                    "{} [{}] ",
                    crate::host::text::date::timestring(crate::host::text::date::now(), ' '),
                    std::process::id()
                )
                .as_bytes(),
            );
            let mut i = 0;
            while i < raw.len() {
                let b = raw[i];
                let escaped_already = b == b'\\'
                    && raw.get(i + 1) == Some(&b'#')
                    && raw.len() > i + 4
                    && raw[i + 2..i + 5].iter().all(u8::is_ascii_digit);
                if escaped_already || (b < 0x20 && b != b'\t') || (0x80..=0x9f).contains(&b) {
                    out.extend_from_slice(format!("\\#{b:03o}").as_bytes());
                } else {
                    out.push(b);
                }
                i += 1;
            }
            out.push(b'\n');
            match &mut self.held_file {
                Some(h) => h.extend_from_slice(&out),
                None => {
                    let _ = f.w.write_all(&out);
                }
            }
        }
    }

    /// Logs one item as rsync's `log_item`: in the stdout format unless
    /// `code` is FLOG, in the log file's format unless it is FCLIENT.
    pub fn item(&mut self, li: &LogItem<'_>, code: Code) {
        if code != Code::Flog {
            if let Some(f) = &self.format {
                let line = itemize::render(f, li);
                if !self.quiet {
                    self.line(&line);
                }
            }
        }
        if code != Code::Client {
            if let Some(fmt) = self.file.as_ref().map(|f| f.format.clone()) {
                let line = itemize::render(&fmt, li);
                self.file_line(&line);
            }
        }
    }

    /// Logs one deletion as rsync's client does (`log_delete`): on
    /// stdout through the out-format when it has `%i` or `%o`, else
    /// "deleting NAME" (with `-v` or an out-format); in the log file
    /// likewise, unless a dry run. `item` is the deleted entry. rsync's
    /// client knows only its name and whether it was a directory (its
    /// MSG_DELETED): the rest of what a format shows is zero (size,
    /// `%M` 1970/01/01-00:00:00, owner, permissions).
    pub fn deletion(&mut self, item: &super::flist::Item, times: bool) {
        use super::flist::Kind;
        let mut zeroed = item.clone();
        let dir = item.kind == Kind::Dir;
        zeroed.kind = if dir { Kind::Dir } else { Kind::File };
        zeroed.mode = if dir { 0o040000 } else { 0o100000 };
        zeroed.size = 0;
        zeroed.mtime = 0;
        zeroed.nsec = 0;
        zeroed.uid = 0;
        zeroed.gid = 0;
        zeroed.link = None;
        let item = &zeroed;
        let li = LogItem {
            item,
            name: &item.path,
            iflags: itemize::DELETED,
            op: "del.",
            bytes: 0,
            hlink: None,
            times,
            sender_path: None,
            checksum: Some(self.sum.blank()),
            uid_gid: (false, self.group),
        };
        if self.info.del() > 0 || self.format.is_some() {
            let fmt = match &self.format {
                Some(f) if self.has_o_or_i => f.clone(),
                _ => "deleting %n".to_string(),
            };
            let line = itemize::render(&fmt, &li);
            self.generator_line(&line);
        }
        if self.dry_run {
            return;
        }
        if let Some(f) = &self.file {
            let fmt = if f.has_o_or_i {
                f.format.clone()
            } else {
                "deleting %n".to_string()
            };
            let line = itemize::render(&fmt, &li);
            // rsync's client writes it as it prints it, when the
            // generator's MSG_DELETED comes: ahead of what is held back,
            // in step with its messages ("cannot delete non-empty
            // directory").
            self.ahead(|log| log.file_line(&line));
        }
    }

    fn line(&mut self, line: &str) {
        if let Some(h) = &mut self.held {
            h.push(Held::Line(line.to_string()));
            return;
        }
        let nl = std::mem::take(&mut self.needs_newline);
        if nl {
            let _ = writeln!(self.out);
        }
        // A path put in raw still comes out as rsync prints it (a
        // leading carriage return stays one, as rsync's rwrite keeps it).
        let shown = reshow_cr(line);
        let line = &*super::outbytes::bytes(&shown);
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

    /// Holds back what the sender prints on stdout from here on: rsync's
    /// generator tells the sender of each item through a buffer it sends
    /// when full or when it waits for its peers, while the notes it
    /// prints itself (`generator_line`, `info_server`: "NAME is
    /// uptodate", "skipping non-regular file", deletions) go ahead of
    /// that.
    pub fn hold(&mut self) {
        self.held.get_or_insert_with(Vec::new);
        self.held_file.get_or_insert_with(Vec::new);
    }

    /// Prints what was held back (rsync's generator flushed its buffer);
    /// `more`: hold on after it.
    pub fn release(&mut self, more: bool) {
        if let Some(h) = self.held.take() {
            for e in h {
                match e {
                    Held::Line(l) => self.line(&l),
                    Held::Progress(t) => self.progress(&t),
                    Held::EndLine => self.end_line(),
                }
            }
            if more {
                self.held = Some(Vec::new());
            }
        }
        if let Some(h) = self.held_file.take() {
            if let Some(f) = &mut self.file {
                let _ = f.w.write_all(&h);
            }
            if more {
                self.held_file = Some(Vec::new());
            }
        }
    }

    /// A line rsync's generator prints itself (FCLIENT there): on stdout
    /// ahead of what the sender has yet to print.
    pub fn generator_line(&mut self, line: &str) {
        self.ahead(|log| log.client(line));
    }

    /// A line rsync's generator prints (FCLIENT, which its server side
    /// sends as FINFO): printed as `generator_line` and logged by the
    /// client that prints it, unless `-q` or `--stderr=all` keep it on
    /// the server.
    pub fn generator_info(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        self.generator_line(line);
        if self.stderr != StderrMode::All {
            self.ahead(|log| log.file_line(line));
        }
    }

    /// Runs `f`, which prints what rsync's generator sends the client as
    /// a message of its own, ahead of what is held back.
    pub(super) fn ahead<R>(&mut self, f: impl FnOnce(&mut Log) -> R) -> R {
        let Some(held) = self.held.take() else {
            return f(self);
        };
        let held_file = self.held_file.take();
        let r = f(self);
        self.held = Some(held);
        self.held_file = held_file;
        r
    }

    /// Ends a line left open on stdout (rsync's exit_cleanup does, before
    /// its closing message).
    pub fn end_line(&mut self) {
        if let Some(h) = &mut self.held {
            h.push(Held::EndLine);
            return;
        }
        if std::mem::take(&mut self.needs_newline) {
            let _ = writeln!(self.out);
        }
    }

    pub fn flush(&mut self) {
        self.release(false);
        if std::mem::take(&mut self.needs_newline) {
            let _ = writeln!(self.out);
        }
        let _ = self.out.flush();
        if let Some(f) = &mut self.file {
            let _ = f.w.flush();
        }
    }
}

/// Appends `lines` to the log file at `path` as `Log::file_line` writes
/// them (for errors found before the run's log is open).
pub fn append(path: &std::ffi::OsStr, lines: &[&str]) {
    let Ok(f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    let mut l = Log {
        format: None,
        has_i: 0,
        has_o_or_i: false,
        info: Info::default(),
        name: 0,
        quiet: true,
        human: 1,
        log_before: false,
        dry_run: false,
        wants_checksum: false,
        sum: SumKind::Xxh128,
        out: BufWriter::new(std::io::stdout()),
        file: Some(LogFile {
            w: BufWriter::new(f),
            format: String::new(),
            has_i: false,
            has_o_or_i: false,
        }),
        needs_newline: false,
        bar: None,
        stderr: StderrMode::Errors,
        group: false,
        held: None,
        held_file: None,
    };
    for line in lines {
        l.file_line(line);
    }
    l.flush();
}

/// `reshow` past a leading carriage return (which stays one, as rsync's
/// rwrite keeps it).
fn reshow_cr(line: &str) -> String {
    match line.strip_prefix('\r') {
        Some(rest) => format!("\r{}", reshow(rest)),
        None => reshow(line),
    }
}

/// A line whose paths may have been put in raw, as rsync prints it
/// (with `-8` the lines carry high-bit bytes as they are: kept).
fn reshow(line: &str) -> String {
    if super::outbytes::eight_bit() {
        // Control characters still escaped (rsync's filtered_fwrite).
        let mut out = String::with_capacity(line.len());
        for c in line.chars() {
            if c < ' ' && c != '\t' {
                out.push_str(&format!("\\#{:03o}", c as u32));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        show(&unshow(line))
    }
}
