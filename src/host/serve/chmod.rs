//! The `--chmod` parser, shared with `wsync sync` (src/host/chmod.rs).

pub use crate::host::chmod::Chmod;
