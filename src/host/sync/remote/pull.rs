//! Pulling: remote sources to a local destination. The listings of the
//! sources give the file list (with the client's rules applied as rsync's
//! sender applies them); the local side compares, itemizes, deletes with
//! the local engine's deleter, and downloads deltas against its copies.

use super::{item_of, refusal, same_file, skipped, Report};
use crate::filter::{Filters, Side};
use crate::host::connect::ConnArgs;
use crate::host::exit;
use crate::host::session::Client;
use crate::host::sync::args::SyncArgs;
use crate::host::sync::attrs::{self, How, Want, Who};
use crate::host::sync::delete::{names_in, Del, Deleter};
use crate::host::sync::flist::{clean_list, join, sort_items, Item, Kind};
use crate::host::sync::itemize::*;
use crate::host::sync::log::Log;
use crate::host::sync::meta::SrcMeta;
use crate::host::sync::remote::target::Remote;
use crate::host::sync::{sources, FsFiles};
use crate::host::Failure;
use crate::protocol::{Entry, Kind as WireKind};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The file list of a pull: items (paths relative to the transfer root)
/// and where each is on the server.
struct List {
    items: Vec<Item>,
    remote: HashMap<Vec<u8>, (String, Option<[u8; 32]>)>,
    /// Directories whose attributes are unknown (a module's root).
    no_attrs: Vec<Vec<u8>>,
    errors: bool,
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

async fn listing(
    a: &SyncArgs,
    c: &mut Client,
    srcs: &[Remote],
    filters: &Filters,
    rep: &mut Report<'_>,
) -> Result<List, Failure> {
    let sender = filters.for_side(Side::Sender, b"/");
    let mut l = List {
        items: Vec::new(),
        remote: HashMap::new(),
        no_attrs: Vec::new(),
        errors: false,
    };
    for r in srcs {
        let t = &r.target;
        if t.module.is_empty() {
            return Err(Failure::new(
                exit::SYNTAX,
                "a remote source names no module",
            ));
        }
        let module = t.module.as_str();
        let probe = c
            .list(module, &t.path, false, a.checksum)
            .await?
            .map_err(|r| refusal(&r))?;
        let Some(probe) = probe else {
            rep.error(&format!(
                "rsync: [sender] link_stat \"{}\" (in {module}) failed: No such file or directory (2)",
                t.path
            ));
            l.errors = true;
            continue;
        };
        if probe.len() == 1 && probe[0].path == t.path && probe[0].kind != WireKind::Dir {
            let e = &probe[0];
            let rel = base_name(&t.path).as_bytes().to_vec();
            if !sender.is_excluded(&rel, false) {
                l.remote.insert(rel.clone(), (e.path.clone(), e.sum));
                l.items.push(item_of(e, rel));
            }
            continue;
        }
        if !a.recursive && !a.dirs {
            rep.log
                .info(&format!("skipping directory {}", base_name(&t.path)));
            continue;
        }
        let contents = r.slash || t.path.is_empty();
        let top = match contents {
            true => String::new(),
            false => base_name(&t.path).to_string(),
        };
        // The directory itself, with its attributes from its parent's listing.
        let own = match t.path.is_empty() {
            true => None,
            false => c
                .list(module, parent(&t.path), false, false)
                .await?
                .ok()
                .flatten()
                .and_then(|v| v.into_iter().find(|e| e.path == t.path)),
        };
        let dir_entry = own.unwrap_or_else(|| {
            l.no_attrs.push(top.as_bytes().to_vec());
            Entry {
                path: t.path.clone(),
                kind: WireKind::Dir,
                size: 0,
                mtime: 0,
                mtime_nsec: 0,
                mode: 0o755,
                target: String::new(),
                sum: None,
            }
        });
        let mut root = item_of(&dir_entry, top.as_bytes().to_vec());
        root.content = true;
        l.remote.insert(root.path.clone(), (t.path.clone(), None));
        l.items.push(root);
        let below = match a.recursive {
            true => c
                .list(module, &t.path, true, a.checksum)
                .await?
                .map_err(|r| refusal(&r))?
                .unwrap_or_default(),
            false => probe,
        };
        let prefix = match t.path.is_empty() {
            true => String::new(),
            false => format!("{}/", t.path),
        };
        let mut out_dirs: Vec<Vec<u8>> = Vec::new();
        let mut below = below;
        below.sort_by(|x, y| x.path.cmp(&y.path));
        for e in below {
            let Some(sub) = e.path.strip_prefix(&prefix) else {
                continue;
            };
            let rel = match top.is_empty() {
                true => sub.as_bytes().to_vec(),
                false => format!("{top}/{sub}").into_bytes(),
            };
            let is_dir = e.kind == WireKind::Dir;
            let under_excluded = out_dirs
                .iter()
                .any(|d| rel.starts_with(d) && rel.get(d.len()) == Some(&b'/'));
            if under_excluded || sender.is_excluded(&rel, is_dir) {
                if is_dir {
                    out_dirs.push(rel);
                }
                continue;
            }
            let mut it = item_of(&e, rel.clone());
            it.content = is_dir && a.recursive;
            l.remote.insert(rel, (e.path.clone(), e.sum));
            l.items.push(it);
        }
    }
    sort_items(&mut l.items);
    let _ = clean_list(&mut l.items, None);
    Ok(l)
}

pub async fn run(
    a: &SyncArgs,
    conn: &ConnArgs,
    srcs: Vec<Remote>,
    dst_arg: &OsString,
    filters: &Filters,
    log: Log,
    started: std::time::Instant,
) -> Result<u8, Failure> {
    let mut c = Client::connect(&srcs[0].target, conn).await?;
    let mut rep = Report::new(a, log);
    let l = listing(a, &mut c, &srcs, filters, &mut rep).await?;
    rep.list(&l.items);
    let module = srcs[0].target.module.clone();
    let dst = PathBuf::from(dst_arg);
    let dst_is_dir = sources::is_dir(&dst);
    let solo = srcs.len() == 1
        && l.items.len() == 1
        && !l.items[0].is_dir()
        && !dst_is_dir
        && !dst_arg.as_bytes().ends_with(b"/");
    let root = match solo {
        true => dst
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        false => dst.clone(),
    };
    let root_created = !solo && !dst_is_dir && !l.items.is_empty();
    if root_created {
        make_root(a, &dst, dst_arg, &mut rep)?;
    }
    let dpath = |it: &Item| match solo {
        true => dst.clone(),
        false => join(&root, &it.path),
    };
    // Deletions happen in each directory as the list reaches it (rsync's
    // --delete-during), after the directory itself is compared.
    let abs = fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
    let mut files = FsFiles { stdin_used: true };
    let mut del = (a.delete.is_some() && !solo && !l.errors).then(|| {
        let receiver = filters.for_side(Side::Receiver, abs.as_os_str().as_bytes());
        let mut d = Deleter::new(&root, receiver, &mut files);
        d.dry = a.dry_run;
        d.max_delete = a.max_delete.map(|m| m.max(0));
        d
    });
    let who = Who::current();
    let mut dirs = Vec::new();
    for (i, it) in l.items.iter().enumerate() {
        rep.progress.at(i);
        let p = dpath(it);
        // A destination made by this run counts as new, as in rsync.
        let md = match root_created && it.path.is_empty() {
            true => None,
            false => fs::symlink_metadata(&p).ok(),
        };
        if skipped(a, it, md.as_ref().map(|m| (m.mtime(), m.is_dir()))) {
            continue;
        }
        let r = match it.kind {
            Kind::Dir => {
                let known = !l.no_attrs.contains(&it.path);
                dir(a, &mut rep, &who, it, &p, md, known).map(|keep| {
                    if keep && known {
                        dirs.push(i)
                    }
                })
            }
            Kind::Symlink if a.links => link(a, &mut rep, &who, it, &p, md),
            Kind::Symlink => {
                rep.log
                    .info(&format!("skipping non-regular file \"{}\"", show(it)));
                Ok(())
            }
            _ => {
                let (rpath, sum) = &l.remote[&it.path];
                file(a, &mut rep, &mut c, &who, it, &p, md, &module, rpath, *sum).await?
            }
        };
        if let Err(e) = r {
            rep.error(&e);
        }
        if let Some(d) = del.as_mut().filter(|_| it.is_dir() && it.content) {
            if p.is_dir() {
                delete_in(d, &mut rep, &l.items, i)?;
            }
        }
    }
    if let Some(d) = del.filter(|d| d.skipped > 0) {
        rep.log.error(&format!(
            "Deletions stopped due to --max-delete limit ({} skipped)",
            d.skipped
        ));
        rep.del_limit = true;
    }
    if !a.dry_run && a.times && !a.omit_dir_times {
        for i in dirs.into_iter().rev() {
            let it = &l.items[i];
            if let Err(e) = attrs::set_mtime(&dpath(it), it) {
                rep.error(&e);
            }
        }
    }
    if l.errors {
        rep.partial = true;
    }
    let (s, r) = (c.sent, c.received);
    c.close().await;
    Ok(rep.finish(s, r, started))
}

/// The destination directory `dst`, made (with its parents with
/// `--mkpath`) and reported as rsync's receiver does.
fn make_root(
    a: &SyncArgs,
    dst: &Path,
    dst_arg: &OsString,
    rep: &mut Report<'_>,
) -> Result<(), Failure> {
    if fs::symlink_metadata(dst).is_ok() {
        return Err(Failure::new(
            exit::FILE_SELECT,
            "ERROR: destination must be a directory when copying more than 1 file",
        ));
    }
    if !a.dry_run {
        let r = match a.mkpath {
            true => fs::create_dir_all(dst),
            false => fs::create_dir(dst),
        };
        r.map_err(|e| {
            Failure::new(
                exit::FILE_IO,
                format!(
                    "rsync: [Receiver] mkdir \"{}\" failed: {}",
                    dst.display(),
                    crate::host::sync::os_error(&e)
                ),
            )
        })?;
    }
    if rep.log.names() {
        let shown = dst_arg.to_string_lossy();
        rep.log.info(&format!(
            "created directory {}",
            shown.trim_end_matches('/')
        ));
    }
    Ok(())
}

/// What `it` is to get. No xattrs or ACLs travel over the protocol
/// (-X/-A are refused).
fn want<'x>(
    it: &'x Item,
    a: &'x SyncArgs,
    who: &'x Who,
    old_perms: Option<u32>,
    how: How,
) -> Want<'x> {
    static NONE: SrcMeta = SrcMeta {
        xattrs: None,
        acl: None,
    };
    Want {
        it,
        a,
        who,
        old_perms,
        how,
        src: &NONE,
    }
}

fn show(it: &Item) -> String {
    crate::host::sync::flist::show(&it.path)
}

/// Flags comparing the item with the local copy `md`.
fn flags(a: &SyncArgs, who: &Who, it: &Item, md: Option<&fs::Metadata>, mut iflags: u32) -> u32 {
    let Some(md) = md else {
        return iflags | IS_NEW;
    };
    if it.kind == Kind::File && md.len() != it.size {
        iflags |= REPORT_SIZE;
    }
    // -c: a file sent over an existing one has another checksum.
    if a.checksum && it.kind == Kind::File && iflags & TRANSFER != 0 {
        iflags |= REPORT_CHANGE;
    }
    let d = attrs::diff(a, who, it, md);
    let keep_time = a.times && !(it.kind == Kind::Dir && a.omit_dir_times);
    if (keep_time && d.time) || (!keep_time && iflags & (TRANSFER | LOCAL_CHANGE) != 0) {
        iflags |= REPORT_TIME;
    }
    if d.perms {
        iflags |= REPORT_PERMS;
    }
    iflags
}

/// A directory: made if missing; its time is set at the end (`true`).
fn dir(
    a: &SyncArgs,
    rep: &mut Report<'_>,
    who: &Who,
    it: &Item,
    p: &Path,
    md: Option<fs::Metadata>,
    known: bool,
) -> Result<bool, String> {
    let exists = md.as_ref().is_some_and(|m| m.is_dir());
    let iflags = match exists {
        true if known => flags(a, who, it, md.as_ref(), 0),
        true => 0,
        false => IS_NEW | LOCAL_CHANGE,
    };
    rep.item(it, &it.path, iflags, 0);
    if !exists {
        rep.stats.created.add(Kind::Dir);
    }
    if a.dry_run {
        return Ok(false);
    }
    if !exists {
        if md.is_some() {
            fs::remove_file(p).map_err(|e| io_err("unlink", p, &e))?;
        }
        if !p.is_dir() {
            fs::create_dir(p).map_err(|e| io_err("mkdir", p, &e))?;
        }
    }
    if known {
        // Permissions now (rsync keeps a directory writable until its
        // contents are in only when it must); the time at the end.
        let old = md.filter(|m| m.is_dir()).map(|m| m.mode());
        let mut timeless = a.clone();
        timeless.times = false;
        attrs::set(p, &want(it, &timeless, who, old, How::Check))?;
    }
    Ok(true)
}

fn link(
    a: &SyncArgs,
    rep: &mut Report<'_>,
    who: &Who,
    it: &Item,
    p: &Path,
    md: Option<fs::Metadata>,
) -> Result<(), String> {
    let target = it.link.clone().unwrap_or_default();
    let same = md.as_ref().is_some_and(|m| m.file_type().is_symlink())
        && fs::read_link(p).is_ok_and(|t| t.as_os_str().as_bytes() == target.as_slice());
    let iflags = match (&md, same) {
        (None, _) => IS_NEW | LOCAL_CHANGE,
        (Some(_), true) => flags(a, who, it, md.as_ref(), 0),
        (Some(_), false) => flags(a, who, it, md.as_ref(), LOCAL_CHANGE | REPORT_CHANGE),
    };
    rep.item(it, &it.path, iflags, 0);
    if a.dry_run {
        return Ok(());
    }
    if !same {
        if md.is_none() || !same {
            rep.stats.created.add(Kind::Symlink);
        }
        if md.as_ref().is_some_and(|m| m.is_dir()) {
            fs::remove_dir(p).map_err(|e| io_err("rmdir", p, &e))?;
        }
        // Made under a temporary name, then renamed over the old entry.
        let dir = p.parent().unwrap_or(Path::new("."));
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.wsync-tmp", std::process::id()));
        let t = std::ffi::OsStr::from_bytes(&target);
        std::os::unix::fs::symlink(t, &tmp).map_err(|e| io_err("symlink", &tmp, &e))?;
        fs::rename(&tmp, p).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err("rename", p, &e)
        })?;
    }
    if a.times {
        attrs::set_mtime(p, it)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn file(
    a: &SyncArgs,
    rep: &mut Report<'_>,
    c: &mut Client,
    who: &Who,
    it: &Item,
    p: &Path,
    md: Option<fs::Metadata>,
    module: &str,
    rpath: &str,
    sum: Option<[u8; 32]>,
) -> Result<Result<(), String>, Failure> {
    let is_file = md.as_ref().is_some_and(|m| m.is_file());
    let same = is_file
        && md.as_ref().is_some_and(|m| {
            same_file(a, it, m.len(), m.mtime(), || {
                sum.is_some() && super::push::sha256_of(p).ok() == sum
            })
        });
    if same {
        let iflags = flags(a, who, it, md.as_ref(), 0);
        rep.item(it, &it.path, iflags, 0);
        if !a.dry_run {
            let old = md.as_ref().map(|m| m.mode());
            return Ok(attrs::set(p, &want(it, a, who, old, How::Check)));
        }
        return Ok(Ok(()));
    }
    let iflags = flags(a, who, it, md.as_ref().filter(|m| m.is_file()), TRANSFER);
    rep.stats.transferred += 1;
    rep.stats.transferred_size += it.size;
    if a.dry_run {
        rep.item(it, &it.path, iflags, 0);
        return Ok(Ok(()));
    }
    if let Some(m) = md.as_ref().filter(|m| !m.is_file()) {
        let r = match m.is_dir() {
            true => fs::remove_dir(p),
            false => fs::remove_file(p),
        };
        if let Err(e) = r {
            return Ok(Err(io_err("unlink", p, &e)));
        }
    }
    let old_perms = md.as_ref().filter(|m| m.is_file()).map(|m| m.mode());
    let before = c.received;
    if let Err(r) = c.pull_to(module, rpath, p).await? {
        return Ok(Err(crate::host::session::refused_line(&r, rpath)));
    }
    let bytes = c.received - before;
    rep.stats.literal += bytes;
    rep.item(it, &it.path, iflags, bytes);
    rep.progress.file_done(&mut rep.log, it, it.size);
    Ok(attrs::set(p, &want(it, a, who, old_perms, How::Transfer)))
}

fn io_err(what: &str, p: &Path, e: &std::io::Error) -> String {
    format!(
        "rsync: [receiver] {what} \"{}\" failed: {}",
        p.display(),
        crate::host::sync::os_error(e)
    )
}

/// rsync's `--delete` in directory item `i`: the local deleter, with
/// the names the list has there.
fn delete_in(
    del: &mut Deleter<'_>,
    rep: &mut Report<'_>,
    items: &[Item],
    i: usize,
) -> Result<(), Failure> {
    let names = names_in(items, i);
    del.delete_in_dir(&items[i].path, &names)
        .map_err(|e| Failure::new(e.exit_code(), format!("{e}")))?;
    for line in std::mem::take(&mut del.lines) {
        match line {
            Del::Deleted(path, kind) => rep.deleted(&path, kind),
            Del::Note(n) => rep.log.info(&n),
            Del::Error(e) => rep.error(&e),
        }
    }
    Ok(())
}
