//! `--progress` (per file) and `--info=progress2` (the whole transfer):
//! on a terminal, a live bar (indicatif) over the bytes to send with the
//! current file's name; otherwise lines as rsync prints them, one when
//! each file is done.

use super::args::SyncArgs;
use super::flist::Item;
use super::log::Log;
use super::stats::num;
use std::time::Instant;

pub struct Progress {
    /// The live bar, when stderr is a terminal.
    bar: Option<indicatif::ProgressBar>,
    per_file: bool,
    whole: bool,
    xfr: u64,
    total_items: usize,
    /// The file at hand's index in rsync's list numbering.
    index: usize,
    /// Bytes of the files transferred so far (dry runs' too), and of the
    /// whole list (rsync's total_transferred_size and total_size).
    bytes: u64,
    total_size: u64,
    start: Instant,
    file_start: Instant,
}

/// rsync's rate: "12.34MB/s" style, in units of 1024.
fn rate(bytes: u64, secs: f64) -> String {
    let r = bytes as f64 / secs.max(0.001);
    let (v, u) = if r >= 1024.0 * 1024.0 * 1024.0 {
        (r / 1024.0 / 1024.0 / 1024.0, "GB/s")
    } else if r >= 1024.0 * 1024.0 {
        (r / 1024.0 / 1024.0, "MB/s")
    } else {
        (r / 1024.0, "kB/s")
    };
    format!("{v:7.2}{u}")
}

fn clock(secs: f64) -> String {
    let s = secs as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

impl Progress {
    pub fn new(a: &SyncArgs, total_items: usize) -> Progress {
        use std::io::IsTerminal;
        let wanted = a.info.progress() > 0 && !a.quiet;
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bytes:>10}/{total_bytes} {bar:30} {percent:>3}% {binary_bytes_per_sec:>11} {eta} {wide_msg}",
            ) {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            per_file: a.info.progress() == 1 && !a.quiet,
            whole: a.info.progress() >= 2 && !a.quiet,
            xfr: 0,
            total_items,
            index: 0,
            bytes: 0,
            total_size: 0,
            start: Instant::now(),
            file_start: Instant::now(),
        }
    }

    /// Notes that the file at `index` of rsync's list numbering is at
    /// hand (for "to-chk").
    pub fn at(&mut self, index: usize) {
        self.index = index;
        self.file_start = Instant::now();
    }

    /// The bytes the transfer will send (the bar's length), and the size
    /// of the whole list (`--info=progress2`'s 100%).
    pub fn set_total(&mut self, bytes: u64, total_size: u64) {
        self.total_size = total_size;
        if let Some(b) = &self.bar {
            b.set_length(bytes);
        }
    }

    /// A dry run's transfer: counted, no line.
    pub fn count_dry(&mut self, size: u64) {
        self.xfr += 1;
        self.bytes += size;
    }

    /// `--info=progress2`'s update once the list is done (rsync's sender
    /// at NDX_DONE).
    pub fn finish(&mut self, log: &mut Log) {
        if self.whole && self.bar.is_none() {
            self.index = self.total_items.saturating_sub(1);
            self.whole_line(log);
        }
    }

    /// Whether the lines of `--info=progress2` are printed (no bar).
    pub fn whole_lines(&self) -> bool {
        self.whole && self.bar.is_none()
    }

    /// `--info=progress2`'s update when a file list of an incremental
    /// recursion is done (rsync's sender at each NDX_DONE).
    pub fn list_done(&mut self, log: &mut Log) {
        if self.whole_lines() {
            self.whole_line(log);
        }
    }

    /// The whole transfer's line, left open as rsync leaves it.
    fn whole_line(&mut self, log: &mut Log) {
        let secs = self.start.elapsed().as_secs_f64();
        let pct = if self.bytes == self.total_size {
            100
        } else {
            (self.bytes * 100)
                .checked_div(self.total_size)
                .unwrap_or(100)
        };
        let left = self.total_items.saturating_sub(self.index + 1);
        log.progress(&format!(
            "\r{:>15} {pct:>3}% {} {:>10} (xfr#{}, to-chk={left}/{})",
            num(self.bytes, log.human),
            rate(self.bytes, secs),
            clock(secs),
            self.xfr,
            self.total_items
        ));
    }

    /// The bar, for lines printed while it is shown.
    pub fn bar(&self) -> Option<indicatif::ProgressBar> {
        self.bar.clone()
    }

    pub fn file_done(&mut self, log: &mut Log, it: &Item, size: u64) {
        self.xfr += 1;
        self.bytes += size;
        if let Some(b) = &self.bar {
            b.set_message(super::flist::show(&it.path));
            b.inc(size);
            return;
        }
        if self.per_file {
            let left = self.total_items.saturating_sub(self.index + 1);
            let secs = self.file_start.elapsed().as_secs_f64();
            log.client(&format!(
                "\r{:>15} 100% {} {:>10} (xfr#{}, to-chk={left}/{})",
                num(size, log.human),
                rate(size, secs),
                clock(secs),
                self.xfr,
                self.total_items
            ));
        } else if self.whole {
            self.whole_line(log);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
