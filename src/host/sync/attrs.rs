//! File attributes as rsync's receiver sets them (`set_file_attrs` in
//! rsync.c): extended attributes (`-X`), times to the nanosecond
//! (`utimensat`, symlinks included), owner and group (`lchown`), ACLs
//! (`-A`) and permissions, in rsync's order.

use super::args::SyncArgs;
use super::flist::{Item, Kind};
use super::meta::{self, SrcMeta};
pub use super::who::Who;
use rustix::fs::{AtFlags, Gid, Mode, Timestamps, Uid, CWD};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The permissions a file gets (rsync's `dest_mode`): the source's with
/// `-p`; otherwise an existing file keeps its own, a new one gets the
/// source's masked by the umask, and `-E` carries the executable bits.
pub fn dest_perms(a: &SyncArgs, who: &Who, it: &Item, existing: Option<u32>) -> u32 {
    if a.perms {
        return it.mode & 0o7777;
    }
    let mut m = match existing {
        Some(old) => old & 0o7777,
        None => it.mode & 0o777 & who.dflt_perms,
    };
    if a.executability && it.kind == Kind::File {
        if it.mode & 0o111 == 0 {
            m &= !0o111;
        } else if existing.is_some_and(|old| old & 0o111 == 0) {
            m |= (m & 0o444) >> 2;
        }
    }
    m
}

/// rsync's itemize comparisons, for an existing destination `md`.
pub struct Diff {
    pub time: bool,
    pub perms: bool,
    pub owner: bool,
    pub group: bool,
}

/// rsync's `mtime_differs`: whole seconds (rsync 3.2.7 compares no finer
/// with the default --modify-window).
pub fn mtime_differs(it: &Item, md: &fs::Metadata) -> bool {
    !super::timewin::same_time(it.mtime, it.nsec, md.mtime(), md.mtime_nsec() as u32)
}

pub fn diff(a: &SyncArgs, who: &Who, it: &Item, md: &fs::Metadata) -> Diff {
    let keep_time = super::timewin::keeps_time(a, it.kind);
    let perms = if it.kind == Kind::Symlink {
        false
    } else if a.perms {
        md.mode() & 0o7777 != it.mode & 0o7777
    } else if a.executability && it.kind == Kind::File {
        (md.mode() & 0o111 != 0) != (it.mode & 0o111 != 0)
    } else {
        false
    };
    Diff {
        time: keep_time && mtime_differs(it, md),
        perms,
        owner: a.owner && who.root && md.uid() != it.uid,
        group: a.group && md.gid() != it.gid,
    }
}

fn os(e: rustix::io::Errno) -> std::io::Error {
    std::io::Error::from_raw_os_error(e.raw_os_error())
}

/// The attributes an entry is to get, and how: one context for the
/// `set` functions.
#[derive(Clone, Copy)]
pub struct Want<'a> {
    /// The source's entry (times, owner, mode).
    pub it: &'a Item,
    pub a: &'a SyncArgs,
    pub who: &'a Who,
    /// The permissions of the entry this one replaces (None: new).
    pub old_perms: Option<u32>,
    pub how: How,
    /// The source's xattrs and ACL (`-X`, `-A`).
    pub src: &'a SrcMeta,
}

/// Sets owner, group, permissions and times of `path` as the options
/// ask. With `How::Check`, as rsync, a time is only set when the
/// seconds differ; otherwise the nanoseconds too.
pub fn set(path: &Path, w: &Want) -> Result<(), String> {
    let md = if w.a.keep_dirlinks && w.it.kind == Kind::Dir {
        fs::metadata(path).or_else(|_| fs::symlink_metadata(path))
    } else {
        fs::symlink_metadata(path)
    };
    let md = md.map_err(|e| super::call_failed("stat", path, &e))?;
    set_known(path, &md, w)
}

/// How attributes are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// As rsync's generator: times compared in whole seconds.
    Check,
    /// `-c` on an unchanged file: the nanoseconds too.
    Accurate,
    /// A file just written by the receiver: the nanoseconds too.
    Transfer,
}

/// `set` for a file whose metadata `md` is at hand (no second `lstat`).
/// Every attribute is tried; the errors come back together.
pub fn set_known(path: &Path, md: &fs::Metadata, w: &Want) -> Result<(), String> {
    let at = At {
        path,
        file: None,
        dir: parent(path),
    };
    set_any(at, md, w)
}

/// `set` for a temp file `tmp` that becomes `dest`: a new entry's
/// permissions without `-p` follow `dest`'s directory, wherever the
/// temp file is (rsync's receiver runs `default_perms_for_dir` on the
/// file's own directory in the destination).
pub fn set_temp(tmp: &Path, dest: &Path, w: &Want) -> Result<(), String> {
    let md = fs::symlink_metadata(tmp).map_err(|e| super::call_failed("stat", tmp, &e))?;
    let at = At {
        path: tmp,
        file: None,
        dir: parent(dest),
    };
    set_any(at, &md, w)
}

/// The directory of `path` (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Where attributes are set: the entry's `path`, the `file` still open
/// there (a file just written), and the destination directory whose
/// default ACL stands for the umask (the temp file's final one).
struct At<'a> {
    path: &'a Path,
    file: Option<&'a fs::File>,
    dir: &'a Path,
}

/// `set` for a regular file still open as `file` (the one just written
/// at `path`, a temp file that becomes `dest`): `fstat`, `futimens`,
/// `fchown` and `fchmod` on the open file, no walks of its path (xattrs
/// and ACLs still go by the path).
pub fn set_open(file: &fs::File, path: &Path, dest: &Path, w: &Want) -> Result<(), String> {
    let md = file
        .metadata()
        .map_err(|e| super::call_failed("stat", path, &e))?;
    let at = At {
        path,
        file: Some(file),
        dir: parent(dest),
    };
    set_any(at, &md, w)
}

fn set_any(at: At, md: &fs::Metadata, w: &Want) -> Result<(), String> {
    let At { path, file, dir } = at;
    let Want {
        it,
        a,
        who,
        old_perms,
        how,
        src,
    } = *w;
    let accurate = how != How::Check;
    let mut errors = Vec::new();
    let mut force_time = false;
    // rsync's receiver sets xattrs that differ on an entry it did not
    // transfer with the sender's own mode (its file list never went
    // through dest_mode): the source's permissions even without -p.
    let mut src_perms = false;
    if let Some(want) = &src.xattrs {
        match meta::set_xattrs(path, md, want, a, who) {
            Ok(changed) => {
                force_time = changed;
                src_perms = changed && how != How::Transfer;
            }
            Err(e) => errors.push(e),
        }
    }
    // rsync's same_mtime: with ATTRS_ACCURATE_TIME (after a transfer, or
    // a --checksum match) to the nanosecond, past --modify-window.
    let differs = if accurate {
        md.mtime() != it.mtime || md.mtime_nsec() != i64::from(it.nsec)
    } else {
        mtime_differs(it, md)
    };
    if super::timewin::keeps_time(a, it.kind) && (differs || force_time) {
        let r = match file {
            Some(f) => rustix::fs::futimens(f, &mtime_only(it))
                .map_err(|e| super::call_failed("utimensat", path, &os(e))),
            None => set_mtime(path, it),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    // rsync's set_xattr marks the stat it was given as of time -1 ("make
    // sure caller sets mtime") once it changed an xattr; without -t the
    // receiver's finish_transfer then sets that -1 (with the stat's
    // nanoseconds) along with the access time it always sets there.
    let xattr_mtime =
        (force_time && how == How::Transfer && !super::timewin::keeps_time(a, it.kind))
            .then(|| (-1, md.mtime_nsec()));
    if let Err(e) = super::timewin::set_atime(path, file, md, it, a, accurate, xattr_mtime) {
        errors.push(e);
    }
    let uid = (a.owner && who.root && md.uid() != it.uid).then(|| Uid::from_raw(it.uid));
    let gid = (a.group && md.gid() != it.gid).then(|| Gid::from_raw(it.gid));
    if uid.is_some() || gid.is_some() {
        let r = match file {
            Some(f) => rustix::fs::fchown(f, uid, gid),
            None => rustix::fs::chownat(CWD, path, uid, gid, AtFlags::SYMLINK_NOFOLLOW),
        };
        if let Err(e) = r {
            let what = if uid.is_some() { "chown" } else { "chgrp" };
            errors.push(super::call_failed(what, path, &os(e)));
        }
    }
    if it.kind != Kind::Symlink {
        let who = match old_perms {
            // New entries without -p: the directory's default ACL, if
            // any, stands for the umask (rsync's default_perms_for_dir).
            None if !a.perms => Who {
                dflt_perms: super::acls::default_perms(dir, who.dflt_perms),
                ..*who
            },
            _ => *who,
        };
        let want = if src_perms {
            it.mode & 0o7777
        } else {
            dest_perms(a, &who, it, old_perms)
        };
        let mut acl_set = false;
        if let Some(sent) = &src.acl {
            match super::acls::apply(path, md.mode(), sent, want) {
                Ok(changed) => acl_set = changed,
                Err(e) => errors.push(e),
            }
        }
        // chown clears set-id bits and an access ACL sets the mode:
        // set the mode after them.
        if md.mode() & 0o7777 != want || uid.is_some() || gid.is_some() || acl_set {
            let mode = Mode::from_raw_mode(want as _);
            let r = match file {
                Some(f) => rustix::fs::fchmod(f, mode),
                None => rustix::fs::chmod(path, mode),
            };
            if let Err(e) = r {
                errors.push(super::call_failed("chmod", path, &os(e)));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// The item's modification time (the access time left alone).
fn mtime_only(it: &Item) -> Timestamps {
    Timestamps {
        last_access: rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
        last_modification: rustix::fs::Timespec {
            tv_sec: it.mtime,
            tv_nsec: it.nsec as _,
        },
    }
}

/// Sets the modification time (the access time is left alone).
pub fn set_mtime(path: &Path, it: &Item) -> Result<(), String> {
    rustix::fs::utimensat(CWD, path, &mtime_only(it), AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| super::call_failed("utimensat", path, &os(e)))
}

/// Creates a device or special file.
#[cfg(target_os = "linux")]
pub fn mknod(path: &Path, it: &Item) -> std::io::Result<()> {
    use rustix::fs::FileType;
    let ft = FileType::from_raw_mode(it.mode as _);
    rustix::fs::mknodat(
        CWD,
        path,
        ft,
        Mode::from_raw_mode((it.mode & 0o7777) as _),
        it.rdev as _,
    )
    .map_err(os)
}

/// Creates a device or special file where mknod makes only devices (macOS,
/// the BSDs): a FIFO by mkfifo, a socket by binding one, as rsync's
/// do_mknod does there.
#[cfg(not(target_os = "linux"))]
pub fn mknod(path: &Path, it: &Item) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let kind = it.mode & 0o170000;
    if kind == 0o140000 {
        return std::os::unix::net::UnixListener::bind(path).map(drop);
    }
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    let perms = (it.mode & 0o7777) as libc::mode_t;
    // SAFETY: `c` is a NUL-terminated path that outlives both calls, which
    // read it and nothing else.
    let r = unsafe {
        match kind {
            0o010000 => libc::mkfifo(c.as_ptr(), perms),
            _ => libc::mknod(
                c.as_ptr(),
                kind as libc::mode_t | perms,
                it.rdev as libc::dev_t,
            ),
        }
    };
    match r {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}
