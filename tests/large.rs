//! Files larger than 4 GiB, around the 2^32 boundary, in bounded memory:
//! sparse files so the test needs little disk, and an address-space limit
//! on each command so unbounded memory would fail it.

mod util;
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::process::Command;
use util::*;

/// Runs wsync with at most 512 MiB of address space.
fn limited(args: &[&str]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("ulimit -v 524288 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_wsync"))
        .args(args);
    c
}

#[test]
fn files_over_4_gib_round_trip_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let four = 1u64 << 32;
    let (b, n) = (dir.path().join("basis"), dir.path().join("new"));
    let marks: [(u64, &[u8]); 3] = [
        (0, b"start of the basis"),
        (four - 9, b"across the 2^32 line"),
        (four + 1 - 4, b"end!"),
    ];
    let f = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&b)
        .unwrap();
    f.set_len(four + 1).unwrap();
    for (at, bytes) in marks {
        f.write_all_at(bytes, at).unwrap();
    }
    // The new file: an overwrite across 2^32, and a tail beyond the basis.
    let f = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&n)
        .unwrap();
    f.set_len(four + 5001).unwrap();
    for (at, bytes) in marks {
        f.write_all_at(bytes, at).unwrap();
    }
    f.write_all_at(&[7u8; 4100], four - 2000).unwrap();
    f.write_all_at(b"appended tail", four + 4000).unwrap();
    drop(f);

    let (sig, delta, out) = (
        dir.path().join("sig"),
        dir.path().join("delta"),
        dir.path().join("out"),
    );
    ok(&mut limited(&["signature", s(&b), s(&sig)]));
    let st = ok(&mut limited(&[
        "delta",
        "--stats",
        s(&sig),
        s(&n),
        s(&delta),
    ]));
    let stats = String::from_utf8_lossy(&st.stderr).to_string();
    let d = std::fs::metadata(&delta).unwrap().len();
    assert!(d < 200_000, "delta is {d} bytes: {stats}");
    let st = ok(&mut limited(&[
        "patch",
        "--stats",
        s(&b),
        s(&delta),
        s(&out),
    ]));
    assert!(String::from_utf8_lossy(&st.stderr).contains("verified"));
    // The SHA-256 of the whole result was checked by `patch`; spot-check too.
    let o = std::fs::File::open(&out).unwrap();
    assert_eq!(o.metadata().unwrap().len(), four + 5001);
    let mut buf = [0u8; 13];
    o.read_exact_at(&mut buf, four + 4000).unwrap();
    assert_eq!(&buf, b"appended tail");
    let mut buf = [0u8; 4];
    o.read_exact_at(&mut buf, four - 2000 + 4096).unwrap();
    assert_eq!(buf, [7; 4]);
}
