//! Reading a batch: every part checked against its limits, each file's
//! data applied to the destination's file in a staging directory, the
//! trailer verified before anything at the destination changes.

use super::{
    bad, check_tree, io_err, Header, MAGIC, MAX_ARGS, MAX_CHUNK, MAX_ITEMS, MAX_NAME_BYTES,
    MAX_PATH, TRAILER, VERSION,
};
use crate::host::sync::flist::{Item, Kind, Sent};
use crate::{PatchOptions, Patcher};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

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
    let dst_is_dir =
        crate::host::sync::sources::is_dir(&dst_path) || dst_arg.as_bytes().ends_with(b"/");
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
        implied: false,
        sender_ids: None,
    };
    if kind != Kind::File {
        return Ok(it);
    }
    let dst = match solo {
        Some(s) => s.to_path_buf(),
        None => crate::host::sync::flist::join(dst_root, &it.path),
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
            let out_path = crate::host::sync::flist::join(stage, &it.path);
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
