//! The receiving side of a local transfer: rsync's generator and receiver
//! in one pass over the sorted file list (a port of `recv_generator` in
//! rsync's generator.c, with `finish_transfer` from receiver.c). Each
//! item is compared with the destination, itemized, and created, updated
//! or left alone; directory times are fixed at the end.

use super::args::{DeleteWhen, SyncArgs};
use super::attrs::{self, How, Want, Who};
use super::delete::Side;
use super::delete::{Del, Deleter};
use super::flist::{join, show, Item, Kind, Sent};
use super::itemize::*;
use super::log::{Code, Log};
use super::meta::SrcMeta;
use super::stats::Stats;
use super::transfer;
use crate::filter::FilterError;
use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// How a run went, for the exit status.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Some files or attributes were not transferred (23).
    pub partial: bool,
    /// Source files vanished (24).
    pub vanished: bool,
    /// `--max-delete` stopped deletions (25).
    pub del_limit: bool,
    /// A write to the destination failed (11).
    pub file_io: bool,
}

pub struct Engine<'a> {
    pub a: &'a SyncArgs,
    pub who: Who,
    pub sent: &'a Sent,
    /// The destination root.
    pub dst: PathBuf,
    /// A single file's destination name (rsync's "solo file").
    pub solo: Option<PathBuf>,
    /// The destination root was created by this run (or would be).
    pub root_created: bool,
    pub log: Log,
    pub stats: Stats,
    pub out: Outcome,
    pub progress: super::progress::Progress,
    /// Each item's index in rsync's list numbering (for progress lines).
    pub(super) positions: Vec<usize>,
    pub(super) del: Option<Deleter<'a>>,
    /// Without `--delete`: the receiver's filter rules, which rsync's
    /// `delete_dir_contents` still applies when a directory is emptied
    /// to make way (`--force`): what they exclude stays.
    pub(super) make_way_filter: Option<crate::filter::DirFilter>,
    pub(super) dry_missing: Option<usize>,
    /// A directory this run created: nothing below it exists yet, so
    /// its items are not looked up (rsync's generator would find none).
    fresh: Option<usize>,
    /// The working directory, read once (temporary files are named by
    /// absolute paths).
    pub(super) cwd: PathBuf,
    pub(super) skip_dir: Option<usize>,
    /// The directory whose default ACL was read last for permissions
    /// without -p (rsync's generator's parent_dirname).
    parent_dirname: Option<Vec<u8>>,
    /// Deletions rsync's receiver makes while it takes in a file (its
    /// backup's way cleared), logged once the sender has logged the
    /// file: they reach the client after that.
    pub(super) receiver_dels: Option<Vec<(Vec<u8>, Kind)>>,
    /// A merge file that failed to read while clearing a directory.
    pub(super) filter_err: Option<FilterError>,
    pub(super) dirs: Vec<usize>,
    pub(super) delayed: Vec<(tempfile::TempPath, PathBuf)>,
    pub(super) delay_dirs: HashSet<PathBuf>,
    pub(super) alt_roots: Vec<PathBuf>,
    /// `-H`: the hard-link groups' state.
    pub(super) hl: super::hlinks::HardLinks,
    /// What the generator knows of the sender's I/O errors.
    io: IoKnown,
    /// rsync's incremental recursion (off for -m, --delete-before/after).
    pub(super) inc: bool,
    /// The lists of an incremental recursion, as rsync's generator tells
    /// them done: for a dry run's `--info=progress2` line as each is
    /// done (`list_lines`), and for the directories a backup directory
    /// is made in (`backups_made`).
    lists: Option<super::listdone::ListsDone>,
    list_lines: bool,
    /// The directories the backup directories were made in, by the
    /// engine or by the deleter, since last looked at.
    pub(super) backups_made: BackupsMade,
    /// The lists with a file sent (a generator's backup after them finds
    /// them still in transfer).
    sending: HashSet<Option<usize>>,
    /// Deletions made without the deleter: the generator's (without
    /// --delete) and the receiver's (clearing a backup's place), with
    /// those --max-delete refused on the generator's side.
    pub(super) deleted: [u64; 2],
    pub(super) del_skipped: u64,
    /// rsync's receiver exited (status 11): no file is received from
    /// here on, and the run stops after the list.
    pub(super) aborted: bool,
    /// `-X`/`-A`: the source's xattrs and ACLs read, and what was seen.
    pub(super) meta: super::meta::MetaCache,
    /// Files the receiver took in whose MSG_SUCCESS rsync's generator
    /// has yet to pass on to the sender (`--remove-source-files`: see
    /// `received_ok`).
    pub(super) relayed: Vec<usize>,
    /// `-y`: the fuzzy basis search's state.
    pub(super) fuzzy: super::fuzzy::Fuzzy,
    /// `--append-verify`: the file just appended failed its check (what
    /// it was then); `redo`: such files, sent again whole at the end of
    /// the pass as rsync's generator does (MSG_REDO).
    pub(super) verify_failed: Option<fs::Metadata>,
    pub(super) redo: Vec<(usize, fs::Metadata)>,
    /// Why the regular file at hand could not be looked at, other than
    /// missing (ENOTDIR below a file in the way): rsync's generator
    /// reports it only once no size limit, alt-dest or fuzzy basis took
    /// the file (its stat_errno).
    pub(super) stat_err: Option<std::io::Error>,
    /// The directory rsync's receiver read the default ACL of last.
    pub(super) recv_dirname: Option<Vec<u8>>,
}

/// Whether the generator knows of a sender I/O error yet (then it
/// deletes nothing), and whether it said so.
#[derive(Default)]
struct IoKnown {
    known: bool,
    warned: bool,
    /// With `-H`: the item from which it knows of one (`lookahead`).
    from: Option<usize>,
}

impl<'a> Engine<'a> {
    pub fn new(a: &'a SyncArgs, sent: &'a Sent, dst: PathBuf, log: Log) -> Engine<'a> {
        let alt_roots = a
            .alt_dirs
            .iter()
            .map(|d| {
                let p = Path::new(d);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    // Relative to the destination, which a dry run may
                    // not have created: resolved without it.
                    lexical(&dst.join(p))
                }
            })
            .collect();
        Engine {
            a,
            who: Who::current(),
            sent,
            dst,
            solo: None,
            root_created: false,
            progress: super::progress::Progress::new(a, sent.listed.total() as usize),
            positions: Vec::new(),
            log,
            stats: Stats::default(),
            out: Outcome::default(),
            del: None,
            make_way_filter: None,
            dry_missing: None,
            fresh: None,
            cwd: std::env::current_dir().unwrap_or_default(),
            skip_dir: None,
            parent_dirname: None,
            receiver_dels: None,
            filter_err: None,
            dirs: Vec::new(),
            delayed: Vec::new(),
            delay_dirs: HashSet::new(),
            alt_roots,
            hl: Default::default(),
            io: IoKnown::default(),
            meta: Default::default(),
            relayed: Vec::new(),
            verify_failed: None,
            redo: Vec::new(),
            stat_err: None,
            recv_dirname: None,
            fuzzy: Default::default(),
            deleted: [0; 2],
            del_skipped: 0,
            aborted: false,
            inc: a.recursive && !super::inc_off(a),
            lists: None,
            list_lines: false,
            backups_made: Default::default(),
            sending: HashSet::new(),
        }
    }

    pub(super) fn item(&self, i: usize) -> &'a Item {
        &self.sent.items[i]
    }

    pub fn dst_path(&self, it: &Item) -> PathBuf {
        match &self.solo {
            Some(p) => p.clone(),
            None => join(&self.dst, &it.path),
        }
    }

    pub(super) fn dry(&self) -> bool {
        self.a.dry_run
    }

    /// What stands at item `i`'s name, as rsync's generator sees it: in
    /// a dry run nothing below a directory it would have made (its
    /// dry_missing_dir: statret -1, whatever is in the way there).
    pub(super) fn seen_at(&self, i: usize, dpath: &Path) -> Option<fs::Metadata> {
        if self.dry_missing.is_some_and(|d| self.is_below(i, d)) {
            return None;
        }
        fs::symlink_metadata(dpath).ok()
    }

    /// Whether item `i` is inside directory item `d`.
    pub(super) fn is_below(&self, i: usize, d: usize) -> bool {
        let (p, dp) = (&self.item(i).path, &self.item(d).path);
        dp.is_empty() || (p.len() > dp.len() && p.starts_with(dp) && p[dp.len()] == b'/')
    }

    /// An error (exit 23): rsync's sender's (tagged "[sender]") goes
    /// through its client, the others its generator and receiver print
    /// on stderr themselves.
    pub(super) fn error(&mut self, msg: &str) {
        if super::signals::caught() {
            // The run stops; rsync reports the signal alone.
            return;
        }
        if msg.contains("[sender]") {
            self.log.error(msg);
        } else {
            self.log.error_server(msg);
        }
        self.out.partial = true;
    }

    /// Logs an item rsync's generator did not send for transfer: what its
    /// `itemize` passes on to the sender, logged there as `maybe_log_item`
    /// does. `hlink`: the name a hard link follows (rsync's xname).
    pub(super) fn report(&mut self, i: usize, iflags: u32, hlink: Option<&[u8]>, bytes: u64) {
        if iflags & TRANSFER != 0 {
            // A dry run's transfer: rsync's sender logs it on stdout.
            self.count_new(i, iflags);
            let li = self.log_item(i, iflags, None, bytes);
            self.log.item(&li, Code::Client);
            return;
        }
        let iflags = iflags & 0xffff;
        let has_i = self.log.has_i;
        let name2 = self.log.info.name() >= 2;
        let xname = hlink.is_some_and(|h| !h.is_empty());
        let significant = iflags & SIGNIFICANT != 0;
        let sent = iflags & (SIGNIFICANT | REPORT_XATTR) != 0 || name2 || has_i > 1 || xname;
        if !sent {
            return;
        }
        self.count_new(i, iflags);
        let see = has_i > 0 && (significant || xname || has_i > 1 || name2);
        let local = iflags & LOCAL_CHANGE != 0 && significant;
        let it = self.item(i);
        if !(see || local || xname || (it.is_dir() && significant)) {
            return;
        }
        let code = if significant || self.log.file_has_i() {
            Code::Info
        } else {
            Code::Client
        };
        let li = self.log_item(i, iflags, hlink, 0);
        self.log.item(&li, code);
    }

    /// With `--info=name2` and no `%i` in the stdout format (rsync's
    /// `maybe_ATTRS_REPORT`), rsync's generator names an entry it leaves
    /// in place as `set_file_attrs` does: "NAME" when it changed the
    /// entry's times, permissions, owner, group or ACL (`iflags`, as
    /// itemized), else "NAME is uptodate".
    pub(super) fn attrs_report(&mut self, i: usize, iflags: u32) {
        const UPDATED: u32 =
            REPORT_TIME | REPORT_ATIME | REPORT_PERMS | REPORT_OWNER | REPORT_GROUP | REPORT_ACL;
        if iflags & UPDATED != 0 {
            self.name_report(i, "");
        } else {
            self.name_report(i, " is uptodate");
        }
    }

    /// rsync's generator's "NAME`suffix`" line of an entry left as it is
    /// (`--info=name2` without `%i` in the stdout format only).
    pub(super) fn name_report(&mut self, i: usize, suffix: &str) {
        if self.log.info.name() < 2 || self.log.has_i > 0 {
            return;
        }
        // A single file is named as rsync's generator names it: by the
        // name it writes.
        // A directory (an exact --compare-dest match) with a slash.
        let it = self.item(i);
        let name = match self.solo.as_deref().and_then(Path::file_name) {
            Some(n) => show(n.as_encoded_bytes()),
            None if it.is_dir() && it.path.is_empty() => "./".to_string(),
            None if it.is_dir() => format!("{}/", show(&it.path)),
            None => show(&it.path),
        };
        self.log.generator_info(&format!("{name}{suffix}"));
    }

    /// rsync's sender counts the entries the generator itemizes as new
    /// (`--stats`' "Number of created files").
    pub(super) fn count_new(&mut self, i: usize, iflags: u32) {
        if iflags & IS_NEW != 0 {
            let kind = self.item(i).kind;
            self.stats.created.add(kind);
        }
    }

    /// What rsync's sender logs of a transfer before its data goes: the
    /// item (an out-format without `%b`, `%c`, `%C`), or with `--progress`
    /// just its name.
    pub(super) fn report_before(&mut self, i: usize, iflags: u32) {
        if self.log.log_before {
            let li = self.log_item(i, iflags, None, 0);
            self.log.item(&li, Code::Client);
        } else if self.log.info.name() >= 1 && self.log.info.progress() == 1 {
            let name = super::flist::show(&self.item(i).path);
            self.log.client(&name);
        }
    }

    /// ... and after it: the item in the log file (and on stdout, when it
    /// was not logged before).
    pub(super) fn report_after(&mut self, i: usize, iflags: u32, bytes: u64) {
        let code = if self.log.log_before {
            Code::Flog
        } else {
            Code::Info
        };
        let li = self.log_item(i, iflags, None, bytes);
        self.log.item(&li, code);
    }

    /// What `%C` shows for a regular file: with `-c` the checksum rsync's
    /// sender lists, else that of the data it sent (zeros in a dry run,
    /// where it sent none), of the kind --checksum-choice picks; blanks
    /// where rsync has none. None when no format asks.
    fn checksum_for_log(&self, it: &Item, iflags: u32) -> Option<String> {
        if !self.log.wants_checksum {
            return None;
        }
        let kind = self.log.sum;
        let none = it.kind != Kind::File
            || iflags & DELETED != 0
            || (!self.a.checksum && iflags & TRANSFER == 0);
        if none {
            return Some(kind.blank());
        }
        if !self.a.checksum && self.dry() {
            return Some(kind.shown(None));
        }
        Some(match kind.of_file(&self.sent.src_path(it)) {
            Some(d) => kind.shown(Some(&d)),
            None => kind.blank(),
        })
    }

    /// The log line's view of item `i`.
    pub(super) fn log_item<'h>(
        &self,
        i: usize,
        iflags: u32,
        hlink: Option<&'h [u8]>,
        bytes: u64,
    ) -> LogItem<'h>
    where
        'a: 'h,
    {
        let sent: &'a Sent = self.sent;
        let it = &sent.items[i];
        LogItem {
            item: it,
            name: it.sender_name.as_deref().unwrap_or(&it.path),
            iflags,
            op: "send",
            bytes,
            hlink,
            times: self.a.times,
            sender_path: sent.sender_paths.get(it.root as usize).map(Vec::as_slice),
            checksum: self.checksum_for_log(it, iflags),
            uid_gid: (self.a.owner, self.a.group),
        }
    }

    /// The flags comparing an item with what the destination (or a
    /// basis) holds at `path`.
    pub(super) fn flags(
        &self,
        it: &Item,
        cmp: Option<(&Path, &fs::Metadata)>,
        mut iflags: u32,
    ) -> u32 {
        let Some((path, md)) = cmp else {
            return iflags | IS_NEW;
        };
        if it.kind == Kind::File && md.len() != it.size {
            iflags |= REPORT_SIZE;
        }
        let d = attrs::diff(self.a, &self.who, it, md);
        let keep_time = super::timewin::keeps_time(self.a, it.kind);
        let time = if keep_time {
            d.time
        } else {
            iflags & (TRANSFER | LOCAL_CHANGE) != 0 && iflags & MATCHED == 0
        };
        if time {
            iflags |= REPORT_TIME;
        }
        iflags |= super::timewin::atime_flag(self.a, it, md);
        if d.perms {
            iflags |= REPORT_PERMS;
        }
        if d.owner {
            iflags |= REPORT_OWNER;
        }
        if d.group {
            iflags |= REPORT_GROUP;
        }
        iflags | self.meta_flags(it, path, md)
    }

    /// The flags of an entry left in place: rsync sets its attributes
    /// before itemizing it, and an access ACL it writes brings the
    /// permission bits along (no `p` then, unless set-id or sticky bits
    /// differ: those the ACL leaves).
    pub(super) fn flags_in_place(&self, it: &Item, path: &Path, md: &fs::Metadata) -> u32 {
        let f = self.flags(it, Some((path, md)), 0);
        let special_same = md.mode() & 0o7000 == it.mode & 0o7000;
        if f & REPORT_ACL != 0 && !self.dry() && special_same {
            f & !REPORT_PERMS
        } else {
            f
        }
    }

    /// What `it` is to get with this run's options (`attrs::Want`).
    pub(super) fn want<'x>(
        &'x self,
        it: &'x Item,
        old_perms: Option<u32>,
        how: How,
        src: &'x SrcMeta,
    ) -> Want<'x> {
        Want {
            it,
            a: self.a,
            who: &self.who,
            old_perms,
            how,
            src,
        }
    }

    pub(super) fn set_attrs(&mut self, path: &Path, it: &Item, old_perms: Option<u32>) {
        if self.dry() {
            return;
        }
        let m = self.src_meta(it);
        if let Err(e) = attrs::set(path, &self.want(it, old_perms, How::Check, &m)) {
            self.error(&e);
        }
    }

    /// Runs the generator over the whole list.
    pub fn run(&mut self) -> Result<(), FilterError> {
        self.io.known = if self.inc {
            self.sent.error_dirs.contains(&b""[..])
        } else {
            self.sent.io_error
        };
        if self.inc && self.a.hard_links && self.sent.io_error {
            let items = &self.sent.items;
            let errs = &self.sent.error_dirs;
            self.io.from = super::lookahead::io_known_from(
                &super::flist::list_parents(items),
                |i| self.starts_list(i),
                |l| errs.contains(l.map_or(&b""[..], |d| &items[d].path[..])),
            );
        }
        self.plan_hard_links();
        let total: u64 = self
            .sent
            .items
            .iter()
            .filter(|it| it.kind == Kind::File)
            .map(|it| it.size)
            .sum();
        self.progress.set_total(total, self.sent.listed_size);
        self.log.bar = self.progress.bar();

        // rsync's generator's own lines among the sender's (see
        // `Log::hold`): it sends its buffer after the list's first entry
        // when the whole list is in (no incremental recursion, or -H,
        // which waits for it), else when it waits for the next list at
        // the end of the top one, and once done with the list.
        let whole = !self.inc || self.a.hard_links;
        let mut top_sent = whole;
        self.log.hold();
        if self.a.delete == Some(DeleteWhen::Before) {
            self.delete_pass()?;
        }
        self.list_lines = self.inc && self.a.dry_run && self.progress.whole_lines();
        if self.list_lines || self.inc && self.backup_dir_inside() {
            let list = super::flist::list_parents(&self.sent.items);
            self.lists = Some(super::listdone::ListsDone::new(list));
        }
        for i in 0..self.sent.items.len() {
            if super::signals::caught() {
                return Ok(());
            }
            if !top_sent && i > 0 && self.starts_list(i) {
                top_sent = true;
                self.log.release(true);
            }
            let done_before = self.lists.as_ref().map_or(0, |l| l.done_count());
            self.list_at(i);
            self.one(i)?;
            self.backups_made(i, done_before);
            if !self.starts_list(i) {
                self.lists_done();
            }
            if let Some(e) = self.filter_err.take() {
                return Err(e);
            }
            self.drain_meta_errors();
            if whole && i == 0 {
                self.log.release(true);
            }
        }
        self.log.release(false);
        if self.aborted {
            // rsync's receiver exited: its generator, which ran ahead
            // through the list, goes no further.
            return Ok(());
        }
        self.redo_pass();
        // The names linked to a leader once its data is in are items
        // the generator tells the sender of in its buffer; with
        // --remove-source-files the successes it passes on are messages,
        // ahead of that buffer, which it sends once it has no more to
        // read.
        let relaying = self.a.more.remove_source_files && !self.a.dry_run;
        if relaying {
            self.log.hold();
        }
        self.finish_received_links();
        if !self.a.delay_updates {
            self.relay(None);
        }
        if relaying {
            self.log.release(false);
        }
        self.progress.finish(&mut self.log);
        self.finish_delayed();
        // With --delay-updates rsync's receiver tells of each file once
        // it put it in place (handle_delayed_updates), at the end.
        if relaying {
            self.log.hold();
        }
        for (f, leader) in std::mem::take(&mut self.hl.delayed_links) {
            self.relay(Some(leader));
            self.link_to(f, leader, false);
        }
        self.relay(None);
        if relaying {
            self.log.release(false);
        }
        if matches!(self.a.delete, Some(DeleteWhen::After)) {
            self.delete_pass()?;
        }
        if let Some(del) = &mut self.del {
            if del.delay {
                del.run_delayed()?;
                self.drain_deletions();
            }
        }
        self.fix_dirs();
        Ok(())
    }

    /// Whether item `i` is a directory reached at the start of its own
    /// list (rsync's generator looks at it there, before its contents,
    /// and looks for lists done only after the entries of a list's loop).
    fn starts_list(&self, i: usize) -> bool {
        let it = &self.sent.items[i];
        it.is_dir() && !it.path.is_empty()
    }

    /// Item `i` is reached: rsync's generator may have ended a list's
    /// loop (and looked for lists done) and gone on to the next.
    fn list_at(&mut self, i: usize) {
        let starts = self.starts_list(i);
        let Some(next) = self.lists.as_ref().and_then(|l| l.next(i, starts)) else {
            return;
        };
        self.lists_done();
        if let Some(l) = &mut self.lists {
            l.begin(next);
        }
    }

    /// The sender's line for each list rsync's generator tells done now:
    /// those before the one it goes through with no hard-link name still
    /// waiting for its leader.
    fn lists_done(&mut self) {
        let Some(lists) = &mut self.lists else {
            return;
        };
        let waiting: Vec<Option<usize>> = self
            .hl
            .pending
            .values()
            .chain(self.hl.after.values())
            .flatten()
            .map(|&f| lists.of(f))
            .collect();
        for _ in 0..lists.check(|list| waiting.contains(&list)) {
            if self.list_lines {
                self.progress.list_done(&mut self.log);
            }
        }
    }

    /// Whether backups go to a directory inside the destination, made
    /// as the transfer goes (not with --delete-delay, where rsync's
    /// generator fixes every directory's time at the end).
    fn backup_dir_inside(&self) -> bool {
        let Some(d) = &self.a.backup_dir else {
            return false;
        };
        let dir = Path::new(d);
        !self.a.dry_run
            && self.a.delete != Some(DeleteWhen::Delay)
            && !dir.is_absolute()
            && !lexical(dir).starts_with("..")
    }

    /// rsync's generator fixes a directory's time when it is done with
    /// the directory's list (incremental recursion): where a backup
    /// directory is made in it after that, its time stays the time the
    /// backup directory was made. Done, for the generator's own backups:
    /// told done, with no file in transfer (the receiver lags behind);
    /// for the receiver's, at item `at`: a list before `at`'s. With -t,
    /// what stands in the way of a directory is backed up while the list
    /// the directory is in is gone through (not done then), before the
    /// lists told done as the directory's own list begins (`done_before`
    /// of them were told before).
    fn backups_made(&mut self, at: usize, done_before: usize) {
        let made = std::mem::take(&mut *self.backups_made.borrow_mut());
        let Some(lists) = &self.lists else {
            return;
        };
        let at_list = if self.starts_list(at) {
            Some(at)
        } else {
            lists.of(at)
        };
        let early = self.starts_list(at) && self.a.times && !self.a.omit_dir_times;
        let bak_root = self
            .a
            .backup_dir
            .as_ref()
            .map(|d| lexical(&self.dst.join(d)));
        for b in made {
            // A directory of the backup tree is none of the list's (and
            // the search below is over the whole list).
            if bak_root
                .as_ref()
                .is_some_and(|r| lexical(&b.dir).starts_with(r))
            {
                continue;
            }
            let rel = self.rel_of(&b.dir);
            let Some(d) = self
                .sent
                .items
                .iter()
                .position(|it| it.is_dir() && it.path == rel)
            else {
                continue;
            };
            let list = (!rel.is_empty()).then_some(d);
            let done = match b.side {
                Side::Generator => {
                    let told = if early && b.rel == self.item(at).path {
                        lists.was_done(list, done_before) && lists.of(at) != list
                    } else {
                        lists.is_done(list)
                    };
                    told && !self.sending.contains(&list)
                }
                Side::Receiver => at_list != list && (list.is_none() || at > d),
            };
            if done {
                self.dirs.retain(|&x| x != d);
            }
        }
    }

    /// A backup of `rel` made its directories in `made_in` (see
    /// `backups_made`).
    pub(super) fn backup_made_in(&mut self, made_in: Option<PathBuf>, side: Side, rel: &[u8]) {
        note_backup(&self.backups_made, made_in, side, rel);
    }

    /// Item `i` is sent (see `backups_made`).
    pub(super) fn sending(&mut self, i: usize) {
        if let Some(lists) = &self.lists {
            self.sending.insert(lists.of(i));
        }
    }

    pub(super) fn one(&mut self, i: usize) -> Result<(), FilterError> {
        let it = self.item(i);
        self.progress
            .at(self.positions.get(i).copied().unwrap_or(i));
        if it.is_dir() && self.sent.error_dirs.contains(&it.path)
            || self.io.from.is_some_and(|from| i >= from)
        {
            self.io.known = true;
        }
        if let Some(sd) = self.skip_dir {
            if self.is_below(i, sd) {
                self.hl_dropped(i);
                return Ok(());
            }
            self.skip_dir = None;
        }
        self.stat_err = None;
        let dpath = self.dst_path(it);
        if self.a.relative && !self.a.implied_dirs && !self.dry() {
            // --no-implied-dirs: a missing parent is made as rsync's
            // make_path makes it (default permissions, not itemized).
            self.make_parents(&dpath);
        }
        let in_missing = self.dry_missing.is_some_and(|d| self.is_below(i, d));
        if in_missing {
            self.parent_dirname = None;
        } else {
            self.dry_missing = None;
            if !self.a.perms {
                self.read_default_acl(it);
            }
        }
        let in_fresh = self.fresh.is_some_and(|d| self.is_below(i, d));
        if !in_fresh {
            self.fresh = None;
        }
        let not_there = in_missing || in_fresh || (it.path.is_empty() && self.root_created);
        let Some((st, enoent)) = self.dest_stat(i, &dpath, not_there) else {
            return Ok(());
        };
        // The root this run created exists for --existing.
        let created_root = it.path.is_empty() && self.root_created && !self.dry();
        if self.a.existing && st.is_none() && enoent && !created_root {
            if self.log.info.skip() >= 1 {
                let what = if it.is_dir() { "directory" } else { "file" };
                let line = format!("not creating new {what} \"{}\"", show(&it.path));
                self.log.info_server(&line);
            }
            if it.is_dir() {
                self.skip_dir = Some(i);
            } else {
                self.hl_dropped(i);
            }
            return Ok(());
        }
        if self.a.ignore_existing
            && st.is_some()
            && !(it.is_dir() && st.as_ref().is_some_and(|m| m.is_dir()))
        {
            if self.log.info.skip() >= 1 {
                self.log.info_server(&format!("{} exists", show(&it.path)));
            }
            if it.is_dir() {
                // A directory passed over is not a missing one: rsync's
                // touch_up_dirs (generator.c) still fixes its permissions
                // and sets its time at the end on whatever is there, a
                // symlink (its own time), file or fifo alike: it only
                // passes over a directory flagged FLAG_MISSING_DIR.
                if self.a.implied_dirs || !it.implied {
                    self.dirs.push(i);
                }
                return self.ignored_dir(i);
            }
            self.hl_dropped(i);
            return Ok(());
        }
        self.by_kind(i, &dpath, st)
    }

    /// What is at `dpath` for item `i` (None when `not_there`: below a
    /// directory made or missing in this run), and whether a missing
    /// entry is missing as ENOENT (--existing skips only that one:
    /// rsync's stat_errno test). None: a stat error reported, the item
    /// passed over.
    fn dest_stat(
        &mut self,
        i: usize,
        dpath: &Path,
        not_there: bool,
    ) -> Option<(Option<fs::Metadata>, bool)> {
        let it = self.item(i);
        // Whether a missing entry is missing as ENOENT (--existing skips
        // only that one: rsync's stat_errno test).
        let mut enoent = true;
        let st = if not_there {
            None
        } else {
            match fs::symlink_metadata(dpath) {
                // -K: a symlink to a directory stands for the directory
                // (rsync's link_stat with keep_dirlinks).
                Ok(md) if self.a.keep_dirlinks && it.is_dir() && md.is_symlink() => Some(
                    fs::metadata(dpath)
                        .ok()
                        .filter(|m| m.is_dir())
                        .unwrap_or(md),
                ),
                Ok(md) => Some(md),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                // A directory is itemized as new, its mkdir then fails;
                // a symlink, device or special is created and that fails
                // (only a regular file's stat error is reported as such).
                Err(_) if it.kind != Kind::File => {
                    enoent = false;
                    None
                }
                // A regular file's stat error is reported once nothing
                // else took it (`file`).
                Err(e) if self.hl_role(i) != Some(false) => {
                    enoent = false;
                    self.stat_err = Some(e);
                    None
                }
                Err(e) => {
                    self.error(&format!(
                        "rsync: [generator] recv_generator: failed to stat \"{}\": {}",
                        super::abs(dpath).display(),
                        super::os_error(&e)
                    ));
                    if it.is_dir() {
                        self.skip_dir = Some(i);
                    }
                    return None;
                }
            }
        };
        Some((st, enoent))
    }

    /// Item `i` as its kind asks: a directory, a regular file (or a
    /// hard link's follower), a symlink, device or special, or skipped.
    fn by_kind(
        &mut self,
        i: usize,
        dpath: &Path,
        st: Option<fs::Metadata>,
    ) -> Result<(), FilterError> {
        let it = self.item(i);
        match it.kind {
            // --no-implied-dirs: rsync's generator passes over the
            // directories sent as implied (FLAG_IMPLIED_DIR).
            Kind::Dir if it.implied && !self.a.implied_dirs => {}
            Kind::Dir => self.dir(i, dpath, st)?,
            Kind::File => match self.hl_role(i) {
                Some(false) => self.hl_follower(i),
                _ => self.file(i, dpath, st),
            },
            Kind::Symlink if self.a.links => {
                let target = it.link.as_deref().unwrap_or_default();
                if self.a.safe_links && super::flist::unsafe_symlink(target, &it.path) {
                    if self.log.info.name() >= 1 {
                        self.log.info_server(&format!(
                            "ignoring unsafe symlink \"{}\" -> \"{}\"",
                            show(&it.path),
                            show(target)
                        ));
                    }
                    return Ok(());
                }
                self.nonreg(i, dpath, st)
            }
            // --drop-D: the receiver creates no devices or specials.
            Kind::Device if self.a.devices && self.who.root && !self.a.more.drop_d => {
                self.nonreg(i, dpath, st)
            }
            Kind::Special if self.a.specials && !self.a.more.drop_d => self.nonreg(i, dpath, st),
            _ => {
                if self.log.info.nonreg() >= 1 {
                    self.log
                        .info_server(&format!("skipping non-regular file \"{}\"", show(&it.path)));
                }
            }
        }
        Ok(())
    }

    /// Without -p rsync's generator reads the default ACL of each new
    /// parent directory it reaches (`default_perms_for_dir`), warning
    /// when that fails: on stderr itself, the exit code unchanged.
    fn read_default_acl(&mut self, it: &Item) {
        let dn = parent_name(it);
        if self.parent_dirname.as_deref() == Some(dn) {
            return;
        }
        self.parent_dirname = Some(dn.to_vec());
        self.default_acl_warning(dn);
    }

    /// rsync's receiver does the same for each file it receives (its
    /// own parent_dirname): it warns again where the generator did, for
    /// a file sent below a file in the way.
    pub(super) fn recv_default_acl(&mut self, it: &Item) {
        let dn = parent_name(it);
        if self.a.perms || self.recv_dirname.as_deref() == Some(dn) {
            return;
        }
        self.recv_dirname = Some(dn.to_vec());
        self.default_acl_warning(dn);
    }

    fn default_acl_warning(&mut self, dn: &[u8]) {
        let full = match &self.solo {
            Some(p) => p
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
            None if dn == b"." => self.dst.clone(),
            None => join(&self.dst, dn),
        };
        if let Some(e) = super::acls::default_acl_error(&full, self.dry()) {
            // strerror's text alone (no errno number).
            let e = std::io::Error::from_raw_os_error(e.raw_os_error()).to_string();
            let text = e.split(" (os error ").next().unwrap_or_default();
            self.log.error_server(&format!(
                "default_perms_for_dir: sys_acl_get_file({}, ACL_TYPE_DEFAULT): {text}, \
                 falling back on umask",
                show(dn)
            ));
        }
    }

    pub(super) fn rel_of(&self, p: &Path) -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        p.strip_prefix(&self.dst)
            .unwrap_or(p)
            .as_os_str()
            .as_bytes()
            .to_vec()
    }

    pub(super) fn dir(
        &mut self,
        i: usize,
        dpath: &Path,
        st: Option<fs::Metadata>,
    ) -> Result<(), FilterError> {
        let it = self.item(i);
        let mut st = st;
        if let Some(md) = &st {
            if !md.is_dir() {
                if !self.remove_for_replace(dpath, md, Kind::Dir) {
                    self.log
                        .error_server("*** Skipping any contents from this failed directory ***");
                    self.skip_dir = Some(i);
                    return Ok(());
                }
                st = None;
            }
        }
        let is_new = st.is_none();
        if is_new && self.dry() && self.dry_missing.is_none() {
            self.dry_missing = Some(i);
        }
        let mut cmp = st.clone().map(|md| (dpath.to_path_buf(), md));
        let mut itemize = true;
        if is_new && !self.alt_roots.is_empty() {
            match self.alt_match(it) {
                Some((p, md, 3)) => {
                    itemize = false;
                    self.report_exact(i, &p, &md, LOCAL_CHANGE | MATCHED);
                    cmp = Some((p, md));
                }
                Some((p, md, _)) => cmp = Some((p, md)),
                None => {}
            }
        }
        if cmp.is_some() && is_new && self.dry() && self.a.xattrs > 0 && !it.path.is_empty() {
            // rsync's generator copies an alt-dest directory's xattrs to
            // the new one (gen_entry_copy_xattrs), even in a dry run,
            // where that directory is not there to open: through its
            // parent's held descriptor when the parent exists, else by
            // its secure path walk.
            if let Some(e) = self.dry_copy_xattrs(&it.path, dpath, &cmp) {
                self.error(&e);
            }
        }
        if itemize {
            let base = if is_new { LOCAL_CHANGE } else { 0 };
            let iflags = self.flags(it, cmp.as_ref().map(|(p, m)| (p.as_path(), m)), base);
            self.report(i, iflags, None, 0);
        }
        if is_new {
            if !(self.dry() || it.path.is_empty() && self.root_created) {
                use std::os::unix::fs::DirBuilderExt;
                let mode = it.mode & 0o7777 | if self.who.root { 0 } else { 0o700 };
                if let Err(e) = fs::DirBuilder::new().mode(mode).create(dpath) {
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        self.error(&format!(
                            "rsync: [generator] recv_generator: mkdir \"{}\" failed: {}",
                            super::abs(dpath).display(),
                            super::os_error(&e)
                        ));
                        self.log.error_server(
                            "*** Skipping any contents from this failed directory ***",
                        );
                        self.skip_dir = Some(i);
                        return Ok(());
                    }
                } else if self.fresh.is_none() && self.may_trust_fresh() {
                    self.fresh = Some(i);
                }
            } else if !self.dry() && self.fresh.is_none() && self.may_trust_fresh() {
                // The root, made before the run.
                self.fresh = Some(i);
            }
        }
        if !self.dry() && is_new && self.a.xattrs > 0 && dpath.is_dir() {
            // rsync's generator copies the alt-dest directory's xattrs to
            // the new one (gen_entry_copy_xattrs, copy_xattrs: every
            // name but system.*, or user.* alone when not root); its
            // receiver then only sets those that differ from the
            // source's (so a new directory's mode without -p stays
            // dest_mode's when they are the same).
            if let Some((p, _)) = cmp.as_ref().filter(|(p, _)| p.as_path() != dpath) {
                let scope = super::xattrs::Scope {
                    root: self.who.root,
                    twice: true,
                    sender: false,
                };
                if let Err(e) = super::xattrs::copy_onto(p, dpath, scope) {
                    self.error(&e);
                }
            }
        }
        if !self.dry() {
            let old = st.as_ref().map(|m| m.mode());
            let m = self.src_meta(it);
            if let Err(e) = attrs::set(dpath, &self.want(it, old, How::Check, &m)) {
                self.error(&e);
            }
            // Writable while filling it; fixed at the end.
            if !self.who.root && it.mode & 0o700 != 0o700 {
                let _ = rustix::fs::chmod(
                    dpath,
                    rustix::fs::Mode::from_raw_mode((it.mode | 0o700) as _),
                );
            }
        }
        self.dirs.push(i);
        // A dry run's missing directory is not looked at (rsync's
        // FLAG_MISSING_DIR): no I/O error note for it.
        let missing = is_new && self.dry();
        self.delete_during(i, is_new, missing)
    }

    /// --ignore-existing passes over a directory with a non-directory in
    /// its place (rsync's generator leaves it before its directory code,
    /// flagging nothing): the contents are still gone through, and with
    /// incremental recursion its list's deletion opens it (delete_in_dir
    /// as each list starts): a file there fails that opendir. (Its time
    /// is set on that file at the end, as rsync's touch_up_dirs does.)
    fn ignored_dir(&mut self, i: usize) -> Result<(), FilterError> {
        if self.inc {
            self.delete_during(i, false, false)?;
        }
        Ok(())
    }

    /// rsync's delete_in_dir for a directory the generator reaches, with
    /// --delete-during or --delete-delay.
    fn delete_during(&mut self, i: usize, is_new: bool, missing: bool) -> Result<(), FilterError> {
        let it = self.item(i);
        if let Some(del) = &mut self.del {
            if self.a.delete == Some(DeleteWhen::During) || del.delay {
                // rsync's delete_in_dir runs for new directories too: the
                // I/O error note comes even with nothing to delete.
                if it.content && self.io.known && !self.a.ignore_errors && !missing {
                    if !self.io.warned {
                        self.io.warned = true;
                        self.log
                            .info_server("IO error encountered -- skipping file deletion");
                    }
                    del.enter(&it.path)?;
                } else if it.content && !is_new {
                    let names = super::delete::names_in(&self.sent.items, i);
                    del.delete_in_dir(&it.path, &names)?;
                } else {
                    del.enter(&it.path)?;
                }
                self.drain_deletions();
            }
        }
        Ok(())
    }

    /// rsync's gen_entry_copy_xattrs in a dry run, for a new directory
    /// matched in an alt-dest directory (`cmp`): its parent held as
    /// rsync's generator holds it (`xattrs::held_dir`: through symlinks
    /// in the tree, so also below a directory the dry run would have made
    /// in a symlink's place), then what a dry run leaves at its name
    /// opened there (`openat`, O_NOFOLLOW): nothing fails with ENOENT, a
    /// symlink with ELOOP, another entry gets the alt-dest directory's
    /// xattrs. A parent not found fails its secure path walk with that
    /// walk's error. (A destination a dry run did not make: rsync stays
    /// where it is, where the top-level names are not.) The error to
    /// report, if any.
    fn dry_copy_xattrs(
        &self,
        path: &[u8],
        dpath: &Path,
        cmp: &Option<(PathBuf, fs::Metadata)>,
    ) -> Option<String> {
        use rustix::fs::{Mode, OFlags};
        use std::os::unix::ffi::OsStrExt;
        let failed = |how: &str, close: &str, e: rustix::io::Errno| {
            let e = std::io::Error::from_raw_os_error(e.raw_os_error());
            Some(format!(
                "rsync: [generator] gen_entry_copy_xattrs: {how}\"{}\"{close} failed: {}",
                super::abs(dpath).display(),
                super::os_error(&e)
            ))
        };
        let (parent, leaf) = match path.iter().rposition(|&b| b == b'/') {
            Some(k) => (&path[..k], &path[k + 1..]),
            None => (&path[..0], path),
        };
        if self.root_created {
            return match parent.is_empty() {
                true => failed("openat(", ")", rustix::io::Errno::NOENT),
                false => failed("secure open of ", "", rustix::io::Errno::NOENT),
            };
        }
        let dir = match super::xattrs::held_dir(&self.dst, parent) {
            Ok(fd) => fd,
            Err(e) => return failed("secure open of ", "", e),
        };
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
        let name = std::ffi::OsStr::from_bytes(leaf);
        if let Err(e) = rustix::fs::openat(&dir, name, flags | OFlags::CLOEXEC, Mode::empty()) {
            return failed("openat(", ")", e);
        }
        let (src, _) = cmp.as_ref()?;
        let scope = super::xattrs::Scope {
            root: self.who.root,
            twice: true,
            sender: false,
        };
        super::xattrs::copy_onto(src, dpath, scope).err()
    }

    /// Whether a directory this run made stays empty but for its items:
    /// not when other names are made in it (the staging directory of
    /// --delay-updates or --partial-dir, backups).
    fn may_trust_fresh(&self) -> bool {
        !(self.a.delay_updates || self.a.partial_dir.is_some() || self.a.backup)
    }

    /// Deletions before or after the transfer: every content directory.
    pub(super) fn delete_pass(&mut self) -> Result<(), FilterError> {
        if self.del.is_none() {
            return Ok(());
        }
        for i in 0..self.sent.items.len() {
            let it = self.item(i);
            if !it.is_dir() {
                continue;
            }
            let exists = fs::symlink_metadata(self.dst_path(it)).is_ok_and(|m| m.is_dir());
            let del = self.del.as_mut().expect("checked");
            if it.content && exists && self.sent.io_error && !self.a.ignore_errors {
                if !self.io.warned {
                    self.io.warned = true;
                    self.log
                        .info_server("IO error encountered -- skipping file deletion");
                }
                del.enter(&it.path)?;
            } else if it.content && exists {
                let names = super::delete::names_in(&self.sent.items, i);
                del.delete_in_dir(&it.path, &names)?;
            } else {
                del.enter(&it.path)?;
            }
            self.drain_deletions();
        }
        Ok(())
    }

    /// Prints what deletion did, as rsync's `log_delete`.
    pub(super) fn drain_deletions(&mut self) {
        let Some(del) = &mut self.del else {
            return;
        };
        let events = std::mem::take(&mut del.lines);
        if std::mem::take(&mut del.io_error) {
            // A failed opendir: the generator deletes no more.
            self.io.known = true;
        }
        if del.skipped > 0 {
            self.out.del_limit = true;
        }
        for e in events {
            match e {
                Del::Deleted(path, kind) => self.log_deleted(path, kind),
                Del::Note(s) => self.log.info_server(&s),
                Del::Error(s) => self.error(&s),
            }
        }
    }

    /// Logs one deletion as rsync's `log_delete`.
    pub(super) fn log_deleted(&mut self, path: Vec<u8>, kind: Kind) {
        if let Some(dels) = &mut self.receiver_dels {
            dels.push((path, kind));
            return;
        }
        self.stats.deleted.add(kind);
        let mut item = self.sent.items[0].clone();
        item.kind = kind;
        item.path = path;
        item.size = 0;
        self.log.deletion(&item, self.a.times);
    }

    /// rsync's `quick_check_ok`.
    pub(super) fn quick_check(&self, it: &Item, md: &fs::Metadata, path: &Path) -> bool {
        match it.kind {
            Kind::File => {
                if md.len() != it.size || !md.is_file() {
                    return false;
                }
                if self.a.checksum {
                    return transfer::same_content(&self.sent.src_path(it), path).unwrap_or(false);
                }
                if self.a.size_only {
                    return true;
                }
                !self.a.ignore_times && !attrs::mtime_differs(it, md)
            }
            Kind::Dir => true,
            Kind::Symlink => fs::read_link(path)
                .ok()
                .is_some_and(|t| Some(t.as_os_str().as_encoded_bytes()) == it.link.as_deref()),
            Kind::Special => {
                Kind::of(md) == Kind::Special && md.mode() & 0o170000 == it.mode & 0o170000
            }
            Kind::Device => md.rdev() == it.rdev && md.mode() & 0o170000 == it.mode & 0o170000,
        }
    }

    /// Directory times and permissions, once their contents are in.
    pub(super) fn fix_dirs(&mut self) {
        if self.dry() {
            return;
        }
        for i in std::mem::take(&mut self.dirs) {
            let it = self.item(i);
            let p = self.dst_path(it);
            let link = fs::symlink_metadata(&p).is_ok_and(|m| m.is_symlink());
            // rsync's chmod here follows no symlink.
            if !self.who.root && it.mode & 0o700 != 0o700 && !link {
                let old = fs::symlink_metadata(&p).ok().map(|m| m.mode());
                let perms = attrs::dest_perms(self.a, &self.who, it, old);
                let _ = rustix::fs::chmod(&p, rustix::fs::Mode::from_raw_mode(perms as _));
            }
            if self.a.times && !self.a.omit_dir_times {
                // rsync's touch_up_dirs: where the time differs as
                // --modify-window sees it.
                if let Ok(md) = fs::symlink_metadata(&p) {
                    if attrs::mtime_differs(it, &md) {
                        if let Err(e) = attrs::set_mtime(&p, it) {
                            self.error(&e);
                        }
                    }
                }
            }
        }
    }
}

/// The name of an item's parent directory ("." at the top).
fn parent_name(it: &Item) -> &[u8] {
    match it.path.iter().rposition(|&b| b == b'/') {
        Some(k) => &it.path[..k],
        None => b".",
    }
}

/// The directories backup directories were made in (see
/// `Engine::backups_made`).
pub(super) type BackupsMade = std::rc::Rc<std::cell::RefCell<Vec<BackupMade>>>;

/// Notes that a backup of `rel` made its directories in `made_in`.
pub(super) fn note_backup(made: &BackupsMade, made_in: Option<PathBuf>, side: Side, rel: &[u8]) {
    if let Some(dir) = made_in {
        made.borrow_mut().push(BackupMade {
            dir,
            side,
            rel: rel.to_vec(),
        });
    }
}

pub(super) struct BackupMade {
    /// Where the first backup directory was made.
    pub dir: PathBuf,
    /// Which of rsync's processes made the backup.
    pub side: Side,
    /// What was backed up.
    pub rel: Vec<u8>,
}

/// `a/b/../c` as `a/c`, without asking the file system.
pub(super) fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}
