//! Modes as rsync prints them: `%B`'s permission string and the lines of
//! `--list-only` and of a listing.

/// `ls -l`'s permission string without the type letter (`%B`):
/// `rwsr-xr-x`, with `s`/`S` for set-user and set-group, `t`/`T` for sticky.
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

/// One listing line as rsync's `list_file_entry`:
/// `drwxr-xr-x          4,096 2026/12/07 01:41:46 name`; `size` as
/// already formatted, right-aligned in `width`.
pub fn list_line(
    kind: char,
    mode: u32,
    size: &str,
    width: usize,
    mtime: i64,
    name: &str,
) -> String {
    let perms = perm_string(mode);
    let time = super::date::timestring(mtime, ' ');
    format!("{kind}{perms} {size:>width$} {time} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_as_ls() {
        assert_eq!(perm_string(0o4755), "rwsr-xr-x");
        assert_eq!(perm_string(0o2640), "rw-r-S---");
        assert_eq!(perm_string(0o1600), "rw------T");
        assert_eq!(perm_string(0o1777), "rwxrwxrwt");
        assert_eq!(
            list_line('-', 0o644, "1,234", 14, 0, "a b"),
            "-rw-r--r--          1,234 1970/01/01 00:00:00 a b"
        );
    }
}
