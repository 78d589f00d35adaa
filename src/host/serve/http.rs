//! The HTTP side of `wsync serve`: accepts connections within the budget of
//! `gate.rs` and serves each with hyper, under deadlines. Every request
//! head must arrive within the handshake deadline, and so must the next
//! one on a kept-alive connection (hyper's header timer runs while it
//! waits): a peer sending a byte a second, or nothing, is cut. A write the
//! peer does not take for the idle timeout fails the connection. WebSocket
//! upgrades go on in `conn.rs`, with the connection's ticket.

use super::gate::{Gate, Ticket};
use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

/// How long, and how many bytes, a closing connection reads away what
/// its peer sent and nobody read (see [`Stream`]'s `Drop`).
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 4 << 20;

/// Serves `app` on `listener` for ever.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    gate: Arc<Gate>,
    handshake: Duration,
    idle: Duration,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors despite the budget (files opened by
                // sessions) and the like: wait, go on.
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(ticket) = gate.admit(peer.ip()) else {
            // No room: a short answer, if the socket takes it at once.
            let _ = tcp.try_write(super::gate::BUSY);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let io = TokioIo::new(Stream {
            tcp: Some(tcp),
            ticket: ticket.clone(),
            idle,
            stall: None,
            wrote: false,
        });
        let app = app
            .clone()
            .layer(Extension(ConnectInfo(peer)))
            .layer(Extension(ticket.clone()));
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(handshake)
                .serve_connection(io, TowerToHyperService::new(app))
                .with_upgrades();
            tokio::select! {
                _ = conn => {}
                _ = ticket.kick().kicked() => {}
            }
        });
    }
}

/// A connection's TCP stream: notes where each request begins, fails a
/// write the peer does not take for the idle timeout, and closes without
/// a reset.
pub struct Stream {
    /// `None` once dropped.
    tcp: Option<TcpStream>,
    ticket: Arc<Ticket>,
    idle: Duration,
    /// Running while a write waits for the peer.
    stall: Option<Pin<Box<Sleep>>>,
    /// Bytes were written since the last read: the next byte read begins
    /// a new request.
    wrote: bool,
}

impl Stream {
    fn tcp(&mut self) -> Pin<&mut TcpStream> {
        // Only `drop` takes it.
        Pin::new(self.tcp.as_mut().expect("stream used after drop"))
    }

    /// A write is pending: fails once it has been for the idle timeout.
    fn stalled<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.stall = None;
            return r;
        }
        let idle = self.idle;
        let stall = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
        match stall.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the peer took nothing for the idle timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = self.tcp().poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before && self.wrote {
            self.wrote = false;
            self.ticket.restart();
        }
        r
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = self.tcp().poll_write(cx, buf);
        if let Poll::Ready(Ok(1..)) = r {
            self.wrote = true;
        }
        self.stalled(cx, r)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = self.tcp().poll_flush(cx);
        self.stalled(cx, r)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = self.tcp().poll_shutdown(cx);
        self.stalled(cx, r)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = self.tcp().poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(1..)) = r {
            self.wrote = true;
        }
        self.stalled(cx, r)
    }
    fn is_write_vectored(&self) -> bool {
        self.tcp.as_ref().is_some_and(|t| t.is_write_vectored())
    }
}

impl Drop for Stream {
    /// Closing a socket with unread bytes makes the kernel answer with a
    /// reset, which can overtake what was sent last (a WebSocket close
    /// frame 1009 after an oversized message): then send the end of the
    /// stream first and read away what comes, a little while, before closing.
    fn drop(&mut self) {
        // Asked of the socket itself, not of the reactor's last readiness.
        let Some(Ok(tcp)) = self.tcp.take().map(TcpStream::into_std) else {
            return;
        };
        let mut probe = [0u8; 1];
        if !matches!(tcp.peek(&mut probe), Ok(1..)) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let _in_runtime = rt.enter();
        if let Ok(tcp) = TcpStream::from_std(tcp) {
            rt.spawn(linger(tcp, self.ticket.clone()));
        }
    }
}

/// Half-closes `tcp` and reads until the peer closes too, for a bounded
/// time and number of bytes. The socket still counts in the budget.
async fn linger(mut tcp: TcpStream, ticket: Arc<Ticket>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tcp.shutdown().await;
    let mut buf = vec![0u8; 16 << 10];
    let mut left = LINGER_BYTES;
    let read_away = async {
        while let Ok(n @ 1..) = tcp.read(&mut buf).await {
            left = left.saturating_sub(n);
            if left == 0 {
                break;
            }
        }
    };
    tokio::select! {
        _ = tokio::time::timeout(LINGER_TIME, read_away) => {}
        _ = ticket.kick().kicked() => {}
    }
}
