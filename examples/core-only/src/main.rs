//! Signature, delta and patch with wsync's core alone, as a dependent that
//! needs no host sees it: prints the delta's size and checks the result.

use wsync::{DeltaEncoder, DeltaOptions, PatchOptions, Patcher, Signature, SignatureOptions};

fn main() {
    let basis = b"The quick brown fox jumps over the lazy dog. ".repeat(2000);
    let mut new = basis.clone();
    new.splice(40_000..40_000, b"A few new words. ".iter().copied());

    let sig = Signature::of(&basis, SignatureOptions::default()).expect("signature");
    let mut enc = DeltaEncoder::new(&sig, DeltaOptions::default()).expect("encoder");
    let mut delta = Vec::new();
    for chunk in new.chunks(4096) {
        enc.update(chunk, &mut delta);
    }
    enc.finish(&mut delta);

    let mut patcher = Patcher::new(&basis[..], Vec::new(), PatchOptions::default());
    patcher.update(&delta).expect("patch");
    let (out, _) = patcher.finish().expect("patched file");
    assert_eq!(out, new, "the patched file differs from the new one");
    assert!(delta.len() < 1000, "delta of {} bytes", delta.len());
    println!(
        "core only: {} -> {} bytes with a delta of {} bytes",
        basis.len(),
        new.len(),
        delta.len()
    );
}
