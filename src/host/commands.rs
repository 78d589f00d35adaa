//! The rdiff-style commands: `signature`, `delta`, `patch`.

use super::files::{FileBasis, Input, Output};
use super::hasher::{for_each_chunk_hashed, Precomputed, ThreadedSha256};
use super::Failure;
use crate::{
    DeltaEncoder, DeltaFormat, DeltaOptions, PatchOptions, Patcher, SignatureBuilder,
    SignatureDecoder, SignatureLimits, SignatureOptions,
};
use clap::{Parser, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A signature's seed: 1 to 32 hex digits.
fn parse_seed(s: &str) -> Result<[u8; 16], String> {
    if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("expected 1 to 32 hex digits".into());
    }
    let v = u128::from_str_radix(s, 16).map_err(|e| e.to_string())?;
    Ok(v.to_be_bytes())
}

#[derive(Parser, Debug)]
pub struct SignatureArgs {
    /// Block length in bytes (default: about the square root of the file length, as rsync).
    #[arg(short = 'b', long = "block-size", value_name = "N")]
    pub block_size: Option<u32>,
    /// Bytes of each block's SHA-256 to keep, 1 to 32 (default: from the file length).
    #[arg(short = 'S', long = "strong-len", value_name = "N")]
    pub strong_len: Option<u8>,
    /// Seed for the strong sums, 1 to 32 hex digits (default: random).
    #[arg(long, value_name = "HEX", value_parser = parse_seed)]
    pub seed: Option<[u8; 16]>,
    /// Print block size and signature size to stderr.
    #[arg(long)]
    pub stats: bool,
    pub basis: PathBuf,
    pub sig: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Wsync,
    Rdiff,
}

#[derive(Parser, Debug)]
pub struct DeltaArgs {
    /// Delta format: wsync's own, or librsync's (for `rdiff patch`).
    #[arg(long, value_enum, default_value = "wsync")]
    pub format: Format,
    /// Deflate level for literals, 0 (off) to 9.
    #[arg(long = "compress-level", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(0..=9))]
    pub compress_level: u32,
    /// Print matched and literal bytes and the wire size to stderr.
    #[arg(long)]
    pub stats: bool,
    pub sig: PathBuf,
    pub new: PathBuf,
    pub delta: PathBuf,
}

#[derive(Parser, Debug)]
pub struct PatchArgs {
    /// Refuse deltas whose output would exceed this many bytes.
    #[arg(long = "max-output", value_name = "BYTES")]
    pub max_output: Option<u64>,
    /// Print what the delta did to stderr.
    #[arg(long)]
    pub stats: bool,
    pub basis: PathBuf,
    pub delta: PathBuf,
    pub new: PathBuf,
}

pub fn signature(a: SignatureArgs) -> Result<(), Failure> {
    let mut input = Input::open(&a.basis)?;
    let opts = SignatureOptions {
        block_len: a.block_size,
        strong_len: a.strong_len,
        seed: a.seed,
        len_hint: input.len,
    };
    let mut builder = SignatureBuilder::new(opts)
        .map_err(|e| Failure::new(super::exit::SYNTAX, e.to_string()))?;
    input.for_each_chunk(|c| {
        builder.update(c);
        Ok(())
    })?;
    let sig = builder.finish();
    let mut out = Output::create(&a.sig)?;
    out.write_all(&sig.encode())
        .map_err(|e| Failure::io(&out.name, e))?;
    out.commit()?;
    if a.stats {
        eprintln!(
            "basis {} bytes, block {} bytes, {} blocks, strong sum {} bytes, signature {} bytes",
            sig.basis_len(),
            sig.block_len(),
            sig.block_count(),
            sig.strong_len(),
            sig.encoded_len()
        );
    }
    Ok(())
}

pub fn delta(a: DeltaArgs) -> Result<(), Failure> {
    let mut sig_in = Input::open(&a.sig)?;
    let mut dec = SignatureDecoder::new(SignatureLimits::default());
    let sig_name = sig_in.name.clone();
    sig_in.for_each_chunk(|c| dec.update(c).map_err(|e| Failure::stream(&sig_name, e)))?;
    let sig = dec.finish().map_err(|e| Failure::stream(&sig_name, e))?;
    let opts = DeltaOptions {
        format: match a.format {
            Format::Wsync => DeltaFormat::Wsync,
            Format::Rdiff => DeltaFormat::Rdiff,
        },
        compress_level: a.compress_level,
    };
    // The new file's SHA-256 is computed on a second thread, over the same
    // buffers the encoder reads.
    let digest = Arc::new(Mutex::new([0u8; 32]));
    let mut enc = DeltaEncoder::with_hasher(&sig, opts, Box::new(Precomputed(digest.clone())))
        .map_err(|e| Failure::new(super::exit::SYNTAX, e.to_string()))?;
    let mut input = Input::open(&a.new)?;
    let mut out = Output::create(&a.delta)?;
    let mut buf = Vec::new();
    let sha = for_each_chunk_hashed(&mut input, |c| {
        enc.update(c, &mut buf);
        out.write_all(&buf).map_err(|e| Failure::io(&out.name, e))?;
        buf.clear();
        Ok(())
    })?;
    *digest.lock().unwrap_or_else(|e| e.into_inner()) = sha;
    let stats = enc.finish(&mut buf);
    out.write_all(&buf).map_err(|e| Failure::io(&out.name, e))?;
    out.commit()?;
    if a.stats {
        let wire = sig.encoded_len() + stats.delta_bytes;
        eprintln!(
            "block {} bytes; new file {} bytes: matched {}, literal {} ({} on the wire, {} ops); \
             delta {} bytes; signature + delta {} bytes = {:.2}% of the file",
            sig.block_len(),
            stats.new_len,
            stats.matched_bytes,
            stats.literal_bytes,
            stats.literal_wire_bytes,
            stats.literal_ops,
            stats.delta_bytes,
            wire,
            100.0 * wire as f64 / stats.new_len.max(1) as f64
        );
    }
    Ok(())
}

pub fn patch(a: PatchArgs) -> Result<(), Failure> {
    let basis = FileBasis::open(&a.basis)?;
    let mut input = Input::open(&a.delta)?;
    let out = Output::create(&a.new)?;
    let opts = PatchOptions {
        max_output: a.max_output.unwrap_or(u64::MAX),
    };
    let mut patcher = Patcher::with_hasher(basis, out, opts, Box::new(ThreadedSha256::new()));
    let delta_name = input.name.clone();
    let fail = |e: crate::PatchError| match e {
        crate::PatchError::BasisRead(e) => Failure::io("reading the basis", e),
        crate::PatchError::Write(e) => Failure::io("writing the output", e),
        e => Failure::stream(&delta_name, e),
    };
    input.for_each_chunk(|c| patcher.update(c).map_err(fail))?;
    let (out, report) = patcher.finish().map_err(fail)?;
    out.commit()?;
    if a.stats {
        eprintln!(
            "{} bytes written: {} copied from the basis, {} literal{}",
            report.new_len,
            report.copied_bytes,
            report.literal_bytes,
            match report.sha256 {
                Some(h) => format!("; SHA-256 {} verified", crate::hex(&h)),
                None => "; rdiff delta: no whole-file check".into(),
            }
        );
    }
    Ok(())
}
