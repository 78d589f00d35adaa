//! Symlinks, devices and special files: created in place, atomically
//! over what was there, or left alone when they already match.

use super::abs;
use super::args::AltDest;
use super::attrs::{self, How};
use super::delete::Side;
use super::engine::Engine;
use super::flist::{Item, Kind};
use super::itemize::*;
use super::meta::SrcMeta;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

impl Engine<'_> {
    /// Symlinks, devices and special files (created in place, atomically
    /// over what was there).
    pub(super) fn nonreg(&mut self, i: usize, dpath: &Path, st: Option<fs::Metadata>) {
        let it = self.item(i);
        let mut st = st;
        if let Some(md) = &st {
            if Kind::of(md) == it.kind && self.quick_check(it, md, dpath) {
                let iflags = self.flags_in_place(it, dpath, md);
                self.set_attrs(dpath, it, Some(md.mode()));
                self.attrs_report(i, iflags);
                self.report(i, iflags, None, 0);
                self.sent_ok(i);
                return;
            }
        }
        let mut cmp: Option<(PathBuf, fs::Metadata)> = None;
        let mut itemize = true;
        let mut alt = false;
        if st.is_none() && !self.alt_roots.is_empty() {
            if let Some((p, md, level)) = self.alt_match(it) {
                alt = true;
                if level == 3 {
                    match self.a.alt_dest {
                        Some(AltDest::Compare) => {
                            self.report_exact(i, &p, &md, MATCHED);
                            return;
                        }
                        Some(AltDest::Link) => {
                            if self.dry() || fs::hard_link(&p, dpath).is_ok() {
                                let base = LOCAL_CHANGE | XNAME_FOLLOWS | MATCHED;
                                self.report_exact(i, &p, &md, base);
                                return;
                            }
                        }
                        _ => {
                            self.report_exact(i, &p, &md, LOCAL_CHANGE | MATCHED);
                            itemize = false;
                        }
                    }
                }
                cmp = Some((p, md));
            }
        }
        if let Some(md) = &st {
            if md.is_dir() {
                if !self.remove_for_replace(dpath, md, it.kind) {
                    return;
                }
                st = None;
            } else if Kind::of(md) != it.kind {
                // itemized as new: a different type was there.
                cmp = None;
                st = Some(md.clone());
            } else {
                cmp = Some((dpath.to_path_buf(), md.clone()));
            }
        }
        if !self.dry() {
            if let Err(e) = self.create_nonreg(it, dpath, st.is_some()) {
                self.error(&e);
                return;
            }
        }
        // Itemized against what was there, but its xattrs and ACLs
        // against the entry just made (rsync reads them only then).
        let iflags = itemize.then(|| {
            let cmp = cmp.as_ref().map(|(p, m)| (p.as_path(), m));
            let mut f = self.flags(it, cmp, LOCAL_CHANGE | REPORT_CHANGE);
            if let (Some((_, md)), false, false) = (cmp, self.dry(), alt) {
                f &= !(REPORT_ACL | REPORT_XATTR);
                f |= self.meta_flags(it, dpath, md);
            }
            f
        });
        if !self.dry() {
            // rsync's receiver sets the xattrs of an entry it did not
            // transfer only when they were itemized as differing: against
            // an alt-dest entry with the same ones, the new entry gets none.
            let keep_xattrs = !alt || iflags.is_some_and(|f| f & REPORT_XATTR != 0);
            let m = self.src_meta(it);
            let m = if keep_xattrs {
                m
            } else {
                std::rc::Rc::new(SrcMeta {
                    xattrs: None,
                    acl: m.acl.clone(),
                })
            };
            if let Err(e) = attrs::set(dpath, &self.want(it, None, How::Check, &m)) {
                self.error(&e);
            }
        }
        if let Some(iflags) = iflags {
            self.report(i, iflags, None, 0);
        }
        self.sent_ok(i);
    }

    pub(super) fn create_nonreg(
        &mut self,
        it: &Item,
        dpath: &Path,
        replace: bool,
    ) -> Result<(), String> {
        let dir = dpath.parent().unwrap_or(Path::new("."));
        let name = dpath
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = if replace {
            if self.a.backup {
                let rel = self.rel_of(dpath);
                self.make_backup(&rel, Side::Generator)?;
                dpath.to_path_buf()
            } else {
                dir.join(format!(".{name}.{}", std::process::id()))
            }
        } else {
            dpath.to_path_buf()
        };
        let r = match it.kind {
            Kind::Symlink => {
                use std::os::unix::ffi::OsStrExt;
                let target = it.link.clone().unwrap_or_default();
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&target), &tmp)
            }
            _ => attrs::mknod(&tmp, it),
        };
        // rsync's atomic_create names the entry it made (the temporary
        // one when replacing) and, for a symlink, its target.
        r.map_err(|e| {
            let full = abs(&tmp);
            match it.kind {
                Kind::Symlink => format!(
                    "rsync: [generator] symlink \"{}\" -> \"{}\" failed: {}",
                    full.display(),
                    String::from_utf8_lossy(it.link.as_deref().unwrap_or_default()),
                    super::os_error(&e)
                ),
                _ => format!(
                    "rsync: [generator] mknod \"{}\" failed: {}",
                    full.display(),
                    super::os_error(&e)
                ),
            }
        })?;
        if tmp != dpath {
            fs::rename(&tmp, dpath).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                format!(
                    "rsync: [generator] rename \"{}\" -> \"{}\" failed: {}",
                    abs(&tmp).display(),
                    abs(dpath).display(),
                    super::os_error(&e)
                )
            })?;
        }
        Ok(())
    }
}
