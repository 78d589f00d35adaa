//! `wsync sync` options checked one scenario at a time against the real
//! rsync: `-K/--keep-dirlinks`, `--chmod`, `--timeout`, directories
//! cleared to make way (with `--max-delete`) or for a backup, `--inplace`
//! backups, alt-dest bases and exact alt-dest matches under -ii, a
//! hard-link follower over a directory; and the end of a run on SIGINT, SIGTERM or SIGHUP (exit 20, no temporary
//! file left).

mod common;

use common::{describe, rsync_version, run_in, wsync_path};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn write(p: &Path, data: &[u8], mode: u32) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
    fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
    fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(at(1_600_000_000))
        .unwrap();
}

fn source(root: &Path) {
    let src = root.join("src");
    write(&src.join("d/f"), b"one", 0o644);
    write(&src.join("d/e/g"), b"two", 0o744);
    write(&src.join("top"), b"three", 0o600);
    fs::set_permissions(
        src.join("d"),
        std::os::unix::fs::PermissionsExt::from_mode(0o750),
    )
    .unwrap();
    std::os::unix::fs::symlink("top", src.join("link")).unwrap();
    for d in ["d/e", "d"] {
        fs::File::open(src.join(d))
            .unwrap()
            .set_modified(at(1_600_000_100))
            .unwrap();
    }
}

/// Runs `args` with rsync in `root/r` and wsync in `root/w`; returns
/// what differs (exit status, sorted output lines, the trees `dirs`).
fn compare(root: &Path, args: &[&str], dirs: &[&str]) -> Vec<String> {
    compare_as(root, args, args, dirs)
}

/// `compare`, with rsync given `rsync_args`: the same transfer in the
/// form where rsync does what its manual says (docs/RSYNC.md lists the
/// places where rsync 3.5.0 does not).
fn compare_as(root: &Path, rsync_args: &[&str], args: &[&str], dirs: &[&str]) -> Vec<String> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let want = run_in("rsync", &strings(rsync_args), &root.join("r"), &[], None);
    let mut wargs = vec!["sync".to_string()];
    wargs.extend(strings(args));
    let got = run_in(wsync_path(), &wargs, &root.join("w"), &[], None);
    let mut problems = Vec::new();
    if want.code != got.code {
        problems.push(format!(
            "exit: rsync {} wsync {} ({})",
            want.code, got.code, got.stderr
        ));
    }
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    if sorted(&want.lines) != sorted(&got.lines) {
        problems.push(format!(
            "output: rsync {:?} wsync {:?}",
            want.lines, got.lines
        ));
    }
    for d in dirs {
        let r = describe(&root.join("r").join(d), true, false);
        let w = describe(&root.join("w").join(d), true, false);
        if r != w {
            problems.push(format!("tree {d}: rsync {r:#?} wsync {w:#?}"));
        }
    }
    if !problems.is_empty() {
        problems.insert(0, format!("against {}", rsync_version()));
    }
    problems
}

/// The receiver keeps `dst/d` elsewhere, behind a symlink to `target`
/// (relative to `dst`), with two files in it.
fn dirlink(side: &Path, target: &str) {
    let real = side.join("dst").join(target);
    write(&real.join("stale"), b"old", 0o644);
    write(&real.join("f"), b"older", 0o644);
    std::os::unix::fs::symlink(target, side.join("dst/d")).unwrap();
}

const DIRLINK_CASES: [&[&str]; 4] = [&["-aiK", "--delete"], &["-aiK"], &["-ai"], &["-rliK", "-n"]];

#[test]
fn keep_dirlinks_as_the_manual_says() {
    // -K treats a receiver's symlink to a directory "as though it were a
    // real directory" (rsync's manual), wherever it leads. rsync 3.5.0
    // does so only with --insecure-links, although the symlink is the
    // running user's own: without it, it refuses one that leads out of
    // the destination ("Too many levels of symbolic links (40)") and
    // cannot set the permissions of one inside it (the same error), exit
    // 23 (docs/RSYNC.md). wsync follows the manual: it is compared with
    // `rsync --insecure-links`.
    for target in ["real", "../real"] {
        for extra in DIRLINK_CASES {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path();
            source(root);
            for side in ["r", "w"] {
                fs::create_dir_all(root.join(side).join("dst")).unwrap();
                dirlink(&root.join(side), target);
            }
            let mut args = extra.to_vec();
            args.extend(["../src/", "dst/"]);
            let mut rsync_args = args.clone();
            rsync_args.insert(0, "--insecure-links");
            let problems = compare_as(root, &rsync_args, &args, &["dst", "real"]);
            assert!(
                problems.is_empty(),
                "{target} {args:?}:\n{}",
                problems.join("\n")
            );
        }
    }
    // The same as a fixed expectation.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    source(root);
    fs::create_dir_all(root.join("w/dst")).unwrap();
    dirlink(&root.join("w"), "../real");
    let args = ["sync", "-aiK", "--delete", "../src/", "dst/"].map(String::from);
    let got = run_in(wsync_path(), &args, &root.join("w"), &[], None);
    assert_eq!(got.code, 0, "{}", got.stderr);
    let mut lines = got.lines.clone();
    lines.sort();
    assert_eq!(
        lines,
        [
            "*deleting   d/stale",
            ".d..tp..... d/",
            ">f+++++++++ d/e/g",
            ">f+++++++++ top",
            ">f.s....... d/f",
            "cL+++++++++ link -> top",
            "cd+++++++++ d/e/",
        ]
    );
    let real = root.join("w/real");
    assert_eq!(fs::read(real.join("f")).unwrap(), b"one");
    assert_eq!(fs::read(real.join("e/g")).unwrap(), b"two");
    assert!(!real.join("stale").exists());
    assert!(fs::symlink_metadata(root.join("w/dst/d"))
        .unwrap()
        .is_symlink());
}

#[test]
fn chmod_as_rsync() {
    rsync_version();
    let cases: &[&[&str]] = &[
        &["-ai", "--chmod=a-x,a+X"],
        &["-ai", "--chmod=Dg+s,ug+w,Fo-w,+X", "--chmod=o+r"],
        &["-ri", "--chmod=F600,D700"],
        &["-ai", "--chmod=u=rwX,go=rX"],
        &["-ai", "--chmod=bogus"],
        &["-ai", "--timeout=30"],
    ];
    for extra in cases {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        source(root);
        for side in ["r", "w"] {
            fs::create_dir_all(root.join(side)).unwrap();
        }
        let mut args = extra.to_vec();
        args.extend(["../src/", "dst/"]);
        let problems = compare(root, &args, &["dst"]);
        assert!(problems.is_empty(), "{args:?}:\n{}", problems.join("\n"));
    }
}

/// Runs each case on a fresh `src` and a destination side made by
/// `setup` (called for `r` and `w`), then compares `dirs`.
fn cases_as_rsync(cases: &[&[&str]], dirs: &[&str], setup: &dyn Fn(&Path)) {
    cases_on(&source, cases, dirs, setup);
}

/// `cases_as_rsync` with the source made by `src` (given the root).
fn cases_on(src: &dyn Fn(&Path), cases: &[&[&str]], dirs: &[&str], setup: &dyn Fn(&Path)) {
    rsync_version();
    for extra in cases {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        src(root);
        for side in ["r", "w"] {
            fs::create_dir_all(root.join(side)).unwrap();
            setup(&root.join(side));
        }
        let mut args = extra.to_vec();
        args.extend(["../src/", "dst/"]);
        let problems = compare(root, &args, dirs);
        assert!(problems.is_empty(), "{args:?}:\n{}", problems.join("\n"));
    }
}

#[test]
fn make_way_and_backups_as_rsync() {
    // A directory where the source has file `top`: its contents count
    // against --max-delete (rsync: one deleted, "cannot delete non-empty
    // directory", "could not make way", exit 23), and so do the extras.
    cases_as_rsync(
        &[
            &["-ri", "--delete", "--max-delete=1", "-n"],
            &["-ri", "--delete", "--max-delete=1"],
            &["-ri", "--delete", "--max-delete=5"],
            &["-ri", "--delete"],
            // Without --delete, --force clears it, counted the same.
            &["-ri", "--force", "--max-delete=1"],
            &["-ri", "--force", "--max-delete=0", "-n"],
            &["-ri", "--force", "--max-delete=9"],
        ],
        &["dst"],
        &|s| {
            write(&s.join("dst/top/sub2"), b"x", 0o644);
            write(&s.join("dst/top/m~"), b"y", 0o644);
            write(&s.join("dst/d/extra"), b"z", 0o644);
        },
    );
    // A directory where a backup goes: its contents are deleted and
    // logged (under --backup-dir, named from the destination), counted
    // against --max-delete apart from the generator's deletions. Past
    // the limit, with --delay-updates, the staged file stays in .~tmp~
    // (23).
    let backup_place = |s: &Path| {
        write(&s.join("dst/top"), b"old", 0o640);
        write(&s.join("dst/top~/inner"), b"i", 0o644);
        write(&s.join("bak/top/sub/f"), b"k", 0o644);
    };
    cases_as_rsync(
        &[
            &["-ri", "-I", "-b"],
            &["-ri", "-I", "-b", "--backup-dir=../bak"],
            &["-ri", "-I", "-b", "--inplace", "--backup-dir=../bak"],
            &["-ri", "-I", "-b", "--backup-dir=../bak", "--max-delete=2"],
            &["-ri", "-I", "-b", "--delay-updates", "--max-delete=0"],
        ],
        &["dst", "bak"],
        &backup_place,
    );
    // Otherwise rsync's receiver exits (11). What its generator, running
    // ahead, does with the items after that one is a race: here none
    // follow.
    let flat = |root: &Path| {
        write(&root.join("src/a"), b"one", 0o644);
        write(&root.join("src/top"), b"three", 0o600);
    };
    cases_on(
        &flat,
        &[
            &["-ri", "-I", "-b", "--max-delete=0"],
            &["-ri", "-I", "-b", "--backup-dir=../bak", "--max-delete=1"],
            &["-ri", "-I", "-b", "--delete", "--max-delete=1"],
        ],
        &["dst", "bak"],
        &|s| {
            backup_place(s);
            write(&s.join("dst/extra"), b"e", 0o644);
        },
    );
    // --inplace backups keep the original's time with -t (not without).
    let inplace_place = |s: &Path| {
        write(&s.join("dst/top"), b"three but longer", 0o640);
        write(&s.join("dst/d/f"), b"uno", 0o600);
    };
    cases_as_rsync(
        &[
            &["-ai", "-I", "--inplace", "-b"],
            &["-rti", "-I", "--inplace", "-b", "--backup-dir=bk"],
        ],
        &["dst"],
        &inplace_place,
    );
    // The same into a --backup-dir named by a relative path that leaves
    // the destination: rsync 3.5.0 makes the backups but cannot give them
    // their attributes ("stat "dst/../bak/top" failed: Invalid argument
    // (22)", exit 23); with the same directory named by its absolute path
    // it does what its manual says (docs/RSYNC.md). wsync does that.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    source(root);
    for side in ["r", "w"] {
        inplace_place(&root.join(side));
    }
    let absolute = format!("--backup-dir={}", root.join("r/bak").display());
    let args = [
        "-rti",
        "-I",
        "--inplace",
        "--no-whole-file",
        "--backup-dir=../bak",
        "../src/",
        "dst/",
    ];
    let mut rsync_args = args;
    rsync_args[4] = &absolute;
    let problems = compare_as(root, &rsync_args, &args, &["dst", "bak"]);
    assert!(problems.is_empty(), "{args:?}:\n{}", problems.join("\n"));
    // As a fixed expectation: the old files, with their modes and times.
    let bak = root.join("w/bak");
    for (name, data, mode) in [
        ("top", &b"three but longer"[..], 0o100640),
        ("d/f", b"uno", 0o100600),
    ] {
        let md = fs::metadata(bak.join(name)).unwrap();
        assert_eq!(fs::read(bak.join(name)).unwrap(), data);
        assert_eq!(
            (
                std::os::unix::fs::MetadataExt::mode(&md),
                md.modified().unwrap()
            ),
            (mode, at(1_600_000_000)),
            "{name}"
        );
    }
}

#[test]
fn alt_dest_bases_as_rsync() {
    // Without -p a new file takes its alt-dest basis's permissions; with
    // -O an alt-dest directory whose time differs is itemized.
    cases_as_rsync(
        &[
            &["-ri", "--link-dest=../prev"],
            &["-ri", "--copy-dest=../prev"],
            &["-rlti", "-O", "--copy-dest=../prev"],
            &["-rlti", "-O", "--link-dest=../prev"],
        ],
        &["dst"],
        &|s| {
            write(&s.join("prev/top"), b"three", 0o1700);
            write(&s.join("prev/d/f"), b"one but longer", 0o1711);
            fs::create_dir_all(s.join("prev/d/e")).unwrap();
            fs::File::open(s.join("prev/d"))
                .unwrap()
                .set_modified(at(1_600_000_300))
                .unwrap();
        },
    );
}

#[test]
fn exact_alt_dest_matches_as_rsync() {
    // An alt-dest entry that matches in full is itemized only for -ii:
    // 'hf'/'hL' with an empty name for --link-dest, '.f' for
    // --compare-dest, 'cd' for a directory; without -t no 't' then.
    cases_as_rsync(
        &[
            &["-ai", "-ii", "--link-dest=../prev"],
            &["-ai", "-ii", "--compare-dest=../prev"],
            &["-ai", "-ii", "--copy-dest=../prev"],
            &["-rlpi", "-ii", "--link-dest=../prev"],
            &["-ai", "--link-dest=../prev"],
            &["-ai", "-ii", "-n", "--link-dest=../prev"],
        ],
        &["dst"],
        &|s| {
            let ok = std::process::Command::new("cp")
                .args(["-a", "../src", "prev"])
                .current_dir(s)
                .status()
                .unwrap();
            assert!(ok.success());
            // One file differs: it is transferred as usual.
            write(&s.join("prev/d/f"), b"uno", 0o644);
        },
    );
}

#[test]
fn hard_link_follower_over_a_directory_as_rsync() {
    // `z` and `d/y` share an inode; `z` comes first but has no file to
    // update, so `d/y` leads. A directory at `z` makes way when `z` is
    // reached (the link is then new: 'hf+++'); one at `d/y` (reached
    // after its leader `z` here) is itemized against the old entry.
    let src = |root: &Path| {
        write(&root.join("src/z"), b"shared", 0o644);
        write(&root.join("src/d/other"), b"o", 0o644);
        fs::hard_link(root.join("src/z"), root.join("src/d/y")).unwrap();
    };
    let cases: &[&[&str]] = &[
        &["-aHi"],
        &["-aHi", "--delete-after"],
        &["-aHi", "--delete-delay"],
        &["-aHi", "--delete"],
    ];
    cases_on(&src, cases, &["dst"], &|s| {
        write(&s.join("dst/z/inner"), b"x", 0o644);
        write(&s.join("dst/d/other"), b"o", 0o644);
    });
    cases_on(&src, cases, &["dst"], &|s| {
        write(&s.join("dst/z"), b"shared", 0o644);
        fs::create_dir_all(s.join("dst/d/y")).unwrap();
    });
}

/// Whether `dir` holds a temporary file (rsync's `.NAME.XXXXXX`).
fn has_temp(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with('.'))
    })
}

#[test]
fn signals_end_the_run_with_status_20() {
    use rustix::process::{kill_process, Pid, Signal};
    for sig in [Signal::INT, Signal::TERM, Signal::HUP] {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        let dst = tmp.path().join("dst");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("big"), vec![7u8; 8 << 20]).unwrap();
        // 1 MiB a second: the transfer takes 8 s unless stopped.
        let child = std::process::Command::new(wsync_path())
            .args(["sync", "-a", "--bwlimit=1024"])
            .arg(format!("{}/", src.display()))
            .arg(&dst)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !has_temp(&dst) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no temporary file appeared"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let pid = Pid::from_child(&child);
        kill_process(pid, sig).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(20), "{sig:?}: {stderr}");
        assert!(
            stderr.contains("wsync error: received SIGINT, SIGTERM, or SIGHUP (code 20)"),
            "{sig:?}: {stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "{sig:?}: too slow"
        );
        assert!(!has_temp(&dst), "{sig:?}: the temporary file was left");
        assert!(
            !dst.join("big").exists(),
            "{sig:?}: a partial file was kept"
        );
    }
}

/// docs/RSYNC.md, "--inplace (or --append) and a destination file with
/// two names": rsync's generator may or may not see the first name's new
/// data at the second; wsync writes each file before it looks at the
/// next entry, so it always does (here: no 's' at n/z, and the backup of
/// n/z is a's new data, which the shared file held by then).
#[test]
fn inplace_over_one_file_with_two_names() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let src = root.join("src");
    write(&src.join("a"), &[b'a'; 1000], 0o644);
    write(&src.join("n/z"), &[b'z'; 1000], 0o644);
    let dst = root.join("dst");
    write(&dst.join("a"), b"old\n", 0o644);
    fs::create_dir_all(dst.join("n")).unwrap();
    fs::hard_link(dst.join("a"), dst.join("n/z")).unwrap();
    let args: Vec<String> = ["sync", "-ri", "-I", "-b", "--inplace", "src/", "dst/"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got = run_in(wsync_path(), &args, root, &[], None);
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert_eq!(got.lines, vec![">f.sT...... a", ">f..T...... n/z"],);
    assert_eq!(fs::read(dst.join("a~")).unwrap(), b"old\n");
    assert_eq!(fs::read(dst.join("n/z~")).unwrap(), vec![b'a'; 1000]);
    assert_eq!(fs::read(dst.join("n/z")).unwrap(), vec![b'z'; 1000]);
    assert_eq!(fs::read(dst.join("a")).unwrap(), vec![b'z'; 1000]);
}
