//! Command-line arguments.

use super::commands::{self, DeltaArgs, PatchArgs, SignatureArgs};
use super::{client, demo, serve, Failure};
use clap::{Parser, Subcommand};

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
