//! `--iconv=LOCAL[,REMOTE]`: file names (and symlink targets) converted
//! from the sender's charset to the receiver's, as rsync's sender and
//! receiver do through UTF-8. In a local transfer the sender is the
//! client (LOCAL) and the receiver the server (REMOTE; where it is not
//! given, the locale's charset, as rsync's server takes it). wsync knows
//! UTF-8, ISO-8859-1 (latin1) and ASCII; `.` is the locale's charset.

use super::flist::{show, Item};

/// A charset wsync converts names between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Latin1,
    Ascii,
}

impl Charset {
    /// The charset a name (as glibc's iconv spells them) stands for.
    pub fn find(name: &str) -> Option<Charset> {
        let n: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match n.as_str() {
            "" => Some(locale()),
            "utf8" => Some(Charset::Utf8),
            "latin1" | "iso88591" | "l1" | "iso885911987" | "cp819" => Some(Charset::Latin1),
            "ascii" | "usascii" | "ansix341968" | "646" => Some(Charset::Ascii),
            _ => None,
        }
    }

    fn decode(self, b: &[u8]) -> Option<String> {
        match self {
            Charset::Utf8 => std::str::from_utf8(b).ok().map(str::to_string),
            Charset::Latin1 => Some(b.iter().map(|&c| c as char).collect()),
            Charset::Ascii => b
                .is_ascii()
                .then(|| String::from_utf8_lossy(b).into_owned()),
        }
    }

    fn encode(self, s: &str) -> Option<Vec<u8>> {
        match self {
            Charset::Utf8 => Some(s.as_bytes().to_vec()),
            Charset::Latin1 => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
            Charset::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec()),
        }
    }
}

/// The locale's charset (C and POSIX: ASCII).
fn locale() -> Charset {
    let v = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    if v.contains("utf-8") || v.contains("utf8") {
        Charset::Utf8
    } else if v.contains("8859-1") || v.contains("latin1") {
        Charset::Latin1
    } else {
        Charset::Ascii
    }
}

/// The two sides' charsets of `--iconv=SPEC`.
pub fn sides(spec: &str) -> Option<(Charset, Charset)> {
    let (l, r) = spec.split_once(',').unwrap_or((spec, "."));
    Some((Charset::find(l)?, Charset::find(r)?))
}

fn convert(from: Charset, to: Charset, b: &[u8]) -> Option<Vec<u8>> {
    if from == to {
        return Some(b.to_vec());
    }
    to.encode(&from.decode(b)?)
}

/// Converts every item's name and symlink target; an item whose name
/// cannot be converted is left out with rsync's error (exit 23).
pub fn convert_items(spec: &str, items: &mut Vec<Item>, errors: &mut Vec<String>) -> bool {
    let Some((from, to)) = sides(spec) else {
        return false;
    };
    let mut failed = false;
    items.retain_mut(|it| {
        let name = convert(from, to, &it.path);
        let link = it.link.as_ref().map(|l| convert(from, to, l));
        match (name, link) {
            (Some(n), None) => {
                it.sender_name = (n != it.path).then(|| it.path.clone());
                it.path = n;
                true
            }
            (Some(n), Some(Some(l))) => {
                it.sender_name = (n != it.path).then(|| it.path.clone());
                it.path = n;
                it.link = Some(l);
                true
            }
            _ => {
                errors.push(format!(
                    "[sender] cannot convert filename: {} (Invalid argument)",
                    show(&it.path)
                ));
                failed = true;
                false
            }
        }
    });
    if failed || from != to {
        super::flist::sort_items(items);
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_between_charsets() {
        let (l, u) = (Charset::Latin1, Charset::Utf8);
        assert_eq!(convert(l, u, b"caf\xe9").unwrap(), "café".as_bytes());
        assert_eq!(convert(u, l, "café".as_bytes()).unwrap(), b"caf\xe9");
        assert!(convert(u, Charset::Ascii, "café".as_bytes()).is_none());
        assert!(convert(u, l, b"\xff").is_none());
        assert!(convert(u, l, "€".as_bytes()).is_none());
        assert_eq!(Charset::find("ISO-8859-1"), Some(l));
        assert_eq!(Charset::find("bogus"), None);
    }
}
