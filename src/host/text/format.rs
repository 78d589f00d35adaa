//! rsync's `--out-format` and `log format` renderer (`log_formatted` in
//! log.c), one for `wsync sync`, the clients and the server's log file:
//! each side says what its escapes are worth through [`Fields`].

/// One escape of a format: `%['][-][WIDTH][']X`.
pub struct Escape<'f> {
    /// The letter (`n`, `l`, `i`...).
    pub letter: u8,
    /// How many `'` it has: the human-readable level of a number
    /// (`%'l` prints `1,234`).
    pub humanize: u8,
    /// `-` (left-aligned) and the width, as written: `-10`, `5`, or empty.
    pub flags: &'f str,
}

/// One escape's value.
pub enum Field {
    /// Text padded to the escape's width.
    Text(Vec<u8>),
    /// `%L`: a lead (` -> `, ` => `) as it is, then the target padded.
    Lead(&'static [u8], Vec<u8>),
    /// Text as it is, whatever the width (rsync's `log_formatted` pads
    /// only a value that is not already in its `buf2`, and `%C`'s blanks
    /// are written there).
    Raw(Vec<u8>),
}

/// What a line's escapes are worth.
pub trait Fields {
    /// The value of `e`; None when this side has none, and the escape
    /// then stays as written (as rsync leaves `%h` outside a daemon).
    fn field(&self, e: &Escape<'_>) -> Option<Field>;
}

/// A piece of a format: text as it is, or an escape.
enum Piece<'f> {
    Text(&'f [u8]),
    Escape(Escape<'f>, &'f [u8]),
    /// A lone `%` at the end and what follows it: rsync stops there.
    Rest(&'f [u8]),
}

/// The next piece of `f` from `i`, and where the one after starts.
fn piece(f: &str, i: usize) -> (Piece<'_>, usize) {
    let b = f.as_bytes();
    if b[i] != b'%' {
        let end = b[i..]
            .iter()
            .position(|&c| c == b'%')
            .map_or(b.len(), |n| i + n);
        return (Piece::Text(&b[i..end]), end);
    }
    let mut p = i + 1;
    let mut humanize = 0u8;
    while b.get(p) == Some(&b'\'') {
        humanize += 1;
        p += 1;
    }
    let flags_start = p;
    if b.get(p) == Some(&b'-') {
        p += 1;
    }
    while b.get(p).is_some_and(u8::is_ascii_digit) {
        p += 1;
    }
    let flags = &f[flags_start..p];
    while b.get(p) == Some(&b'\'') {
        humanize += 1;
        p += 1;
    }
    match b.get(p) {
        None => (Piece::Rest(&b[i..]), b.len()),
        Some(&letter) => {
            let e = Escape {
                letter,
                humanize,
                flags,
            };
            (Piece::Escape(e, &b[i..p]), p + 1)
        }
    }
}

/// printf's `%s` with rsync's flags (`-` and a width) over bytes.
pub fn pad(s: &[u8], flags: &str) -> Vec<u8> {
    let left = flags.starts_with('-');
    let width: usize = flags.trim_start_matches('-').parse().unwrap_or(0);
    let mut out = Vec::with_capacity(s.len().max(width));
    if s.len() < width && !left {
        out.resize(width - s.len(), b' ');
    }
    out.extend_from_slice(s);
    if out.len() < width {
        out.resize(width, b' ');
    }
    out
}

/// Renders `fmt` over `fields` (bytes: names are bytes). `%%` is a
/// percent sign; an escape without a value stays as written and the scan
/// goes on at its letter, as rsync's.
pub fn render(fmt: &str, fields: &dyn Fields) -> Vec<u8> {
    let mut out = Vec::with_capacity(fmt.len() + 32);
    let mut i = 0;
    while i < fmt.len() {
        let (p, next) = piece(fmt, i);
        match p {
            Piece::Text(t) | Piece::Rest(t) => out.extend_from_slice(t),
            Piece::Escape(e, _) if e.letter == b'%' => out.extend(pad(b"%", e.flags)),
            Piece::Escape(e, written) => match fields.field(&e) {
                Some(Field::Text(v)) => out.extend(pad(&v, e.flags)),
                Some(Field::Raw(v)) => out.extend(v),
                Some(Field::Lead(lead, v)) => {
                    out.extend_from_slice(lead);
                    out.extend(pad(&v, e.flags));
                }
                None => {
                    out.extend_from_slice(written);
                    i = next - 1;
                    continue;
                }
            },
        }
        i = next;
    }
    out
}

/// Checks that every escape of `fmt` is `%%` or one of `known` (a server's
/// `log format` from its configuration: an unknown escape is an error).
pub fn check(fmt: &str, known: &[u8], what: &str) -> Result<(), String> {
    let mut i = 0;
    while i < fmt.len() {
        let (p, next) = piece(fmt, i);
        match p {
            Piece::Rest(_) => return Err(format!("{what} ends with %")),
            Piece::Escape(e, _) if e.letter != b'%' && !known.contains(&e.letter) => {
                let c = fmt[next - 1..].chars().next().unwrap_or('?');
                return Err(format!("unknown escape %{c} in {what}"));
            }
            _ => {}
        }
        i = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;
    impl Fields for Two {
        fn field(&self, e: &Escape<'_>) -> Option<Field> {
            match e.letter {
                b'n' => Some(Field::Text(b"name".to_vec())),
                b'l' => Some(Field::Text(
                    super::super::num::num(1234, e.humanize).into_bytes(),
                )),
                b'L' => Some(Field::Lead(b" -> ", b"t".to_vec())),
                _ => None,
            }
        }
    }

    #[test]
    fn escapes_widths_and_humanizing() {
        let r = |f: &str| String::from_utf8(render(f, &Two)).unwrap();
        assert_eq!(r("%n %l %'l %''l"), "name 1234 1,234 1.23K");
        assert_eq!(r("[%6n][%-6n][%'8l]"), "[  name][name  ][   1,234]");
        assert_eq!(r("%n%L|%3L"), "name -> t| ->   t");
        assert_eq!(r("100%% %h %q %3%"), "100% %h %q   %");
        assert_eq!(r("%5h|"), "%5h|");
        assert_eq!(r("end %"), "end %");
        assert_eq!(r("end %-5"), "end %-5");
    }

    #[test]
    fn checked_formats() {
        assert!(check("%o %-10n %'l %%", b"onl", "log format").is_ok());
        assert_eq!(
            check("%q", b"onl", "log format").unwrap_err(),
            "unknown escape %q in log format"
        );
        assert_eq!(
            check("50%", b"onl", "log format").unwrap_err(),
            "log format ends with %"
        );
    }
}
