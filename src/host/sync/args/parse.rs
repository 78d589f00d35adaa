//! The command-line walk: long, negated and combined short options.

use super::table::{not_supported, Opt, Takes, DELETES, NOT_YET};
use super::values::text;
use super::{DeleteWhen, SyncArgs, UsageError};
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

impl SyncArgs {
    /// Parses the arguments after `sync`.
    pub fn parse(args: &[OsString]) -> Result<SyncArgs, UsageError> {
        Self::parse_logged(args).map_err(|(e, _)| e)
    }

    /// `parse`; an error comes with the `--log-file` rsync would have
    /// read by then (to log it there).
    pub fn parse_logged(args: &[OsString]) -> Result<SyncArgs, (UsageError, Option<OsString>)> {
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
        // rsync's popt reads the options in order and stops at the first
        // bad one: a --log-file after it is never read.
        let mut walk = |a: &mut SyncArgs| -> Result<(), UsageError> {
            let mut i = 0;
            let mut only_paths = false;
            while i < args.len() {
                let arg = args[i].as_bytes();
                i += 1;
                if only_paths || arg == b"-" || !arg.starts_with(b"-") {
                    a.paths.push(OsString::from_vec(arg.to_vec()));
                    continue;
                }
                // The options as given (for a batch file's record); a value
                // in the next argument is added where it is taken.
                a.more.opt_argv.push(args[i - 1].clone());
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
                                (Some(c), None) => find_short(c),
                                _ => None,
                            }
                        });
                        match opt.map(|o| o.takes) {
                            Some(Takes::Flag(f)) if inline.is_none() => f(a, false),
                            Some(Takes::Value(_)) if neg == "info" => {}
                            Some(Takes::Value(_)) if super::more::negate_value(a, neg) => {}
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
                            f(a, true)
                        }
                        Takes::Value(f) => {
                            let v = match inline {
                                Some(v) => v,
                                None => {
                                    let v = args.get(i).ok_or_else(|| {
                                        UsageError(format!("--{name}: missing argument"))
                                    })?;
                                    a.more.opt_argv.push(v.clone());
                                    i += 1;
                                    v.as_bytes().to_vec()
                                }
                            };
                            f(a, &v)?
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
                    let Some(opt) = find_short(c) else {
                        return Err(UsageError(format!("-{c}: unknown option")));
                    };
                    match opt.takes {
                        Takes::Flag(f) => f(a, true),
                        Takes::Value(f) => {
                            let v = if j < arg.len() {
                                let v = arg[j..].to_vec();
                                j = arg.len();
                                v
                            } else {
                                let v = args
                                    .get(i)
                                    .ok_or_else(|| UsageError(format!("-{c}: missing argument")))?;
                                a.more.opt_argv.push(v.clone());
                                i += 1;
                                v.as_bytes().to_vec()
                            };
                            f(a, &v)?
                        }
                    }
                }
            }
            Ok(())
        };
        if let Err(e) = walk(&mut a) {
            let log = a.log_file.clone();
            return Err((e, log));
        }
        if delete_count > 1 {
            return Err((
                UsageError("You may not combine multiple --delete-WHEN options.".into()),
                a.log_file.clone(),
            ));
        }
        if (delete_set || a.delete_excluded) && a.delete.is_none() {
            // rsync: a plain --delete (or --delete-excluded) deletes during
            // the transfer (protocol 30 and later).
            a.delete = Some(DeleteWhen::During);
        }
        let log = a.log_file.clone();
        a.check().map_err(|e| (e, log.clone()))?;
        a.check_more().map_err(|e| (e, log))?;
        Ok(a)
    }
}

/// The option named `--name`, in either table.
fn find_long(name: &str) -> Option<&'static Opt> {
    super::table::OPTIONS
        .iter()
        .chain(super::more::OPTIONS)
        .find(|o| !o.long.is_empty() && o.long == name)
}

/// The option `-c`, in either table.
fn find_short(c: char) -> Option<&'static Opt> {
    super::table::OPTIONS
        .iter()
        .chain(super::more::OPTIONS)
        .find(|o| o.short == Some(c))
}
