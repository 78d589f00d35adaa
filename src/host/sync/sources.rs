//! The sources of a transfer: rsync's trailing-slash rule, `-R` paths
//! (with "/./" marking where the kept part starts) and `--files-from`,
//! each walked by the sender into one sorted file list.

use super::args::SyncArgs;
use super::flist::{self, Sent, WalkOptions};
use super::os_error;
use crate::filter::{DirFilter, FilterError, Filters, MergeSource, Side};
use crate::host::exit;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One thing to walk: a root directory, and what of it to send.
#[derive(Clone)]
struct Source {
    root: PathBuf,
    top: Option<Vec<u8>>,
    contents: bool,
    /// `-R`: the directories on the way are sent too.
    implied: bool,
    /// The directory as the sender names it (rsync's F_PATHNAME, shown
    /// by `%f`): empty for `-R` without "/./" and `--files-from`.
    pathname: Vec<u8>,
    /// Just the root directory, as an implied directory (a `-R` path
    /// starting "./").
    root_only: bool,
}

/// How rsync's sender took a `-R` path apart (`send_file_list`): the
/// directory named before "/./", the name after it (cleaned: no "./"
/// parts, no trailing "/."), whether it ended with a slash or named a
/// directory's contents ("."), and whether it started with "./" (then
/// "." is sent as an implied directory first).
struct RelName {
    dir: Option<Vec<u8>>,
    name: Vec<u8>,
    contents: bool,
    dot_first: bool,
}

/// rsync's `clean_fname` with CFN_KEEP_TRAILING_SLASH and
/// CFN_DROP_TRAILING_DOT_DIR.
fn clean_rel(name: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(name.len());
    let mut f = 0;
    if name.first() == Some(&b'/') {
        out.push(b'/');
        f = 1;
    }
    while f < name.len() {
        if name[f] == b'/' {
            f += 1;
            continue;
        }
        if name[f] == b'.' {
            match name.get(f + 1) {
                Some(b'/') => {
                    f += 2;
                    continue;
                }
                None => break,
                _ => {}
            }
        }
        while f < name.len() {
            let c = name[f];
            out.push(c);
            f += 1;
            if c == b'/' {
                break;
            }
        }
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// rsync's `sanitize_path` for a `--files-from` line in relative mode:
/// slashes at the start and repeated dropped, ".." components collapsed
/// (never above the start), "." parts and a trailing slash kept.
fn sanitize_line(p: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'/' {
            i += 1;
            continue;
        }
        if p[i] == b'.' && p.get(i + 1) == Some(&b'.') && matches!(p.get(i + 2), None | Some(b'/'))
        {
            i += 2;
            if !out.is_empty() {
                out.pop();
                while out.last().is_some_and(|&c| c != b'/') {
                    out.pop();
                }
            }
            continue;
        }
        while i < p.len() {
            let c = p[i];
            out.push(c);
            i += 1;
            if c == b'/' {
                break;
            }
        }
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// A relative path as rsync's sender takes it apart; an error for a
/// ".." in the part kept (rsync exits with status 1).
fn relative_name(fbuf: &[u8]) -> Result<RelName, String> {
    let (dir, mut name): (Option<Vec<u8>>, &[u8]) = match find(fbuf, b"/./") {
        Some(0) => (Some(b"/".to_vec()), &fbuf[3..]),
        Some(i) => (
            Some(super::itemize::clean_fname(&fbuf[..i])),
            &fbuf[i + 3..],
        ),
        None => (None, fbuf),
    };
    if dir.is_some() {
        while let Some(r) = name.strip_prefix(b"/") {
            name = r;
        }
    }
    let dot_first = name.starts_with(b"./") && name.len() > 2;
    let mut n = clean_rel(name);
    let mut contents = false;
    if n == b"/" {
        n = b"/.".to_vec();
        contents = true;
    } else if n == b"." {
        contents = true;
    } else if n.len() > 1 && n.ends_with(b"/") {
        n.pop();
        contents = true;
    }
    let dotdot = n.split(|&b| b == b'/').any(|c| c == b"..");
    if dotdot {
        return Err(format!(
            "found \"..\" dir in relative path: {}",
            flist::show(&n)
        ));
    }
    if n.is_empty() {
        n = b".".to_vec();
        contents = true;
    }
    Ok(RelName {
        dir,
        name: n,
        contents,
        dot_first,
    })
}

/// The source(s) of one relative path under `base` ("." for `-R`
/// arguments, the source directory for `--files-from`): the implied "."
/// first when it starts with "./" (once a run), then the path.
fn relative_sources(base: &Path, r: RelName, dot_done: &mut bool, list: &mut Vec<Source>) {
    let (root, pathname) = match &r.dir {
        Some(d) if d.starts_with(b"/") => {
            (PathBuf::from(std::ffi::OsStr::from_bytes(d)), d.clone())
        }
        Some(d) => (base.join(std::ffi::OsStr::from_bytes(d)), d.clone()),
        None => (base.to_path_buf(), Vec::new()),
    };
    if r.dot_first && !*dot_done {
        *dot_done = true;
        list.push(Source {
            root: root.clone(),
            top: None,
            contents: false,
            implied: false,
            pathname: pathname.clone(),
            root_only: true,
        });
    }
    // An absolute path is kept from "/" on, without its leading slash.
    let (root, name) = match r.name.strip_prefix(b"/") {
        Some(rest) => (PathBuf::from("/"), rest.to_vec()),
        None => (root, r.name.clone()),
    };
    let top = (name != b"." && !name.is_empty()).then_some(name);
    list.push(Source {
        root,
        top,
        contents: r.contents,
        implied: true,
        pathname,
        root_only: false,
    });
}

fn split_source(arg: &[u8]) -> Source {
    let contents = arg.ends_with(b"/") || arg == b"." || arg.ends_with(b"/.");
    if contents {
        let pathname = match arg.iter().rposition(|&b| b == b'/') {
            Some(0) => b"/".to_vec(),
            Some(i) => arg[..i].to_vec(),
            None => Vec::new(),
        };
        return Source {
            root: PathBuf::from(std::ffi::OsStr::from_bytes(arg)),
            top: None,
            contents,
            implied: false,
            pathname,
            root_only: false,
        };
    }
    let (root, top) = match arg.iter().rposition(|&b| b == b'/') {
        Some(0) => (PathBuf::from("/"), arg[1..].to_vec()),
        Some(i) => (
            PathBuf::from(std::ffi::OsStr::from_bytes(&arg[..i])),
            arg[i + 1..].to_vec(),
        ),
        None => (PathBuf::from("."), arg.to_vec()),
    };
    let pathname = match arg.iter().rposition(|&b| b == b'/') {
        Some(0) => b"/".to_vec(),
        Some(i) => arg[..i].to_vec(),
        None => Vec::new(),
    };
    Source {
        root,
        top: Some(top),
        contents,
        implied: false,
        pathname,
        root_only: false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads `--files-from`: one path a line (NUL-separated with `-0`);
/// `#` and `;` lines are comments.
fn files_from(a: &SyncArgs, reader: &mut dyn MergeSource) -> Result<Vec<Vec<u8>>, (String, u8)> {
    let name = a.files_from.as_ref().expect("files_from set");
    let text = reader.read(name.as_bytes()).map_err(|_| {
        (
            format!(
                "rsync: [client] failed to open files-from file {}: No such file or directory (2)",
                name.to_string_lossy()
            ),
            exit::FILE_IO,
        )
    })?;
    let sep = if a.from0 { 0 } else { b'\n' };
    Ok(text
        .split(|&b| b == sep)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        // rsync drops comment lines of a local list, -0 or not.
        .filter(|l| !l.is_empty() && l[0] != b'#' && l[0] != b';')
        .map(|l| l.to_vec())
        .collect())
}

/// The walk's options, from the command line.
fn walk_options(a: &SyncArgs) -> WalkOptions {
    WalkOptions {
        recursive: a.recursive,
        symsafe: a.info.symsafe() >= 1,
        dirs: a.dirs,
        copy_links: a.copy_links,
        copy_dirlinks: a.copy_dirlinks,
        copy_unsafe_links: a.copy_unsafe_links,
        fake_super: a.more.fake_super,
        one_fs: a.more.one_file_system,
        fs_dev: 0,
        missing_args: if a.more.delete_missing_args {
            2
        } else {
            u8::from(a.more.ignore_missing_args)
        },
    }
}

/// The sources as rsync's sender takes them: `--files-from`'s names
/// below its one source directory, `-R` paths, or plain arguments.
fn sources(
    a: &SyncArgs,
    srcs: &[std::ffi::OsString],
    reader: &mut dyn MergeSource,
) -> Result<Vec<Source>, (String, u8)> {
    let mut list: Vec<Source> = Vec::new();
    if a.files_from.is_some() {
        if srcs.len() != 1 {
            return Err((
                "rsync: --files-from takes exactly one source directory".into(),
                exit::SYNTAX,
            ));
        }
        let base = PathBuf::from(&srcs[0]);
        let mut dot_done = false;
        for line in files_from(a, reader)? {
            let r = relative_name(&sanitize_line(&line)).map_err(|m| (m, exit::SYNTAX))?;
            relative_sources(&base, r, &mut dot_done, &mut list);
        }
    } else if a.relative {
        let mut dot_done = false;
        for s in srcs {
            let r = relative_name(s.as_bytes()).map_err(|m| (m, exit::SYNTAX))?;
            relative_sources(Path::new("."), r, &mut dot_done, &mut list);
        }
    } else {
        for s in srcs {
            list.push(split_source(s.as_bytes()));
        }
    }
    Ok(list)
}

/// A source's root, entered as rsync's sender does (its absolute path);
/// None when it cannot be: the error noted.
fn enter(root: &Path, sent: &mut Sent) -> Option<PathBuf> {
    match fs::canonicalize(root) {
        Ok(p) => Some(p),
        Err(e) => {
            let shown = std::env::current_dir()
                .map(|d| d.join(root))
                .unwrap_or(root.to_path_buf());
            sent.io_err(format!(
                "rsync: [sender] change_dir \"{}\" failed: {}",
                shown.display().to_string().trim_end_matches('/'),
                os_error(&e)
            ));
            None
        }
    }
}

/// Walks every source into one sorted, de-duplicated list.
pub fn walk(
    a: &SyncArgs,
    srcs: &[std::ffi::OsString],
    filters: &Filters,
    reader: &mut dyn MergeSource,
) -> Result<Sent, (String, u8)> {
    let inc = a.recursive && !super::inc_off(a);
    let o = walk_options(a);
    let list = sources(a, srcs, reader)?;
    let mut sent = Sent::default();
    if a.checksum && a.more.atimes > 0 {
        sent.sum_reads = Some(a.more.open_noatime);
    }
    // With incremental recursion rsync's sender goes through every
    // argument first (listing only the contents of those named as
    // "dir/"), then lists the directories in file-list order.
    if inc {
        sent.deferred = Some(Vec::new());
    }
    // Each source's filters (`Deferred::sender` indexes them).
    let mut senders = Vec::new();
    // rsync's lastdir: the directory the last argument entered was
    // named by, and its pathname's number (`Deferred::pathname`).
    let mut lastdir: Option<(Vec<u8>, u32)> = None;
    let mut pathnames = 0;
    for src in list {
        sent.listing = None;
        sent.cur_sender = senders.len();
        let Some(root_abs) = enter(&src.root, &mut sent) else {
            continue;
        };
        // send_file_list: a new pathname string (change_pathname's
        // strdup) where the directory named differs from lastdir, none
        // for no directory; lastdir stays where the directory could not
        // be entered (above).
        sent.cur_pathname = match &lastdir {
            _ if src.pathname.is_empty() => 0,
            Some((d, n)) if *d == src.pathname => *n,
            _ => {
                pathnames += 1;
                pathnames
            }
        };
        lastdir = Some((src.pathname.clone(), sent.cur_pathname));
        let idx = match (0..sent.roots.len())
            .find(|&i| sent.roots[i] == root_abs && sent.sender_paths[i] == src.pathname)
        {
            Some(i) => i,
            None => {
                sent.roots.push(root_abs.clone());
                sent.sender_paths.push(src.pathname.clone());
                sent.roots.len() - 1
            }
        } as u32;
        let mut sender = filters.for_side(Side::Sender, root_abs.as_os_str().as_bytes());
        if src.root_only {
            // rsync sends this "." through the filters, as any name.
            if !sender.is_excluded(b".", true) {
                flist::push_root(&root_abs, idx, &mut sent);
            }
            continue;
        }
        let mut o = o;
        if a.files_from.is_some() && src.contents {
            o.dirs = true;
        }
        let r: Result<bool, FilterError> = flist::send_tree(
            &root_abs,
            idx,
            src.top.as_deref(),
            src.contents,
            // rsync's sender sends the directories on the way even with
            // --no-implied-dirs (flagged; its receiver passes them over).
            src.implied.then_some(inc),
            &o,
            &mut sender,
            reader,
            &mut sent,
        );
        r.map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
        senders.push(sender);
    }
    if let Some(nodes) = sent.deferred.take() {
        send_lists(nodes, &mut senders, reader, &mut sent)
            .map_err(|e| (format!("wsync: {e}"), e.exit_code()))?;
    }
    for sender in &senders {
        for w in sender.warnings() {
            eprintln!("wsync: warning: {w}");
        }
    }
    for it in &sent.items {
        sent.listed.add(it.kind);
        if matches!(it.kind, flist::Kind::File | flist::Kind::Symlink) {
            sent.listed_size += it.size;
        }
    }
    flist::sort_items(&mut sent.items);
    sent.file_total = flist::first_lists_total(&sent.items, a.recursive && !super::inc_off(a));
    Ok(sent)
}

/// rsync's incremental sender after the arguments (send_extra_file_list):
/// the directories of a list in sorted order, each with its own list,
/// then that list's directories, depth first. Directories of one name
/// (FLAG_DUPLICATE) share a list: each content directory is read again
/// unless it has the first one's pathname string (F_PATHNAME, compared
/// by address) and the one before it in the chain was read, and each
/// sends the `-R` paths named through it.
fn send_lists(
    mut nodes: Vec<flist::Deferred>,
    senders: &mut [crate::filter::DirFilter],
    reader: &mut dyn MergeSource,
    sent: &mut Sent,
) -> Result<(), FilterError> {
    nodes.sort_by(|x, y| flist::f_name_cmp(&x.dir, true, &y.dir, true));
    let mut i = 0;
    while i < nodes.len() {
        let j = i + nodes[i..]
            .iter()
            .take_while(|n| n.dir == nodes[i].dir)
            .count();
        sent.deferred = Some(Vec::new());
        sent.lists += 1;
        let mut read = false;
        for k in i..j {
            let n = &nodes[k];
            read = n.content && !(k > i && n.pathname == nodes[i].pathname && read);
            sent.cur_sender = n.sender;
            sent.cur_pathname = n.pathname;
            send_one(n, read, &mut senders[n.sender], reader, sent)?;
        }
        let next = sent.deferred.take().unwrap_or_default();
        send_lists(next, senders, reader, sent)?;
        i = j;
    }
    Ok(())
}

/// One directory of `send_lists` (rsync's send1extra): its entries when
/// `read`, then the `-R` paths named through it.
fn send_one(
    n: &flist::Deferred,
    read: bool,
    filter: &mut DirFilter,
    reader: &mut dyn MergeSource,
    sent: &mut Sent,
) -> Result<(), FilterError> {
    let root = sent.roots[n.root_idx as usize].clone();
    if read {
        let mut o = n.o;
        // -x: rsync compares with the device of the directory it reads.
        if o.one_fs > 0 {
            if let Ok(md) = fs::metadata(flist::join(&root, &n.dir)) {
                o.fs_dev = md.dev();
            }
        }
        sent.listing = Some(n.dir.clone());
        flist::send_dir(
            &root,
            &n.dir,
            n.root_idx,
            &o,
            o.recursive,
            filter,
            reader,
            sent,
        )?;
    }
    for (rest, contents) in &n.relnames {
        let name = flist::child(&n.dir, rest);
        match rest.iter().position(|&b| b == b'/') {
            Some(k) => {
                let way = flist::child(&n.dir, &rest[..k]);
                let rest = (rest[k + 1..].to_vec(), *contents);
                flist::inc_implied(&root, n.root_idx, &way, rest, &n.o, sent);
            }
            None => {
                flist::send_tree(
                    &root,
                    n.root_idx,
                    Some(&name),
                    *contents,
                    None,
                    &n.o,
                    filter,
                    reader,
                    sent,
                )?;
            }
        }
    }
    Ok(())
}

/// Whether `p` names an existing directory.
pub fn is_dir(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.is_dir())
}
