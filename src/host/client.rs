//! The native client: `wsync push FILE URL` and `wsync pull URL FILE`,
//! driving the protocol's `ClientSession` over a WebSocket.

use super::files::{FileBasis, Output};
use super::{exit, Failure};
use crate::protocol::frame::{frame, FrameDecoder};
use crate::protocol::{
    ClientEvent, ClientOutput, ClientSession, Code, FileAttrs, Limits, ProtocolError,
};
use crate::{PatchOptions, Patcher, Signature, SignatureOptions};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use tokio_tungstenite::tungstenite::Message as Ws;

/// How to reach and log in to the server.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnArgs {
    /// Bearer token, if the server asks for one.
    #[arg(long)]
    pub token: Option<String>,
    /// File holding the password for USER in ws://USER@HOST/... (or $WSYNC_PASSWORD).
    #[arg(long = "password-file")]
    pub password_file: Option<PathBuf>,
    /// Remote shell for HOST:PATH targets (rsync's -e).
    #[arg(short = 'e', long = "rsh", default_value = "ssh")]
    pub rsh: String,
    /// The wsync program on the remote machine (rsync's --rsync-path).
    #[arg(long = "rsync-path", default_value = "wsync")]
    pub rsync_path: String,
}

#[derive(Parser, Debug)]
pub struct PushArgs {
    /// Print the bytes sent and received, as rsync --stats does.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
    pub file: PathBuf,
    /// ws://HOST[:PORT]/MODULE/PATH
    pub url: String,
}

#[derive(Parser, Debug)]
pub struct PullArgs {
    /// Print the bytes sent and received, as rsync --stats does.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// ws://HOST[:PORT]/MODULE/PATH
    pub url: String,
    pub file: PathBuf,
}

#[derive(Parser, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// List below directories too.
    #[arg(short, long)]
    pub recursive: bool,
    /// ws://HOST[:PORT]/ (modules), ws://HOST[:PORT]/MODULE/ or .../MODULE/DIR
    pub url: String,
}

#[derive(Parser, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// ws://HOST[:PORT]/MODULE/PATH
    pub url: String,
}

/// Where a `ws://HOST[:PORT]/MODULE/PATH` URL points.
pub struct Target {
    /// ws:// or wss:// endpoint; empty for a remote-shell target.
    pub endpoint: String,
    /// `[USER@]HOST` for a remote-shell target (`HOST:PATH`).
    pub shell_host: Option<String>,
    /// Directory the remote `wsync serve --stdio` serves.
    pub shell_root: String,
    pub user: Option<String>,
    pub module: String,
    pub path: String,
}

pub fn parse_url(url: &str) -> Result<Target, Failure> {
    let t = parse_url_loose(url)?;
    if t.module.is_empty() || t.path.is_empty() {
        return Err(Failure::new(
            exit::SYNTAX,
            format!("expected ws://HOST[:PORT]/MODULE/PATH, not {url:?}"),
        ));
    }
    Ok(t)
}

/// Like `parse_url`, with the module and path optional.
pub fn parse_url_loose(url: &str) -> Result<Target, Failure> {
    // [USER@]HOST:PATH, as rsync: a colon before any slash, no "://".
    if !url.contains("://") {
        if let Some((host, path)) = url.split_once(':') {
            if !host.is_empty() && !host.contains('/') && !path.starts_with(':') {
                let (root, rel) = match path.strip_prefix('/') {
                    Some(rel) => ("/", rel),
                    None => (".", path),
                };
                return Ok(Target {
                    endpoint: String::new(),
                    shell_host: Some(host.to_string()),
                    shell_root: root.into(),
                    user: None,
                    module: "data".into(),
                    path: rel.into(),
                });
            }
        }
    }
    let bad = || {
        Failure::new(
            exit::SYNTAX,
            format!("expected ws://HOST[:PORT]/MODULE/PATH, not {url:?}"),
        )
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if scheme != "ws" && scheme != "wss" {
        return Err(bad());
    }
    let (host, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let (module, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err(bad());
    }
    let (user, host) = match host.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, host),
    };
    Ok(Target {
        endpoint: format!("{scheme}://{host}/ws"),
        shell_host: None,
        shell_root: String::new(),
        user,
        module: module.into(),
        path: path.into(),
    })
}

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
                let (ws, _) = tokio_tungstenite::connect_async(&t.endpoint)
                    .await
                    .map_err(|e| {
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

struct Client {
    link: Link,
    s: ClientSession,
    events: Vec<ClientEvent>,
    /// Message bytes sent and received (WebSocket framing not counted).
    sent: u64,
    received: u64,
}

fn proto(e: impl std::fmt::Display) -> Failure {
    Failure::new(exit::STREAM, e.to_string())
}

impl Client {
    async fn connect(t: &Target, a: &ConnArgs) -> Result<Client, Failure> {
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
        };
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
    async fn flush(&mut self) -> Result<(), Failure> {
        for o in self.s.poll() {
            match o {
                ClientOutput::Send(m) => {
                    let bytes = m.encode();
                    self.sent += bytes.len() as u64;
                    self.link.send(bytes).await?;
                }
                ClientOutput::Event(e) => self.events.push(e),
            }
        }
        Ok(())
    }

    /// Waits for one message from the server.
    async fn recv(&mut self) -> Result<(), Failure> {
        let b = self.link.recv().await?;
        self.received += b.len() as u64;
        let r = self.s.receive(&b);
        self.flush().await?;
        r.map_err(|e| match e {
            ProtocolError::Peer { code, message } => failed(code, &message),
            e => proto(e),
        })
    }

    fn take(&mut self) -> Vec<ClientEvent> {
        std::mem::take(&mut self.events)
    }
}

fn failed(code: Code, message: &str) -> Failure {
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

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::io("tokio runtime", e))
}

pub fn push(a: PushArgs) -> Result<(), Failure> {
    let t = parse_url(&a.url)?;
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let (mut sent, mut received) = (0, 0);
        // Retry once when the file changed on the server meanwhile; resume
        // (up to 3 times) when the connection drops mid-upload.
        let (mut changed, mut drops, mut busy) = (0, 0, 0);
        // Strong sums the server may keep short, as rsync does; after a
        // failed whole-file check, ask again with full-length ones.
        let mut strong = 0u8;
        let mut resume: Option<Vec<u8>> = None;
        loop {
            let outcome = push_once(&mut c, &t, &a.file, resume.as_deref(), strong).await;
            sent += c.sent;
            received += c.received;
            c.sent = 0;
            c.received = 0;
            match outcome {
                Push::Done => break,
                Push::Failed(Code::HashMismatch, _) if strong == 0 => {
                    tracing_free_note(
                        "the result failed its SHA-256 check; sending again with full strong sums",
                    );
                    strong = 32;
                    resume = None;
                }
                Push::Failed(Code::BasisChanged, _) if changed == 0 => {
                    changed += 1;
                    resume = None;
                }
                // The server no longer has the interrupted upload: start over.
                Push::Failed(Code::NotFound, _) if resume.is_some() => resume = None,
                // After a drop, the old session may still hold the path for a moment.
                Push::Failed(Code::Busy, _) if drops > 0 && busy < 50 => {
                    busy += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Push::Failed(code, msg) => return Err(failed(code, &msg)),
                Push::Dropped(token, e) if drops < 3 => {
                    drops += 1;
                    resume = token.or(resume);
                    tracing_free_note(&format!("connection lost ({}); resuming", e.message));
                    c = Client::connect(&t, &a.conn).await?;
                }
                Push::Dropped(_, e) => return Err(e),
            }
        }
        if a.stats {
            let size = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "Total bytes sent: {sent}\nTotal bytes received: {received}\nFile size: {size}"
            );
        }
        Ok(())
    })
}

/// A message on stderr, as rsync prints its warnings.
fn tracing_free_note(msg: &str) {
    eprintln!("wsync: {msg}");
}

/// How one upload attempt ended.
enum Push {
    Done,
    Failed(Code, String),
    /// The connection dropped; the token resumes the upload if known.
    Dropped(Option<Vec<u8>>, Failure),
}

async fn push_once(
    c: &mut Client,
    t: &Target,
    path: &Path,
    resume: Option<&[u8]>,
    strong: u8,
) -> Push {
    let mut token = None;
    match push_attempt(c, t, path, resume, strong, &mut token).await {
        Ok(p) => p,
        Err(e) if e.code == exit::SOCKET || e.code == exit::IPC => Push::Dropped(token, e),
        Err(e) => Push::Failed(Code::Io, e.message),
    }
}

async fn push_attempt(
    c: &mut Client,
    t: &Target,
    path: &Path,
    resume: Option<&[u8]>,
    strong: u8,
    token: &mut Option<Vec<u8>>,
) -> Result<Push, Failure> {
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|e| Failure::io(&name, e))?;
    let md = file.metadata().map_err(|e| Failure::io(&name, e))?;
    let size = md.len();
    // The server's copy gets the source's mtime (so rsync's quick check
    // sees it unchanged next time) and keeps its own permissions.
    let attrs = FileAttrs {
        mtime: md.mtime(),
        mtime_nsec: md.mtime_nsec() as u32,
        mode: 0,
    };
    let id =
        c.s.push_with(&t.module, &t.path, size, resume.unwrap_or(&[]), strong);
    // The whole file's SHA-256 on a second thread, beside the matching,
    // where there are cores to spare (on 2 busy cores it only costs).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if size >= 1 << 20 && cores >= 4 {
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
                        tracing_free_note(&format!("resumed at byte {from} of the delta"));
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

pub fn pull(a: PullArgs) -> Result<(), Failure> {
    let t = parse_url(&a.url)?;
    let name = a.file.display().to_string();
    // Sign the local copy (empty when there is none).
    let local = match File::open(&a.file) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Failure::io(&name, e)),
    };
    let sig = sign(local.as_ref()).map_err(|e| Failure::io(&name, e))?;
    let basis: Box<dyn crate::Basis> = match local {
        Some(_) => Box::new(FileBasis::open(&a.file)?),
        None => Box::new(Vec::new()),
    };
    let out = Output::create(&a.file)?;
    let mut patcher = Patcher::new(basis, out, PatchOptions::default());
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let id = c.s.pull(&t.module, &t.path, &sig);
        c.flush().await?;
        let mut applied = 0u64;
        loop {
            c.recv().await?;
            for e in c.take() {
                match e {
                    ClientEvent::PullData { id: i, data } if i == id => {
                        patcher
                            .update(&data)
                            .map_err(|e| Failure::stream("delta from the server", e))?;
                        applied += data.len() as u64;
                        c.s.pull_applied(id, applied);
                        c.flush().await?;
                    }
                    ClientEvent::PullEnd {
                        id: i,
                        sha256,
                        mtime,
                        mtime_nsec,
                        ..
                    } if i == id => {
                        let (out, report) = patcher
                            .finish()
                            .map_err(|e| Failure::stream("delta from the server", e))?;
                        if report.sha256 != Some(sha256) {
                            return Err(Failure::stream(
                                "download",
                                "SHA-256 differs from the server's",
                            ));
                        }
                        out.commit()?;
                        let when = std::time::UNIX_EPOCH
                            + std::time::Duration::new(mtime.max(0) as u64, mtime_nsec);
                        let _ = File::options()
                            .write(true)
                            .open(&a.file)
                            .and_then(|f| f.set_modified(when));
                        if a.stats {
                            eprintln!(
                                "Total bytes sent: {}\nTotal bytes received: {}\nFile size: {}",
                                c.sent, c.received, report.new_len
                            );
                        }
                        return Ok(());
                    }
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Err(failed(code, &message)),
                    _ => {}
                }
            }
        }
    })
}

impl crate::Basis for Box<dyn crate::Basis> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        (**self).read_at(offset, buf)
    }
}

/// rsync's listing line: permissions, size with thousands separators, time, name.
fn listing_line(e: &crate::protocol::Entry) -> String {
    use crate::protocol::Kind;
    let kind = match e.kind {
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
        Kind::File => '-',
    };
    let mut perms = String::new();
    for shift in [6, 3, 0] {
        let bits = (e.mode >> shift) & 7;
        perms.push(if bits & 4 != 0 { 'r' } else { '-' });
        perms.push(if bits & 2 != 0 { 'w' } else { '-' });
        perms.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    let digits = e.size.to_string();
    let mut size = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            size.push(',');
        }
        size.push(ch);
    }
    let (y, mo, d, h, mi, s) = civil(e.mtime);
    let name = super::serve::store::escape(&e.path);
    let name = if e.kind == Kind::Symlink {
        format!("{name} -> {}", super::serve::store::escape(&e.target))
    } else {
        name
    };
    format!("{kind}{perms} {size:>14} {y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02} {name}")
}

/// UTC calendar date and time of a Unix time (Howard Hinnant's algorithm).
pub(crate) fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

pub fn list(a: ListArgs) -> Result<(), Failure> {
    let t = parse_url_loose(&a.url)?;
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let id = if t.module.is_empty() {
            c.s.list_modules()
        } else {
            c.s.list(&t.module, &t.path, a.recursive)
        };
        c.flush().await?;
        loop {
            c.recv().await?;
            for e in c.take() {
                match e {
                    ClientEvent::Modules { modules, .. } => {
                        for m in modules {
                            println!("{:<15}\t{}", m.name, m.comment);
                        }
                        return Ok(());
                    }
                    ClientEvent::Entries { entries, done, .. } => {
                        for e in &entries {
                            println!("{}", listing_line(e));
                        }
                        if done {
                            return Ok(());
                        }
                    }
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Err(failed(code, &message)),
                    _ => {}
                }
            }
        }
    })
}

pub fn delete(a: DeleteArgs) -> Result<(), Failure> {
    let t = parse_url(&a.url)?;
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let id = c.s.delete(&t.module, &t.path);
        c.flush().await?;
        loop {
            c.recv().await?;
            for e in c.take() {
                match e {
                    ClientEvent::Done { id: i } if i == id => return Ok(()),
                    ClientEvent::Failed {
                        id: i,
                        code,
                        message,
                    } if i == id => return Err(failed(code, &message)),
                    _ => {}
                }
            }
        }
    })
}

fn sign(file: Option<&File>) -> std::io::Result<Signature> {
    super::files::sign_file(file, |len| SignatureOptions {
        len_hint: Some(len),
        ..Default::default()
    })
}

#[derive(Parser, Debug)]
pub struct BenchIdleArgs {
    /// ws://HOST[:PORT]/
    pub url: String,
    #[arg(long, default_value_t = 1000)]
    pub sessions: usize,
    /// Seconds to hold them after all are ready.
    #[arg(long, default_value_t = 5)]
    pub hold: u64,
}

/// Opens N sessions (handshake done, then idle), reports when all are
/// ready, holds them, and closes them.
pub fn bench_idle(a: BenchIdleArgs) -> Result<(), Failure> {
    let t = parse_url_loose(&a.url)?;
    let conn = ConnArgs {
        token: None,
        password_file: None,
        rsh: "ssh".into(),
        rsync_path: "wsync".into(),
    };
    runtime()?.block_on(async {
        let mut held = Vec::with_capacity(a.sessions);
        for _ in 0..a.sessions {
            held.push(Client::connect(&t, &conn).await?);
        }
        println!("{} sessions ready", held.len());
        tokio::time::sleep(std::time::Duration::from_secs(a.hold)).await;
        Ok(())
    })
}
