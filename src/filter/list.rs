//! A compiled rule list for one side, and its evaluation: a port of
//! `check_filter` and `rule_matches` from rsync's `exclude.c`.

use super::engine::{Engine, MergeList};
use super::rule::*;
use super::wildmatch::{litmatch_at, wildmatch_at};
use std::cell::OnceCell;

/// The texts one path is matched as, built on first use.
pub(crate) struct Texts<'a> {
    /// The path as given.
    fname: &'a [u8],
    /// Without a leading slash.
    name: &'a [u8],
    /// Its last element.
    base: &'a [u8],
    /// "/" + name + "/".
    slashed: OnceCell<Vec<u8>>,
    /// abs_prefix + "/" + name + "/".
    abs: OnceCell<Vec<u8>>,
}

impl<'a> Texts<'a> {
    fn new(fname: &'a [u8]) -> Self {
        let name = fname.strip_prefix(b"/").unwrap_or(fname);
        let base = match name.iter().rposition(|&b| b == b'/') {
            Some(i) => &name[i + 1..],
            None => name,
        };
        Texts {
            fname,
            name,
            base,
            slashed: OnceCell::new(),
            abs: OnceCell::new(),
        }
    }

    fn slashed(&self) -> &[u8] {
        self.slashed.get_or_init(|| {
            let mut v = Vec::with_capacity(self.name.len() + 2);
            v.push(b'/');
            v.extend_from_slice(self.name);
            v.push(b'/');
            v
        })
    }

    fn abs(&self, prefix: &[u8]) -> &[u8] {
        self.abs.get_or_init(|| {
            let mut v = Vec::with_capacity(prefix.len() + self.name.len() + 2);
            v.extend_from_slice(prefix);
            v.push(b'/');
            v.extend_from_slice(self.name);
            v.push(b'/');
            v
        })
    }
}

/// Whether `needle` (not empty) occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    if needle.len() > hay.len() {
        return false;
    }
    let last = hay.len() - needle.len();
    let first = needle[0];
    let mut i = 0;
    while i <= last {
        match hay[i..=last].iter().position(|&b| b == first) {
            None => return false,
            Some(k) => {
                i += k;
                if &hay[i..i + needle.len()] == needle {
                    return true;
                }
                i += 1;
            }
        }
    }
    false
}

/// What the rules say about a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An include rule matched first.
    Included,
    /// An exclude rule matched first.
    Excluded,
    /// No rule matched: the default is to include.
    NoMatch,
}

impl Decision {
    /// rsync's default: only an exclude rule leaves a name out.
    pub fn is_excluded(self) -> bool {
        self == Decision::Excluded
    }
}

/// The rule list of one side of a transfer, with the per-directory merge
/// state of the directory being visited. Made by
/// [`super::Filters::for_side`]; call [`DirFilter::push_dir`] for each
/// directory before asking about its entries.
#[derive(Debug, Clone)]
pub struct DirFilter {
    pub(crate) engine: Engine,
    pub(crate) top: Vec<Rule>,
    /// The transfer root, absolute, with a trailing '/'.
    pub(crate) root: Vec<u8>,
    /// The root without its leading '/' (rsync: `curr_dir + 1`), empty
    /// when the root is '/'.
    pub(crate) abs_prefix: Vec<u8>,
}

impl DirFilter {
    /// The decision for `path` (relative to the transfer root, no leading
    /// slash), skipping perishable rules when `ignore_perishable`.
    pub fn check(&self, path: &[u8], is_dir: bool, ignore_perishable: bool) -> Decision {
        let t = Texts::new(path);
        match self.check_list(&self.top, &t, is_dir, ignore_perishable) {
            1 => Decision::Included,
            -1 => Decision::Excluded,
            _ => Decision::NoMatch,
        }
    }

    /// Whether `path` is excluded (rsync's `name_is_excluded`).
    pub fn is_excluded(&self, path: &[u8], is_dir: bool) -> bool {
        self.check(path, is_dir, false).is_excluded()
    }

    /// Whether there are no rules at all on this side.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty()
    }

    fn check_list(&self, rules: &[Rule], t: &Texts<'_>, is_dir: bool, ign: bool) -> i8 {
        for r in rules {
            if ign && r.has(PERISHABLE) {
                continue;
            }
            if r.has(PERDIR_MERGE) {
                if let Some(m) = self.engine.merges.get(r.merge_id) {
                    let rc = self.check_merge(m, t, is_dir, ign);
                    if rc != 0 {
                        return rc;
                    }
                }
                continue;
            }
            if r.has(CVS_IGNORE) {
                if let Some(cvs) = &self.engine.cvs {
                    let rc = self.check_list(cvs, t, is_dir, ign);
                    if rc != 0 {
                        return rc;
                    }
                }
                continue;
            }
            if self.rule_matches(r, t, is_dir) {
                return if r.has(INCLUDE) { 1 } else { -1 };
            }
        }
        0
    }

    fn check_merge(&self, m: &MergeList, t: &Texts<'_>, is_dir: bool, ign: bool) -> i8 {
        if !m.active {
            return 0;
        }
        for level in m.levels.iter().rev() {
            let rc = self.check_list(&level.rules, t, is_dir, ign);
            if rc != 0 {
                return rc;
            }
            if !level.inherit {
                break;
            }
        }
        0
    }

    /// rsync's `rule_matches`. The texts a rule may need (the name, its
    /// last element, "/" + name, the absolute path, each with a trailing
    /// "/" for `***` on directories) are built at most once per path.
    fn rule_matches(&self, r: &Rule, t: &Texts<'_>, is_dir: bool) -> bool {
        let ret_match = !r.has(NEGATE);
        if t.name.is_empty() || r.has(XATTR) {
            return false;
        }
        if !is_dir && r.has(DIRECTORY) {
            return !ret_match;
        }
        // Let a trailing "/***" match the directory itself.
        let wild3 = is_dir && r.has(WILD3_SUFFIX);
        let cut = |v: &'_ [u8]| -> usize { v.len() - usize::from(!wild3) };
        let from_root = t.fname.first() != Some(&b'/');
        if r.slash_cnt == 0 && !r.has(WILD2) {
            // No slash and no "**": match the name's last element only.
            if r.fast != Fast::None {
                return r.fast.matches(&r.pattern, t.base) == ret_match;
            }
            self.match_text(r, t.base, 1, ret_match)
        } else if r.has(ABS_PATH) && from_root && !self.abs_prefix.is_empty() {
            let abs = t.abs(&self.abs_prefix);
            self.match_text(r, &abs[..cut(abs)], 3, ret_match)
        } else if r.has(WILD2_PREFIX) && from_root {
            // Let "**/" match at the start of the path.
            let s = t.slashed();
            self.match_text(r, &s[..cut(s)], 2, ret_match)
        } else if wild3 {
            self.match_text(r, &t.slashed()[1..], 2, ret_match)
        } else {
            self.match_text(r, t.name, 1, ret_match)
        }
    }

    fn match_text(&self, r: &Rule, text: &[u8], parts: usize, ret_match: bool) -> bool {
        let mut pattern: &[u8] = &r.pattern;
        let anchored = pattern.first() == Some(&b'/');
        if anchored {
            pattern = &pattern[1..];
        }
        let where_ = if !anchored && r.slash_cnt > 0 && !r.has(WILD2) {
            // An unanchored pattern with an inner slash matches the last
            // slash_cnt+1 elements.
            r.slash_cnt.min(i32::MAX as u32 - 1) as i32 + 1
        } else if !anchored && !r.has(WILD2_PREFIX) && r.has(WILD2) {
            -1
        } else {
            0
        };
        let hit = if r.has(WILD) {
            let n = r.required.len();
            (n == 0 || contains(text, &r.required)) && wildmatch_at(pattern, text, where_)
        } else if parts > 1 {
            litmatch_at(pattern, text, where_)
        } else if anchored {
            text == pattern
        } else {
            // The pattern must equal the name or a trailing run of its
            // elements.
            let (l1, l2) = (text.len(), pattern.len());
            l2 <= l1 && text.ends_with(pattern) && (l1 == l2 || text[l1 - l2 - 1] == b'/')
        };
        if hit {
            ret_match
        } else {
            !ret_match
        }
    }
}
