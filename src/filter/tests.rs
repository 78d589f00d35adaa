//! Unit tests of the filter engine: rsync's wildmatch table, the examples
//! of rsync's manual, rule parsing and its errors.

use super::*;
use crate::testutil::{in_chunks, test, Rng, CHUNKS};

/// rsync's own wildmatch table (tests/fixtures/peer/wildtest.txt).
const WILDTEST: &[u8] = include_bytes!("../../tests/fixtures/peer/wildtest.txt");

/// Splits a wildtest line into items; items may be quoted with ', " or `.
fn wild_items(line: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let b = line;
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if matches!(b[i], b'\'' | b'"' | b'`') {
            let q = b[i];
            let start = i + 1;
            i = start;
            while i < b.len() && b[i] != q {
                i += 1;
            }
            out.push(line[start..i].to_vec());
            i += 1;
        } else {
            let start = i;
            while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                i += 1;
            }
            out.push(line[start..i].to_vec());
        }
    }
    out
}

#[test]
fn wildtest_all_cases() {
    let mut n = 0;
    let mut failures = Vec::new();
    for (no, line) in WILDTEST.split(|&b| b == b'\n').enumerate() {
        if line.starts_with(b"#") || line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let items = wild_items(line);
        assert_eq!(items.len(), 4, "line {}: {line:?}", no + 1);
        let want = items[0] == b"1";
        let got = wildmatch::wildmatch(&items[3], &items[2]);
        if got != want {
            failures.push(format!(
                "line {}: {}",
                no + 1,
                String::from_utf8_lossy(line)
            ));
        }
        n += 1;
    }
    assert_eq!(n, 144, "wildtest.txt has 144 cases");
    assert!(failures.is_empty(), "{failures:#?}");
}

macro_rules! wm {
    ($pat:expr, $text:expr, $want:expr) => {
        assert_eq!(
            wildmatch::wildmatch($pat.as_bytes(), $text.as_bytes()),
            $want,
            "wildmatch({:?}, {:?})",
            $pat,
            $text
        )
    };
}

#[test]
fn wildmatch_basics() {
    wm!("*.o", "x.o", true);
    wm!("*.o", "d/x.o", false);
    wm!("**.o", "d/x.o", true);
    wm!("[[:alpha:]]x", "ax", true);
    wm!("[[:digit:]]x", "ax", false);
    wm!("[!a-c]", "d", true);
    wm!("[^a-c]", "b", false);
    wm!("a\\*", "a*", true);
    wm!("[/]", "/", false);
    wm!("[ab", "a", false);
}

/// A rule set over the names given, as one side sees it at the root.
fn filters(rules: &[&str]) -> DirFilter {
    let args: Vec<FilterArg> = rules
        .iter()
        .map(|r| FilterArg::Filter(r.as_bytes().to_vec()))
        .collect();
    let mut none = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Err(ReadError::NotFound) };
    let f = Filters::parse(&args, &FilterOptions::default(), &mut none).unwrap();
    // parse_text (the wasm Filter's) reads each line as a `--filter` rule.
    let text = rules.join("\n");
    let g = Filters::parse_text(
        text.as_bytes(),
        "rules",
        &FilterOptions::default(),
        &mut none,
    );
    assert_eq!(format!("{f:?}"), format!("{:?}", g.unwrap()));
    let mut d = f.for_side(Side::Sender, b"/root");
    d.push_dir(b"", &mut none).unwrap();
    d
}

/// (rules, path, is_dir, excluded?) from rsync(1) PATTERN MATCHING RULES,
/// FILTER RULE MODIFIERS and INCLUDE/EXCLUDE examples.
#[test]
fn manual_examples() {
    let cases: &[(&[&str], &str, bool, bool)] = &[
        // "-f'- *.o' would exclude all filenames ending with .o"
        (&["- *.o"], "a.o", false, true),
        (&["- *.o"], "d/e/a.o", false, true),
        (&["- *.o"], "a.c", false, false),
        // "-f'- /foo' would exclude a file (or directory) named foo in the
        // transfer-root directory"
        (&["- /foo"], "foo", false, true),
        (&["- /foo"], "foo", true, true),
        (&["- /foo"], "d/foo", false, false),
        // "-f'- foo/' would exclude any directory named foo"
        (&["- foo/"], "foo", true, true),
        (&["- foo/"], "a/foo", true, true),
        (&["- foo/"], "foo", false, false),
        // "-f'- foo/*/bar' would exclude any file/dir named bar which is at
        // two levels below a directory named foo"
        (&["- foo/*/bar"], "foo/x/bar", false, true),
        (&["- foo/*/bar"], "a/foo/x/bar", false, true),
        (&["- foo/*/bar"], "foo/bar", false, false),
        (&["- foo/*/bar"], "foo/x/y/bar", false, false),
        // "-f'- /foo/**/bar' would exclude any file/dir named bar that was
        // two or more levels below a top-level directory named foo (note
        // that /foo/bar is not excluded by this)"
        (&["- /foo/**/bar"], "foo/x/bar", false, true),
        (&["- /foo/**/bar"], "foo/x/y/bar", true, true),
        (&["- /foo/**/bar"], "foo/bar", false, false),
        (&["- /foo/**/bar"], "a/foo/x/bar", false, false),
        // "-f'+ */' -f'+ *.c' -f'- *' would include all directories and .c
        // source files but nothing else"
        (&["+ */", "+ *.c", "- *"], "d", true, false),
        (&["+ */", "+ *.c", "- *"], "d/x.c", false, false),
        (&["+ */", "+ *.c", "- *"], "d/x.h", false, true),
        // "-f'+ foo/' -f'+ foo/bar.c' -f'- *' would include only the foo
        // directory and foo/bar.c"
        (&["+ foo/", "+ foo/bar.c", "- *"], "foo", true, false),
        (&["+ foo/", "+ foo/bar.c", "- *"], "foo/bar.c", false, false),
        (&["+ foo/", "+ foo/bar.c", "- *"], "foo/baz.c", false, true),
        (&["+ foo/", "+ foo/bar.c", "- *"], "bar", true, true),
        // "dir_name/***" matches the directory and everything in it.
        (&["- dir/***"], "dir", true, true),
        (&["- dir/***"], "dir/a/b", false, true),
        (&["- dir/***"], "x/dir/a", false, true),
        (&["- dir/**"], "dir", true, false),
        // "foo\bar" matches that single backslash literally...
        (&["- foo\\bar"], "foo\\bar", false, true),
        // ...while in "foo\bar*" the "\b" becomes just "b".
        (&["- foo\\bar*"], "foobarx", false, true),
        (&["- foo\\bar*"], "foo\\barx", false, false),
        // "-f'-! */' would exclude all non-directories."
        (&["-! */"], "f", false, true),
        (&["-! */"], "d", true, false),
        // A rule with a name only matches the last element; "foo/bar"
        // matches the last two.
        (&["- foo"], "a/b/foo", false, true),
        (&["- foo/bar"], "x/foo/bar", false, true),
        (&["- foo/bar"], "xfoo/bar", false, false),
        // "**" matches slashes; a leading "**" also matches at the top.
        (&["- **/foo"], "foo", false, true),
        (&["- **/foo"], "a/b/foo", false, true),
        (&["- a**z"], "a/b/z", false, true),
        // First match wins.
        (&["+ keep.o", "- *.o"], "keep.o", false, false),
        (&["- *.o", "+ keep.o"], "keep.o", false, true),
        // Long rule names and the '_' separator.
        (&["exclude *.o"], "a.o", false, true),
        (&["exclude,! */"], "f", false, true),
        (&["-_foo bar"], "foo bar", false, true),
        // Hide/show are sender rules; protect/risk never touch the sender.
        (&["H *.o"], "a.o", false, true),
        (&["S a.o", "- *.o"], "a.o", false, false),
        (&["P *.o"], "a.o", false, false),
        (&["- *.o"], ".o", false, true),
        // The "x" modifier applies to xattr names only.
        (&["-x *"], "a", false, false),
        // Clearing the list.
        (&["- *", "!"], "a", false, false),
        (&["- a", "clear", "- b"], "a", false, false),
        // "-/" matches against the absolute path.
        (&["-/ /root/sub/x"], "sub/x", false, true),
        (&["-/ /other/x"], "x", false, false),
    ];
    for (rules, path, is_dir, want) in cases {
        let f = filters(rules);
        assert_eq!(
            f.is_excluded(path.as_bytes(), *is_dir),
            *want,
            "rules {rules:?}, path {path:?} (dir: {is_dir})"
        );
    }
}

fn parse_err(args: &[FilterArg]) -> FilterError {
    let mut files = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        match p {
            b"self" => Ok(b". self\n".to_vec()),
            b"a" => Ok(b"- x\n. b\n".to_vec()),
            b"b" => Ok(b"+ y\nmerge a\n".to_vec()),
            b"bad" => Ok(b"- ok\n\n# comment\n+ fine\nbogus rule\n".to_vec()),
            _ => Err(ReadError::NotFound),
        }
    };
    let opts = FilterOptions {
        strict: true,
        ..FilterOptions::default()
    };
    Filters::parse(args, &opts, &mut files).unwrap_err()
}

fn f(s: &str) -> FilterArg {
    FilterArg::Filter(s.as_bytes().to_vec())
}

#[test]
fn rule_errors() {
    let cases: &[(FilterArg, &str, u8)] = &[
        (f("x foo"), "unknown filter rule `x foo`", 1),
        (f("-z foo"), "invalid modifier 'z' at position 1", 1),
        (f("P,s x"), "invalid modifier 's' at position 2", 1),
        (f("-"), "unexpected end of filter rule", 1),
        (f("!x"), "'!' rule has trailing characters", 1),
        (f("merge,! x"), "invalid modifier '!'", 1),
        (f("- [ab"), "unclosed '['", 1),
        (f("- a*\\"), "trailing backslash", 1),
        (f("merge nofile"), "failed to open exclude file nofile", 11),
        (
            FilterArg::IncludeFrom(b"nofile".to_vec()),
            "failed to open include file nofile",
            11,
        ),
        (f("merge self"), "merge file self includes itself", 1),
        (f("merge a"), "includes itself", 1),
        (
            f("merge bad"),
            "unknown filter rule `bogus rule` (bad:5)",
            1,
        ),
        (
            f(&format!("- {}", "a".repeat(MAX_PATTERN_LEN))),
            "discarding over-long filter",
            1,
        ),
        (f(":s_x"), "", 0),
    ];
    for (arg, want, code) in cases {
        if *code == 0 {
            continue;
        }
        let e = parse_err(std::slice::from_ref(arg));
        let msg = e.to_string();
        assert!(msg.contains(want), "{arg:?}: {msg:?} lacks {want:?}");
        assert_eq!(e.exit_code(), *code, "{arg:?}: {msg}");
    }
}

#[test]
fn lenient_mode_warns_like_rsync_accepts() {
    let mut none = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Err(ReadError::NotFound) };
    let args = [f("- [ab"), f("- a\\")];
    let fl = Filters::parse(&args, &FilterOptions::default(), &mut none).unwrap();
    assert_eq!(fl.warnings().len(), 2);
    let mut d = fl.for_side(Side::Sender, b"/");
    d.push_dir(b"", &mut none).unwrap();
    // rsync: the unclosed class never matches, "a\" is matched literally.
    assert!(!d.is_excluded(b"[ab", false));
    assert!(d.is_excluded(b"a\\", false));
}

#[test]
fn old_style_files_and_comments() {
    let mut files = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        match p {
            b"ex" => Ok(b"# c\r\n; c\r\n+ keep.o\r\n*.o\r\n- *.tmp\r\n\r\n".to_vec()),
            _ => Err(ReadError::NotFound),
        }
    };
    let args = [FilterArg::ExcludeFrom(b"ex".to_vec())];
    let fl = Filters::parse(&args, &FilterOptions::default(), &mut files).unwrap();
    let mut d = fl.for_side(Side::Sender, b"/");
    d.push_dir(b"", &mut files).unwrap();
    assert!(!d.is_excluded(b"keep.o", false));
    assert!(d.is_excluded(b"a.o", false));
    assert!(d.is_excluded(b"a.tmp", false));
    assert!(!d.is_excluded(b"; c", false));
}

#[test]
fn sides_and_delete_excluded() {
    let mut none = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Err(ReadError::NotFound) };
    let args = [f("- *.o"), f("P *.keep"), f("H *.h")];
    for (delete_excluded, recv_o) in [(false, true), (true, false)] {
        let opts = FilterOptions {
            delete_excluded,
            ..FilterOptions::default()
        };
        let fl = Filters::parse(&args, &opts, &mut none).unwrap();
        let mut s = fl.for_side(Side::Sender, b"/");
        let mut r = fl.for_side(Side::Receiver, b"/");
        s.push_dir(b"", &mut none).unwrap();
        r.push_dir(b"", &mut none).unwrap();
        assert!(s.is_excluded(b"a.o", false));
        assert!(!s.is_excluded(b"a.keep", false));
        assert!(s.is_excluded(b"a.h", false));
        assert_eq!(r.is_excluded(b"a.o", false), recv_o);
        assert!(r.is_excluded(b"a.keep", false));
        assert!(!r.is_excluded(b"a.h", false));
    }
}

#[test]
fn per_directory_merge_inherits_and_clears() {
    let mut files = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        match p {
            b"/t/.f" => Ok(b"- *.a\n- /top\n".to_vec()),
            b"/t/d/.f" => Ok(b"- *.b\n".to_vec()),
            b"/t/d/e/.f" => Ok(b"!\n- *.c\n".to_vec()),
            _ => Err(ReadError::NotFound),
        }
    };
    for (rule, inherit) in [(": .f", true), (":n .f", false)] {
        let fl = Filters::parse(&[f(rule)], &FilterOptions::default(), &mut files).unwrap();
        let mut d = fl.for_side(Side::Sender, b"/t");
        d.push_dir(b"", &mut files).unwrap();
        assert!(d.is_excluded(b"x.a", false));
        assert!(d.is_excluded(b"top", false));
        d.push_dir(b"d", &mut files).unwrap();
        assert_eq!(d.is_excluded(b"d/x.a", false), inherit);
        assert!(d.is_excluded(b"d/x.b", false));
        // "/top" is anchored to the merge file's directory.
        assert!(!d.is_excluded(b"d/top", false));
        d.push_dir(b"d/e", &mut files).unwrap();
        assert!(!d.is_excluded(b"d/e/x.a", false));
        assert!(!d.is_excluded(b"d/e/x.b", false));
        assert!(d.is_excluded(b"d/e/x.c", false));
        d.push_dir(b"d2", &mut files).unwrap();
        assert!(!d.is_excluded(b"d2/x.b", false));
        assert_eq!(d.is_excluded(b"d2/x.a", false), inherit);
    }
}

#[test]
fn cvs_exclude_defaults_env_and_perishable() {
    let mut files = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        match p {
            b"/home/u/.cvsignore" => Ok(b"*.home\n".to_vec()),
            b"/t/.cvsignore" => Ok(b"local1 local2\n".to_vec()),
            _ => Err(ReadError::NotFound),
        }
    };
    let opts = FilterOptions {
        home: Some("/home/u".into()),
        cvsignore: Some("*.env".into()),
        ..FilterOptions::default()
    };
    let fl = Filters::parse(&[FilterArg::CvsExclude], &opts, &mut files).unwrap();
    let mut d = fl.for_side(Side::Receiver, b"/t");
    d.push_dir(b"", &mut files).unwrap();
    for name in [
        "x.o", "core", "CVS", "a~", "x.home", "y.env", "local1", "local2",
    ] {
        assert!(d.is_excluded(name.as_bytes(), false), "{name}");
    }
    assert!(d.is_excluded(b".git", true));
    assert!(!d.is_excluded(b".git", false));
    assert!(!d.is_excluded(b"main.c", false));
    // The default list is perishable; the others are not.
    assert!(!d.check(b"x.o", false, true).is_excluded());
    assert!(d.check(b"x.home", false, true).is_excluded());
}

#[test]
fn never_panics_on_random_rules() {
    let mut rng = Rng::new(7);
    const ALPHA: &[u8] = b"+-!.:HSPR*?[]^\\/ _,abcCenwsrpx\n#;";
    let mut files = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Ok(b"- a\n: b\n".to_vec()) };
    for _ in 0..3000 {
        let len = rng.below(12);
        let rule: Vec<u8> = (0..len).map(|_| ALPHA[rng.below(ALPHA.len())]).collect();
        let path: Vec<u8> = (0..rng.below(8))
            .map(|_| ALPHA[rng.below(ALPHA.len())])
            .collect();
        if let Ok(fl) = Filters::parse(
            &[FilterArg::Filter(rule)],
            &FilterOptions::default(),
            &mut files,
        ) {
            let mut d = fl.for_side(Side::Sender, b"/r");
            if d.push_dir(b"", &mut files).is_ok() {
                let _ = d.check(&path, rng.below(2) == 0, false);
            }
        }
        let _ = wildmatch::wildmatch(&path, &path);
    }
}

/// Every input the fuzzers found troublesome (tests/fuzz-crashers/filter)
/// must parse to a result or an error, quickly, never a panic.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn fuzz_crashers_end_cleanly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-crashers/filter");
    let mut n = 0;
    for ent in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(ent.unwrap().path()).unwrap();
        fuzz_like_parse(&data);
        fuzz_like_match(&data);
        n += 1;
    }
    assert!(n > 0);
}

/// What fuzz/fuzz_targets/filter_parse.rs does with its input.
fn fuzz_like_parse(data: &[u8]) {
    let mut parts = data.splitn(2, |&b| b == 0);
    let rules = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default().to_vec();
    let args: Vec<FilterArg> = rules
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, rest) = (l[0], l[1..].to_vec());
            match k % 8 {
                0 => FilterArg::Include(rest),
                1 => FilterArg::Exclude(rest),
                2 => FilterArg::IncludeFrom(rest),
                3 => FilterArg::ExcludeFrom(rest),
                4 => FilterArg::CvsExclude,
                5 => FilterArg::RsyncFilter,
                _ => FilterArg::Filter(rest),
            }
        })
        .collect();
    let mut reader = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        if p.len() % 3 == 0 {
            Err(ReadError::NotFound)
        } else {
            Ok(file.clone())
        }
    };
    let opts = FilterOptions {
        delete_excluded: data.len() % 2 == 0,
        strict: data.len() % 3 == 0,
        home: Some("/home".into()),
        cvsignore: Some("*.x !".into()),
    };
    if let Ok(f) = Filters::parse(&args, &opts, &mut reader) {
        for side in [Side::Sender, Side::Receiver] {
            let mut d = f.for_side(side, b"/r/s");
            for dir in [&b""[..], b"a", b"a/b", b"c"] {
                if d.push_dir(dir, &mut reader).is_err() {
                    break;
                }
                for p in rules.split(|&b| b == b'\n').take(8) {
                    let _ = d.check(p, p.len() % 2 == 0, p.len() % 5 == 0);
                }
            }
        }
    }
}

/// What fuzz/fuzz_targets/filter_match.rs does with its input.
fn fuzz_like_match(data: &[u8]) {
    let mut parts = data.splitn(2, |&b| b == 0);
    let pattern = parts.next().unwrap_or_default();
    let text = parts.next().unwrap_or_default();
    let _ = wildmatch::wildmatch(pattern, text);
    for w in [-1, 0, 1, 2] {
        let _ = wildmatch::wildmatch_at(pattern, text, w);
    }
}

/// Every line of an --exclude-from file acts as one --exclude, whatever
/// the line lengths and line ends (LF or CRLF).
#[test]
fn exclude_from_lines_equal_excludes() {
    let mut rng = Rng::new(11);
    let mut text = rng.text(400);
    // A newline inside an --exclude is part of its pattern: keep to one line.
    text.iter_mut()
        .filter(|c| **c == b'\n')
        .for_each(|c| *c = b' ');
    for chunk in CHUNKS {
        for eol in [&b"\n"[..], b"\r\n"] {
            let mut file = Vec::new();
            let mut args = Vec::new();
            in_chunks(&text, chunk.min(text.len()), |piece| {
                file.extend_from_slice(piece);
                file.extend_from_slice(eol);
                args.push(FilterArg::Exclude(piece.to_vec()));
            });
            let mut files = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Ok(file.clone()) };
            let opts = FilterOptions::default();
            let a = Filters::parse(&[FilterArg::ExcludeFrom(b"f".to_vec())], &opts, &mut files)
                .unwrap();
            let b = Filters::parse(&args, &opts, &mut files).unwrap();
            let (mut a, mut b) = (
                a.for_side(Side::Sender, b"/"),
                b.for_side(Side::Sender, b"/"),
            );
            a.push_dir(b"", &mut files).unwrap();
            b.push_dir(b"", &mut files).unwrap();
            for name in text.split(|&c| c == b' ' || c == b'\n').take(50) {
                assert_eq!(
                    a.check(name, false, false),
                    b.check(name, false, false),
                    "chunk {chunk}, {:?}",
                    String::from_utf8_lossy(name)
                );
            }
        }
    }
}

/// The shortcut for `*LIT` and `LIT*` rules answers as wildmatch does.
#[test]
fn fast_paths_agree_with_wildmatch() {
    use super::rule::Fast;
    let mut rng = Rng::new(3);
    const ALPHA: &[u8] = b"ab.*";
    for _ in 0..20000 {
        let pat: Vec<u8> = (0..rng.below(5)).map(|_| ALPHA[rng.below(4)]).collect();
        let name: Vec<u8> = (1..2 + rng.below(5)).map(|_| ALPHA[rng.below(3)]).collect();
        let fast = Fast::of(&pat);
        if fast != Fast::None {
            assert_eq!(
                fast.matches(&pat, &name),
                wildmatch::wildmatch(&pat, &name),
                "{:?} {:?}",
                String::from_utf8_lossy(&pat),
                String::from_utf8_lossy(&name)
            );
        }
    }
}

/// A text without a pattern's longest literal run never matches it.
#[test]
fn required_literal_is_necessary() {
    use super::rule::required_literal;
    let mut rng = Rng::new(5);
    const ALPHA: &[u8] = b"ab/*?[]!\\:";
    for _ in 0..50000 {
        let pat: Vec<u8> = (0..rng.below(8))
            .map(|_| ALPHA[rng.below(ALPHA.len())])
            .collect();
        let text: Vec<u8> = (0..rng.below(8))
            .map(|_| ALPHA[rng.below(ALPHA.len())])
            .collect();
        let req = required_literal(&pat);
        let has = req.is_empty() || text.windows(req.len()).any(|w| w == &req[..]);
        for w in [-1, 0, 1, 2] {
            if wildmatch::wildmatch_at(&pat, &text, w) {
                assert!(
                    has,
                    "{:?} {:?} needs {:?}",
                    String::from_utf8_lossy(&pat),
                    String::from_utf8_lossy(&text),
                    req
                );
            }
        }
    }
    assert_eq!(&*required_literal(b"**/cache1/**"), b"/cache1/");
    assert_eq!(&*required_literal(b"d*/sub*/file*.zz123"), b".zz123");
}

/// A module's rules (rsyncd.conf `filter`, `include`, `exclude`), as
/// rsync's daemon reads them: word split, slashes anchor at the module
/// root, an excluded `dir/` covers what lies below it.
#[test]
fn module_rules_as_the_rsync_daemon_reads_them() {
    let o = || Origin::File {
        path: "m.conf".into(),
        line: 3,
    };
    let f = Filters::parse_module(&[
        (ModuleRule::Filter(b"- *.tmp + keep.tmp".to_vec()), o()),
        (ModuleRule::Include(b"secret/ok".to_vec()), o()),
        (ModuleRule::Exclude(b"secret/ cache/x  /top".to_vec()), o()),
    ])
    .unwrap();
    let side = f.for_side(Side::Sender, b"/");
    let ex = |p: &str, dir: bool| side.is_excluded(p.as_bytes(), dir);
    assert!(ex("a.tmp", false) && ex("d/e/a.tmp", false));
    // First match wins: "- *.tmp" comes before "+ keep.tmp".
    assert!(ex("keep.tmp", false));
    assert!(ex("secret", true) && ex("secret/deep/file", false));
    assert!(
        ex("d/secret", true),
        "an unanchored dir pattern matches anywhere"
    );
    assert!(
        !ex("secret/ok", false),
        "an include before the exclude wins"
    );
    // An inner slash anchors: "cache/x" only at the root.
    assert!(ex("cache/x", false) && !ex("d/cache/x", false));
    assert!(ex("top", false) && !ex("d/top", false));
    assert!(!ex("plain", false));
    // Merge files and flawed patterns are errors naming the setting.
    for bad in [": .rsync-filter", ". /etc/passwd", "- [abc", "x y"] {
        let e = Filters::parse_module(&[(ModuleRule::Filter(bad.as_bytes().to_vec()), o())])
            .unwrap_err();
        assert!(e.to_string().contains("m.conf:3"), "{bad}: {e}");
    }
}
