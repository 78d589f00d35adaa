//! `-8` (`--8-bit-output`) and `--stderr=all`: how names reach the
//! output. With `-8` rsync prints a name's high-bit bytes as they are;
//! wsync's lines are Strings, so such a byte is carried through them as
//! a private-use character (U+10FF80 to U+10FFFF) and written back as the
//! byte when the line is output.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static EIGHT_BIT: AtomicBool = AtomicBool::new(false);
/// 0: errors to stderr, the rest to stdout; 1: all to stderr.
static STDERR_ALL: AtomicU8 = AtomicU8::new(0);

const BASE: u32 = 0x10FF00;

/// Sets the run's output modes.
pub fn set(a: &super::args::SyncArgs) {
    EIGHT_BIT.store(a.more.eight_bit, Ordering::Relaxed);
    let all = a.more.stderr == super::args::StderrMode::All;
    STDERR_ALL.store(u8::from(all), Ordering::Relaxed);
}

/// Whether `-8` is in force.
pub fn eight_bit() -> bool {
    EIGHT_BIT.load(Ordering::Relaxed)
}

/// Whether every message goes to standard error (`--stderr=all`).
pub fn all_to_stderr() -> bool {
    STDERR_ALL.load(Ordering::Relaxed) == 1
}

/// The character that carries byte `b` (0x80 and up) through a line.
pub fn carry(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// A line's bytes as output: carried bytes written back as themselves.
pub fn bytes(s: &str) -> Cow<'_, [u8]> {
    if !s
        .chars()
        .any(|c| (BASE + 0x80..=BASE + 0xff).contains(&u32::from(c)))
    {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let u = u32::from(c);
        if (BASE + 0x80..=BASE + 0xff).contains(&u) {
            out.push((u - BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

/// Writes `line` and a newline on stderr, carried bytes as themselves.
pub fn eprint_line(line: &str) {
    use std::io::Write;
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(&bytes(line));
    let _ = e.write_all(b"\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn carried_bytes_come_back() {
        let s = format!("caf{} x", super::carry(0xe9));
        assert_eq!(&*super::bytes(&s), b"caf\xe9 x");
        assert_eq!(&*super::bytes("plain é"), "plain é".as_bytes());
    }
}
