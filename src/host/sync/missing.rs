//! `--ignore-missing-args` and `--delete-missing-args`: a source argument
//! that does not exist is passed over without an error, or sent as a
//! "missing" entry that the receiver deletes (rsync's `missing_args`: 1
//! or 2, in flist.c's `send_file_list` and generator.c).

use super::delete::Side;
use super::engine::Engine;
use super::flist::{join, show, Kind};
use std::fs;
use std::path::Path;

impl Engine<'_> {
    /// Deletes what the destination holds at each missing argument's
    /// path: a directory with its contents where `--delete` or
    /// `--force` is given, otherwise only when it is empty.
    pub fn delete_missing(&mut self, missing: &[Vec<u8>]) {
        for rel in missing {
            let p = join(&self.dst, rel);
            let Ok(md) = fs::symlink_metadata(&p) else {
                continue;
            };
            let kind = Kind::of(&md);
            if kind == Kind::Dir {
                let recurse = self.a.delete.is_some() || self.a.force;
                if recurse {
                    self.purge_dir(&p, rel, false, Side::Generator);
                }
                if !self.dry() {
                    if let Err(e) = fs::remove_dir(&p) {
                        if e.raw_os_error() == Some(libc::ENOTEMPTY) {
                            self.log.info_server(&format!(
                                "cannot delete non-empty directory: {}",
                                show(rel)
                            ));
                        } else {
                            self.error(&format!(
                                "rsync: [generator] delete_file: rmdir({}) failed: {}",
                                show(rel),
                                super::os_error(&e)
                            ));
                        }
                        continue;
                    }
                } else if !recurse && fs::read_dir(&p).is_ok_and(|mut d| d.next().is_some()) {
                    self.log
                        .info(&format!("cannot delete non-empty directory: {}", show(rel)));
                    continue;
                }
            } else if !self.dry() {
                if let Err(e) = fs::remove_file(&p) {
                    self.error(&format!(
                        "rsync: [generator] delete_file: unlink({}) failed: {}",
                        show(rel),
                        super::os_error(&e)
                    ));
                    continue;
                }
            }
            // rsync's generator sends its deletion counts only with
            // --delete or --force.
            if self.a.delete.is_some() || self.a.force {
                self.stats.deleted.add(kind);
            }
            if (self.a.verbose > 0 && !self.a.quiet) || self.log.format.is_some() {
                let mut item = super::flist::Item::new(rel.clone(), &md, 0);
                item.size = 0;
                self.log.deletion(&item, self.a.times);
            }
        }
    }
}

impl Engine<'_> {
    /// `-R --no-implied-dirs`: the missing directories above `dpath`
    /// are made (rsync's `make_path`, errors as its "recv_generator:
    /// mkdir ... failed").
    pub(super) fn make_parents(&mut self, dpath: &Path) {
        let Some(parent) = dpath.parent().filter(|p| !p.as_os_str().is_empty()) else {
            return;
        };
        if fs::metadata(parent).is_ok() {
            return;
        }
        if let Err(e) = fs::create_dir_all(parent) {
            self.error(&format!(
                "rsync: [generator] recv_generator: mkdir \"{}\" failed: {}",
                super::abs(parent).display(),
                super::os_error(&e)
            ));
        }
    }
}
