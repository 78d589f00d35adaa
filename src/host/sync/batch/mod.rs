//! Batch files (`--write-batch`, `--only-write-batch`, `--read-batch`) in
//! wsync's own format, docs/BATCH.md: a header with the write run's
//! options and destination, the sender's file list with each regular
//! file's data as a wsync delta against the destination's file as it was
//! (or "the same as the destination"), the missing arguments of
//! `--delete-missing-args`, and a trailer with the count and a SHA-256 of
//! all before it. Reading rebuilds each file with data into a staging
//! directory (the delta applied to the destination's file, checked by
//! its SHA-256) and, once the whole batch checked out, runs the local
//! transfer from that list: the same tree results as from the write run,
//! applied to a copy of the original destination.

mod read;
mod write;

pub use read::read;
pub use write::write;

use super::args::SyncArgs;
use super::flist::{Item, Kind};
use crate::host::exit;
use std::ffi::OsString;
use std::io;
use std::path::Path;

const MAGIC: &[u8] = b"WSYNCBATCH\n";
const VERSION: u8 = 1;
const TRAILER: &[u8] = b"WSYNCEND";
/// Limits a reader holds a batch to (it is untrusted input).
const MAX_PATH: usize = 4096;
const MAX_ARGS: u32 = 4096;
const MAX_ITEMS: u64 = 1 << 24;
const MAX_CHUNK: u32 = 1 << 20;
/// Total bytes of names and link targets kept in memory.
const MAX_NAME_BYTES: u64 = 1 << 30;

/// The options and destination argument of the write run.
pub struct Header {
    pub opts: Vec<OsString>,
    pub dst: OsString,
}

/// A batch-file error: what is wrong and where (exit 12, rsync's
/// "error in rsync protocol data stream", for a damaged batch).
fn bad(what: &str) -> (String, u8) {
    (format!("wsync: bad batch file: {what}"), 12)
}

fn io_err(path: &Path, e: &io::Error) -> (String, u8) {
    (
        format!(
            "wsync: batch file {}: {}",
            path.display(),
            super::os_error(e)
        ),
        exit::FILE_IO,
    )
}

/// The write run's recorded options, from an untrusted batch: none may
/// name a place outside the destination or a file to read (backups,
/// temporary and partial dirs must be relative and stay below it; no
/// `--*-dest`, `--files-from`, include/exclude files, merge rules, a
/// password file, `--copy-as`, nor another batch). The log file and
/// `--remove-source-files` are the reading command line's.
pub fn check_options(b: &SyncArgs) -> Result<(), (String, u8)> {
    let inside = |p: &Option<OsString>| {
        p.as_ref().is_none_or(|p| {
            let p = Path::new(p);
            p.is_relative() && !p.components().any(|c| c == std::path::Component::ParentDir)
        })
    };
    let merge = b.filters.iter().any(|f| match f {
        crate::filter::FilterArg::IncludeFrom(_) | crate::filter::FilterArg::ExcludeFrom(_) => true,
        crate::filter::FilterArg::Filter(r) => r.starts_with(b".") || r.starts_with(b"merge"),
        _ => false,
    });
    let m = &b.more;
    let refused = [
        (
            !inside(&b.backup_dir),
            "--backup-dir outside the destination",
        ),
        (
            !inside(&b.partial_dir),
            "--partial-dir outside the destination",
        ),
        (!inside(&m.temp_dir), "--temp-dir outside the destination"),
        (
            !b.alt_dirs.is_empty(),
            "--link-dest, --compare-dest or --copy-dest",
        ),
        (b.files_from.is_some(), "--files-from"),
        (merge, "rules read from files"),
        (b.password_file.is_some(), "--password-file"),
        (m.copy_as.is_some(), "--copy-as"),
        (m.early_input.is_some(), "--early-input"),
        (
            m.write_batch.is_some() || m.read_batch.is_some(),
            "another batch",
        ),
    ];
    match refused.iter().find(|r| r.0) {
        Some((_, what)) => Err(bad(&format!("its options name {what}"))),
        None => Ok(()),
    }
}

/// The list must be a tree: no path twice, and nothing below an entry
/// that is not a directory (a symlink in the list must not lead the
/// entries after it out of the destination: rsync's receiver refuses
/// such a list as "invalid path from sender").
fn check_tree(items: &[Item]) -> Result<(), (String, u8)> {
    let mut seen = std::collections::HashMap::with_capacity(items.len());
    for it in items {
        if seen.insert(it.path.as_slice(), it.kind).is_some() {
            return Err(bad(&format!(
                "\"{}\" twice",
                String::from_utf8_lossy(&it.path)
            )));
        }
    }
    for it in items {
        let p = &it.path;
        for (i, _) in p.iter().enumerate().filter(|(_, &b)| b == b'/') {
            if seen.get(&p[..i]).is_some_and(|k| *k != Kind::Dir) {
                return Err(bad(&format!(
                    "\"{}\" is below an entry that is not a directory",
                    String::from_utf8_lossy(p)
                )));
            }
        }
    }
    Ok(())
}
