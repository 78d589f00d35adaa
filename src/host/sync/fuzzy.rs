//! `-y`/`--fuzzy`: a basis for a file the destination lacks, chosen as
//! rsync's generator chooses it (`find_fuzzy` in generator.c, with
//! `fuzzy_distance` and `find_filename_suffix` from util1.c): among the
//! regular, non-empty files of the destination's directory (and with
//! `-yy` the same directory under each `--*-dest` directory), first one
//! of the same size and modification time, else the nearest name by a
//! weighted Levenshtein distance (suffixes weighing ten times), if
//! nearer than 25 edits. Files this run updates are not candidates.
//!
//! rsync's generator reads a directory's list once, at the first file
//! there with no basis, while its receiver, a process behind it, has yet
//! to write the files of that directory it asked for: the list has none
//! of those new files, and a file the receiver replaces as it was before
//! (its old size and time). wsync, one process, has written them by then;
//! it lists the directory as rsync's generator finds it.

use super::timewin::same_time;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const UNIT: u32 = 1 << 16;

/// A candidate: a regular file of one of the searched directories.
struct Cand {
    name: Vec<u8>,
    path: PathBuf,
    size: u64,
    mtime: i64,
}

/// Names this run's receiver wrote in a directory, each with what was
/// there before: a regular, non-empty file's size and time (a
/// candidate), else None.
type Wrote = HashMap<Vec<u8>, Option<(u64, i64)>>;

/// The directory lists of the directory at hand, read once per
/// directory as rsync's `get_dirlist`, and the names sent from it.
#[derive(Default)]
pub struct Fuzzy {
    dir: Option<PathBuf>,
    lists: Vec<Vec<Cand>>,
    sent: HashSet<PathBuf>,
    /// The directory this run's receiver last wrote a file in, and what
    /// it wrote there.
    wrote_dir: Option<PathBuf>,
    wrote: Wrote,
}

impl Fuzzy {
    /// The basis for the new file `dst` (size, mtime) and its size as
    /// listed, or None; `dirs`: the destination directory first, then
    /// the `-yy` basis dirs. `fname`: the name the list has (rsync's
    /// file->basename, the source's name where a single file is copied
    /// to another).
    pub fn find(
        &mut self,
        dst: &Path,
        fname: &[u8],
        dirs: &[PathBuf],
        size: u64,
        mtime: i64,
    ) -> Option<(PathBuf, u64)> {
        let parent = dir_of(dst).to_path_buf();
        if self.dir.as_ref() != Some(&parent) {
            let wrote = (self.wrote_dir.as_ref() == Some(&parent)).then_some(&self.wrote);
            self.lists = dirs
                .iter()
                .enumerate()
                .map(|(k, d)| list(d, wrote.filter(|_| k == 0)))
                .collect();
            self.dir = Some(parent);
            self.sent.clear();
        }
        let usable = |c: &&Cand| !self.sent.contains(&c.path);
        for l in &self.lists {
            if let Some(c) = l
                .iter()
                .filter(usable)
                .find(|c| c.size == size && same_time(c.mtime, 0, mtime, 0))
            {
                return Some((c.path.clone(), c.size));
            }
        }
        let fsuf = suffix(fname);
        let mut lowest = 25 * UNIT;
        let mut best = None;
        for l in &self.lists {
            for c in l.iter().filter(usable) {
                let mut dist = distance(&c.name, fname, lowest);
                if dist < 0xFFFF_0000 {
                    let d = distance(suffix(&c.name), fsuf, 0xFFFF_0000);
                    dist = dist.wrapping_add(d.wrapping_mul(10));
                }
                if dist <= lowest {
                    lowest = dist;
                    best = Some((c.path.clone(), c.size));
                }
            }
        }
        best
    }

    /// A destination file this run is about to replace: no longer a
    /// candidate (rsync's FLAG_FILE_SENT), when its directory's list was
    /// read already (rsync reads it at the first file there with no
    /// basis, and marks the entries of that list only).
    pub fn sending(&mut self, dst: &Path) {
        if Some(dir_of(dst)) == self.dir.as_deref() {
            self.sent.insert(dst.to_path_buf());
        }
    }

    /// This run's receiver writes `path` (the file it receives, or the
    /// backup it renames the old one to), where `before` was: a
    /// directory list read later, while rsync's receiver is still behind
    /// its generator, has what was there before. Only the directory last
    /// written in is kept (a directory's files come together in the
    /// list; its list is read before the next directory's files).
    pub fn receiving(&mut self, path: &Path, before: Option<&fs::Metadata>) {
        let dir = dir_of(path);
        if self.wrote_dir.as_deref() != Some(dir) {
            self.wrote.clear();
            self.wrote_dir = Some(dir.to_path_buf());
        }
        let Some(name) = path.file_name() else { return };
        let was = before.filter(|m| m.is_file() && m.len() > 0);
        self.wrote
            .entry(name.as_bytes().to_vec())
            .or_insert(was.map(|m| (m.len(), m.mtime())));
    }
}

/// The directory `path` is in: `.` for a bare name (a single file
/// copied to a new name in the current directory).
pub fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A directory's regular, non-empty files, in rsync's list order;
/// `wrote`: the names this run's receiver wrote there, listed as they
/// were before.
fn list(dir: &Path, wrote: Option<&Wrote>) -> Vec<Cand> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<Cand> = rd
        .flatten()
        .filter(|e| !wrote.is_some_and(|w| w.contains_key(e.file_name().as_bytes())))
        .filter_map(|e| {
            let md = fs::symlink_metadata(e.path()).ok()?;
            (md.is_file() && md.len() > 0).then(|| Cand {
                name: e.file_name().as_bytes().to_vec(),
                path: e.path(),
                size: md.len(),
                mtime: md.mtime(),
            })
        })
        .collect();
    for (name, was) in wrote.into_iter().flatten() {
        if let Some((size, mtime)) = *was {
            v.push(Cand {
                name: name.clone(),
                path: dir.join(std::ffi::OsStr::from_bytes(name)),
                size,
                mtime,
            });
        }
    }
    v.sort_by(|a, b| super::flist::f_name_cmp(&a.name, false, &b.name, false));
    v
}

/// rsync's `find_filename_suffix`.
fn suffix(name: &[u8]) -> &[u8] {
    let mut fn_ = name;
    while let Some(r) = fn_.strip_prefix(b".") {
        fn_ = r;
    }
    let mut len = fn_.len();
    let had_tilde = len > 1 && fn_[len - 1] == b'~';
    if had_tilde {
        len -= 1;
    }
    let mut suf: &[u8] = b"";
    let mut s = len;
    while len > 1 {
        // The last '.' before s, or the start.
        loop {
            s -= 1;
            if fn_[s] == b'.' || s == 0 {
                break;
            }
        }
        if s == 0 {
            break;
        }
        let s_len = len - s;
        len = s;
        let part = &fn_[s..s + s_len];
        if (s_len == 4 && (&part[1..] == b"bak" || &part[1..] == b"old"))
            || (s_len == 5 && &part[1..] == b"orig")
            || (s_len > 2 && had_tilde && part[1] == b'~' && part[2].is_ascii_digit())
        {
            continue;
        }
        suf = part;
        if s_len == 1 || !part[1..].iter().all(u8::is_ascii_digit) {
            break;
        }
        // An all-digit suffix may not be that significant: look on.
    }
    suf
}

/// rsync's `fuzzy_distance`: a Levenshtein distance in units of 2^16,
/// each edit weighted by the bytes involved.
fn distance(s1: &[u8], s2: &[u8], upper: u32) -> u32 {
    let (l1, l2) = (s1.len() as u32, s2.len() as u32);
    if l1.abs_diff(l2).saturating_mul(UNIT) > upper {
        return 0xFFFF * UNIT + 1;
    }
    if s1.is_empty() || s2.is_empty() {
        let s = if s1.is_empty() { s2 } else { s1 };
        // C's `char` is signed here: bytes over 0x7f count negative.
        let cost: i32 = s.iter().map(|&b| i32::from(b as i8)).sum();
        return (s.len() as u32)
            .wrapping_mul(UNIT)
            .wrapping_add(cost as u32);
    }
    let mut a: Vec<u32> = (1..=l2).map(|i| i * UNIT).collect();
    for (i1, &c1) in s1.iter().enumerate() {
        let mut diag = i1 as u32 * UNIT;
        let mut above = (i1 as u32 + 1) * UNIT;
        for (i2, &c2) in s2.iter().enumerate() {
            let left = a[i2];
            let d = i32::from(c1) - i32::from(c2);
            let cost: u32 = match d {
                0 => 0,
                d if d < 0 => UNIT + (-d) as u32,
                d => UNIT + d as u32,
            };
            let diag_inc = diag.wrapping_add(cost);
            let left_inc = left.wrapping_add(UNIT).wrapping_add(u32::from(c1));
            let above_inc = above.wrapping_add(UNIT).wrapping_add(u32::from(c2));
            above = if left < above {
                left_inc.min(diag_inc)
            } else {
                above_inc.min(diag_inc)
            };
            a[i2] = above;
            diag = left;
        }
    }
    a[l2 as usize - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_as_rsync() {
        for (name, suf) in [
            ("a.txt", ".txt"),
            ("a.txt.bak", ".txt"),
            ("a.tar.gz", ".gz"),
            ("a.1", ".1"),
            ("lib.so.1", ".so"),
            (".bashrc", ""),
            ("noext", ""),
            ("f.c~", ".c"),
            ("f.c.~1~", ".c"),
            ("x.orig", ""),
        ] {
            assert_eq!(suffix(name.as_bytes()), suf.as_bytes(), "{name}");
        }
    }

    #[test]
    fn distances() {
        assert_eq!(distance(b"abc", b"abc", u32::MAX), 0);
        // One substitution: a unit plus the bytes' difference.
        assert_eq!(distance(b"abc", b"abd", u32::MAX), UNIT + 1);
        assert!(distance(b"data.txt", b"data2.txt", u32::MAX) < 2 * UNIT + 256);
        assert_eq!(distance(b"a", b"abcdef", UNIT), 0xFFFF * UNIT + 1);
        assert_eq!(distance(b"", b"ab", u32::MAX), 2 * UNIT + 97 + 98);
    }
}
