//! Where an upload's result is written: its temporary file, with the
//! writeback started early so that the fsync before the rename (the crash
//! safety of an upload) has little left to wait for.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, SyncSender};

/// Bytes written between two early syncs.
const EARLY_SYNC: u64 = 16 << 20;

/// The temporary file. Every [`EARLY_SYNC`] bytes a helper thread (started
/// with the first) runs `fdatasync` on it while writing goes on; the commit
/// still fsyncs the whole file before the rename.
pub struct TempSink {
    file: File,
    since: u64,
    syncer: Option<SyncSender<()>>,
}

impl TempSink {
    pub fn new(file: File) -> TempSink {
        TempSink {
            file,
            since: 0,
            syncer: None,
        }
    }

    fn kick(&mut self) {
        if self.syncer.is_none() {
            let Ok(f) = self.file.try_clone() else { return };
            let (tx, rx) = sync_channel::<()>(1);
            // Ends when the sink (the sender) is dropped.
            let spawned = std::thread::Builder::new()
                .name("wsync-early-sync".into())
                .spawn(move || {
                    for () in rx {
                        // macOS has no fdatasync; its fsync starts the
                        // writeback without flushing the drive's cache
                        // (the commit's sync_all does that).
                        #[cfg(not(target_vendor = "apple"))]
                        let _ = rustix::fs::fdatasync(&f);
                        #[cfg(target_vendor = "apple")]
                        let _ = rustix::fs::fsync(&f);
                    }
                });
            if spawned.is_err() {
                return;
            }
            self.syncer = Some(tx);
        }
        if let Some(tx) = &self.syncer {
            // One pending request is enough: a sync in progress covers more.
            let _ = tx.try_send(());
        }
    }
}

impl Write for TempSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.since += n as u64;
        if self.since >= EARLY_SYNC {
            self.since = 0;
            self.kick();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
