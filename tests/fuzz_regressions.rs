//! Inputs the fuzzers found (and hand-made edge cases) under
//! `tests/fuzz-crashers/`: each must give an error, never a panic.

use std::path::PathBuf;
use wsync::{rdiff, DeltaOptions, PatchOptions, Signature};

fn inputs(kind: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-crashers")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn signature_inputs_are_refused() {
    for (name, bytes) in inputs("signature") {
        assert!(Signature::decode(&bytes).is_err(), "{name}");
    }
}

#[test]
fn patch_inputs_are_refused() {
    // The basis of the `patch` fuzz target.
    let basis: Vec<u8> = (0..4096u32).map(|i| (i * 7 + i / 13) as u8).collect();
    for (name, bytes) in inputs("patch") {
        let r = wsync::apply(
            &basis,
            &bytes,
            PatchOptions {
                max_output: 1 << 20,
            },
        );
        assert!(r.is_err(), "{name}");
        let mut with_magic = rdiff::MAGIC.to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = wsync::apply(
            &basis,
            &with_magic,
            PatchOptions {
                max_output: 1 << 20,
            },
        );
    }
}

#[test]
fn delta_inputs_do_not_panic() {
    for (_, bytes) in inputs("delta") {
        let half = bytes.len() / 2;
        if let Ok(sig) = Signature::decode(&bytes[..half]) {
            let _ = wsync::delta(&sig, &bytes[half..], DeltaOptions::default());
        }
    }
}
