//! Hooks for the options of args/more.rs that change the file list or
//! how files are opened and written: `--iconv`, `--munge-links` (the
//! sender's side), `--usermap`/`--groupmap`/`--chown`,
//! `--copy-devices`, `--open-noatime`, `--preallocate`, `--fsync`, and
//! `--remove-source-files` once a transfer is done.

use super::args::SyncArgs;
use super::flist::{show, Item, Kind, Sent};
use super::log::Log;
use super::usermap::{IdMap, IdMaps};
use crate::host::exit;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// rsync's prefix of munged symlinks (`SYMLINK_PREFIX`).
pub const MUNGE_PREFIX: &[u8] = b"/rsyncd-munged/";

/// Changes the sender's list as the options ask; errors go to `sent`.
/// `Err`: a usage error of a map (rsync exits 1 for those).
pub fn after_walk(a: &SyncArgs, sent: &mut Sent, log: &mut Log) -> Result<(), (String, u8)> {
    let m = &a.more;
    if m.protocol.is_some_and(|p| p < 31) {
        // Before protocol 31 the list carries whole seconds only.
        for it in sent.items.iter_mut() {
            it.nsec = 0;
        }
    }
    if m.munge_links {
        // The sending side un-munges a link that carries the prefix (a
        // receiving server would add it; a local receiver does not).
        for it in sent.items.iter_mut() {
            if let Some(l) = &mut it.link {
                if l.len() > MUNGE_PREFIX.len() && l.starts_with(MUNGE_PREFIX) {
                    l.drain(..MUNGE_PREFIX.len());
                }
            }
        }
    }
    if m.copy_devices {
        // rsync's sender reads a device as a regular file of the
        // device's size (0 for most character devices).
        for i in 0..sent.items.len() {
            if sent.items[i].kind == Kind::Device {
                let size = device_size(&sent.src_path(&sent.items[i]));
                let it = &mut sent.items[i];
                it.kind = Kind::File;
                it.mode = it.mode & 0o7777 | 0o100000;
                it.size = size;
                it.rdev = 0;
            }
        }
    }
    if m.fake_super {
        let paths: Vec<_> = sent.items.iter().map(|it| sent.src_path(it)).collect();
        super::fakesuper::read_back(&mut sent.items, &paths);
    }
    if let Some(spec) = &m.iconv {
        let mut errors = Vec::new();
        if super::iconv::convert_items(spec, &mut sent.items, &mut errors) {
            for e in errors {
                sent.io_err(e);
            }
        }
    }
    if m.usermap.is_some() || m.groupmap.is_some() {
        let mut warnings = Vec::new();
        let parse = |s: &Option<String>, users, w: &mut Vec<String>| {
            s.as_deref()
                .map(|s| IdMap::parse(s, users, w))
                .transpose()
                .map_err(|e| (e.0, exit::SYNTAX))
        };
        let users = parse(&m.usermap, true, &mut warnings)?;
        let groups = parse(&m.groupmap, false, &mut warnings)?;
        for w in warnings {
            log.error(&w);
        }
        let maps = IdMaps {
            users,
            groups,
            numeric: a.numeric_ids,
        };
        map_owners(&maps, &mut sent.items);
        sent.idmaps = Some(maps);
    }
    Ok(())
}

/// Maps every item's owner and group, keeping the sender's where
/// they change.
fn map_owners(maps: &IdMaps, items: &mut [Item]) {
    let mut uids: HashMap<u32, u32> = HashMap::new();
    let mut gids: HashMap<u32, u32> = HashMap::new();
    for it in items {
        let uid = *uids.entry(it.uid).or_insert_with(|| maps.uid(it.uid));
        let gid = *gids.entry(it.gid).or_insert_with(|| maps.gid(it.gid));
        if (uid, gid) != (it.uid, it.gid) {
            it.sender_ids = Some((it.uid, it.gid));
            it.uid = uid;
            it.gid = gid;
        }
    }
}

/// A device's size as rsync's `get_device_size` finds it: its end.
fn device_size(p: &Path) -> u64 {
    use std::io::Seek;
    fs::File::open(p)
        .and_then(|mut f| f.seek(std::io::SeekFrom::End(0)))
        .unwrap_or(0)
}

/// Opens a source file; `--open-noatime` asks for O_NOATIME (where the
/// kernel refuses it, as for another user's file, the plain open).
/// Without O_NOATIME (macOS, the BSDs), the plain open, as rsync's.
pub fn open_src(a: &SyncArgs, p: &Path) -> std::io::Result<fs::File> {
    #[cfg(target_os = "linux")]
    if a.more.open_noatime {
        use std::os::unix::fs::OpenOptionsExt;
        let r = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOATIME)
            .open(p);
        if let Ok(f) = r {
            return Ok(f);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = a;
    fs::File::open(p)
}

/// `--preallocate`: the new file's blocks reserved before it is written
/// (its size kept: the writer sets it).
/// Linux only: elsewhere the option is refused when parsed (args/more.rs),
/// as rsync without FALLOC_FL_KEEP_SIZE refuses it.
pub fn preallocate(a: &SyncArgs, f: &fs::File, len: u64) {
    #[cfg(target_os = "linux")]
    if a.more.preallocate && len > 0 {
        let _ = rustix::fs::fallocate(f, rustix::fs::FallocateFlags::KEEP_SIZE, 0, len);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (a, f, len);
}

/// `--fsync`: the written file flushed to disk before it is renamed into
/// place (rsync's "fsync failed on" error where that fails).
pub fn fsync(a: &SyncArgs, f: &fs::File, p: &Path) -> Result<(), String> {
    if !a.more.fsync {
        return Ok(());
    }
    f.sync_all().map_err(|e| {
        format!(
            "rsync: [receiver] fsync failed on \"{}\": {}",
            p.display(),
            super::os_error(&e)
        )
    })
}

/// `--remove-source-files`: the source of each item the transfer left
/// in sync (`done`, indexes into the list) is removed, unless it changed
/// since it was listed or is the destination file itself (rsync's
/// `successful_send`). Returns whether an error was reported.
pub fn remove_sources(
    a: &SyncArgs,
    sent: &Sent,
    done: &[usize],
    dsts: &[std::path::PathBuf],
    log: &mut Log,
) -> bool {
    let mut failed = false;
    for (&i, dst) in done.iter().zip(dsts) {
        failed |= remove_source(a, sent, i, dst, log);
    }
    failed
}

/// `--remove-source-files` for item `i` (at `dst` on the receiving
/// side), as rsync's sender does when it reads the item's MSG_SUCCESS
/// (`successful_send`). Returns whether an error was reported.
pub fn remove_source(a: &SyncArgs, sent: &Sent, i: usize, dst: &Path, log: &mut Log) -> bool {
    if !a.more.remove_source_files || a.dry_run {
        return false;
    }
    let it = &sent.items[i];
    if it.is_dir() {
        return false;
    }
    let p = sent.src_path(it);
    let md = if a.copy_links {
        fs::metadata(&p)
    } else {
        fs::symlink_metadata(&p)
    };
    let md = match md {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // (a name listed twice, removed through the first)
            log.info(&format!("sender file already removed: {}", show(&it.path)));
            return false;
        }
        Err(e) => {
            log.error(&format!(
                "rsync: [sender] sender failed to re-lstat {}: {}",
                show(&it.path),
                super::os_error(&e)
            ));
            return true;
        }
    };
    if let Ok(d) = fs::symlink_metadata(dst) {
        if d.dev() == md.dev() && d.ino() == md.ino() {
            log.error(&format!(
                "ERROR: Skipping sender remove of destination file: {}",
                show(&it.path)
            ));
            return true;
        }
    }
    let size = if it.kind == Kind::File {
        md.len()
    } else {
        it.size
    };
    if size != it.size || md.mtime() != it.mtime {
        log.error(&format!(
            "ERROR: Skipping sender remove for changed file: {}",
            show(&it.path)
        ));
        return true;
    }
    match fs::remove_file(&p) {
        Ok(()) => {
            if a.info.remove() >= 1 && !a.quiet {
                log.info(&format!("sender removed {}", show(&it.path)));
            }
            false
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            log.info(&format!("sender file already removed: {}", show(&it.path)));
            false
        }
        Err(e) => {
            log.error(&format!(
                "rsync: [sender] sender failed to remove {}: {}",
                show(&it.path),
                super::os_error(&e)
            ));
            true
        }
    }
}

/// Puts a finished temporary file in place: a rename, or (`-T` on
/// another file system: rsync's `robust_rename`) a copy next to `dst`
/// with the temporary file's mode, owner and times, renamed in.
pub fn persist(tmp: tempfile::TempPath, dst: &Path) -> Result<(), tempfile::PathPersistError> {
    match tmp.persist(dst) {
        Err(e) if e.error.raw_os_error() == Some(libc::EXDEV) => {
            let tmp = e.path;
            let copy = || -> std::io::Result<()> {
                let md = fs::metadata(&tmp)?;
                let dir = dst.parent().filter(|d| !d.as_os_str().is_empty());
                let near = tempfile::Builder::new()
                    .prefix(".wsync-T.")
                    .tempfile_in(dir.unwrap_or(Path::new(".")))?;
                let mut from = fs::File::open(&tmp)?;
                std::io::copy(&mut from, &mut near.as_file())?;
                let f = near.as_file();
                let _ = rustix::fs::fchown(
                    f,
                    Some(rustix::fs::Uid::from_raw(md.uid())),
                    Some(rustix::fs::Gid::from_raw(md.gid())),
                );
                f.set_permissions(md.permissions())?;
                f.set_times(
                    fs::FileTimes::new()
                        .set_accessed(md.accessed()?)
                        .set_modified(md.modified()?),
                )?;
                near.persist(dst).map_err(|e| e.error)?;
                Ok(())
            };
            match copy() {
                Ok(()) => {
                    drop(tmp);
                    Ok(())
                }
                Err(error) => Err(tempfile::PathPersistError { error, path: tmp }),
            }
        }
        r => r,
    }
}

/// `-T DIR`: the directory must exist (relative to the destination
/// directory, where rsync's receiver runs), checked once the destination
/// is made, as rsync's receiver does ("The temp-dir does not exist").
pub fn check_temp_dir(a: &SyncArgs, dst_root: &Path) -> Result<(), (String, u8)> {
    let Some(t) = &a.more.temp_dir else {
        return Ok(());
    };
    if a.dry_run {
        return Ok(());
    }
    if !super::sources::is_dir(&dst_root.join(t)) {
        return Err((
            format!("The temp-dir does not exist: {}", t.to_string_lossy()),
            exit::SYNTAX,
        ));
    }
    Ok(())
}

/// `--remove-source-files` in a local run: when rsync's sender hears of
/// each item in sync (MSG_SUCCESS), it removes the source and prints
/// "sender removed NAME" there, among the item lines it prints as it
/// reads the generator's buffer (`Log::hold`).
impl super::engine::Engine<'_> {
    /// Item `i` is in sync and rsync's generator says so itself (a file
    /// up to date, a symlink or device made or found, a hard link made,
    /// an alt-dest match): its MSG_SUCCESS is a message, which reaches
    /// the sender ahead of the items still in the generator's buffer.
    pub(super) fn sent_ok(&mut self, i: usize) {
        if !self.a.more.remove_source_files || self.a.dry_run {
            return;
        }
        self.remove_source(i);
    }

    /// rsync's sender hears of item `i`'s success: its source removed,
    /// "sender removed NAME" printed ahead of the held item lines.
    fn remove_source(&mut self, i: usize) {
        let dst = self.dst_path(&self.sent.items[i]);
        let (a, sent) = (self.a, self.sent);
        if self.log.ahead(|log| remove_source(a, sent, i, &dst, log)) {
            self.out.partial = true;
        }
    }

    /// File `i` was taken in by rsync's receiver: its MSG_SUCCESS goes
    /// to the generator, which passes it on when it next reads from the
    /// receiver. The receiver has a file only once the generator sent
    /// the sender its buffer, so in a local run that is once the
    /// generator went through the list (`relay`), after its items.
    pub(super) fn received_ok(&mut self, i: usize) {
        if self.a.more.remove_source_files && !self.a.dry_run {
            self.relayed.push(i);
        }
    }

    /// The generator passes on the receiver's successes taken so far, up
    /// to and with file `upto` (None: all); for a hard-link leader it
    /// then links the names waiting for it (`finish_hard_link`, whose
    /// successes come next).
    pub(super) fn relay(&mut self, upto: Option<usize>) {
        let n = match upto {
            Some(i) => match self.relayed.iter().position(|&j| j == i) {
                Some(k) => k + 1,
                None => return,
            },
            None => self.relayed.len(),
        };
        for i in self.relayed.drain(..n).collect::<Vec<_>>() {
            self.remove_source(i);
        }
    }
}
