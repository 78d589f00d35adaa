//! `wsync serve` with the native client, on loopback ports and temp dirs.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The server, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsync"))
        .args(["serve", s(dir), "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .rsplit("127.0.0.1:")
        .next()
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Server { child, port }
}

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
    ok(wsync().args(["push", s(&local), &url(&srv, "big.txt")]));
    assert_eq!(std::fs::read(module.join("big.txt")).unwrap(), v2);
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
        "filelink",
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
    assert!(!dir.path().join("got").exists());
}

#[test]
fn stray_temporary_files_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/.f.abc.wsync-tmp"), b"torn").unwrap();
    std::fs::write(dir.path().join("keep"), b"kept").unwrap();
    let _srv = serve(dir.path(), &[]);
    assert!(!dir.path().join("sub/.f.abc.wsync-tmp").exists());
    assert!(dir.path().join("keep").exists());
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
