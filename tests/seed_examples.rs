//! The local examples of the rsync reference page users learn from
//! (/work/shared/seed-rsync.md), run for real with rsync and with
//! `wsync sync`, each into its own copy of the same destination: the
//! resulting trees, the per-file output (names, itemized changes,
//! deletions), the stable `--stats` lines, the log file's item lines and
//! the exit status must be the same. Paths of the page map to a test
//! tree (/source/ is src/, /destination/ is dst/, /backup/... dirs next
//! to it). The source has extended attributes and ACLs (access and
//! default) for the `-aHAX` examples; `-vvv` debug output is not
//! compared.

mod common;

use common::{describe, rsync_version, run_in, tree_problem, wsync_path};
use std::fs;
use std::path::Path;

/// Makes the example source tree under `root/src`.
fn source(root: &Path) {
    let src = root.join("src");
    let files: &[(&str, usize)] = &[
        ("notes.txt", 120),
        ("readme.md", 40),
        ("data.bin", 300_000),
        ("big.iso", 5000),
        ("run.tmp", 10),
        ("app.log", 2000),
        ("old.bak", 1),
        ("x.cache", 3),
        ("photo.jpg", 70_000),
        ("cache/blob", 900),
        ("temp/t1", 50),
        ("important/keep.txt", 7),
        ("docs/a.txt", 1500),
        ("docs/b.md", 0),
        ("docs/deep/c.txt", 12),
        ("secret/key.secret", 32),
    ];
    for (i, (p, size)) in files.iter().enumerate() {
        let at = src.join(p);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        let data: Vec<u8> = (0..*size).map(|j| (j * 7 + i * 13) as u8).collect();
        fs::write(&at, data).unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_600_000_000 + i as u64, 250);
        fs::File::options()
            .write(true)
            .open(&at)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    fs::create_dir_all(src.join("empty")).unwrap();
    std::os::unix::fs::symlink("notes.txt", src.join("link-in")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", src.join("link-out")).unwrap();
    std::os::unix::fs::symlink("docs", src.join("link-dir")).unwrap();
    fs::hard_link(src.join("notes.txt"), src.join("notes-hard.txt")).unwrap();
    let sparse = fs::File::create(src.join("sparse.img")).unwrap();
    sparse.set_len(4 << 20).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&sparse, b"head", 0).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&sparse, b"tail", (4 << 20) - 4).unwrap();
    fs::set_permissions(
        src.join("docs/a.txt"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    fs::write(src.join(".rsync-filter"), "- *.cache\n").unwrap();
    xattrs_and_acls(&src);
    for d in [
        "",
        "cache",
        "temp",
        "important",
        "docs",
        "docs/deep",
        "secret",
        "empty",
    ] {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_500);
        let at = src.join(d);
        let f = fs::File::open(&at).unwrap();
        f.set_modified(t).unwrap();
    }
}

/// ACL entries (tag, permissions, id) as the kernel's attribute.
fn acl(entries: &[(u16, u16, u32)]) -> Vec<u8> {
    let mut v = 2u32.to_le_bytes().to_vec();
    for &(tag, perm, id) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&perm.to_le_bytes());
        v.extend_from_slice(&id.to_le_bytes());
    }
    v
}

/// User xattrs on some entries, an access ACL on a file, and an access
/// and default ACL on a directory (as setfattr/setfacl would make them).
fn xattrs_and_acls(src: &Path) {
    use rustix::fs::{setxattr, XattrFlags};
    const ANY: u32 = u32::MAX;
    let set = |p: &str, name: &str, value: &[u8]| {
        setxattr(src.join(p), name, value, XattrFlags::empty()).unwrap()
    };
    set("notes.txt", "user.comment", b"keep me");
    set("photo.jpg", "user.mime_type", b"image/jpeg");
    set("docs", "user.project", b"wsync");
    set("data.bin", "user.checksum", &[0xab; 64]);
    // docs/a.txt is 0600: user rw, group mask none; a named user reads.
    let a = acl(&[
        (1, 6, ANY),
        (2, 4, 1000),
        (4, 0, ANY),
        (0x10, 0, ANY),
        (0x20, 0, ANY),
    ]);
    set("docs/a.txt", "system.posix_acl_access", &a);
    let d = acl(&[
        (1, 7, ANY),
        (2, 5, 1000),
        (4, 5, ANY),
        (0x10, 5, ANY),
        (0x20, 5, ANY),
    ]);
    set("docs/deep", "system.posix_acl_access", &d);
    set("docs/deep", "system.posix_acl_default", &d);
}

/// A destination from an earlier run: some files older, some newer,
/// some changed in place with the same size and time, and extras.
fn destination(side: &Path) {
    let dst = side.join("dst");
    fs::create_dir_all(dst.join("docs")).unwrap();
    fs::create_dir_all(dst.join("important")).unwrap();
    fs::create_dir_all(dst.join("gone-dir")).unwrap();
    let put = |p: &str, data: &[u8], secs: u64| {
        let at = dst.join(p);
        fs::write(&at, data).unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        fs::File::options()
            .write(true)
            .open(&at)
            .unwrap()
            .set_modified(t)
            .unwrap();
    };
    // Same size and time as the source, other bytes: only -c sees it.
    put("readme.md", &[b'z'; 40], 1_600_000_001);
    // Newer on the destination: -u keeps it.
    put("notes.txt", b"newer here", 1_700_000_000);
    put("docs/a.txt", b"short", 1_500_000_000);
    put("important/extra.txt", b"protect me", 1_500_000_000);
    put("stale.txt", b"delete me", 1_500_000_000);
    put("gone-dir/inner", b"x", 1_500_000_000);
    put("run.tmp", b"extra tmp", 1_500_000_000);
    // An attribute the source does not have: -X removes it.
    rustix::fs::setxattr(
        dst.join("readme.md"),
        "user.stale",
        b"old",
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    // A previous snapshot for --link-dest: the source as it was.
    let prev = side.join("prev");
    fs::create_dir_all(&prev).unwrap();
    let out = std::process::Command::new("cp")
        .args(["-a", "../src/.", "prev/"])
        .current_dir(side)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    fs::write(prev.join("docs/a.txt"), b"changed since").unwrap();
}

/// The page's commands, with its paths mapped to the test tree.
fn examples() -> Vec<Vec<&'static str>> {
    vec![
        vec!["-v", "../src/notes.txt", "dst/"],
        vec!["-av", "../src/", "dst/"],
        vec!["-av", "../src", "dst/"],
        vec!["-avz", "../src/", "dst/"],
        vec!["-avP", "../src/", "dst/"],
        vec!["-avn", "--dry-run", "../src/", "dst/"],
        vec!["-avi", "--dry-run", "../src/", "dst/"],
        vec!["-avc", "--dry-run", "../src/", "dst/"],
        vec!["-av", "--stats", "../src/", "dst/"],
        vec![
            "-av",
            "--exclude=*.tmp",
            "--exclude=*.log",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--exclude=cache/",
            "--exclude=temp/",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--exclude=*.bak",
            "--exclude=*.tmp",
            "--exclude=*.cache",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--include=*.txt",
            "--include=*.md",
            "--exclude=*",
            "../src/",
            "dst/",
        ],
        vec!["-av", "--max-size=100K", "../src/", "dst/"],
        vec!["-av", "--min-size=1K", "../src/", "dst/"],
        vec![
            "-av",
            "--exclude-from=../rules/exclude.txt",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--include-from=../rules/include.txt",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--include-from=../rules/include.txt",
            "--exclude-from=../rules/exclude.txt",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--filter=P important/",
            "--delete",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--filter=merge ../rules/filter.rules",
            "../src/",
            "dst/",
        ],
        vec!["-av", "--filter=H *.secret", "../src/", "dst/"],
        vec![
            "-av",
            "--filter=dir-merge /.rsync-filter",
            "../src/",
            "dst/",
        ],
        vec!["-av", "--delete", "../src/", "dst/"],
        vec![
            "-av",
            "--delete",
            "--backup",
            "--backup-dir=../deleted/",
            "../src/",
            "dst/",
        ],
        vec![
            "-av",
            "--delete",
            "--exclude=*.tmp",
            "--exclude=cache/",
            "../src/",
            "dst/",
        ],
        vec!["-aHAX", "--delete", "../src/", "dst/"],
        vec!["-av", "../src/", "dst/20250101/"],
        vec![
            "-av",
            "--delete",
            "--backup",
            "--backup-dir=../old/20250101",
            "../src/",
            "dst/",
        ],
        vec!["-av", "--link-dest=../prev", "../src/", "dst/today/"],
        vec!["-avu", "../src/", "dst/"],
        vec!["-avc", "../src/", "dst/"],
        vec!["-av", "--ignore-existing", "../src/", "dst/"],
        vec![
            "-avz",
            "--skip-compress=gz/jpg/mp[34]/mov/avi",
            "../src/",
            "dst/",
        ],
        vec!["-av", "--bwlimit=100000", "../src/", "dst/"],
        vec!["-av", "--no-compress", "--whole-file", "../src/", "dst/"],
        vec!["-av", "--block-size=8192", "../src/", "dst/"],
        vec!["-av", "--whole-file", "../src/", "dst/"],
        vec!["-av", "--no-whole-file", "../src/", "dst/"],
        vec!["-aHAX", "../src/", "dst/"],
        vec!["-av", "--owner", "--group", "../src/", "dst/"],
        vec!["-avp", "--no-o", "--no-g", "../src/", "dst/"],
        vec!["-avD", "../src/", "dst/"],
        vec!["-avH", "../src/", "dst/"],
        vec!["-avS", "../src/", "dst/"],
        vec!["-avl", "../src/", "dst/"],
        vec!["-avL", "../src/", "dst/"],
        vec!["-av", "--numeric-ids", "../src/", "dst/"],
        vec!["-av", "--no-o", "--no-g", "../src/", "dst/"],
        vec![
            "-av",
            "--no-compress",
            "--whole-file",
            "--block-size=1M",
            "../src/",
            "dst/",
        ],
        vec!["-av", "--block-size=4096", "../src/", "dst/"],
        vec!["-av", "--max-size=1G", "--exclude=*.iso", "../src/", "dst/"],
        vec![
            "-av",
            "--partial",
            "--partial-dir=.rsync-partial",
            "../src/",
            "dst/",
        ],
        vec!["-avi", "--log-file=changes.log", "../src/", "dst/"],
        vec!["-avP", "--info=progress2", "../src/", "dst/"],
        vec!["-avc", "../src/", "dst/"],
        vec!["-avcn", "--dry-run", "../src/", "dst/"],
        vec!["-av", "--checksum", "../src/", "dst/"],
        // Beyond the page: output forms, paths, limits.
        vec!["-avh", "--stats", "../src/", "dst/"],
        vec![
            "-a",
            "--out-format=%i|%n|%L|%l|%o|%M|%B|%U|%G",
            "../src/",
            "dst/",
        ],
        vec!["-a", "--out-format=%-15n|%'l|%10l", "../src/", "dst/"],
        vec!["-aii", "../src/", "dst/"],
        vec!["-avq", "--delete", "../src/", "dst/"],
        vec!["-rv", "--delete", "../src/", "dst/"],
        vec!["-a", "--delete", "--max-delete=1", "-i", "../src/", "dst/"],
        vec!["-ai", "--existing", "../src/", "dst/"],
        vec!["-aiR", "../src/./docs/", "dst/"],
        vec!["-ai", "--files-from=../rules/list.txt", "../src/", "dst/"],
        vec!["-ai", "--mkpath", "../src/", "dst/new/deeper/"],
        vec!["-ai", "../src/notes.txt", "dst/renamed.txt"],
        vec!["-ai", "../src/docs", "../src/notes.txt", "dst/"],
        vec![
            "-ai",
            "--delete-excluded",
            "--exclude=*.log",
            "../src/",
            "dst/",
        ],
        vec!["-rli", "-E", "../src/", "dst/"],
        vec!["-aiX", "../src/", "dst/"],
        vec!["-aiA", "--delete", "../src/", "dst/"],
        vec!["-aiHAX", "--link-dest=../prev", "../src/", "dst/today/"],
    ]
}

/// The lines both must print alike: per-file lines and the stable
/// --stats lines (not byte counts, rates or times, nor progress).
/// Hard links are printed when rsync's receiver has finished their
/// leader: compared as a set.
fn comparable(lines: &[String]) -> (Vec<String>, Vec<String>, Vec<String>) {
    const STATS: &[&str] = &[
        "Number of files:",
        "Number of created files:",
        "Number of deleted files:",
        "Number of regular files transferred:",
        "Total file size:",
        "Total transferred file size:",
        "Literal data:",
        "Matched data:",
    ];
    let mut main = Vec::new();
    let mut side = Vec::new();
    let mut hard = Vec::new();
    for l in lines {
        if l.contains(" => ") {
            hard.push(l.clone());
            continue;
        }
        if l.is_empty()
            || l.starts_with("sent ")
            || l.starts_with("total size is")
            || l.starts_with("sending incremental")
            || l.starts_with("building file list")
            || l.contains("to-chk=")
            || l.starts_with("File list")
            || l.starts_with("Total bytes")
        {
            continue;
        }
        if l.starts_with("Number of")
            || l.starts_with("Total")
            || l.ends_with(" data: 0 bytes")
            || l.contains(" data: ")
        {
            if STATS.iter().any(|s| l.starts_with(s)) {
                main.push(l.clone());
            }
            continue;
        }
        // rsync's generator prints these, its sender the others.
        if l.starts_with("deleting ")
            || l.starts_with("*deleting")
            || l.starts_with("cannot delete")
            || l.starts_with("skipping non-regular")
        {
            side.push(l.clone());
        } else {
            main.push(l.clone());
        }
    }
    hard.sort();
    (main, side, hard)
}

/// The item lines of a log file, without their time and pid.
fn log_items(path: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(path) else {
        return vec!["(no log file)".into()];
    };
    text.lines()
        .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest.to_string()))
        .filter(|l| {
            let b = l.as_bytes();
            b.len() > 12 && b"<>ch.*".contains(&b[0]) && b[11] == b' '
        })
        .collect()
}

#[test]
fn seed_rsync_examples_match_rsync() {
    let reference = rsync_version();
    let mut failures = Vec::new();
    for ex in examples() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        source(root);
        fs::create_dir_all(root.join("rules")).unwrap();
        fs::write(root.join("rules/exclude.txt"), "*.tmp\n*.log\ncache/\n").unwrap();
        fs::write(root.join("rules/include.txt"), "+ */\n+ *.txt\n- *\n").unwrap();
        fs::write(root.join("rules/filter.rules"), "- *.bak\n- temp/\n").unwrap();
        fs::write(
            root.join("rules/list.txt"),
            "docs/a.txt\nnotes.txt\n# note\nempty\n",
        )
        .unwrap();
        for side in ["r", "w"] {
            destination(&root.join(side));
        }
        let args: Vec<String> = ex.iter().map(|s| s.to_string()).collect();
        let want = run_in("rsync", &args, &root.join("r"), &[], None);
        let mut wargs = vec!["sync".to_string()];
        wargs.extend(args.iter().cloned());
        let got = run_in(wsync_path(), &wargs, &root.join("w"), &[], None);
        let mut problems = Vec::new();
        if want.code != got.code {
            problems.push(format!("exit: rsync {} wsync {}", want.code, got.code));
        }
        if comparable(&want.lines) != comparable(&got.lines) {
            problems.push(format!(
                "output:\n    rsync: {}\n    wsync: {}",
                want.lines.join("\n           "),
                got.lines.join("\n           ")
            ));
        }
        let times = ex[0].contains('a') || ex[0].contains('t');
        for dir in ["dst", "deleted", "old"] {
            let (r, w) = (
                describe(&root.join("r").join(dir), times, times),
                describe(&root.join("w").join(dir), times, times),
            );
            problems.extend(tree_problem(dir, &r, &w));
        }
        if args.iter().any(|a| a.starts_with("--log-file")) {
            let (r, w) = (
                log_items(&root.join("r/changes.log")),
                log_items(&root.join("w/changes.log")),
            );
            if r != w {
                problems.push(format!("log file:\n    rsync: {r:?}\n    wsync: {w:?}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "rsync {}\n  {}\n  rsync stderr: {}\n  wsync stderr: {}",
                args.join(" "),
                problems.join("\n  "),
                want.stderr.trim(),
                got.stderr.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples differ from {reference}:\n{}",
        failures.len(),
        examples().len(),
        failures.join("\n\n")
    );
}
