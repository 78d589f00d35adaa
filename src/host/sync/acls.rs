//! POSIX ACLs as rsync's `-A` keeps them (acls.c), read and written as
//! the kernel's `system.posix_acl_access` / `system.posix_acl_default`
//! attributes. The sender strips what the mode already says (user, other,
//! and the group entry when it equals the mask); the receiver rebuilds
//! the mask from the named entries, compares only the extended part of
//! an access ACL, and lets the mode fill in the rest. A file system
//! without ACLs reads as having the mode's plain ACL.

use super::{xattr_calls, xattrs};
use rustix::io::Errno;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

pub const ACCESS: &str = "system.posix_acl_access";
pub const DEFAULT: &str = "system.posix_acl_default";

const USER_OBJ: u16 = 0x01;
const USER: u16 = 0x02;
const GROUP_OBJ: u16 = 0x04;
const GROUP: u16 = 0x08;
const MASK: u16 = 0x10;
const OTHER: u16 = 0x20;
const VERSION: u32 = 2;
const NO_ID: u32 = u32::MAX;

/// One named entry: a user (true) or group, its id and permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Named {
    /// Users sort before groups (rsync's NAME_IS_USER order).
    pub group: bool,
    pub id: u32,
    pub perm: u16,
}

/// rsync's `rsync_acl`: `None` where rsync has NO_ENTRY.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    pub user_obj: Option<u16>,
    pub group_obj: Option<u16>,
    pub mask: Option<u16>,
    pub other: Option<u16>,
    pub names: Vec<Named>,
}

/// An ACL attribute that does not parse.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub usize);

impl Acl {
    /// Parses the kernel's attribute: a version word, then 8-byte
    /// entries (tag, permissions, id), little-endian.
    pub fn parse(raw: &[u8]) -> Result<Acl, Malformed> {
        let bad = || Malformed(raw.len());
        let (head, body) = raw.split_at_checked(4).ok_or_else(bad)?;
        if u32::from_le_bytes(head.try_into().map_err(|_| bad())?) != VERSION || body.len() % 8 != 0
        {
            return Err(bad());
        }
        let mut acl = Acl::default();
        for e in body.chunks_exact(8) {
            let tag = u16::from_le_bytes([e[0], e[1]]);
            let perm = u16::from_le_bytes([e[2], e[3]]) & 7;
            let id = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            let slot = match tag {
                USER_OBJ => &mut acl.user_obj,
                GROUP_OBJ => &mut acl.group_obj,
                MASK => &mut acl.mask,
                OTHER => &mut acl.other,
                USER | GROUP => {
                    acl.names.push(Named {
                        group: tag == GROUP,
                        id,
                        perm,
                    });
                    continue;
                }
                // rsync: "entry with unrecognized tag type ignored".
                _ => continue,
            };
            slot.get_or_insert(perm);
        }
        acl.names.sort();
        Ok(acl)
    }

    /// The kernel's attribute for this ACL (missing entries as 0, as
    /// rsync's `pack_smb_acl`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = VERSION.to_le_bytes().to_vec();
        let mut put = |tag: u16, perm: u16, id: u32| {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&perm.to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
        };
        put(USER_OBJ, self.user_obj.unwrap_or(0), NO_ID);
        for n in self.names.iter().filter(|n| !n.group) {
            put(USER, n.perm, n.id);
        }
        put(GROUP_OBJ, self.group_obj.unwrap_or(0), NO_ID);
        for n in self.names.iter().filter(|n| n.group) {
            put(GROUP, n.perm, n.id);
        }
        if let Some(m) = self.mask {
            put(MASK, m, NO_ID);
        }
        put(OTHER, self.other.unwrap_or(0), NO_ID);
        out
    }

    /// The plain ACL a mode stands for (`rsync_acl_fake_perms`).
    pub fn of_mode(mode: u32) -> Acl {
        Acl {
            user_obj: Some((mode >> 6 & 7) as u16),
            group_obj: Some((mode >> 3 & 7) as u16),
            mask: None,
            other: Some((mode & 7) as u16),
            names: Vec::new(),
        }
    }

    /// What the sender keeps of an access ACL (`rsync_acl_strip_perms`)
    /// for an entry listed with `mode` (after `--chmod`): the group entry
    /// and the mask where they equal the mode's group bits.
    fn strip_perms(mut self, mode: u32) -> Acl {
        self.user_obj = None;
        match self.mask {
            None => self.group_obj = None,
            Some(m) => {
                let g = (mode >> 3 & 7) as u16;
                if self.group_obj == Some(g) {
                    self.group_obj = None;
                }
                if !self.names.is_empty() && m == g {
                    self.mask = None;
                }
            }
        }
        self.other = None;
        self
    }

    /// The receiver's fix-ups of an access ACL for an entry of `mode`
    /// (`recv_rsync_acl`): named entries without a mask get the mode's
    /// group bits as one.
    fn received_access(mut self, mode: u32) -> Acl {
        if !self.names.is_empty() && self.mask.is_none() {
            self.mask = Some((mode >> 3 & 7) as u16);
        }
        self.received()
    }

    /// The receiver's fix-ups (`recv_rsync_acl`): a mask without named
    /// entries is dropped, one is made up for named entries without.
    fn received(mut self) -> Acl {
        if self.names.is_empty() {
            if let Some(m) = self.mask.take() {
                self.group_obj = self.group_obj.map(|g| g & m);
            }
        } else if self.mask.is_none() {
            let named = self.names.iter().fold(0, |m, n| m | n.perm);
            self.mask = Some((named | self.group_obj.unwrap_or(0)) & 7);
        }
        self
    }

    /// rsync's `rsync_acl_equal_enough`: do the extended entries of an
    /// access ACL (`self`, as on disk) match the received ones, given
    /// the source mode `mode`?
    fn equal_enough(&self, recv: &Acl, mode: u32) -> bool {
        if self.mask.is_some() != recv.mask.is_some() {
            return false;
        }
        if self.mask.is_some() {
            let want = recv.group_obj.unwrap_or((mode >> 3 & 7) as u16);
            if self.group_obj != Some(want) {
                return false;
            }
        }
        self.names == recv.names
    }

    /// The access ACL to write for mode `mode` (`change_sacl_perms`).
    fn for_mode(&self, mode: u32) -> Acl {
        let g = (mode >> 3 & 7) as u16;
        Acl {
            user_obj: Some((mode >> 6 & 7) as u16),
            group_obj: Some(self.group_obj.unwrap_or(g)),
            mask: self.mask.map(|_| g),
            other: Some((mode & 7) as u16),
            names: self.names.clone(),
        }
    }
}

/// The ACLs of one source entry, as rsync's receiver holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub access: Acl,
    /// Directories only.
    pub default: Option<Acl>,
}

fn not_supported(e: Errno) -> bool {
    e == Errno::NOTSUP || e == Errno::OPNOTSUPP
}

/// One ACL attribute of `path` (following symlinks, as `acl_get_file`).
fn read_one(path: &Path, name: &str) -> Result<Option<Acl>, String> {
    match xattrs::get(path, name.as_bytes(), true) {
        Ok(Some(raw)) => Acl::parse(&raw).map(Some).map_err(|Malformed(n)| {
            format!(
                "rsync: get_acl: sys_acl_get_file({}, {}): malformed ACL ({n} bytes)",
                path.display(),
                kind_name(name)
            )
        }),
        Ok(None) => Ok(None),
        Err(e) if not_supported(e) => Ok(None),
        Err(e) => Err(format!(
            "rsync: get_acl: sys_acl_get_file({}, {}): {}",
            path.display(),
            kind_name(name),
            super::os_error(&std::io::Error::from_raw_os_error(e.raw_os_error()))
        )),
    }
}

fn kind_name(name: &str) -> &'static str {
    if name == ACCESS {
        "ACL_TYPE_ACCESS"
    } else {
        "ACL_TYPE_DEFAULT"
    }
}

/// The ACLs of a source entry with mode `mode`, as sent.
pub fn read_sent(path: &Path, mode: u32, is_dir: bool) -> Result<Sent, String> {
    let access = read_one(path, ACCESS)?.unwrap_or_else(|| Acl::of_mode(mode));
    let default = if is_dir {
        Some(read_one(path, DEFAULT)?.unwrap_or_default().received())
    } else {
        None
    };
    Ok(Sent {
        access: access.strip_perms(mode).received_access(mode),
        default,
    })
}

/// Whether the ACLs of `path` differ from the sent ones of an entry with
/// mode `mode` (rsync's `get_acl` then `set_acl` check). `have` is what
/// rsync's generator stat found there: a directory's default ACL is read
/// too, and libacl refuses that (EACCES) for what is no directory by now
/// (a hard link that replaced it); `name` is the entry's for that error.
pub fn differ(
    path: &Path,
    have: &fs::Metadata,
    name: &str,
    sent: &Sent,
    mode: u32,
) -> Result<bool, String> {
    let access = read_one(path, ACCESS)?.unwrap_or_else(|| Acl::of_mode(have.mode()));
    let default = if have.is_dir() {
        if !fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            return Err(format!(
                "rsync: [generator] get_acl: sys_acl_get_file({name}, ACL_TYPE_DEFAULT): \
                 Permission denied (13)"
            ));
        }
        read_one(path, DEFAULT)?
    } else if sent.default.is_some() {
        read_one(path, DEFAULT)?
    } else {
        None
    };
    if !access.equal_enough(&sent.access, mode) {
        return Ok(true);
    }
    match &sent.default {
        Some(d) => Ok(default.unwrap_or_default() != *d),
        None => Ok(false),
    }
}

/// Writes the sent ACLs onto `path` for mode `mode` where they differ.
/// The caller sets the mode afterwards. Returns whether anything changed.
pub fn apply(path: &Path, have_mode: u32, sent: &Sent, mode: u32) -> Result<bool, String> {
    let mut changed = false;
    let access = read_one(path, ACCESS)?.unwrap_or_else(|| Acl::of_mode(have_mode));
    if !access.equal_enough(&sent.access, mode) {
        write(path, ACCESS, Some(&sent.access.for_mode(mode)))?;
        changed = true;
    }
    if let Some(d) = &sent.default {
        if read_one(path, DEFAULT)?.unwrap_or_default() != *d {
            write(path, DEFAULT, d.user_obj.is_some().then_some(d))?;
            changed = true;
        }
    }
    Ok(changed)
}

fn write(path: &Path, name: &str, acl: Option<&Acl>) -> Result<(), String> {
    let r = match acl {
        Some(acl) => xattr_calls::setxattr(path, name, &acl.encode()),
        None => match xattr_calls::removexattr(path, name) {
            Err(xattr_calls::NO_ATTR) => Ok(()),
            r => r,
        },
    };
    r.map_err(|e| {
        let call = if acl.is_some() {
            "sys_acl_set_file"
        } else {
            "sys_acl_delete_def_file"
        };
        let ty = if acl.is_some() {
            format!(", {}", kind_name(name))
        } else {
            String::new()
        };
        format!(
            "rsync: [receiver] set_acl: {call}({}{ty}): {}",
            path.display(),
            super::os_error(&std::io::Error::from_raw_os_error(e.raw_os_error()))
        )
    })
}

/// Gives `to` the ACLs of `from` (a backup directory those of the
/// directory it stands for).
pub fn copy(from: &Path, to: &Path) -> Result<(), String> {
    for name in [ACCESS, DEFAULT] {
        let acl = read_one(from, name)?;
        if acl.is_some() || read_one(to, name)?.is_some() {
            write(to, name, acl.as_ref())?;
        }
    }
    Ok(())
}

/// The permissions new entries get in `dir` without `-p`: those of its
/// default ACL when it has one, else `umask_perms` (rsync's
/// `default_perms_for_dir`).
pub fn default_perms(dir: &Path, umask_perms: u32) -> u32 {
    match read_one(dir, DEFAULT) {
        Ok(Some(Acl {
            user_obj: Some(u),
            group_obj,
            mask,
            other,
            ..
        })) => {
            let g = mask.or(group_obj).unwrap_or(0);
            u32::from(u) << 6 | u32::from(g) << 3 | u32::from(other.unwrap_or(0))
        }
        _ => umask_perms,
    }
}

/// Why rsync's `default_perms_for_dir` could not read `dir`'s default
/// ACL and warns: libacl's `acl_get_file` fails where the attribute
/// cannot be read, and for a non-directory (EACCES). None where it reads
/// one (or none), and where rsync says nothing: no ACL support (ENOTSUP,
/// ENOSYS, EINVAL), or, in a dry run, a directory not made (ENOENT).
pub fn default_acl_error(dir: &Path, dry_run: bool) -> Option<Errno> {
    let e = match super::xattr_calls::getxattr_query(dir, DEFAULT) {
        Ok(_) => return None,
        Err(e) if e == super::xattr_calls::NO_ATTR => match rustix::fs::stat(dir) {
            Ok(st) if rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir() => return None,
            Ok(_) => Errno::ACCESS,
            Err(e) => e,
        },
        Err(e) => e,
    };
    let quiet = not_supported(e)
        || e == Errno::NOSYS
        || e == Errno::INVAL
        || (dry_run && e == Errno::NOENT);
    (!quiet).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(group: bool, id: u32, perm: u16) -> Named {
        Named { group, id, perm }
    }

    #[test]
    fn parse_encode_round_trip() {
        let acl = Acl {
            user_obj: Some(6),
            group_obj: Some(4),
            mask: Some(6),
            other: Some(4),
            names: vec![named(false, 1000, 6), named(true, 100, 5)],
        };
        assert_eq!(Acl::parse(&acl.encode()).unwrap(), acl);
        assert_eq!(Acl::parse(b"\x02\0\0\0\x01\0"), Err(Malformed(6)));
        assert_eq!(Acl::parse(b"\x01\0\0\0"), Err(Malformed(4)));
        assert_eq!(Acl::parse(b""), Err(Malformed(0)));
    }

    #[test]
    fn compared_as_rsync() {
        let src = Acl {
            user_obj: Some(6),
            group_obj: Some(4),
            mask: Some(6),
            other: Some(4),
            names: vec![named(false, 1000, 6)],
        };
        let sent = src.clone().strip_perms(0o664).received_access(0o664);
        assert_eq!(sent.group_obj, Some(4));
        assert_eq!(sent.mask, Some(6));
        // The same ACL under another mode differs only in the mode.
        let mut other_mode = src.clone();
        other_mode.mask = Some(4);
        assert!(other_mode.equal_enough(&sent, 0o664));
        assert!(!Acl::of_mode(0o664).equal_enough(&sent, 0o664));
        let mut g = src.clone();
        g.group_obj = Some(6);
        assert!(!g.equal_enough(&sent, 0o664));
        // A plain ACL is sent as nothing and equals any plain ACL.
        let plain = Acl::of_mode(0o640)
            .strip_perms(0o640)
            .received_access(0o640);
        assert_eq!(plain, Acl::default());
        assert!(Acl::of_mode(0o600).equal_enough(&plain, 0o640));
        assert_eq!(sent.for_mode(0o640).mask, Some(4));
    }
}
