//! Interoperability with librsync's `rdiff`, both directions.

mod util;
use util::*;

fn cases() -> Vec<(Vec<u8>, Vec<u8>)> {
    let big = data(20, 3_000_000, true);
    let rnd = data(21, 200_000, false);
    vec![
        (big.clone(), edit(&big, 22)),
        (rnd.clone(), edit(&rnd, 23)),
        (rnd.clone(), rnd.clone()),
        (Vec::new(), data(24, 5000, true)),
        (data(25, 5000, true), Vec::new()),
        (Vec::new(), Vec::new()),
        (b"x".to_vec(), b"xy".to_vec()),
    ]
}

#[test]
fn rdiff_patch_applies_our_rdiff_format_deltas() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (basis, new)) in cases().into_iter().enumerate() {
        let b = write(dir.path(), &format!("b{i}"), &basis);
        let n = write(dir.path(), &format!("n{i}"), &new);
        let (sig, delta, out) = (
            dir.path().join(format!("s{i}")),
            dir.path().join(format!("d{i}")),
            dir.path().join(format!("o{i}")),
        );
        ok(wsync().args(["signature", "-b", "512", s(&b), s(&sig)]));
        ok(wsync().args(["delta", "--format", "rdiff", s(&sig), s(&n), s(&delta)]));
        ok(peer("rdiff").args(["patch", s(&b), s(&delta), s(&out)]));
        assert_eq!(std::fs::read(&out).unwrap(), new, "case {i}");
    }
}

#[test]
fn wsync_patch_applies_rdiff_deltas() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (basis, new)) in cases().into_iter().enumerate() {
        let b = write(dir.path(), &format!("b{i}"), &basis);
        let n = write(dir.path(), &format!("n{i}"), &new);
        let (sig, delta, out) = (
            dir.path().join(format!("s{i}")),
            dir.path().join(format!("d{i}")),
            dir.path().join(format!("o{i}")),
        );
        ok(peer("rdiff").args(["signature", s(&b), s(&sig)]));
        ok(peer("rdiff").args(["delta", s(&sig), s(&n), s(&delta)]));
        let st = ok(wsync().args(["patch", "--stats", s(&b), s(&delta), s(&out)]));
        assert_eq!(std::fs::read(&out).unwrap(), new, "case {i}");
        assert!(String::from_utf8_lossy(&st.stderr).contains("rdiff delta"));
    }
}

#[test]
fn rdiff_deltas_that_copy_past_the_basis_are_refused() {
    // A real rdiff delta applied to a shorter basis than it was made for.
    let dir = tempfile::tempdir().unwrap();
    let basis = data(26, 100_000, false);
    let b = write(dir.path(), "b", &basis);
    let short = write(dir.path(), "short", &basis[..50_000]);
    let (sig, delta) = (dir.path().join("s"), dir.path().join("d"));
    ok(peer("rdiff").args(["signature", s(&b), s(&sig)]));
    ok(peer("rdiff").args(["delta", s(&sig), s(&b), s(&delta)]));
    let out = run(&["patch", s(&short), s(&delta), s(&dir.path().join("o"))]);
    assert_eq!(out.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside"));
}
