//! `--usermap`, `--groupmap` and `--chown` (rsync's uidlist.c): the
//! sender's owner and group of each item mapped to the receiver's by
//! rules `FROM:TO`, tried in order. FROM is a name (a wildcard pattern
//! allowed) matched against the sender's name for the id, or a number or
//! `LOW-HIGH` range matched against the id; TO is a name or a number.
//! Ids no rule maps keep their value (names are the same on both sides of
//! a local transfer).

use crate::filter::wildmatch::wildmatch;

/// One `FROM:TO` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum From {
    Id(u32),
    Range(u32, u32),
    Name(String),
    Wild(String),
}

/// The parsed rules of one map.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    rules: Vec<(From, u32)>,
}

/// A map's parse error, with rsync's words.
#[derive(Debug)]
pub struct MapError(pub String);

impl IdMap {
    /// Parses `--usermap` (`users` true) or `--groupmap` text. A TO name
    /// unknown here is reported as rsync does (a warning returned in
    /// `warnings`) and its rule dropped.
    pub fn parse(spec: &str, users: bool, warnings: &mut Vec<String>) -> Result<IdMap, MapError> {
        let what = if users { "user" } else { "group" };
        let mut rules = Vec::new();
        for part in spec.split(',') {
            let Some((from, to)) = part.split_once(':') else {
                return Err(MapError(format!("No colon found in --{what}map: {part}")));
            };
            if to.is_empty() {
                return Err(MapError(format!(
                    "No name found after colon --{what}map: {part}"
                )));
            }
            let from = if from.starts_with(|c: char| c.is_ascii_digit()) {
                let bad = || MapError(format!("Invalid number in --{what}map: {from}"));
                if !from.chars().all(|c| c.is_ascii_digit() || c == '-') {
                    return Err(bad());
                }
                match from.split_once('-') {
                    Some((lo, hi)) => {
                        if hi.is_empty() || hi.contains('-') {
                            return Err(bad());
                        }
                        From::Range(id_parse(lo), id_parse(hi))
                    }
                    None => From::Id(id_parse(from)),
                }
            } else if from.contains(['*', '[', '?']) {
                From::Wild(from.to_string())
            } else {
                From::Name(from.to_string())
            };
            let to_id = if to.chars().all(|c| c.is_ascii_digit()) {
                Some(id_parse(to))
            } else if users {
                uid_of(to)
            } else {
                gid_of(to)
            };
            match to_id {
                Some(id) => rules.push((from, id)),
                None => warnings.push(format!("Unknown --{what}map name on receiver: {to}")),
            }
        }
        Ok(IdMap { rules })
    }

    /// The id `id` (named `name` on the sender, "" if none) maps to.
    pub fn map(&self, id: u32, name: &str) -> u32 {
        for (from, to) in &self.rules {
            let hit = match from {
                From::Wild(p) => wildmatch(p.as_bytes(), name.as_bytes()),
                From::Name(n) => n == name,
                From::Range(lo, hi) => (*lo..=*hi).contains(&id),
                From::Id(n) => *n == id,
            };
            if hit {
                return *to;
            }
        }
        id
    }
}

/// rsync's `id_parse`: digits to a number, saturating.
fn id_parse(s: &str) -> u32 {
    s.bytes().take_while(u8::is_ascii_digit).fold(0u32, |n, d| {
        n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    })
}

/// The receiver's maps of a run; `numeric`: the sender sends no names
/// (`--numeric-ids`), so only numeric rules and `*` match.
#[derive(Debug, Default)]
pub struct IdMaps {
    pub users: Option<IdMap>,
    pub groups: Option<IdMap>,
    pub numeric: bool,
}

impl IdMaps {
    /// The receiver's uid for the sender's `uid` (rsync's match_uid).
    pub fn uid(&self, uid: u32) -> u32 {
        match &self.users {
            Some(m) if self.numeric => m.map(uid, ""),
            Some(m) => m.map(uid, &user_name(uid).unwrap_or_default()),
            None => uid,
        }
    }

    /// The receiver's gid for the sender's `gid` (rsync's match_gid).
    pub fn gid(&self, gid: u32) -> u32 {
        match &self.groups {
            Some(m) if self.numeric => m.map(gid, ""),
            Some(m) => m.map(gid, &group_name(gid).unwrap_or_default()),
            None => gid,
        }
    }
}

/// A buffer for the `get*_r` calls: grown while they say ERANGE, up to
/// 1 MiB.
fn with_buf<T>(mut call: impl FnMut(&mut [libc::c_char]) -> Result<Option<T>, i32>) -> Option<T> {
    let mut len = 1024;
    while len <= 1 << 20 {
        let mut buf = vec![0 as libc::c_char; len];
        match call(&mut buf) {
            Ok(v) => return v,
            Err(libc::ERANGE) => len *= 4,
            Err(_) => return None,
        }
    }
    None
}

fn cstr(p: *const libc::c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r/getgrgid_r filled the struct from our buffer;
    // its name points into that buffer, NUL-terminated, and the buffer
    // outlives this call (the caller still holds it).
    Some(
        unsafe { std::ffi::CStr::from_ptr(p) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// The user name of `uid` on this machine.
pub fn user_name(uid: u32) -> Option<String> {
    with_buf(|buf| {
        // SAFETY: a zeroed passwd is a valid out-parameter; buf is ours
        // with its true length; result is set to &pw or NULL.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let r = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
        match r {
            0 if out.is_null() => Ok(None),
            0 => Ok(cstr(pw.pw_name)),
            e => Err(e),
        }
    })
}

/// The group name of `gid` on this machine.
pub fn group_name(gid: u32) -> Option<String> {
    with_buf(|buf| {
        // SAFETY: as in user_name, for struct group.
        let mut gr: libc::group = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::group = std::ptr::null_mut();
        let r = unsafe { libc::getgrgid_r(gid, &mut gr, buf.as_mut_ptr(), buf.len(), &mut out) };
        match r {
            0 if out.is_null() => Ok(None),
            0 => Ok(cstr(gr.gr_name)),
            e => Err(e),
        }
    })
}

/// The uid of user `name` on this machine.
pub fn uid_of(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    with_buf(|buf| {
        // SAFETY: as in user_name; `c` is a valid C string for the call.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let r =
            unsafe { libc::getpwnam_r(c.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
        match r {
            0 if out.is_null() => Ok(None),
            0 => Ok(Some(pw.pw_uid)),
            e => Err(e),
        }
    })
}

/// The gid of group `name` on this machine.
pub fn gid_of(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    with_buf(|buf| {
        // SAFETY: as in user_name, for struct group.
        let mut gr: libc::group = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::group = std::ptr::null_mut();
        let r =
            unsafe { libc::getgrnam_r(c.as_ptr(), &mut gr, buf.as_mut_ptr(), buf.len(), &mut out) };
        match r {
            0 if out.is_null() => Ok(None),
            0 => Ok(Some(gr.gr_gid)),
            e => Err(e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_in_order() {
        let mut w = Vec::new();
        let m = IdMap::parse("0:5,10-20:6,ro*:7,*:8", true, &mut w).unwrap();
        assert!(w.is_empty());
        assert_eq!(m.map(0, "x"), 5);
        assert_eq!(m.map(15, "x"), 6);
        assert_eq!(m.map(3, "root"), 7);
        assert_eq!(m.map(3, ""), 8);
        let m = IdMap::parse("nosuchuser:nosuchuser,1:2", true, &mut w).unwrap();
        assert_eq!(w, ["Unknown --usermap name on receiver: nosuchuser"]);
        assert_eq!(m.map(1, ""), 2);
        assert_eq!(m.map(3, ""), 3);
        for bad in ["x", "a:", "1x:2", "1-:2", "1-2-3:4"] {
            assert!(IdMap::parse(bad, false, &mut w).is_err(), "{bad}");
        }
        assert_eq!(uid_of("root"), Some(0));
        assert_eq!(user_name(0).as_deref(), Some("root"));
    }
}
