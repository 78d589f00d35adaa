//! `--copy-as=USER[:GROUP]`: the receiving side runs as USER (and GROUP,
//! by default USER's own group), as rsync's receiver switches its ids.
//! In a local transfer wsync's one process switches its effective ids
//! once the sender's list is made, and back at the end of the run.

use super::usermap::{gid_of, uid_of};
use crate::host::exit;

/// The ids `--copy-as` names, or rsync's error.
pub fn resolve(spec: &str) -> Result<(u32, u32), (String, u8)> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let bad = |what: &str, v: &str| (format!("Invalid copy-as {what}: {v}"), exit::SYNTAX);
    let uid = match user.parse::<u32>() {
        Ok(n) => n,
        Err(_) => uid_of(user).ok_or_else(|| bad("user", user))?,
    };
    let gid = match group {
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => gid_of(g).ok_or_else(|| bad("group", g))?,
        },
        None => primary_gid(uid).unwrap_or(uid),
    };
    Ok((uid, gid))
}

fn primary_gid(uid: u32) -> Option<u32> {
    let name = super::usermap::user_name(uid)?;
    let c = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: a zeroed passwd is a valid out-parameter; buf is ours with
    // its true length; out is set to &pw or NULL.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    let r = unsafe { libc::getpwnam_r(c.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
    (r == 0 && !out.is_null()).then_some(pw.pw_gid)
}

/// The effective ids in force until dropped.
pub struct Become {
    old: Option<(u32, u32)>,
}

/// Switches the effective group and user to `ids`.
pub fn become_(ids: Option<(u32, u32)>) -> Result<Become, (String, u8)> {
    let Some((uid, gid)) = ids else {
        return Ok(Become { old: None });
    };
    // SAFETY: getters and setters of the process's ids touch no memory;
    // glibc applies set*id to every thread.
    let old = unsafe { (libc::geteuid(), libc::getegid()) };
    let fail = |what: &str| {
        (
            format!(
                "--copy-as: {what} failed: {}",
                super::os_error(&std::io::Error::last_os_error())
            ),
            exit::FILE_IO,
        )
    };
    if unsafe { libc::setegid(gid) } != 0 {
        return Err(fail("setegid"));
    }
    if unsafe { libc::seteuid(uid) } != 0 {
        let e = fail("seteuid");
        unsafe { libc::setegid(old.1) };
        return Err(e);
    }
    Ok(Become { old: Some(old) })
}

impl Drop for Become {
    fn drop(&mut self) {
        if let Some((uid, gid)) = self.old {
            // SAFETY: as above; back to the ids the process had.
            unsafe {
                libc::seteuid(uid);
                libc::setegid(gid);
            }
        }
    }
}
