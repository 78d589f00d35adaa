//! Batch files (`--write-batch`, `--only-write-batch`, `--read-batch`) in
//! wsync's own format, docs/BATCH.md: a header with the write run's
//! options and destination, the sender's file list with each regular
//! file's data as a wsync delta against the destination's file as it was
//! (or "the same as the destination"), the missing arguments of
//! `--delete-missing-args`, and a trailer with the count and a SHA-256 of
//! all before it. Reading rebuilds each file with data into a staging
//! directory (the delta applied to the destination's file, checked by
//! its SHA-256) and, once the whole batch checked out, runs the local
//! transfer from that list: the same tree results as from the write run,
//! applied to a copy of the original destination.

use super::args::SyncArgs;
use super::flist::{Item, Kind, Sent};
use crate::host::files::{sign_file, READ_CHUNK};
use crate::{DeltaEncoder, DeltaFormat, DeltaOptions, PatchOptions, Patcher, SignatureOptions};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"WSYNCBATCH\n";
const VERSION: u8 = 1;
const TRAILER: &[u8] = b"WSYNCEND";
/// Limits a reader holds a batch to (it is untrusted input).
const MAX_PATH: usize = 4096;
const MAX_ARGS: u32 = 4096;
const MAX_ITEMS: u64 = 1 << 24;
const MAX_CHUNK: u32 = 1 << 20;
/// Total bytes of names and link targets kept in memory.
const MAX_NAME_BYTES: u64 = 1 << 30;

/// The options and destination argument of the write run.
pub struct Header {
    pub opts: Vec<OsString>,
    pub dst: OsString,
}

/// A batch-file error: what is wrong and where (exit 12, rsync's
/// "error in protocol data stream", for a damaged batch).
fn bad(what: &str) -> (String, u8) {
    (format!("wsync: bad batch file: {what}"), 12)
}

fn io_err(path: &Path, e: &io::Error) -> (String, u8) {
    (
        format!(
            "wsync: batch file {}: {}",
            path.display(),
            super::os_error(e)
        ),
        super::code::FILE_IO,
    )
}

/// A writer that hashes what passes through it.
struct Hashing<W: Write> {
    w: W,
    h: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.w.write(buf)?;
        self.h.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

fn put_bytes(w: &mut impl Write, b: &[u8]) -> io::Result<()> {
    w.write_all(&(b.len() as u32).to_le_bytes())?;
    w.write_all(b)
}

fn kind_code(k: Kind) -> u8 {
    match k {
        Kind::File => 0,
        Kind::Dir => 1,
        Kind::Symlink => 2,
        Kind::Device => 3,
        Kind::Special => 4,
    }
}

/// The write run's options as recorded: all but the paths and the batch
/// options themselves.
fn recorded_opts(a: &SyncArgs) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for o in &a.more.opt_argv {
        let b = o.as_bytes();
        if skip_next {
            skip_next = false;
            continue;
        }
        let batch = ["--write-batch", "--only-write-batch", "--read-batch"]
            .iter()
            .find(|n| b.starts_with(n.as_bytes()));
        if let Some(n) = batch {
            skip_next = b.len() == n.len();
            continue;
        }
        out.push(o.clone());
    }
    out
}

/// Whether the destination's file at `dst` is what rsync's quick check
/// would leave (then the batch says "same" and carries no data).
fn same_as_dest(a: &SyncArgs, it: &Item, src: &Path, dst: &Path) -> bool {
    let Ok(md) = fs::symlink_metadata(dst) else {
        return false;
    };
    if !md.is_file() || md.len() != it.size || a.ignore_times {
        return false;
    }
    if a.checksum {
        return super::transfer::same_content(src, dst).unwrap_or(false);
    }
    a.size_only || !super::attrs::mtime_differs(it, &md)
}

/// Writes the batch for this run: `dst_of` gives each item's path at the
/// destination. Also writes `FILE.sh`, which reads it back.
pub fn write(
    a: &SyncArgs,
    file: &OsString,
    dst_arg: &OsString,
    sent: &Sent,
    dst_of: &dyn Fn(&Item) -> PathBuf,
    solo: bool,
) -> Result<(), (String, u8)> {
    let path = PathBuf::from(file);
    let f = File::create(&path).map_err(|e| io_err(&path, &e))?;
    let mut w = Hashing {
        w: BufWriter::new(f),
        h: Sha256::new(),
    };
    let r = (|| -> io::Result<()> {
        w.write_all(MAGIC)?;
        w.write_all(&[VERSION])?;
        let opts = recorded_opts(a);
        w.write_all(&(opts.len() as u32).to_le_bytes())?;
        for o in &opts {
            put_bytes(&mut w, o.as_bytes())?;
        }
        put_bytes(&mut w, dst_arg.as_bytes())?;
        w.write_all(&(sent.items.len() as u64).to_le_bytes())?;
        for it in &sent.items {
            write_item(a, &mut w, sent, it, &dst_of(it), solo)?;
        }
        w.write_all(&(sent.missing.len() as u32).to_le_bytes())?;
        for m in &sent.missing {
            put_bytes(&mut w, m)?;
        }
        Ok(())
    })();
    r.map_err(|e| io_err(&path, &e))?;
    let digest = w.h.clone().finalize();
    let mut out = w.w;
    let r = (|| -> io::Result<()> {
        out.write_all(TRAILER)?;
        out.write_all(&(sent.items.len() as u64).to_le_bytes())?;
        out.write_all(&digest)?;
        out.flush()
    })();
    r.map_err(|e| io_err(&path, &e))?;
    write_script(a, file, dst_arg).map_err(|e| io_err(&path, &e))
}

/// `FILE.sh`: reads the batch back into `$1`, or the write run's DEST.
fn write_script(a: &SyncArgs, file: &OsString, dst_arg: &OsString) -> io::Result<()> {
    let q = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        format!("'{}'", s.replace('\'', "'\\''"))
    };
    let mut line = String::from("'wsync' 'sync'");
    for o in recorded_opts(a) {
        line.push(' ');
        line.push_str(&q(o.as_bytes()));
    }
    line.push_str(&format!(
        " --read-batch={} ${{1:-{}}}\n",
        q(file.as_bytes()),
        q(dst_arg.as_bytes())
    ));
    let mut sh = file.clone();
    sh.push(".sh");
    fs::write(&sh, line)?;
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&sh, fs::Permissions::from_mode(0o700))
}

fn write_item(
    a: &SyncArgs,
    w: &mut impl Write,
    sent: &Sent,
    it: &Item,
    dst: &Path,
    solo: bool,
) -> io::Result<()> {
    w.write_all(&[kind_code(it.kind)])?;
    put_bytes(w, &it.path)?;
    for v in [it.mode, it.uid, it.gid, it.nsec] {
        w.write_all(&v.to_le_bytes())?;
    }
    for v in [it.mtime, it.atime] {
        w.write_all(&v.to_le_bytes())?;
    }
    for v in [it.size, it.rdev, it.dev, it.ino, it.nlink] {
        w.write_all(&v.to_le_bytes())?;
    }
    w.write_all(&[u8::from(it.content)])?;
    if it.kind == Kind::Symlink {
        put_bytes(w, it.link.as_deref().unwrap_or_default())?;
    }
    if it.kind != Kind::File {
        return Ok(());
    }
    let src = sent.src_path(it);
    if !solo && same_as_dest(a, it, &src, dst) {
        return w.write_all(&[0]);
    }
    let Ok(mut srcf) = File::open(&src) else {
        // Vanished or unreadable: the write run reports it; the batch
        // says the same as the destination, so reading changes nothing.
        return w.write_all(&[0]);
    };
    w.write_all(&[1])?;
    let basis = File::open(dst)
        .ok()
        .filter(|f| f.metadata().is_ok_and(|m| m.is_file()));
    let sig = sign_file(basis.as_ref(), |len| SignatureOptions {
        block_len: Some(crate::default_block_len(len)),
        len_hint: Some(len),
        ..Default::default()
    })?;
    let mut enc = DeltaEncoder::new(
        &sig,
        DeltaOptions {
            format: DeltaFormat::Wsync,
            compress_level: 0,
        },
    )
    .map_err(|e| io::Error::other(e.to_string()))?;
    let mut buf = vec![0u8; READ_CHUNK];
    let mut out = Vec::new();
    loop {
        let n = srcf.read(&mut buf)?;
        if n == 0 {
            break;
        }
        enc.update(&buf[..n], &mut out);
        put_chunks(w, &mut out)?;
    }
    enc.finish(&mut out);
    put_chunks(w, &mut out)?;
    w.write_all(&0u32.to_le_bytes())
}

/// Writes `data` as chunks of at most MAX_CHUNK bytes, and empties it.
fn put_chunks(w: &mut impl Write, data: &mut Vec<u8>) -> io::Result<()> {
    for c in data.chunks(MAX_CHUNK as usize) {
        put_bytes(w, c)?;
    }
    data.clear();
    Ok(())
}

/// A reader that hashes what it reads and counts it.
struct Src<R: Read> {
    r: R,
    h: Sha256,
}

impl<R: Read> Src<R> {
    fn exact(&mut self, buf: &mut [u8]) -> Result<(), (String, u8)> {
        self.r
            .read_exact(buf)
            .map_err(|_| bad("it ends too soon"))?;
        self.h.update(&*buf);
        Ok(())
    }
    fn u8(&mut self) -> Result<u8, (String, u8)> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }
    fn u32(&mut self) -> Result<u32, (String, u8)> {
        let mut b = [0u8; 4];
        self.exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, (String, u8)> {
        let mut b = [0u8; 8];
        self.exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn i64(&mut self) -> Result<i64, (String, u8)> {
        Ok(self.u64()? as i64)
    }
    fn bytes(&mut self, max: usize, what: &str) -> Result<Vec<u8>, (String, u8)> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(bad(&format!("{what} of {n} bytes (most {max})")));
        }
        let mut v = vec![0u8; n];
        self.exact(&mut v)?;
        Ok(v)
    }
}

/// A list path from a batch: relative, no `.` or `..` parts, no NUL.
fn check_path(p: &[u8]) -> Result<(), (String, u8)> {
    if p.is_empty() {
        return Ok(());
    }
    let ok = !p.starts_with(b"/")
        && !p.contains(&0)
        && p.split(|&b| b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..");
    if ok {
        Ok(())
    } else {
        Err(bad(&format!(
            "unsafe path \"{}\"",
            String::from_utf8_lossy(p)
        )))
    }
}

/// The write run's recorded options, from an untrusted batch: none may
/// name a place outside the destination or a file to read (backups,
/// temporary and partial dirs must be relative and stay below it; no
/// `--*-dest`, `--files-from`, include/exclude files, merge rules, a
/// password file, `--copy-as`, nor another batch). The log file and
/// `--remove-source-files` are the reading command line's.
pub fn check_options(b: &SyncArgs) -> Result<(), (String, u8)> {
    let inside = |p: &Option<OsString>| {
        p.as_ref().is_none_or(|p| {
            let p = Path::new(p);
            p.is_relative() && !p.components().any(|c| c == std::path::Component::ParentDir)
        })
    };
    let merge = b.filters.iter().any(|f| match f {
        crate::filter::FilterArg::IncludeFrom(_) | crate::filter::FilterArg::ExcludeFrom(_) => true,
        crate::filter::FilterArg::Filter(r) => r.starts_with(b".") || r.starts_with(b"merge"),
        _ => false,
    });
    let m = &b.more;
    let refused = [
        (
            !inside(&b.backup_dir),
            "--backup-dir outside the destination",
        ),
        (
            !inside(&b.partial_dir),
            "--partial-dir outside the destination",
        ),
        (!inside(&m.temp_dir), "--temp-dir outside the destination"),
        (
            !b.alt_dirs.is_empty(),
            "--link-dest, --compare-dest or --copy-dest",
        ),
        (b.files_from.is_some(), "--files-from"),
        (merge, "rules read from files"),
        (b.password_file.is_some(), "--password-file"),
        (m.copy_as.is_some(), "--copy-as"),
        (m.early_input.is_some(), "--early-input"),
        (
            m.write_batch.is_some() || m.read_batch.is_some(),
            "another batch",
        ),
    ];
    match refused.iter().find(|r| r.0) {
        Some((_, what)) => Err(bad(&format!("its options name {what}"))),
        None => Ok(()),
    }
}

/// The list must be a tree: no path twice, and nothing below an entry
/// that is not a directory (a symlink in the list must not lead the
/// entries after it out of the destination: rsync's receiver refuses
/// such a list as "invalid path from sender").
fn check_tree(items: &[Item]) -> Result<(), (String, u8)> {
    let mut seen = std::collections::HashMap::with_capacity(items.len());
    for it in items {
        if seen.insert(it.path.as_slice(), it.kind).is_some() {
            return Err(bad(&format!(
                "\"{}\" twice",
                String::from_utf8_lossy(&it.path)
            )));
        }
    }
    for it in items {
        let p = &it.path;
        for (i, _) in p.iter().enumerate().filter(|(_, &b)| b == b'/') {
            if seen.get(&p[..i]).is_some_and(|k| *k != Kind::Dir) {
                return Err(bad(&format!(
                    "\"{}\" is below an entry that is not a directory",
                    String::from_utf8_lossy(p)
                )));
            }
        }
    }
    Ok(())
}

/// What a read batch gives the local transfer.
pub struct ReadBatch {
    pub header: Header,
    pub sent: Sent,
    /// Where the files with data were rebuilt (removed when dropped).
    pub staging: tempfile::TempDir,
}

/// Reads the batch `file` for the destination `dst_arg` (None: the
/// write run's).
pub fn read(file: &OsString, dst_arg: Option<&OsString>) -> Result<ReadBatch, (String, u8)> {
    let path = PathBuf::from(file);
    let f = File::open(&path).map_err(|e| io_err(&path, &e))?;
    let mut r = Src {
        r: BufReader::new(f),
        h: Sha256::new(),
    };
    let mut magic = [0u8; 11];
    r.exact(&mut magic)?;
    if magic != MAGIC {
        return Err(bad(
            "not a wsync batch (rsync's own batch files are not read)",
        ));
    }
    let v = r.u8()?;
    if v != VERSION {
        return Err(bad(&format!("version {v}; this wsync reads {VERSION}")));
    }
    let argc = r.u32()?;
    if argc > MAX_ARGS {
        return Err(bad(&format!("{argc} options")));
    }
    let mut opts = Vec::new();
    for _ in 0..argc {
        opts.push(OsString::from_vec(r.bytes(MAX_PATH, "an option")?));
    }
    let dst = OsString::from_vec(r.bytes(MAX_PATH, "the destination")?);
    let header = Header { opts, dst };
    let dst_arg = dst_arg.unwrap_or(&header.dst);
    let dst_path = PathBuf::from(dst_arg);
    let dst_is_dir = super::sources::is_dir(&dst_path) || dst_arg.as_bytes().ends_with(b"/");
    let dst_root = dst_path.clone();
    let parent = dst_root
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && p.is_dir())
        .unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".wsync-batch.")
        .tempdir_in(parent)
        .or_else(|_| tempfile::tempdir())
        .map_err(|e| io_err(&path, &e))?;
    let n = r.u64()?;
    if n > MAX_ITEMS {
        return Err(bad(&format!("{n} entries (most {MAX_ITEMS})")));
    }
    let mut sent = Sent::default();
    let stage_abs = fs::canonicalize(staging.path()).map_err(|e| io_err(&path, &e))?;
    let dst_abs = fs::canonicalize(&dst_root).unwrap_or(dst_root.clone());
    sent.roots = vec![stage_abs.clone(), dst_abs];
    let mut name_bytes = 0u64;
    // A single file to a name that is not a directory: rsync's solo file.
    let solo = (n == 1 && !dst_is_dir).then_some(dst_path.as_path());
    let dst_root = if solo.is_some() {
        dst_root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    } else {
        dst_root
    };
    sent.roots[1] = fs::canonicalize(&dst_root).unwrap_or(dst_root.clone());
    for _ in 0..n {
        let it = read_item(&mut r, &stage_abs, &dst_root, solo, &mut name_bytes)?;
        sent.items.push(it);
    }
    check_tree(&sent.items)?;
    let nm = r.u32()?;
    if u64::from(nm) > MAX_ITEMS {
        return Err(bad("too many missing arguments"));
    }
    for _ in 0..nm {
        let p = r.bytes(MAX_PATH, "a path")?;
        check_path(&p)?;
        sent.missing.push(p);
    }
    let digest = r.h.clone().finalize();
    let mut t = [0u8; 8 + 8 + 32];
    r.r.read_exact(&mut t).map_err(|_| bad("no trailer"))?;
    if &t[..8] != TRAILER || t[8..16] != n.to_le_bytes() || t[16..] != digest[..] {
        return Err(bad("its trailer does not match its contents"));
    }
    let mut extra = [0u8; 1];
    if r.r.read(&mut extra).map_err(|e| io_err(&path, &e))? != 0 {
        return Err(bad("bytes after the trailer"));
    }
    Ok(ReadBatch {
        header,
        sent,
        staging,
    })
}

fn read_item(
    r: &mut Src<impl Read>,
    stage: &Path,
    dst_root: &Path,
    solo: Option<&Path>,
    name_bytes: &mut u64,
) -> Result<Item, (String, u8)> {
    let kind = match r.u8()? {
        0 => Kind::File,
        1 => Kind::Dir,
        2 => Kind::Symlink,
        3 => Kind::Device,
        4 => Kind::Special,
        k => return Err(bad(&format!("entry kind {k}"))),
    };
    let p = r.bytes(MAX_PATH, "a path")?;
    check_path(&p)?;
    let (mode, uid, gid, nsec) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let (mtime, atime) = (r.i64()?, r.i64()?);
    let (size, rdev, dev, ino, nlink) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?);
    let flags = r.u8()?;
    let link = if kind == Kind::Symlink {
        Some(r.bytes(MAX_PATH, "a symlink target")?)
    } else {
        None
    };
    *name_bytes += p.len() as u64 + link.as_ref().map_or(0, |l| l.len() as u64);
    if *name_bytes > MAX_NAME_BYTES {
        return Err(bad("names over 1 GiB in all"));
    }
    let mut it = Item {
        path: p,
        kind,
        size,
        mtime,
        nsec: nsec.min(999_999_999),
        mode,
        uid,
        gid,
        rdev,
        dev,
        ino,
        nlink,
        link,
        root: 0,
        content: flags & 1 != 0,
        atime,
        sender_name: None,
    };
    if kind != Kind::File {
        return Ok(it);
    }
    let dst = match solo {
        Some(s) => s.to_path_buf(),
        None => super::flist::join(dst_root, &it.path),
    };
    match r.u8()? {
        0 => {
            // The same as the destination's: read from there.
            it.root = 1;
        }
        1 if dest_matches(&dst, size, mtime) => {
            // Already updated (the batch read before): rsync skips the
            // batched update; the data is passed over.
            feed(r, |_| Ok(()))?;
            it.root = 1;
        }
        1 => {
            let out_path = super::flist::join(stage, &it.path);
            if let Some(d) = out_path.parent() {
                fs::create_dir_all(d).map_err(|e| io_err(d, &e))?;
            }
            let out = File::create(&out_path).map_err(|e| io_err(&out_path, &e))?;
            let basis = match File::open(&dst) {
                Ok(f) if f.metadata().is_ok_and(|m| m.is_file()) => {
                    let len = f.metadata().map_or(0, |m| m.len());
                    Some(DestBasis(f, len))
                }
                _ => None,
            };
            let mut w = BufWriter::new(out);
            let failed = |e: crate::PatchError| {
                bad(&format!(
                    "the data of \"{}\" does not apply to the destination: {e}",
                    String::from_utf8_lossy(&it.path)
                ))
            };
            let opts = PatchOptions { max_output: size };
            match basis {
                Some(b) => {
                    let mut p = Patcher::new(b, &mut w, opts);
                    feed(r, |c| p.update(c).map_err(failed))?;
                    p.finish().map_err(failed)?;
                }
                None => {
                    let mut p = Patcher::new(&[][..], &mut w, opts);
                    feed(r, |c| p.update(c).map_err(failed))?;
                    p.finish().map_err(failed)?;
                }
            }
            w.flush().map_err(|e| io_err(&out_path, &e))?;
            let len = fs::metadata(&out_path).map_or(0, |m| m.len());
            if len != size {
                return Err(bad("a file's data and its size disagree"));
            }
            let f = w.into_inner().map_err(|e| io_err(&out_path, e.error()))?;
            // The engine compares times and reads these as the sender's.
            let t = std::time::UNIX_EPOCH + std::time::Duration::new(mtime.max(0) as u64, it.nsec);
            let _ = f.set_modified(t);
        }
        d => return Err(bad(&format!("data mark {d}"))),
    }
    Ok(it)
}

/// Whether the destination's file already has this size and mtime.
fn dest_matches(dst: &Path, size: u64, mtime: i64) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(dst).is_ok_and(|m| m.is_file() && m.len() == size && m.mtime() == mtime)
}

/// The destination's file as a delta's basis.
struct DestBasis(File, u64);

impl crate::Basis for DestBasis {
    fn len(&self) -> u64 {
        self.1
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.0.read_exact_at(buf, offset)
    }
}

/// Reads chunks until the empty one, giving each to `f`.
fn feed(
    r: &mut Src<impl Read>,
    mut f: impl FnMut(&[u8]) -> Result<(), (String, u8)>,
) -> Result<(), (String, u8)> {
    let mut buf = Vec::new();
    loop {
        let n = r.u32()?;
        if n == 0 {
            return Ok(());
        }
        if n > MAX_CHUNK {
            return Err(bad(&format!("a data chunk of {n} bytes")));
        }
        buf.resize(n as usize, 0);
        r.exact(&mut buf)?;
        f(&buf)?;
    }
}
