//! The same cases for every resolver this platform has: the walk always,
//! the kernel's openat2 on Linux too (where each case is also a check that
//! the two agree).

use super::*;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;

type Resolver = fn(BorrowedFd<'_>, &[u8], OFlags, Follow) -> Result<OwnedFd, Errno>;

fn resolvers() -> Vec<(&'static str, Resolver)> {
    let mut r: Vec<(&'static str, Resolver)> = vec![("walk", open_beneath_walk)];
    #[cfg(target_os = "linux")]
    r.push(("openat2", open_beneath_kernel));
    r
}

/// tmp/outside/secret, and beneath tmp/root: files, directories and
/// symlinks of every kind a resolution meets.
fn fixture() -> (tempfile::TempDir, OwnedFd) {
    let tmp = tempfile::tempdir().unwrap();
    let (root, outside) = (tmp.path().join("root"), tmp.path().join("outside"));
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"secret").unwrap();
    std::fs::write(root.join("f0"), b"f0").unwrap();
    std::fs::write(root.join("a/f"), b"f").unwrap();
    for (value, at) in [
        ("../f0", "a/up"),
        ("../../outside", "a/out"),
        (outside.to_str().unwrap(), "a/abs"),
        (".", "a/self"),
        ("../a/../a/f", "a/deep"),
        ("a", "dirlink"),
        ("loop2", "loop1"),
        ("loop1", "loop2"),
        ("nope", "dangling"),
    ] {
        symlink(value, root.join(at)).unwrap();
    }
    // 40 symlinks in a row are followed (c0 .. c39), 41 are not (l0 .. l40).
    for (prefix, n) in [("c", 40), ("l", 41)] {
        for i in 0..n {
            let next = if i + 1 == n {
                "f0".to_string()
            } else {
                format!("{prefix}{}", i + 1)
            };
            symlink(next, root.join(format!("{prefix}{i}"))).unwrap();
        }
    }
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("fifo"))
        .status();
    assert!(made.unwrap().success(), "mkfifo");
    let fd = rfs::open(
        &root,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .unwrap();
    (tmp, fd)
}

/// The device and inode of what `fd` is open on.
fn id_of_fd(fd: &OwnedFd) -> (u64, u64) {
    let st = rfs::fstat(fd).unwrap();
    (st.st_dev as u64, st.st_ino as u64)
}

fn id_of(p: &Path) -> (u64, u64) {
    let m = std::fs::symlink_metadata(p).unwrap();
    (m.dev(), m.ino())
}

#[test]
fn every_resolver_stays_beneath_the_root_and_agrees() {
    let (tmp, root) = fixture();
    let r = OFlags::RDONLY | OFlags::CLOEXEC;
    let d = OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC;
    // As store.rs opens a file: never a final symlink, never blocking.
    let n = r | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
    let look = LOOK | OFlags::CLOEXEC;
    let (b, never) = (Follow::Beneath, Follow::Never);
    let deep = format!("{}f", "a/".repeat(2100));
    // (path, flags, follow, what it opens below tmp or the error)
    let cases: Vec<(&str, OFlags, Follow, Result<&str, Errno>)> = vec![
        ("a/f", r, b, Ok("root/a/f")),
        (".", d, b, Ok("root")),
        ("a/..", d, b, Ok("root")),
        ("a/../a/./f", r, b, Ok("root/a/f")),
        ("a//f", r, b, Ok("root/a/f")),
        ("a/", d, b, Ok("root/a")),
        ("a/f/", r, b, Err(Errno::NOTDIR)),
        ("", r, b, Err(Errno::NOENT)),
        // '..' out of the root, at once or on the way.
        ("..", d, b, Err(Errno::XDEV)),
        ("../outside/secret", r, b, Err(Errno::XDEV)),
        ("a/../../outside/secret", r, b, Err(Errno::XDEV)),
        ("/etc/passwd", r, b, Err(Errno::XDEV)),
        // Symlinks that stay beneath are followed, on the way and at the end.
        ("a/up", r, b, Ok("root/f0")),
        ("a/up", look, b, Ok("root/f0")),
        ("dirlink/f", r, b, Ok("root/a/f")),
        ("dirlink/..", d, b, Ok("root")),
        ("a/self/self/f", r, b, Ok("root/a/f")),
        ("a/deep", r, b, Ok("root/a/f")),
        ("c0", r, b, Ok("root/f0")),
        // ...unless the flags or the caller say not to.
        ("a/up", n, b, Err(Errno::LOOP)),
        ("dirlink/f", r, never, Err(Errno::LOOP)),
        ("dirlink", look | OFlags::DIRECTORY, never, Err(Errno::LOOP)),
        ("dirlink/", d, never, Err(Errno::LOOP)),
        ("a", look | OFlags::DIRECTORY, never, Ok("root/a")),
        // Symlinks that lead out: relative, absolute, or by '..' after one.
        ("a/out", d, b, Err(Errno::XDEV)),
        ("a/out/secret", r, b, Err(Errno::XDEV)),
        ("a/abs", d, b, Err(Errno::XDEV)),
        ("a/abs/secret", r, b, Err(Errno::XDEV)),
        ("dirlink/../..", d, b, Err(Errno::XDEV)),
        // Loops, too many links, missing and non-directory components.
        ("loop1", r, b, Err(Errno::LOOP)),
        ("l0", r, b, Err(Errno::LOOP)),
        ("dangling", r, b, Err(Errno::NOENT)),
        ("nope/x", r, b, Err(Errno::NOENT)),
        ("f0/x", r, b, Err(Errno::NOTDIR)),
        (&deep, r, b, Err(Errno::NAMETOOLONG)),
        // A FIFO is looked at, or opened non-blocking, without waiting.
        ("fifo", look, b, Ok("root/fifo")),
        ("fifo", n, b, Ok("root/fifo")),
    ];
    for (name, resolve) in resolvers() {
        for (path, flags, follow, want) in &cases {
            let got =
                resolve(root.as_fd(), path.as_bytes(), *flags, *follow).map(|fd| id_of_fd(&fd));
            let want = want.map(|p| id_of(&tmp.path().join(p)));
            assert_eq!(got, want, "{name}: {path:?} {flags:?} {follow:?}");
        }
    }
}

/// A directory on the way swapped for a symlink (relative or absolute) to
/// outside, back and forth, while paths through it are resolved: a file
/// outside is never opened.
#[test]
fn a_directory_swapped_for_a_symlink_during_walks_never_leads_out() {
    let (tmp, root) = fixture();
    let base = tmp.path().join("root");
    std::fs::create_dir(base.join("sw")).unwrap();
    std::fs::write(base.join("sw/secret"), b"inside").unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (base, stop) = (base.clone(), stop.clone());
        let outside = tmp.path().join("outside");
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::fs::rename(base.join("sw"), base.join("sw.d")).unwrap();
                let value = match i % 2 {
                    0 => outside.clone(),
                    _ => Path::new("../outside").to_path_buf(),
                };
                symlink(&value, base.join("sw")).unwrap();
                std::fs::remove_file(base.join("sw")).unwrap();
                std::fs::rename(base.join("sw.d"), base.join("sw")).unwrap();
                i += 1;
            }
        })
    };
    let started = std::time::Instant::now();
    let mut inside = 0;
    for _ in 0..4000 {
        for (name, resolve) in resolvers() {
            let flags = OFlags::RDONLY | OFlags::CLOEXEC;
            if let Ok(fd) = resolve(root.as_fd(), b"sw/secret", flags, Follow::Beneath) {
                let mut got = String::new();
                std::io::Read::read_to_string(&mut std::fs::File::from(fd), &mut got).unwrap();
                assert_eq!(got, "inside", "{name} opened a file outside the root");
                inside += 1;
            }
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(inside > 0, "no resolution ever saw the directory");
    // With the symlink left in place, every resolver refuses it.
    std::fs::rename(base.join("sw"), base.join("sw.d")).unwrap();
    symlink("../outside", base.join("sw")).unwrap();
    for (name, resolve) in resolvers() {
        let got = resolve(root.as_fd(), b"sw/secret", OFlags::RDONLY, Follow::Beneath).map(|_| ());
        assert_eq!(got, Err(Errno::XDEV), "{name}");
    }
}

#[test]
fn wsync_resolve_values() {
    let linux = cfg!(target_os = "linux");
    let parse = |v: Option<&str>| parse_choice(v.map(std::ffi::OsStr::new), linux);
    // Unset: openat2 on Linux, the walk elsewhere.
    assert_eq!(parse(None), Ok(!linux));
    assert_eq!(parse(Some("walk")), Ok(true));
    assert_eq!(parse(Some("openat2")).is_ok(), linux);
    assert_eq!(parse(Some("openat2")).ok(), linux.then_some(false));
    for bad in ["", "Walk", "openat"] {
        let e = parse(Some(bad)).unwrap_err();
        assert!(e.starts_with(&format!("{ENV}={bad}: ")), "{e}");
    }
}
