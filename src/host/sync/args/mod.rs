//! rsync-style option parsing for `wsync sync`, by hand: combined short
//! options (`-avz`, `-rnC`), attached or separate values (`-f- x`,
//! `--exclude=x`, `--exclude x`, `-B1024`), `--no-OPTION`, and filter
//! options kept in command-line order (rsync's rule list is
//! order-sensitive). Options wsync does not implement are refused, never
//! ignored.

mod help;
mod info;
mod more;
mod parse;
mod stopat;
mod table;
#[cfg(test)]
mod tests;
mod values;

pub use help::USAGE;
pub use info::Info;
pub use more::{More, StderrMode, CHECKSUMS, COMPRESSORS};

use crate::filter::FilterArg;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use values::text;

/// When deletions happen (rsync's `--delete-WHEN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteWhen {
    Before,
    During,
    Delay,
    After,
}

/// rsync's `--link-dest`, `--compare-dest`, `--copy-dest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AltDest {
    Link,
    Compare,
    Copy,
}

/// Parsed options of `wsync sync`.
#[derive(Debug, Default, Clone)]
pub struct SyncArgs {
    pub recursive: bool,
    /// `-r` given itself (not implied by `-a`): `--files-from` needs it.
    pub r_explicit: bool,
    pub dirs: bool,
    /// `--no-dirs` given last (rsync's xfer_dirs 0, not unset): no
    /// listing or `--files-from` implies `-d` then.
    pub no_dirs: bool,
    pub links: bool,
    pub copy_links: bool,
    /// `-k`: symlinks to directories on the sender are sent as directories.
    pub copy_dirlinks: bool,
    /// `--copy-unsafe-links`: symlinks pointing out of the tree are followed.
    pub copy_unsafe_links: bool,
    /// `--safe-links`: symlinks pointing out of the tree are ignored.
    pub safe_links: bool,
    pub perms: bool,
    pub executability: bool,
    pub owner: bool,
    pub group: bool,
    pub times: bool,
    pub omit_dir_times: bool,
    pub devices: bool,
    pub specials: bool,
    pub numeric_ids: bool,
    pub hard_links: bool,
    /// `-X` (1), `-XX` (2: rsync's own `user.rsync.%*` attributes too).
    pub xattrs: u8,
    /// `-A` (implies `-p` where given).
    pub acls: bool,
    /// `-K`: a symlink to a directory on the receiver stands for it.
    pub keep_dirlinks: bool,
    /// `--chmod` (all of them, in order): applied to the sent modes.
    pub chmod: Option<crate::host::chmod::Chmod>,
    chmod_text: Vec<String>,
    pub sparse: bool,
    pub dry_run: bool,
    pub update: bool,
    pub checksum: bool,
    pub ignore_existing: bool,
    pub existing: bool,
    pub size_only: bool,
    pub ignore_times: bool,
    /// `-W` (true) or `--no-whole-file` (false); local default is whole.
    pub whole_file: Option<bool>,
    pub block_size: Option<u32>,
    pub inplace: bool,
    /// 1: `--append`, 2: `--append-verify`.
    pub append: u8,
    pub partial: bool,
    pub partial_dir: Option<OsString>,
    pub delay_updates: bool,
    pub backup: bool,
    pub backup_dir: Option<OsString>,
    pub suffix: Option<OsString>,
    pub alt_dest: Option<AltDest>,
    pub alt_dirs: Vec<OsString>,
    pub delete: Option<DeleteWhen>,
    pub delete_excluded: bool,
    pub force: bool,
    pub max_delete: Option<i64>,
    pub max_size: Option<u64>,
    pub min_size: Option<u64>,
    pub prune_empty_dirs: bool,
    pub relative: bool,
    pub implied_dirs: bool,
    pub files_from: Option<OsString>,
    pub from0: bool,
    pub mkpath: bool,
    pub compress: bool,
    pub compress_level: Option<u32>,
    pub skip_compress: Option<String>,
    pub bwlimit: Option<u64>,
    pub verbose: u8,
    pub quiet: bool,
    pub itemize: u8,
    pub out_format: Option<String>,
    pub log_file: Option<OsString>,
    pub log_file_format: Option<String>,
    pub stats: bool,
    pub human: u8,
    /// `--progress` or `-P` (rsync's do_progress).
    pub progress: bool,
    pub progress2: bool,
    /// rsync's output levels: `--info`, and what `-v`, `--stats` and
    /// `--progress` imply (set once the options are read).
    pub info: Info,
    /// Items are logged before their data is sent: an out-format without
    /// `%b`, `%c` or `%C` (rsync's log_before_transfer).
    pub log_before: bool,
    pub ignore_errors: bool,
    pub filters: Vec<FilterArg>,
    pub paths: Vec<OsString>,
    pub help: bool,
    /// `-e`: the remote shell for `HOST:PATH` (default: $RSYNC_RSH, ssh).
    pub rsh: Option<String>,
    /// `--rsync-path`: the wsync program on the remote machine.
    pub rsync_path: Option<String>,
    /// `--port`: the daemon's port for `HOST::` (default 8080).
    pub port: Option<u16>,
    pub password_file: Option<OsString>,
    /// `--timeout` and `--contimeout`, in seconds.
    pub timeout: Option<u64>,
    pub contimeout: Option<u64>,
    /// The options of issue 15 (args/more.rs).
    pub more: More,
}

/// A usage error: the message rsync would print, exit status 1.
#[derive(Debug)]
pub struct UsageError(pub String);

impl SyncArgs {
    /// rsync's combination rules (options.c).
    fn check(&mut self) -> Result<(), UsageError> {
        if self.files_from.is_some() {
            // rsync: -a does not imply -r with --files-from (an explicit
            // -r does), and --files-from implies -d and -R.
            self.relative = true;
            self.recursive = self.r_explicit;
            self.dirs |= !self.no_dirs;
        }
        // A listing (--list-only, or one path and no --read-batch)
        // implies --dirs (rsync's xfer_dirs = list_only) unless
        // --no-dirs is given.
        let listing = (self.more.list_only
            || self.paths.len() < 2 && self.more.read_batch.is_none())
            && !self.no_dirs;
        if self.delete.is_some() && !self.recursive && !self.dirs && !listing && !self.help {
            return Err(UsageError(
                "--delete does not work without --recursive (-r) or --dirs (-d).".into(),
            ));
        }
        let xfer_sum = self
            .more
            .checksum_choice
            .as_deref()
            .map(|c| c.split(',').next());
        if xfer_sum
            .flatten()
            .is_some_and(|s| s.eq_ignore_ascii_case("none"))
        {
            // rsync: no block checksums, no deltas (checksum.c).
            self.whole_file = Some(true);
        }
        if self.append > 0 {
            if self.whole_file == Some(true) {
                return Err(UsageError(
                    "--append cannot be used with --whole-file".into(),
                ));
            }
            self.inplace = true;
        }
        if self.backup && self.backup_dir.is_none() {
            // rsync: backups made next to the files would change their
            // directories' times, so those are not kept.
            self.omit_dir_times = true;
        }
        if self.inplace && self.delay_updates {
            return Err(UsageError(
                "--delay-updates cannot be combined with --inplace".into(),
            ));
        }
        if self.inplace && self.partial_dir.is_some() {
            return Err(UsageError(
                "--partial-dir cannot be combined with --inplace".into(),
            ));
        }
        if self.existing && self.ignore_existing && self.delete.is_none() {
            // rsync allows it (nothing is transferred); kept as rsync.
        }
        self.output_levels();
        if let Some(s) = &self.suffix {
            if s.as_bytes().contains(&b'/') {
                return Err(UsageError(
                    "--suffix cannot contain slashes: ".to_string() + &text(s.as_bytes()),
                ));
            }
        }
        Ok(())
    }

    /// rsync's output levels once every option is read (options.c, in
    /// its order): `-v`'s, `--stats`', then `--progress`'.
    fn output_levels(&mut self) {
        self.info.verbosity(self.verbose);
        if self.stats {
            let words = if self.verbose > 1 { "stats3" } else { "stats2" };
            self.info
                .parse(words, info::DEFAULT)
                .expect("rsync's own words");
        }
        let format = match (&self.out_format, self.itemize) {
            (Some(f), _) => Some(f.as_str()),
            (None, i) if i > 0 => Some("%i %n%L"),
            _ => None,
        };
        self.log_before = format
            .is_some_and(|f| !(format_has(f, b'b') || format_has(f, b'c') || format_has(f, b'C')));
        if self.progress {
            if !self.log_before && self.info.name() == 0 {
                self.info
                    .parse("name", info::DEFAULT)
                    .expect("rsync's own words");
            }
            self.info
                .parse("FLIST2,PROGRESS", info::DEFAULT)
                .expect("rsync's own words");
        }
        if format.is_none() && self.info.name() > 0 {
            // rsync's stdout_format "%n%L" logs before the transfer.
            self.log_before = true;
        }
    }

    /// `--chmod`: clauses add up over the options (rsync's parse_chmod).
    fn add_chmod(&mut self, s: &str) -> Result<(), UsageError> {
        let bad = || UsageError(format!("Invalid argument passed to --chmod ({s})"));
        let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
        rustix::process::umask(old);
        let umask = old.as_raw_mode() as u32;
        crate::host::chmod::Chmod::parse_umask(s, umask).map_err(|_| bad())?;
        self.chmod_text.push(s.to_string());
        let all = crate::host::chmod::Chmod::parse_umask(&self.chmod_text.join(","), umask);
        self.chmod = Some(all.map_err(|_| bad())?);
        Ok(())
    }

    /// The suffix of backups: `~`, or nothing with `--backup-dir`.
    pub fn backup_suffix(&self) -> Vec<u8> {
        match (&self.suffix, &self.backup_dir) {
            (Some(s), _) => s.as_bytes().to_vec(),
            (None, Some(_)) => Vec::new(),
            (None, None) => b"~".to_vec(),
        }
    }
}

/// Whether an out-format has escape `esc` (rsync's `log_format_has`:
/// `%%` is a literal percent sign).
pub fn format_has(format: &str, esc: u8) -> bool {
    let b = format.as_bytes();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'%') {
        i += off + 1;
        while b.get(i) == Some(&b'\'') {
            i += 1;
        }
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        while b.get(i) == Some(&b'\'') {
            i += 1;
        }
        match b.get(i) {
            None => break,
            Some(&c) if c == esc => return true,
            Some(b'%') => i += 1,
            Some(_) => {}
        }
    }
    false
}
