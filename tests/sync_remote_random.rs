//! A differential harness for the remote forms of `wsync sync`: seeded
//! random trees and option sets; each case pushes (or pulls) through a
//! real `wsync serve` and compares the result and the itemized lines with
//! the real rsync between local directories holding the same trees.
//! `WSYNC_REMOTE_SEED`, `WSYNC_REMOTE_CASES` and `WSYNC_REMOTE_CASE`
//! choose the cases; a mismatch prints a reproducer.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use util::*;

mod common;
use common::Rng;

fn set_time(p: &Path, secs: i64) {
    let t = rustix::fs::Timespec {
        tv_sec: secs,
        tv_nsec: 0,
    };
    let ts = rustix::fs::Timestamps {
        last_access: t,
        last_modification: t,
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        p,
        &ts,
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    )
    .unwrap();
}

const NAMES: [&str; 8] = ["a", "b.txt", "c.bin", "d", "e.log", "sp ace", "f", "g.txt"];

/// A random tree: (relative path, kind 0 file / 1 dir / 2 link, size or
/// target, mode, mtime).
fn gen(rng: &mut Rng, base: &str, depth: usize, out: &mut Vec<(String, u8, usize, u32, i64)>) {
    let n = 1 + rng.below(5);
    for _ in 0..n {
        let name = NAMES[rng.below(NAMES.len())];
        let p = if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}/{name}")
        };
        if out.iter().any(|e| e.0 == p) {
            continue;
        }
        let t = 1_400_000_000 + rng.below(1000) as i64 * 1000;
        match rng.below(10) {
            0..=5 => {
                let size = [0, 1, 100, 5000, 70_000, 300_000][rng.below(6)];
                let mode = [0o644, 0o600, 0o755, 0o640][rng.below(4)];
                out.push((p, 0, size, mode, t));
            }
            6..=8 if depth < 3 => {
                out.push((p.clone(), 1, 0, [0o755, 0o700][rng.below(2)], t));
                gen(rng, &p, depth + 1, out);
            }
            _ => out.push((p, 2, rng.below(3), 0, t)),
        }
    }
}

fn build(root: &Path, tree: &[(String, u8, usize, u32, i64)], seed: u64) {
    fs::create_dir_all(root).unwrap();
    for (p, kind, n, mode, _) in tree {
        let at = root.join(p);
        match kind {
            0 => {
                fs::write(&at, data(seed ^ *n as u64 ^ p.len() as u64, *n, true)).unwrap();
                fs::set_permissions(&at, fs::Permissions::from_mode(*mode)).unwrap();
            }
            1 => fs::create_dir_all(&at).unwrap(),
            _ => std::os::unix::fs::symlink(["a", "../b.txt", "nowhere"][*n], &at).unwrap(),
        }
    }
    // Times last, deepest first, so that writing does not change them.
    for (p, kind, _, mode, t) in tree.iter().rev() {
        let at = root.join(p);
        if *kind == 1 {
            fs::set_permissions(&at, fs::Permissions::from_mode(*mode)).unwrap();
        }
        set_time(&at, *t);
    }
    set_time(root, 1_300_000_000);
}

/// Changes some entries of a copy of `src`'s tree: the destination.
fn mutate(
    rng: &mut Rng,
    tree: &[(String, u8, usize, u32, i64)],
) -> Vec<(String, u8, usize, u32, i64)> {
    let mut out = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    for e in tree {
        let mut e = e.clone();
        if dropped.iter().any(|d| e.0.starts_with(&format!("{d}/"))) {
            continue;
        }
        match rng.below(10) {
            0 => {
                dropped.push(e.0.clone()); // missing
                continue;
            }
            1 if e.1 == 0 => e.2 = e.2 / 2 + 1,   // other size
            2 => e.4 += 7,                        // other time
            3 if e.1 == 0 => e.3 = 0o600,         // other mode
            4 if e.1 == 2 => e.2 = (e.2 + 1) % 3, // other target
            _ => {}
        }
        out.push(e);
    }
    if rng.chance(70) {
        out.push(("zz-extra".into(), 0, 10, 0o644, 1_400_000_000));
    }
    if rng.chance(50) {
        out.push(("zz-dir".into(), 1, 0, 0o755, 1_400_000_000));
        out.push(("zz-dir/x".into(), 0, 3, 0o644, 1_400_000_000));
    }
    out
}

fn options(rng: &mut Rng) -> Vec<String> {
    let base = ["-a", "-r", "-rlt", "-rlp", "-av", "-rltp"][rng.below(6)];
    let mut v = vec![base.to_string(), "-i".to_string()];
    let extra = [
        "--delete",
        "-c",
        "-u",
        "--existing",
        "--ignore-existing",
        "--size-only",
        "-I",
        "-n",
        "--exclude=*.bin",
        "--exclude=d/",
        "--delete-excluded",
        "--max-size=6000",
        "--min-size=50",
        "-O",
    ];
    for _ in 0..rng.below(4) {
        let o = extra[rng.below(extra.len())].to_string();
        if !v.contains(&o) {
            v.push(o);
        }
    }
    if v.iter().any(|o| o == "--delete-excluded") && !v.iter().any(|o| o == "--delete") {
        v.push("--delete".into());
    }
    v
}

fn lines(out: &std::process::Output, from: &str, to: &str) -> Vec<String> {
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("sent ") && !l.starts_with("total size"))
        .filter(|l| !l.contains("incremental file list"))
        .map(|l| l.replacen('<', ">", 1).replace(from, to))
        .collect();
    v.sort();
    v
}

#[test]
fn remote_transfers_match_real_rsync() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let seed = env("WSYNC_REMOTE_SEED", 11);
    let cases = env("WSYNC_REMOTE_CASES", 60);
    let only = std::env::var("WSYNC_REMOTE_CASE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    fs::create_dir(&module).unwrap();
    // Compared with a local rsync, which stores symlink values as given.
    let srv = serve(&module, &["--no-munge-symlinks"]);
    let port = srv.port.to_string();
    let mut failures = Vec::new();
    for case in 0..cases {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (case + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
        for _ in 0..4 {
            rng.next();
        }
        let mut tree = Vec::new();
        gen(&mut rng, "", 0, &mut tree);
        let dst_tree = mutate(&mut rng, &tree);
        let opts = options(&mut rng);
        let pull = rng.chance(50);
        if only.is_some_and(|c| c != case) {
            continue;
        }
        let c = dir.path().join(format!("c{case}"));
        let (src, ours, theirs) = (c.join("src"), c.join("ours"), c.join("theirs"));
        build(&src, &tree, case);
        build(&theirs, &dst_tree, case + 1);
        let remote_name = format!("m{case}");
        let remote = module.join(&remote_name);
        let (wsync_out, rsync_out, ours_root) = if pull {
            // The module holds the source; ours is the local destination.
            build(&remote, &tree, case);
            build(&ours, &dst_tree, case + 1);
            let w = wsync()
                .args(["sync", "--port", &port])
                .args(&opts)
                .args([
                    &format!("127.0.0.1::data/{remote_name}/"),
                    &format!("{}/", s(&ours)),
                ])
                .output()
                .unwrap();
            (w, ours.clone(), ours.clone())
        } else {
            build(&remote, &dst_tree, case + 1);
            let w = wsync()
                .args(["sync", "--port", &port])
                .args(&opts)
                .args([
                    &format!("{}/", s(&src)),
                    &format!("127.0.0.1::data/{remote_name}/"),
                ])
                .output()
                .unwrap();
            (w, remote.clone(), remote.clone())
        };
        let _ = rsync_out;
        let r = peer("rsync")
            .args(&opts)
            .args([&format!("{}/", s(&src)), &format!("{}/", s(&theirs))])
            .output()
            .unwrap();
        let ours_lines = lines(&wsync_out, "", "");
        let theirs_lines = lines(&r, "", "");
        let times = opts.iter().any(|o| o == "-a" || o.contains('t'));
        let dir_times = times && !opts.contains(&"-O".into());
        let (ot, tt) = (
            common::describe(&ours_root, times, dir_times),
            common::describe(&theirs, times, dir_times),
        );
        let same_tree = ot == tt;
        let tree_diff: Vec<String> = ot
            .iter()
            .filter(|l| !tt.contains(l))
            .map(|l| format!("ours {l}"))
            .chain(
                tt.iter()
                    .filter(|l| !ot.contains(l))
                    .map(|l| format!("rsync {l}")),
            )
            .take(6)
            .collect();
        let ok =
            wsync_out.status.code() == r.status.code() && ours_lines == theirs_lines && same_tree;
        if !ok {
            failures.push(format!(
                "case {case} ({}) {}: exit {:?} vs {:?}\n  ours:   {ours_lines:?}\n  rsync:  {theirs_lines:?}\n  \
                 trees {}\n  stderr: {}\n  reproduce: WSYNC_REMOTE_SEED={seed} WSYNC_REMOTE_CASES={cases} WSYNC_REMOTE_CASE={case}",
                if pull { "pull" } else { "push" },
                opts.join(" "),
                wsync_out.status.code(),
                r.status.code(),
                if same_tree { "same".to_string() } else { format!("DIFFER {tree_diff:?}") },
                String::from_utf8_lossy(&wsync_out.stderr).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ from {}:\n{}",
        failures.len(),
        rsync_version(),
        failures.join("\n")
    );
}
