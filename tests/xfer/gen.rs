//! A case: the trees on disk before the run and the two command lines.
//! `v1` draws what the first harness drew (its found cases replay as they
//! were); `v2` and `v3` draw from the option table (opts.rs) and from several
//! layouts of sources and destination: a directory's contents or the
//! directory itself, several sources, a single file (into a directory,
//! under a new name), a new destination path, `-R` and `--files-from`.

use super::opts::{self, Opt};
use super::tree::{gen_dst, gen_metas, gen_tree, path_of, Metas, Node};
use crate::common::Rng;

/// Everything one case runs: `src` is shared (read only), the rest is
/// made in each side's directory, where the commands run.
pub struct Case {
    pub src: Vec<Node>,
    pub src_meta: Metas,
    /// A destination from an earlier run at `dst` (empty: none).
    pub dst: Vec<Node>,
    pub dst_meta: Metas,
    /// The alt-dest directory at `prev`.
    pub prev: Vec<Node>,
    pub prev_meta: Metas,
    /// Files written in each side's directory (lists, rule files).
    pub files: Vec<(String, Vec<u8>)>,
    /// wsync's arguments (after `sync`; `{ROOT}` as in `rsync_args`).
    pub args: Vec<String>,
    /// rsync's: the same, or their equivalent where rsync 3.5.0 departs
    /// from its manual (docs/RSYNC.md): `{ROOT}` stands for the side's
    /// absolute directory.
    pub rsync_args: Vec<String>,
}

impl Case {
    /// Whether the case keeps access times (`-U`, `--atimes`).
    pub fn draws_atimes(&self) -> bool {
        self.args.iter().any(|a| {
            a == "--atimes" || (a.starts_with('-') && !a.starts_with("--") && a.contains('U'))
        })
    }

    /// Why rsync's result cannot be compared with, where rsync is not
    /// deterministic (docs/RSYNC.md, "Where rsync 3.5.0 is not
    /// deterministic"): in-place updates of a destination file with two
    /// names; `--info=name2`'s own lines among the item lines with more
    /// than one file list.
    pub fn racy(&self) -> Option<&'static str> {
        let inplace = self
            .args
            .iter()
            .any(|a| a == "--inplace" || a.starts_with("--append"));
        let linked = self.dst.iter().any(|n| matches!(n, Node::Hard { .. }));
        if inplace && linked {
            return Some("--inplace over a destination file with two names");
        }
        // A file under two source names: whether rsync's sender opens the
        // second before the first one's removal depends on timing.
        let sources = self.args.iter().filter(|a| a.starts_with("../")).count();
        if sources > 1 && self.args.iter().any(|a| a == "--remove-source-files") {
            return Some("--remove-source-files with several sources");
        }
        if self.append_verify_fuzzy_racy() {
            return Some("--append-verify onto a fuzzy basis, with incremental recursion");
        }
        if self.removed_racy() {
            return Some("--remove-source-files with its lines, where a wait of rsync's decides");
        }
        self.name2_racy()
            .then_some("--info=name2 without %i, with incremental recursion")
    }

    /// Why rsync's result is no reference, where rsync 3.5.0 fails what
    /// its manual promises (docs/RSYNC.md, "Where rsync 3.5.0 contradicts
    /// its own manual"): `--remove-source-files -X` and a file already
    /// at the destination with an xattr value over 32 bytes (its sender
    /// removes the source before it reads the generator's request for
    /// that value).
    pub fn rsync_fails(&self) -> Option<&'static str> {
        let a = &self.rsync_args;
        let short = |c: char| {
            a.iter()
                .any(|x| x.starts_with('-') && !x.starts_with("--") && x.contains(c))
        };
        let xattrs = short('X') || a.iter().any(|x| x == "--xattrs");
        if !xattrs || !a.iter().any(|x| x == "--remove-source-files") {
            return None;
        }
        let big = |p: &str| {
            self.src_meta
                .get(p)
                .is_some_and(|m| m.xattrs.iter().any(|(_, v)| v.len() > 32))
        };
        let at_dst = |p: &str| {
            self.dst.iter().any(|n| {
                let d = super::tree::path_of(n);
                d == p || d.ends_with(&format!("/{p}")) || p.ends_with(&format!("/{d}"))
            })
        };
        self.src
            .iter()
            .filter(|n| matches!(n, Node::File { .. } | Node::Hard { .. }))
            .map(super::tree::path_of)
            .any(|p| big(p) && at_dst(p))
            .then_some("--remove-source-files -X over a file with a long xattr value")
    }

    /// `--append-verify` with `-y`: a file appended onto a fuzzy basis
    /// (another file's data) fails its check, and with incremental
    /// recursion rsync's generator takes the receiver's request to send
    /// it again whenever it arrives, among the next directories' files
    /// (docs/RSYNC.md, "--append-verify's second send with incremental
    /// recursion"). Seed 9401 case 224.
    fn append_verify_fuzzy_racy(&self) -> bool {
        let a = &self.rsync_args;
        let has = |o: &str| a.iter().any(|x| x == o);
        let short = |c: char| {
            a.iter()
                .any(|x| x.starts_with('-') && !x.starts_with("--") && x.contains(c))
        };
        let recursive = (short('r') || short('a') || has("--recursive") || has("--archive"))
            && !has("--no-recursive")
            && !has("--no-r");
        let fuzzy = short('y') || has("--fuzzy");
        has("--append-verify") && fuzzy && recursive && !self.inc_off()
    }

    /// `--remove-source-files` with its "sender removed NAME" lines shown
    /// (`--info=remove`, `-vv`): where they come among the item lines
    /// depends on whether rsync's generator waits for the second file
    /// list (incremental recursion without `-H`, a directory in the
    /// source) and on when it hears of files once it waited for one with
    /// 10 in transfer (more than 10 regular files): docs/RSYNC.md,
    /// "Where "sender removed NAME" comes". 891397409/1023.
    fn removed_racy(&self) -> bool {
        let a = &self.rsync_args;
        let has = |o: &str| a.iter().any(|x| x == o);
        if !has("--remove-source-files") {
            return false;
        }
        let shorts = a
            .iter()
            .filter(|x| x.starts_with('-') && !x.starts_with("--"));
        let vs: usize = shorts
            .clone()
            .map(|x| x.matches('v').count())
            .sum::<usize>()
            + a.iter().filter(|x| *x == "--verbose").count();
        let info = a
            .iter()
            .any(|x| x.starts_with("--info=") && x.contains("remove") && !x.contains("remove0"));
        if vs < 2 && !info {
            return false;
        }
        let hard = shorts.clone().any(|x| x.contains('H')) || has("--hard-links");
        let dirs = self.src.iter().any(|n| matches!(n, Node::Dir { .. }));
        let files = self
            .src
            .iter()
            .filter(|n| matches!(n, Node::File { .. } | Node::Hard { .. }))
            .count();
        (dirs && !self.inc_off() && !hard) || files > 10
    }

    /// Whether an option in the rsync arguments turns incremental
    /// recursion off.
    fn inc_off(&self) -> bool {
        let a = &self.rsync_args;
        let has = |o: &str| a.iter().any(|x| x == o);
        let short_m = a
            .iter()
            .any(|x| x.starts_with('-') && !x.starts_with("--") && x.contains('m'));
        [
            "--delay-updates",
            "--delete-before",
            "--delete-after",
            "--no-inc-recursive",
            "--no-i-r",
            "--prune-empty-dirs",
            "--qsort",
        ]
        .iter()
        .any(|o| has(o))
            || short_m
    }

    /// `--info=name2` with a stdout format without `%i`: rsync's
    /// generator prints its own lines ("NAME is uptodate") ahead of the
    /// item lines it has yet to send its sender, which it sends when it
    /// waits for the next file list. With incremental recursion (and no
    /// `-H`, which waits for all lists first) whether it waits after the
    /// first list depends on how fast the sender makes the next one.
    fn name2_racy(&self) -> bool {
        let a = &self.rsync_args;
        let has = |o: &str| a.iter().any(|x| x == o);
        let short = |c: char| {
            a.iter()
                .any(|x| x.starts_with('-') && !x.starts_with("--") && x.contains(c))
        };
        let format = a
            .iter()
            .rev()
            .find_map(|x| {
                x.strip_prefix("--out-format=")
                    .or_else(|| x.strip_prefix("--log-format="))
            })
            .map(str::to_string)
            .or_else(|| short('i').then(|| "%i".to_string()))
            .unwrap_or_default();
        let inc_off = self.inc_off();
        let dirs = self.src.iter().any(|n| matches!(n, Node::Dir { .. }));
        has("--info=name2") && !format_has_i(&format) && !inc_off && !short('H') && dirs
    }

    fn new(src: Vec<Node>, src_meta: Metas) -> Case {
        Case {
            src,
            src_meta,
            dst: Vec::new(),
            dst_meta: Metas::new(),
            prev: Vec::new(),
            prev_meta: Metas::new(),
            files: Vec::new(),
            args: Vec::new(),
            rsync_args: Vec::new(),
        }
    }
}

/// Whether out-format `f` has `%i` (as rsync's `log_format_has` reads
/// it: flags `'`, `-` and a width may come between; `%%` is a percent
/// sign).
fn format_has_i(f: &str) -> bool {
    let b = f.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        while i < b.len() && (b[i] == b'\'' || b[i] == b'-' || b[i].is_ascii_digit()) {
            i += 1;
        }
        match b.get(i) {
            Some(b'i') => return true,
            Some(b'%') => i += 1,
            _ => {}
        }
    }
    false
}

/// The first harness's case `case` of `seed`, drawn as it drew it (it
/// left none out).
pub fn v1(seed: u64, case: usize) -> Option<Case> {
    let mut rng = Rng::for_case(seed, case);
    let mut src = Vec::new();
    gen_tree(&mut rng, false, "", 0, &mut src);
    let prefilled = rng.chance(65);
    let dst = if prefilled {
        gen_dst(&mut rng, false, &src)
    } else {
        Vec::new()
    };
    let prev = gen_dst(&mut rng, false, &src);
    let mut mrng = Rng(rng.0 ^ 0x9e37_79b9_7f4a_7c15 | 1);
    let src_meta = gen_metas(&mut mrng, &src, None);
    let dst_meta = gen_metas(&mut mrng, &dst, Some((&src, &src_meta)));
    let prev_meta = gen_metas(&mut mrng, &prev, Some((&src, &src_meta)));
    let mut a = v1_args(&mut rng, prefilled);
    match mrng.below(10) {
        0 => a.push("-X".into()),
        1 => a.push("-A".into()),
        2 => a.push("-AX".into()),
        3 => a.push("-XX".into()),
        4 if a[0] == "-a" => a[0] = "-aHAX".into(),
        _ => {}
    }
    a.push(if rng.chance(20) { "../src" } else { "../src/" }.into());
    a.push("dst/".into());
    let mut c = Case::new(src, src_meta);
    c.dst = dst;
    c.dst_meta = dst_meta;
    c.prev = prev;
    c.prev_meta = prev_meta;
    c.rsync_args = a.clone();
    c.args = a;
    Some(c)
}

fn v1_args(rng: &mut Rng, prefilled: bool) -> Vec<String> {
    let base = rng.pick(&[
        "-a", "-a", "-a", "-r", "-rl", "-rlt", "-rlpt", "-rltD", "-rlptgo", "-aH", "-aH", "-d",
        "-aL", "-rlpt",
    ]);
    let mut a = vec![base.to_string(), "-i".to_string()];
    let extras: &[&[&str]] = &[
        &["--no-whole-file"],
        &["-c"],
        &["--size-only"],
        &["-I"],
        &["-u"],
        &["--existing"],
        &["--ignore-existing"],
        &["--inplace"],
        &["-S"],
        &["--delete"],
        &["--delete-after"],
        &["--delete-delay"],
        &["--delete-before"],
        &["--delete", "--max-delete=1"],
        &["-b"],
        &["-b", "--suffix=.bak"],
        &["--backup-dir=../bak"],
        &["-m"],
        &["--max-size=1000"],
        &["--min-size=100"],
        &["-O"],
        &["--no-p"],
        &["--no-t"],
        &["-E"],
        &["--numeric-ids"],
        &["--delay-updates"],
        &["-W"],
        &["-B", "1024", "--no-whole-file"],
        &["--link-dest=../prev"],
        &["--compare-dest=../prev"],
        &["--copy-dest=../prev"],
        &["-ii"],
        &["--exclude=*.o"],
        &["--append"],
        &["-z"],
        &["-k"],
        &["--safe-links"],
        &["--copy-unsafe-links"],
        &["--copy-unsafe-links", "-k"],
    ];
    let n = rng.below(3) + usize::from(prefilled);
    for _ in 0..n {
        let e = extras[rng.below(extras.len())];
        let clash = |x: &str| a.iter().any(|s| s.starts_with(x));
        if e[0].starts_with("--delete") && clash("--delete")
            || e[0].ends_with("-dest=../prev") && clash("--")
            || (e[0] == "--inplace" || e[0] == "--append") && clash("--delay")
            || e[0] == "--delay-updates" && (clash("--inplace") || clash("--append"))
        {
            continue;
        }
        if e[0].ends_with("-dest=../prev") && a.iter().any(|s| s.contains("-dest=")) {
            continue;
        }
        a.extend(e.iter().map(|s| s.to_string()));
    }
    if rng.chance(10) {
        a.push("-n".into());
    }
    a
}

/// Where the sources and the destination are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Contents,
    DirItself,
    Several,
    OneFile,
    NewDest,
    Relative,
    FilesFrom,
}

/// Case `case` of `seed` as the second harness drew it: the trees, then
/// the options, one generator for all, so that any change of the table
/// changed every later draw of a case. Its table is frozen
/// (opts::draw_v2) so that its found cases stay as they were found.
pub fn v2(seed: u64, case: usize) -> Case {
    let mut rng = Rng::for_case(seed ^ 0x5eed_0002, case);
    let (mut c, layout, prefilled) = trees(&mut rng);
    let mut groups: Vec<&'static str> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let mut take = |r: &mut Rng, (which, table): (&str, &'static [Opt]), groups: &mut Vec<_>| {
        if let Some(o) = opts::draw_v2(r, which, table, groups) {
            if !o.group.is_empty() {
                groups.push(o.group);
            }
            args.extend((o.make)(r));
        }
    };
    take(&mut rng, ("BASE", opts::BASE), &mut groups);
    take(&mut rng, ("OUTPUT", opts::OUTPUT), &mut groups);
    let extras = rng.below(4) + usize::from(prefilled) + 1;
    for _ in 0..extras {
        take(&mut rng, ("EXTRA", opts::EXTRA), &mut groups);
    }
    c.files.push(("rules.txt".into(), rules_file(&mut rng)));
    let paths = layout_paths(&mut rng, layout, &c.src, &mut args, &mut c.files);
    args.extend(paths);
    c.rsync_args = rsync_form(&args);
    c.args = args;
    c
}

/// Case `case` of `seed`, drawn from the option table with a generator
/// for each part: the trees, the rules file, the paths, and each row of
/// the table its own (opts::pick_one, opts::pick_some). A new row, or a
/// row's new weight, changes only the cases that draw that row, so the
/// plain run's seed and the found cases keep their cases.
pub fn v3(seed: u64, case: usize) -> Case {
    let part = |n: u64| Rng::for_case(seed ^ 0x5eed_0003 ^ n << 32, case);
    let (mut c, layout, prefilled) = trees(&mut part(0));
    let mut args = opts::pick_one(seed, case, opts::BASE);
    args.extend(opts::pick_one(seed, case, opts::OUTPUT));
    // About three of the other options (one more into a filled
    // destination): a row of weight w is drawn w times in 100 (in 75).
    let per = if prefilled { 75.0 } else { 100.0 };
    args.extend(opts::pick_some(seed, case, opts::EXTRA, per));
    c.files.push(("rules.txt".into(), rules_file(&mut part(1))));
    let paths = layout_paths(&mut part(2), layout, &c.src, &mut args, &mut c.files);
    args.extend(paths);
    c.rsync_args = rsync_form(&args);
    c.args = args;
    c
}

/// A case's trees (source, destination, alt-dest, their metadata), its
/// layout and whether the destination is filled.
fn trees(rng: &mut Rng) -> (Case, Layout, bool) {
    let mut src = Vec::new();
    gen_tree(rng, true, "", 0, &mut src);
    let layout = *pick_weighted(
        rng,
        &[
            (50, Layout::Contents),
            (8, Layout::DirItself),
            (8, Layout::Several),
            (9, Layout::OneFile),
            (6, Layout::NewDest),
            (8, Layout::Relative),
            (11, Layout::FilesFrom),
        ],
    );
    let prefilled = rng.chance(65);
    let dst = if prefilled {
        gen_dst(rng, true, &src)
    } else {
        Vec::new()
    };
    let prev = gen_dst(rng, true, &src);
    let src_meta = gen_metas(rng, &src, None);
    let dst_meta = gen_metas(rng, &dst, Some((&src, &src_meta)));
    let prev_meta = gen_metas(rng, &prev, Some((&src, &src_meta)));
    let mut c = Case::new(src, src_meta);
    c.dst = dst;
    c.dst_meta = dst_meta;
    c.prev = prev;
    c.prev_meta = prev_meta;
    (c, layout, prefilled)
}

fn pick_weighted<'a, T>(r: &mut Rng, items: &'a [(usize, T)]) -> &'a T {
    let total: usize = items.iter().map(|(w, _)| w).sum();
    let mut at = r.below(total);
    for (w, t) in items {
        if at < *w {
            return t;
        }
        at -= w;
    }
    &items[0].1
}

/// rsync's equivalent of wsync's command line where rsync 3.5.0 departs
/// from its manual (docs/RSYNC.md): `-K` follows a destination symlink
/// with `--insecure-links` only, and an in-place backup into a relative
/// "../" backup dir is made right only when the directory is named by
/// its absolute path.
fn rsync_form(args: &[String]) -> Vec<String> {
    let has = |p: &str| args.iter().any(|a| a.starts_with(p));
    let short = |c: char| {
        args.iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(c))
    };
    let mut out = Vec::new();
    for a in args {
        match a.strip_prefix("--backup-dir=") {
            Some(d) if d.starts_with("../") && (has("--inplace") || has("--append")) => {
                out.push(format!("--backup-dir={{ROOT}}/{}", &d[3..]));
            }
            _ => out.push(a.clone()),
        }
    }
    if short('K') {
        out.insert(0, "--insecure-links".into());
    }
    out
}

/// Exclude/include rules for `--exclude-from`/`--include-from`.
fn rules_file(r: &mut Rng) -> Vec<u8> {
    let mut t = String::new();
    for _ in 0..r.below(3) + 1 {
        t.push_str(r.pick(&[
            "*.o", "sub", "# note", "/a", "deep/", "*~", "", "%*", ";x", "*.txt",
        ]));
        t.push('\n');
    }
    t.into_bytes()
}

/// The source and destination arguments of a layout (and the options
/// it needs).
fn layout_paths(
    r: &mut Rng,
    layout: Layout,
    src: &[Node],
    args: &mut Vec<String>,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Vec<String> {
    let top: Vec<&Node> = src.iter().filter(|n| !path_of(n).contains('/')).collect();
    let regular: Vec<&Node> = src
        .iter()
        .filter(|n| matches!(n, Node::File { .. } | Node::Hard { .. }))
        .collect();
    let dst = || "dst/".to_string();
    let named = |n: &Node, slash: bool| {
        let p = path_of(n);
        if slash && matches!(n, Node::Dir { .. }) {
            format!("{p}/")
        } else {
            p.to_string()
        }
    };
    match layout {
        Layout::Contents => vec!["../src/".into(), r.pick(&["dst/", "dst/", "dst"]).into()],
        Layout::DirItself => vec!["../src".into(), dst()],
        Layout::Several => {
            let mut v = Vec::new();
            for _ in 0..r.below(3) + 2 {
                if r.chance(10) || top.is_empty() {
                    v.push("../src/missing".to_string());
                } else {
                    let n = top[r.below(top.len())];
                    v.push(format!("../src/{}", named(n, r.chance(30))));
                }
            }
            v.push(dst());
            v
        }
        Layout::OneFile => {
            let p = if regular.is_empty() {
                "missing".to_string()
            } else {
                path_of(regular[r.below(regular.len())]).to_string()
            };
            vec![
                format!("../src/{p}"),
                r.pick(&["dst/", "dst/new name", "file", "dst", "dst/a"])
                    .into(),
            ]
        }
        Layout::NewDest => {
            let to = r.pick(&["new/", "new", "new/deeper/", "dst/new/"]);
            if to.matches('/').count() > 1 && r.chance(70) && !args.iter().any(|a| a == "--mkpath")
            {
                args.push("--mkpath".into());
            }
            vec![
                if r.chance(80) { "../src/" } else { "../src" }.into(),
                to.into(),
            ]
        }
        Layout::Relative => {
            args.push(r.pick(&["-R", "--relative"]).into());
            let mut v = Vec::new();
            for _ in 0..r.below(2) + 1 {
                let Some(n) = src.get(r.below(src.len().max(1))) else {
                    v.push("../src/./missing".into());
                    continue;
                };
                let p = path_of(n);
                v.push(match p.split_once('/') {
                    Some((first, rest)) if r.chance(50) => format!("../src/{first}/./{rest}"),
                    _ => format!("../src/./{}", named(n, r.chance(30))),
                });
            }
            if r.chance(15) {
                v.push("../src/./".into());
            }
            v.push(dst());
            v
        }
        Layout::FilesFrom => {
            let nul = r.chance(15);
            let mut list = Vec::new();
            for _ in 0..r.below(5) + 1 {
                let entry = match r.below(12) {
                    0 => "missing".to_string(),
                    1 => "# a comment".to_string(),
                    2 => ".".to_string(),
                    _ => {
                        let Some(n) = src.get(r.below(src.len().max(1))) else {
                            list.push("missing".into());
                            continue;
                        };
                        let p = named(n, r.chance(30));
                        match r.below(6) {
                            0 => format!("./{p}"),
                            1 => format!("/{p}"),
                            _ => p,
                        }
                    }
                };
                if !nul && entry.contains('\n') {
                    continue;
                }
                list.push(entry);
            }
            let sep = if nul { "\0" } else { "\n" };
            let mut text = list.join(sep);
            text.push_str(sep);
            files.push(("list.txt".into(), text.into_bytes()));
            args.push("--files-from=list.txt".into());
            if nul {
                args.push(r.pick(&["-0", "--from0"]).into());
            }
            if r.chance(30) {
                args.push("-r".into());
            }
            vec![r.pick(&["../src", "../src/"]).into(), dst()]
        }
    }
}
