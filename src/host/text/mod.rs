//! rsync's text forms, one copy for the whole host: dates
//! ([`date`]), permission strings and `ls -l` lines ([`mode`]), numbers
//! with separators or units and sizes as options take them ([`num`]), item
//! strings ([`itemize`]), the `--out-format` / `log format` renderer
//! ([`format`]), and names with control characters escaped ([`escape`]).
//!
//! A leaf: nothing here imports the rest of the host, so `sync`, `serve`
//! and the clients all print the same bytes for the same thing.

pub mod date;
pub mod format;
pub mod itemize;
pub mod mode;
pub mod num;

/// Control characters escaped (`\n`, `\u{1b}`), for the server's log
/// lines and messages, where a name must not start a new line.
pub fn escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::escape("a\nb\tc\u{1b}d é"), "a\\nb\\tc\\u{1b}d é");
    }
}
