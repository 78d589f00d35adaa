//! Helpers shared by the sync tests: building trees and running commands.
#![allow(dead_code)]

mod reference;
#[allow(unused_imports)]
pub use reference::rsync_version;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

/// One tree entry, as in rsync-filter-cases.json.
#[derive(Debug, Clone)]
pub enum Node {
    Dir(String),
    File(String, usize),
    Link(String, String),
    Text(String, String),
}

/// Creates `nodes` under `root`; files get `mtime` when given.
pub fn build(root: &Path, nodes: &[Node], mtime: Option<SystemTime>) {
    fs::create_dir_all(root).unwrap();
    for n in nodes {
        match n {
            Node::Dir(p) => fs::create_dir_all(root.join(p)).unwrap(),
            Node::File(p, size) => write(root, p, &vec![b'x'; *size], mtime),
            Node::Text(p, text) => write(root, p, text.as_bytes(), mtime),
            Node::Link(p, target) => {
                let at = root.join(p);
                fs::create_dir_all(at.parent().unwrap()).unwrap();
                let _ = fs::remove_file(&at);
                std::os::unix::fs::symlink(target, &at).unwrap();
            }
        }
    }
}

fn write(root: &Path, p: &str, data: &[u8], mtime: Option<SystemTime>) {
    let at = root.join(p);
    fs::create_dir_all(at.parent().unwrap()).unwrap();
    let mut f = fs::File::create(&at).unwrap();
    f.write_all(data).unwrap();
    if let Some(t) = mtime {
        f.set_modified(t).unwrap();
    }
}

/// A time long before any test runs, for destination files.
pub fn old_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

/// The output of a command: stdout lines and exit status.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub lines: Vec<String>,
    pub code: i32,
    pub stderr: String,
}

/// Runs `program args` in `cwd` with `env` and `stdin`.
pub fn run_in(
    program: &str,
    args: &[String],
    cwd: &Path,
    env: &[(String, String)],
    stdin: Option<&str>,
) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("CVSIGNORE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            let _ = input.write_all(s.as_bytes());
        }
    }
    let out = child.wait_with_output().unwrap();
    Run {
        lines: String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The wsync binary under test.
pub fn wsync_path() -> &'static str {
    env!("CARGO_BIN_EXE_wsync")
}

/// An entry's extended attributes (ACLs included, as the kernel's
/// `system.posix_acl_*` values), not following symlinks: ` xattrs
/// name=hex,...`, or nothing when it has none.
pub fn xattrs(p: &Path) -> String {
    let mut names = vec![0u8; 65536];
    let Ok(n) = rustix::fs::llistxattr(p, &mut names[..]) else {
        return String::new();
    };
    let mut list: Vec<String> = names[..n]
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|name| {
            let mut v = vec![0u8; 65536];
            let name_s = String::from_utf8_lossy(name).into_owned();
            let len = rustix::fs::lgetxattr(p, name_s.as_str(), &mut v[..]).unwrap_or(0);
            let hex: String = v[..len].iter().map(|b| format!("{b:02x}")).collect();
            format!("{name_s}={hex}")
        })
        .collect();
    list.sort();
    if list.is_empty() {
        String::new()
    } else {
        format!(" xattrs {}", list.join(","))
    }
}

/// One line per entry of a tree: what must match between the two runs.
pub fn describe(root: &Path, times: bool, dir_times: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut inodes: BTreeMap<(u64, u64), Vec<String>> = BTreeMap::new();
    fn walk(
        root: &Path,
        rel: &Path,
        times: bool,
        dir_times: bool,
        out: &mut Vec<String>,
        inodes: &mut BTreeMap<(u64, u64), Vec<String>>,
    ) {
        let Ok(rd) = fs::read_dir(root.join(rel)) else {
            return;
        };
        // Names as they are (not UTF-8 after --iconv, say): shown lossily.
        let mut names: Vec<std::ffi::OsString> = rd.map(|e| e.unwrap().file_name()).collect();
        names.sort();
        for name in names {
            let rel_p = rel.join(&name);
            let p = rel_p.to_string_lossy().into_owned();
            let full = root.join(&rel_p);
            let md = fs::symlink_metadata(&full).unwrap();
            let t = md.file_type();
            let mut line = format!("{p}: mode {:o} owner {}:{}", md.mode(), md.uid(), md.gid());
            if t.is_file() {
                let data = fs::read(&full).unwrap();
                let sum = data.iter().fold(0xcbf29ce484222325u64, |h, &b| {
                    (h ^ b as u64).wrapping_mul(0x100000001b3)
                });
                line += &format!(" size {} sum {sum:016x} nlink {}", md.len(), md.nlink());
                if md.nlink() > 1 {
                    inodes
                        .entry((md.dev(), md.ino()))
                        .or_default()
                        .push(p.clone());
                }
                if md.len() >= 1 << 20 {
                    line += &format!(" sparse {}", md.blocks() * 512 < md.len());
                }
            } else if t.is_symlink() {
                line += &format!(" -> {}", fs::read_link(&full).unwrap().display());
            } else if !t.is_dir() {
                line += &format!(" rdev {}", md.rdev());
            }
            let show_time = if t.is_dir() { dir_times } else { times };
            if show_time {
                // Times rsync leaves as "now" (directories it did not
                // set) cannot match to the nanosecond: only their being
                // recent is compared.
                if md.mtime() > 1_700_000_000 {
                    line += " mtime now";
                } else if md.mtime() == -1 {
                    // rsync's -X -U without -t: second -1, with the
                    // nanoseconds of the file's writing (attrs.rs).
                    line += " mtime -1.(written)";
                } else {
                    line += &format!(" mtime {}.{:09}", md.mtime(), md.mtime_nsec());
                }
            }
            line += &xattrs(&full);
            out.push(line);
            if t.is_dir() {
                walk(root, &rel_p, times, dir_times, out, inodes);
            }
        }
    }
    walk(root, Path::new(""), times, dir_times, &mut out, &mut inodes);
    // By name, not inode number: two trees number their inodes apart.
    let mut groups: Vec<String> = inodes
        .into_values()
        .map(|g| format!("hard links: {}", g.join(" ")))
        .collect();
    groups.sort();
    out.extend(groups);
    out
}

/// The seeded generator of the differential harnesses (one source with
/// the crate's: a case is reproduced from its seed alone).
#[path = "../../src/xorshift.rs"]
#[allow(clippy::duplicate_mod)]
mod xorshift;
#[allow(unused_imports)]
pub use xorshift::Rng;

/// What differs between rsync's tree `dir` and wsync's (`describe` lines),
/// one line each, as a problem to report; `None` when they are the same.
pub fn tree_problem(dir: &str, r: &[String], w: &[String]) -> Option<String> {
    if r == w {
        return None;
    }
    let diff: Vec<String> = r
        .iter()
        .filter(|l| !w.contains(l))
        .map(|l| format!("rsync: {l}"))
        .chain(
            w.iter()
                .filter(|l| !r.contains(l))
                .map(|l| format!("wsync: {l}")),
        )
        .collect();
    Some(format!("tree {dir}:\n    {}", diff.join("\n    ")))
}
