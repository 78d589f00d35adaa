//! Moving one regular file's data: whole (the local default), as a delta
//! against the destination's old version (`--no-whole-file`, with the
//! crate's signature, delta and patch), in place, or appended; written
//! sparse with `-S` and paced with `--bwlimit`.

use crate::host::files::{sign_file, READ_CHUNK};
use crate::{DeltaEncoder, DeltaFormat, DeltaOptions, PatchOptions, Patcher, SignatureOptions};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::time::Instant;

/// How data is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Method {
    /// Delta-transfer against the basis (`--no-whole-file`).
    pub delta: bool,
    pub block_size: Option<u32>,
    pub sparse: bool,
    /// Bytes per second.
    pub bwlimit: Option<u64>,
}

/// What a transfer sent: rsync's literal and matched data.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sent {
    pub literal: u64,
    pub matched: u64,
}

/// Why a transfer failed: the source side or the destination side.
#[derive(Debug)]
pub enum Failed {
    Read(io::Error),
    Write(io::Error),
}

/// A writer that leaves holes for runs of zeros (`-S`), paces itself
/// (`--bwlimit`) and knows how far it got.
pub struct Sink<'a> {
    file: &'a File,
    pos: u64,
    sparse: bool,
    limit: Option<(u64, Instant)>,
    written: u64,
}

impl<'a> Sink<'a> {
    pub fn new(file: &'a File, pos: u64, m: &Method) -> Sink<'a> {
        Sink {
            file,
            pos,
            sparse: m.sparse,
            limit: m.bwlimit.map(|b| (b, Instant::now())),
            written: 0,
        }
    }

    /// Sets the length to what was written (holes at the end included).
    pub fn finish(self) -> io::Result<u64> {
        self.file.set_len(self.pos)?;
        Ok(self.pos)
    }

    /// Sleeps while more than `rate` bytes a second were written.
    fn pace(&mut self, written: u64) {
        if let Some((rate, since)) = self.limit {
            let due = written as f64 / rate as f64;
            let spent = since.elapsed().as_secs_f64();
            if due > spent {
                std::thread::sleep(std::time::Duration::from_secs_f64(due - spent));
            }
        }
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        const SPARSE_BLOCK: usize = 4096;
        if super::signals::caught() {
            return Err(io::Error::other("received a signal"));
        }
        if self.sparse {
            for piece in buf.chunks(SPARSE_BLOCK) {
                if !piece.iter().all(|&b| b == 0) {
                    self.file.write_all_at(piece, self.pos)?;
                }
                self.pos += piece.len() as u64;
            }
        } else {
            self.file.write_all_at(buf, self.pos)?;
            self.pos += buf.len() as u64;
        }
        self.written += buf.len() as u64;
        let w = self.written;
        self.pace(w);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Copies `src` whole into `out` (empty, at offset 0).
pub fn whole(src: &mut File, out: &File, m: &Method) -> Result<Sent, Failed> {
    let n = copy_at(src, out, m, &|| false)?;
    Ok(Sent {
        literal: n,
        matched: 0,
    })
}

/// Copies `src` from offset 0 to its end into `out` (empty) with
/// positioned reads and writes (the files' offsets are not used, so
/// another thread may read `src` at the same time). On Linux the kernel
/// copies (copy_file_range) unless `-S` or `--bwlimit` need the bytes;
/// `stop` ends the copy early (another part of the transfer failed).
pub fn copy_at(src: &File, out: &File, m: &Method, stop: &dyn Fn() -> bool) -> Result<u64, Failed> {
    #[cfg(target_os = "linux")]
    if !m.sparse && m.bwlimit.is_none() {
        if let Some(n) = kernel_copy(src, out, stop)? {
            return Ok(n);
        }
    }
    let mut pos = 0u64;
    let mut sink = Sink::new(out, pos, m);
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        if stop() {
            return Err(Failed::Write(io::Error::other("copy interrupted")));
        }
        let n = src.read_at(&mut buf, pos).map_err(Failed::Read)?;
        if n == 0 {
            break;
        }
        sink.write_all(&buf[..n]).map_err(Failed::Write)?;
        pos += n as u64;
    }
    sink.finish().map_err(Failed::Write)
}

/// The whole of `src` into `out` by copy_file_range: the bytes copied, or
/// `None` when the kernel cannot copy these files (then nothing was).
#[cfg(target_os = "linux")]
fn kernel_copy(src: &File, out: &File, stop: &dyn Fn() -> bool) -> Result<Option<u64>, Failed> {
    const STEP: usize = 8 << 20;
    let mut pos = 0u64;
    loop {
        if super::signals::caught() || stop() {
            return Err(Failed::Write(io::Error::other("copy interrupted")));
        }
        let (mut i, mut o) = (pos, pos);
        match rustix::fs::copy_file_range(src, Some(&mut i), out, Some(&mut o), STEP) {
            // A first 0 may be a file system that cannot tell (procfs
            // and the like): the plain copy finds out.
            Ok(0) if pos == 0 => return Ok(None),
            Ok(0) => return Ok(Some(pos)),
            Ok(n) => pos += n as u64,
            Err(e) if pos == 0 && copy_unsupported(e) => return Ok(None),
            // Which side failed is unknown; a write is the likelier.
            Err(e) => return Err(Failed::Write(e.into())),
        }
    }
}

/// copy_file_range errors that mean "not here": copy in user space.
#[cfg(target_os = "linux")]
fn copy_unsupported(e: rustix::io::Errno) -> bool {
    use rustix::io::Errno;
    [
        Errno::XDEV,
        Errno::INVAL,
        Errno::NOSYS,
        Errno::OPNOTSUPP,
        Errno::PERM,
        Errno::BADF,
    ]
    .contains(&e)
}

/// Delta-transfers `src` against `basis` into `out` with the crate's
/// core (used when WSYNC_CORE_DELTA is set; local transfers otherwise use
/// the direct block matching of localdelta.rs, measured faster): the basis's
/// signature, the source's delta against it, the patch applied from the
/// basis, all streamed (memory bounded by the signature).
pub fn delta(
    src: &mut File,
    basis: &std::path::Path,
    out: &File,
    m: &Method,
) -> Result<Sent, Failed> {
    let bfile = File::open(basis).map_err(Failed::Read)?;
    let block = m.block_size;
    let sig = sign_file(Some(&bfile), |len| SignatureOptions {
        block_len: Some(block.unwrap_or_else(|| crate::default_block_len(len))),
        len_hint: Some(len),
        ..Default::default()
    })
    .map_err(Failed::Read)?;
    let mut enc = DeltaEncoder::new(
        &sig,
        DeltaOptions {
            format: DeltaFormat::Wsync,
            compress_level: 0,
        },
    )
    .map_err(|e| Failed::Read(io::Error::other(e.to_string())))?;
    let len = bfile.metadata().map_err(Failed::Read)?.len();
    let fb = FileBasis(bfile, len);
    // The patch is applied on a second thread, fed the delta through a
    // short queue: encoding (rolling sums, strong sums, the new file's
    // hash) and patching (copies, the result's hash) overlap.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    let m = *m;
    std::thread::scope(|scope| {
        let patcher = scope.spawn(move || -> Result<(), Failed> {
            let mut sink = Sink::new(out, 0, &m);
            let mut patch = Patcher::new(fb, &mut sink, PatchOptions::default());
            for d in rx {
                patch.update(&d).map_err(patch_err)?;
            }
            patch.finish().map_err(patch_err)?;
            sink.finish().map_err(Failed::Write)?;
            Ok(())
        });
        let mut buf = vec![0u8; READ_CHUNK];
        let mut st = None;
        let mut failed = None;
        loop {
            let n = match src.read(&mut buf) {
                Ok(n) => n,
                Err(e) => {
                    failed = Some(Failed::Read(e));
                    break;
                }
            };
            let mut delta = Vec::with_capacity(READ_CHUNK + 64);
            if n == 0 {
                break;
            }
            enc.update(&buf[..n], &mut delta);
            if tx.send(delta).is_err() {
                break; // the patcher stopped: its error is reported
            }
        }
        if failed.is_none() {
            let mut delta = Vec::new();
            st = Some(enc.finish(&mut delta));
            let _ = tx.send(delta);
        }
        drop(tx);
        let applied = patcher
            .join()
            .unwrap_or_else(|_| Err(Failed::Write(io::Error::other("patch thread panicked"))));
        if let Some(e) = failed {
            return Err(e);
        }
        applied?;
        let st = st.expect("finished");
        Ok(Sent {
            literal: st.literal_bytes,
            matched: st.matched_bytes,
        })
    })
}

fn patch_err(e: crate::PatchError) -> Failed {
    match e {
        crate::PatchError::Write(e) => Failed::Write(e),
        e => Failed::Read(io::Error::other(e.to_string())),
    }
}

/// The basis file, read where the delta's copies point.
pub struct FileBasis(File, u64);

impl crate::Basis for FileBasis {
    fn len(&self) -> u64 {
        self.1
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.0.read_exact_at(buf, offset)
    }
}

/// What rsync's receiver does to a file it updates in place
/// (receive_data with `updating_basis_or_equiv`): data it got (literal,
/// or a block from elsewhere) is written at the current offset, a block
/// at its own offset is seeked over. With `-S` (fileio.c write_sparse)
/// the leading and trailing zeros of each piece, and its runs of at
/// least 1 KiB of zeros, become holes, punched where the file was
/// (rsync's `preallocated_len`, the old length) and seeked over past
/// it; in a block kept in place too.
pub struct InPlace<'a> {
    sink: Sink<'a>,
    sparse: bool,
    old_len: u64,
    /// Zeros owed just before `sink.pos` (a hole to be made).
    hole: u64,
}

/// rsync's SPARSE_WRITE_SIZE: a shorter run of zeros inside a piece is
/// written as data.
const SPARSE_WRITE_SIZE: usize = 1024;

impl<'a> InPlace<'a> {
    pub fn new(file: &'a File, old_len: u64, m: &Method) -> InPlace<'a> {
        let plain = Method {
            sparse: false,
            ..*m
        };
        InPlace {
            sink: Sink::new(file, 0, &plain),
            sparse: m.sparse,
            old_len,
            hole: 0,
        }
    }

    /// `data` written at the current offset.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.put(data, true)
    }

    /// `data`, which the file already holds at the current offset, kept.
    pub fn keep(&mut self, data: &[u8]) -> io::Result<()> {
        self.put(data, false)
    }

    fn put(&mut self, data: &[u8], write: bool) -> io::Result<()> {
        if !self.sparse {
            if write {
                self.sink.write_all(data)?;
            } else {
                if super::signals::caught() {
                    return Err(io::Error::other("received a signal"));
                }
                self.sink.pos += data.len() as u64;
            }
            return Ok(());
        }
        let at = self.sink.pos;
        let len = data.len();
        let l1 = data.iter().position(|&b| b != 0).unwrap_or(len);
        self.hole += l1 as u64;
        if l1 == len {
            self.sink.pos += len as u64;
            return Ok(());
        }
        let l2 = data.iter().rev().position(|&b| b != 0).unwrap_or(0);
        let stop = len - l2;
        let (mut start, mut i) = (l1, l1);
        while i < stop {
            if data[i] != 0 {
                i += 1;
                continue;
            }
            let z = data[i..stop]
                .iter()
                .position(|&b| b != 0)
                .unwrap_or(stop - i);
            if z >= SPARSE_WRITE_SIZE {
                self.span(at + start as u64, &data[start..i], write)?;
                self.hole += z as u64;
                start = i + z;
            }
            i += z;
        }
        self.span(at + start as u64, &data[start..stop], write)?;
        self.hole = l2 as u64;
        self.sink.pos = at + len as u64;
        Ok(())
    }

    /// One piece of `put` at `at`, after the hole owed before it.
    fn span(&mut self, at: u64, data: &[u8], write: bool) -> io::Result<()> {
        self.make_hole(at)?;
        self.sink.pos = at;
        if write {
            self.sink.write_all(data)?;
        } else {
            self.sink.pos += data.len() as u64;
        }
        Ok(())
    }

    /// The zeros owed before `at`: a hole punched within the old length
    /// (past it the file has none to punch).
    fn make_hole(&mut self, at: u64) -> io::Result<()> {
        let from = at - self.hole;
        if self.hole > 0 && from < self.old_len {
            punch_hole(self.sink.file, from, self.hole)?;
        }
        self.hole = 0;
        Ok(())
    }

    /// Punches the zeros owed at the end and sets the length.
    pub fn finish(mut self) -> io::Result<u64> {
        let end = self.sink.pos;
        self.make_hole(end)?;
        self.sink.finish()
    }
}

/// Zeros over `len` bytes at `at`: a hole (FALLOC_FL_PUNCH_HOLE, or
/// ZERO_RANGE), else written, as rsync's do_punch_hole.
fn punch_hole(f: &File, at: u64, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{fallocate, FallocateFlags};
        let punch = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
        if fallocate(f, punch, at, len).is_ok()
            || fallocate(f, FallocateFlags::ZERO_RANGE, at, len).is_ok()
        {
            return Ok(());
        }
    }
    let zeros = [0u8; 4096];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(zeros.len() as u64) as usize;
        f.write_all_at(&zeros[..n], at + done)?;
        done += n as u64;
    }
    Ok(())
}

/// `--append`: writes the source's bytes past `start` (the length of
/// the basis: the file itself or, as rsync, another whose length only
/// counts) at the same offset of `out`. rsync counts the start it keeps
/// as no data at all: its sender's match_sums skips it (no `matched()`
/// call) and its receiver's receive_data seeks past it, so "Matched
/// data" stays 0.
pub fn append(src: &mut File, out: &File, start: u64, m: &Method) -> Result<Sent, Failed> {
    src.seek(SeekFrom::Start(start)).map_err(Failed::Read)?;
    let mut sink = Sink::new(out, start, m);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut n_total = 0;
    loop {
        let n = src.read(&mut buf).map_err(Failed::Read)?;
        if n == 0 {
            break;
        }
        sink.write_all(&buf[..n]).map_err(Failed::Write)?;
        n_total += n as u64;
    }
    sink.finish().map_err(Failed::Write)?;
    Ok(Sent {
        literal: n_total,
        matched: 0,
    })
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
pub(super) fn read_full(f: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = f.read(&mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

/// Whether the first `n` bytes of two files are the same (both at least
/// that long): an `--append-verify` onto another file's length.
pub fn same_start(a: &std::path::Path, b: &std::path::Path, n: u64) -> io::Result<bool> {
    let mut fa = File::open(a)?.take(n);
    let mut fb = File::open(b)?.take(n);
    let mut ba = vec![0u8; 256 << 10];
    let mut bb = vec![0u8; 256 << 10];
    let mut seen = 0;
    loop {
        let k = read_full(&mut fa, &mut ba)?;
        let l = read_full(&mut fb, &mut bb)?;
        if k != l || ba[..k] != bb[..l] {
            return Ok(false);
        }
        seen += k as u64;
        if k == 0 {
            return Ok(seen == n);
        }
    }
}

/// Whether two files hold the same bytes (`-c`, `--append-verify`).
pub fn same_content(a: &std::path::Path, b: &std::path::Path) -> io::Result<bool> {
    let mut fa = File::open(a)?;
    let mut fb = File::open(b)?;
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let mut ba = vec![0u8; 256 << 10];
    let mut bb = vec![0u8; 256 << 10];
    loop {
        let n = read_full(&mut fa, &mut ba)?;
        let m = read_full(&mut fb, &mut bb)?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}
