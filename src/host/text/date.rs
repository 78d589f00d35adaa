//! Dates as rsync prints them (UTC here: the host has no time zone data).

/// The UTC calendar date and time of a Unix time: (year, month, day,
/// hour, minute, second), by Howard Hinnant's algorithm.
pub fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// `YYYY/MM/DD HH:MM:SS` (rsync's `timestring`), `sep` between the date
/// and the time (`-` in `%M`).
pub fn timestring(t: i64, sep: char) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}/{mo:02}/{d:02}{sep}{h:02}:{mi:02}:{s:02}")
}

/// Now, in seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_rsync() {
        assert_eq!(timestring(0, ' '), "1970/01/01 00:00:00");
        assert_eq!(timestring(1_000_000_000, '-'), "2001/09/09-01:46:40");
        assert_eq!(timestring(-1, ' '), "1969/12/31 23:59:59");
        assert_eq!(timestring(951_782_400, ' '), "2000/02/29 00:00:00");
    }
}
