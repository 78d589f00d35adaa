//! Differences the random harness (tests/sync_transfer.rs) found, each
//! as its smallest case, checked against the real rsync with the
//! harness's own comparison (exit status, stdout in rsync's streams,
//! stderr, log file, trees): each test names what was wrong.

mod common;
#[allow(dead_code)]
mod xfer;

use common::rsync_version;
use xfer::gen::Case;
use xfer::run::{quote, run_case};
use xfer::tree::{Metas, Node};

/// A source file `p` of `size` bytes.
fn file(p: &str, size: u64) -> Node {
    Node::File {
        p: p.into(),
        size,
        seed: size + 7,
        mode: 0o644,
        mtime: (1_600_000_000, 5),
        owner: (0, 0),
        sparse: false,
    }
}

fn dir(p: &str) -> Node {
    Node::Dir {
        p: p.into(),
        mode: 0o755,
        mtime: 1_600_000_100,
    }
}

/// A case: `src` (under `src`), a destination from an earlier run (at
/// `dst`, empty: none), files beside them, the same arguments for both.
fn case(src: Vec<Node>, dst: Vec<Node>, files: &[(&str, &str)], args: &[&str]) -> Case {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    Case {
        src,
        src_meta: Metas::new(),
        dst,
        dst_meta: Metas::new(),
        prev: Vec::new(),
        prev_meta: Metas::new(),
        files: files
            .iter()
            .map(|(n, d)| (n.to_string(), d.as_bytes().to_vec()))
            .collect(),
        rsync_args: args.clone(),
        args,
    }
}

/// Runs each case; fails with every difference found.
fn same_as_rsync(cases: &[Case]) {
    rsync_version();
    let mut failures = Vec::new();
    for c in cases {
        let (problems, want, got) = run_case(c, false);
        if !problems.is_empty() {
            let texts: Vec<&str> = problems.iter().map(|p| p.text.as_str()).collect();
            failures.push(format!(
                "rsync {}\n  {}\n  rsync stderr: {}\n  wsync stderr: {}",
                quote(&c.rsync_args),
                texts.join("\n  "),
                want.stderr.trim(),
                got.stderr.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "differ from {}:\n{}",
        rsync_version(),
        failures.join("\n\n")
    );
}

/// An option error is logged to a --log-file named before it (rsync's
/// log opens with its first message); one named after a bad option is
/// never read (popt stops there); errors of combinations know them all.
#[test]
fn option_errors_in_the_log_file() {
    let src = vec![file("a", 10)];
    same_as_rsync(&[
        case(
            src.clone(),
            vec![],
            &[],
            &[
                "--log-file=log.txt",
                "-r",
                "--delete-during",
                "--delete-after",
                "../src/",
                "dst/",
            ],
        ),
        case(
            src.clone(),
            vec![],
            &[],
            &[
                "-r",
                "--delete-during",
                "--delete-after",
                "--log-file=log.txt",
                "../src/",
                "dst/",
            ],
        ),
        case(
            src.clone(),
            vec![],
            &[],
            &["--log-file=log.txt", "--bogus", "../src/", "dst/"],
        ),
        case(
            src.clone(),
            vec![],
            &[],
            &["--bogus", "--log-file=log.txt", "../src/", "dst/"],
        ),
        case(
            src,
            vec![],
            &[],
            &["--max-size=x", "--log-file=log.txt", "../src/", "dst/"],
        ),
    ]);
}

/// A --files-from list whose every name is excluded: the "." it starts
/// with goes through the filters too (an empty list), and the receiver
/// still looks at the destination as rsync's get_local_name does.
#[test]
fn files_from_with_everything_excluded() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 20)];
    let list = [("list", "./a\nd/b\n")];
    let mut cases = Vec::new();
    for dst in ["dst", "dst/", "new/dst", "new/dst/"] {
        cases.push(case(
            src.clone(),
            vec![],
            &list,
            &["-i", "--files-from=list", "--exclude=*", "../src/", dst],
        ));
    }
    cases.push(case(
        src.clone(),
        vec![],
        &list,
        &[
            "-i",
            "--files-from=list",
            "--exclude=*",
            "--link-dest=../prev",
            "../src/",
            "dst/",
        ],
    ));
    cases.push(case(
        src,
        vec![],
        &[list[0], ("dst", "a file")],
        &["-i", "--files-from=list", "--exclude=*", "../src/", "dst/"],
    ));
    same_as_rsync(&cases);
}

/// rsync 3.5.0 never finishes here (docs/RSYNC.md, "Where rsync 3.5.0
/// does not finish"): the fixed result. The leader `f` cannot replace a
/// non-empty directory; `g`, its other name, is sent; exit 23.
#[test]
fn hard_link_leader_that_cannot_be_placed() {
    use std::fs;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("src")).unwrap();
    fs::create_dir_all(root.join("dst/f")).unwrap();
    fs::write(root.join("src/f"), "x\n").unwrap();
    fs::hard_link(root.join("src/f"), root.join("src/g")).unwrap();
    fs::write(root.join("dst/f/inner"), "y\n").unwrap();
    let args: Vec<String> = ["sync", "-rHi", "src/", "dst/"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got = common::run(common::wsync(), &args, root, &[], None);
    assert_eq!(
        got.lines,
        ["cannot delete non-empty directory: f", ">f+++++++++ g"],
        "{}",
        got.stderr
    );
    assert_eq!(
        got.stderr,
        "could not make way for new regular file: f\n\
         wsync error: some files/attrs were not transferred (see previous errors) (code 23)\n"
    );
    assert_eq!(got.code, 23);
    assert_eq!(fs::read(root.join("dst/g")).unwrap(), b"x\n");
    assert_eq!(fs::read(root.join("dst/f/inner")).unwrap(), b"y\n");
}

/// `--temp-dir=DIR` with a ".." in DIR: rsync 3.5.0 fails every file
/// ("mkstemp ... failed: Invalid argument (22)") against its manual
/// (docs/RSYNC.md); wsync uses the directory, as rsync does when given
/// the same directory without "..".
#[test]
fn temp_dir_with_dot_dot() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 5000)];
    let mut cases = Vec::new();
    for (w, r) in [
        (vec!["--temp-dir=.."], vec!["--temp-dir={ROOT}"]),
        (vec!["-T", "../prev/.."], vec!["-T", "{ROOT}"]),
    ] {
        let mut c = case(src.clone(), vec![file("a", 3)], &[], &[]);
        c.args = ["-ai"].iter().map(|s| s.to_string()).collect();
        c.args.extend(w.iter().map(|s| s.to_string()));
        c.args.extend(["../src/".to_string(), "dst/".to_string()]);
        c.rsync_args = ["-ai"].iter().map(|s| s.to_string()).collect();
        c.rsync_args.extend(r.iter().map(|s| s.to_string()));
        c.rsync_args
            .extend(["../src/".to_string(), "dst/".to_string()]);
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// Options that change what rsync prints: --qsort turns incremental
/// recursion off ("building file list ... done"), protocol 30 has no
/// "Number of deleted files" and sends whole seconds, --info=skip names
/// what the size limits, -u, --existing and --ignore-existing pass
/// over, --checksum-choice=none means whole files (so no --append).
#[test]
fn options_that_change_the_output() {
    let src = vec![
        file("a", 10),
        file("big", 5000),
        dir("d"),
        file("d/b", 20),
        dir("nd"),
    ];
    let old = vec![file("a", 3), file("gone", 4)];
    let mut cases = Vec::new();
    for args in [
        &["-av", "--qsort"][..],
        &["-a", "--stats", "--protocol=30", "--delete"],
        &["-ri", "--info=skip", "--max-size=100"],
        &["-ri", "--info=skip", "--min-size=15"],
        &["-ri", "--info=skip", "-u"],
        &["-ri", "--info=skip", "--existing"],
        &["-ri", "--info=skip", "--ignore-existing"],
        &["-ai", "--checksum-choice=none", "--append"],
        &["-ai", "-c", "--checksum-choice=none"],
        &["-ai", "-c", "--checksum-choice=md5,none"],
        &["-ai", "-c", "--checksum-choice=none,md5"],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), old.clone(), &[], &a));
    }
    same_as_rsync(&cases);
}

/// --list-only with a destination: a name given twice is listed once,
/// rsync's receiver still warns of a missing --link-dest dir (from where
/// it runs), and the log file gets the listing.
#[test]
fn list_only_as_rsync() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 20)];
    same_as_rsync(&[
        case(
            src.clone(),
            vec![],
            &[],
            &[
                "-a",
                "--list-only",
                "-R",
                "../src/./d",
                "../src/./d",
                "dst/",
            ],
        ),
        case(
            src.clone(),
            vec![],
            &[],
            &[
                "-a",
                "--list-only",
                "--compare-dest=../prev",
                "../src/",
                "dst",
            ],
        ),
        case(
            src,
            vec![],
            &[],
            &["-r", "--list-only", "--log-file=log.txt", "../src/", "dst/"],
        ),
    ]);
}

/// A --max-delete stop (exit 25) outranks the sender's error for a
/// missing source (23), as rsync's client takes its receiver's status.
#[test]
fn max_delete_over_a_missing_source() {
    let src = vec![dir("d"), file("d/x", 10)];
    let old = vec![
        dir("d"),
        file("d/old1", 1),
        file("d/old2", 2),
        file("d/x", 3),
    ];
    same_as_rsync(&[case(
        src,
        old,
        &[],
        &[
            "-a",
            "--delete",
            "--max-delete=0",
            "../src/missing",
            "../src/d",
            "dst/",
        ],
    )]);
}

/// --append-verify over a shorter file whose start differs: rsync's
/// receiver keeps what it appended, warns (with names shown) and the
/// file is sent again whole at the end of the pass, itemized again.
#[test]
fn append_verify_sends_again() {
    let src = vec![file("a", 5000), dir("d"), file("d/b", 20), file("z", 9)];
    let old = vec![file("a", 3), dir("d"), file("d/b", 4)];
    let mut cases = Vec::new();
    // (With incremental recursion where the redo comes among the other
    // lines is not deterministic in rsync 3.5.0: docs/RSYNC.md.)
    for args in [
        &["-ai", "--no-i-r", "--append-verify"][..],
        &["-rli", "--no-i-r", "--append-verify"],
        &["-av", "--no-i-r", "--append-verify", "--stats"],
        &["-a", "--no-i-r", "--append-verify", "--log-file=log.txt"],
        &["-ai", "--no-i-r", "--append-verify", "-m"],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), old.clone(), &[], &a));
    }
    same_as_rsync(&cases);
}

/// -8 with --log-file: a name's high-bit bytes go into the log file as
/// themselves, those rsync's log escapes (0x80 to 0x9f) escaped.
#[test]
fn eight_bit_names_in_the_log_file() {
    let src = vec![file("日本", 10), file("café", 5)];
    same_as_rsync(&[case(
        src,
        vec![],
        &[],
        &["-ai", "-8", "--log-file=log.txt", "../src/", "dst/"],
    )]);
}

/// --append onto a basis other than the file itself (--link-dest,
/// --fuzzy): rsync's receiver writes the source's bytes past the basis's
/// length into the new file and leaves its start a hole of zeros; a
/// basis as long as the file skips it; --append-verify sums the basis's
/// start (the same as the source's: the zeros stay; not: sent again).
#[test]
fn append_onto_another_basis() {
    let with_seed = |p: &str, size: u64, seed: u64| match file(p, size) {
        Node::File {
            p,
            mode,
            mtime,
            owner,
            sparse,
            ..
        } => Node::File {
            p,
            size,
            seed,
            mode,
            mtime,
            owner,
            sparse,
        },
        _ => unreachable!(),
    };
    let src = vec![file("f", 5000), file("g", 700)];
    let mut cases = Vec::new();
    for (prev, args) in [
        (
            vec![file("f", 3)],
            &["-ai", "--append", "--link-dest=../prev"][..],
        ),
        (
            vec![file("f", 3)],
            &["-ai", "--no-i-r", "--append-verify", "--link-dest=../prev"],
        ),
        (
            vec![with_seed("f", 3, 5007)],
            &["-ai", "--append-verify", "--link-dest=../prev"],
        ),
        (
            vec![file("f", 6000)],
            &["-ai", "--append", "--link-dest=../prev"],
        ),
        (
            vec![file("f", 3)],
            &["-ai", "--append", "--copy-dest=../prev"],
        ),
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["../src/", "dst/"]);
        let mut c = case(src.clone(), vec![], &[], &a);
        c.prev = prev;
        cases.push(c);
    }
    for old in [file("f.old", 3), file("f.old", 9000)] {
        cases.push(case(
            src.clone(),
            vec![old],
            &[],
            &["-ai", "--append", "-y", "../src/", "dst/"],
        ));
    }
    same_as_rsync(&cases);
}

/// A directory whose contents changed gets its time back at the end of
/// the run only where it differs as --modify-window sees it (rsync's
/// touch_up_dirs): a destination directory within the window keeps its
/// own (with --relative's implied directories too).
#[test]
fn directory_times_within_the_modify_window() {
    let src = vec![dir("a"), dir("a/b"), dir("a/b/c"), file("a/b/c/f", 10)];
    let mut old_a = dir("a");
    if let Node::Dir { mtime, .. } = &mut old_a {
        *mtime += 7;
    }
    let old = vec![old_a, dir("a/b")];
    let mut cases = Vec::new();
    for args in [
        &["-ai", "--modify-window=100", "../src/", "dst/"][..],
        &[
            "-ai",
            "--modify-window=100",
            "-R",
            "../src/./a/b/c/f",
            "dst/",
        ],
        &["-ai", "--modify-window=3", "../src/", "dst/"],
    ] {
        cases.push(case(src.clone(), old.clone(), &[], args));
    }
    same_as_rsync(&cases);
}

/// -y without -p: rsync's generator picks a fuzzy basis that the list
/// turns into a directory (or symlink) further on; its receiver opens
/// the basis after the generator went on, finds no regular file and
/// makes a new file's mode (not the basis's).
#[test]
fn fuzzy_basis_replaced_before_the_receiver_opens_it() {
    let moded = |n: Node, m: u32| match n {
        Node::File {
            p,
            size,
            seed,
            mtime,
            owner,
            sparse,
            ..
        } => Node::File {
            p,
            size,
            seed,
            mode: m,
            mtime,
            owner,
            sparse,
        },
        n => n,
    };
    let src = vec![
        moded(file("sp ace", 701), 0o2750),
        dir("deep"),
        file("deep/c", 10),
        moded(file("sp acf", 702), 0o640),
        Node::Link {
            p: "dee".into(),
            target: "x".into(),
            mtime: 1_600_000_000,
        },
    ];
    let old = vec![
        moded(file("deep", 30000), 0o1755),
        moded(file("dee", 20000), 0o1755),
    ];
    let mut cases = Vec::new();
    for args in [
        &["-a", "--no-p", "-y", "../src/", "dst/"][..],
        &["-a", "--no-p", "-y", "--no-i-r", "../src/", "dst/"],
        &["-rlt", "-yi", "../src/", "dst/"],
    ] {
        cases.push(case(src.clone(), old.clone(), &[], args));
    }
    same_as_rsync(&cases);
}

/// -u skips a regular file whose source time is less than
/// --modify-window past the destination's (so an equal time too, with
/// its other attributes left as they are), and never a destination of
/// another type.
#[test]
fn update_within_the_modify_window() {
    let src = vec![file("a", 10), file("b", 20), file("c", 5), file("d", 7)];
    let newer = |n: Node, by: i64| match n {
        Node::File {
            p,
            size,
            seed,
            mode,
            mtime,
            owner,
            sparse,
        } => Node::File {
            p,
            size,
            seed: seed + 1,
            mode: mode & 0o600,
            mtime: (mtime.0 + by, mtime.1),
            owner,
            sparse,
        },
        n => n,
    };
    let old = vec![
        newer(file("a", 10), 0),
        newer(file("b", 20), -50),
        newer(file("c", 5), -500),
        dir("d"),
    ];
    let mut cases = Vec::new();
    for args in [
        &["-ai", "-u", "--modify-window=100", "../src/", "dst/"][..],
        &["-ai", "-u", "../src/", "dst/"],
        &["-ai", "-u", "--modify-window=-1", "../src/", "dst/"],
    ] {
        cases.push(case(src.clone(), old.clone(), &[], args));
    }
    same_as_rsync(&cases);
}

/// -A with --chmod: rsync's sender strips the group entry and the mask
/// of an access ACL where they equal the group bits of the mode it lists
/// (the --chmod one), so a group entry other than those is kept and the
/// mask takes the new mode's group bits.
#[test]
fn acl_group_entry_under_chmod() {
    use xfer::tree::Meta;
    let mut f = file("f", 10);
    let mut g = file("g", 20);
    for (n, m) in [(&mut f, 0o750), (&mut g, 0o640)] {
        if let Node::File { mode, .. } = n {
            *mode = m;
        }
    }
    let acl = |group: u16, named: Vec<(u16, u16, u32)>| Meta {
        xattrs: Vec::new(),
        acl: Some((group, named)),
        dacl: None,
    };
    let mut cases = Vec::new();
    for (chmod, dst) in [
        ("--chmod=F664", vec![]),
        ("--chmod=F664", vec![file("f", 10)]),
        ("--chmod=g-w", vec![]),
        ("--chmod=F600", vec![]),
    ] {
        let mut c = case(
            vec![f.clone(), g.clone()],
            dst,
            &[],
            &["-aAi", chmod, "../src/", "dst/"],
        );
        c.src_meta
            .insert("f".into(), acl(5, vec![(0x02, 6, 4242), (0x08, 0, 100)]));
        c.src_meta.insert("g".into(), acl(4, vec![(0x02, 4, 1000)]));
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// -b with a deletion: a name that already ends with the backup suffix
/// is deleted, not backed up again (rsync's is_backup_file), unless
/// the backups go to a --backup-dir.
#[test]
fn deleting_a_backup_file() {
    let src = vec![file("a", 10)];
    let old = vec![file("a", 3), file("b~", 5), file("c", 4), file("~", 2)];
    let mut cases = Vec::new();
    for args in [
        &["-ai", "-b", "--delete-excluded", "../src/", "dst/"][..],
        &["-ai", "-b", "--delete", "--filter=-r *~", "../src/", "dst/"],
        &[
            "-ai",
            "-b",
            "--delete-excluded",
            "--backup-dir=../bak",
            "../src/",
            "dst/",
        ],
    ] {
        cases.push(case(src.clone(), old.clone(), &[], args));
    }
    same_as_rsync(&cases);
}
