//! Helpers shared by the sync tests: building trees and running commands.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
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
pub fn run(
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
pub fn wsync() -> &'static str {
    env!("CARGO_BIN_EXE_wsync")
}
