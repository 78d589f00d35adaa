//! SHA-256 on a second thread, so that hashing the whole file overlaps with
//! matching blocks (delta) or copying them (patch).

use crate::{Sha256, WholeHash};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

/// Bytes handed to the hashing thread at a time.
const BATCH: usize = 1 << 20;

pub struct ThreadedSha256 {
    pending: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    worker: Option<JoinHandle<[u8; 32]>>,
}

impl ThreadedSha256 {
    pub fn new() -> Self {
        // A few batches in flight: bounded memory, and the producer waits
        // rather than running ahead when hashing is the slower side.
        let (tx, rx) = sync_channel::<Vec<u8>>(4);
        let worker = std::thread::spawn(move || {
            let mut sha = Sha256::new();
            for batch in rx {
                sha.update(&batch);
            }
            sha.finish()
        });
        ThreadedSha256 {
            pending: Vec::with_capacity(BATCH),
            tx: Some(tx),
            worker: Some(worker),
        }
    }

    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
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
}
