//! Faults of `wsync serve` uploads: a false block match caught by the
//! whole-file check (the client's full-length retry), and a full disk.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use util::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_hash_mismatch_makes_the_client_push_again_with_full_strong_sums() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    // Every block of the new file has the weak sum (Adler-32) of the old
    // block at its offset: +1, -2, +1 on three neighbouring bytes keeps
    // both of its sums. With 1-byte strong sums about one block in 256
    // then matches falsely, so the first result fails its SHA-256 check.
    let len = 16 << 20;
    let block = wsync::default_block_len(len as u64) as usize;
    let mut old = data(50, len, false);
    for b in old.chunks_mut(block) {
        if b.len() > 103 {
            b[100..103].copy_from_slice(&[100, 100, 100]);
        }
    }
    let mut new = old.clone();
    for b in new.chunks_mut(block) {
        if b.len() > 103 {
            b[100..103].copy_from_slice(&[101, 98, 101]);
        }
    }
    assert_eq!(
        wsync::weak_sum(&old[..block]),
        wsync::weak_sum(&new[..block])
    );
    std::fs::write(module.join("f"), &old).unwrap();
    let local = write(dir.path(), "local", &new);
    let srv = serve(&module, &["--strong-len", "1"]);
    let url = format!("ws://127.0.0.1:{}/data/f", srv.port);
    let out = ok(wsync().args(["push", s(&local), &url]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("failed its SHA-256 check; sending again with full strong sums"),
        "no retry: {err}"
    );
    assert!(std::fs::read(module.join("f")).unwrap() == new);
    assert_eq!(names(&module), ["f"]);
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        let uid = Command::new("id").arg("-u").output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&uid.stdout).trim(),
            "0",
            "the disk-full test mounts a tmpfs and must run as root"
        );
        std::fs::create_dir_all(dir).unwrap();
        let st = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                s(dir),
            ])
            .status()
            .unwrap();
        assert!(st.success(), "mount -t tmpfs failed");
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_the_upload_cleanly_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let fs = Tmpfs::mount(&module, "2m");
    let old = data(60, 500_000, true);
    std::fs::write(module.join("f"), &old).unwrap();
    let srv = serve(&module, &[]);
    let url = |p: &str| format!("ws://127.0.0.1:{}/data/{p}", srv.port);
    // 3 MB of random bytes cannot fit beside the old file in 2 MB.
    let big = write(dir.path(), "big", &data(61, 3_000_000, false));
    let out = run(&["push", s(&big), &url("f")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no space left on the server"), "{err}");
    assert!(
        std::fs::read(module.join("f")).unwrap() == old,
        "the old file changed"
    );
    assert_eq!(names(&module), ["f"], "temporary files left");
    // The server keeps serving: a small upload fits and a pull works.
    let small = write(dir.path(), "small", b"fits");
    ok(wsync().args(["push", s(&small), &url("g")]));
    assert_eq!(std::fs::read(module.join("g")).unwrap(), b"fits");
    let back = dir.path().join("back");
    ok(wsync().args(["pull", &url("f"), s(&back)]));
    assert!(std::fs::read(&back).unwrap() == old);
    drop(srv);
    drop(fs);
}
