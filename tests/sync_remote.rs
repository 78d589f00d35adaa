//! The remote forms of `wsync sync` against a real `wsync serve` on a
//! loopback port: each push or pull is compared with what the real rsync
//! does between local directories holding the same trees (contents,
//! modes, mtimes, symlinks, deletions, and the itemized lines).

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};
use util::*;

mod common;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// A tree with nested directories, a large text file, modes, a symlink
/// and old mtimes everywhere (so that rsync's choices are deterministic).
fn source_tree(root: &Path) {
    fs::create_dir_all(root.join("d/e")).unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
    write(root, "a.txt", b"alpha\n");
    write(root, "d/big.txt", &data(1, 3 << 20, true));
    write(root, "d/e/x.bin", &data(2, 70_000, false));
    write(root, "run.sh", b"#!/bin/sh\necho hi\n");
    fs::set_permissions(root.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("d/big.txt", root.join("link")).unwrap();
    age(root);
}

/// Gives every entry below `root` (and `root`) an old mtime.
fn age(root: &Path) {
    let mut n = 0;
    let mut todo = vec![root.to_path_buf()];
    let mut all = Vec::new();
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                todo.push(p.clone());
            }
            all.push(p);
        }
    }
    all.push(root.to_path_buf());
    for p in all {
        n += 1;
        let t = rustix::fs::Timespec {
            tv_sec: 1_500_000_000 + n,
            tv_nsec: 0,
        };
        let ts = rustix::fs::Timestamps {
            last_access: t,
            last_modification: t,
        };
        rustix::fs::utimensat(
            rustix::fs::CWD,
            &p,
            &ts,
            rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
        )
        .unwrap();
    }
}

/// What a destination that is to be updated holds: a stale file, an extra
/// file and directory (for --delete), and a file that is already current.
fn stale_tree(root: &Path, src: &Path) {
    fs::create_dir_all(root.join("d/gone")).unwrap();
    write(root, "d/gone/old.txt", b"old");
    write(root, "extra.txt", b"extra");
    let mut big = data(1, 3 << 20, true);
    big[1000..1010].copy_from_slice(b"0123456789");
    write(root, "d/big.txt", &big);
    fs::copy(src.join("a.txt"), root.join("a.txt")).unwrap();
    let t = fs::metadata(src.join("a.txt")).unwrap().modified().unwrap();
    fs::File::options()
        .write(true)
        .open(root.join("a.txt"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    let _ = at(0);
}

fn lines(out: &std::process::Output) -> Vec<String> {
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.replacen('<', ">", 1))
        .collect();
    v.sort();
    v
}

/// These tests compare the daemon's tree with a local rsync's, which
/// stores symlink values as given: so the daemon does not munge them (by
/// default it does, as rsync's daemon: tests/serve_attacks_auth.rs).
const NO_MUNGE: &str = "--no-munge-symlinks";

fn rsync(args: &[&str]) -> std::process::Output {
    peer("rsync").args(args).output().unwrap()
}

fn stat_line(out: &std::process::Output, what: &str) -> u64 {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with(what))
        .unwrap_or_else(|| panic!("no {what:?} in {text}"));
    line[what.len()..]
        .trim()
        .trim_end_matches(" bytes")
        .replace(',', "")
        .parse()
        .unwrap()
}

#[test]
fn push_and_pull_trees_as_rsync_does() {
    let dir = tempfile::tempdir().unwrap();
    let (module, src, reference) = (
        dir.path().join("module"),
        dir.path().join("src"),
        dir.path().join("ref"),
    );
    fs::create_dir(&module).unwrap();
    source_tree(&src);
    stale_tree(&module.join("x"), &src);
    stale_tree(&reference, &src);
    let srv = serve(&module, &[NO_MUNGE]);
    let port = srv.port.to_string();
    let dest = "127.0.0.1::data/x/";
    let s_src = format!("{}/", s(&src));

    // Push: an update with deletions, against rsync between local dirs.
    let ours = ok(wsync().args(["sync", "-ai", "--delete", "--port", &port, &s_src, dest]));
    let theirs = rsync(&["-ai", "--delete", &s_src, &format!("{}/", s(&reference))]);
    assert!(theirs.status.success());
    assert_eq!(lines(&ours), lines(&theirs));
    assert_eq!(
        common::describe(&module.join("x"), true, true),
        common::describe(&reference, true, true)
    );
    // A second run finds nothing to do.
    let again = ok(wsync().args(["sync", "-ai", "--delete", "--port", &port, &s_src, dest]));
    assert_eq!(lines(&again), Vec::<String>::new());

    // A few bytes changed in the large file: few bytes on the wire.
    let big = src.join("d/big.txt");
    let mut bytes = fs::read(&big).unwrap();
    bytes[2_000_000..2_000_005].copy_from_slice(b"HELLO");
    fs::write(&big, &bytes).unwrap();
    let st = ok(wsync().args(["sync", "-a", "--stats", "--port", &port, &s_src, dest]));
    let sent = stat_line(&st, "Total bytes sent:");
    let received = stat_line(&st, "Total bytes received:");
    assert!(sent + received < 60_000, "sent {sent} received {received}");
    assert_eq!(fs::read(module.join("x/d/big.txt")).unwrap(), bytes);

    // Pull into a stale copy, against rsync from the module's directory.
    let (back, back_ref) = (dir.path().join("back"), dir.path().join("back_ref"));
    stale_tree(&back, &src);
    stale_tree(&back_ref, &src);
    let ours = ok(wsync().args([
        "sync",
        "-ai",
        "--delete",
        "--port",
        &port,
        dest,
        &format!("{}/", s(&back)),
    ]));
    let theirs = rsync(&[
        "-ai",
        "--delete",
        &format!("{}/", s(&module.join("x"))),
        &format!("{}/", s(&back_ref)),
    ]);
    assert!(theirs.status.success());
    assert_eq!(lines(&ours), lines(&theirs));
    assert_eq!(
        common::describe(&back, true, true),
        common::describe(&back_ref, true, true)
    );

    // Without a trailing slash the directory itself comes along; a dry
    // run changes nothing.
    let into = dir.path().join("into");
    let dry = ok(wsync().args([
        "sync",
        "-ain",
        "--port",
        &port,
        "127.0.0.1::data/x",
        s(&into),
    ]));
    assert!(lines(&dry).contains(&"cd+++++++++ x/".to_string()));
    assert!(!into.exists());
    ok(wsync().args(["sync", "-a", "--port", &port, "127.0.0.1::data/x", s(&into)]));
    assert_eq!(
        common::describe(&into.join("x"), true, true),
        common::describe(&module.join("x"), true, true)
    );
}

#[test]
fn url_forms_listing_checksums_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    fs::create_dir(&module).unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let srv = serve(&module, &[NO_MUNGE]);
    let port = srv.port.to_string();
    let s_src = format!("{}/", s(&src));

    // wsync:// and ws:// name the same daemon.
    let w = format!("wsync://127.0.0.1:{port}/data/w/");
    ok(wsync().args(["sync", "-a", &s_src, &w]));
    let ws = format!("ws://127.0.0.1:{port}/data/ws/");
    ok(wsync().args(["sync", "-a", &s_src, &ws]));
    assert_eq!(
        common::describe(&module.join("w"), true, true),
        common::describe(&module.join("ws"), true, true)
    );
    assert_eq!(
        common::describe(&module.join("w"), true, false),
        common::describe(&src, true, false)
    );

    // `HOST::` lists the modules, `HOST::MODULE/DIR/` a directory.
    let out = ok(wsync().args(["sync", "--port", &port, "127.0.0.1::"]));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("data"));
    let out = ok(wsync().args(["sync", "--port", &port, "127.0.0.1::data/w/"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(" a.txt\n") && text.contains("link -> d/big.txt"),
        "{text}"
    );

    // Same size and mtime, other bytes: only -c sees it.
    let a = module.join("w/a.txt");
    let t = fs::metadata(&a).unwrap().modified().unwrap();
    fs::write(&a, b"ALPHA\n").unwrap();
    fs::File::options()
        .write(true)
        .open(&a)
        .unwrap()
        .set_modified(t)
        .unwrap();
    let plain = ok(wsync().args(["sync", "-ai", &s_src, &w]));
    assert_eq!(lines(&plain), Vec::<String>::new());
    let sums = ok(wsync().args(["sync", "-aic", &s_src, &w]));
    assert_eq!(lines(&sums), vec![">fc........ a.txt".to_string()]);
    assert_eq!(fs::read(&a).unwrap(), b"alpha\n");

    // A missing module: rsync's exit 5, with the server's words.
    let out = wsync()
        .args(["sync", "-a", &s_src, "127.0.0.1::nope/x/"])
        .args(["--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));

    // Nothing answers the handshake: --contimeout gives up with 35.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sport = silent.local_addr().unwrap().port().to_string();
    let t0 = std::time::Instant::now();
    let out = wsync()
        .args([
            "sync",
            "-a",
            "--contimeout=1",
            "--port",
            &sport,
            &s_src,
            "127.0.0.1::data/z/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(35), "{out:?}");
    assert!(t0.elapsed() < Duration::from_secs(10));

    // Both sides remote, or a local argument among remote sources: usage.
    let out = run(&["sync", "-a", "h::m/a", "h::m/b"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["sync", "-a", "h::m/a", "local", "dst"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn remote_shell_transport_through_e() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let remote = dir.path().join("remote");
    let rsh = write(dir.path(), "fake-ssh", b"#!/bin/sh\nshift\nexec \"$@\"\n");
    fs::set_permissions(&rsh, fs::Permissions::from_mode(0o755)).unwrap();
    let exe = env!("CARGO_BIN_EXE_wsync");
    let dest = format!("localhost:{}/", s(&remote));
    let out = ok(wsync()
        .args(["sync", "-ai", "-e", s(&rsh), "--rsync-path", exe])
        .args([&format!("{}/", s(&src)), &dest]));
    assert!(lines(&out).contains(&">f+++++++++ d/e/x.bin".to_string()));
    assert_eq!(
        common::describe(&remote, true, false),
        common::describe(&src, true, false)
    );
    let back = dir.path().join("back");
    ok(wsync()
        .args(["sync", "-a", "-e", s(&rsh), "--rsync-path", exe])
        .args([&dest, &format!("{}/", s(&back))]));
    assert_eq!(
        common::describe(&back, true, false),
        common::describe(&src, true, false)
    );
}

#[test]
fn filters_on_both_sides_as_rsync() {
    let dir = tempfile::tempdir().unwrap();
    let (module, src) = (dir.path().join("module"), dir.path().join("src"));
    fs::create_dir(&module).unwrap();
    source_tree(&src);
    let srv = serve(&module, &[NO_MUNGE]);
    let port = srv.port.to_string();
    let s_src = format!("{}/", s(&src));
    // The destination holds an excluded file (protected from --delete
    // unless --delete-excluded) and an extra one.
    for root in [module.join("f"), dir.path().join("ref")] {
        fs::create_dir_all(root.join("d/e")).unwrap();
        write(&root, "d/e/keep.bin", b"kept");
        write(&root, "extra.txt", b"extra");
    }
    let reference = dir.path().join("ref");
    let rules = ["--exclude=*.bin", "--filter=- /run.sh"];
    for extra in [&[][..], &["--delete-excluded"][..]] {
        let ours = ok(wsync()
            .args(["sync", "-ai", "--delete", "--port", &port])
            .args(rules)
            .args(extra)
            .args([&s_src, "127.0.0.1::data/f/"]));
        let theirs = peer("rsync")
            .args(["-ai", "--delete"])
            .args(rules)
            .args(extra)
            .args([&s_src, &format!("{}/", s(&reference))])
            .output()
            .unwrap();
        assert_eq!(lines(&ours), lines(&theirs), "{extra:?}");
        assert_eq!(
            common::describe(&module.join("f"), true, true),
            common::describe(&reference, true, true),
            "{extra:?}"
        );
    }
    // Pull with an excluded directory, against rsync from the module.
    let (back, back_ref) = (dir.path().join("back"), dir.path().join("back_ref"));
    let ours = ok(wsync()
        .args(["sync", "-ai", "--exclude=/d/e/", "--port", &port])
        .args(["127.0.0.1::data/f/", s(&back)]));
    let theirs = peer("rsync")
        .args(["-ai", "--exclude=/d/e/"])
        .args([&format!("{}/", s(&module.join("f"))), s(&back_ref)])
        .output()
        .unwrap();
    let theirs: Vec<String> = lines(&theirs)
        .into_iter()
        .map(|l| l.replace("back_ref", "back"))
        .collect();
    assert_eq!(lines(&ours), theirs);
    assert_eq!(
        common::describe(&back, true, true),
        common::describe(&back_ref, true, true)
    );
}

#[test]
fn users_and_read_only_modules() {
    let dir = tempfile::tempdir().unwrap();
    for m in ["private", "ro"] {
        fs::create_dir(dir.path().join(m)).unwrap();
    }
    write(&dir.path().join("ro"), "file", b"read me");
    let secrets = dir.path().join("secrets");
    fs::write(&secrets, "ann:open sesame\n").unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    let p = |m: &str| dir.path().join(m).display().to_string();
    let conf = format!(
        "munge symlinks = no\n[private]\npath = {}\nread only = no\nauth users = ann\nsecrets file = {}\n\
         [ro]\npath = {}\nread only = yes\n",
        p("private"),
        secrets.display(),
        p("ro")
    );
    let srv = serve_config(dir.path(), &conf);
    let port = srv.port.to_string();
    let src = dir.path().join("src");
    source_tree(&src);
    let s_src = format!("{}/", s(&src));
    let pw = write(dir.path(), "pw", b"open sesame\n");
    let bad = write(dir.path(), "bad", b"guess\n");
    let dest = "ann@127.0.0.1::private/t/";
    ok(wsync()
        .args(["sync", "-a", "--port", &port, "--password-file", s(&pw)])
        .args([&s_src, dest]));
    assert_eq!(
        common::describe(&dir.path().join("private/t"), true, false),
        common::describe(&src, true, false)
    );
    let out = wsync()
        .args(["sync", "-a", "--port", &port, "--password-file", s(&bad)])
        .args([&s_src, dest])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    // A read-only module can be pulled from, not pushed to.
    let back = dir.path().join("back");
    ok(wsync().args(["sync", "-a", "--port", &port, "127.0.0.1::ro/", s(&back)]));
    assert_eq!(fs::read(back.join("file")).unwrap(), b"read me");
    let out = wsync()
        .args(["sync", "-a", "--port", &port, &s_src, "127.0.0.1::ro/x/"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert!(!dir.path().join("ro/x").exists());
}

#[test]
fn seed_page_remote_examples() {
    // The remote examples of the rsync reference page, with `rsync`
    // replaced by `wsync sync`, "remote" reached through a local stand-in
    // for ssh and "backupserver" being a wsync daemon on a loopback port.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local/path");
    source_tree(&local);
    let rsh = write(dir.path(), "fake-ssh", b"#!/bin/sh\nshift\nexec \"$@\"\n");
    fs::set_permissions(&rsh, fs::Permissions::from_mode(0o755)).unwrap();
    let exe = env!("CARGO_BIN_EXE_wsync");
    let remote = dir.path().join("remote/path");
    let sync = |args: &[&str]| {
        let mut c = wsync();
        c.arg("sync").args(args).arg("--rsync-path").arg(exe);
        ok(&mut c)
    };
    // rsync -avz -e ssh /local/path/ user@remote:/remote/path/
    sync(&[
        "-avz",
        "-e",
        s(&rsh),
        &format!("{}/", s(&local)),
        &format!("user@remote:{}/", s(&remote)),
    ]);
    assert_eq!(
        common::describe(&remote, true, true),
        common::describe(&local, true, true)
    );
    // rsync -avz -e ssh user@remote:/remote/path/ /local/path/ (into a copy)
    let copy = dir.path().join("copy");
    sync(&[
        "-avz",
        "-e",
        s(&rsh),
        &format!("user@remote:{}/", s(&remote)),
        &format!("{}/", s(&copy)),
    ]);
    assert_eq!(
        common::describe(&copy, true, true),
        common::describe(&local, true, true)
    );
    // rsync://backupserver/ lists modules; rsync -avz /local/path/
    // rsync://backupserver/module/ and back, with --password-file.
    let module = dir.path().join("module");
    fs::create_dir(&module).unwrap();
    let secrets = dir.path().join("secrets");
    fs::write(&secrets, "user:pass\n").unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    let conf = format!(
        "munge symlinks = no\n[backup]\npath = {}\nread only = no\nauth users = user\nsecrets file = {}\n",
        module.display(),
        secrets.display()
    );
    let srv = serve_config(dir.path(), &conf);
    let host = format!("127.0.0.1:{}", srv.port);
    let listing = sync(&[&format!("rsync://{host}/")]);
    assert!(String::from_utf8_lossy(&listing.stdout).starts_with("backup"));
    let pass = write(dir.path(), "rsync.pass", b"pass\n");
    sync(&[
        "-avz",
        &format!("--password-file={}", s(&pass)),
        &format!("{}/", s(&local)),
        &format!("rsync://user@{host}/backup/"),
    ]);
    assert_eq!(
        common::describe(&module, true, false),
        common::describe(&local, true, false)
    );
    let restored = dir.path().join("restored");
    sync(&[
        "-avz",
        &format!("--password-file={}", s(&pass)),
        &format!("rsync://user@{host}/backup/"),
        &format!("{}/", s(&restored)),
    ]);
    assert_eq!(
        common::describe(&restored, true, false),
        common::describe(&local, true, false)
    );
}
