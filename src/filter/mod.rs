//! rsync's filter rules, exactly as rsync decides them.
//!
//! Every way rsync takes rules is supported: `--include`, `--exclude`,
//! `--include-from`, `--exclude-from`, `--filter` with short and long rule
//! names and modifiers, `-C` and `-F`/`-FF`; merge and per-directory merge
//! files; sender-side (hide/show) and receiver-side (protect/risk) rules;
//! perishable rules; and rsync's wildmatch (`*`, `**`, `***`, `?`, `[...]`).
//!
//! The module does no I/O: merge files are read through a [`MergeSource`]
//! the caller supplies, and `$HOME` and `$CVSIGNORE` come in
//! [`FilterOptions`]. Rules are parsed once into [`Filters`]; a transfer
//! then takes one [`DirFilter`] per side and, walking the tree, calls
//! [`DirFilter::push_dir`] for each directory and [`DirFilter::check`] for
//! each entry.
//!
//! ```
//! use wsync::filter::{FilterArg, FilterOptions, Filters, ReadError, Side};
//!
//! let args = [
//!     FilterArg::Filter(b"+ */".to_vec()),
//!     FilterArg::Filter(b"+ *.rs".to_vec()),
//!     FilterArg::Exclude(b"*".to_vec()),
//! ];
//! // No merge files here: every read fails.
//! let mut no_files = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Err(ReadError::NotFound) };
//! let filters = Filters::parse(&args, &FilterOptions::default(), &mut no_files).unwrap();
//! let mut sender = filters.for_side(Side::Sender, b"/src");
//! sender.push_dir(b"", &mut no_files).unwrap();
//! assert!(!sender.is_excluded(b"lib", true));
//! assert!(!sender.is_excluded(b"lib/main.rs", false));
//! assert!(sender.is_excluded(b"README.md", false));
//! ```

mod cvs;
mod engine;
mod error;
mod list;
mod merge;
mod rule;
pub mod wildmatch;

#[cfg(test)]
mod tests;

pub use cvs::DEFAULT_CVSIGNORE;
pub use error::{FilterError, Origin};
pub use list::{Decision, DirFilter};
pub use rule::MAX_PATTERN_LEN;

use engine::{Engine, ListTarget};
use rule::*;

/// How deeply merge files may merge other merge files.
pub const MAX_MERGE_DEPTH: usize = 32;

/// How many per-directory merge files may be defined over a walk.
pub const MAX_MERGE_LISTS: usize = 256;

/// Which end of a transfer a rule list serves: the sender builds the file
/// list (hide/show), the receiver decides what deletion spares
/// (protect/risk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The sending end: hide and show rules (`H`, `S`, and plain `-`/`+`
    /// without the `r` modifier) decide what goes into the file list.
    Sender,
    /// The receiving end: protect and risk rules (`P`, `R`, and plain
    /// `-`/`+` without the `s` modifier) decide what `--delete` spares.
    Receiver,
}

/// Why a merge file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file does not exist: an error for `--include-from`,
    /// `--exclude-from` and `merge` rules ("No such file or directory"),
    /// silently nothing for a `dir-merge` file, as in rsync.
    NotFound,
    /// Any other failure, with the text to show (for example the OS
    /// error); an error or nothing in the same cases as `NotFound`.
    Other(String),
}

/// Reads merge files for the engine: `path` is as rsync would open it
/// (absolute, relative to the working directory, or `-` for stdin).
pub trait MergeSource {
    /// The whole content of the merge file `path` (its bytes as the rule
    /// or option gave them, not necessarily UTF-8).
    fn read(&mut self, path: &[u8]) -> Result<Vec<u8>, ReadError>;
}

impl<F: FnMut(&[u8]) -> Result<Vec<u8>, ReadError>> MergeSource for F {
    fn read(&mut self, path: &[u8]) -> Result<Vec<u8>, ReadError> {
        self(path)
    }
}

/// One filter option of the command line, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterArg {
    /// `--include=PATTERN`
    Include(Vec<u8>),
    /// `--exclude=PATTERN`
    Exclude(Vec<u8>),
    /// `--include-from=FILE`
    IncludeFrom(Vec<u8>),
    /// `--exclude-from=FILE`
    ExcludeFrom(Vec<u8>),
    /// `--filter=RULE` / `-f RULE`
    Filter(Vec<u8>),
    /// `-C` / `--cvs-exclude`: its rules go at the end of the list.
    CvsExclude,
    /// `-F`: the first adds `dir-merge /.rsync-filter`, the second
    /// `- .rsync-filter`.
    RsyncFilter,
}

/// One rule setting of an rsyncd.conf module, for [`Filters::parse_module`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleRule {
    /// `filter = RULES`
    Filter(Vec<u8>),
    /// `include = PATTERNS`
    Include(Vec<u8>),
    /// `exclude = PATTERNS`
    Exclude(Vec<u8>),
}

/// Settings that change how rules are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterOptions {
    /// `--delete-excluded`: plain rules become sender-only.
    pub delete_excluded: bool,
    /// Treat rules rsync accepts but that cannot work as written (unclosed
    /// `[`, trailing backslash, over-long patterns) as errors instead of
    /// warnings.
    pub strict: bool,
    /// `$HOME`, for `-C`'s `~/.cvsignore`.
    pub home: Option<String>,
    /// `$CVSIGNORE`, for `-C`.
    pub cvsignore: Option<String>,
}

/// A parsed rule list, ready to serve both sides of a transfer.
#[derive(Debug, Clone)]
pub struct Filters {
    engine: Engine,
    top: Vec<Rule>,
}

impl Filters {
    /// Parses the filter options in order, reading merge files through
    /// `reader`.
    pub fn parse<R: MergeSource + ?Sized>(
        args: &[FilterArg],
        opts: &FilterOptions,
        reader: &mut R,
    ) -> Result<Filters, FilterError> {
        let mut engine = Engine::new(opts.clone());
        let mut top = ListTarget::default();
        let mut cvs_exclude = false;
        let mut f_count = 0;
        let old = XFlags {
            old_prefixes: true,
            ..XFlags::default()
        };
        let old_fatal = XFlags {
            old_prefixes: true,
            fatal: true,
            ..XFlags::default()
        };
        for arg in args {
            match arg {
                FilterArg::Include(p) => {
                    let o = Origin::Option("--include".into());
                    engine.parse_filter_str(&mut top, p, INCLUDE, old, &o, reader)?
                }
                FilterArg::Exclude(p) => {
                    let o = Origin::Option("--exclude".into());
                    engine.parse_filter_str(&mut top, p, 0, old, &o, reader)?
                }
                FilterArg::IncludeFrom(f) => {
                    let o = Origin::Option("--include-from".into());
                    engine.parse_filter_file(&mut top, f, INCLUDE, old_fatal, Some(&o), reader)?
                }
                FilterArg::ExcludeFrom(f) => {
                    let o = Origin::Option("--exclude-from".into());
                    engine.parse_filter_file(&mut top, f, 0, old_fatal, Some(&o), reader)?
                }
                FilterArg::Filter(r) => {
                    let o = Origin::Option("--filter".into());
                    engine.parse_filter_str(&mut top, r, 0, XFlags::default(), &o, reader)?
                }
                FilterArg::CvsExclude => cvs_exclude = true,
                FilterArg::RsyncFilter => {
                    f_count += 1;
                    let o = Origin::Option("-F".into());
                    let rule: &[u8] = match f_count {
                        1 => b": /.rsync-filter",
                        2 => b"- .rsync-filter",
                        _ => continue,
                    };
                    engine.parse_filter_str(&mut top, rule, 0, XFlags::default(), &o, reader)?
                }
            }
        }
        if cvs_exclude {
            // rsync appends these wherever -C stood (send_filter_list).
            let o = Origin::Option("-C".into());
            for rule in [b":C".as_slice(), b"-C".as_slice()] {
                engine.parse_filter_str(&mut top, rule, 0, XFlags::default(), &o, reader)?;
            }
        }
        Ok(Filters {
            engine,
            top: top.rules,
        })
    }

    /// Rules as text, read as rsync reads a merge file (`. FILE`): one
    /// `--filter` rule per line, a CR or LF ends a line, empty lines and
    /// lines starting with `#` or `;` are skipped. Errors name the line as
    /// `name:N`. What the wasm `Filter` takes.
    pub fn parse_text<R: MergeSource + ?Sized>(
        text: &[u8],
        name: &str,
        opts: &FilterOptions,
        reader: &mut R,
    ) -> Result<Filters, FilterError> {
        let mut engine = Engine::new(opts.clone());
        let mut top = ListTarget::default();
        engine.parse_lines(&mut top, text, name, 0, XFlags::default(), reader)?;
        Ok(Filters {
            engine,
            top: top.rules,
        })
    }

    /// A module's rules as rsyncd.conf gives them (rsync's daemon filter
    /// list), in the order given (rsync reads `filter`, then `include`,
    /// then `exclude`). Each string is split on white space; `filter` takes
    /// full rules (`- *.tmp + keep/`), `include` and `exclude` patterns
    /// (with optional `+ `/`- ` prefixes). A pattern with a leading or
    /// inner slash is anchored at the module root, and an excluded `dir/`
    /// covers everything below it. Flawed patterns are errors, and merge
    /// files are refused (a module's rules come from its configuration only).
    pub fn parse_module(rules: &[(ModuleRule, Origin)]) -> Result<Filters, FilterError> {
        let opts = FilterOptions {
            strict: true,
            ..FilterOptions::default()
        };
        let mut engine = Engine::new(opts);
        let mut top = ListTarget::default();
        let mut no_files = |_: &[u8]| -> Result<Vec<u8>, ReadError> {
            Err(ReadError::Other(
                "merge files are not read in module rules".into(),
            ))
        };
        for (rule, origin) in rules {
            let (text, template, old_prefixes) = match rule {
                ModuleRule::Filter(t) => (t, WORD_SPLIT, false),
                ModuleRule::Include(t) => (t, WORD_SPLIT | INCLUDE, true),
                ModuleRule::Exclude(t) => (t, WORD_SPLIT, true),
            };
            let xflags = XFlags {
                old_prefixes,
                abs_if_slash: true,
                dir2wild3: true,
                ..XFlags::default()
            };
            engine.parse_filter_str(&mut top, text, template, xflags, origin, &mut no_files)?;
            if let Some(r) = top.rules.iter().find(|r| r.has(PERDIR_MERGE)) {
                return Err(FilterError::MergeFileUnreadable {
                    kind: "per-directory merge",
                    path: String::from_utf8_lossy(&r.pattern).into_owned(),
                    reason: "merge files are not read in module rules".into(),
                    origin: origin.clone(),
                });
            }
        }
        Ok(Filters {
            engine,
            top: top.rules,
        })
    }

    /// Rules rsync accepts but that cannot work as written (see
    /// [`FilterOptions::strict`]).
    pub fn warnings(&self) -> &[FilterError] {
        &self.engine.warnings
    }

    /// Whether any rule was given.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty()
    }

    /// The rule list of one side (rsync's `send_rules` elision), for a
    /// transfer rooted at the absolute directory `root`.
    pub fn for_side(&self, side: Side, root: &[u8]) -> DirFilter {
        self.clone().into_side(side, root)
    }

    /// [`Filters::for_side`] for a rule list that serves one side only: no
    /// copy of the rules (nor, in wasm, of the code that copies them).
    pub fn into_side(self, side: Side, root: &[u8]) -> DirFilter {
        let delete_excluded = self.engine.opts.delete_excluded;
        let top = self
            .top
            .into_iter()
            .filter(|r| {
                let s = r.flags & SIDES;
                match side {
                    Side::Sender => s != RECEIVER_SIDE,
                    Side::Receiver => {
                        if s == SENDER_SIDE {
                            false
                        } else if s == 0 && delete_excluded {
                            r.has(PERDIR_MERGE) && !r.has(NO_PREFIXES)
                        } else {
                            true
                        }
                    }
                }
            })
            .collect();
        let mut engine = self.engine;
        engine.side = Some(side);
        engine.warnings.clear();
        let mut root = engine::clean_path(root);
        if root.first() != Some(&b'/') {
            root.insert(0, b'/');
        }
        let abs_prefix = root[1..].to_vec();
        if root != b"/" {
            root.push(b'/');
        }
        DirFilter {
            engine,
            top,
            root,
            abs_prefix,
        }
    }
}

impl DirFilter {
    /// Warnings from per-directory files read so far.
    pub fn warnings(&self) -> &[FilterError] {
        &self.engine.warnings
    }
}
