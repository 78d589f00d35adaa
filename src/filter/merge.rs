//! Per-directory merge files: a port of `push_local_filters`,
//! `pop_local_filters`, `change_local_filter_dir` and `setup_merge_file`
//! from rsync's `exclude.c`. Each merge list keeps one level of rules per
//! directory; a level inherits its parent's unless the merge rule has `n`
//! or the file cleared the list with "!".

use super::engine::{basename, clean_path, retire, Level, ListTarget};
use super::error::FilterError;
use super::list::DirFilter;
use super::rule::*;
use super::MergeSource;

impl DirFilter {
    /// Enters directory `dir` (relative to the transfer root, "" for the
    /// root itself): leaves directories at its depth or deeper, then reads
    /// every active per-directory merge file found in it (rsync's
    /// `change_local_filter_dir`).
    pub fn push_dir<R: MergeSource + ?Sized>(
        &mut self,
        dir: &[u8],
        reader: &mut R,
    ) -> Result<(), FilterError> {
        let dir = dir.strip_suffix(b"/").unwrap_or(dir);
        let depth = if dir.is_empty() || dir == b"." {
            0
        } else {
            dir.iter().filter(|&&b| b == b'/').count() + 1
        };
        self.pop_to(depth);
        let mut dirbuf = self.root.clone();
        if depth > 0 {
            dirbuf.extend_from_slice(dir);
        }
        let mut dirbuf = clean_path(&dirbuf);
        if dirbuf != b"/" {
            dirbuf.push(b'/');
        }
        self.engine.dirbuf = dirbuf;
        // Merge lists may be added while reading: index, don't iterate.
        let mut i = 0;
        while i < self.engine.merges.len() {
            if !self.engine.merges[i].active {
                i += 1;
                continue;
            }
            let def_flags = self.engine.merges[i].def.flags;
            if def_flags & FINISH_SETUP != 0 {
                self.engine.merges[i].def.flags &= !FINISH_SETUP;
                self.setup_merge_file(i, depth, reader)?;
            }
            let def = self.engine.merges[i].def.clone();
            if def.pattern.is_empty() {
                // A merge file named by a directory alone: nothing to read
                // (rsync opens the directory and reads nothing).
                i += 1;
                continue;
            }
            let mut path = self.engine.dirbuf.clone();
            path.extend_from_slice(&def.pattern);
            let mut target = ListTarget::default();
            let xflags = XFlags {
                anchored2abs: true,
                ..XFlags::default()
            };
            self.engine
                .parse_filter_file(&mut target, &path, def.flags, xflags, None, reader)?;
            let inherit = def.flags & NO_INHERIT == 0 && !target.cleared;
            if let Some(m) = self.engine.merges.get_mut(i) {
                if m.active {
                    m.levels.push(Level {
                        depth,
                        rules: target.rules,
                        inherit,
                    });
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// Leaves every directory at `depth` or deeper.
    pub fn pop_to(&mut self, depth: usize) {
        for i in (0..self.engine.merges.len()).rev() {
            loop {
                let m = &mut self.engine.merges[i];
                match m.levels.last() {
                    Some(l) if l.depth >= depth => {}
                    _ => break,
                }
                let Some(level) = m.levels.pop() else { break };
                for r in &level.rules {
                    if r.has(PERDIR_MERGE) {
                        retire(&mut self.engine.merges, r.merge_id);
                    }
                }
            }
        }
    }

    /// rsync's `setup_merge_file`: a merge file named with a path that is
    /// a parent of the transfer root is first read in every directory from
    /// there down to the root's parent.
    fn setup_merge_file<R: MergeSource + ?Sized>(
        &mut self,
        i: usize,
        depth: usize,
        reader: &mut R,
    ) -> Result<(), FilterError> {
        let pat = self.engine.merges[i].def.pattern.clone();
        let x = self.engine.merge_name(&pat);
        if x.first() != Some(&b'/') {
            return Ok(());
        }
        let base = basename(&x).to_vec();
        let dir = &x[..x.len() - base.len()];
        let mut buf = clean_path(if dir.is_empty() { b"/" } else { dir });
        if buf != b"/" {
            buf.push(b'/');
        }
        self.engine.merges[i].def.pattern = base.clone().into_boxed_slice();
        let full = self.engine.dirbuf.clone();
        if !full.starts_with(&buf) {
            return Ok(());
        }
        let flags = self.engine.merges[i].def.flags;
        let mut scanned = buf.len();
        self.engine.parent_dirscan = true;
        let result = (|| {
            while scanned < full.len() {
                self.engine.dirbuf = full[..scanned].to_vec();
                let mut path = self.engine.dirbuf.clone();
                path.extend_from_slice(&base);
                let mut target = ListTarget::default();
                let xflags = XFlags {
                    anchored2abs: true,
                    ..XFlags::default()
                };
                self.engine
                    .parse_filter_file(&mut target, &path, flags, xflags, None, reader)?;
                if flags & NO_INHERIT == 0 {
                    let inherit = !target.cleared;
                    self.engine.merges[i].levels.push(Level {
                        depth,
                        rules: target.rules,
                        inherit,
                    });
                } else {
                    self.engine.clear_target(&mut target);
                }
                // Step into the next element of the root's path.
                match full[scanned..].iter().position(|&b| b == b'/') {
                    Some(n) => scanned += n + 1,
                    None => scanned = full.len(),
                }
            }
            Ok(())
        })();
        self.engine.parent_dirscan = false;
        self.engine.dirbuf = full;
        result
    }
}
