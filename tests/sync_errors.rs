//! Bad rules and bad paths: `wsync sync` names the rule and where it came
//! from, prints nothing else, and exits as rsync does (rsync's status is
//! checked too where rsync itself behaves: it crashes on a merge file that
//! merges itself).

mod common;

use common::{build, rsync_version, run_in, wsync_path, Node};

struct Case {
    args: &'static [&'static str],
    /// Exit status of both rsync and wsync; `None`: wsync only (rsync
    /// crashes).
    code: i32,
    rsync_too: bool,
    stderr: &'static str,
}

#[test]
fn errors_name_the_rule_and_exit_as_rsync() {
    rsync_version();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    build(
        &root.join("src"),
        &[
            Node::File("a".into(), 1),
            Node::Dir("d".into()),
            Node::Text("d/.rsync-filter".into(), "- ok\nbogus rule\n".into()),
        ],
        None,
    );
    build(&root.join("dst"), &[], None);
    build(
        root,
        &[
            Node::Text("self.rules".into(), "- x\n. self.rules\n".into()),
            Node::Text("bad.rules".into(), "- fine\n\n# note\n-z oops\n".into()),
            Node::Text("afile".into(), "x".into()),
        ],
        None,
    );
    let cases = [
        Case {
            args: &["-f", "x foo"],
            code: 1,
            rsync_too: true,
            stderr: "unknown filter rule `x foo` (option --filter)",
        },
        Case {
            args: &["-f", "-z foo"],
            code: 1,
            rsync_too: true,
            stderr: "invalid modifier 'z' at position 1",
        },
        Case {
            args: &["-f", "!x"],
            code: 1,
            rsync_too: true,
            stderr: "'!' rule has trailing characters",
        },
        Case {
            args: &["-f", "-"],
            code: 1,
            rsync_too: true,
            stderr: "unexpected end of filter rule",
        },
        Case {
            args: &["-f", ". bad.rules"],
            code: 1,
            rsync_too: true,
            stderr: "(bad.rules:4)",
        },
        Case {
            args: &["--exclude-from=nonexist"],
            code: 11,
            rsync_too: true,
            stderr: "failed to open exclude file nonexist",
        },
        Case {
            args: &["-f", "merge nofile"],
            code: 11,
            rsync_too: true,
            stderr: "failed to open exclude file nofile",
        },
        Case {
            args: &["-F"],
            code: 1,
            rsync_too: true,
            stderr: "d/.rsync-filter:2",
        },
        Case {
            args: &["-f", ". self.rules"],
            code: 1,
            rsync_too: false,
            stderr: "merge file self.rules includes itself",
        },
        Case {
            args: &["--bogus"],
            code: 1,
            rsync_too: true,
            stderr: "--bogus: unknown option",
        },
        Case {
            args: &["--delete-before", "--delete-after"],
            code: 1,
            rsync_too: true,
            stderr: "You may not combine",
        },
    ];
    for c in &cases {
        let mut args: Vec<String> = vec!["-r".into(), "-n".into(), "--out-format=%n".into()];
        args.extend(c.args.iter().map(|s| s.to_string()));
        args.push("src/".into());
        args.push("dst/".into());
        let mut w = vec!["sync".to_string()];
        w.extend(args.iter().cloned());
        let got = run_in(wsync_path(), &w, root, &[], None);
        assert_eq!(got.code, c.code, "{:?}: {}", c.args, got.stderr);
        assert!(
            got.stderr.contains(c.stderr),
            "{:?}: {:?}",
            c.args,
            got.stderr
        );
        assert!(got.lines.is_empty(), "{:?} printed {:?}", c.args, got.lines);
        if c.rsync_too {
            let want = run_in("rsync", &args, root, &[], None);
            assert_eq!(want.code, c.code, "rsync {:?}: {}", c.args, want.stderr);
        }
    }
    // Paths: a missing source (23), a destination that is a file (3).
    for (src, dst, code) in [("nosuch/", "dst/", 23), ("src/", "afile", 3)] {
        let args: Vec<String> = ["-r", "-n", "--out-format=%n", src, dst]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut w = vec!["sync".to_string()];
        w.extend(args.iter().cloned());
        let got = run_in(wsync_path(), &w, root, &[], None);
        let want = run_in("rsync", &args, root, &[], None);
        assert_eq!(
            (got.code, want.code),
            (code, code),
            "{src} {dst}: {}",
            got.stderr
        );
    }
    // rsync accepts an unclosed '[' and a trailing backslash: so does wsync,
    // with a warning naming the rule.
    let args = [
        "sync",
        "-r",
        "-n",
        "--out-format=%n",
        "--exclude=[ab",
        "src/",
        "dst/",
    ];
    let got = run_in(wsync_path(), &args.map(String::from), root, &[], None);
    assert_eq!(got.code, 0);
    assert!(
        got.stderr
            .contains("unclosed '[' in filter rule `[ab` (option --exclude)"),
        "{}",
        got.stderr
    );
}
