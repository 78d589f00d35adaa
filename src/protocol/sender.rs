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
    /// New-file bytes the queued delta covers since the last message.
    covered: u64,
}

/// New-file bytes after which queued delta bytes go out in a short chunk
/// rather than wait for a full one. A few COPY commands can stand for this
/// much of the file: sent at once, the receiver copies while the sender
/// goes on, instead of all at the end (a 1 GiB upload with few edits
/// otherwise left the server 0.5 s of copying after the client was done).
const PROMPT: u64 = 4 << 20;

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
            covered: 0,
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

    /// Queues delta bytes, the encoding of the next `covers` bytes of the
    /// new file; returns the chunks ready to send: whole ones, and what is
    /// queued once it covers [`PROMPT`] bytes of the file.
    pub fn send(&mut self, mut data: &[u8], covers: u64) -> Vec<Message> {
        let mut out = Vec::new();
        let drop = self.skip.min(data.len() as u64) as usize;
        self.skip -= drop as u64;
        data = &data[drop..];
        self.covered += covers;
        while !data.is_empty() {
            let take = (self.chunk - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == self.chunk {
                out.push(self.chunk_message());
            }
        }
        if self.covered >= PROMPT && !self.pending.is_empty() && self.skip == 0 {
            out.push(self.chunk_message());
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
        self.covered = 0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::test;

    fn lens(msgs: &[Message]) -> Vec<(u64, usize)> {
        msgs.iter()
            .map(|m| match m {
                Message::DeltaChunk { offset, data, .. } => (*offset, data.len()),
                _ => panic!("{m:?}"),
            })
            .collect()
    }

    #[test]
    fn short_chunks_go_out_once_they_stand_for_enough_of_the_file() {
        let mut s = DeltaSender::new(1, Limits::default());
        // A few bytes for 1 MiB of the file: they wait for more.
        assert!(s.send(&[1; 10], 1 << 20).is_empty());
        // 4 MiB of the file in all: what is queued goes out.
        assert_eq!(lens(&s.send(&[2; 10], 3 << 20)), [(0, 20)]);
        assert!(s.send(&[3; 5], 100).is_empty());
        // A whole chunk resets the count; the 5 bytes after it wait.
        assert_eq!(lens(&s.send(&[4; 256 << 10], 4 << 20)), [(20, 256 << 10)]);
        assert!(s.send(&[5; 7], 1 << 20).is_empty());
        assert_eq!(lens(&s.flush()), [(20 + (256 << 10), 12)]);
        assert!(s.flush().is_empty());
        // Delta bytes that cover no new bytes (a header, the end) wait.
        let mut s = DeltaSender::new(2, Limits::default());
        assert!(s.send(&[0; 9], 0).is_empty());
        // While resuming, the part the peer has is dropped first.
        let mut s = DeltaSender::new(3, Limits::default());
        s.skip_to(15);
        assert!(s.send(&[6; 10], 8 << 20).is_empty());
        assert_eq!(lens(&s.send(&[7; 10], 8 << 20)), [(15, 5)]);
    }
}
