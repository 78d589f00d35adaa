//! Extended attributes as rsync's `-X` copies them (xattrs.c): the
//! `system.*` namespace is left to `-A` (ACLs live there); as root every
//! other namespace is copied (`user.*`, `trusted.*`, `security.*`),
//! otherwise only `user.*`; rsync's own `user.rsync.%*` attributes only
//! with `-XX` (without, the receiver still counts them as its own, and
//! removes them). A file system without xattrs reads as having none.

use super::xattr_calls;
use rustix::io::Errno;
use std::path::Path;

/// Values above this are refused (the kernel's limit is 64 KiB).
const MAX_VALUE: usize = 1 << 20;

/// One file's attributes in scope, sorted by name (rsync sorts them too).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Xattrs(pub Vec<(Vec<u8>, Vec<u8>)>);

/// Which names `-X` copies (`sender`) or keeps in line (the receiver).
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub root: bool,
    /// `-XX`: rsync's `user.rsync.%FOO` attributes too.
    pub twice: bool,
    pub sender: bool,
}

impl Scope {
    pub fn wants(&self, name: &[u8]) -> bool {
        let ok = if self.root {
            !name.starts_with(b"system.")
        } else {
            name.starts_with(b"user.")
        };
        ok && (self.twice || !self.sender || !name.starts_with(b"user.rsync.%"))
    }
}

/// A failed xattr call, as rsync words it.
pub fn fail(call: &str, path: &Path, name: Option<&[u8]>, e: Errno) -> String {
    let e = std::io::Error::from_raw_os_error(e.raw_os_error());
    let name = name.map_or(String::new(), |n| {
        format!(",\"{}\"", String::from_utf8_lossy(n))
    });
    format!(
        "rsync: [receiver] {call}(\"{}\"{name}) failed: {}",
        super::abs(path).display(),
        super::os_error(&e)
    )
}

fn not_supported(e: Errno) -> bool {
    e == Errno::NOTSUP || e == Errno::OPNOTSUPP
}

/// The raw NUL-separated name list of `path` (not following symlinks).
fn names(path: &Path) -> Result<Vec<u8>, Errno> {
    loop {
        let n = match xattr_calls::llistxattr_query(path) {
            Ok(n) => n,
            Err(e) if not_supported(e) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        if n > MAX_VALUE {
            return Err(Errno::TOOBIG);
        }
        let mut buf = vec![0u8; n];
        match xattr_calls::llistxattr(path, &mut buf[..]) {
            Ok(len) => {
                buf.truncate(len);
                return Ok(buf);
            }
            // The list grew in between: ask again.
            Err(Errno::RANGE) => continue,
            Err(e) if not_supported(e) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        }
    }
}

/// One value of `path` (not following symlinks); `None` when absent.
pub fn get(path: &Path, name: &[u8], follow: bool) -> Result<Option<Vec<u8>>, Errno> {
    let name = std::ffi::OsStr::from_bytes(name);
    loop {
        let q = if follow {
            xattr_calls::getxattr_query(path, name)
        } else {
            xattr_calls::lgetxattr_query(path, name)
        };
        let n = match q {
            Ok(n) => n,
            Err(xattr_calls::NO_ATTR) => return Ok(None),
            Err(e) if not_supported(e) => return Ok(None),
            Err(e) => return Err(e),
        };
        if n > MAX_VALUE {
            return Err(Errno::TOOBIG);
        }
        let mut buf = vec![0u8; n];
        let r = if follow {
            xattr_calls::getxattr(path, name, &mut buf[..])
        } else {
            xattr_calls::lgetxattr(path, name, &mut buf[..])
        };
        match r {
            Ok(len) => {
                buf.truncate(len);
                return Ok(Some(buf));
            }
            Err(Errno::RANGE) => continue,
            Err(xattr_calls::NO_ATTR) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

use std::os::unix::ffi::OsStrExt;

/// The attributes of `path` that `scope` copies.
pub fn read(path: &Path, scope: Scope) -> Result<Xattrs, String> {
    let list = names(path).map_err(|e| fail("llistxattr", path, None, e))?;
    let mut out = Vec::new();
    for name in list.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        if !scope.wants(name) {
            continue;
        }
        match get(path, name, false) {
            Ok(Some(v)) => out.push((name.to_vec(), v)),
            // Removed in between: as if never there.
            Ok(None) => {}
            Err(e) => return Err(fail("lgetxattr", path, Some(name), e)),
        }
    }
    out.sort();
    Ok(Xattrs(out))
}

/// Makes the attributes of `path` in scope those of `want`, the current
/// ones being `have`. Returns whether anything changed; every name is
/// tried, the failures come back together (as rsync reports each).
pub fn apply(path: &Path, want: &Xattrs, have: &Xattrs) -> Result<bool, String> {
    let mut changed = false;
    let mut errors = Vec::new();
    for (name, value) in &want.0 {
        if have.0.iter().any(|(n, v)| n == name && v == value) {
            continue;
        }
        let n = std::ffi::OsStr::from_bytes(name);
        match xattr_calls::lsetxattr(path, n, value) {
            Ok(()) => changed = true,
            Err(e) => errors.push(fail("rsync_xal_set: lsetxattr", path, Some(name), e)),
        }
    }
    for (name, _) in &have.0 {
        if want.0.iter().any(|(n, _)| n == name) {
            continue;
        }
        let n = std::ffi::OsStr::from_bytes(name);
        match xattr_calls::lremovexattr(path, n) {
            Ok(()) | Err(xattr_calls::NO_ATTR) => changed = true,
            Err(e) => errors.push(fail("rsync_xal_set: lremovexattr", path, Some(name), e)),
        }
    }
    if errors.is_empty() {
        Ok(changed)
    } else {
        Err(errors.join("\n"))
    }
}

/// rsync's copy_xattrs of an alt-dest directory onto what a dry run
/// leaves in the new directory's way (gen_entry_copy_xattrs opens that
/// entry, O_NOFOLLOW, and sets through it): every name of `src` in
/// `scope`, in the order it lists them; the first failure ends it.
pub fn copy_onto(src: &Path, dst: &Path, scope: Scope) -> Result<(), String> {
    let list = names(src).map_err(|e| fail("llistxattr", src, None, e))?;
    for name in list.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        if !scope.wants(name) {
            continue;
        }
        let value = match get(src, name, false) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(e) => return Err(fail("lgetxattr", src, Some(name), e)),
        };
        let n = std::ffi::OsStr::from_bytes(name);
        if let Err(e) = xattr_calls::lsetxattr(dst, n, &value) {
            let e = std::io::Error::from_raw_os_error(e.raw_os_error());
            return Err(format!(
                "rsync: [generator] copy_xattrs: fsetxattr(\"{}\",\"{}\") failed: {}",
                super::abs(dst).display(),
                String::from_utf8_lossy(name),
                super::os_error(&e)
            ));
        }
    }
    Ok(())
}

/// The directory `rel` (a path of the file list, relative to `root`), as
/// rsync's generator holds it for gen_entry_copy_xattrs (held_dfd_for,
/// dpc_dir_fd and ds_descend in syscall.c): each component opened
/// O_NOFOLLOW beneath `root`; a symlink's relative value walked in its
/// place (`..` back to the parent held, never above `root`), at most 40
/// of them for each component; an absolute or empty one ELOOP. So a
/// directory reached through a symlink in the tree is found.
pub fn held_dir(root: &Path, rel: &[u8]) -> Result<std::os::fd::OwnedFd, Errno> {
    use rustix::fs::{Mode, OFlags};
    let step = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let base = rustix::fs::open(root, step.difference(OFlags::NOFOLLOW), Mode::empty())?;
    let mut stack = vec![base];
    fn descend(
        stack: &mut Vec<std::os::fd::OwnedFd>,
        part: &[u8],
        hops: &mut usize,
        step: OFlags,
    ) -> Result<(), Errno> {
        match part {
            b"" | b"." => return Ok(()),
            b".." => {
                if stack.len() == 1 {
                    return Err(Errno::LOOP);
                }
                stack.pop();
                return Ok(());
            }
            _ => {}
        }
        let name = std::ffi::OsStr::from_bytes(part);
        let cur = stack.last().expect("the root stays");
        let open_err = match rustix::fs::openat(cur, name, step, Mode::empty()) {
            Ok(fd) => {
                stack.push(fd);
                return Ok(());
            }
            Err(e) if e == Errno::NOTDIR || e == Errno::LOOP => e,
            Err(e) => return Err(e),
        };
        let target = match rustix::fs::readlinkat(cur, name, Vec::new()) {
            Ok(t) => t.into_bytes(),
            Err(Errno::INVAL) => return Err(open_err),
            Err(e) => return Err(e),
        };
        if target.is_empty() || target[0] == b'/' || *hops == 0 {
            return Err(Errno::LOOP);
        }
        *hops -= 1;
        for c in target.split(|&b| b == b'/') {
            descend(stack, c, hops, step)?;
        }
        Ok(())
    }
    for part in rel.split(|&b| b == b'/') {
        let mut hops = 40;
        descend(&mut stack, part, &mut hops, step)?;
    }
    Ok(stack.pop().expect("the root stays"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_as_rsync() {
        let root = Scope {
            root: true,
            twice: false,
            sender: true,
        };
        let user = Scope {
            root: false,
            twice: false,
            sender: true,
        };
        assert!(root.wants(b"user.a") && root.wants(b"trusted.x") && root.wants(b"security.y"));
        assert!(!root.wants(b"system.posix_acl_access"));
        assert!(user.wants(b"user.a") && !user.wants(b"trusted.x"));
        assert!(!root.wants(b"user.rsync.%stat"));
        assert!(Scope {
            twice: true,
            ..root
        }
        .wants(b"user.rsync.%stat"));
        assert!(Scope {
            sender: false,
            ..root
        }
        .wants(b"user.rsync.%stat"));
    }

    #[test]
    fn read_apply_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"y").unwrap();
        let set = |p: &Path, n: &str, v: &[u8]| xattr_calls::setxattr(p, n, v).unwrap();
        set(&a, "user.one", b"1");
        set(&a, "user.two", &[7; 300]);
        set(&b, "user.one", b"old");
        set(&b, "user.gone", b"z");
        let scope = Scope {
            root: false,
            twice: false,
            sender: false,
        };
        let want = read(&a, scope).unwrap();
        assert_eq!(want.0.len(), 2);
        let have = read(&b, scope).unwrap();
        assert!(apply(&b, &want, &have).unwrap());
        assert_eq!(read(&b, scope).unwrap(), want);
        assert!(!apply(&b, &want, &want).unwrap());
    }
}
