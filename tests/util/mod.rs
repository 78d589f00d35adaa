//! Shared helpers for the integration tests (included with `mod common;`).
#![allow(dead_code)]

// One source for both helper modules (a test may use both).
#[path = "../common/reference.rs"]
#[allow(clippy::duplicate_mod)]
mod reference;
#[allow(unused_imports)]
pub use reference::rsync_version;

#[path = "../../src/xorshift.rs"]
#[allow(clippy::duplicate_mod)]
mod xorshift;
#[allow(unused_imports)]
pub use xorshift::Rng;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `wsync` binary built for these tests.
pub fn wsync() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsync"))
}

/// Runs `wsync ARGS` and returns its output.
pub fn run(args: &[&str]) -> Output {
    wsync().args(args).output().expect("run wsync")
}

/// Runs a command that must succeed.
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A peer program from Debian that the tests need: missing is a failure,
/// not a skip (scripts/setup.sh installs it).
pub fn peer(name: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not installed: run scripts/setup.sh (npm test does)"
    );
    if name == "rsync" {
        rsync_version();
    }
    Command::new(name)
}

/// Deterministic test data: text-like when `text`, else random.
pub fn data(seed: u64, len: usize, text: bool) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let words: [&[u8]; 8] = [
        b"sync ",
        b"delta ",
        b"the ",
        b"block ",
        b"of ",
        b"edge\n",
        b"rolling ",
        b"web ",
    ];
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        let r = rng.next();
        if text {
            out.extend_from_slice(words[(r % 8) as usize]);
        } else {
            out.extend_from_slice(&r.to_le_bytes());
        }
    }
    out.truncate(len);
    out
}

/// `basis` with a few edits.
pub fn edit(basis: &[u8], seed: u64) -> Vec<u8> {
    let mut new = basis.to_vec();
    let noise = data(seed ^ 0xabc, 3000, false);
    let n = new.len();
    if n > 10 {
        new.splice(n / 3..n / 3, noise[..500].iter().copied());
        let at = n / 2;
        new.drain(at..(at + 300).min(n / 2 + 300).min(new.len()));
        let at = 2 * n / 3;
        let end = (at + 100).min(new.len());
        new[at..end].copy_from_slice(&noise[1000..1000 + end - at]);
    }
    new.extend_from_slice(&noise[2000..2100]);
    new
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
