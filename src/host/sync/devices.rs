//! `--write-devices`: a regular file sent onto a device at the
//! destination is written into the device (rsync opens it in place and
//! never truncates it), the device itself kept.

use super::attrs::{self, How};
use super::engine::Engine;
use super::itemize::TRANSFER;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// Whether `md` is a device that `--write-devices` writes into.
pub fn writes_into(a: &super::args::SyncArgs, md: &fs::Metadata) -> bool {
    let t = md.file_type();
    a.more.write_devices && (t.is_char_device() || t.is_block_device())
}

impl Engine<'_> {
    /// Writes item `i`'s data into the device at `dpath`.
    pub(super) fn write_device(&mut self, i: usize, dpath: &Path, md: &fs::Metadata) {
        let it = self.item(i);
        let iflags = self.flags(it, Some((dpath, md)), TRANSFER);
        self.stats.transferred += 1;
        self.stats.transferred_size += it.size;
        if self.dry() {
            self.report(i, iflags, None, 0);
            return;
        }
        let src_path = self.sent.src_path(it);
        let r = (|| -> Result<u64, String> {
            let mut src = super::extras::open_src(self.a, &src_path).map_err(|e| {
                format!(
                    "rsync: [sender] send_files failed to open \"{}\": {}",
                    src_path.display(),
                    super::os_error(&e)
                )
            })?;
            let mut out = fs::OpenOptions::new()
                .write(true)
                .open(dpath)
                .map_err(|e| {
                    format!(
                        "rsync: [receiver] open \"{}\" failed: {}",
                        dpath.display(),
                        super::os_error(&e)
                    )
                })?;
            let n = std::io::copy(&mut src, &mut out).map_err(|e| {
                format!(
                    "rsync: [receiver] write failed on \"{}\": {}",
                    dpath.display(),
                    super::os_error(&e)
                )
            })?;
            out.flush().map_err(|e| e.to_string())?;
            Ok(n)
        })();
        match r {
            Ok(n) => {
                self.stats.literal += n;
                let m = self.src_meta(it);
                let mut dev = it.clone();
                // The device keeps its type; its times and permissions
                // are set as a file's would be.
                dev.mode = md.mode_bits() | it.mode & 0o7777;
                if let Err(e) = attrs::set(
                    dpath,
                    &self.want(&dev, Some(MetadataExt::mode(md)), How::Transfer, &m),
                ) {
                    self.error(&e);
                }
                self.report(i, iflags, None, n);
                self.received_ok(i);
            }
            Err(e) => self.error(&e),
        }
    }
}

trait ModeBits {
    fn mode_bits(&self) -> u32;
}

impl ModeBits for fs::Metadata {
    fn mode_bits(&self) -> u32 {
        std::os::unix::fs::MetadataExt::mode(self) & 0o170000
    }
}
