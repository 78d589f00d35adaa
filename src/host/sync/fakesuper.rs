//! `--fake-super`: privileged attributes kept in an xattr instead of
//! applied (rsync's `user.rsync.%stat`, "MODE MAJOR,MINOR UID:GID" with
//! MODE in octal). The receiver stores symlinks, devices and specials as
//! regular files (a symlink's file holds its target), gives every entry
//! its owner-accessible permission bits without set-id bits, keeps the
//! running user as owner, and records the real attributes in the xattr
//! where they differ from the file's own (rsync's `set_stat_xattr`). The
//! sender reads the xattr back as the entry's attributes.
//!
//! wsync applies the receiver's side once the transfer is done, so a
//! second run does not yet see the stored symlinks and devices as
//! current: it sends them again.

use super::args::SyncArgs;
use super::flist::{Item, Kind};
use super::xattr_calls;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const NAME: &str = "user.rsync.%stat";

/// The xattr's text for an entry's attributes.
fn text(mode: u32, rdev: u64, uid: u32, gid: u32) -> String {
    // dev_t is a signed 32 bits on macOS; the value came from one there.
    let dev = rdev as rustix::fs::Dev;
    let (maj, min) = (rustix::fs::major(dev), rustix::fs::minor(dev));
    format!("{mode:o} {maj},{min} {uid}:{gid}")
}

/// Parses the xattr's text: (mode, rdev, uid, gid).
fn parse(s: &str) -> Option<(u32, u64, u32, u32)> {
    let mut parts = s.split(' ');
    let mode = u32::from_str_radix(parts.next()?, 8).ok()?;
    let (maj, min) = parts.next()?.split_once(',')?;
    let (uid, gid) = parts.next()?.split_once(':')?;
    Some((
        mode,
        rustix::fs::makedev(maj.parse().ok()?, min.parse().ok()?) as u64,
        uid.parse().ok()?,
        gid.parse().ok()?,
    ))
}

/// The sender's side: an entry with the xattr is listed with the
/// attributes it records (where its kind is the one recorded).
pub fn read_back(items: &mut [Item], paths: &[std::path::PathBuf]) {
    for (it, p) in items.iter_mut().zip(paths) {
        let mut buf = vec![0u8; 256];
        let Ok(n) = xattr_calls::lgetxattr(p, NAME, &mut buf[..]) else {
            continue;
        };
        let Some((mode, rdev, uid, gid)) = std::str::from_utf8(&buf[..n]).ok().and_then(parse)
        else {
            continue;
        };
        if mode & 0o170000 == it.mode & 0o170000 {
            it.mode = mode;
            it.rdev = rdev;
            it.uid = uid;
            it.gid = gid;
        }
    }
}

/// The receiver's side for one entry at `p` (not a dry run): returns
/// rsync's error line where something failed.
pub fn store(p: &Path, it: &Item, a: &SyncArgs) -> Result<(), String> {
    let times = a.times;
    let fail = |what: &str, e: std::io::Error| {
        format!(
            "rsync: [receiver] {what} \"{}\" failed: {}",
            p.display(),
            super::os_error(&e)
        )
    };
    let Ok(md) = fs::symlink_metadata(p) else {
        return Ok(());
    };
    if matches!(it.kind, Kind::Symlink | Kind::Device | Kind::Special) && !md.is_file() {
        fs::remove_file(p).map_err(|e| fail("unlink", e))?;
        let data = it.link.as_deref().unwrap_or_default();
        fs::write(p, data).map_err(|e| fail("open", e))?;
    }
    let md = fs::symlink_metadata(p).map_err(|e| fail("stat", e))?;
    let own = if md.is_dir() { 0o700 } else { 0o600 };
    let real = md.mode() & 0o170000 | it.mode & 0o777 | own;
    let me = (rustix::process::geteuid(), rustix::process::getegid());
    let _ = rustix::fs::chownat(
        rustix::fs::CWD,
        p,
        Some(me.0),
        Some(me.1),
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    );
    rustix::fs::chmod(p, rustix::fs::Mode::from_raw_mode(real as _))
        .map_err(|e| fail("chmod", std::io::Error::from_raw_os_error(e.raw_os_error())))?;
    let rdev = if it.kind == Kind::Device { it.rdev } else { 0 };
    // Without -o/-g the entry's owner is the receiver's (rsync's).
    let uid = if a.owner { it.uid } else { me.0.as_raw() };
    let gid = if a.group { it.gid } else { me.1.as_raw() };
    let same = real == it.mode && rdev == 0 && me.0.as_raw() == uid && me.1.as_raw() == gid;
    if same {
        let _ = xattr_calls::removexattr(p, NAME);
    } else {
        let v = text(it.mode, rdev, uid, gid);
        xattr_calls::setxattr(p, NAME, v.as_bytes()).map_err(|e| {
            fail(
                "lsetxattr",
                std::io::Error::from_raw_os_error(e.raw_os_error()),
            )
        })?;
    }
    if times && it.kind != Kind::Dir {
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(it.mtime.max(0) as u64, it.nsec);
        let f = fs::File::options()
            .write(true)
            .open(p)
            .map_err(|e| fail("open", e))?;
        f.set_modified(t).map_err(|e| fail("utimensat", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn stat_text_round_trip() {
        let rdev = rustix::fs::makedev(1, 3);
        let t = super::text(0o20644, rdev, 1234, 55);
        assert_eq!(t, "20644 1,3 1234:55");
        assert_eq!(super::parse(&t), Some((0o20644, rdev, 1234, 55)));
        assert_eq!(super::parse("bogus"), None);
    }
}
