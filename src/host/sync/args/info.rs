//! rsync's output levels (`--info=FLAGS`, and what `-v`, `--stats` and
//! `--progress` imply): options.c's `info_words`, `parse_output_words`
//! and `set_output_verbosity`, with their priorities (a word given with
//! `--info` wins over what the other options imply).

use super::UsageError;

/// One level per rsync INFO word, in rsync's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Info {
    levels: [u8; WORDS.len()],
    priority: [u8; WORDS.len()],
}

/// rsync's INFO words.
const WORDS: [&str; 13] = [
    "BACKUP", "COPY", "DEL", "FLIST", "MISC", "MOUNT", "NAME", "NONREG", "PROGRESS", "REMOVE",
    "SKIP", "STATS", "SYMSAFE",
];

/// What `-v` (1), `-vv` (2) and nothing (0) turn on.
const VERBOSITY: [&str; 3] = [
    "NONREG",
    "COPY,DEL,FLIST,MISC,NAME,STATS,SYMSAFE",
    "BACKUP,MISC2,MOUNT,NAME2,REMOVE,SKIP",
];

/// `--info` given by the user.
pub const USER: u8 = 2;
/// Implied by other options.
pub const DEFAULT: u8 = 0;

macro_rules! level {
    ($name:ident, $i:expr) => {
        #[doc = concat!("The ", stringify!($name), " level.")]
        pub fn $name(&self) -> u8 {
            self.levels[$i]
        }
    };
}

impl Info {
    level!(del, 2);
    level!(flist, 3);
    level!(name, 6);
    level!(nonreg, 7);
    level!(progress, 8);
    level!(remove, 9);
    level!(skip, 10);
    level!(stats, 11);
    level!(symsafe, 12);

    /// Sets the levels `words` names ("name2,stats", "all", "none"), as
    /// `parse_output_words` does at `priority`.
    pub fn parse(&mut self, words: &str, priority: u8) -> Result<(), UsageError> {
        for w in words.split(',').filter(|w| !w.is_empty()) {
            let digits = w.len() - w.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (name, num) = if digits == w.len() {
                (w, "")
            } else {
                w.split_at(w.len() - digits)
            };
            let lev: u8 = if num.is_empty() {
                1
            } else {
                num.parse::<u32>().map_or(4, |n| n.min(4) as u8)
            };
            let (name, lev) = if name.eq_ignore_ascii_case("none") {
                ("", 0)
            } else if name.eq_ignore_ascii_case("all") {
                ("", lev)
            } else {
                (name, lev)
            };
            let mut found = false;
            for (j, word) in WORDS.iter().enumerate() {
                if name.is_empty() || word.eq_ignore_ascii_case(name) {
                    found = true;
                    if priority >= self.priority[j] {
                        self.priority[j] = priority;
                        self.levels[j] = lev;
                    }
                }
            }
            if !found {
                return Err(UsageError(format!("Unknown --info item: \"{name}\"")));
            }
        }
        Ok(())
    }

    /// What `-v` given `level` times turns on (`set_output_verbosity`).
    pub fn verbosity(&mut self, level: u8) {
        for words in VERBOSITY.iter().take(usize::from(level.min(2)) + 1) {
            self.parse(words, DEFAULT).expect("rsync's own words");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_as_rsync() {
        let mut i = Info::default();
        i.parse("name2,stats", USER).unwrap();
        i.verbosity(1);
        assert_eq!((i.name(), i.stats(), i.del(), i.nonreg()), (2, 1, 1, 1));
        i.parse("none", USER).unwrap();
        assert_eq!((i.name(), i.flist()), (0, 0));
        assert!(i.parse("bogus", USER).is_err());
        let mut v = Info::default();
        v.verbosity(2);
        assert_eq!((v.name(), v.flist(), v.stats()), (2, 1, 1));
    }
}
