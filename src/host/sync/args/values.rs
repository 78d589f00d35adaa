//! Option values: rsync's sizes and numbers.

use super::UsageError;
use crate::host::text::num::{self, SizeRule};

pub(super) fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// rsync's size option `--what=v` within `rule`, with rsync's error
/// (`--max-size=x is invalid`, `--block-size=200000 is too large (max:
/// 128.00K)`).
pub fn parse_size(v: &[u8], what: &str, rule: SizeRule) -> Result<u64, UsageError> {
    let s = text(v);
    num::parse_size(&s, rule).map_err(|e| UsageError(format!("--{what}={s} is {e}")))
}

pub(super) fn number<T: std::str::FromStr>(v: &[u8], what: &str) -> Result<T, UsageError> {
    text(v)
        .parse()
        .map_err(|_| UsageError(format!("--{what}={}: invalid number", text(v))))
}
