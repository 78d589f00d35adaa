//! Command-line arguments.

use super::{client, commands, demo, serve, Failure};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "wsync",
    version,
    about = "Delta sync for the web and the edge (rsync's algorithm)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the signature of BASIS to SIG (rdiff-style; `-` is stdin/stdout).
    Signature(SignatureArgs),
    /// Write the delta of NEW against SIG to DELTA.
    Delta(DeltaArgs),
    /// Apply DELTA (wsync or rdiff format) to BASIS, writing NEW.
    Patch(PatchArgs),
    /// Serve DIR as a module over WebSocket (and --www as a web page).
    Serve(serve::ServeArgs),
    /// Upload FILE to ws://HOST[:PORT]/MODULE/PATH, sending only what changed.
    Push(client::PushArgs),
    /// Download ws://HOST[:PORT]/MODULE/PATH into FILE, patching the local copy.
    Pull(client::PullArgs),
    /// List modules (ws://HOST[:PORT]/) or a directory (ws://HOST[:PORT]/MODULE/DIR) like rsync.
    List(client::ListArgs),
    /// Delete ws://HOST[:PORT]/MODULE/PATH.
    Delete(client::DeleteArgs),
    /// Sign, diff and patch a generated file in memory, printing sizes and speeds.
    Demo(demo::DemoArgs),
    /// Hold N idle sessions open against a server (for benchmarks).
    #[command(hide = true)]
    BenchIdle(client::BenchIdleArgs),
    /// Local transfers as rsync does them: `wsync sync [rsync options] SRC... DEST` (see `wsync sync --help`).
    #[command(disable_help_flag = true)]
    Sync {
        /// rsync's options and paths (see `wsync sync --help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Write a deterministic basis and an edited copy (for benchmarks).
    #[command(hide = true)]
    BenchData(demo::BenchDataArgs),
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

fn parse_seed(s: &str) -> Result<[u8; 16], String> {
    if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("expected 1 to 32 hex digits".into());
    }
    let v = u128::from_str_radix(s, 16).map_err(|e| e.to_string())?;
    Ok(v.to_be_bytes())
}

impl Cli {
    pub fn run(self) -> Result<(), Failure> {
        match self.command {
            Command::Signature(a) => commands::signature(a),
            Command::Delta(a) => commands::delta(a),
            Command::Patch(a) => commands::patch(a),
            Command::Serve(a) => serve::serve(a),
            Command::Push(a) => client::push(a),
            Command::Pull(a) => client::pull(a),
            Command::List(a) => client::list(a),
            Command::Delete(a) => client::delete(a),
            Command::Demo(a) => demo::demo(a),
            Command::BenchData(a) => demo::bench_data(a),
            Command::BenchIdle(a) => client::bench_idle(a),
            Command::Sync { args } => match super::sync::main(&args) {
                0 => Ok(()),
                code => Err(Failure::new(code, "sync failed")),
            },
        }
    }
}
