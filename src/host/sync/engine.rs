//! The receiving side of a local transfer: rsync's generator and receiver
//! in one pass over the sorted file list (a port of `recv_generator` in
//! rsync's generator.c, with `finish_transfer` from receiver.c). Each
//! item is compared with the destination, itemized, and created, updated
//! or left alone; directory times are fixed at the end.

use super::args::{AltDest, DeleteWhen, SyncArgs};
use super::attrs::{self, Who};
use super::delete::{Del, Deleter};
use super::flist::{join, show, Item, Kind, Sent};
use super::itemize::*;
use super::log::Log;
use super::stats::Stats;
use super::transfer::{self, Failed, Method};
use crate::filter::FilterError;
use std::collections::{HashMap, HashSet};
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
    pub(super) del: Option<Deleter<'a>>,
    pub(super) dry_missing: Option<usize>,
    pub(super) skip_dir: Option<usize>,
    pub(super) dirs: Vec<usize>,
    pub(super) delayed: Vec<(tempfile::TempPath, PathBuf)>,
    pub(super) delay_dirs: HashSet<PathBuf>,
    pub(super) hl_leader: HashMap<(u64, u64), usize>,
    pub(super) hl_state: HashMap<(u64, u64), Option<usize>>,
    pub(super) hl_pending: HashMap<(u64, u64), Vec<usize>>,
    pub(super) alt_roots: Vec<PathBuf>,
    /// `--delay-updates -H`: links made once their leader is in place.
    pub(super) delayed_links: Vec<(usize, usize)>,
    /// Whether the generator knows of a sender I/O error yet (then it
    /// deletes nothing), and whether it said so.
    io_known: bool,
    io_warned: bool,
    /// rsync's incremental recursion (off for -m, --delete-before/after).
    inc: bool,
}

pub(super) enum AltResult {
    Done,
    Basis(PathBuf, fs::Metadata),
    Nothing,
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
        let total = sent.items.len();
        Engine {
            a,
            who: Who::current(),
            sent,
            dst,
            solo: None,
            root_created: false,
            progress: super::progress::Progress::new(a, total),
            log,
            stats: Stats::default(),
            out: Outcome::default(),
            del: None,
            dry_missing: None,
            skip_dir: None,
            dirs: Vec::new(),
            delayed: Vec::new(),
            delay_dirs: HashSet::new(),
            hl_leader: HashMap::new(),
            hl_state: HashMap::new(),
            hl_pending: HashMap::new(),
            alt_roots,
            delayed_links: Vec::new(),
            io_known: false,
            io_warned: false,
            inc: a.recursive
                && !a.prune_empty_dirs
                && !matches!(a.delete, Some(DeleteWhen::Before) | Some(DeleteWhen::After)),
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

    /// Whether item `i` is inside directory item `d`.
    pub(super) fn is_below(&self, i: usize, d: usize) -> bool {
        let (p, dp) = (&self.item(i).path, &self.item(d).path);
        dp.is_empty() || (p.len() > dp.len() && p.starts_with(dp) && p[dp.len()] == b'/')
    }

    pub(super) fn error(&mut self, msg: &str) {
        self.log.error(msg);
        self.out.partial = true;
    }

    /// Logs an item as rsync's sender does (`maybe_log_item`/`log_item`).
    pub(super) fn report(&mut self, i: usize, iflags: u32, hlink: Option<&[u8]>, bytes: u64) {
        let it = self.item(i);
        let significant = iflags & SIGNIFICANT != 0;
        let has_i = self.log.has_i;
        let see = has_i > 0 && (significant || has_i > 1 || hlink.is_some());
        let local = iflags & LOCAL_CHANGE != 0 && significant;
        let show_it = see
            || local
            || hlink.is_some()
            || iflags & TRANSFER != 0
            || (it.is_dir() && significant);
        if !(show_it || (self.log.name >= 2 && has_i > 0)) {
            return;
        }
        let li = LogItem {
            item: it,
            name: &it.path,
            iflags,
            op: "send",
            bytes,
            hlink,
            times: self.a.times,
            human: self.log.human,
        };
        self.log.item(&li, true);
    }

    /// The flags comparing an item with what the destination holds.
    pub(super) fn flags(&self, it: &Item, md: Option<&fs::Metadata>, mut iflags: u32) -> u32 {
        let Some(md) = md else {
            return iflags | IS_NEW;
        };
        if it.kind == Kind::File && md.len() != it.size {
            iflags |= REPORT_SIZE;
        }
        let d = attrs::diff(self.a, &self.who, it, md);
        let keep_time = self.a.times && !(it.kind == Kind::Dir && self.a.omit_dir_times);
        let time = if keep_time {
            d.time
        } else {
            iflags & (TRANSFER | LOCAL_CHANGE) != 0 && iflags & MATCHED == 0
        };
        if time {
            iflags |= REPORT_TIME;
        }
        if d.perms {
            iflags |= REPORT_PERMS;
        }
        if d.owner {
            iflags |= REPORT_OWNER;
        }
        if d.group {
            iflags |= REPORT_GROUP;
        }
        iflags
    }

    pub(super) fn set_attrs(&mut self, path: &Path, it: &Item, old_perms: Option<u32>) {
        if self.dry() {
            return;
        }
        if let Err(e) = attrs::set(path, it, self.a, &self.who, old_perms, false) {
            self.error(&e);
        }
    }

    /// Runs the generator over the whole list.
    pub fn run(&mut self) -> Result<(), FilterError> {
        self.io_known = if self.inc {
            self.sent.error_dirs.contains(&b""[..])
        } else {
            self.sent.io_error
        };
        self.plan_hard_links();
        if self.a.delete == Some(DeleteWhen::Before) {
            self.delete_pass()?;
        }
        for i in 0..self.sent.items.len() {
            self.one(i)?;
        }
        self.finish_delayed();
        for (f, leader) in std::mem::take(&mut self.delayed_links) {
            self.link_to(f, leader);
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

    pub(super) fn one(&mut self, i: usize) -> Result<(), FilterError> {
        let it = self.item(i);
        self.progress.at(i);
        if it.is_dir() && self.sent.error_dirs.contains(&it.path) {
            self.io_known = true;
        }
        if let Some(sd) = self.skip_dir {
            if self.is_below(i, sd) {
                self.hl_skipped(i);
                return Ok(());
            }
            self.skip_dir = None;
        }
        let dpath = self.dst_path(it);
        let in_missing = self.dry_missing.is_some_and(|d| self.is_below(i, d));
        if !in_missing {
            self.dry_missing = None;
        }
        let st = if in_missing || (it.path.is_empty() && self.root_created) {
            None
        } else {
            match fs::symlink_metadata(&dpath) {
                Ok(md) => Some(md),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                // A directory is itemized as new, its mkdir then fails.
                Err(_) if it.is_dir() => None,
                Err(e) => {
                    self.error(&format!(
                        "rsync: [generator] recv_generator: failed to stat \"{}\": {}",
                        abs(&dpath).display(),
                        super::os_error(&e)
                    ));
                    if it.is_dir() {
                        self.skip_dir = Some(i);
                    }
                    return Ok(());
                }
            }
        };
        // The root this run created exists for --existing.
        let created_root = it.path.is_empty() && self.root_created && !self.dry();
        if self.a.existing && st.is_none() && !created_root {
            if it.is_dir() {
                self.skip_dir = Some(i);
            } else {
                self.hl_skipped(i);
            }
            return Ok(());
        }
        if self.a.ignore_existing
            && st.is_some()
            && !(it.is_dir() && st.as_ref().is_some_and(|m| m.is_dir()))
        {
            self.hl_skipped(i);
            return Ok(());
        }
        match it.kind {
            Kind::Dir => self.dir(i, &dpath, st)?,
            Kind::File => {
                self.stats.total_size += it.size;
                match self.hl_role(i) {
                    Some(false) => self.hl_follower(i),
                    _ => self.file(i, &dpath, st),
                }
            }
            Kind::Symlink if self.a.links => {
                self.stats.total_size += it.link.as_ref().map_or(0, |l| l.len() as u64);
                self.nonreg(i, &dpath, st)
            }
            Kind::Device if self.a.devices && self.who.root => self.nonreg(i, &dpath, st),
            Kind::Special if self.a.specials => self.nonreg(i, &dpath, st),
            _ => {
                if !self.log.quiet {
                    self.log
                        .info(&format!("skipping non-regular file \"{}\"", show(&it.path)));
                }
            }
        }
        Ok(())
    }

    /// Removes what stands where an item of another type goes (rsync's
    /// `delete_item` with DEL_FOR_*): a directory only when empty, or
    /// recursively with --delete or --force.
    pub(super) fn remove_for_replace(
        &mut self,
        dpath: &Path,
        md: &fs::Metadata,
        new: Kind,
    ) -> bool {
        let rel = self.rel_of(dpath);
        if md.is_dir() {
            if self.a.delete.is_some() || self.a.force {
                // The contents go, each logged as a deletion; the
                // directory itself is not (rsync's DEL_MAKE_ROOM).
                self.purge_dir(dpath, &rel);
                if self.dry() {
                    return true;
                }
            }
            if self.dry() {
                let empty = fs::read_dir(dpath).is_ok_and(|mut d| d.next().is_none());
                if empty {
                    return true;
                }
            } else {
                match fs::remove_dir(dpath) {
                    Ok(()) => return true,
                    Err(e) if e.raw_os_error() != Some(39) => {
                        self.error(&format!(
                            "rsync: [generator] delete_file: rmdir({}) failed: {}",
                            show(&rel),
                            super::os_error(&e)
                        ));
                        return false;
                    }
                    Err(_) => {}
                }
            }
            self.log.info(&format!(
                "cannot delete non-empty directory: {}",
                show(&rel)
            ));
            let what = match new {
                Kind::File => "regular file",
                Kind::Symlink => "symlink",
                Kind::Dir => "directory",
                Kind::Device => "device",
                Kind::Special => "special file",
            };
            self.error(&format!(
                "could not make way for new {what}: {}",
                show(&rel)
            ));
            return false;
        }
        if self.dry() {
            return true;
        }
        if self.a.backup {
            return match self.make_backup(&rel) {
                Ok(_) => true,
                Err(e) => {
                    self.error(&e);
                    false
                }
            };
        }
        match fs::remove_file(dpath) {
            Ok(()) => true,
            Err(e) => {
                self.error(&format!(
                    "rsync: [generator] delete_file: unlink({}) failed: {}",
                    show(&rel),
                    super::os_error(&e)
                ));
                false
            }
        }
    }

    /// Deletes what a directory holds, deepest first in reverse list
    /// order as rsync's `delete_dir_contents`, logging each deletion.
    fn purge_dir(&mut self, dpath: &Path, rel: &[u8]) {
        use std::os::unix::ffi::OsStrExt;
        let Ok(rd) = fs::read_dir(dpath) else {
            return;
        };
        let mut ents: Vec<(Vec<u8>, Kind)> = rd
            .flatten()
            .filter_map(|e| {
                let md = fs::symlink_metadata(e.path()).ok()?;
                Some((
                    super::flist::child(rel, e.file_name().as_bytes()),
                    Kind::of(&md),
                ))
            })
            .collect();
        ents.sort_by(|a, b| {
            super::flist::f_name_cmp(&a.0, a.1 == Kind::Dir, &b.0, b.1 == Kind::Dir)
        });
        for (p, kind) in ents.into_iter().rev() {
            if let Some(del) = &self.del {
                // Protected (say, rsync's "P *~" for backups) stays.
                if del.filter.check(&p, kind == Kind::Dir, true).is_excluded() {
                    continue;
                }
            }
            let full = join(&self.dst, &p);
            if kind == Kind::Dir {
                self.purge_dir(&full, &p);
            }
            if !self.dry() {
                let r = if kind == Kind::Dir {
                    fs::remove_dir(&full)
                } else if self.a.backup {
                    self.make_backup(&p).map_err(std::io::Error::other)
                } else {
                    fs::remove_file(&full)
                };
                if let Err(e) = r {
                    self.error(&format!(
                        "rsync: [generator] delete_file: unlink({}) failed: {}",
                        show(&p),
                        super::os_error(&e)
                    ));
                    continue;
                }
            }
            self.log_deleted(p, kind);
        }
    }

    pub(super) fn shown(&self, p: &Path) -> String {
        show(&self.rel_of(p))
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
                        .error("*** Skipping any contents from this failed directory ***");
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
        let mut cmp = st.clone();
        let mut itemize = true;
        if is_new && !self.alt_roots.is_empty() {
            match self.alt_match(it, false) {
                Some((_, md, 3)) => {
                    itemize = false;
                    cmp = Some(md);
                }
                Some((_, md, _)) => cmp = Some(md),
                None => {}
            }
        }
        if itemize {
            let base = if is_new { LOCAL_CHANGE } else { 0 };
            let iflags = self.flags(it, cmp.as_ref(), base);
            self.report(i, iflags, None, 0);
        }
        if is_new {
            self.stats.created.add(Kind::Dir);
            if !self.dry() && !(it.path.is_empty() && self.root_created) {
                use std::os::unix::fs::DirBuilderExt;
                let mode = it.mode & 0o7777 | if self.who.root { 0 } else { 0o700 };
                if let Err(e) = fs::DirBuilder::new().mode(mode).create(dpath) {
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        self.error(&format!(
                            "rsync: [generator] recv_generator: mkdir \"{}\" failed: {}",
                            abs(dpath).display(),
                            super::os_error(&e)
                        ));
                        self.log
                            .error("*** Skipping any contents from this failed directory ***");
                        self.skip_dir = Some(i);
                        return Ok(());
                    }
                }
            }
        }
        if !self.dry() {
            let old = st.as_ref().map(|m| m.mode());
            if let Err(e) = attrs::set(dpath, it, self.a, &self.who, old, false) {
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
        if let Some(del) = &mut self.del {
            if self.a.delete == Some(DeleteWhen::During) || del.delay {
                if it.content && !is_new && self.io_known && !self.a.ignore_errors {
                    if !self.io_warned {
                        self.io_warned = true;
                        self.log
                            .info("IO error encountered -- skipping file deletion");
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
                if !self.io_warned {
                    self.io_warned = true;
                    self.log
                        .info("IO error encountered -- skipping file deletion");
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
        if del.skipped > 0 {
            self.out.del_limit = true;
        }
        for e in events {
            match e {
                Del::Deleted(path, kind) => self.log_deleted(path, kind),
                Del::Note(s) => self.log.info(&s),
                Del::Error(s) => self.error(&s),
            }
        }
    }

    /// Logs one deletion as rsync's `log_delete`.
    pub(super) fn log_deleted(&mut self, path: Vec<u8>, kind: Kind) {
        self.stats.deleted.add(kind);
        let verbose = self.a.verbose > 0 && !self.a.quiet;
        if !verbose && self.log.format.is_none() {
            return;
        }
        let mut item = self.sent.items[0].clone();
        item.kind = kind;
        item.path = path;
        item.size = 0;
        let li = LogItem {
            item: &item,
            name: &item.path,
            iflags: DELETED,
            op: "del.",
            bytes: 0,
            hlink: None,
            times: self.a.times,
            human: self.log.human,
        };
        if self.log.has_i > 0 || self.log.has_o {
            self.log.item(&li, true);
        } else {
            let line = render("deleting %n", &li);
            self.log.info(&line);
        }
    }

    /// rsync's `try_dests_reg`/`try_dests_non` search: the best match for
    /// an item in the --link-dest/--compare-dest/--copy-dest directories,
    /// with its level (1: same type, 2: same data, 3: same attributes too).
    pub(super) fn alt_match(
        &self,
        it: &Item,
        regular: bool,
    ) -> Option<(PathBuf, fs::Metadata, u8)> {
        let mut best: Option<(PathBuf, fs::Metadata, u8)> = None;
        for root in &self.alt_roots {
            let p = join(root, &it.path);
            let Ok(md) = fs::symlink_metadata(&p) else {
                continue;
            };
            if Kind::of(&md) != it.kind {
                continue;
            }
            let mut level = 1;
            if self.quick_check(it, &md, &p) {
                level = 2;
                let d = attrs::diff(self.a, &self.who, it, &md);
                if !(d.time || d.perms || d.owner || d.group) {
                    return Some((p, md, 3));
                }
            }
            if best.as_ref().is_none_or(|b| b.2 < level) {
                best = Some((p, md, level));
            }
            let _ = regular;
        }
        best
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

    /// Symlinks, devices and special files (created in place, atomically
    /// over what was there).
    pub(super) fn nonreg(&mut self, i: usize, dpath: &Path, st: Option<fs::Metadata>) {
        let it = self.item(i);
        let mut st = st;
        if let Some(md) = &st {
            if Kind::of(md) == it.kind && self.quick_check(it, md, dpath) {
                let iflags = self.flags(it, Some(md), 0);
                self.set_attrs(dpath, it, Some(md.mode()));
                self.report(i, iflags, None, 0);
                return;
            }
        }
        let mut cmp: Option<fs::Metadata> = None;
        let mut itemize = true;
        if st.is_none() && !self.alt_roots.is_empty() {
            if let Some((p, md, level)) = self.alt_match(it, false) {
                if level == 3 {
                    match self.a.alt_dest {
                        Some(AltDest::Compare) => return,
                        Some(AltDest::Link) => {
                            if self.dry() || fs::hard_link(&p, dpath).is_ok() {
                                return;
                            }
                        }
                        _ => itemize = false,
                    }
                }
                cmp = Some(md);
            }
        }
        if let Some(md) = &st {
            if md.is_dir() {
                if !self.remove_for_replace(dpath, md, it.kind) {
                    return;
                }
                st = None;
            } else if Kind::of(md) != it.kind {
                // itemized as new: a different type was there.
                cmp = None;
                st = Some(md.clone());
            } else {
                cmp = Some(md.clone());
            }
        }
        if !self.dry() {
            if let Err(e) = self.create_nonreg(it, dpath, st.is_some()) {
                self.error(&e);
                return;
            }
            self.set_attrs(dpath, it, None);
        }
        if cmp.is_none() {
            self.stats.created.add(it.kind);
        }
        if itemize {
            let iflags = self.flags(it, cmp.as_ref(), LOCAL_CHANGE | REPORT_CHANGE);
            self.report(i, iflags, None, 0);
        }
    }

    pub(super) fn create_nonreg(
        &mut self,
        it: &Item,
        dpath: &Path,
        replace: bool,
    ) -> Result<(), String> {
        let dir = dpath.parent().unwrap_or(Path::new("."));
        let name = dpath
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = if replace {
            if self.a.backup {
                let rel = self.rel_of(dpath);
                self.make_backup(&rel)?;
                dpath.to_path_buf()
            } else {
                dir.join(format!(".{name}.{}", std::process::id()))
            }
        } else {
            dpath.to_path_buf()
        };
        let r = match it.kind {
            Kind::Symlink => {
                use std::os::unix::ffi::OsStrExt;
                let target = it.link.clone().unwrap_or_default();
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&target), &tmp)
            }
            _ => attrs::mknod(&tmp, it),
        };
        r.map_err(|e| {
            let what = if it.kind == Kind::Symlink {
                "symlink"
            } else {
                "mknod"
            };
            format!(
                "rsync: [receiver] {what} \"{}\" failed: {}",
                dpath.display(),
                super::os_error(&e)
            )
        })?;
        if tmp != dpath {
            fs::rename(&tmp, dpath).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                format!(
                    "rsync: [receiver] rename \"{}\" -> \"{}\" failed: {}",
                    tmp.display(),
                    dpath.display(),
                    super::os_error(&e)
                )
            })?;
        }
        Ok(())
    }

    pub(super) fn file(&mut self, i: usize, dpath: &Path, st: Option<fs::Metadata>) {
        let it = self.item(i);
        let a = self.a;
        if a.max_size.is_some_and(|m| it.size > m) || a.min_size.is_some_and(|m| it.size < m) {
            self.hl_skipped(i);
            return;
        }
        if a.update {
            if let Some(md) = &st {
                if it.mtime < md.mtime() {
                    self.hl_skipped(i);
                    return;
                }
            }
        }
        let mut st = st;
        if let Some(md) = &st {
            if !md.is_file() {
                if !self.remove_for_replace(dpath, md, Kind::File) {
                    return;
                }
                st = None;
            }
        }
        let mut basis: Option<PathBuf> = st.as_ref().map(|_| dpath.to_path_buf());
        let mut cmp_st = st.clone();
        let mut alt_basis = false;
        if !self.alt_roots.is_empty() && (st.is_none() || a.alt_dest != Some(AltDest::Copy)) {
            match self.try_alt_file(i, dpath, st.as_ref()) {
                AltResult::Done => {
                    self.hl_done(i);
                    return;
                }
                AltResult::Basis(p, md) => {
                    basis = Some(p);
                    alt_basis = true;
                    // rsync itemizes against the basis it found.
                    cmp_st = Some(md);
                }
                AltResult::Nothing => {}
            }
        }
        let partial = self.partial_path(dpath);
        let partial_basis = partial
            .as_ref()
            .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_file()));
        if let (Some(md), false) = (&st, alt_basis) {
            if partial_basis.is_none() || st.is_some() {
                if self.quick_check(it, md, dpath) {
                    if let Some(p) = partial_basis {
                        if !self.dry() {
                            let _ = fs::remove_file(p);
                        }
                    }
                    let iflags = self.flags(it, Some(md), 0);
                    // -c: the times are set to the nanosecond (rsync's
                    // ATTRS_ACCURATE_TIME with --checksum).
                    if !self.dry() {
                        let accurate = a.checksum;
                        if let Err(e) =
                            attrs::set(dpath, it, a, &self.who, Some(md.mode()), accurate)
                        {
                            self.error(&e);
                        }
                    }
                    self.report(i, iflags, None, 0);
                    self.hl_done(i);
                    return;
                }
            }
        }
        if a.append > 0 {
            if let Some(md) = &cmp_st {
                if md.len() >= it.size {
                    self.hl_skipped(i);
                    return;
                }
            }
        }
        if let Some(p) = partial_basis {
            basis = Some(p.clone());
        }
        let mut iflags = TRANSFER;
        if a.checksum {
            iflags |= REPORT_CHANGE;
        }
        let iflags = self.flags(it, cmp_st.as_ref(), iflags);
        self.stats.transferred += 1;
        self.stats.transferred_size += it.size;
        if st.is_none() {
            self.stats.created.add(Kind::File);
        }
        if self.dry() {
            self.report(i, iflags, None, 0);
            self.progress.file_done(&mut self.log, it, it.size);
            self.hl_done(i);
            return;
        }
        match self.receive(it, dpath, st.as_ref(), basis.as_deref()) {
            Ok(sent) => {
                self.stats.literal += sent.literal;
                self.stats.matched += sent.matched;
                self.report(i, iflags, None, sent.literal);
                self.progress.file_done(&mut self.log, it, it.size);
                if let Some(p) = partial_basis {
                    let _ = fs::remove_file(p);
                    if let Some(d) = p.parent() {
                        let _ = fs::remove_dir(d);
                    }
                }
                self.hl_done(i);
            }
            Err(msg) => {
                if let Some(m) = msg {
                    self.error(&m);
                }
                self.hl_skipped(i);
            }
        }
    }

    /// rsync's `try_dests_reg` for a regular file.
    pub(super) fn try_alt_file(
        &mut self,
        i: usize,
        dpath: &Path,
        st: Option<&fs::Metadata>,
    ) -> AltResult {
        let it = self.item(i);
        let Some((p, md, level)) = self.alt_match(it, true) else {
            return AltResult::Nothing;
        };
        let kind = self.a.alt_dest.unwrap_or(AltDest::Compare);
        if level == 3 && kind != AltDest::Copy {
            if let Some(real) = st {
                if kind == AltDest::Link && real.dev() == md.dev() && real.ino() == md.ino() {
                    return AltResult::Nothing;
                }
                if !self.dry() && fs::remove_file(dpath).is_err() {
                    return AltResult::Nothing;
                }
            }
            if kind == AltDest::Link && !self.dry() && fs::hard_link(&p, dpath).is_err() {
                return self.alt_copy(i, &p, &md, dpath);
            }
            if kind == AltDest::Link && st.is_none() {
                // Not created in the destination's own counts: rsync
                // counts a hard-linked file as neither new nor sent.
            }
            return AltResult::Done;
        }
        if st.is_some() {
            return AltResult::Nothing;
        }
        if level >= 2 {
            return self.alt_copy(i, &p, &md, dpath);
        }
        AltResult::Basis(p, md)
    }

    /// Copies a file found in an alt-dest directory (rsync's
    /// `copy_altdest_file`), itemized as a local change.
    pub(super) fn alt_copy(
        &mut self,
        i: usize,
        from: &Path,
        md: &fs::Metadata,
        dpath: &Path,
    ) -> AltResult {
        let it = self.item(i);
        if !self.dry() {
            let r = (|| -> Result<(), String> {
                let mut src = fs::File::open(from).map_err(|e| e.to_string())?;
                let (tmp, file) = self.temp_for(dpath).map_err(|e| e.to_string())?;
                transfer::whole(&mut src, &file, &Method::default())
                    .map_err(|_| "copy failed".to_string())?;
                drop(file);
                attrs::set(&tmp, it, self.a, &self.who, None, true)?;
                tmp.persist(dpath).map_err(|e| e.to_string())?;
                Ok(())
            })();
            if let Err(e) = r {
                self.error(&format!(
                    "rsync: [receiver] copy_file {}: {e}",
                    from.display()
                ));
                return AltResult::Done;
            }
        }
        self.stats.created.add(Kind::File);
        let iflags = self.flags(it, Some(md), LOCAL_CHANGE);
        self.report(i, iflags, None, 0);
        AltResult::Done
    }

    /// The `--partial-dir` (or `--delay-updates`' `.~tmp~`) path of a file.
    pub(super) fn partial_path(&self, dpath: &Path) -> Option<PathBuf> {
        let dir = self
            .a
            .partial_dir
            .as_ref()
            .map(PathBuf::from)
            .or_else(|| self.a.delay_updates.then(|| PathBuf::from(".~tmp~")))?;
        let parent = dpath.parent().unwrap_or(Path::new("."));
        let base = if dir.is_absolute() {
            dir
        } else {
            parent.join(dir)
        };
        Some(base.join(dpath.file_name()?))
    }

    /// A temporary file next to `dpath` (rsync's `.NAME.XXXXXX`).
    pub(super) fn temp_for(&self, dpath: &Path) -> std::io::Result<(tempfile::TempPath, fs::File)> {
        let dir = dpath.parent().unwrap_or(Path::new("."));
        let name = dpath
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let t = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .rand_bytes(6)
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .tempfile_in(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            })?;
        let (file, path) = t.into_parts();
        Ok((path, file))
    }

    /// Receives one file's data into place. `Err(None)`: already
    /// reported (a vanished file).
    pub(super) fn receive(
        &mut self,
        it: &Item,
        dpath: &Path,
        st: Option<&fs::Metadata>,
        basis: Option<&Path>,
    ) -> Result<transfer::Sent, Option<String>> {
        let a = self.a;
        let src_path = self.sent.src_path(it);
        let mut src = match fs::File::open(&src_path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.log
                    .error(&format!("file has vanished: \"{}\"", src_path.display()));
                self.out.vanished = true;
                return Err(None);
            }
            Err(e) => {
                return Err(Some(format!(
                    "rsync: [sender] send_files failed to open \"{}\": {}",
                    src_path.display(),
                    super::os_error(&e)
                )))
            }
        };
        let m = Method {
            delta: a.whole_file == Some(false),
            block_size: a.block_size,
            sparse: a.sparse,
            bwlimit: a.bwlimit,
        };
        let old_perms = st.map(|m| m.mode());
        if a.inplace {
            if a.backup && st.is_some() {
                let rel = self.rel_of(dpath);
                self.backup_copy(&rel, dpath).map_err(Some)?;
            }
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(dpath)
                .map_err(|e| Some(write_err(dpath, &e)))?;
            let r = if a.append > 0 {
                transfer::append(&mut src, &file, &m)
            } else if st.is_some() && m.delta {
                transfer::inplace(&mut src, &file, &m)
            } else {
                file.set_len(0).map_err(|e| Some(write_err(dpath, &e)))?;
                transfer::whole(&mut src, &file, &m)
            };
            let mut sent = r.map_err(|e| Some(self.failed(e, &src_path, dpath)))?;
            drop(file);
            if a.append == 2 && !transfer::same_content(&src_path, dpath).unwrap_or(false) {
                // --append-verify: the whole file again when the check fails.
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(dpath)
                    .map_err(|e| Some(write_err(dpath, &e)))?;
                file.set_len(0).map_err(|e| Some(write_err(dpath, &e)))?;
                let mut src = fs::File::open(&src_path).map_err(|e| Some(e.to_string()))?;
                sent = transfer::whole(&mut src, &file, &m)
                    .map_err(|e| Some(self.failed(e, &src_path, dpath)))?;
            }
            if let Err(e) = attrs::set(dpath, it, a, &self.who, old_perms, true) {
                self.error(&e);
            }
            return Ok(sent);
        }
        let (tmp, file) = self
            .temp_for(dpath)
            .map_err(|e| Some(write_err(dpath, &e)))?;
        let r = match basis {
            Some(b) if m.delta => transfer::delta(&mut src, b, &file, &m),
            _ => transfer::whole(&mut src, &file, &m),
        };
        drop(file);
        let sent = match r {
            Ok(s) => s,
            Err(e) => {
                let msg = self.failed(e, &src_path, dpath);
                if a.partial {
                    let keep = self
                        .partial_path(dpath)
                        .unwrap_or_else(|| dpath.to_path_buf());
                    if let Some(d) = keep.parent() {
                        let _ = fs::create_dir_all(d);
                    }
                    let _ = tmp.persist(&keep);
                }
                return Err(Some(msg));
            }
        };
        if let Err(e) = attrs::set(&tmp, it, a, &self.who, old_perms, true) {
            self.error(&e);
        }
        if a.delay_updates {
            let staged = self.partial_path(dpath).expect("delay-updates has a dir");
            if let Some(d) = staged.parent() {
                let _ = fs::create_dir(d);
                self.delay_dirs.insert(d.to_path_buf());
            }
            let staged_tmp = match tmp.persist(&staged) {
                Ok(()) => tempfile::TempPath::try_from_path(&staged)
                    .map_err(|e| Some(write_err(&staged, &e)))?,
                Err(e) => return Err(Some(write_err(&staged, &e.error))),
            };
            self.delayed.push((staged_tmp, dpath.to_path_buf()));
            return Ok(sent);
        }
        if a.backup && st.is_some() {
            let rel = self.rel_of(dpath);
            self.make_backup(&rel).map_err(Some)?;
        }
        tmp.persist(dpath).map_err(|e| {
            Some(format!(
                "rsync: [receiver] rename \"{}\" -> \"{}\" failed: {}",
                e.path.display(),
                dpath.display(),
                super::os_error(&e.error)
            ))
        })?;
        Ok(sent)
    }

    pub(super) fn failed(&mut self, e: Failed, src: &Path, dst: &Path) -> String {
        match e {
            Failed::Read(e) => format!(
                "rsync: [sender] read errors mapping \"{}\": {}",
                src.display(),
                super::os_error(&e)
            ),
            Failed::Write(e) => {
                self.out.file_io = true;
                write_err(dst, &e)
            }
        }
    }

    /// `--delay-updates`: everything renamed into place at the end.
    pub(super) fn finish_delayed(&mut self) {
        for (tmp, dst) in std::mem::take(&mut self.delayed) {
            if self.a.backup && dst.exists() {
                let rel = self.rel_of(&dst);
                if let Err(e) = self.make_backup(&rel) {
                    self.error(&e);
                    continue;
                }
            }
            if let Err(e) = tmp.persist(&dst) {
                self.error(&format!(
                    "rsync: [receiver] rename \"{}\" -> \"{}\" failed: {}",
                    e.path.display(),
                    dst.display(),
                    super::os_error(&e.error)
                ));
            }
        }
        for d in std::mem::take(&mut self.delay_dirs) {
            let _ = fs::remove_dir(d);
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
            if !self.who.root && it.mode & 0o700 != 0o700 {
                let old = fs::symlink_metadata(&p).ok().map(|m| m.mode());
                let perms = attrs::dest_perms(self.a, &self.who, it, old);
                let _ = rustix::fs::chmod(&p, rustix::fs::Mode::from_raw_mode(perms as _));
            }
            if self.a.times && !self.a.omit_dir_times {
                if let Ok(md) = fs::symlink_metadata(&p) {
                    if md.mtime() != it.mtime {
                        if let Err(e) = attrs::set_mtime(&p, it) {
                            self.error(&e);
                        }
                    }
                }
            }
        }
    }

    /// Where a file's backup goes: next to it with the suffix, or under
    /// --backup-dir.
    pub(super) fn backup_path(&self, rel: &[u8]) -> PathBuf {
        use std::os::unix::ffi::OsStrExt;
        let mut name = rel.to_vec();
        name.extend_from_slice(&self.a.backup_suffix());
        match &self.a.backup_dir {
            Some(d) => {
                let root = if Path::new(d).is_absolute() {
                    PathBuf::from(d)
                } else {
                    self.dst.join(d)
                };
                root.join(std::ffi::OsStr::from_bytes(&name))
            }
            None => join(&self.dst, &name),
        }
    }

    /// Moves the destination's `rel` to its backup place.
    pub(super) fn make_backup(&self, rel: &[u8]) -> Result<(), String> {
        make_backup(&self.dst, &self.backup_path(rel), rel)
    }

    /// `--inplace -b`: the backup is a copy (the file is rewritten).
    pub(super) fn backup_copy(&self, rel: &[u8], dpath: &Path) -> Result<(), String> {
        let to = self.backup_path(rel);
        if let Some(d) = to.parent() {
            fs::create_dir_all(d).map_err(|e| e.to_string())?;
        }
        fs::copy(dpath, &to).map(|_| ()).map_err(|e| {
            format!(
                "rsync: [receiver] backup \"{}\" failed: {}",
                to.display(),
                super::os_error(&e)
            )
        })
    }
}

/// Renames `dst/rel` to `to`, making `to`'s directories (each with the
/// permissions and owner of the destination directory it stands for, as
/// rsync's `copy_valid_path`).
pub fn make_backup(dst: &Path, to: &Path, rel: &[u8]) -> Result<(), String> {
    let from = join(dst, rel);
    let mut missing = Vec::new();
    let mut d = to.parent();
    let mut r = rel.to_vec();
    while let Some(dir) = d {
        if dir.as_os_str().is_empty() || dir.exists() {
            break;
        }
        // The destination directory at the same depth.
        let cut = r.iter().rposition(|&b| b == b'/').unwrap_or(0);
        r.truncate(cut);
        missing.push((dir.to_path_buf(), join(dst, &r)));
        d = dir.parent();
    }
    for (dir, orig) in missing.into_iter().rev() {
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if let Ok(md) = fs::metadata(&orig) {
            if md.is_dir() && orig != dst {
                let _ =
                    rustix::fs::chmod(&dir, rustix::fs::Mode::from_raw_mode(md.mode() & 0o7777));
                let _ = std::os::unix::fs::lchown(&dir, Some(md.uid()), Some(md.gid()));
            }
        }
    }
    if fs::symlink_metadata(to).is_ok_and(|m| m.is_dir()) {
        let _ = fs::remove_dir_all(to);
    }
    fs::rename(&from, to).map_err(|e| {
        format!(
            "rsync: [receiver] rename \"{}\" -> \"{}\" failed: {}",
            from.display(),
            to.display(),
            super::os_error(&e)
        )
    })
}

fn abs(p: &Path) -> PathBuf {
    std::env::current_dir()
        .map(|d| d.join(p))
        .unwrap_or(p.to_path_buf())
}

/// `a/b/../c` as `a/c`, without asking the file system.
fn lexical(p: &Path) -> PathBuf {
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

fn write_err(p: &Path, e: &std::io::Error) -> String {
    format!(
        "rsync: [receiver] write failed on \"{}\": {}",
        p.display(),
        super::os_error(e)
    )
}
