//! The TCP listener of `wsync serve`: a connection must finish its HTTP
//! request head (the WebSocket upgrade) within the handshake deadline, or
//! it is dropped. hyper has no such deadline of its own here, so a peer
//! sending one byte every few seconds would hold a socket for ever.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

pub struct Listener {
    pub inner: TcpListener,
    pub deadline: Duration,
}

impl axum::serve::Listener for Listener {
    type Io = HeadDeadline;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((io, addr)) => {
                    let io = HeadDeadline {
                        io,
                        sleep: Some(Box::pin(tokio::time::sleep(self.deadline))),
                        seen: 0,
                    };
                    return (io, addr);
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream whose reads fail once the deadline passes, until the end
/// of the first HTTP request head (`\r\n\r\n`) has been read.
pub struct HeadDeadline {
    io: TcpStream,
    /// `None` once the request head is complete.
    sleep: Option<Pin<Box<Sleep>>>,
    /// How much of "\r\n\r\n" the bytes read so far end with.
    seen: usize,
}

impl AsyncRead for HeadDeadline {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let start = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if this.sleep.is_some() {
                    for &b in &buf.filled()[start..] {
                        this.seen = match (this.seen, b) {
                            (0 | 2, b'\r') => this.seen + 1,
                            (1 | 3, b'\n') => this.seen + 1,
                            (_, b'\r') => 1,
                            _ => 0,
                        };
                        if this.seen == 4 {
                            this.sleep = None;
                            break;
                        }
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let expired = match &mut this.sleep {
                    Some(sleep) => sleep.as_mut().poll(cx).is_ready(),
                    None => false,
                };
                match expired {
                    true => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "handshake deadline",
                    ))),
                    false => Poll::Pending,
                }
            }
            other => other,
        }
    }
}

impl AsyncWrite for HeadDeadline {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
