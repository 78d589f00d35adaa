//! The native client: `wsync push FILE URL` and `wsync pull URL FILE`,
//! driving the protocol's `ClientSession` over a WebSocket.

use super::files::{FileBasis, Output};
use super::{exit, Failure};
use crate::protocol::{ClientEvent, ClientOutput, ClientSession, Code, Limits, ProtocolError};
use crate::{PatchOptions, Patcher, Signature, SignatureBuilder, SignatureOptions};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use tokio_tungstenite::tungstenite::Message as Ws;

#[derive(Parser, Debug)]
pub struct PushArgs {
    /// Print the bytes sent and received, as rsync --stats does.
    #[arg(long)]
    pub stats: bool,
    /// Bearer token, if the server asks for one.
    #[arg(long)]
    pub token: Option<String>,
    /// File holding the password for USER in ws://USER@HOST/... (or $WSYNC_PASSWORD).
    #[arg(long = "password-file")]
    pub password_file: Option<PathBuf>,
    pub file: PathBuf,
    /// ws://HOST[:PORT]/MODULE/PATH
    pub url: String,
}

#[derive(Parser, Debug)]
pub struct PullArgs {
    #[arg(long)]
    pub token: Option<String>,
    /// File holding the password for USER in ws://USER@HOST/... (or $WSYNC_PASSWORD).
    #[arg(long = "password-file")]
    pub password_file: Option<PathBuf>,
    /// ws://HOST[:PORT]/MODULE/PATH
    pub url: String,
    pub file: PathBuf,
}

#[derive(Parser, Debug)]
pub struct ListArgs {
    #[arg(long)]
    pub token: Option<String>,
    /// File holding the password for USER in ws://USER@HOST/... (or $WSYNC_PASSWORD).
    #[arg(long = "password-file")]
    pub password_file: Option<PathBuf>,
    /// List below directories too.
    #[arg(short, long)]
    pub recursive: bool,
    /// ws://HOST[:PORT]/ (modules), ws://HOST[:PORT]/MODULE/ or .../MODULE/DIR
    pub url: String,
}

#[derive(Parser, Debug)]
pub struct DeleteArgs {
    #[arg(long)]
    pub token: Option<String>,
    /// File holding the password for USER in ws://USER@HOST/... (or $WSYNC_PASSWORD).
    #[arg(long = "password-file")]
    pub password_file: Option<PathBuf>,
    /// ws://HOST[:PORT]/MODULE/PATH
    pub url: String,
}

/// Where a `ws://HOST[:PORT]/MODULE/PATH` URL points.
pub struct Target {
    pub endpoint: String,
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
        user,
        module: module.into(),
        path: path.into(),
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Client {
    ws: Socket,
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
    async fn connect(
        t: &Target,
        token: Option<&str>,
        password_file: Option<&Path>,
    ) -> Result<Client, Failure> {
        let (ws, _) = tokio_tungstenite::connect_async(&t.endpoint)
            .await
            .map_err(|e| {
                Failure::new(exit::SOCKET, format!("connecting to {}: {e}", t.endpoint))
            })?;
        let mut c = Client {
            ws,
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
                    self.ws
                        .send(Ws::Binary(bytes.into()))
                        .await
                        .map_err(proto)?;
                }
                ClientOutput::Event(e) => self.events.push(e),
            }
        }
        Ok(())
    }

    /// Waits for one message from the server.
    async fn recv(&mut self) -> Result<(), Failure> {
        loop {
            match self.ws.next().await {
                Some(Ok(Ws::Binary(b))) => {
                    self.received += b.len() as u64;
                    let r = self.s.receive(&b);
                    self.flush().await?;
                    return r.map_err(|e| match e {
                        ProtocolError::Peer { code, message } => failed(code, &message),
                        e => proto(e),
                    });
                }
                Some(Ok(Ws::Close(_))) | None => {
                    return Err(Failure::new(
                        exit::SOCKET,
                        "the server closed the connection",
                    ))
                }
                Some(Err(e)) => return Err(Failure::new(exit::SOCKET, e.to_string())),
                Some(Ok(_)) => continue,
            }
        }
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
        let mut c = Client::connect(&t, a.token.as_deref(), a.password_file.as_deref()).await?;
        // One retry when the file changed on the server meanwhile.
        for attempt in 0..2 {
            match push_once(&mut c, &t, &a.file).await? {
                None => {
                    if a.stats {
                        let size = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0);
                        eprintln!(
                            "Total bytes sent: {}\nTotal bytes received: {}\nFile size: {size}",
                            c.sent, c.received
                        );
                    }
                    return Ok(());
                }
                Some((Code::BasisChanged, _)) if attempt == 0 => continue,
                Some((code, msg)) => return Err(failed(code, &msg)),
            }
        }
        Ok(())
    })
}

async fn push_once(
    c: &mut Client,
    t: &Target,
    path: &Path,
) -> Result<Option<(Code, String)>, Failure> {
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|e| Failure::io(&name, e))?;
    let size = file.metadata().map_err(|e| Failure::io(&name, e))?.len();
    let id = c.s.push(&t.module, &t.path, size);
    c.flush().await?;
    loop {
        c.recv().await?;
        for e in c.take() {
            match e {
                ClientEvent::PushReady { id: i } if i == id => {
                    let mut buf = vec![0u8; 1 << 20];
                    loop {
                        while !c.s.push_window_open(id) {
                            c.recv().await?;
                            if let Some(f) = c.take().into_iter().find_map(|e| match e {
                                ClientEvent::Failed {
                                    id: i,
                                    code,
                                    message,
                                } if i == id => Some((code, message)),
                                _ => None,
                            }) {
                                return Ok(Some(f));
                            }
                        }
                        let n = file.read(&mut buf).map_err(|e| Failure::io(&name, e))?;
                        if n == 0 {
                            break;
                        }
                        c.s.push_data(id, &buf[..n]).map_err(proto)?;
                        c.flush().await?;
                    }
                    c.s.push_finish(id).map_err(proto)?;
                    c.flush().await?;
                }
                ClientEvent::Done { id: i } if i == id => return Ok(None),
                ClientEvent::Failed {
                    id: i,
                    code,
                    message,
                } if i == id => return Ok(Some((code, message))),
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
        let mut c = Client::connect(&t, a.token.as_deref(), a.password_file.as_deref()).await?;
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
fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
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
        let mut c = Client::connect(&t, a.token.as_deref(), a.password_file.as_deref()).await?;
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
        let mut c = Client::connect(&t, a.token.as_deref(), a.password_file.as_deref()).await?;
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
    let len = match file {
        Some(f) => f.metadata()?.len(),
        None => 0,
    };
    let mut b = SignatureBuilder::new(SignatureOptions {
        len_hint: Some(len),
        ..Default::default()
    })
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    if let Some(mut f) = file {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            b.update(&buf[..n]);
        }
    }
    Ok(b.finish())
}
