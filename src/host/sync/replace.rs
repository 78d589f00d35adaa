//! Making way and keeping backups: what stands where an item of another
//! type goes is removed as rsync's `delete_item` does it (a directory's
//! contents logged as deletions), or moved to its backup place (`-b`,
//! `--backup-dir`, `--suffix`).

use super::delete::Side;
use super::engine::Engine;
use super::flist::{join, show, Kind};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

impl Engine<'_> {
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
        if md.is_dir() && self.del.is_some() {
            // --delete: the receiver's deleter clears it, counting each
            // deletion against --max-delete.
            let del = self.del.as_mut().expect("checked");
            let r = del.make_room(&rel);
            self.drain_deletions();
            match r {
                Ok(true) => return true,
                Ok(false) => {}
                Err(e) => {
                    self.filter_err.get_or_insert(e);
                    return false;
                }
            }
            self.error(&format!(
                "could not make way for new {}: {}",
                kind_desc(new),
                show(&rel)
            ));
            return false;
        }
        if md.is_dir() {
            if self.a.force {
                // The contents go, each logged as a deletion and counted
                // against --max-delete; the directory itself is not
                // (rsync's DEL_MAKE_ROOM).
                if !self.purge_dir(dpath, &rel, self.a.backup, Side::Generator) {
                    self.error(&format!(
                        "could not make way for new {}: {}",
                        kind_desc(new),
                        show(&rel)
                    ));
                    return false;
                }
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
                    Err(e) if e.raw_os_error() != Some(libc::ENOTEMPTY) => {
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
            self.log.info_server(&format!(
                "cannot delete non-empty directory: {}",
                show(&rel)
            ));
            self.error(&format!(
                "could not make way for new {}: {}",
                kind_desc(new),
                show(&rel)
            ));
            return false;
        }
        if self.dry() {
            return true;
        }
        // rsync's delete_item (DEL_FOR_DIR) deletes, without a backup, a
        // name that already ends in the suffix (without --backup-dir).
        let suffix = self.a.backup_suffix();
        let backup_named = new == Kind::Dir
            && self.a.backup_dir.is_none()
            && rel.len() > suffix.len()
            && rel.ends_with(&suffix);
        if self.a.backup && !backup_named {
            return match self.make_backup(&rel, Side::Generator) {
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
    /// order as rsync's `delete_dir_contents`: each deletion counted
    /// against --max-delete on `side` and logged under `name` (files moved
    /// to their backups with `backup`). False when something stayed.
    pub(super) fn purge_dir(&mut self, full: &Path, name: &[u8], backup: bool, side: Side) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let Ok(rd) = fs::read_dir(full) else {
            return true;
        };
        let mut ents: Vec<(Vec<u8>, Kind)> = rd
            .flatten()
            .filter_map(|e| {
                let md = fs::symlink_metadata(e.path()).ok()?;
                Some((e.file_name().as_bytes().to_vec(), Kind::of(&md)))
            })
            .collect();
        ents.sort_by(|a, b| {
            super::flist::f_name_cmp(&a.0, a.1 == Kind::Dir, &b.0, b.1 == Kind::Dir)
        });
        let mut all = true;
        for (base, kind) in ents.into_iter().rev() {
            let p = super::flist::child(name, &base);
            let filter = match &self.del {
                Some(del) => Some(&del.filter),
                None => self.make_way_filter.as_ref(),
            };
            if let Some(filter) = filter {
                // Excluded or protected (say, rsync's "P *~" for
                // backups): it stays.
                if filter.check(&p, kind == Kind::Dir, true).is_excluded() {
                    all = false;
                    continue;
                }
            }
            let path = full.join(std::ffi::OsStr::from_bytes(&base));
            if kind == Kind::Dir && !self.purge_dir(&path, &p, backup, side) {
                all = false;
            }
            // rsync checks the limit once the contents are gone.
            if !self.may_delete(side) {
                all = false;
                continue;
            }
            if !self.dry() {
                // rsync's delete_item backs a file up unless its name
                // already ends in the suffix (without --backup-dir).
                let suffix = self.a.backup_suffix();
                let backup_named =
                    self.a.backup_dir.is_none() && p.len() > suffix.len() && p.ends_with(&suffix);
                let r = if kind == Kind::Dir {
                    fs::remove_dir(&path)
                } else if backup && !backup_named {
                    let rel = self.rel_of(&path);
                    self.make_backup(&rel, side).map_err(std::io::Error::other)
                } else {
                    fs::remove_file(&path)
                };
                if let Err(e) = &r {
                    if kind == Kind::Dir && e.raw_os_error() == Some(39) {
                        // Not empty (say, a backup made in it): a note.
                        self.log.info_server(&format!(
                            "cannot delete non-empty directory: {}",
                            show(&p)
                        ));
                        all = false;
                        continue;
                    }
                }
                if let Err(e) = r {
                    let what = if kind == Kind::Dir { "rmdir" } else { "unlink" };
                    self.error(&format!(
                        "rsync: [generator] delete_file: {what}({}) failed: {}",
                        show(&p),
                        super::os_error(&e)
                    ));
                    all = false;
                    continue;
                }
            }
            self.count_deletion(side);
            self.log_deleted(p, kind);
        }
        if !all {
            self.log.info_server(&format!(
                "cannot delete non-empty directory: {}",
                show(name)
            ));
        }
        all
    }

    /// Whether --max-delete lets one more deletion happen on `side`
    /// (rsync's generator and receiver each count their own); a refused
    /// one is counted for the generator's closing note.
    fn may_delete(&mut self, side: Side) -> bool {
        let Some(max) = self.a.max_delete else {
            return true;
        };
        let max = max.max(0) as u64;
        match (side, &mut self.del) {
            (Side::Generator, Some(del)) if del.count >= max => {
                del.skipped += 1;
                self.out.del_limit = true;
                false
            }
            (Side::Generator, None) if self.deleted[0] >= max => {
                self.del_skipped += 1;
                self.out.del_limit = true;
                false
            }
            (Side::Receiver, _) => self.deleted[1] < max,
            _ => true,
        }
    }

    fn count_deletion(&mut self, side: Side) {
        match (side, &mut self.del) {
            (Side::Generator, Some(del)) => del.count += 1,
            (Side::Generator, None) => self.deleted[0] += 1,
            (Side::Receiver, _) => self.deleted[1] += 1,
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
    ///
    /// A directory where the backup goes is cleared first (rsync's
    /// DEL_FOR_BACKUP): its contents deleted, logged and counted against
    /// --max-delete on `side`.
    pub(super) fn make_backup(&mut self, rel: &[u8], side: Side) -> Result<(), String> {
        let to = self.backup_path(rel);
        if fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
            // Named as rsync names them, from the destination; the
            // directory itself goes quietly.
            let mut name = match &self.a.backup_dir {
                Some(d) => {
                    use std::os::unix::ffi::OsStrExt;
                    let mut n = d.as_bytes().to_vec();
                    while n.ends_with(b"//") {
                        n.pop();
                    }
                    if !n.ends_with(b"/") {
                        n.push(b'/');
                    }
                    n
                }
                None => Vec::new(),
            };
            name.extend_from_slice(rel);
            name.extend_from_slice(&self.a.backup_suffix());
            if !self.purge_dir(&to, &name, false, side) {
                return Err(format!(
                    "could not make way for backup directory: {}",
                    show(&name)
                ));
            }
        }
        let made_in = make_backup(&self.dst, &to, rel, self.a.acls)?;
        self.backup_made_in(made_in, side, rel);
        Ok(())
    }

    /// `--inplace -b`: the backup is a copy (the file is rewritten), with
    /// the original's xattrs (`-X`), and its time and owner as the
    /// options keep them (rsync's `copy_file` and `set_file_attrs` on the
    /// backup).
    pub(super) fn backup_copy(&mut self, rel: &[u8], dpath: &Path) -> Result<(), String> {
        let to = self.backup_path(rel);
        let made_in = backup_dirs(&self.dst, &to, rel, self.a.acls)?;
        self.backup_made_in(made_in, Side::Generator, rel);
        let failed = |e: std::io::Error| {
            format!(
                "rsync: [receiver] backup \"{}\" failed: {}",
                to.display(),
                super::os_error(&e)
            )
        };
        let md = fs::symlink_metadata(dpath).map_err(failed)?;
        // rsync unlinks what is in the way first (a directory stays).
        match fs::remove_file(&to) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "rsync: [generator] unlink \"{}\": {}",
                    super::abs(&to).display(),
                    super::os_error(&e)
                ))
            }
            _ => {}
        }
        fs::copy(dpath, &to).map_err(failed)?;
        if self.a.xattrs > 0 {
            // rsync's copy_file copies the file's xattrs too (copy_xattrs:
            // all but system.* as root, else user.* alone).
            let scope = super::xattrs::Scope {
                root: self.who.root,
                twice: true,
                sender: false,
            };
            if let Err(e) = super::xattrs::copy_onto(dpath, &to, scope) {
                self.error(&e);
            }
        }
        let uid = (self.a.owner && self.who.root).then_some(md.uid());
        let gid = self.a.group.then_some(md.gid());
        if uid.is_some() || gid.is_some() {
            // Not allowed (a group we are not in): the copy stays ours.
            let _ = std::os::unix::fs::lchown(&to, uid, gid);
            // chown cleared the set-id bits: rsync sets the mode after.
            let _ = rustix::fs::chmod(
                &to,
                rustix::fs::Mode::from_raw_mode((md.mode() & 0o7777) as rustix::fs::RawMode),
            );
        }
        if self.a.times {
            use rustix::fs::{AtFlags, Timespec, Timestamps, CWD};
            let t = Timestamps {
                last_access: Timespec {
                    tv_sec: 0,
                    tv_nsec: rustix::fs::UTIME_OMIT,
                },
                last_modification: Timespec {
                    tv_sec: md.mtime(),
                    tv_nsec: md.mtime_nsec() as _,
                },
            };
            rustix::fs::utimensat(CWD, &to, &t, AtFlags::SYMLINK_NOFOLLOW)
                .map_err(|e| failed(std::io::Error::from_raw_os_error(e.raw_os_error())))?;
        }
        Ok(())
    }
}

/// How rsync's "could not make way for new ..." names a kind.
fn kind_desc(k: Kind) -> &'static str {
    match k {
        Kind::File => "regular file",
        Kind::Symlink => "symlink",
        Kind::Dir => "directory",
        Kind::Device => "device file",
        Kind::Special => "special file",
    }
}

/// Renames `dst/rel` to `to`, making `to`'s directories (each with the
/// permissions, owner and, with `-A`, ACLs of the destination directory
/// it stands for, as rsync's `copy_valid_path`). Gives the directory the
/// first of them was made in, if any.
pub fn make_backup(
    dst: &Path,
    to: &Path,
    rel: &[u8],
    acls: bool,
) -> Result<Option<PathBuf>, String> {
    let from = join(dst, rel);
    let made_in = backup_dirs(dst, to, rel, acls)?;
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
    })?;
    Ok(made_in)
}

/// Makes the missing directories of backup path `to`, each with the
/// permissions, owner and, with `-A`, ACLs of the destination directory
/// it stands for (rsync's `copy_valid_path`). Gives the directory the
/// first of them was made in, if any.
fn backup_dirs(dst: &Path, to: &Path, rel: &[u8], acls: bool) -> Result<Option<PathBuf>, String> {
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
    let made_in = missing
        .last()
        .and_then(|(dir, _)| dir.parent())
        .map(Path::to_path_buf);
    for (dir, orig) in missing.into_iter().rev() {
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if let Ok(md) = fs::metadata(&orig) {
            if md.is_dir() && orig != dst {
                // A symlink standing for the directory (-K) gives its
                // own mode and owner: rsync's make_file lstats it.
                let link = fs::symlink_metadata(&orig).ok().filter(|l| l.is_symlink());
                let md = link.as_ref().unwrap_or(&md);
                let _ = rustix::fs::chmod(
                    &dir,
                    rustix::fs::Mode::from_raw_mode((md.mode() & 0o7777) as rustix::fs::RawMode),
                );
                let _ = std::os::unix::fs::lchown(&dir, Some(md.uid()), Some(md.gid()));
                if acls && link.is_none() {
                    super::acls::copy(&orig, &dir)?;
                }
            }
        }
    }
    Ok(made_in)
}
