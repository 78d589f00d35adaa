//! rsync-style option parsing for `wsync sync`, by hand: combined short
//! options (`-rnC`), attached or separate values (`-f- x`, `-f '- x'`,
//! `--exclude=x`, `--exclude x`), `--no-OPTION`, and filter options kept
//! in command-line order (rsync's rule list is order-sensitive).

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

/// Parsed options of `wsync sync`.
#[derive(Debug, Default)]
pub struct SyncArgs {
    pub recursive: bool,
    pub dry_run: bool,
    pub out_format: Option<String>,
    pub prune_empty_dirs: bool,
    pub delete: Option<DeleteWhen>,
    pub delete_excluded: bool,
    pub ignore_errors: bool,
    pub filters: Vec<FilterArg>,
    pub paths: Vec<OsString>,
    pub help: bool,
}

/// A usage error: the message rsync would print, exit status 1.
#[derive(Debug)]
pub struct UsageError(pub String);

#[derive(Clone, Copy)]
enum Takes {
    Flag(fn(&mut SyncArgs, bool)),
    Value(fn(&mut SyncArgs, Vec<u8>) -> Result<(), UsageError>),
}

struct Opt {
    long: &'static str,
    short: Option<char>,
    takes: Takes,
}

fn set_delete(a: &mut SyncArgs, when: Option<DeleteWhen>, count: &mut u8) {
    if when.is_some() {
        *count += 1;
    }
    a.delete = when.or(a.delete);
}

/// The options wsync knows. rsync options not listed here are refused as
/// unknown, like rsync refuses options it does not know.
const OPTIONS: &[Opt] = &[
    Opt {
        long: "recursive",
        short: Some('r'),
        takes: Takes::Flag(|a, v| a.recursive = v),
    },
    Opt {
        long: "dry-run",
        short: Some('n'),
        takes: Takes::Flag(|a, v| a.dry_run = v),
    },
    Opt {
        long: "prune-empty-dirs",
        short: Some('m'),
        takes: Takes::Flag(|a, v| a.prune_empty_dirs = v),
    },
    Opt {
        long: "ignore-errors",
        short: None,
        takes: Takes::Flag(|a, v| a.ignore_errors = v),
    },
    Opt {
        long: "delete-excluded",
        short: None,
        takes: Takes::Flag(|a, v| a.delete_excluded = v),
    },
    Opt {
        long: "help",
        short: Some('h'),
        takes: Takes::Flag(|a, v| a.help = v),
    },
    Opt {
        long: "cvs-exclude",
        short: Some('C'),
        takes: Takes::Flag(|a, v| {
            if v {
                a.filters.push(FilterArg::CvsExclude)
            } else {
                a.filters.retain(|f| *f != FilterArg::CvsExclude)
            }
        }),
    },
    Opt {
        long: "",
        short: Some('F'),
        takes: Takes::Flag(|a, v| {
            if v {
                a.filters.push(FilterArg::RsyncFilter)
            }
        }),
    },
    Opt {
        long: "out-format",
        short: None,
        takes: Takes::Value(|a, v| {
            a.out_format = Some(String::from_utf8_lossy(&v).into_owned());
            Ok(())
        }),
    },
    Opt {
        long: "filter",
        short: Some('f'),
        takes: Takes::Value(|a, v| {
            a.filters.push(FilterArg::Filter(v));
            Ok(())
        }),
    },
    Opt {
        long: "include",
        short: None,
        takes: Takes::Value(|a, v| {
            a.filters.push(FilterArg::Include(v));
            Ok(())
        }),
    },
    Opt {
        long: "exclude",
        short: None,
        takes: Takes::Value(|a, v| {
            a.filters.push(FilterArg::Exclude(v));
            Ok(())
        }),
    },
    Opt {
        long: "include-from",
        short: None,
        takes: Takes::Value(|a, v| {
            a.filters.push(FilterArg::IncludeFrom(v));
            Ok(())
        }),
    },
    Opt {
        long: "exclude-from",
        short: None,
        takes: Takes::Value(|a, v| {
            a.filters.push(FilterArg::ExcludeFrom(v));
            Ok(())
        }),
    },
];

/// The `--delete-WHEN` family, counted to refuse combinations as rsync.
const DELETES: &[(&str, Option<DeleteWhen>)] = &[
    ("delete", None),
    ("del", Some(DeleteWhen::During)),
    ("delete-before", Some(DeleteWhen::Before)),
    ("delete-during", Some(DeleteWhen::During)),
    ("delete-delay", Some(DeleteWhen::Delay)),
    ("delete-after", Some(DeleteWhen::After)),
];

/// rsync options that a later wsync will grow into: refused for now with
/// a clear message rather than as unknown.
const NOT_YET: &[&str] = &[
    "archive",
    "verbose",
    "itemize-changes",
    "stats",
    "links",
    "times",
    "perms",
    "checksum",
    "compress",
    "progress",
    "relative",
    "copy-links",
    "human-readable",
    "partial",
    "inplace",
];
const NOT_YET_SHORT: &str = "avitlpgoDzcPRLHAXSuWxe";

impl SyncArgs {
    /// Parses the arguments after `sync`.
    pub fn parse(args: &[OsString]) -> Result<SyncArgs, UsageError> {
        let mut a = SyncArgs::default();
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
                let name = String::from_utf8_lossy(name).into_owned();
                let unknown = || UsageError(format!("--{name}: unknown option"));
                if let Some((_, when)) = DELETES.iter().find(|(n, _)| *n == name) {
                    if inline.is_some() {
                        return Err(UsageError(format!(
                            "--{name}: option does not take an argument"
                        )));
                    }
                    delete_set = true;
                    set_delete(&mut a, *when, &mut delete_count);
                    continue;
                }
                if let Some(neg) = name.strip_prefix("no-") {
                    // --no-OPTION turns a flag off (rsync's popt aliases).
                    let opt = OPTIONS.iter().find(|o| {
                        (!o.long.is_empty() && o.long == neg)
                            || (neg.chars().count() == 1 && o.short == neg.chars().next())
                    });
                    match opt.map(|o| o.takes) {
                        Some(Takes::Flag(f)) if inline.is_none() => f(&mut a, false),
                        _ if neg == "delete" || neg == "del" => {
                            a.delete = None;
                            delete_set = false;
                        }
                        _ => return Err(unknown()),
                    }
                    continue;
                }
                if NOT_YET.contains(&name.as_str()) {
                    return Err(UsageError(format!(
                        "--{name}: not supported by wsync sync yet"
                    )));
                }
                let opt = OPTIONS
                    .iter()
                    .find(|o| !o.long.is_empty() && o.long == name)
                    .ok_or_else(unknown)?;
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
                        f(&mut a, v)?
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
                        return Err(UsageError(format!("-{c}: not supported by wsync sync yet")));
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
                        f(&mut a, v)?
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
        Ok(a)
    }
}

/// The usage text of `wsync sync`.
pub const USAGE: &str = "\
Usage: wsync sync -r -n [OPTIONS] SRC[/] DST/

Lists what rsync would transfer (rsync -r -n), with rsync's filter rules.

Options (as rsync's):
 -r, --recursive            recurse into directories
 -n, --dry-run              perform a trial run with no changes made (required for now)
     --out-format=%n        print each name (the only format supported yet)
 -m, --prune-empty-dirs     prune empty directory chains from the file list
     --delete               delete extraneous files from dest dirs (during)
     --del, --delete-before, --delete-during, --delete-delay, --delete-after
     --delete-excluded      also delete excluded files from dest dirs
     --ignore-errors        delete even if there are I/O errors
 -f, --filter=RULE          add a file-filtering RULE
 -F                         same as --filter='dir-merge /.rsync-filter'
                            repeated: --filter='- .rsync-filter'
     --exclude=PATTERN      exclude files matching PATTERN
     --exclude-from=FILE    read exclude patterns from FILE
     --include=PATTERN      don't exclude files matching PATTERN
     --include-from=FILE    read include patterns from FILE
 -C, --cvs-exclude          auto-ignore files in the same way CVS does
     --no-OPTION            turn off an implied OPTION (e.g. --no-r)
 -h, --help                 show this help
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
        assert_eq!(
            parse(&["--delete"]).unwrap().delete,
            Some(DeleteWhen::During)
        );
        assert_eq!(
            parse(&["--delete-excluded"]).unwrap().delete,
            Some(DeleteWhen::During)
        );
        assert_eq!(
            parse(&["--delete", "--delete-after"]).unwrap().delete,
            Some(DeleteWhen::After)
        );
        assert_eq!(parse(&["--del", "--no-delete"]).unwrap().delete, None);
        assert_eq!(
            parse(&["--", "-x"]).unwrap().paths,
            vec![OsString::from("-x")]
        );
    }

    #[test]
    fn usage_errors() {
        let cases: &[(&[&str], &str)] = &[
            (&["--bogus"], "--bogus: unknown option"),
            (&["-rQ"], "-Q: unknown option"),
            (&["-a"], "-a: not supported by wsync sync yet"),
            (&["--stats"], "--stats: not supported"),
            (
                &["--delete-before", "--delete-after"],
                "You may not combine multiple --delete-WHEN options.",
            ),
            (&["--exclude"], "--exclude: missing argument"),
            (&["-f"], "-f: missing argument"),
            (&["--recursive=1"], "does not take an argument"),
        ];
        for (args, want) in cases {
            match parse(args) {
                Err(UsageError(m)) => assert!(m.contains(want), "{args:?}: {m}"),
                Ok(_) => panic!("{args:?} parsed"),
            }
        }
    }
}
