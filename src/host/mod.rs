//! The host side of wsync: the `wsync` binary's commands, clients, server and sync.
//! Native only; the core it drives is in the crate root.

pub(crate) mod chmod;
mod cli;
mod client;
mod commands;
mod connect;
pub(crate) mod deflate;
pub(crate) mod demo;
pub mod exit;
mod files;
mod hasher;
pub(crate) mod serve;
mod session;
pub mod sync;
pub(crate) mod text;

use std::process::ExitCode;

pub use cli::Cli;

/// What the fuzz targets (`fuzz/`, built with `--cfg fuzzing`) reach of
/// the host, and nothing else sees.
#[cfg(fuzzing)]
pub mod fuzzing {
    /// Parses rsyncd.conf text as `wsync serve --config` does.
    pub fn parse_config(text: &str) -> Result<(), String> {
        super::serve::config::Config::parse(text, "fuzz.conf")
            .map(|_| ())
            .map_err(|f| f.message)
    }
}

/// Entry point of the `wsync` binary.
pub fn main() -> ExitCode {
    // `sync` takes rsync's command line, parsed by hand (order matters).
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "sync") {
        return ExitCode::from(sync::main(&argv[2..]));
    }
    let cli = match <Cli as clap::Parser>::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::SYNTAX } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wsync: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// An error for the command line: a one-line message and an exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code,
        }
    }
    pub fn io(what: &str, e: std::io::Error) -> Self {
        Failure::new(exit::FILE_IO, format!("{what}: {e}"))
    }
    pub fn stream(what: &str, e: impl std::fmt::Display) -> Self {
        Failure::new(exit::STREAM, format!("{what}: {e}"))
    }
}

/// A message on stderr, as rsync prints its warnings.
pub(crate) fn note(msg: &str) {
    eprintln!("wsync: {msg}");
}
