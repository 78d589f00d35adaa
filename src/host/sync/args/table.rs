//! The option table: every option wsync knows, with its short form and
//! what it sets, and the rsync options refused as not supported yet.

use super::values::{number, parse_size, text};
use super::{AltDest, DeleteWhen, SyncArgs, UsageError};
use crate::filter::FilterArg;
use crate::host::text::num::SizeRule;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

pub(super) type Setter = fn(&mut SyncArgs, bool);
pub(super) type ValueSetter = fn(&mut SyncArgs, &[u8]) -> Result<(), UsageError>;

#[derive(Clone, Copy)]
pub(super) enum Takes {
    Flag(Setter),
    Value(ValueSetter),
}

pub(super) struct Opt {
    pub(super) long: &'static str,
    pub(super) short: Option<char>,
    pub(super) takes: Takes,
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

/// The options wsync knows. rsync options not listed here are refused:
/// as "not supported" when rsync has them, as unknown otherwise.
pub(super) const OPTIONS: &[Opt] = &[
    flag("recursive", Some('r'), |a, v| {
        a.recursive = v;
        a.r_explicit = v
    }),
    flag("dirs", Some('d'), |a, v| {
        a.dirs = v;
        a.no_dirs = !v;
    }),
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
    flag("keep-dirlinks", Some('K'), |a, v| a.keep_dirlinks = v),
    value("chmod", None, |a, v| a.add_chmod(&text(v))),
    flag("xattrs", Some('X'), |a, v| {
        a.xattrs = if v { a.xattrs.saturating_add(1) } else { 0 }
    }),
    flag("acls", Some('A'), |a, v| {
        a.acls = v;
        if v {
            a.perms = true
        }
    }),
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
        let rule = SizeRule {
            max: Some(128 << 10),
            ..SizeRule::BYTES
        };
        // 0: the default, as when the option is not given.
        let n = parse_size(v, "block-size", rule)?;
        if n == 0 {
            a.block_size = None;
            return Ok(());
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
        a.max_size = Some(parse_size(v, "max-size", SizeRule::BYTES)?);
        Ok(())
    }),
    value("min-size", None, |a, v| {
        a.min_size = Some(parse_size(v, "min-size", SizeRule::BYTES)?);
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
        // rsync: a plain number is KiB per second; at least 512 bytes.
        let rule = SizeRule {
            default_suffix: b'K',
            min: 512,
            max: None,
            zero_unlimited: true,
        };
        let n = parse_size(v, "bwlimit", rule)?;
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
        let words = text(v);
        for word in words.split(',') {
            if word.eq_ignore_ascii_case("help") {
                // rsync prints its list there and stops (preflight.rs).
                a.more.info.push(word.to_string());
                return Ok(());
            }
            a.info.parse(word, super::info::USER)?;
            // What the remote transfers read of it.
            match word.to_ascii_lowercase().as_str() {
                "progress2" => a.progress2 = true,
                "progress0" | "noprogress" | "none" => a.progress2 = false,
                "stats" | "stats1" | "stats2" | "stats3" => a.stats = true,
                _ => {}
            }
        }
        Ok(())
    }),
    flag("help", None, |a, v| a.help = v),
    value("rsh", Some('e'), |a, v| {
        a.rsh = Some(text(v));
        Ok(())
    }),
    value("rsync-path", None, |a, v| {
        a.rsync_path = Some(text(v));
        Ok(())
    }),
    value("port", None, |a, v| {
        a.port = Some(number(v, "port")?);
        Ok(())
    }),
    value("password-file", None, |a, v| {
        a.password_file = Some(OsString::from_vec(v.to_vec()));
        Ok(())
    }),
    value("timeout", None, |a, v| {
        a.timeout = Some(number(v, "timeout")?).filter(|&t| t > 0);
        Ok(())
    }),
    value("contimeout", None, |a, v| {
        a.contimeout = Some(number(v, "contimeout")?).filter(|&t| t > 0);
        Ok(())
    }),
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
pub(super) const DELETES: &[(&str, Option<DeleteWhen>)] = &[
    ("delete", None),
    ("del", Some(DeleteWhen::During)),
    ("delete-before", Some(DeleteWhen::Before)),
    ("delete-during", Some(DeleteWhen::During)),
    ("delete-delay", Some(DeleteWhen::Delay)),
    ("delete-after", Some(DeleteWhen::After)),
];

/// rsync's daemon-mode options (`rsync --daemon --help`, not in `rsync
/// --help`): `wsync serve` is wsync's daemon, so `wsync sync` refuses them.
pub(super) const NOT_YET: &[&str] = &["daemon", "config", "dparam", "detach", "server", "sender"];

pub(super) fn not_supported(name: &str) -> UsageError {
    UsageError(format!(
        "{name}: a daemon-mode option; wsync's daemon is `wsync serve`"
    ))
}
