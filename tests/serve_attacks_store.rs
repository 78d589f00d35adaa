//! Issue 16, the storage side of `wsync serve`: special files in a module
//! or as the server's own files, interrupted uploads held against a
//! budget, temporary files (only the server's own are cleaned, and never
//! in read-only modules), one writer per file whatever the path, a module
//! directory replaced while serving, and the typed errors of odd paths.

#[path = "util/server.rs"]
mod server;
mod util;
use server::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use util::*;
use wsync::protocol::{Code, Message};

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").args(["-m", "600", s(p)]).status();
    assert!(st.unwrap().success(), "mkfifo {}", p.display());
}

fn empty_signature() -> Vec<u8> {
    wsync::SignatureBuilder::new(wsync::SignatureOptions {
        len_hint: Some(0),
        ..Default::default()
    })
    .unwrap()
    .finish()
    .encode()
}

/// Starts a push of `path` on `raw` (id `id`); returns the server's first
/// answer: a SigChunk when the upload began, else an Error.
fn push_begin(raw: &mut Raw, id: u64, module: &str, path: &str) -> Message {
    raw.send(&Message::PushBegin {
        id,
        module: module.into(),
        path: path.into(),
        size: 0,
        resume: Vec::new(),
        strong: 0,
    });
    match raw.recv(Duration::from_secs(5)) {
        Seen::Msg(m) => m,
        other => panic!("push of {path:?}: no answer within 5 s: {other:?}"),
    }
}

/// The code of an Error answer, or what came instead.
fn code(m: &Message) -> Result<Code, String> {
    match m {
        Message::Error { code, .. } => Ok(*code),
        other => Err(format!("{other:?}")),
    }
}

/// Runs `wsync ARGS --port 0` and waits up to 10 s for it to stop; returns
/// its exit status (None if it was still running, then killed) and stderr.
fn start_and_wait(args: &[&str]) -> (Option<std::process::ExitStatus>, String) {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let mut child = wsync()
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, std::fs::read_to_string(&err_path).unwrap())
}

#[test]
fn a_fifo_in_a_module_is_refused_for_pulls_and_pushes_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"regular").unwrap();
    mkfifo(&dir.path().join("p"));
    let srv = serve(dir.path(), &[]);
    let mut raw = Raw::connect(srv.port);
    raw.ready();
    // A pull: rsync's daemon skips non-regular files; wsync refuses them.
    raw.send(&Message::PullBegin {
        id: 1,
        module: "data".into(),
        path: "p".into(),
    });
    raw.send(&Message::SigChunk {
        id: 1,
        data: empty_signature(),
    });
    raw.send(&Message::SigEnd {
        id: 1,
        basis: Vec::new(),
        token: Vec::new(),
        from: 0,
    });
    match raw.recv(Duration::from_secs(5)) {
        Seen::Msg(Message::Error { id: 1, code, .. }) => assert_eq!(code, Code::BadPath),
        other => panic!("pull of a FIFO: {other:?}"),
    }
    // A push to it: refused before anything is created.
    assert_eq!(
        code(&push_begin(&mut raw, 2, "data", "p")),
        Ok(Code::BadPath)
    );
    // The session (and the server) goes on.
    let got = dir.path().join("got");
    let out = wsync()
        .args([
            "pull",
            &format!("ws://127.0.0.1:{}/data/f", srv.port),
            s(&got),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(&got).unwrap(), b"regular");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".wsync-tmp")),
        "{names:?}"
    );
}

#[test]
fn a_fifo_as_the_config_secrets_or_motd_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir(&module).unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let conf = |extra_global: &str, extra_module: &str| {
        let p = dir.path().join("c.conf");
        std::fs::write(
            &p,
            format!(
                "{extra_global}\n[m]\npath = {}\n{extra_module}\n",
                module.display()
            ),
        )
        .unwrap();
        p
    };
    let fifo_s = s(&fifo).to_string();
    let cases: Vec<(&str, PathBuf)> = vec![
        ("config", fifo.clone()),
        (
            "secrets",
            conf("", &format!("auth users = ann\nsecrets file = {fifo_s}")),
        ),
        ("motd", conf(&format!("motd file = {fifo_s}"), "")),
    ];
    for (what, config) in cases {
        let (status, err) = start_and_wait(&["serve", "--config", s(&config)]);
        let status = status.unwrap_or_else(|| panic!("{what}: still blocked after 10 s"));
        assert!(!status.success(), "{what}: started");
        assert!(
            err.contains("not a regular file") && err.contains(&fifo_s),
            "{what}: {err}"
        );
    }
}
