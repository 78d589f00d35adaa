//! Running one case with rsync and with `wsync sync`, each in its own
//! directory beside the shared source, and what differs: exit status,
//! stdout and stderr (normalized: norm.rs), the log file, and every tree
//! the run could touch (type, content, mode, owner, mtime to the
//! nanosecond, link targets, hard-link groups, xattrs and ACLs).

use super::gen::Case;
use super::norm;
use super::tree::{build, set_mtime, TIME0};
use crate::common::{describe, run_in, tree_problem, wsync_path, Run};
use std::fs;
use std::path::Path;

/// One difference: its kind (for the counts by kind) and what it is.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: String,
    pub text: String,
}

/// rsync's stdout as its processes print it: the sender's item lines in
/// order; the generator's deletion lines (and the notes it sends the
/// client itself, which can pass item lines still in its buffer; and in
/// the log file its errors, there with --stderr=client) in order; the
/// receiver's hard-link lines in order. The streams interleave as the
/// processes' messages happen to meet.
fn streams(lines: &[String]) -> [Vec<String>; 3] {
    let mut main = Vec::new();
    let mut del = Vec::new();
    let mut hard = Vec::new();
    for l in lines {
        if l.starts_with("deleting ")
            || l.contains("*deleting")
            || l.contains("del.")
            || l.starts_with("cannot delete")
            || l.starts_with("skipping non-regular")
            || l.starts_with("ignoring unsafe symlink")
            || l.starts_with("IO error encountered")
            || l.starts_with("not creating new ")
            || l.ends_with(" is over max-size")
            || l.ends_with(" is under min-size")
            || l.ends_with(" is newer")
            || l.ends_with(" exists")
            || server_line(l)
        {
            del.push(l.clone());
        } else if l.contains(" => ") {
            hard.push(l.clone());
        } else {
            main.push(l.clone());
        }
    }
    [main, del, hard]
}

/// A message of rsync's generator or receiver (which print their errors
/// themselves, or with --stderr=client pass them to the client).
fn server_line(l: &str) -> bool {
    [
        "[generator]",
        "[receiver]",
        "[Receiver]",
        "could not make way",
        "*** Skipping any contents",
        "Deletions stopped",
        "ERROR: ",
        " arg does not exist",
        " arg is not a dir",
        "failed verification",
        "default_perms_for_dir: ",
    ]
    .iter()
    .any(|k| l.contains(k))
}

/// rsync's stderr as its processes write it: the sender's (client's)
/// lines in order, the generator's and receiver's (which write their
/// errors themselves) in order, and the closing "rsync error" lines (one
/// a process that exits with it) as a set. How the processes' lines
/// interleave depends on their timing.
fn err_streams(lines: &[String]) -> [Vec<String>; 3] {
    let server = server_line;
    let mut client = Vec::new();
    let mut servers = Vec::new();
    let mut closing = Vec::new();
    for l in lines {
        if l.starts_with("PROG error: ") || l.starts_with("PROG warning: ") {
            closing.push(l.clone());
        } else if server(l) {
            servers.push(l.clone());
        } else {
            client.push(l.clone());
        }
    }
    closing.sort();
    [client, servers, closing]
}

pub fn quote(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_=./,:+".contains(&b))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn show_lines(w: &[String], g: &[String]) -> String {
    format!(
        "\n    rsync: {}\n    wsync: {}",
        w.join("\n           "),
        g.join("\n           ")
    )
}

/// How long rsync may take (seconds, for `timeout`).
const RSYNC_LIMIT: &str = "60";

/// The kind of a case rsync did not finish (docs/RSYNC.md: rsync 3.5.0
/// hangs where a hard-link leader cannot be put in place).
pub const RSYNC_HUNG: &str = "rsync did not finish";

/// The kind of a case where rsync 3.5.0 stops on its own protocol error
/// (docs/RSYNC.md: "File-list index N not in ... [generator]" from
/// finish_hard_link or got_flist_entry_status, a hard-link group's
/// first name not sent and its file list freed; "hard-link gnum N
/// precedes flist start M" from hlink.c with -H -R and two sources,
/// 658214777/492).
pub const RSYNC_BROKE: &str = "rsync stopped on its own protocol error";

/// The kind of a case where wsync's result differs from rsync's first
/// run but is exactly what rsync gave when run again on the same case
/// (docs/RSYNC.md, "Where rsync 3.5.0 is not deterministic").
pub const RSYNC_VARIES: &str = "rsync's own result varies";

/// How many more times rsync runs on a case whose first run wsync does
/// not match (WSYNC_XFER_RECHECK, default 2; 0 for none).
fn rechecks() -> usize {
    std::env::var("WSYNC_XFER_RECHECK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2)
}

/// Runs `case`; the differences (none when rsync and wsync agree).
/// `keep` leaves the directories in place and says where. Where wsync's
/// result differs from rsync's, rsync runs again (`rechecks`): when one
/// of those runs gives exactly wsync's result, the one problem returned
/// is of kind RSYNC_VARIES; a result of wsync's that no run of rsync
/// gave stays a difference. With WSYNC_XFER_SELFCHECK set, rsync runs a
/// second time in every case and what differs between its two runs
/// comes back as kinds "rsync itself: ..." (evidence of where rsync is
/// not deterministic).
pub fn run_case(case: &Case, keep: bool) -> (Vec<Problem>, Run, Run) {
    let selfcheck = std::env::var_os("WSYNC_XFER_SELFCHECK").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    if keep {
        eprintln!("case in {}", root.display());
        let _ = tmp.keep();
    }
    build(&root.join("src"), &case.src, &case.src_meta);
    set_mtime(&root.join("src"), TIME0 - 5, 5);
    let mut sides = vec!["r", "w"];
    if keep {
        sides.push("orig");
    }
    if selfcheck {
        sides.push("q");
    }
    // --remove-source-files changes the source: each side has its own
    // (at `src` beside `dst`, named so on both command lines).
    let own_src = case.args.iter().any(|a| a == "--remove-source-files");
    let src_arg = |a: &String| match a.strip_prefix("../src") {
        Some(rest) if own_src => format!("src{rest}"),
        _ => a.clone(),
    };
    let prepare = |side: &str| {
        let dir = root.join(side);
        fs::create_dir_all(&dir).unwrap();
        if own_src {
            build(&dir.join("src"), &case.src, &case.src_meta);
            set_mtime(&dir.join("src"), TIME0 - 5, 5);
        }
        if !case.dst.is_empty() {
            build(&dir.join("dst"), &case.dst, &case.dst_meta);
        }
        build(&dir.join("prev"), &case.prev, &case.prev_meta);
        for (name, data) in &case.files {
            fs::write(dir.join(name), data).unwrap();
        }
    };
    for side in &sides {
        prepare(side);
    }
    let side_root = |s: &str| root.join(s).display().to_string();
    let rsync = |side: &str| {
        let args: Vec<String> = case
            .rsync_args
            .iter()
            .map(|a| src_arg(a).replace("{ROOT}", &side_root(side)))
            .collect();
        // rsync 3.5.0 can hang (docs/RSYNC.md): stopped after a minute.
        let mut t = vec![
            "-k".to_string(),
            "5".into(),
            RSYNC_LIMIT.into(),
            "rsync".into(),
        ];
        t.extend(args);
        run_in("timeout", &t, &root.join(side), &[], None)
    };
    // -U: rsync reading a source file moves its access time (relatime:
    // the harness sets it to the modification time), which wsync would
    // then send; each run starts from the times the source was built with.
    let atimes = case.draws_atimes().then(|| access_times(&root.join("src")));
    let want = rsync("r");
    if let Some(t) = &atimes {
        restore_access_times(t);
    }
    if want.code == 124 {
        // No reference: the case is left out (and counted).
        let p = Problem {
            kind: RSYNC_HUNG.into(),
            text: format!("{RSYNC_HUNG} in {RSYNC_LIMIT} seconds"),
        };
        return (
            vec![p],
            want,
            Run {
                lines: Vec::new(),
                code: 0,
                stderr: String::new(),
            },
        );
    }
    let lost_list = want.stderr.contains("(finish_hard_link) [generator]")
        || want.stderr.contains("(got_flist_entry_status) [generator]")
        || want.stderr.contains("precedes flist start");
    if want.code == 2 && lost_list {
        // No reference either: left out (and counted).
        let p = Problem {
            kind: RSYNC_BROKE.into(),
            text: format!("{RSYNC_BROKE}: {}", want.stderr.trim()),
        };
        let none = Run {
            lines: Vec::new(),
            code: 0,
            stderr: String::new(),
        };
        return (vec![p], want, none);
    }
    let mut wargs = vec!["sync".to_string()];
    wargs.extend(
        case.args
            .iter()
            .map(|a| src_arg(a).replace("{ROOT}", &side_root("w"))),
    );
    let got = run_in(wsync_path(), &wargs, &root.join("w"), &[], None);
    let roots: Vec<String> = ["r", "w", "q"].iter().map(|s| side_root(s)).collect();
    let p2 = case.args.iter().any(|a| a == "--info=progress2");
    let mut problems = compare(&root, (&want, "r"), (&got, "w"), &roots, p2);
    if !problems.is_empty() && !keep {
        for k in 0..rechecks() {
            let q = root.join("q");
            if q.exists() {
                fs::remove_dir_all(&q).unwrap();
            }
            prepare("q");
            if let Some(t) = &atimes {
                restore_access_times(t);
            }
            let again = rsync("q");
            if compare(&root, (&again, "q"), (&got, "w"), &roots, p2).is_empty() {
                let p = Problem {
                    kind: RSYNC_VARIES.into(),
                    text: format!(
                        "{RSYNC_VARIES}: wsync gave what rsync gave on its run {} (not its first)",
                        k + 2
                    ),
                };
                return (vec![p], want, got);
            }
        }
        let q = root.join("q");
        if q.exists() {
            fs::remove_dir_all(&q).unwrap();
        }
    }
    if selfcheck {
        if !root.join("q").exists() {
            prepare("q");
        }
        if let Some(t) = &atimes {
            restore_access_times(t);
        }
        let again = rsync("q");
        for mut p in compare(&root, (&want, "r"), (&again, "q"), &roots, p2) {
            p.kind = format!("rsync itself: {}", p.kind);
            p.text = p.text.replace("    wsync: ", "    again: ");
            problems.push(p);
        }
    }
    (problems, want, got)
}

/// The access time of every entry under `dir` (not following symlinks).
fn access_times(dir: &Path) -> Vec<(std::path::PathBuf, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        let Ok(md) = fs::symlink_metadata(&p) else {
            continue;
        };
        if md.is_dir() {
            if let Ok(rd) = fs::read_dir(&p) {
                todo.extend(rd.flatten().map(|e| e.path()));
            }
        }
        out.push((p, md.atime(), md.atime_nsec()));
    }
    out
}

/// Sets back the access times `access_times` read.
fn restore_access_times(times: &[(std::path::PathBuf, i64, i64)]) {
    use rustix::fs::{AtFlags, Timespec, Timestamps, CWD, UTIME_OMIT};
    for (p, secs, nsec) in times {
        let t = Timestamps {
            last_access: Timespec {
                tv_sec: *secs,
                tv_nsec: *nsec as _,
            },
            last_modification: Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_OMIT,
            },
        };
        let _ = rustix::fs::utimensat(CWD, p, &t, AtFlags::SYMLINK_NOFOLLOW);
    }
}

/// What differs between two runs, each given with its side's directory.
fn compare(
    root: &Path,
    (want, a): (&Run, &str),
    (got, b): (&Run, &str),
    roots: &[String],
    progress2: bool,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut add = |kind: &str, text: String| {
        problems.push(Problem {
            kind: kind.into(),
            text,
        })
    };
    if want.code != got.code {
        add(
            "exit",
            format!("exit: rsync {} wsync {}", want.code, got.code),
        );
    }
    let norm_all = |v: &[String]| {
        let lines = v.iter().map(|l| norm::line(l, roots)).collect::<Vec<_>>();
        if progress2 {
            norm::progress2_lines(lines)
        } else {
            lines
        }
    };
    let (wl, gl) = (norm_all(&want.lines), norm_all(&got.lines));
    let (ws, gs) = (streams(&wl), streams(&gl));
    for (i, what) in ["stdout", "stdout (generator)", "stdout (hard links)"]
        .iter()
        .enumerate()
    {
        if ws[i] != gs[i] {
            add(what, format!("{what}:{}", show_lines(&ws[i], &gs[i])));
        }
    }
    let err_lines = |s: &str| s.lines().map(|l| norm::line(l, roots)).collect::<Vec<_>>();
    let (we, ge) = (err_lines(&want.stderr), err_lines(&got.stderr));
    if err_streams(&we) != err_streams(&ge) {
        add("stderr", format!("stderr:{}", show_lines(&we, &ge)));
    }
    let log = |s: &str| {
        let p = root.join(s).join("log.txt");
        let text = fs::read(&p)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        text.map(|t| norm::log_file(&t, roots))
    };
    let (wlog, glog) = (log(a), log(b));
    // Each of rsync's processes writes its own lines to the log file:
    // compared stream by stream as stdout.
    let (wls, gls) = (
        streams(wlog.as_deref().unwrap_or_default()),
        streams(glog.as_deref().unwrap_or_default()),
    );
    if wlog.is_some() != glog.is_some() || wls != gls {
        add(
            "log file",
            format!(
                "log file:{}",
                show_lines(&wlog.unwrap_or_default(), &glog.unwrap_or_default())
            ),
        );
    }
    // The log file's times and pids differ: it is compared above.
    let tree = |s: &str| {
        describe(&root.join(s), true, true)
            .into_iter()
            .filter(|l| !l.starts_with("log.txt: "))
            .collect::<Vec<_>>()
    };
    if let Some(t) = tree_problem("side", &tree(a), &tree(b)) {
        add("tree", t);
    }
    problems
}
