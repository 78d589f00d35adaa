//! Regular files: rsync's quick check, the --link-dest/--compare-dest/
//! --copy-dest search, and receiving the data into place (temporary file
//! and rename, --inplace, --append, --partial, --delay-updates).

use super::args::AltDest;
use super::attrs::{self, How};
use super::delete::Side;
use super::engine::Engine;
use super::flist::{join, show, Item, Kind};
use super::itemize::*;
use super::transfer::{self, Failed, Method};
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

// A return value, moved once: FreeBSD's larger stat (248 bytes here) is
// not worth an allocation per file.
#[allow(clippy::large_enum_variant)]
pub(super) enum AltResult {
    /// Put in place from an alt-dest entry (linked or copied): rsync's
    /// generator reports it done (`try_dests_reg` returns -2) and, with
    /// -H, links the rest of its group to it (finish_hard_link).
    Done,
    /// An exact --compare-dest match: nothing made, and -H's group left
    /// unfinished (try_dests_reg returns -2 with no finish_hard_link).
    Exact,
    /// An alt-dest copy that failed (reported).
    Failed,
    Basis(PathBuf, fs::Metadata),
    Nothing,
}

impl Engine<'_> {
    /// -y: a similar file of the directory (with -yy, of the alt-dest
    /// directories too) as the basis of a new file, with its size as
    /// rsync's generator listed it.
    pub(super) fn fuzzy_basis(&mut self, it: &Item, dpath: &Path) -> Option<(PathBuf, u64)> {
        if self.a.more.fuzzy == 0 {
            return None;
        }
        // A bare name's directory is the current one (rsync's "."),
        // not the empty path read_dir fails on.
        let mut dirs = vec![super::fuzzy::dir_of(dpath).to_path_buf()];
        if self.a.more.fuzzy > 1 {
            let rel = Path::new(std::ffi::OsStr::from_bytes(&it.path));
            let rel_dir = rel.parent().unwrap_or(Path::new(""));
            dirs.extend(self.alt_roots.iter().map(|r| r.join(rel_dir)));
        }
        let name = match it.path.iter().rposition(|&b| b == b'/') {
            Some(k) => &it.path[k + 1..],
            None => &it.path[..],
        };
        self.fuzzy.find(dpath, name, &dirs, it.size, it.mtime)
    }

    pub(super) fn file(&mut self, i: usize, dpath: &Path, st: Option<fs::Metadata>) {
        let it = self.item(i);
        let a = self.a;
        let stat_err = self.stat_err.take();
        if let Some(why) = skip_reason(a, it, st.as_ref()) {
            if self.log.info.skip() >= 1 {
                // rsync's generator (--info=skip).
                let line = format!("{} is {why}", super::flist::show(&it.path));
                self.log.info_server(&line);
            }
            // rsync's generator passes over a name -u skips
            // (handle_skipped_hlink), not one a size limit does.
            if why == "newer" {
                self.hl_dropped(i);
            } else {
                self.hl_skipped(i);
            }
            return;
        }
        let mut st = st;
        if let Some(md) = st.as_ref().filter(|m| super::devices::writes_into(a, m)) {
            let md = md.clone();
            return self.write_device(i, dpath, &md);
        }
        if let Some(md) = &st {
            if !md.is_file() {
                if !self.remove_for_replace(dpath, md, Kind::File) {
                    return;
                }
                st = None;
            }
        }
        let Some(Bases {
            mut basis,
            cmp_st,
            alt: alt_basis,
            partial: partial_basis,
            fuzzy_size,
        }) = self.bases(i, dpath, st.as_ref())
        else {
            return;
        };
        let partial_basis = partial_basis.as_ref();
        if let Some(e) = stat_err.filter(|_| basis.is_none() && partial_basis.is_none()) {
            // rsync's generator: no basis found for a file it could not
            // stat (a missing one it would send).
            self.error(&format!(
                "rsync: [generator] recv_generator: failed to stat \"{}\": {}",
                super::abs(dpath).display(),
                super::os_error(&e)
            ));
            return;
        }
        if let (Some(md), false) = (&st, alt_basis) {
            if self.quick_check(it, md, dpath) {
                if let Some(p) = partial_basis {
                    if !self.dry() {
                        let _ = fs::remove_file(p);
                    }
                }
                self.up_to_date(i, dpath, md);
                return;
            }
        }
        if a.append > 0 {
            let have = cmp_st.as_ref().map(|(_, md)| md.len()).or(fuzzy_size);
            if have.is_some_and(|n| n >= it.size) {
                self.hl_dropped(i);
                return;
            }
        }
        if let Some(p) = partial_basis {
            basis = Some(p.clone());
        }
        let mut iflags = TRANSFER;
        if a.checksum {
            iflags |= REPORT_CHANGE;
        }
        let cmp = cmp_st.as_ref().map(|(p, m)| (p.as_path(), m));
        let iflags = self.flags(it, cmp, iflags);
        // rsync's generator marks the file it replaces as no fuzzy basis
        // only on the way to sending its block sums: not in a dry run,
        // nor for a whole file (a local transfer's default, unless
        // --no-whole-file, --append or --write-batch).
        let delta = a.whole_file == Some(false)
            || a.append > 0
            || (a.whole_file.is_none() && a.more.write_batch.is_some());
        if delta && !self.dry() {
            self.fuzzy.sending(dpath);
        }
        let in_place = st.is_some() && basis.as_deref() == Some(dpath);
        if in_place && a.inplace && a.backup && !self.dry() && !self.aborted {
            // rsync's generator copies the file to its backup before it
            // asks for the data (and skips the file when it cannot: its
            // sender never hears of it, nor counts it).
            let rel = self.rel_of(dpath);
            if let Err(e) = self.backup_copy(&rel, dpath) {
                self.error(&e);
                self.hl_skipped(i);
                return;
            }
        }
        self.stats.transferred += 1;
        self.stats.transferred_size += it.size;
        self.sending(i);
        if self.dry() {
            // rsync's sender logs a dry run's transfer on stdout only.
            self.report(i, iflags, None, 0);
            self.progress.count_dry(it.size);
            self.hl_done(i);
            return;
        }
        // rsync's sender counts a new file as it takes it on.
        self.count_new(i, iflags);
        if self.aborted {
            // rsync's receiver is gone; its generator and sender, ahead
            // of it, still list the file (its hard links wait for good).
            self.report_before(i, iflags);
            return;
        }
        let src = match self.open_source(it) {
            Ok(f) => f,
            Err(msg) => {
                if let Some(m) = msg {
                    self.error(&m);
                }
                self.hl_skipped(i);
                return;
            }
        };
        self.report_before(i, iflags);
        let fuzzy = st.is_none() && !alt_basis && partial_basis.is_none();
        let basis = basis.filter(|b| !fuzzy || self.receiver_finds(b));
        if a.more.fuzzy > 0 {
            self.fuzzy_receiving(dpath, st.as_ref());
        }
        self.receiver_dels = Some(Vec::new());
        self.recv_default_acl(it);
        let r = self.receive(it, src, dpath, st.as_ref(), basis.as_deref());
        let dels = self.receiver_dels.take().unwrap_or_default();
        self.received(i, iflags, r, dels, partial_basis);
    }

    /// `-y`: a later file of this directory looks for its fuzzy basis in
    /// the list rsync's generator read before its receiver got here:
    /// what is written at `dpath` (and a backup beside it) is noted.
    fn fuzzy_receiving(&mut self, dpath: &Path, st: Option<&fs::Metadata>) {
        let a = self.a;
        if a.backup && !a.inplace && st.is_some() {
            let to = self.backup_path(&self.rel_of(dpath));
            if super::fuzzy::dir_of(&to) == super::fuzzy::dir_of(dpath) {
                let before = fs::symlink_metadata(&to).ok();
                self.fuzzy.receiving(&to, before.as_ref());
            }
        }
        self.fuzzy.receiving(dpath, st);
    }

    /// After the receiver took in file `i`: the sender's log line, the
    /// receiver's deletions, then the counts, a redo (`--append-verify`)
    /// or the error, and the file's hard links.
    fn received(
        &mut self,
        i: usize,
        iflags: u32,
        r: Result<transfer::Sent, Option<String>>,
        dels: Vec<(Vec<u8>, Kind)>,
        partial_basis: Option<&PathBuf>,
    ) {
        let it = self.item(i);
        // rsync's sender logs the file once its data is sent, whatever
        // the receiver made of it (and hears of the receiver's deletions
        // after that).
        let literal = r.as_ref().map_or(0, |s| s.literal);
        self.progress.file_done(&mut self.log, it, it.size);
        self.report_after(i, iflags, literal);
        for (path, kind) in dels {
            self.log_deleted(path, kind);
        }
        if let Some(md) = self.verify_failed.take() {
            self.redo.push((i, md));
            self.stats.literal += r.as_ref().map_or(0, |s| s.literal);
            return;
        }
        match r {
            Ok(sent) => {
                self.stats.literal += sent.literal;
                self.stats.matched += sent.matched;
                if let Some(p) = partial_basis {
                    let _ = fs::remove_file(p);
                    if let Some(d) = p.parent() {
                        let _ = fs::remove_dir(d);
                    }
                }
                self.hl.received.insert(i);
                self.hl_done(i);
                self.received_ok(i);
            }
            Err(msg) => {
                if let Some(m) = msg {
                    self.error(&m);
                }
                if !self.aborted {
                    self.hl_skipped(i);
                }
            }
        }
    }

    /// The bases rsync's generator finds for file `i` (not found at
    /// `dpath` as `st`): an alt-dest entry, a partial file or, for a new
    /// file, a fuzzy match. None: an alt-dest entry settled it.
    fn bases(&mut self, i: usize, dpath: &Path, st: Option<&fs::Metadata>) -> Option<Bases> {
        let it = self.item(i);
        let a = self.a;
        let mut basis: Option<PathBuf> = st.as_ref().map(|_| dpath.to_path_buf());
        let mut cmp_st = st.cloned().map(|md| (dpath.to_path_buf(), md));
        let mut alt_basis = false;
        if !self.alt_roots.is_empty() && (st.is_none() || a.alt_dest != Some(AltDest::Copy)) {
            match self.try_alt_file(i, dpath, st) {
                AltResult::Done => {
                    self.hl_done(i);
                    self.sent_ok(i);
                    return None;
                }
                AltResult::Exact => {
                    self.hl_unlead(i);
                    self.sent_ok(i);
                    return None;
                }
                AltResult::Failed => {
                    self.hl_done(i);
                    return None;
                }
                AltResult::Basis(p, md) => {
                    basis = Some(p.clone());
                    alt_basis = true;
                    // rsync itemizes against the basis it found.
                    cmp_st = Some((p, md));
                }
                AltResult::Nothing => {}
            }
        }
        let partial = self.partial_path(dpath);
        let partial_basis = partial
            .as_ref()
            .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
            .cloned();
        // rsync's generator looks for a fuzzy basis after the alt-dest
        // directories found none, and not for a partial file: only then
        // does it read the directory (what this run linked or made there
        // before is in it, not what its receiver, behind it, is yet to
        // write). It goes on with that basis's size as listed (what
        // --append compares).
        let mut fuzzy_size = None;
        if st.is_none() && !alt_basis && partial_basis.is_none() {
            let found = self.fuzzy_basis(it, dpath);
            fuzzy_size = found.as_ref().map(|(_, n)| *n);
            basis = found.map(|(p, _)| p);
        }
        Some(Bases {
            basis,
            cmp_st,
            alt: alt_basis,
            partial: partial_basis,
            fuzzy_size,
        })
    }

    /// A file the quick check found up to date: its attributes set and
    /// itemized.
    fn up_to_date(&mut self, i: usize, dpath: &Path, md: &fs::Metadata) {
        let it = self.item(i);
        let a = self.a;
        // rsync sets the attributes before it itemizes; a chown
        // that clears set-id bits makes it look again, so then
        // the new owner and the cleared mode are what it compares.
        let chown =
            (a.owner && self.who.root && md.uid() != it.uid) || (a.group && md.gid() != it.gid);
        let restat = if !self.dry() && chown && md.mode() & 0o6000 != 0 {
            let uid = (a.owner && self.who.root).then_some(it.uid);
            let gid = a.group.then_some(it.gid);
            let _ = std::os::unix::fs::lchown(dpath, uid, gid);
            fs::symlink_metadata(dpath).ok()
        } else {
            None
        };
        let old = Some(md.mode());
        let md = restat.as_ref().unwrap_or(md);
        let iflags = self.flags_in_place(it, dpath, md);
        // -c: the times are set to the nanosecond (rsync's
        // ATTRS_ACCURATE_TIME with --checksum).
        if !self.dry() {
            let how = if a.checksum {
                How::Accurate
            } else {
                How::Check
            };
            let m = self.src_meta(it);
            if let Err(e) = attrs::set_known(dpath, md, &self.want(it, old, how, &m)) {
                self.error(&e);
            }
        }
        self.attrs_report(i, iflags);
        self.report(i, iflags, None, 0);
        self.hl_done(i);
        self.sent_ok(i);
    }

    /// Opens a file's source as rsync's sender does before it sends it:
    /// a file gone by then has vanished (exit 24). `Err(None)`: already
    /// reported.
    fn open_source(&mut self, it: &Item) -> Result<fs::File, Option<String>> {
        let src_path = self.sent.src_path(it);
        match super::extras::open_src(self.a, &src_path) {
            Ok(f) => Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.log
                    .error(&format!("file has vanished: \"{}\"", src_path.display()));
                self.out.vanished = true;
                Err(None)
            }
            Err(e) => Err(Some(format!(
                "rsync: [sender] send_files failed to open \"{}\": {}",
                src_path.display(),
                super::os_error(&e)
            ))),
        }
    }

    /// Whether rsync's receiver still finds the fuzzy basis `b` a regular
    /// file: it opens it once its generator has gone on through the list,
    /// having by then made a directory, symlink or special file of a name
    /// the list has as one (then it has no basis: a new file's mode).
    fn receiver_finds(&self, b: &Path) -> bool {
        if !fs::symlink_metadata(b).is_ok_and(|m| m.is_file()) {
            return false;
        }
        let rel = self.rel_of(b);
        !self
            .sent
            .items
            .iter()
            .any(|o| o.kind != Kind::File && o.path == rel)
    }

    /// rsync's `try_dests_reg` for a regular file.
    pub(super) fn try_alt_file(
        &mut self,
        i: usize,
        dpath: &Path,
        st: Option<&fs::Metadata>,
    ) -> AltResult {
        let it = self.item(i);
        let Some((p, md, level)) = self.alt_match(it) else {
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
            if kind == AltDest::Link && !self.dry() && self.a.more.atimes > 0 {
                // -U: rsync's try_dests_reg sets the linked file's
                // attributes as for a file it keeps (set_file_attrs, no
                // xattrs): the access time, and without -p the mode its
                // generator made for the name (dest_mode: a new file's
                // default permissions, or those of the file it replaced).
                let m = self.src_meta(it);
                let no_xattrs = super::meta::SrcMeta {
                    xattrs: None,
                    acl: m.acl.clone(),
                };
                let old = st.filter(|s| !s.is_dir()).map(|s| s.mode());
                let want = self.want(it, old, How::Check, &no_xattrs);
                if let Err(e) = attrs::set_known(dpath, &md, &want) {
                    self.error(&e);
                }
            }
            let base = if kind == AltDest::Link {
                LOCAL_CHANGE | XNAME_FOLLOWS
            } else {
                0
            };
            self.report_exact(i, &p, &md, base);
            return if kind == AltDest::Compare {
                AltResult::Exact
            } else {
                AltResult::Done
            };
        }
        if st.is_some() {
            return AltResult::Nothing;
        }
        if level >= 2 {
            let r = self.alt_copy(i, &p, &md, dpath);
            if level == 3 && matches!(r, AltResult::Done) {
                self.name_report(i, " is uptodate");
            }
            return r;
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
        let iflags = self.flags(it, Some((from, md)), LOCAL_CHANGE);
        if !self.dry() {
            // rsync's open_tmpfile comes first; when it fails the
            // generator goes on as if it had found nothing.
            let (tmp, file) = match self.temp_for(dpath) {
                Ok(t) => t,
                Err(e) => {
                    let msg = self.mkstemp_err("generator", dpath, &e);
                    self.error(&msg);
                    return AltResult::Nothing;
                }
            };
            let r = (|| -> Result<(), String> {
                let mut src = fs::File::open(from).map_err(|e| e.to_string())?;
                transfer::whole(&mut src, &file, &Method::default())
                    .map_err(|_| "copy failed".to_string())?;
                drop(file);
                let m = self.src_meta(it);
                attrs::set_temp(&tmp, dpath, &self.want(it, None, How::Transfer, &m))?;
                if iflags & REPORT_XATTR != 0 && !self.a.perms {
                    // Itemized 'x': rsync's receiver sets the xattrs
                    // again, and with them the sender's own mode.
                    rustix::fs::chmod(
                        &*tmp,
                        rustix::fs::Mode::from_raw_mode((it.mode & 0o7777) as rustix::fs::RawMode),
                    )
                    .map_err(|e| e.to_string())?;
                }
                tmp.persist(dpath).map_err(|e| e.to_string())?;
                Ok(())
            })();
            if let Err(e) = r {
                self.error(&format!(
                    "rsync: [receiver] copy_file {}: {e}",
                    from.display()
                ));
                return AltResult::Failed;
            }
        }
        self.report(i, iflags, None, 0);
        AltResult::Done
    }

    /// rsync's `try_dests_reg`/`try_dests_non` search: the best match for
    /// an item in the --link-dest/--compare-dest/--copy-dest directories,
    /// with its level (1: same type, 2: same data, 3: same attributes too).
    pub(super) fn alt_match(&self, it: &Item) -> Option<(PathBuf, fs::Metadata, u8)> {
        let mut best: Option<(PathBuf, fs::Metadata, u8)> = None;
        for root in &self.alt_roots {
            let p = self.alt_path(root, it);
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
                // rsync's unchanged_attrs: a directory's time counts even
                // with -O, a symlink's not with -J.
                let link_omitted = it.kind == Kind::Symlink && self.a.more.omit_link_times;
                let time = self.a.times && !link_omitted && attrs::mtime_differs(it, &md);
                if !(time || d.perms || d.owner || d.group || self.meta_differs(it, &p, &md)) {
                    return Some((p, md, 3));
                }
            }
            if best.as_ref().is_none_or(|b| b.2 < level) {
                best = Some((p, md, level));
            }
        }
        // With no exact match, rsync's try_dests_reg/try_dests_non stat
        // the best one again: what `-c` read of it shows then (its
        // access time moved, for -U's 'u'; nothing else a read changes).
        if self.a.more.atimes == 0 {
            return best;
        }
        let (p, _, level) = best?;
        let md = fs::symlink_metadata(&p).ok()?;
        Some((p, md, level))
    }

    /// Where an item would be in alt-dest directory `root`: under its
    /// list name, or a single file's new name (rsync looks up the name it
    /// writes).
    pub(super) fn alt_path(&self, root: &Path, it: &Item) -> PathBuf {
        match self.solo.as_deref().and_then(Path::file_name) {
            Some(name) => root.join(name),
            None => join(root, &it.path),
        }
    }

    /// An exact --link-dest/--compare-dest/--copy-dest match is itemized
    /// against the entry found only for -ii, or -vv with -i (rsync's
    /// `try_dests_reg`/`try_dests_non`); an empty name follows a link,
    /// and that takes no 't' without -t (itemize's `*xname` test).
    /// With `--info=name2` and no `%i`, rsync says the entry is up to date.
    pub(super) fn report_exact(&mut self, i: usize, p: &Path, md: &fs::Metadata, base: u32) {
        let has_i = self.log.has_i;
        if has_i > 1 || has_i > 0 && self.log.name >= 2 {
            let it = self.item(i);
            let iflags = self.flags_no_xname(it, p, md, base);
            // rsync sends only the low 16 bits (ITEM_MATCHED is above them).
            self.report(i, iflags & !MATCHED, None, 0);
        }
        self.name_report(i, " is uptodate");
    }

    /// `flags` for an item itemized with an empty name following (a link
    /// already in place): without -t that takes no 't' (itemize's
    /// `*xname` test).
    pub(super) fn flags_no_xname(&self, it: &Item, p: &Path, md: &fs::Metadata, base: u32) -> u32 {
        let iflags = self.flags(it, Some((p, md)), base);
        let keep_time = self.a.times && !(it.kind == Kind::Dir && self.a.omit_dir_times);
        if base & XNAME_FOLLOWS != 0 && !keep_time {
            iflags & !REPORT_TIME
        } else {
            iflags
        }
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

    /// Where `temp_for` makes a file's temporary file: absolute, as
    /// tempfile would make it (with a getcwd each time); -T: in that
    /// directory (relative to the destination's).
    fn temp_dir_for(&self, dpath: &Path) -> PathBuf {
        let dir = dpath.parent().unwrap_or(Path::new("."));
        match &self.a.more.temp_dir {
            Some(t) => self.cwd.join(&self.dst).join(t),
            None => self.cwd.join(dir),
        }
    }

    /// rsync's open_tmpfile message when its mkstemp fails (a file in
    /// the way of the directory, say), from its generator (an alt-dest
    /// copy) or its receiver.
    pub(super) fn mkstemp_err(&self, who: &str, dpath: &Path, e: &std::io::Error) -> String {
        let name = dpath.file_name().unwrap_or_default().as_bytes();
        let mut t = self.temp_dir_for(dpath).into_os_string().into_vec();
        t.extend_from_slice(b"/.");
        t.extend_from_slice(name);
        t.extend_from_slice(b".XXXXXX");
        // tempfile's error names the path too: the OS error's text alone.
        let text = e.to_string();
        let text = text.split(" at path ").next().unwrap_or_default();
        let text = match text.split_once(" (os error ") {
            Some((t, n)) => format!("{t} ({}", n),
            None => text.to_string(),
        };
        format!(
            "rsync: [{who}] mkstemp \"{}\" failed: {text}",
            Path::new(std::ffi::OsStr::from_bytes(&t)).display(),
        )
    }

    /// A temporary file next to `dpath` (rsync's `.NAME.XXXXXX`).
    pub(super) fn temp_for(&self, dpath: &Path) -> std::io::Result<(tempfile::TempPath, fs::File)> {
        let dir = &self.temp_dir_for(dpath);
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

    /// Receives one file's data (from `src`, opened) into place.
    pub(super) fn receive(
        &mut self,
        it: &Item,
        src: fs::File,
        dpath: &Path,
        st: Option<&fs::Metadata>,
        basis: Option<&Path>,
    ) -> Result<transfer::Sent, Option<String>> {
        let a = self.a;
        let src_path = self.sent.src_path(it);
        let mut src = src;
        let m = method(a);
        // Without -p a file takes the permissions of the basis it was
        // built on (rsync's dest_mode on the basis its receiver opened:
        // an alt-dest file too, named by a relative path or not).
        let old_perms = match basis {
            Some(b) => fs::metadata(b).ok().or_else(|| st.cloned()),
            None => st.cloned(),
        }
        .map(|m| m.mode());
        if a.inplace {
            return self.receive_inplace(it, src, dpath, st, basis, old_perms);
        }
        let (tmp, file) = self
            .temp_for(dpath)
            .map_err(|e| Some(self.mkstemp_err("receiver", dpath, &e)))?;
        super::extras::preallocate(a, &file, it.size);
        let r = match basis {
            Some(b) if m.delta => match fs::File::open(b) {
                Ok(basis) if std::env::var_os("WSYNC_CORE_DELTA").is_none() => {
                    super::localdelta::delta(&mut src, &basis, &file, &m)
                }
                Ok(_) => transfer::delta(&mut src, b, &file, &m),
                Err(e) => Err(Failed::Read(e)),
            },
            _ => transfer::whole(&mut src, &file, &m),
        };
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
        let meta = self.src_meta(it);
        let want = self.want(it, old_perms, How::Transfer, &meta);
        let set = attrs::set_open(&file, &tmp, dpath, &want);
        if let Err(e) = super::extras::fsync(a, &file, &tmp) {
            return Err(Some(e));
        }
        drop(file);
        if let Err(e) = set {
            self.error(&e);
        }
        if a.delay_updates {
            self.stage(tmp, dpath)?;
            return Ok(sent);
        }
        if a.backup && st.is_some() {
            let rel = self.rel_of(dpath);
            if let Err(e) = self.make_backup(&rel, Side::Receiver) {
                // rsync's receiver exits from finish_transfer (status 11).
                self.out.file_io = true;
                self.aborted = true;
                return Err(Some(e));
            }
        }
        super::extras::persist(tmp, dpath).map_err(|e| {
            Some(format!(
                "rsync: [receiver] rename \"{}\" -> \"{}\" failed: {}",
                e.path.display(),
                dpath.display(),
                super::os_error(&e.error)
            ))
        })?;
        Ok(sent)
    }

    /// `--inplace` (and `--append`): the data written into the
    /// destination file itself.
    fn receive_inplace(
        &mut self,
        it: &Item,
        mut src: fs::File,
        dpath: &Path,
        st: Option<&fs::Metadata>,
        basis: Option<&Path>,
        old_perms: Option<u32>,
    ) -> Result<transfer::Sent, Option<String>> {
        let a = self.a;
        let src_path = self.sent.src_path(it);
        let m = method(a);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dpath)
            .map_err(|e| Some(write_err(dpath, &e)))?;
        // rsync's receiver seeks past the basis's length in the file
        // it writes: a basis other than the file itself (an alt-dest
        // or fuzzy one) leaves that start a hole of zeros.
        let other = basis.filter(|b| *b != dpath);
        let start = match other {
            Some(b) => fs::metadata(b).map(|m| m.len()),
            None => file.metadata().map(|m| m.len()),
        }
        .map_err(|e| Some(write_err(dpath, &e)))?;
        let r = if a.append > 0 {
            transfer::append(&mut src, &file, start, &m)
        } else if let (Some(b), true) = (other, m.delta) {
            // An alt-dest or fuzzy basis: rsync's receiver reads the
            // matched blocks from it and writes every byte.
            file.set_len(0).map_err(|e| Some(write_err(dpath, &e)))?;
            match fs::File::open(b) {
                Ok(basis) => super::localdelta::delta(&mut src, &basis, &file, &m),
                Err(e) => Err(Failed::Read(e)),
            }
        } else if st.is_some() && m.delta {
            // rsync's delta search with `updating_basis_file` (the basis
            // is the file itself): a block found at its own offset is
            // left alone, everything else written over the file.
            super::localdelta::inplace(&mut src, &file, &m)
        } else {
            file.set_len(0).map_err(|e| Some(write_err(dpath, &e)))?;
            transfer::whole(&mut src, &file, &m)
        };
        let sent = r.map_err(|e| Some(self.failed(e, &src_path, dpath)))?;
        drop(file);
        // --append-verify: rsync's receiver sums the basis's start and
        // what it appended; the sender the whole source.
        let verified = || match other {
            Some(b) => transfer::same_start(&src_path, b, start),
            None => transfer::same_content(&src_path, dpath),
        };
        if a.append == 2 && !verified().unwrap_or(false) {
            // --append-verify: rsync's receiver keeps what it wrote
            // (no time set) and asks for the file again, whole, at
            // the end of the pass (`redo_pass`).
            if self.log.names() {
                // Its receiver's own message, escaped as it escapes.
                self.log.error_server(&format!(
                    "WARNING: {} failed verification -- update retained (will try again).",
                    show(&it.path)
                ));
            }
            let meta = self.src_meta(it);
            let how = How::Transfer;
            // (rsync's finish_transfer without ok_to_set_time skips
            // the access time too.)
            let mut untimed = a.clone();
            untimed.times = false;
            untimed.more.atimes = 0;
            if let Err(e) = attrs::set(
                dpath,
                &attrs::Want {
                    a: &untimed,
                    ..self.want(it, old_perms, how, &meta)
                },
            ) {
                self.error(&e);
            }
            // Its generator looks at the file again once told of the
            // failure: with what this pass set (all but the time).
            self.verify_failed = fs::symlink_metadata(dpath).ok();
            return Ok(sent);
        }
        let meta = self.src_meta(it);
        if let Err(e) = attrs::set(dpath, &self.want(it, old_perms, How::Transfer, &meta)) {
            self.error(&e);
        }
        Ok(sent)
    }

    /// `--delay-updates`: the received file moved into the partial dir,
    /// renamed into place at the end (`finish_delayed`).
    fn stage(&mut self, tmp: tempfile::TempPath, dpath: &Path) -> Result<(), Option<String>> {
        let staged = self.partial_path(dpath).expect("delay-updates has a dir");
        if let Some(d) = staged.parent() {
            // rsync's handle_partial_dir makes it 0700.
            use std::os::unix::fs::DirBuilderExt;
            let _ = fs::DirBuilder::new().mode(0o700).create(d);
            self.delay_dirs.insert(d.to_path_buf());
        }
        let staged_tmp = match tmp.persist(&staged) {
            Ok(()) => tempfile::TempPath::try_from_path(&staged)
                .map_err(|e| Some(write_err(&staged, &e)))?,
            Err(e) => return Err(Some(write_err(&staged, &e.error))),
        };
        self.delayed.push((staged_tmp, dpath.to_path_buf()));
        Ok(())
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
                if let Err(e) = self.make_backup(&rel, Side::Receiver) {
                    // rsync's handle_delayed_updates goes on, the staged
                    // file left where it is.
                    self.error(&e);
                    let _ = tmp.keep();
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
}

/// Why rsync's generator passes over a file: `--max-size`,
/// `--min-size`, or `-u` with a newer destination `st`.
fn skip_reason(
    a: &super::args::SyncArgs,
    it: &Item,
    st: Option<&fs::Metadata>,
) -> Option<&'static str> {
    if a.max_size.is_some_and(|m| it.size > m) {
        Some("over max-size")
    } else if a.min_size.is_some_and(|m| it.size < m) {
        Some("under min-size")
    } else if st.is_some_and(|m| super::timewin::update_skips(a, it, m)) {
        Some("newer")
    } else {
        None
    }
}

/// What rsync's generator found to build a file from, besides its
/// source.
struct Bases {
    /// The file the delta is against (the destination's own, an
    /// alt-dest's, a fuzzy match; a partial file is taken later).
    basis: Option<PathBuf>,
    /// What the file is itemized against, and its metadata.
    cmp_st: Option<(PathBuf, fs::Metadata)>,
    /// The basis is an alt-dest entry.
    alt: bool,
    /// A partial file (`--partial-dir`) to resume.
    partial: Option<PathBuf>,
    /// A fuzzy basis's size as listed (what --append compares).
    fuzzy_size: Option<u64>,
}

/// How the data is sent: by delta (`--no-whole-file`), in blocks of
/// `-B`, sparse (`-S`), at `--bwlimit`.
fn method(a: &super::args::SyncArgs) -> Method {
    Method {
        delta: a.whole_file == Some(false),
        block_size: a.block_size,
        sparse: a.sparse,
        bwlimit: a.bwlimit,
    }
}

fn write_err(p: &Path, e: &std::io::Error) -> String {
    format!(
        "rsync: [receiver] write failed on \"{}\": {}",
        p.display(),
        super::os_error(e)
    )
}

impl Engine<'_> {
    /// rsync's redo phase: each file whose `--append-verify` check failed
    /// is sent again (not appended: a delta against what the failed pass
    /// left), itemized against that.
    pub(super) fn redo_pass(&mut self) {
        for (i, md) in std::mem::take(&mut self.redo) {
            let it = self.item(i);
            let dpath = self.dst_path(it);
            let iflags = self.flags(it, Some((dpath.as_path(), &md)), TRANSFER);
            self.stats.transferred += 1;
            self.stats.transferred_size += it.size;
            let Ok(src) = self.open_source(it) else {
                self.hl_skipped(i);
                continue;
            };
            self.report_before(i, iflags);
            // rsync's progress line counts "to-chk" from the file's own
            // index (its receiver's current_file_index).
            self.progress
                .at(self.positions.get(i).copied().unwrap_or(i));
            let mut whole = self.a.clone();
            whole.append = 0;
            let a = &whole;
            // rsync's redo goes as a delta against what the failed pass
            // left (its matched data counts in --stats), in place: its
            // --append set --inplace, so the sender searches with
            // `updating_basis_file` (a block found only at or past its
            // own offset) and the receiver writes over the file. Its
            // receiver turns --sparse off for the redo.
            let m = Method {
                delta: true,
                block_size: a.block_size,
                sparse: false,
                bwlimit: a.bwlimit,
            };
            let r = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&dpath)
                .map_err(Failed::Write)
                .and_then(|file| {
                    let mut src = src;
                    super::localdelta::inplace(&mut src, &file, &m)
                });
            let literal = r.as_ref().map_or(0, |s| s.literal);
            self.progress.file_done(&mut self.log, it, it.size);
            self.report_after(i, iflags, literal);
            match r {
                Ok(sent) => {
                    self.stats.literal += sent.literal;
                    self.stats.matched += sent.matched;
                    let meta = self.src_meta(it);
                    let how = How::Transfer;
                    let old = Some(md.mode());
                    if let Err(e) = attrs::set(&dpath, &self.want(it, old, how, &meta)) {
                        self.error(&e);
                    }
                    self.hl.received.insert(i);
                    self.hl_done(i);
                    self.received_ok(i);
                }
                Err(e) => {
                    let src_path = self.sent.src_path(it);
                    let msg = self.failed(e, &src_path, &dpath);
                    self.error(&msg);
                    self.hl_skipped(i);
                }
            }
        }
    }
}
