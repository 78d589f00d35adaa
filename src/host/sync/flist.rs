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

/// What an entry is (from `lstat`, or `stat` with `-L`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A block or character device.
    Device,
    /// A fifo or a socket.
    Special,
}

impl Kind {
    pub fn of(md: &fs::Metadata) -> Kind {
        use std::os::unix::fs::FileTypeExt;
        let t = md.file_type();
        if t.is_dir() {
            Kind::Dir
        } else if t.is_file() {
            Kind::File
        } else if t.is_symlink() {
            Kind::Symlink
        } else if t.is_block_device() || t.is_char_device() {
            Kind::Device
        } else {
            Kind::Special
        }
    }
}

/// One entry of a file list: its path relative to the transfer root, and
/// what rsync's sender sends about it.
#[derive(Debug, Clone)]
pub struct Item {
    pub path: Vec<u8>,
    pub kind: Kind,
    pub size: u64,
    pub mtime: i64,
    pub nsec: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    /// A symlink's target.
    pub link: Option<Vec<u8>>,
    /// Which source root the entry is under (`Sent::roots`).
    pub root: u32,
    /// A directory whose contents are in the list (rsync's
    /// FLAG_CONTENT_DIR): deletions happen only there.
    pub content: bool,
    /// The access time in seconds (`-U`).
    pub atime: i64,
    /// The sender's own name where it differs from `path` (before
    /// `--iconv` converted it): read and shown under that name.
    pub sender_name: Option<Vec<u8>>,
}

impl Item {
    pub fn new(path: Vec<u8>, md: &fs::Metadata, root: u32) -> Item {
        let kind = Kind::of(md);
        Item {
            path,
            kind,
            // rsync sends every entry's st_size (%l shows it).
            size: md.len(),
            mtime: md.mtime(),
            nsec: md.mtime_nsec() as u32,
            mode: md.mode(),
            uid: md.uid(),
            gid: md.gid(),
            rdev: md.rdev(),
            dev: md.dev(),
            ino: md.ino(),
            nlink: md.nlink(),
            link: None,
            root,
            content: false,
            atime: md.atime(),
            sender_name: None,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// Path components: 0 for the transfer root.
    pub fn depth(&self) -> usize {
        if self.path.is_empty() {
            return 0;
        }
        self.path.iter().filter(|&&b| b == b'/').count() + 1
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
        if b >= 0x80 && super::outbytes::eight_bit() {
            out.push(super::outbytes::carry(b));
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
    items.sort_by(|a, b| match (a.path.is_empty(), b.path.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => f_name_cmp(&a.path, a.is_dir(), &b.path, b.is_dir()),
    });
}

/// Drops repeated names (several sources, implied directories), keeping
/// the first as rsync's `clean_flist` does; a directory listed twice is
/// a content directory when either was.
pub fn dedup_items(items: &mut Vec<Item>) {
    // In place: a second list would double the peak memory.
    items.dedup_by(|it, last| {
        if last.path != it.path {
            return false;
        }
        if last.is_dir() && it.is_dir() {
            last.content |= it.content;
        }
        true
    });
    items.shrink_to_fit();
}

/// The sender's walk: the file list, rsync's messages, and whether an I/O
/// error happened (which turns deletion off).
#[derive(Debug, Default)]
pub struct Sent {
    pub items: Vec<Item>,
    /// The source roots items are relative to (`Item::root`).
    pub roots: Vec<PathBuf>,
    pub errors: Vec<String>,
    /// Lines rsync prints on stdout while listing ("skipping directory").
    pub notes: Vec<String>,
    pub io_error: bool,
    /// Directories whose listing had an I/O error: with incremental
    /// recursion rsync's generator learns of it when it gets there.
    pub error_dirs: std::collections::HashSet<Vec<u8>>,
    /// The one being listed now (None: the first part of the list).
    pub listing: Option<Vec<u8>>,
    /// `--delete-missing-args`: source arguments that were missing,
    /// as paths in the list (deleted at the destination).
    pub missing: Vec<Vec<u8>>,
}

impl Sent {
    /// Records an I/O error of the sender (no deletions after it).
    pub fn io_err(&mut self, msg: String) {
        self.errors.push(msg);
        self.io_error = true;
        let at = self.listing.clone().unwrap_or_default();
        self.error_dirs.insert(at);
    }
}

impl Sent {
    /// Where an item is on the source side.
    pub fn src_path(&self, it: &Item) -> PathBuf {
        let name = it.sender_name.as_deref().unwrap_or(&it.path);
        join(&self.roots[it.root as usize], name)
    }
}

/// How the sender walks.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    pub recursive: bool,
    pub dirs: bool,
    pub copy_links: bool,
    pub copy_dirlinks: bool,
    pub copy_unsafe_links: bool,
    /// `-x` (1), `-xx` (2); `fs_dev`: the file system of the top
    /// directory being sent.
    pub one_fs: u8,
    pub fs_dev: u64,
    /// `--ignore-missing-args` (1), `--delete-missing-args` (2).
    pub missing_args: u8,
}

/// rsync's `unsafe_symlink()`: whether a symlink named `name` (its path in
/// the file list) with target `target` points outside the transfer: an
/// absolute or empty target, or one whose `..` climb above the tree.
pub fn unsafe_symlink(target: &[u8], name: &[u8]) -> bool {
    if target.is_empty() || target[0] == b'/' {
        return true;
    }
    // The safety margin: the directories `name` is inside.
    let mut depth: i64 = 0;
    let parts: Vec<&[u8]> = name.split(|&c| c == b'/').collect();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *p {
            b".." => depth = 0,
            b"." | b"" => {}
            _ if !last => depth += 1,
            _ => {}
        }
    }
    let parts: Vec<&[u8]> = target.split(|&c| c == b'/').collect();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *p {
            b".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            b"." | b"" => {}
            _ if !last => depth += 1,
            _ => {}
        }
    }
    depth < 0
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

/// `lstat`, or `stat` with `-L` (a dangling symlink is then an error, as
/// rsync's "symlink has no referent", unless `excluded` says the entry is
/// excluded as a file: rsync then skips it quietly).
fn stat_entry(
    path: &Path,
    ent: Option<&fs::DirEntry>,
    name: &[u8],
    o: &WalkOptions,
    sent: &mut Sent,
    excluded: &dyn Fn() -> bool,
) -> Option<fs::Metadata> {
    // A directory entry's lstat is relative to its open directory (no
    // walk of the whole path).
    let md = match ent {
        Some(e) => e.metadata(),
        None => fs::symlink_metadata(path),
    };
    match md {
        // -k: a symlink to a directory is that directory (rsync's link_stat);
        // --copy-unsafe-links: a symlink out of the tree is its referent.
        Ok(md) if !o.copy_links && md.file_type().is_symlink() => {
            if o.copy_dirlinks {
                if let Ok(m) = fs::metadata(path) {
                    if m.is_dir() {
                        return Some(m);
                    }
                }
            }
            if o.copy_unsafe_links {
                let target = fs::read_link(path).unwrap_or_default();
                if unsafe_symlink(target.as_os_str().as_bytes(), name) {
                    return follow(path, sent, excluded);
                }
            }
            Some(md)
        }
        Ok(md) if o.copy_links && md.file_type().is_symlink() => follow(path, sent, excluded),
        Ok(md) => Some(md),
        Err(e) => {
            sent.io_err(format!(
                "rsync: [sender] link_stat \"{}\" failed: {}",
                path.display(),
                super::os_error(&e)
            ));
            None
        }
    }
}

/// `stat` through a symlink (-L, --copy-unsafe-links): a dangling one is
/// rsync's "symlink has no referent", unless `excluded` says the entry is
/// excluded as a file: rsync then skips it quietly.
fn follow(path: &Path, sent: &mut Sent, excluded: &dyn Fn() -> bool) -> Option<fs::Metadata> {
    match fs::metadata(path) {
        Ok(m) => Some(m),
        Err(_) if excluded() => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            sent.io_err(format!("symlink has no referent: \"{}\"", path.display()));
            None
        }
        Err(e) => {
            sent.io_err(format!(
                "rsync: [sender] readlink_stat(\"{}\") failed: {}",
                path.display(),
                super::os_error(&e)
            ));
            None
        }
    }
}

fn make_item(path: Vec<u8>, full: &Path, md: &fs::Metadata, root: u32) -> Item {
    let mut it = Item::new(path, md, root);
    if it.kind == Kind::Symlink {
        it.link = fs::read_link(full)
            .ok()
            .map(|t| t.into_os_string().as_bytes().to_vec());
    }
    it
}

/// Walks one source as rsync's sender. `top` None: the root directory's
/// contents ("SRC/"); `top` Some: that entry of `root` (a source named
/// without a trailing slash, or a `-R`/`--files-from` path), filtered
/// like any other. `top_contents`: a directory named with a trailing
/// slash sends its contents even with `-d`.
#[allow(clippy::too_many_arguments)]
pub fn send_tree(
    root: &Path,
    root_idx: u32,
    top: Option<&[u8]>,
    top_contents: bool,
    o: &WalkOptions,
    filter: &mut DirFilter,
    reader: &mut dyn MergeSource,
    sent: &mut Sent,
) -> Result<(), FilterError> {
    if super::missing::skip_missing(root, top, o, sent) {
        return Ok(());
    }
    let mut o = *o;
    if let Ok(md) = fs::metadata(top.map_or(root.to_path_buf(), |t| join(root, t))) {
        o.fs_dev = md.dev();
    }
    let o = &o;
    match top {
        None => {
            let Some(md) = stat_entry(root, None, b"", o, sent, &|| false) else {
                return Ok(());
            };
            let mut it = make_item(Vec::new(), root, &md, root_idx);
            if it.is_dir() && !(o.recursive || o.dirs) {
                sent.notes.push("skipping directory .".into());
                return Ok(());
            }
            it.content = it.is_dir();
            let is_dir = it.is_dir();
            sent.items.push(it);
            if is_dir {
                send_dir(root, b"", root_idx, o, o.recursive, filter, reader, sent)?;
            }
        }
        Some(name) => {
            filter.push_dir(b"", reader)?;
            let full = join(root, name);
            let Some(md) = stat_entry(&full, None, name, o, sent, &|| {
                filter.is_excluded(name, false)
            }) else {
                return Ok(());
            };
            let mut it = make_item(name.to_vec(), &full, &md, root_idx);
            if filter.is_excluded(name, it.is_dir()) {
                return Ok(());
            }
            if it.is_dir() && !(o.recursive || o.dirs) {
                sent.notes
                    .push(format!("skipping directory {}", show(name)));
                return Ok(());
            }
            let walk = it.is_dir() && (o.recursive || top_contents);
            it.content = walk;
            sent.items.push(it);
            if walk {
                send_dir(root, name, root_idx, o, o.recursive, filter, reader, sent)?;
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn send_dir(
    root: &Path,
    dir: &[u8],
    root_idx: u32,
    o: &WalkOptions,
    recurse: bool,
    filter: &mut DirFilter,
    reader: &mut dyn MergeSource,
    sent: &mut Sent,
) -> Result<(), FilterError> {
    filter.push_dir(dir, reader)?;
    sent.listing = Some(dir.to_vec());
    let full = join(root, dir);
    let rd = match fs::read_dir(&full) {
        Ok(rd) => rd,
        Err(e) => {
            sent.io_err(format!(
                "rsync: [sender] opendir \"{}\" failed: {}",
                full.display(),
                super::os_error(&e)
            ));
            return Ok(());
        }
    };
    let mut subdirs = Vec::new();
    let mut entries = Vec::new();
    for ent in rd {
        match ent {
            Ok(e) => entries.push((e.file_name(), e)),
            Err(e) => {
                sent.io_err(format!(
                    "rsync: [sender] readdir(\"{}\"): {}",
                    full.display(),
                    super::os_error(&e)
                ));
            }
        }
    }
    // rsync reports a directory's entries in name order.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, ent) in entries {
        let path = child(dir, name.as_bytes());
        let full = ent.path();
        let Some(md) = stat_entry(&full, Some(&ent), &path, o, sent, &|| {
            filter.is_excluded(&path, false)
        }) else {
            continue;
        };
        let mut it = make_item(path, &full, &md, root_idx);
        if it.is_dir() && recurse && o.one_fs > 0 && it.dev != o.fs_dev {
            // -x: a mount point is sent without its contents; -xx
            // leaves it out (rsync's FLAG_MOUNT_DIR).
            if o.one_fs > 1 || filter.is_excluded(&it.path, true) {
                continue;
            }
            sent.items.push(it);
            continue;
        }
        if filter.is_excluded(&it.path, it.is_dir()) {
            continue;
        }
        if it.is_dir() {
            if recurse {
                it.content = true;
                subdirs.push(it.path.clone());
            } else if !o.dirs {
                continue;
            }
        }
        sent.items.push(it);
    }
    // Subdirectories in file-list order, as rsync visits them.
    subdirs.sort_by(|a, b| f_name_cmp(a, true, b, true));
    for sub in subdirs {
        send_dir(root, &sub, root_idx, o, recurse, filter, reader, sent)?;
    }
    Ok(())
}

/// `-R`: the directories on the way to a relative source path ("a" and
/// "a/b" for "a/b/c"), sent as rsync's implied directories.
pub fn implied_dirs(root: &Path, root_idx: u32, rel: &[u8], sent: &mut Sent) {
    let mut at = 0;
    while let Some(i) = rel[at..].iter().position(|&b| b == b'/') {
        let prefix = &rel[..at + i];
        at += i + 1;
        if prefix.is_empty() {
            continue;
        }
        if let Ok(md) = fs::metadata(join(root, prefix)) {
            sent.items.push(make_item(
                prefix.to_vec(),
                &join(root, prefix),
                &md,
                root_idx,
            ));
        }
    }
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
            // The transfer root itself is never pruned.
            if items[i].path.is_empty() || receiver.is_excluded(&items[i].path, true) {
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

#[cfg(test)]
mod unsafe_tests {
    use super::unsafe_symlink;

    #[test]
    fn unsafe_symlinks_as_rsync_judges_them() {
        for (target, name, unsafe_) in [
            ("/etc/passwd", "a", true),
            ("", "a", true),
            ("b", "a", false),
            ("../b", "a", true),
            ("../b", "d/a", false),
            ("../../b", "d/a", true),
            ("./../b", "d/a", false),
            ("x/../../b", "d/a", false),
            ("x/../../../b", "d/a", true),
            ("..", "d/a", false),
            ("../..", "d/a", true),
            ("../b", "../d/a", false),
            ("../b", "d/../a", true),
            ("../b", "./a", true),
            ("sub//../../b", "d/a", false),
        ] {
            assert_eq!(
                unsafe_symlink(target.as_bytes(), name.as_bytes()),
                unsafe_,
                "{name} -> {target}"
            );
        }
    }
}
