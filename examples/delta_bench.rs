//! Delta encoding in memory, without file I/O: the worst case (a new file
//! unrelated to the basis) and an edited copy, with the whole-file SHA-256
//! on and off and literal compression on and off, so the time can be split.
//! Usage: delta_bench [MIB] [RUNS]

use std::time::Instant;
use wsync::{DeltaEncoder, DeltaOptions, Signature, SignatureOptions, WholeHash};

/// A whole-file hasher that hashes nothing.
struct NoHash;
impl WholeHash for NoHash {
    fn update(&mut self, _: &[u8]) {}
    fn finish(&mut self) -> [u8; 32] {
        [0; 32]
    }
}

#[path = "../src/xorshift.rs"]
mod xorshift;

fn random(len: usize, seed: u64) -> Vec<u8> {
    xorshift::Rng(seed).bytes(len)
}

/// Seconds this thread has run on a CPU (Linux), else wall-clock seconds:
/// on a busy machine, time spent waiting for a CPU would swamp the figures.
fn cpu_secs(wall: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(|| wall.elapsed().as_secs_f64(), |ns| ns / 1e9)
}

fn run(sig: &Signature, new: &[u8], opts: DeltaOptions, hash: bool, runs: u32) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut len = 0;
    for _ in 0..runs {
        let wall = Instant::now();
        let t0 = cpu_secs(wall);
        let mut enc = if hash {
            DeltaEncoder::new(sig, opts).unwrap()
        } else {
            DeltaEncoder::with_hasher(sig, opts, Box::new(NoHash)).unwrap()
        };
        let mut out = Vec::new();
        for c in new.chunks(1 << 20) {
            enc.update(c, &mut out);
            len += out.len();
            out.clear();
        }
        enc.finish(&mut out);
        best = best.min(cpu_secs(wall) - t0);
    }
    (new.len() as f64 / best / 1e6, len / runs as usize)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mib: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(64);
    let runs: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let basis = random(mib << 20, 0x9E37_79B9_7F4A_7C15);
    let unrelated = random(mib << 20, 0x1234_5678_9ABC_DEF1);
    let mut edited = basis.clone();
    for k in 0..50 {
        let at = (k * 7919 * 4099) % (edited.len() - 4096);
        edited[at..at + 1 + k * 37].fill(k as u8);
    }
    let opts = SignatureOptions {
        seed: Some([7; 16]),
        ..SignatureOptions::default()
    };
    let sig = Signature::of(&basis, opts).unwrap();
    let z0 = DeltaOptions {
        compress_level: 0,
        ..DeltaOptions::default()
    };
    let d = DeltaOptions::default();
    println!(
        "{mib} MiB, block {} bytes, MB/s of CPU time, best of {runs}",
        sig.block_len()
    );
    for (name, new) in [("worst", &unrelated), ("edited", &edited)] {
        let (full, _) = run(&sig, new, d, true, runs);
        let (nohash, _) = run(&sig, new, d, false, runs);
        let (bare, _) = run(&sig, new, z0, false, runs);
        println!("{name:7} default {full:6.0}  no sha {nohash:6.0}  no sha, no deflate {bare:6.0}");
    }
}
