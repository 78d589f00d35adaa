//! What `wsync sync` prints, in rsync's order: the sender's names and the
//! generator's lines (deletions, skipped non-regular files), placed as
//! rsync's two processes most often place them (see docs/FILTERS.md).

use super::args::{DeleteWhen, SyncArgs};
use super::flist::{self, Kind, Sent};
use super::{changed, delete, dst_kind};
use crate::filter::{DirFilter, FilterError, MergeSource};
use std::path::Path;

/// One transfer, as the sender listed it.
pub struct Transfer<'a> {
    pub args: &'a SyncArgs,
    pub sent: &'a Sent,
    /// The one entry sent for a source named without a trailing slash.
    pub top: Option<&'a [u8]>,
    /// The destination as given, and made absolute.
    pub dst: &'a Path,
    pub dst_abs: &'a Path,
    pub dst_exists: bool,
    /// `--out-format=%n`: names and deletions are printed.
    pub names: bool,
    /// rsync's incremental recursion (off for -m, --delete-before/after).
    pub inc: bool,
}

/// The lines to print, and the error that stopped rsync's generator (a bad
/// rule in a destination merge file), if any.
pub fn lines(
    t: &Transfer<'_>,
    receiver: DirFilter,
    files: &mut dyn MergeSource,
) -> (Vec<String>, Option<FilterError>) {
    let Transfer {
        args: a,
        sent,
        top,
        dst,
        dst_abs,
        dst_exists,
        names,
        inc,
    } = *t;
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
                dst_kind(dst, &it.path)
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
            let mut del = delete::Deleter::new(dst_abs, receiver, files);
            del.delay = a.delete == Some(DeleteWhen::Delay);
            for (n, d) in dirs.iter().enumerate() {
                let exists = matches!(dst_kind(dst_abs, d), Some((Kind::Dir, _, _)));
                let r = if exists {
                    del.delete_in_dir(d, by_dir.get(d).unwrap_or(&empty))
                } else {
                    del.enter(d)
                };
                deletes[n] = std::mem::take(&mut del.lines);
                if !names {
                    // Without an out-format rsync does not log deletions.
                    deletes[n].retain(|l| !l.starts_with("deleting "));
                }
                if let Err(e) = r {
                    failed = Some((n, e, deletes[n].clone()));
                    break;
                }
            }
            if failed.is_none() && del.delay {
                let r = del.run_delayed();
                let mut done = std::mem::take(&mut del.lines);
                if !names {
                    done.retain(|l| !l.starts_with("deleting "));
                }
                match r {
                    Err(e) => failed = Some((dirs.len(), e, done)),
                    Ok(()) => deletes.push(done),
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
            return (shown, Some(e));
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
    (lines, failure)
}
