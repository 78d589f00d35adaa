//! The sender's file list: a walk of the source applying the sender's
//! rules, sorted as rsync sorts it (a port of `f_name_cmp` in rsync's
//! `flist.c`: within a directory, files first, then subdirectories, each
//! followed by its contents).

use super::stats::ByKind;
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
    /// A `-R` path's directory on the way (rsync's FLAG_IMPLIED_DIR):
    /// always sent, passed over by the receiver with --no-implied-dirs.
    pub implied: bool,
    /// The sender's owner and group where `--usermap`/`--groupmap`/
    /// `--chown` changed them (the sender's `%U`/`%G` show these).
    pub sender_ids: Option<(u32, u32)>,
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
            implied: false,
            sender_ids: None,
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

/// A file name (or a line holding names) as rsync's client prints it
/// (`filtered_fwrite` after its character-set check): control characters
/// but tab, bytes not valid in the locale's character set (UTF-8, else
/// ASCII), and the backslash of a literal `\#ddd` become `\#ooo`.
pub fn show(name: &[u8]) -> String {
    let utf8 = utf8_locale();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        let literal_escape = b == b'\\'
            && name.get(i + 1) == Some(&b'#')
            && name.len() > i + 4
            && name[i + 2..i + 5].iter().all(u8::is_ascii_digit);
        if !literal_escape && (b == b'\t' || (0x20..0x80).contains(&b)) {
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
                if len > 0 {
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

/// A message rsync's receiver prints itself, escaped as it escapes them.
pub fn escaped_server(msg: &str) -> String {
    let raw = unshow(msg);
    let mut out = String::with_capacity(raw.len());
    // -8: only control characters escaped (rsync's filtered_fwrite
    // without isprint); a high-bit byte is carried (outbytes).
    let eight_bit = super::outbytes::eight_bit();
    for &b in &raw {
        if b == b'\t' || (0x20..0x7f).contains(&b) || eight_bit && b == 0x7f {
            out.push(b as char);
        } else if eight_bit && b >= 0x80 {
            out.push(super::outbytes::carry(b));
        } else {
            out.push_str(&format!("\\#{b:03o}"));
        }
    }
    out
}

/// The bytes `show` was given: each `\#ooo` back to its byte.
pub fn unshow(shown: &str) -> Vec<u8> {
    let b = shown.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'#') && b.len() > i + 4 {
            let d = &b[i + 2..i + 5];
            if d.iter().all(|c| (b'0'..=b'7').contains(c)) {
                let v = u32::from(d[0] - b'0') * 64
                    + u32::from(d[1] - b'0') * 8
                    + u32::from(d[2] - b'0');
                if v <= 0xff {
                    out.push(v as u8);
                    i += 5;
                    continue;
                }
            }
        }
        out.push(b[i]);
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

/// One path element of each name: "t_PATH" (`xp`: a directory, or one
/// on the way to the item, compared as `x/`) after "t_ITEM" (the final
/// non-directory).
fn element_cmp(x: &[u8], xp: bool, y: &[u8], yp: bool) -> Ordering {
    match (xp, yp) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (true, true) => cmp_with_slash(x, y),
        (false, false) => x.cmp(y),
    }
}

/// rsync's `f_name_cmp` (protocol 29 and later).
pub fn f_name_cmp(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> Ordering {
    // The elements before the one where the names first differ are the
    // same in both and on the way in both (equal): start at that one.
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let start = a[..same]
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(0, |i| i + 1);
    let (a, b) = (&a[start..], &b[start..]);
    let mut ia = a.split(|&c| c == b'/').peekable();
    let mut ib = b.split(|&c| c == b'/').peekable();
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = element_cmp(
                    x,
                    ia.peek().is_some() || a_dir,
                    y,
                    ib.peek().is_some() || b_dir,
                );
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// A name's key for `f_name_cmp`'s order as plain byte order: each
/// element as a type byte (1 for the final non-directory, 2 for a
/// directory or one on the way, which sort after), its bytes, and an end
/// byte (0 for the final non-directory, so a shorter name comes first;
/// '/' for a directory, compared as `name/`). Names hold no 0 byte.
fn sort_key(path: &[u8], dir: bool, key: &mut Vec<u8>) {
    if path.is_empty() {
        return;
    }
    let n = path.split(|&c| c == b'/').count();
    for (i, e) in path.split(|&c| c == b'/').enumerate() {
        let on_the_way = i + 1 < n || dir;
        key.push(if on_the_way { 2 } else { 1 });
        key.extend_from_slice(e);
        key.push(if on_the_way { b'/' } else { 0 });
    }
}

/// Sorts a file list as rsync does (stable; the root entry, with an
/// empty name, first). The entries are large, so their indices are
/// sorted by `sort_key` and the entries then moved once each.
pub fn sort_items(items: &mut [Item]) {
    let mut keys = Vec::new();
    let mut ends = Vec::with_capacity(items.len() + 1);
    ends.push(0);
    for it in items.iter() {
        sort_key(&it.path, it.is_dir(), &mut keys);
        ends.push(keys.len());
    }
    let key = |i: usize| &keys[ends[i]..ends[i + 1]];
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&i, &j| key(i).cmp(key(j)));
    // Position k takes the entry at order[k]: each cycle of the
    // permutation by swaps, marking a done position with order[k] = k.
    for start in 0..order.len() {
        let mut cur = start;
        while order[cur] != start {
            let next = order[cur];
            items.swap(cur, next);
            order[cur] = cur;
            cur = next;
        }
        order[cur] = cur;
    }
}

/// rsync's receiver's `clean_flist` on the sorted list: repeated names
/// dropped (of two entries with one name the first stays, unless one is
/// a directory, which may have contents listed: that one stays; a
/// directory listed twice is a content directory when either was), then
/// with `prune` (`--prune-empty-dirs`, the receiver's rules) the chains
/// of directories that hold no non-directory dropped, unless excluded.
/// As in rsync, a dropped repeat counts as a non-directory where it was
/// for the pruning (it keeps the directories above it).
/// Returns which entries stayed.
pub fn clean_list(items: &mut Vec<Item>, prune: Option<&DirFilter>) -> Vec<bool> {
    let n = items.len();
    let mut dropped = vec![false; n];
    let mut files: std::collections::HashMap<Vec<u8>, usize> = Default::default();
    // Only a non-directory named as a directory can be dropped for one.
    let dir_names: std::collections::HashSet<Vec<u8>> = items
        .iter()
        .filter(|it| it.is_dir())
        .map(|it| it.path.clone())
        .collect();
    let mut prev: Option<usize> = None;
    for i in 0..n {
        let same =
            |j: usize| items[j].path == items[i].path && items[j].is_dir() == items[i].is_dir();
        let j = match prev {
            Some(p) if same(p) => Some(p),
            _ if items[i].is_dir() => files.get(&items[i].path).copied(),
            _ => None,
        };
        match j {
            Some(j) if items[i].is_dir() && !items[j].is_dir() => {
                dropped[j] = true;
                files.remove(&items[i].path);
                prev = Some(i);
            }
            Some(j) => {
                if items[i].is_dir() {
                    let (content, implied) = (items[i].content, items[i].implied);
                    items[j].content |= content;
                    items[j].implied &= implied;
                }
                dropped[i] = true;
            }
            None => {
                if !items[i].is_dir() && dir_names.contains(&items[i].path) {
                    files.insert(items[i].path.clone(), i);
                }
                prev = Some(i);
            }
        }
    }
    if let Some(filter) = prune {
        prune_empty_dirs(items, &mut dropped, filter);
    }
    let mut d = dropped.iter();
    items.retain(|_| !d.next().copied().unwrap_or(false));
    items.shrink_to_fit();
    dropped.into_iter().map(|d| !d).collect()
}

/// `--prune-empty-dirs`: rsync's loop in `clean_flist`, ported as it is
/// (a chain of directories through F_DEPTH, dropped when the next
/// directory is not below them; a non-directory or an excluded directory
/// keeps the chain). `gone`: entries already dropped as repeats, which
/// count as non-directories, except those after the last entry kept
/// (rsync's loop ends at flist->high); pruned ones are added.
fn prune_empty_dirs(items: &[Item], gone: &mut [bool], receiver: &DirFilter) {
    let Some(high) = (0..items.len()).rev().find(|&i| !gone[i]) else {
        return;
    };
    let n = high + 1;
    // rsync's F_DEPTH: a directory's depth; for anything else a value
    // that is never negative.
    let mut fd: Vec<i64> = items
        .iter()
        .map(|it| if it.is_dir() { it.depth() as i64 } else { 1 })
        .collect();
    let dir = |i: usize, gone: &[bool]| items[i].is_dir() && !gone[i];
    let mut prev_i = 0usize;
    let mut prev_depth: i64 = 0;
    for i in 0..n {
        if dir(i, gone) && fd[i] != 0 {
            // Dump empty directories when coming back down.
            let mut j = prev_depth;
            while j >= fd[i] {
                if fd[prev_i] >= 0 {
                    break;
                }
                let fp = prev_i;
                prev_i = (-fd[fp] - 1) as usize;
                gone[fp] = true;
                fd[fp] = 1;
                j -= 1;
            }
            prev_depth = fd[i];
            if receiver.is_excluded(&items[i].path, true) {
                // Keep directories through this one.
                let mut j = prev_depth - 1;
                while fd[prev_i] < 0 {
                    let fp = prev_i;
                    prev_i = (-fd[fp] - 1) as usize;
                    fd[fp] = j;
                    j -= 1;
                }
            } else {
                fd[i] = -(prev_i as i64) - 1;
            }
            prev_i = i;
        } else {
            // Keep directories through this non-directory.
            let mut j = prev_depth;
            while fd[prev_i] < 0 {
                let fp = prev_i;
                prev_i = (-fd[fp] - 1) as usize;
                fd[fp] = j;
                j -= 1;
            }
        }
    }
    // Dump all remaining empty directories.
    while fd[prev_i] < 0 {
        let fp = prev_i;
        prev_i = (-fd[fp] - 1) as usize;
        gone[fp] = true;
        fd[fp] = 1;
    }
}

/// A message of rsync's sender while it lists.
#[derive(Debug, Clone)]
pub enum Msg {
    /// On stderr (and in the log file).
    Error(String),
    /// On stdout (and in the log file).
    Note(String),
}

/// `--ignore-missing-args`/`--delete-missing-args` on the sender's side
/// (missing.rs has the receiver's).
/// Whether the source argument `root`/`top` is missing and passed over
/// (recorded in `sent.missing` for `--delete-missing-args`).
fn skip_missing(root: &Path, top: Option<&[u8]>, o: &WalkOptions, sent: &mut Sent) -> bool {
    if o.missing_args == 0 {
        return false;
    }
    let full = match top {
        Some(t) => join(root, t),
        None => root.to_path_buf(),
    };
    let md = if o.copy_links {
        fs::metadata(&full)
    } else {
        fs::symlink_metadata(&full)
    };
    match md {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if o.missing_args == 2 {
                sent.missing.push(top.unwrap_or_default().to_vec());
                // rsync lists it (mode 0): its --stats count it among
                // the files, as a regular one (what is not of the other
                // kinds).
                sent.listed.add(Kind::File);
            }
            true
        }
        _ => false,
    }
}

/// Counted by kind (the stats module knows nothing of kinds).
impl ByKind {
    pub fn add(&mut self, kind: Kind) {
        match kind {
            Kind::File => self.reg += 1,
            Kind::Dir => self.dir += 1,
            Kind::Symlink => self.link += 1,
            Kind::Device => self.dev += 1,
            Kind::Special => self.special += 1,
        }
    }
}

/// The sender's walk: the file list, rsync's messages, and whether an I/O
/// error happened (which turns deletion off).
#[derive(Debug, Default)]
pub struct Sent {
    pub items: Vec<Item>,
    /// The source roots items are relative to (`Item::root`).
    pub roots: Vec<PathBuf>,
    /// Each root as the sender names it (rsync's F_PATHNAME, for `%f`).
    pub sender_paths: Vec<Vec<u8>>,
    /// What rsync's sender counts as it lists (repeated names too): the
    /// entries by kind, and the size of the regular files and symlinks.
    pub listed: ByKind,
    pub listed_size: u64,
    /// rsync's file_total when its receiver names the destination: the
    /// first list's entries (with incremental recursion, the next list's
    /// too when the first holds one).
    pub file_total: usize,
    /// The way the last `-R` path's implied directories went (root,
    /// path, whether its end is a directory).
    pub last_implied: Option<(u32, Vec<u8>, bool)>,
    /// With incremental recursion, the last implied directory sent
    /// (rsync's lastpath_struct): root, path, its place in `deferred`
    /// and which `deferred` that was (`lists`).
    pub inc_last: Option<(u32, Vec<u8>, usize, u64)>,
    /// How many `deferred` lists were begun.
    pub lists: u64,
    /// The source whose filters apply to what is listed now (an index
    /// the caller keeps, stored in `Deferred::sender`).
    pub cur_sender: usize,
    /// Which of rsync's sender's pathname strings what is listed now
    /// has (`Deferred::pathname`).
    pub cur_pathname: u32,
    /// The sender's messages as they came: errors (stderr) and notes
    /// (stdout, "skipping directory"), in one order.
    pub messages: Vec<Msg>,
    /// How many `messages` came before the first entry was listed (where
    /// rsync's `--progress` says " 0 files...").
    pub msgs_before_first: Option<usize>,
    /// An error that does not stop deletions (exit 23).
    pub partial: bool,
    pub io_error: bool,
    /// Directories whose listing had an I/O error: with incremental
    /// recursion rsync's generator learns of it when it gets there.
    pub error_dirs: std::collections::HashSet<Vec<u8>>,
    /// The one being listed now (None: the first part of the list).
    pub listing: Option<Vec<u8>>,
    /// `--delete-missing-args`: source arguments that were missing,
    /// as paths in the list (deleted at the destination).
    pub missing: Vec<Vec<u8>>,
    /// With incremental recursion, while the arguments are gone through:
    /// the directories whose lists come after (`Deferred`).
    pub deferred: Option<Vec<Deferred>>,
    /// `--usermap`/`--groupmap`/`--chown`: the receiver's maps, which
    /// its ACLs' named entries go through too.
    pub idmaps: Option<super::usermap::IdMaps>,
    /// `-c -U`: rsync's sender reads each non-empty regular file for its
    /// checksum as it lists it, which moves the file's access time (as
    /// the kernel's relatime allows) before a later name of the same
    /// file is listed; wsync reads them as it lists them too (with
    /// `--open-noatime` when true).
    pub sum_reads: Option<bool>,
}

/// A directory in a list of rsync's incremental sender (its dir_flist
/// node): its own list comes later (send_extra_file_list), with what it
/// holds when it is a content directory (`content`) and the `-R` paths
/// named through it (`relnames`: the rest of each path, and whether it
/// named a directory's contents).
#[derive(Debug, Clone)]
pub struct Deferred {
    pub root_idx: u32,
    pub dir: Vec<u8>,
    pub o: WalkOptions,
    pub content: bool,
    pub relnames: Vec<(Vec<u8>, bool)>,
    pub sender: usize,
    /// Its F_PATHNAME as rsync's sender compares it, by the string's
    /// address: one for a run of arguments naming the same directory
    /// before their last slash, a new one after an argument with another
    /// (0: none, for a name without a slash). Not `root_idx`: the same
    /// directory named again later has another.
    pub pathname: u32,
}

impl Sent {
    /// Notes directory `dir` as a node of the list being built
    /// (incremental recursion); its place there.
    fn push_node(
        &mut self,
        root_idx: u32,
        dir: &[u8],
        o: &WalkOptions,
        content: bool,
    ) -> Option<usize> {
        let sender = self.cur_sender;
        let pathname = self.cur_pathname;
        let d = self.deferred.as_mut()?;
        d.push(Deferred {
            root_idx,
            dir: dir.to_vec(),
            o: *o,
            content,
            relnames: Vec::new(),
            sender,
            pathname,
        });
        Some(d.len() - 1)
    }
}

impl Sent {
    /// Lists `it`.
    pub fn add(&mut self, it: Item) {
        if self.items.is_empty() && self.msgs_before_first.is_none() {
            self.msgs_before_first = Some(self.messages.len());
        }
        if let Some(noatime) = self.sum_reads {
            if it.kind == Kind::File && it.size > 0 {
                sum_read(&self.src_path(&it), noatime);
            }
        }
        self.items.push(it);
    }

    /// Records an error of the sender that spares deletions (a missing
    /// source: rsync's "link_stat ... failed" for ENOENT): exit 23.
    pub fn xfer_err(&mut self, msg: String) {
        self.messages.push(Msg::Error(msg));
        self.partial = true;
    }

    /// Records an I/O error of the sender (no deletions after it).
    pub fn io_err(&mut self, msg: String) {
        self.messages.push(Msg::Error(msg));
        self.io_error = true;
        let at = self.listing.clone().unwrap_or_default();
        self.error_dirs.insert(at);
    }
}

/// What rsync's `file_checksum` does to a file's access time: a read
/// (one is enough; the data is not needed).
fn sum_read(path: &Path, noatime: bool) {
    use std::io::Read;
    let mut o = fs::OpenOptions::new();
    o.read(true);
    #[cfg(target_os = "linux")]
    if noatime {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOATIME);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = noatime;
    if let Ok(mut f) = o.open(path).or_else(|_| fs::File::open(path)) {
        let _ = f.read(&mut [0u8; 1]);
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
    /// `--info=symsafe` (`-v`): "copying unsafe symlink" notes.
    pub symsafe: bool,
    pub dirs: bool,
    pub copy_links: bool,
    pub copy_dirlinks: bool,
    pub copy_unsafe_links: bool,
    /// `--fake-super`: rsync's sender stats a listed entry by its whole
    /// path (its am_root < 0), not through the directory it holds open.
    pub fake_super: bool,
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

/// An entry of a directory being listed, as rsync 3.5.0's sender stats
/// it: relative to the directory it holds open (send_directory's
/// scan_dirfd, for readlink_stat's link_stat_at and scan_readlink), so
/// a path through a symlink loop too deep to resolve as a whole still
/// lists the entry, and fails at the opendir of the directory instead.
/// (Not with `--fake-super`: rsync then goes by the whole path.)
#[derive(Clone, Copy)]
pub struct At<'a> {
    ent: &'a fs::DirEntry,
    dir: Option<&'a HeldDir<'a>>,
}

impl<'a> At<'a> {
    /// The held directory (None: it did not open) and the entry's name.
    fn in_dir(self) -> Option<(std::os::fd::BorrowedFd<'a>, std::ffi::OsString)> {
        Some((self.dir?.fd()?, self.ent.file_name()))
    }
}

/// The directory being listed, opened the first time an entry is looked
/// up through it (most entries need only their `DirEntry`).
pub struct HeldDir<'a> {
    path: &'a Path,
    fd: std::cell::OnceCell<Option<fs::File>>,
}

impl HeldDir<'_> {
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.fd
            .get_or_init(|| fs::File::open(self.path).ok())
            .as_ref()
            .map(|f| f.as_fd())
    }
}

/// `stat` of `path`, through the held directory of `at` if there is one.
fn stat_at(path: &Path, at: Option<At<'_>>) -> std::io::Result<fs::Metadata> {
    use rustix::fs::{Mode, OFlags};
    match at.and_then(At::in_dir) {
        Some((dir, name)) => {
            // O_PATH (Linux) opens what cannot be read too; elsewhere a
            // non-blocking read-only open (a fifo must not block).
            #[cfg(any(target_os = "linux", target_os = "android"))]
            let how = OFlags::PATH;
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            let how = OFlags::RDONLY | OFlags::NONBLOCK;
            let fd = rustix::fs::openat(dir, &name, how | OFlags::CLOEXEC, Mode::empty())?;
            fs::File::from(fd).metadata()
        }
        None => fs::metadata(path),
    }
}

/// `readlink` of `path`, through the held directory of `at` if there is
/// one.
fn readlink_at(path: &Path, at: Option<At<'_>>) -> Option<Vec<u8>> {
    match at.and_then(At::in_dir) {
        Some((dir, name)) => rustix::fs::readlinkat(dir, &name, Vec::new())
            .ok()
            .map(|t| t.into_bytes()),
        None => fs::read_link(path)
            .ok()
            .map(|t| t.into_os_string().as_bytes().to_vec()),
    }
}

/// `lstat`, or `stat` with `-L` (a dangling symlink is then an error, as
/// rsync's "symlink has no referent"), unless `excluded` says the entry
/// is excluded as a file or as a directory: rsync's make_file then skips
/// it quietly, whatever the error.
fn stat_entry(
    path: &Path,
    at: Option<At<'_>>,
    name: &[u8],
    o: &WalkOptions,
    sent: &mut Sent,
    excluded: &dyn Fn() -> bool,
) -> Option<fs::Metadata> {
    // A directory entry's lstat is relative to its open directory (no
    // walk of the whole path).
    let md = match at {
        Some(a) => a.ent.metadata(),
        None => fs::symlink_metadata(path),
    };
    match md {
        // -k: a symlink to a directory is that directory (rsync's link_stat);
        // --copy-unsafe-links: a symlink out of the tree is its referent.
        Ok(md) if !o.copy_links && md.file_type().is_symlink() => {
            if o.copy_dirlinks {
                if let Ok(m) = stat_at(path, at) {
                    if m.is_dir() {
                        return Some(m);
                    }
                }
            }
            if o.copy_unsafe_links {
                let target = readlink_at(path, at).unwrap_or_default();
                if unsafe_symlink(&target, name) {
                    if o.symsafe {
                        sent.messages.push(Msg::Note(format!(
                            "copying unsafe symlink \"{}\" -> \"{}\"",
                            show(name),
                            show(&target)
                        )));
                    }
                    // rsync's readlink_stat: x_stat of the whole path.
                    return follow(path, None, sent, excluded);
                }
            }
            Some(md)
        }
        Ok(md) if o.copy_links && md.file_type().is_symlink() => follow(path, at, sent, excluded),
        Ok(md) => Some(md),
        Err(_) if excluded() => None,
        Err(e) => {
            sent.io_err(format!(
                "rsync: [sender] link_stat \"{}\" failed: {}",
                show(path.as_os_str().as_encoded_bytes()),
                super::os_error(&e)
            ));
            None
        }
    }
}

/// `stat` through a symlink (-L, --copy-unsafe-links): a dangling one is
/// rsync's "symlink has no referent", unless `excluded` says the entry is
/// excluded (as a file or as a directory): rsync then skips it quietly.
fn follow(
    path: &Path,
    at: Option<At<'_>>,
    sent: &mut Sent,
    excluded: &dyn Fn() -> bool,
) -> Option<fs::Metadata> {
    match stat_at(path, at) {
        Ok(m) => Some(m),
        Err(_) if excluded() => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            sent.io_err(format!(
                "symlink has no referent: \"{}\"",
                show(path.as_os_str().as_encoded_bytes())
            ));
            None
        }
        Err(e) => {
            sent.io_err(format!(
                "rsync: [sender] readlink_stat(\"{}\") failed: {}",
                show(path.as_os_str().as_encoded_bytes()),
                super::os_error(&e)
            ));
            None
        }
    }
}

fn make_item(path: Vec<u8>, full: &Path, md: &fs::Metadata, root: u32) -> Item {
    make_item_at(path, full, None, md, root)
}

fn make_item_at(
    path: Vec<u8>,
    full: &Path,
    at: Option<At<'_>>,
    md: &fs::Metadata,
    root: u32,
) -> Item {
    let mut it = Item::new(path, md, root);
    if it.kind == Kind::Symlink {
        it.link = readlink_at(full, at);
    }
    it
}

/// Walks one source as rsync's sender. `top` None: the root directory's
/// contents ("SRC/"); `top` Some: that entry of `root` (a source named
/// without a trailing slash, or a `-R`/`--files-from` path), filtered
/// like any other. `top_contents`: a directory named with a trailing
/// slash sends its contents even with `-d`. `implied`: a `-R` path, whose
/// directories on the way go first (Some(incremental recursion)). True
/// when the entry named was sent.
#[allow(clippy::too_many_arguments)]
pub fn send_tree(
    root: &Path,
    root_idx: u32,
    top: Option<&[u8]>,
    top_contents: bool,
    implied: Option<bool>,
    o: &WalkOptions,
    filter: &mut DirFilter,
    reader: &mut dyn MergeSource,
    sent: &mut Sent,
) -> Result<bool, FilterError> {
    if skip_missing(root, top, o, sent) {
        return Ok(false);
    }
    let mut o = *o;
    if o.one_fs > 0 {
        // -x: the file system of what rsync's link_stat finds there (a
        // symlink followed only to a directory with -k or a trailing
        // slash). Nothing else follows it: that would read a symlink,
        // moving its access time before -U lists it.
        let p = top.map_or(root.to_path_buf(), |t| join(root, t));
        let md = fs::symlink_metadata(&p).map(|md| {
            let follow = o.copy_links || o.copy_dirlinks || top.is_none() || top_contents;
            if !(md.is_symlink() && follow) {
                return md;
            }
            match fs::metadata(&p) {
                Ok(m) if o.copy_links || m.is_dir() => m,
                _ => md,
            }
        });
        if let Ok(md) = md {
            o.fs_dev = md.dev();
        }
    }
    let o = &o;
    match top {
        None => {
            let Some(md) = stat_entry(root, None, b"", o, sent, &|| false) else {
                return Ok(false);
            };
            let mut it = make_item(Vec::new(), root, &md, root_idx);
            if it.is_dir() && !(o.recursive || o.dirs) {
                sent.messages.push(Msg::Note("skipping directory .".into()));
                return Ok(false);
            }
            it.content = it.is_dir();
            let is_dir = it.is_dir();
            sent.add(it);
            if is_dir {
                send_dir(root, b"", root_idx, o, o.recursive, filter, reader, sent)?;
            }
        }
        Some(name) => {
            filter.push_dir(b"", reader)?;
            let full = join(root, name);
            // rsync's sender looks at a named source with link_stat
            // first (following it with -L, or with -k or a trailing
            // slash when it is a directory): a missing one spares
            // deletions.
            let first = if o.copy_links {
                fs::metadata(&full)
            } else {
                fs::symlink_metadata(&full).map(|md| {
                    if md.is_symlink() && (o.copy_dirlinks || top_contents) {
                        match fs::metadata(&full) {
                            Ok(m) if m.is_dir() => m,
                            _ => md,
                        }
                    } else {
                        md
                    }
                })
            };
            if let Err(e) = first {
                let msg = format!(
                    "rsync: [sender] link_stat \"{}\" failed: {}",
                    full.display(),
                    super::os_error(&e)
                );
                if e.kind() == std::io::ErrorKind::NotFound {
                    sent.xfer_err(msg);
                } else {
                    sent.io_err(msg);
                }
                return Ok(false);
            }
            let Some(md) = stat_entry(&full, None, name, o, sent, &|| {
                filter.is_excluded(name, false)
            }) else {
                return Ok(false);
            };
            let mut it = make_item(name.to_vec(), &full, &md, root_idx);
            if filter.is_excluded(name, it.is_dir()) {
                return Ok(false);
            }
            if it.is_dir() && !(o.recursive || o.dirs) {
                sent.messages
                    .push(Msg::Note(format!("skipping directory {}", show(name))));
                return Ok(false);
            }
            // -R: the directories on the way, once the path itself is
            // to be sent. With incremental recursion rsync sends the
            // first one only, the rest of the path going with it to be
            // sent in its own list (send_implied_dirs' relnames).
            if implied == Some(false) {
                implied_dirs(root, root_idx, name, false, sent);
            }
            if let (Some(true), Some(k)) = (implied, name.iter().position(|&b| b == b'/')) {
                let rest = (name[k + 1..].to_vec(), top_contents);
                inc_implied(root, root_idx, &name[..k], rest, o, sent);
                return Ok(true);
            }
            let walk = it.is_dir() && (o.recursive || top_contents);
            it.content = walk;
            sent.add(it);
            if walk && sent.push_node(root_idx, name, o, true).is_some() {
                return Ok(true);
            }
            if walk {
                send_dir(root, name, root_idx, o, o.recursive, filter, reader, sent)?;
            }
        }
    }
    Ok(true)
}

/// Lists directory `dir` of `root`: its entries, and with `recurse`
/// what is in its subdirectories (with incremental recursion, they
/// become nodes of the list being built instead).
#[allow(clippy::too_many_arguments)]
pub fn send_dir(
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
    // The directory held open for its entries' stat (rsync's scan_dirfd).
    let held = (!o.fake_super).then(|| HeldDir {
        path: &full,
        fd: std::cell::OnceCell::new(),
    });
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
    // rsync stats a directory's entries in the order it reads them (its
    // messages come in that order); the list is sorted afterwards.
    for (name, ent) in entries {
        let path = child(dir, name.as_bytes());
        let full = ent.path();
        let at = Some(At {
            ent: &ent,
            dir: held.as_ref(),
        });
        let Some(md) = stat_entry(&full, at, &path, o, sent, &|| {
            filter.is_excluded(&path, false) || filter.is_excluded(&path, true)
        }) else {
            continue;
        };
        let mut it = make_item_at(path, &full, at, &md, root_idx);
        if it.is_dir() && recurse && o.one_fs > 0 && it.dev != o.fs_dev {
            // -x: a mount point is sent without its contents; -xx
            // leaves it out (rsync's FLAG_MOUNT_DIR).
            if o.one_fs > 1 || filter.is_excluded(&it.path, true) {
                continue;
            }
            sent.push_node(root_idx, &it.path, o, false);
            sent.add(it);
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
        sent.add(it);
    }
    // Subdirectories as rsync visits them: with incremental recursion
    // each a list of its own, later; else depth first in the order they
    // were read (its send_directory, before the list is sorted): the
    // order of the messages of their entries.
    if sent.deferred.is_some() {
        for dir in subdirs {
            sent.push_node(root_idx, &dir, o, true);
        }
        return Ok(());
    }
    for sub in subdirs {
        send_dir(root, &sub, root_idx, o, recurse, filter, reader, sent)?;
    }
    Ok(())
}

/// With incremental recursion, an implied directory `way` of a `-R`
/// path as rsync's send_implied_dirs sends it: unless it is the one sent
/// last, it is listed (a directory becoming a node of the list being
/// built); `rest` of the path goes with that node, to be sent in its own
/// list. A missing one is rsync's link_stat error.
pub fn inc_implied(
    root: &Path,
    root_idx: u32,
    way: &[u8],
    rest: (Vec<u8>, bool),
    o: &WalkOptions,
    sent: &mut Sent,
) {
    if let Some((r, w, at, list)) = &sent.inc_last {
        if *r == root_idx && w == way && *list == sent.lists {
            let at = *at;
            if let Some(d) = sent.deferred.as_mut().and_then(|d| d.get_mut(at)) {
                d.relnames.push(rest);
            }
            return;
        }
    }
    sent.inc_last = None;
    let full = join(root, way);
    match fs::metadata(&full) {
        Ok(md) => {
            let mut it = make_item(way.to_vec(), &full, &md, root_idx);
            it.implied = true;
            let dir = it.is_dir();
            sent.add(it);
            if dir {
                if let Some(at) = sent.push_node(root_idx, way, o, false) {
                    if let Some(d) = sent.deferred.as_mut() {
                        d[at].relnames.push(rest);
                    }
                    sent.inc_last = Some((root_idx, way.to_vec(), at, sent.lists));
                }
            }
        }
        Err(e) => sent.io_err(format!(
            "rsync: [sender] link_stat \"{}\" failed: {}",
            full.display(),
            super::os_error(&e)
        )),
    }
}

/// The transfer root alone, as an implied directory (rsync's "." sent
/// before a `-R` path that starts with "./").
pub fn push_root(root: &Path, root_idx: u32, sent: &mut Sent) {
    if let Ok(md) = fs::metadata(root) {
        let mut it = make_item(Vec::new(), root, &md, root_idx);
        it.implied = true;
        sent.add(it);
    }
}

/// `-R`: the directories on the way to a relative source path ("a" and
/// "a/b" for "a/b/c"), sent as rsync's implied directories
/// (`send_implied_dirs`): without incremental recursion only those not
/// on the previous path's way; with it, all of them unless the way is
/// the previous one. A missing one is rsync's link_stat error.
pub fn implied_dirs(root: &Path, root_idx: u32, rel: &[u8], inc: bool, sent: &mut Sent) {
    let Some(limit) = rel.iter().rposition(|&b| b == b'/') else {
        return;
    };
    let way = &rel[..limit];
    let mut start = 0;
    match &sent.last_implied {
        Some((r, last, true)) if inc && *r == root_idx && last == way => return,
        Some((_, last, _)) if !inc => {
            // Skip the directories the previous path had in common.
            let mut i = 0;
            loop {
                if i == way.len() {
                    if last.get(i).is_none_or(|&c| c == b'/') {
                        return;
                    }
                    break;
                }
                if last.get(i) != Some(&way[i]) {
                    break;
                }
                if way[i] == b'/' {
                    start = i + 1;
                }
                i += 1;
            }
        }
        _ => {}
    }
    let mut last_dir = false;
    let mut at = start;
    loop {
        let end = way[at..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(way.len(), |i| at + i);
        let prefix = &way[..end];
        if !prefix.is_empty() {
            let full = join(root, prefix);
            last_dir = false;
            match fs::metadata(&full) {
                Ok(md) => {
                    let mut it = make_item(prefix.to_vec(), &full, &md, root_idx);
                    it.implied = true;
                    last_dir = it.is_dir();
                    sent.add(it);
                }
                Err(e) => sent.io_err(format!(
                    "rsync: [sender] link_stat \"{}\" failed: {}",
                    full.display(),
                    super::os_error(&e)
                )),
            }
        }
        if end == way.len() {
            break;
        }
        at = end + 1;
    }
    sent.last_implied = Some((root_idx, way.to_vec(), last_dir));
}

/// The directory whose own file list each item is in, with incremental
/// recursion (None: the first list).
pub(super) fn list_parents(items: &[Item]) -> Vec<Option<usize>> {
    let mut parent: Vec<Option<usize>> = vec![None; items.len()];
    let mut chain: Vec<usize> = Vec::new();
    for i in 0..items.len() {
        let p = &items[i].path;
        while let Some(&d) = chain.last() {
            let dp = &items[d].path;
            let below =
                dp.is_empty() || (p.len() > dp.len() && p.starts_with(dp) && p[dp.len()] == b'/');
            if below {
                break;
            }
            chain.pop();
        }
        // What has no slash in its path is in the first list: a source
        // named, what is directly in the transfer root, the first
        // directory of a -R path (whose way on is listed level by level
        // in its directories' lists).
        if p.contains(&b'/') {
            parent[i] = chain.last().copied().filter(|&d| !items[d].path.is_empty());
        }
        if items[i].is_dir() {
            chain.push(i);
        }
    }
    parent
}

/// rsync's file_total when its receiver looks at the destination
/// (`get_local_name`): the whole list, or with incremental recursion the
/// first list, and the next one too when the first holds one entry.
pub fn first_lists_total(items: &[Item], incremental: bool) -> usize {
    if !incremental {
        return items.len();
    }
    let parent = list_parents(items);
    let first: Vec<usize> = (0..items.len()).filter(|&i| parent[i].is_none()).collect();
    match first.as_slice() {
        [one] if items[*one].is_dir() && !items[*one].path.is_empty() => {
            1 + parent.iter().filter(|p| **p == Some(*one)).count()
        }
        _ => first.len(),
    }
}

/// Each item's index in rsync's file-list numbering (what its progress
/// lines count, "to-chk"): with incremental recursion, the top-level
/// list (the transfer root and what is directly in it, or the sources
/// named) comes first, then each directory's own list, directories taken
/// depth first; without it, the one sorted list.
pub fn list_positions(items: &[Item], incremental: bool) -> Vec<usize> {
    if !incremental {
        return (0..items.len()).collect();
    }
    let parent = list_parents(items);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut top = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(d) => children[*d].push(i),
            None => top.push(i),
        }
    }
    let mut pos = vec![0; items.len()];
    let mut next = 0;
    fn emit(
        list: &[usize],
        items: &[Item],
        children: &[Vec<usize>],
        pos: &mut [usize],
        next: &mut usize,
    ) {
        for &i in list {
            pos[i] = *next;
            *next += 1;
        }
        for &i in list {
            if items[i].is_dir() && !items[i].path.is_empty() {
                emit(&children[i], items, children, pos, next);
            }
        }
    }
    emit(&top, items, &children, &mut pos, &mut next);
    pos
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

#[cfg(test)]
mod tests {
    use super::*;

    /// f_name_cmp element by element from the start (no shortcut).
    fn by_elements(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> Ordering {
        let (xa, xb): (Vec<&[u8]>, Vec<&[u8]>) = (
            a.split(|&c| c == b'/').collect(),
            b.split(|&c| c == b'/').collect(),
        );
        for k in 0.. {
            match (xa.get(k), xb.get(k)) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(x), Some(y)) => {
                    let o = element_cmp(x, k + 1 < xa.len() || a_dir, y, k + 1 < xb.len() || b_dir);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
            }
        }
        unreachable!()
    }

    /// `order` agrees with `by_elements` on every pair of some names.
    fn agrees_with_elements(order: impl Fn(&[u8], bool, &[u8], bool) -> Ordering) {
        let names: Vec<&[u8]> = vec![
            b"a", b"a/b", b"ab", b"a.b", b"a/b/c", b"a/bc", b"ab/c", b"a-", b"a/b-", b"b",
            b"x/a/b", b"x/ab", b"x/a", b"x/a.", b"x/a/b/c", b"x", b"x-/a", b"a b", b"a\x01",
        ];
        for a in &names {
            for b in &names {
                for (ad, bd) in [(false, false), (false, true), (true, false), (true, true)] {
                    assert_eq!(
                        order(a, ad, b, bd),
                        by_elements(a, ad, b, bd),
                        "{:?} {ad} {:?} {bd}",
                        String::from_utf8_lossy(a),
                        String::from_utf8_lossy(b)
                    );
                }
            }
        }
    }

    #[test]
    fn name_order_shortcut_agrees() {
        agrees_with_elements(f_name_cmp);
    }

    #[test]
    fn sort_keys_order_as_f_name_cmp() {
        let key = |n: &[u8], d: bool| {
            let mut k = Vec::new();
            sort_key(n, d, &mut k);
            k
        };
        agrees_with_elements(|a, ad, b, bd| key(a, ad).cmp(&key(b, bd)));
    }

    #[test]
    fn sorting_moves_each_entry_to_its_place() {
        let dir = fs::symlink_metadata(".").unwrap();
        let file = fs::symlink_metadata("Cargo.toml").unwrap();
        let names = [
            ("d/b", &file),
            ("c", &dir),
            ("d", &dir),
            ("a", &file),
            ("d/a", &dir),
            ("b", &file),
            ("", &dir),
            ("d/c/x", &file),
            ("d/c", &dir),
            ("c-", &file),
            ("b", &file),
        ];
        let mut items: Vec<Item> = names
            .iter()
            .map(|(n, md)| Item::new(n.as_bytes().to_vec(), md, 0))
            .collect();
        for (i, it) in items.iter_mut().enumerate() {
            it.ino = i as u64;
        }
        let mut want = items.clone();
        want.sort_by(|a, b| match (a.path.is_empty(), b.path.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => f_name_cmp(&a.path, a.is_dir(), &b.path, b.is_dir()),
        });
        sort_items(&mut items);
        let ids = |v: &[Item]| v.iter().map(|i| i.ino).collect::<Vec<_>>();
        assert_eq!(ids(&items), ids(&want));
    }
}
