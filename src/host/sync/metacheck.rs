//! `-X` and `-A` in the engine: a source entry's extended attributes and
//! ACLs read once per item (meta.rs) and compared with a destination
//! entry for `-i` (rsync's `a` and `x` flags).

use super::acls;
use super::engine::Engine;
use super::flist::Item;
use super::itemize::{REPORT_ACL, REPORT_XATTR};
use super::meta::{map_acl, read, scope, SrcMeta};
use super::xattrs::{self, Xattrs};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::rc::Rc;

impl Engine<'_> {
    /// The source's xattrs and ACLs of `it` (cached for the item at hand).
    pub(super) fn src_meta(&self, it: &Item) -> Rc<SrcMeta> {
        if self.a.xattrs == 0 && !self.a.acls {
            return Rc::default();
        }
        let mut cache = self.meta.cache.borrow_mut();
        if let Some((p, m)) = cache.as_ref() {
            if *p == it.path {
                return m.clone();
            }
        }
        let m = match read(self.a, &self.who, it, &self.sent.src_path(it)) {
            Ok(mut m) => {
                if let (Some(maps), Some(acl)) = (&self.sent.idmaps, &mut m.acl) {
                    map_acl(maps, &mut acl.access, self.a, &self.who);
                    if let Some(d) = &mut acl.default {
                        map_acl(maps, d, self.a, &self.who);
                    }
                }
                Rc::new(m)
            }
            Err(e) => {
                self.meta.errors.borrow_mut().push(e);
                Rc::default()
            }
        };
        *cache = Some((it.path.clone(), m.clone()));
        m
    }

    /// rsync's `a` and `x` item flags: how the ACLs and xattrs of `path`
    /// (an existing entry, `md`) compare with the source's.
    pub(super) fn meta_flags(&self, it: &Item, path: &Path, md: &fs::Metadata) -> u32 {
        let m = self.src_meta(it);
        let mut iflags = 0;
        if let Some(sent) = &m.acl {
            let name = super::flist::show(&it.path);
            match acls::differ(path, md, &name, sent, self.listed_mode(it, path, md)) {
                Ok(true) => iflags |= REPORT_ACL,
                Ok(false) => {}
                // rsync's set_acl finds no ACL read: it differs.
                Err(e) => {
                    self.meta.errors.borrow_mut().push(e);
                    iflags |= REPORT_ACL;
                }
            }
        }
        if let Some(want) = &m.xattrs {
            match xattrs::read(path, scope(self.a, &self.who, false)) {
                Ok(have) => {
                    // The entry now at `path` (a hard link may have
                    // replaced the one `md` was read from).
                    let now = fs::symlink_metadata(path);
                    let md = now.as_ref().unwrap_or(md);
                    if self.seen_xattrs(md, have, want) != *want {
                        iflags |= REPORT_XATTR;
                    }
                }
                Err(e) => self.meta.errors.borrow_mut().push(e),
            }
        }
        iflags
    }

    /// The xattrs rsync's generator sees on an entry with other names:
    /// its receiver, behind it, sets them (for an entry not transferred),
    /// so a change made through one name is not seen at the next. `have`
    /// is what the entry holds now.
    fn seen_xattrs(&self, md: &fs::Metadata, have: Xattrs, want: &Xattrs) -> Xattrs {
        // With one name yet, -H may still link another to it.
        if (md.nlink() < 2 && !self.a.hard_links) || md.is_dir() {
            return have;
        }
        let mut seen = self.meta.xattrs_seen.borrow_mut();
        let key = (md.dev(), md.ino());
        match seen.get(&key) {
            Some((old, new)) if *new == have => old.clone(),
            _ => {
                if have != *want {
                    seen.insert(key, (have.clone(), want.clone()));
                }
                have
            }
        }
    }

    /// The mode rsync's generator compares ACLs for: without `-p` the
    /// list's mode becomes `dest_mode`'s (the permissions of what the
    /// destination holds, a new entry's otherwise), also when an alt-dest
    /// entry at `path` is compared.
    fn listed_mode(&self, it: &Item, path: &Path, md: &fs::Metadata) -> u32 {
        use super::flist::Kind;
        if self.a.perms {
            return it.mode;
        }
        let dest = self.dst_path(it);
        let at_dest = if dest == path {
            Some(md.clone())
        } else {
            fs::symlink_metadata(&dest).ok()
        };
        // A directory in a non-directory's way: as a new entry.
        let existing = at_dest
            .filter(|d| it.kind == Kind::Dir || !d.is_dir())
            .map(|d| d.mode());
        it.mode & !0o7777 | super::attrs::dest_perms(self.a, &self.who, it, existing)
    }

    /// Whether an alt-dest entry's ACLs or xattrs keep it from being used
    /// as is (rsync's `unchanged_attrs`: a symlink's xattrs count too).
    pub(super) fn meta_differs(&self, it: &Item, path: &Path, md: &fs::Metadata) -> bool {
        self.meta_flags(it, path, md) != 0
    }

    /// Logs what reading xattrs and ACLs ran into.
    pub(super) fn drain_meta_errors(&mut self) {
        let errors = std::mem::take(&mut *self.meta.errors.borrow_mut());
        for e in errors {
            self.error(&e);
        }
    }
}
