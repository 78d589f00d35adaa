//! Property tests: patch(basis, delta(signature(basis), new)) == new for
//! random bases and random edits, in both formats and any chunking.

use proptest::prelude::*;
use wsync::*;

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Overwrite(usize, Vec<u8>),
    Move(usize, usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), prop::collection::vec(any::<u8>(), 0..200))
            .prop_map(|(a, b)| Edit::Insert(a, b)),
        (any::<usize>(), 0usize..500).prop_map(|(a, l)| Edit::Delete(a, l)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..100))
            .prop_map(|(a, b)| Edit::Overwrite(a, b)),
        (any::<usize>(), 1usize..400, any::<usize>()).prop_map(|(a, l, t)| Edit::Move(a, l, t)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply_edits(basis: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut v = basis.to_vec();
    for e in edits {
        let n = v.len();
        match e {
            Edit::Insert(a, b) => {
                let at = a % (n + 1);
                v.splice(at..at, b.iter().copied());
            }
            Edit::Delete(a, l) => {
                let at = a % (n + 1);
                let end = (at + l).min(n);
                v.drain(at..end);
            }
            Edit::Overwrite(a, b) => {
                let at = a % (n + 1);
                let end = (at + b.len()).min(n);
                v[at..end].copy_from_slice(&b[..end - at]);
            }
            Edit::Move(a, l, t) => {
                let at = a % (n + 1);
                let end = (at + l).min(n);
                let moved: Vec<u8> = v.drain(at..end).collect();
                let to = t % (v.len() + 1);
                v.splice(to..to, moved);
            }
            Edit::Truncate(a) => v.truncate(a % (n + 1)),
        }
    }
    v
}

fn basis() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..6000),
        // Low-entropy data: repeated blocks and weak-sum collisions.
        prop::collection::vec(0u8..3, 0..6000),
        (1usize..50, 0usize..200).prop_map(|(w, n)| b"abcdefghijklmnopqrstuvwxyz0123456789"
            .repeat(n)[..(n * 36).min(w * 100)]
            .to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn patch_of_delta_is_the_new_file(
        basis in basis(),
        edits in prop::collection::vec(edit(), 0..6),
        block in prop_oneof![Just(1u32), 2u32..40, 40u32..700],
        // Strong sums long enough that a false block match is negligible
        // (shorter ones are covered by `short_strong_sums_fail_safe`).
        strong in 8u8..=32,
        level in 0u32..=9,
        chunk in 1usize..5000,
        rdiff_format in any::<bool>(),
    ) {
        let new = apply_edits(&basis, &edits);
        let opts = SignatureOptions { block_len: Some(block), strong_len: Some(strong), seed: Some([9; 16]), len_hint: None };
        let mut b = SignatureBuilder::new(opts).unwrap();
        for c in basis.chunks(chunk) { b.update(c); }
        let sig = Signature::decode(&b.finish().encode()).unwrap();
        let format = if rdiff_format { DeltaFormat::Rdiff } else { DeltaFormat::Wsync };
        let mut enc = DeltaEncoder::new(&sig, DeltaOptions { format, compress_level: level }).unwrap();
        let mut delta = Vec::new();
        for c in new.chunks(chunk) { enc.update(c, &mut delta); }
        let stats = enc.finish(&mut delta);
        prop_assert_eq!(stats.matched_bytes + stats.literal_bytes, new.len() as u64);
        let mut p = Patcher::new(&basis[..], Vec::new(), PatchOptions::default());
        for c in delta.chunks(chunk) { p.update(c).unwrap(); }
        let (out, _) = p.finish().unwrap();
        prop_assert_eq!(out, new);
    }

    #[test]
    fn short_strong_sums_fail_safe(
        basis in prop::collection::vec(0u8..3, 0..3000),
        edits in prop::collection::vec(edit(), 0..6),
        block in 2u32..40,
        strong in 1u8..=2,
        level in 0u32..=9,
    ) {
        // Low-entropy data and 1 or 2-byte strong sums make false block
        // matches likely: the result must then be refused by the
        // whole-file SHA-256, never come out wrong.
        let new = apply_edits(&basis, &edits);
        let opts = SignatureOptions { block_len: Some(block), strong_len: Some(strong), seed: Some([3; 16]), len_hint: None };
        let sig = Signature::of(&basis, opts).unwrap();
        let (d, _) = delta(&sig, &new, DeltaOptions { format: DeltaFormat::Wsync, compress_level: level }).unwrap();
        match apply(&basis, &d, PatchOptions::default()) {
            Ok((out, _)) => prop_assert_eq!(out, new),
            Err(PatchError::HashMismatch { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn arbitrary_deltas_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), rdiff_format in any::<bool>()) {
        let basis = vec![1u8; 1000];
        let mut d = if rdiff_format { rdiff::MAGIC.to_vec() } else { b"wsyD\x01\0\0\0\0\0\0\x03\xe8".to_vec() };
        d.extend_from_slice(&bytes);
        let _ = apply(&basis, &d, PatchOptions { max_output: 1 << 20 });
    }

    #[test]
    fn arbitrary_signatures_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), new in prop::collection::vec(any::<u8>(), 0..3000)) {
        let mut s = b"wsyS\x01".to_vec();
        s.extend_from_slice(&bytes);
        if let Ok(sig) = Signature::decode(&s) {
            let _ = delta(&sig, &new, DeltaOptions::default());
        }
    }
}

/// A case a since-removed property test shrank to (it was kept in a
/// regressions file no test read): a 2,453-byte basis of zeros with a few
/// 1s and 2s near each end, cut at byte 15, blocks of 11 bytes. Every way
/// of cutting it round-trips, in both formats.
#[test]
fn a_low_entropy_basis_cut_near_its_start_round_trips() {
    let mut basis = vec![0u8; 2453];
    for (i, v) in [
        (14, 2),
        (22, 1),
        (23, 2),
        (24, 2),
        (25, 1),
        (27, 1),
        (2442, 2),
        (2445, 1),
        (2447, 2),
        (2448, 2),
        (2451, 1),
        (2452, 1),
    ] {
        basis[i] = v;
    }
    let cut = 15;
    let cases = [
        basis[..cut].to_vec(),
        basis[cut..].to_vec(),
        [&basis[cut..], &basis[..cut]].concat(),
        [&basis[..cut], &basis[cut + 1..]].concat(),
    ];
    for new in cases {
        for format in [DeltaFormat::Wsync, DeltaFormat::Rdiff] {
            let opts = SignatureOptions {
                block_len: Some(11),
                strong_len: Some(8),
                seed: Some([9; 16]),
                len_hint: None,
            };
            let sig = Signature::of(&basis, opts).unwrap();
            let (d, _) = delta(
                &sig,
                &new,
                DeltaOptions {
                    format,
                    compress_level: 6,
                },
            )
            .unwrap();
            let (out, _) = apply(&basis, &d, PatchOptions::default()).unwrap();
            assert_eq!(out, new, "{format:?}, {} bytes", new.len());
        }
    }
}
