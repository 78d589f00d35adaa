//! Reading rules into lists: a port of `parse_filter_str`,
//! `parse_filter_file`, `add_rule` and `parse_merge_name` from rsync's
//! `exclude.c`, with rsync's global state held in [`Engine`].

use super::error::{FilterError, Origin};
use super::rule::*;
use super::wildmatch::{pattern_flaw, PatternFlaw};
use super::{FilterOptions, MergeSource, ReadError, Side, MAX_MERGE_DEPTH, MAX_MERGE_LISTS};
use crate::text::Describe;

/// A per-directory merge list (rsync: a `mergelist_parents` entry).
#[derive(Debug, Clone)]
pub(crate) struct MergeList {
    /// The dir-merge rule: its flags are the template for its files, its
    /// pattern the file name.
    pub def: Rule,
    pub active: bool,
    /// One level per directory pushed (and per parent directory scanned).
    pub levels: Vec<Level>,
}

/// The rules one directory's merge file added.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    pub depth: usize,
    pub rules: Vec<Rule>,
    /// False when the file cleared the list or the merge rule has `n`.
    pub inherit: bool,
}

/// A list being filled: the global list, or one level of a merge list.
#[derive(Debug, Default)]
pub(crate) struct ListTarget {
    pub rules: Vec<Rule>,
    /// A "!" cleared the list, inherited rules included.
    pub cleared: bool,
}

/// The state rsync keeps in globals, owned per rule set.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub merges: Vec<MergeList>,
    pub cvs: Option<Vec<Rule>>,
    pub opts: FilterOptions,
    pub warnings: Vec<FilterError>,
    /// The side rules are read for (per-directory files only).
    pub side: Option<Side>,
    /// The directory being read, absolute, with a trailing '/' (rsync's
    /// `dirbuf`); empty while parsing the command line.
    pub dirbuf: Vec<u8>,
    pub parent_dirscan: bool,
    /// Merge files being read, to catch a file that merges itself.
    pub reading: Vec<Vec<u8>>,
}

fn flaw_error(flaw: PatternFlaw, rule: String, origin: Origin) -> FilterError {
    match flaw {
        PatternFlaw::UnclosedClass => FilterError::UnclosedClass { rule, origin },
        PatternFlaw::TrailingBackslash => FilterError::TrailingBackslash { rule, origin },
    }
}

/// rsync's `clean_fname(.., CFN_COLLAPSE_DOT_DOT_DIRS)`: drops empty and
/// "." elements and collapses "dir/..".
pub(crate) fn clean_path(p: &[u8]) -> Vec<u8> {
    let abs = p.first() == Some(&b'/');
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in p.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                if matches!(parts.last(), Some(l) if *l != b"..") {
                    parts.pop();
                } else if !abs {
                    parts.push(c);
                }
            }
            _ => parts.push(c),
        }
    }
    let mut out = Vec::with_capacity(p.len());
    if abs {
        out.push(b'/');
    }
    for (i, c) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

impl Engine {
    pub fn new(opts: FilterOptions) -> Self {
        Engine {
            merges: Vec::new(),
            cvs: None,
            opts,
            warnings: Vec::new(),
            side: None,
            dirbuf: Vec::new(),
            parent_dirscan: false,
            reading: Vec::new(),
        }
    }

    /// Reports a rule rsync accepts but that cannot work as written: an
    /// error when strict, else a warning.
    fn flag(&mut self, e: FilterError) -> Result<(), FilterError> {
        if self.opts.strict {
            return Err(e);
        }
        // The same warning once: compared by message, which the wasm build
        // has anyway (the derived `PartialEq` of every variant cost 2 KB).
        let text = e.text();
        if !self.warnings.iter().any(|w| w.text() == text) {
            self.warnings.push(e);
        }
        Ok(())
    }

    /// Clears a list, retiring the merge lists its rules defined.
    pub fn clear_target(&mut self, target: &mut ListTarget) {
        for r in target.rules.drain(..) {
            if r.has(PERDIR_MERGE) {
                retire(&mut self.merges, r.merge_id);
            }
        }
        target.cleared = true;
    }

    /// rsync's `parse_merge_name`: the name unchanged when it has no slash,
    /// else made absolute against the directory being read.
    pub fn merge_name(&self, name: &[u8]) -> Vec<u8> {
        if !self.parent_dirscan && name.first() != Some(&b'/') && !name.contains(&b'/') {
            return name.to_vec();
        }
        if name.first() == Some(&b'/') {
            return clean_path(name);
        }
        let mut full = self.dirbuf.clone();
        full.extend_from_slice(name);
        clean_path(&full)
    }

    /// Parses a string of rules into `target` (rsync's `parse_filter_str`).
    pub fn parse_filter_str<R: MergeSource + ?Sized>(
        &mut self,
        target: &mut ListTarget,
        s: &[u8],
        template: u32,
        xflags: XFlags,
        origin: &Origin,
        reader: &mut R,
    ) -> Result<(), FilterError> {
        // A C string ends at its first NUL.
        let s = match s.iter().position(|&b| b == 0) {
            Some(n) => &s[..n],
            None => s,
        };
        let mut pos = 0;
        while let Some(tok) = parse_rule_tok(
            s,
            &mut pos,
            template,
            xflags,
            self.opts.delete_excluded,
            origin,
        )? {
            let mut pat = &s[tok.pat_start..tok.pat_start + tok.pat_len];
            let mut flags = tok.flags;
            if pat.len() >= MAX_PATTERN_LEN {
                self.flag(FilterError::PatternTooLong {
                    rule: String::from_utf8_lossy(&pat[..64]).into_owned(),
                    len: pat.len(),
                    origin: origin.clone(),
                })?;
                continue;
            }
            if flags & CLEAR_LIST != 0 {
                self.clear_target(target);
                continue;
            }
            if flags & MERGE_FILE != 0 {
                if pat.is_empty() {
                    pat = b".cvsignore";
                }
                if flags & EXCLUDE_SELF != 0 {
                    let base = match pat.iter().rposition(|&b| b == b'/') {
                        Some(i) => &pat[i + 1..],
                        None => pat,
                    };
                    self.add_rule(target, base, 0, XFlags::default(), origin)?;
                    flags &= !EXCLUDE_SELF;
                }
                if flags & PERDIR_MERGE != 0 {
                    if self.parent_dirscan {
                        let name = self.merge_name(pat);
                        self.add_rule(target, &name, flags, XFlags::default(), origin)?;
                        continue;
                    }
                } else {
                    let name = self.merge_name(pat);
                    let fatal = XFlags {
                        fatal: true,
                        ..XFlags::default()
                    };
                    self.parse_filter_file(target, &name, flags, fatal, Some(origin), reader)?;
                    continue;
                }
            }
            self.add_rule(target, pat, flags, xflags, origin)?;
            if flags & CVS_IGNORE != 0 && flags & MERGE_FILE == 0 {
                self.get_cvs_excludes(flags, reader)?;
            }
        }
        Ok(())
    }

    /// Reads a rule file into `target` (rsync's `parse_filter_file`):
    /// lines (or words, for `w`), `#`/`;` comments, CR or LF ends a line.
    pub fn parse_filter_file<R: MergeSource + ?Sized>(
        &mut self,
        target: &mut ListTarget,
        path: &[u8],
        template: u32,
        xflags: XFlags,
        from: Option<&Origin>,
        reader: &mut R,
    ) -> Result<(), FilterError> {
        if path.is_empty() {
            return Ok(());
        }
        let shown = String::from_utf8_lossy(path).into_owned();
        let origin = || from.cloned().unwrap_or(Origin::Builtin("a merge file"));
        let key = if path == b"-" {
            path.to_vec()
        } else {
            clean_path(path)
        };
        if self.reading.contains(&key) {
            return Err(FilterError::MergeLoop {
                path: shown,
                origin: origin(),
            });
        }
        if self.reading.len() >= MAX_MERGE_DEPTH {
            return Err(FilterError::MergeTooDeep {
                path: shown,
                max: MAX_MERGE_DEPTH,
                origin: origin(),
            });
        }
        let data = match reader.read(path) {
            Ok(d) => d,
            Err(e) => {
                if xflags.fatal {
                    let reason = match e {
                        ReadError::NotFound => "No such file or directory (2)".to_string(),
                        ReadError::Other(m) => m,
                    };
                    return Err(FilterError::MergeFileUnreadable {
                        kind: if template & INCLUDE != 0 {
                            "include"
                        } else {
                            "exclude"
                        },
                        path: shown,
                        reason,
                        origin: origin(),
                    });
                }
                return Ok(());
            }
        };
        self.reading.push(key);
        let r = self.parse_lines(target, &data, &shown, template, xflags, reader);
        self.reading.pop();
        r
    }

    /// The lines (or words, for `w`) of a rule file's `data`, each parsed
    /// as a rule; `shown` names the file in errors.
    pub(crate) fn parse_lines<R: MergeSource + ?Sized>(
        &mut self,
        target: &mut ListTarget,
        data: &[u8],
        shown: &str,
        template: u32,
        xflags: XFlags,
        reader: &mut R,
    ) -> Result<(), FilterError> {
        // rsync's line buffer: BIGPATHBUFLEN - 1 bytes.
        const MAX_LINE: usize = MAX_PATTERN_LEN + 1024 - 1;
        let word_split = template & WORD_SPLIT != 0;
        let mut line_no = 1usize;
        let mut i = 0;
        while i <= data.len() {
            let start = i;
            while i < data.len() {
                let c = data[i];
                if (word_split && is_c_space(c)) || c == b'\n' || c == b'\r' {
                    break;
                }
                i += 1;
            }
            let token = &data[start..i];
            let this_line = line_no;
            if i < data.len() && data[i] == b'\n' {
                line_no += 1;
            }
            i += 1;
            let origin = Origin::File {
                path: shown.to_string(),
                line: this_line,
            };
            if token.len() > MAX_LINE {
                self.flag(FilterError::PatternTooLong {
                    rule: String::from_utf8_lossy(&token[..64]).into_owned(),
                    len: token.len(),
                    origin,
                })?;
                continue;
            }
            if token.is_empty() || (!word_split && (token[0] == b';' || token[0] == b'#')) {
                continue;
            }
            self.parse_filter_str(target, token, template, xflags, &origin, reader)?;
        }
        Ok(())
    }

    /// Adds one rule to `target` (rsync's `add_rule`).
    pub fn add_rule(
        &mut self,
        target: &mut ListTarget,
        pat: &[u8],
        mut flags: u32,
        xflags: XFlags,
        origin: &Origin,
    ) -> Result<(), FilterError> {
        if xflags.anchored2abs {
            let other = match self.side {
                Some(Side::Sender) => RECEIVER_SIDE,
                Some(Side::Receiver) => SENDER_SIDE,
                None => 0,
            };
            if other != 0 && flags & SIDES == other {
                return Ok(()); // a rule for the other side only
            }
        }
        let mut pat = pat;
        if pat.len() > 1 && pat[pat.len() - 1] == b'/' {
            pat = &pat[..pat.len() - 1];
            flags |= DIRECTORY;
        }
        let mut slash_cnt = pat.iter().filter(|&&b| b == b'/').count() as u32;
        let mut pattern = Vec::with_capacity(pat.len());
        if flags & (ABS_PATH | MERGE_FILE) == 0 && xflags.anchored2abs && pat.first() == Some(&b'/')
        {
            flags |= ABS_PATH;
            // Anchored to the merge file's directory: prefix it.
            if self.dirbuf.len() > 1 {
                let pre = &self.dirbuf[..self.dirbuf.len() - 1];
                slash_cnt += pre.iter().filter(|&&b| b == b'/').count() as u32;
                pattern.extend_from_slice(pre);
            }
        }
        if flags & (ABS_PATH | MERGE_FILE) == 0
            && xflags.abs_if_slash
            && slash_cnt > 0
            && pattern.is_empty()
            && pat.first() != Some(&b'/')
        {
            // rsync's XFLG_ABS_IF_SLASH: anchored at the module root.
            pattern.push(b'/');
            slash_cnt += 1;
        }
        pattern.extend_from_slice(pat);
        if xflags.dir2wild3 && flags & DIRECTORY != 0 && flags & INCLUDE == 0 {
            // rsync's XFLG_DIR2WILD3: "dir/" excludes what lies below it too.
            flags &= !DIRECTORY;
            pattern.extend_from_slice(b"/***");
        }
        if pattern.iter().any(|&b| matches!(b, b'*' | b'[' | b'?')) {
            flags |= WILD;
            if let Some(at) = pattern.windows(2).position(|w| w == b"**") {
                flags |= WILD2;
                if at == 0 {
                    flags |= WILD2_PREFIX;
                }
                if pattern.ends_with(b"***") {
                    flags |= WILD3_SUFFIX;
                }
            }
            if let Some(flaw) = pattern_flaw(pat) {
                let rule = String::from_utf8_lossy(pat).into_owned();
                self.flag(flaw_error(flaw, rule, origin.clone()))?;
            }
        } else if flags & MERGE_FILE == 0 && pat.ends_with(b"\\") {
            let rule = String::from_utf8_lossy(pat).into_owned();
            self.flag(flaw_error(
                PatternFlaw::TrailingBackslash,
                rule,
                origin.clone(),
            ))?;
        }
        let fast = if flags & WILD != 0 && flags & WILD2 == 0 && slash_cnt == 0 {
            Fast::of(&pattern)
        } else {
            Fast::None
        };
        let mut rule = Rule {
            flags,
            pattern: pattern.into_boxed_slice(),
            slash_cnt,
            merge_id: 0,
            fast,
            required: Box::default(),
        };
        if flags & WILD != 0 {
            let anchored = rule.pattern.strip_prefix(b"/").unwrap_or(&rule.pattern);
            rule.required = required_literal(anchored);
        }
        if flags & PERDIR_MERGE != 0 {
            let base = basename(&rule.pattern);
            // A merge file already active is not added again.
            if self
                .merges
                .iter()
                .any(|m| m.active && basename(&m.def.pattern) == base)
            {
                return Ok(());
            }
            if self.merges.len() >= MAX_MERGE_LISTS {
                return Err(FilterError::TooManyMergeFiles {
                    rule: String::from_utf8_lossy(pat).into_owned(),
                    max: MAX_MERGE_LISTS,
                    origin: origin.clone(),
                });
            }
            rule.merge_id = self.merges.len();
            self.merges.push(MergeList {
                def: rule.clone(),
                active: true,
                levels: Vec::new(),
            });
        }
        target.rules.push(rule);
        Ok(())
    }
}

/// Retires a merge list whose defining rule went away.
pub(crate) fn retire(merges: &mut [MergeList], id: usize) {
    if let Some(m) = merges.get_mut(id) {
        m.active = false;
        m.levels.clear();
    }
}

pub(crate) fn basename(p: &[u8]) -> &[u8] {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}
