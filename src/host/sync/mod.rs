//! `wsync sync`: rsync's local transfers, with rsync's options, output
//! and exit codes. The sender's walk (flist.rs) builds the sorted file
//! list with rsync's filter rules; the engine (engine.rs) compares each
//! item with the destination, itemizes it and creates or updates it;
//! deletions (delete.rs) run before, during, delayed or after, as asked.

mod acls;
mod args;
mod attrs;
mod batch;
mod copyas;
mod delete;
mod devices;
mod engine;
pub(crate) mod extras;
mod fakesuper;
mod flist;
mod fuzzy;
mod hlink;
mod iconv;
mod itemize;
mod listing;
mod localdelta;
mod log;
mod meta;
mod missing;
mod nonreg;
mod outbytes;
mod preflight;
mod progress;
mod receive;
mod remote;
mod replace;
mod signals;
mod sources;
mod stats;
pub(crate) mod timewin;
mod transfer;
mod usermap;
mod xattr_calls;
mod xattrs;

use crate::filter::{FilterOptions, Filters, MergeSource, ReadError, Side};
use args::{DeleteWhen, SyncArgs, UsageError, USAGE};
use flist::Kind;
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// rsync's exit statuses (`errcode.h`).
pub mod code {
    pub const SYNTAX: u8 = 1;
    pub const FILE_SELECT: u8 = 3;
    pub const FILE_IO: u8 = 11;
    pub const PARTIAL: u8 = 23;
    pub const VANISHED: u8 = 24;
    pub const DEL_LIMIT: u8 = 25;
    pub const SIGNAL: u8 = 20;
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
pub(super) struct FsFiles {
    pub(super) stdin_used: bool,
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
    if !msg.is_empty() {
        eprintln!("{msg}");
    }
    fail_quiet(code)
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
    match preflight::check(&a) {
        Ok(Some(code)) => return code,
        Ok(None) => {}
        Err((msg, code)) => return fail(&format!("wsync: {msg}"), code),
    }
    match run(&a) {
        Ok(code) => code,
        Err((msg, code)) => fail(&msg, code),
    }
}

fn run(a: &SyncArgs) -> Result<u8, (String, u8)> {
    if let Some(file) = &a.more.read_batch {
        return read_batch(a, file);
    }
    if a.more.only_write_batch {
        // --only-write-batch: the run goes as a dry run, the batch is
        // written, the destination left alone.
        let mut b = a.clone();
        b.dry_run = true;
        return run_with(&b, None);
    }
    run_with(a, None)
}

/// `--read-batch=FILE [DEST]`: the batch's list and data, then the local
/// transfer from them with the write run's options (and this command
/// line's output options).
fn read_batch(a: &SyncArgs, file: &OsString) -> Result<u8, (String, u8)> {
    if a.paths.len() > 1 {
        return Err((
            "wsync sync: --read-batch takes one destination (or none: the batch's)".into(),
            code::SYNTAX,
        ));
    }
    let rd = batch::read(file, a.paths.first())?;
    let mut argv = rd.header.opts.clone();
    let mut stage = rd.staging.path().as_os_str().to_owned();
    stage.push("/");
    argv.push(OsString::from("--"));
    argv.push(stage);
    argv.push(a.paths.first().unwrap_or(&rd.header.dst).clone());
    let mut b = SyncArgs::parse(&argv)
        .map_err(|UsageError(m)| (format!("wsync: bad batch file: its options: {m}"), 12))?;
    b.verbose = a.verbose;
    b.quiet = a.quiet;
    b.itemize = a.itemize;
    b.out_format = a.out_format.clone();
    b.stats = a.stats;
    b.human = a.human;
    b.progress = a.progress;
    b.progress2 = a.progress2;
    b.dry_run = a.dry_run;
    b.log_file = a.log_file.clone();
    b.log_file_format = a.log_file_format.clone();
    b.more.eight_bit = a.more.eight_bit;
    b.more.stderr = a.more.stderr;
    b.more.remove_source_files = false;
    b.more.write_batch = None;
    b.more.only_write_batch = false;
    batch::check_options(&b)?;
    let r = run_with(&b, Some(rd.sent));
    drop(rd.staging);
    r
}

fn run_with(a: &SyncArgs, preset: Option<flist::Sent>) -> Result<u8, (String, u8)> {
    let started = std::time::Instant::now();
    // --copy-as a user other than root: no owner or group is kept (rsync's
    // receiver maps ids it may not give to none).
    let copy_as = a.more.copy_as.as_deref().map(copyas::resolve).transpose()?;
    let not_root;
    let a = if copy_as.is_some_and(|(u, _)| u != 0) {
        let mut b = a.clone();
        b.owner = false;
        b.group = false;
        not_root = b;
        &not_root
    } else {
        a
    };
    signals::install();
    outbytes::set(a);
    timewin::set_window(a);
    if let Some(t) = a.more.stop_at {
        signals::stop_at(t);
    }
    if a.paths.len() == 1 {
        // `wsync sync HOST::` lists the modules, `HOST::MODULE/PATH` a path.
        if let Some(r) = remote::target::parse(a.paths[0].as_bytes(), a.port) {
            let r = r.map_err(|m| (format!("wsync: {m}"), code::SYNTAX))?;
            return remote::list_modules(a, r);
        }
    }
    if a.paths.len() < 2 {
        let msg = if a.paths.len() == 1 {
            // rsync: a source without a destination is listed.
            let opts = filter_options(a);
            let mut files = FsFiles { stdin_used: false };
            let filters = Filters::parse(&a.filters, &opts, &mut files)
                .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
            let mut log = log::Log::new(a).map_err(|m| (m, code::FILE_IO))?;
            return listing::run(a, &a.paths, &filters, &mut log);
        } else {
            format!("wsync sync: expected SRC... DEST\n{USAGE}")
        };
        return Err((msg, code::SYNTAX));
    }
    let (srcs, dst_arg) = a.paths.split_at(a.paths.len() - 1);
    let dst_arg = &dst_arg[0];
    let opts = filter_options(a);
    let mut files = FsFiles { stdin_used: false };
    let mut rules = a.filters.clone();
    if a.backup && a.backup_dir.is_none() && a.delete.is_some() && !a.delete_excluded {
        // rsync protects earlier backups from --delete: "P *SUFFIX".
        let mut rule = b"P *".to_vec();
        rule.extend_from_slice(&a.backup_suffix());
        rules.push(crate::filter::FilterArg::Filter(rule));
    }
    let filters = Filters::parse(&rules, &opts, &mut files)
        .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
    for w in filters.warnings() {
        eprintln!("wsync: warning: {w}");
    }
    let mut log = log::Log::new(a).map_err(|m| (m, code::FILE_IO))?;
    let side = remote::classify(a, srcs, dst_arg).map_err(|m| (m, code::SYNTAX))?;
    if !matches!(side, remote::Side::Local) {
        if a.verbose > 0 && !a.quiet {
            let what = match side {
                remote::Side::Pull(_) => "receiving",
                _ => "sending",
            };
            log.raw(&format!("{what} incremental file list\n"));
        }
        return remote::run(a, side, srcs, dst_arg, &filters, log);
    }
    if a.more.list_only {
        return listing::run(a, srcs, &filters, &mut log);
    }
    // rsync's local transfers refuse the daemon-only options.
    if a.contimeout.is_some() {
        return Err((
            "The --contimeout option may only be used when connecting to an rsync daemon.".into(),
            code::SYNTAX,
        ));
    }
    if a.password_file.is_some() {
        return Err((
            "The --password-file option may only be used when accessing an rsync daemon.".into(),
            code::SYNTAX,
        ));
    }
    if a.verbose > 0 && !a.quiet {
        log.raw(if a.recursive && !inc_off(a) {
            "sending incremental file list\n"
        } else {
            "building file list ... done\n"
        });
    }
    log.file_line("building file list");
    let preset_list = preset.is_some();
    let mut sent = match preset {
        Some(s) => s,
        None => sources::walk(a, srcs, &filters, &mut files)?,
    };
    if !preset_list {
        extras::after_walk(a, &mut sent, &mut log)?;
    }
    // --copy-as: the receiving side runs as that user from here on.
    let _as_user = copyas::become_(copy_as)?;
    if let Some(c) = &a.chmod {
        // rsync's sender tweaks the modes it lists (not a symlink's).
        for it in sent.items.iter_mut().filter(|it| it.kind != Kind::Symlink) {
            it.mode = it.mode & !0o7777 | c.apply(it.mode & 0o7777, it.kind == Kind::Dir);
        }
    }
    for e in &sent.errors {
        log.error(e);
    }
    for n in &sent.notes {
        log.info(n);
    }

    // The destination: a directory (created if missing), or one file's
    // new name (rsync's "solo file").
    let dst = PathBuf::from(dst_arg);
    let dst_is_dir = sources::is_dir(&dst);
    let solo = srcs.len() == 1
        && sent.items.len() == 1
        && !sent.items[0].is_dir()
        && !dst_is_dir
        && !dst_arg.as_bytes().ends_with(b"/");
    let (dst_root, solo_path) = if solo {
        let parent = dst
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !sources::is_dir(parent) {
            if a.mkpath && !a.dry_run {
                fs::create_dir_all(parent).map_err(|e| {
                    (
                        format!(
                            "rsync: [Receiver] mkdir \"{}\" failed: {}",
                            parent.display(),
                            os_error(&e)
                        ),
                        code::FILE_IO,
                    )
                })?;
            } else if !a.mkpath {
                return Err((
                    format!("rsync: [Receiver] change_dir#3 \"{}\" failed: No such file or directory (2)", parent.display()),
                    code::FILE_SELECT,
                ));
            }
        }
        (parent.to_path_buf(), Some(dst.clone()))
    } else {
        (dst.clone(), None)
    };
    let mut root_created = false;
    if solo_path.is_none() && !dst_is_dir {
        if fs::symlink_metadata(&dst).is_ok() {
            return Err((
                "ERROR: destination must be a directory when copying more than 1 file".into(),
                code::FILE_SELECT,
            ));
        }
        if !sent.items.is_empty() {
            let shown = dst_arg.to_string_lossy();
            let shown = shown.trim_end_matches('/');
            // --mkpath makes the missing parents too, and then counts
            // the destination as existing (rsync's "created N
            // directories for DEST").
            let missing: Vec<&Path> = dst
                .ancestors()
                .take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
                .collect();
            let deep = a.mkpath && missing.len() > 1;
            if !a.dry_run {
                let r = if deep {
                    fs::create_dir_all(&dst)
                } else {
                    fs::create_dir(&dst)
                };
                r.map_err(|e| {
                    (
                        format!(
                            "rsync: [Receiver] mkdir \"{}\" failed: {}",
                            abs(&dst).display(),
                            os_error(&e)
                        ),
                        code::FILE_IO,
                    )
                })?;
            }
            if deep {
                if log.name >= 1 {
                    log.info(&format!(
                        "created {} directories for {shown}",
                        missing.len()
                    ));
                }
            } else {
                root_created = true;
                if log.name >= 1 {
                    log.info(&format!("created directory {shown}"));
                }
            }
        }
    }
    extras::check_temp_dir(a, &dst_root)?;
    let dst_abs = if a.dry_run && root_created {
        abs(&dst_root)
    } else {
        fs::canonicalize(&dst_root).unwrap_or_else(|_| abs(&dst_root))
    };
    let receiver = filters.for_side(Side::Receiver, dst_abs.as_os_str().as_bytes());
    if a.prune_empty_dirs {
        flist::prune_empty_dirs(&mut sent.items, &receiver);
    }

    let mut files2 = FsFiles { stdin_used: true };
    if let Some(file) = &a.more.write_batch {
        let dst_of = |it: &flist::Item| match &solo_path {
            Some(p) => p.clone(),
            None => flist::join(&dst_root, &it.path),
        };
        batch::write(a, file, dst_arg, &sent, &dst_of, solo_path.is_some())?;
    }
    let mut eng = engine::Engine::new(a, &sent, dst_root.clone(), log);
    eng.solo = solo_path;
    eng.root_created = root_created;
    for it in &sent.items {
        eng.stats.files.add(it.kind);
        eng.stats.flist_size += it.path.len() as u64 + 10;
    }
    eng.stats.flist_secs = started.elapsed().as_secs_f64();
    if a.delete.is_some() && eng.solo.is_none() {
        {
            let mut del = delete::Deleter::new(&dst_root, receiver, &mut files2);
            del.dry = a.dry_run;
            del.delay = a.delete == Some(DeleteWhen::Delay);
            del.max_delete = a.max_delete.map(|m| m.max(0));
            if a.backup {
                let dst = dst_root.clone();
                let suffix = a.backup_suffix();
                let bdir = a.backup_dir.clone();
                let acls = a.acls;
                del.backup = Some(Box::new(move |rel: &[u8], _kind: Kind| {
                    let mut name = rel.to_vec();
                    name.extend_from_slice(&suffix);
                    let to = match &bdir {
                        Some(d) if Path::new(d).is_absolute() => PathBuf::from(d),
                        Some(d) => dst.join(d),
                        None => dst.clone(),
                    }
                    .join(std::ffi::OsStr::from_bytes(&name));
                    replace::make_backup(&dst, &to, rel, acls).map(|()| true)
                }));
            }
            eng.del = Some(del);
        }
    }
    eng.delete_missing(&sent.missing);
    let r = eng.run();
    if signals::caught() {
        // rsync's exit_cleanup(RERR_SIGNAL): the file being received
        // was a temporary one, dropped (removed) on the way out.
        eng.log.flush();
        if signals::stopped() {
            return Err(("stopping at requested limit".into(), 30));
        }
        return Err((String::new(), code::SIGNAL));
    }
    eng.drain_deletions();
    if a.more.fake_super && !a.dry_run {
        store_fake_super(&mut eng, a);
    }
    let skipped = eng.del.as_ref().map_or(0, |d| d.skipped) + eng.del_skipped;
    if skipped > 0 && !eng.aborted {
        eng.log.error(&format!(
            "Deletions stopped due to --max-delete limit ({skipped} skipped)"
        ));
        eng.out.del_limit = true;
    }
    if let Err(e) = r {
        eng.log.flush();
        return Err((format!("wsync: {e}"), e.exit_code()));
    }
    let synced = std::mem::take(&mut eng.synced);
    let dsts: Vec<PathBuf> = synced
        .iter()
        .map(|&i| eng.dst_path(&sent.items[i]))
        .collect();
    if extras::remove_sources(a, &sent, &synced, &dsts, &mut eng.log) {
        eng.out.partial = true;
    }
    if eng.aborted {
        // rsync's receiver exited: no closing summary.
        eng.log.flush();
        return Ok(fail_quiet(code::FILE_IO));
    }
    let h = a.human + 1;
    if a.stats && !a.quiet {
        let block = eng.stats.block(h);
        eng.log.raw(&block);
    }
    let mut summary = eng
        .stats
        .summary(h, started.elapsed().as_secs_f64(), a.dry_run);
    if a.more.only_write_batch {
        summary = summary.replace("(DRY RUN)", "(BATCH ONLY)");
    }
    let summary_wanted = a
        .more
        .info_stats
        .map_or(a.verbose > 0 || a.stats, |l| l >= 1);
    if summary_wanted && !a.quiet {
        eng.log.raw(&summary);
    }
    for line in summary.lines().filter(|l| !l.is_empty()) {
        eng.log.file_line(line);
    }
    eng.log.flush();
    let out = &eng.out;
    let status = if out.file_io {
        code::FILE_IO
    } else if out.partial || sent.io_error {
        code::PARTIAL
    } else if out.vanished {
        code::VANISHED
    } else if out.del_limit {
        code::DEL_LIMIT
    } else {
        0
    };
    if status != 0 {
        return Ok(fail_quiet(status));
    }
    Ok(0)
}

/// `--fake-super`, the receiver's side: each entry stored as
/// fakesuper.rs says, then the directories' times set again.
fn store_fake_super(eng: &mut engine::Engine<'_>, a: &SyncArgs) {
    let sent = eng.sent;
    for it in sent.items.iter().rev() {
        if let Err(e) = fakesuper::store(&eng.dst_path(it), it, a.times) {
            eng.error(&e);
        }
    }
    if timewin::keeps_time(a, Kind::Dir) {
        for it in sent.items.iter().filter(|i| i.is_dir()) {
            let _ = attrs::set_mtime(&eng.dst_path(it), it);
        }
    }
}

/// The closing line rsync prints for a failed run (the errors themselves
/// were printed as they came).
pub(super) fn fail_quiet(code: u8) -> u8 {
    let what = match code {
        code::SYNTAX => "syntax or usage error",
        2 => "protocol incompatibility",
        4 => "requested action not supported",
        code::FILE_SELECT => "errors selecting input/output files, dirs",
        code::FILE_IO => "error in file IO",
        code::VANISHED => "some files vanished before they could be transferred",
        code::DEL_LIMIT => "the --max-delete limit stopped deletions",
        5 => "error starting client-server protocol",
        10 => "error in socket IO",
        12 => "error in protocol data stream",
        14 => "error in IPC code",
        30 => "timeout in data send/receive",
        35 => "timeout waiting for daemon connection",
        code::SIGNAL => "received SIGINT, SIGTERM, or SIGHUP",
        _ => "some files/attrs were not transferred (see previous errors)",
    };
    let kind = if code == code::VANISHED || code == code::DEL_LIMIT {
        "warning"
    } else {
        "error"
    };
    eprintln!("wsync {kind}: {what} (code {code})");
    code
}

/// rsync turns incremental recursion off for these (and `--no-i-r`).
fn inc_off(a: &SyncArgs) -> bool {
    a.prune_empty_dirs
        || matches!(a.delete, Some(DeleteWhen::Before) | Some(DeleteWhen::After))
        || a.more.inc_recursive == Some(false)
}

fn filter_options(a: &SyncArgs) -> FilterOptions {
    FilterOptions {
        delete_excluded: a.delete_excluded,
        strict: false,
        home: std::env::var("HOME").ok(),
        cvsignore: std::env::var("CVSIGNORE").ok(),
    }
}

fn abs(p: &Path) -> PathBuf {
    std::env::current_dir()
        .map(|d| d.join(p))
        .unwrap_or(p.to_path_buf())
}
