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
mod filesum;
mod flist;
mod fuzzy;
mod hlink;
mod hlinks;
mod iconv;
mod itemize;
mod listdone;
mod listing;
mod localdelta;
mod log;
mod lookahead;
mod meta;
mod metacheck;
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
mod weaksum;
mod who;
mod xattr_calls;
mod xattrs;

use crate::filter::{DirFilter, FilterError, FilterOptions, Filters, MergeSource, ReadError, Side};
use crate::host::exit;
use args::{DeleteWhen, SyncArgs, UsageError, USAGE};
use flist::Kind;
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A receiver's failed call as rsync reports it: `rsync: [receiver] WHAT
/// "PATH" failed: ERROR (N)`.
pub(crate) fn call_failed(what: &str, path: &Path, e: &std::io::Error) -> String {
    format!(
        "rsync: [receiver] {what} \"{}\" failed: {}",
        path.display(),
        os_error(e)
    )
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
        // (-8: a name's high-bit bytes are carried through the line.)
        outbytes::eprint_line(msg);
    }
    fail_quiet(code)
}

/// Runs `wsync sync ARGS`; returns the exit status.
pub fn main(argv: &[OsString]) -> u8 {
    let a = match SyncArgs::parse_logged(argv) {
        Ok(a) => a,
        Err((UsageError(m), log_file)) => {
            let msg = format!("wsync: {m}");
            // rsync logs its errors once --log-file is read, option
            // errors too (its log opens on the first line).
            if let Some(path) = log_file {
                log::append(&path, &[&msg, &exit::line(exit::SYNTAX)]);
            }
            return fail(&msg, exit::SYNTAX);
        }
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
            exit::SYNTAX,
        ));
    }
    let rd = batch::read(file, a.paths.first())?;
    let mut argv = rd.header.opts.clone();
    let mut stage = rd.staging.path().as_os_str().to_owned();
    stage.push("/");
    argv.push(OsString::from("--"));
    argv.push(stage);
    argv.push(a.paths.first().unwrap_or(&rd.header.dst).clone());
    let mut b = SyncArgs::parse(&argv).map_err(|UsageError(m)| {
        (
            format!("wsync: bad batch file: its options: {m}"),
            exit::STREAM,
        )
    })?;
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
    let a = &*as_copy_as(a, copy_as);
    signals::install();
    outbytes::set(a);
    timewin::set_window(a);
    if let Some(t) = a.more.stop_at {
        signals::stop_at(t);
    }
    if a.paths.len() < 2 {
        return one_path(a);
    }
    let (srcs, dst_arg) = a.paths.split_at(a.paths.len() - 1);
    let dst_arg = &dst_arg[0];
    let mut files = FsFiles { stdin_used: false };
    let filters = sender_filters(a, &mut files)?;
    let mut log = log::Log::new(a).map_err(|m| (m, exit::FILE_IO))?;
    let side = remote::classify(a, srcs, dst_arg).map_err(|m| (m, exit::SYNTAX))?;
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
        // rsync's receiver still checks the alt-dest dirs (from where
        // it runs: no destination is entered).
        let here = std::env::current_dir().unwrap_or_default();
        alt_dirs_warnings(a, &here, false, &mut log);
        return listing::run(a, srcs, &filters, &mut log);
    }
    refuse_daemon_only(a)?;
    let flist_progress = flist_start(a, &mut log);
    let preset_list = preset.is_some();
    let mut sent = match preset {
        Some(s) => s,
        None => sources::walk(a, srcs, &filters, &mut files)?,
    };
    if no_file_sum(a) && sent.items.iter().any(|it| it.kind == flist::Kind::File) {
        // rsync's sender refuses it when it sums its first regular file
        // as it lists (nothing sent yet); its receiver is stopped
        // (SIGUSR1). A list without one goes on.
        log.error("Invalid checksum-choice for --checksum: none (0)");
        log.file_line("sent 0 bytes  received 0 bytes  total size 0");
        log.error(&exit::line(exit::UNSUPPORTED));
        log.error_server(&exit::line(exit::SIGUSR1));
        log.flush();
        return Ok(exit::UNSUPPORTED);
    }
    if !preset_list {
        extras::after_walk(a, &mut sent, &mut log)?;
    }
    // --copy-as: the receiving side runs as that user from here on.
    let _as_user = copyas::become_(copy_as)?;
    if let Some(c) = &a.chmod {
        chmod_listed(c, &mut sent.items);
    }
    list_messages(a, &sent, flist_progress, &mut log);

    let Dest {
        root: dst_root,
        solo: solo_path,
        root_created,
    } = match destination(a, &sent, dst_arg, &mut log) {
        Ok(d) => d,
        Err((msg, code)) => return Ok(receiver_failed(a, &sent, &mut log, &msg, code)),
    };
    if let Err((msg, code)) = extras::check_temp_dir(a, &dst_root) {
        return Ok(receiver_failed(a, &sent, &mut log, &msg, code));
    }
    let dst_abs = if a.dry_run && root_created {
        abs(&dst_root)
    } else {
        fs::canonicalize(&dst_root).unwrap_or_else(|_| abs(&dst_root))
    };
    // rsync names the alt-dest directories from its idea of the current
    // directory: the working directory's with the destination's name
    // joined on, its `..` taken off by name (a symlink stays as named).
    let named = match a.dry_run && root_created {
        true => dst_abs.clone(),
        false => engine::lexical(&abs(&dst_root)),
    };
    alt_dirs_warnings(a, &named, a.dry_run && root_created, &mut log);
    let receiver = filters.for_side(Side::Receiver, dst_abs.as_os_str().as_bytes());
    let positions = clean_list(a, &mut sent.items, &receiver);

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
    eng.positions = positions;
    eng.root_created = root_created;
    eng.stats.files = sent.listed;
    eng.stats.total_size = sent.listed_size;
    for it in &sent.items {
        eng.stats.flist_size += it.path.len() as u64 + 10;
    }
    eng.stats.flist_secs = started.elapsed().as_secs_f64();
    if a.delete.is_some() && eng.solo.is_none() {
        let made = eng.backups_made.clone();
        eng.del = Some(deleter(a, &dst_root, receiver, &mut files2, made));
    } else {
        eng.make_way_filter = Some(receiver);
    }
    eng.delete_missing(&sent.missing);
    let r = eng.run();
    after_run(&mut eng, a, r)?;
    let status = status(&eng, &sent);
    Ok(finish(&mut eng, a, status, started))
}

/// `--copy-as` a user other than root: no owner or group is kept
/// (rsync's receiver maps ids it may not give to none).
fn as_copy_as(a: &SyncArgs, copy_as: Option<(u32, u32)>) -> std::borrow::Cow<'_, SyncArgs> {
    if copy_as.is_some_and(|(u, _)| u != 0) {
        let mut b = a.clone();
        b.owner = false;
        b.group = false;
        std::borrow::Cow::Owned(b)
    } else {
        std::borrow::Cow::Borrowed(a)
    }
}

/// A run with fewer than two paths: `HOST::` lists the modules,
/// `HOST::MODULE/PATH` a path, a local source alone is listed (as
/// rsync does); none is a usage error.
fn one_path(a: &SyncArgs) -> Result<u8, (String, u8)> {
    let Some(path) = a.paths.first() else {
        let msg = format!("wsync sync: expected SRC... DEST\n{USAGE}");
        return Err((msg, exit::SYNTAX));
    };
    if let Some(r) = remote::target::parse(path.as_bytes(), a.port) {
        let r = r.map_err(|m| (format!("wsync: {m}"), exit::SYNTAX))?;
        return remote::list_modules(a, r);
    }
    let opts = filter_options(a);
    let mut files = FsFiles { stdin_used: false };
    let filters = Filters::parse(&a.filters, &opts, &mut files)
        .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
    let mut log = log::Log::new(a).map_err(|m| (m, exit::FILE_IO))?;
    listing::run(a, &a.paths, &filters, &mut log)
}

/// The run's filter rules (with `-b --delete`, rsync's protection of
/// earlier backups, "P *SUFFIX"); their warnings printed.
fn sender_filters(a: &SyncArgs, files: &mut FsFiles) -> Result<Filters, (String, u8)> {
    let mut rules = a.filters.clone();
    if a.backup && a.backup_dir.is_none() && a.delete.is_some() && !a.delete_excluded {
        let mut rule = b"P *".to_vec();
        rule.extend_from_slice(&a.backup_suffix());
        rules.push(crate::filter::FilterArg::Filter(rule));
    }
    let filters = Filters::parse(&rules, &filter_options(a), files)
        .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
    for w in filters.warnings() {
        eprintln!("wsync: warning: {w}");
    }
    Ok(filters)
}

/// `--chmod`: rsync's sender tweaks the modes it lists (not a
/// symlink's).
fn chmod_listed(c: &crate::host::chmod::Chmod, items: &mut [flist::Item]) {
    for it in items.iter_mut().filter(|it| it.kind != Kind::Symlink) {
        it.mode = it.mode & !0o7777 | c.apply(it.mode & 0o7777, it.kind == Kind::Dir);
    }
}

/// Sorts out the list as rsync's receiver does (`clean_list`, with
/// `-m` pruning what `receiver` excludes); returns each kept item's
/// number in rsync's list (what --progress counts), numbered with
/// repeated names still in (empty without --progress).
fn clean_list(a: &SyncArgs, items: &mut Vec<flist::Item>, receiver: &DirFilter) -> Vec<usize> {
    let positions = if a.info.progress() > 0 {
        flist::list_positions(items, a.recursive && !inc_off(a))
    } else {
        Vec::new()
    };
    let kept = flist::clean_list(items, a.prune_empty_dirs.then_some(receiver));
    positions
        .into_iter()
        .zip(&kept)
        .filter_map(|(p, k)| k.then_some(p))
        .collect()
}

/// After the engine's pass: a caught signal ends the run; the
/// deletions left, `--fake-super`'s store, the `--max-delete` note,
/// the engine's own error, and `--remove-source-files`.
fn after_run(
    eng: &mut engine::Engine<'_>,
    a: &SyncArgs,
    r: Result<(), FilterError>,
) -> Result<(), (String, u8)> {
    if signals::caught() {
        // rsync's exit_cleanup(RERR_SIGNAL): the file being received
        // was a temporary one, dropped (removed) on the way out.
        eng.log.flush();
        if signals::stopped() {
            return Err(("stopping at requested limit".into(), exit::TIMEOUT));
        }
        return Err((String::new(), exit::SIGNAL));
    }
    eng.drain_deletions();
    if a.more.fake_super && !a.dry_run {
        store_fake_super(eng, a);
    }
    let skipped = eng.del.as_ref().map_or(0, |d| d.skipped) + eng.del_skipped;
    if skipped > 0 && !eng.aborted {
        eng.log.error_server(&format!(
            "Deletions stopped due to --max-delete limit ({skipped} skipped)"
        ));
        eng.out.del_limit = true;
    }
    if let Err(e) = r {
        eng.log.flush();
        return Err((format!("wsync: {e}"), e.exit_code()));
    }
    // (What the run left to pass on: an aborted run's.)
    eng.relay(None);
    Ok(())
}

/// rsync's local transfers refuse the daemon-only options.
fn refuse_daemon_only(a: &SyncArgs) -> Result<(), (String, u8)> {
    let refused = |what: &str, verb: &str| {
        let msg = format!("The --{what} option may only be used when {verb} an rsync daemon.");
        Err((msg, exit::SYNTAX))
    };
    if a.contimeout.is_some() {
        return refused("contimeout", "connecting to");
    }
    if a.password_file.is_some() {
        return refused("password-file", "accessing");
    }
    Ok(())
}

/// `-c` with a `--checksum-choice` whose file checksum is "none".
fn no_file_sum(a: &SyncArgs) -> bool {
    let file_sum = a
        .more
        .checksum_choice
        .as_deref()
        .map(|c| c.split(',').nth(1).unwrap_or(c));
    a.checksum && file_sum.is_some_and(|s| s.eq_ignore_ascii_case("none"))
}

/// rsync's sender starting its list: "building file list" in the log,
/// then on stdout the incremental list's note, or the whole list's
/// progress (true: "building file list ... " is open).
fn flist_start(a: &SyncArgs, log: &mut log::Log) -> bool {
    log.file_line("building file list");
    let inc = a.recursive && !inc_off(a);
    let flist_progress = a.info.flist() >= 1 && (a.recursive || a.dirs) && !inc;
    if flist_progress {
        log.partial("building file list ... ");
    } else if inc && a.info.flist() >= 1 {
        log.client("sending incremental file list");
    }
    flist_progress
}

/// The sender's messages of the listing, with the "building file list"
/// progress when `flist_progress`.
fn list_messages(a: &SyncArgs, sent: &flist::Sent, flist_progress: bool, log: &mut log::Log) {
    let n = sent.listed.total();
    // rsync counts every hundredth entry as it lists, from the first: the
    // messages before that come first (an error on stderr ends the open
    // "building file list ... " line there, not on stdout).
    let before = sent.msgs_before_first.unwrap_or(sent.messages.len());
    for (k, m) in sent.messages.iter().enumerate() {
        if k == before && flist_progress && a.info.flist() >= 2 && n > 0 {
            log.partial(" 0 files...\r");
        }
        match m {
            flist::Msg::Error(e) => log.error(e),
            flist::Msg::Note(n) => log.info(n),
        }
    }
    if before >= sent.messages.len() && flist_progress && a.info.flist() >= 2 && n > 0 {
        log.partial(" 0 files...\r");
    }
    if flist_progress {
        if a.info.flist() >= 2 {
            for k in (100..n).step_by(100) {
                log.progress(&format!(" {k} files...\r"));
            }
            let s = if n == 1 { " " } else { "s " };
            log.end_partial(&format!("{n} file{s}to consider"));
        } else {
            log.end_partial("done");
        }
    }
}

/// rsync's receiver failing before its transfer starts (exit_cleanup in
/// `get_local_name` or `do_recv`, before it forks into generator and
/// receiver): it prints the error and exits. From protocol 31 on its
/// exit_cleanup sends the client MSG_ERROR_EXIT; the client exits with
/// that status, logging its closing lines when a log file has no summary
/// (log_exit). Before 31 (cleanup.c sends it only with protocol 31 or
/// from a forked receiver) it just exits: its sender, reading on, finds
/// the connection closed (io.c's whine_about_eof) and exits 12
/// (RERR_STREAMIO), over the receiver's status; its log_exit logs the
/// sent line whatever the summary. The bytes it read are the receiver's
/// messages, when they came through it (`--stderr=client`).
fn receiver_failed(
    a: &SyncArgs,
    sent: &flist::Sent,
    log: &mut log::Log,
    msg: &str,
    code: u8,
) -> u8 {
    let closing = exit::line(code);
    log.error_server(msg);
    log.error_server(&closing);
    let mut stats = stats::Stats {
        total_size: sent.listed_size,
        ..Default::default()
    };
    stats.files = sent.listed;
    if a.more.protocol.is_some_and(|p| p < 31) {
        // Each message: its line and newline in a 4-byte header.
        let received = match a.more.stderr {
            args::StderrMode::Client => [msg, &closing].iter().map(|m| m.len() as u64 + 5).sum(),
            _ => 0,
        };
        stats.wire = Some((stats.wire().0, received));
        log.error(&format!(
            "rsync: connection unexpectedly closed ({received} bytes received so far) [sender]"
        ));
        log.file_line(&stats.log_line());
        log.error(&exit::line(exit::STREAM));
        log.flush();
        return exit::STREAM;
    }
    if log.has_file() && a.info.stats() == 0 {
        log.file_line(&stats.log_line());
        log.error(&closing);
    }
    log.flush();
    code
}

/// The deleter of `--delete` under `dst_root`, backing up with `-b`.
fn deleter<'f>(
    a: &SyncArgs,
    dst_root: &'f Path,
    receiver: DirFilter,
    files: &'f mut FsFiles,
    made: engine::BackupsMade,
) -> delete::Deleter<'f> {
    let mut del = delete::Deleter::new(dst_root, receiver, files);
    del.dry = a.dry_run;
    del.delay = a.delete == Some(DeleteWhen::Delay);
    del.max_delete = a.max_delete.map(|m| m.max(0));
    if a.backup {
        let dst = dst_root.to_path_buf();
        let suffix = a.backup_suffix();
        let bdir = a.backup_dir.clone();
        let acls = a.acls;
        del.backup = Some(Box::new(move |rel: &[u8], _kind: Kind| {
            // rsync's is_backup_file: without --backup-dir a name
            // that ends with the suffix is deleted, not backed up.
            if bdir.is_none() && rel.len() > suffix.len() && rel.ends_with(&suffix) {
                return Ok(false);
            }
            let mut name = rel.to_vec();
            name.extend_from_slice(&suffix);
            let to = match &bdir {
                Some(d) if Path::new(d).is_absolute() => PathBuf::from(d),
                Some(d) => dst.join(d),
                None => dst.clone(),
            }
            .join(std::ffi::OsStr::from_bytes(&name));
            let made_in = replace::make_backup(&dst, &to, rel, acls)?;
            engine::note_backup(&made, made_in, delete::Side::Generator, rel);
            Ok(true)
        }));
    }
    del
}

/// The run's exit status, as rsync's client takes it.
fn status(eng: &engine::Engine<'_>, sent: &flist::Sent) -> u8 {
    let out = &eng.out;
    if eng.aborted || out.file_io {
        exit::FILE_IO
    } else if out.partial || sent.io_error {
        exit::PARTIAL
    } else if out.vanished {
        exit::VANISHED
    } else if out.del_limit {
        // (over the sender's error for a missing source, as rsync's
        // client takes its receiver's status)
        exit::DEL_LIMIT
    } else if sent.partial {
        exit::PARTIAL
    } else {
        0
    }
}

/// The end of a run: rsync's output_summary (not when its receiver
/// exited), then its log_exit: the log file's closing line when no
/// summary went there, and the error. Returns `status`.
fn finish(
    eng: &mut engine::Engine<'_>,
    a: &SyncArgs,
    status: u8,
    started: std::time::Instant,
) -> u8 {
    let aborted = eng.aborted;
    closing(&mut eng.log, &eng.stats, a, status, started, aborted)
}

/// The run's closing lines: --stats's block, -v's summary, the log
/// file's, rsync's error line for `status` (not after an `aborted`
/// receiver); gives `status`.
fn closing(
    log: &mut log::Log,
    stats: &stats::Stats,
    a: &SyncArgs,
    status: u8,
    started: std::time::Instant,
    aborted: bool,
) -> u8 {
    let h = a.human + 1;
    let info = a.info;
    if !aborted && info.stats() >= 2 {
        log.client("");
        // Before protocol 31 rsync counts no deletions there.
        let old = a.more.protocol.is_some_and(|p| p < 31);
        for line in stats.block_lines(h) {
            if old && line.starts_with("Number of deleted files") {
                continue;
            }
            log.info(&line);
        }
    }
    if !aborted && info.stats() >= 1 {
        log.client("");
        let secs = started.elapsed().as_secs_f64();
        for line in stats.summary_lines(h, secs, a.dry_run) {
            // --only-write-batch: a dry run that wrote the batch.
            let line = if a.more.only_write_batch {
                line.replace("(DRY RUN)", "(BATCH ONLY)")
            } else {
                line
            };
            log.info(&line);
        }
    }
    log.end_line();
    if status != 0 || info.stats() == 0 {
        let line = stats.log_line();
        log.file_line(&line);
    }
    if status != 0 {
        log.error(&exit::line(status));
    }
    log.flush();
    status
}

/// Where a transfer goes (rsync's `get_local_name`).
struct Dest {
    /// The directory the items' paths are relative to.
    root: PathBuf,
    /// One entry's new name (rsync's "local name", solo file).
    solo: Option<PathBuf>,
    /// The destination directory was made by this run (or would be, in
    /// a dry run).
    root_created: bool,
}

/// rsync's `get_local_name`: with more than one entry to receive (or a
/// trailing slash) the destination is a directory, made when missing
/// (its parents too with --mkpath); with one, its new name.
fn destination(
    a: &SyncArgs,
    sent: &flist::Sent,
    dst_arg: &OsString,
    log: &mut log::Log,
) -> Result<Dest, (String, u8)> {
    let bytes = dst_arg.as_bytes();
    let file_total = sent.file_total;
    let trailing_slash = bytes.ends_with(b"/");
    let cp = bytes.iter().rposition(|&b| b == b'/');
    let trimmed = |b: &[u8]| -> Vec<u8> {
        let mut v = b.to_vec();
        while v.len() > 1 && v.ends_with(b"/") {
            v.pop();
        }
        v
    };
    let path_of = |b: &[u8]| PathBuf::from(std::ffi::OsStr::from_bytes(b));
    let dst = path_of(bytes);
    let mut statret = fs::metadata(&dst);
    if a.mkpath && statret.is_err() && (cp.is_some() || file_total > 1) {
        let drop_name = file_total <= 1 || trailing_slash;
        let shown_whole = !(cp.is_some() && (file_total == 1 || trailing_slash));
        if make_path(a, bytes, drop_name, shown_whole, log)? > 0 {
            statret = fs::metadata(&dst);
        }
    }
    match &statret {
        Ok(md) if md.is_dir() => {
            return Ok(Dest {
                root: dst,
                solo: None,
                root_created: false,
            })
        }
        Ok(_) if file_total > 1 => {
            return Err((
                "ERROR: destination must be a directory when copying more than 1 file".into(),
                exit::FILE_SELECT,
            ))
        }
        Ok(_) if file_total == 1 && sent.items.first().is_some_and(|it| it.is_dir()) => {
            return Err((
                "ERROR: cannot overwrite non-directory with a directory".into(),
                exit::FILE_SELECT,
            ))
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err((
                flist::escaped_server(&format!(
                    "rsync: [Receiver] ERROR: cannot stat destination \"{}\": {}",
                    abs(&dst).display(),
                    os_error(e)
                )),
                exit::FILE_SELECT,
            ))
        }
        _ => {}
    }
    if file_total > 1 || trailing_slash {
        if statret.is_ok() {
            return Err((
                "ERROR: destination path is not a directory".into(),
                exit::SYNTAX,
            ));
        }
        let dir = path_of(&trimmed(bytes));
        if !a.dry_run {
            if let Err(e) = fs::create_dir(&dir) {
                return Err(receiver_call_failed("mkdir", &dir, &e, exit::FILE_IO));
            }
        }
        if log.names() {
            log.info_server(&format!(
                "created directory {}",
                flist::show(&trimmed(bytes))
            ));
        }
        return Ok(Dest {
            root: dir,
            solo: None,
            root_created: true,
        });
    }
    // One entry, written under the destination's name.
    let parent = match cp {
        None => PathBuf::from("."),
        Some(0) => PathBuf::from("/"),
        Some(i) => path_of(&bytes[..i]),
    };
    if cp.is_some() && !sources::is_dir(&parent) && !(a.dry_run && a.mkpath) {
        let e = fs::metadata(&parent)
            .err()
            .unwrap_or_else(|| std::io::Error::from_raw_os_error(20));
        return Err(receiver_call_failed(
            "change_dir#3",
            &parent,
            &e,
            exit::FILE_SELECT,
        ));
    }
    Ok(Dest {
        root: parent,
        solo: Some(dst),
        root_created: false,
    })
}

/// rsync's make_path for `--mkpath`: each missing directory on the way
/// to the destination `bytes` (its last name too unless `drop_name`),
/// reported naming the destination (whole, or up to its last slash).
/// Returns how many were made (or would be).
fn make_path(
    a: &SyncArgs,
    bytes: &[u8],
    drop_name: bool,
    shown_whole: bool,
    log: &mut log::Log,
) -> Result<usize, (String, u8)> {
    let cp = bytes.iter().rposition(|&b| b == b'/');
    let target = if drop_name {
        cp.map_or(&[][..], |i| &bytes[..i])
    } else {
        bytes
    };
    let mut made = 0;
    if !target.is_empty() {
        let t = Path::new(std::ffi::OsStr::from_bytes(target));
        let missing: Vec<&Path> = t
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
            .collect();
        for p in missing.iter().rev() {
            if !a.dry_run {
                if let Err(e) = fs::create_dir(p) {
                    let dst = Path::new(std::ffi::OsStr::from_bytes(bytes));
                    return Err(receiver_call_failed("mkdir", dst, &e, exit::FILE_IO));
                }
            }
            made += 1;
        }
    }
    if made > 0 && log.names() {
        let shown = match shown_whole {
            true => bytes,
            false => &bytes[..cp.unwrap_or(bytes.len())],
        };
        let y = if made == 1 { "y" } else { "ies" };
        log.info_server(&format!(
            "created {made} director{y} for {}",
            flist::show(shown)
        ));
    }
    Ok(made)
}

/// A call rsync's receiver made on the destination that failed, escaped
/// as its messages are.
fn receiver_call_failed(what: &str, p: &Path, e: &std::io::Error, code: u8) -> (String, u8) {
    let msg = format!(
        "rsync: [Receiver] {what} \"{}\" failed: {}",
        abs(p).display(),
        os_error(e)
    );
    (flist::escaped_server(&msg), code)
}

/// rsync's `check_alt_basis_dirs`: a warning for each --link-dest (or
/// --copy-dest, --compare-dest) directory missing, or not a directory,
/// named as the receiver sees it from the destination (`dst_abs`).
/// A dry run's destination that is not there: one leading "../" is
/// taken from its parent instead.
fn alt_dirs_warnings(a: &SyncArgs, dst_abs: &Path, dry_missing: bool, log: &mut log::Log) {
    let opt = match a.alt_dest {
        Some(args::AltDest::Link) => "--link-dest",
        Some(args::AltDest::Copy) => "--copy-dest",
        _ => "--compare-dest",
    };
    for d in &a.alt_dirs {
        let mut b = d.as_bytes().to_vec();
        if b.len() > 1 && b.ends_with(b"/") {
            b.pop();
        }
        let shown = if b.starts_with(b"/") {
            b
        } else if let (true, Some(rest), Some(parent)) =
            (dry_missing, b.strip_prefix(b"../"), dst_abs.parent())
        {
            let mut v = parent.as_os_str().as_bytes().to_vec();
            if !v.ends_with(b"/") {
                v.push(b'/');
            }
            v.extend_from_slice(rest);
            v
        } else {
            let mut v = dst_abs.as_os_str().as_bytes().to_vec();
            if !v.ends_with(b"/") {
                v.push(b'/');
            }
            v.extend_from_slice(&b);
            v
        };
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(&shown));
        let what = match fs::metadata(&p) {
            Err(_) => "does not exist",
            Ok(m) if !m.is_dir() => "is not a dir",
            Ok(_) => continue,
        };
        log.error_server(&format!("{opt} arg {what}: {}", flist::show(&shown)));
    }
}

/// `--fake-super`, the receiver's side: each entry stored as
/// fakesuper.rs says, then the directories' times set again.
fn store_fake_super(eng: &mut engine::Engine<'_>, a: &SyncArgs) {
    let sent = eng.sent;
    for it in sent.items.iter().rev() {
        if let Err(e) = fakesuper::store(&eng.dst_path(it), it, a) {
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
    eprintln!("{}", exit::line(code));
    code
}

/// rsync turns incremental recursion off for these (and `--no-i-r`).
pub(super) fn inc_off(a: &SyncArgs) -> bool {
    a.prune_empty_dirs
        || a.delay_updates
        || matches!(a.delete, Some(DeleteWhen::Before) | Some(DeleteWhen::After))
        || a.more.inc_recursive == Some(false)
        || a.more.qsort
}

fn filter_options(a: &SyncArgs) -> FilterOptions {
    FilterOptions {
        delete_excluded: a.delete_excluded,
        strict: false,
        home: std::env::var("HOME").ok(),
        cvsignore: std::env::var("CVSIGNORE").ok(),
    }
}

/// `p` from the working directory.
pub(super) fn abs(p: &Path) -> PathBuf {
    std::env::current_dir()
        .map(|d| d.join(p))
        .unwrap_or(p.to_path_buf())
}
