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

/// `n` (a file) with permission bits `m`.
fn with_mode(mut n: Node, m: u32) -> Node {
    if let Node::File { mode, .. } = &mut n {
        *mode = m;
    }
    n
}

/// `n` (a file) with content seed `s`.
fn with_seed(mut n: Node, s: u64) -> Node {
    if let Node::File { seed, .. } = &mut n {
        *seed = s;
    }
    n
}

/// A file node with modification time `secs` (whole seconds).
fn with_time(mut n: Node, secs: i64) -> Node {
    if let Node::File { mtime, .. } = &mut n {
        *mtime = (secs, 0);
    }
    n
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

/// Gives each of `paths` the xattr `user.x=hello` in `metas`.
fn user_x_hello(metas: &mut Metas, paths: &[&str]) {
    for p in paths {
        metas.insert(
            p.to_string(),
            xfer::tree::Meta {
                xattrs: vec![("user.x".into(), b"hello".to_vec())],
                acl: None,
                dacl: None,
            },
        );
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

/// The same trees under each argument list, every run compared with
/// rsync's.
fn same_for_each(src: &[Node], dst: &[Node], argsets: &[&[&str]]) {
    let cases: Vec<Case> = argsets
        .iter()
        .map(|args| case(src.to_vec(), dst.to_vec(), &[], args))
        .collect();
    same_as_rsync(&cases);
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
/// non-empty directory; `g`, its other name, is sent; `f` is tried again
/// as a link to it (and fails again, as rsync's does before it hangs);
/// exit 23.
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
    let got = common::run_in(common::wsync_path(), &args, root, &[], None);
    assert_eq!(
        got.lines,
        [
            "cannot delete non-empty directory: f",
            ">f+++++++++ g",
            "cannot delete non-empty directory: f"
        ],
        "{}",
        got.stderr
    );
    assert_eq!(
        got.stderr,
        "could not make way for new regular file: f\n\
         could not make way for new regular file: f\n\
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

/// Size options as rsync's parse_size_arg takes them: suffixes, `+1` and
/// `-1`, a default suffix (`--bwlimit` in KiB), limits with rsync's words
/// ("is too large (max: 128.00K)", "is too small (min: 512 or 0 for
/// unlimited)"), and 0 for the default block size.
#[test]
fn size_options_and_their_errors() {
    let src = vec![file("a", 3000), file("b", 100)];
    let cases: Vec<Case> = [
        "--max-size=2k-1",
        "--max-size=1.5kb",
        "--min-size=3000+1",
        "--min-size=1P",
        "--max-size=8192P",
        "--max-size=-5",
        "--max-size=+5",
        "--max-size=1e3",
        "--max-size=x",
        "-B200000",
        "-B0",
        "--bwlimit=0.1",
        "--bwlimit=1m",
        "--max-alloc=100",
    ]
    .iter()
    .map(|o| {
        case(
            src.clone(),
            vec![],
            &[],
            &["-r", "-i", o, "../src/", "dst/"],
        )
    })
    .collect();
    same_as_rsync(&cases);
}

/// -H: a group's first name that cannot be put in place (a directory
/// -b leaves non-empty stands there) is tried again when the name sent
/// instead is done, as a link to it: rsync's `finish_hard_link` goes
/// through the whole group, and its messages come again. (With
/// incremental recursion rsync 3.5.0 then hangs: docs/RSYNC.md.)
#[test]
fn hard_link_name_tried_again() {
    let src = vec![
        file("d", 10),
        Node::Hard {
            p: "deep".into(),
            target: "d".into(),
        },
    ];
    let dst = vec![dir("d"), dir("d/h"), file("d/h/inner", 5)];
    let mut cases = Vec::new();
    for when in [
        &["--delete-after"][..],
        &["--delete-before"],
        &["--no-i-r", "--delete-during"],
        &["--no-i-r", "--force"],
    ] {
        let mut args = vec!["-a", "--out-format=%i %n", "-b", "--suffix=.bak", "-H"];
        args.extend(when);
        args.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), dst.clone(), &[], &args));
    }
    same_as_rsync(&cases);
}

/// `--stderr`: an error of rsync's generator ("could not make way") is
/// printed by the generator itself (every high-bit byte escaped, not in
/// the log file), or with `--stderr=client` by the client (valid UTF-8
/// kept, logged); with `--stderr=all` the generator prints its notes
/// ("cannot delete non-empty directory") itself too.
#[test]
fn generator_messages_by_stderr_mode() {
    let src = vec![Node::Link {
        p: "café".into(),
        target: "deep".into(),
        mtime: 1_600_000_000,
    }];
    let dst = vec![dir("café"), file("café/x", 3)];
    let mut cases = Vec::new();
    for mode in ["errors", "client", "all"] {
        let stderr = format!("--stderr={mode}");
        cases.push(case(
            src.clone(),
            dst.clone(),
            &[],
            &["-a", &stderr, "--log-file=log.txt", "../src/", "dst/"],
        ));
    }
    same_as_rsync(&cases);
}

/// What a format shows of a deletion: rsync's client knows only the name
/// and whether it was a directory, so `%M` is 1970/01/01-00:00:00, the
/// size and owner 0 (`%G` 0 with -g, else DEFAULT), no permissions.
#[test]
fn deletions_in_a_format() {
    let dst = vec![file("x", 5), dir("sub"), file("sub/y", 7)];
    let mut cases = Vec::new();
    for owner in ["-g", "--no-g"] {
        cases.push(case(
            vec![file("a", 1)],
            dst.clone(),
            &[],
            &[
                "-a",
                owner,
                "--del",
                "--out-format=%M %G %U %l %B %i %n",
                "--log-file=log.txt",
                "--log-file-format=%i %M %G %n",
                "../src/",
                "dst/",
            ],
        ));
    }
    same_as_rsync(&cases);
}

/// `%C` shows the checksum `--checksum-choice` picks: the transfer one
/// (the first name) for a file sent, with -c the file-list one (the
/// second), each as rsync's sum_as_hex writes it; blanks as wide as
/// one where there is none, zeros for a dry run's file.
#[test]
fn checksum_of_each_choice() {
    let src = vec![file("a", 13), dir("d"), file("d/b", 70_001)];
    let old = vec![file("gone", 3)];
    let mut cases = Vec::new();
    for choice in [
        "md4", "md5", "sha1", "xxh64", "xxh3", "xxh128", "none", "auto", "MD5", "md5,xxh3",
    ] {
        for extra in [&[][..], &["-c"], &["-n"]] {
            if extra == ["-c"] && choice == "none" {
                continue;
            }
            let cc = format!("--checksum-choice={choice}");
            let mut args = vec!["-rl", "--del", "--out-format=[%C] %i %n", &cc];
            args.extend(extra);
            args.extend(["../src/", "dst/"]);
            cases.push(case(src.clone(), old.clone(), &[], &args));
        }
    }
    same_as_rsync(&cases);
}

/// Without -p rsync's generator reads the default ACL of each parent
/// directory it reaches: where that is not a directory (a file is in
/// the way) it warns "default_perms_for_dir: ... falling back on umask".
#[test]
fn default_acl_of_a_parent_that_is_a_file() {
    let src = vec![
        dir("x.o"),
        file("x.o/core", 10),
        dir("日本"),
        file("日本/f", 3),
    ];
    let dst = vec![file("x.o", 4), file("日本", 5)];
    let mut cases = Vec::new();
    for args in [
        &["-r", "-v", "--ignore-existing", "--no-p"][..],
        &["-r", "--ignore-existing"],
        &["-r", "--ignore-existing", "--no-p", "-n"],
    ] {
        let mut a = args.to_vec();
        a.extend(["../src/", "dst"]);
        cases.push(case(src.clone(), dst.clone(), &[], &a));
    }
    same_as_rsync(&cases);
}

/// The order of the sender's messages is the order it reads the source:
/// without incremental recursion depth first in the order the directory
/// gives its entries; with it, every argument first (a missing one's
/// error before the contents of a directory named earlier), then the
/// directories in list order.
#[test]
fn sender_messages_in_walk_order() {
    let nowhere = |p: &str| Node::Link {
        p: p.into(),
        target: "nowhere".into(),
        mtime: 1_600_000_000,
    };
    let src = vec![
        dir("j"),
        dir("j/x"),
        nowhere("j/x/l"),
        dir("b"),
        dir("b/c"),
        nowhere("b/c/l"),
        nowhere("b/l"),
        dir("sp ace"),
        nowhere("sp ace/a"),
        dir("x.o"),
        nowhere("x.o/sub"),
        nowhere("top"),
    ];
    let mut cases = Vec::new();
    for args in [
        &["-a", "-L", "--delete-after", "../src/"][..],
        &["-a", "-L", "--no-i-r", "../src/", "../src/missing"],
        &["-a", "-L", "../src/j", "../src/missing"],
        &["-a", "-L", "../src/j/", "../src/missing", "../src/b"],
        &["-a", "-L", "../src/", "../src/missing"],
        &["-a", "-L", "../src/x.o", "../src/b", "../src/missing"],
    ] {
        let mut a = args.to_vec();
        a.push("dst/");
        cases.push(case(src.clone(), vec![], &[], &a));
    }
    same_as_rsync(&cases);
}

/// -L: a symlink that cannot be followed is no error when a rule
/// excludes its name as a file or as a directory (rsync's make_file asks
/// both): `--exclude=*/` leaves it out quietly.
#[test]
fn unfollowable_symlink_excluded_as_a_directory() {
    let link = |p: &str, target: &str| Node::Link {
        p: p.into(),
        target: target.into(),
        mtime: 1_600_000_000,
    };
    let src = vec![
        file("core", 10),
        link("%n%i", "../a"),
        link("sp ace", "core/x"),
        dir("b"),
        file("b/c", 5),
    ];
    let mut cases = Vec::new();
    for rule in ["--exclude=*/", "--exclude=nothing"] {
        for walk in ["--no-i-r", "--i-r"] {
            cases.push(case(
                src.clone(),
                vec![],
                &[],
                &["-rlt", "-v", "-L", rule, walk, "../src/", "dst/"],
            ));
        }
    }
    same_as_rsync(&cases);
}

/// `--info=name2` with a stdout format without `%i`: rsync's generator
/// names each entry it leaves in place, "NAME is uptodate" or (when it
/// changed an attribute) "NAME", ahead of the item lines its buffer still
/// holds: all of them with one file list, all but the first entry's
/// without incremental recursion or with -H.
#[test]
fn name2_says_what_is_uptodate() {
    let link = |p: &str| Node::Link {
        p: p.into(),
        target: "a".into(),
        mtime: 1_600_000_000,
    };
    let flat = vec![file("a", 10), file("b", 20), file("c", 30), link("l")];
    let flat_old = vec![file("b", 20), with_mode(file("c", 30), 0o600), link("l")];
    let mut deep = flat.clone();
    deep.extend([dir("d"), file("d/x", 5), file("d/y", 6)]);
    let mut deep_old = flat_old.clone();
    deep_old.extend([dir("d"), with_mode(file("d/x", 5), 0o600)]);
    let mut cases = Vec::new();
    for args in [
        &["-a", "--info=name2"][..],
        &["-a", "--out-format=%n|", "--info=name2", "-n"],
        &["-rl", "-v", "--info=name2"],
        &["-ai", "--info=name2"],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["../src/", "dst/"]);
        cases.push(case(flat.clone(), flat_old.clone(), &[], &a));
    }
    for args in [
        &["-av", "--no-i-r", "--info=name2"][..],
        &["-a", "--delay-updates", "--info=name2"],
        &["-aH", "--info=name2"],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["../src/", "dst/"]);
        cases.push(case(deep.clone(), deep_old.clone(), &[], &a));
    }
    same_as_rsync(&cases);
}

/// `--progress` lists with "building file list ... " and " 0 files...\r"
/// as the first entry is listed: an error before that (a missing name
/// first in `--files-from`) ends the open line on stderr, so the count
/// follows on the same stdout line; after it, on a new one.
#[test]
fn flist_progress_after_an_error() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 20)];
    let mut cases = Vec::new();
    for list in ["missing\na\n", "a\nmissing\nd/b\n", "missing\n"] {
        for args in [
            &["-a", "--progress", "--files-from=list"][..],
            &["-dlt", "-ii", "--progress", "--files-from=list"],
        ] {
            let mut a: Vec<&str> = args.to_vec();
            a.extend(["../src", "dst/"]);
            cases.push(case(src.clone(), vec![], &[("list", list)], &a));
        }
    }
    cases.push(case(
        src,
        vec![],
        &[],
        &[
            "-r",
            "--no-i-r",
            "--progress",
            "../src/missing",
            "../src/",
            "dst/",
        ],
    ));
    same_as_rsync(&cases);
}

/// `-y` with `--append`: rsync's generator compares the file's size with
/// its fuzzy basis's, and sends nothing when that basis is as long.
#[test]
fn fuzzy_basis_as_long_with_append() {
    let src = vec![file("file1", 100)];
    let mut cases = Vec::new();
    // (A shorter fuzzy basis rsync appends to: not yet the same.)
    for old in [file("file2", 100), file("file2", 150)] {
        for mode in ["--append", "--append-verify"] {
            cases.push(case(
                src.clone(),
                vec![old.clone()],
                &[],
                &["-a", "-i", "-y", mode, "../src/", "dst/"],
            ));
        }
    }
    same_as_rsync(&cases);
}

/// `-u` leaves a regular file alone when the source's time, less the
/// destination's, is under `--modify-window` (whole seconds, the window
/// as given); an entry of another type is replaced whatever its time.
#[test]
fn update_within_the_modify_window() {
    let at = |p: &str, size: u64, secs: i64| with_time(with_seed(file(p, size), size + 8), secs);
    let t = 1_600_000_000;
    let src = vec![file("a", 10), file("b", 10), file("c", 10), file("l", 10)];
    let old = vec![
        at("a", 12, t - 50),
        at("b", 12, t - 150),
        at("c", 12, t + 1),
        Node::Link {
            p: "l".into(),
            target: "a".into(),
            mtime: t + 500,
        },
    ];
    let mut cases = Vec::new();
    for w in [
        None,
        Some("--modify-window=100"),
        Some("--modify-window=-1"),
    ] {
        let mut a = vec!["-a", "-i", "-u"];
        a.extend(w);
        a.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), old.clone(), &[], &a));
    }
    same_as_rsync(&cases);
}

/// --append onto a basis other than the file itself (--link-dest,
/// --fuzzy): rsync's receiver writes the source's bytes past the basis's
/// length into the new file and leaves its start a hole of zeros; a
/// basis as long as the file skips it; --append-verify sums the basis's
/// start (the same as the source's: the zeros stay; not: sent again).
#[test]
fn append_onto_another_basis() {
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
            vec![with_seed(file("f", 3), 5007)],
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
    same_for_each(
        &src,
        &old,
        &[
            &["-ai", "--modify-window=100", "../src/", "dst/"][..],
            &[
                "-ai",
                "--modify-window=100",
                "-R",
                "../src/./a/b/c/f",
                "dst/",
            ],
            &["-ai", "--modify-window=3", "../src/", "dst/"],
        ],
    );
}

/// -y without -p: rsync's generator picks a fuzzy basis that the list
/// turns into a directory (or symlink) further on; its receiver opens
/// the basis after the generator went on, finds no regular file and
/// makes a new file's mode (not the basis's).
#[test]
fn fuzzy_basis_replaced_before_the_receiver_opens_it() {
    let src = vec![
        with_mode(file("sp ace", 701), 0o2750),
        dir("deep"),
        file("deep/c", 10),
        with_mode(file("sp acf", 702), 0o640),
        Node::Link {
            p: "dee".into(),
            target: "x".into(),
            mtime: 1_600_000_000,
        },
    ];
    let old = vec![
        with_mode(file("deep", 30000), 0o1755),
        with_mode(file("dee", 20000), 0o1755),
    ];
    same_for_each(
        &src,
        &old,
        &[
            &["-a", "--no-p", "-y", "../src/", "dst/"][..],
            &["-a", "--no-p", "-y", "--no-i-r", "../src/", "dst/"],
            &["-rlt", "-yi", "../src/", "dst/"],
        ],
    );
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
    same_for_each(
        &src,
        &old,
        &[
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
        ],
    );
}
/// More than 1024 blocks with one weak sum: rsync 3.5.0 tries the last
/// 1024 of them at a position (match.c's MAX_CHAIN_LEN) and sends the
/// bytes of the others as literal data; a short last block of that sum
/// takes no try. The basis is 1100 blocks of 4096 'd's, block k with
/// +1, -2, +1 at 3k (the same s1 and s2 for all); the new file 100 'x's
/// and some of those blocks.
#[test]
fn weak_sum_chain_cap_as_rsync() {
    let block = |k: usize| {
        let mut b = vec![b'd'; 4096];
        b[3 * k] += 1;
        b[3 * k + 1] -= 2;
        b[3 * k + 2] += 1;
        String::from_utf8(b).unwrap()
    };
    let basis: String = (0..1100).map(block).collect();
    // 200 bytes with the blocks' weak sum: 'R's (82 x 200 - 16 = 4096 x
    // 100 mod 2^16), then -1/+1 pairs d apart, each taking d off s2.
    let mut tail = vec![b'R'; 200];
    tail[184..].iter_mut().for_each(|b| *b -= 1);
    for (k, d) in [199, 198, 197, 196, 195, 194, 193, 100]
        .into_iter()
        .enumerate()
    {
        tail[k] -= 1;
        tail[k + d] += 1;
    }
    let with_tail = basis.clone() + std::str::from_utf8(&tail).unwrap();
    let mut cases = Vec::new();
    for (blocks, old) in [
        (&[0][..], &basis),
        (&[1099], &basis),
        (&[76, 75], &basis),
        (&[1, 2, 3], &basis),
        (&[76], &with_tail),
        (&[76, 77, 0], &with_tail),
    ] {
        let new: String = "x".repeat(100) + &blocks.iter().map(|&k| block(k)).collect::<String>();
        cases.push(delta_case(&new, old));
    }
    same_as_rsync(&cases);
}

/// Four positions in a row whose weak sum a block has but whose bytes
/// none has: rsync 3.5.0 as installed (Debian's build) then tries only
/// a block further on, until a position no block's weak sum matches; a
/// block skipped over stays literal. The basis: a block of 'd's with +1,
/// -2, +1 at 0, then digits; the new files hold runs of 'd's with that
/// change elsewhere (as many windows with its weak sum as the run allows).
#[test]
fn misses_in_a_row_skip_as_rsync() {
    let ds = |n: usize, at: usize| {
        let mut r = vec![b'd'; n];
        r[at..at + 3].copy_from_slice(b"ebe");
        String::from_utf8(r).unwrap()
    };
    let a = ds(4096, 0);
    let basis = a.clone() + &"0123456789".repeat(1300)[..3 * 4096];
    // `m` windows with the block's weak sum, none the block.
    let run = |m: usize| ds(4095 + m, (4095 + m) / 2 + 1);
    let x = |n: usize| "x".repeat(n);
    let mut cases = Vec::new();
    for new in [
        x(100) + &ds(8003, 4000) + &x(100),
        x(50) + &run(3) + &x(50) + &run(3) + &x(50) + &a + &x(50),
        x(50) + &run(3) + &x(50) + &run(4) + &x(50) + &a + &x(50),
        x(50) + &run(5) + &a + &x(5000),
        x(50) + &run(9) + &x(10) + &run(2) + &a + &x(3) + &a,
    ] {
        cases.push(delta_case(&new, &basis));
    }
    same_as_rsync(&cases);
}

/// `new` sent with --no-whole-file -B4096 --stats over `old` (beside).
/// The checksum seed is fixed: these bases hold many blocks of one weak
/// sum, and rsync's short block sums (2 bytes at these sizes) under a
/// random seed now and then match a wrong block, which rsync's
/// whole-file check then catches and sends the file again (two files
/// "transferred"); with seed 1 none does.
fn delta_case(new: &str, old: &str) -> Case {
    let files = [("new", new), ("old", old)];
    let args = [
        "--no-whole-file",
        "-B4096",
        "--checksum-seed=1",
        "--stats",
        "new",
        "old",
    ];
    case(Vec::new(), Vec::new(), &files, &args)
}

/// `-n --info=progress2` with incremental recursion: rsync's sender
/// prints the whole transfer's line each time its generator tells it a
/// file list is done (NDX_DONE), which the generator does after the
/// next entry it goes through once that list is left behind; with -H,
/// only when no name of the list still waits for its group's leader
/// (here `deep`, whose leader `b/x` is in the next list).
#[test]
fn dry_run_progress2_when_a_list_is_done() {
    let src = vec![
        file("a", 10),
        dir("b"),
        file("b/a", 20),
        file("b/x", 30),
        file("b/z", 40),
        dir("b/c"),
        file("b/c/f", 50),
        dir("e"),
        Node::Hard {
            p: "deep".into(),
            target: "b/x".into(),
        },
    ];
    let mut cases = Vec::new();
    for extra in [&["-a"][..], &["-aH"], &["-aH", "-i"], &["-a", "--no-i-r"]] {
        let mut args = extra.to_vec();
        args.extend(["-v", "-n", "--info=progress2", "../src/", "dst/"]);
        cases.push(case(src.clone(), vec![], &[], &args));
    }
    same_as_rsync(&cases);
}

/// --append-verify that fails: rsync's receiver sets the file's
/// attributes but its time before it asks for the file again, so the
/// redo is itemized against those (only 't'); its warning is the
/// receiver's own, a name's high-bit bytes escaped.
#[test]
fn append_verify_redo_after_the_attributes() {
    let src = vec![with_mode(file("café", 5000), 0o600)];
    let old = vec![with_seed(file("café", 3), 1)];
    same_as_rsync(&[case(
        src,
        old,
        &[],
        &["-ai", "--no-i-r", "--append-verify", "../src/", "dst/"],
    )]);
}

/// -y: rsync's generator takes a file it replaces out of the fuzzy
/// candidates only on the way to its block sums (generator.c), not for
/// a whole file (a local transfer's default): `a.txt`, replaced, is
/// still the basis of the new `ab.txt`, which takes its permissions
/// (without -p). With --no-whole-file it is taken out only when the
/// directory's list was read before it (at the first file there with
/// no basis: `0.txt` here), as rsync marks that list's entries.
#[test]
fn fuzzy_basis_replaced_whole() {
    let src = vec![file("a.txt", 100), file("ab.txt", 100)];
    let mut src2 = src.clone();
    src2.insert(0, file("0.txt", 30));
    let old = vec![with_mode(file("a.txt", 50), 0o600)];
    let mut cases = Vec::new();
    for src in [src, src2] {
        for extra in [&[][..], &["--no-whole-file"]] {
            let mut args = vec!["-r", "-i", "--fuzzy", "--no-p"];
            args.extend(extra);
            args.extend(["../src/", "dst/"]);
            cases.push(case(src.clone(), old.clone(), &[], &args));
        }
    }
    same_as_rsync(&cases);
}

/// -H with -y: a group's first name with no destination but a fuzzy
/// basis is the one sent (rsync's generator waits for the group's last
/// only when it found no basis at all).
#[test]
fn hard_link_leader_with_a_fuzzy_basis() {
    let src = vec![
        file("c", 100),
        Node::Hard {
            p: "d".into(),
            target: "c".into(),
        },
    ];
    let old = vec![file("c2", 100)];
    same_as_rsync(&[case(
        src,
        old,
        &[],
        &["-aH", "-i", "--fuzzy", "../src/", "dst/"],
    )]);
}

/// --existing skips a directory only when it is missing (ENOENT): one
/// below a file (ENOTDIR) is itemized as new and its mkdir fails, with
/// rsync's "Skipping any contents" line.
#[test]
fn existing_over_a_file_in_the_way() {
    let src = vec![dir("t"), dir("t/d"), file("t/d/g", 4), file("t/f", 5)];
    let old = vec![file("t", 3)];
    let mut cases = Vec::new();
    for extra in [&["--existing", "--ignore-existing"][..], &["--existing"]] {
        let mut args = vec!["-a", "-i"];
        args.extend(extra);
        args.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), old.clone(), &[], &args));
    }
    same_as_rsync(&cases);
}

/// --files-from with -r (incremental recursion): rsync's sender sends
/// the directories of one name in one list, reading a content
/// directory again unless the one before it in that chain was read; an
/// implied directory (of "d/e") between two named "d"s breaks the chain,
/// so d's entries are listed twice and "Number of files" and "Total
/// file size" count them twice (flist.c, send_extra_file_list).
#[test]
fn files_from_implied_dir_breaks_duplicate_chain() {
    let src = vec![dir("d"), dir("d/e"), file("d/a", 100), file("d/e/b", 50)];
    let mut cases = Vec::new();
    for list in [
        "d\nd/e\n.\n",
        "d\nd/e\nd\n",
        "d/e\nd\nd\nd\n",
        "./d\nd/e/b\n.\n",
    ] {
        cases.push(case(
            src.clone(),
            vec![],
            &[("list", list)],
            &[
                "-a",
                "--stats",
                "--files-from=list",
                "-r",
                "../src/",
                "dst/",
            ],
        ));
    }
    same_as_rsync(&cases);
}

/// -m with a directory named twice in --files-from (rsync's recursion
/// of --old-dirs, excluding what is in it): the repeat sorted last is
/// past the end of rsync's prune loop (flist->high), so it keeps no
/// directory and the empty one is pruned.
#[test]
fn prune_with_a_repeat_at_the_end() {
    let src = vec![dir("d"), file("d/a", 100), file("x", 200)];
    let mut cases = Vec::new();
    for list in ["d\nd\n", "d\nd/\n", "x\nd\nd\n", "d\nx\nd\n"] {
        cases.push(case(
            src.clone(),
            vec![],
            &[("list", list)],
            &[
                "-a",
                "-v",
                "--old-dirs",
                "-m",
                "--files-from=list",
                "../src",
                "dst/",
            ],
        ));
    }
    same_as_rsync(&cases);
}

/// --no-implied-dirs with --files-from: rsync's sender (protocol 30 and
/// on) still sends the directories on each path's way, flagged implied
/// (counted in "Number of files"); its generator passes them over, and
/// --list-only leaves them out of the listing. --list-only's counts are
/// the sender's, repeated names too.
#[test]
fn no_implied_dirs_sends_them_flagged() {
    let src = vec![
        dir("d"),
        dir("d/e"),
        dir("f"),
        file("d/a", 100),
        file("d/e/b", 50),
        file("f/c", 10),
    ];
    let mut cases = Vec::new();
    for list in ["d/e/b\nf/c\nd/a\n", "d/e/b\nd\n", "./d/e/b\n", "d/e\nd\n"] {
        for extra in [&[][..], &["-r"], &["--list-only"], &["-r", "--list-only"]] {
            let mut args = vec!["-ai", "--stats", "--no-implied-dirs", "--files-from=list"];
            args.extend_from_slice(extra);
            args.extend_from_slice(&["../src", "dst/"]);
            cases.push(case(src.clone(), vec![], &[("list", list)], &args));
        }
    }
    same_as_rsync(&cases);
}

/// --existing skips only what is missing as ENOENT (rsync's stat_errno
/// test): a directory below a file that --ignore-existing left in the
/// way fails its stat with ENOTDIR, so rsync itemizes it as new, its
/// mkdir fails ("Not a directory") and the run exits 23.
#[test]
fn existing_below_a_file_in_the_way() {
    let src = vec![dir("k"), dir("k/m"), dir("k/m/n"), file("k/m/n/b", 30)];
    let old = vec![dir("k"), file("k/m", 10)];
    same_for_each(
        &src,
        &old,
        &[
            &[
                "-a",
                "-vi",
                "--existing",
                "--ignore-existing",
                "../src/",
                "dst/",
            ][..],
            &["-a", "-i", "--existing", "../src/", "dst/"],
        ],
    );
}

/// Below a file that --ignore-existing left in the way, rsync's
/// generator reports a failed stat only for a regular file: a symlink
/// or a fifo it goes on to create, and that fails (its atomic_create's
/// "symlink ... -> ... failed", "mknod ... failed").
#[test]
fn links_below_a_file_in_the_way() {
    let src = vec![
        dir("k"),
        dir("k/m"),
        Node::Link {
            p: "k/m/c".into(),
            target: "sp ace".into(),
            mtime: 1_600_000_300,
        },
        Node::Fifo {
            p: "k/m/f".into(),
            mode: 0o644,
        },
        file("k/m/g", 20),
    ];
    let old = vec![dir("k"), file("k/m", 10)];
    same_for_each(
        &src,
        &old,
        &[
            &["-a", "-i", "--ignore-existing", "../src/", "dst/"][..],
            &[
                "-rl",
                "-i",
                "--ignore-existing",
                "--link-dest=../prev",
                "../src/",
                "dst/",
            ],
            &["-r", "-v", "--ignore-existing", "../src/", "dst/"],
        ],
    );
}

/// --usermap/--groupmap/--chown: rsync's receiver maps the owners of
/// its list and the named entries of the ACLs it received
/// (match_acl_ids), but %U and %G are logged by the sender, from its
/// own list: the ids before mapping, in --out-format and the log file.
#[test]
fn owners_mapped_but_logged_as_the_sender_lists_them() {
    let owned = |p: &str, size: u64, ids: (u32, u32)| {
        let mut n = file(p, size);
        if let Node::File { owner, .. } = &mut n {
            *owner = ids;
        }
        n
    };
    let src = vec![
        owned("a", 10, (4242, 100)),
        owned("b", 20, (1000, 4243)),
        owned("c", 30, (0, 0)),
        dir("d"),
        owned("d/e", 40, (1000, 100)),
    ];
    let acl = xfer::tree::Meta {
        xattrs: Vec::new(),
        acl: Some((4, vec![(0x02, 6, 4242), (0x02, 4, 1000), (0x08, 0, 100)])),
        dacl: None,
    };
    let fmt = "--out-format=%U:%G %n";
    let mut cases = Vec::new();
    for args in [
        &["-a", fmt, "--usermap=0:1000,*:4242", "../src/", "dst/"][..],
        &[
            "-aAi",
            fmt,
            "--groupmap=100:4243",
            "--usermap=4242:0",
            "../src/",
            "dst/",
        ],
        &["-aAi", "--usermap=1000-4242:7", "../src/", "dst/"],
        &[
            "-rlpt",
            "-i",
            "--chown=:4243",
            "--log-file=log.txt",
            "--log-file-format=%G%U",
            "../src/",
            "dst/",
        ],
        &[
            "-a",
            fmt,
            "--chown=1000",
            "--numeric-ids",
            "../src/",
            "dst/",
        ],
    ] {
        let mut c = case(src.clone(), vec![owned("c", 30, (0, 0))], &[], args);
        c.src_meta.insert("a".into(), acl.clone());
        c.src_meta.insert("d/e".into(), acl.clone());
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// --remove-source-files: rsync's sender removes a source once it hears
/// the name is done (MSG_SUCCESS): hard-link followers too, as its
/// generator links each (`hard_link_check`, `finish_hard_link`), and a
/// file matched or copied from an alt-dest directory (`try_dests_reg`
/// returns -2), not only one transferred or up to date.
#[test]
fn remove_source_files_links_and_alt_dests() {
    let hard = |p: &str, t: &str| Node::Hard {
        p: p.into(),
        target: t.into(),
    };
    let src = vec![file("a", 300), hard("b", "a"), file("c", 20)];
    let mut cases = vec![
        // Neither name there: "b" (the last) is sent, "a" linked to it.
        case(
            src.clone(),
            vec![dir("x")],
            &[],
            &["-aH", "-i", "--remove-source-files", "../src/", "dst/"],
        ),
        // "a" up to date: "b" linked to it.
        case(
            src.clone(),
            vec![file("a", 300)],
            &[],
            &["-aH", "-i", "--remove-source-files", "../src/", "dst/"],
        ),
        // "b" there: sent, then "a" linked.
        case(
            src.clone(),
            vec![file("b", 5)],
            &[],
            &["-aH", "-i", "--remove-source-files", "../src/", "dst/"],
        ),
    ];
    for how in [
        "--copy-dest=../prev",
        "--compare-dest=../prev",
        "--link-dest=../prev",
    ] {
        let mut c = case(
            src.clone(),
            Vec::new(),
            &[],
            &["-a", "-i", "--remove-source-files", how, "../src/", "new/"],
        );
        c.prev = vec![file("a", 300), file("c", 20)];
        cases.push(c);
        let mut c = case(
            src.clone(),
            Vec::new(),
            &[],
            &["-r", "-i", "--remove-source-files", how, "../src/", "new/"],
        );
        c.prev = vec![file("c", 20)];
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// --remove-source-files with a source file listed under two names
/// (a directory's contents and the directory): rsync's outcome depends
/// on timing. Unhurried, its sender has opened the second name before
/// the first one's removal, and the second removal finds the file gone:
/// "sender file already removed: NAME" on stdout, exit 0. Under load the
/// first removal comes first and the second name "vanished" (exit 24).
/// wsync gives the first outcome, checked here on wsync alone (rsync's
/// is a race; tests/xfer/gen.rs keeps such cases out of the harness).
#[test]
fn remove_source_files_listed_twice() {
    use common::{build, run_in, wsync_path, Node as N};
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    build(
        &src,
        &[N::File("k/core".into(), 30), N::File("k/trail".into(), 40)],
        None,
    );
    let cwd = root.path().join("w");
    std::fs::create_dir(&cwd).unwrap();
    let args: Vec<String> = [
        "sync",
        "-r",
        "-i",
        "--remove-source-files",
        "../src/k/",
        "../src/k",
        "dst/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = run_in(wsync_path(), &args, &cwd, &[], None);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.lines,
        [
            "created directory dst",
            "cd+++++++++ ./",
            ">f+++++++++ core",
            ">f+++++++++ trail",
            "cd+++++++++ k/",
            ">f+++++++++ k/core",
            ">f+++++++++ k/trail",
            "sender file already removed: k/core",
            "sender file already removed: k/trail",
        ]
    );
    assert!(!src.join("k/core").exists() && !src.join("k/trail").exists());
    for name in ["core", "trail", "k/core", "k/trail"] {
        assert!(cwd.join("dst").join(name).is_file(), "dst/{name}");
    }
}

/// --delete-missing-args: rsync lists a missing argument as an entry of
/// mode 0, which its --stats count among the files ("reg", what is not
/// of the other kinds).
#[test]
fn delete_missing_args_counted() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 5)];
    same_as_rsync(&[
        case(
            src.clone(),
            vec![file("gone", 3)],
            &[],
            &[
                "-a",
                "-i",
                "--delete-missing-args",
                "--stats",
                "../src/a",
                "../src/gone",
                "../src/d",
                "dst/",
            ],
        ),
        case(
            src,
            Vec::new(),
            &[],
            &[
                "-a",
                "-i",
                "--delete-missing-args",
                "--stats",
                "../src/a",
                "../src/gone",
                "dst/",
            ],
        ),
    ]);
}

/// An I/O error of the sender's listing (with -L a symlink to
/// "/etc/hostname/" fails its stat with ENOTDIR) stops every deletion
/// from when rsync's generator knows of it: with incremental recursion
/// it comes with the end of that directory's list; without -H the
/// generator reads each list when it reaches it (deleting in the
/// directories before), with -H it reads lists ahead before each one
/// (500 entries, or all of them here), so it deletes nothing; without
/// incremental recursion (--delete-before/--delete-after) it has the
/// whole list first.
#[test]
fn listing_io_error_stops_deletion_from_when_known() {
    let src = vec![
        file("a", 10),
        dir("c"),
        dir("c/m"),
        Node::Link {
            p: "c/m/.hidden".into(),
            target: "/etc/hostname/".into(),
            mtime: 1_600_000_000,
        },
        file("c/m/f", 4),
        dir("z"),
    ];
    let dst = vec![
        dir("x.real"),
        file("x.real/f", 3),
        dir("c"),
        file("c/old", 2),
        dir("c/m"),
        file("c/m/old", 2),
        dir("z"),
        file("z/old", 2),
    ];
    let mut argsets: Vec<Vec<&str>> = Vec::new();
    for del in [
        "--delete",
        "--delete-delay",
        "--delete-before",
        "--delete-after",
    ] {
        for h in ["-a", "-aH"] {
            argsets.push(vec![h, "-L", del, "../src/", "dst/"]);
        }
    }
    let argsets: Vec<&[&str]> = argsets.iter().map(|a| a.as_slice()).collect();
    same_for_each(&src, &dst, &argsets);
}

/// A dry run with -X and an alt-dest directory matching a new directory:
/// rsync's generator copies that directory's xattrs to the new one
/// (gen_entry_copy_xattrs) by opening it, O_NOFOLLOW, through its
/// parent's descriptor; a dry run leaves what is in the way there, so a
/// symlink fails with ELOOP, a missing one with ENOENT, a fifo takes no
/// `user.*` xattr (EPERM) and a regular file gets the xattrs, dry run or
/// not.
#[test]
fn dry_run_alt_dest_xattrs_onto_what_is_in_the_way() {
    let dirs = vec![dir("deep"), dir("fifo"), dir("ln"), dir("new")];
    let mut c = case(
        dirs.clone(),
        vec![
            file("deep", 3),
            Node::Fifo {
                p: "fifo".into(),
                mode: 0o644,
            },
            Node::Link {
                p: "ln".into(),
                target: "nowhere".into(),
                mtime: 1_600_000_000,
            },
        ],
        &[],
        &["-rn", "-X", "-i", "--copy-dest=../prev", "../src/", "dst/"],
    );
    c.prev = dirs;
    user_x_hello(&mut c.prev_meta, &["deep", "fifo", "ln", "new"]);
    same_as_rsync(&[c]);
}

/// --append onto a shorter file: rsync sends only the bytes past its
/// length and counts the part kept as nothing ("Matched data: 0 bytes";
/// its sender's match_sums skips it, its receiver seeks past it).
/// Seed 20261207 cases 1096, 4980.
#[test]
fn append_keeps_no_matched_data() {
    same_for_each(
        &[file("a", 10000), file("b", 300)],
        &[with_seed(file("a", 4096), 10007), file("b", 1)],
        &[
            &["-r", "-i", "--stats", "--append", "../src/", "dst/"],
            &["-a", "-i", "--stats", "--append-verify", "../src/", "dst/"],
        ],
    );
}

/// `--info=name2` without `%i`: rsync's generator names an entry it
/// leaves in place ("NAME" when it set its attributes, "NAME is
/// uptodate"), a message its server side sends as FINFO, which the
/// client both prints and writes in its --log-file. With `-b`, the
/// receiver clears a directory where the backup goes: its "deleting"
/// reaches the client after the sender logged the file (the item line
/// written in the log file after the data went). Seed 20261207 case 3654.
#[test]
fn name2_lines_logged_and_backup_deletions_after_item() {
    let src = [
        with_mode(file("deep", 13), 0o755),
        file("m", 1),
        file("same", 5),
    ];
    let mut old_m = with_seed(file("m", 1), 99);
    if let Node::File { mtime, .. } = &mut old_m {
        mtime.0 -= 100;
    }
    let dst = [
        file("deep", 13),
        old_m,
        dir("m~"),
        file("m~/inner", 40),
        file("same", 5),
    ];
    let (log, name2) = ("--log-file=log.txt", "--info=name2");
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", "--out-format=%f", log, name2, "-b", "../src/", "dst/"],
            &["-a", "-i", log, "-b", "../src/", "dst/"],
            &["-a", log, name2, "-b", "--backup-dir=bk", "../src/", "dst/"],
        ],
    );
}

/// `-H -A` and a follower whose name is a directory at the destination:
/// rsync's maybe_hard_link replaces the directory with the link, then
/// itemizes it with the directory's stat: get_acl reads a default ACL of
/// what is now a file, libacl fails with EACCES ("[generator] get_acl:
/// sys_acl_get_file(b, ACL_TYPE_DEFAULT): Permission denied (13)", exit
/// 23) and the item shows 'a'. Seed 20261207 case 1803.
#[test]
fn hard_link_over_directory_with_acls() {
    let src = [
        with_mode(file("a", 30), 0o755),
        Node::Hard {
            p: "b".into(),
            target: "a".into(),
        },
    ];
    same_for_each(
        &src,
        &[file("a", 30), dir("b")],
        &[
            &["-aHA", "-i", "../src/", "dst/"],
            &["-aHA", "-i", "--inplace", "-L", "../src/", "dst/"],
            &["-aHA", "-i", "-n", "../src/", "dst/"],
            &["-aH", "-i", "../src/", "dst/"],
        ],
    );
}

/// A note of rsync's generator ("skipping non-regular file") goes to the
/// client at once, ahead of the items it still buffers for the sender:
/// with incremental recursion it sends that buffer when it waits for the
/// next list at the end of the top one, so the note of a fifo in a later
/// directory comes after the top list's files and before the progress of
/// the directories' files (with `--no-i-r` after the first entry, before
/// all). With `--info=progress2` the note ends the progress line then
/// open. Seed 20261207 case 3257.
#[test]
fn generator_note_ahead_of_buffered_items() {
    let mut src = vec![file("a1", 13), file("a2", 131072), file("a3", 10000)];
    for d in ["b", "c"] {
        src.push(dir(d));
        for f in ["b", "c", "d"] {
            src.push(file(&format!("{d}/{f}"), 1000));
        }
    }
    src.push(Node::Fifo {
        p: "c/f".into(),
        mode: 0o600,
    });
    same_for_each(
        &src,
        &[],
        &[
            &["-rl", "--info=progress2", "../src/", "dst/"],
            &["-rl", "--info=progress2", "--no-i-r", "../src/", "dst/"],
            &["-rl", "-v", "../src/", "dst/"],
        ],
    );
}

/// `%C` with a width: rsync pads a file's checksum to the width, but the
/// blanks it shows for an entry with none (a directory, a file not sent)
/// it writes as they are, as wide as the checksum (16 for xxh3).
#[test]
fn checksum_blanks_ignore_width() {
    same_as_rsync(&[case(
        vec![dir("d"), file("d/a", 10), file("b", 3)],
        vec![dir("d"), file("d/a", 10)],
        &[],
        &[
            "-a",
            "--log-format=<%c>%'20C%-3G|%-40C|",
            "--checksum-choice=xxh3",
            "../src/",
            "dst/",
        ],
    )]);
}

/// --compare-dest missing, the destination a symlink to a directory:
/// rsync names the directory from the working directory joined with the
/// destination as written (`dst/a/../prev`), not where the symlink goes.
#[test]
fn alt_dest_warning_names_symlinked_destination() {
    let dst = vec![
        dir("a.real"),
        Node::Link {
            p: "a".into(),
            target: "a.real".into(),
            mtime: 1_600_000_000,
        },
    ];
    same_as_rsync(&[case(
        vec![file("x", 10)],
        dst,
        &[],
        &["-a", "-i", "--compare-dest=../prev", "../src/x", "dst/a"],
    )]);
}

/// -H -A -X, a follower whose leader is done before it and a directory
/// in its place: rsync's generator links the name, then itemizes it with
/// the directory's stat, so it reads the default ACL of what is now a
/// file: "get_acl: sys_acl_get_file(NAME, ACL_TYPE_DEFAULT): Permission
/// denied (13)", the ACL itemized as differing, exit 23. Its xattrs are
/// read from the link: the leader's inode, whose new xattrs rsync's
/// receiver sets after the follower is itemized ('x').
#[test]
fn follower_replacing_directory_reads_its_default_acl() {
    let src = vec![
        file("a", 10),
        dir("d"),
        Node::Hard {
            p: "d/h".into(),
            target: "a".into(),
        },
    ];
    let dst = vec![file("a", 10), dir("d"), dir("d/h")];
    let xattr = |v: &str| xfer::tree::Meta {
        xattrs: vec![("user.a".into(), v.as_bytes().to_vec())],
        acl: None,
        dacl: None,
    };
    let mut cases = Vec::new();
    for (args, with_xattr) in [("-aHAX", true), ("-aHA", false), ("-aHAX", false)] {
        let mut c = case(
            src.clone(),
            dst.clone(),
            &[],
            &[args, "-i", "../src/", "dst/"],
        );
        if with_xattr {
            c.src_meta.insert("a".into(), xattr("new"));
            c.dst_meta.insert("a".into(), xattr("old"));
        }
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// -y with --link-dest into an empty destination: rsync's generator
/// looks for a fuzzy basis only after the alt-dest directories found
/// none, reading the destination directory then, so a file it linked
/// from ../prev before is a candidate. --append-verify appends to that
/// basis, fails the verification and sends the file again (a WARNING,
/// then `>f..t......`); --append keeps the basis's start.
#[test]
fn fuzzy_basis_after_link_dest() {
    let mut cases = Vec::new();
    for append in ["--append-verify", "--append"] {
        let mut c = case(
            vec![file("a", 13), file("b", 1023)],
            Vec::new(),
            &[],
            &[
                "-a",
                "-i",
                append,
                "--link-dest=../prev",
                "-y",
                "../src/",
                "dst/",
            ],
        );
        c.prev = vec![file("a", 13)];
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// --inplace --no-whole-file with a basis other than the file itself (a
/// --link-dest file of another time, a -y one): rsync's receiver reads
/// the matched blocks from that basis (its --stats count them as
/// matched data) and writes every byte of the new file.
#[test]
fn inplace_delta_from_other_basis() {
    let old_time = |n: Node| with_time(n, 1_500_000_000);
    let args = |basis: &'static str| {
        [
            "-a",
            "-i",
            "--stats",
            "--inplace",
            "--no-whole-file",
            basis,
            "../src/",
            "dst/",
        ]
    };
    let mut linked = case(
        vec![file("b", 70000)],
        vec![],
        &[],
        &args("--link-dest=../prev"),
    );
    linked.prev = vec![old_time(file("b", 70000))];
    let fuzzy = case(
        vec![file("b", 70000)],
        vec![old_time(file("b~", 70000))],
        &[],
        &args("-y"),
    );
    same_as_rsync(&[linked, fuzzy]);
}

/// --ignore-existing, a source directory that is a symlink (to a
/// directory) on the receiver: rsync passes over the directory, does
/// not count it missing, and its touch_up_dirs sets the directory's
/// time on the symlink itself at the end (also for a -R path's implied
/// directory, and below such a symlink).
#[test]
fn ignore_existing_times_symlink_in_place_of_directory() {
    let link = |p: &str, target: &str| Node::Link {
        p: p.into(),
        target: target.into(),
        mtime: 1_600_000_000,
    };
    let src = vec![dir("d"), dir("d/e"), file("d/f", 10), file("d/e/g", 5)];
    let dst = vec![
        dir("d.real"),
        link("d", "d.real"),
        dir("d/e.real"),
        link("d/e", "e.real"),
    ];
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", "-i", "--ignore-existing", "../src/", "dst/"],
            &["-rlt", "--ignore-existing", "--no-i-r", "../src/", "dst/"],
            &[
                "-a",
                "-i",
                "--ignore-existing",
                "-R",
                "../src/./d/e/g",
                "dst/",
            ],
        ],
    );
}

/// A regular file below a file in the way (ENOTDIR): rsync's generator
/// reports its failed stat only once nothing else took the file. A size
/// limit skips it silently; an alt-dest match is linked, then copied,
/// and that copy's temporary file fails ("[generator] mkstemp ...
/// failed") before the failed stat; an alt-dest file of other data is
/// the basis, so the file is sent, and rsync's receiver fails its
/// mkstemp (having warned again, without -p, that the parent's default
/// ACL cannot be read).
#[test]
fn files_below_a_file_in_the_way() {
    let src = vec![
        dir("k"),
        dir("k/m"),
        file("k/m/a", 10),
        file("k/m/g", 200),
        file("k/m/h", 300),
    ];
    let old = vec![dir("k"), file("k/m", 10)];
    let mut cases = Vec::new();
    for args in [
        &[
            "-a",
            "-i",
            "--ignore-existing",
            "--min-size=100",
            "../src/",
            "dst/",
        ][..],
        &[
            "-a",
            "-i",
            "--ignore-existing",
            "--link-dest=../prev",
            "../src/",
            "dst/",
        ],
        &[
            "-r",
            "-i",
            "--ignore-existing",
            "--compare-dest=../prev",
            "../src/",
            "dst/",
        ],
    ] {
        let mut c = case(src.clone(), old.clone(), &[], args);
        c.prev = vec![dir("k"), dir("k/m"), file("k/m/g", 200), file("k/m/h", 301)];
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// --ignore-existing passes over a directory with a file in its place,
/// flagging nothing: with incremental recursion its list's deletion
/// (delete_in_dir as the list starts) opens it, and that fails: rsync's
/// generator says "opendir ... failed: Not a directory", exits 23 and,
/// its io_error set, deletes nothing more ("IO error encountered --
/// skipping file deletion"). Without incremental recursion it does not
/// look there.
#[test]
fn ignored_directory_opened_for_deletion() {
    let src = vec![
        dir("k"),
        dir("k/m"),
        file("k/m/g", 20),
        dir("z"),
        file("z/a", 5),
    ];
    let old = vec![dir("k"), file("k/m", 10), dir("z"), file("z/old", 3)];
    same_for_each(
        &src,
        &old,
        &[
            &[
                "-r",
                "-i",
                "--ignore-existing",
                "--delete",
                "../src/",
                "dst/",
            ][..],
            &[
                "-r",
                "-i",
                "--ignore-existing",
                "--delete",
                "--no-i-r",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// -y for a single file copied to another name: rsync's find_fuzzy
/// measures the names against the list's name (the source's), not the
/// destination's; the basis it finds gives the new file its permissions
/// without -p (dest_mode of an existing file).
#[test]
fn fuzzy_name_of_a_renamed_file() {
    let src = vec![file("trail ", 100)];
    let old = vec![
        with_mode(file("trail ", 5), 0o700),
        with_mode(file("new namf", 6), 0o640),
    ];
    same_for_each(
        &src,
        &old,
        &[&["-d", "-i", "--fuzzy", "../src/trail ", "dst/new name"][..]],
    );
}

/// --backup-dir with -K: the backup directory made for a destination
/// directory that is a symlink to one takes the symlink's own mode and
/// owner (rsync's copy_valid_path builds its entry with make_file, which
/// does not follow it): 0777, not the directory's.
#[test]
fn backup_dir_for_a_kept_dirlink() {
    let src = vec![
        file("a", 10),
        Node::Dir {
            p: "k".into(),
            mode: 0o700,
            mtime: 1_600_000_100,
        },
        file("k/f", 20),
    ];
    let old = vec![
        file("a", 11),
        Node::Dir {
            p: "k.real".into(),
            mode: 0o700,
            mtime: 1_600_000_100,
        },
        Node::Link {
            p: "k".into(),
            target: "k.real".into(),
            mtime: 1_600_000_000,
        },
        file("k/f", 21),
    ];
    same_for_each(
        &src,
        &old,
        &[&["-a", "-i", "-K", "--backup-dir=bak", "../src/", "dst/"][..]],
    );
}

/// A deletion's line in the log file: rsync's generator writes it as it
/// deletes, ahead of the item lines it has yet to hand the sender (and
/// ahead of its later notes, "skipping non-regular file", and of the
/// "cannot delete non-empty directory" of a backup's way).
/// Seed 9300 case 260, seed 9100 case 675.
#[test]
fn deletions_logged_as_they_happen() {
    let src = vec![
        file("a", 10),
        Node::Link {
            p: "l".into(),
            target: "a".into(),
            mtime: 1_600_000_000,
        },
        dir("d"),
        file("d/f", 5),
    ];
    let old = vec![file("x", 3), file("y", 4), dir("d"), file("d/z", 6)];
    same_for_each(
        &src,
        &old,
        &[
            &[
                "-r",
                "-i",
                "--log-file=log.txt",
                "--delete-during",
                "../src/",
                "dst/",
            ][..],
            &[
                "-r",
                "-v",
                "--log-file=log.txt",
                "--delete",
                "../src/",
                "dst/",
            ],
            &[
                "-a",
                "--log-file=log.txt",
                "--delete-delay",
                "-b",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// Without -p, -T DIR and a destination directory with a default ACL:
/// rsync's receiver gives a new file dest_mode's permissions from the
/// default ACL of the file's own directory in the destination
/// (default_perms_for_dir on its dirname, mask rwx and other none:
/// 0640 for a 0644 source), not those the temp file got under the umask
/// in DIR. The ACL sent with -A --no-p, or the destination's own.
#[test]
fn temp_dir_file_takes_destination_default_acl() {
    let dacl = xfer::tree::Meta {
        xattrs: Vec::new(),
        acl: None,
        dacl: Some(vec![
            (1, 7, u32::MAX),
            (2, 7, 1000),
            (4, 5, u32::MAX),
            (16, 7, u32::MAX),
            (32, 0, u32::MAX),
        ]),
    };
    let src = vec![dir("sub"), file("sub/f", 100), file("top", 10)];
    let mut cases = Vec::new();
    for dst in [vec![], vec![dir("sub")]] {
        let args = ["-rA", "--no-p", "-i", "--temp-dir=/tmp", "../src/", "dst/"];
        let mut c = case(src.clone(), dst, &[], &args);
        c.src_meta.insert("sub".into(), dacl.clone());
        cases.push(c);
    }
    let args = ["-r", "-i", "--temp-dir=/tmp", "../src/", "dst/"];
    let mut c = case(src.clone(), vec![dir("sub")], &[], &args);
    c.dst_meta.insert("sub".into(), dacl);
    cases.push(c);
    same_as_rsync(&cases);
}

/// -y for a single file copied to a new name in the current directory
/// (`SRC/f dst`): rsync's find_fuzzy reads "." and finds a basis there
/// (here rules.txt, near enough "notes.txt"), whose permissions the new
/// file takes without -p (0644, not the source's 0755).
#[test]
fn fuzzy_basis_for_a_bare_destination_name() {
    let src = vec![with_mode(file("notes.txt", 1000), 0o755)];
    same_as_rsync(&[case(
        src,
        vec![],
        &[("rules.txt", "x")],
        &["-r", "-y", "--out-format=x %n", "../src/notes.txt", "dst"],
    )]);
}

/// `--delete -b` of a directory: rsync's delete_dir_contents backs up
/// its files (logged "deleting d/gone/inner" as the generator's
/// MSG_DELETED) and then fails to remove the directory, non-empty with
/// the backup ("cannot delete non-empty directory: d/gone", its MSG_INFO).
/// Both messages reach rsync's client in that order, which prints and
/// logs each as it comes: the log file has them in the same order as
/// stdout, before the sender's item lines the generator has yet to send.
/// Seed 9100 case 675.
#[test]
fn backup_deletion_logged_before_the_non_empty_directory() {
    let src = [dir("d"), file("d/keep", 10), file("z", 3)];
    let dst = [
        dir("d"),
        file("d/keep", 10),
        dir("d/gone"),
        file("d/gone/inner", 40),
        dir("d/gone/sub"),
        file("d/gone/sub/f", 5),
        file("z", 4),
    ];
    let log = "--log-file=log.txt";
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", log, "--delete", "-b", "../src/", "dst/"],
            &["-a", "-v", log, "--delete", "-b", "../src/", "dst/"],
            &["-a", "-i", log, "--delete", "-b", "../src/", "dst/"],
            &["-a", "-v", log, "--delete-after", "-b", "../src/", "dst/"],
            &["-a", "-i", log, "--delete-delay", "-b", "../src/", "dst/"],
            &[
                "-a",
                log,
                "--log-file-format=%i %n",
                "--delete-before",
                "-b",
                "../src/",
                "dst/",
            ],
            &[
                "-r",
                log,
                "--out-format=%n",
                "--delete",
                "-b",
                "--suffix=.old",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// `--inplace -b` where the backup's name is a directory: rsync's
/// generator fails to copy the file there ("unlink ...: Is a directory")
/// and skips the file before asking for it, so its sender neither sends
/// nor counts it ("Number of regular files transferred: 0").
/// Seed 9203 case 30.
#[test]
fn inplace_backup_that_fails_is_not_counted() {
    let src = [file("a", 10), file("x", 1)];
    let dst = [file("a", 10), file("x", 4), dir("x~"), file("x~/inner", 2)];
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", "--stats", "--inplace", "-b", "../src/", "dst/"],
            &[
                "-a",
                "-i",
                "--stats",
                "--inplace",
                "-b",
                "--no-whole-file",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// `-b` and a directory in the place of a file whose name ends in the
/// backup suffix: rsync's delete_item (DEL_FOR_DIR) deletes it without a
/// backup (is_backup_file), no "x.bak.bak" left. Seed 9204 case 218.
#[test]
fn directory_over_a_backup_named_file() {
    let src = [dir("m"), dir("m/x.bak"), file("m/x.bak/f", 3)];
    let dst = [dir("m"), file("m/x.bak", 10)];
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", "-i", "-b", "--suffix=.bak", "../src/", "dst/"],
            &["-a", "-i", "-H", "-b", "--suffix=.bak", "../src/", "dst/"],
            &[
                "-a",
                "-i",
                "-b",
                "--suffix=.bak",
                "--backup-dir=bk",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// --ignore-existing, a source directory whose name is a file or fifo on
/// the receiver: rsync passes over it (its contents fail with "Not a
/// directory") but does not mark it missing, so its generator's
/// touch_up_dirs sets the directory's time on the file (or fifo) that
/// stands in its place at the end (also a -R path's implied directory,
/// and a top-level source named without a slash). V2 20261207/1524.
#[test]
fn ignore_existing_times_file_in_place_of_directory() {
    let src = vec![
        dir("d"),
        file("d/f", 10),
        dir("e"),
        dir("e/g"),
        file("e/g/h", 5),
        dir("p"),
        file("p/q", 3),
    ];
    let dst = vec![
        with_time(file("d", 20), 1_500_000_000),
        dir("e"),
        with_time(file("e/g", 7), 1_500_000_000),
        Node::Fifo {
            p: "p".into(),
            mode: 0o644,
        },
    ];
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", "-i", "--ignore-existing", "../src/", "dst/"],
            &["-rt", "--ignore-existing", "--no-i-r", "../src/", "dst/"],
            &["-a", "--ignore-existing", "-R", "../src/./e/g/h", "dst/"],
            &["-a", "--ignore-existing", "../src/d", "dst/"],
        ],
    );
}

/// Before protocol 31, rsync's receiver, failing before its transfer
/// starts (a destination it cannot make, one that must be a directory,
/// a missing -T directory: exit_cleanup in get_local_name or do_recv, not
/// yet split into generator and receiver), exits without the
/// MSG_ERROR_EXIT exchange (cleanup.c sends it only for protocol 31 or a
/// forked receiver): its sender, reading on, finds the connection closed
/// ("connection unexpectedly closed (0 bytes received so far) [sender]",
/// whine_about_eof) and exits 12, logging its sent line. With protocol 31
/// the client takes the receiver's code, and logs its sent line and the
/// error when no summary goes to the log file. Seed 9206 case 213.
#[test]
fn receiver_exits_early_before_protocol_31() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 5)];
    let mut cases = Vec::new();
    for args in [
        &["-a", "--protocol=30", "../src/", "dst/new/"][..],
        &[
            "-a",
            "-q",
            "--protocol=30",
            "--log-file=log.txt",
            "../src/",
            "dst/new/",
        ],
        &[
            "-a",
            "--protocol=30",
            "--stderr=client",
            "--log-file=log.txt",
            "../src/",
            "dst/new/",
        ],
        &["-a", "--protocol=30", "-T", "nope", "../src/", "dst/"],
        &[
            "-a",
            "--protocol=31",
            "-T",
            "nope",
            "--log-file=log.txt",
            "../src/",
            "dst/",
        ],
        &[
            "-a",
            "--protocol=31",
            "--log-file=log.txt",
            "../src/",
            "dst/new/",
        ],
    ] {
        cases.push(case(src.clone(), Vec::new(), &[], args));
    }
    for p in ["--protocol=30", "--protocol=31"] {
        cases.push(case(
            src.clone(),
            vec![file("x", 3)],
            &[],
            &[
                "-a",
                p,
                "--log-file=log.txt",
                "../src/a",
                "../src/d",
                "dst/x",
            ],
        ));
    }
    same_as_rsync(&cases);
}

/// A source directory named again after another: rsync's sender, with
/// incremental recursion, reads a repeated directory's contents again
/// (send_extra_file_list) unless it has the first one's F_PATHNAME and
/// the one before it was read. That pathname is one string for a run of
/// arguments naming the same directory before their last slash (lastdir
/// in send_file_list), a new one after an argument with another (an
/// argument whose directory cannot be entered does not count; a name
/// without a slash has none). Its "total size is" counts all it reads,
/// before the list is cleaned. Seed 9007 case 127, 9201/237.
#[test]
fn repeated_source_directory_read_again() {
    let src = vec![
        dir("a"),
        file("a/f", 100),
        dir("a/s"),
        file("a/s/g", 2000),
        dir("a/s/t"),
        file("a/s/t/h", 30000),
        dir("b"),
        file("b/k", 7),
    ];
    same_for_each(
        &src,
        &[],
        &[
            &["-r", "-v", "../src/a/", "../src/b/", "../src/a/", "dst/"],
            &["-r", "--stats", "../src/a/", "../src/a/", "dst/"],
            &["-r", "-v", "../src/a/", "../src/a/", "../src/a/", "dst/"],
            &[
                "-r",
                "-v",
                "../src/a/",
                "../src/a/",
                "../src/b/",
                "../src/a/",
                "dst/",
            ],
            &[
                "-r",
                "-v",
                "../src/a/",
                "../src/nope/x",
                "../src/a/",
                "dst/",
            ],
            &["-r", "-v", "../src/a/", "../src/b", "../src/a/", "dst/"],
            &["-r", "-v", "../src/a", "../src/b/", "../src/a", "dst/"],
            &[
                "-r",
                "-v",
                "--no-i-r",
                "../src/a/",
                "../src/b/",
                "../src/a/",
                "dst/",
            ],
            &[
                "-rR",
                "-v",
                "../src/./a/",
                "../src/b/./",
                "../src/./a/",
                "dst/",
            ],
        ],
    );
}

/// -y without -p: rsync's generator reads a directory's list for a fuzzy
/// basis at the first file there with none, before its receiver (a
/// process behind it) has written the files it asked for earlier in
/// that directory: a new one is not in the list, a replaced one is there
/// as it was (an empty one is no candidate). So `z` and `bz` get no basis
/// and the source's mode, not that of `c` (built on `prev/c`) or `b`
/// beside them. Seed 9400 case 175.
#[test]
fn fuzzy_list_read_before_the_receiver_wrote() {
    let new = vec![file("c", 700), with_mode(file("z", 701), 0o600)];
    let src = vec![
        with_mode(file("b", 100), 0o755),
        with_mode(file("bz", 101), 0o600),
    ];
    let old = vec![with_mode(file("b", 0), 0o640)];
    let mut cases = Vec::new();
    for extra in [&[][..], &["--no-whole-file"]] {
        let mut args = vec!["-r", "-i", "-y"];
        args.extend(extra);
        args.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), old.clone(), &[], &args));
        args.insert(3, "--compare-dest=../prev");
        let mut c = case(new.clone(), vec![], &[], &args);
        c.prev = vec![with_mode(file("c", 500), 0o4755)];
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// -y without -p, an empty single file copied to a bare new name: its
/// fuzzy basis is found in "." as for any other (`rules.txt`), whose
/// permissions the new file takes. Seed 9205 case 211.
#[test]
fn fuzzy_basis_for_an_empty_single_file() {
    let src = vec![dir("a"), with_mode(file("a/notes.txt", 0), 0o2750)];
    same_as_rsync(&[case(
        src,
        vec![],
        &[("rules.txt", "some rules")],
        &["-d", "-i", "-yy", "../src/a/notes.txt", "file"],
    )]);
}

/// A new directory matched in a --compare-dest directory, with `-X`:
/// rsync's generator copies that directory's xattrs onto the new one
/// (gen_entry_copy_xattrs after its mkdir), and its receiver, which sets
/// a directory's xattrs with the source's own mode, is only asked to
/// when the source's differ from them. Without `-p` and with the same
/// xattrs the new directory keeps dest_mode's 0755 (the source's 0775
/// under the umask); with other xattrs it gets 0775. wsync set the
/// source's xattrs on the empty new directory, as a change, and took
/// the source's mode. v2 20261207/2946.
#[test]
fn alt_dest_directory_xattrs_copied_first() {
    let d = |p: &str| Node::Dir {
        p: p.into(),
        mode: 0o775,
        mtime: 1_600_000_309,
    };
    let xattr = |v: &str| xfer::tree::Meta {
        xattrs: vec![
            ("user.mime".into(), b"text/plain".to_vec()),
            ("user.big".into(), v.as_bytes().to_vec()),
        ],
        acl: None,
        dacl: None,
    };
    let mut cases = Vec::new();
    for (args, prev_big) in [
        (&["-rlt", "-X", "-i"][..], "b".repeat(40)),
        (&["-r", "-X", "--no-i-r", "-i"][..], "b".repeat(40)),
        (&["-rlt", "-X", "-i"][..], "c".repeat(40)),
    ] {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--compare-dest=../prev", "../src/", "dst/"]);
        let mut c = case(vec![d("c"), d("e"), file("e/f", 9)], vec![], &[], &all);
        c.prev = vec![d("c"), d("e")];
        for p in ["c", "e"] {
            c.src_meta.insert(p.into(), xattr(&"b".repeat(40)));
            c.prev_meta.insert(p.into(), xattr(&prev_big));
        }
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// `-H -A`, a follower whose name is a directory at the destination and
/// a leader that is transferred: rsync's finish_hard_link, when the
/// leader's data is in, links the follower over the directory and
/// itemizes it with the directory's stat, so get_acl's default-ACL read
/// of what is now a file fails ("get_acl: sys_acl_get_file(sub/k,
/// ACL_TYPE_DEFAULT): Permission denied (13)", exit 23) as with a leader
/// left alone (hard_link_over_directory_with_acls). wsync read it but
/// never printed the error. Seed 9601 case 295.
#[test]
fn hard_link_over_directory_with_acls_after_transfer() {
    let src = [
        with_mode(file("a", 30), 0o755),
        dir("sub"),
        Node::Hard {
            p: "sub/k".into(),
            target: "a".into(),
        },
        Node::Hard {
            p: "b".into(),
            target: "a".into(),
        },
    ];
    same_for_each(
        &src,
        &[file("a", 40), dir("b"), dir("sub"), dir("sub/k")],
        &[
            &["-aHA", "-i", "../src/", "dst/"],
            &["-aHA", "-i", "--no-i-r", "../src/", "dst/"],
            &["-aHAX", "-i", "-b", "--suffix=.bak", "../src/", "dst/"],
        ],
    );
}

/// `-H -n`, a follower below a directory the dry run would make (a
/// symlink there, no -K) that leads to a link to the group's file: rsync's
/// generator stats nothing below its dry_missing_dir (statret -1), so the
/// follower is new there, `>f+++++++++` when -u skipped the leader (dst
/// newer), `hf+++++++++ ... => a` when the leader was done; wsync looked
/// through the symlink and found the file (-u skipped the follower too;
/// "already linked", `hf..t......`). Seed 9601 case 128.
#[test]
fn hard_link_follower_in_dry_run_missing_directory() {
    let src = [
        file("a", 10),
        dir("d"),
        Node::Hard {
            p: "d/k".into(),
            target: "a".into(),
        },
    ];
    let dst = [
        with_time(file("a", 10), 1_700_000_000),
        dir("d.real"),
        Node::Hard {
            p: "d.real/k".into(),
            target: "a".into(),
        },
        Node::Link {
            p: "d".into(),
            target: "d.real".into(),
            mtime: 1_600_000_000,
        },
    ];
    same_for_each(
        &src,
        &dst,
        &[
            &["-aH", "-u", "-n", "-i", "../src/", "dst/"],
            &["-aH", "-u", "-n", "-i", "--no-i-r", "../src/", "dst/"],
            &["-aH", "-n", "-i", "../src/", "dst/"],
            &["-aH", "-i", "../src/", "dst/"],
        ],
    );
}

/// -J with an alt-dest: rsync's unchanged_attrs leaves a symlink's time
/// out under --omit-link-times, so a link in --compare-dest/--link-dest/
/// --copy-dest with the same target but another time is an exact match
/// (not created for --compare-dest, linked for --link-dest, nothing
/// itemized). Seed 9401 case 75.
#[test]
fn omit_link_times_alt_dest_link_matches() {
    let link = |secs: i64| Node::Link {
        p: "l".into(),
        target: "there".into(),
        mtime: secs,
    };
    let mut cases = Vec::new();
    for how in [
        "--compare-dest=../prev",
        "--link-dest=../prev",
        "--copy-dest=../prev",
    ] {
        for extra in [&["-J"][..], &[]] {
            let mut args = vec!["-a", "-i"];
            args.extend(extra);
            args.extend([how, "../src/", "dst/"]);
            let mut c = case(vec![link(1_600_000_007), file("f", 10)], vec![], &[], &args);
            c.prev = vec![link(1_600_000_010)];
            cases.push(c);
        }
    }
    same_as_rsync(&cases);
}

/// -H with --compare-dest: a leader that matches its --compare-dest file
/// is not made, and rsync's generator does not finish its group
/// (try_dests_reg calls finish_hard_link for --link-dest and --copy-dest
/// only): the next name is processed as a file of its own
/// (hard_link_check returns 0), matched or sent. wsync linked it to the
/// leader's missing name ("link ... failed", exit 23). 9611/199.
#[test]
fn compare_dest_leader_leaves_its_group_unfinished() {
    let hard = |p: &str, t: &str| Node::Hard {
        p: p.into(),
        target: t.into(),
    };
    let src = vec![file("core", 3000), hard("sub", "core"), file("x", 10)];
    let pair = vec![file("core", 3000), hard("sub", "core")];
    let mut cases = Vec::new();
    for (how, prev) in [
        // The pair up to date in prev: nothing made, nothing said.
        ("--compare-dest=../prev", pair.clone()),
        ("--copy-dest=../prev", pair.clone()),
        ("--link-dest=../prev", pair),
        // One name there (with --compare-dest rsync 3.5.0 then fails
        // with "File-list index ... not in" or hangs: not compared).
        ("--copy-dest=../prev", vec![file("core", 3000)]),
        ("--link-dest=../prev", vec![file("sub", 3000)]),
    ] {
        let mut c = case(
            src.clone(),
            Vec::new(),
            &[],
            &["-aH", "-i", how, "../src/", "dst/"],
        );
        c.prev = prev;
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// `--backup-dir` inside the destination, incremental recursion: rsync's
/// generator fixes a directory's time once done with its list, so the
/// backup directory made in the destination root after the top list is
/// done leaves the root's time at "now": by the receiver (a file of a
/// subdirectory replaced), or by the generator (a symlink replaced)
/// when no file of the top list is still in transfer and it has looked
/// for lists done (after each entry). Made during the
/// top list, or by the deletions at the start of a subdirectory's list,
/// it comes before the root's time is set. wsync set every directory's
/// time at the end. 9002/176, 9202/188, 9502/278, 9614/108, 358549058/42.
#[test]
fn backup_dir_made_after_the_top_list_is_done() {
    let link = |target: &str| Node::Link {
        p: "a/l".into(),
        target: target.into(),
        mtime: 1_600_000_001,
    };
    let a = || dir("a");
    let t = |seed| with_seed(file("t", 1 << 20), seed);
    let f = |seed| with_seed(file("a/f", 3000), seed);
    let args = &["-a", "-i", "--backup-dir=bak", "../src/", "dst/"][..];
    let del = &[
        "-a",
        "-i",
        "--delete",
        "--backup-dir=bak",
        "../src/",
        "dst/",
    ][..];
    let cases = vec![
        // The receiver, in a's list: "now".
        case(
            vec![t(1), a(), f(1)],
            vec![t(1), a(), with_time(f(2), 1_500_000_000)],
            &[],
            args,
        ),
        // The receiver, in the top list: the root's time.
        case(
            vec![with_time(t(1), 1_500_000_000), a(), f(1)],
            vec![t(2), a(), f(1)],
            &[],
            args,
        ),
        // The generator, in a's list, with t in transfer: the root's time.
        case(
            vec![t(1), a(), link("x")],
            vec![with_time(t(2), 1_500_000_000), a(), link("y")],
            &[],
            args,
        ),
        // ... with nothing in transfer, after the first entry of a's list
        // (the generator looks for lists done after each entry): "now";
        case(
            vec![t(1), a(), f(1), link("x")],
            vec![t(1), a(), f(1), link("y")],
            &[],
            args,
        ),
        // at the first, before it looks: the root's time.
        case(
            vec![t(1), a(), link("x")],
            vec![t(1), a(), link("y")],
            &[],
            args,
        ),
        // A deletion at the start of a's list: the root's time.
        case(
            vec![t(1), a(), f(1)],
            vec![t(1), a(), f(1), file("a/old", 5)],
            &[],
            del,
        ),
        // A file in the way of directory z, made way for in the top
        // list's loop (-t), before a's list: the root's time.
        case(
            vec![t(1), a(), f(1), dir("z"), file("z/g", 4)],
            vec![t(1), a(), f(1), file("z", 9)],
            &[],
            args,
        ),
    ];
    same_as_rsync(&cases);
}

/// --list-only runs rsync's transfer with a generator that lists: the
/// sender's file-list lines as for a transfer (-P's "sending incremental
/// file list"; without incremental recursion, -m included, "building
/// file list ... done", or -P's count of files to consider); -m prunes
/// empty directories from what is listed, --chmod changes the modes
/// listed (the receiver's list); the generator's lines are dropped by
/// -q, from the log file too; --stats's block is logged; --delete works
/// without -r (a listing implies -d); -U adds an access-time column
/// (632955247/11). wsync printed the list note for -v
/// alone, always the incremental one with -r, listed the empty
/// directories and the modes as they were, logged the lines under -q,
/// not the block, and refused --delete.
#[test]
fn list_only_as_a_transfer_lists() {
    let src = vec![
        file("a", 10),
        dir("d"),
        dir("d/e"),
        dir("d/f"),
        file("d/f/z", 20),
        dir("g"),
    ];
    let cases: Vec<Case> = [
        &["-a", "--list-only", "-P"][..],
        &["-a", "--list-only", "--no-i-r", "-P"],
        &["-a", "--list-only", "-m"],
        &["-a", "--list-only", "-m", "-v"],
        &["-r", "--list-only", "-m", "--progress"],
        &["-a", "--list-only", "-v", "--delete-after"],
        &["-a", "--list-only", "-q", "--log-file=log.txt"],
        &["-r", "-i", "--stats", "--log-file=log.txt", "--list-only"],
        &["-a", "--chmod=ug=rwX,o-r", "--list-only"],
        &["-lpt", "--delete", "--list-only"],
        &["-a", "--list-only", "-U"],
    ]
    .iter()
    .map(|args| {
        let mut args = args.to_vec();
        args.extend(["../src/", "dst/"]);
        case(src.clone(), vec![], &[], &args)
    })
    .collect();
    same_as_rsync(&cases);
}

/// `-L` (or `-k`) through a symlink loop (`d/loop -> ..`): rsync 3.5.0's
/// sender stats a directory's entries through the directory it holds
/// open (send_directory's scan_dirfd), so the entry at the depth where
/// the whole path has too many symlinks to resolve is still listed
/// (`cd+++++++++`), and it is the opendir of that directory that fails
/// ("Too many levels of symbolic links"). wsync followed the entry by
/// its whole path: readlink_stat failed one level up. v2 693265440/177.
#[test]
fn symlink_loop_fails_at_the_deepest_opendir() {
    let link = |p: &str, target: &str| Node::Link {
        p: p.into(),
        target: target.into(),
        mtime: 1_600_000_000,
    };
    let src = vec![
        dir("d"),
        file("d/f", 10),
        link("d/loop", ".."),
        link("d/lf", "f"),
        link("a", "b"),
        link("b", "a"),
    ];
    same_for_each(
        &src,
        &[],
        &[
            &["-ai", "-L", "../src/", "dst/"],
            &["-r", "-L", "--no-i-r", "../src/", "dst/"],
            &["-ai", "-k", "../src/", "dst/"],
            &["-ai", "-L", "--copy-unsafe-links", "../src/", "dst/"],
        ],
    );
}

/// `--remove-source-files` says "sender removed NAME" at --info=remove
/// (which -vv implies), not only at -vv; -q and --info=remove0 keep it
/// quiet. wsync looked at -vv alone. 891397409/1023.
#[test]
fn sender_removed_at_info_remove() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 20)];
    same_for_each(
        &src,
        &[],
        &[
            &[
                "-a",
                "--info=remove",
                "--remove-source-files",
                "../src/",
                "dst/",
            ],
            &[
                "-a",
                "-q",
                "--info=remove",
                "--remove-source-files",
                "../src/",
                "dst/",
            ],
            &[
                "-a",
                "--info=remove0",
                "--remove-source-files",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// `-U` where rsync's access times move as it reads: with `-c` its
/// sender reads each file as it lists it, so a second name of a file
/// listed later has the time of that read ('u' against an unchanged
/// copy); `-X` without `-t` sets a received file's time to second -1
/// (set_xattr's "make sure caller sets mtime" left in the stat whose
/// times it then sets with the access time); `--link-dest` sets the
/// linked file's attributes (the access time, and without -p the mode
/// of a new file: set-id bits off); a `--copy-dest` file matched but not
/// exactly is stat'ed again after `-c` read it ('u').
#[test]
fn atimes_as_rsync_reads_and_sets_them() {
    use xfer::tree::Meta;
    let src = vec![
        file("a", 100),
        Node::Hard {
            p: "b".into(),
            target: "a".into(),
        },
    ];
    let dst = vec![file("a", 100), file("b", 100)];
    let mut cases = vec![case(
        src,
        dst,
        &[],
        &["-rlpt", "-i", "-c", "-U", "../src/", "dst/"],
    )];
    let mut c = case(
        vec![file("f", 100)],
        vec![],
        &[],
        &["-r", "-X", "-U", "../src/", "dst/"],
    );
    let meta = Meta {
        xattrs: vec![("user.a".into(), b"1".to_vec())],
        acl: None,
        dacl: None,
    };
    c.src_meta.insert("f".into(), meta);
    cases.push(c);
    let setgid = with_mode(file("g", 100), 0o2750);
    let mut c = case(
        vec![setgid.clone()],
        vec![],
        &[],
        &["-r", "-i", "--link-dest=../prev", "-U", "../src/", "dst/"],
    );
    c.prev = vec![setgid];
    cases.push(c);
    let mut c = case(
        vec![file("s", 100)],
        vec![],
        &[],
        &[
            "-rp",
            "-i",
            "-c",
            "--copy-dest=../prev",
            "-U",
            "../src/",
            "dst/",
        ],
    );
    c.prev = vec![with_mode(file("s", 100), 0o600)];
    cases.push(c);
    same_as_rsync(&cases);
}

/// -L: the sender's stat errors name the path as rsync's client prints
/// names (a newline as `\#012`), with -8 too. wsync printed the raw path
/// (escaped on the way out without -8).
/// 632955247/1785, 358549058/186.
#[test]
fn sender_stat_errors_escape_the_name() {
    let link = |p: &str, t: &str| Node::Link {
        p: p.into(),
        target: t.into(),
        mtime: 1_600_000_001,
    };
    let src = vec![
        link("caf\u{e9}", "nowhere"),
        link("new\nline", "nowhere"),
        file("f", 3),
        link("n\nl", "f/x"),
        dir("d\nir"),
        link("d\nir/k", "../f/x"),
    ];
    same_for_each(
        &src,
        &[],
        &[
            &["-a", "-L", "../src/", "dst/"],
            &["-a", "-L", "-8", "../src/", "dst/"],
        ],
    );
}

/// `--inplace -b`: the backup is a copy, which rsync's `copy_file` gives
/// the file's xattrs (`-X`); wsync's copy had none.
/// 632955247/622, 545758774/269.
#[test]
fn inplace_backup_copies_the_xattrs() {
    use xfer::tree::Meta;
    let mut cases = Vec::new();
    for args in [
        &["-r", "-i", "-X", "--inplace", "-b", "../src/", "dst/"][..],
        &[
            "-rt",
            "-X",
            "--inplace",
            "-b",
            "--suffix=.old",
            "../src/",
            "dst/",
        ],
        &[
            "-a",
            "-X",
            "-A",
            "--inplace",
            "-b",
            "--no-whole-file",
            "../src/",
            "dst/",
        ],
    ] {
        let mut c = case(
            vec![file("f", 5000)],
            vec![with_seed(file("f", 3000), 7)],
            &[],
            args,
        );
        let meta = Meta {
            xattrs: vec![
                ("user.a".into(), b"1".to_vec()),
                ("user.b".into(), vec![b'x'; 100]),
            ],
            acl: None,
            dacl: None,
        };
        c.dst_meta.insert("f".into(), meta);
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// A directory emptied to make way for a file (`--force`) keeps what the
/// filter rules exclude, with or without `--delete` (rsync's
/// `delete_dir_contents` lists it through them): "cannot delete
/// non-empty directory", the file not put in place. Without `--delete`
/// wsync deleted (or backed up) everything. 2470924688/1298.
#[test]
fn make_way_keeps_what_the_rules_exclude() {
    let src = vec![file("core", 13), file("k", 7)];
    let dst = vec![
        dir("core"),
        file("core/b", 10),
        file("core/b2", 20),
        dir("core/sub2"),
        file("core/sub2/inner", 30),
    ];
    same_for_each(
        &src,
        &dst,
        &[
            &["-a", "-v", "--force", "--exclude=*/", "../src/", "dst/"],
            &[
                "-a",
                "-v",
                "--force",
                "-b",
                "--exclude=*/",
                "../src/",
                "dst/",
            ],
            &[
                "-a",
                "--force",
                "--backup-dir=../bak",
                "--exclude=*/",
                "../src/k",
                "../src/core",
                "dst/",
            ],
            &["-a", "-v", "--force", "--exclude=b2", "../src/", "dst/"],
        ],
    );
}

/// `--inplace --no-whole-file`: a block the file holds at the same offset
/// is not written (rsync's receiver seeks past it), so a sparse file's
/// holes stay and only rsync's blocks that differ count as literal data.
/// wsync compared (and wrote) 256 KiB at a time. 2470924688/1313.
#[test]
fn inplace_leaves_the_same_blocks_alone() {
    let sparse = |seed: u64| Node::File {
        p: "k".into(),
        size: 1 << 20,
        seed,
        mode: 0o644,
        mtime: (1_600_000_000, 5),
        owner: (0, 0),
        sparse: true,
    };
    let src = vec![sparse(10)];
    let dst = vec![with_time(sparse(11), 1_500_000_000)];
    same_for_each(
        &src,
        &dst,
        &[
            &[
                "-rt",
                "--inplace",
                "--no-whole-file",
                "--stats",
                "../src/",
                "dst/",
            ],
            &[
                "-r",
                "--inplace",
                "--no-whole-file",
                "-B",
                "3000",
                "--stats",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// `--remove-source-files -X` and a file already at the destination
/// whose xattr value, over 32 bytes, differs there: rsync 3.5.0's
/// sender removes the source before it reads the generator's request
/// for that value ("failed to re-read xattr", the value set empty, exit
/// 23), against its manual (docs/RSYNC.md, "Where rsync 3.5.0
/// contradicts its own manual"). wsync sets the value and removes the
/// source: compared with rsync without --remove-source-files, then the
/// removal as a fixed expectation. 2470924688/4954.
#[test]
fn remove_source_files_keeps_long_xattr_values() {
    use xfer::tree::Meta;
    let meta = |v: u8| Meta {
        xattrs: vec![("user.big".into(), vec![v; 40])],
        acl: None,
        dacl: None,
    };
    let mut c = case(
        vec![file("f", 100)],
        vec![file("f", 100)],
        &[],
        &["-aX", "-i", "../src/", "dst/"],
    );
    c.src_meta.insert("f".into(), meta(b'b'));
    c.dst_meta.insert("f".into(), meta(b'c'));
    assert!(c.rsync_fails().is_none());
    same_as_rsync(std::slice::from_ref(&c));
    c.args.insert(2, "--remove-source-files".into());
    c.rsync_args = c.args.clone();
    assert!(c.rsync_fails().is_some(), "the harness leaves it out");
    // The fixed expectation.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for (dir, v) in [("src", b'b'), ("w/dst", b'c')] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        let f = root.join(dir).join("f");
        std::fs::write(&f, b"same").unwrap();
        rustix::fs::setxattr(&f, "user.big", &[v; 40], rustix::fs::XattrFlags::empty()).unwrap();
    }
    let args: Vec<String> = [
        "sync",
        "-rX",
        "-i",
        "--remove-source-files",
        "../src/",
        "dst/",
    ]
    .map(String::from)
    .to_vec();
    let got = common::run_in(common::wsync_path(), &args, &root.join("w"), &[], None);
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert!(!root.join("src/f").exists(), "the source is removed");
    let mut v = [0u8; 64];
    let n = rustix::fs::getxattr(root.join("w/dst/f"), "user.big", &mut v).unwrap();
    assert_eq!(&v[..n], &[b'b'; 40]);
}

/// `--no-p -A`: rsync's generator compares ACLs against the mode the
/// entry keeps (dest_mode: the destination's permissions), so a mask
/// that follows other group bits there is an `a`. wsync compared with
/// the source's mode. 632955247/3056.
#[test]
fn acls_without_perms_compare_with_the_mode_kept() {
    use xfer::tree::Meta;
    let acl = Meta {
        xattrs: vec![],
        acl: Some((5, vec![(2, 6, 4242)])),
        dacl: None,
    };
    let d = |mode: u32| Node::Dir {
        p: "d".into(),
        mode,
        mtime: 1_600_000_100,
    };
    let mut cases = Vec::new();
    for args in [
        &["-rA", "-i", "--no-p", "../src/", "dst/"][..],
        &["-aA", "-i", "-I", "--no-p", "../src/", "dst/"],
        &["-aA", "-i", "--no-p", "-E", "../src/", "dst/"],
    ] {
        let mut c = case(
            vec![d(0o750), with_mode(file("d/f", 10), 0o750)],
            vec![d(0o711), with_mode(file("d/f", 10), 0o611)],
            &[],
            args,
        );
        for m in [&mut c.src_meta, &mut c.dst_meta] {
            m.insert("d".into(), acl.clone());
            m.insert("d/f".into(), acl.clone());
        }
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// `--no-dirs` given: a listing does not imply `-d` then (rsync's
/// xfer_dirs 0, not unset), so a directory is skipped and `--delete` is
/// refused; nor does `--files-from`. wsync took --no-dirs for no -d.
#[test]
fn no_dirs_is_not_implied_away() {
    let src = vec![file("a", 10), dir("d"), file("d/b", 20)];
    let list = [("list.txt", "a\nd\nd/b\n")];
    let mut cases: Vec<Case> = [
        &["--list-only", "--no-dirs", "../src/"][..],
        &["--list-only", "--no-d", "--delete", "../src/"],
        &["--no-dirs", "--delete", "../src/"],
        &["--no-dirs", "../src/"],
        &["--dirs", "--no-dirs", "--list-only", "../src/", "dst/"],
        &["-r", "--no-dirs", "--list-only", "../src/"],
        &["--no-dirs", "-a", "../src/", "dst/"],
    ]
    .iter()
    .map(|args| case(src.clone(), vec![], &[], args))
    .collect();
    for args in [
        &[
            "-i",
            "--no-dirs",
            "--files-from=list.txt",
            "../src/",
            "dst/",
        ][..],
        &[
            "-i",
            "--no-dirs",
            "--delete",
            "--files-from=list.txt",
            "../src/",
            "dst/",
        ],
    ] {
        cases.push(case(src.clone(), vec![], &list, args));
    }
    same_as_rsync(&cases);
}

/// `--usermap`/`--groupmap` and ACLs: with incremental recursion rsync's
/// receiver maps a named entry as it reads it, and with `--numeric-ids`
/// not a user's (nor, as root, a group's); without incremental recursion
/// it maps them all once the list is in (match_acl_ids). wsync mapped
/// them all. 1510018074/1201, 1510018074/1221.
#[test]
fn acl_ids_mapped_as_rsync_reads_them() {
    use xfer::tree::Meta;
    let acl = Meta {
        xattrs: vec![],
        acl: Some((4, vec![(2, 6, 4242), (8, 4, 4243)])),
        dacl: None,
    };
    let mut cases = Vec::new();
    for args in [
        &[
            "-rA",
            "--numeric-ids",
            "--usermap=4242:0",
            "--groupmap=4243:7",
            "../src/",
            "dst/",
        ][..],
        &[
            "-rA",
            "--numeric-ids",
            "--no-i-r",
            "--usermap=4242:0",
            "--groupmap=4243:7",
            "../src/",
            "dst/",
        ],
        &[
            "-rA",
            "--usermap=4242:0",
            "--groupmap=4243:7",
            "../src/",
            "dst/",
        ],
        &[
            "-dA",
            "--numeric-ids",
            "--usermap=4242:0",
            "../src/",
            "dst/",
        ],
    ] {
        let mut c = case(vec![file("f", 10), dir("d")], vec![], &[], args);
        c.src_meta.insert("f".into(), acl.clone());
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// `--list-only -U` of a named symlink: its access time as rsync's
/// link_stat finds it, before anything reads the link. wsync stat'ed
/// through it first (for -x's file system), which read it.
/// 1510018074/2498.
#[test]
fn list_only_atime_of_a_named_symlink() {
    let src = vec![
        Node::Link {
            p: "c".into(),
            target: "nowhere".into(),
            mtime: 1_600_000_001,
        },
        file("f", 3),
        Node::Link {
            p: "l".into(),
            target: "f".into(),
            mtime: 1_600_000_001,
        },
    ];
    same_for_each(
        &src,
        &[],
        &[
            &["-d", "--list-only", "-U", "../src/c", "../src/l"],
            &["-x", "--list-only", "-U", "../src/l"],
        ],
    );
}

/// -H with --compare-dest: a name of a hard-link group matched in the
/// compare-dest directory but not exactly (its permissions differ there)
/// is copied from it (`cf`), and rsync's generator then links the rest
/// of the group to it (try_dests_reg's copy calls finish_hard_link; only
/// an exact match leaves the group unfinished): `hf ... => LEADER`, in
/// another directory's list too, and in a dry run. wsync took the copy
/// like an exact match and made each name on its own, not linked.
/// 2470924688/2859, 545758774/71, 632955247/1947.
#[test]
fn compare_dest_inexact_leader_links_its_group() {
    let hard = |p: &str, t: &str| Node::Hard {
        p: p.into(),
        target: t.into(),
    };
    let old = |p: &str| with_mode(file(p, 3000), 0o600);
    let src = vec![file("core", 3000), hard("sub", "core"), file("x", 10)];
    let deep = vec![
        dir("a"),
        dir("b"),
        file("a/core", 3000),
        hard("b/sub", "a/core"),
        file("a/x", 10),
    ];
    let mut cases = Vec::new();
    for (src, prev, dry) in [
        (&src, vec![old("core"), hard("sub", "core")], false),
        (&src, vec![old("core")], false),
        (&src, vec![old("sub")], false),
        (&src, vec![old("core")], true),
        (&deep, vec![dir("a"), dir("b"), old("a/core")], false),
        (&deep, vec![dir("a"), dir("b"), old("b/sub")], false),
    ] {
        let mut args = vec!["-aH", "-i", "--compare-dest=../prev", "../src/", "dst/"];
        if dry {
            args.insert(1, "-n");
        }
        let mut c = case(src.clone(), Vec::new(), &[], &args);
        c.prev = prev;
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// -H --compare-dest without incremental recursion: a name of a group
/// that matches its --compare-dest file exactly is not made, but stays
/// in rsync's chain of the group (F_HL_PREV, neither done nor sent): the
/// next name is processed on its own ("looking for a leader"), and the
/// name that finishes the group later links every name before it, the
/// matched one too (`hf a1 => a3`); when none does (the last name
/// matched too), the names that waited for a leader are never made.
/// wsync left the matched name out and sent the names that waited as
/// plain files. 26/1744 (--delay-updates).
#[test]
fn compare_dest_exact_match_stays_in_its_group() {
    let hard = |p: &str| Node::Hard {
        p: p.into(),
        target: "a1".into(),
    };
    let src = vec![file("a1", 700), hard("a2"), hard("a3"), file("b", 10)];
    let mut cases = Vec::new();
    for exact in [&["a1"][..], &["a2"], &["a3"], &["a1", "a3"], &["a2", "a3"]] {
        for extra in ["--no-i-r", "--delete-after"] {
            let mut c = case(
                src.clone(),
                Vec::new(),
                &[],
                &[
                    "-aH",
                    "-i",
                    extra,
                    "--compare-dest=../prev",
                    "../src/",
                    "dst/",
                ],
            );
            c.prev = exact.iter().map(|p| file(p, 700)).collect();
            cases.push(c);
        }
    }
    same_as_rsync(&cases);
}

/// `--inplace --no-whole-file` finds what rsync's sender finds when it
/// updates the basis file itself (match.c hash_search with
/// `updating_basis_file`): a block is looked for only at or before its
/// own offset (or where it was already found at its own), the block at
/// the window's own offset is taken first, and a run of zeros off a
/// block boundary realigns to the zeros the file has at the next one
/// (the bytes up to it literal, the rest seeked over). So content moved
/// back (bytes deleted before it) is matched, content moved on (bytes
/// inserted) is literal; with `-S` the zeros written over the old data
/// are holes punched, not skipped. The sources are beside (`prev/`), the
/// old files in `dst/`, one of them sparse; `-I`: some have the same size.
#[test]
fn inplace_finds_moved_blocks_as_rsync() {
    use xfer::tree::content;
    let cut = |d: &[u8], at: usize, n: usize| [&d[..at], &d[at + n..]].concat();
    let put = |d: &[u8], at: usize, x: &[u8]| [&d[..at], x, &d[at..]].concat();
    let mut files: Vec<(String, Vec<u8>, Vec<u8>)> = Vec::new();
    // 2 bytes inserted, then 100 deleted: literal between, matched after.
    let a = content(300_000, 1);
    files.push((
        "a".into(),
        a.clone(),
        cut(&put(&a, 50_000, b"xx"), 120_002, 100),
    ));
    // A run of zeros that starts 300 bytes earlier: off the boundaries,
    // realigned to the zeros the file has at the next one.
    let z = |n: usize| vec![0u8; n];
    let b = [content(10_000, 2), z(100_000), content(90_000, 3)].concat();
    let nb = [&b[..9_700], &z(100_300), &b[110_000..]].concat();
    files.push(("b".into(), b, nb));
    // Inserted near the start: nothing after it can be matched.
    let c = content(150_000, 4);
    files.push(("c".into(), c.clone(), put(&c, 1_000, &content(3_000, 5))));
    // Deleted, zeros written over data, a block moved back.
    let d = [content(80_000, 6), z(40_000), content(80_000, 7)].concat();
    let mut nd = cut(&d, 500, 7);
    nd[20_000..60_000].fill(0);
    let nd = put(&cut(&nd, 150_000, 5_000), 30_000, &d[170_000..172_000]);
    files.push(("d".into(), d, nd));
    // A sparse file (1 MiB: 100 bytes, a hole, 5,000 bytes at 512 KiB, a
    // hole) with 10 bytes deleted near its start.
    let mut e = vec![0u8; 1 << 20];
    e[..100].copy_from_slice(&content(100, 20));
    e[1 << 19..(1 << 19) + 5000].copy_from_slice(&content(5000, 21));
    let sparse = Node::File {
        p: "e".into(),
        size: 1 << 20,
        seed: 20,
        mode: 0o644,
        mtime: (1_500_000_000, 0),
        owner: (0, 0),
        sparse: true,
    };
    let mut all = vec![("prev/e".to_string(), cut(&e, 40, 10))];
    for (name, old, new) in files {
        all.push((format!("prev/{name}"), new));
        all.push((format!("dst/{name}"), old));
    }
    let base = ["-r", "-I", "--inplace", "--no-whole-file", "--stats"];
    let mut cases = Vec::new();
    for extra in [&[][..], &["-B", "1000"], &["-S"], &["-S", "-B", "512"]] {
        let args: Vec<&str> = base
            .iter()
            .chain(extra)
            .chain(&["prev/", "dst/"])
            .copied()
            .collect();
        let mut c = case(Vec::new(), vec![sparse.clone()], &[], &args);
        c.files = all.clone();
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// `-c --checksum-choice=none`: rsync's sender fails when it sums its
/// first regular file as it lists (after "sending incremental file
/// list", and "building file list" and a closing "sent 0 bytes" line in
/// the log); a list without a regular file goes through. wsync refused
/// before listing, whatever the list held. 485721221/4021.
#[test]
fn no_file_sum_fails_at_the_first_file() {
    let link = Node::Link {
        p: "l".into(),
        target: "f".into(),
        mtime: 1_600_000_001,
    };
    let mut cases = Vec::new();
    for (src, args) in [
        (
            vec![file("f", 5), dir("d")],
            &[
                "-r",
                "-v",
                "--log-file=log.txt",
                "-c",
                "--checksum-choice=none",
                "../src/",
                "dst/",
            ][..],
        ),
        (
            vec![dir("d"), link.clone()],
            &[
                "-r",
                "-v",
                "--log-file=log.txt",
                "-c",
                "--checksum-choice=none",
                "../src/",
                "dst/",
            ],
        ),
        (
            vec![dir("d"), link],
            &[
                "-rl",
                "-i",
                "-c",
                "--checksum-choice=xxh64,none",
                "../src/",
                "dst/",
            ],
        ),
    ] {
        cases.push(case(src, vec![], &[], args));
    }
    same_as_rsync(&cases);
}

/// `-c` and an unchanged file whose time differs within the modify
/// window: rsync's generator sets its time to the source's exactly
/// (set_file_attrs with ATTRS_ACCURATE_TIME under --checksum), though it
/// itemizes no 't'; wsync compared with the window and left the old
/// time. 964976635/1911.
#[test]
fn checksum_sets_times_within_the_window() {
    let t = 1_600_000_000;
    let src = vec![
        with_time(file("a", 10), t),
        file("b", 10),
        with_time(file("c", 10), t),
    ];
    // The same content (file() seeds by size), other times.
    let old = vec![
        with_time(file("a", 10), t + 50),
        with_time(file("b", 10), t),
        with_time(file("c", 10), t - 1),
    ];
    same_for_each(
        &src,
        &old,
        &[
            &["-a", "-i", "-c", "--modify-window=100", "../src/", "dst/"],
            &["-a", "-i", "-c", "../src/", "dst/"],
            &["-a", "-i", "--modify-window=100", "../src/", "dst/"],
            &["-a", "-i", "-c", "--modify-window=-1", "../src/", "dst/"],
        ],
    );
}

/// `-8` and an error rsync's generator prints itself: a name's high-bit
/// bytes as they are (its filtered_fwrite without isprint), control
/// characters still escaped; wsync escaped them all. 964976635/2523.
#[test]
fn eight_bit_names_in_generator_errors() {
    // dst/d is a file: mkdir of each directory under it fails.
    let src = vec![dir("d"), dir("d/café"), dir("d/new\nline")];
    let old = vec![file("d", 3)];
    same_for_each(
        &src,
        &old,
        &[
            &["-r", "-8", "--ignore-existing", "../src/", "dst/"],
            &["-r", "--ignore-existing", "../src/", "dst/"],
            &[
                "-r",
                "-8",
                "--ignore-existing",
                "--stderr=client",
                "../src/",
                "dst/",
            ],
        ],
    );
}

/// A dry run with -X and an alt-dest directory, below a directory whose
/// name is a symlink in the destination: rsync's generator would have
/// made that directory (its children are not looked at), but
/// gen_entry_copy_xattrs holds their parent as its dirfd cache does
/// (dpc_dir_fd: through relative symlinks beneath the destination), so
/// a directory there reached through the symlink gets the alt-dest
/// directory's xattrs, a missing one fails its openat (ENOENT), and a
/// symlink to an absolute path or out of the destination fails the
/// secure walk (ELOOP). wsync said ENOENT for all.
/// 485721221/3951.
#[test]
fn dry_run_alt_dest_xattrs_through_a_symlinked_parent() {
    let link = |p: &str, t: &str| Node::Link {
        p: p.into(),
        target: t.into(),
        mtime: 1_600_000_000,
    };
    let tree: Vec<Node> = ["d", "d/new", "d/sub", "e", "e/sub", "f", "f/sub"]
        .into_iter()
        .map(dir)
        .collect();
    let mut c = case(
        tree.clone(),
        vec![
            link("d", "d.real"),
            dir("d.real"),
            dir("d.real/sub"),
            link("e", "/"),
            link("f", "../prev/f"),
        ],
        &[],
        &["-rn", "-X", "-i", "--copy-dest=../prev", "../src/", "dst/"],
    );
    c.prev = tree;
    user_x_hello(&mut c.prev_meta, &["d/new", "d/sub", "e/sub", "f/sub"]);
    same_as_rsync(&[c]);
}

/// A name of a hard-link group that rsync's generator passes over
/// (handle_skipped_hlink: --append with the destination as long, -u,
/// --ignore-existing) leaves the group, which goes on without it
/// (check_prior steps over it: "virtual first"): a later name is its
/// leader, and the names that waited are linked to it; when the name
/// passed over was the last, the newest name that waited is gone
/// through again and sent. wsync sent every other name as a file of its
/// own. 485721221/311.
#[test]
fn hard_link_group_goes_on_past_a_skipped_name() {
    let hard = |p: &str, t: &str| Node::Hard {
        p: p.into(),
        target: t.into(),
    };
    let mut cases = Vec::new();
    // --append: a/x as long at the destination (another time: not up to
    // date); b/m waits, b/t is sent and b/m linked to it.
    let src = vec![
        dir("a"),
        file("a/x", 3000),
        dir("b"),
        hard("b/m", "a/x"),
        hard("b/t", "a/x"),
    ];
    let old = with_time(with_seed(file("a/x", 3000), 5), 1_500_000_000);
    for extra in [&[][..], &["--no-i-r"], &["-b"]] {
        let mut args = vec!["-aH", "-i", "--append-verify"];
        args.extend_from_slice(extra);
        args.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), vec![dir("a"), old.clone()], &[], &args));
    }
    // -u and --ignore-existing, the name passed over first, in the
    // middle, last.
    let src = vec![file("a", 500), hard("b", "a"), hard("c", "a")];
    for name in ["a", "b", "c"] {
        let newer = with_time(with_seed(file(name, 500), 9), 1_700_000_000);
        for opt in ["-u", "--ignore-existing"] {
            let args = ["-aH", "-i", opt, "../src/", "dst/"];
            cases.push(case(src.clone(), vec![newer.clone()], &[], &args));
        }
    }
    same_as_rsync(&cases);
}

/// The redo of a file whose `--append-verify` check failed goes as
/// rsync's: its --append set --inplace, so the sender searches with
/// `updating_basis_file` (a block only at or past its own offset) and
/// what the old start holds of the file further on is literal data.
/// Here the old file is the new one's bytes 512 to 4608: rsync counts
/// the first six blocks (4,200 bytes) literal; wsync redid it as a
/// delta against a copy and matched five of them. 964976635/65.
#[test]
fn append_verify_redo_searches_in_place() {
    use xfer::tree::content;
    let src = vec![file("a", 70_001), file("z", 9)];
    let old = content(70_001, 70_008)[512..4608].to_vec();
    let mut cases = Vec::new();
    for extra in [
        &["--append-verify"][..],
        &["--append-verify", "-z"],
        &["--append-verify", "-i"],
        &["--append"],
    ] {
        let mut args = vec!["-a", "--no-i-r", "--stats"];
        args.extend(extra);
        args.extend(["../src/", "dst/"]);
        let mut c = case(src.clone(), vec![file("z", 9)], &[], &args);
        c.files = vec![("dst/a".to_string(), old.clone())];
        cases.push(c);
    }
    same_as_rsync(&cases);
}

/// `--remove-source-files --info=remove`: where "sender removed NAME"
/// comes among the item lines. rsync's generator says itself that an
/// entry it left in sync is done (a file up to date, a symlink made, a
/// hard link made): a message, which reaches the sender ahead of the
/// items waiting in its buffer (sent after the list's first entry and
/// at the end of the list). The receiver's word on each file it took in
/// comes through the generator once it has gone through the list, after
/// all items, a hard-link leader's followed by the names linked to it.
/// wsync printed every "sender removed" line after the items, in list
/// order. 485721221/1602.
#[test]
fn sender_removed_where_rsync_says_it() {
    let up = |n: Node| (n.clone(), n);
    let (a, a2) = up(file("a", 10));
    let (c, c2) = up(file("c", 30));
    let (dx, dx2) = up(file("d/x", 40));
    let src = vec![
        a,
        file("b", 2000),
        Node::Hard {
            p: "-h".into(),
            target: "b".into(),
        },
        c,
        Node::Link {
            p: "l".into(),
            target: "c".into(),
            mtime: 1_600_000_001,
        },
        file("e", 3000),
        dir("d"),
        dx,
        file("d/y", 50),
    ];
    let dst = vec![a2, c2, dir("d"), dx2];
    let mut cases = Vec::new();
    for args in [
        &["-aH", "-ii", "--remove-source-files", "--info=remove"][..],
        &["-aH", "-v", "--remove-source-files", "--info=remove"],
        &[
            "-a",
            "-i",
            "--no-i-r",
            "--remove-source-files",
            "--info=remove",
        ],
        &[
            "-a",
            "--info=name,remove",
            "--no-i-r",
            "--remove-source-files",
        ],
        &[
            "-aH",
            "-i",
            "--delay-updates",
            "--remove-source-files",
            "--info=remove",
        ],
    ] {
        let mut v = args.to_vec();
        v.extend(["../src/", "dst/"]);
        cases.push(case(src.clone(), dst.clone(), &[], &v));
    }
    same_as_rsync(&cases);
}

/// `--append-verify --progress`: the line of a file sent again after its
/// check failed counts "to-chk" from that file's own place in the list
/// (rsync's current_file_index), not from the list's end. 760550588/162.
#[test]
fn append_verify_redo_progress_counts_from_the_file() {
    // "a" fails its check (its start differs), "b" and "c" are new.
    let src = vec![file("a", 5000), file("b", 700), file("c", 700)];
    let old = vec![with_seed(file("a", 3000), 1)];
    same_for_each(
        &src,
        &old,
        &[
            &[
                "-a",
                "-i",
                "--progress",
                "--append-verify",
                "../src/",
                "dst/",
            ],
            &[
                "-a",
                "--progress",
                "--append-verify",
                "--no-i-r",
                "../src/",
                "dst/",
            ],
        ],
    );
}
