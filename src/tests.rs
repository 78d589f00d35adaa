//! Core tests that run natively and as wasm32 under Node (32-bit `usize`,
//! overflow checks on): round trips, chunking, and the "Signature bytes" and
//! "Delta bytes" tables of the security notes.

use crate::format::wsync as wfmt;
use crate::testutil::{in_chunks, test, Rng, CHUNKS};
use crate::*;

const SEED: Seed = [7; 16];

fn opts(block: u32) -> SignatureOptions {
    SignatureOptions {
        block_len: Some(block),
        strong_len: Some(8),
        seed: Some(SEED),
        ..Default::default()
    }
}

fn sign(basis: &[u8], block: u32) -> Signature {
    Signature::of(basis, opts(block)).unwrap()
}

fn encode(sig: &Signature, new: &[u8], o: DeltaOptions) -> Vec<u8> {
    delta(sig, new, o).unwrap().0
}

fn patch(basis: &[u8], d: &[u8]) -> Result<Vec<u8>, PatchError> {
    apply(basis, d, PatchOptions::default()).map(|(out, _)| out)
}

fn round_trip(basis: &[u8], new: &[u8], block: u32) -> (Vec<u8>, DeltaStats) {
    let sig = Signature::decode(&sign(basis, block).encode()).unwrap();
    for format in [DeltaFormat::Wsync, DeltaFormat::Rdiff] {
        let o = DeltaOptions {
            format,
            ..Default::default()
        };
        let (d, stats) = delta(&sig, new, o).unwrap();
        assert_eq!(patch(basis, &d).unwrap(), new, "{format:?}");
        assert_eq!(stats.matched_bytes + stats.literal_bytes, new.len() as u64);
        assert_eq!(stats.delta_bytes, d.len() as u64);
    }
    let (d, stats) = delta(&sig, new, DeltaOptions::default()).unwrap();
    (d, stats)
}

/// A basis and an edited copy: inserts, deletes, overwrites, a moved block.
fn edited(rng: &mut Rng, basis: &[u8]) -> Vec<u8> {
    let mut new = basis.to_vec();
    for _ in 0..6 {
        let at = rng.below(new.len() + 1);
        let len = rng.below(300);
        match rng.below(4) {
            0 => {
                let ins = rng.bytes(len);
                new.splice(at..at, ins);
            }
            1 => {
                let end = (at + len).min(new.len());
                new.drain(at..end);
            }
            2 => {
                let end = (at + len).min(new.len());
                let over = rng.bytes(end - at);
                new[at..end].copy_from_slice(&over);
            }
            _ => {
                let end = (at + len).min(new.len());
                let moved: Vec<u8> = new.drain(at..end).collect();
                let to = rng.below(new.len() + 1);
                new.splice(to..to, moved);
            }
        }
    }
    new
}

#[test]
fn round_trips_of_edited_files() {
    let mut rng = Rng::new(10);
    for case in 0..40 {
        let len = [0, 1, 5, 63, 64, 65, 1000, 5000, 20_000][case % 9];
        let basis = if case % 2 == 0 {
            rng.text(len)
        } else {
            rng.bytes(len)
        };
        let new = edited(&mut rng, &basis);
        for block in [1, 2, 16, 64, 700] {
            round_trip(&basis, &new, block);
        }
    }
}

#[test]
fn edge_cases_round_trip() {
    let mut rng = Rng::new(11);
    let basis = rng.text(10_000);
    round_trip(&basis, &[], 64);
    round_trip(&[], &basis, 64);
    round_trip(&[], &[], 64);
    round_trip(&basis, &basis, 64);
    round_trip(&basis, &basis[..5000], 64); // truncation
    round_trip(&basis, &basis[..9999], 64); // loses the short last block
    round_trip(&basis[..10], &basis[..20], 64); // shorter than a block
    let mut twice = basis.clone();
    twice.extend_from_slice(&basis);
    round_trip(&basis, &twice, 64);
    round_trip(&vec![0; 5000], &vec![0; 7000], 100); // all blocks identical
}

#[test]
fn unchanged_file_is_one_copy() {
    let mut rng = Rng::new(12);
    let basis = rng.bytes(100_000);
    let (d, stats) = round_trip(&basis, &basis, 1000);
    assert_eq!(stats.copy_ops, 1);
    assert_eq!(stats.literal_bytes, 0);
    assert!(d.len() < 70, "{} bytes", d.len());
}

#[test]
fn a_small_edit_costs_about_a_block() {
    let mut rng = Rng::new(13);
    let basis = rng.bytes(200_000);
    let mut new = basis.clone();
    new[100_123] ^= 1;
    new.splice(150_000..150_000, *b"inserted");
    let (_, stats) = round_trip(&basis, &new, 1000);
    assert!(stats.literal_bytes <= 2 * 1000 + 8, "{stats:?}");
    assert_eq!(stats.copy_ops, 3);
}

#[test]
fn literals_are_compressed_when_that_helps() {
    let mut rng = Rng::new(14);
    let basis = rng.bytes(50_000);
    let new = rng.text(200_000);
    let sig = sign(&basis, 700);
    let (d, stats) = delta(&sig, &new, DeltaOptions::default()).unwrap();
    assert!(
        stats.literal_wire_bytes < stats.literal_bytes / 2,
        "{stats:?}"
    );
    assert_eq!(patch(&basis, &d).unwrap(), new);
    let plain = DeltaOptions {
        compress_level: 0,
        ..Default::default()
    };
    let (d0, s0) = delta(&sig, &new, plain).unwrap();
    assert!(s0.literal_wire_bytes > stats.literal_wire_bytes);
    assert_eq!(patch(&basis, &d0).unwrap(), new);
    // Random literals are sent as they are.
    let random = rng.bytes(200_000);
    let (dr, sr) = delta(&sig, &random, DeltaOptions::default()).unwrap();
    assert!(sr.literal_wire_bytes <= sr.literal_bytes + 64 * sr.literal_ops);
    assert_eq!(patch(&basis, &dr).unwrap(), random);
}

#[test]
fn signature_parts_join_into_the_whole() {
    let basis = Rng::new(16).text(10_000);
    let whole = sign(&basis, 128);
    // Split at block boundaries, the part fed in odd chunks.
    for cut in [0, 128, 1280, 9984] {
        let mut a = SignatureBuilder::new(opts(128)).unwrap();
        let mut b = a.part();
        a.update(&basis[..cut]);
        in_chunks(&basis[cut..], 7, |c| b.update(c));
        assert!(a.join(b).is_ok(), "cut {cut}");
        assert_eq!(a.finish(), whole, "cut {cut}");
    }
    let mut a = SignatureBuilder::new(opts(128)).unwrap();
    let b = a.part();
    a.update(&basis[..100]);
    assert!(a.join(b).is_err(), "a part after a partial block");
    let mut a = SignatureBuilder::new(opts(128)).unwrap();
    let other = SignatureBuilder::new(opts(256)).unwrap();
    assert!(a.join(other).is_err(), "a part with other options");
}

#[test]
fn every_codec_gives_the_same_output_in_any_chunking() {
    let mut rng = Rng::new(15);
    let basis = rng.text(30_000);
    let new = edited(&mut rng, &basis);
    let whole_sig = sign(&basis, 128);
    let sig_bytes = whole_sig.encode();
    let whole_delta = encode(&whole_sig, &new, DeltaOptions::default());
    for chunk in CHUNKS {
        let mut b = SignatureBuilder::new(opts(128)).unwrap();
        in_chunks(&basis, chunk, |c| b.update(c));
        assert_eq!(b.finish(), whole_sig, "builder, chunk {chunk}");

        let mut d = SignatureDecoder::new(SignatureLimits::default());
        in_chunks(&sig_bytes, chunk, |c| d.update(c).unwrap());
        assert_eq!(d.finish().unwrap(), whole_sig, "decoder, chunk {chunk}");

        for format in [DeltaFormat::Wsync, DeltaFormat::Rdiff] {
            let o = DeltaOptions {
                format,
                ..Default::default()
            };
            let whole = encode(&whole_sig, &new, o);
            let mut e = DeltaEncoder::new(&whole_sig, o).unwrap();
            let mut out = Vec::new();
            in_chunks(&new, chunk, |c| e.update(c, &mut out));
            let stats = e.finish(&mut out);
            assert_eq!(out, whole, "encoder {format:?}, chunk {chunk}");
            // The same bytes written into the encoder's buffer by a closure.
            let mut e = DeltaEncoder::new(&whole_sig, o).unwrap();
            let mut out = Vec::new();
            in_chunks(&new, chunk, |c| {
                e.update_with(c.len(), |buf| buf.copy_from_slice(c), &mut out)
            });
            assert_eq!(
                e.finish(&mut out),
                stats,
                "update_with {format:?}, chunk {chunk}"
            );
            assert_eq!(out, whole, "update_with {format:?}, chunk {chunk}");

            let mut p = Patcher::new(&basis[..], Vec::new(), PatchOptions::default());
            in_chunks(&whole, chunk, |c| p.update(c).unwrap());
            assert_eq!(
                p.finish().unwrap().0,
                new,
                "patcher {format:?}, chunk {chunk}"
            );
        }
    }
    assert_eq!(
        whole_delta,
        encode(&whole_sig, &new, DeltaOptions::default())
    );
}

/// The encoder's own whole-file hash (beside the block sums where the CPU
/// allows) and a host's hasher that keeps the bytes give the same delta,
/// in any chunking; a hasher that has already hashed does not hand over.
#[test]
fn the_whole_file_hash_is_the_same_however_it_is_computed() {
    struct Kept(Sha256);
    impl WholeHash for Kept {
        fn update(&mut self, data: &[u8]) {
            self.0.update(data)
        }
        fn finish(&mut self) -> [u8; 32] {
            std::mem::take(&mut self.0).finish()
        }
    }
    let mut rng = Rng::new(16);
    for (len, block) in [(70_000, 700), (300_000, 64), (5_000, 4096)] {
        let basis = rng.text(len);
        let new = edited(&mut rng, &basis);
        let sig = sign(&basis, block);
        let o = DeltaOptions::default();
        for chunk in CHUNKS {
            let run = |mut e: DeltaEncoder<&Signature>| {
                let mut out = Vec::new();
                in_chunks(&new, chunk, |c| e.update(c, &mut out));
                let stats = e.finish(&mut out);
                (out, stats)
            };
            let (own, stats) = run(DeltaEncoder::new(&sig, o).unwrap());
            let kept =
                run(DeltaEncoder::with_hasher(&sig, o, Box::new(Kept(Sha256::new()))).unwrap());
            assert_eq!(own, kept.0, "{len} bytes, chunk {chunk}");
            assert_eq!(stats.sha256, Some(Sha256::digest(&new)));
            // Long runs of blocks: the sums go four at a time.
            assert!(len < 20 * block as usize || stats.matched_bytes > len as u64 / 2);
        }
    }
    let mut used = Sha256::new();
    used.update(b"x");
    assert!(!WholeHash::hand_over(&mut used));
    assert!(WholeHash::hand_over(&mut Sha256::new()));
}

#[test]
fn long_literal_runs_are_chunked_the_same_way() {
    // More than LITERAL_CHUNK of unmatched data, fed in odd pieces.
    let mut rng = Rng::new(16);
    let basis = rng.bytes(4096);
    let new = rng.bytes(300_000);
    let sig = sign(&basis, 512);
    let whole = encode(&sig, &new, DeltaOptions::default());
    for chunk in [7usize, 4099, 65_536, 300_000] {
        let mut e = DeltaEncoder::new(&sig, DeltaOptions::default()).unwrap();
        let mut out = Vec::new();
        in_chunks(&new, chunk, |c| e.update(c, &mut out));
        e.finish(&mut out);
        assert_eq!(out, whole, "chunk {chunk}");
        // Bytes written in place, more than LITERAL_CHUNK at a time too.
        let mut e = DeltaEncoder::new(&sig, DeltaOptions::default()).unwrap();
        let mut out = Vec::new();
        in_chunks(&new, chunk, |c| {
            e.update_with(c.len(), |buf| buf.copy_from_slice(c), &mut out)
        });
        e.finish(&mut out);
        assert_eq!(out, whole, "update_with, chunk {chunk}");
    }
    assert_eq!(patch(&basis, &whole).unwrap(), new);
}

#[test]
fn default_lengths_follow_rsync() {
    assert_eq!(default_block_len(0), 700);
    assert_eq!(default_block_len(489_999), 700);
    assert_eq!(default_block_len(490_000), 700);
    assert_eq!(default_block_len(1 << 20), 1024);
    assert_eq!(default_block_len(1 << 28), 16384);
    assert_eq!(default_block_len(10_000_000), 3160);
    assert_eq!(default_block_len(1 << 40), 1 << 17);
    assert_eq!(default_strong_len(1 << 28, 16384), 5);
    assert_eq!(default_strong_len(1000, 700), 4);
    assert_eq!(default_strong_len(1 << 40, 1 << 17), 7);
    assert_eq!(default_strong_len(u64::MAX, 1 << 17), 13);
    // rsync's own (sum_sizes_sqroot): 3 bytes for 256 MiB and 1 GiB files.
    assert_eq!(rsync_strong_len(1 << 28, 16384), 3);
    assert_eq!(rsync_strong_len(1 << 30, 32768), 3);
    assert_eq!(rsync_strong_len(1000, 700), 2);
    assert_eq!(rsync_strong_len(u64::MAX, 1 << 17), 11);
}

#[test]
fn options_are_validated_into_errors() {
    let bad = |o: SignatureOptions| SignatureBuilder::new(o).err().unwrap();
    assert!(matches!(
        bad(SignatureOptions {
            block_len: Some(0),
            ..Default::default()
        }),
        SignatureError::BlockLen { found: 0, .. }
    ));
    assert!(matches!(
        bad(SignatureOptions {
            block_len: Some(MAX_BLOCK_LEN + 1),
            ..Default::default()
        }),
        SignatureError::BlockLen { .. }
    ));
    for s in [0u8, 33, 255] {
        assert!(matches!(
            bad(SignatureOptions {
                strong_len: Some(s),
                ..Default::default()
            }),
            SignatureError::StrongLen { .. }
        ));
    }
    let sig = sign(b"abc", 16);
    let e = DeltaEncoder::new(
        &sig,
        DeltaOptions {
            compress_level: 10,
            ..Default::default()
        },
    );
    assert!(matches!(
        e.err(),
        Some(DeltaError::CompressLevel { found: 10 })
    ));
}

#[test]
fn random_seeds_differ() {
    let a = Signature::of(b"hello", SignatureOptions::default()).unwrap();
    let b = Signature::of(b"hello", SignatureOptions::default()).unwrap();
    assert_ne!(a.seed(), b.seed());
    assert_ne!(a.strong(0), b.strong(0));
}

// ---- Signature bytes (SECURITY.md) ----

fn header(block_len: u32, strong_len: u8, basis_len: u64) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"wsyS");
    h.push(1);
    h.extend_from_slice(&block_len.to_be_bytes());
    h.push(strong_len);
    h.extend_from_slice(&SEED);
    h.extend_from_slice(&basis_len.to_be_bytes());
    h
}

#[test]
fn strong_len_out_of_range_is_refused_before_allocating() {
    for s in [0u8, 33, 255] {
        let e = Signature::decode(&header(700, s, 1000)).unwrap_err();
        assert_eq!(e, SignatureError::StrongLen { found: s.into() });
    }
}

#[test]
fn block_len_zero_or_over_the_cap_is_refused() {
    for b in [0u32, MAX_BLOCK_LEN + 1, u32::MAX] {
        let e = Signature::decode(&header(b, 8, 1000)).unwrap_err();
        assert!(matches!(e, SignatureError::BlockLen { .. }), "{e}");
    }
}

#[test]
fn huge_block_counts_are_refused_before_allocating() {
    // 2^31 blocks of 1 byte claimed in a header with a 10-byte body.
    let mut h = header(1, 8, 1 << 31);
    h.extend_from_slice(&[0; 10]);
    let e = Signature::decode(&h).unwrap_err();
    assert!(
        matches!(
            e,
            SignatureError::TooManyBlocks {
                claimed: 2_147_483_648,
                ..
            }
        ),
        "{e}"
    );
    // u64::MAX bytes: the block count must not overflow.
    let e = Signature::decode(&header(1, 8, u64::MAX)).unwrap_err();
    assert!(matches!(e, SignatureError::TooManyBlocks { .. }), "{e}");
    let e = Signature::decode(&header(MAX_BLOCK_LEN, 32, u64::MAX)).unwrap_err();
    assert!(matches!(e, SignatureError::TooManyBlocks { .. }), "{e}");
    // Within the limit but with a short body: truncated, and nothing large allocated.
    let mut h = header(1 << 20, 32, 1 << 40);
    h.extend_from_slice(&[0; 10]);
    let e = Signature::decode(&h).unwrap_err();
    assert_eq!(
        e,
        SignatureError::Truncated {
            expected: 34 + (1 << 20) * 36,
            found: 44
        }
    );
}

#[test]
fn signature_framing_errors_are_distinct() {
    let good = sign(b"some basis bytes", 4).encode();
    assert!(matches!(
        Signature::decode(&good[..3]),
        Err(SignatureError::Truncated { .. })
    ));
    assert!(matches!(
        Signature::decode(&good[..good.len() - 1]),
        Err(SignatureError::Truncated { .. })
    ));
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        Signature::decode(&long),
        Err(SignatureError::TrailingBytes { extra: 1 })
    );
    let mut magic = good.clone();
    magic[0] = b'x';
    assert!(matches!(
        Signature::decode(&magic),
        Err(SignatureError::BadMagic { .. })
    ));
    let mut version = good.clone();
    version[4] = 2;
    assert_eq!(
        Signature::decode(&version),
        Err(SignatureError::UnsupportedVersion { found: 2 })
    );
    assert!(matches!(
        Signature::decode(&[]),
        Err(SignatureError::Truncated { .. })
    ));
}

#[test]
fn a_weak_sum_collision_flood_stays_near_linear() {
    // Every block of the signature has the weak sum of every window of the
    // new file (all bytes equal), but no strong sum matches.
    let b = 4096usize;
    let blocks = 2000u64;
    let mut bytes = header(b as u32, 8, blocks * b as u64);
    let weak = rolling::weak_sum(&vec![b'a'; b]);
    for i in 0..blocks {
        bytes.extend_from_slice(&weak.to_be_bytes());
        bytes.extend_from_slice(&(i + 1).to_be_bytes());
    }
    let sig = Signature::decode(&bytes).unwrap();
    let new = vec![b'a'; 1 << 20];
    let mut e = DeltaEncoder::new(&sig, DeltaOptions::default()).unwrap();
    let mut out = Vec::new();
    e.update(&new, &mut out);
    let stats = e.finish(&mut out);
    assert_eq!(stats.literal_bytes, new.len() as u64);
    // The miss budget allows at most 8 hashed bytes per input byte plus a
    // burst: far from the 4096 per byte an uncapped encoder would hash.
    // (Time is not asserted; the budget is what bounds it.)
    assert_eq!(stats.matched_bytes, 0);
}

// ---- Delta bytes (SECURITY.md) ----

fn wsync_delta(basis_len: u64, body: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&wfmt::MAGIC);
    d.push(wfmt::VERSION);
    d.extend_from_slice(&basis_len.to_be_bytes());
    d.extend_from_slice(body);
    d
}

fn copy_op(offset: u64, len: u64) -> Vec<u8> {
    let mut op = vec![wfmt::OP_COPY];
    crate::varint::put(&mut op, offset);
    crate::varint::put(&mut op, len);
    op
}

#[test]
fn copies_outside_the_basis_are_refused() {
    let basis = [1u8; 100];
    for (o, l) in [
        (0, 101),
        (100, 1),
        (99, 2),
        (u64::MAX, 1),
        (1, u64::MAX),
        (u64::MAX, u64::MAX),
    ] {
        let e = patch(&basis, &wsync_delta(100, &copy_op(o, l))).unwrap_err();
        assert!(
            matches!(e, PatchError::CopyOutOfRange { .. }),
            "{o} {l}: {e}"
        );
    }
    // The same through the rdiff format (8-byte offset and length).
    let mut d = rdiff::MAGIC.to_vec();
    d.push(rdiff::OP_COPY_LAST);
    d.extend_from_slice(&u64::MAX.to_be_bytes());
    d.extend_from_slice(&2u64.to_be_bytes());
    assert!(matches!(
        patch(&basis, &d),
        Err(PatchError::CopyOutOfRange { .. })
    ));
}

#[test]
fn zero_length_commands_are_refused() {
    let basis = [1u8; 100];
    assert!(matches!(
        patch(&basis, &wsync_delta(100, &copy_op(5, 0))),
        Err(PatchError::ZeroLength { offset: 13 })
    ));
    assert!(matches!(
        patch(&basis, &wsync_delta(100, &[wfmt::OP_LITERAL, 0])),
        Err(PatchError::ZeroLength { .. })
    ));
    assert!(matches!(
        patch(&basis, &wsync_delta(100, &[wfmt::OP_DEFLATE, 0, 5])),
        Err(PatchError::ZeroLength { .. })
    ));
    let mut d = rdiff::MAGIC.to_vec();
    d.extend_from_slice(&[rdiff::OP_COPY_N1_N1, 3, 0]);
    assert!(matches!(
        patch(&basis, &d),
        Err(PatchError::ZeroLength { offset: 4 })
    ));
    let mut d = rdiff::MAGIC.to_vec();
    d.extend_from_slice(&[rdiff::OP_LITERAL_N1, 0]);
    assert!(matches!(
        patch(&basis, &d),
        Err(PatchError::ZeroLength { .. })
    ));
}

#[test]
fn a_small_delta_claiming_a_huge_output_stops_at_the_quota() {
    let basis = vec![3u8; 1 << 16];
    let mut body = Vec::new();
    for _ in 0..10_000 {
        body.extend_from_slice(&copy_op(0, 1 << 16)); // 655 MB from ~40 KB
    }
    let d = wsync_delta(1 << 16, &body);
    let quota = PatchOptions {
        max_output: 1 << 20,
    };
    let mut p = Patcher::new(&basis[..], Vec::new(), quota);
    let e = p.update(&d).unwrap_err();
    assert!(
        matches!(e, PatchError::OutputLimit { limit: 1048576 }),
        "{e}"
    );
    assert!(p.written() <= 1 << 20);
    // Literals too, before their bytes arrive.
    let mut lit = vec![wfmt::OP_LITERAL];
    crate::varint::put(&mut lit, u64::MAX);
    let e = apply(&basis, &wsync_delta(1 << 16, &lit), quota).unwrap_err();
    assert!(matches!(e, PatchError::OutputLimit { .. }), "{e}");
    // And a compressed literal claiming more than the cap.
    let mut z = vec![wfmt::OP_DEFLATE];
    crate::varint::put(&mut z, wfmt::MAX_LITERAL + 1);
    crate::varint::put(&mut z, 10);
    let e = patch(&basis, &wsync_delta(1 << 16, &z)).unwrap_err();
    assert!(matches!(e, PatchError::LiteralTooLong { .. }), "{e}");
}

#[test]
fn delta_framing_errors_are_distinct() {
    let basis = b"0123456789abcdef".repeat(100);
    let new = [&basis[..500], b"xyz", &basis[500..]].concat();
    let sig = sign(&basis, 64);
    let good = encode(&sig, &new, DeltaOptions::default());
    assert_eq!(patch(&basis, &good).unwrap(), new);
    // Truncated anywhere: an error, never a panic.
    for cut in 0..good.len() {
        let e = patch(&basis, &good[..cut]).unwrap_err();
        assert!(matches!(e, PatchError::Truncated { .. }), "cut {cut}: {e}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(
        patch(&basis, &trailing),
        Err(PatchError::TrailingData { extra: 1, .. })
    ));
    assert!(matches!(
        patch(&basis, &wsync_delta(1600, &[0x7f])),
        Err(PatchError::UnknownOp {
            op: 0x7f,
            offset: 13
        })
    ));
    let mut magic = good.clone();
    magic[0] = 0;
    assert!(matches!(
        patch(&basis, &magic),
        Err(PatchError::BadMagic { .. })
    ));
    let mut version = good.clone();
    version[4] = 9;
    assert!(matches!(
        patch(&basis, &version),
        Err(PatchError::UnsupportedVersion { found: 9 })
    ));
    assert!(matches!(
        patch(&basis[1..], &good),
        Err(PatchError::BasisLength {
            expected: 1600,
            found: 1599
        })
    ));
    assert!(matches!(
        patch(
            &basis,
            &wsync_delta(
                1600,
                &[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
            )
        ),
        Err(PatchError::BadVarint { .. })
    ));
    let mut rd = rdiff::MAGIC.to_vec();
    rd.push(0x55);
    assert!(matches!(
        patch(&basis, &rd),
        Err(PatchError::UnknownOp { op: 0x55, .. })
    ));
}

#[test]
fn a_delta_that_yields_the_wrong_bytes_is_caught() {
    let mut rng = Rng::new(17);
    let basis = rng.bytes(10_000);
    let new = edited(&mut rng, &basis);
    let sig = sign(&basis, 100);
    let good = encode(
        &sig,
        &new,
        DeltaOptions {
            compress_level: 0,
            ..Default::default()
        },
    );
    // A lying sender: same framing, one literal byte changed.
    let mut lie = good.clone();
    let at = good.len() - 41 - 1;
    lie[at] ^= 0x40;
    let e = patch(&basis, &lie).unwrap_err();
    assert!(
        matches!(
            e,
            PatchError::HashMismatch { .. }
                | PatchError::Truncated { .. }
                | PatchError::UnknownOp { .. }
                | PatchError::CopyOutOfRange { .. }
                | PatchError::BasisLength { .. }
                | PatchError::ZeroLength { .. }
        ),
        "{e}"
    );
    // A basis with the same length but other bytes (a weak+strong collision
    // would look the same): the whole-file hash refuses the result.
    let mut other = basis.clone();
    other[5000] ^= 1;
    let e = patch(&other, &good).unwrap_err();
    assert!(matches!(e, PatchError::HashMismatch { .. }), "{e}");
    // Wrong declared length.
    let mut len = good.clone();
    let at = len.len() - 33; // last byte of the declared length
    len[at] ^= 1;
    assert!(matches!(
        patch(&basis, &len),
        Err(PatchError::LengthMismatch { .. })
    ));
}

#[test]
fn corrupt_compressed_literals_are_refused() {
    let mut rng = Rng::new(18);
    let new = rng.text(5000);
    let sig = sign(b"", 64);
    let good = encode(&sig, &new, DeltaOptions::default());
    assert_eq!(good[13], wfmt::OP_DEFLATE);
    for i in 16..good.len() - 41 {
        let mut bad = good.clone();
        bad[i] ^= 0xff;
        // Any error is fine; a panic or a wrong output is not.
        assert!(patch(b"", &bad).is_err(), "flip at {i}");
    }
}

#[test]
fn literals_are_compressed_against_the_preceding_output() {
    // Random bytes, a matched block, then the same random bytes again: only
    // the preceding output (the dictionary) makes the repeat compressible.
    let mut rng = Rng::new(19);
    let basis = rng.bytes(4096);
    // (12,000 bytes: the repeat starts within the 16 KiB the encoder
    // primes its compressor with.)
    let r = rng.bytes(12_000);
    // (The short text keeps the encoder from backing off after the first,
    // incompressible literal.)
    let t = rng.text(500);
    let new = [&r[..], &basis[..1024], &t[..], &basis[1024..2048], &r[..]].concat();
    let sig = sign(&basis, 1024);
    let (d, stats) = delta(&sig, &new, DeltaOptions::default()).unwrap();
    assert_eq!(stats.matched_bytes, 2048);
    // Without the dictionary the repeat would cost its 12,000 bytes again.
    assert!(stats.literal_wire_bytes < 16_000, "{stats:?}");
    let six = DeltaOptions {
        compress_level: 6,
        ..Default::default()
    };
    let (d6, s6) = delta(&sig, &new, six).unwrap();
    assert!(s6.literal_wire_bytes < 13_500, "{s6:?}");
    assert_eq!(patch(&basis, &d6).unwrap(), new);
    assert_eq!(patch(&basis, &d).unwrap(), new);
    for chunk in [1usize, 7, 4099] {
        let mut p = Patcher::new(&basis[..], Vec::new(), PatchOptions::default());
        in_chunks(&d, chunk, |c| p.update(c).unwrap());
        assert_eq!(p.finish().unwrap().0, new);
    }
}
