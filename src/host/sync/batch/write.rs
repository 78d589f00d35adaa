//! Writing a batch: the header, each entry with its data as a wsync
//! delta against the destination's file, the trailer; and `FILE.sh`.

use super::{io_err, MAGIC, MAX_CHUNK, TRAILER, VERSION};
use crate::host::files::{sign_file, READ_CHUNK};
use crate::host::sync::args::SyncArgs;
use crate::host::sync::flist::{Item, Kind, Sent};
use crate::{DeltaEncoder, DeltaFormat, DeltaOptions, SignatureOptions};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

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
        return crate::host::sync::transfer::same_content(src, dst).unwrap_or(false);
    }
    a.size_only || !crate::host::sync::attrs::mtime_differs(it, &md)
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
