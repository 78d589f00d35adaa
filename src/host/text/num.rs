//! Numbers as rsync prints them (`do_big_num`) and sizes as its options
//! take them (`parse_size_arg`).

/// A number at human-readable level `h` (rsync's `do_big_num`): 0, plain
/// digits; 1, digits with commas; 2, units of 1000; 3, units of 1024
/// (below one unit, digits with commas).
pub fn num(n: u64, h: u8) -> String {
    if h >= 2 {
        let mult = if h == 2 { 1000.0 } else { 1024.0 };
        if n as f64 >= mult {
            let mut d = n as f64 / mult;
            let mut units = "KMGTPE".chars();
            let mut u = units.next().unwrap_or('K');
            while d >= mult {
                match units.next() {
                    Some(next) => {
                        d /= mult;
                        u = next;
                    }
                    None => break,
                }
            }
            return format!("{d:.2}{u}");
        }
    }
    let digits = n.to_string();
    if h == 0 {
        return digits;
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The limits of one size option (rsync's `parse_size_arg` arguments).
#[derive(Clone, Copy)]
pub struct SizeRule {
    /// The suffix a bare number has: `b'b'` bytes, `b'K'` KiB.
    pub default_suffix: u8,
    pub min: u64,
    /// None: up to rsync's `SIZE_MAX / 2`, exclusive.
    pub max: Option<u64>,
    /// 0 is allowed below `min` (it means "unlimited").
    pub zero_unlimited: bool,
}

impl SizeRule {
    /// A plain size in bytes, from 0 up.
    pub const BYTES: SizeRule = SizeRule {
        default_suffix: b'b',
        min: 0,
        max: None,
        zero_unlimited: false,
    };
}

/// rsync's size: digits with an optional fraction, then `B`, `K`, `M`,
/// `G`, `T` or `P` (powers of 1024; `KB`... powers of 1000; `KiB`...
/// 1024 again), then an optional `+1` or `-1`. The error is rsync's words
/// after "is": `invalid`, `too large (max: 128.00K)`,
/// `too small (min: 512 or 0 for unlimited)`.
pub fn parse_size(arg: &str, rule: SizeRule) -> Result<u64, String> {
    const SIZE_MAX: u64 = u64::MAX / 2; // rsync's SIZE_MAX / 2
    let size_max = rule.max.unwrap_or(SIZE_MAX);
    let too_large = || match rule.max {
        Some(m) => format!("too large (max: {})", num(m, 3)),
        None => "too large".to_string(),
    };
    let b = arg.as_bytes();
    let mut i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if b.get(i) == Some(&b'.') {
        i += 1;
        i += b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    let suffix = match b.get(i) {
        Some(&c) if c != b'+' && c != b'-' => {
            i += 1;
            c
        }
        _ => rule.default_suffix,
    };
    let reps = match suffix.to_ascii_lowercase() {
        b'b' => 0,
        b'k' => 1,
        b'm' => 2,
        b'g' => 3,
        b't' => 4,
        b'p' => 5,
        _ => return Err("invalid".into()),
    };
    let mult: u64 = match b.get(i) {
        Some(b'b' | b'B') => {
            i += 1;
            1000
        }
        None | Some(b'+' | b'-') => 1024,
        Some(_) if b[i..].len() >= 2 && b[i..i + 2].eq_ignore_ascii_case(b"ib") => {
            i += 2;
            1024
        }
        Some(_) => return Err("invalid".into()),
    };
    let mut unit: u64 = 1;
    for _ in 0..reps {
        if unit > size_max / mult {
            return Err(too_large());
        }
        unit *= mult;
    }
    let d = strtod(arg);
    let limit = size_max as f64 / unit as f64;
    if d < 0.0 || d > limit || (rule.max.is_none() && d >= limit) {
        return Err(too_large());
    }
    let mut size = (d * unit as f64) as u64;
    if matches!(b.get(i), Some(b'+' | b'-')) && b.get(i + 1) == Some(&b'1') && i != 0 {
        if b[i] == b'+' {
            if size == size_max {
                return Err(too_large());
            }
            size += 1;
        } else {
            size = size.wrapping_sub(1);
        }
        i += 2;
    }
    if i < b.len() {
        return Err("invalid".into());
    }
    if size > size_max {
        return Err(too_large());
    }
    if size < rule.min && !(rule.zero_unlimited && size == 0) {
        let unlimited = if rule.zero_unlimited {
            " or 0 for unlimited"
        } else {
            ""
        };
        return Err(format!("too small (min: {}{unlimited})", num(rule.min, 3)));
    }
    Ok(size)
}

/// C's `strtod` over the start of `s` (decimal only): the longest
/// `[+-]digits[.digits][e[+-]digits]` prefix, 0 when there is none.
fn strtod(s: &str) -> f64 {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_end = digits(i);
    let mut end = int_end;
    if b.get(end) == Some(&b'.') {
        end = digits(end + 1);
    }
    if end == i || (end == i + 1 && int_end == i) {
        return 0.0; // no digits at all
    }
    i = end;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let exp_end = digits(i + 1 + sign);
        if exp_end > i + 1 + sign {
            end = exp_end;
        }
    }
    s[..end].parse().unwrap_or(0.0)
}

/// A size as a command-line value or a configuration setting take it
/// (`--size 64M`, `max file size = 1G`): rsync's grammar, in bytes.
pub fn size(s: &str) -> Result<u64, String> {
    parse_size(s, SizeRule::BYTES).map_err(|e| format!("{s:?} is {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_do_big_num() {
        assert_eq!(num(1234567, 0), "1234567");
        assert_eq!(num(1234567, 1), "1,234,567");
        assert_eq!(num(999, 1), "999");
        assert_eq!(num(1234567, 2), "1.23M");
        assert_eq!(num(131072, 3), "128.00K");
        assert_eq!(num(512, 3), "512");
    }

    #[test]
    fn sizes_as_parse_size_arg() {
        let p = |s: &str| parse_size(s, SizeRule::BYTES);
        assert_eq!(p("64M"), Ok(64 << 20));
        assert_eq!(p("5g"), Ok(5 << 30));
        assert_eq!(p("1.5kb"), Ok(1500));
        assert_eq!(p("2KiB"), Ok(2048));
        assert_eq!(p("3+1"), Ok(4));
        assert_eq!(p("3k-1"), Ok(3071));
        assert_eq!(p("1P"), Ok(1 << 50));
        assert_eq!(p("8191P"), Ok(8191 << 50));
        assert_eq!(p("8192P").unwrap_err(), "too large");
        assert_eq!(p("-5").unwrap_err(), "too large");
        assert_eq!(p("x").unwrap_err(), "invalid");
        assert_eq!(p("12q").unwrap_err(), "invalid");
        assert_eq!(p("+5").unwrap_err(), "invalid");
        assert_eq!(p("-1").unwrap_err(), "too large");
        assert_eq!(p(".5k"), Ok(512));
        assert_eq!(p(""), Ok(0));
        assert_eq!(p("99999999999999999999999G").unwrap_err(), "too large");
        let block = SizeRule {
            max: Some(128 << 10),
            ..SizeRule::BYTES
        };
        assert_eq!(
            parse_size("200000", block).unwrap_err(),
            "too large (max: 128.00K)"
        );
        assert_eq!(parse_size("0", block), Ok(0));
        let bwlimit = SizeRule {
            default_suffix: b'K',
            min: 512,
            max: None,
            zero_unlimited: true,
        };
        assert_eq!(parse_size("100", bwlimit), Ok(100 << 10));
        assert_eq!(parse_size("0", bwlimit), Ok(0));
        assert_eq!(
            parse_size("0.1", bwlimit).unwrap_err(),
            "too small (min: 512 or 0 for unlimited)"
        );
    }
}
