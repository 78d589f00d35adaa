//! The random trees of the transfer harness: source trees (files of many
//! sizes, empty directories, symlinks inside and outside the tree, hard
//! links, sparse files, fifos, odd names, modes, owners, nanosecond
//! mtimes, extended attributes, access and default ACLs; no devices: this
//! container may not mknod them), destinations from an earlier sync, and
//! building them on disk.
//!
//! Two generations: `v1` draws exactly what the first harness drew (its
//! found cases replay with it), `v2` adds odd names (spaces, `%`,
//! newlines, UTF-8, a leading `-`), more link targets and symlinked
//! directories in destinations.

use crate::common::Rng;
use std::fs;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

#[derive(Debug, Clone)]
pub enum Node {
    Dir {
        p: String,
        mode: u32,
        mtime: i64,
    },
    File {
        p: String,
        size: u64,
        seed: u64,
        mode: u32,
        mtime: (i64, u32),
        owner: (u32, u32),
        sparse: bool,
    },
    Link {
        p: String,
        target: String,
        mtime: i64,
    },
    Hard {
        p: String,
        target: String,
    },
    Fifo {
        p: String,
        mode: u32,
    },
}

pub fn path_of(n: &Node) -> &str {
    match n {
        Node::Dir { p, .. }
        | Node::File { p, .. }
        | Node::Link { p, .. }
        | Node::Hard { p, .. }
        | Node::Fifo { p, .. } => p,
    }
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "c",
    "data.bin",
    "notes.txt",
    "sub",
    "deep",
    "x.o",
    ".hidden",
    "sp ace",
    "k",
    "m",
];
/// v2's names: v1's and odd ones (rsync prints some escaped).
const NAMES_V2: &[&str] = &[
    "a",
    "b",
    "c",
    "data.bin",
    "notes.txt",
    "sub",
    "deep",
    "x.o",
    ".hidden",
    "sp ace",
    "k",
    "m",
    "50%off",
    "%n%i",
    "new\nline",
    "caf\u{e9}",
    "\u{65e5}\u{672c}",
    "-dash",
    "tab\there",
    "trail ",
    "core",
    "x.bak",
];
const SIZES: &[u64] = &[0, 1, 13, 700, 701, 4096, 10_000, 70_001, 300_000];
pub const TIME0: i64 = 1_600_000_000;

/// A random source tree below `base` (v2: odd names, more link targets).
pub fn gen_tree(rng: &mut Rng, v2: bool, base: &str, depth: usize, out: &mut Vec<Node>) {
    let n = rng.below(6) + usize::from(depth == 0) * 2;
    let mut used = Vec::new();
    for _ in 0..n {
        let name = rng.pick(if v2 { NAMES_V2 } else { NAMES });
        if used.contains(&name) {
            continue;
        }
        used.push(name);
        let p = if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}/{name}")
        };
        match rng.below(20) {
            0..=4 if depth < 3 => {
                out.push(Node::Dir {
                    p: p.clone(),
                    mode: rng.pick(&[0o755, 0o700, 0o775, 0o750]),
                    mtime: TIME0 + rng.below(1000) as i64,
                });
                gen_tree(rng, v2, &p, depth + 1, out);
            }
            5 | 6 => out.push(Node::Link {
                p,
                target: rng
                    .pick(if v2 {
                        &[
                            "a",
                            "../a",
                            "sub/b",
                            "/etc/hostname",
                            "nowhere",
                            "../../outside",
                            // Directories, sometimes (never one the
                            // link is inside: -L would loop).
                            "sub",
                            "deep",
                            "sp ace",
                            "/etc/hostname/",
                        ]
                    } else {
                        &[
                            "a",
                            "../a",
                            "sub/b",
                            "/etc/hostname",
                            "nowhere",
                            "../../outside",
                        ]
                    })
                    .into(),
                mtime: TIME0 + rng.below(1000) as i64,
            }),
            7 => {
                let files: Vec<String> = out
                    .iter()
                    .filter_map(|n| match n {
                        Node::File { p, .. } => Some(p.clone()),
                        _ => None,
                    })
                    .collect();
                if !files.is_empty() {
                    let target = files[rng.below(files.len())].clone();
                    out.push(Node::Hard { p, target });
                }
            }
            8 if rng.chance(40) => out.push(Node::Fifo {
                p,
                mode: rng.pick(&[0o644, 0o600]),
            }),
            _ => out.push(gen_file(rng, v2, p)),
        }
    }
}

/// A regular file at `p` (v2: more sizes and nanoseconds).
pub fn gen_file(rng: &mut Rng, v2: bool, p: String) -> Node {
    let sparse = rng.chance(8);
    if v2 {
        return Node::File {
            p,
            size: if sparse {
                1 << 20
            } else {
                rng.pick(&[
                    0, 1, 13, 700, 701, 1023, 4096, 10_000, 70_001, 131_072, 300_000,
                ])
            },
            seed: rng.next(),
            mode: rng.pick(&[0o644, 0o600, 0o755, 0o640, 0o444, 0o1755, 0o4755, 0o2750]),
            mtime: (
                TIME0 + rng.below(100_000) as i64,
                rng.pick(&[0, 1, 500_000_000, 999_999_999, 123_456_789]),
            ),
            owner: (rng.pick(&[0, 1000, 4242]), rng.pick(&[0, 100, 4243])),
            sparse,
        };
    }
    Node::File {
        p,
        size: if sparse { 1 << 20 } else { rng.pick(SIZES) },
        seed: rng.next(),
        mode: rng.pick(&[0o644, 0o600, 0o755, 0o640, 0o444, 0o1755]),
        mtime: (
            TIME0 + rng.below(100_000) as i64,
            rng.pick(&[0, 1, 500_000_000, 999_999_999]),
        ),
        owner: (rng.pick(&[0, 1000, 4242]), rng.pick(&[0, 100, 4243])),
        sparse,
    }
}

pub fn content(size: u64, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    let mut v = Vec::with_capacity(size as usize);
    while (v.len() as u64) < size {
        v.extend_from_slice(&r.next().to_le_bytes());
    }
    v.truncate(size as usize);
    v
}

pub fn set_mtime(p: &Path, secs: i64, nsec: u32) {
    use rustix::fs::{AtFlags, Timespec, Timestamps, CWD};
    let t = Timestamps {
        last_access: Timespec {
            tv_sec: secs,
            tv_nsec: 0,
        },
        last_modification: Timespec {
            tv_sec: secs,
            tv_nsec: nsec as _,
        },
    };
    rustix::fs::utimensat(CWD, p, &t, AtFlags::SYMLINK_NOFOLLOW).unwrap();
}

/// Extended attributes and ACLs of one entry. The access ACL is stored
/// without what the mode says (owner, mask, other): `(group_obj, named
/// entries)`; the default ACL whole. Entries are (tag, perms, id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub xattrs: Vec<(String, Vec<u8>)>,
    pub acl: Option<(u16, Vec<AclEntry>)>,
    pub dacl: Option<Vec<AclEntry>>,
}

pub type AclEntry = (u16, u16, u32);

pub type Metas = std::collections::BTreeMap<String, Meta>;

const ACL_USER: u16 = 0x02;
const ACL_GROUP: u16 = 0x08;

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn gen_xattrs(rng: &mut Rng, symlink: bool) -> Vec<(String, Vec<u8>)> {
    // user.* is not allowed on symlinks and fifos; trusted.* needs root.
    let names: &[&str] = if symlink {
        &["trusted.t", "trusted.u"]
    } else if is_root() {
        &[
            "user.a",
            "user.mime",
            "user.big",
            "user.rsync.%stat",
            "trusted.t",
        ]
    } else {
        &["user.a", "user.mime", "user.big", "user.rsync.%stat"]
    };
    if symlink && !is_root() {
        return Vec::new();
    }
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for _ in 0..rng.below(3) + 1 {
        let name = rng.pick(names).to_string();
        // Values above 32 bytes: rsync compares them by checksum.
        let value = if name == "user.big" {
            vec![b'a' + rng.below(3) as u8; 40 + rng.below(2) * 60]
        } else {
            rng.pick(&[&b""[..], b"1", b"text/plain", b"x y"]).to_vec()
        };
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, value));
        }
    }
    out
}

fn gen_named(rng: &mut Rng) -> Vec<(u16, u16, u32)> {
    let mut v = vec![(ACL_USER, rng.pick(&[4, 6, 7]), rng.pick(&[1000, 4242]))];
    if rng.chance(40) {
        v.push((ACL_GROUP, rng.pick(&[0, 5]), 100));
    }
    v
}

/// Xattrs and ACLs for some entries of a tree (`old`: a destination's,
/// from the source's where the entry is of the same type).
pub fn gen_metas(rng: &mut Rng, nodes: &[Node], old: Option<(&[Node], &Metas)>) -> Metas {
    let mut out = Metas::new();
    for n in nodes {
        let p = path_of(n).to_string();
        let (dir, file, link) = (
            matches!(n, Node::Dir { .. }),
            matches!(n, Node::File { .. }),
            matches!(n, Node::Link { .. }),
        );
        let same = old.and_then(|(src, metas)| {
            let kind = |m: &Node| std::mem::discriminant(m);
            src.iter()
                .find(|m| path_of(m) == p && kind(m) == kind(n))
                .and_then(|_| metas.get(&p))
        });
        let mut m = match same {
            Some(m) if rng.chance(70) => m.clone(),
            _ => Meta::default(),
        };
        if !(dir || file || link) {
            continue;
        }
        if rng.chance(if old.is_some() { 15 } else { 30 }) {
            m.xattrs = gen_xattrs(rng, link);
        }
        if (dir || file) && rng.chance(if old.is_some() { 10 } else { 20 }) {
            m.acl = match rng.below(3) {
                0 => None,
                _ => Some((rng.pick(&[4, 5, 6]), gen_named(rng))),
            };
        }
        if dir && rng.chance(if old.is_some() { 8 } else { 15 }) {
            let mut d = vec![(0x01, 7, u32::MAX)];
            d.extend(gen_named(rng));
            d.extend([(0x04, 5, u32::MAX), (0x10, rng.pick(&[5, 7]), u32::MAX)]);
            d.push((0x20, rng.pick(&[0, 5]), u32::MAX));
            m.dacl = rng.chance(80).then_some(d);
        }
        if m != Meta::default() {
            out.insert(p, m);
        }
    }
    out
}

fn acl_bytes(entries: &[(u16, u16, u32)]) -> Vec<u8> {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|&(tag, _, id)| (tag, id));
    let mut v = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in sorted {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&perm.to_le_bytes());
        v.extend_from_slice(&id.to_le_bytes());
    }
    v
}

/// Sets an entry's xattrs and ACLs (after its mode: an access ACL
/// agrees with it).
fn apply_meta(at: &Path, m: &Meta) {
    use rustix::fs::XattrFlags;
    for (name, value) in &m.xattrs {
        rustix::fs::lsetxattr(at, name.as_str(), value, XattrFlags::empty()).unwrap();
    }
    if let Some((group, named)) = &m.acl {
        let mode = fs::symlink_metadata(at).unwrap().permissions();
        let mode = std::os::unix::fs::PermissionsExt::mode(&mode) as u16;
        let mut e = named.clone();
        e.extend([
            (0x01, mode >> 6 & 7, u32::MAX),
            (0x04, *group, u32::MAX),
            (0x10, mode >> 3 & 7, u32::MAX),
            (0x20, mode & 7, u32::MAX),
        ]);
        let raw = acl_bytes(&e);
        rustix::fs::setxattr(at, "system.posix_acl_access", &raw, XattrFlags::empty()).unwrap();
    }
    if let Some(d) = &m.dacl {
        let raw = acl_bytes(d);
        rustix::fs::setxattr(at, "system.posix_acl_default", &raw, XattrFlags::empty()).unwrap();
    }
}

/// Builds `nodes` under `root`, deterministically (so two copies match).
pub fn build(root: &Path, nodes: &[Node], metas: &Metas) {
    use rustix::fs::{FileType, Mode, CWD};
    fs::create_dir_all(root).unwrap();
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for n in nodes {
        let at = root.join(path_of(n));
        if let Some(parent) = at.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        match n {
            Node::Dir { mode, mtime, .. } => {
                fs::create_dir_all(&at).unwrap();
                dirs.push((at, *mode, *mtime));
            }
            Node::File {
                size,
                seed,
                mode,
                mtime,
                owner,
                sparse,
                ..
            } => {
                let mut f = fs::File::create(&at).unwrap();
                if *sparse {
                    f.set_len(*size).unwrap();
                    f.write_all_at(&content(100, *seed), 0).unwrap();
                    f.write_all_at(&content(5000, *seed + 1), size / 2).unwrap();
                } else {
                    f.write_all(&content(*size, *seed)).unwrap();
                }
                drop(f);
                // Owner and mode last: hard links to it come first.
                files.push((at, *owner, *mode, *mtime));
            }
            Node::Link { p, target, mtime } => {
                std::os::unix::fs::symlink(target, &at).unwrap();
                if let Some(m) = metas.get(p) {
                    apply_meta(&at, m);
                }
                set_mtime(&at, *mtime, 0);
            }
            Node::Hard { target, .. } => fs::hard_link(root.join(target), &at).unwrap(),
            Node::Fifo { mode, .. } => {
                rustix::fs::mknodat(CWD, &at, FileType::Fifo, Mode::from_raw_mode(*mode), 0)
                    .unwrap();
                set_mtime(&at, TIME0, 0);
            }
        }
    }
    let meta_of = |at: &Path| {
        let rel = at
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        metas.get(&rel)
    };
    for (at, owner, mode, mtime) in files {
        std::os::unix::fs::lchown(&at, Some(owner.0), Some(owner.1)).unwrap();
        fs::set_permissions(&at, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
        if let Some(m) = meta_of(&at) {
            apply_meta(&at, m);
        }
        set_mtime(&at, mtime.0, mtime.1);
    }
    dirs.reverse();
    for (at, mode, mtime) in dirs {
        fs::set_permissions(&at, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
        if let Some(m) = meta_of(&at) {
            apply_meta(&at, m);
        }
        set_mtime(&at, mtime, 0);
    }
}

/// A destination from an earlier sync: part of the source, some of it
/// changed (content, size, time, mode, owner, type), plus extras (v2:
/// some directories are symlinks to a real one beside them, for `-K`).
pub fn gen_dst(rng: &mut Rng, v2: bool, src: &[Node]) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    let has = |out: &Vec<Node>, p: &str| out.iter().any(|n| path_of(n) == p);
    for n in src {
        let p = path_of(n);
        let parent_ok = match p.rfind('/') {
            Some(i) => out.iter().any(|n| match n {
                Node::Dir { p: d, .. } => d == &p[..i],
                // A symlinked directory (v2): its contents are built
                // through the link.
                Node::Link { p: d, target, .. } => d == &p[..i] && target.ends_with(".real"),
                _ => false,
            }),
            None => true,
        };
        if !parent_ok || !rng.chance(75) {
            continue;
        }
        let mut n = n.clone();
        match &mut n {
            Node::File {
                size,
                seed,
                mtime,
                mode,
                owner,
                ..
            } => match rng.below(10) {
                0 => *seed += 1,
                1 => {
                    *seed += 1;
                    mtime.0 -= 100;
                }
                2 => *size += 3,
                3 => mtime.0 += 50,
                4 => *mode = 0o600,
                5 => owner.0 = 77,
                6 => mtime.1 = 12345,
                _ => {}
            },
            Node::Dir { mtime, mode, .. } => {
                if rng.chance(30) {
                    *mtime += 7;
                }
                if rng.chance(10) {
                    *mode = 0o711;
                }
            }
            Node::Link { target, mtime, .. } => {
                if rng.chance(30) {
                    *target = "elsewhere".into();
                }
                if rng.chance(30) {
                    *mtime += 3;
                }
            }
            Node::Hard { target, .. } => {
                let is_file = out
                    .iter()
                    .any(|n| matches!(n, Node::File { p, .. } if p == target));
                if !is_file || rng.chance(30) {
                    n = gen_file(rng, v2, p.to_string());
                }
            }
            _ => {}
        }
        if rng.chance(5) {
            // A type change: a file where the source has a directory or
            // the other way round.
            n = match n {
                Node::Dir { p, .. } => gen_file(rng, v2, p),
                other => {
                    let p = path_of(&other).to_string();
                    Node::Dir {
                        p,
                        mode: 0o755,
                        mtime: TIME0,
                    }
                }
            };
        }
        if let (true, Node::Dir { p, mode, mtime }) = (v2, &n) {
            if rng.chance(8) {
                let name = p.rsplit('/').next().unwrap_or(p);
                let real = format!("{p}.real");
                out.push(Node::Dir {
                    p: real,
                    mode: *mode,
                    mtime: *mtime,
                });
                out.push(Node::Link {
                    p: p.clone(),
                    target: format!("{name}.real"),
                    mtime: TIME0,
                });
                continue;
            }
        }
        out.push(n);
    }
    let dirs: Vec<String> = std::iter::once(String::new())
        .chain(out.iter().filter_map(|n| match n {
            Node::Dir { p, .. } => Some(p.clone()),
            _ => None,
        }))
        .collect();
    for _ in 0..rng.below(5) {
        let d = &dirs[rng.below(dirs.len())];
        let name = format!("{}{}", rng.pick(NAMES), rng.pick(&["2", ".old", "~"]));
        let p = if d.is_empty() {
            name
        } else {
            format!("{d}/{name}")
        };
        if has(&out, &p) || src.iter().any(|n| path_of(n) == p) {
            continue;
        }
        if rng.chance(30) {
            out.push(Node::Dir {
                p: p.clone(),
                mode: 0o755,
                mtime: TIME0,
            });
            out.push(gen_file(rng, v2, format!("{p}/inner")));
        } else {
            out.push(gen_file(rng, v2, p));
        }
    }
    out
}
