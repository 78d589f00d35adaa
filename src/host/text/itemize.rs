//! rsync's item flags (`rsync.h` ITEM_*) and the 11-character `%i`
//! string built from them (`log_formatted`'s `'i'`).

/// `-U`: the access time differs (rsync's ITEM_REPORT_ATIME).
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

/// The `%i` string of an entry of type `kind` (`f` file, `d` directory,
/// `L` symlink, `D` device, `S` special) with `iflags`; `times` false
/// shows a time change as `T` (rsync without `-t`).
pub fn item_string(kind: u8, iflags: u32, times: bool) -> String {
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
    c[1] = kind;
    c[2] = on(REPORT_CHANGE, b'c');
    c[3] = if kind == b'L' {
        b'.'
    } else {
        on(REPORT_SIZE, b's')
    };
    c[4] = on(REPORT_TIME, if times { b't' } else { b'T' });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_as_rsync() {
        assert_eq!(item_string(b'f', TRANSFER | IS_NEW, true), ">f+++++++++");
        assert_eq!(item_string(b'd', REPORT_TIME, true), ".d..t......");
        assert_eq!(
            item_string(b'L', LOCAL_CHANGE | REPORT_CHANGE | IS_NEW, true),
            "cL+++++++++"
        );
        assert_eq!(
            item_string(b'f', TRANSFER | REPORT_SIZE | REPORT_TIME, false),
            ">f.sT......"
        );
        assert_eq!(item_string(b'd', 0, true), ".d         ");
        assert_eq!(
            item_string(b'f', REPORT_ACL | REPORT_XATTR, true),
            ".f.......ax"
        );
        assert_eq!(item_string(b'f', DELETED, true), "*deleting  ");
        assert_eq!(
            item_string(b'f', LOCAL_CHANGE | XNAME_FOLLOWS | IS_NEW, true),
            "hf+++++++++"
        );
        assert_eq!(
            item_string(b'L', TRANSFER | REPORT_SIZE, true),
            ">L........."
        );
    }
}
