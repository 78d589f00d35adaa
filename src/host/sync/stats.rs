//! The counts behind `--stats` and `-v`'s closing lines, printed as rsync
//! prints them (`output_summary` in main.c).

use std::fmt::Write;

/// Counts by file type, printed as "N (reg: a, dir: b, ...)".
#[derive(Debug, Default, Clone, Copy)]
pub struct ByKind {
    pub reg: u64,
    pub dir: u64,
    pub link: u64,
    pub dev: u64,
    pub special: u64,
}

impl ByKind {
    pub fn total(&self) -> u64 {
        self.reg + self.dir + self.link + self.dev + self.special
    }

    fn show(&self, h: u8) -> String {
        let mut s = num(self.total(), h);
        let parts: Vec<String> = [
            ("reg", self.reg),
            ("dir", self.dir),
            ("link", self.link),
            ("dev", self.dev),
            ("special", self.special),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k}: {}", num(*n, h)))
        .collect();
        if !parts.is_empty() {
            let _ = write!(s, " ({})", parts.join(", "));
        }
        s
    }
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub files: ByKind,
    pub created: ByKind,
    pub deleted: ByKind,
    pub transferred: u64,
    pub total_size: u64,
    pub transferred_size: u64,
    pub literal: u64,
    pub matched: u64,
    pub flist_size: u64,
    pub flist_secs: f64,
    /// Bytes really sent and received, for a remote transfer.
    pub wire: Option<(u64, u64)>,
}

pub use crate::host::text::num::num;

/// A rate or ratio with two decimals, commas at level 1.
fn dec(x: f64, h: u8) -> String {
    if h >= 2 {
        let mult = if h == 2 { 1000.0 } else { 1024.0 };
        if x >= mult {
            return num(x as u64, h);
        }
        return format!("{x:.2}");
    }
    let whole = x.trunc() as u64;
    let frac = format!("{:.2}", x - x.trunc());
    let (int, frac) = if frac.starts_with("1.") {
        (whole + 1, "00".to_string())
    } else {
        (whole, frac[2..].to_string())
    };
    format!("{}.{frac}", num(int, h))
}

impl Stats {
    /// What rsync counts as bytes on the wire, approximated for a local
    /// transfer: the file list, the literal data, and a few bytes a file.
    pub fn wire(&self) -> (u64, u64) {
        if let Some(w) = self.wire {
            return w;
        }
        let n = self.files.total();
        let sent = self.flist_size + self.literal + 4 * self.transferred + 20;
        let received = 4 * n.min(self.transferred + 1) + 20;
        (sent, received)
    }

    /// The `--stats` lines, without the blank line before them (rsync's
    /// FINFO lines of `output_summary`; its sender counts a millisecond
    /// for a list made in less).
    pub fn block_lines(&self, h: u8) -> Vec<String> {
        let (sent, received) = self.wire();
        let mut v = vec![
            format!("Number of files: {}", self.files.show(h)),
            format!("Number of created files: {}", self.created.show(h)),
            format!("Number of deleted files: {}", self.deleted.show(h)),
            format!(
                "Number of regular files transferred: {}",
                num(self.transferred, h.max(1))
            ),
            format!("Total file size: {} bytes", num(self.total_size, h)),
            format!(
                "Total transferred file size: {} bytes",
                num(self.transferred_size, h)
            ),
            format!("Literal data: {} bytes", num(self.literal, h)),
            format!("Matched data: {} bytes", num(self.matched, h)),
            format!("File list size: {}", num(self.flist_size, h)),
        ];
        v.push(format!(
            "File list generation time: {:.3} seconds",
            self.flist_secs.max(0.001)
        ));
        v.push("File list transfer time: 0.000 seconds".to_string());
        v.push(format!("Total bytes sent: {}", num(sent, h)));
        v.push(format!("Total bytes received: {}", num(received, h)));
        v
    }

    /// `-v`'s two closing lines (without the blank line before them).
    pub fn summary_lines(&self, h: u8, secs: f64, dry_run: bool) -> Vec<String> {
        self.summary(h, secs, dry_run)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The log file's closing line when no summary was printed (rsync's
    /// `log_exit`).
    pub fn log_line(&self) -> String {
        let (sent, received) = self.wire();
        format!(
            "sent {sent} bytes  received {received} bytes  total size {}",
            self.total_size
        )
    }

    /// The `--stats` block (without the closing two lines).
    pub fn block(&self, h: u8) -> String {
        let (sent, received) = self.wire();
        let mut s = String::new();
        let _ = writeln!(s, "\nNumber of files: {}", self.files.show(h));
        let _ = writeln!(s, "Number of created files: {}", self.created.show(h));
        let _ = writeln!(s, "Number of deleted files: {}", self.deleted.show(h));
        let _ = writeln!(
            s,
            "Number of regular files transferred: {}",
            num(self.transferred, h)
        );
        let _ = writeln!(s, "Total file size: {} bytes", num(self.total_size, h));
        let _ = writeln!(
            s,
            "Total transferred file size: {} bytes",
            num(self.transferred_size, h)
        );
        let _ = writeln!(s, "Literal data: {} bytes", num(self.literal, h));
        let _ = writeln!(s, "Matched data: {} bytes", num(self.matched, h));
        let _ = writeln!(s, "File list size: {}", num(self.flist_size, h));
        let _ = writeln!(
            s,
            "File list generation time: {:.3} seconds",
            self.flist_secs
        );
        let _ = writeln!(s, "File list transfer time: 0.000 seconds");
        let _ = writeln!(s, "Total bytes sent: {}", num(sent, h));
        let _ = writeln!(s, "Total bytes received: {}", num(received, h));
        s
    }

    /// `-v`'s closing lines.
    pub fn summary(&self, h: u8, secs: f64, dry_run: bool) -> String {
        let (sent, received) = self.wire();
        let rate = (sent + received) as f64 / (0.5 + secs);
        let speedup = self.total_size as f64 / (sent + received).max(1) as f64;
        format!(
            "\nsent {} bytes  received {} bytes  {} bytes/sec\ntotal size is {}  speedup is {}{}\n",
            num(sent, h),
            num(received, h),
            dec(rate, h),
            num(self.total_size, h),
            dec(speedup, 1),
            if dry_run { " (DRY RUN)" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::sync::flist::Kind;

    #[test]
    fn numbers_as_rsync() {
        assert_eq!(num(1234567, 1), "1,234,567");
        assert_eq!(num(999, 1), "999");
        assert_eq!(num(1234567, 0), "1234567");
        assert_eq!(num(1234567, 2), "1.23M");
        assert_eq!(num(1536, 3), "1.50K");
        assert_eq!(num(1023, 3), "1,023");
        assert_eq!(dec(1374.0, 1), "1,374.00");
        let mut k = ByKind::default();
        k.add(Kind::File);
        k.add(Kind::Dir);
        assert_eq!(k.show(1), "2 (reg: 1, dir: 1)");
        assert_eq!(ByKind::default().show(1), "0");
    }
}
