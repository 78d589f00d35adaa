//! The rest of rsync 3.5.0's options (issue 15, part 2): those the first
//! table did not carry. Each is accepted with rsync's meaning; where an
//! option has none for a local transfer (`-4`, `--sockopts`, `--no-motd`,
//! ...), it is checked as rsync checks it and otherwise ignored, as
//! rsync does. Their values live in [`More`], one field of `SyncArgs`.

use super::table::Opt;
use super::values::{number, parse_size, text};
use super::{SyncArgs, UsageError};
use crate::host::text::num::SizeRule;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// `--stderr=e|a|c`: where rsync's messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StderrMode {
    /// Errors to standard error, the rest to standard output (default).
    #[default]
    Errors,
    /// Everything to standard error.
    All,
    /// Messages from the server side come through the client (as errors).
    Client,
}

/// The values of the options in this module.
#[derive(Debug, Clone, Default)]
pub struct More {
    /// `--modify-window=NUM` (`-@`): mtimes this many seconds apart are
    /// equal; -1 compares nanoseconds too.
    pub modify_window: Option<i64>,
    /// `-x` (1) or `-xx` (2: the mount-point directories left out too).
    pub one_file_system: u8,
    /// `-y` (1), `-yy` (2: the alt-dest directories searched too).
    pub fuzzy: u8,
    pub remove_source_files: bool,
    /// `-T DIR`: temporary files are made in DIR.
    pub temp_dir: Option<OsString>,
    /// `--usermap` rules, or `*:USER` from `--chown`.
    pub usermap: Option<String>,
    pub groupmap: Option<String>,
    usermap_via_chown: bool,
    groupmap_via_chown: bool,
    /// `--iconv=LOCAL[,REMOTE]` (the charsets of the two sides).
    pub iconv: Option<String>,
    /// `-8`: high-bit bytes of names printed as they are.
    pub eight_bit: bool,
    pub ignore_missing_args: bool,
    pub delete_missing_args: bool,
    pub preallocate: bool,
    pub open_noatime: bool,
    pub fsync: bool,
    /// `-J`: symlinks' times are not set.
    pub omit_link_times: bool,
    /// `-U` (1), `-UU` (2: also `--open-noatime`).
    pub atimes: u8,
    pub super_: Option<bool>,
    pub fake_super: bool,
    pub checksum_choice: Option<String>,
    pub compress_choice: Option<String>,
    pub list_only: bool,
    /// `--debug` words (checked; wsync prints no debug output).
    pub debug: Vec<String>,
    pub write_batch: Option<OsString>,
    /// `--only-write-batch`: the batch is written, the destination left.
    pub only_write_batch: bool,
    pub read_batch: Option<OsString>,
    pub copy_devices: bool,
    pub write_devices: bool,
    pub max_alloc: Option<u64>,
    /// `--stop-after`/`--stop-at`: the time the run stops at (exit 30).
    pub stop_at: Option<std::time::SystemTime>,
    pub outbuf: Option<char>,
    /// `-4`/`-6`: the address family for daemon connections.
    pub ipv: Option<u8>,
    pub munge_links: bool,
    pub trust_sender: bool,
    pub copy_as: Option<String>,
    pub no_motd: bool,
    pub protocol: Option<u32>,
    pub address: Option<String>,
    pub sockopts: Option<String>,
    pub blocking_io: Option<bool>,
    pub early_input: Option<OsString>,
    /// `-M OPT`: options for the remote side only.
    pub remote_options: Vec<String>,
    pub old_args: u8,
    pub secluded_args: Option<bool>,
    /// `--inc-recursive` (Some(true)) or `--no-i-r` (Some(false)).
    pub inc_recursive: Option<bool>,
    pub checksum_seed: Option<u32>,
    pub compress_threads: Option<u32>,
    pub stderr: StderrMode,
    pub drop_d: bool,
    pub insecure_links: bool,
    pub confine_root: Option<OsString>,
    pub old_dirs: bool,
    pub version: bool,
    pub qsort: bool,
    /// `--info=help` given (the levels are `SyncArgs::info`).
    pub info: Vec<String>,
    /// The options as given, values included, paths left out (what a
    /// batch file records of its write run).
    pub opt_argv: Vec<OsString>,
    /// `-N`: refused, as by this rsync build ("no crtimes").
    pub crtimes: bool,
}

const fn flag(long: &'static str, short: Option<char>, f: super::table::Setter) -> Opt {
    Opt {
        long,
        short,
        takes: super::table::Takes::Flag(f),
    }
}

const fn value(long: &'static str, short: Option<char>, f: super::table::ValueSetter) -> Opt {
    Opt {
        long,
        short,
        takes: super::table::Takes::Value(f),
    }
}

fn os(v: &[u8]) -> OsString {
    OsString::from_vec(v.to_vec())
}

/// rsync's checksum names (`--checksum-choice`), this build's list.
pub const CHECKSUMS: &[&str] = &[
    "auto", "xxh128", "xxh3", "xxh64", "xxhash", "md5", "md4", "sha1", "none",
];
/// rsync's compression names (`--compress-choice`), this build's list.
pub const COMPRESSORS: &[&str] = &["auto", "zstd", "lz4", "zlibx", "zlib", "none"];
/// rsync's `--debug` words.
pub const DEBUG_WORDS: &[&str] = &[
    "ACL", "BACKUP", "BIND", "CHDIR", "CONNECT", "CMD", "DEL", "DELTASUM", "DUP", "EXIT", "FILTER",
    "FLIST", "FUZZY", "GENR", "HASH", "HLINK", "ICONV", "IO", "NSTR", "OWN", "PROTO", "RECV",
    "SEND", "TIME", "ALL", "NONE",
];

/// The options of this module, in rsync's `--help` order.
pub(super) const OPTIONS: &[Opt] = &[
    flag("version", Some('V'), |a, v| a.more.version = v),
    value("debug", None, |a, v| {
        for word in text(v).split(',').filter(|w| !w.is_empty()) {
            let base = word.trim_end_matches(|c: char| c.is_ascii_digit());
            let known = DEBUG_WORDS.iter().any(|w| w.eq_ignore_ascii_case(base));
            if !known && !word.eq_ignore_ascii_case("help") {
                return Err(UsageError(format!("Unknown --debug item: \"{word}\"")));
            }
            a.more.debug.push(word.to_string());
        }
        Ok(())
    }),
    value("stderr", None, |a, v| {
        let s = text(v);
        let pick = |full: &str| !s.is_empty() && full.starts_with(s.as_str());
        a.more.stderr = if pick("errors") {
            StderrMode::Errors
        } else if pick("all") {
            StderrMode::All
        } else if pick("client") {
            StderrMode::Client
        } else {
            return Err(UsageError(format!(
                "--stderr mode \"{s}\" is not one of errors, all, or client"
            )));
        };
        Ok(())
    }),
    flag("msgs2stderr", None, |a, v| {
        a.more.stderr = if v {
            StderrMode::All
        } else {
            StderrMode::Errors
        }
    }),
    flag("motd", None, |a, v| a.more.no_motd = !v),
    flag("inc-recursive", None, |a, v| a.more.inc_recursive = Some(v)),
    flag("i-r", None, |a, v| a.more.inc_recursive = Some(v)),
    flag("old-dirs", None, old_dirs),
    flag("old-d", None, old_dirs),
    flag("insecure-links", None, |a, v| a.more.insecure_links = v),
    value("confine-root", None, |a, v| {
        a.more.confine_root = Some(os(v));
        Ok(())
    }),
    flag("munge-links", None, |a, v| a.more.munge_links = v),
    flag("copy-devices", None, |a, v| a.more.copy_devices = v),
    flag("write-devices", None, |a, v| a.more.write_devices = v),
    flag("drop-D", None, |a, v| a.more.drop_d = v),
    flag("atimes", Some('U'), |a, v| {
        a.more.atimes = if v {
            a.more.atimes.saturating_add(1)
        } else {
            0
        };
        if a.more.atimes > 1 {
            a.more.open_noatime = true;
        }
    }),
    flag("open-noatime", None, |a, v| a.more.open_noatime = v),
    flag("crtimes", Some('N'), |a, v| a.more.crtimes = v),
    flag("omit-link-times", Some('J'), |a, v| {
        a.more.omit_link_times = v
    }),
    flag("super", None, |a, v| a.more.super_ = Some(v)),
    flag("fake-super", None, |a, v| a.more.fake_super = v),
    flag("preallocate", None, |a, v| a.more.preallocate = v),
    value("checksum-choice", None, checksum_choice),
    value("cc", None, checksum_choice),
    flag("one-file-system", Some('x'), |a, v| {
        a.more.one_file_system = if v {
            a.more.one_file_system.saturating_add(1)
        } else {
            0
        }
    }),
    flag("remove-source-files", None, |a, v| {
        a.more.remove_source_files = v
    }),
    flag("remove-sent-files", None, |a, v| {
        a.more.remove_source_files = v
    }),
    flag("ignore-missing-args", None, |a, v| {
        a.more.ignore_missing_args = v
    }),
    flag("delete-missing-args", None, |a, v| {
        a.more.delete_missing_args = v
    }),
    value("max-alloc", None, |a, v| {
        let rule = SizeRule {
            default_suffix: b'B',
            min: 1 << 20,
            max: None,
            zero_unlimited: true,
        };
        let n = parse_size(v, "max-alloc", rule)?;
        a.more.max_alloc = Some(n);
        Ok(())
    }),
    value("usermap", None, |a, v| {
        if a.more.usermap.is_some() {
            return Err(UsageError(if a.more.usermap_via_chown {
                "--usermap conflicts with prior --chown.".into()
            } else {
                "You can only specify --usermap once.".into()
            }));
        }
        a.more.usermap = Some(text(v));
        a.more.usermap_via_chown = false;
        a.owner = true;
        Ok(())
    }),
    value("groupmap", None, |a, v| {
        if a.more.groupmap.is_some() {
            return Err(UsageError(if a.more.groupmap_via_chown {
                "--groupmap conflicts with prior --chown.".into()
            } else {
                "You can only specify --groupmap once.".into()
            }));
        }
        a.more.groupmap = Some(text(v));
        a.more.groupmap_via_chown = false;
        a.group = true;
        Ok(())
    }),
    value("chown", None, chown),
    value("modify-window", Some('@'), |a, v| {
        a.more.modify_window = Some(int(v, "modify-window")?);
        Ok(())
    }),
    value("temp-dir", Some('T'), |a, v| {
        a.more.temp_dir = Some(os(v));
        Ok(())
    }),
    flag("fuzzy", Some('y'), |a, v| {
        a.more.fuzzy = if v { a.more.fuzzy.saturating_add(1) } else { 0 }
    }),
    value("compress-choice", None, compress_choice),
    value("zc", None, compress_choice),
    value("zl", None, |a, v| {
        let n: u32 = number(v, "compress-level")?;
        a.compress_level = Some(n);
        Ok(())
    }),
    value("compress-threads", None, compress_threads),
    value("zt", None, compress_threads),
    flag("old-compress", None, |a, v| {
        a.compress = v;
        a.more.compress_choice = v.then(|| "zlib".into())
    }),
    flag("new-compress", None, |a, v| {
        a.compress = v;
        a.more.compress_choice = v.then(|| "zlibx".into())
    }),
    flag("old-args", None, |a, v| {
        a.more.old_args = if v {
            a.more.old_args.saturating_add(1)
        } else {
            0
        }
    }),
    flag("secluded-args", Some('s'), |a, v| {
        a.more.secluded_args = Some(v)
    }),
    flag("protect-args", None, |a, v| a.more.secluded_args = Some(v)),
    flag("trust-sender", None, |a, v| a.more.trust_sender = v),
    value("copy-as", None, |a, v| {
        a.more.copy_as = Some(text(v));
        Ok(())
    }),
    value("address", None, |a, v| {
        a.more.address = Some(text(v));
        Ok(())
    }),
    value("sockopts", None, |a, v| {
        a.more.sockopts = Some(text(v));
        Ok(())
    }),
    flag("blocking-io", None, |a, v| a.more.blocking_io = Some(v)),
    value("outbuf", None, |a, v| {
        let c = v.first().map(|b| b.to_ascii_uppercase() as char);
        match c {
            Some(c @ ('N' | 'U' | 'L' | 'B' | 'F')) => {
                a.more.outbuf = Some(c);
                Ok(())
            }
            _ => Err(UsageError(
                "Invalid --outbuf setting -- specify N, L, or B.".into(),
            )),
        }
    }),
    flag("8-bit-output", Some('8'), |a, v| a.more.eight_bit = v),
    value("remote-option", Some('M'), |a, v| {
        let s = text(v);
        if !s.starts_with('-') {
            return Err(UsageError(format!(
                "Remote option must start with a dash: {s}"
            )));
        }
        a.more.remote_options.push(s);
        Ok(())
    }),
    value("early-input", None, |a, v| {
        a.more.early_input = Some(os(v));
        Ok(())
    }),
    flag("list-only", None, |a, v| a.more.list_only = v),
    value("stop-after", None, |a, v| {
        let s = text(v);
        let mins = atol(&s);
        if mins <= 0 || mins > i64::MAX / 60 {
            return Err(UsageError(format!("invalid --stop-after value: {s}")));
        }
        let secs = u64::try_from(mins * 60).unwrap_or(u64::MAX);
        a.more.stop_at =
            std::time::SystemTime::now().checked_add(std::time::Duration::from_secs(secs));
        if a.more.stop_at.is_none() {
            return Err(UsageError(format!("invalid --stop-after value: {s}")));
        }
        Ok(())
    }),
    value("time-limit", None, |a, v| {
        let s = text(v);
        let mins = atol(&s);
        if mins <= 0 || mins > i64::MAX / 60 {
            return Err(UsageError(format!("invalid --stop-after value: {s}")));
        }
        a.more.stop_at = std::time::SystemTime::now()
            .checked_add(std::time::Duration::from_secs(mins as u64 * 60));
        Ok(())
    }),
    value("stop-at", None, |a, v| {
        let s = text(v);
        let t = super::stopat::parse_time(&s)
            .ok_or_else(|| UsageError(format!("invalid --stop-at format: {s}")))?;
        if t <= std::time::SystemTime::now() {
            return Err(UsageError(format!(
                "--stop-at time is not in the future: {s}"
            )));
        }
        a.more.stop_at = Some(t);
        Ok(())
    }),
    flag("fsync", None, |a, v| a.more.fsync = v),
    value("write-batch", None, |a, v| {
        a.more.write_batch = Some(os(v));
        a.more.only_write_batch = false;
        Ok(())
    }),
    value("only-write-batch", None, |a, v| {
        a.more.write_batch = Some(os(v));
        a.more.only_write_batch = true;
        Ok(())
    }),
    value("read-batch", None, |a, v| {
        a.more.read_batch = Some(os(v));
        Ok(())
    }),
    value("protocol", None, |a, v| {
        a.more.protocol = Some(number(v, "protocol")?);
        Ok(())
    }),
    value("iconv", None, |a, v| {
        a.more.iconv = Some(text(v));
        Ok(())
    }),
    value("checksum-seed", None, |a, v| {
        // rsync takes atoi's value: a bad number is 0 (the time).
        a.more.checksum_seed = Some(atol(&text(v)) as u32);
        Ok(())
    }),
    flag("ipv4", Some('4'), |a, v| a.more.ipv = v.then_some(4)),
    flag("ipv6", Some('6'), |a, v| a.more.ipv = v.then_some(6)),
    flag("qsort", None, |a, v| a.more.qsort = v),
    flag("i-d", None, |a, v| a.implied_dirs = v),
];

/// Value options that `--no-NAME` resets (rsync's popt aliases).
pub(super) fn negate_value(a: &mut SyncArgs, name: &str) -> bool {
    match name {
        "iconv" => a.more.iconv = None,
        "bwlimit" => a.bwlimit = None,
        "timeout" => a.timeout = None,
        "contimeout" => a.contimeout = None,
        _ => return false,
    }
    true
}

/// `--old-dirs`: rsync's xfer_dirs 4, a recursion (the filter that
/// keeps it one level deep is added once all options are read).
fn old_dirs(a: &mut SyncArgs, v: bool) {
    a.more.old_dirs = v;
    if v {
        a.recursive = true;
        a.dirs = true;
    }
}

fn checksum_choice(a: &mut SyncArgs, v: &[u8]) -> Result<(), UsageError> {
    a.more.checksum_choice = Some(text(v));
    Ok(())
}

fn compress_choice(a: &mut SyncArgs, v: &[u8]) -> Result<(), UsageError> {
    a.more.compress_choice = Some(text(v));
    Ok(())
}

fn compress_threads(a: &mut SyncArgs, v: &[u8]) -> Result<(), UsageError> {
    a.more.compress_threads = Some(number(v, "compress-threads")?);
    Ok(())
}

fn chown(a: &mut SyncArgs, v: &[u8]) -> Result<(), UsageError> {
    let s = text(v);
    let (user, group) = match s.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (s.as_str(), None),
    };
    if !user.is_empty() {
        if a.more.usermap.is_some() {
            return Err(UsageError(if a.more.usermap_via_chown {
                "You can only specify a user-affecting --chown once.".into()
            } else {
                "--chown conflicts with prior --usermap.".into()
            }));
        }
        a.more.usermap = Some(format!("*:{user}"));
        a.more.usermap_via_chown = true;
        a.owner = true;
    }
    if let Some(g) = group.filter(|g| !g.is_empty()) {
        if a.more.groupmap.is_some() {
            return Err(UsageError(if a.more.groupmap_via_chown {
                "You can only specify a group-affecting --chown once.".into()
            } else {
                "--chown conflicts with prior --groupmap.".into()
            }));
        }
        a.more.groupmap = Some(format!("*:{g}"));
        a.more.groupmap_via_chown = true;
        a.group = true;
    }
    Ok(())
}

/// C's `atol`: leading blanks, a sign, digits; 0 where there are none.
fn atol(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: i64 = digits[..end]
        .parse()
        .unwrap_or(if end > 0 { i64::MAX } else { 0 });
    if neg {
        -n
    } else {
        n
    }
}

/// popt's integer: the whole value a number.
fn int(v: &[u8], what: &str) -> Result<i64, UsageError> {
    let s = text(v);
    s.trim()
        .parse()
        .map_err(|_| UsageError(format!("--{what}: invalid numeric value: {s}")))
}

impl SyncArgs {
    /// What off Linux this wsync cannot do, in the words of an rsync built
    /// without it (options.c, compat.c): extended attributes and ACLs (the
    /// calls are Linux's: xattr_calls.rs), and preallocation (rsync needs
    /// FALLOC_FL_KEEP_SIZE, or a cheap posix_fallocate, for it).
    pub(super) fn unsupported_here(&self, linux: bool) -> Option<&'static str> {
        match () {
            _ if linux => None,
            _ if self.xattrs > 0 => Some("extended attributes are not supported on this client"),
            _ if self.acls => Some("ACLs are not supported on this client"),
            _ if self.more.fake_super => {
                Some("--fake-super requires a wsync with extended attributes enabled")
            }
            _ if self.more.preallocate => Some("preallocation is not supported on this Client"),
            _ => None,
        }
    }

    /// rsync's checks of these options (parse_arguments and the run's
    /// start), after all options were read.
    pub(super) fn check_more(&mut self) -> Result<(), UsageError> {
        if let Some(why) = self.unsupported_here(cfg!(target_os = "linux")) {
            return Err(UsageError(why.into()));
        }
        let m = &mut self.more;
        if m.crtimes {
            // rsync 3.5.0 as built here ("no crtimes" in its -V).
            return Err(UsageError(
                "This wsync does not support --crtimes (-N)".into(),
            ));
        }
        if m.old_dirs {
            // rsync: like --dirs when talking to an old rsync: a
            // recursion that excludes everything two levels down.
            self.filters
                .push(crate::filter::FilterArg::Filter(b"- /*/*".to_vec()));
            self.recursive = true;
            self.dirs = true;
        }
        if m.write_devices {
            self.inplace = true;
        }
        if m.delete_missing_args {
            m.ignore_missing_args = true;
        }
        if (m.read_batch.is_some() || m.write_batch.is_some()) && (self.xattrs > 0 || self.acls) {
            return Err(UsageError(
                "wsync's batch files carry no xattrs or ACLs: -X and -A cannot be used with a batch"
                    .into(),
            ));
        }
        if let Some(root) = &m.confine_root {
            use std::os::unix::ffi::OsStrExt;
            if !root.as_bytes().starts_with(b"/") {
                return Err(UsageError("--confine-root must be an absolute path".into()));
            }
            if m.insecure_links {
                return Err(UsageError(
                    "--insecure-links cannot be combined with --confine-root".into(),
                ));
            }
        }
        if m.read_batch.is_some() && m.write_batch.is_some() {
            return Err(UsageError(
                "--write-batch and --read-batch can not be used together".into(),
            ));
        }
        if let Some(p) = m.protocol {
            if p > 32 {
                return Err(UsageError(format!(
                    "--protocol must be no more than 32 on the Client. ({p})"
                )));
            }
        }
        Ok(())
    }
}
