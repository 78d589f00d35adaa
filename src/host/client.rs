//! The native client: `wsync push FILE URL` and `wsync pull URL FILE`,
//! driving the protocol's `ClientSession` over a WebSocket.

use super::connect::{parse_url, parse_url_loose, ConnArgs, Target};
use super::note;
use super::session::{failed, Client, Push};
use super::{exit, Failure};
use crate::protocol::{Attempt, ClientEvent, Code, FileAttrs, Next, UploadRetry};
use clap::Parser;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

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
        // What to do after a failed attempt: protocol::UploadRetry.
        let mut retry = UploadRetry::default();
        let mut resume: Option<Vec<u8>> = None;
        loop {
            let outcome = push_once(&mut c, &t, &a.file, resume.as_deref(), retry.strong()).await;
            sent += c.sent;
            received += c.received;
            c.sent = 0;
            c.received = 0;
            let (attempt, error) = match outcome {
                Push::Done => break,
                Push::Failed(code, msg) => (Attempt::Failed(code), failed(code, &msg)),
                Push::Dropped(token, e) => {
                    resume = token.or(resume);
                    (Attempt::Dropped, e)
                }
            };
            match retry.next(attempt, resume.is_some()) {
                Next::Stop => return Err(error),
                Next::Wait { ms } => {
                    tokio::time::sleep(std::time::Duration::from_millis(ms.into())).await
                }
                Next::Again { resume: keep } => {
                    if !keep {
                        resume = None;
                    }
                    if attempt == Attempt::Failed(Code::HashMismatch) {
                        note("the result failed its SHA-256 check; sending again with full strong sums");
                    }
                    if attempt == Attempt::Dropped {
                        note(&format!("connection lost ({}); resuming", error.message));
                        c = Client::connect(&t, &a.conn).await?;
                    }
                }
            }
        }
        c.close().await;
        if a.stats {
            let size = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "Total bytes sent: {sent}\nTotal bytes received: {received}\nFile size: {size}"
            );
        }
        Ok(())
    })
}

async fn push_once(
    c: &mut Client,
    t: &Target,
    path: &Path,
    resume: Option<&[u8]>,
    strong: u8,
) -> Push {
    let mut token = None;
    let name = path.display().to_string();
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) => return Push::Failed(Code::Io, Failure::io(&name, e).message),
    };
    // The server's copy gets the source's mtime (so rsync's quick check
    // sees it unchanged next time) and keeps its own permissions.
    let attrs = FileAttrs {
        mtime: md.mtime(),
        mtime_nsec: md.mtime_nsec() as u32,
        mode: 0,
    };
    let r = c
        .push_attempt(&t.module, &t.path, path, resume, strong, attrs, &mut token)
        .await;
    match r {
        Ok(p) => p,
        Err(e) if e.code == exit::SOCKET || e.code == exit::IPC => Push::Dropped(token, e),
        Err(e) => Push::Failed(Code::Io, e.message),
    }
}

pub fn pull(a: PullArgs) -> Result<(), Failure> {
    let t = parse_url(&a.url)?;
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let got = c
            .pull_to(&t.module, &t.path, &a.file)
            .await?
            .map_err(|r| failed(r.0, &r.1))?;
        let (sent, received) = (c.sent, c.received);
        c.close().await;
        let when = std::time::UNIX_EPOCH
            + std::time::Duration::new(got.mtime.max(0) as u64, got.mtime_nsec);
        let _ = File::options()
            .write(true)
            .open(&a.file)
            .and_then(|f| f.set_modified(when));
        if a.stats {
            eprintln!(
                "Total bytes sent: {}\nTotal bytes received: {}\nFile size: {}",
                sent, received, got.len
            );
        }
        Ok(())
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
pub(crate) fn listing_line(e: &crate::protocol::Entry) -> String {
    use crate::host::text::{escape, mode, num};
    use crate::protocol::Kind;
    let kind = match e.kind {
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
        Kind::File => '-',
    };
    let name = escape(&e.path);
    let name = if e.kind == Kind::Symlink {
        format!("{name} -> {}", escape(&e.target))
    } else {
        name
    };
    mode::list_line(kind, e.mode, &num::num(e.size, 1), 14, e.mtime, &name)
}

pub fn list(a: ListArgs) -> Result<(), Failure> {
    let t = parse_url_loose(&a.url)?;
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let r = list_on(&mut c, &t, a.recursive).await;
        c.close().await;
        r
    })
}

async fn list_on(c: &mut Client, t: &Target, recursive: bool) -> Result<(), Failure> {
    if t.module.is_empty() {
        for m in c.modules().await? {
            println!("{:<15}\t{}", m.name, m.comment);
        }
        return Ok(());
    }
    let id = c.s.list(&t.module, &t.path, recursive);
    c.flush().await?;
    loop {
        c.recv().await?;
        for e in c.take() {
            match e {
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
}

pub fn delete(a: DeleteArgs) -> Result<(), Failure> {
    let t = parse_url(&a.url)?;
    runtime()?.block_on(async {
        let mut c = Client::connect(&t, &a.conn).await?;
        let r = c.delete(&t.module, &t.path).await;
        c.close().await;
        r?.map_err(|r| failed(r.0, &r.1))
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
        contimeout: None,
        timeout: None,
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
