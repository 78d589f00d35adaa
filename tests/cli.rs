//! The rdiff-style commands: round trips through files and pipes, errors,
//! and outputs that are never left half-written.

mod util;
use std::io::Write;
use std::process::{Command, Stdio};
use util::*;

#[test]
fn signature_delta_patch_through_files() {
    let dir = tempfile::tempdir().unwrap();
    let basis = data(1, 300_000, true);
    let new = edit(&basis, 2);
    let b = write(dir.path(), "basis", &basis);
    let n = write(dir.path(), "new", &new);
    let (sig, delta, out) = (
        dir.path().join("sig"),
        dir.path().join("delta"),
        dir.path().join("out"),
    );
    ok(wsync().args(["signature", s(&b), s(&sig)]));
    let st = ok(wsync().args(["delta", "--stats", s(&sig), s(&n), s(&delta)]));
    let stats = String::from_utf8_lossy(&st.stderr);
    assert!(stats.contains("block 700 bytes"), "{stats}");
    assert!(stats.contains("matched"), "{stats}");
    let st = ok(wsync().args(["patch", "--stats", s(&b), s(&delta), s(&out)]));
    assert!(String::from_utf8_lossy(&st.stderr).contains("verified"));
    assert_eq!(std::fs::read(&out).unwrap(), new);
    let d = std::fs::metadata(&delta).unwrap().len();
    assert!(d < 3000, "delta is {d} bytes");
}

#[test]
fn dash_means_standard_input_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let basis = data(3, 50_000, false);
    let new = edit(&basis, 4);
    let b = write(dir.path(), "basis", &basis);
    let sig = ok(wsync()
        .args(["signature", "--seed", "abc", s(&b), "-"])
        .stdin(Stdio::null()))
    .stdout;
    let sig_path = write(dir.path(), "sig", &sig);

    let mut child = wsync()
        .args(["delta", s(&sig_path), "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = new.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&feed).unwrap());
    let delta = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(delta.status.success());

    let mut child = wsync()
        .args(["patch", s(&b), "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&delta.stdout)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, new);
}

#[test]
fn seeds_make_signatures_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "basis", &data(5, 10_000, true));
    let one = ok(wsync().args(["signature", "--seed", "0123456789abcdef", s(&b), "-"])).stdout;
    let two = ok(wsync().args(["signature", "--seed", "0123456789abcdef", s(&b), "-"])).stdout;
    let other = ok(wsync().args(["signature", s(&b), "-"])).stdout;
    assert_eq!(one, two);
    assert_ne!(one, other);
    let small = ok(wsync().args([
        "signature",
        "-b",
        "100",
        "-S",
        "3",
        "--seed",
        "1",
        s(&b),
        "-",
    ]))
    .stdout;
    assert_eq!(small.len(), 34 + 100 * 7);
}

#[test]
fn bad_input_data_gives_one_line_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let basis = data(6, 20_000, true);
    let b = write(dir.path(), "basis", &basis);
    let n = write(dir.path(), "new", &edit(&basis, 7));
    let sig = dir.path().join("sig");
    ok(wsync().args(["signature", s(&b), s(&sig)]));
    let delta = dir.path().join("delta");
    ok(wsync().args(["delta", s(&sig), s(&n), s(&delta)]));

    // A corrupt signature: exit 12, no delta written, the old one kept.
    let bad_sig = write(dir.path(), "bad.sig", b"wsyS\x01\x00\x00\x00\x00");
    let keep = write(dir.path(), "keep", b"previous contents");
    let out = run(&["delta", s(&bad_sig), s(&n), s(&keep)]);
    assert_eq!(out.status.code(), Some(12));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"previous contents");

    // A delta cut short, or with a flipped byte: the target stays as it was.
    let good = std::fs::read(&delta).unwrap();
    let cut = write(dir.path(), "cut.delta", &good[..good.len() - 5]);
    let out = run(&["patch", s(&b), s(&cut), s(&keep)]);
    assert_eq!(out.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    assert_eq!(std::fs::read(&keep).unwrap(), b"previous contents");
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let f = write(dir.path(), "flip.delta", &flipped);
    let out = run(&["patch", s(&b), s(&f), s(&keep)]);
    assert_eq!(out.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHA-256"));
    assert_eq!(std::fs::read(&keep).unwrap(), b"previous contents");
    // A missing basis is a file error (11); no temporary files are left.
    let out = run(&["patch", "/nonexistent/basis", s(&delta), s(&keep)]);
    assert_eq!(out.status.code(), Some(11));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains("wsync-tmp")), "{names:?}");
}

#[test]
fn bad_numbers_and_arguments_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "basis", b"abc");
    for bad in ["0", "-1", "1e", "", "18446744073709551616", "2000000"] {
        let out = run(&["signature", "--block-size", bad, s(&b), "-"]);
        assert_eq!(out.status.code(), Some(1), "--block-size {bad:?}");
    }
    for bad in ["0", "33", "256", "x"] {
        let out = run(&["signature", "--strong-len", bad, s(&b), "-"]);
        assert_eq!(out.status.code(), Some(1), "--strong-len {bad:?}");
    }
    assert_eq!(
        run(&["signature", "--seed", "xyz", s(&b), "-"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&["delta", "--compress-level", "10", "a", "b", "c"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(run(&["patch", "-", "-", "-"]).status.code(), Some(1));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(1));
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

#[test]
fn max_output_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let basis = data(8, 100_000, true);
    let b = write(dir.path(), "basis", &basis);
    let sig = dir.path().join("sig");
    ok(wsync().args(["signature", s(&b), s(&sig)]));
    let delta = dir.path().join("delta");
    ok(wsync().args(["delta", s(&sig), s(&b), s(&delta)]));
    let out = run(&[
        "patch",
        "--max-output",
        "1000",
        s(&b),
        s(&delta),
        s(&dir.path().join("out")),
    ]);
    assert_eq!(out.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limit"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn devices_and_pipes_are_written_not_replaced() {
    // Renaming a temporary file over /dev/null once turned it into a
    // regular file; outputs that are not regular files are written in place.
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "basis", &data(9, 10_000, true));
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(wsync().args(["signature", "--seed", "1", s(&b), s(&fifo)]));
    let got = reader.join().unwrap();
    let want = ok(wsync().args(["signature", "--seed", "1", s(&b), "-"])).stdout;
    assert_eq!(got, want);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    ok(wsync().args(["signature", s(&b), "/dev/null"]));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn outputs_get_the_usual_permissions_and_replaced_ones_keep_theirs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "basis", &data(3, 10_000, true));
    let sig = dir.path().join("sig");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // A new output: 0666 less the umask (the test runner's umask, read back
    // from a file created the usual way).
    let probe = write(dir.path(), "probe", b"");
    ok(wsync().args(["signature", s(&b), s(&sig)]));
    assert_eq!(mode(&sig), mode(&probe));
    assert_ne!(mode(&sig), 0o600, "not a temp file's private mode");
    std::fs::set_permissions(&sig, std::fs::Permissions::from_mode(0o751)).unwrap();
    ok(wsync().args(["signature", s(&b), s(&sig)]));
    assert_eq!(mode(&sig), 0o751);
}
