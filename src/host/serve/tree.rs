//! A module's tree as a whole: listings (with SHA-256 sums for rsync's
//! `-c`), deletions, and the directories, symlinks and attributes that a
//! remote `wsync sync` creates. Paths are resolved beneath the module root
//! without following symlinks, as in store.rs.

use super::links::Links;
use super::store::{check_path, mode_bits, Module, Refusal, TEMP_SUFFIX};
use crate::filter::Side;
use crate::host::text::escape;
use crate::protocol::{Code, Entry, FileAttrs, Kind};
use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};

impl Module {
    /// Lists `path`: a directory's entries ("" or "." for the root), and
    /// below it when `recursive`; or the entry itself when `path` is not a
    /// directory. Symlinks are listed, not followed.
    pub fn list(&self, path: &str, recursive: bool, checksum: bool) -> Result<Vec<Entry>, Refusal> {
        let start = match path {
            "" | "." => String::new(),
            p => {
                let (dir, name) = check_path(p)?;
                let d = self.dir(dir)?;
                let st = stat(&d, name)?.ok_or_else(not_found)?;
                let is_dir = rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Directory;
                self.check_rules(p, is_dir, Side::Sender)?;
                if !is_dir {
                    return match entry(&d, name, p.to_string(), &st, checksum, self.links())? {
                        Some(e) => Ok(vec![e]),
                        None => Err(Refusal(
                            Code::BadPath,
                            format!("not a file, directory or symlink: {}", escape(p)),
                        )),
                    };
                }
                p.to_string()
            }
        };
        let mut out = Vec::new();
        let mut todo = vec![start];
        while let Some(rel) = todo.pop() {
            let d = self.dir(&rel)?;
            let mut names = Vec::new();
            for e in rfs::Dir::read_from(&d).map_err(io::Error::from)? {
                let e = e.map_err(io::Error::from)?;
                let name = e.file_name().to_string_lossy().into_owned();
                if name == "." || name == ".." || name.ends_with(TEMP_SUFFIX) {
                    continue;
                }
                names.push(name);
            }
            names.sort();
            for name in names {
                let Some(st) = stat(&d, &name)? else {
                    continue; // vanished meanwhile
                };
                let full = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                // Devices, sockets and fifos are not served.
                let Some(e) = entry(&d, &name, full, &st, checksum, self.links())? else {
                    continue;
                };
                // Excluded entries are not listed, excluded directories not entered.
                if self.excluded(&e.path, e.kind == Kind::Dir, Side::Sender) {
                    continue;
                }
                if e.kind == Kind::Dir && recursive {
                    todo.push(e.path.clone());
                }
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Removes a file, a symlink or an empty directory of the module.
    pub fn delete(&self, path: &str) -> Result<(), Refusal> {
        self.writable()?;
        let (dir, name) = check_path(path)?;
        let d = self.dir(dir)?;
        let st = stat(&d, name)?.ok_or_else(not_found)?;
        let is_dir = rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Directory;
        self.check_rules(path, is_dir, Side::Receiver)?;
        let flags = if is_dir {
            AtFlags::REMOVEDIR
        } else {
            AtFlags::empty()
        };
        match rfs::unlinkat(&d, name, flags) {
            Ok(()) => Ok(()),
            Err(rustix::io::Errno::NOTEMPTY) => Err(Refusal(
                Code::Io,
                format!("cannot delete non-empty directory: {}", escape(path)),
            )),
            Err(e) => Err(io::Error::from(e).into()),
        }
    }

    /// Makes a directory (creating missing parents) or a symlink at `path`,
    /// replacing a file or symlink (or, for a symlink, an empty directory)
    /// found there; or, for `Kind::File`, only sets the attributes of the
    /// entry there. Then gives it `attrs`: the mode (not for symlinks; no
    /// set-id bits; `incoming chmod` applied) and the mtime.
    pub fn make(
        &self,
        path: &str,
        kind: Kind,
        target: &str,
        attrs: Option<FileAttrs>,
    ) -> Result<(), Refusal> {
        self.writable()?;
        let (dir, name) = check_path(path)?;
        self.check_rules(path, kind == Kind::Dir, Side::Receiver)?;
        let d = match kind {
            Kind::File => self.dir(dir)?,
            _ => self.dir_create(dir)?,
        };
        let old = stat(&d, name)?;
        let old_kind = old
            .as_ref()
            .map(|st| rfs::FileType::from_raw_mode(st.st_mode));
        let mut created = false;
        match kind {
            Kind::File => {
                if old.is_none() {
                    return Err(not_found());
                }
            }
            Kind::Dir => match old_kind {
                Some(rfs::FileType::Directory) => {}
                other => {
                    if other.is_some() {
                        rfs::unlinkat(&d, name, AtFlags::empty()).map_err(io::Error::from)?;
                    }
                    rfs::mkdirat(&d, name, Mode::from_raw_mode(0o755)).map_err(io::Error::from)?;
                    created = true;
                }
            },
            Kind::Symlink => {
                if target.is_empty() || target.contains('\0') {
                    return Err(Refusal(Code::BadPath, "empty symlink target".into()));
                }
                if old_kind == Some(rfs::FileType::Directory) {
                    match rfs::unlinkat(&d, name, AtFlags::REMOVEDIR) {
                        Ok(()) => {}
                        Err(rustix::io::Errno::NOTEMPTY) => {
                            return Err(Refusal(
                                Code::Io,
                                format!("cannot delete non-empty directory: {}", escape(path)),
                            ))
                        }
                        Err(e) => return Err(io::Error::from(e).into()),
                    }
                }
                // Made under a temporary name, then renamed over the old
                // entry: readers see the old entry or the new link.
                let temp = super::temps::temp_name(name)?;
                let _registered = self.register_temp(dir, &temp);
                // `munge symlinks` (links.rs): what is stored may differ.
                let stored = self.policy.symlinks.store(&self.dir("")?, path, target);
                rfs::symlinkat(stored.as_str(), &d, temp.as_str()).map_err(io::Error::from)?;
                if let Err(e) = rfs::renameat(&d, temp.as_str(), &d, name) {
                    let _ = rfs::unlinkat(&d, temp.as_str(), AtFlags::empty());
                    return Err(io::Error::from(e).into());
                }
            }
        }
        let st = stat(&d, name)?.ok_or_else(not_found)?;
        let is_link = rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Symlink;
        let is_dir = rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Directory;
        let chmod = self.policy.incoming_chmod.as_ref();
        let mode = match attrs {
            Some(a) if a.mode != 0 => Some(a.mode & 0o1777),
            _ if created => Some(mode_bits(&st)),
            _ => None,
        };
        if let (false, Some(mode)) = (is_link, mode) {
            let mode = chmod.map_or(mode, |c| c.apply(mode, is_dir));
            let fd = open_nofollow(&d, name)?;
            rfs::fchmod(&fd, Mode::from_raw_mode(mode as rfs::RawMode)).map_err(io::Error::from)?;
        }
        if let Some(a) = attrs {
            let t = rfs::Timespec {
                tv_sec: a.mtime,
                tv_nsec: a.mtime_nsec.into(),
            };
            let times = rfs::Timestamps {
                last_access: t,
                last_modification: t,
            };
            rfs::utimensat(&d, name, &times, AtFlags::SYMLINK_NOFOLLOW).map_err(io::Error::from)?;
        }
        Ok(())
    }

    fn links(&self) -> Links {
        self.policy.symlinks
    }

    fn writable(&self) -> Result<(), Refusal> {
        match self.read_only {
            true => Err(Refusal(
                Code::Denied,
                format!("module {} is read only", self.name),
            )),
            false => Ok(()),
        }
    }
}

fn not_found() -> Refusal {
    Refusal(Code::NotFound, "no such file or directory".into())
}

/// The entry `name` of `d`, not following a symlink; `None` when missing.
fn stat(d: &OwnedFd, name: &str) -> Result<Option<rfs::Stat>, Refusal> {
    match rfs::statat(d, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(st)),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(io::Error::from(e).into()),
    }
}

/// Opens a file or directory for its attributes, refusing a symlink (so
/// that a symlink swapped in meanwhile cannot redirect a chmod).
fn open_nofollow(d: &OwnedFd, name: &str) -> Result<OwnedFd, Refusal> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    Ok(rfs::openat(d, name, flags, Mode::empty()).map_err(io::Error::from)?)
}

/// A listing entry for `name` in `d`; `None` for devices, sockets and fifos.
/// A symlink's value is given as the client sent it (`links`: unmunged).
fn entry(
    d: &OwnedFd,
    name: &str,
    path: String,
    st: &rfs::Stat,
    checksum: bool,
    links: Links,
) -> Result<Option<Entry>, Refusal> {
    let kind = match rfs::FileType::from_raw_mode(st.st_mode) {
        rfs::FileType::RegularFile => Kind::File,
        rfs::FileType::Directory => Kind::Dir,
        rfs::FileType::Symlink => Kind::Symlink,
        _ => return Ok(None),
    };
    let target = match kind {
        Kind::Symlink => rfs::readlinkat(d, name, Vec::new())
            .map(|t| links.send(t.to_string_lossy().into_owned()))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let sum = match (kind, checksum) {
        (Kind::File, true) => Some(file_sum(d, name)?),
        _ => None,
    };
    Ok(Some(Entry {
        path,
        kind,
        size: st.st_size as u64,
        mtime: st.st_mtime,
        mtime_nsec: st.st_mtime_nsec as u32,
        mode: mode_bits(st),
        target,
        sum,
    }))
}

/// SHA-256 of a regular file of `d`, read without following a symlink.
fn file_sum(d: &OwnedFd, name: &str) -> Result<[u8; 32], Refusal> {
    let fd = rfs::openat(
        d.as_fd(),
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(io::Error::from)?;
    // Listed as a regular file, but swapped meanwhile (non-blocking: a FIFO
    // does not hold the listing).
    if rfs::FileType::from_raw_mode(rfs::fstat(&fd).map_err(io::Error::from)?.st_mode)
        != rfs::FileType::RegularFile
    {
        return Err(Refusal(
            Code::BadPath,
            format!("not a regular file: {}", escape(name)),
        ));
    }
    let mut f = std::fs::File::from(fd);
    let mut h = crate::Sha256::new();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(h.finish());
        }
        h.update(&buf[..n]);
    }
}
