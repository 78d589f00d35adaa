//! The one error type of the filter engine.

use std::fmt;

/// Where a rule came from: a command-line option, a line of a file, or a
/// built-in list. Printed in every error so a user can find the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A command-line option (`--filter`, `--exclude`, `-C`, ...).
    Option(String),
    /// Line `line` (1-based) of the file `path` (`-` is standard input).
    File { path: String, line: usize },
    /// rsync's built-in CVS list or `$CVSIGNORE`.
    Builtin(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Option(o) => write!(f, "option {o}"),
            Origin::File { path, line } => write!(f, "{path}:{line}"),
            Origin::Builtin(what) => write!(f, "{what}"),
        }
    }
}

/// A rule that cannot be used, or a merge file that cannot be read.
///
/// [`FilterError::exit_code`] gives the status rsync exits with for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// rsync: "Unknown filter rule".
    #[error("unknown filter rule `{rule}` ({origin})")]
    UnknownRule { rule: String, origin: Origin },
    /// rsync: "invalid modifier 'c' at position n in filter rule".
    #[error(
        "invalid modifier '{modifier}' at position {position} in filter rule `{rule}` ({origin})"
    )]
    InvalidModifier {
        modifier: char,
        position: usize,
        rule: String,
        origin: Origin,
    },
    /// rsync: "'!' rule has trailing characters".
    #[error("'!' rule has trailing characters: `{rule}` ({origin})")]
    ClearWithArgument { rule: String, origin: Origin },
    /// rsync: "unexpected end of filter rule".
    #[error("unexpected end of filter rule: `{rule}` ({origin})")]
    MissingPattern { rule: String, origin: Origin },
    /// rsync: "specified-side merge file contains specified-side filter".
    #[error("specified-side merge file contains specified-side filter: `{rule}` ({origin})")]
    SideInSidedMerge { rule: String, origin: Origin },
    /// A `[` that is never closed: the rule can never match.
    #[error("unclosed '[' in filter rule `{rule}` ({origin}): it can never match")]
    UnclosedClass { rule: String, origin: Origin },
    /// A pattern ending in a lone backslash.
    #[error("trailing backslash in filter rule `{rule}` ({origin})")]
    TrailingBackslash { rule: String, origin: Origin },
    /// rsync: "discarding over-long filter" (MAXPATHLEN, 4096 bytes).
    #[error("discarding over-long filter of {len} bytes: `{rule}...` ({origin})")]
    PatternTooLong {
        rule: String,
        len: usize,
        origin: Origin,
    },
    /// rsync: "failed to open include/exclude file".
    #[error("failed to open {kind} file {path}: {reason} ({origin})")]
    MergeFileUnreadable {
        kind: &'static str,
        path: String,
        reason: String,
        origin: Origin,
    },
    /// A merge file that merges itself, directly or through others.
    #[error("merge file {path} includes itself ({origin})")]
    MergeLoop { path: String, origin: Origin },
    /// More per-directory merge files active at once than
    /// [`super::MAX_MERGE_LISTS`].
    #[error("more than {max} per-directory merge files at once, at `{rule}` ({origin})")]
    TooManyMergeFiles {
        rule: String,
        max: usize,
        origin: Origin,
    },
    /// Merge files nested deeper than [`super::MAX_MERGE_DEPTH`].
    #[error("merge files nested deeper than {max} levels at {path} ({origin})")]
    MergeTooDeep {
        path: String,
        max: usize,
        origin: Origin,
    },
}

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
