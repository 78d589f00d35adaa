//! The receiver's deletion: a port of `delete_in_dir`, `delete_item` and
//! `delete_dir_contents` from rsync's `generator.c` and `delete.c`, with
//! `--max-delete`, backups of deleted files, and dry runs (where every
//! unlink and rmdir "succeeds").

use super::flist::{child, f_name_cmp, join, Item, Kind};
use crate::filter::{DirFilter, FilterError, MergeSource};
use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// An entry of a destination directory.
struct DstEntry {
    path: Vec<u8>,
    kind: Kind,
}

#[derive(PartialEq, Eq)]
enum Ret {
    Success,
    NotEmpty,
    Failed,
}

/// What deletion reports, in order.
#[derive(Debug)]
pub enum Del {
    /// An item deleted (or, in a dry run, that would be).
    Deleted(Vec<u8>, Kind),
    /// A message for stdout ("cannot delete non-empty directory: x").
    Note(String),
    /// An error for stderr (a failed unlink): the run exits 23.
    Error(String),
}

/// Which of rsync's processes would delete: each keeps its own
/// --max-delete count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Generator,
    Receiver,
}

/// Moves a file that is to be deleted to its backup place instead.
pub type BackupFn<'a> = dyn FnMut(&[u8], Kind) -> Result<bool, String> + 'a;

/// The receiver: its rules and the lines deletion prints.
pub struct Deleter<'a> {
    pub root: &'a Path,
    pub filter: DirFilter,
    pub reader: &'a mut dyn MergeSource,
    pub lines: Vec<Del>,
    pub dry: bool,
    /// `--max-delete`: deletions allowed, and those refused past it.
    pub max_delete: Option<i64>,
    pub count: u64,
    pub skipped: u64,
    pub backup: Option<Box<BackupFn<'a>>>,
    /// Set while listing a directory that is being deleted: perishable
    /// rules are ignored there (rsync's `ignore_perishable`).
    ignore_perishable: bool,
    non_perishable: usize,
    /// `--delete-delay`: what to delete is decided in each directory, the
    /// deleting is done at the end (rsync's `remember_delete`).
    pub delay: bool,
    delayed: Vec<(Vec<u8>, Kind)>,
    /// A directory failed to open (rsync's get_dirlist sets its
    /// generator's io_error: it deletes nothing more).
    pub io_error: bool,
}

fn depth_of(p: &[u8]) -> usize {
    if p.is_empty() {
        0
    } else {
        p.iter().filter(|&&b| b == b'/').count() + 1
    }
}

impl<'a> Deleter<'a> {
    pub fn new(root: &'a Path, filter: DirFilter, reader: &'a mut dyn MergeSource) -> Self {
        Deleter {
            root,
            filter,
            reader,
            lines: Vec::new(),
            dry: false,
            max_delete: None,
            count: 0,
            skipped: 0,
            backup: None,
            ignore_perishable: false,
            non_perishable: 0,
            delay: false,
            delayed: Vec::new(),
            io_error: false,
        }
    }

    /// rsync's `get_dirlist`: the entries of a destination directory the
    /// receiver's rules do not exclude, sorted as a file list.
    fn dirlist(&mut self, dir: &[u8]) -> Vec<DstEntry> {
        let mut out = Vec::new();
        let rd = match fs::read_dir(join(self.root, dir)) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
            Err(e) => {
                self.io_error = true;
                self.lines.push(Del::Error(format!(
                    "rsync: [generator] opendir \"{}\" failed: {}",
                    std::env::current_dir()
                        .unwrap_or_default()
                        .join(join(self.root, dir))
                        .display(),
                    super::os_error(&e)
                )));
                return out;
            }
        };
        for ent in rd.flatten() {
            let path = child(dir, ent.file_name().as_bytes());
            let Ok(md) = fs::symlink_metadata(ent.path()) else {
                continue;
            };
            let kind = Kind::of(&md);
            let excluded = self
                .filter
                .check(&path, kind == Kind::Dir, self.ignore_perishable)
                .is_excluded();
            if excluded {
                if self.ignore_perishable {
                    self.non_perishable += 1;
                }
                continue;
            }
            out.push(DstEntry { path, kind });
        }
        out.sort_by(|a, b| f_name_cmp(&a.path, a.kind == Kind::Dir, &b.path, b.kind == Kind::Dir));
        out
    }

    /// Enters a destination directory without deleting in it (rsync's
    /// `change_local_filter_dir` for a directory missing on this side).
    pub fn enter(&mut self, dir: &[u8]) -> Result<(), FilterError> {
        self.filter.push_dir(dir, self.reader)
    }

    /// Deletes what the sender's list lacks in `dir` (rsync's
    /// `delete_in_dir`). `names` are the names the sender has there.
    pub fn delete_in_dir(&mut self, dir: &[u8], names: &HashSet<&[u8]>) -> Result<(), FilterError> {
        self.filter.push_dir(dir, self.reader)?;
        let list = self.dirlist(dir);
        for e in list.iter().rev() {
            let name = match e.path.iter().rposition(|&b| b == b'/') {
                Some(i) => &e.path[i + 1..],
                None => &e.path[..],
            };
            if !names.contains(name) {
                if self.delay {
                    self.delayed.push((e.path.clone(), e.kind));
                } else {
                    self.delete_item(&e.path, e.kind, true, false)?;
                }
            }
        }
        Ok(())
    }

    /// Deletes what `--delete-delay` remembered. By then rsync has left
    /// every directory: only the global rules, and the merge files of the
    /// directories being deleted, apply.
    pub fn run_delayed(&mut self) -> Result<(), FilterError> {
        self.filter.pop_to(0);
        for (path, kind) in std::mem::take(&mut self.delayed) {
            self.delete_item(&path, kind, true, false)?;
        }
        Ok(())
    }

    /// Clears directory `path` to make way for an item of another type
    /// (rsync's `delete_item` with DEL_MAKE_ROOM and DEL_RECURSE): its
    /// contents are deleted, logged and counted against `--max-delete`;
    /// the directory itself is neither. False when it could not go.
    pub fn make_room(&mut self, path: &[u8]) -> Result<bool, FilterError> {
        self.ignore_perishable = true;
        let r = self.delete_dir_contents(path, true);
        self.ignore_perishable = false;
        if r? != Ret::Success {
            return Ok(false);
        }
        if self.dry {
            return Ok(true);
        }
        match fs::remove_dir(join(self.root, path)) {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ENOTEMPTY) => {
                self.lines.push(Del::Note(format!(
                    "cannot delete non-empty directory: {}",
                    super::flist::show(path)
                )));
                Ok(false)
            }
            Err(e) => {
                self.lines.push(Del::Error(format!(
                    "rsync: [generator] delete_file: rmdir({}) failed: {}",
                    super::flist::show(path),
                    super::os_error(&e)
                )));
                Ok(false)
            }
        }
    }

    fn delete_item(
        &mut self,
        path: &[u8],
        kind: Kind,
        recurse: bool,
        dir_is_empty: bool,
    ) -> Result<Ret, FilterError> {
        if kind == Kind::Dir && !dir_is_empty {
            self.ignore_perishable = true;
            let r = self.delete_dir_contents(path, recurse);
            self.ignore_perishable = false;
            if r? != Ret::Success {
                return Ok(Ret::NotEmpty);
            }
        }
        // rsync checks the limit once the contents are gone.
        if let Some(max) = self.max_delete {
            if self.count as i64 >= max {
                self.skipped += 1;
                return Ok(Ret::NotEmpty);
            }
        }
        if !self.dry {
            let full = join(self.root, path);
            let backed_up = match (&mut self.backup, kind) {
                (Some(b), k) if k != Kind::Dir => match b(path, kind) {
                    Ok(done) => done,
                    Err(e) => {
                        self.lines.push(Del::Error(e));
                        return Ok(Ret::Failed);
                    }
                },
                _ => false,
            };
            let r = if backed_up {
                Ok(())
            } else if kind == Kind::Dir {
                fs::remove_dir(&full)
            } else {
                fs::remove_file(&full)
            };
            if let Err(e) = r {
                if kind == Kind::Dir && e.raw_os_error() == Some(libc::ENOTEMPTY) {
                    // Backups made inside it, say.
                    self.lines.push(Del::Note(format!(
                        "cannot delete non-empty directory: {}",
                        super::flist::show(path)
                    )));
                    return Ok(Ret::NotEmpty);
                }
                let what = if kind == Kind::Dir { "rmdir" } else { "unlink" };
                self.lines.push(Del::Error(format!(
                    "rsync: [generator] delete_file: {what}({}) failed: {}",
                    super::flist::show(path),
                    super::os_error(&e)
                )));
                return Ok(Ret::Failed);
            }
        }
        self.count += 1;
        self.lines.push(Del::Deleted(path.to_vec(), kind));
        Ok(Ret::Success)
    }

    fn delete_dir_contents(&mut self, path: &[u8], recurse: bool) -> Result<Ret, FilterError> {
        self.filter.push_dir(path, self.reader)?;
        self.non_perishable = 0;
        let list = self.dirlist(path);
        let mut ret = if self.non_perishable > 0 {
            Ret::NotEmpty
        } else {
            Ret::Success
        };
        if !list.is_empty() {
            if !recurse {
                ret = Ret::NotEmpty;
            } else {
                for e in list.iter().rev() {
                    if e.kind == Kind::Dir
                        && self.delete_dir_contents(&e.path, true)? != Ret::Success
                    {
                        ret = Ret::NotEmpty;
                    }
                    if self.delete_item(&e.path, e.kind, false, true)? != Ret::Success {
                        ret = Ret::NotEmpty;
                    }
                }
            }
        }
        self.filter.pop_to(depth_of(path));
        if ret == Ret::NotEmpty {
            self.lines.push(Del::Note(format!(
                "cannot delete non-empty directory: {}",
                super::flist::show(path)
            )));
        }
        Ok(ret)
    }
}

/// The names directly inside directory item `d` (its subtree follows it
/// in the sorted list).
pub fn names_in(items: &[Item], d: usize) -> HashSet<&[u8]> {
    let dir = &items[d].path;
    let depth = items[d].depth() + 1;
    let mut out = HashSet::new();
    for it in &items[d + 1..] {
        let below = dir.is_empty()
            || (it.path.len() > dir.len()
                && it.path.starts_with(dir)
                && it.path[dir.len()] == b'/');
        if !below {
            break;
        }
        if it.depth() == depth {
            out.insert(it.name());
        }
    }
    out
}
