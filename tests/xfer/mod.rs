//! The transfer harness of tests/sync_transfer.rs: trees, the option
//! table, cases, normalizing and running them.

pub mod gen;
pub mod norm;
pub mod opts;
pub mod run;
pub mod tree;
