//! A WebSocket session's place in the server's budgets. Until it
//! authenticates, it is one of the connections in their handshake
//! (`gate.rs`), which a newcomer may evict; once it authenticates, it counts
//! against `max connections` (or gets "try later"), and is never evicted.

use super::gate::Ticket;
use super::transport::Transport;
use super::Server;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A transport with the connection's ticket.
pub struct Admitted<T> {
    inner: T,
    ticket: Arc<Ticket>,
    server: Arc<Server>,
    /// Counted in `server.connections`.
    counted: bool,
}

impl<T> Admitted<T> {
    pub fn new(inner: T, ticket: Arc<Ticket>, server: Arc<Server>) -> Self {
        Admitted {
            inner,
            ticket,
            server,
            counted: false,
        }
    }
}

const EVICTED: &str = "evicted: too many connections in their handshake";

impl<T: Transport> Transport for Admitted<T> {
    async fn send(&mut self, msg: Vec<u8>) -> Result<(), String> {
        tokio::select! {
            r = self.inner.send(msg) => r,
            _ = self.ticket.kick().kicked() => Err(EVICTED.into()),
        }
    }

    async fn recv(&mut self) -> Option<Result<Vec<u8>, String>> {
        tokio::select! {
            r = self.inner.recv() => r,
            _ = self.ticket.kick().kicked() => Some(Err(EVICTED.into())),
        }
    }

    fn started(&self) -> std::time::Instant {
        self.ticket.started()
    }

    fn admit(&mut self) -> Result<(), String> {
        if !self.counted {
            self.counted = true;
            let n = self.server.connections.fetch_add(1, Ordering::SeqCst) + 1;
            if n > self.server.max_connections {
                return Err("too many sessions: try later".into());
            }
        }
        self.ticket.authenticated();
        Ok(())
    }
}

impl<T> Drop for Admitted<T> {
    fn drop(&mut self) {
        if self.counted {
            self.server.connections.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
