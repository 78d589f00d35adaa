//! `wsync sync`: rsync's command line, growing towards a replacement. For
//! now it is `rsync -r -n --out-format=%n`: the same lines in the same
//! order (see docs/FILTERS.md for the one place rsync itself is not
//! deterministic), with rsync's filter rules, deletions and exit statuses.

mod args;
mod delete;
mod flist;

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

    // The sender's lines: the transfer root when new, then the items
    // (non-regular files are the generator's to report).
    let mut items_top = Vec::new();
    let mut items_rest = Vec::new();
    if !dst_exists && names && top.is_none() {
        items_top.push("./".to_string());
    }
    for it in &sent.items {
        if !names || matches!(it.kind, Kind::Symlink | Kind::Other) {
            continue;
        }
        if changed(
            it,
            if dst_exists {
                dst_kind(&dst, &it.path)
            } else {
                None
            },
        ) {
            if it.depth() == 1 && !it.is_dir() {
                items_top.push(it.display());
            } else {
                items_rest.push(it.display());
            }
        }
    }

    // The generator's lines, directory by directory in list order: its
    // deletions there (when deleting during the transfer), then the
    // non-regular files it skips.
    // The transfer root is a directory whose contents are sent only for
    // "SRC/".
    let root_dir = top.is_none().then_some(&b""[..]);
    let dirs: Vec<&[u8]> = root_dir
        .into_iter()
        .chain(
            sent.items
                .iter()
                .filter(|i| i.is_dir())
                .map(|i| &i.path[..]),
        )
        .collect();
    let mut skips: std::collections::HashMap<&[u8], Vec<String>> = Default::default();
    for it in &sent.items {
        if matches!(it.kind, Kind::Symlink | Kind::Other) {
            skips.entry(it.parent()).or_default().push(format!(
                "skipping non-regular file \"{}\"",
                flist::show(&it.path)
            ));
        }
    }
    let mut deletes: Vec<Vec<String>> = vec![Vec::new(); dirs.len()];
    // A bad rule in a destination's merge file stops the generator there.
    let mut failed: Option<(usize, crate::filter::FilterError, Vec<String>)> = None;
    if let (Some(_), true) = (a.delete, dst_exists) {
        if sent.io_error && !a.ignore_errors {
            if let Some(first) = deletes.first_mut() {
                first.push("IO error encountered -- skipping file deletion".to_string());
            }
        } else {
            let by_dir = delete::names_by_dir(&sent.items);
            let empty = Default::default();
            let mut del = delete::Deleter::new(&dst_abs, receiver.clone(), &mut files);
            for (n, d) in dirs.iter().enumerate() {
                let exists = matches!(dst_kind(&dst_abs, d), Some((Kind::Dir, _, _)));
                let r = if exists {
                    del.delete_in_dir(d, by_dir.get(d).unwrap_or(&empty))
                } else {
                    del.enter(d)
                };
                deletes[n] = std::mem::take(&mut del.lines);
                if let Err(e) = r {
                    failed = Some((n, e, deletes[n].clone()));
                    break;
                }
                if !names {
                    // Without an out-format rsync does not log deletions.
                    deletes[n].retain(|l| !l.starts_with("deleting "));
                }
            }
        }
    }
    let during = a.delete == Some(DeleteWhen::During);
    let mut gen_chunks: Vec<Vec<String>> = Vec::with_capacity(dirs.len());
    for (n, d) in dirs.iter().enumerate() {
        let mut chunk = if during {
            std::mem::take(&mut deletes[n])
        } else {
            Vec::new()
        };
        chunk.extend(skips.remove(d).unwrap_or_default());
        gen_chunks.push(chunk);
    }
    // A bad rule in a destination merge file: rsync's generator dies
    // there. What it printed before is out (its deletions up to there, and
    // for deletions during or delayed, the skips of the directories it
    // finished); the sender's names are not, except after --delete-after.
    let mut failure = None;
    if let Some((n, e, partial)) = failed {
        deletes.truncate(n);
        deletes.push(partial);
        if a.delete != Some(DeleteWhen::After) {
            let mut shown: Vec<String> = Vec::new();
            match a.delete {
                Some(DeleteWhen::Before) => shown.extend(deletes.into_iter().flatten()),
                _ => {
                    shown.extend(gen_chunks.into_iter().take(n).flatten());
                    if during {
                        shown.extend(deletes.pop().unwrap_or_default());
                    }
                }
            }
            for l in &shown {
                let _ = writeln!(out, "{l}");
            }
            let _ = out.flush();
            return Err((format!("wsync: {e}"), e.exit_code()));
        }
        failure = Some(e);
    }
    let deletes: Vec<String> = deletes.into_iter().flatten().collect();

    // rsync's output order (see docs/FILTERS.md): the generator runs ahead
    // of the sender's log, and deletions before/after/delayed go first or
    // last.
    let mut lines: Vec<String> = Vec::new();
    let before = a.delete == Some(DeleteWhen::Before);
    let mut chunks = gen_chunks.into_iter();
    if before {
        lines.extend(deletes.iter().cloned());
    }
    if inc {
        lines.extend(chunks.next().unwrap_or_default());
        lines.extend(items_top);
        lines.extend(chunks.flatten());
        lines.extend(items_rest);
    } else {
        lines.extend(chunks.flatten());
        lines.extend(items_top);
        lines.extend(items_rest);
    }
    if !before {
        lines.extend(deletes);
    }
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
