//! Opening a path beneath a directory handle (a module's root, `--www`):
//! never above it by `..`, never through an absolute symlink or one that
//! leads out. On Linux the kernel resolves (openat2 with RESOLVE_BENEATH).
//! Elsewhere, and on Linux with `WSYNC_RESOLVE=walk`, [`open_beneath_walk`]
//! walks the path one component at a time as rsync's secure_relative_open
//! does (syscall.c, `ds_descend`): each directory opened with O_NOFOLLOW and
//! held, `..` going back to the held parent (never above the root), a
//! relative symlink's value walked on the same stack, an absolute one
//! refused, at most 40 symlinks (Linux's MAXSYMLINKS). Both answer with the
//! kernel's errors: EXDEV for a way out, ELOOP for a symlink refused,
//! ENOTDIR, ENOENT, EACCES as they come.

use rustix::fs::{self as rfs, Mode, OFlags};
use rustix::io::Errno;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::OnceLock;

/// The symlinks a resolution may follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Those that lead to a place beneath the root (RESOLVE_BENEATH |
    /// RESOLVE_NO_MAGICLINKS); a final one too unless the flags have
    /// O_NOFOLLOW.
    Beneath,
    /// None: the first symlink met is ELOOP (RESOLVE_NO_SYMLINKS).
    Never,
}

/// Flags for a handle that is only looked at (fstat, or a directory for
/// the `*at` calls), never read: O_PATH where the kernel has it; elsewhere
/// a non-blocking read-only open (a FIFO opens without waiting for a
/// writer, a terminal does not become the controlling one).
#[cfg(any(target_os = "linux", target_os = "freebsd"))]
pub const LOOK: OFlags = OFlags::PATH;
#[cfg(not(any(target_os = "linux", target_os = "freebsd")))]
pub const LOOK: OFlags = OFlags::RDONLY.union(OFlags::NONBLOCK).union(OFlags::NOCTTY);

/// How the walk opens a directory on the way.
const STEP: OFlags = LOOK
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Symlinks followed in one resolution, at most (Linux's MAXSYMLINKS).
const MAX_LINKS: usize = 40;

/// Directories held open at once by one walk: as deep as the longest path
/// the wire allows (`protocol::MAX_PATH`, 4096 bytes) can go.
const MAX_DEPTH: usize = 2048;

/// Opens `path` beneath `root` with `flags` (never O_CREAT): the kernel's
/// openat2 on Linux, [`open_beneath_walk`] elsewhere or when
/// `WSYNC_RESOLVE=walk`.
pub fn open_beneath(
    root: impl AsFd,
    path: &[u8],
    flags: OFlags,
    follow: Follow,
) -> Result<OwnedFd, Errno> {
    #[cfg(target_os = "linux")]
    if !walking() {
        return open_beneath_kernel(root.as_fd(), path, flags, follow);
    }
    open_beneath_walk(root.as_fd(), path, flags, follow)
}

/// openat2 with RESOLVE_BENEATH, and RESOLVE_NO_MAGICLINKS or
/// RESOLVE_NO_SYMLINKS.
#[cfg(target_os = "linux")]
fn open_beneath_kernel(
    root: BorrowedFd<'_>,
    path: &[u8],
    flags: OFlags,
    follow: Follow,
) -> Result<OwnedFd, Errno> {
    use rustix::fs::ResolveFlags;
    use std::os::unix::ffi::OsStrExt;
    let how = ResolveFlags::BENEATH
        | match follow {
            Follow::Beneath => ResolveFlags::NO_MAGICLINKS,
            Follow::Never => ResolveFlags::NO_SYMLINKS,
        };
    rfs::openat2(
        root,
        std::ffi::OsStr::from_bytes(path),
        flags,
        Mode::empty(),
        how,
    )
}

/// Opens `path` beneath `root` by walking it: what [`open_beneath`] does
/// where there is no openat2. Each directory on the way is opened with
/// O_NOFOLLOW and held (one descriptor per level); a component that is a
/// symlink is read and, where `follow` allows, its value walked from the
/// directory that holds it. A `..` above the root or an absolute symlink
/// is EXDEV, a symlink refused ELOOP; a final symlink with O_NOFOLLOW in
/// `flags` is ELOOP, as the kernel says. A directory swapped for a symlink
/// meanwhile is met as that symlink: the walk never passes through one
/// unchecked. Without O_PATH (macOS) each directory on the way is opened
/// for reading, so it must be readable, where openat2 needs only search
/// permission.
pub fn open_beneath_walk(
    root: BorrowedFd<'_>,
    path: &[u8],
    flags: OFlags,
    follow: Follow,
) -> Result<OwnedFd, Errno> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.len() >= libc::PATH_MAX as usize {
        return Err(Errno::NAMETOOLONG);
    }
    if path[0] == b'/' {
        return Err(Errno::XDEV);
    }
    // The components still to walk, the next one last.
    let mut todo: Vec<Vec<u8>> = Vec::new();
    push_components(&mut todo, path);
    // The directories walked into below the root, the current one last.
    let mut held: Vec<OwnedFd> = Vec::new();
    let mut links = 0;
    while let Some(name) = todo.pop() {
        let last = todo.is_empty();
        if name == b"." || name == b".." {
            if name == b".." && held.pop().is_none() {
                return Err(Errno::XDEV);
            }
            if last {
                let here = held.last().map_or(root, |d| d.as_fd());
                return rfs::openat(here, ".", flags, Mode::empty());
            }
            continue;
        }
        let here = held.last().map_or(root, |d| d.as_fd());
        let how = match last {
            true => flags | OFlags::NOFOLLOW,
            false => STEP,
        };
        let refused = match rfs::openat(here, name.as_slice(), how, Mode::empty()) {
            Ok(fd) => match is_link_handle(&fd, how)? {
                true => Errno::LOOP,
                false if last => return Ok(fd),
                false if held.len() >= MAX_DEPTH => return Err(Errno::NAMETOOLONG),
                false => {
                    held.push(fd);
                    continue;
                }
            },
            // O_NOFOLLOW met a symlink (ELOOP; EMLINK on FreeBSD; ENOTDIR
            // with O_DIRECTORY), or the open failed for itself.
            Err(e) => e,
        };
        let value = match rfs::readlinkat(here, name.as_slice(), Vec::new()) {
            Ok(v) => v.into_bytes(),
            // Not a symlink (or gone): the open's own error.
            Err(_) => return Err(refused),
        };
        if follow == Follow::Never || (last && flags.contains(OFlags::NOFOLLOW)) {
            return Err(Errno::LOOP);
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(Errno::LOOP);
        }
        match value.first() {
            None => return Err(Errno::NOENT),
            Some(b'/') => return Err(Errno::XDEV),
            Some(_) => push_components(&mut todo, &value),
        }
    }
    // Not reached: a relative path has a component, and the last returns.
    Err(Errno::NOENT)
}

/// Puts `path`'s components on `todo` so that its first is popped next;
/// a trailing slash is a final "." (the name before it must be a
/// directory, as the kernel has it).
fn push_components(todo: &mut Vec<Vec<u8>>, path: &[u8]) {
    if path.ends_with(b"/") {
        todo.push(b".".to_vec());
    }
    for c in path.rsplit(|&b| b == b'/').filter(|c| !c.is_empty()) {
        todo.push(c.to_vec());
    }
}

/// Whether an O_PATH | O_NOFOLLOW open handed back the symlink itself
/// (the kernels with O_PATH do); other opens never do.
fn is_link_handle(fd: &OwnedFd, how: OFlags) -> Result<bool, Errno> {
    #[cfg(any(target_os = "linux", target_os = "freebsd"))]
    if how.contains(OFlags::PATH) {
        let st = rfs::fstat(fd)?;
        return Ok(rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Symlink);
    }
    let _ = (fd, how);
    Ok(false)
}

/// The environment variable that picks the resolver on Linux.
pub const ENV: &str = "WSYNC_RESOLVE";

/// `WSYNC_RESOLVE` as read once: whether paths are walked, or what is
/// wrong with its value.
fn choice() -> &'static Result<bool, String> {
    static CHOICE: OnceLock<Result<bool, String>> = OnceLock::new();
    CHOICE.get_or_init(|| parse_choice(std::env::var_os(ENV).as_deref(), cfg!(target_os = "linux")))
}

/// `WSYNC_RESOLVE`'s value: unset, the platform's own resolver; `walk`;
/// `openat2` where that is Linux's. Anything else is an error.
fn parse_choice(value: Option<&std::ffi::OsStr>, linux: bool) -> Result<bool, String> {
    match value {
        None => Ok(!linux),
        Some(v) if v == "walk" => Ok(true),
        Some(v) if v == "openat2" && linux => Ok(false),
        Some(v) => Err(format!(
            "{ENV}={}: {}",
            v.to_string_lossy(),
            match linux {
                true => "use walk or openat2",
                false => "only walk is available here (openat2 is Linux's)",
            }
        )),
    }
}

/// Whether this process resolves by walking (off Linux, always).
#[cfg(target_os = "linux")]
fn walking() -> bool {
    matches!(choice(), Ok(true))
}

/// How paths beneath module roots are resolved, for the server's start-up
/// log; an error for a `WSYNC_RESOLVE` this platform cannot honour.
pub fn resolver() -> Result<&'static str, String> {
    match choice() {
        Ok(true) => Ok("walked component by component (O_NOFOLLOW, held parents)"),
        Ok(false) => Ok("openat2 with RESOLVE_BENEATH"),
        Err(e) => Err(e.clone()),
    }
}

#[cfg(test)]
mod tests;
