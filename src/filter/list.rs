//! A compiled rule list for one side, and its evaluation: a port of
//! `check_filter` and `rule_matches` from rsync's `exclude.c`.

use super::engine::{Engine, MergeList};
use super::rule::*;
use super::wildmatch::{litmatch_at, wildmatch_at};

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
        match self.check_list(&self.top, path, is_dir, ignore_perishable) {
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

    fn check_list(&self, rules: &[Rule], name: &[u8], is_dir: bool, ign: bool) -> i8 {
        for r in rules {
            if ign && r.has(PERISHABLE) {
                continue;
            }
            if r.has(PERDIR_MERGE) {
                if let Some(m) = self.engine.merges.get(r.merge_id) {
                    let rc = self.check_merge(m, name, is_dir, ign);
                    if rc != 0 {
                        return rc;
                    }
                }
                continue;
            }
            if r.has(CVS_IGNORE) {
                if let Some(cvs) = &self.engine.cvs {
                    let rc = self.check_list(cvs, name, is_dir, ign);
                    if rc != 0 {
                        return rc;
                    }
                }
                continue;
            }
            if self.rule_matches(r, name, is_dir) {
                return if r.has(INCLUDE) { 1 } else { -1 };
            }
        }
        0
    }

    fn check_merge(&self, m: &MergeList, name: &[u8], is_dir: bool, ign: bool) -> i8 {
        if !m.active {
            return 0;
        }
        for level in m.levels.iter().rev() {
            let rc = self.check_list(&level.rules, name, is_dir, ign);
            if rc != 0 {
                return rc;
            }
            if !level.inherit {
                break;
            }
        }
        0
    }

    /// rsync's `rule_matches`.
    fn rule_matches(&self, r: &Rule, fname: &[u8], is_dir: bool) -> bool {
        let ret_match = !r.has(NEGATE);
        let name = fname.strip_prefix(b"/").unwrap_or(fname);
        if name.is_empty() || r.has(XATTR) {
            return false;
        }
        let mut joined: Vec<u8>;
        let mut text: &[u8] = name;
        let mut parts = 1;
        if r.slash_cnt == 0 && !r.has(WILD2) {
            // No slash and no "**": match the name's last element only.
            if let Some(i) = name.iter().rposition(|&b| b == b'/') {
                text = &name[i + 1..];
            }
        } else if r.has(ABS_PATH) && fname.first() != Some(&b'/') && !self.abs_prefix.is_empty() {
            joined = Vec::with_capacity(self.abs_prefix.len() + name.len() + 2);
            joined.extend_from_slice(&self.abs_prefix);
            joined.push(b'/');
            joined.extend_from_slice(name);
            parts = 3;
            return self.finish_match(r, &mut joined, parts, is_dir, ret_match);
        } else if r.has(WILD2_PREFIX) && fname.first() != Some(&b'/') {
            // Let "**/" match at the start of the path.
            joined = Vec::with_capacity(name.len() + 2);
            joined.push(b'/');
            joined.extend_from_slice(name);
            parts = 2;
            return self.finish_match(r, &mut joined, parts, is_dir, ret_match);
        }
        if is_dir && r.has(WILD3_SUFFIX) {
            joined = Vec::with_capacity(text.len() + 1);
            joined.extend_from_slice(text);
            joined.push(b'/');
            return self.match_text(r, &joined, 2, ret_match);
        }
        if !is_dir && r.has(DIRECTORY) {
            return !ret_match;
        }
        self.match_text(r, text, parts, ret_match)
    }

    fn finish_match(
        &self,
        r: &Rule,
        joined: &mut Vec<u8>,
        parts: usize,
        is_dir: bool,
        ret_match: bool,
    ) -> bool {
        if is_dir {
            // Let a trailing "/***" match the directory itself.
            if r.has(WILD3_SUFFIX) {
                joined.push(b'/');
            }
        } else if r.has(DIRECTORY) {
            return !ret_match;
        }
        self.match_text(r, joined, parts, ret_match)
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
            wildmatch_at(pattern, text, where_)
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
