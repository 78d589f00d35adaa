//! How whole protocol messages move between the server and a client:
//! WebSocket binary frames, or length-prefixed records on standard input
//! and output (`wsync serve --stdio`).

use crate::protocol::frame::{frame, FrameDecoder};
use crate::protocol::Code;
use axum::extract::ws::{Message as Ws, WebSocket};
use futures_util::StreamExt;

/// Moves whole protocol messages: WebSocket binary frames, or
/// length-prefixed records on a byte stream (`--stdio`).
pub trait Transport {
    async fn send(&mut self, msg: Vec<u8>) -> Result<(), String>;
    /// The next message; `None` when the peer closed.
    async fn recv(&mut self) -> Option<Result<Vec<u8>, String>>;
    /// When the handshake began: its deadline runs from here.
    fn started(&self) -> std::time::Instant {
        std::time::Instant::now()
    }
    /// The session authenticated: from now on it counts against the
    /// server's limits; an error (the server is full) ends it with "try later".
    fn admit(&mut self) -> Result<(), String> {
        Ok(())
    }
}

pub struct WsTransport(pub WebSocket);

impl Transport for WsTransport {
    async fn send(&mut self, msg: Vec<u8>) -> Result<(), String> {
        self.0
            .send(Ws::Binary(msg.into()))
            .await
            .map_err(|e| e.to_string())
    }
    async fn recv(&mut self) -> Option<Result<Vec<u8>, String>> {
        loop {
            return match self.0.next().await? {
                Ok(Ws::Binary(b)) => Some(Ok(b.to_vec())),
                Ok(Ws::Text(_)) => Some(Err("text frame".into())),
                Ok(Ws::Close(_)) => None,
                Ok(_) => continue, // ping/pong are answered by the WebSocket layer
                Err(e) => {
                    let why = e.to_string();
                    // Over the frame or message limit: close with 1009
                    // ("message too big") and the reason.
                    if why.contains("too long") || why.contains("Space limit") {
                        let frame = axum::extract::ws::CloseFrame {
                            code: 1009,
                            reason: "message over the size limit".into(),
                        };
                        let _ = self.0.send(Ws::Close(Some(frame))).await;
                    }
                    Some(Err(why))
                }
            };
        }
    }
}

/// Records on standard input and output.
pub struct StdioTransport {
    stdin: tokio::io::Stdin,
    stdout: tokio::io::Stdout,
    frames: FrameDecoder,
}

impl StdioTransport {
    pub fn new(max: u32) -> Self {
        StdioTransport {
            stdin: tokio::io::stdin(),
            stdout: tokio::io::stdout(),
            frames: FrameDecoder::new(max),
        }
    }
}

impl Transport for StdioTransport {
    async fn send(&mut self, msg: Vec<u8>) -> Result<(), String> {
        use tokio::io::AsyncWriteExt;
        self.stdout
            .write_all(&frame(&msg))
            .await
            .map_err(|e| e.to_string())?;
        self.stdout.flush().await.map_err(|e| e.to_string())
    }
    async fn recv(&mut self) -> Option<Result<Vec<u8>, String>> {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match self.frames.next_record() {
                Ok(Some(r)) => return Some(Ok(r)),
                Ok(None) => {}
                Err(e) => {
                    // Tell the peer why before the session ends.
                    let code = match e {
                        crate::protocol::frame::FrameError::TooLarge { .. } => Code::TooLarge,
                        _ => Code::Protocol,
                    };
                    let why = crate::protocol::Message::Error {
                        id: 0,
                        code,
                        message: e.to_string(),
                    };
                    let _ = self.send(why.encode()).await;
                    return Some(Err(e.to_string()));
                }
            }
            match self.stdin.read(&mut buf).await {
                Ok(0) => return self.frames.finish().err().map(|e| Err(e.to_string())),
                Ok(n) => self.frames.push(&buf[..n]),
                Err(e) => return Some(Err(e.to_string())),
            }
        }
    }
}
