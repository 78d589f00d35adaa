//! `wsync serve` with the native client, on loopback ports and temp dirs.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::path::PathBuf;
use std::process::Stdio;
use util::*;

fn url(srv: &Server, path: &str) -> String {
    format!("ws://127.0.0.1:{}/data/{path}", srv.port)
}

#[test]
fn push_and_pull_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let srv = serve(&module, &[]);
    let local = dir.path().join("local");
    let v1 = data(1, 2_000_000, true);
    std::fs::write(&local, &v1).unwrap();
    ok(wsync().args(["push", s(&local), &url(&srv, "big.txt")]));
    assert_eq!(std::fs::read(module.join("big.txt")).unwrap(), v1);
    let v2 = edit(&v1, 2);
    std::fs::write(&local, &v2).unwrap();
    let when = std::time::UNIX_EPOCH + std::time::Duration::new(1_600_000_000, 123_456_789);
    std::fs::File::options()
        .write(true)
        .open(&local)
        .unwrap()
        .set_modified(when)
        .unwrap();
    ok(wsync().args(["push", s(&local), &url(&srv, "big.txt")]));
    assert_eq!(std::fs::read(module.join("big.txt")).unwrap(), v2);
    // The server's copy has the source's mtime, to the nanosecond.
    let md = std::fs::metadata(module.join("big.txt")).unwrap();
    assert_eq!(md.modified().unwrap(), when);
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(&module)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // Pull into a missing file, and into an outdated copy.
    let fresh = dir.path().join("fresh");
    ok(wsync().args(["pull", &url(&srv, "big.txt"), s(&fresh)]));
    assert_eq!(std::fs::read(&fresh).unwrap(), v2);
    let stale = dir.path().join("stale");
    std::fs::write(&stale, &v1).unwrap();
    ok(wsync().args(["pull", &url(&srv, "big.txt"), s(&stale)]));
    assert_eq!(std::fs::read(&stale).unwrap(), v2);
}

/// `wsync serve` of DIR/module, its log at `level` in DIR/serve.log.
fn logged_server(level: &str) -> (tempfile::TempDir, PathBuf, PathBuf, Server) {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let log = dir.path().join("serve.log");
    let srv = start_server_logging(
        &["serve", s(&module)],
        std::fs::File::create(&log).unwrap(),
        level,
    );
    (dir, module, log, srv)
}

#[test]
fn the_client_commands_end_their_sessions_with_a_close_handshake() {
    let (dir, _module, log, srv) = logged_server("info");
    let local = dir.path().join("local");
    std::fs::write(&local, data(3, 100_000, true)).unwrap();
    ok(wsync().args(["push", s(&local), &url(&srv, "f")]));
    ok(wsync().args(["pull", &url(&srv, "f"), s(&dir.path().join("back"))]));
    ok(wsync().args(["list", &url(&srv, "")]));
    ok(wsync().args(["delete", &url(&srv, "f")]));
    drop(srv);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("upload committed"), "{text}");
    // A client that just drops the socket shows as a protocol error.
    assert!(!text.contains("without closing handshake"), "{text}");
    assert!(!text.contains("protocol error"), "{text}");
}

#[test]
fn a_file_uploaded_again_starts_from_the_signature_signed_after_its_last_upload() {
    let (dir, module, log, srv) = logged_server("wsync=debug");
    let local = dir.path().join("local");
    let v1 = data(4, 9_000_000, true);
    std::fs::write(&local, &v1).unwrap();
    let log_text = || std::fs::read_to_string(&log).unwrap();
    let signed = |n: usize| {
        for _ in 0..200 {
            if log_text().matches("signature is cached").count() >= n {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("no signature cached after upload {n}:\n{}", log_text());
    };
    ok(wsync().args(["push", s(&local), &url(&srv, "f")]));
    signed(1);
    let v2 = edit(&v1, 5);
    std::fs::write(&local, &v2).unwrap();
    ok(wsync().args(["push", s(&local), &url(&srv, "f")]));
    assert_eq!(std::fs::read(module.join("f")).unwrap(), v2);
    let text = log_text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("basis signature"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains("cached") && lines[1].contains("true"),
        "{text}"
    );
    // Changed on the server since (same size, other mtime): signed afresh,
    // and the upload still ends with the client's file.
    signed(2);
    let f = std::fs::File::options()
        .write(true)
        .open(module.join("f"))
        .unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
        .unwrap();
    drop(f);
    let v3 = edit(&v2, 6);
    std::fs::write(&local, &v3).unwrap();
    ok(wsync().args(["push", s(&local), &url(&srv, "f")]));
    assert_eq!(std::fs::read(module.join("f")).unwrap(), v3);
    let text = log_text();
    let last = text
        .lines()
        .rfind(|l| l.contains("basis signature"))
        .unwrap();
    assert!(last.contains("false"), "{text}");
}

#[test]
fn paths_outside_the_module_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let outside = dir.path().join("outside");
    std::fs::create_dir(&module).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"secret").unwrap();
    std::os::unix::fs::symlink(&outside, module.join("link")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret"), module.join("filelink")).unwrap();
    let srv = serve(&module, &[]);
    let local = dir.path().join("local");
    std::fs::write(&local, b"payload").unwrap();
    for bad in [
        "../x",
        "/x",
        "a/../../x",
        "..\\x",
        "C:x",
        "link/secret",
        "link/new",
        "link/newdir/x",
        "filelink",
        "filelink/x",
        "",
        "a//b",
        ".wsync-tmp",
    ] {
        let out = run(&["push", s(&local), &url(&srv, bad)]);
        assert!(!out.status.success(), "push to {bad:?} succeeded");
        let out = run(&["pull", &url(&srv, bad), s(&dir.path().join("got"))]);
        assert!(!out.status.success(), "pull of {bad:?} succeeded");
    }
    assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"secret");
    assert!(!outside.join("new").exists());
    assert!(!outside.join("newdir").exists());
    assert!(!dir.path().join("got").exists());

    // Missing directories on the way are created, inside the module.
    ok(wsync().args(["push", s(&local), &url(&srv, "new/deeper/file")]));
    assert_eq!(
        std::fs::read(module.join("new/deeper/file")).unwrap(),
        b"payload"
    );
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn paths_outside_the_module_are_refused_walking() {
    walking(paths_outside_the_module_are_refused);
}

#[test]
fn foreign_origins_are_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &["--origin", "http://allowed.example"]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let attempt = |origin: &str| {
        let mut req = format!("ws://127.0.0.1:{}/ws", srv.port)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        rt.block_on(tokio_tungstenite::connect_async(req)).is_ok()
    };
    assert!(!attempt("http://evil.example"));
    assert!(attempt("http://allowed.example"));
    assert!(attempt(&format!("http://127.0.0.1:{}", srv.port)));
}

/// GET over a raw socket: (status line, content-type, body).
fn http_get(port: u16, path: &str) -> (String, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    // A refused request may end in a reset instead of a response.
    let _ = sock.read_to_end(&mut raw);
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return ("no response".into(), String::new(), raw);
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let kind = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(String::from)
        })
        .unwrap_or_default();
    let status = head.lines().next().unwrap_or_default().to_string();
    (status, kind, raw[end + 4..].to_vec())
}

#[test]
fn www_and_pkg_are_served_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    let pkg = dir.path().join("pkg");
    let module = dir.path().join("module");
    std::fs::create_dir_all(pkg.join("wasm")).unwrap();
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&module).unwrap();
    write(&www, "index.html", b"<p>demo</p>");
    write(&pkg, "index.js", b"export const x = 1;");
    write(&pkg.join("wasm"), "w.wasm", b"\0asm");
    std::fs::write(module.join("secret"), b"module data").unwrap();
    let srv = serve(&module, &["--www", s(&www), "--pkg", s(&pkg)]);
    let (st, kind, body) = http_get(srv.port, "/index.html");
    assert!(st.contains("200"), "{st}");
    assert!(kind.starts_with("text/html"), "{kind}");
    assert_eq!(body, b"<p>demo</p>");
    // The page's `../pkg/index.js` import, with a type browsers accept for modules.
    let (st, kind, body) = http_get(srv.port, "/pkg/index.js");
    assert!(st.contains("200"), "{st}");
    assert!(kind.contains("javascript"), "{kind}");
    assert_eq!(body, b"export const x = 1;");
    // WebAssembly.instantiateStreaming needs application/wasm.
    let (_, kind, _) = http_get(srv.port, "/pkg/wasm/w.wasm");
    assert_eq!(kind, "application/wasm");
    // Neither tree reaches outside itself, nor into the module.
    for path in [
        "/pkg/../module/secret",
        "/pkg/%2e%2e/module/secret",
        "/../module/secret",
    ] {
        let (st, _, body) = http_get(srv.port, path);
        assert!(
            !st.contains("200") || body != b"module data",
            "{path}: {st}"
        );
    }
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn www_and_pkg_are_served_over_http_walking() {
    walking(www_and_pkg_are_served_over_http);
}

#[test]
fn tokens_are_required_when_set() {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path(), &["--token", "letmein"]);
    let local = dir.path().join("local");
    std::fs::write(&local, b"x").unwrap();
    let out = run(&["push", s(&local), &url(&srv, "f")]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["push", "--token", "wrong", s(&local), &url(&srv, "f")]);
    assert!(!out.status.success());
    ok(wsync().args(["push", "--token", "letmein", s(&local), &url(&srv, "f")]));
    assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"x");
}

#[test]
fn listing_and_deleting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a"), b"abc").unwrap();
    std::fs::write(dir.path().join("top"), b"x".repeat(1234)).unwrap();
    std::os::unix::fs::symlink("top", dir.path().join("ln")).unwrap();
    let srv = serve(dir.path(), &[]);
    let root = format!("ws://127.0.0.1:{}/", srv.port);
    let modules = String::from_utf8(ok(wsync().args(["list", &root])).stdout).unwrap();
    assert!(modules.starts_with("data"), "{modules}");
    let all = String::from_utf8(ok(wsync().args(["list", "-r", &url(&srv, "")])).stdout).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 4, "{all}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("-rw") && l.contains("1,234") && l.ends_with(" top")),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('l') && l.ends_with("ln -> top")),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('d') && l.ends_with(" sub")),
        "{all}"
    );
    assert!(lines.iter().any(|l| l.ends_with(" sub/a")), "{all}");
    ok(wsync().args(["delete", &url(&srv, "sub/a")]));
    assert!(!dir.path().join("sub/a").exists());
    let out = run(&["delete", &url(&srv, "sub/a")]);
    assert_eq!(out.status.code(), Some(3));
    let out = run(&["delete", &url(&srv, "../top")]);
    assert!(!out.status.success());
    assert!(dir.path().join("top").exists());
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn listing_and_deleting_walking() {
    walking(listing_and_deleting);
}

#[test]
fn concurrent_uploads_to_one_path_leave_exactly_one_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let srv = serve(&module, &[]);
    let versions: Vec<Vec<u8>> = (0..6)
        .map(|i| data(100 + i, 3_000_000, i % 2 == 0))
        .collect();
    let files: Vec<_> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| write(dir.path(), &format!("v{i}"), v))
        .collect();
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            wsync()
                .args(["push", s(f), &url(&srv, "same")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut succeeded = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        if out.status.success() {
            succeeded += 1;
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("Busy") || err.contains("BasisChanged"),
                "{err}"
            );
        }
    }
    assert!(succeeded >= 1);
    let result = std::fs::read(module.join("same")).unwrap();
    assert!(versions.contains(&result), "the file is a mix of uploads");
    let names: Vec<_> = std::fs::read_dir(&module)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_server_killed_mid_upload_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let old = data(7, 1_000_000, true);
    std::fs::write(module.join("f"), &old).unwrap();
    let mut srv = serve(&module, &[]);
    let big = write(dir.path(), "big", &data(8, 64 << 20, false));
    let mut child = wsync()
        .args(["push", s(&big), &url(&srv, "f")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill the server once the temporary file exists (the patch is under way).
    let start = std::time::Instant::now();
    loop {
        let temp = std::fs::read_dir(&module).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".wsync-tmp")
        });
        if temp || start.elapsed().as_secs() > 20 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    let _ = child.wait();
    assert_eq!(std::fs::read(module.join("f")).unwrap(), old);
    // A restarted server removes the torn temporary file.
    let _srv = serve(&module, &[]);
    let names: Vec<_> = std::fs::read_dir(&module)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn configured_modules_enforce_users_hosts_and_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for m in ["private", "ro", "wo", "nohosts", "hidden"] {
        std::fs::create_dir(dir.path().join(m)).unwrap();
    }
    std::fs::write(dir.path().join("ro/file"), b"read me").unwrap();
    let secrets = dir.path().join("secrets");
    std::fs::write(&secrets, "ann:open sesame\n").unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let p = |m: &str| dir.path().join(m).display().to_string();
    let conf = format!(
        "read only = no\n[private]\npath = {}\nauth users = ann\nsecrets file = {}\n[ro]\npath = {}\nread only = yes\n\
         [wo]\npath = {}\nwrite only = yes\n[nohosts]\npath = {}\nhosts deny = 127.0.0.0/8\n[hidden]\npath = {}\nlist = no\n",
        p("private"), secrets.display(), p("ro"), p("wo"), p("nohosts"), p("hidden")
    );
    let srv = serve_config(dir.path(), &conf);
    let at =
        |user: &str, m: &str, path: &str| format!("ws://{user}127.0.0.1:{}/{m}/{path}", srv.port);
    let local = write(dir.path(), "local", b"payload");
    let pw = write(dir.path(), "pw", b"open sesame\n");
    let bad_pw = write(dir.path(), "badpw", b"guess\n");

    // Users: the right password works, a wrong one or none does not.
    ok(wsync().args([
        "push",
        "--password-file",
        s(&pw),
        s(&local),
        &at("ann@", "private", "f"),
    ]));
    assert_eq!(
        std::fs::read(dir.path().join("private/f")).unwrap(),
        b"payload"
    );
    assert_eq!(
        run(&[
            "push",
            "--password-file",
            s(&bad_pw),
            s(&local),
            &at("ann@", "private", "g")
        ])
        .status
        .code(),
        Some(5)
    );
    assert_eq!(
        run(&["push", s(&local), &at("", "private", "g")])
            .status
            .code(),
        Some(5)
    );
    assert!(!dir.path().join("private/g").exists());
    // Read only and write only.
    assert!(!run(&["push", s(&local), &at("", "ro", "x")])
        .status
        .success());
    ok(wsync().args(["pull", &at("", "ro", "file"), s(&dir.path().join("got"))]));
    assert!(
        !run(&["pull", &at("", "wo", "x"), s(&dir.path().join("got2"))])
            .status
            .success()
    );
    ok(wsync().args(["push", s(&local), &at("", "wo", "x")]));
    // Hosts deny.
    assert!(!run(&["push", s(&local), &at("", "nohosts", "x")])
        .status
        .success());
    assert!(!dir.path().join("nohosts/x").exists());
    // list = no hides a module from the listing, not from use.
    let modules = String::from_utf8(
        ok(wsync().args(["list", &format!("ws://127.0.0.1:{}/", srv.port)])).stdout,
    )
    .unwrap();
    assert!(
        modules.contains("private") && !modules.contains("hidden") && !modules.contains("nohosts"),
        "{modules}"
    );
    ok(wsync().args(["push", s(&local), &at("", "hidden", "x")]));
}

#[test]
fn bad_configurations_refuse_to_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    std::fs::write(&secrets, "ann:pw\n").unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cases = [
        (
            format!("[m]\npath = {}\nfrobnicate = yes\n", dir.path().display()),
            "wsyncd.conf:3: unknown setting",
        ),
        (
            format!(
                "[m]\npath = {}\nauth users = ann\nsecrets file = {}\n",
                dir.path().display(),
                secrets.display()
            ),
            "must not be accessible",
        ),
    ];
    for (conf, want) in cases {
        let path = write(dir.path(), "wsyncd.conf", conf.as_bytes());
        let out = run(&["serve", "--config", s(&path), "--port", "0"]);
        assert_eq!(out.status.code(), Some(1), "{conf}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn remote_shell_transport_runs_serve_stdio() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A stand-in for ssh: drop the host name, run the command here.
    let rsh = write(dir.path(), "fake-ssh", b"#!/bin/sh\nshift\nexec \"$@\"\n");
    std::fs::set_permissions(&rsh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = dir.path().join("remote");
    std::fs::create_dir(&target).unwrap();
    let v1 = data(30, 500_000, true);
    let local = write(dir.path(), "local", &v1);
    let dest = format!("somehost:{}/file", target.display());
    let exe = env!("CARGO_BIN_EXE_wsync");
    ok(wsync().args(["push", "-e", s(&rsh), "--rsync-path", exe, s(&local), &dest]));
    assert_eq!(std::fs::read(target.join("file")).unwrap(), v1);
    let v2 = edit(&v1, 31);
    std::fs::write(&local, &v2).unwrap();
    let st = ok(wsync().args([
        "push",
        "--stats",
        "-e",
        s(&rsh),
        "--rsync-path",
        exe,
        s(&local),
        &dest,
    ]));
    assert_eq!(std::fs::read(target.join("file")).unwrap(), v2);
    let stats = String::from_utf8_lossy(&st.stderr).to_string();
    let sent: u64 = stats
        .lines()
        .find_map(|l| l.strip_prefix("Total bytes sent: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(sent < 10_000, "{stats}");
    let back = dir.path().join("back");
    ok(wsync().args(["pull", "-e", s(&rsh), "--rsync-path", exe, &dest, s(&back)]));
    assert_eq!(std::fs::read(&back).unwrap(), v2);
    // A remote program that is not there is an IPC error, not a hang.
    let out = run(&[
        "push",
        "-e",
        s(&rsh),
        "--rsync-path",
        "/nonexistent/wsync",
        s(&local),
        &dest,
    ]);
    assert_eq!(
        out.status.code(),
        Some(14),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TCP proxy to `port` that cuts its first connection after `cut` bytes
/// from the client, and passes later connections through.
fn cutting_proxy(port: u16, cut: usize) -> u16 {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let local = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().enumerate() {
            let Ok(client) = client else { return };
            let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else {
                return;
            };
            let limit = if n == 0 { cut } else { usize::MAX };
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                let mut total = 0usize;
                while let Ok(k) = c_in.read(&mut buf) {
                    if k == 0 {
                        break;
                    }
                    let k = k.min(limit - total);
                    if s_out.write_all(&buf[..k]).is_err() {
                        break;
                    }
                    total += k;
                    if total >= limit {
                        break;
                    }
                }
                let _ = c_in.shutdown(Shutdown::Both);
                let _ = s_out.shutdown(Shutdown::Both);
            });
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                while let Ok(k) = s_in.read(&mut buf) {
                    if k == 0 || c_out.write_all(&buf[..k]).is_err() {
                        break;
                    }
                }
                let _ = c_out.shutdown(Shutdown::Both);
            });
        }
    });
    local
}

#[test]
fn a_cut_connection_leaves_the_old_file_and_the_upload_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let old = data(40, 1_000_000, true);
    let new = data(41, 3_000_000, false); // incompressible: the delta is ~3 MB
    let local = write(dir.path(), "local", &new);
    let srv = serve(&module, &[]);
    for cut in [100_000usize, 600_000, 1_500_000, 2_500_000] {
        std::fs::write(module.join("f"), &old).unwrap();
        let port = cutting_proxy(srv.port, cut);
        let url = format!("ws://127.0.0.1:{port}/data/f");
        let out = ok(wsync().args(["push", "--stats", s(&local), &url]));
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains("resuming"), "cut at {cut}: {err}");
        assert!(
            std::fs::read(module.join("f")).unwrap() == new,
            "cut at {cut}"
        );
        // Resumed where the server had got to, not started over (once the
        // server has applied a whole 256 KiB chunk; before that it starts over).
        let from: Option<u64> = err.lines().find_map(|l| {
            l.strip_prefix("wsync: resumed at byte ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        });
        if cut >= 600_000 {
            let from = from.unwrap_or_else(|| panic!("cut at {cut}: not resumed: {err}"));
            assert!(
                from > 0 && from <= cut as u64,
                "cut at {cut}: resumed at {from}"
            );
        }
        let names: Vec<_> = std::fs::read_dir(&module)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}

#[test]
fn a_cut_connection_without_resume_keeps_the_old_file() {
    // The client gives up (no reconnect possible): the target is untouched.
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let old = data(42, 500_000, true);
    std::fs::write(module.join("f"), &old).unwrap();
    let local = write(dir.path(), "local", &data(43, 2_000_000, false));
    let mut srv = serve(&module, &[]);
    let port = cutting_proxy(srv.port, 700_000);
    let url = format!("ws://127.0.0.1:{port}/data/f");
    let mut child = wsync()
        .args(["push", s(&local), &url])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Stop the server while the upload is under way or right after the cut.
    std::thread::sleep(std::time::Duration::from_millis(150));
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    let status = child.wait().unwrap();
    if !status.success() {
        assert_eq!(std::fs::read(module.join("f")).unwrap(), old);
    }
}
