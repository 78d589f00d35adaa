//! The remote forms of `wsync sync`: one side is a `wsync serve` daemon
//! (`HOST::MODULE/PATH`, `wsync://`, `ws://`) or a remote shell running
//! `wsync serve --stdio` (`[USER@]HOST:PATH` with `-e`). The local side
//! walks, compares, itemizes and reports as the local engine does; the
//! remote side is driven through the protocol: listings (with SHA-256
//! sums for `-c`), uploads and downloads of deltas, `Make` for
//! directories, symlinks and attributes, and `Delete`.

mod newopts;
mod pull;
mod push;
pub mod target;

use super::args::SyncArgs;
use super::flist::{Item, Kind};
use super::itemize::*;
use super::log::Log;
use super::stats::Stats;
use crate::host::connect::ConnArgs;
use crate::host::exit;
use crate::host::session::{Client, Refused};
use crate::host::Failure;
use crate::protocol::{Entry, Kind as WireKind};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use target::Remote;

/// Which argument is remote, if any: `Some(Ok(..))` for a remote transfer.
pub enum Side {
    Local,
    /// Remote sources, local destination.
    Pull(Vec<Remote>),
    /// Local sources, remote destination.
    Push(Remote),
}

/// Sorts the arguments into local and remote, as rsync requires: remote
/// sources all on one host, or a remote destination, not both.
pub fn classify(a: &SyncArgs, srcs: &[OsString], dst: &OsString) -> Result<Side, String> {
    let parse = |s: &OsString| target::parse(s.as_bytes(), a.port).transpose();
    let dst = parse(dst)?;
    let mut remotes = Vec::new();
    let mut locals = 0;
    for s in srcs {
        match parse(s)? {
            Some(r) => remotes.push(r),
            None => locals += 1,
        }
    }
    match (dst, remotes.is_empty()) {
        (None, true) => Ok(Side::Local),
        (Some(d), true) => Ok(Side::Push(d)),
        (Some(_), false) => Err("The source and destination cannot both be remote.".into()),
        (None, false) if locals > 0 => Err(
            "Unexpected local arg in a list of remote sources: all sources must be remote".into(),
        ),
        (None, false) => {
            let host = &remotes[0].host;
            if remotes.iter().any(|r| &r.host != host) {
                return Err("All remote sources must be on the same host".into());
            }
            Ok(Side::Pull(remotes))
        }
    }
}

/// Options rsync has that have no meaning over wsync's protocol yet.
fn unsupported(a: &SyncArgs) -> Option<&'static str> {
    let checks: [(bool, &'static str); 19] = [
        (a.xattrs > 0, "-X/--xattrs"),
        (a.acls, "-A/--acls"),
        (a.keep_dirlinks, "-K/--keep-dirlinks"),
        (a.chmod.is_some(), "--chmod"),
        (a.hard_links, "-H"),
        (a.sparse, "-S"),
        (a.inplace, "--inplace"),
        (a.append > 0, "--append"),
        (a.partial_dir.is_some(), "--partial-dir"),
        (a.delay_updates, "--delay-updates"),
        (a.backup, "-b/--backup"),
        (
            a.alt_dest.is_some(),
            "--link-dest/--compare-dest/--copy-dest",
        ),
        (a.relative, "-R/--relative"),
        (a.files_from.is_some(), "--files-from"),
        (a.prune_empty_dirs, "-m/--prune-empty-dirs"),
        (a.block_size.is_some(), "-B/--block-size"),
        (a.copy_dirlinks, "-k/--copy-dirlinks"),
        (a.log_file.is_some(), "--log-file"),
        (a.max_delete.is_some_and(|m| m < 0), "--max-delete below 0"),
    ];
    checks.iter().find(|c| c.0).map(|c| c.1)
}

/// Runs a remote transfer; returns the exit status.
pub fn run(
    a: &SyncArgs,
    side: Side,
    srcs: &[OsString],
    dst: &OsString,
    filters: &crate::filter::Filters,
    log: Log,
) -> Result<u8, (String, u8)> {
    if let Some(why) = newopts::refused(a, matches!(side, Side::Pull(_))) {
        return Err((
            format!("wsync sync: {why}: refused with a remote side"),
            exit::SYNTAX,
        ));
    }
    if let Some(opt) = unsupported(a) {
        return Err((
            format!("wsync sync: {opt} is not supported with a remote side yet"),
            exit::SYNTAX,
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (format!("wsync: tokio runtime: {e}"), exit::FILE_IO))?;
    let conn = conn_args(a);
    let started = std::time::Instant::now();
    let r = rt.block_on(async {
        match side {
            Side::Local => unreachable_local(),
            Side::Push(d) => push::run(a, &conn, srcs, d, filters, log, started).await,
            Side::Pull(s) => pull::run(a, &conn, s, dst, filters, log, started).await,
        }
    });
    r.map_err(|f| (format!("wsync: {}", f.message), f.code))
}

fn unreachable_local() -> Result<u8, Failure> {
    Err(Failure::new(exit::SYNTAX, "no remote side"))
}

/// How to connect, from rsync's options.
fn conn_args(a: &SyncArgs) -> ConnArgs {
    ConnArgs {
        token: std::env::var("WSYNC_TOKEN").ok(),
        password_file: a.password_file.as_ref().map(Into::into),
        rsh: a
            .rsh
            .clone()
            .or_else(|| std::env::var("RSYNC_RSH").ok())
            .unwrap_or_else(|| "ssh".into()),
        rsync_path: a.rsync_path.clone().unwrap_or_else(|| "wsync".into()),
        contimeout: a.contimeout,
        timeout: a.timeout,
    }
}

/// Lists a module's modules: `wsync sync HOST::` as `rsync HOST::`.
pub fn list_modules(a: &SyncArgs, r: Remote) -> Result<u8, (String, u8)> {
    let conn = conn_args(a);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (format!("wsync: tokio runtime: {e}"), exit::FILE_IO))?;
    rt.block_on(async {
        let mut c = Client::connect(&r.target, &conn).await?;
        if r.target.module.is_empty() {
            for m in c.modules().await? {
                println!("{:<15}\t{}", m.name, m.comment);
            }
            return Ok(0);
        }
        // A path: list it as rsync lists a remote source.
        let t = &r.target;
        let list = c.list(&t.module, &t.path, a.recursive, false).await?;
        match list {
            Ok(Some(entries)) => {
                // Names relative to the directory listed, as rsync shows them.
                let prefix = format!("{}/", t.path);
                for mut e in entries {
                    if let Some(rel) = e.path.strip_prefix(&prefix) {
                        e.path = rel.to_string();
                    } else if e.path == t.path {
                        e.path = e.path.rsplit('/').next().unwrap_or_default().to_string();
                    }
                    println!("{}", crate::host::client::listing_line(&e));
                }
                Ok(0)
            }
            Ok(None) => Err(Failure::new(
                exit::PARTIAL,
                format!(
                    "link_stat \"{}\" (in {}) failed: No such file or directory (2)",
                    t.path, t.module
                ),
            )),
            Err(r) => Err(refusal(&r)),
        }
    })
    .map_err(|f: Failure| (format!("wsync: {}", f.message), f.code))
}

/// A refusal of the whole run (the module, the credentials).
fn refusal(r: &Refused) -> Failure {
    crate::host::session::failed(r.0, &r.1)
}

/// An `Item` for a remote entry at `rel` (relative to the transfer root).
fn item_of(e: &Entry, rel: Vec<u8>) -> Item {
    let (kind, fmt) = match e.kind {
        WireKind::File => (Kind::File, 0o100000),
        WireKind::Dir => (Kind::Dir, 0o040000),
        WireKind::Symlink => (Kind::Symlink, 0o120000),
    };
    Item {
        path: rel,
        kind,
        size: e.size,
        mtime: e.mtime,
        nsec: e.mtime_nsec,
        mode: fmt | (e.mode & 0o7777),
        uid: rustix::process::getuid().as_raw(),
        gid: rustix::process::getgid().as_raw(),
        rdev: 0,
        dev: 0,
        ino: 0,
        nlink: 1,
        link: (e.kind == WireKind::Symlink).then(|| e.target.as_bytes().to_vec()),
        root: 0,
        content: false,
        atime: 0,
        sender_name: None,
        implied: false,
        sender_ids: None,
    }
}

/// `base/rel`, or either alone.
fn join(base: &str, rel: &[u8]) -> String {
    let rel = String::from_utf8_lossy(rel);
    match (base.is_empty(), rel.is_empty()) {
        (true, _) => rel.into_owned(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}/{rel}"),
    }
}

/// What a run reports: the log, the counts, and how it went.
struct Report<'a> {
    a: &'a SyncArgs,
    log: Log,
    stats: Stats,
    progress: super::progress::Progress,
    /// Some files or attributes were not transferred (23).
    partial: bool,
    /// `--max-delete` stopped deletions (25).
    del_limit: bool,
}

impl<'a> Report<'a> {
    fn new(a: &'a SyncArgs, log: Log) -> Self {
        Report {
            a,
            progress: super::progress::Progress::new(a, 0),
            log,
            stats: Default::default(),
            partial: false,
            del_limit: false,
        }
    }

    /// The list to go through: its progress, its counts for `--stats`.
    fn list(&mut self, items: &[Item]) {
        self.progress = super::progress::Progress::new(self.a, items.len());
        for it in items {
            self.stats.files.add(it.kind);
            self.stats.flist_size += it.path.len() as u64 + 10;
            if it.kind == super::flist::Kind::File {
                self.stats.total_size += it.size;
            }
        }
    }

    /// Logs an item as rsync's client does for a remote transfer.
    fn item(&mut self, it: &Item, name: &[u8], iflags: u32, bytes: u64) {
        let significant = iflags & SIGNIFICANT != 0;
        let has_i = self.log.has_i;
        let show = (has_i > 0 && (significant || has_i > 1))
            || (iflags & LOCAL_CHANGE != 0 && significant)
            || iflags & TRANSFER != 0
            || (it.is_dir() && significant)
            || iflags & DELETED != 0;
        if !(show || self.log.name >= 2 && has_i > 0) {
            return;
        }
        let li = LogItem {
            item: it,
            name,
            iflags,
            op: if iflags & DELETED != 0 {
                "del."
            } else {
                "send"
            },
            bytes,
            hlink: None,
            times: self.a.times,
            sender_path: None,
            checksum: None,
            uid_gid: (self.a.owner, self.a.group),
        };
        self.log.item(&li, super::log::Code::Info);
    }

    /// Logs a deletion as the local engine does (`log_deleted`).
    fn deleted(&mut self, path: &[u8], kind: Kind) {
        self.stats.deleted.add(kind);
        let verbose = self.a.verbose > 0 && !self.a.quiet;
        if !verbose && self.log.format.is_none() {
            return;
        }
        let e = Entry {
            path: String::new(),
            kind: WireKind::File,
            size: 0,
            mtime: 0,
            mtime_nsec: 0,
            mode: 0,
            target: String::new(),
            sum: None,
        };
        let mut item = item_of(&e, path.to_vec());
        item.kind = kind;
        self.log.deletion(&item, self.a.times);
    }

    fn error(&mut self, msg: &str) {
        self.log.error(msg);
        self.partial = true;
    }

    /// The `--stats` block, the summary lines, and the exit status.
    fn finish(mut self, sent: u64, received: u64, started: std::time::Instant) -> u8 {
        let a = self.a;
        let h = a.human + 1;
        self.stats.wire = Some((sent, received));
        if a.stats && !a.quiet {
            let block = self.stats.block(h);
            self.log.raw(&block);
        }
        let summary = self
            .stats
            .summary(h, started.elapsed().as_secs_f64(), a.dry_run);
        if (a.verbose > 0 || a.stats) && !a.quiet {
            self.log.raw(&summary);
        }
        self.log.flush();
        if self.partial {
            super::fail_quiet(exit::PARTIAL)
        } else if self.del_limit {
            super::fail_quiet(exit::DEL_LIMIT)
        } else {
            0
        }
    }
}

/// Whether `e` (the destination's copy) is up to date with `it` by rsync's
/// quick check; `sum` is the source file's SHA-256 for `-c`.
fn same_file(a: &SyncArgs, it: &Item, size: u64, mtime: i64, sum: impl FnOnce() -> bool) -> bool {
    if size != it.size {
        return false;
    }
    if a.checksum {
        return sum();
    }
    a.size_only || (!a.ignore_times && super::timewin::same_time(mtime, 0, it.mtime, 0))
}

/// Whether an item is left out by --existing, --ignore-existing, -u or
/// the size limits. `dst`: the destination's entry, if there is one: its
/// mtime and whether it is a directory.
fn skipped(a: &SyncArgs, it: &Item, dst: Option<(i64, bool)>) -> bool {
    if a.existing && dst.is_none() {
        return true;
    }
    // rsync goes on into a directory that exists as one.
    if a.ignore_existing && dst.is_some_and(|(_, is_dir)| !(it.is_dir() && is_dir)) {
        return true;
    }
    it.kind == Kind::File
        && ((a.update && dst.is_some_and(|(t, _)| t > it.mtime))
            || a.max_size.is_some_and(|m| it.size > m)
            || a.min_size.is_some_and(|m| it.size < m))
}
