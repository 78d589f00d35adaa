//! The remote-shell transport against a real OpenSSH server on 127.0.0.1:
//! the test starts its own sshd (Debian's /usr/sbin/sshd) with its own host
//! key, authorized key and configuration in a temporary directory.

mod util;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use util::*;

/// sshd, stopped when dropped.
struct Sshd {
    child: Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", s(path)])
        .status()
        .expect("ssh-keygen (Debian openssh-client) must be installed");
    assert!(st.success());
}

fn start_sshd(dir: &Path) -> Sshd {
    let sshd = Path::new("/usr/sbin/sshd");
    assert!(
        sshd.exists(),
        "/usr/sbin/sshd is missing: install openssh-server (scripts/setup.sh)"
    );
    keygen(&dir.join("host_key"));
    keygen(&dir.join("client_key"));
    std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
    // sshd's privilege separation directory.
    std::fs::create_dir_all("/run/sshd").unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conf = dir.join("sshd_config");
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    std::fs::write(
        &conf,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\n\
             PidFile {}\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\nAllowUsers {}\n",
            dir.join("host_key").display(),
            dir.join("authorized_keys").display(),
            dir.join("sshd.pid").display(),
            user.trim()
        ),
    )
    .unwrap();
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f", s(&conf)])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut d = Sshd { child, port };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(st) = d.child.try_wait().unwrap() {
            panic!("sshd exited: {st}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sshd did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    d.port = port;
    d
}

#[test]
fn push_and_pull_through_a_real_sshd() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start_sshd(dir.path());
    let rsh = format!(
        "ssh -p {} -i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o BatchMode=yes -o LogLevel=ERROR",
        sshd.port,
        dir.path().join("client_key").display()
    );
    let exe = env!("CARGO_BIN_EXE_wsync");
    let remote = dir.path().join("remote");
    std::fs::create_dir(&remote).unwrap();
    let dest = format!("127.0.0.1:{}/file", remote.display());
    let v1 = data(70, 2_000_000, true);
    let local = write(dir.path(), "local", &v1);
    ok(wsync().args(["push", "-e", &rsh, "--rsync-path", exe, s(&local), &dest]));
    assert!(std::fs::read(remote.join("file")).unwrap() == v1);
    // A small change sends about the changed bytes over ssh.
    let v2 = edit(&v1, 71);
    std::fs::write(&local, &v2).unwrap();
    let out = ok(wsync().args([
        "push",
        "--stats",
        "-e",
        &rsh,
        "--rsync-path",
        exe,
        s(&local),
        &dest,
    ]));
    assert!(std::fs::read(remote.join("file")).unwrap() == v2);
    let stats = String::from_utf8_lossy(&out.stderr).to_string();
    let sent: u64 = stats
        .lines()
        .find_map(|l| l.strip_prefix("Total bytes sent: "))
        .unwrap_or_else(|| panic!("{stats}"))
        .parse()
        .unwrap();
    assert!(sent < 20_000, "{sent} bytes sent for a small edit");
    // Pull into an outdated copy and into a new file.
    let stale = write(dir.path(), "stale", &v1);
    ok(wsync().args(["pull", "-e", &rsh, "--rsync-path", exe, &dest, s(&stale)]));
    assert!(std::fs::read(&stale).unwrap() == v2);
    let fresh = dir.path().join("fresh");
    ok(wsync().args(["pull", "-e", &rsh, "--rsync-path", exe, &dest, s(&fresh)]));
    assert!(std::fs::read(&fresh).unwrap() == v2);
    // A key sshd does not know is refused: an error, not a hang, no change.
    keygen(&dir.path().join("other_key"));
    let bad = rsh.replace("client_key", "other_key");
    let other = write(dir.path(), "other", b"must not arrive");
    let out = run(&["push", "-e", &bad, "--rsync-path", exe, s(&other), &dest]);
    assert!(!out.status.success());
    assert!(std::fs::read(remote.join("file")).unwrap() == v2);

    // `wsync sync` over the same ssh, as `rsync -a -e ssh` is used: a tree
    // pushed and pulled back, a rerun with nothing to do.
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    write(&tree, "a.txt", b"alpha\n");
    write(&tree, "sub/big", &v1);
    std::os::unix::fs::symlink("a.txt", tree.join("link")).unwrap();
    let tdest = format!("127.0.0.1:{}/tree/", remote.display());
    let sync = |args: &[&str]| {
        let mut c = wsync();
        c.args(["sync", "-e", &rsh, "--rsync-path", exe]).args(args);
        ok(&mut c)
    };
    let first = sync(&["-ai", &format!("{}/", s(&tree)), &tdest]);
    assert!(String::from_utf8_lossy(&first.stdout).contains("<f+++++++++ sub/big"));
    let again = sync(&["-ai", &format!("{}/", s(&tree)), &tdest]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
    let back = dir.path().join("back");
    sync(&["-a", &tdest, &format!("{}/", s(&back))]);
    assert_eq!(std::fs::read(back.join("sub/big")).unwrap(), v1);
    assert_eq!(
        std::fs::read_link(back.join("link")).unwrap(),
        Path::new("a.txt")
    );
}
