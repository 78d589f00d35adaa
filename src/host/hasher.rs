//! SHA-256 on a second thread, so that hashing the whole file overlaps with
//! matching blocks (delta) or copying them (patch).

use super::files::{Input, READ_CHUNK};
use super::Failure;
use crate::{Sha256, WholeHash};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// Bytes handed to the hashing thread at a time.
const BATCH: usize = 1 << 20;

pub struct ThreadedSha256 {
    pending: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    /// Hashed batches coming back for reuse: fresh allocations would cost
    /// a page fault per 4 KiB every time.
    back: Receiver<Vec<u8>>,
    worker: Option<JoinHandle<[u8; 32]>>,
}

impl ThreadedSha256 {
    pub fn new() -> Self {
        // A few batches in flight: bounded memory, and the producer waits
        // rather than running ahead when hashing is the slower side.
        let (tx, rx) = sync_channel::<Vec<u8>>(4);
        let (back_tx, back) = channel::<Vec<u8>>();
        let worker = std::thread::spawn(move || {
            let mut sha = Sha256::new();
            for mut batch in rx {
                sha.update(&batch);
                batch.clear();
                let _ = back_tx.send(batch);
            }
            sha.finish()
        });
        ThreadedSha256 {
            pending: Vec::with_capacity(BATCH),
            tx: Some(tx),
            back,
            worker: Some(worker),
        }
    }

    fn send(&mut self) {
        let next = self
            .back
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut self.pending, next);
        if let Some(tx) = &self.tx {
            // The worker only stops when the sender is dropped.
            let _ = tx.send(batch);
        }
    }
}

impl WholeHash for ThreadedSha256 {
    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (BATCH - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == BATCH {
                self.send();
            }
        }
    }

    fn finish(&mut self) -> [u8; 32] {
        if !self.pending.is_empty() {
            self.send();
        }
        self.tx = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(digest)) => digest,
            // The worker cannot panic (it only hashes); if it somehow did,
            // an all-zero digest makes the check fail rather than pass.
            _ => [0; 32],
        }
    }
}

/// A whole-file hash computed elsewhere: `update` ignores its bytes, and
/// `finish` returns what the caller stored in the cell by then.
pub struct Precomputed(pub Arc<Mutex<[u8; 32]>>);

impl WholeHash for Precomputed {
    fn update(&mut self, _: &[u8]) {}
    fn finish(&mut self) -> [u8; 32] {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A file's SHA-256 computed on another thread from when the upload
/// starts, so that it overlaps with waiting for the server's signature;
/// `update` ignores the encoder's bytes. A read error gives an all-zero
/// digest, which the server's check then refuses.
///
/// When the signature arrives, the encoder asks whether it may hash the
/// file itself (`hand_over`), beside its block sums, where that costs
/// little: yes unless this thread has been hashing at a good pace, that is
/// unless it has had a core to itself (a remote server signing its copy).
/// On a busy machine (the server on the same one, signing on every core)
/// it had next to none, and hashing twice as fast beside the block sums
/// beats a second thread fighting for the cores.
pub struct Prehashed {
    worker: Option<JoinHandle<std::io::Result<[u8; 32]>>>,
    hashed: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    started: Instant,
}

/// Below this pace (bytes per second, about a quarter of one core's
/// SHA-256) the prehashing thread counts as starved of CPU.
const FAIR_PACE: f64 = 450e6;

impl Prehashed {
    pub fn start(path: &std::path::Path) -> Self {
        let path = path.to_path_buf();
        let hashed = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hashed.clone(), stop.clone());
        let worker = std::thread::spawn(move || {
            use std::io::Read;
            // Only idle time until the delta needs the digest at its very
            // end: while the server signs its copy (on the same machine in
            // tests and benchmarks), the signing comes first.
            #[cfg(target_os = "linux")]
            let _ = rustix::process::setpriority_process(None, 19);
            let mut f = std::fs::File::open(path)?;
            let mut sha = Sha256::new();
            let mut buf = vec![0u8; READ_CHUNK];
            loop {
                if s.load(Ordering::Relaxed) {
                    return Err(std::io::ErrorKind::Interrupted.into());
                }
                let n = f.read(&mut buf)?;
                if n == 0 {
                    return Ok(sha.finish());
                }
                sha.update(&buf[..n]);
                h.fetch_add(n as u64, Ordering::Relaxed);
            }
        });
        Prehashed {
            worker: Some(worker),
            hashed,
            stop,
            started: Instant::now(),
        }
    }
}

impl WholeHash for Prehashed {
    fn update(&mut self, _: &[u8]) {}
    fn finish(&mut self) -> [u8; 32] {
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Ok(digest))) => digest,
            _ => [0; 32],
        }
    }
    fn hand_over(&mut self) -> bool {
        let secs = self.started.elapsed().as_secs_f64();
        let done = self.hashed.load(Ordering::Relaxed) as f64;
        let finished = self.worker.as_ref().is_some_and(JoinHandle::is_finished);
        if finished || (secs >= 0.02 && done >= secs * FAIR_PACE) {
            return false;
        }
        self.stop.store(true, Ordering::Relaxed);
        true
    }
}

/// Calls `f` with successive chunks of `input` while a second thread hashes
/// the same buffers (they go round between the threads, never copied), and
/// returns the SHA-256 of the whole input.
pub fn for_each_chunk_hashed(
    input: &mut Input,
    mut f: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<[u8; 32], Failure> {
    let (to_hash, rx) = sync_channel::<(Arc<Vec<u8>>, usize)>(2);
    let (back_tx, back) = channel::<Arc<Vec<u8>>>();
    let worker = std::thread::spawn(move || {
        let mut sha = Sha256::new();
        for (b, n) in rx {
            sha.update(&b[..n]);
            let _ = back_tx.send(b);
        }
        sha.finish()
    });
    let mut spare: Vec<Arc<Vec<u8>>> = (0..3).map(|_| Arc::new(vec![0u8; READ_CHUNK])).collect();
    let result = loop {
        let mut b = match spare.pop() {
            Some(b) => b,
            None => match back.recv() {
                Ok(b) => b,
                Err(_) => {
                    break Err(Failure::io(
                        "hashing thread",
                        std::io::ErrorKind::BrokenPipe.into(),
                    ))
                }
            },
        };
        // Both other holders are done with a buffer before it comes back.
        let n = match Arc::get_mut(&mut b) {
            Some(v) => match input.read_into(v) {
                Ok(n) => n,
                Err(e) => break Err(e),
            },
            None => {
                spare.push(Arc::new(vec![0u8; READ_CHUNK]));
                continue;
            }
        };
        if n == 0 {
            break Ok(());
        }
        if to_hash.send((b.clone(), n)).is_err() {
            break Err(Failure::io(
                "hashing thread",
                std::io::ErrorKind::BrokenPipe.into(),
            ));
        }
        if let Err(e) = f(&b[..n]) {
            break Err(e);
        }
    };
    drop(to_hash);
    let digest = worker.join();
    match (result, digest) {
        (Ok(()), Ok(d)) => Ok(d),
        (Err(e), _) => Err(e),
        (_, Err(_)) => Err(Failure::io(
            "hashing thread",
            std::io::ErrorKind::Other.into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_plain_hasher() {
        let data: Vec<u8> = (0..3_000_017u32).map(|i| (i * 31 + i / 7) as u8).collect();
        let mut t = ThreadedSha256::new();
        for piece in data.chunks(70_001) {
            t.update(piece);
        }
        assert_eq!(t.finish(), Sha256::digest(&data));
        assert_eq!(ThreadedSha256::new().finish(), Sha256::digest(b""));
    }

    #[test]
    fn prehashed_is_the_files_digest_or_zero() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..2_500_001u32).map(|i| (i * 7 + i / 13) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let mut h = Prehashed::start(&p);
        h.update(b"ignored");
        assert_eq!(h.finish(), Sha256::digest(&data));
        assert_eq!(
            Prehashed::start(&dir.path().join("missing")).finish(),
            [0; 32]
        );
        // Asked at once, before it could show its pace: it hands over, and
        // its thread stops early (32 MiB take it some 20 ms).
        let big = dir.path().join("big");
        std::fs::write(&big, vec![7u8; 32 << 20]).unwrap();
        let mut h = Prehashed::start(&big);
        assert!(h.hand_over());
        let worker = h.worker.take().unwrap();
        assert!(worker.join().unwrap().is_err(), "stopped before the end");
        // Once it has hashed the whole file at a good pace, it keeps it.
        let mut h = Prehashed::start(&p);
        while h.hashed.load(Ordering::Relaxed) < data.len() as u64 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!h.hand_over());
        assert_eq!(h.finish(), Sha256::digest(&data));
    }
}
