//! The sending side of a delta transfer: chunking to the negotiated size and
//! a window of unacknowledged bytes.

use super::message::{Limits, Message};
use crate::text::Text;

pub struct DeltaSender {
    id: u64,
    chunk: usize,
    window: u64,
    /// Bytes sent so far (the next chunk's offset).
    sent: u64,
    /// Bytes the peer acknowledged.
    acked: u64,
    pending: Vec<u8>,
    /// Leading bytes still to drop (see `skip_to`).
    skip: u64,
}

impl DeltaSender {
    pub fn new(id: u64, limits: Limits) -> Self {
        DeltaSender {
            id,
            chunk: limits.chunk.max(1) as usize,
            window: limits.window.max(1),
            sent: 0,
            acked: 0,
            pending: Vec::new(),
            skip: 0,
        }
    }

    /// Whether more may be sent before the next acknowledgement.
    pub fn window_open(&self) -> bool {
        self.sent - self.acked < self.window
    }

    /// Resumes at `from`: the first `from` bytes given to `send` (the part
    /// the peer already has) are dropped, and offsets continue from there.
    pub fn skip_to(&mut self, from: u64) {
        self.skip = from;
        self.sent = from;
        self.acked = from;
    }

    /// Whether the peer acknowledged everything sent.
    pub fn all_acked(&self) -> bool {
        self.acked == self.sent
    }

    /// Records an acknowledgement; it may not go backwards or past what was sent.
    pub fn ack(&mut self, received: u64) -> Result<(), String> {
        if received < self.acked || received > self.sent {
            let mut t = Text::default();
            t.s("acknowledgement of ")
                .n(received)
                .s(" bytes, with ")
                .n(self.acked)
                .s(" acknowledged and ")
                .n(self.sent)
                .s(" sent");
            return Err(t.into());
        }
        self.acked = received;
        Ok(())
    }

    /// Queues delta bytes; returns the whole chunks ready to send.
    pub fn send(&mut self, mut data: &[u8]) -> Vec<Message> {
        let mut out = Vec::new();
        let drop = self.skip.min(data.len() as u64) as usize;
        self.skip -= drop as u64;
        data = &data[drop..];
        while !data.is_empty() {
            let take = (self.chunk - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == self.chunk {
                out.push(self.chunk_message());
            }
        }
        out
    }

    /// Sends what is queued.
    pub fn flush(&mut self) -> Vec<Message> {
        if self.pending.is_empty() {
            Vec::new()
        } else {
            vec![self.chunk_message()]
        }
    }

    fn chunk_message(&mut self) -> Message {
        let data = std::mem::take(&mut self.pending);
        let offset = self.sent;
        self.sent += data.len() as u64;
        Message::DeltaChunk {
            id: self.id,
            offset,
            data,
        }
    }
}
