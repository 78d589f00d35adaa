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

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn a_fifo_in_a_module_is_refused_for_pulls_and_pushes_without_blocking_walking() {
    walking(a_fifo_in_a_module_is_refused_for_pulls_and_pushes_without_blocking);
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

/// Bytes and names of the temporary files below `dir`: the files named
/// `*.wsync-tmp`, less the server's registrations of them (a few bytes each,
/// in the module's root).
fn temps(dir: &Path) -> (u64, Vec<String>) {
    let (mut bytes, mut names) = (0, Vec::new());
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                todo.push(e.path());
            } else if e.file_name().to_string_lossy().ends_with(".wsync-tmp")
                && !e.file_name().to_string_lossy().starts_with(".wsync-reg.")
            {
                bytes += e.metadata().unwrap().len();
                names.push(e.path().display().to_string());
            }
        }
    }
    names.sort();
    (bytes, names)
}

/// Starts an upload of 1 MiB of zeros (a delta of about 1 KiB), waits
/// until the server applied it, and drops the connection without a commit:
/// the server keeps the upload for a resume, as long as its budget allows.
fn interrupted_upload(port: u16, module: &str, path: &str) {
    let mut raw = Raw::connect(port);
    raw.ready();
    let first = push_begin(&mut raw, 1, module, path);
    let mut sig = match first {
        Message::SigChunk { data, .. } => data,
        other => panic!("push of {path}: {other:?}"),
    };
    loop {
        match raw.next() {
            Message::SigChunk { data, .. } => sig.extend_from_slice(&data),
            Message::SigEnd { .. } => break,
            other => panic!("push of {path}: {other:?}"),
        }
    }
    let sig = wsync::Signature::decode(&sig).unwrap();
    let mut enc = wsync::DeltaEncoder::new(sig, wsync::DeltaOptions::default()).unwrap();
    let mut delta = Vec::new();
    enc.update(&vec![0u8; 1 << 20], &mut delta);
    enc.finish(&mut delta);
    assert!(delta.len() < 8 << 10, "{} delta bytes", delta.len());
    raw.send(&Message::DeltaChunk {
        id: 1,
        offset: 0,
        data: delta.clone(),
    });
    loop {
        match raw.next() {
            Message::Ack { received, .. } if received == delta.len() as u64 => break,
            Message::Ack { .. } => {}
            other => panic!("push of {path}: {other:?}"),
        }
    }
    drop(raw);
}

#[test]
fn interrupted_uploads_are_held_within_a_budget_per_module_and_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    let conf = dir.path().join("c.conf");
    std::fs::write(
        &conf,
        format!(
            "read only = no\n\
             [a]\npath = {}\nmax resume size = 3M\n\
             [b]\npath = {}\nmax resume size per user = 2M\n",
            a.display(),
            b.display()
        ),
    )
    .unwrap();
    let log = dir.path().join("log");
    let srv = start_server_logging(
        &["serve", "--config", s(&conf)],
        std::fs::File::create(&log).unwrap(),
        "info",
    );
    for (module, root, budget) in [("a", &a, 3u64 << 20), ("b", &b, 2 << 20)] {
        for n in 0..6 {
            interrupted_upload(srv.port, module, &format!("d{n}/f"));
        }
        // Each upload held 1 MiB of output when its connection dropped;
        // the oldest go once the budget is full.
        let start = Instant::now();
        let mut seen = temps(root);
        while seen.0 > budget && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
            seen = temps(root);
        }
        assert!(seen.0 <= budget, "module {module}: {seen:?}");
        assert!(seen.0 >= budget - (1 << 20), "module {module}: {seen:?}");
        // The newest are the ones kept.
        let newest = root.join("d5");
        assert!(
            seen.1.iter().any(|n| n.starts_with(s(&newest))),
            "module {module}: {seen:?}"
        );
    }
    // The admin sees what is held, and what was let go.
    let text = std::fs::read_to_string(&log).unwrap();
    let parked = text
        .lines()
        .filter(|l| l.contains("upload kept for resume"))
        .count();
    let evicted = text
        .lines()
        .filter(|l| l.contains("upload dropped"))
        .count();
    assert!(
        parked >= 10 && evicted >= 6,
        "{parked} kept, {evicted} dropped:\n{text}"
    );
    // The lines say what module `a` holds: at most its budget, and near it.
    let held: Vec<u64> = text
        .lines()
        .filter(|l| l.contains("upload kept for resume: module=a "))
        .filter_map(|l| {
            l.split("held_bytes=")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(held.len(), 6, "{text}");
    assert!(
        held.iter().all(|&b| b <= 3 << 20) && held[5] > 2 << 20,
        "{held:?}"
    );
    // The server goes on taking uploads.
    let local = write(dir.path(), "local", b"after");
    ok(wsync().args([
        "push",
        s(&local),
        &format!("ws://127.0.0.1:{}/a/after", srv.port),
    ]));
    assert_eq!(std::fs::read(a.join("after")).unwrap(), b"after");
}

#[test]
fn files_named_like_temporaries_that_the_server_did_not_make_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (w, r) = (dir.path().join("w"), dir.path().join("r"));
    let user_files = [
        "x.wsync-tmp",
        "sub/.f.abc.wsync-tmp",
        "sub/.f.0123456789abcdef.wsync-tmp",
    ];
    for root in [&w, &r] {
        std::fs::create_dir_all(root.join("sub")).unwrap();
        for f in user_files {
            std::fs::write(root.join(f), b"mine").unwrap();
        }
    }
    let conf = dir.path().join("c.conf");
    std::fs::write(
        &conf,
        format!(
            "[w]\npath = {}\nread only = no\n[r]\npath = {}\n",
            w.display(),
            r.display()
        ),
    )
    .unwrap();
    for _ in 0..2 {
        let srv = start_server(&["serve", "--config", s(&conf)]);
        drop(srv);
    }
    let _srv = serve(&w, &[]);
    for root in [&w, &r] {
        for f in user_files {
            assert_eq!(
                std::fs::read(root.join(f)).ok().as_deref(),
                Some(&b"mine"[..]),
                "{}/{f}",
                root.display()
            );
        }
    }
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn files_named_like_temporaries_that_the_server_did_not_make_survive_a_restart_walking() {
    walking(files_named_like_temporaries_that_the_server_did_not_make_survive_a_restart);
}

#[test]
fn a_server_killed_mid_upload_leaves_no_temporary_file_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir_all(module.join("sub")).unwrap();
    let old = data(7, 100_000, true);
    std::fs::write(module.join("sub/f"), &old).unwrap();
    std::fs::write(module.join("mine.wsync-tmp"), b"mine").unwrap();
    let mut srv = serve(&module, &[]);
    let big = write(dir.path(), "big", &data(8, 48 << 20, false));
    let mut child = wsync()
        .args([
            "push",
            s(&big),
            &format!("ws://127.0.0.1:{}/data/sub/f", srv.port),
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill the server once the temporary file holds some of the upload.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let (bytes, names) = temps(&module.join("sub"));
        if !names.is_empty() && bytes > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!temps(&module.join("sub")).1.is_empty(), "no upload seen");
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    let _ = child.wait();
    assert_eq!(std::fs::read(module.join("sub/f")).unwrap(), old);
    let _srv = serve(&module, &[]);
    let mut names: Vec<String> = Vec::new();
    for d in [&module, &module.join("sub")] {
        for e in std::fs::read_dir(d).unwrap() {
            names.push(e.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert_eq!(names, ["f", "mine.wsync-tmp", "sub"]);
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn a_server_killed_mid_upload_leaves_no_temporary_file_after_a_restart_walking() {
    walking(a_server_killed_mid_upload_leaves_no_temporary_file_after_a_restart);
}

#[test]
fn two_writers_through_a_symlinked_directory_are_one_writer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("link")).unwrap();
    let srv = serve(dir.path(), &[]);
    let mut one = Raw::connect(srv.port);
    one.ready();
    let mut two = Raw::connect(srv.port);
    two.ready();
    assert!(matches!(
        push_begin(&mut one, 1, "data", "a/x"),
        Message::SigChunk { .. }
    ));
    assert_eq!(
        code(&push_begin(&mut two, 1, "data", "link/x")),
        Ok(Code::Busy)
    );
    // Another name in the same directory is another file.
    assert!(matches!(
        push_begin(&mut two, 2, "data", "link/y"),
        Message::SigChunk { .. }
    ));
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn two_writers_through_a_symlinked_directory_are_one_writer_walking() {
    walking(two_writers_through_a_symlinked_directory_are_one_writer);
}

#[test]
fn a_push_below_a_regular_file_is_a_bad_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), b"file").unwrap();
    let srv = serve(dir.path(), &[]);
    let mut raw = Raw::connect(srv.port);
    raw.ready();
    assert_eq!(
        code(&push_begin(&mut raw, 1, "data", "a.txt/x")),
        Ok(Code::BadPath)
    );
    assert_eq!(
        code(&push_begin(&mut raw, 2, "data", "a.txt/y/z")),
        Ok(Code::BadPath)
    );
    assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"file");
}

/// The same with the server walking paths (macOS's and the BSDs' resolver).
#[test]
fn a_push_below_a_regular_file_is_a_bad_path_walking() {
    walking(a_push_below_a_regular_file_is_a_bad_path);
}

#[test]
fn a_module_directory_replaced_while_serving_is_followed_like_rsync() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    let old = dir.path().join("module.old");
    std::fs::create_dir(&module).unwrap();
    let srv = serve(&module, &[]);
    let url = |p: &str| format!("ws://127.0.0.1:{}/data/{p}", srv.port);
    let local = write(dir.path(), "local", b"payload");
    ok(wsync().args(["push", s(&local), &url("a")]));
    // The admin swaps the directory: new requests use the new one.
    std::fs::rename(&module, &old).unwrap();
    std::fs::create_dir(&module).unwrap();
    ok(wsync().args(["push", s(&local), &url("b")]));
    assert_eq!(std::fs::read(module.join("b")).unwrap(), b"payload");
    assert!(!old.join("b").exists());
    // A module directory that is gone: uploads fail, nothing is written
    // into the removed directory (where it would be lost).
    std::fs::rename(&module, dir.path().join("module.gone")).unwrap();
    let out = run(&["push", s(&local), &url("c")]);
    assert!(!out.status.success(), "pushed into a missing module");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("module directory is missing"), "{err}");
    assert!(!dir.path().join("module.gone/c").exists());
    assert!(!old.join("c").exists());
}

#[test]
fn an_unreadable_subdirectory_does_not_stop_start_up() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir_all(module.join("secret")).unwrap();
    std::fs::write(module.join("open"), b"open").unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&module, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        module.join("secret"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    // The server runs as nobody, who cannot read `secret` (root could).
    let mut child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_wsync"))
        .args(["serve", s(&module), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::{BufRead, Read};
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(port) = line
        .rsplit("127.0.0.1:")
        .next()
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.trim().parse::<u16>().ok())
    else {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        let _ = child.wait();
        panic!("the server did not start: {err}");
    };
    let srv = Server { child, port };
    let got = dir.path().join("got");
    ok(wsync().args([
        "pull",
        &format!("ws://127.0.0.1:{}/data/open", srv.port),
        s(&got),
    ]));
    assert_eq!(std::fs::read(&got).unwrap(), b"open");
}
