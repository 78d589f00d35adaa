//! Pushing: local sources to a remote destination. The local walk gives
//! the file list; one listing of the destination gives what is there;
//! each item is compared, itemized, and sent as a delta, made (directories
//! and symlinks) or given new attributes; deletions go first.

use super::{item_of, join, refusal, same_file, skipped, Report};
use crate::filter::{Filters, Side};
use crate::host::connect::ConnArgs;
use crate::host::exit;
use crate::host::session::{Client, Push, Refused};
use crate::host::sync::args::SyncArgs;
use crate::host::sync::attrs::{dest_perms, Who};
use crate::host::sync::flist::{Item, Kind};
use crate::host::sync::itemize::*;
use crate::host::sync::log::Log;
use crate::host::sync::remote::target::Remote;
use crate::host::sync::{sources, FsFiles};
use crate::host::Failure;
use crate::protocol::{Attempt, Entry, FileAttrs, Kind as WireKind, Next, UploadRetry};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;

pub async fn run(
    a: &SyncArgs,
    conn: &ConnArgs,
    srcs: &[OsString],
    d: Remote,
    filters: &Filters,
    mut log: Log,
    started: std::time::Instant,
) -> Result<u8, Failure> {
    let t = &d.target;
    if t.module.is_empty() {
        return Err(Failure::new(
            exit::SYNTAX,
            "the destination names no module",
        ));
    }
    let mut files = FsFiles { stdin_used: false };
    let mut sent =
        sources::walk(a, srcs, filters, &mut files).map_err(|(m, c)| Failure::new(c, m))?;
    let _ = crate::host::sync::flist::clean_list(&mut sent.items, None);
    for m in &sent.messages {
        if let crate::host::sync::flist::Msg::Error(e) = m {
            log.error(e);
        }
    }
    let mut c = Client::connect(t, conn).await?;
    c.bwlimit(a.bwlimit);
    let (module, base) = (t.module.as_str(), t.path.as_str());
    let probe = c
        .list(module, base, false, a.checksum)
        .await?
        .map_err(|r| refusal(&r))?;
    let dst_file = match &probe {
        Some(v) => v.len() == 1 && v[0].path == base && v[0].kind != WireKind::Dir,
        None => false,
    };
    let dst_is_dir = probe.is_some() && !dst_file;
    let solo = srcs.len() == 1
        && sent.items.len() == 1
        && !sent.items[0].is_dir()
        && !dst_is_dir
        && !d.slash;
    let mut rep = Report::new(a, log);
    rep.list(&sent.items);
    rep.partial = sent.io_error;
    if dst_file && !solo {
        return Err(Failure::new(
            exit::FILE_SELECT,
            "ERROR: destination must be a directory when copying more than 1 file",
        ));
    }
    // The destination's entries, by path relative to it.
    let mut root_fixed = false;
    let mut there: HashMap<Vec<u8>, Entry> = HashMap::new();
    if solo {
        if let Some(e) = probe.into_iter().flatten().next().filter(|_| dst_file) {
            there.insert(sent.items[0].path.clone(), e);
        }
    } else if dst_is_dir {
        (there, root_fixed) = listing(&mut c, a, module, base, probe).await?;
    } else if !sent.items.is_empty() {
        if !a.dry_run {
            c.make(module, base, WireKind::Dir, "", None)
                .await?
                .map_err(|r| refusal(&r))?;
        }
        if rep.log.names() {
            rep.log.info(&format!("created directory {base}"));
        }
    }
    let rpath = |it: &Item| match solo {
        true => base.to_string(),
        false => join(base, &it.path),
    };
    if a.delete.is_some() && !solo {
        delete(&mut c, &mut rep, &sent.items, &there, filters, module, base).await?;
    }
    // Directories get their times once their contents are in.
    let mut dirs: Vec<(String, FileAttrs)> = Vec::new();
    // Non-directories in sync on the server (--remove-source-files).
    let mut synced = Vec::new();
    for (i, it) in sent.items.iter().enumerate() {
        let old = there.get(&it.path);
        rep.progress.at(i);
        if root_fixed && it.path.is_empty() {
            continue;
        }
        if skipped(a, it, old.map(|e| (e.mtime, e.kind == WireKind::Dir))) {
            continue;
        }
        let path = rpath(it);
        let r = match it.kind {
            Kind::Dir => dir(&mut c, &mut rep, it, old, module, &path, &mut dirs).await?,
            Kind::Symlink if a.links => link(&mut c, &mut rep, it, old, module, &path).await?,
            Kind::File => file(&mut c, &mut rep, &sent, it, old, module, &path).await?,
            _ => {
                let line = format!("skipping non-regular file \"{}\"", show_path(it));
                rep.log.info(&line);
                Ok(())
            }
        };
        match r {
            Err(r) => rep.error(&crate::host::session::refused_line(&r, &path)),
            Ok(()) if it.kind == Kind::File || (it.kind == Kind::Symlink && a.links) => {
                synced.push(i)
            }
            Ok(()) => {}
        }
    }
    let none = vec![std::path::PathBuf::new(); synced.len()];
    if crate::host::sync::extras::remove_sources(a, &sent, &synced, &none, &mut rep.log) {
        rep.partial = true;
    }
    if !a.dry_run {
        dir_times(&mut c, &mut rep, module, dirs).await?;
    }
    let (sent_b, recv_b) = (c.sent, c.received);
    c.close().await;
    Ok(rep.finish(sent_b, recv_b, started))
}

/// The destination directory's entries, by path relative to it
/// (`probe`: its top level), with the directory itself (from its
/// parent's listing) as the empty path; true when it has no entry (a
/// module's root: it is left as it is).
async fn listing(
    c: &mut Client,
    a: &SyncArgs,
    module: &str,
    base: &str,
    probe: Option<Vec<Entry>>,
) -> Result<(HashMap<Vec<u8>, Entry>, bool), Failure> {
    let all = match a.recursive {
        true => c.list(module, base, true, a.checksum).await?,
        false => Ok(probe),
    };
    let prefix = if base.is_empty() {
        String::new()
    } else {
        format!("{base}/")
    };
    let mut there = HashMap::new();
    for e in all.map_err(|r| refusal(&r))?.into_iter().flatten() {
        if let Some(rel) = e.path.strip_prefix(&prefix) {
            there.insert(rel.as_bytes().to_vec(), e);
        }
    }
    let own = match base.rsplit_once('/') {
        _ if base.is_empty() => None,
        Some((up, _)) => c.list(module, up, false, false).await?.ok().flatten(),
        None => c.list(module, "", false, false).await?.ok().flatten(),
    };
    let root_fixed = match own.and_then(|v| v.into_iter().find(|e| e.path == base)) {
        Some(e) => {
            there.insert(Vec::new(), e);
            false
        }
        None => true,
    };
    Ok((there, root_fixed))
}

/// Directories get their times once their contents are in, deepest
/// first.
async fn dir_times(
    c: &mut Client,
    rep: &mut Report<'_>,
    module: &str,
    dirs: Vec<(String, FileAttrs)>,
) -> Result<(), Failure> {
    for (path, attrs) in dirs.into_iter().rev() {
        if let Err(r) = c
            .make(module, &path, WireKind::File, "", Some(attrs))
            .await?
        {
            rep.error(&crate::host::session::refused_line(&r, &path));
        }
    }
    Ok(())
}

fn show_path(it: &Item) -> String {
    crate::host::sync::flist::show(&it.path)
}

fn now() -> (i64, u32) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_nanos())
}

/// The attributes the remote copy gets: the source's mtime with `-t`
/// (the time of the write otherwise), its permissions with `-p` (the
/// server's choice otherwise: the old file's, or its default).
fn attrs_for(a: &SyncArgs, it: &Item) -> FileAttrs {
    attrs_new(a, it, false)
}

/// `attrs_for`; for a new entry (`new`) without `-p`, the source's
/// permissions less the umask, as rsync gives new files.
fn attrs_new(a: &SyncArgs, it: &Item, new: bool) -> FileAttrs {
    let (mtime, mtime_nsec) = if a.times { (it.mtime, it.nsec) } else { now() };
    FileAttrs {
        mtime,
        mtime_nsec,
        mode: match (a.perms, new) {
            (true, _) => it.mode & 0o7777,
            (false, true) => dest_perms(a, &Who::current(), it, None),
            (false, false) => 0,
        },
    }
}

/// Flags for what differs between the item and the remote entry.
fn flags(a: &SyncArgs, it: &Item, old: Option<&Entry>, mut iflags: u32) -> u32 {
    let Some(e) = old else {
        return iflags | IS_NEW;
    };
    if it.kind == Kind::File && e.size != it.size {
        iflags |= REPORT_SIZE;
    }
    // -c: a file sent over an existing one has another checksum.
    if a.checksum && it.kind == Kind::File && iflags & TRANSFER != 0 {
        iflags |= REPORT_CHANGE;
    }
    let keep_time = a.times && !(it.kind == Kind::Dir && a.omit_dir_times);
    let differs = !crate::host::sync::timewin::same_time(e.mtime, 0, it.mtime, 0);
    if (keep_time && differs) || (!keep_time && iflags & (TRANSFER | LOCAL_CHANGE) != 0) {
        iflags |= REPORT_TIME;
    }
    if a.perms && it.kind != Kind::Symlink && e.mode & 0o7777 != it.mode & 0o7777 {
        iflags |= REPORT_PERMS;
    }
    iflags
}

type Step = Result<(), Refused>;

async fn dir(
    c: &mut Client,
    rep: &mut Report<'_>,
    it: &Item,
    old: Option<&Entry>,
    module: &str,
    path: &str,
    dirs: &mut Vec<(String, FileAttrs)>,
) -> Result<Step, Failure> {
    let a = rep.a;
    let exists = old.is_some_and(|e| e.kind == WireKind::Dir);
    let iflags = match exists {
        true => flags(a, it, old, 0),
        false => flags(a, it, None, LOCAL_CHANGE),
    };
    rep.item(it, &it.path, iflags, 0);
    if !exists {
        rep.stats.created.add(Kind::Dir);
    }
    if a.dry_run {
        return Ok(Ok(()));
    }
    if !exists {
        if old.is_some() {
            if let Err(r) = c.delete(module, path).await? {
                return Ok(Err(r));
            }
        }
        let attrs = FileAttrs {
            mtime: it.mtime,
            mtime_nsec: it.nsec,
            mode: dest_perms(a, &Who::current(), it, None),
        };
        if let Err(r) = c.make(module, path, WireKind::Dir, "", Some(attrs)).await? {
            return Ok(Err(r));
        }
    }
    if (a.times && !a.omit_dir_times) || iflags & REPORT_PERMS != 0 {
        let mut attrs = attrs_for(a, it);
        if !a.times || a.omit_dir_times {
            attrs.mtime = old.map_or(it.mtime, |e| e.mtime);
            attrs.mtime_nsec = old.map_or(it.nsec, |e| e.mtime_nsec);
        }
        dirs.push((path.to_string(), attrs));
    }
    Ok(Ok(()))
}

async fn link(
    c: &mut Client,
    rep: &mut Report<'_>,
    it: &Item,
    old: Option<&Entry>,
    module: &str,
    path: &str,
) -> Result<Step, Failure> {
    let a = rep.a;
    let target = String::from_utf8_lossy(it.link.as_deref().unwrap_or_default()).into_owned();
    let same = old.is_some_and(|e| e.kind == WireKind::Symlink && e.target == target);
    let time = a.times && old.is_some_and(|e| e.mtime != it.mtime);
    let iflags = match (old, same) {
        (None, _) => IS_NEW | LOCAL_CHANGE,
        (Some(_), true) if time => REPORT_TIME,
        (Some(_), true) => 0,
        // rsync reports a new target, and 'T' for a time it does not keep.
        (Some(_), false) if a.times => LOCAL_CHANGE | REPORT_CHANGE,
        (Some(_), false) => LOCAL_CHANGE | REPORT_CHANGE | REPORT_TIME,
    };
    rep.item(it, &it.path, iflags, 0);
    if a.dry_run || (same && !time) {
        return Ok(Ok(()));
    }
    let attrs = a.times.then(|| attrs_for(a, it));
    if old.is_none() || !same {
        rep.stats.created.add(Kind::Symlink);
    }
    if same {
        return c.make(module, path, WireKind::File, "", attrs).await;
    }
    if old.is_some_and(|e| e.kind == WireKind::Dir) {
        if let Err(r) = c.delete(module, path).await? {
            return Ok(Err(r));
        }
    }
    c.make(module, path, WireKind::Symlink, &target, attrs)
        .await
}

async fn file(
    c: &mut Client,
    rep: &mut Report<'_>,
    sent: &crate::host::sync::flist::Sent,
    it: &Item,
    old: Option<&Entry>,
    module: &str,
    path: &str,
) -> Result<Step, Failure> {
    let a = rep.a;
    let src = sent.src_path(it);
    let old_file = old.filter(|e| e.kind == WireKind::File);
    let same = old_file.is_some_and(|e| {
        same_file(a, it, e.size, e.mtime, || {
            e.sum.is_some() && sha256_of(&src).ok() == e.sum
        })
    });
    if same {
        let iflags = flags(a, it, old, 0);
        rep.item(it, &it.path, iflags, 0);
        if iflags & (REPORT_PERMS | REPORT_TIME) != 0 && !a.dry_run {
            let mut attrs = attrs_for(a, it);
            if let (false, Some(e)) = (a.times, old) {
                // Without -t the time stays as it is.
                attrs.mtime = e.mtime;
                attrs.mtime_nsec = e.mtime_nsec;
            }
            return c.make(module, path, WireKind::File, "", Some(attrs)).await;
        }
        return Ok(Ok(()));
    }
    let iflags = flags(a, it, old_file, TRANSFER | SENT_OUT);
    if a.dry_run {
        rep.item(it, &it.path, iflags, 0);
        rep.stats.transferred += 1;
        rep.stats.transferred_size += it.size;
        return Ok(Ok(()));
    }
    if let Some(e) = old.filter(|e| e.kind != WireKind::File) {
        let _ = e;
        if let Err(r) = c.delete(module, path).await? {
            return Ok(Err(r));
        }
    }
    let before = c.sent;
    let attrs = attrs_new(a, it, old_file.is_none());
    // A refusal may be retried (protocol::UploadRetry); a dropped
    // connection ends the run, as rsync's would.
    let mut retry = UploadRetry::default();
    loop {
        let mut token = None;
        match c
            .push_attempt(module, path, &src, None, retry.strong(), attrs, &mut token)
            .await?
        {
            Push::Done => break,
            Push::Failed(code, msg) => {
                if retry.next(Attempt::Failed(code), false) == Next::Stop {
                    return Ok(Err(Refused(code, msg)));
                }
            }
            Push::Dropped(_, e) => return Err(e),
        }
    }
    let bytes = c.sent - before;
    rep.stats.transferred += 1;
    rep.stats.transferred_size += it.size;
    rep.stats.literal += bytes;
    rep.item(it, &it.path, iflags, bytes);
    rep.progress.file_done(&mut rep.log, it, it.size);
    Ok(Ok(()))
}

pub(super) fn sha256_of(p: &std::path::Path) -> std::io::Result<[u8; 32]> {
    use std::io::Read;
    let mut f = std::fs::File::open(p)?;
    let mut h = crate::Sha256::new();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(h.finish());
        }
        h.update(&buf[..n]);
    }
}

/// Deletes what the destination has and the sources lack, in the
/// directories whose contents are in the list, children before parents.
async fn delete(
    c: &mut Client,
    rep: &mut Report<'_>,
    items: &[Item],
    there: &HashMap<Vec<u8>, Entry>,
    filters: &Filters,
    module: &str,
    base: &str,
) -> Result<(), Failure> {
    let a = rep.a;
    let receiver = filters.for_side(Side::Receiver, b"/");
    let content: HashSet<&[u8]> = items
        .iter()
        .filter(|it| it.is_dir() && (it.content || a.recursive))
        .map(|it| it.path.as_slice())
        .collect();
    let have: HashSet<&[u8]> = items.iter().map(|it| it.path.as_slice()).collect();
    let parent = |p: &[u8]| -> Vec<u8> {
        match p.iter().rposition(|&b| b == b'/') {
            Some(i) => p[..i].to_vec(),
            None => Vec::new(),
        }
    };
    let mut gone: Vec<&Vec<u8>> = there
        .keys()
        .filter(|rel| {
            let e = &there[*rel];
            content.contains(parent(rel).as_slice())
                && !have.contains(rel.as_slice())
                && !receiver.is_excluded(rel, e.kind == WireKind::Dir)
        })
        .collect();
    gone.sort();
    for rel in gone {
        // The entry and everything below it, deepest first.
        let mut below: Vec<&Vec<u8>> = there
            .keys()
            .filter(|k| k.starts_with(rel) && (k.len() == rel.len() || k[rel.len()] == b'/'))
            .collect();
        below.sort_by(|x, y| y.cmp(x));
        for k in below {
            if a.max_delete
                .is_some_and(|m| rep.stats.deleted.total() >= m as u64)
            {
                rep.del_limit = true;
                continue;
            }
            let e = &there[k];
            let kind = match e.kind {
                WireKind::Dir => Kind::Dir,
                WireKind::Symlink => Kind::Symlink,
                WireKind::File => Kind::File,
            };
            if !a.dry_run {
                if let Err(r) = c.delete(module, &join(base, k)).await? {
                    rep.error(&crate::host::session::refused_line(&r, &join(base, k)));
                    continue;
                }
            }
            let _ = item_of;
            rep.deleted(k, kind);
        }
    }
    Ok(())
}
