//! Golden files pin the formats: the same inputs and seed must give these
//! exact bytes, and the stored deltas must patch into the stored new file.
//! Regenerate (after a deliberate format change) with WSYNC_BLESS=1.

mod util;
use std::path::PathBuf;
use util::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn check(name: &str, bytes: &[u8]) {
    let path = fixture(name);
    if std::env::var_os("WSYNC_BLESS").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(want == bytes, "{name} differs from its golden file");
}

#[test]
fn formats_match_the_golden_files() {
    // The inputs are stored too, so that the formats stay pinned whatever
    // the test data generator becomes (a re-bless draws new ones).
    if std::env::var_os("WSYNC_BLESS").is_some() {
        let basis = data(100, 6000, true);
        std::fs::write(fixture("golden.basis"), &basis).unwrap();
        std::fs::write(fixture("golden.new"), edit(&basis, 101)).unwrap();
    }
    let basis = std::fs::read(fixture("golden.basis")).unwrap();
    let new = std::fs::read(fixture("golden.new")).unwrap();
    assert_eq!(basis.len(), 6000);
    let b = fixture("golden.basis");
    let n = fixture("golden.new");
    let sig = ok(wsync().args([
        "signature",
        "-b",
        "256",
        "-S",
        "8",
        "--seed",
        "5eed",
        s(&b),
        "-",
    ]))
    .stdout;
    check("golden.sig", &sig);
    let dir = tempfile::tempdir().unwrap();
    let sig_path = write(dir.path(), "sig", &sig);
    let delta = ok(wsync().args(["delta", s(&sig_path), s(&n), "-"])).stdout;
    check("golden.delta", &delta);
    let rdelta = ok(wsync().args(["delta", "--format", "rdiff", s(&sig_path), s(&n), "-"])).stdout;
    check("golden.rdiff-delta", &rdelta);
    for d in ["golden.delta", "golden.rdiff-delta"] {
        let out = ok(wsync().args(["patch", s(&b), s(&fixture(d)), "-"])).stdout;
        assert_eq!(out, new, "{d}");
    }
}
