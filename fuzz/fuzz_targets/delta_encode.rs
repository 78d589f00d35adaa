//! Delta encoding against an arbitrary signature: decoding may fail, but a
//! signature that decodes must give a delta that patches any basis of the
//! right length into exactly the new bytes, or fails the whole-file check.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsync::{DeltaOptions, PatchError, Signature};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let split = (data[0] as usize * 256 + data[1] as usize) % data.len();
    let (sig_bytes, new) = data[2..].split_at(split.saturating_sub(2).min(data.len() - 2));
    let Ok(sig) = Signature::decode(sig_bytes) else {
        return;
    };
    if sig.basis_len() > 1 << 16 {
        return;
    }
    let (delta, stats) = wsync::delta(&sig, new, DeltaOptions::default()).unwrap();
    assert_eq!(stats.matched_bytes + stats.literal_bytes, new.len() as u64);
    // The "basis" the signature claims to describe is unknown: any bytes of
    // that length must either give `new` or fail the SHA-256 check.
    let basis = vec![0u8; sig.basis_len() as usize];
    match wsync::apply(&basis, &delta, Default::default()) {
        Ok((out, _)) => assert_eq!(out, new),
        Err(PatchError::HashMismatch { .. }) => {}
        Err(e) => panic!("unexpected error {e}"),
    }
});
