//! rsync's item flags (`rsync.h` ITEM_*), the `%i` string built from them
//! and the `--out-format` escapes (`log_formatted` in log.c).

use super::flist::{Item, Kind};

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
    /// The name to show (`%n`): the item's path in the file list.
    pub name: &'a [u8],
    pub iflags: u32,
    /// "send" or "del."
    pub op: &'static str,
    pub bytes: u64,
    /// The hard link's target, for `%L`.
    pub hlink: Option<&'a [u8]>,
    pub times: bool,
    /// The source directory as the sender named it (rsync's
    /// F_PATHNAME), for `%f`.
    pub sender_path: Option<&'a [u8]>,
    /// What `%C` shows (`filesum::SumKind::shown`); None: no format
    /// asks for it.
    pub checksum: Option<String>,
    /// Whether owners and groups are sent (`-o`, `-g`), for `%U`, `%G`.
    pub uid_gid: (bool, bool),
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

/// rsync's `clean_fname` (no flags): repeated slashes and "./"
/// components dropped, a trailing slash too; "." for nothing.
pub fn clean_fname(name: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(name.len());
    let mut f = 0;
    if name.first() == Some(&b'/') {
        out.push(b'/');
        f = 1;
    }
    let anchored = out.len();
    while f < name.len() {
        if name[f] == b'/' {
            f += 1;
            continue;
        }
        if name[f] == b'.' && name.get(f + 1) == Some(&b'/') {
            f += 2;
            continue;
        }
        while f < name.len() {
            let c = name[f];
            out.push(c);
            f += 1;
            if c == b'/' {
                break;
            }
        }
    }
    if out.len() > anchored && out.last() == Some(&b'/') {
        out.pop();
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// printf's `%s` with rsync's width flags ("-" and digits) over bytes.
fn pad(s: &[u8], flags: &str) -> Vec<u8> {
    let left = flags.starts_with('-');
    let width: usize = flags.trim_start_matches('-').parse().unwrap_or(0);
    let mut out = Vec::with_capacity(s.len().max(width));
    if s.len() < width && !left {
        out.resize(width - s.len(), b' ');
    }
    out.extend_from_slice(s);
    if out.len() < width {
        out.resize(width, b' ');
    }
    out
}

/// Renders an `--out-format` as rsync's `log_formatted`:
/// `%['][-][WIDTH][']X` for each of rsync's escapes; an escape rsync has
/// no value for (`%h`, `%a`, `%P`, `%u` outside a daemon, or an unknown
/// letter) stays as it was written. The line comes back in display form.
pub fn render(fmt: &str, li: &LogItem<'_>) -> String {
    let f = fmt.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(f.len() + li.name.len());
    let mut i = 0;
    while i < f.len() {
        let ch = f[i];
        if ch != b'%' {
            out.push(ch);
            i += 1;
            continue;
        }
        let start = i;
        let mut p = i + 1;
        let mut humanize = 0u8;
        while f.get(p) == Some(&b'\'') {
            humanize += 1;
            p += 1;
        }
        let mut flags = String::new();
        if f.get(p) == Some(&b'-') {
            flags.push('-');
            p += 1;
        }
        while let Some(&d) = f.get(p).filter(|d| d.is_ascii_digit()) {
            flags.push(d as char);
            p += 1;
        }
        while f.get(p) == Some(&b'\'') {
            humanize += 1;
            p += 1;
        }
        let Some(&esc) = f.get(p) else {
            // rsync stops expanding at a lone '%' and what follows it.
            out.extend_from_slice(&f[start..]);
            break;
        };
        let it = li.item;
        let num = |n: u64| super::stats::num(n, humanize).into_bytes();
        let value: Option<Vec<u8>> = match esc {
            b'%' => Some(b"%".to_vec()),
            b'n' => {
                let mut s = if li.name.is_empty() {
                    b".".to_vec()
                } else {
                    li.name.to_vec()
                };
                if it.is_dir() {
                    s.push(b'/');
                }
                Some(s)
            }
            b'f' => {
                let name: &[u8] = if li.name.is_empty() { b"." } else { li.name };
                let mut s = match li.sender_path {
                    Some(dir) => {
                        let mut j = dir.to_vec();
                        if !j.is_empty() && !j.ends_with(b"/") {
                            j.push(b'/');
                        }
                        j.extend_from_slice(name);
                        clean_fname(&j)
                    }
                    None => clean_fname(name),
                };
                if s.first() == Some(&b'/') {
                    s.remove(0);
                }
                Some(s)
            }
            b'L' => {
                let (arrow, target): (&[u8], &[u8]) = match (li.hlink, &it.link) {
                    (Some(h), _) if !h.is_empty() => (b" => ", h),
                    (_, Some(t)) if it.kind == Kind::Symlink && li.iflags & DELETED == 0 => {
                        (b" -> ", t)
                    }
                    _ if flags.is_empty() => (b"", b""),
                    _ => (b"    ", b""),
                };
                let mut s = arrow.to_vec();
                s.extend(pad(target, &flags));
                out.extend_from_slice(&s);
                i = p + 1;
                continue;
            }
            b'l' => Some(num(it.size)),
            b'b' | b'c' => Some(num(if li.iflags & TRANSFER != 0 {
                li.bytes
            } else {
                0
            })),
            b'i' => Some(item_string(it.kind, li.iflags, li.times).into_bytes()),
            b'o' => Some(li.op.as_bytes().to_vec()),
            b't' => Some(timestring(now(), ' ').into_bytes()),
            b'M' => Some(timestring(it.mtime, '-').into_bytes()),
            b'U' => Some(
                if li.uid_gid.0 { it.uid } else { 0 }
                    .to_string()
                    .into_bytes(),
            ),
            b'G' => Some(if li.uid_gid.1 {
                it.gid.to_string().into_bytes()
            } else {
                b"DEFAULT".to_vec()
            }),
            b'B' => Some(perm_string(it.mode).into_bytes()),
            b'p' => Some(std::process::id().to_string().into_bytes()),
            b'C' => Some(
                li.checksum
                    .clone()
                    .map_or_else(|| vec![b' '; 32], String::into_bytes),
            ),
            // The module's name: empty outside a daemon.
            b'm' => Some(Vec::new()),
            _ => None,
        };
        match value {
            Some(v) => {
                out.extend(pad(&v, &flags));
                i = p + 1;
            }
            None => {
                // Left as written; the scan goes on at the escape letter.
                out.extend_from_slice(&f[start..p]);
                i = p;
            }
        }
    }
    super::flist::show(&out)
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
