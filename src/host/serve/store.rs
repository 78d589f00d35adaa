//! A module's files: paths from the wire resolved beneath the module root
//! (never by string checks alone), uploads patched into a temporary file and
//! renamed over the target only when verified, one writer per path.

use super::beneath::{open_beneath, Follow};
use super::sink::TempSink;
use crate::filter::{DirFilter, Filters, Side};
use crate::host::chmod::Chmod;
use crate::host::text::escape;
use crate::protocol::{Code, FileAttrs};
use crate::{Basis, PatchOptions, Patcher};
use rustix::fs::{self as rfs, Mode, OFlags};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use super::refusal::{check_path, Refusal, TEMP_SUFFIX};

pub struct Module {
    pub name: String,
    pub comment: String,
    pub path: PathBuf,
    pub read_only: bool,
    /// Access rules from the configuration (defaults in quick-start mode).
    pub policy: super::config::ModuleConfig,
    /// The module's directory as opened, and its device and inode: when
    /// the configured path names another directory (the admin replaced
    /// it), requests from then on use that one, as rsync's daemon, which
    /// resolves the path anew for each connection, does.
    root: Mutex<(Arc<OwnedFd>, (u64, u64))>,
    /// Whether temporary files are registered (see temps.rs).
    register_temps: bool,
    /// Files being written: the device and inode of the directory, and
    /// the name, so that two paths to one file (through a symlinked
    /// directory) are one writer.
    writers: Mutex<HashSet<WriterKey>>,
    signatures: Mutex<SignatureCache>,
    /// The module's filter rules as the sender (listings, pulls) and the
    /// receiver (pushes, deletions) sees them; `None` without rules.
    rules: Option<(DirFilter, DirFilter)>,
    /// Sessions using this module now (`max connections`).
    pub sessions: std::sync::atomic::AtomicUsize,
}

/// Identifies a file being written: its directory's device and inode, and its name.
pub type WriterKey = (u64, u64, String);

fn open_root(path: &Path) -> io::Result<(OwnedFd, (u64, u64))> {
    let fd = rfs::open(
        path,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let st = rfs::fstat(&fd)?;
    Ok((fd, (st.st_dev as u64, st.st_ino as u64)))
}

/// The permission bits of a `stat` (mode_t is 16 bits on macOS and the
/// BSDs, 32 on Linux).
#[allow(clippy::unnecessary_cast)]
pub(super) fn mode_bits(st: &rfs::Stat) -> u32 {
    st.st_mode as u32 & 0o7777
}

impl Module {
    /// `clean`: register temporary files, and remove those that a server
    /// which stopped left (temps.rs); not for `--stdio`, whose root may be
    /// a whole file system, nor for read-only modules.
    pub fn open(policy: super::config::ModuleConfig, clean: bool) -> io::Result<Arc<Module>> {
        let path = policy.path.clone();
        let root = open_root(&path)?;
        let rules = match policy.rules.is_empty() {
            true => None,
            false => {
                let f = Filters::parse_module(&policy.rules)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
                Some((
                    f.for_side(Side::Sender, b"/"),
                    f.for_side(Side::Receiver, b"/"),
                ))
            }
        };
        let m = Module {
            rules,
            sessions: Default::default(),
            name: policy.name.clone(),
            comment: policy.comment.clone(),
            path,
            read_only: policy.read_only,
            register_temps: clean && !policy.read_only,
            policy,
            root: Mutex::new((Arc::new(root.0), root.1)),
            writers: Mutex::new(HashSet::new()),
            signatures: Mutex::new(SignatureCache::default()),
        };
        if m.register_temps {
            m.clean_temps();
        }
        Ok(Arc::new(m))
    }

    /// Removes what servers that stopped left (their registered temporary
    /// files). Problems are logged: they do not stop the server.
    fn clean_temps(&self) {
        let cleaned = self.root().and_then(|root| super::temps::clean(&root));
        match cleaned {
            Ok(c) => {
                if c.removed > 0 {
                    tracing::info!(
                        module = %self.name,
                        removed = c.removed,
                        "removed temporary files left by a server that stopped"
                    );
                }
                for p in c.problems {
                    tracing::warn!(module = %self.name, "temporary file clean-up: {}", escape(&p));
                }
            }
            Err(e) => tracing::warn!(module = %self.name, "temporary file clean-up: {e}"),
        }
    }

    /// The module's directory; opened anew if the configured path now
    /// names another directory. When the path is gone, requests fail (and
    /// nothing is written into a directory that was removed).
    pub(super) fn root(&self) -> io::Result<Arc<OwnedFd>> {
        let missing = |e: io::Error| {
            tracing::warn!(module = %self.name, path = %self.path.display(), "module directory: {e}");
            io::Error::other("the module directory is missing on the server")
        };
        let st = rfs::stat(&self.path).map_err(|e| missing(e.into()))?;
        let mut r = self
            .root
            .lock()
            .map_err(|_| io::Error::other("lock poisoned"))?;
        if (st.st_dev as u64, st.st_ino as u64) != r.1 {
            let (fd, id) = open_root(&self.path).map_err(missing)?;
            tracing::warn!(
                module = %self.name,
                path = %self.path.display(),
                "the module directory was replaced: serving the new one"
            );
            *r = (Arc::new(fd), id);
        }
        Ok(r.0.clone())
    }

    /// Whether the module's rules leave out `path` or a directory above it
    /// (module rules always win: the client's rules cannot bring it back).
    pub fn excluded(&self, path: &str, is_dir: bool, side: Side) -> bool {
        let Some((sender, receiver)) = &self.rules else {
            return false;
        };
        let rules = match side {
            Side::Sender => sender,
            Side::Receiver => receiver,
        };
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            if rules.is_excluded(&path.as_bytes()[..at + i], true) {
                return true;
            }
            at += i + 1;
        }
        rules.is_excluded(path.as_bytes(), is_dir)
    }

    /// Refuses a path the module's rules leave out.
    pub fn check_rules(&self, path: &str, is_dir: bool, side: Side) -> Result<(), Refusal> {
        match self.excluded(path, is_dir, side) {
            true => Err(Refusal(
                Code::Denied,
                format!("{} is excluded by module {}", escape(path), self.name),
            )),
            false => Ok(()),
        }
    }

    /// Whether a file's literals go uncompressed (`dont compress`): its
    /// name matches one of the globs, ignoring case, as rsync does.
    pub fn dont_compress(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        self.policy.dont_compress.iter().any(|g| {
            crate::filter::wildmatch::wildmatch(g.to_ascii_lowercase().as_bytes(), name.as_bytes())
        })
    }

    /// A directory of the module, resolved beneath the root.
    pub(super) fn dir(&self, rel: &str) -> io::Result<OwnedFd> {
        let rel = if rel.is_empty() { "." } else { rel };
        Ok(open_beneath(
            &*self.root()?,
            rel.as_bytes(),
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Follow::Beneath,
        )?)
    }

    /// Like `dir`, creating missing directories (mode 0755 less the umask)
    /// one component at a time, never through a symlink: uploads into a new
    /// folder create it, as rsync's receiver does.
    pub(super) fn dir_create(&self, rel: &str) -> io::Result<OwnedFd> {
        match self.dir(rel) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let mut d = self.dir("")?;
        for name in rel.split('/') {
            let created = match rfs::mkdirat(&d, name, Mode::from_raw_mode(0o755)) {
                Ok(()) => true,
                Err(rustix::io::Errno::EXIST) => false,
                Err(e) => return Err(e.into()),
            };
            d = rfs::openat(
                &d,
                name,
                OFlags::DIRECTORY | OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            // `incoming chmod` applies to the directories an upload creates.
            if let (true, Some(c)) = (created, &self.policy.incoming_chmod) {
                let mode = mode_bits(&rfs::fstat(&d)?);
                rfs::fchmod(&d, Mode::from_raw_mode(c.apply(mode, true) as rfs::RawMode))?;
            }
        }
        Ok(d)
    }

    /// Opens a regular file for reading, without following a final symlink.
    /// FIFOs, sockets and devices are refused (`BadPath`), as rsync's daemon
    /// refuses them, and never opened for real: the entry's type is checked
    /// first, and the open is non-blocking and checked again, so that one
    /// swapped in meanwhile cannot hold the request in `open()`.
    pub fn open_file(&self, path: &str) -> Result<Option<File>, Refusal> {
        let (dir, name) = check_path(path)?;
        let d = self.dir(dir)?;
        let not_regular = |kind| {
            Refusal(
                Code::BadPath,
                format!(
                    "not a regular file ({}): {}",
                    super::regular::describe(kind),
                    escape(path)
                ),
            )
        };
        match rfs::statat(&d, name, rfs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => match rfs::FileType::from_raw_mode(st.st_mode) {
                rfs::FileType::RegularFile => {}
                // A symlink: the open below refuses it (ELOOP) as before.
                rfs::FileType::Symlink => {}
                kind => return Err(not_regular(kind)),
            },
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(io::Error::from(e).into()),
        }
        match open_beneath(
            &d,
            name.as_bytes(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Follow::Beneath,
        ) {
            Ok(fd) => {
                let kind = rfs::FileType::from_raw_mode(rfs::fstat(&fd)?.st_mode);
                if kind != rfs::FileType::RegularFile {
                    return Err(not_regular(kind));
                }
                Ok(Some(File::from(fd)))
            }
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(io::Error::from(e).into()),
        }
    }

    /// Starts an upload: takes the path's writer lock and creates the
    /// temporary file next to the target.
    /// Returns the upload and the signature of the basis (the file as it is
    /// now, read through the same handle its identity comes from).
    pub fn begin_upload(
        self: &Arc<Self>,
        path: &str,
        max_output: u64,
        strong: u8,
        short: Option<u8>,
    ) -> Result<(Upload, Arc<Vec<u8>>), Refusal> {
        if self.read_only {
            return Err(Refusal(
                Code::Denied,
                format!("module {} is read only", self.name),
            ));
        }
        let (dir, name) = check_path(path)?;
        self.check_rules(path, false, Side::Receiver)?;
        let d = self.dir_create(dir)?;
        let st = rfs::fstat(&d)?;
        let key: WriterKey = (st.st_dev as u64, st.st_ino as u64, name.into());
        if !lock(&self.writers)?.insert(key.clone()) {
            return Err(Refusal(
                Code::Busy,
                format!("{} is being written by another client", escape(path)),
            ));
        }
        let lock = WriterLock {
            module: self.clone(),
            path: path.into(),
            key,
        };
        let basis = self.open_file(path)?;
        let identity = match &basis {
            Some(f) => identity(f)?,
            None => Vec::new(),
        };
        let t0 = std::time::Instant::now();
        let (signature, cached) = match &basis {
            Some(f) => self.cached_signature(path, &identity, f, strong, short)?,
            None => (Arc::new(signature_of(None, strong, short)?), false),
        };
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            cached,
            "upload: basis signature"
        );
        let basis = FileBasis::new(basis)?;
        let mut temp_name = String::new();
        let mut temp = None;
        let mut registration = None;
        for _ in 0..16 {
            temp_name = super::temps::temp_name(name)?;
            registration = self.register_temp(dir, &temp_name);
            match rfs::openat(
                &d,
                temp_name.as_str(),
                OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            ) {
                Ok(fd) => {
                    temp = Some(File::from(fd));
                    break;
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(io::Error::from(e).into()),
            }
        }
        let temp =
            temp.ok_or_else(|| Refusal(Code::Io, "could not create a temporary file".into()))?;
        // Smaller than the patcher's copy chunks, which then go to the file
        // without a copy through the buffer; literals are gathered.
        let sink = BufWriter::with_capacity(128 << 10, TempSink::new(temp.try_clone()?));
        // The result's SHA-256 is computed inline: a server serves many
        // uploads at once, and a hashing thread per upload only pays off on
        // idle cores (measured: no faster on 2 busy cores, bench/serve.sh).
        let patcher = Patcher::new(basis, sink, PatchOptions { max_output });
        Ok((
            Upload {
                dir: d,
                name: name.into(),
                temp_name,
                temp,
                identity,
                patcher: Some(patcher),
                applied: 0,
                chmod: self.policy.incoming_chmod.clone(),
                short,
                busy: Default::default(),
                writer: lock,
                _registration: registration,
            },
            signature,
        ))
    }
}

impl Module {
    /// Registers a temporary file about to be made in `dir` (temps.rs), so
    /// that a server started after a crash removes it. Without a
    /// registration (a `--stdio` server, or a root the server cannot write
    /// to), it is only removed by this process.
    pub(super) fn register_temp(
        &self,
        dir: &str,
        temp: &str,
    ) -> Option<super::temps::Registration> {
        if !self.register_temps {
            return None;
        }
        match self
            .root()
            .and_then(|root| super::temps::register(&root, dir, temp))
        {
            Ok(r) => Some(r),
            Err(e) => {
                static WARNED: std::sync::atomic::AtomicBool =
                    std::sync::atomic::AtomicBool::new(false);
                if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    tracing::warn!(
                        module = %self.name,
                        "cannot register temporary files in the module directory ({e}): \
                         those a crash leaves will not be removed"
                    );
                }
                None
            }
        }
    }

    /// The writer key of `path` when its directory exists.
    pub fn writer_key(&self, path: &str) -> Option<WriterKey> {
        let (dir, name) = check_path(path).ok()?;
        let st = rfs::fstat(self.dir(dir).ok()?).ok()?;
        Some((st.st_dev as u64, st.st_ino as u64, name.into()))
    }
}

/// Signature of a file (or of nothing), read with positioned reads.
/// `strong`: the least strong-sum length the client asked for; with 0,
/// rsync's short sums (the client retries with longer ones if the result
/// fails its whole-file check). `short`: the length to use instead of
/// rsync's when the client leaves the choice to the server (`wsync serve
/// --strong-len`, for tests of that retry).
fn signature_of(file: Option<&File>, strong: u8, short: Option<u8>) -> io::Result<Vec<u8>> {
    let sig = crate::host::files::sign_file(file, |len| {
        let block = crate::default_block_len(len);
        crate::SignatureOptions {
            len_hint: Some(len),
            block_len: Some(block),
            strong_len: Some(
                short
                    .unwrap_or_else(|| crate::rsync_strong_len(len, block))
                    .clamp(1, 32)
                    .max(strong.min(32)),
            ),
            ..Default::default()
        }
    })?;
    Ok(sig.encode())
}

/// Signatures of recent bases, keyed by path and identity (size, mtime,
/// inode), so repeated uploads against a large file do not rehash it.
/// Bounded by total bytes; the oldest entries go first.
#[derive(Default)]
struct SignatureCache {
    entries: std::collections::VecDeque<(String, Vec<u8>, Arc<Vec<u8>>)>,
    bytes: usize,
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, Refusal> {
    m.lock()
        .map_err(|_| Refusal(Code::Io, "lock poisoned".into()))
}

/// Memory the signature cache of one module may hold.
const SIGNATURE_CACHE_BYTES: usize = 64 << 20;

impl Module {
    /// The signature of `f` (the file at `path` with this identity), from
    /// the cache or computed and cached; true when it came from the cache.
    fn cached_signature(
        &self,
        path: &str,
        identity: &[u8],
        f: &File,
        strong: u8,
        short: Option<u8>,
    ) -> Result<(Arc<Vec<u8>>, bool), Refusal> {
        // The identity recorded with a signature includes the strong length asked for.
        let mut identity = identity.to_vec();
        identity.push(strong);
        {
            let cache = lock(&self.signatures)?;
            if let Some((_, _, sig)) = cache
                .entries
                .iter()
                .find(|(p, id, _)| p == path && *id == identity)
            {
                return Ok((sig.clone(), true));
            }
        }
        let sig = Arc::new(signature_of(Some(f), strong, short)?);
        self.cache_signature(path, identity, sig.clone())?;
        Ok((sig, false))
    }

    fn cache_signature(
        &self,
        path: &str,
        identity: Vec<u8>,
        sig: Arc<Vec<u8>>,
    ) -> Result<(), Refusal> {
        let mut cache = lock(&self.signatures)?;
        cache.entries.retain(|(p, _, _)| p != path);
        cache.bytes = cache.entries.iter().map(|e| e.2.len()).sum();
        if sig.len() <= SIGNATURE_CACHE_BYTES {
            while cache.bytes + sig.len() > SIGNATURE_CACHE_BYTES {
                match cache.entries.pop_front() {
                    Some(old) => cache.bytes -= old.2.len(),
                    None => break,
                }
            }
            cache.bytes += sig.len();
            cache.entries.push_back((path.to_string(), identity, sig));
        }
        Ok(())
    }

    /// Signs a file an upload just put in place, on a thread of its own at
    /// the lowest priority, and caches the signature: the next upload to the
    /// same path (a file saved again) then starts without rehashing it.
    /// Only big files, two at a time; skipped when the file changed.
    fn sign_committed(self: &Arc<Self>, path: String, f: File, short: Option<u8>) {
        static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        use std::sync::atomic::Ordering;
        if RUNNING.fetch_add(1, Ordering::AcqRel) >= PRESIGN_AT_ONCE {
            RUNNING.fetch_sub(1, Ordering::AcqRel);
            return;
        }
        let module = self.clone();
        let spawned = std::thread::Builder::new()
            .name("wsync-presign".into())
            .spawn(move || {
                #[cfg(target_os = "linux")]
                let _ = rustix::process::setpriority_process(None, 19);
                let t0 = std::time::Instant::now();
                let signed = (|| {
                    let before = identity(&f).ok()?;
                    let sig = signature_of(Some(&f), 0, short).ok()?;
                    (identity(&f).ok()? == before).then_some((before, sig))
                })();
                if let Some((mut id, sig)) = signed {
                    id.push(0);
                    let _ = module.cache_signature(&path, id, Arc::new(sig));
                    tracing::debug!(
                        ms = t0.elapsed().as_millis() as u64,
                        "upload: the result's signature is cached"
                    );
                }
                RUNNING.fetch_sub(1, Ordering::AcqRel);
            });
        if spawned.is_err() {
            RUNNING.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Results smaller than this are not signed ahead (signing them when asked is quick).
const PRESIGN_MIN: u64 = 8 << 20;
/// Results signed ahead at once, at most.
const PRESIGN_AT_ONCE: usize = 2;

/// Identity of a basis for the commit precondition: size, mtime, inode.
pub fn identity(f: &File) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::MetadataExt;
    let m = f.metadata()?;
    let mut id = Vec::with_capacity(32);
    id.extend_from_slice(&m.len().to_be_bytes());
    id.extend_from_slice(&m.mtime().to_be_bytes());
    id.extend_from_slice(&(m.mtime_nsec() as u64).to_be_bytes());
    id.extend_from_slice(&m.ino().to_be_bytes());
    Ok(id)
}

/// The basis of an upload: the current file, or nothing.
pub struct FileBasis {
    file: Option<File>,
    len: u64,
}

impl FileBasis {
    pub fn new(file: Option<File>) -> io::Result<Self> {
        let len = match &file {
            Some(f) => f.metadata()?.len(),
            None => 0,
        };
        Ok(FileBasis { file, len })
    }
}

impl Basis for FileBasis {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        match &self.file {
            Some(f) => f.read_exact_at(buf, offset),
            None => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

struct WriterLock {
    module: Arc<Module>,
    path: String,
    key: WriterKey,
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        if let Ok(mut w) = self.module.writers.lock() {
            w.remove(&self.key);
        }
    }
}

/// An upload in progress. Dropped without `commit`, its temporary file is
/// removed and the target is untouched.
pub struct Upload {
    dir: OwnedFd,
    name: String,
    temp_name: String,
    temp: File,
    pub identity: Vec<u8>,
    patcher: Option<Patcher<FileBasis, BufWriter<TempSink>>>,
    pub applied: u64,
    /// `incoming chmod` of the module.
    chmod: Option<Chmod>,
    /// The server's strong-sum length, if set (see `signature_of`).
    short: Option<u8>,
    /// Time spent applying delta bytes (for the debug log).
    busy: std::time::Duration,
    writer: WriterLock,
    /// Held for its `Drop`, which runs after `Drop for Upload` removed
    /// the temporary file.
    _registration: Option<super::temps::Registration>,
}

/// What a commit put in place.
pub struct Committed {
    pub len: u64,
    pub mode: u32,
    pub mtime: i64,
}

impl Upload {
    /// Bytes its temporary file holds now.
    pub fn held_bytes(&self) -> u64 {
        self.temp.metadata().map(|m| m.len()).unwrap_or(0)
    }

    /// The file it writes.
    pub fn writer_key(&self) -> &WriterKey {
        &self.writer.key
    }

    pub fn apply(&mut self, data: &[u8]) -> Result<(), Refusal> {
        let p = self
            .patcher
            .as_mut()
            .ok_or_else(|| Refusal(Code::Protocol, "upload already finished".into()))?;
        let t0 = std::time::Instant::now();
        p.update(data).map_err(patch_refusal)?;
        self.busy += t0.elapsed();
        self.applied += data.len() as u64;
        Ok(())
    }

    /// Checks the precondition and the hash, then moves the file into place
    /// durably: fsync the file, rename, fsync the directory.
    pub fn commit(
        mut self,
        sha256: &[u8; 32],
        basis: &[u8],
        attrs: Option<FileAttrs>,
    ) -> Result<Committed, Refusal> {
        // The file being replaced stays open until after the rename, so
        // that freeing its blocks does not hold up the commit (below).
        // Non-blocking: a FIFO swapped in meanwhile must not hold the
        // commit (its identity differs, so the commit is refused below).
        let (now, old) = match rfs::openat(
            &self.dir,
            self.name.as_str(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => {
                let f = File::from(fd);
                (identity(&f)?, Some(f))
            }
            Err(rustix::io::Errno::NOENT) => (Vec::new(), None),
            Err(e) => return Err(io::Error::from(e).into()),
        };
        if now != basis || now != self.identity {
            return Err(Refusal(
                Code::BasisChanged,
                "the file changed since its signature was sent".into(),
            ));
        }
        let p = self
            .patcher
            .take()
            .ok_or_else(|| Refusal(Code::Protocol, "upload already finished".into()))?;
        let t0 = std::time::Instant::now();
        let (mut sink, report) = p.finish().map_err(patch_refusal)?;
        let t_finish = t0.elapsed();
        if report.sha256.as_ref() != Some(sha256) {
            return Err(Refusal(
                Code::HashMismatch,
                "the result's SHA-256 differs from the commit".into(),
            ));
        }
        std::io::Write::flush(&mut sink)?;
        // Keep the old file's permissions, or rw-r--r-- for a new file.
        let mode = match rfs::statat(
            &self.dir,
            self.name.as_str(),
            rfs::AtFlags::SYMLINK_NOFOLLOW,
        ) {
            Ok(st) if rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::RegularFile => {
                mode_bits(&st)
            }
            _ => 0o644,
        };
        // A mode the client asks for, without set-id bits (rsync's daemon
        // drops them too unless the module allows it).
        let mode = match attrs {
            Some(a) if a.mode != 0 => a.mode & 0o1777,
            _ => mode,
        };
        let mode = match &self.chmod {
            Some(c) => c.apply(mode, false),
            None => mode,
        };
        rfs::fchmod(&self.temp, Mode::from_raw_mode(mode as rfs::RawMode))
            .map_err(io::Error::from)?;
        if let Some(a) = attrs {
            let t = rfs::Timespec {
                tv_sec: a.mtime,
                tv_nsec: a.mtime_nsec.into(),
            };
            let times = rfs::Timestamps {
                last_access: t,
                last_modification: t,
            };
            rfs::futimens(&self.temp, &times).map_err(io::Error::from)?;
        }
        let t1 = std::time::Instant::now();
        self.temp.sync_all()?;
        let t_sync = t1.elapsed();
        let mtime = {
            use std::os::unix::fs::MetadataExt;
            self.temp.metadata()?.mtime()
        };
        rfs::renameat(
            &self.dir,
            self.temp_name.as_str(),
            &self.dir,
            self.name.as_str(),
        )
        .map_err(io::Error::from)?;
        self.temp_name.clear();
        let t_rename = t1.elapsed() - t_sync;
        rfs::fsync(self.dir.as_fd()).map_err(io::Error::from)?;
        tracing::debug!(
            apply_ms = self.busy.as_millis() as u64,
            finish_ms = t_finish.as_millis() as u64,
            fsync_ms = t_sync.as_millis() as u64,
            rename_ms = t_rename.as_millis() as u64,
            dir_fsync_ms = (t1.elapsed() - t_sync - t_rename).as_millis() as u64,
            "upload: commit"
        );
        if report.new_len >= PRESIGN_MIN {
            // The temporary file was opened write-only: open what the name
            // holds now, and sign it only if it is still the same file.
            let reopened = rfs::openat(
                &self.dir,
                self.name.as_str(),
                OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            );
            if let Ok(fd) = reopened {
                let f = File::from(fd);
                if identity(&f).ok() == identity(&self.temp).ok() {
                    let module = self.writer.module.clone();
                    module.sign_committed(self.writer.path.clone(), f, self.short);
                }
            }
        }
        // The replaced file is freed when its last descriptor closes: for a
        // big one that takes a while, so close it on another thread.
        if let Some(f) = old {
            let big = f.metadata().map(|m| m.len() >= 64 << 20).unwrap_or(false);
            if big {
                std::thread::spawn(move || drop(f));
            }
        }
        Ok(Committed {
            len: report.new_len,
            mode,
            mtime,
        })
    }
}

/// What the client hears when its delta does not apply. A result whose
/// hash differs from the one the delta carries is `HashMismatch` (a false
/// block match with short strong sums: the client pushes again with
/// full-length ones), not a bad delta.
fn patch_refusal(e: crate::PatchError) -> Refusal {
    use crate::PatchError as E;
    match e {
        // The basis got shorter under us: someone else wrote the file.
        E::BasisRead(e) if e.kind() == io::ErrorKind::UnexpectedEof => Refusal(
            Code::BasisChanged,
            "the file changed since its signature was sent".into(),
        ),
        E::Write(e) | E::BasisRead(e) => Refusal::from(e),
        E::OutputLimit { limit } => Refusal(
            Code::TooLarge,
            format!("file exceeds the limit of {limit} bytes"),
        ),
        E::HashMismatch { .. } => Refusal(
            Code::HashMismatch,
            "the result's SHA-256 differs from the client's file".into(),
        ),
        e => Refusal(Code::BadDelta, e.to_string()),
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.temp_name.is_empty() {
            let _ = rfs::unlinkat(&self.dir, self.temp_name.as_str(), rfs::AtFlags::empty());
        }
    }
}
