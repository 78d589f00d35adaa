//! The sender's file list: a walk of the source applying the sender's
//! rules, sorted as rsync sorts it (a port of `f_name_cmp` in rsync's
//! `flist.c`: within a directory, files first, then subdirectories, each
//! followed by its contents).

use crate::filter::{DirFilter, FilterError, MergeSource};
use std::cmp::Ordering;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What an entry is (from `lstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl Kind {
    pub fn of(md: &fs::Metadata) -> Kind {
        let t = md.file_type();
        if t.is_dir() {
            Kind::Dir
        } else if t.is_file() {
            Kind::File
        } else if t.is_symlink() {
            Kind::Symlink
        } else {
            Kind::Other
        }
    }
}

/// One entry of a file list: its path relative to the transfer root.
#[derive(Debug, Clone)]
pub struct Item {
    pub path: Vec<u8>,
    pub kind: Kind,
    pub size: u64,
    pub mtime: i64,
}

impl Item {
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// The line `--out-format=%n` prints: directories end with '/'.
    pub fn display(&self) -> String {
        let mut s = show(&self.path);
        if self.is_dir() {
            s.push('/');
        }
        s
    }

    pub fn depth(&self) -> usize {
        self.path.iter().filter(|&&b| b == b'/').count() + 1
    }

    pub fn parent(&self) -> &[u8] {
        match self.path.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.path[..i],
            None => b"",
        }
    }

    pub fn name(&self) -> &[u8] {
        match self.path.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.path[i + 1..],
            None => &self.path,
        }
    }
}

/// Whether the locale's character set is UTF-8 (rsync honours LC_CTYPE).
fn utf8_locale() -> bool {
    static UTF8: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *UTF8.get_or_init(|| {
        let v = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        v.contains("utf-8") || v.contains("utf8")
    })
}

/// A file name as rsync prints it: bytes it cannot print (control
/// characters but tab, and outside a UTF-8 locale any byte over 0x7f, or
/// invalid UTF-8 in one) become `\#ooo`.
pub fn show(name: &[u8]) -> String {
    let utf8 = utf8_locale();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if b == b'\t' || (0x20..0x7f).contains(&b) {
            out.push(b as char);
            i += 1;
            continue;
        }
        if utf8 && b >= 0x80 {
            let len = match b {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 0,
            };
            if let Some(Ok(s)) = name.get(i..i + len).map(std::str::from_utf8) {
                if len > 0 && !s.chars().any(char::is_control) {
                    out.push_str(s);
                    i += len;
                    continue;
                }
            }
        }
        out.push_str(&format!("\\#{b:03o}"));
        i += 1;
    }
    out
}

/// Compares `a + "/"` with `b + "/"`.
fn cmp_with_slash(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        o => return o,
    }
    let ca = a.get(n).copied().unwrap_or(b'/');
    let cb = b.get(n).copied().unwrap_or(b'/');
    ca.cmp(&cb)
}

/// rsync's `f_name_cmp` (protocol 29 and later).
pub fn f_name_cmp(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> Ordering {
    let mut ia = a.split(|&c| c == b'/').peekable();
    let mut ib = b.split(|&c| c == b'/').peekable();
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                // A path element is "t_PATH" (a directory, or one on the
                // way to the item) or "t_ITEM" (the final non-directory).
                let xp = ia.peek().is_some() || a_dir;
                let yp = ib.peek().is_some() || b_dir;
                if xp != yp {
                    return if xp {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                let o = if xp { cmp_with_slash(x, y) } else { x.cmp(y) };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Sorts a file list as rsync does.
pub fn sort_items(items: &mut [Item]) {
    items.sort_by(|a, b| f_name_cmp(&a.path, a.is_dir(), &b.path, b.is_dir()));
}

/// The sender's walk: the file list, rsync's messages, and whether an I/O
/// error happened (which turns deletion off).
#[derive(Debug, Default)]
pub struct Sent {
    pub items: Vec<Item>,
    pub errors: Vec<String>,
    pub io_error: bool,
}

pub fn join(root: &Path, rel: &[u8]) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(std::ffi::OsStr::from_bytes(rel))
    }
}

pub fn child(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(dir.len() + name.len() + 1);
    if !dir.is_empty() {
        p.extend_from_slice(dir);
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Walks `root` as rsync's sender: each directory's per-directory merge
/// files are read, then its entries (in `readdir` order) checked against
/// the rules. With `top`, only that entry of `root` is sent (a source
/// named without a trailing slash).
pub fn send_tree(
    root: &Path,
    top: Option<&[u8]>,
    filter: &mut DirFilter,
    reader: &mut dyn MergeSource,
) -> Result<Sent, FilterError> {
    let mut sent = Sent::default();
    match top {
        None => send_dir(root, b"", filter, reader, &mut sent)?,
        Some(name) => {
            // One named entry of the root, filtered like any other.
            filter.push_dir(b"", reader)?;
            if let Ok(md) = fs::symlink_metadata(join(root, name)) {
                let kind = Kind::of(&md);
                if !filter.is_excluded(name, kind == Kind::Dir) {
                    sent.items.push(Item {
                        path: name.to_vec(),
                        kind,
                        size: if kind == Kind::File { md.len() } else { 0 },
                        mtime: md.mtime(),
                    });
                    if kind == Kind::Dir {
                        send_dir(root, name, filter, reader, &mut sent)?;
                    }
                }
            }
        }
    }
    sort_items(&mut sent.items);
    Ok(sent)
}

fn send_dir(
    root: &Path,
    dir: &[u8],
    filter: &mut DirFilter,
    reader: &mut dyn MergeSource,
    sent: &mut Sent,
) -> Result<(), FilterError> {
    filter.push_dir(dir, reader)?;
    let full = join(root, dir);
    let rd = match fs::read_dir(&full) {
        Ok(rd) => rd,
        Err(e) => {
            sent.errors.push(format!(
                "rsync: [sender] opendir \"{}\" failed: {}",
                full.display(),
                super::os_error(&e)
            ));
            sent.io_error = true;
            return Ok(());
        }
    };
    let mut subdirs = Vec::new();
    let mut entries = Vec::new();
    for ent in rd {
        match ent {
            Ok(e) => entries.push(e),
            Err(e) => {
                sent.errors.push(format!(
                    "rsync: [sender] readdir(\"{}\"): {}",
                    full.display(),
                    super::os_error(&e)
                ));
                sent.io_error = true;
            }
        }
    }
    // rsync reports a directory's entries in name order.
    entries.sort_by_key(|e| e.file_name());
    for ent in entries {
        let name = ent.file_name();
        let path = child(dir, name.as_bytes());
        let md = match fs::symlink_metadata(ent.path()) {
            Ok(m) => m,
            Err(e) => {
                sent.errors.push(format!(
                    "rsync: [sender] link_stat \"{}\" failed: {}",
                    ent.path().display(),
                    super::os_error(&e)
                ));
                sent.io_error = true;
                continue;
            }
        };
        let kind = Kind::of(&md);
        if filter.is_excluded(&path, kind == Kind::Dir) {
            continue;
        }
        if kind == Kind::Dir {
            subdirs.push(path.clone());
        }
        sent.items.push(Item {
            path,
            kind,
            size: if kind == Kind::File { md.len() } else { 0 },
            mtime: md.mtime(),
        });
    }
    // Subdirectories in file-list order, as rsync visits them.
    subdirs.sort_by(|a, b| f_name_cmp(a, true, b, true));
    for sub in subdirs {
        send_dir(root, &sub, filter, reader, sent)?;
    }
    Ok(())
}

/// `--prune-empty-dirs`, as rsync's receiver does it: a directory stays
/// when it holds a non-directory somewhere below, or when it (or a
/// directory below it) is excluded by the receiver's rules.
pub fn prune_empty_dirs(items: &mut Vec<Item>, receiver: &DirFilter) {
    let n = items.len();
    let mut keep = vec![false; n];
    // Indexes of the directories on the way to the current item.
    let mut chain: Vec<usize> = Vec::new();
    for i in 0..n {
        let depth = items[i].depth();
        while let Some(&d) = chain.last() {
            if items[d].depth() >= depth {
                chain.pop();
            } else {
                break;
            }
        }
        if items[i].is_dir() {
            if receiver.is_excluded(&items[i].path, true) {
                keep[i] = true;
                for &d in &chain {
                    keep[d] = true;
                }
            }
            chain.push(i);
        } else {
            keep[i] = true;
            for &d in &chain {
                keep[d] = true;
            }
        }
    }
    let mut k = keep.into_iter();
    items.retain(|_| k.next().unwrap_or(true));
}
