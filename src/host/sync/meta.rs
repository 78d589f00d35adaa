//! `-X` and `-A` on the receiving side: what a source entry's extended
//! attributes and ACLs are (read once per item, metacheck.rs) and how
//! they are applied with the other attributes (attrs.rs).

use super::acls;
use super::args::SyncArgs;
use super::flist::{Item, Kind};
use super::usermap::IdMaps;
use super::who::Who;
use super::xattrs::{self, Scope, Xattrs};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::rc::Rc;

/// The source's xattrs and ACLs as the engine reads them (behind
/// `RefCell`s: they are read through `&Engine`).
#[derive(Default)]
pub struct MetaCache {
    /// The item at hand's path and what it carries.
    pub(super) cache: RefCell<Option<(Vec<u8>, Rc<SrcMeta>)>>,
    /// Errors reading them, reported at the next item.
    pub(super) errors: RefCell<Vec<String>>,
    /// Entries with other names whose xattrs were found differing: (dev,
    /// inode) to what they held and what they were to get.
    pub(super) xattrs_seen: RefCell<HashMap<(u64, u64), (Xattrs, Xattrs)>>,
}

/// What `-X`/`-A` carry for one source entry (`None`: not carried).
#[derive(Debug, Default)]
pub struct SrcMeta {
    pub xattrs: Option<Xattrs>,
    pub acl: Option<acls::Sent>,
}

pub fn scope(a: &SyncArgs, who: &Who, sender: bool) -> Scope {
    Scope {
        root: who.root,
        twice: a.xattrs > 1,
        sender,
    }
}

/// Whether rsync reads xattrs for an entry of this kind (`get_xattr`).
fn xattrs_for(a: &SyncArgs, kind: Kind) -> bool {
    match kind {
        Kind::File | Kind::Dir => true,
        Kind::Symlink => a.links,
        Kind::Special => a.specials,
        Kind::Device => a.devices,
    }
}

/// Reads what `-X`/`-A` carry for `it`, found at `src`.
pub fn read(a: &SyncArgs, who: &Who, it: &Item, src: &Path) -> Result<SrcMeta, String> {
    let mut m = SrcMeta::default();
    if a.xattrs > 0 && xattrs_for(a, it.kind) {
        // rsync lists them without following: with -L a symlink's own.
        m.xattrs = Some(xattrs::read(src, scope(a, who, true))?);
    }
    if a.acls && it.kind != Kind::Symlink {
        m.acl = Some(acls::read_sent(src, it.mode, it.kind == Kind::Dir)?);
    }
    Ok(m)
}

/// Maps the named entries of a received ACL (rsync's match_acl_ids).
/// With incremental recursion rsync's receiver maps them as it reads
/// them (recv_ida_entries), and with `--numeric-ids` not a user's, nor
/// as root a group's.
pub(super) fn map_acl(maps: &IdMaps, acl: &mut acls::Acl, a: &SyncArgs, who: &Who) {
    let as_read = a.recursive && !super::inc_off(a) && a.more.protocol.is_none_or(|p| p >= 30);
    let users = !(as_read && a.numeric_ids);
    let groups = !(as_read && a.numeric_ids && who.root);
    for n in &mut acl.names {
        if n.group && groups {
            n.id = maps.gid(n.id);
        } else if !n.group && users {
            n.id = maps.uid(n.id);
        }
    }
    acl.names.sort();
}

/// Makes the xattrs of `path` those of the source. Returns whether any
/// changed (rsync then sets the time again, to the nanosecond).
pub fn set_xattrs(
    path: &Path,
    md: &fs::Metadata,
    want: &Xattrs,
    a: &SyncArgs,
    who: &Who,
) -> Result<bool, String> {
    let have = xattrs::read(path, scope(a, who, false))?;
    if have == *want {
        return Ok(false);
    }
    // rsync: a file without write permission gets it for the change.
    let mode = md.mode() & 0o7777;
    let lift = !who.root && !md.is_symlink() && mode & 0o200 == 0;
    if lift {
        let _ = rustix::fs::chmod(
            path,
            rustix::fs::Mode::from_raw_mode((mode | 0o200) as rustix::fs::RawMode),
        );
    }
    let r = xattrs::apply(path, want, &have);
    if lift {
        let _ = rustix::fs::chmod(
            path,
            rustix::fs::Mode::from_raw_mode(mode as rustix::fs::RawMode),
        );
    }
    r
}
