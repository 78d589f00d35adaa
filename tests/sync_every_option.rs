//! Every option of `rsync --help` (3.5.0), each run by rsync and by
//! `wsync sync` on the same small tree: exit status, output lines and the
//! resulting trees compared. `every_option_has_a_case` parses `rsync
//! --help` and checks that each long and short option it lists is in a
//! case here and is accepted by `wsync sync` (not refused as unknown or
//! unsupported).
//!
//! What depends on the machine is tested as far as it can be: `-x` on a
//! tree with no mount point inside (the same as without it) and on
//! `/dev/` (its mount points, where the machine has them), `--stop-at`
//! and `--stop-after` with times the run finishes before, `-4`/`-6`,
//! `--address`, `--sockopts` and the like where rsync ignores them
//! locally.

mod common;

use common::{describe, rsync_version, run_in, wsync_path, Run};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// Writes a file with the mode and the access and modification time.
fn put(p: &Path, data: &[u8], mode: u32, secs: u64) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    let t = fs::FileTimes::new()
        .set_modified(at(secs))
        .set_accessed(at(secs + 50));
    fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_times(t)
        .unwrap();
}

fn dir_time(p: &Path, secs: u64) {
    fs::File::open(p).unwrap().set_modified(at(secs)).unwrap();
}

/// The standard tree: `src` with files, a subtree and a symlink; `dst`
/// with an older `f`, a file the source lacks and a similar name for -y.
fn tree(side: &Path) {
    let src = side.join("src");
    put(
        &src.join("f"),
        b"the new contents of f\n",
        0o644,
        1_600_000_000,
    );
    put(&src.join("d/g"), b"g\n", 0o600, 1_600_000_010);
    put(&src.join("d/e/h"), &vec![b'h'; 5000], 0o755, 1_600_000_020);
    let data: Vec<u8> = (0..20000u32).flat_map(|i| i.to_le_bytes()).collect();
    put(&src.join("data2.txt"), &data, 0o644, 1_600_000_030);
    std::os::unix::fs::symlink("f", src.join("link")).unwrap();
    let dst = side.join("dst");
    put(&dst.join("f"), b"old f\n", 0o644, 1_500_000_000);
    put(
        &dst.join("extra"),
        b"not in the source\n",
        0o644,
        1_500_000_000,
    );
    let mut near = data.clone();
    near.truncate(70000);
    put(&dst.join("data.txt"), &near, 0o644, 1_500_000_000);
    for d in ["src/d/e", "src/d", "src", "dst"] {
        dir_time(&side.join(d), 1_600_000_100);
    }
}

/// One case: the arguments (run in the side's directory), what else to
/// set up, whether the output lines are compared, and the trees.
struct Case {
    args: Vec<String>,
    prep: fn(&Path),
    out: bool,
    trees: &'static [&'static str],
}

fn none(_: &Path) {}

fn case(args: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        prep: none,
        out: true,
        trees: &["dst"],
    }
}

impl Case {
    fn prep(mut self, f: fn(&Path)) -> Case {
        self.prep = f;
        self
    }
    fn trees(mut self, t: &'static [&'static str]) -> Case {
        self.trees = t;
        self
    }
    /// Output not compared (help and version texts are wsync's own).
    fn no_out(mut self) -> Case {
        self.out = false;
        self
    }
}

/// `-ai OPTION... src/ dst/`.
fn plain(opts: &[&str]) -> Case {
    let mut v = vec!["-ai"];
    v.extend_from_slice(opts);
    v.extend_from_slice(&["src/", "dst/"]);
    case(&v)
}

fn devices(side: &Path) {
    let null = rustix::fs::makedev(1, 3);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        side.join("src/nul"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o644),
        null,
    )
    .unwrap();
}

fn dst_device(side: &Path) {
    fs::remove_file(side.join("dst/f")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        side.join("dst/f"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o644),
        rustix::fs::makedev(1, 3),
    )
    .unwrap();
}

fn fifo(side: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        side.join("src/fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

/// dst/f: the start of the source's f (what --append adds to).
fn prefix(side: &Path) {
    put(&side.join("dst/f"), b"the new ", 0o644, 1_500_000_000);
}

fn tmp_in_dst(side: &Path) {
    fs::create_dir(side.join("dst/.tmpd")).unwrap();
    dir_time(&side.join("dst"), 1_600_000_100);
}

fn window(side: &Path) {
    // dst/f: the source's size, 2 seconds older.
    put(
        &side.join("dst/f"),
        b"the OLD contents of f\n",
        0o644,
        1_599_999_998,
    );
}

fn nsec(side: &Path) {
    put(
        &side.join("dst/f"),
        b"the OLD contents of f\n",
        0o644,
        1_600_000_000,
    );
    let t = SystemTime::UNIX_EPOCH + Duration::new(1_600_000_000, 500);
    fs::File::options()
        .write(true)
        .open(side.join("dst/f"))
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn missing_in_dst(side: &Path) {
    put(&side.join("dst/nope"), b"to go\n", 0o644, 1_500_000_000);
}

/// A file named in ISO-8859-1 ("caf\xe9").
fn latin1(side: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9");
    put(
        &side.join("src").join(name),
        b"latin1\n",
        0o644,
        1_600_000_000,
    );
    dir_time(&side.join("src"), 1_600_000_100);
}

/// A name with high-bit bytes (UTF-8: rsync escapes them outside a
/// UTF-8 locale, unless -8).
fn high_bit(side: &Path) {
    put(
        &side.join("src/caf\u{e9}"),
        b"a name with high-bit bytes\n",
        0o644,
        1_600_000_000,
    );
    dir_time(&side.join("src"), 1_600_000_100);
}

fn writable_dst(side: &Path) {
    fs::set_permissions(side.join("dst"), fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(side, fs::Permissions::from_mode(0o755)).unwrap();
}

fn munged(side: &Path) {
    std::os::unix::fs::symlink("/rsyncd-munged/f", side.join("src/mlink")).unwrap();
    dir_time(&side.join("src"), 1_600_000_100);
}

fn early_input(side: &Path) {
    fs::write(side.join("early"), b"hello\n").unwrap();
}

/// A time an hour from now, as `--stop-at` takes it (local time).
fn in_an_hour() -> String {
    let out = std::process::Command::new("date")
        .args(["-d", "+1 hour", "+%Y-%m-%dT%H:%M"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn cases() -> Vec<Case> {
    let stop_at = format!("--stop-at={}", in_an_hour());
    let mut v = vec![
        plain(&["--verbose"]),
        plain(&["--info=del,skip,copy,backup,misc0,flist0,mount,nonreg0,remove,symsafe,all0"]),
        plain(&["--info=name2"]),
        plain(&["--info=name0", "-v"]),
        plain(&["--info=stats1"]),
        plain(&["--info=stats2,name1"]).no_out(),
        plain(&["--debug=none"]),
        plain(&["--stderr=all", "-v"]),
        plain(&["--stderr=errors"]),
        plain(&["--stderr=client"]),
        plain(&["--msgs2stderr", "-v"]),
        plain(&["--quiet"]),
        plain(&["--no-motd"]),
        plain(&["--checksum", "-c"]),
        plain(&["--archive"]),
        plain(&["--no-OPTION-form", "--no-D", "--no-perms", "--no-t"]),
        plain(&["--recursive"]),
        plain(&["--inc-recursive", "--i-r"]),
        plain(&["--no-inc-recursive", "-v"]),
        plain(&["--no-i-r", "--delete"]),
        case(&["-aiR", "src/d/e", "dst/"]),
        case(&[
            "-aiR",
            "--relative",
            "--no-implied-dirs",
            "src/d/e/h",
            "dst/",
        ]),
        plain(&["--backup", "--suffix=.bak", "-b"]),
        plain(&["--backup-dir=../bak"]).trees(&["dst", "bak"]),
        plain(&["--update", "-u"]),
        plain(&["--inplace"]),
        plain(&["--append"]),
        plain(&["--append-verify"]).prep(prefix),
        case(&["-i", "--dirs", "-d", "src/", "dst/"]),
        case(&["-i", "--old-dirs", "src/", "dst/"]),
        case(&["-i", "--old-d", "--delete", "src/", "dst/"]),
        case(&["-ai", "--mkpath", "src/", "dst/new/deep/"]),
        plain(&["--links", "-l"]),
        plain(&["--copy-links", "-L"]),
        plain(&["--copy-unsafe-links"]),
        plain(&["--safe-links"]),
        plain(&["--insecure-links"]),
        plain(&["--confine-root=/"]),
        plain(&["--confine-root=relative"]),
        plain(&["--insecure-links", "--confine-root=/tmp"]),
        plain(&["--munge-links"]).prep(munged),
        plain(&["--copy-dirlinks", "-k"]),
        plain(&["--keep-dirlinks", "-K"]),
        plain(&["--hard-links", "-H"]),
        plain(&["--perms", "-p"]),
        case(&["-ri", "--executability", "-E", "src/", "dst/"]),
        plain(&["--chmod=go-w,Fa-x"]),
        plain(&["--acls", "-A"]),
        plain(&["--xattrs", "-X"]),
        plain(&["--owner", "-o"]),
        plain(&["--group", "-g"]),
        plain(&["--devices"]).prep(devices),
        plain(&["--copy-devices"]).prep(devices),
        case(&["-ri", "--write-devices", "src/", "dst/"]).prep(dst_device),
        plain(&["--specials"]).prep(fifo),
        plain(&["--drop-D"]).prep(fifo),
        plain(&["-D"]).prep(fifo),
        plain(&["--times", "-t"]),
        plain(&["--atimes", "-U"]),
        plain(&["--open-noatime"]),
        plain(&["-UU"]),
        plain(&["--crtimes"]),
        plain(&["-N"]),
        plain(&["--omit-dir-times", "-O"]),
        plain(&["--omit-link-times", "-J"]),
        plain(&["--super"]),
        plain(&["--sparse", "-S"]),
        plain(&["--preallocate"]),
        plain(&["--dry-run", "-n"]),
        plain(&["--whole-file", "-W"]),
        plain(&["--no-whole-file", "--no-W"]),
        plain(&["--checksum-choice=md5", "--cc=xxh64"]),
        plain(&["--checksum-choice=bogus"]),
        plain(&["--one-file-system", "-x"]),
        plain(&["-xx"]),
        // /dev holds mount points (/dev/shm, /dev/pts) on most machines:
        // -x lists them without their contents, -xx leaves them out.
        case(&["-rx", "--list-only", "-f", "+ */", "-f", "- *", "/dev/"]).trees(&[]),
        case(&["-rxx", "--list-only", "-f", "+ */", "-f", "- *", "/dev/"]).trees(&[]),
        plain(&["--no-W", "--block-size=1024", "-B2048"]),
        plain(&["--rsh=ssh", "-e", "ssh", "--rsync-path=rsync"]),
        plain(&["--existing"]),
        plain(&["--ignore-non-existing"]),
        plain(&["--ignore-existing"]),
        plain(&["--remove-source-files"]).trees(&["src", "dst"]),
        plain(&["--del"]),
        plain(&["--delete"]),
        plain(&["--delete-before"]),
        plain(&["--delete-during"]),
        plain(&["--delete-delay"]),
        plain(&["--delete-after"]),
        plain(&["--delete", "--delete-excluded", "--exclude=g"]),
        case(&["-ai", "--ignore-missing-args", "src/nope", "src/f", "dst/"]),
        case(&["-ai", "src/nope", "src/f", "dst/"]),
        case(&["-ai", "--delete-missing-args", "src/nope", "src/f", "dst/"]).prep(missing_in_dst),
        plain(&["--delete", "--ignore-errors"]),
        plain(&["--delete", "--force"]),
        plain(&["--delete", "--max-delete=0"]),
        plain(&["--max-size=100"]),
        plain(&["--min-size=100"]),
        plain(&["--max-alloc=64M"]),
        plain(&["--max-alloc=1"]),
        plain(&["--partial"]),
        plain(&["--partial-dir=.part"]),
        plain(&["--delay-updates"]),
        plain(&["--prune-empty-dirs", "-m"]),
        plain(&["--numeric-ids"]),
        plain(&["--usermap=*:1234", "--groupmap=0:55"]),
        plain(&["--usermap=0-10:77,*:88"]),
        plain(&["--usermap=nocolon"]),
        plain(&["--chown=1234:55"]),
        plain(&["--chown=nobody:nogroup"]),
        plain(&["--chown=:55"]),
        plain(&["--timeout=30"]),
        plain(&["--contimeout=30"]),
        plain(&["--ignore-times", "-I"]),
        plain(&["--size-only"]),
        plain(&["--modify-window=5"]).prep(window),
        plain(&["-@", "1"]).prep(window),
        plain(&["-@-1"]).prep(nsec),
        plain(&["--modify-window=-1"]).prep(nsec),
        plain(&["--temp-dir=.tmpd"]).prep(tmp_in_dst),
        plain(&["-T", "missing-dir"]),
        plain(&["--fuzzy", "-y", "--no-W"]),
        plain(&["-yy", "--no-W", "--compare-dest=../src"]),
        plain(&["--compare-dest=../src"]),
        plain(&["--copy-dest=../src"]),
        plain(&["--link-dest=../src"]),
        plain(&["--compress", "-z"]),
        plain(&["--compress-choice=zstd", "--zc=lz4"]),
        plain(&["--zc=bogus"]),
        plain(&["--compress-level=3", "--zl=4"]),
        plain(&["--compress-threads=2", "--zt=1"]),
        plain(&["--skip-compress=gz/zip"]),
        plain(&["--cvs-exclude", "-C"]),
        plain(&["--filter=- g", "-f", "- h"]),
        plain(&["-F"]),
        plain(&["--exclude=g"]),
        plain(&["--exclude-from=/dev/null"]),
        plain(&["--include=d/", "--include=g", "--exclude=*"]),
        plain(&["--include-from=/dev/null"]),
        case(&["-ai", "--files-from=list", "src/", "dst/"]).prep(|s| {
            fs::write(s.join("list"), "f\nd/g\n").unwrap();
        }),
        case(&["-ai", "--from0", "-0", "--files-from=list", "src/", "dst/"]).prep(|s| {
            fs::write(s.join("list"), "f\0d/e/h\0").unwrap();
        }),
        plain(&["--old-args"]),
        plain(&["--secluded-args", "-s"]),
        plain(&["--trust-sender"]),
        plain(&["--copy-as=nobody"]).prep(writable_dst),
        plain(&["--copy-as=nosuchuser"]),
        plain(&["--address=127.0.0.1"]),
        plain(&["--port=8873"]),
        plain(&["--sockopts=SO_SNDBUF=8192"]),
        plain(&["--blocking-io"]),
        plain(&["--outbuf=L"]),
        plain(&["--outbuf=X"]),
        plain(&["--stats"]).no_out(),
        plain(&["--8-bit-output", "-8"]).prep(high_bit),
        plain(&["--human-readable", "-h"]),
        plain(&["--progress"]).no_out(),
        plain(&["-P"]).no_out(),
        plain(&["--itemize-changes"]),
        plain(&["--remote-option=-v", "-M-q"]),
        plain(&["-Mbogus"]),
        plain(&["-M--bogus"]),
        plain(&["-M--delete-before", "-M--delete-after"]),
        plain(&["--out-format=%n %i %l"]),
        plain(&["--log-file=../log", "--log-file-format=%n"]),
        plain(&["--password-file=/dev/null"]),
        plain(&["--early-input=../early"]).prep(early_input),
        plain(&["--list-only"]),
        case(&["-r", "src/"]),
        case(&["--list-only", "-l", "src/"]),
        case(&["src"]),
        plain(&["--bwlimit=1000"]),
        plain(&["--stop-after=60"]),
        plain(&[&stop_at]),
        plain(&["--stop-after=0"]),
        plain(&["--stop-at=2001-01-01T00:00"]),
        plain(&["--time-limit=60"]),
        plain(&["--fsync"]),
        plain(&["--write-batch=../b1"]),
        plain(&["--only-write-batch=../b1"]),
        plain(&["--protocol=31"]),
        plain(&["--protocol=10"]),
        plain(&["--iconv=utf8"]),
        plain(&["--iconv=latin1,utf8"]).prep(latin1),
        plain(&["--iconv=utf8,ascii"]).prep(high_bit),
        plain(&["--iconv=bogus,utf8"]),
        plain(&["--checksum-seed=7"]),
        plain(&["--ipv4", "-4"]),
        plain(&["--ipv6", "-6"]),
        case(&["--version"]).no_out(),
        case(&["-V"]).no_out(),
        case(&["--help"]).no_out(),
        case(&["-h"]).no_out(),
        plain(&["--debug=help"]).no_out(),
        plain(&["--info=help"]),
        plain(&["--debug=bogus"]),
        plain(&["--info=bogus"]),
        plain(&["--no-implied-dirs"]),
        plain(&["--fake-super"]),
    ];
    for c in &mut v {
        if c.args.iter().any(|a| a.contains("--no-OPTION-form")) {
            c.args.retain(|a| a != "--no-OPTION-form");
        }
    }
    v
}

/// Runs one case on both sides; returns what differs.
fn compare(c: &Case) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for side in ["r", "w"] {
        let s = root.join(side);
        fs::create_dir(&s).unwrap();
        tree(&s);
        (c.prep)(&s);
    }
    let want = run_in("rsync", &c.args, &root.join("r"), &[], None);
    let mut wargs = vec!["sync".to_string()];
    wargs.extend(c.args.iter().cloned());
    let got = run_in(wsync_path(), &wargs, &root.join("w"), &[], None);
    let mut problems = Vec::new();
    if want.code != got.code {
        problems.push(format!(
            "exit: rsync {} wsync {} ({})",
            want.code,
            got.code,
            got.stderr.trim()
        ));
    }
    if c.out && sorted(&want) != sorted(&got) {
        problems.push(format!(
            "output: rsync {:?} wsync {:?}",
            want.lines, got.lines
        ));
    }
    for d in c.trees {
        let r = describe(&root.join("r").join(d), true, false);
        let w = describe(&root.join("w").join(d), true, false);
        if r != w {
            problems.push(format!("tree {d}: rsync {r:#?} wsync {w:#?}"));
        }
    }
    problems
}

fn sorted(r: &Run) -> Vec<String> {
    let mut v: Vec<String> = r
        .lines
        .iter()
        // rsync's byte counts, rates and times vary from run to run.
        .filter(|l| !l.starts_with("sent ") && !l.starts_with("total size is "))
        .cloned()
        .collect();
    v.sort();
    v
}

#[test]
fn every_option_as_rsync() {
    let mut failed = Vec::new();
    for c in cases() {
        let p = compare(&c);
        if !p.is_empty() {
            failed.push(format!("{:?}:\n  {}", c.args, p.join("\n  ")));
        }
    }
    assert!(
        failed.is_empty(),
        "against {}: {} cases differ:\n{}",
        rsync_version(),
        failed.len(),
        failed.join("\n")
    );
}

/// The options `rsync --help` lists: (long names, short letters).
fn rsync_help_options() -> (Vec<String>, Vec<char>) {
    let out = std::process::Command::new("rsync")
        .arg("--help")
        .output()
        .expect("rsync runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut longs = Vec::new();
    let mut shorts = Vec::new();
    let body = text
        .split("\nOptions\n")
        .nth(1)
        .expect("an Options section");
    for line in body.lines() {
        let line = line.trim_start();
        if !line.starts_with('-') {
            continue;
        }
        // The option part: up to two spaces.
        let spec = line.split("  ").next().unwrap_or("");
        for part in spec.split(", ") {
            let name = part.split('=').next().unwrap_or("");
            if let Some(l) = name.strip_prefix("--") {
                longs.push(l.to_string());
            } else if let Some(s) = name.strip_prefix('-') {
                shorts.extend(s.chars().next());
            }
        }
    }
    (longs, shorts)
}

#[test]
fn every_option_has_a_case() {
    let (longs, shorts) = rsync_help_options();
    assert!(longs.len() > 150, "{longs:?}");
    let all: Vec<String> = cases().into_iter().flat_map(|c| c.args).collect();
    let mut missing = Vec::new();
    for l in &longs {
        let l = l.as_str();
        // "--no-OPTION" stands for the form: --no-D is a case;
        // --read-batch has its own test (batch_read_as_rsync).
        let has = l == "no-OPTION"
            || l == "read-batch"
            || all
                .iter()
                .any(|a| a == &format!("--{l}") || a.starts_with(&format!("--{l}=")));
        if !has {
            missing.push(format!("--{l}"));
        }
    }
    for s in &shorts {
        let has = all.iter().any(|a| {
            a.starts_with('-') && !a.starts_with("--") && a[1..].starts_with(*s)
                || (a.len() > 1 && !a.starts_with("--") && a.starts_with('-') && a.contains(*s))
        });
        if !has {
            missing.push(format!("-{s}"));
        }
    }
    assert!(missing.is_empty(), "no case for {missing:?}");
}

#[test]
fn every_option_is_accepted() {
    // Each option alone (with a value where it takes one) parses; none is
    // refused as unknown or as not supported. `--help` runs alone.
    let (longs, shorts) = rsync_help_options();
    let text = String::from_utf8_lossy(
        &std::process::Command::new("rsync")
            .arg("--help")
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    let value_of = |name: &str| -> Option<&'static str> {
        let spec = text
            .lines()
            .map(str::trim_start)
            .find(|l| {
                l.split("  ")
                    .next()
                    .is_some_and(|s| s.split(", ").any(|p| p.split('=').next() == Some(name)))
            })
            .unwrap_or("");
        let head = spec.split("  ").next().unwrap_or("");
        if !head.contains('=') {
            return None;
        }
        Some(match name {
            "--stop-at" => "2999-01-01T00:00",
            "--stop-after" => "60",
            "--max-alloc" => "8M",
            "--outbuf" => "L",
            "--stderr" => "all",
            "--info" => "name",
            "--debug" => "none",
            "--checksum-choice" => "md5",
            "--compress-choice" => "zlib",
            "--iconv" => "utf8",
            "--remote-option" => "-v",
            "--chmod" => "u+r",
            "--usermap" | "--groupmap" => "0:0",
            "--chown" => "0:0",
            "--modify-window" | "--compress-level" | "--compress-threads" | "--protocol"
            | "--checksum-seed" | "--max-delete" | "--timeout" | "--contimeout" | "--port" => "1",
            "--block-size" => "1024",
            "--confine-root" => "/",
            _ => "x",
        })
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut refused = Vec::new();
    let mut check = |args: Vec<String>| {
        let mut all = vec!["sync".to_string(), "--dry-run".to_string()];
        all.extend(args.clone());
        all.extend(["/nonexistent-src/".to_string(), "dst/".to_string()]);
        let r = run_in(wsync_path(), &all, tmp.path(), &[], None);
        let e = r.stderr.to_lowercase();
        if e.contains("unknown option") || e.contains("not supported") {
            refused.push(format!("{args:?}: {}", r.stderr.trim()));
        }
    };
    for l in &longs {
        if l == "no-OPTION" || l == "help" || l == "version" {
            continue;
        }
        let name = format!("--{l}");
        let args = match value_of(&name) {
            Some(v) => vec![format!("{name}={v}")],
            None => vec![name],
        };
        check(args);
    }
    for s in &shorts {
        if *s == 'h' || *s == 'V' || *s == 'N' {
            continue;
        }
        let name = format!("-{s}");
        let long = text
            .lines()
            .map(str::trim_start)
            .find(|l| {
                l.split("  ")
                    .next()
                    .is_some_and(|h| h.ends_with(&format!(", {name}")))
            })
            .and_then(|l| l.split(", ").next())
            .and_then(|l| l.split('=').next())
            .map(str::to_string);
        let args = match long.as_deref().and_then(value_of) {
            Some(v) => vec![name, v.to_string()],
            None => vec![name],
        };
        check(args);
    }
    assert!(refused.is_empty(), "refused: {refused:#?}");
}

/// Runs `args` (after `sync` for wsync) in `dir`.
fn tool(rsync: bool, args: &[&str], dir: &Path) -> Run {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if rsync {
        return run_in("rsync", &v, dir, &[], None);
    }
    v.insert(0, "sync".into());
    run_in(wsync_path(), &v, dir, &[], None)
}

#[test]
fn batch_read_as_rsync() {
    // Each tool writes a batch of a transfer (into dst) and reads it back
    // into a copy of the destination as it was (dst2): dst2 ends as dst,
    // and the read run itemizes what the write run did. The batch formats
    // differ (docs/BATCH.md); the trees and lines are compared.
    let tmp = tempfile::tempdir().unwrap();
    let mut result = Vec::new();
    for (side, rsync) in [("r", true), ("w", false)] {
        let s = tmp.path().join(side);
        fs::create_dir(&s).unwrap();
        tree(&s);
        let copy = run_in(
            "cp",
            &["-a".into(), "dst".into(), "dst2".into()],
            &s,
            &[],
            None,
        );
        assert_eq!(copy.code, 0);
        let write = tool(
            rsync,
            &["-ai", "--delete", "--write-batch=b", "src/", "dst/"],
            &s,
        );
        assert_eq!(write.code, 0, "{side}: {}", write.stderr);
        assert!(s.join("b.sh").exists(), "{side}: no b.sh");
        let read = tool(rsync, &["-ai", "--delete", "--read-batch=b", "dst2/"], &s);
        assert_eq!(read.code, 0, "{side}: {}", read.stderr);
        let (mut w, mut r) = (write.lines.clone(), read.lines.clone());
        w.sort();
        r.sort();
        assert_eq!(w, r, "{side}: the read run itemizes as the write run");
        let a = describe(&s.join("dst"), true, false);
        let b = describe(&s.join("dst2"), true, false);
        assert_eq!(a, b, "{side}: the read batch gives the write run's tree");
        // --only-write-batch leaves the destination as it is.
        let before = describe(&s.join("dst2"), true, false);
        put(&s.join("src/f"), b"changed again\n", 0o644, 1_700_000_000);
        let only = tool(
            rsync,
            &["-ai", "--only-write-batch=b3", "src/", "dst2/"],
            &s,
        );
        assert_eq!(only.code, 0, "{side}: {}", only.stderr);
        assert_eq!(before, describe(&s.join("dst2"), true, false), "{side}");
        result.push((b, write.lines, only.lines));
    }
    assert_eq!(result[0], result[1], "against {}", rsync_version());
}

#[test]
fn batch_files_are_checked() {
    // A damaged, truncated or foreign batch is refused (exit 12) before
    // the destination changes.
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path();
    tree(s);
    let copy = run_in(
        "cp",
        &["-a".into(), "dst".into(), "dst2".into()],
        s,
        &[],
        None,
    );
    assert_eq!(copy.code, 0);
    let w = tool(false, &["-a", "--write-batch=b", "src/", "dst/"], s);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let good = fs::read(s.join("b")).unwrap();
    let before = describe(&s.join("dst2"), true, false);
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let mut truncated = good.clone();
    truncated.truncate(good.len() - 10);
    let rsync_batch = {
        let r = tool(true, &["-a", "--only-write-batch=rb", "src/", "dst/"], s);
        assert_eq!(r.code, 0);
        fs::read(s.join("rb")).unwrap()
    };
    for (name, bytes) in [
        ("flipped", flipped),
        ("truncated", truncated),
        ("empty", Vec::new()),
        ("rsync's", rsync_batch),
        ("many options", b"WSYNCBATCH\n\x01\xff\xff\xff\xff".to_vec()),
        // One option of 4 GiB: refused by its length, not allocated.
        (
            "huge option",
            b"WSYNCBATCH\n\x01\x01\0\0\0\xff\xff\xff\xff".to_vec(),
        ),
        ("version 2", b"WSYNCBATCH\n\x02".to_vec()),
    ] {
        fs::write(s.join("bad"), &bytes).unwrap();
        let r = tool(false, &["-a", "--read-batch=bad", "dst2/"], s);
        assert_eq!(r.code, 12, "{name}: {}", r.stderr);
        assert!(r.stderr.contains("bad batch file"), "{name}: {}", r.stderr);
        assert_eq!(before, describe(&s.join("dst2"), true, false), "{name}");
        let left: Vec<_> = fs::read_dir(s)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".wsync-batch"))
            .collect();
        assert!(left.is_empty(), "{name}: a staging directory was left");
    }
}

/// Replaces `from` by `to` (the same length) in a wsync batch and
/// recomputes its trailer's SHA-256, as a forger would.
fn forge(batch: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    assert_eq!(from.len(), to.len());
    let body_len = batch.len() - (8 + 8 + 32);
    let mut body = batch[..body_len].to_vec();
    let at = body
        .windows(from.len())
        .position(|w| w == from)
        .expect("the name is in the batch");
    body[at..at + from.len()].copy_from_slice(to);
    let digest = sha2::Sha256::digest(&body);
    let mut out = body;
    out.extend_from_slice(&batch[body_len..body_len + 16]);
    out.extend_from_slice(&digest);
    out
}

#[test]
fn batch_entries_below_a_symlink_are_refused() {
    // A forged batch lists a symlink "ab" leading out of the destination
    // and then a file "ab/x": reading it must not write through the
    // symlink (exit 12, nothing outside, the destination unchanged).
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path();
    fs::create_dir_all(s.join("src/ac")).unwrap();
    fs::create_dir_all(s.join("dst")).unwrap();
    fs::create_dir_all(s.join("outside")).unwrap();
    fs::write(s.join("src/ac/x"), b"planted\n").unwrap();
    std::os::unix::fs::symlink("../outside", s.join("src/ab")).unwrap();
    let w = tool(false, &["-rl", "--only-write-batch=b", "src/", "dst/"], s);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let forged = forge(&fs::read(s.join("b")).unwrap(), b"ac/x", b"ab/x");
    fs::write(s.join("forged"), forged).unwrap();
    let r = tool(false, &["-rl", "--read-batch=forged", "dst/"], s);
    assert!(!s.join("outside/x").exists(), "written through the symlink");
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
    assert_eq!(fs::read_dir(s.join("dst")).unwrap().count(), 0);
    // The same batch unforged reads fine.
    let ok = tool(false, &["-rl", "--read-batch=b", "dst/"], s);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(fs::read(s.join("dst/ac/x")).unwrap(), b"planted\n");
}

#[test]
fn batch_options_that_reach_outside_are_refused() {
    // The options a batch records are untrusted too: one naming a place
    // outside the destination, or a file to read, is refused on reading.
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path();
    tree(s);
    let w = tool(
        false,
        &[
            "-rl",
            "-b",
            "--backup-dir=bak",
            "--only-write-batch=b",
            "src/",
            "dst/",
        ],
        s,
    );
    assert_eq!(w.code, 0, "{}", w.stderr);
    let ok = tool(
        false,
        &["-rl", "--read-batch=b", "--only-write-batch=x", "dst/"],
        s,
    );
    assert_eq!(ok.code, 1, "read and write batch at once: {}", ok.stderr);
    let forged = forge(
        &fs::read(s.join("b")).unwrap(),
        b"--backup-dir=bak",
        b"--backup-dir=/tm",
    );
    fs::write(s.join("forged"), forged).unwrap();
    let before = describe(&s.join("dst"), true, false);
    let r = tool(false, &["-rl", "--read-batch=forged", "dst/"], s);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(
        r.stderr.contains("--backup-dir outside the destination"),
        "{}",
        r.stderr
    );
    assert_eq!(before, describe(&s.join("dst"), true, false));
    let w = tool(
        false,
        &[
            "-rl",
            "--exclude-from=/dev/null",
            "--only-write-batch=e",
            "src/",
            "dst/",
        ],
        s,
    );
    assert_eq!(w.code, 0, "{}", w.stderr);
    let r = tool(false, &["-rl", "--read-batch=e", "dst/"], s);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(r.stderr.contains("rules read from files"), "{}", r.stderr);
    // The legitimate one reads.
    let r = tool(false, &["-rl", "--read-batch=b", "dst/"], s);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn help_lists_every_option() {
    // `wsync sync --help` lists every option of `rsync --help`, in its
    // order.
    let (longs, _) = rsync_help_options();
    let help = run_in(
        wsync_path(),
        &["sync".into(), "--help".into()],
        Path::new("."),
        &[],
        None,
    );
    assert_eq!(help.code, 0);
    let text = help.lines.join("\n");
    let mut at = 0;
    for l in &longs {
        let name = format!("--{l}");
        match text[at..].find(&name) {
            Some(i) => at += i,
            None => panic!("{name} is not listed (in order) by wsync sync --help"),
        }
    }
}
