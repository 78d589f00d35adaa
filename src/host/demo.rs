//! `wsync demo` and the benchmark's test data: a deterministic text-like
//! basis and a copy with scattered edits and one large insertion.

use super::files::Output;
use super::Failure;
use crate::xorshift::Rng;
use crate::{DeltaEncoder, DeltaOptions, PatchOptions, Patcher, Signature, SignatureOptions};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
pub struct DemoArgs {
    /// Size of the generated file (suffixes K, M, G).
    #[arg(long, default_value = "64M", value_parser = crate::host::text::num::size)]
    pub size: u64,
    /// Number of scattered edits.
    #[arg(long, default_value_t = 50)]
    pub edits: u32,
}

#[derive(Parser, Debug)]
pub struct BenchDataArgs {
    #[arg(long, default_value = "256M", value_parser = crate::host::text::num::size)]
    pub size: u64,
    #[arg(long, default_value_t = 50)]
    pub edits: u32,
    /// Length of the one large insertion.
    #[arg(long, default_value = "1M", value_parser = crate::host::text::num::size)]
    pub insert: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Random bytes instead of text.
    #[arg(long)]
    pub random: bool,
    pub basis: PathBuf,
    pub new: PathBuf,
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "had",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "block",
    "delta",
    "sync",
    "signature",
    "rolling",
    "checksum",
    "server",
    "client",
    "upload",
    "file",
    "window",
    "edge",
];

/// Appends `len` bytes of text-like data (words, numbers, line breaks).
fn text(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    let end = out.len() + len;
    while out.len() < end {
        let r = rng.next();
        match r % 16 {
            0 => {
                let n = (r >> 8) % 100_000;
                out.extend_from_slice(n.to_string().as_bytes());
            }
            1 => out.push(b'\n'),
            _ => out.extend_from_slice(WORDS[(r >> 8) as usize % WORDS.len()].as_bytes()),
        }
        out.push(b' ');
    }
    out.truncate(end);
}

fn random(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    let end = out.len() + len;
    while out.len() < end {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(end);
}

/// A basis of `size` bytes and an edited copy; returns them with the number
/// of changed bytes (inserted, overwritten or deleted).
pub fn generate(
    size: u64,
    edits: u32,
    insert: u64,
    seed: u64,
    is_random: bool,
) -> (Vec<u8>, Vec<u8>, u64) {
    let mut rng = Rng::new(seed);
    let fill = |rng: &mut Rng, len: usize, out: &mut Vec<u8>| {
        if is_random {
            random(rng, len, out)
        } else {
            text(rng, len, out)
        }
    };
    let mut basis = Vec::with_capacity(size as usize);
    fill(&mut rng, size as usize, &mut basis);
    // Edits at sorted positions, applied from the end so offsets stay valid.
    let mut at: Vec<u64> = (0..edits)
        .map(|_| rng.below(size.max(1) as usize) as u64)
        .collect();
    let insert_at = rng.below(size.max(1) as usize) as u64;
    at.sort_unstable();
    let mut new = basis.clone();
    let mut changed = 0u64;
    let mut scratch = Vec::new();
    for &pos in at.iter().rev() {
        let len = 1 + rng.below(4096);
        let pos = pos as usize;
        scratch.clear();
        fill(&mut rng, len, &mut scratch);
        match rng.below(3) {
            0 => {
                new.splice(pos..pos, scratch.iter().copied());
            }
            1 => {
                let end = (pos + len).min(new.len());
                new.splice(pos..end, scratch.iter().copied());
            }
            _ => {
                let end = (pos + len).min(new.len());
                new.drain(pos..end);
            }
        }
        changed += len as u64;
    }
    if insert > 0 {
        scratch.clear();
        fill(&mut rng, insert as usize, &mut scratch);
        let pos = (insert_at as usize).min(new.len());
        new.splice(pos..pos, scratch.iter().copied());
        changed += insert;
    }
    (basis, new, changed)
}

pub fn bench_data(a: BenchDataArgs) -> Result<(), Failure> {
    let (basis, new, changed) = generate(a.size, a.edits, a.insert, a.seed, a.random);
    for (path, data) in [(&a.basis, &basis), (&a.new, &new)] {
        let mut out = Output::create(path)?;
        out.write_all(data).map_err(|e| Failure::io(&out.name, e))?;
        out.commit()?;
    }
    println!("{changed}");
    Ok(())
}

fn mb_s(bytes: usize, t: Instant) -> f64 {
    bytes as f64 / t.elapsed().as_secs_f64() / 1e6
}

pub fn demo(a: DemoArgs) -> Result<(), Failure> {
    println!(
        "wsync demo: a {} byte text file with {} scattered edits and a 64 KiB insertion",
        a.size, a.edits
    );
    let (basis, new, changed) = generate(a.size, a.edits, 64 << 10, 7, false);

    let t = Instant::now();
    let sig = Signature::of(&basis, SignatureOptions::default())
        .map_err(|e| Failure::new(super::exit::SYNTAX, e.to_string()))?;
    let sig_bytes = sig.encode();
    let sig_speed = mb_s(basis.len(), t);

    let t = Instant::now();
    let mut enc = DeltaEncoder::new(&sig, DeltaOptions::default())
        .map_err(|e| Failure::new(super::exit::SYNTAX, e.to_string()))?;
    let mut delta = Vec::new();
    for chunk in new.chunks(1 << 20) {
        enc.update(chunk, &mut delta);
    }
    let stats = enc.finish(&mut delta);
    let delta_speed = mb_s(new.len(), t);

    let t = Instant::now();
    let mut patcher = Patcher::new(
        &basis[..],
        Vec::with_capacity(new.len()),
        PatchOptions::default(),
    );
    patcher
        .update(&delta)
        .map_err(|e| Failure::stream("patch", e))?;
    let (out, _) = patcher.finish().map_err(|e| Failure::stream("patch", e))?;
    let patch_speed = mb_s(out.len(), t);
    if out != new {
        return Err(Failure::stream("patch", "result differs from the new file"));
    }

    let wire = sig_bytes.len() + delta.len();
    println!("  basis      {:>12} bytes", basis.len());
    println!(
        "  new file   {:>12} bytes ({changed} bytes changed)",
        new.len()
    );
    println!(
        "  signature  {:>12} bytes  (block {} bytes, strong sum {} bytes)  {sig_speed:>7.0} MB/s",
        sig_bytes.len(),
        sig.block_len(),
        sig.strong_len()
    );
    println!(
        "  delta      {:>12} bytes  (matched {}, literal {} -> {} deflated)  {delta_speed:>7.0} MB/s",
        delta.len(),
        stats.matched_bytes,
        stats.literal_bytes,
        stats.literal_wire_bytes
    );
    println!(
        "  patch      {:>12} bytes, SHA-256 verified  {patch_speed:>7.0} MB/s",
        out.len()
    );
    println!(
        "  sent {} bytes instead of {}: {:.2}% of the file, {:.2}x the changed bytes",
        wire,
        new.len(),
        100.0 * wire as f64 / new.len() as f64,
        wire as f64 / changed.max(1) as f64
    );
    Ok(())
}
