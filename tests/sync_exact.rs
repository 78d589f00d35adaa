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
fn delta_case(new: &str, old: &str) -> Case {
    let files = [("new", new), ("old", old)];
    let args = ["--no-whole-file", "-B4096", "--stats", "new", "old"];
    case(Vec::new(), Vec::new(), &files, &args)
}
