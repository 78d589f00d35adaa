//! What a request is refused with (a protocol code and a message, from
//! the file system's errors too), and the check every path from the wire
//! goes through before anything is opened.

use crate::host::text::escape;
use crate::protocol::{Code, MAX_PATH};
use std::io;

/// Suffix of the server's temporary files and registrations (temps.rs);
/// wire paths with a component ending in it are refused (`check_path`).
pub const TEMP_SUFFIX: &str = ".wsync-tmp";

/// A refusal for the client: a code and a message.
#[derive(Debug)]
pub struct Refusal(pub Code, pub String);

impl From<io::Error> for Refusal {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => Refusal(Code::NotFound, "no such file or directory".into()),
            io::ErrorKind::PermissionDenied => Refusal(Code::Denied, e.to_string()),
            // By name: the numbers differ between Linux, macOS and the BSDs.
            _ => match rustix::io::Errno::from_io_error(&e) {
                // EXDEV: the path would leave the module; ELOOP: a symlink where a file was expected.
                Some(rustix::io::Errno::XDEV | rustix::io::Errno::LOOP) => Refusal(
                    Code::BadPath,
                    "path leaves the module or crosses a symlink".into(),
                ),
                Some(rustix::io::Errno::NOSPC) => {
                    Refusal(Code::Io, "no space left on the server".into())
                }
                // ENOTDIR: a component of the path is a file.
                Some(rustix::io::Errno::NOTDIR) => Refusal(
                    Code::BadPath,
                    "a component of the path is not a directory".into(),
                ),
                _ => Refusal(Code::Io, e.to_string()),
            },
        }
    }
}

impl From<rustix::io::Errno> for Refusal {
    fn from(e: rustix::io::Errno) -> Self {
        io::Error::from(e).into()
    }
}

/// Splits a path from the wire into its directory and file name, refusing
/// anything that is not a plain relative path.
pub fn check_path(path: &str) -> Result<(&str, &str), Refusal> {
    let bad = |why: &str| Err(Refusal(Code::BadPath, format!("{why}: {}", escape(path))));
    if path.is_empty() {
        return bad("empty path");
    }
    if path.len() > MAX_PATH {
        return bad("path too long");
    }
    if path.contains('\0') || path.contains('\\') {
        return bad("NUL or backslash in path");
    }
    if path.starts_with('/') {
        return bad("absolute path");
    }
    let b = path.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return bad("drive-letter path");
    }
    for c in path.split('/') {
        if c.is_empty() || c == "." || c == ".." {
            return bad("path with an empty, '.' or '..' component");
        }
        if c.ends_with(TEMP_SUFFIX) {
            return bad("reserved name");
        }
    }
    Ok(match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    })
}
