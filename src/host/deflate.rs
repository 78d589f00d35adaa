//! The literal compressor of network transfers (push, pull, remote sync):
//! zlib-rs through flate2. On the benchmark's text it is about 2.5 times as
//! fast as miniz at level 6, with smaller output, because zlib takes the
//! preceding 32 KiB as a dictionary instead of compressing it first. The
//! wasm build, and `wsync delta` (whose output the golden files pin, the
//! same as the wasm build's), keep the core's miniz.

use crate::{Deflate, Deflater};
use flate2::{Compress, Compression, FlushCompress, Status};

pub struct Zlib(Compress);

/// A deflater for `level` (1 to 9). zlib-rs's level 1 is its "quick"
/// strategy, which gives up much of the ratio (969 KB of literals where
/// miniz's level 1 gives 792 KB); its level 2 is as fast as miniz's level 1
/// and smaller (691 KB), so level 1 here is zlib's 2.
pub fn deflater(level: u32) -> Deflater {
    let level = level.clamp(2, 9);
    Box::new(Zlib(Compress::new(Compression::new(level), false)))
}

impl Deflate for Zlib {
    fn deflate(&mut self, dict: &[u8], data: &[u8], limit: usize, out: &mut Vec<u8>) -> bool {
        self.0.reset();
        if !dict.is_empty() && self.0.set_dictionary(dict).is_err() {
            return false;
        }
        out.reserve_exact(limit);
        let done = matches!(
            self.0.compress_vec(data, out, FlushCompress::Finish),
            Ok(Status::StreamEnd)
        );
        let ok = done && self.0.total_in() == data.len() as u64 && out.len() < limit;
        if !ok {
            out.clear();
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use crate::{apply, DeltaEncoder, DeltaOptions, PatchOptions, Signature, SignatureOptions};

    /// Deltas deflated by zlib-rs decode with the core's patcher, whatever
    /// the level, and compress at least as well as miniz.
    #[test]
    fn zlib_literals_patch_back() {
        let mut x = 1u64;
        let mut word = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ["alpha ", "beta ", "gamma ", "delta\n", "epsilon ", "zeta "][(x >> 60) as usize % 6]
        };
        let basis: Vec<u8> = (0..40_000).flat_map(|_| word().bytes()).collect();
        let mut new = basis.clone();
        for k in 0..20 {
            let at = 7_000 + k * 9_000;
            let edit: Vec<u8> = (0..500).flat_map(|_| word().bytes()).take(3_000).collect();
            new.splice(at..at + 100, edit);
        }
        let sig = Signature::of(
            &basis,
            SignatureOptions {
                block_len: Some(2048),
                seed: Some([5; 16]),
                ..Default::default()
            },
        )
        .unwrap();
        for level in [1, 6, 9] {
            let opts = DeltaOptions {
                compress_level: level,
                ..Default::default()
            };
            let mut sizes = Vec::new();
            for host in [false, true] {
                let mut enc = DeltaEncoder::new(&sig, opts).unwrap();
                if host {
                    enc.set_deflater(super::deflater(level));
                }
                let mut d = Vec::new();
                for c in new.chunks(1000) {
                    enc.update(c, &mut d);
                }
                let stats = enc.finish(&mut d);
                assert!(
                    stats.literal_wire_bytes < stats.literal_bytes / 2,
                    "{stats:?}"
                );
                let (out, _) = apply(&basis[..], &d, PatchOptions::default()).unwrap();
                assert!(out == new, "level {level}, host {host}");
                sizes.push(d.len());
            }
            assert!(sizes[1] <= sizes[0], "level {level}: {sizes:?}");
        }
    }
}
