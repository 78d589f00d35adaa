//! The examples of rsync(1)'s FILTER RULES section (and its pattern
//! examples), run against the real rsync and `wsync sync` on one tree:
//! both must print the same. Pattern-level examples are also unit tests
//! in src/filter/tests.rs. Fails (never skips) when rsync is missing.

mod common;

use common::{build, old_time, rsync_version, run_in, wsync_path, Node, Run};

fn tree() -> Vec<Node> {
    let f = |p: &str| Node::File(p.into(), 1);
    let d = |p: &str| Node::Dir(p.into());
    let t = |p: &str, s: &str| Node::Text(p.into(), s.into());
    vec![
        // SIMPLE INCLUDE/EXCLUDE EXAMPLE: x/file.txt, x/y/file.txt, ...
        d("x"),
        f("x/file.txt"),
        d("x/y"),
        f("x/y/file.txt"),
        f("x/y/zzz.txt"),
        d("x/z"),
        f("x/z/file.txt"),
        // Pattern examples.
        f("a.o"),
        d("foo"),
        f("foo/bar"),
        d("foo/q"),
        f("foo/q/bar"),
        d("foo/q/r"),
        f("foo/q/r/bar"),
        f("foo/bar.c"),
        f("foo/baz.c"),
        f("main.c"),
        f("cmd"),
        d("sub"),
        f("sub/foo"),
        f("sub/x.o"),
        d("dir_name"),
        f("dir_name/in"),
        f("foo\\bar"),
        f("foobarx"),
        f("x.old"),
        f("foo.o"),
        f("a.gz"),
        f("y.h"),
        // Merge files of the examples.
        t(".rules", "- *.old\n"),
        t("sub/.rules", "- x.o\n"),
        t(".per-dir-filter", "- cmd\n"),
        t(".non-inherited-per-dir-excludes", "main.c\n"),
        t("sub/.non-inherited-per-dir-excludes", "foo\n"),
        t(".rsync-filter", "- *.gz\n"),
        t("sub/.rsync-filter", "- /foo\n"),
        t(".excl", "y.h\n"),
        t(".cvsignore", "cmd\n"),
    ]
}

fn dst_tree() -> Vec<Node> {
    vec![
        Node::Dir("sub".into()),
        Node::File("sub/x.o".into(), 2),
        Node::File("sub/gone".into(), 2),
        Node::File("b.o".into(), 2),
        Node::File("cmd".into(), 2),
        Node::Dir("olddir".into()),
        Node::File("olddir/z.o".into(), 1),
        Node::File("olddir/keep".into(), 1),
    ]
}

/// Each example as rsync(1) gives it, reduced to `-r -n`.
fn examples() -> Vec<Vec<&'static str>> {
    vec![
        vec!["-f+ file.txt", "-f- *"],
        vec!["-f- zzz.txt"],
        vec!["-f+ x/", "-f+ x/y/", "-f+ x/y/file.txt", "-f- *"],
        vec!["--del", "-f- *.o", "-f- cmd"],
        vec!["--del", "-f-p *.o", "-f- cmd"],
        vec!["-f- *.o"],
        vec!["-f- /foo"],
        vec!["-f- foo/"],
        vec!["-f- foo/*/bar"],
        vec!["-f- /foo/**/bar"],
        vec!["-f+ */", "-f+ *.c", "-f- *"],
        vec!["-f+ foo/", "-f+ foo/bar.c", "-f- *"],
        vec!["-f- dir_name/***"],
        vec!["-f- foo\\bar"],
        vec!["-f- foo\\bar*"],
        vec!["-f-! */"],
        vec!["-f-/ /etc/passwd"],
        vec!["-f-/ sub/foo"],
        vec!["-f-C"],
        vec!["-f-s *.o", "--del"],
        vec!["-f-r *.o", "--del"],
        vec!["-fH *.o", "--del"],
        vec!["-fS a.o", "-f- *.o"],
        vec!["-fP *.o", "--del"],
        vec!["-fR b.o", "-f- *.o", "--del"],
        vec!["-f-x *"],
        vec!["-fmerge rules/default.rules"],
        vec!["-f. rules/default.rules"],
        vec!["-fdir-merge .per-dir-filter"],
        vec!["-fdir-merge,n- .non-inherited-per-dir-excludes"],
        vec!["-f:n- .non-inherited-per-dir-excludes"],
        vec!["-f. rules/file"],
        vec!["-f: /.rsync-filter"],
        vec!["-f: .rsync-filter"],
        vec!["-F"],
        vec!["-FF"],
        vec!["-C", "--include=foo.o", "-f:C", "--exclude=*.old"],
        vec!["-C", "-f. rules/cvs-stdin"],
        vec!["-f:e .excl"],
        vec!["-f: .excl", "--exclude=.excl"],
        vec!["-F", "--delete-after"],
        vec!["-f: .rules", "-f. rules/extra.rules", "--delete"],
        vec!["-f:e /.rsync-filter", "--delete"],
        vec!["-FF", "--delete"],
        vec!["-f!"],
        vec!["-f- *", "-f!", "-f- cmd"],
        vec!["--delete-excluded", "-f- *.o"],
        vec!["-m", "-f+ */", "-f+ *.c", "-f- *"],
    ]
}

fn split(r: &Run) -> (Vec<&String>, Vec<&String>) {
    r.lines.iter().partition(|l| {
        !(l.starts_with("deleting ")
            || l.starts_with("cannot delete ")
            || l.starts_with("skipping non-regular file "))
    })
}

#[test]
fn manual_examples_match_rsync() {
    let reference = rsync_version();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    build(&root.join("src"), &tree(), None);
    build(&root.join("dst"), &dst_tree(), Some(old_time()));
    build(
        root,
        &[
            Node::Text("rules/default.rules".into(), "- *.gz\n+ foo.o\n".into()),
            // The example filter file of MERGE-FILE FILTER RULES.
            Node::Text(
                "rules/file".into(),
                "merge rules/global-filter\n- *.gz\ndir-merge .rules\n+ *.[ch]\n- *.o\n- foo*\n"
                    .into(),
            ),
            Node::Text("rules/global-filter".into(), "- x.old\n".into()),
            Node::Text("rules/extra.rules".into(), "- *.o\n".into()),
            Node::Text("rules/cvs-stdin".into(), "+ foo.o\n:C\n- *.old\n".into()),
            Node::Text("home/.cvsignore".into(), "\n".into()),
        ],
        None,
    );
    let env = vec![(
        "HOME".to_string(),
        root.join("home").to_string_lossy().into_owned(),
    )];
    let mut failures = Vec::new();
    for ex in examples() {
        let mut args: Vec<String> = vec!["-r".into(), "-n".into(), "--out-format=%n".into()];
        args.extend(ex.iter().map(|s| s.to_string()));
        args.push("src/".into());
        args.push("dst/".into());
        let want = run_in("rsync", &args, root, &env, None);
        let mut w = vec!["sync".to_string()];
        w.extend(args.iter().cloned());
        let got = run_in(wsync_path(), &w, root, &env, None);
        if want.code != got.code || split(&want) != split(&got) {
            failures.push(format!(
                "rsync {args:?}\n rsync ({}): {:?}\n wsync ({}): {:?}\n {}",
                want.code, want.lines, got.code, got.lines, got.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "against {reference}:\n{}",
        failures.join("\n")
    );
}
