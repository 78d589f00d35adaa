//! rsync's item flags (`rsync.h` ITEM_*), the `%i` string built from them
//! and the `--out-format` escapes (`log_formatted` in log.c).

use super::flist::{Item, Kind};
use crate::host::text::format::{Escape, Field, Fields};
pub use crate::host::text::itemize::*;
use crate::host::text::{date, mode, num};

/// The `%i` letter of a kind.
pub fn kind_letter(kind: Kind) -> u8 {
    match kind {
        Kind::File => b'f',
        Kind::Dir => b'd',
        Kind::Symlink => b'L',
        Kind::Device => b'D',
        Kind::Special => b'S',
    }
}

/// The 11-character `%i` string of an entry.
pub fn item_string(kind: Kind, iflags: u32, times: bool) -> String {
    crate::host::text::itemize::item_string(kind_letter(kind), iflags, times)
}

/// What one log line is about.
pub struct LogItem<'a> {
    pub item: &'a Item,
    /// The name to show (`%n`): the item's path in the file list.
    pub name: &'a [u8],
    pub iflags: u32,
    /// "send" or "del."
    pub op: &'static str,
    pub bytes: u64,
    /// The hard link's target, for `%L`.
    pub hlink: Option<&'a [u8]>,
    pub times: bool,
    /// The source directory as the sender named it (rsync's
    /// F_PATHNAME), for `%f`.
    pub sender_path: Option<&'a [u8]>,
    /// What `%C` shows (`filesum::SumKind::shown`); None: no format
    /// asks for it.
    pub checksum: Option<String>,
    /// Whether owners and groups are sent (`-o`, `-g`), for `%U`, `%G`.
    pub uid_gid: (bool, bool),
}

/// rsync's `clean_fname` (no flags): repeated slashes and "./"
/// components dropped, a trailing slash too; "." for nothing.
pub fn clean_fname(name: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(name.len());
    let mut f = 0;
    if name.first() == Some(&b'/') {
        out.push(b'/');
        f = 1;
    }
    let anchored = out.len();
    while f < name.len() {
        if name[f] == b'/' {
            f += 1;
            continue;
        }
        if name[f] == b'.' && name.get(f + 1) == Some(&b'/') {
            f += 2;
            continue;
        }
        while f < name.len() {
            let c = name[f];
            out.push(c);
            f += 1;
            if c == b'/' {
                break;
            }
        }
    }
    if out.len() > anchored && out.last() == Some(&b'/') {
        out.pop();
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// Renders an `--out-format` for one item (rsync's `log_formatted`);
/// an escape rsync has no value for here (`%h`, `%a`, `%P`, `%u` outside a
/// daemon, or an unknown letter) stays as it was written. The line comes
/// back in display form.
pub fn render(fmt: &str, li: &LogItem<'_>) -> String {
    super::flist::show(&crate::host::text::format::render(fmt, li))
}

impl Fields for LogItem<'_> {
    fn field(&self, e: &Escape<'_>) -> Option<Field> {
        let (li, it) = (self, self.item);
        let number = |n: u64| Field::Text(num::num(n, e.humanize).into_bytes());
        let text = |s: String| Field::Text(s.into_bytes());
        Some(match e.letter {
            b'n' => {
                let mut s = if li.name.is_empty() {
                    b".".to_vec()
                } else {
                    li.name.to_vec()
                };
                if it.is_dir() {
                    s.push(b'/');
                }
                Field::Text(s)
            }
            b'f' => {
                let name: &[u8] = if li.name.is_empty() { b"." } else { li.name };
                let mut s = match li.sender_path {
                    Some(dir) => {
                        let mut j = dir.to_vec();
                        if !j.is_empty() && !j.ends_with(b"/") {
                            j.push(b'/');
                        }
                        j.extend_from_slice(name);
                        clean_fname(&j)
                    }
                    None => clean_fname(name),
                };
                if s.first() == Some(&b'/') {
                    s.remove(0);
                }
                Field::Text(s)
            }
            b'L' => match (li.hlink, &it.link) {
                (Some(h), _) if !h.is_empty() => Field::Lead(b" => ", h.to_vec()),
                (_, Some(t)) if it.kind == Kind::Symlink && li.iflags & DELETED == 0 => {
                    Field::Lead(b" -> ", t.clone())
                }
                _ if e.flags.is_empty() => Field::Lead(b"", Vec::new()),
                _ => Field::Lead(b"    ", Vec::new()),
            },
            b'l' => number(it.size),
            b'b' | b'c' => number(if li.iflags & TRANSFER != 0 {
                li.bytes
            } else {
                0
            }),
            b'i' => text(item_string(it.kind, li.iflags, li.times)),
            b'o' => text(li.op.to_string()),
            b't' => text(date::timestring(date::now(), ' ')),
            b'M' => text(date::timestring(it.mtime, '-')),
            // rsync's sender logs the ids of its own list, not mapped.
            b'U' => text(if li.uid_gid.0 { sender_ids(it).0 } else { 0 }.to_string()),
            b'G' => match li.uid_gid.1 {
                true => text(sender_ids(it).1.to_string()),
                false => text("DEFAULT".into()),
            },
            b'B' => text(mode::perm_string(it.mode)),
            b'p' => text(std::process::id().to_string()),
            // A digest is padded to the width; the blanks shown where there
            // is none are not (rsync writes them straight into its buffer).
            b'C' => match &li.checksum {
                Some(s) if !s.bytes().all(|c| c == b' ') => Field::Text(s.clone().into_bytes()),
                Some(s) => Field::Raw(s.clone().into_bytes()),
                None => Field::Raw(vec![b' '; 32]),
            },
            // The module's name: empty outside a daemon.
            b'm' => Field::Text(Vec::new()),
            _ => return None,
        })
    }
}

/// The owner and group the sender listed for `it`.
fn sender_ids(it: &Item) -> (u32, u32) {
    it.sender_ids.unwrap_or((it.uid, it.gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_their_letters() {
        assert_eq!(
            item_string(Kind::Symlink, IS_NEW | LOCAL_CHANGE, true),
            "cL+++++++++"
        );
        assert_eq!(item_string(Kind::Device, TRANSFER, true), ">D.........");
        assert_eq!(item_string(Kind::Special, 0, true), ".S         ");
    }
}
