//! rsync-style option parsing for `wsync sync`, by hand: combined short
//! options (`-avz`, `-rnC`), attached or separate values (`-f- x`,
//! `--exclude=x`, `--exclude x`, `-B1024`), `--no-OPTION`, and filter
//! options kept in command-line order (rsync's rule list is
//! order-sensitive). Options wsync does not implement are refused, never
//! ignored.

use crate::filter::FilterArg;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

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
#[derive(Debug, Default)]
pub struct SyncArgs {
    pub recursive: bool,
    /// `-r` given itself (not implied by `-a`): `--files-from` needs it.
    pub r_explicit: bool,
    pub dirs: bool,
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
    pub progress: bool,
    pub progress2: bool,
    pub ignore_errors: bool,
    pub filters: Vec<FilterArg>,
    pub paths: Vec<OsString>,
    pub help: bool,
}

/// A usage error: the message rsync would print, exit status 1.
#[derive(Debug)]
pub struct UsageError(pub String);

type Setter = fn(&mut SyncArgs, bool);
type ValueSetter = fn(&mut SyncArgs, &[u8]) -> Result<(), UsageError>;

#[derive(Clone, Copy)]
enum Takes {
    Flag(Setter),
    Value(ValueSetter),
}

struct Opt {
    long: &'static str,
    short: Option<char>,
    takes: Takes,
}

const fn flag(long: &'static str, short: Option<char>, f: Setter) -> Opt {
    Opt {
        long,
        short,
        takes: Takes::Flag(f),
    }
}

const fn value(long: &'static str, short: Option<char>, f: ValueSetter) -> Opt {
    Opt {
        long,
        short,
        takes: Takes::Value(f),
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// rsync's size suffixes: `K`, `M`, `G` (1024-based; `KB` etc. 1000-based),
/// a fraction allowed, `+1`/`-1` adjusting by one byte.
pub fn parse_size(v: &[u8], what: &str) -> Result<u64, UsageError> {
    let s = text(v);
    let bad = || UsageError(format!("--{what}={s}: invalid size"));
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let num: f64 = s[..num_end].parse().map_err(|_| bad())?;
    let mut rest = &s[num_end..];
    let mut adjust = 0i64;
    for (suf, d) in [("+1", 1), ("-1", -1)] {
        if let Some(r) = rest.strip_suffix(suf) {
            rest = r;
            adjust = d;
        }
    }
    let mult: f64 = match rest.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024f64.powi(4),
        "kb" => 1000.0,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return Err(bad()),
    };
    let n = (num * mult) as i64 + adjust;
    u64::try_from(n).map_err(|_| bad())
}

fn number<T: std::str::FromStr>(v: &[u8], what: &str) -> Result<T, UsageError> {
    text(v)
        .parse()
        .map_err(|_| UsageError(format!("--{what}={}: invalid number", text(v))))
}

/// The options wsync knows. rsync options not listed here are refused:
/// as "not supported" when rsync has them, as unknown otherwise.
const OPTIONS: &[Opt] = &[
    flag("recursive", Some('r'), |a, v| {
        a.recursive = v;
        a.r_explicit = v
    }),
    flag("dirs", Some('d'), |a, v| a.dirs = v),
    flag("links", Some('l'), |a, v| a.links = v),
    flag("copy-links", Some('L'), |a, v| a.copy_links = v),
    flag("copy-dirlinks", Some('k'), |a, v| a.copy_dirlinks = v),
    flag("copy-unsafe-links", None, |a, v| a.copy_unsafe_links = v),
    flag("safe-links", None, |a, v| a.safe_links = v),
    flag("perms", Some('p'), |a, v| a.perms = v),
    flag("executability", Some('E'), |a, v| a.executability = v),
    flag("owner", Some('o'), |a, v| a.owner = v),
    flag("group", Some('g'), |a, v| a.group = v),
    flag("times", Some('t'), |a, v| a.times = v),
    flag("omit-dir-times", Some('O'), |a, v| a.omit_dir_times = v),
    flag("devices", None, |a, v| a.devices = v),
    flag("specials", None, |a, v| a.specials = v),
    flag("", Some('D'), |a, v| {
        a.devices = v;
        a.specials = v
    }),
    flag("archive", Some('a'), |a, v| {
        if v {
            a.recursive = true;
            a.links = true;
            a.perms = true;
            a.times = true;
            a.group = true;
            a.owner = true;
            a.devices = true;
            a.specials = true;
        }
    }),
    flag("numeric-ids", None, |a, v| a.numeric_ids = v),
    flag("hard-links", Some('H'), |a, v| a.hard_links = v),
    flag("sparse", Some('S'), |a, v| a.sparse = v),
    flag("dry-run", Some('n'), |a, v| a.dry_run = v),
    flag("update", Some('u'), |a, v| a.update = v),
    flag("checksum", Some('c'), |a, v| a.checksum = v),
    flag("ignore-existing", None, |a, v| a.ignore_existing = v),
    flag("existing", None, |a, v| a.existing = v),
    flag("ignore-non-existing", None, |a, v| a.existing = v),
    flag("size-only", None, |a, v| a.size_only = v),
    flag("ignore-times", Some('I'), |a, v| a.ignore_times = v),
    flag("whole-file", Some('W'), |a, v| a.whole_file = Some(v)),
    value("block-size", Some('B'), |a, v| {
        let n = parse_size(v, "block-size")?;
        if n == 0 || n > 128 << 10 {
            return Err(UsageError(format!(
                "--block-size={} is too large (max: 131072)",
                text(v)
            )));
        }
        a.block_size = Some(n as u32);
        Ok(())
    }),
    flag("inplace", None, |a, v| a.inplace = v),
    flag("append", None, |a, v| a.append = u8::from(v)),
    flag("append-verify", None, |a, v| {
        a.append = if v { 2 } else { 0 }
    }),
    flag("partial", None, |a, v| a.partial = v),
    value("partial-dir", None, |a, v| {
        a.partial_dir = Some(OsString::from_vec(v.to_vec()));
        a.partial = true;
        Ok(())
    }),
    flag("delay-updates", None, |a, v| a.delay_updates = v),
    flag("", Some('P'), |a, v| {
        a.partial = v;
        a.progress = v
    }),
    flag("backup", Some('b'), |a, v| a.backup = v),
    value("backup-dir", None, |a, v| {
        a.backup_dir = Some(OsString::from_vec(v.to_vec()));
        a.backup = true;
        Ok(())
    }),
    value("suffix", None, |a, v| {
        a.suffix = Some(OsString::from_vec(v.to_vec()));
        Ok(())
    }),
    value("link-dest", None, |a, v| alt_dest(a, AltDest::Link, v)),
    value("compare-dest", None, |a, v| {
        alt_dest(a, AltDest::Compare, v)
    }),
    value("copy-dest", None, |a, v| alt_dest(a, AltDest::Copy, v)),
    flag("delete-excluded", None, |a, v| a.delete_excluded = v),
    flag("force", None, |a, v| a.force = v),
    flag("ignore-errors", None, |a, v| a.ignore_errors = v),
    value("max-delete", None, |a, v| {
        a.max_delete = Some(number(v, "max-delete")?);
        Ok(())
    }),
    value("max-size", None, |a, v| {
        a.max_size = Some(parse_size(v, "max-size")?);
        Ok(())
    }),
    value("min-size", None, |a, v| {
        a.min_size = Some(parse_size(v, "min-size")?);
        Ok(())
    }),
    flag("prune-empty-dirs", Some('m'), |a, v| a.prune_empty_dirs = v),
    flag("relative", Some('R'), |a, v| a.relative = v),
    flag("implied-dirs", None, |a, v| a.implied_dirs = v),
    value("files-from", None, |a, v| {
        a.files_from = Some(OsString::from_vec(v.to_vec()));
        Ok(())
    }),
    flag("from0", Some('0'), |a, v| a.from0 = v),
    flag("mkpath", None, |a, v| a.mkpath = v),
    flag("compress", Some('z'), |a, v| a.compress = v),
    value("compress-level", None, |a, v| {
        let n: u32 = number(v, "compress-level")?;
        if n > 9 {
            return Err(UsageError(format!("--compress-level={n}: must be 0 to 9")));
        }
        a.compress_level = Some(n);
        Ok(())
    }),
    value("skip-compress", None, |a, v| {
        a.skip_compress = Some(text(v));
        Ok(())
    }),
    value("bwlimit", None, |a, v| {
        // rsync: a plain number is KiB per second.
        let s = text(v);
        let plain = s.chars().all(|c| c.is_ascii_digit() || c == '.');
        let n = if plain {
            parse_size(format!("{s}K").as_bytes(), "bwlimit")?
        } else {
            parse_size(v, "bwlimit")?
        };
        a.bwlimit = (n > 0).then_some(n);
        Ok(())
    }),
    flag("verbose", Some('v'), |a, v| {
        a.verbose = if v { a.verbose + 1 } else { 0 }
    }),
    flag("quiet", Some('q'), |a, v| a.quiet = v),
    flag("itemize-changes", Some('i'), |a, v| {
        a.itemize = if v { a.itemize + 1 } else { 0 }
    }),
    value("out-format", None, |a, v| {
        a.out_format = Some(text(v));
        Ok(())
    }),
    value("log-format", None, |a, v| {
        a.out_format = Some(text(v));
        Ok(())
    }),
    value("log-file", None, |a, v| {
        a.log_file = Some(OsString::from_vec(v.to_vec()));
        Ok(())
    }),
    value("log-file-format", None, |a, v| {
        a.log_file_format = Some(text(v));
        Ok(())
    }),
    flag("stats", None, |a, v| a.stats = v),
    flag("human-readable", Some('h'), |a, v| {
        a.human = if v { a.human + 1 } else { 0 }
    }),
    flag("progress", None, |a, v| a.progress = v),
    value("info", None, |a, v| {
        for word in text(v).split(',') {
            match word {
                "progress2" => a.progress2 = true,
                "progress1" | "progress" => a.progress = true,
                "progress0" | "noprogress" => {
                    a.progress = false;
                    a.progress2 = false
                }
                "stats" | "stats1" | "stats2" | "stats3" => a.stats = true,
                "name" | "name1" | "name2" => a.verbose = a.verbose.max(1),
                "" => {}
                w => {
                    return Err(UsageError(format!(
                        "--info={w}: not supported by wsync sync yet"
                    )))
                }
            }
        }
        Ok(())
    }),
    flag("help", None, |a, v| a.help = v),
    flag("cvs-exclude", Some('C'), |a, v| {
        if v {
            a.filters.push(FilterArg::CvsExclude)
        } else {
            a.filters.retain(|f| *f != FilterArg::CvsExclude)
        }
    }),
    flag("", Some('F'), |a, v| {
        if v {
            a.filters.push(FilterArg::RsyncFilter)
        }
    }),
    value("filter", Some('f'), |a, v| {
        a.filters.push(FilterArg::Filter(v.to_vec()));
        Ok(())
    }),
    value("include", None, |a, v| {
        a.filters.push(FilterArg::Include(v.to_vec()));
        Ok(())
    }),
    value("exclude", None, |a, v| {
        a.filters.push(FilterArg::Exclude(v.to_vec()));
        Ok(())
    }),
    value("include-from", None, |a, v| {
        a.filters.push(FilterArg::IncludeFrom(v.to_vec()));
        Ok(())
    }),
    value("exclude-from", None, |a, v| {
        a.filters.push(FilterArg::ExcludeFrom(v.to_vec()));
        Ok(())
    }),
];

fn alt_dest(a: &mut SyncArgs, kind: AltDest, v: &[u8]) -> Result<(), UsageError> {
    if a.alt_dest.is_some_and(|k| k != kind) {
        return Err(UsageError(
            "You may not mix --compare-dest, --copy-dest, and --link-dest.".into(),
        ));
    }
    if a.alt_dirs.len() >= 20 {
        return Err(UsageError(
            "You may not specify more than 20 basis dirs".into(),
        ));
    }
    a.alt_dest = Some(kind);
    a.alt_dirs.push(OsString::from_vec(v.to_vec()));
    Ok(())
}

/// The `--delete-WHEN` family, counted to refuse combinations as rsync.
const DELETES: &[(&str, Option<DeleteWhen>)] = &[
    ("delete", None),
    ("del", Some(DeleteWhen::During)),
    ("delete-before", Some(DeleteWhen::Before)),
    ("delete-during", Some(DeleteWhen::During)),
    ("delete-delay", Some(DeleteWhen::Delay)),
    ("delete-after", Some(DeleteWhen::After)),
];

/// rsync options wsync does not implement: refused with a clear message
/// rather than as unknown (and never silently ignored).
const NOT_YET: &[&str] = &[
    "acls",
    "xattrs",
    "munge-links",
    "keep-dirlinks",
    "one-file-system",
    "rsh",
    "rsync-path",
    "fuzzy",
    "temp-dir",
    "compare-dest-unused",
    "remove-source-files",
    "chmod",
    "chown",
    "usermap",
    "groupmap",
    "fake-super",
    "super",
    "atimes",
    "crtimes",
    "open-noatime",
    "omit-link-times",
    "write-devices",
    "copy-devices",
    "preallocate",
    "timeout",
    "contimeout",
    "modify-window",
    "list-only",
    "write-batch",
    "read-batch",
    "only-write-batch",
    "address",
    "port",
    "sockopts",
    "blocking-io",
    "outbuf",
    "8-bit-output",
    "checksum-choice",
    "checksum-seed",
    "compress-choice",
    "iconv",
    "protect-args",
    "secluded-args",
    "trust-sender",
    "ipv4",
    "ipv6",
    "version",
    "debug",
    "msgs2stderr",
    "stop-after",
    "stop-at",
    "max-alloc",
    "password-file",
    "early-input",
    "daemon",
    "config",
    "dparam",
    "no-motd",
    "delete-missing-args",
    "ignore-missing-args",
    "existing-only",
    "old-dirs",
    "old-args",
    "numeric-only",
    "copy-as",
    "log-file-format-only",
];
const NOT_YET_SHORT: &str = "AXkKxeyTsUNM468";

fn not_supported(name: &str) -> UsageError {
    UsageError(format!("{name}: not supported by wsync sync yet"))
}

fn find_long(name: &str) -> Option<&'static Opt> {
    OPTIONS
        .iter()
        .find(|o| !o.long.is_empty() && o.long == name)
}

impl SyncArgs {
    /// Parses the arguments after `sync`.
    pub fn parse(args: &[OsString]) -> Result<SyncArgs, UsageError> {
        let mut a = SyncArgs {
            implied_dirs: true,
            ..Default::default()
        };
        if args.len() == 1 && args[0] == "-h" {
            a.help = true;
            return Ok(a);
        }
        let mut delete_count = 0u8;
        let mut delete_set = false;
        let mut i = 0;
        let mut only_paths = false;
        while i < args.len() {
            let arg = args[i].as_bytes();
            i += 1;
            if only_paths || arg == b"-" || !arg.starts_with(b"-") {
                a.paths.push(OsString::from_vec(arg.to_vec()));
                continue;
            }
            if arg == b"--" {
                only_paths = true;
                continue;
            }
            if let Some(long) = arg.strip_prefix(b"--") {
                let (name, inline) = match long.iter().position(|&b| b == b'=') {
                    Some(p) => (&long[..p], Some(long[p + 1..].to_vec())),
                    None => (long, None),
                };
                let name = text(name);
                let unknown = || UsageError(format!("--{name}: unknown option"));
                if let Some((_, when)) = DELETES.iter().find(|(n, _)| *n == name) {
                    if inline.is_some() {
                        return Err(UsageError(format!(
                            "--{name}: option does not take an argument"
                        )));
                    }
                    delete_set = true;
                    if when.is_some() {
                        delete_count += 1;
                    }
                    a.delete = when.or(a.delete);
                    continue;
                }
                if let Some(neg) = name.strip_prefix("no-") {
                    // --no-OPTION turns a flag off (rsync's popt aliases).
                    let opt = find_long(neg).or_else(|| {
                        let mut cs = neg.chars();
                        match (cs.next(), cs.next()) {
                            (Some(c), None) => OPTIONS.iter().find(|o| o.short == Some(c)),
                            _ => None,
                        }
                    });
                    match opt.map(|o| o.takes) {
                        Some(Takes::Flag(f)) if inline.is_none() => f(&mut a, false),
                        Some(Takes::Value(_)) if neg == "info" => {}
                        _ if neg == "delete" || neg == "del" => {
                            a.delete = None;
                            delete_set = false;
                            delete_count = 0;
                        }
                        _ if NOT_YET.contains(&neg) => {}
                        _ if neg == "implied-dirs" => a.implied_dirs = false,
                        _ => return Err(unknown()),
                    }
                    continue;
                }
                if NOT_YET.contains(&name.as_str()) {
                    return Err(not_supported(&format!("--{name}")));
                }
                let opt = find_long(&name).ok_or_else(unknown)?;
                match opt.takes {
                    Takes::Flag(f) => {
                        if inline.is_some() {
                            return Err(UsageError(format!(
                                "--{name}: option does not take an argument"
                            )));
                        }
                        f(&mut a, true)
                    }
                    Takes::Value(f) => {
                        let v = match inline {
                            Some(v) => v,
                            None => {
                                let v = args.get(i).ok_or_else(|| {
                                    UsageError(format!("--{name}: missing argument"))
                                })?;
                                i += 1;
                                v.as_bytes().to_vec()
                            }
                        };
                        f(&mut a, &v)?
                    }
                }
                continue;
            }
            // Short options, possibly combined; a value option takes the
            // rest of the word, or the next argument.
            let mut j = 1;
            while j < arg.len() {
                let c = arg[j] as char;
                j += 1;
                let Some(opt) = OPTIONS.iter().find(|o| o.short == Some(c)) else {
                    if NOT_YET_SHORT.contains(c) {
                        return Err(not_supported(&format!("-{c}")));
                    }
                    return Err(UsageError(format!("-{c}: unknown option")));
                };
                match opt.takes {
                    Takes::Flag(f) => f(&mut a, true),
                    Takes::Value(f) => {
                        let v = if j < arg.len() {
                            let v = arg[j..].to_vec();
                            j = arg.len();
                            v
                        } else {
                            let v = args
                                .get(i)
                                .ok_or_else(|| UsageError(format!("-{c}: missing argument")))?;
                            i += 1;
                            v.as_bytes().to_vec()
                        };
                        f(&mut a, &v)?
                    }
                }
            }
        }
        if delete_count > 1 {
            return Err(UsageError(
                "You may not combine multiple --delete-WHEN options.".into(),
            ));
        }
        if (delete_set || a.delete_excluded) && a.delete.is_none() {
            // rsync: a plain --delete (or --delete-excluded) deletes during
            // the transfer (protocol 30 and later).
            a.delete = Some(DeleteWhen::During);
        }
        a.check()?;
        Ok(a)
    }

    /// rsync's combination rules (options.c).
    fn check(&mut self) -> Result<(), UsageError> {
        if self.delete.is_some() && !self.recursive && !self.dirs && !self.help {
            return Err(UsageError(
                "--delete does not work without --recursive (-r) or --dirs (-d).".into(),
            ));
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
        if self.files_from.is_some() {
            self.relative = true;
            // -a does not imply -r with --files-from; an explicit -r does.
            self.recursive = self.r_explicit;
            self.dirs = true;
        }
        if self.relative && !self.implied_dirs {
            return Err(not_supported("--no-implied-dirs"));
        }
        if let Some(s) = &self.suffix {
            if s.as_bytes().contains(&b'/') {
                return Err(UsageError(
                    "--suffix cannot contain slashes: ".to_string() + &text(s.as_bytes()),
                ));
            }
        }
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

/// The usage text of `wsync sync`.
pub const USAGE: &str = "\
Usage: wsync sync [OPTIONS] SRC... DEST

Local transfers as rsync does them, with rsync's options, output and exit
codes (SRC/ copies the directory's contents, SRC the directory itself).

Options (as rsync's):
 -v, --verbose               increase verbosity
 -q, --quiet                 suppress non-error messages
 -i, --itemize-changes       output a change-summary for all updates
     --out-format=FORMAT     output updates using the specified FORMAT
     --log-file=FILE         log what we're doing to the specified FILE
     --log-file-format=FMT   log updates using the specified FMT
     --stats                 give some file-transfer stats
 -h, --human-readable        output numbers in a human-readable format
     --progress, -P          show progress during transfer (-P: +--partial)
     --info=progress2        show the whole transfer's progress
 -a, --archive               archive mode (-rlptgoD)
 -r, --recursive             recurse into directories
 -d, --dirs                  transfer directories without recursing
 -R, --relative              use relative path names
     --files-from=FILE       read list of source-file names from FILE (-0)
     --mkpath                create destination's missing path components
 -l, --links                 copy symlinks as symlinks
 -L, --copy-links            transform symlink into referent file/dir
     --copy-unsafe-links     only unsafe symlinks are transformed
     --safe-links            ignore symlinks that point outside the tree
 -k, --copy-dirlinks         transform symlink to dir into referent dir
 -H, --hard-links            preserve hard links
 -p, --perms                 preserve permissions (-E: executability)
 -o, --owner                 preserve owner (super-user only)
 -g, --group                 preserve group
 -t, --times                 preserve modification times (-O: not dirs')
 -D                          same as --devices --specials
     --numeric-ids           don't map uid/gid values by user/group name
 -S, --sparse                turn sequences of nulls into sparse blocks
 -n, --dry-run               perform a trial run with no changes made
 -u, --update                skip files that are newer on the receiver
 -c, --checksum              skip based on checksum, not mod-time & size
     --size-only             skip files that match in size
 -I, --ignore-times          don't skip files that match size and time
     --existing              skip creating new files on receiver
     --ignore-existing       skip updating files that exist on receiver
     --max-size=SIZE, --min-size=SIZE   don't transfer larger/smaller files
 -W, --whole-file            copy files whole (the local default)
     --no-whole-file         delta-transfer against the destination file
 -B, --block-size=SIZE       force a fixed checksum block-size
     --inplace               update destination files in-place
     --append, --append-verify   append data onto shorter files
     --partial, --partial-dir=DIR   keep partially transferred files
     --delay-updates         put all updated files into place at end
 -b, --backup, --backup-dir=DIR, --suffix=SUFFIX   make backups
     --link-dest=DIR, --compare-dest=DIR, --copy-dest=DIR
     --delete, --del, --delete-before/-during/-delay/-after
     --delete-excluded, --ignore-errors, --force, --max-delete=NUM
 -m, --prune-empty-dirs      prune empty directory chains from file-list
 -z, --compress, --compress-level=N, --skip-compress=LIST (local: no effect)
     --bwlimit=RATE          limit I/O bandwidth; KiB per second
 -f, --filter=RULE, -F, --exclude, --exclude-from, --include, --include-from
 -C, --cvs-exclude           auto-ignore files in the same way CVS does
     --no-OPTION             turn off an implied OPTION (e.g. --no-D)
     --help                  show this help (-h alone too)

Not supported yet (refused): -A, -X, -K, -x, --chmod, --fuzzy, --temp-dir,
--remove-source-files and remote transfers.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<SyncArgs, UsageError> {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        SyncArgs::parse(&v)
    }

    #[test]
    fn rsync_style_options() {
        let a = parse(&[
            "-rnC",
            "-f- x",
            "-f",
            "+ y",
            "--exclude",
            "z",
            "--include=w",
            "-FF",
            "a/",
            "b/",
        ])
        .unwrap();
        assert!(a.recursive && a.dry_run);
        assert_eq!(
            a.filters,
            vec![
                FilterArg::CvsExclude,
                FilterArg::Filter(b"- x".to_vec()),
                FilterArg::Filter(b"+ y".to_vec()),
                FilterArg::Exclude(b"z".to_vec()),
                FilterArg::Include(b"w".to_vec()),
                FilterArg::RsyncFilter,
                FilterArg::RsyncFilter,
            ]
        );
        assert_eq!(a.paths.len(), 2);
        let a = parse(&["-r", "--no-r", "--no-recursive", "-n", "--out-format=%n"]).unwrap();
        assert!(!a.recursive);
        assert_eq!(a.out_format.as_deref(), Some("%n"));
        let d = |args: &[&str]| parse(args).unwrap().delete;
        assert_eq!(d(&["-r", "--delete"]), Some(DeleteWhen::During));
        assert_eq!(d(&["-r", "--delete-excluded"]), Some(DeleteWhen::During));
        assert_eq!(
            d(&["-r", "--delete", "--delete-after"]),
            Some(DeleteWhen::After)
        );
        assert_eq!(d(&["-r", "--del", "--no-delete"]), None);
        assert_eq!(
            parse(&["--", "-x"]).unwrap().paths,
            vec![OsString::from("-x")]
        );
        let a = parse(&["-avzhP", "--no-o", "--no-D", "-B1024", "--max-size=1.5K"]).unwrap();
        assert!(a.recursive && a.links && a.perms && a.times && a.group);
        assert!(!a.owner && !a.devices && !a.specials);
        assert!(a.compress && a.partial && a.progress);
        assert_eq!((a.verbose, a.human), (1, 1));
        assert_eq!(a.block_size, Some(1024));
        assert_eq!(a.max_size, Some(1536));
        assert!(parse(&["-h"]).unwrap().help);
        assert_eq!(parse(&["--bwlimit=100"]).unwrap().bwlimit, Some(102400));
        assert!(parse(&["--append"]).unwrap().inplace);
    }

    #[test]
    fn usage_errors() {
        let cases: &[(&[&str], &str)] = &[
            (&["--bogus"], "--bogus: unknown option"),
            (&["-rQ"], "-Q: unknown option"),
            (&["-A"], "-A: not supported by wsync sync yet"),
            (&["--xattrs"], "--xattrs: not supported"),
            (
                &["-r", "--delete-before", "--delete-after"],
                "You may not combine multiple --delete-WHEN options.",
            ),
            (&["--delete"], "--delete does not work without"),
            (&["--exclude"], "--exclude: missing argument"),
            (&["-f"], "-f: missing argument"),
            (&["--recursive=1"], "does not take an argument"),
            (&["--link-dest=a", "--copy-dest=b"], "You may not mix"),
            (&["--inplace", "--delay-updates"], "cannot be combined"),
            (&["--max-size=lots"], "invalid size"),
            (&["--info=flist2"], "not supported"),
        ];
        for (args, want) in cases {
            match parse(args) {
                Err(UsageError(m)) => assert!(m.contains(want), "{args:?}: {m}"),
                Ok(_) => panic!("{args:?} parsed"),
            }
        }
    }
}
