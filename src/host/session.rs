//! A connected client session: the protocol's `ClientSession` driven over
//! a WebSocket or a remote shell running `wsync serve --stdio`, with one
//! async method per request. The `push`/`pull`/`ls` commands and the
//! remote forms of `wsync sync` use it.

use super::connect::{ConnArgs, Target};
use super::note;
use super::{exit, Failure};
use crate::protocol::frame::{frame, FrameDecoder};
use crate::protocol::{
    ClientEvent, ClientOutput, ClientSession, Code, Entry, FileAttrs, Kind, Limits, ModuleInfo,
    ProtocolError,
};
use futures_util::{SinkExt, StreamExt};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Ws;

/// A request the server refused: its code and message. The run goes on
/// with the next file, as rsync's does.
#[derive(Debug)]
pub(crate) struct Refused(pub Code, pub String);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The connection: a WebSocket, or a remote shell running `wsync serve --stdio`.
enum Link {
    Ws(Box<Socket>),
    Shell(Box<Shell>),
}

struct Shell {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::process::ChildStdout,
    frames: FrameDecoder,
}

impl Link {
    async fn open(t: &Target, a: &ConnArgs) -> Result<Link, Failure> {
        match &t.shell_host {
            None => {
                let connect = tokio_tungstenite::connect_async(&t.endpoint);
                // rsync's --contimeout: how long the connection may take.
                let r = match a.contimeout.filter(|&s| s > 0) {
                    Some(secs) => tokio::time::timeout(Duration::from_secs(secs), connect)
                        .await
                        .map_err(|_| {
                            Failure::new(
                                exit::CONTIMEOUT,
                                format!("timed out connecting to {}", t.endpoint),
                            )
                        })?,
                    None => connect.await,
                };
                let (ws, _) = r.map_err(|e| {
                    Failure::new(exit::SOCKET, format!("connecting to {}: {e}", t.endpoint))
                })?;
                Ok(Link::Ws(Box::new(ws)))
            }
            Some(host) => {
                // rsync's -e: a command line split on white space.
                let mut words = a.rsh.split_whitespace();
                let prog = words
                    .next()
                    .ok_or_else(|| Failure::new(exit::SYNTAX, "empty --rsh"))?;
                let mut cmd = tokio::process::Command::new(prog);
                cmd.args(words)
                    .arg(host)
                    .arg(&a.rsync_path)
                    .args(["serve", "--stdio", "--module", "data", &t.shell_root])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .kill_on_drop(true);
                let mut child = cmd
                    .spawn()
                    .map_err(|e| Failure::new(exit::IPC, format!("starting {}: {e}", a.rsh)))?;
                let stdin = child
                    .stdin
                    .take()
                    .ok_or_else(|| Failure::new(exit::IPC, "no stdin"))?;
                let stdout = child
                    .stdout
                    .take()
                    .ok_or_else(|| Failure::new(exit::IPC, "no stdout"))?;
                Ok(Link::Shell(Box::new(Shell {
                    child,
                    stdin,
                    stdout,
                    frames: FrameDecoder::new(Limits::default().max_message),
                })))
            }
        }
    }

    async fn send(&mut self, msg: Vec<u8>) -> Result<(), Failure> {
        match self {
            Link::Ws(ws) => ws
                .send(Ws::Binary(msg.into()))
                .await
                .map_err(|e| Failure::new(exit::SOCKET, e.to_string())),
            Link::Shell(sh) => {
                use tokio::io::AsyncWriteExt;
                let stdin = &mut sh.stdin;
                stdin
                    .write_all(&frame(&msg))
                    .await
                    .map_err(|e| Failure::new(exit::IPC, e.to_string()))?;
                stdin
                    .flush()
                    .await
                    .map_err(|e| Failure::new(exit::IPC, e.to_string()))
            }
        }
    }

    /// Whether the server runs on this machine (a loopback address), so
    /// that its work competes for the same cores.
    fn peer_is_local(&self) -> bool {
        match self {
            Link::Ws(ws) => match ws.get_ref() {
                tokio_tungstenite::MaybeTlsStream::Plain(tcp) => {
                    tcp.peer_addr().is_ok_and(|a| a.ip().is_loopback())
                }
                _ => false,
            },
            Link::Shell(_) => false,
        }
    }

    /// Ends the connection politely: a WebSocket close handshake, or the
    /// remote shell's end of input (and its exit).
    async fn close(&mut self) {
        let wait = Duration::from_secs(2);
        match self {
            Link::Ws(ws) => {
                let _ = tokio::time::timeout(wait, async {
                    let _ = SinkExt::close(&mut **ws).await;
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
            }
            Link::Shell(sh) => {
                use tokio::io::AsyncWriteExt;
                let _ = sh.stdin.shutdown().await;
                let _ = tokio::time::timeout(wait, sh.child.wait()).await;
            }
        }
    }

    /// The next message, or an error when the peer went away.
    async fn recv(&mut self) -> Result<Vec<u8>, Failure> {
        match self {
            Link::Ws(ws) => loop {
                match ws.next().await {
                    Some(Ok(Ws::Binary(b))) => return Ok(b.to_vec()),
                    Some(Ok(Ws::Close(_))) | None => {
                        return Err(Failure::new(
                            exit::SOCKET,
                            "the server closed the connection",
                        ))
                    }
                    Some(Err(e)) => return Err(Failure::new(exit::SOCKET, e.to_string())),
                    Some(Ok(_)) => continue,
                }
            },
            Link::Shell(sh) => {
                use tokio::io::AsyncReadExt;
                let Shell {
                    stdout,
                    frames,
                    child,
                    ..
                } = &mut **sh;
                let mut buf = vec![0u8; 64 << 10];
                loop {
                    if let Some(r) = frames.next_record().map_err(proto)? {
                        return Ok(r);
                    }
                    let n = stdout
                        .read(&mut buf)
                        .await
                        .map_err(|e| Failure::new(exit::IPC, e.to_string()))?;
                    if n == 0 {
                        let status = child.wait().await.ok().and_then(|s| s.code());
                        return Err(Failure::new(
                            exit::IPC,
                            format!("the remote wsync ended (exit status {status:?})"),
                        ));
                    }
                    frames.push(&buf[..n]);
                }
            }
        }
    }
}

pub(crate) struct Client {
    link: Link,
    pub s: ClientSession,
    events: Vec<ClientEvent>,
    /// Message bytes sent and received (WebSocket framing not counted).
    pub sent: u64,
    pub received: u64,
    /// No message for this long is an error (rsync's `--timeout`).
    timeout: Option<Duration>,
    /// `--bwlimit`: bytes per second sent at most, and since when.
    pace: Option<(u64, std::time::Instant)>,
}

pub(crate) fn proto(e: impl std::fmt::Display) -> Failure {
    Failure::new(exit::STREAM, e.to_string())
}

impl Client {
    /// Closes the connection once the work is done.
    pub async fn close(mut self) {
        self.link.close().await;
    }

    /// Limits the rate of what is sent to `rate` bytes per second
    /// (rsync's `--bwlimit`).
    pub fn bwlimit(&mut self, rate: Option<u64>) {
        self.pace = rate
            .filter(|&r| r > 0)
            .map(|r| (r, std::time::Instant::now()));
    }

    pub async fn connect(t: &Target, a: &ConnArgs) -> Result<Client, Failure> {
        let (token, password_file) = (a.token.as_deref(), a.password_file.as_deref());
        let link = Link::open(t, a).await?;
        let mut c = Client {
            link,
            s: ClientSession::new(
                "wsync-native",
                Limits::default(),
                super::serve::TRANSFER_DELTA,
            ),
            events: Vec::new(),
            sent: 0,
            received: 0,
            timeout: a.timeout.filter(|&s| s > 0).map(Duration::from_secs),
            pace: None,
        };
        c.s.set_deflater(Box::new(super::deflate::deflater));
        loop {
            c.flush().await?;
            if c.s.is_ready() {
                return Ok(c);
            }
            c.recv().await?;
            // The module's message of the day, on stdout as rsync prints it.
            for e in &c.events {
                if let ClientEvent::Ready { motd } = e {
                    if !motd.is_empty() {
                        println!("{}", motd.trim_end_matches('\n'));
                    }
                }
            }
            if c.events.iter().any(|e| matches!(e, ClientEvent::Challenge)) {
                c.events.clear();
                match (token, &t.user) {
                    (Some(tok), _) => c.s.authenticate_token(tok),
                    (None, Some(user)) => {
                        let secret = password(password_file)?;
                        c.s.authenticate(user, secret.as_bytes()).map_err(proto)?;
                    }
                    // Anonymous: enough for modules without auth users.
                    (None, None) => c.s.authenticate_token(""),
                }
            }
        }
    }

    /// Sends queued messages and collects events.
    pub async fn flush(&mut self) -> Result<(), Failure> {
        for o in self.s.poll() {
            match o {
                ClientOutput::Send(m) => {
                    let bytes = m.encode();
                    self.sent += bytes.len() as u64;
                    self.link.send(bytes).await?;
                    if let Some((rate, since)) = self.pace {
                        // Sleep until the bytes sent fit the rate.
                        let due = Duration::from_secs_f64(self.sent as f64 / rate as f64);
                        if let Some(wait) = due.checked_sub(since.elapsed()) {
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
                ClientOutput::Event(e) => self.events.push(e),
            }
        }
        Ok(())
    }

    /// Waits for one message from the server.
    pub async fn recv(&mut self) -> Result<(), Failure> {
        // rsync's --timeout: no data for that long ends the run (code 30).
        let b = match self.timeout {
            Some(t) => tokio::time::timeout(t, self.link.recv())
                .await
                .map_err(|_| {
                    Failure::new(
                        exit::TIMEOUT,
                        format!("timeout in data send/receive: {} seconds", t.as_secs()),
                    )
                })??,
            None => self.link.recv().await?,
        };
        self.received += b.len() as u64;
        let r = self.s.receive(&b);
        self.flush().await?;
        r.map_err(|e| match e {
            ProtocolError::Peer { code, message } => failed(code, &message),
            e => proto(e),
        })
    }

    pub fn take(&mut self) -> Vec<ClientEvent> {
        std::mem::take(&mut self.events)
    }
}

pub(crate) fn failed(code: Code, message: &str) -> Failure {
    let exit = match code {
        Code::AuthFailed => exit::AUTH,
        Code::NoModule | Code::Denied => exit::AUTH,
        Code::NotFound | Code::BadPath => exit::FILE_SELECT,
        _ => exit::STREAM,
    };
    Failure::new(exit, format!("server: {message} ({code:?})"))
}

/// The password for challenge-response: a file (first line), or $WSYNC_PASSWORD.
fn password(file: Option<&Path>) -> Result<String, Failure> {
    match file {
        Some(f) => {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(f).map_err(|e| Failure::io(&name, e))?;
            Ok(text.lines().next().unwrap_or("").to_string())
        }
        None => std::env::var("WSYNC_PASSWORD").map_err(|_| {
            Failure::new(
                exit::AUTH,
                "the server wants a password: --password-file or $WSYNC_PASSWORD",
            )
        }),
    }
}

/// Files from this size on are hashed while the server signs its copy.
const PREHASH_MIN: u64 = 8 << 20;

/// How one upload attempt ended.
pub(crate) enum Push {
    Done,
    Failed(Code, String),
    /// The connection dropped; the token resumes the upload if known.
    Dropped(Option<Vec<u8>>, Failure),
}

impl Client {
    /// One attempt to upload `path` to `rpath` of `module`, giving the
    /// result `attrs`. `token` gets the upload's resume token.
    #[allow(clippy::too_many_arguments)]
    pub async fn push_attempt(
        &mut self,
        module: &str,
        rpath: &str,
        path: &Path,
        resume: Option<&[u8]>,
        strong: u8,
        attrs: FileAttrs,
        token: &mut Option<Vec<u8>>,
    ) -> Result<Push, Failure> {
        let c = self;
        let name = path.display().to_string();
        let mut file = File::open(path).map_err(|e| Failure::io(&name, e))?;
        let md = file.metadata().map_err(|e| Failure::io(&name, e))?;
        let size = md.len();
        let id =
            c.s.push_with(module, rpath, size, resume.unwrap_or(&[]), strong);
        // The whole file's SHA-256 on a second thread. On a first attempt
        // at a large file, it starts now and overlaps with the server
        // signing its copy (the encoder takes over if that thread got no
        // CPU meanwhile, see `Prehashed`); a file changed meanwhile fails
        // the server's check, and the retry (strong > 0) hashes what it
        // sends. Otherwise, beside the matching where there are cores to
        // spare; else the encoder's own hash runs beside its block sums.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // A server on this machine with fewer than four cores leaves none
        // spare: the encoder's own hash, beside its block sums, costs less.
        let spare = cores >= 4 || !c.link.peer_is_local();
        if size >= PREHASH_MIN && strong == 0 && resume.is_none() && spare {
            c.s.push_hasher(id, Box::new(super::hasher::Prehashed::start(path)));
        } else if size >= 1 << 20 && cores >= 4 {
            c.s.push_hasher(id, Box::new(super::hasher::ThreadedSha256::new()));
        }
        c.flush().await?;
        let failed_in = |events: Vec<ClientEvent>| {
            events.into_iter().find_map(|e| match e {
                ClientEvent::Failed {
                    id: i,
                    code,
                    message,
                } if i == id => Some(Push::Failed(code, message)),
                _ => None,
            })
        };
        loop {
            c.recv().await?;
            for e in c.take() {
                match e {
                    ClientEvent::PushReady {
                        id: i,
                        token: tok,
                        from,
                    } if i == id => {
                        *token = Some(tok);
                        if from > 0 {
                            note(&format!("resumed at byte {from} of the delta"));
                        }
                        // The whole file goes through the encoder again when
                        // resuming; the session skips what the server has.
                        let mut buf = vec![0u8; 1 << 20];
                        loop {
                            while !c.s.push_window_open(id) {
                                c.recv().await?;
                                if let Some(f) = failed_in(c.take()) {
                                    return Ok(f);
                                }
                            }
                            let n = file.read(&mut buf).map_err(|e| Failure::io(&name, e))?;
                            if n == 0 {
                                break;
                            }
                            c.s.push_data(id, &buf[..n]).map_err(proto)?;
                            c.flush().await?;
                        }
                        c.s.push_finish(id, Some(attrs)).map_err(proto)?;
                        c.flush().await?;
                    }
                    ClientEvent::Done { id: i } if i == id => return Ok(Push::Done),
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Ok(Push::Failed(code, message)),
                    _ => {}
                }
            }
        }
    }
}

/// What a download brought: the new file's length and attributes.
pub(crate) struct Pulled {
    pub len: u64,
    pub mtime: i64,
    pub mtime_nsec: u32,
}

impl Client {
    /// Downloads `rpath` of `module` into `dst`: signs the local copy (if
    /// any), patches it with the server's delta into a temporary file,
    /// has the session check its SHA-256 and renames it over `dst`. Sets no attributes.
    pub async fn pull_to(
        &mut self,
        module: &str,
        rpath: &str,
        dst: &Path,
    ) -> Result<Result<Pulled, Refused>, Failure> {
        let name = dst.display().to_string();
        let local = match std::fs::symlink_metadata(dst) {
            Ok(md) if md.is_file() => Some(File::open(dst).map_err(|e| Failure::io(&name, e))?),
            _ => None,
        };
        let sig = super::files::sign_file(local.as_ref(), |len| crate::SignatureOptions {
            len_hint: Some(len),
            ..Default::default()
        })
        .map_err(|e| Failure::io(&name, e))?;
        let basis: Box<dyn crate::Basis> = match local {
            Some(_) => Box::new(super::files::FileBasis::open(dst)?),
            None => Box::new(Vec::new()),
        };
        let out = super::files::Output::create(dst)?;
        let mut patcher = crate::Patcher::new(basis, out, crate::PatchOptions::default());
        let id = self.s.pull(module, rpath, &sig);
        self.flush().await?;
        let mut applied = 0u64;
        loop {
            self.recv().await?;
            for e in self.take() {
                match e {
                    ClientEvent::PullData { id: i, data } if i == id => {
                        patcher
                            .update(&data)
                            .map_err(|e| Failure::stream("delta from the server", e))?;
                        applied += data.len() as u64;
                        self.s.pull_applied(id, applied);
                        self.flush().await?;
                    }
                    ClientEvent::PullEnd {
                        id: i,
                        mtime,
                        mtime_nsec,
                        ..
                    } if i == id => {
                        let (out, report) = patcher
                            .finish()
                            .map_err(|e| Failure::stream("delta from the server", e))?;
                        // The session checks the result against the server's SHA-256.
                        self.s
                            .pull_finish(id, report.sha256)
                            .map_err(|e| Failure::stream("download", e))?;
                        out.commit()?;
                        return Ok(Ok(Pulled {
                            len: report.new_len,
                            mtime,
                            mtime_nsec,
                        }));
                    }
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Ok(Err(Refused(code, message))),
                    _ => {}
                }
            }
        }
    }

    /// Waits for the reply to request `id`: `Done`, or a refusal.
    async fn done(&mut self, id: u64) -> Result<Result<(), Refused>, Failure> {
        loop {
            self.recv().await?;
            for e in self.take() {
                match e {
                    ClientEvent::Done { id: i } if i == id => return Ok(Ok(())),
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Ok(Err(Refused(code, message))),
                    _ => {}
                }
            }
        }
    }

    /// The modules the server lists.
    pub async fn modules(&mut self) -> Result<Vec<ModuleInfo>, Failure> {
        let id = self.s.list_modules();
        self.flush().await?;
        loop {
            self.recv().await?;
            for e in self.take() {
                match e {
                    ClientEvent::Modules { id: i, modules } if i == id => return Ok(modules),
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Err(failed(code, &message)),
                    _ => {}
                }
            }
        }
    }

    /// Lists `path` of `module` (see `Message::List`); `Ok(None)` when it
    /// does not exist.
    pub async fn list(
        &mut self,
        module: &str,
        path: &str,
        recursive: bool,
        checksum: bool,
    ) -> Result<Result<Option<Vec<Entry>>, Refused>, Failure> {
        let id = self.s.list_with(module, path, recursive, checksum);
        self.flush().await?;
        let mut out = Vec::new();
        loop {
            self.recv().await?;
            for e in self.take() {
                match e {
                    ClientEvent::Entries {
                        id: i,
                        entries,
                        done,
                    } if i == id => {
                        out.extend(entries);
                        if done {
                            return Ok(Ok(Some(out)));
                        }
                    }
                    ClientEvent::Failed { id: i, code, .. }
                        if i == id && code == Code::NotFound =>
                    {
                        return Ok(Ok(None))
                    }
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Ok(Err(Refused(code, message))),
                    _ => {}
                }
            }
        }
    }

    /// Makes a directory or symlink, or sets attributes (`Message::Make`).
    pub async fn make(
        &mut self,
        module: &str,
        path: &str,
        kind: Kind,
        target: &str,
        attrs: Option<FileAttrs>,
    ) -> Result<Result<(), Refused>, Failure> {
        let id = self.s.make(module, path, kind, target, attrs);
        self.flush().await?;
        self.done(id).await
    }

    /// Deletes a file, symlink or empty directory.
    pub async fn delete(
        &mut self,
        module: &str,
        path: &str,
    ) -> Result<Result<(), Refused>, Failure> {
        let id = self.s.delete(module, path);
        self.flush().await?;
        self.done(id).await
    }
}

/// Shows a server's refusal as rsync shows a remote error.
pub(crate) fn refused_line(r: &Refused, path: &str) -> String {
    format!("wsync: {path}: {} ({:?})", r.1, r.0)
}
