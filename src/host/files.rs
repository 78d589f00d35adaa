//! Files for the commands: `-` for stdin/stdout, outputs that appear whole
//! or not at all, and a file as a patch basis.

use super::Failure;
use crate::Basis;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Bytes read per step from inputs.
pub const READ_CHUNK: usize = 1 << 20;

fn is_stdio(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// An input file or standard input.
pub struct Input {
    reader: Box<dyn Read>,
    /// Length, when the input is a regular file.
    pub len: Option<u64>,
    pub name: String,
}

impl Input {
    pub fn open(path: &Path) -> Result<Input, Failure> {
        if is_stdio(path) {
            return Ok(Input {
                reader: Box::new(io::stdin().lock()),
                len: None,
                name: "standard input".into(),
            });
        }
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Failure::io(&name, e))?;
        let meta = file.metadata().map_err(|e| Failure::io(&name, e))?;
        Ok(Input {
            reader: Box::new(file),
            len: meta.is_file().then_some(meta.len()),
            name,
        })
    }

    /// Reads the next bytes into `buf`; 0 at the end of the input.
    pub fn read_into(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        loop {
            match self.reader.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Failure::io(&self.name, e)),
            }
        }
    }

    /// Calls `f` with successive chunks until the end of the input.
    pub fn for_each_chunk(
        &mut self,
        mut f: impl FnMut(&[u8]) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            let n = match self.reader.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Failure::io(&self.name, e)),
            };
            f(&buf[..n])?;
        }
    }
}

/// An output that replaces its path only when complete: bytes go to a
/// temporary file in the same directory, renamed over the path by `commit`.
/// Dropped without `commit`, the temporary file is removed.
pub struct Output {
    writer: BufWriter<Box<dyn Write>>,
    temp: Option<(tempfile::TempPath, PathBuf)>,
    pub name: String,
}

impl Output {
    pub fn create(path: &Path) -> Result<Output, Failure> {
        if is_stdio(path) {
            return Ok(Output {
                writer: BufWriter::with_capacity(READ_CHUNK, Box::new(io::stdout().lock())),
                temp: None,
                name: "standard output".into(),
            });
        }
        let name = path.display().to_string();
        // Devices and pipes (/dev/null, a FIFO) are written to as they are:
        // renaming a temporary file over them would replace the device.
        if let Ok(meta) = std::fs::metadata(path) {
            if !meta.is_file() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Failure::io(&name, e))?;
                return Ok(Output {
                    writer: BufWriter::with_capacity(READ_CHUNK, Box::new(file)),
                    temp: None,
                    name,
                });
            }
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let file_name = path
            .file_name()
            .ok_or_else(|| Failure::io(&name, io::ErrorKind::InvalidInput.into()))?;
        // A new file gets 0666 less the umask, as any program's output; a
        // replaced one keeps its permissions.
        let old_mode = std::fs::metadata(path).ok().map(|m| m.permissions());
        let (file, temp) = tempfile::Builder::new()
            .prefix(&format!(".{}.", file_name.to_string_lossy()))
            .suffix(".wsync-tmp")
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| Failure::io(&name, e))?
            .into_parts();
        if let Some(mode) = old_mode {
            file.set_permissions(mode)
                .map_err(|e| Failure::io(&name, e))?;
        }
        Ok(Output {
            writer: BufWriter::with_capacity(READ_CHUNK, Box::new(file)),
            temp: Some((temp, path.to_path_buf())),
            name,
        })
    }

    /// Flushes and moves the output into place.
    pub fn commit(mut self) -> Result<(), Failure> {
        self.writer
            .flush()
            .map_err(|e| Failure::io(&self.name, e))?;
        if let Some((temp, path)) = self.temp.take() {
            temp.persist(&path)
                .map_err(|e| Failure::io(&self.name, e.error))?;
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Signature of a file (or of nothing, when `file` is `None`), read with
/// positioned reads so that a shared handle works. `opts(len)` gives the
/// options for a file of that length.
pub fn sign_file(
    file: Option<&File>,
    opts: impl FnOnce(u64) -> crate::SignatureOptions,
) -> io::Result<crate::Signature> {
    let len = match file {
        Some(f) => f.metadata()?.len(),
        None => 0,
    };
    let mut b =
        crate::SignatureBuilder::new(opts(len)).map_err(|e| io::Error::other(e.to_string()))?;
    let Some(f) = file else {
        return Ok(b.finish());
    };
    // A large file is signed in two halves at once (split on a block
    // boundary) when there is a second core: hashing is the bulk of it.
    let block = u64::from(b.block_len());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mid = (len / 2) / block * block;
    if len < PARALLEL_SIGN_MIN || cores < 2 || mid == 0 {
        sign_range(f, &mut b, 0, len)?;
        return Ok(b.finish());
    }
    let mut tail = b.part();
    std::thread::scope(|s| {
        let second = s.spawn(|| sign_range(f, &mut tail, mid, len));
        let first = sign_range(f, &mut b, 0, mid);
        let second = second
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("signing thread failed")));
        first.and(second)
    })?;
    // The first half ends on a block boundary and both share the options.
    b.join(tail)
        .map_err(|_| io::Error::other("the file changed while it was signed"))?;
    Ok(b.finish())
}

/// Files at least this long are signed on two threads.
const PARALLEL_SIGN_MIN: u64 = 16 << 20;

/// Feeds `b` with the bytes of `f` from `from` up to `to` (or its end).
fn sign_range(f: &File, b: &mut crate::SignatureBuilder, from: u64, to: u64) -> io::Result<()> {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut at = from;
    while at < to {
        let want = (to - at).min(READ_CHUNK as u64) as usize;
        let n = f.read_at(&mut buf[..want], at)?;
        if n == 0 {
            break;
        }
        b.update(&buf[..n]);
        at += n as u64;
    }
    Ok(())
}

/// A file read at the offsets a delta asks for.
pub struct FileBasis {
    file: File,
    len: u64,
}

impl FileBasis {
    pub fn open(path: &Path) -> Result<FileBasis, Failure> {
        let name = path.display().to_string();
        if is_stdio(path) {
            return Err(Failure::new(
                super::exit::SYNTAX,
                "the basis must be a file: it is read at the offsets the delta names",
            ));
        }
        let file = File::open(path).map_err(|e| Failure::io(&name, e))?;
        let len = file.metadata().map_err(|e| Failure::io(&name, e))?.len();
        Ok(FileBasis { file, len })
    }
}

impl Basis for FileBasis {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_signed_in_halves_gives_the_whole_signature() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // Long enough for two threads, and not a whole number of blocks.
        let len = PARALLEL_SIGN_MIN as usize + 12_345;
        let data: Vec<u8> = (0..len as u64).map(|i| (i * 7919 % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let opts = |len| crate::SignatureOptions {
            len_hint: Some(len),
            seed: Some([3; 16]),
            ..Default::default()
        };
        let f = File::open(&path).unwrap();
        let sig = sign_file(Some(&f), opts).unwrap();
        assert_eq!(sig, crate::Signature::of(&data, opts(len as u64)).unwrap());
        assert_eq!(sig.basis_len(), len as u64);
    }
}
