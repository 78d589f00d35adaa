//! rsync's item flags (`rsync.h` ITEM_*), the `%i` string built from them
//! and the `--out-format` escapes (`log_formatted` in log.c).

use super::flist::{show, Item, Kind};

/// rsync's ITEM_REPORT_ATIME (`-U`: the access time differs).
pub const REPORT_ATIME: u32 = 1 << 0;
pub const REPORT_CHANGE: u32 = 1 << 1;
pub const REPORT_SIZE: u32 = 1 << 2;
pub const REPORT_TIME: u32 = 1 << 3;
pub const REPORT_PERMS: u32 = 1 << 4;
pub const REPORT_OWNER: u32 = 1 << 5;
pub const REPORT_GROUP: u32 = 1 << 6;
pub const REPORT_ACL: u32 = 1 << 7;
pub const REPORT_XATTR: u32 = 1 << 8;
pub const XNAME_FOLLOWS: u32 = 1 << 12;
pub const IS_NEW: u32 = 1 << 13;
pub const LOCAL_CHANGE: u32 = 1 << 14;
pub const TRANSFER: u32 = 1 << 15;
pub const DELETED: u32 = 1 << 17;
pub const MATCHED: u32 = 1 << 18;
/// Sent to a remote receiver: `%i` shows '<' (rsync's client on a push).
pub const SENT_OUT: u32 = 1 << 20;

/// Flags that make an item worth a line (rsync's SIGNIFICANT_ITEM_FLAGS).
pub const SIGNIFICANT: u32 = !(1 << 11 | XNAME_FOLLOWS | LOCAL_CHANGE);

/// The 11-character `%i` string.
pub fn item_string(kind: Kind, iflags: u32, times: bool) -> String {
    if iflags & DELETED != 0 {
        return "*deleting  ".into();
    }
    let mut c = [b'.'; 11];
    c[0] = if iflags & LOCAL_CHANGE != 0 {
        if iflags & XNAME_FOLLOWS != 0 {
            b'h'
        } else {
            b'c'
        }
    } else if iflags & TRANSFER == 0 {
        b'.'
    } else if iflags & SENT_OUT != 0 {
        b'<'
    } else {
        b'>'
    };
    let on = |f: u32, ch: u8| if iflags & f != 0 { ch } else { b'.' };
    let t = if times { b't' } else { b'T' };
    c[1] = match kind {
        Kind::File => b'f',
        Kind::Dir => b'd',
        Kind::Symlink => b'L',
        Kind::Device => b'D',
        Kind::Special => b'S',
    };
    c[2] = on(REPORT_CHANGE, b'c');
    c[3] = if kind == Kind::Symlink {
        b'.'
    } else {
        on(REPORT_SIZE, b's')
    };
    c[4] = on(REPORT_TIME, t);
    c[5] = on(REPORT_PERMS, b'p');
    c[6] = on(REPORT_OWNER, b'o');
    c[7] = on(REPORT_GROUP, b'g');
    c[8] = on(REPORT_ATIME, b'u');
    c[9] = on(REPORT_ACL, b'a');
    c[10] = on(REPORT_XATTR, b'x');
    if iflags & IS_NEW != 0 {
        c[2..].fill(b'+');
    } else if matches!(c[0], b'.' | b'h' | b'c') && c[2..].iter().all(|&b| b == b'.') {
        c[2..].fill(b' ');
    }
    String::from_utf8_lossy(&c).into_owned()
}

/// What one log line is about.
pub struct LogItem<'a> {
    pub item: &'a Item,
    /// The name to show (`%n`); the item's path unless a solo file.
    pub name: &'a [u8],
    pub iflags: u32,
    /// "send" or "del."
    pub op: &'static str,
    pub bytes: u64,
    /// The hard link's target, for `%L`.
    pub hlink: Option<&'a [u8]>,
    pub times: bool,
    pub human: u8,
}

/// `YYYY/MM/DD HH:MM:SS` in UTC (`sep` between date and time).
pub fn timestring(secs: i64, sep: char) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}/{m:02}/{d:02}{sep}{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `ls -l`-style permission string (`%B`), without the type letter.
pub fn perm_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for (shift, special, lower, upper) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => lower,
            (false, true) => upper,
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// Renders an `--out-format`: `%[-][']WIDTH` then one of rsync's escapes.
pub fn render(fmt: &str, li: &LogItem<'_>) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let mut left = false;
        let mut commas = false;
        let mut width = String::new();
        while let Some(&c) = chars.peek() {
            match c {
                '-' if width.is_empty() => left = true,
                '\'' => commas = true,
                '0'..='9' => width.push(c),
                _ => break,
            }
            chars.next();
        }
        let Some(esc) = chars.next() else {
            out.push('%');
            break;
        };
        let num = |n: u64| {
            if commas {
                super::stats::num(n, li.human.max(1))
            } else {
                n.to_string()
            }
        };
        let it = li.item;
        let s = match esc {
            '%' => "%".to_string(),
            'n' | 'f' => {
                let mut s = if li.name.is_empty() {
                    ".".to_string()
                } else {
                    show(li.name)
                };
                if it.is_dir() && esc == 'n' {
                    s.push('/');
                }
                s
            }
            'L' => match (li.hlink, &it.link) {
                (Some(h), _) => format!(" => {}", show(h)),
                (None, Some(t)) if it.kind == Kind::Symlink => format!(" -> {}", show(t)),
                _ => String::new(),
            },
            'l' => num(it.size),
            'b' | 'c' => num(li.bytes),
            'i' => item_string(it.kind, li.iflags, li.times),
            'o' => li.op.to_string(),
            't' => timestring(now(), ' '),
            'M' => timestring(it.mtime, '-'),
            'U' => it.uid.to_string(),
            'G' => it.gid.to_string(),
            'B' => perm_string(it.mode),
            'p' => std::process::id().to_string(),
            'h' | 'a' | 'm' | 'P' | 'u' | 'C' => String::new(),
            other => format!("%{other}"),
        };
        let w: usize = width.parse().unwrap_or(0);
        let n = s.chars().count();
        if n < w && left {
            out.push_str(&s);
            out.extend(std::iter::repeat_n(' ', w - n));
        } else if n < w {
            out.extend(std::iter::repeat_n(' ', w - n));
            out.push_str(&s);
        } else {
            out.push_str(&s);
        }
    }
    out
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_as_rsync() {
        assert_eq!(
            item_string(Kind::File, TRANSFER | IS_NEW, true),
            ">f+++++++++"
        );
        assert_eq!(item_string(Kind::Dir, REPORT_TIME, true), ".d..t......");
        assert_eq!(
            item_string(Kind::Symlink, LOCAL_CHANGE | REPORT_CHANGE | IS_NEW, true),
            "cL+++++++++"
        );
        assert_eq!(
            item_string(Kind::File, TRANSFER | REPORT_SIZE | REPORT_TIME, false),
            ">f.sT......"
        );
        assert_eq!(item_string(Kind::Dir, 0, true), ".d         ");
        assert_eq!(
            item_string(Kind::File, REPORT_ACL | REPORT_XATTR, true),
            ".f.......ax"
        );
        assert_eq!(item_string(Kind::File, DELETED, true), "*deleting  ");
        assert_eq!(
            item_string(Kind::File, LOCAL_CHANGE | XNAME_FOLLOWS | IS_NEW, true),
            "hf+++++++++"
        );
        assert_eq!(timestring(1_000_000_000, '-'), "2001/09/09-01:46:40");
        assert_eq!(perm_string(0o4755), "rwsr-xr-x");
        assert_eq!(perm_string(0o1600), "rw------T");
    }
}
