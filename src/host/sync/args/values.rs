//! Option values: rsync's sizes and numbers.

use super::UsageError;

pub(super) fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// rsync's size suffixes: `K`, `M`, `G` (1024-based; `KB` etc. 1000-based),
/// a fraction allowed, `+1`/`-1` adjusting by one byte.
pub fn parse_size(v: &[u8], what: &str) -> Result<u64, UsageError> {
    let s = text(v);
    let bad = || UsageError(format!("--{what}={s} is invalid"));
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let num: f64 = s[..num_end].parse().map_err(|_| bad())?;
    let mut rest = &s[num_end..];
    let mut adjust = 0i64;
    for (suf, d) in [("+1", 1), ("-1", -1)] {
        if let Some(r) = rest.strip_suffix(suf) {
            rest = r;
            adjust = d;
        }
    }
    let mult: f64 = match rest.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024f64.powi(4),
        "kb" => 1000.0,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return Err(bad()),
    };
    let n = (num * mult) as i64 + adjust;
    u64::try_from(n).map_err(|_| bad())
}

pub(super) fn number<T: std::str::FromStr>(v: &[u8], what: &str) -> Result<T, UsageError> {
    text(v)
        .parse()
        .map_err(|_| UsageError(format!("--{what}={}: invalid number", text(v))))
}
