//! The server's own files (the config, secrets and motd files): read only
//! when they are regular files of a bounded size. A FIFO there would block
//! start-up in `open()`, and a device such as /dev/zero would never end.

use super::super::{exit, Failure};
use rustix::fs::{self as rfs, Mode, OFlags};
use std::io::Read;
use std::path::Path;

/// The most a config, secrets or motd file may hold.
pub const MAX_LEN: u64 = 4 << 20;

/// Reads `path` (`what` names it in errors: "secrets file"), refusing
/// anything but a regular file of at most [`MAX_LEN`] bytes. It is opened
/// non-blocking, so that a FIFO is refused instead of waited on; with
/// `nofollow` a symlink is refused too.
pub fn read_regular(path: &Path, what: &str, nofollow: bool) -> Result<String, Failure> {
    let name = path.display().to_string();
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    if nofollow {
        flags |= OFlags::NOFOLLOW;
    }
    let fd = match rfs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::LOOP) if nofollow => {
            return Err(Failure::new(
                exit::CONFIG,
                format!("{what} {name} is a symlink: refusing it"),
            ))
        }
        Err(e) => return Err(Failure::io(&name, e.into())),
    };
    let st = rfs::fstat(&fd).map_err(|e| Failure::io(&name, e.into()))?;
    let kind = rfs::FileType::from_raw_mode(st.st_mode);
    if kind != rfs::FileType::RegularFile {
        return Err(Failure::new(
            exit::CONFIG,
            format!(
                "{what} {name} is not a regular file ({}): refusing it",
                describe(kind)
            ),
        ));
    }
    let mut text = String::new();
    std::fs::File::from(fd)
        .take(MAX_LEN + 1)
        .read_to_string(&mut text)
        .map_err(|e| Failure::io(&name, e))?;
    if text.len() as u64 > MAX_LEN {
        return Err(Failure::new(
            exit::CONFIG,
            format!("{what} {name} is over {} MiB: refusing it", MAX_LEN >> 20),
        ));
    }
    Ok(text)
}

/// A file type in words, for messages.
pub fn describe(kind: rfs::FileType) -> &'static str {
    match kind {
        rfs::FileType::RegularFile => "a regular file",
        rfs::FileType::Directory => "a directory",
        rfs::FileType::Symlink => "a symlink",
        rfs::FileType::Fifo => "a FIFO",
        rfs::FileType::Socket => "a socket",
        rfs::FileType::CharacterDevice => "a character device",
        rfs::FileType::BlockDevice => "a block device",
        _ => "an unknown kind of file",
    }
}
