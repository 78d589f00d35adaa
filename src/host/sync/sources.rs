//! The sources of a transfer: rsync's trailing-slash rule, `-R` paths
//! (with "/./" marking where the kept part starts) and `--files-from`,
//! each walked by the sender into one sorted file list.

use super::args::SyncArgs;
use super::flist::{self, Sent, WalkOptions};
use super::os_error;
use crate::filter::{FilterError, Filters, MergeSource, Side};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// One thing to walk: a root directory, and what of it to send.
struct Source {
    root: PathBuf,
    top: Option<Vec<u8>>,
    contents: bool,
    /// `-R`: the directories on the way are sent too.
    implied: bool,
}

fn split_source(a: &SyncArgs, arg: &[u8]) -> Source {
    let contents = arg.ends_with(b"/") || arg == b"." || arg.ends_with(b"/.");
    if a.relative {
        let (root, rel): (PathBuf, &[u8]) = match find(arg, b"/./") {
            Some(i) => (
                PathBuf::from(std::ffi::OsStr::from_bytes(&arg[..i.max(1)])),
                &arg[i + 3..],
            ),
            None if arg.starts_with(b"/") => (PathBuf::from("/"), &arg[1..]),
            None => (PathBuf::from("."), arg),
        };
        let mut rel = rel.to_vec();
        while rel.ends_with(b"/") || rel.ends_with(b"/.") {
            rel.truncate(rel.len() - if rel.ends_with(b"/") { 1 } else { 2 });
        }
        while rel.starts_with(b"./") {
            rel.drain(..2);
        }
        let top = (!rel.is_empty() && rel != b".").then_some(rel);
        return Source {
            root,
            top,
            contents,
            implied: true,
        };
    }
    if contents {
        return Source {
            root: PathBuf::from(std::ffi::OsStr::from_bytes(arg)),
            top: None,
            contents,
            implied: false,
        };
    }
    let (root, top) = match arg.iter().rposition(|&b| b == b'/') {
        Some(0) => (PathBuf::from("/"), arg[1..].to_vec()),
        Some(i) => (
            PathBuf::from(std::ffi::OsStr::from_bytes(&arg[..i])),
            arg[i + 1..].to_vec(),
        ),
        None => (PathBuf::from("."), arg.to_vec()),
    };
    Source {
        root,
        top: Some(top),
        contents,
        implied: false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads `--files-from`: one path a line (NUL-separated with `-0`);
/// `#` and `;` lines are comments.
fn files_from(a: &SyncArgs, reader: &mut dyn MergeSource) -> Result<Vec<Vec<u8>>, (String, u8)> {
    let name = a.files_from.as_ref().expect("files_from set");
    let text = reader.read(name.as_bytes()).map_err(|_| {
        (
            format!(
                "rsync: [client] failed to open files-from file {}: No such file or directory (2)",
                name.to_string_lossy()
            ),
            super::code::FILE_IO,
        )
    })?;
    let sep = if a.from0 { 0 } else { b'\n' };
    Ok(text
        .split(|&b| b == sep)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && !(!a.from0 && (l[0] == b'#' || l[0] == b';')))
        .map(|l| l.to_vec())
        .collect())
}

/// Walks every source into one sorted, de-duplicated list.
pub fn walk(
    a: &SyncArgs,
    srcs: &[std::ffi::OsString],
    filters: &Filters,
    reader: &mut dyn MergeSource,
) -> Result<Sent, (String, u8)> {
    let o = WalkOptions {
        recursive: a.recursive,
        dirs: a.dirs,
        copy_links: a.copy_links,
        copy_dirlinks: a.copy_dirlinks,
        copy_unsafe_links: a.copy_unsafe_links,
        one_fs: a.more.one_file_system,
        fs_dev: 0,
        missing_args: if a.more.delete_missing_args {
            2
        } else {
            u8::from(a.more.ignore_missing_args)
        },
    };
    let mut list: Vec<Source> = Vec::new();
    if a.files_from.is_some() {
        if srcs.len() != 1 {
            return Err((
                "rsync: --files-from takes exactly one source directory".into(),
                super::code::SYNTAX,
            ));
        }
        let root = PathBuf::from(&srcs[0]);
        for line in files_from(a, reader)? {
            let contents = line.ends_with(b"/");
            let mut rel: &[u8] = &line;
            while let Some(r) = rel.strip_prefix(b"/") {
                rel = r;
            }
            while rel.ends_with(b"/") {
                rel = &rel[..rel.len() - 1];
            }
            list.push(Source {
                root: root.clone(),
                top: (!rel.is_empty() && rel != b".").then(|| rel.to_vec()),
                contents: contents || rel == b"." || rel.is_empty(),
                implied: true,
            });
        }
    } else {
        for s in srcs {
            list.push(split_source(a, s.as_bytes()));
        }
    }
    let mut sent = Sent::default();
    for src in list {
        sent.listing = None;
        let root_abs = match fs::canonicalize(&src.root) {
            Ok(p) => p,
            Err(e) => {
                let shown = std::env::current_dir()
                    .map(|d| d.join(&src.root))
                    .unwrap_or(src.root.clone());
                sent.io_err(format!(
                    "rsync: [sender] change_dir \"{}\" failed: {}",
                    shown.display().to_string().trim_end_matches('/'),
                    os_error(&e)
                ));
                continue;
            }
        };
        let idx = match sent.roots.iter().position(|r| *r == root_abs) {
            Some(i) => i,
            None => {
                sent.roots.push(root_abs.clone());
                sent.roots.len() - 1
            }
        } as u32;
        let mut sender = filters.for_side(Side::Sender, root_abs.as_os_str().as_bytes());
        // --no-implied-dirs: the directories on the way are not sent.
        if src.implied && a.implied_dirs {
            if let Some(top) = &src.top {
                flist::implied_dirs(&root_abs, idx, top, &mut sent);
            }
        }
        let mut o = o;
        if a.files_from.is_some() && src.contents {
            o.dirs = true;
        }
        let r: Result<(), FilterError> = flist::send_tree(
            &root_abs,
            idx,
            src.top.as_deref(),
            src.contents,
            &o,
            &mut sender,
            reader,
            &mut sent,
        );
        r.map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
        for w in sender.warnings() {
            eprintln!("wsync: warning: {w}");
        }
    }
    flist::sort_items(&mut sent.items);
    flist::dedup_items(&mut sent.items);
    Ok(sent)
}

/// Whether `p` names an existing directory.
pub fn is_dir(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.is_dir())
}
