#![allow(dead_code)]
//! `wsync serve` for the tests: start it on a free port, and a raw
//! protocol client that sends exactly the messages a test wants.

use super::s;
use futures_util::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Ws;
use wsync::protocol::{Limits, Message};

/// The server, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

thread_local! {
    /// `WSYNC_RESOLVE` for the servers this thread starts (see [`walking`]).
    static RESOLVE: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with the servers it starts (on this thread) resolving paths
/// beneath their roots by walking them, as on macOS and the BSDs
/// (`WSYNC_RESOLVE=walk`), instead of Linux's openat2: the tests of path
/// resolution run against both.
pub fn walking<R>(f: impl FnOnce() -> R) -> R {
    RESOLVE.with(|r| r.set(Some("walk")));
    let out = f();
    RESOLVE.with(|r| r.set(None));
    out
}

/// `wsync serve DIR EXTRA...`
pub fn serve(dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["serve", s(dir)];
    args.extend_from_slice(extra);
    start_server(&args)
}

/// Starts `wsync ARGS --port 0` and reads the port from its first line.
pub fn start_server(args: &[&str]) -> Server {
    start_server_logging(args, Stdio::null(), "info")
}

/// Like [`start_server`], with the server's log (its stderr, at `level`:
/// RUST_LOG's syntax) going to `log`.
pub fn start_server_logging(args: &[&str], log: impl Into<Stdio>, level: &str) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsync"));
    if let Some(v) = RESOLVE.with(|r| r.get()) {
        cmd.env("WSYNC_RESOLVE", v);
    }
    let mut child = cmd
        .args(args)
        .env("RUST_LOG", level)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .rsplit(':')
        .next()
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Server { child, port }
}

/// Starts `wsync serve --config DIR/wsyncd.conf` with this text.
pub fn serve_config(dir: &Path, conf: &str) -> Server {
    let path = dir.join("wsyncd.conf");
    std::fs::write(&path, conf).unwrap();
    start_server(&["serve", "--config", s(&path)])
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a raw client saw next.
#[derive(Debug)]
pub enum Seen {
    Msg(Message),
    /// The server closed the connection (with the close frame's code).
    Closed(Option<u16>),
    /// Nothing within the time given.
    Nothing,
}

/// A WebSocket client that sends and receives protocol messages as given.
pub struct Raw {
    rt: tokio::runtime::Runtime,
    ws: Socket,
}

impl Raw {
    pub fn connect(port: u16) -> Raw {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = format!("ws://127.0.0.1:{port}/ws");
        let (ws, _) = rt.block_on(tokio_tungstenite::connect_async(url)).unwrap();
        Raw { rt, ws }
    }

    pub fn send_bytes(&mut self, b: Vec<u8>) -> bool {
        self.rt.block_on(self.ws.send(Ws::Binary(b.into()))).is_ok()
    }

    pub fn send(&mut self, m: &Message) -> bool {
        self.send_bytes(m.encode())
    }

    pub fn recv(&mut self, wait: Duration) -> Seen {
        let ws = &mut self.ws;
        self.rt.block_on(async {
            loop {
                match tokio::time::timeout(wait, ws.next()).await {
                    Err(_) => return Seen::Nothing,
                    Ok(Some(Ok(Ws::Binary(b)))) => return Seen::Msg(Message::decode(&b).unwrap()),
                    Ok(Some(Ok(Ws::Close(f)))) => {
                        return Seen::Closed(f.map(|f| u16::from(f.code)))
                    }
                    Ok(Some(Ok(_))) => continue,
                    Ok(Some(Err(_))) | Ok(None) => return Seen::Closed(None),
                }
            }
        })
    }

    /// The next message, which must come within 10 s.
    pub fn next(&mut self) -> Message {
        match self.recv(Duration::from_secs(10)) {
            Seen::Msg(m) => m,
            other => panic!("expected a message, saw {other:?}"),
        }
    }

    /// Hello with default limits; returns the Welcome (or whatever came).
    pub fn hello(&mut self) -> Message {
        self.send(&Message::Hello {
            min_version: 1,
            max_version: 1,
            agent: "test".into(),
            limits: Limits::default(),
        });
        self.next()
    }

    /// Hello, then an anonymous (empty token) answer if challenged.
    pub fn ready(&mut self) {
        if let Message::Welcome {
            auth: wsync::protocol::AuthRequest::Challenge { .. },
            ..
        } = self.hello()
        {
            self.send(&Message::Auth(wsync::protocol::AuthResponse::Token {
                token: String::new(),
            }));
            assert!(matches!(self.next(), Message::AuthOk { .. }));
        }
    }

    /// Drives a protocol client session: sends what it queued, feeds it
    /// the server's messages until `until` says stop (or 10 s of silence).
    pub fn drive(
        &mut self,
        s: &mut wsync::protocol::ClientSession,
        mut until: impl FnMut(&wsync::protocol::ClientEvent) -> bool,
    ) -> Vec<wsync::protocol::ClientEvent> {
        use wsync::protocol::ClientOutput;
        let mut seen = Vec::new();
        loop {
            for o in s.poll() {
                match o {
                    ClientOutput::Send(m) => {
                        self.send(&m);
                    }
                    ClientOutput::Event(e) => {
                        let stop = until(&e);
                        seen.push(e);
                        if stop {
                            return seen;
                        }
                    }
                }
            }
            match self.recv(Duration::from_secs(10)) {
                Seen::Msg(m) => {
                    let _ = s.receive(&m.encode());
                }
                _ => return seen,
            }
        }
    }
}

/// The code of an Error message for request `id`, if `m` is one.
pub fn error_code(m: &Message, id: u64) -> Option<wsync::protocol::Code> {
    match m {
        Message::Error { id: i, code, .. } if *i == id => Some(*code),
        _ => None,
    }
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
