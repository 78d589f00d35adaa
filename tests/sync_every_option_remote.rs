//! The options of issue 15 (part 2) with a remote side: a `wsync serve`
//! on a loopback port. Those with no meaning for wsync's connection, and
//! those that act on the local side only, are accepted and the push or
//! pull gives rsync's tree; those wsync's protocol cannot carry are
//! refused (exit 1, the reason named) before anything changes.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::fs;
use std::path::Path;
use util::*;

mod common;

fn source(src: &Path) {
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("f"), b"f contents\n").unwrap();
    fs::write(src.join("d/g"), b"g\n").unwrap();
    std::os::unix::fs::symlink("f", src.join("link")).unwrap();
}

const ACCEPTED: &[&[&str]] = &[
    &["-4"],
    &["-6"],
    &["--no-motd"],
    &["--protocol=31"],
    &["--cc=md5"],
    &["--zc=zlib", "--zt=2"],
    &["-8"],
    &["--info=name", "--debug=none"],
    &["-s", "--old-args", "--trust-sender"],
    &["--checksum-seed=1", "--max-alloc=8M", "--outbuf=L"],
    &["--blocking-io", "--inc-recursive", "--no-i-r"],
    &["--super", "--drop-D", "--insecure-links"],
    &["--confine-root=/"],
    &["--stderr=all"],
];

const REFUSED_PUSH: &[(&[&str], &str)] = &[
    (&["--modify-window=-1"], "--modify-window below 0"),
    (&["-y"], "-y/--fuzzy"),
    (&["-T", "/tmp"], "-T/--temp-dir"),
    (&["--chown=0:0"], "--usermap/--chown"),
    (&["--groupmap=*:0"], "--groupmap/--chown"),
    (&["--iconv=utf8"], "--iconv"),
    (&["--delete-missing-args"], "--delete-missing-args"),
    (&["--preallocate"], "--preallocate"),
    (&["--fsync"], "--fsync"),
    (&["--open-noatime"], "--open-noatime"),
    (&["-J"], "-J/--omit-link-times"),
    (&["-U"], "-U/--atimes"),
    (&["--fake-super"], "--fake-super"),
    (&["--list-only"], "--list-only"),
    (&["--write-batch=/dev/null"], "--write-batch"),
    (&["--copy-devices"], "--copy-devices"),
    (&["--write-devices"], "--write-devices"),
    (&["--munge-links"], "--munge-links"),
    (&["--copy-as=nobody"], "--copy-as"),
    (&["--address=127.0.0.1"], "--address"),
    (&["--sockopts=SO_SNDBUF=8192"], "--sockopts"),
    (&["-M-v"], "-M/--remote-option"),
    (&["--early-input=/dev/null"], "--early-input"),
    (&["--stop-after=60"], "--stop-after/--stop-at"),
    (&["--stderr=client"], "--stderr=client"),
];

#[test]
fn remote_options_accepted_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (module, src, reference) = (
        dir.path().join("module"),
        dir.path().join("src"),
        dir.path().join("ref"),
    );
    fs::create_dir(&module).unwrap();
    source(&src);
    // Links stored as sent (relative, inside the module), so the module
    // compares with a local rsync; the default munging has its own tests
    // in serve_attacks_auth.rs.
    let srv = serve(&module, &["--no-munge-symlinks"]);
    let port = srv.port.to_string();
    let s_src = format!("{}/", src.display());
    let theirs = std::process::Command::new("rsync")
        .args(["-rlt", &s_src, &format!("{}/", reference.display())])
        .output()
        .unwrap();
    assert!(theirs.status.success());
    for (n, opts) in ACCEPTED.iter().enumerate() {
        let dest = format!("127.0.0.1::data/a{n}/");
        let mut args = vec!["sync", "-rlt", "--port", &port];
        args.extend_from_slice(opts);
        args.extend([s_src.as_str(), dest.as_str()]);
        let out = wsync().args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{opts:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            common::describe(&module.join(format!("a{n}")), true, false),
            common::describe(&reference, true, false),
            "{opts:?}"
        );
    }
    // -x and --ignore-missing-args act on a push's local walk.
    let dest = "127.0.0.1::data/x/";
    let missing = format!("{}/nope", src.display());
    let f = format!("{}/f", src.display());
    let out = ok(wsync().args([
        "sync",
        "-rlt",
        "-x",
        "--ignore-missing-args",
        "--port",
        &port,
        &missing,
        &f,
        dest,
    ]));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(module.join("x/f")).unwrap(), b"f contents\n");

    let before = common::describe(&module, true, false);
    for (opts, name) in REFUSED_PUSH {
        let mut args = vec!["sync", "-rlt", "--port", &port];
        args.extend_from_slice(opts);
        args.extend([s_src.as_str(), "127.0.0.1::data/r/"]);
        let out = wsync().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{opts:?}: {err}");
        assert!(
            err.contains(name) && err.contains("refused with a remote side"),
            "{opts:?}: {err}"
        );
    }
    // A pull refuses what a pull's sources would need.
    let local = dir.path().join("pulled");
    for (opts, name) in [
        (&["-x"][..], "-x/--one-file-system"),
        (&["--ignore-missing-args"][..], "--ignore-missing-args"),
        (&["-y"][..], "-y/--fuzzy"),
        (&["--remove-source-files"][..], "--remove-source-files"),
    ] {
        let mut args = vec!["sync", "-rlt", "--port", &port];
        args.extend_from_slice(opts);
        let l = format!("{}/", local.display());
        args.extend(["127.0.0.1::data/a0/", l.as_str()]);
        let out = wsync().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{opts:?}: {err}");
        assert!(err.contains(name), "{opts:?}: {err}");
    }
    assert!(!local.exists());
    assert_eq!(before, common::describe(&module, true, false));

    // --modify-window on a push: a file 2 seconds apart, same size, is
    // left as it is (and without the window, sent), as rsync does.
    for (window, expect_sent) in [("--modify-window=5", false), ("--modify-window=0", true)] {
        let f = module.join("a0/f");
        let t = fs::metadata(src.join("f")).unwrap().modified().unwrap();
        fs::write(&f, b"F CONTENTS\n").unwrap();
        fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(t - std::time::Duration::from_secs(2))
            .unwrap();
        let out = ok(wsync().args([
            "sync",
            "-rlti",
            window,
            "--port",
            &port,
            &s_src,
            "127.0.0.1::data/a0/",
        ]));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(text.contains(" f\n"), expect_sent, "{window}: {text}");
        let data = fs::read(&f).unwrap();
        assert_eq!(data == b"f contents\n", expect_sent, "{window}");
    }

    // --remove-source-files on a push: what is in sync on the server is
    // removed from the source, directories stay (as rsync's sender).
    let gone = dir.path().join("gone");
    source(&gone);
    let g = format!("{}/", gone.display());
    let out = ok(wsync().args([
        "sync",
        "-rlt",
        "--remove-source-files",
        "--port",
        &port,
        &g,
        "127.0.0.1::data/gone/",
    ]));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        common::describe(&module.join("gone"), true, false),
        common::describe(&reference, true, false)
    );
    let left: Vec<String> = common::describe(&gone, false, false);
    assert!(
        left.len() == 1 && left[0].starts_with("d: mode 40"),
        "only the directory stays: {left:?}"
    );
}
