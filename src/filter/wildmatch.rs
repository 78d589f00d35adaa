//! rsync's wildmatch: shell-style matching where `*` stops at `/`, `**`
//! crosses it, and `[...]` classes never match `/`.
//!
//! A port of the semantics of rsync's `lib/wildmatch.c` (`dowild`,
//! `wildmatch_array`, `litmatch_array`, `trailing_N_elements`), written
//! over byte slices. The text is one slice; rsync's "virtually joined"
//! array of strings is joined by the caller when it has more than one part.

/// The text matched.
const TRUE: i8 = 1;
/// The text did not match here; a caller may try elsewhere.
const FALSE: i8 = 0;
/// No match is possible anywhere (rsync: `ABORT_ALL`).
const ABORT_ALL: i8 = -1;
/// Only an enclosing `**` may retry (rsync: `ABORT_TO_STARSTAR`).
const ABORT_TO_STARSTAR: i8 = -2;

/// The byte at `i`, or 0 past the end (C's terminating NUL).
#[inline]
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Matches `pattern` against the whole of `text`, as rsync's `wildmatch()`.
pub fn wildmatch(pattern: &[u8], text: &[u8]) -> bool {
    dowild(pattern, text) == TRUE
}

/// POSIX class names rsync knows, in the C locale (ASCII only).
fn class_matches(name: &[u8], c: u8) -> Option<bool> {
    Some(match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c.is_ascii_control(),
        b"digit" => c.is_ascii_digit(),
        b"graph" => c.is_ascii_graphic(),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => c.is_ascii_graphic() || c == b' ',
        b"punct" => c.is_ascii_punctuation(),
        // C's isspace: space, \t, \n, \v, \f, \r.
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
        b"upper" => c.is_ascii_uppercase(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// rsync's `dowild()`: returns TRUE, FALSE, ABORT_ALL or ABORT_TO_STARSTAR.
fn dowild(p: &[u8], text: &[u8]) -> i8 {
    let mut pi = 0usize;
    let mut ti = 0usize;
    while pi < p.len() && p[pi] != 0 {
        let mut p_ch = p[pi];
        let t_ch = at(text, ti);
        if ti >= text.len() && p_ch != b'*' {
            return ABORT_ALL;
        }
        match p_ch {
            b'?' => {
                // Match anything but '/'.
                if t_ch == b'/' {
                    return FALSE;
                }
            }
            b'*' => {
                pi += 1;
                let special = if at(p, pi) == b'*' {
                    while at(p, pi) == b'*' {
                        pi += 1;
                    }
                    true
                } else {
                    false
                };
                if at(p, pi) == 0 {
                    // Trailing "**" matches everything; trailing "*" only
                    // if no slash is left.
                    if !special && text[ti..].contains(&b'/') {
                        return FALSE;
                    }
                    return TRUE;
                }
                let rest = &p[pi..];
                while ti < text.len() {
                    let m = dowild(rest, &text[ti..]);
                    if m != FALSE {
                        if !special || m != ABORT_TO_STARSTAR {
                            return m;
                        }
                    } else if !special && text[ti] == b'/' {
                        return ABORT_TO_STARSTAR;
                    }
                    ti += 1;
                }
                return ABORT_ALL;
            }
            b'[' => {
                pi += 1;
                p_ch = at(p, pi);
                if p_ch == b'^' {
                    p_ch = b'!';
                }
                let negated = p_ch == b'!';
                if negated {
                    pi += 1;
                    p_ch = at(p, pi);
                }
                let mut prev_ch = 0u8;
                let mut matched = false;
                loop {
                    if p_ch == 0 {
                        return ABORT_ALL;
                    }
                    if p_ch == b'\\' {
                        pi += 1;
                        p_ch = at(p, pi);
                        if p_ch == 0 {
                            return ABORT_ALL;
                        }
                        if t_ch == p_ch {
                            matched = true;
                        }
                    } else if p_ch == b'-'
                        && prev_ch != 0
                        && at(p, pi + 1) != 0
                        && at(p, pi + 1) != b']'
                    {
                        pi += 1;
                        p_ch = at(p, pi);
                        if p_ch == b'\\' {
                            pi += 1;
                            p_ch = at(p, pi);
                            if p_ch == 0 {
                                return ABORT_ALL;
                            }
                        }
                        if t_ch <= p_ch && t_ch >= prev_ch {
                            matched = true;
                        }
                        p_ch = 0; // makes prev_ch 0
                    } else if p_ch == b'[' && at(p, pi + 1) == b':' {
                        pi += 2;
                        let s = pi;
                        while at(p, pi) != 0 && at(p, pi) != b']' {
                            pi += 1;
                        }
                        if at(p, pi) == 0 {
                            return ABORT_ALL;
                        }
                        if pi < s + 1 || p[pi - 1] != b':' {
                            // No ":]": treat the '[' like a normal member.
                            pi = s - 2;
                            p_ch = b'[';
                            if t_ch == p_ch {
                                matched = true;
                            }
                            prev_ch = p_ch;
                            pi += 1;
                            p_ch = at(p, pi);
                            if p_ch == b']' {
                                break;
                            }
                            continue;
                        }
                        match class_matches(&p[s..pi - 1], t_ch) {
                            Some(true) => matched = true,
                            Some(false) => {}
                            None => return ABORT_ALL, // malformed [:class:]
                        }
                        p_ch = 0;
                    } else if t_ch == p_ch {
                        matched = true;
                    }
                    prev_ch = p_ch;
                    pi += 1;
                    p_ch = at(p, pi);
                    if p_ch == b']' {
                        break;
                    }
                }
                if matched == negated || t_ch == b'/' {
                    return FALSE;
                }
            }
            _ => {
                if p_ch == b'\\' {
                    // Literal match with the following character.
                    pi += 1;
                    p_ch = at(p, pi);
                }
                if t_ch != p_ch {
                    return FALSE;
                }
            }
        }
        pi += 1;
        ti += 1;
    }
    if ti < text.len() {
        FALSE
    } else {
        TRUE
    }
}

/// The start of the last `count` slash-separated elements of `text`
/// (rsync's `trailing_N_elements`), or `None` when there are fewer.
fn trailing_elements(text: &[u8], mut count: usize) -> Option<usize> {
    for i in (0..text.len()).rev() {
        if text[i] == b'/' {
            count -= 1;
            if count == 0 {
                return Some(i + 1);
            }
        }
    }
    (count == 1).then_some(0)
}

/// rsync's `wildmatch_array` over a joined text: `where_ > 0` matches the
/// trailing `where_` elements, `< 0` tries the start and after every slash,
/// `0` matches the whole text.
pub fn wildmatch_at(pattern: &[u8], text: &[u8], where_: i32) -> bool {
    let start = if where_ > 0 {
        match trailing_elements(text, where_ as usize) {
            Some(s) => s,
            None => return false,
        }
    } else {
        0
    };
    let text = &text[start..];
    let mut matched = dowild(pattern, text);
    if matched != TRUE && where_ < 0 && matched != ABORT_ALL {
        let mut i = 0;
        loop {
            if i >= text.len() {
                return false;
            }
            let c = text[i];
            i += 1;
            if c == b'/' {
                matched = dowild(pattern, &text[i..]);
                if matched != FALSE && matched != ABORT_TO_STARSTAR {
                    break;
                }
            }
        }
    }
    matched == TRUE
}

/// rsync's `litmatch_array`: a literal comparison, optionally of the
/// trailing `where_` elements only.
pub fn litmatch_at(literal: &[u8], text: &[u8], where_: i32) -> bool {
    let start = if where_ > 0 {
        match trailing_elements(text, where_ as usize) {
            Some(s) => s,
            None => return false,
        }
    } else {
        0
    };
    &text[start..] == literal
}

/// A problem in a wildcard pattern that makes (part of) it unmatchable:
/// an unclosed `[` or a trailing backslash. rsync accepts both silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternFlaw {
    /// A `[` with no closing `]`: the pattern can never match from there.
    UnclosedClass,
    /// A backslash as the pattern's last byte, escaping nothing.
    TrailingBackslash,
}

/// Finds the first flaw in a wildcard pattern, scanning as `dowild` parses.
pub fn pattern_flaw(p: &[u8]) -> Option<PatternFlaw> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' => {
                if i + 1 >= p.len() {
                    return Some(PatternFlaw::TrailingBackslash);
                }
                i += 2;
                continue;
            }
            b'[' => {
                i += 1;
                if matches!(at(p, i), b'!' | b'^') {
                    i += 1;
                }
                // The first member may be ']'.
                let mut first = true;
                loop {
                    let c = at(p, i);
                    if i >= p.len() {
                        return Some(PatternFlaw::UnclosedClass);
                    }
                    if c == b']' && !first {
                        break;
                    }
                    first = false;
                    if c == b'\\' {
                        i += 1;
                        if i >= p.len() {
                            return Some(PatternFlaw::UnclosedClass);
                        }
                    } else if c == b'[' && at(p, i + 1) == b':' {
                        if let Some(end) = p[i + 2..].iter().position(|&b| b == b']') {
                            let close = i + 2 + end;
                            if close > i + 2 && p[close - 1] == b':' {
                                i = close;
                            }
                        }
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}
