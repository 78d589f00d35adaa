//! The server's temporary files, and how only they are cleaned up.
//!
//! A temporary file (an upload's, or a symlink's before its rename) is
//! named `.NAME.<16 hex digits>.wsync-tmp` next to its target, and
//! registered in the module's root as `.wsync-reg.<24 hex digits>.wsync-tmp`:
//! a small file holding the temporary file's path, `flock`ed by the server
//! for as long as the temporary file exists, and removed after it. At start
//! a server removes the temporary files of the registrations that no
//! process holds (their server was killed or crashed), then those
//! registrations. It never walks the tree, never removes a file that is not
//! registered (a user's own `x.wsync-tmp` stays), and is not run on
//! read-only modules. Several servers may share a module: a registration
//! whose server is alive stays locked, so it is left alone.

use super::beneath::{open_beneath, Follow};
use super::refusal::check_path;
pub use super::refusal::TEMP_SUFFIX;
use rustix::fs::{self as rfs, AtFlags, FlockOperation, Mode, OFlags};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::sync::Arc;

const REG_PREFIX: &str = ".wsync-reg.";
/// A registration holds one relative path: at most this many bytes.
const REG_MAX: u64 = 8 << 10;

fn random_hex<const N: usize>() -> io::Result<String> {
    let mut r = [0u8; N];
    getrandom::fill(&mut r).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(crate::hex(&r))
}

/// A fresh temporary name for the file `name`. A long name is shortened
/// (at a character boundary) so that the result fits in 255 bytes.
pub fn temp_name(name: &str) -> io::Result<String> {
    let mut keep = name.len().min(255 - 2 - 16 - TEMP_SUFFIX.len());
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    Ok(format!(
        ".{}.{}{TEMP_SUFFIX}",
        &name[..keep],
        random_hex::<8>()?
    ))
}

/// Whether `name` has the shape `temp_name` gives.
fn is_temp_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(TEMP_SUFFIX) else {
        return false;
    };
    match stem.rsplit_once('.') {
        Some((head, hex)) => {
            head.starts_with('.') && hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// Whether `name` has the shape of a registration.
fn is_registration(name: &str) -> bool {
    match name
        .strip_prefix(REG_PREFIX)
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
    {
        Some(hex) => hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    }
}

/// A temporary file's registration: removed when dropped, which must be
/// after the temporary file is gone (renamed into place or removed).
pub struct Registration {
    root: Arc<OwnedFd>,
    name: String,
    /// Open and locked while the temporary file exists.
    _lock: OwnedFd,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = rfs::unlinkat(&*self.root, self.name.as_str(), AtFlags::empty());
    }
}

/// Registers the temporary file `temp` of the directory `dir` (relative to
/// the module root `root`), before it is created.
pub fn register(root: &Arc<OwnedFd>, dir: &str, temp: &str) -> io::Result<Registration> {
    let path = match dir {
        "" => temp.to_string(),
        d => format!("{d}/{temp}"),
    };
    for _ in 0..4 {
        let name = format!("{REG_PREFIX}{}{TEMP_SUFFIX}", random_hex::<12>()?);
        let fd = rfs::openat(
            &**root,
            name.as_str(),
            OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )?;
        let reg = Registration {
            root: root.clone(),
            name,
            _lock: fd,
        };
        // Blocking: a starting server may hold the lock for a moment.
        rfs::flock(&reg._lock, FlockOperation::LockExclusive)?;
        let mut f = std::fs::File::from(reg._lock.try_clone()?);
        f.write_all(path.as_bytes())?;
        // A starting server that locked it before we did found it empty
        // and removed it (a dead server's, for all it knew): try again.
        if rfs::fstat(&reg._lock)?.st_nlink > 0 {
            return Ok(reg);
        }
    }
    Err(io::Error::other("could not register a temporary file"))
}

/// What a clean-up at start did.
#[derive(Debug, Default)]
pub struct Cleaned {
    /// Temporary files removed.
    pub removed: usize,
    /// Registrations that could not be handled, with why.
    pub problems: Vec<String>,
}

/// Removes the temporary files that the registrations in `root` name when
/// no live server holds them, then those registrations.
pub fn clean(root: &OwnedFd) -> io::Result<Cleaned> {
    let mut out = Cleaned::default();
    let mut names = Vec::new();
    for e in rfs::Dir::read_from(root)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if is_registration(&name) {
            names.push(name);
        }
    }
    for name in names {
        match clean_one(root, &name) {
            Ok(removed) => out.removed += removed as usize,
            Err(e) => out.problems.push(format!("{name}: {e}")),
        }
    }
    Ok(out)
}

/// Handles one registration; true when it removed a temporary file.
fn clean_one(root: &OwnedFd, name: &str) -> io::Result<bool> {
    let fd = rfs::openat(
        root,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let st = rfs::fstat(&fd)?;
    if rfs::FileType::from_raw_mode(st.st_mode) != rfs::FileType::RegularFile
        || st.st_size as u64 > REG_MAX
    {
        return Err(io::Error::other("not a registration: left alone"));
    }
    match rfs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        // Its server is alive.
        Err(rustix::io::Errno::WOULDBLOCK) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    let mut text = String::new();
    std::fs::File::from(fd.try_clone()?)
        .take(REG_MAX)
        .read_to_string(&mut text)?;
    // Empty: its server died before writing it, or is about to write it
    // (and tries again when it finds it removed: see `register`).
    if text.is_empty() {
        rfs::unlinkat(root, name, AtFlags::empty())?;
        return Ok(false);
    }
    let mut removed = false;
    // Only a path of the shape the server writes, to a file named like its
    // temporary files, resolved beneath the root.
    if let Some((dir, temp)) = split_temp_path(&text) {
        if is_temp_name(temp) {
            removed = remove_temp(root, dir, temp)?;
        }
    }
    rfs::unlinkat(root, name, AtFlags::empty())?;
    Ok(removed)
}

/// `dir/temp` split, the directory part checked as a wire path would be
/// (`check_path` itself refuses the temporary suffix in the last part).
fn split_temp_path(path: &str) -> Option<(&str, &str)> {
    let (dir, temp) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    if !dir.is_empty() && check_path(dir).is_err() {
        return None;
    }
    if temp.is_empty() || temp.contains('\0') || temp.contains('\\') {
        return None;
    }
    Some((dir, temp))
}

/// Removes `dir/temp` beneath `root` if it is a file or symlink.
fn remove_temp(root: &OwnedFd, dir: &str, temp: &str) -> io::Result<bool> {
    let d = match open_beneath(
        root,
        if dir.is_empty() { b"." } else { dir.as_bytes() },
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Follow::Beneath,
    ) {
        Ok(d) => d,
        Err(rustix::io::Errno::NOENT) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let st = match rfs::statat(&d, temp, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(rustix::io::Errno::NOENT) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    match rfs::FileType::from_raw_mode(st.st_mode) {
        rfs::FileType::RegularFile | rfs::FileType::Symlink => {
            rfs::unlinkat(&d, temp, AtFlags::empty())?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let t = temp_name("f.txt").unwrap();
        assert!(is_temp_name(&t), "{t}");
        assert!(t.starts_with(".f.txt.") && t.ends_with(TEMP_SUFFIX));
        let long = "é".repeat(127);
        let t = temp_name(&long).unwrap();
        assert!(t.len() <= 255 && is_temp_name(&t), "{}", t.len());
        for user in [
            "x.wsync-tmp",
            ".f.abc.wsync-tmp",
            ".f.0123456789abcdeg.wsync-tmp",
        ] {
            assert!(!is_temp_name(user), "{user}");
        }
        assert!(is_registration(
            ".wsync-reg.0123456789abcdef01234567.wsync-tmp"
        ));
        assert!(!is_registration(".wsync-reg.0123.wsync-tmp"));
        assert_eq!(
            split_temp_path("a/b/.x.wsync-tmp"),
            Some(("a/b", ".x.wsync-tmp"))
        );
        assert_eq!(split_temp_path("../.x.wsync-tmp"), None);
        assert_eq!(split_temp_path(".x.wsync-tmp"), Some(("", ".x.wsync-tmp")));
    }
}
