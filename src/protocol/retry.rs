//! What an uploading client does when an attempt fails: the retry policy,
//! written once for every client (the native `wsync push`, `wsync sync`'s
//! pushes and the JavaScript package's `upload` all drive it).
//!
//! It has no clock and no I/O: the client reports how each attempt ended,
//! and [`UploadRetry::next`] says whether to try again, with which strong
//! sum length, whether the interrupted upload's resume token still holds,
//! and how long to wait first.
//!
//! ```
//! use wsync::protocol::{Attempt, Code, Next, UploadRetry};
//!
//! let mut retry = UploadRetry::default();
//! assert_eq!(retry.strong(), 0); // the server chooses
//! // Short strong sums let a false match through: full ones next time.
//! assert_eq!(retry.next(Attempt::Failed(Code::HashMismatch), false), Next::Again { resume: false });
//! assert_eq!(retry.strong(), 32);
//! // The connection dropped: reconnect and resume.
//! assert_eq!(retry.next(Attempt::Dropped, false), Next::Again { resume: true });
//! // The old session still holds the path a moment.
//! assert_eq!(retry.next(Attempt::Failed(Code::Busy), true), Next::Wait { ms: 100 });
//! // The same failure twice is the upload's failure.
//! assert_eq!(retry.next(Attempt::Failed(Code::HashMismatch), false), Next::Stop);
//! ```

use super::Code;

/// How an upload attempt ended without success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The server refused or failed it with this code.
    Failed(Code),
    /// The connection dropped before the server answered.
    Dropped,
}

/// What the client does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Give up: the attempt's error is the upload's.
    Stop,
    /// Try again now (on a new connection after a drop).
    Again {
        /// Whether the interrupted upload's token (if the client has one)
        /// is sent to continue it; if not, the upload starts over.
        resume: bool,
    },
    /// Wait, then try again, the token kept.
    Wait {
        /// How long, in milliseconds.
        ms: u32,
    },
}

/// The retry state of one upload.
#[derive(Clone, Debug, Default)]
pub struct UploadRetry {
    strong: u8,
    changed: bool,
    drops: u8,
    busy: u8,
}

impl UploadRetry {
    /// Connections that may drop during one upload before it fails.
    pub const DROPS: u8 = 3;
    /// `Busy` answers waited out after a drop, each for [`Self::BUSY_WAIT_MS`].
    pub const BUSY: u8 = 50;
    /// The wait before asking again for a path a dropped session held.
    pub const BUSY_WAIT_MS: u32 = 100;

    /// The strong sum length to ask the server for (0: its choice, which
    /// may be short; 32 after a failed whole-file check).
    pub fn strong(&self) -> u8 {
        self.strong
    }

    /// Whether the upload started over because the server's copy changed.
    pub fn retried(&self) -> bool {
        self.changed
    }

    /// How many times the connection dropped.
    pub fn drops(&self) -> u8 {
        self.drops
    }

    /// The state as one number, for a caller that keeps it as a plain
    /// value (the package's JavaScript): the strong sum length in bits
    /// 0-7, bit 8 set once the upload started over for a changed basis,
    /// the drops in bits 16-23, the `Busy` answers waited out in 24-31.
    pub fn to_bits(&self) -> u32 {
        u32::from(self.strong)
            | u32::from(self.changed) << 8
            | u32::from(self.drops) << 16
            | u32::from(self.busy) << 24
    }

    /// The state [`to_bits`](Self::to_bits) gave (0: a new upload's).
    pub fn from_bits(bits: u32) -> UploadRetry {
        UploadRetry {
            strong: bits as u8,
            changed: bits & 1 << 8 != 0,
            drops: (bits >> 16) as u8,
            busy: (bits >> 24) as u8,
        }
    }

    /// The next step after `attempt`; `resuming` says whether the attempt
    /// resumed an interrupted upload (sent a token).
    pub fn next(&mut self, attempt: Attempt, resuming: bool) -> Next {
        match attempt {
            // Short strong sums let a false block match through: the result
            // failed its SHA-256 check, so ask for full-length ones.
            Attempt::Failed(Code::HashMismatch) if self.strong == 0 => {
                self.strong = 32;
                Next::Again { resume: false }
            }
            // The server's copy changed after its signature was sent.
            Attempt::Failed(Code::BasisChanged) if !self.changed => {
                self.changed = true;
                Next::Again { resume: false }
            }
            // The server no longer has the interrupted upload: start over.
            Attempt::Failed(Code::NotFound) if resuming => Next::Again { resume: false },
            // After a drop the old session may hold the path a moment longer.
            Attempt::Failed(Code::Busy) if self.drops > 0 && self.busy < Self::BUSY => {
                self.busy += 1;
                Next::Wait {
                    ms: Self::BUSY_WAIT_MS,
                }
            }
            Attempt::Dropped if self.drops < Self::DROPS => {
                self.drops += 1;
                Next::Again { resume: true }
            }
            _ => Next::Stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_retry_once_or_within_its_count() {
        let mut r = UploadRetry::default();
        assert_eq!(
            r.next(Attempt::Failed(Code::BasisChanged), false),
            Next::Again { resume: false }
        );
        assert!(r.retried());
        assert_eq!(
            r.next(Attempt::Failed(Code::BasisChanged), false),
            Next::Stop
        );

        let mut r = UploadRetry::default();
        for _ in 0..UploadRetry::DROPS {
            assert_eq!(r.next(Attempt::Dropped, true), Next::Again { resume: true });
        }
        assert_eq!(r.next(Attempt::Dropped, true), Next::Stop);
        assert_eq!(r.drops(), 3);
    }

    #[test]
    fn the_state_as_a_number() {
        let mut r = UploadRetry::default();
        assert_eq!(r.to_bits(), 0);
        r.next(Attempt::Failed(Code::HashMismatch), false);
        r.next(Attempt::Failed(Code::BasisChanged), false);
        r.next(Attempt::Dropped, false);
        r.next(Attempt::Failed(Code::Busy), true);
        let bits = r.to_bits();
        assert_eq!(bits, 32 | 1 << 8 | 1 << 16 | 1 << 24);
        let mut back = UploadRetry::from_bits(bits);
        assert_eq!((back.strong(), back.retried(), back.drops()), (32, true, 1));
        assert_eq!(
            back.next(Attempt::Failed(Code::BasisChanged), false),
            Next::Stop
        );
    }

    #[test]
    fn busy_is_waited_out_only_after_a_drop() {
        let mut r = UploadRetry::default();
        assert_eq!(r.next(Attempt::Failed(Code::Busy), false), Next::Stop);
        r.next(Attempt::Dropped, false);
        for _ in 0..UploadRetry::BUSY {
            assert_eq!(
                r.next(Attempt::Failed(Code::Busy), true),
                Next::Wait { ms: 100 }
            );
        }
        assert_eq!(r.next(Attempt::Failed(Code::Busy), true), Next::Stop);
    }

    #[test]
    fn not_found_starts_over_only_when_resuming() {
        let mut r = UploadRetry::default();
        assert_eq!(
            r.next(Attempt::Failed(Code::NotFound), true),
            Next::Again { resume: false }
        );
        assert_eq!(r.next(Attempt::Failed(Code::NotFound), false), Next::Stop);
        for code in [Code::Denied, Code::TooLarge, Code::Io, Code::TryLater] {
            assert_eq!(
                UploadRetry::default().next(Attempt::Failed(code), true),
                Next::Stop
            );
        }
    }
}
