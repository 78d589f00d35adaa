//! `wsync sync`: rsync's command line, growing towards a replacement. For
//! now it is `rsync -r -n --out-format=%n`: the same lines in the same
//! order (see docs/FILTERS.md for the one place rsync itself is not
//! deterministic), with rsync's filter rules, deletions and exit statuses.

mod args;
mod delete;
mod flist;
mod report;

use crate::filter::{FilterOptions, Filters, MergeSource, ReadError, Side};
use args::{DeleteWhen, SyncArgs, UsageError, USAGE};
use flist::{Item, Kind};
use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// rsync's exit statuses (`errcode.h`).
pub mod code {
    pub const SYNTAX: u8 = 1;
    pub const FILE_SELECT: u8 = 3;
    pub const FILE_IO: u8 = 11;
    pub const PARTIAL: u8 = 23;
}

/// An I/O error as rsync prints it: "No such file or directory (2)".
pub(crate) fn os_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match (s.find(" (os error "), e.raw_os_error()) {
        (Some(i), Some(n)) => format!("{} ({n})", &s[..i]),
        _ => s,
    }
}

/// Reads merge files from the file system, relative to the working
/// directory; `-` is standard input, read once as rsync does.
struct FsFiles {
    stdin_used: bool,
}

impl MergeSource for FsFiles {
    fn read(&mut self, path: &[u8]) -> Result<Vec<u8>, ReadError> {
        if path == b"-" {
            let mut buf = Vec::new();
            if !self.stdin_used {
                self.stdin_used = true;
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|e| ReadError::Other(os_error(&e)))?;
            }
            return Ok(buf);
        }
        let p = Path::new(std::ffi::OsStr::from_bytes(path));
        match fs::metadata(p) {
            Ok(md) if md.is_dir() => return Err(ReadError::Other("Is a directory (21)".into())),
            _ => {}
        }
        fs::read(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Other(os_error(&e)),
        })
    }
}

fn fail(msg: &str, code: u8) -> u8 {
    eprintln!("{msg}");
    let what = match code {
        code::SYNTAX => "syntax or usage error",
        code::FILE_SELECT => "errors selecting input/output files, dirs",
        code::FILE_IO => "error in file IO",
        _ => "some files/attrs were not transferred (see previous errors)",
    };
    eprintln!("wsync error: {what} (code {code})");
    code
}

/// Runs `wsync sync ARGS`; returns the exit status.
pub fn main(argv: &[OsString]) -> u8 {
    let a = match SyncArgs::parse(argv) {
        Ok(a) => a,
        Err(UsageError(m)) => return fail(&format!("wsync: {m}"), code::SYNTAX),
    };
    if a.help {
        print!("{USAGE}");
        return 0;
    }
    match run(&a) {
        Ok(code) => code,
        Err((msg, code)) => fail(&msg, code),
    }
}

/// What the destination holds at a path.
fn dst_kind(dst: &Path, rel: &[u8]) -> Option<(Kind, u64, i64)> {
    let md = fs::symlink_metadata(flist::join(dst, rel)).ok()?;
    Some((Kind::of(&md), md.len(), md.mtime()))
}

/// Whether rsync's generator would itemize `it` (dry run, no -t): new,
/// or a file whose size or modification second differs.
fn changed(it: &Item, dst: Option<(Kind, u64, i64)>) -> bool {
    match dst {
        None => true,
        Some((kind, size, mtime)) => match it.kind {
            Kind::Dir => kind != Kind::Dir,
            _ => kind != Kind::File || size != it.size || mtime != it.mtime,
        },
    }
}

fn run(a: &SyncArgs) -> Result<u8, (String, u8)> {
    if !a.dry_run {
        return Err((
            "wsync sync: only --dry-run (-n) is implemented yet".into(),
            code::SYNTAX,
        ));
    }
    let names = match a.out_format.as_deref() {
        None => false,
        Some("%n") => true,
        Some(f) => {
            return Err((
                format!("wsync sync: --out-format={f}: only %n is supported yet"),
                code::SYNTAX,
            ))
        }
    };
    if a.paths.len() != 2 {
        return Err((
            format!(
                "wsync sync: expected SRC/ DST/, got {} paths\n{USAGE}",
                a.paths.len()
            ),
            code::SYNTAX,
        ));
    }
    // "SRC/" sends the directory's contents; "SRC" sends SRC itself, from
    // its parent directory (which is then the transfer root).
    let src_arg = a.paths[0].as_bytes();
    let contents = src_arg.ends_with(b"/") || src_arg == b"." || src_arg.ends_with(b"/.");
    let (src, top): (PathBuf, Option<Vec<u8>>) = if contents {
        (PathBuf::from(&a.paths[0]), None)
    } else {
        match src_arg.iter().rposition(|&b| b == b'/') {
            Some(0) => (PathBuf::from("/"), Some(src_arg[1..].to_vec())),
            Some(i) => (
                PathBuf::from(std::ffi::OsStr::from_bytes(&src_arg[..i])),
                Some(src_arg[i + 1..].to_vec()),
            ),
            None => (PathBuf::from("."), Some(src_arg.to_vec())),
        }
    };
    let opts = FilterOptions {
        delete_excluded: a.delete_excluded,
        strict: false,
        home: std::env::var("HOME").ok(),
        cvsignore: std::env::var("CVSIGNORE").ok(),
    };
    let mut files = FsFiles { stdin_used: false };
    let filters = Filters::parse(&a.filters, &opts, &mut files)
        .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
    for w in filters.warnings() {
        eprintln!("wsync: warning: {w}");
    }
    let src_abs = fs::canonicalize(&src).map_err(|e| {
        let shown = std::env::current_dir()
            .map(|d| d.join(&src))
            .unwrap_or(src.clone());
        (
            format!(
                "rsync: [sender] change_dir \"{}\" failed: {}",
                shown.display().to_string().trim_end_matches('/'),
                os_error(&e)
            ),
            code::PARTIAL,
        )
    })?;
    let dst = PathBuf::from(&a.paths[1]);
    let dst_exists = match fs::metadata(&dst) {
        Ok(md) if md.is_dir() => true,
        Ok(_) => {
            return Err((
                "ERROR: destination must be a directory when copying more than 1 file".into(),
                code::FILE_SELECT,
            ))
        }
        Err(_) => false,
    };
    let top_kind = match &top {
        None => Some(Kind::Dir),
        Some(name) => match fs::symlink_metadata(flist::join(&src_abs, name)) {
            Ok(md) => Some(Kind::of(&md)),
            Err(e) => {
                eprintln!(
                    "rsync: [sender] link_stat \"{}\" failed: {}",
                    flist::join(&src_abs, name).display(),
                    os_error(&e)
                );
                None
            }
        },
    };
    let mut out = std::io::stdout().lock();
    if top_kind.is_none() {
        eprintln!(
            "wsync error: some files/attrs were not transferred (see previous errors) (code 23)"
        );
        return Ok(code::PARTIAL);
    }
    if !a.recursive && top_kind == Some(Kind::Dir) {
        let name = top.as_deref().map(String::from_utf8_lossy);
        let _ = writeln!(out, "skipping directory {}", name.as_deref().unwrap_or("."));
        return Ok(0);
    }
    let inc = !(a.prune_empty_dirs
        || matches!(a.delete, Some(DeleteWhen::Before) | Some(DeleteWhen::After)));
    let mut sender = filters.for_side(Side::Sender, src_abs.as_os_str().as_bytes());
    let mut sent = flist::send_tree(&src_abs, top.as_deref(), &mut sender, &mut files)
        .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
    for w in sender.warnings() {
        eprintln!("wsync: warning: {w}");
    }
    let dst_abs = if dst_exists {
        fs::canonicalize(&dst).unwrap_or(dst.clone())
    } else {
        std::env::current_dir()
            .map(|d| d.join(&dst))
            .unwrap_or(dst.clone())
    };
    let receiver = filters.for_side(Side::Receiver, dst_abs.as_os_str().as_bytes());
    if a.prune_empty_dirs {
        flist::prune_empty_dirs(&mut sent.items, &receiver);
    }

    let transfer = report::Transfer {
        args: a,
        sent: &sent,
        top: top.as_deref(),
        dst: &dst,
        dst_abs: &dst_abs,
        dst_exists,
        names,
        inc,
    };
    let (lines, failure) = report::lines(&transfer, receiver, &mut files);
    for l in &lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = out.flush();
    if let Some(e) = failure {
        return Err((format!("wsync: {e}"), e.exit_code()));
    }
    for e in &sent.errors {
        eprintln!("{e}");
    }
    if sent.io_error || !sent.errors.is_empty() {
        eprintln!(
            "wsync error: some files/attrs were not transferred (see previous errors) (code 23)"
        );
        return Ok(code::PARTIAL);
    }
    Ok(0)
}
