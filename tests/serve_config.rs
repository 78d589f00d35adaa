//! rsyncd.conf module settings of `wsync serve --config`, each through the
//! real server and client: filter rules, incoming chmod, logging, dont
//! compress, max connections, timeout, motd file, max file size.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};
use util::*;
use wsync::protocol::{ClientEvent, ClientSession, Code, Limits, Message};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn module(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(&p).unwrap();
    p.display().to_string()
}

#[test]
fn module_rules_win_over_everything_the_client_asks() {
    let dir = tempfile::tempdir().unwrap();
    let m = module(dir.path(), "m");
    let root = dir.path().join("m");
    for d in ["secret", "private", "sub"] {
        std::fs::create_dir(root.join(d)).unwrap();
    }
    for f in [
        "secret/a",
        "x.key",
        "private/p",
        "ok.txt",
        "sub/y.key",
        "sub/z",
    ] {
        std::fs::write(root.join(f), f).unwrap();
    }
    let conf =
        format!("[m]\npath = {m}\nread only = no\nfilter = - /private/\nexclude = secret/ *.key\n");
    let srv = serve_config(dir.path(), &conf);
    let at = |p: &str| format!("ws://127.0.0.1:{}/m/{p}", srv.port);
    let listing = String::from_utf8(ok(wsync().args(["list", "-r", &at("")])).stdout).unwrap();
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(names, ["ok.txt", "sub", "sub/z"], "{listing}");
    let local = write(dir.path(), "local", b"new bytes");
    let got = dir.path().join("got");
    for p in [
        "secret/a",
        "secret/new",
        "x.key",
        "sub/y.key",
        "private/p",
        "sub/new.key",
    ] {
        let out = run(&["push", s(&local), &at(p)]);
        assert_eq!(out.status.code(), Some(5), "push {p}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("excluded by module m"), "{err}");
        assert!(
            !run(&["pull", &at(p), s(&got)]).status.success(),
            "pull {p}"
        );
        assert!(!run(&["delete", &at(p)]).status.success(), "delete {p}");
        assert!(!got.exists());
    }
    for p in ["secret", "private"] {
        assert!(!run(&["list", &at(p)]).status.success(), "list {p}");
    }
    for f in ["secret/a", "x.key", "private/p", "sub/y.key"] {
        assert_eq!(std::fs::read(root.join(f)).unwrap(), f.as_bytes(), "{f}");
    }
    assert!(!root.join("secret/new").exists() && !root.join("sub/new.key").exists());
    // What the rules leave in is served as usual.
    ok(wsync().args(["push", s(&local), &at("sub/z")]));
    ok(wsync().args(["pull", &at("ok.txt"), s(&got)]));
    ok(wsync().args(["delete", &at("ok.txt")]));
    assert_eq!(std::fs::read(root.join("sub/z")).unwrap(), b"new bytes");
}

#[test]
fn incoming_chmod_applies_to_uploaded_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (module(dir.path(), "a"), module(dir.path(), "b"));
    let conf = format!(
        "read only = no\n[a]\npath = {a}\nincoming chmod = Dg+s,ug+w,Fo-w,+X\n\
         [b]\npath = {b}\nincoming chmod = F600\n"
    );
    let srv = serve_config(dir.path(), &conf);
    let at = |m: &str, p: &str| format!("ws://127.0.0.1:{}/{m}/{p}", srv.port);
    let local = write(dir.path(), "local", b"payload");
    // A new file gets the server's rw-r--r--, then ug+w.
    ok(wsync().args(["push", s(&local), &at("a", "new")]));
    assert_eq!(mode(&dir.path().join("a/new")), 0o664);
    // An existing executable keeps its mode, then ug+w and +X (x stays).
    let exe = dir.path().join("a/exe");
    std::fs::write(&exe, b"old").unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(wsync().args(["push", s(&local), &at("a", "exe")]));
    assert_eq!(mode(&exe), 0o775);
    // An octal mode replaces whatever the file had.
    ok(wsync().args(["push", s(&local), &at("b", "f")]));
    assert_eq!(mode(&dir.path().join("b/f")), 0o600);
    assert_eq!(std::fs::read(dir.path().join("b/f")).unwrap(), b"payload");
    // Directories an upload creates get the D clauses: g+s on rwxr-xr-x,
    // then ug+w and +X.
    ok(wsync().args(["push", s(&local), &at("a", "d1/d2/f")]));
    for d in ["a/d1", "a/d1/d2"] {
        assert_eq!(mode(&dir.path().join(d)), 0o2775, "{d}");
    }
    assert_eq!(mode(&dir.path().join("a/d1/d2/f")), 0o664);
}

#[test]
fn transfer_logging_writes_log_format_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (m, quiet) = (module(dir.path(), "m"), module(dir.path(), "quiet"));
    let log = dir.path().join("wsyncd.log");
    let conf = format!(
        "log file = {}\nread only = no\n[m]\npath = {m}\ntransfer logging = yes\n\
         log format = %o|%h|%a|%m|%u|%f|%l|%b|%i|%B\n[quiet]\npath = {quiet}\n",
        log.display()
    );
    let srv = serve_config(dir.path(), &conf);
    let at = |m: &str, p: &str| format!("ws://127.0.0.1:{}/{m}/{p}", srv.port);
    let v1 = data(1, 100_000, true);
    let local = write(dir.path(), "local", &v1);
    ok(wsync().args(["push", s(&local), &at("m", "f")]));
    std::fs::write(&local, edit(&v1, 2)).unwrap();
    let when = std::time::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(&local)
        .unwrap()
        .set_modified(when)
        .unwrap();
    ok(wsync().args(["push", s(&local), &at("m", "f")]));
    ok(wsync().args(["pull", &at("m", "f"), s(&dir.path().join("got"))]));
    ok(wsync().args(["push", s(&local), &at("m", "new\nline")]));
    ok(wsync().args(["delete", &at("m", "f")]));
    ok(wsync().args(["push", s(&local), &at("quiet", "g")]));
    let text = std::fs::read_to_string(&log).unwrap();
    // Each line: "YYYY/MM/DD HH:MM:SS [pid] message".
    let msgs: Vec<&str> = text
        .lines()
        .map(|l| l.splitn(4, ' ').nth(3).unwrap())
        .collect();
    let transfers: Vec<&str> = msgs.iter().copied().filter(|m| m.contains('|')).collect();
    let len2 = edit(&v1, 2).len();
    assert_eq!(transfers.len(), 5, "{text}");
    let first: Vec<&str> = transfers[0].split('|').collect();
    assert_eq!(
        first[..7],
        ["recv", "127.0.0.1", "127.0.0.1", "m", "", "f", "100000"]
    );
    assert_eq!(first[8..], [">f+++++++++", "rw-r--r--"]);
    let fields: Vec<&str> = transfers[1].split('|').collect();
    assert_eq!(
        fields[..7],
        [
            "recv",
            "127.0.0.1",
            "127.0.0.1",
            "m",
            "",
            "f",
            &len2.to_string()
        ]
    );
    assert_eq!(fields[8], ">f.st......");
    let delta: u64 = fields[7].parse().unwrap();
    assert!(
        delta > 0 && delta < 20_000,
        "{delta} delta bytes for a small edit"
    );
    assert!(transfers[2].starts_with(&format!("send|127.0.0.1|127.0.0.1|m||f|{len2}|")));
    assert!(transfers[2].contains("|<f+++++++++|"), "{}", transfers[2]);
    // Control characters in names are escaped.
    assert!(transfers[3].contains("|new\\nline|"), "{}", transfers[3]);
    assert!(transfers[4].starts_with("del.|127.0.0.1|127.0.0.1|m||f|0|0|*deleting"));
    // Connections are logged too; the quiet module's transfer is not.
    assert!(
        msgs.iter()
            .filter(|m| **m == "connect from 127.0.0.1")
            .count()
            >= 6
    );
    assert!(!text.contains("|g|"));
}

#[test]
fn dont_compress_sends_literals_uncompressed() {
    let dir = tempfile::tempdir().unwrap();
    let m = module(dir.path(), "m");
    let text = data(3, 1_000_000, true);
    for name in ["a.txt", "a.GZ"] {
        std::fs::write(dir.path().join("m").join(name), &text).unwrap();
    }
    let srv = serve_config(
        dir.path(),
        &format!("[m]\npath = {m}\ndont compress = *.gz *.zip\n"),
    );
    let received = |name: &str| -> u64 {
        let got = dir.path().join(format!("got-{name}"));
        let url = format!("ws://127.0.0.1:{}/m/{name}", srv.port);
        let out = ok(wsync().args(["pull", "--stats", &url, s(&got)]));
        assert_eq!(std::fs::read(&got).unwrap(), text);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        err.lines()
            .find_map(|l| l.strip_prefix("Total bytes received: "))
            .unwrap_or_else(|| panic!("{err}"))
            .parse()
            .unwrap()
    };
    let (deflated, plain) = (received("a.txt"), received("a.GZ"));
    assert!(deflated < 400_000, "a.txt: {deflated} bytes received");
    assert!(
        plain >= 1_000_000,
        "a.GZ (matched ignoring case): {plain} bytes received"
    );
}

/// Lists a module over a raw session: Ok, or the error code.
fn list(raw: &mut Raw, id: u64, m: &str) -> Result<(), Code> {
    raw.send(&Message::List {
        id,
        module: m.into(),
        path: String::new(),
        recursive: false,
        checksum: false,
    });
    loop {
        match raw.next() {
            Message::Entries { id: i, done, .. } if i == id => {
                if done {
                    return Ok(());
                }
            }
            Message::Error { id: i, code, .. } if i == id => return Err(code),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn max_connections_per_module_and_in_total() {
    let dir = tempfile::tempdir().unwrap();
    let (one, other) = (module(dir.path(), "one"), module(dir.path(), "other"));
    let conf = format!(
        "max connections = 3\n[one]\npath = {one}\nmax connections = 1\n[other]\npath = {other}\n"
    );
    let srv = serve_config(dir.path(), &conf);
    let mut a = Raw::connect(srv.port);
    a.ready();
    assert_eq!(list(&mut a, 1, "one"), Ok(()));
    let mut b = Raw::connect(srv.port);
    b.ready();
    assert_eq!(list(&mut b, 1, "one"), Err(Code::TryLater));
    assert_eq!(list(&mut b, 2, "other"), Ok(()));
    // The third session is the last one allowed in total; a fourth is told to try later.
    let mut c = Raw::connect(srv.port);
    c.ready();
    let mut d = Raw::connect(srv.port);
    match d.hello() {
        Message::Error { id: 0, code, .. } => assert_eq!(code, Code::TryLater),
        other => panic!("a fourth session got {other:?}"),
    }
    // Once the first session ends, its slot in `one` is free again.
    drop(a);
    let start = Instant::now();
    let mut id = 10;
    while list(&mut b, id, "one") != Ok(()) {
        assert!(start.elapsed() < Duration::from_secs(5), "slot never freed");
        std::thread::sleep(Duration::from_millis(50));
        id += 1;
    }
    assert_eq!(list(&mut c, 1, "one"), Err(Code::TryLater));
}

/// Seconds until the server closes an idle session.
fn closed_after(raw: &mut Raw) -> f64 {
    let start = Instant::now();
    match raw.recv(Duration::from_secs(8)) {
        Seen::Closed(_) => start.elapsed().as_secs_f64(),
        other => panic!("not closed: {other:?}"),
    }
}

#[test]
fn timeouts_close_idle_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let (slow, fast) = (module(dir.path(), "slow"), module(dir.path(), "fast"));
    let conf = format!("timeout = 4\n[slow]\npath = {slow}\n[fast]\npath = {fast}\ntimeout = 1\n");
    let srv = serve_config(dir.path(), &conf);
    // A session that used the module with `timeout = 1` goes after a second.
    let mut a = Raw::connect(srv.port);
    a.ready();
    assert_eq!(list(&mut a, 1, "fast"), Ok(()));
    let t = closed_after(&mut a);
    assert!((0.8..3.0).contains(&t), "closed after {t} s");
    // One that used only the other module keeps the global 4 s.
    let mut b = Raw::connect(srv.port);
    b.ready();
    assert_eq!(list(&mut b, 1, "slow"), Ok(()));
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(list(&mut b, 2, "slow"), Ok(()), "closed before its timeout");
    let t = closed_after(&mut b);
    assert!((3.0..7.0).contains(&t), "closed after {t} s");
}

#[test]
fn the_motd_file_is_shown_to_clients() {
    let dir = tempfile::tempdir().unwrap();
    let m = module(dir.path(), "m");
    let motd = write(dir.path(), "motd", b"Welcome to the wsync test server\n");
    let conf = format!(
        "motd file = {}\n[m]\npath = {m}\nread only = no\n",
        motd.display()
    );
    let srv = serve_config(dir.path(), &conf);
    let out = ok(wsync().args(["list", &format!("ws://127.0.0.1:{}/", srv.port)]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Welcome to the wsync test server\nm"),
        "{text}"
    );
    // Anonymous transfers still work with the motd in the way.
    let local = write(dir.path(), "local", b"x");
    let out = ok(wsync().args([
        "push",
        s(&local),
        &format!("ws://127.0.0.1:{}/m/f", srv.port),
    ]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Welcome"));
    assert_eq!(std::fs::read(dir.path().join("m/f")).unwrap(), b"x");
}

#[test]
fn max_file_size_refuses_bigger_results_even_from_a_lying_client() {
    let dir = tempfile::tempdir().unwrap();
    let m = module(dir.path(), "m");
    let srv = serve_config(
        dir.path(),
        &format!("[m]\npath = {m}\nread only = no\nmax file size = 1K\n"),
    );
    let url = |p: &str| format!("ws://127.0.0.1:{}/m/{p}", srv.port);
    let small = write(dir.path(), "small", &data(4, 1000, false));
    let big = write(dir.path(), "big", &data(5, 2000, false));
    ok(wsync().args(["push", s(&small), &url("small")]));
    let out = run(&["push", s(&big), &url("big")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TooLarge"));
    assert!(!dir.path().join("m/big").exists());
    // A client that declares 10 bytes and sends a delta for 2000.
    let mut raw = Raw::connect(srv.port);
    let mut s = ClientSession::new("liar", Limits::default(), wsync::DeltaOptions::default());
    raw.drive(&mut s, |e| matches!(e, ClientEvent::Ready { .. }));
    let id = s.push_with("m", "big", 10, &[], 0);
    raw.drive(&mut s, |e| matches!(e, ClientEvent::PushReady { .. }));
    s.push_data(id, &data(5, 2000, false)).unwrap();
    s.push_finish(id, None).unwrap();
    let seen = raw.drive(&mut s, |e| {
        matches!(e, ClientEvent::Failed { .. } | ClientEvent::Done { .. })
    });
    assert!(
        matches!(
            seen.last(),
            Some(ClientEvent::Failed {
                code: Code::TooLarge,
                ..
            })
        ),
        "{seen:?}"
    );
    assert!(!dir.path().join("m/big").exists());
    let names: Vec<_> = std::fs::read_dir(dir.path().join("m")).unwrap().collect();
    assert_eq!(names.len(), 1, "temporary files left: {names:?}");
}

/// The server's `log format` and `wsync sync --out-format` are one
/// renderer: the same escapes print the same bytes for the same file
/// (thousands separators, units, set-id bits, the mtime).
#[test]
fn log_format_escapes_print_as_sync_out_format() {
    let dir = tempfile::tempdir().unwrap();
    let m = module(dir.path(), "m");
    let log = dir.path().join("wsyncd.log");
    let fmt = "%'l|%''l|%8l|%-4B|%B|%M";
    let conf = format!(
        "log file = {}\nread only = no\n[m]\npath = {m}\ntransfer logging = yes\n\
         incoming chmod = F4755\nlog format = [%o] {fmt}\n",
        log.display()
    );
    let srv = serve_config(dir.path(), &conf);
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let f = write(&src, "f", &data(3, 1_234_567, false));
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let when = std::time::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(when)
        .unwrap();
    let at = format!("ws://127.0.0.1:{}/m/f", srv.port);
    ok(wsync().args(["push", s(&f), &at]));
    let text = std::fs::read_to_string(&log).unwrap();
    let served = text
        .lines()
        .find_map(|l| l.split_once("[recv] ").map(|(_, v)| v.to_string()))
        .unwrap_or_else(|| panic!("no transfer line in {text}"));
    let out = ok(wsync().args([
        "sync",
        "-a",
        &format!("--out-format={fmt}"),
        &format!("{}/", s(&src)),
        s(&dir.path().join("dst")),
    ]));
    let synced = String::from_utf8(out.stdout).unwrap();
    let synced = synced.lines().find(|l| l.starts_with("1,")).unwrap();
    assert_eq!(served, synced);
    assert_eq!(
        served,
        "1,234,567|1.23M| 1234567|rwsr-xr-x|rwsr-xr-x|2020/09/13-12:26:40"
    );
}
