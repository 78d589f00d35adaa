//! `--list-only`, and a source given without a destination: the sender's
//! file list printed as rsync's generator prints it (`list_file_entry`
//! in generator.c), nothing transferred.

use super::args::SyncArgs;
use super::flist::{show, Item, Kind};
use super::log::Log;
use super::sources;
use crate::filter::{Filters, Side};
use crate::host::exit;
use std::ffi::OsString;

/// One entry: `drwxr-xr-x          4,096 2026/12/07 01:41:46 name`.
pub fn line(a: &SyncArgs, it: &Item) -> String {
    let kind = match it.kind {
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
        Kind::File => '-',
        Kind::Device if it.mode & 0o170000 == 0o060000 => 'b',
        Kind::Device => 'c',
        Kind::Special if it.mode & 0o170000 == 0o010000 => 'p',
        Kind::Special => 's',
    };
    let h = a.human + 1;
    let width = if h > 0 { 14 } else { 11 };
    let size = crate::host::text::num::num(it.size, h);
    let name = if it.path.is_empty() {
        ".".to_string()
    } else {
        show(&it.path)
    };
    let link = match (&it.link, a.links && it.kind == Kind::Symlink) {
        (Some(l), true) => format!(" -> {}", show(l)),
        _ => String::new(),
    };
    // -U: the access time after the modification time, blank for a
    // directory (list_file_entry's atime column, as wide as the mtime's
    // and a space).
    let atime = match (a.more.atimes > 0, it.kind) {
        (false, _) => String::new(),
        (true, Kind::Dir) => format!("{:20}", ""),
        (true, _) => format!("{} ", crate::host::text::date::timestring(it.atime, ' ')),
    };
    let line = crate::host::text::mode::list_line(kind, it.mode, &size, width, it.mtime, "");
    format!("{line}{atime}{name}{link}")
}

/// Lists the sources; returns the exit status.
pub fn run(
    a: &SyncArgs,
    srcs: &[OsString],
    filters: &Filters,
    log: &mut Log,
) -> Result<u8, (String, u8)> {
    let started = std::time::Instant::now();
    let mut a2 = a.clone();
    // rsync: listing implies --dirs where -r is not given (and
    // --no-dirs is not).
    a2.dirs |= !a.no_dirs;
    let flist_progress = super::flist_start(&a2, log);
    let mut files = super::FsFiles { stdin_used: false };
    let mut sent = sources::walk(&a2, srcs, filters, &mut files)?;
    super::list_messages(&a2, &sent, flist_progress, log);
    // A name listed twice is shown once (rsync's clean_flist), and -m
    // prunes as for a transfer (no destination: rules of the receiver's
    // side from here).
    let here = std::env::current_dir().unwrap_or_default();
    let receiver = filters.for_side(Side::Receiver, here.as_os_str().as_encoded_bytes());
    super::flist::clean_list(&mut sent.items, a.prune_empty_dirs.then_some(&receiver));
    // rsync's receiver applies --chmod to the list it reads.
    if let Some(c) = &a.chmod {
        super::chmod_listed(c, &mut sent.items);
    }
    // rsync's sender counts what it lists, repeated names too.
    let mut stats = super::stats::Stats {
        files: sent.listed,
        total_size: sent.listed_size,
        ..Default::default()
    };
    for it in &sent.items {
        stats.flist_size += it.path.len() as u64 + 10;
        // -R's implied directories are left out with --no-implied-dirs
        // (rsync's recv_generator with list_only), counted all the same.
        // The generator's lines: -q drops them, from the log file too.
        if !(it.implied && it.is_dir() && !a.implied_dirs) {
            log.info_server(&line(a, it));
        }
    }
    let status = if sent.io_error || sent.partial {
        exit::PARTIAL
    } else {
        0
    };
    Ok(super::closing(log, &stats, a, status, started, false))
}
