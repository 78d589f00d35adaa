//! One rule: its flags (rsync's `FILTRULE_*`), and the tokenizer that reads
//! a rule's prefix and modifiers (a port of `parse_rule_tok` in rsync's
//! `exclude.c`).

use super::error::{FilterError, Origin};

pub(crate) const INCLUDE: u32 = 1 << 0;
pub(crate) const CLEAR_LIST: u32 = 1 << 1;
pub(crate) const DIRECTORY: u32 = 1 << 2;
pub(crate) const WILD: u32 = 1 << 3;
pub(crate) const WILD2: u32 = 1 << 4;
pub(crate) const WILD2_PREFIX: u32 = 1 << 5;
pub(crate) const WILD3_SUFFIX: u32 = 1 << 6;
pub(crate) const ABS_PATH: u32 = 1 << 7;
pub(crate) const NEGATE: u32 = 1 << 8;
pub(crate) const MERGE_FILE: u32 = 1 << 9;
pub(crate) const PERDIR_MERGE: u32 = 1 << 10;
pub(crate) const FINISH_SETUP: u32 = 1 << 11;
pub(crate) const NO_PREFIXES: u32 = 1 << 12;
pub(crate) const WORD_SPLIT: u32 = 1 << 13;
pub(crate) const NO_INHERIT: u32 = 1 << 14;
pub(crate) const CVS_IGNORE: u32 = 1 << 15;
pub(crate) const EXCLUDE_SELF: u32 = 1 << 16;
pub(crate) const SENDER_SIDE: u32 = 1 << 17;
pub(crate) const RECEIVER_SIDE: u32 = 1 << 18;
pub(crate) const PERISHABLE: u32 = 1 << 19;
pub(crate) const XATTR: u32 = 1 << 20;

pub(crate) const SIDES: u32 = SENDER_SIDE | RECEIVER_SIDE;
/// Flags a rule read from a merge file takes from the merge rule
/// (rsync: `FILTRULES_FROM_CONTAINER`).
pub(crate) const FROM_CONTAINER: u32 = ABS_PATH | INCLUDE | DIRECTORY | NEGATE | PERISHABLE;

/// rsync's MAXPATHLEN: longer patterns are discarded.
pub const MAX_PATTERN_LEN: usize = 4096;

/// A shortcut for the commonest wildcard rules, matched against a name
/// without slashes: `*LITERAL` and `LITERAL*` (no other wildcard). Gives
/// the same answer as wildmatch, faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fast {
    None,
    /// `*` then the literal from this index of the pattern.
    Suffix,
    /// The literal up to the last byte, then `*`.
    Prefix,
}

impl Fast {
    /// The shortcut for a basename-only wildcard pattern, if any.
    pub fn of(pattern: &[u8]) -> Fast {
        let special = |b: &u8| matches!(b, b'*' | b'?' | b'[' | b'\\' | b'/');
        match pattern {
            [b'*', rest @ ..] if !rest.iter().any(special) => Fast::Suffix,
            [rest @ .., b'*'] if !rest.iter().any(special) => Fast::Prefix,
            _ => Fast::None,
        }
    }

    /// Whether a name with no slash matches (only when not `None`).
    pub fn matches(self, pattern: &[u8], name: &[u8]) -> bool {
        match self {
            Fast::Suffix => name.ends_with(&pattern[1..]),
            Fast::Prefix => name.starts_with(&pattern[..pattern.len() - 1]),
            Fast::None => false,
        }
    }
}

/// A compiled rule. For a per-directory merge rule, `pattern` is the merge
/// file's name and `merge_id` indexes the engine's merge lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub flags: u32,
    pub pattern: Box<[u8]>,
    pub slash_cnt: u32,
    pub merge_id: usize,
    pub fast: Fast,
    /// The longest run of literal bytes of a wildcard pattern: a text that
    /// lacks it cannot match, and wildmatch need not run.
    pub required: Box<[u8]>,
}

/// The longest run of literal bytes in a wildcard pattern (outside `*`,
/// `?`, classes and escapes). Every literal byte matches exactly one text
/// byte in sequence, so a matching text contains every such run.
pub(crate) fn required_literal(p: &[u8]) -> Box<[u8]> {
    let mut best: &[u8] = &[];
    let mut start = 0;
    let mut i = 0;
    fn take<'a>(p: &'a [u8], from: usize, to: usize, best: &mut &'a [u8]) {
        if to > from && to - from > best.len() {
            *best = &p[from..to];
        }
    }
    while i < p.len() {
        match p[i] {
            b'*' | b'?' => {
                take(p, start, i, &mut best);
                i += 1;
                start = i;
            }
            b'\\' => {
                take(p, start, i, &mut best);
                i += 2;
                start = i;
            }
            b'[' => {
                take(p, start, i, &mut best);
                // Skip the class; an unclosed one ends the scan.
                let mut j = i + 1;
                if matches!(p.get(j), Some(b'!' | b'^')) {
                    j += 1;
                }
                if p.get(j) == Some(&b']') {
                    j += 1;
                }
                loop {
                    match p.get(j) {
                        None => return best.into(),
                        Some(b']') => break,
                        Some(b'\\') => j += 2,
                        Some(b'[') if p.get(j + 1) == Some(&b':') => {
                            match p[j + 2..].windows(2).position(|w| w == b":]") {
                                Some(k) => j += 2 + k + 2,
                                None => j += 1,
                            }
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    take(p, start, p.len().min(i), &mut best);
    best.into()
}

impl Rule {
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }
}

/// How a string of rules is read (rsync's `XFLG_*`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct XFlags {
    /// `--include`/`--exclude` style: only "+ ", "- " and "!" prefixes.
    pub old_prefixes: bool,
    /// Rules of a per-directory file: anchored to its directory, and rules
    /// for the other side dropped.
    pub anchored2abs: bool,
    /// A missing merge file is an error.
    pub fatal: bool,
    /// A module's rules (rsyncd.conf): a pattern with a leading or inner
    /// slash is anchored at the module root.
    pub abs_if_slash: bool,
    /// A module's rules: an exclude of `dir/` becomes `dir/***` (the
    /// directory and everything below it).
    pub dir2wild3: bool,
}

/// A rule token: its flags, and where its pattern lies in the input.
pub(crate) struct Token {
    pub flags: u32,
    pub pat_start: usize,
    pub pat_len: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// rsync's `rule_strcmp`: a long rule name followed by space, '_', ',' or
/// the end. Returns the index of the last byte consumed by the name
/// (pointing at the ',' when one follows).
fn long_name(s: &[u8], at: usize, name: &[u8]) -> Option<usize> {
    if !s[at..].starts_with(name) {
        return None;
    }
    let next = s.get(at + name.len()).copied().unwrap_or(0);
    if is_space(next) || next == b'_' || next == 0 {
        return Some(at + name.len() - 1);
    }
    if next == b',' {
        return Some(at + name.len());
    }
    None
}

/// Reads the next rule of `s` from `*pos` (a port of `parse_rule_tok`).
/// Returns `None` at the end of the input.
pub(crate) fn parse_rule_tok(
    s: &[u8],
    pos: &mut usize,
    template: u32,
    xflags: XFlags,
    delete_excluded: bool,
    origin: &Origin,
) -> Result<Option<Token>, FilterError> {
    let byte = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = *pos;
    if template & WORD_SPLIT != 0 {
        while i < s.len() && is_space(s[i]) {
            i += 1;
        }
        *pos = i;
    }
    if i >= s.len() {
        return Ok(None);
    }
    let rule_text = || String::from_utf8_lossy(&s[*pos..]).into_owned();
    let rule_start = *pos;
    let mut flags = template & FROM_CONTAINER;

    if template & NO_PREFIXES != 0 {
        if byte(i) == b'!' && template & CVS_IGNORE != 0 {
            flags |= CLEAR_LIST; // tentative
        }
    } else if xflags.old_prefixes {
        if byte(i) == b'-' && byte(i + 1) == b' ' {
            flags &= !INCLUDE;
            i += 2;
        } else if byte(i) == b'+' && byte(i + 1) == b' ' {
            flags |= INCLUDE;
            i += 2;
        } else if byte(i) == b'!' {
            flags |= CLEAR_LIST; // tentative
        }
    } else {
        let mut ch = 0u8;
        let mut side_prefix = false;
        let named = match byte(i) {
            b'c' => Some((b"clear".as_slice(), b'!')),
            b'd' => Some((b"dir-merge".as_slice(), b':')),
            b'e' => Some((b"exclude".as_slice(), b'-')),
            b'h' => Some((b"hide".as_slice(), b'H')),
            b'i' => Some((b"include".as_slice(), b'+')),
            b'm' => Some((b"merge".as_slice(), b'.')),
            b'p' => Some((b"protect".as_slice(), b'P')),
            b'r' => Some((b"risk".as_slice(), b'R')),
            b's' => Some((b"show".as_slice(), b'S')),
            _ => None,
        };
        let mut valid = true;
        match named {
            Some((name, c)) => match long_name(s, i, name) {
                Some(end) => {
                    i = end;
                    ch = c;
                }
                None => valid = false,
            },
            None => {
                ch = byte(i);
                if byte(i + 1) == b',' {
                    i += 1;
                }
            }
        }
        match ch {
            _ if !valid => {}
            b':' => flags |= PERDIR_MERGE | FINISH_SETUP | MERGE_FILE,
            b'.' => flags |= MERGE_FILE,
            b'+' => flags |= INCLUDE,
            b'-' => {}
            b'S' => {
                flags |= INCLUDE | SENDER_SIDE;
                side_prefix = true;
            }
            b'H' => {
                flags |= SENDER_SIDE;
                side_prefix = true;
            }
            b'R' => {
                flags |= INCLUDE | RECEIVER_SIDE;
                side_prefix = true;
            }
            b'P' => {
                flags |= RECEIVER_SIDE;
                side_prefix = true;
            }
            b'!' => flags |= CLEAR_LIST,
            _ => valid = false,
        }
        if !valid {
            return Err(FilterError::UnknownRule {
                rule: rule_text(),
                origin: origin.clone(),
            });
        }
        // Modifiers, up to a space or '_' (or whitespace when word-splitting).
        if ch != b'!' {
            loop {
                i += 1;
                let c = byte(i);
                if i >= s.len() || c == b' ' || c == b'_' {
                    break;
                }
                if template & WORD_SPLIT != 0 && is_space(c) {
                    i -= 1;
                    break;
                }
                let invalid = || FilterError::InvalidModifier {
                    modifier: c as char,
                    position: i - rule_start,
                    rule: String::from_utf8_lossy(&s[rule_start..]).into_owned(),
                    origin: origin.clone(),
                };
                let merge_no_prefix = flags & MERGE_FILE != 0 && flags & NO_PREFIXES == 0;
                match c {
                    b'-' if merge_no_prefix => flags |= NO_PREFIXES,
                    b'+' if merge_no_prefix => flags |= NO_PREFIXES | INCLUDE,
                    b'/' => flags |= ABS_PATH,
                    b'!' if flags & MERGE_FILE == 0 => flags |= NEGATE,
                    b'C' if flags & NO_PREFIXES == 0 && !side_prefix => {
                        flags |= NO_PREFIXES | WORD_SPLIT | NO_INHERIT | CVS_IGNORE
                    }
                    b'e' if flags & MERGE_FILE != 0 => flags |= EXCLUDE_SELF,
                    b'n' if flags & MERGE_FILE != 0 => flags |= NO_INHERIT,
                    b'p' => flags |= PERISHABLE,
                    b'r' if !side_prefix => flags |= RECEIVER_SIDE,
                    b's' if !side_prefix => flags |= SENDER_SIDE,
                    b'w' if flags & MERGE_FILE != 0 => flags |= WORD_SPLIT,
                    b'x' => flags |= XATTR,
                    _ => return Err(invalid()),
                }
            }
        }
        if i < s.len() {
            i += 1;
        }
    }

    if template & SIDES != 0 {
        if flags & SIDES != 0 {
            return Err(FilterError::SideInSidedMerge {
                rule: rule_text(),
                origin: origin.clone(),
            });
        }
        flags |= template & SIDES;
    }

    let len = if template & WORD_SPLIT != 0 {
        s[i..].iter().take_while(|&&c| !is_space(c)).count()
    } else {
        s.len() - i
    };

    if flags & CLEAR_LIST != 0 {
        if (flags | template) & NO_PREFIXES == 0 && !xflags.old_prefixes && len > 0 {
            return Err(FilterError::ClearWithArgument {
                rule: rule_text(),
                origin: origin.clone(),
            });
        }
        if len > 1 {
            flags &= !CLEAR_LIST;
        }
    } else if len == 0 && flags & CVS_IGNORE == 0 {
        return Err(FilterError::MissingPattern {
            rule: rule_text(),
            origin: origin.clone(),
        });
    }

    // --delete-excluded turns an unmodified include/exclude into a
    // sender-side rule.
    if delete_excluded && flags & (SIDES | MERGE_FILE | PERDIR_MERGE) == 0 {
        flags |= SENDER_SIDE;
    }

    *pos = i + len;
    Ok(Some(Token {
        flags,
        pat_start: i,
        pat_len: len,
    }))
}
