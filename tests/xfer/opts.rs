//! The options a case draws: a table of what `wsync sync --help` lists
//! that makes sense for a local transfer, each with a weight and a group
//! (at most one option of a group per case), so that a new option is one
//! more row. Values (`--out-format`, `--chmod`, sizes, rules) are drawn
//! too.

use crate::common::Rng;

/// One row: `make` draws the arguments (one option, sometimes with a
/// companion such as `--no-whole-file` after `-B`).
pub struct Opt {
    pub weight: usize,
    /// Rows of one group exclude each other ("" for none).
    pub group: &'static str,
    pub make: fn(&mut Rng) -> Vec<String>,
}

fn v(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// What the main output is: exactly one row a case. (No `-vv`: at that
/// level rsync prints its debug traces, which wsync does not reproduce:
/// filter matches, duplicate names removed, delete scans, and with
/// `--stats` its processes' malloc heap statistics.)
pub const OUTPUT: &[Opt] = &[
    Opt {
        weight: 30,
        group: "out",
        make: |_| v(&["-i"]),
    },
    Opt {
        weight: 5,
        group: "out",
        make: |_| v(&["-ii"]),
    },
    Opt {
        weight: 8,
        group: "out",
        make: |_| v(&["-v"]),
    },
    Opt {
        weight: 5,
        group: "out",
        make: |_| v(&["-vi"]),
    },
    Opt {
        weight: 3,
        group: "out",
        make: |_| v(&["-q"]),
    },
    Opt {
        weight: 2,
        group: "out",
        make: |_| v(&["-iq"]),
    },
    Opt {
        weight: 5,
        group: "out",
        make: |_| Vec::new(),
    },
    Opt {
        weight: 15,
        group: "out",
        make: |r| vec![format!("--out-format={}", out_format(r))],
    },
    Opt {
        weight: 3,
        group: "out",
        make: |r| vec!["-v".into(), format!("--out-format={}", out_format(r))],
    },
    Opt {
        weight: 2,
        group: "out",
        make: |r| vec!["-i".into(), format!("--log-format={}", out_format(r))],
    },
];

/// What the transfer copies: exactly one row a case (`-a` most often).
pub const BASE: &[Opt] = &[
    Opt {
        weight: 30,
        group: "base",
        make: |_| v(&["-a"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-r"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-rl"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-rlt"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-rlpt"]),
    },
    Opt {
        weight: 2,
        group: "base",
        make: |_| v(&["-rltD"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-rlptgo"]),
    },
    Opt {
        weight: 6,
        group: "base",
        make: |_| v(&["-aH"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-aHAX"]),
    },
    Opt {
        weight: 3,
        group: "base",
        make: |_| v(&["-d"]),
    },
    Opt {
        weight: 2,
        group: "base",
        make: |_| v(&["-dlt"]),
    },
    Opt {
        weight: 1,
        group: "base",
        make: |_| v(&["-lpt"]),
    },
    Opt {
        weight: 2,
        group: "base",
        make: |_| v(&["--archive", "--hard-links"]),
    },
    Opt {
        weight: 2,
        group: "base",
        make: |_| v(&["--recursive", "--links", "--times"]),
    },
];

/// The other options, drawn a few at a time.
pub const EXTRA: &[Opt] = &[
    // Reporting beside the main output.
    Opt {
        weight: 8,
        group: "stats",
        make: |_| v(&["--stats"]),
    },
    Opt {
        weight: 1,
        group: "stats",
        make: |_| v(&["--info=stats2"]),
    },
    Opt {
        weight: 4,
        group: "human",
        make: |_| v(&["-h"]),
    },
    Opt {
        weight: 2,
        group: "human",
        make: |_| v(&["-hh"]),
    },
    Opt {
        weight: 3,
        group: "progress",
        make: |_| v(&["--progress"]),
    },
    Opt {
        weight: 2,
        group: "progress",
        make: |_| v(&["-P"]),
    },
    Opt {
        weight: 2,
        group: "progress",
        make: |_| v(&["--info=progress2"]),
    },
    Opt {
        weight: 1,
        group: "progress",
        make: |_| v(&["--info=name"]),
    },
    Opt {
        weight: 4,
        group: "log",
        make: |_| v(&["--log-file=log.txt"]),
    },
    Opt {
        weight: 3,
        group: "log",
        make: |r| {
            vec![
                "--log-file=log.txt".into(),
                format!("--log-file-format={}", out_format(r)),
            ]
        },
    },
    // Which files, how compared.
    Opt {
        weight: 5,
        group: "",
        make: |_| v(&["-c"]),
    },
    Opt {
        weight: 3,
        group: "",
        make: |_| v(&["--size-only"]),
    },
    Opt {
        weight: 4,
        group: "",
        make: |_| v(&["-I"]),
    },
    Opt {
        weight: 5,
        group: "",
        make: |_| v(&["-u"]),
    },
    Opt {
        weight: 3,
        group: "exist",
        make: |_| v(&["--existing"]),
    },
    Opt {
        weight: 3,
        group: "exist",
        make: |_| v(&["--ignore-existing"]),
    },
    Opt {
        weight: 1,
        group: "exist",
        make: |_| v(&["--existing", "--ignore-existing"]),
    },
    Opt {
        weight: 3,
        group: "",
        make: |r| vec![format!("--max-size={}", size(r))],
    },
    Opt {
        weight: 3,
        group: "",
        make: |r| vec![format!("--min-size={}", size(r))],
    },
    Opt {
        weight: 3,
        group: "",
        make: |_| v(&["-m"]),
    },
    // How data is written.
    Opt {
        weight: 4,
        group: "place",
        make: |_| v(&["--inplace"]),
    },
    Opt {
        weight: 3,
        group: "place",
        make: |_| v(&["--append"]),
    },
    Opt {
        weight: 3,
        group: "place",
        make: |_| v(&["--append-verify"]),
    },
    Opt {
        weight: 3,
        group: "place",
        make: |_| v(&["--delay-updates"]),
    },
    Opt {
        weight: 2,
        group: "place",
        make: |_| v(&["--partial-dir=.part"]),
    },
    Opt {
        weight: 1,
        group: "place",
        make: |_| v(&["--delay-updates", "--partial-dir=.part"]),
    },
    Opt {
        weight: 2,
        group: "place",
        make: |_| v(&["--partial"]),
    },
    Opt {
        weight: 4,
        group: "",
        make: |_| v(&["-S"]),
    },
    Opt {
        weight: 3,
        group: "whole",
        make: |_| v(&["-W"]),
    },
    Opt {
        weight: 5,
        group: "whole",
        make: |_| v(&["--no-whole-file"]),
    },
    Opt {
        weight: 2,
        group: "whole",
        make: |r| {
            vec![
                "-B".into(),
                r.pick(&["700", "1024", "4096"]).into(),
                "--no-whole-file".into(),
            ]
        },
    },
    Opt {
        weight: 2,
        group: "compress",
        make: |_| v(&["-z"]),
    },
    Opt {
        weight: 1,
        group: "compress",
        make: |_| v(&["-z", "--compress-level=3"]),
    },
    Opt {
        weight: 1,
        group: "compress",
        make: |_| v(&["-z", "--skip-compress=bin/txt"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["--bwlimit=500000"]),
    },
    // Deletion.
    Opt {
        weight: 5,
        group: "delete",
        make: |_| v(&["--delete"]),
    },
    Opt {
        weight: 1,
        group: "delete",
        make: |_| v(&["--del"]),
    },
    Opt {
        weight: 2,
        group: "delete",
        make: |_| v(&["--delete-before"]),
    },
    Opt {
        weight: 2,
        group: "delete",
        make: |_| v(&["--delete-during"]),
    },
    Opt {
        weight: 2,
        group: "delete",
        make: |_| v(&["--delete-delay"]),
    },
    Opt {
        weight: 2,
        group: "delete",
        make: |_| v(&["--delete-after"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["--delete-excluded"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |r| vec![format!("--max-delete={}", r.pick(&[0, 1, 2, 5]))],
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["--force"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["--ignore-errors"]),
    },
    // Backups.
    Opt {
        weight: 3,
        group: "backup",
        make: |_| v(&["-b"]),
    },
    Opt {
        weight: 2,
        group: "backup",
        make: |_| v(&["-b", "--suffix=.bak"]),
    },
    Opt {
        weight: 3,
        group: "backup",
        make: |_| v(&["--backup-dir=../bak"]),
    },
    Opt {
        weight: 1,
        group: "backup",
        make: |_| v(&["--backup-dir=bak"]),
    },
    Opt {
        weight: 1,
        group: "backup",
        make: |_| v(&["-b", "--backup-dir=../bak", "--suffix=.old"]),
    },
    // Alternate bases.
    Opt {
        weight: 3,
        group: "alt",
        make: |_| v(&["--link-dest=../prev"]),
    },
    Opt {
        weight: 2,
        group: "alt",
        make: |_| v(&["--compare-dest=../prev"]),
    },
    Opt {
        weight: 2,
        group: "alt",
        make: |_| v(&["--copy-dest=../prev"]),
    },
    // Symlinks.
    Opt {
        weight: 3,
        group: "links",
        make: |_| v(&["-L"]),
    },
    Opt {
        weight: 2,
        group: "links",
        make: |_| v(&["--copy-unsafe-links"]),
    },
    Opt {
        weight: 2,
        group: "links",
        make: |_| v(&["--safe-links"]),
    },
    Opt {
        weight: 2,
        group: "links",
        make: |_| v(&["-k"]),
    },
    Opt {
        weight: 1,
        group: "links",
        make: |_| v(&["--copy-unsafe-links", "-k"]),
    },
    Opt {
        weight: 3,
        group: "",
        make: |_| v(&["-K"]),
    },
    // Attributes.
    Opt {
        weight: 3,
        group: "",
        make: |_| v(&["-H"]),
    },
    Opt {
        weight: 3,
        group: "meta",
        make: |_| v(&["-X"]),
    },
    Opt {
        weight: 1,
        group: "meta",
        make: |_| v(&["-XX"]),
    },
    Opt {
        weight: 3,
        group: "meta",
        make: |_| v(&["-A"]),
    },
    Opt {
        weight: 2,
        group: "meta",
        make: |_| v(&["-AX"]),
    },
    Opt {
        weight: 3,
        group: "",
        make: |_| v(&["-O"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["-E"]),
    },
    Opt {
        weight: 3,
        group: "",
        make: |r| vec![format!("--chmod={}", chmod(r))],
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["--numeric-ids"]),
    },
    Opt {
        weight: 2,
        group: "no",
        make: |_| v(&["--no-p"]),
    },
    Opt {
        weight: 2,
        group: "no",
        make: |_| v(&["--no-t"]),
    },
    Opt {
        weight: 1,
        group: "no",
        make: |_| v(&["--no-o"]),
    },
    Opt {
        weight: 1,
        group: "no",
        make: |_| v(&["--no-g"]),
    },
    Opt {
        weight: 1,
        group: "no",
        make: |_| v(&["--no-l"]),
    },
    Opt {
        weight: 1,
        group: "no",
        make: |_| v(&["--no-D"]),
    },
    Opt {
        weight: 1,
        group: "no",
        make: |_| v(&["--no-H"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["-p"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["-D"]),
    },
    // Filters.
    Opt {
        weight: 4,
        group: "",
        make: |r| vec![format!("--exclude={}", pattern(r))],
    },
    Opt {
        weight: 2,
        group: "",
        make: |r| {
            vec![
                format!("--include={}", pattern(r)),
                format!("--exclude={}", pattern(r)),
            ]
        },
    },
    Opt {
        weight: 2,
        group: "",
        make: |r| vec!["-f".into(), rule(r)],
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["-F"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["-C"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["--exclude-from=rules.txt"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["--include-from=rules.txt", "--exclude=*"]),
    },
    // Paths.
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["--mkpath"]),
    },
    Opt {
        weight: 4,
        group: "dry",
        make: |_| v(&["-n"]),
    },
    // The options issue 15's second part added (every option of rsync
    // --help with a local meaning and deterministic output; not drawn:
    // --stop-after/--stop-at, which stop on the clock, the batch options,
    // whose files are wsync's own format, and -vv's debug traces).
    Opt {
        weight: 2,
        group: "",
        make: |r| vec![format!("--modify-window={}", r.pick(&[0, 1, 2, 100]))],
    },
    Opt {
        weight: 2,
        group: "x",
        make: |r| v(&[r.pick(&["-x", "-xx", "--one-file-system"])]),
    },
    Opt {
        weight: 3,
        group: "fuzzy",
        make: |r| v(&[r.pick(&["-y", "-yy", "--fuzzy"])]),
    },
    // Each side has its own source (run.rs).
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["--remove-source-files"]),
    },
    Opt {
        weight: 2,
        group: "",
        // (A DIR with ".." rsync 3.5.0 refuses against its manual:
        // docs/RSYNC.md, tested in tests/sync_exact.rs.)
        make: |r| match r.below(3) {
            0 => v(&["--temp-dir=/tmp"]),
            1 => v(&["-T", "{ROOT}/prev"]),
            _ => v(&["--temp-dir={ROOT}"]),
        },
    },
    Opt {
        weight: 2,
        group: "owner",
        make: |r| {
            // Only root may give files away. (The three map the
            // receiver's owners and ACL entries; %U/%G show the
            // sender's ids.)
            if !crate::xfer::tree::is_root() {
                return Vec::new();
            }
            vec![r
                .pick(&["--chown=4242:100", "--chown=:4243", "--chown=1000"])
                .to_string()]
        },
    },
    Opt {
        weight: 2,
        group: "owner",
        make: |r| {
            if !crate::xfer::tree::is_root() {
                return Vec::new();
            }
            vec![r
                .pick(&[
                    "--usermap=0:1000,*:4242",
                    "--usermap=4242:0",
                    "--usermap=1000-4242:7",
                ])
                .to_string()]
        },
    },
    Opt {
        weight: 2,
        group: "owner",
        make: |r| {
            if !crate::xfer::tree::is_root() {
                return Vec::new();
            }
            vec![r
                .pick(&[
                    "--groupmap=100:4243",
                    "--groupmap=*:100",
                    "--groupmap=0:100,4243:0",
                ])
                .to_string()]
        },
    },
    // Not drawn yet: --iconv differs (rsync's receiver refuses names it cannot
    // convert, exit 2; wsync's sender skips them).
    Opt {
        weight: 0,
        group: "",
        make: |r| {
            vec![r
                .pick(&["--iconv=UTF-8,ISO-8859-1", "--iconv=utf8,utf8", "--iconv=."])
                .to_string()]
        },
    },
    Opt {
        weight: 2,
        group: "missing",
        make: |_| v(&["--ignore-missing-args"]),
    },
    Opt {
        weight: 2,
        group: "missing",
        make: |_| v(&["--delete-missing-args"]),
    },
    // Not drawn yet: --preallocate differs with -S (sparseness of the result).
    Opt {
        weight: 0,
        group: "",
        make: |_| v(&["--preallocate"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |r| v(&[r.pick(&["-J", "--omit-link-times"])]),
    },
    // Not drawn yet: --fake-super differs (rsync's sender fails on a corrupt
    // user.rsync.%stat, exit 11; which entries get the xattr).
    Opt {
        weight: 0,
        group: "",
        make: |_| v(&["--fake-super"]),
    },
    // Not drawn yet: --super after --fake-super differs (owners).
    Opt {
        weight: 0,
        group: "",
        make: |_| v(&["--super"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |r| {
            vec![format!(
                "--checksum-choice={}",
                r.pick(&["md5", "md4", "xxh128", "xxh3", "xxh64", "none", "auto"])
            )]
        },
    },
    Opt {
        weight: 2,
        group: "dry",
        make: |_| v(&["--list-only"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["-8"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["--open-noatime"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["-U"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |_| v(&["--no-implied-dirs"]),
    },
    Opt {
        weight: 2,
        group: "",
        make: |r| v(&[r.pick(&["--no-i-r", "--i-r", "--old-dirs"])]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |_| v(&["--fsync"]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |r| vec![format!("--checksum-seed={}", r.pick(&[0, 1, 12345]))],
    },
    Opt {
        weight: 1,
        group: "",
        make: |r| v(&[r.pick(&["--copy-devices", "--specials", "--devices", "--no-specials"])]),
    },
    Opt {
        weight: 1,
        group: "",
        make: |r| {
            v(&[r.pick(&[
                "--munge-links",
                "--trust-sender",
                "--qsort",
                "--blocking-io",
                "--no-motd",
            ])])
        },
    },
    Opt {
        weight: 1,
        group: "",
        make: |r| {
            v(&[r.pick(&[
                "--max-alloc=1G",
                "--outbuf=L",
                "--timeout=100",
                "--debug=NONE",
                "--stderr=errors",
                "--stderr=client",
            ])])
        },
    },
    Opt {
        weight: 1,
        group: "",
        make: |r| v(&[r.pick(&["--protocol=31", "--protocol=30", "--copy-as=root"])]),
    },
    Opt {
        weight: 2,
        group: "info",
        make: |r| {
            vec![format!(
                "--info={}",
                r.pick(&[
                    "name2", "skip", "del", "flist2", "misc2", "none", "nonreg0", "symsafe",
                    "copy", "remove"
                ])
            )]
        },
    },
];

/// Draws one row of `table` (named `which` in v2_rows.tsv) as the second
/// generation drew it: by the weights it had when frozen, over the rows
/// it had then (in their order), not of a group already drawn.
pub fn draw_v2<'t>(r: &mut Rng, which: &str, table: &'t [Opt], groups: &[&str]) -> Option<&'t Opt> {
    let names: Vec<String> = (0..table.len()).map(|i| row_name(table, i)).collect();
    let open: Vec<(usize, &Opt)> = include_str!("v2_rows.tsv")
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let (t, w, name) = (f.next()?, f.next()?, f.next()?);
            let i = names.iter().position(|n| n == name)?;
            (t == which).then(|| (w.parse().ok(), &table[i]))
        })
        .filter_map(|(w, o)| Some((w?, o)))
        .filter(|(_, o)| o.group.is_empty() || !groups.contains(&o.group))
        .collect();
    let total: usize = open.iter().map(|(w, _)| w).sum();
    let mut at = r.below(total);
    for (w, o) in open {
        if at < w {
            return Some(o);
        }
        at -= w;
    }
    None
}

/// Row `i`'s name: what it draws from a fixed generator, with its group
/// and its place among the rows that draw the same. Rows added, removed
/// or reweighted elsewhere in the table do not change it.
pub fn row_name(table: &[Opt], i: usize) -> String {
    let name = |o: &Opt| format!("{}/{}", o.group, (o.make)(&mut Rng::new(0)).join(" "));
    let own = name(&table[i]);
    let nth = table[..i].iter().filter(|o| name(o) == own).count();
    format!("{own}#{nth}")
}

/// Row `i`'s key: its name's FNV-1a hash.
fn row_key(table: &[Opt], i: usize) -> u64 {
    row_name(table, i)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

/// Row `i`'s own generator in case `case` of `seed`.
fn row_rng(seed: u64, case: usize, table: &[Opt], i: usize) -> Rng {
    Rng::for_case(seed ^ row_key(table, i), case)
}

/// A number in (0, 1).
fn unit(r: &mut Rng) -> f64 {
    ((r.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// The arguments of exactly one row of `table`, by weight: each row runs
/// its own exponential clock (rate: its weight) and the first to ring
/// wins, so a row's new weight moves only the cases it wins or stops
/// winning.
pub fn pick_one(seed: u64, case: usize, table: &[Opt]) -> Vec<String> {
    let mut best: Option<(f64, Rng, &Opt)> = None;
    for (i, o) in table.iter().enumerate().filter(|(_, o)| o.weight > 0) {
        let mut r = row_rng(seed, case, table, i);
        let clock = -unit(&mut r).ln() / o.weight as f64;
        if best.as_ref().is_none_or(|b| clock < b.0) {
            best = Some((clock, r, o));
        }
    }
    best.map(|(_, mut r, o)| (o.make)(&mut r))
        .unwrap_or_default()
}

/// The arguments of some rows of `table`, in the table's order: each row
/// is drawn on its own, one of weight w with probability w / `per`; of
/// the rows drawn in one group only the one furthest below its bar is
/// kept.
pub fn pick_some(seed: u64, case: usize, table: &[Opt], per: f64) -> Vec<String> {
    let mut drawn: Vec<(f64, usize, Rng)> = Vec::new();
    for (i, o) in table.iter().enumerate().filter(|(_, o)| o.weight > 0) {
        let mut r = row_rng(seed, case, table, i);
        let bar = o.weight as f64 / per;
        let u = unit(&mut r);
        if u < bar {
            drawn.push((u / bar, i, r));
        }
    }
    let kept = |&(score, i, _): &(f64, usize, Rng)| {
        let g = table[i].group;
        g.is_empty()
            || drawn
                .iter()
                .all(|&(s, j, _)| j == i || table[j].group != g || (s, j) > (score, i))
    };
    let keep: Vec<bool> = drawn.iter().map(kept).collect();
    let mut out = Vec::new();
    for ((_, i, mut r), k) in drawn.into_iter().zip(keep) {
        if k {
            out.extend((table[i].make)(&mut r));
        }
    }
    out
}

/// A random `--out-format`: literal text and escapes, with widths,
/// left alignment and `'` (digit grouping) here and there. `%p` (the
/// pid), `%t` (now) and `%b`/`%c` (bytes on rsync's wire) come between
/// `<` and `>` for the normalizer.
pub fn out_format(r: &mut Rng) -> String {
    let escapes = [
        "n", "n", "n", "f", "f", "L", "l", "i", "i", "o", "M", "U", "G", "B", "%", "C", "h", "a",
        "m", "P", "u", "x",
    ];
    let mut s = String::new();
    for _ in 0..r.below(4) + 1 {
        if r.chance(30) {
            s.push_str(r.pick(&["[", "|", " ", "=", "%%", "x "]));
        }
        match r.below(14) {
            0 => s.push_str("<%p>"),
            1 => s.push_str("<%t>"),
            2 => s.push_str(r.pick(&["<%b>", "<%c>", "<%'b>", "<%5c>"])),
            _ => {
                s.push('%');
                if r.chance(15) {
                    s.push('\'');
                }
                if r.chance(15) {
                    s.push('-');
                }
                if r.chance(25) {
                    s.push_str(&r.pick(&[1, 3, 8, 12, 20]).to_string());
                }
                s.push_str(r.pick(&escapes));
            }
        }
    }
    if r.chance(10) {
        s.push('%');
    }
    s
}

fn size(r: &mut Rng) -> String {
    r.pick(&[
        "0", "1", "700", "1000", "4k", "10K", "70001", "1M", "1.5k", "100b",
    ])
    .into()
}

/// A `--chmod` value (rsync 3.5.0: `a+s` sets both set-id bits).
fn chmod(r: &mut Rng) -> String {
    r.pick(&[
        "u+x",
        "go-w",
        "D755",
        "F644",
        "Fu=rw,Dgo=rx",
        "+X",
        "o-rwx",
        "ug=rwX",
        "a+s",
        "u-s,g-s",
        "D2775,F664",
        "a+t",
        "g+s",
        "Fo+w,D-t",
    ])
    .into()
}

fn pattern(r: &mut Rng) -> String {
    r.pick(&[
        "*.o", "sub", "/a", "deep/", "*~", "%*", "sp ace", ".hidden", "*.bak", "*.txt", "b",
        "-dash", "*/", "k*", "new*",
    ])
    .into()
}

fn rule(r: &mut Rng) -> String {
    r.pick(&[
        "- *.o",
        "+ */",
        "- sub/",
        "P x.bak",
        "- /a",
        "H *.txt",
        "-! */",
        "exclude core",
        "R *.bak",
        "S data.bin",
        "- deep/**",
        ": .rules",
    ])
    .into()
}
