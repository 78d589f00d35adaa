//! `--stop-at=y-m-dTh:m`: rsync's `parse_time` (options.c), in the local
//! time zone: a date and time whose missing leading parts are today's,
//! moved forward to the next matching time in the future where the date
//! was left out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time `arg` names, or None where rsync says "invalid --stop-at
/// format".
pub fn parse_time(arg: &str) -> Option<SystemTime> {
    let now = now_secs();
    let today = local(now)?;
    let b = arg.as_bytes();
    let mut i = 0;
    let mut in_date: i32;
    let (mut year, mut mon, mut mday, mut hour, mut min) = (-1i64, -1i64, -1i64, -1i64, -1i64);
    if matches!(b.first(), Some(b'T' | b't' | b':')) {
        in_date = if b[0] == b':' { 0 } else { -1 };
        i += 1;
    } else {
        in_date = 1;
    }
    loop {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let mut n: i64 = 0;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            i += 1;
        }
        if b.get(i) == Some(&b':') {
            in_date = 0;
        }
        if in_date > 0 {
            if year != -1 {
                return None;
            }
            year = mon;
            mon = mday;
            mday = n;
            match b.get(i) {
                None => break,
                Some(b'T' | b't') => {
                    if i + 1 == b.len() {
                        break;
                    }
                    in_date = -1;
                }
                Some(b'-' | b'/') => {}
                Some(_) => return None,
            }
            i += 1;
            continue;
        }
        if hour != -1 {
            return None;
        }
        hour = min;
        min = n;
        match b.get(i) {
            None => {
                if in_date < 0 {
                    return None;
                }
                break;
            }
            Some(b':') => in_date = 0,
            Some(_) => return None,
        }
        i += 1;
    }
    let mut in_date = 0;
    if year < 0 {
        year = today.tm_year as i64;
        in_date = 1;
    } else if year < 100 {
        while year < today.tm_year as i64 {
            year += 100;
        }
    } else {
        year -= 1900;
    }
    if mon < 0 {
        mon = today.tm_mon as i64;
        in_date = 2;
    } else {
        mon -= 1;
    }
    if mday < 0 {
        mday = today.tm_mday as i64;
        in_date = 3;
    }
    if min < 0 {
        hour = 0;
        min = 0;
    } else if hour < 0 {
        if in_date != 3 {
            return None;
        }
        in_date = 0;
        hour = today.tm_hour as i64;
    }
    let mut old_mday = mday;
    if hour > 23 || min > 59 || !(0..12).contains(&mon) || !(1..=31).contains(&mday) {
        return None;
    }
    let mut t = Tm {
        year,
        mon,
        mday,
        hour,
        min,
    };
    let mut val = t.mktime()?;
    // mktime normalises a day past the month's end into the next month.
    let mut norm = local(val)?;
    t = Tm::from(&norm);
    while in_date != 0 && (val <= now || (norm.tm_mday as i64) < old_mday) {
        match in_date {
            3 => {
                t.mday += 1;
                old_mday = t.mday;
            }
            2 => {
                if (norm.tm_mday as i64) < old_mday {
                    t.mday = old_mday;
                } else {
                    t.mon += 1;
                    if t.mon == 12 {
                        t.mon = 0;
                        t.year += 1;
                    }
                }
            }
            _ => {
                if (norm.tm_mday as i64) < old_mday {
                    if norm.tm_mon != 2 || old_mday != 29 {
                        return None;
                    }
                    t.mon = 1;
                    t.mday = 29;
                }
                t.year += 1;
            }
        }
        val = t.mktime()?;
        norm = local(val)?;
        t = Tm::from(&norm);
        if t.year > today.tm_year as i64 + 10 {
            return None;
        }
    }
    let secs = u64::try_from(val).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

struct Tm {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
}

impl From<&libc::tm> for Tm {
    fn from(tm: &libc::tm) -> Tm {
        Tm {
            year: tm.tm_year.into(),
            mon: tm.tm_mon.into(),
            mday: tm.tm_mday.into(),
            hour: tm.tm_hour.into(),
            min: tm.tm_min.into(),
        }
    }
}

impl Tm {
    /// The local time's seconds since the epoch (C's mktime).
    fn mktime(&self) -> Option<i64> {
        // SAFETY: `tm` is a plain C struct, valid when zeroed; mktime
        // only reads and normalises it (and reads the time zone).
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = i32::try_from(self.year).ok()?;
        tm.tm_mon = i32::try_from(self.mon).ok()?;
        tm.tm_mday = i32::try_from(self.mday).ok()?;
        tm.tm_hour = i32::try_from(self.hour).ok()?;
        tm.tm_min = i32::try_from(self.min).ok()?;
        tm.tm_isdst = -1;
        // SAFETY: `tm` is a valid, exclusively borrowed struct tm.
        let v = unsafe { libc::mktime(&mut tm) };
        (v != -1).then_some(v)
    }
}

/// The local broken-down time of `secs` (C's localtime_r).
fn local(secs: i64) -> Option<libc::tm> {
    let t: libc::time_t = secs;
    // SAFETY: zeroed struct tm is valid; localtime_r writes only into
    // the struct it is given and returns it or NULL.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    (!r.is_null()).then_some(tm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_at_forms() {
        let now = now_secs();
        for bad in ["", "bad", "1-2-3-4", "25:00", "T12", "2020-13-01", "12:60"] {
            assert!(parse_time(bad).is_none(), "{bad}");
        }
        let y = local(now).unwrap().tm_year + 1900 + 1;
        let t = parse_time(&format!("{y}-06-01T12:30")).unwrap();
        let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!(secs > now);
        // A time of day alone is the next such time: within a day.
        let t = parse_time("23:59").unwrap();
        let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!(secs > now && secs <= now + 86400);
        assert!(parse_time("2000-01-01T00:00").is_some());
    }
}
