//! The one error type of the filter engine.

use crate::text::{display_by_describe, Describe, Text};

/// Where a rule came from: a command-line option, a line of a file, or a
/// built-in list. Printed in every error so a user can find the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A command-line option (`--filter`, `--exclude`, `-C`, ...).
    Option(String),
    /// Line `line` (1-based) of the file `path` (`-` is standard input).
    File {
        /// The file as the rule named it (or `-`).
        path: String,
        /// The line number, counted from 1.
        line: usize,
    },
    /// rsync's built-in CVS list or `$CVSIGNORE`.
    Builtin(&'static str),
}

impl Describe for Origin {
    fn describe(&self, t: &mut Text) {
        match self {
            Origin::Option(o) => t.s("option ").s(o),
            Origin::File { path, line } => t.s(path).s(":").size(*line),
            Origin::Builtin(what) => t.s(what),
        };
    }
}

/// A rule that cannot be used, or a merge file that cannot be read.
///
/// [`FilterError::exit_code`] gives the status rsync exits with for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterError {
    /// rsync: "Unknown filter rule": the rule starts with no rule letter or
    /// name wsync knows (`+`, `-`, `include`, `dir-merge`...).
    UnknownRule {
        /// The rule's text, from its start.
        rule: String,
        /// Where the rule came from.
        origin: Origin,
    },
    /// rsync: "invalid modifier 'c' at position n in filter rule": a
    /// modifier this kind of rule does not take (`-x`, `+e`, a side
    /// modifier after `s`...).
    InvalidModifier {
        /// The modifier character.
        modifier: char,
        /// Its offset in `rule`, in bytes (the rule letter is at 0).
        position: usize,
        /// The rule's text, from its start.
        rule: String,
        /// Where the rule came from.
        origin: Origin,
    },
    /// rsync: "'!' rule has trailing characters": the clear rule `!` takes
    /// no pattern.
    ClearWithArgument {
        /// The rule's text.
        rule: String,
        /// Where the rule came from.
        origin: Origin,
    },
    /// rsync: "unexpected end of filter rule": a rule that needs a pattern
    /// (or merge file name) has none.
    MissingPattern {
        /// The rule's text.
        rule: String,
        /// Where the rule came from.
        origin: Origin,
    },
    /// rsync: "specified-side merge file contains specified-side filter":
    /// a rule with its own side (`hide`, `protect`, `s`, `r`...) inside a
    /// merge file given a side with the `s` or `r` modifier.
    SideInSidedMerge {
        /// The rule's text.
        rule: String,
        /// Where the rule came from (the merge file's line).
        origin: Origin,
    },
    /// A `[` that is never closed: the rule can never match. rsync accepts
    /// it silently ([`FilterError::is_warning`]).
    UnclosedClass {
        /// The rule's text.
        rule: String,
        /// Where the rule came from.
        origin: Origin,
    },
    /// A pattern ending in a lone backslash, which can never match. rsync
    /// accepts it silently ([`FilterError::is_warning`]).
    TrailingBackslash {
        /// The rule's text.
        rule: String,
        /// Where the rule came from.
        origin: Origin,
    },
    /// rsync: "discarding over-long filter" (MAXPATHLEN, 4096 bytes): the
    /// rule is dropped, as rsync drops it ([`FilterError::is_warning`]).
    PatternTooLong {
        /// The pattern's first 64 bytes.
        rule: String,
        /// The pattern's whole length, in bytes.
        len: usize,
        /// Where the rule came from.
        origin: Origin,
    },
    /// rsync: "failed to open include/exclude file": a merge file that must
    /// exist (`--include-from`, `--exclude-from`, a `merge` rule) could not
    /// be read, or a module's rules name a per-directory merge file.
    MergeFileUnreadable {
        /// What kind of file, for the message: `"include"`, `"exclude"`
        /// or `"per-directory merge"`.
        kind: &'static str,
        /// The file, as the rule named it.
        path: String,
        /// Why, from the [`ReadError`](super::ReadError): "No such file or
        /// directory (2)" or the reader's own text.
        reason: String,
        /// Where the rule naming the file came from.
        origin: Origin,
    },
    /// A merge file that merges itself, directly or through others.
    MergeLoop {
        /// The merge file, as the rule named it.
        path: String,
        /// Where the rule that would merge it again came from.
        origin: Origin,
    },
    /// More per-directory merge files active at once than
    /// [`super::MAX_MERGE_LISTS`].
    TooManyMergeFiles {
        /// The merge file name of the `dir-merge` rule over the limit.
        rule: String,
        /// The limit ([`super::MAX_MERGE_LISTS`]).
        max: usize,
        /// Where that rule came from.
        origin: Origin,
    },
    /// Merge files nested deeper than [`super::MAX_MERGE_DEPTH`].
    MergeTooDeep {
        /// The merge file that would be one level too deep.
        path: String,
        /// The limit ([`super::MAX_MERGE_DEPTH`]).
        max: usize,
        /// Where the rule naming it came from.
        origin: Origin,
    },
}

impl Describe for FilterError {
    fn describe(&self, t: &mut Text) {
        use FilterError::*;
        // Most messages end with the rule in backquotes, then the origin.
        let (rule, origin) = match self {
            UnknownRule { rule, origin } => {
                t.s("unknown filter rule `");
                (rule, origin)
            }
            InvalidModifier {
                modifier,
                position,
                rule,
                origin,
            } => {
                t.s("invalid modifier '")
                    .ch(*modifier)
                    .s("' at position ")
                    .size(*position)
                    .s(" in filter rule `");
                (rule, origin)
            }
            ClearWithArgument { rule, origin } => {
                t.s("'!' rule has trailing characters: `");
                (rule, origin)
            }
            MissingPattern { rule, origin } => {
                t.s("unexpected end of filter rule: `");
                (rule, origin)
            }
            SideInSidedMerge { rule, origin } => {
                t.s("specified-side merge file contains specified-side filter: `");
                (rule, origin)
            }
            TrailingBackslash { rule, origin } => {
                t.s("trailing backslash in filter rule `");
                (rule, origin)
            }
            TooManyMergeFiles { rule, max, origin } => {
                t.s("more than ")
                    .size(*max)
                    .s(" per-directory merge files at once, at `");
                (rule, origin)
            }
            UnclosedClass { rule, origin } => {
                t.s("unclosed '[' in filter rule `").s(rule).s("` (");
                origin.describe(t);
                t.s("): it can never match");
                return;
            }
            PatternTooLong { rule, len, origin } => {
                t.s("discarding over-long filter of ")
                    .size(*len)
                    .s(" bytes: `")
                    .s(rule)
                    .s("...` (");
                origin.describe(t);
                t.s(")");
                return;
            }
            MergeFileUnreadable {
                kind,
                path,
                reason,
                origin,
            } => {
                t.s("failed to open ")
                    .s(kind)
                    .s(" file ")
                    .s(path)
                    .s(": ")
                    .s(reason)
                    .s(" (");
                origin.describe(t);
                t.s(")");
                return;
            }
            MergeLoop { path, origin } => {
                t.s("merge file ").s(path).s(" includes itself (");
                origin.describe(t);
                t.s(")");
                return;
            }
            MergeTooDeep { path, max, origin } => {
                t.s("merge files nested deeper than ")
                    .size(*max)
                    .s(" levels at ")
                    .s(path)
                    .s(" (");
                origin.describe(t);
                t.s(")");
                return;
            }
        };
        t.s(rule).s("` (");
        origin.describe(t);
        t.s(")");
    }
}

display_by_describe!(Origin, FilterError);
impl std::error::Error for FilterError {}

impl FilterError {
    /// The exit status rsync uses: 11 (file I/O) for an unreadable merge
    /// file, 1 (syntax or usage) for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            FilterError::MergeFileUnreadable { .. } => 11,
            _ => 1,
        }
    }

    /// Whether rsync itself accepts the rule (and wsync only warns unless
    /// asked to be strict): unclosed `[`, trailing backslash, over-long
    /// patterns.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            FilterError::UnclosedClass { .. }
                | FilterError::TrailingBackslash { .. }
                | FilterError::PatternTooLong { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message as the `#[error(..)]` attributes printed it before.
    #[test]
    fn messages() {
        let opt = || Origin::Option("--filter".into());
        let file = || Origin::File {
            path: "/r/.rsync-filter".into(),
            line: 12,
        };
        let rule = || String::from("+x *.o");
        let cases = [
            (
                FilterError::UnknownRule { rule: rule(), origin: opt() },
                "unknown filter rule `+x *.o` (option --filter)",
            ),
            (
                FilterError::InvalidModifier {
                    modifier: 'x',
                    position: 1,
                    rule: rule(),
                    origin: file(),
                },
                "invalid modifier 'x' at position 1 in filter rule `+x *.o` (/r/.rsync-filter:12)",
            ),
            (
                FilterError::ClearWithArgument { rule: rule(), origin: opt() },
                "'!' rule has trailing characters: `+x *.o` (option --filter)",
            ),
            (
                FilterError::MissingPattern { rule: rule(), origin: opt() },
                "unexpected end of filter rule: `+x *.o` (option --filter)",
            ),
            (
                FilterError::SideInSidedMerge { rule: rule(), origin: file() },
                "specified-side merge file contains specified-side filter: `+x *.o` (/r/.rsync-filter:12)",
            ),
            (
                FilterError::UnclosedClass { rule: rule(), origin: opt() },
                "unclosed '[' in filter rule `+x *.o` (option --filter): it can never match",
            ),
            (
                FilterError::TrailingBackslash {
                    rule: rule(),
                    origin: Origin::Builtin("the default CVS ignore list"),
                },
                "trailing backslash in filter rule `+x *.o` (the default CVS ignore list)",
            ),
            (
                FilterError::PatternTooLong { rule: rule(), len: 5000, origin: opt() },
                "discarding over-long filter of 5000 bytes: `+x *.o...` (option --filter)",
            ),
            (
                FilterError::MergeFileUnreadable {
                    kind: "exclude",
                    path: "rules".into(),
                    reason: "No such file or directory (2)".into(),
                    origin: opt(),
                },
                "failed to open exclude file rules: No such file or directory (2) (option --filter)",
            ),
            (
                FilterError::MergeLoop { path: "rules".into(), origin: file() },
                "merge file rules includes itself (/r/.rsync-filter:12)",
            ),
            (
                FilterError::TooManyMergeFiles { rule: rule(), max: 256, origin: opt() },
                "more than 256 per-directory merge files at once, at `+x *.o` (option --filter)",
            ),
            (
                FilterError::MergeTooDeep { path: "rules".into(), max: 32, origin: opt() },
                "merge files nested deeper than 32 levels at rules (option --filter)",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }
}
