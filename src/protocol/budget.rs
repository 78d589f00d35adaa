//! Bytes a server holds on its clients' behalf (the signatures of
//! downloads), counted against a budget that all its sessions share. No
//! I/O: an atomic counter, so that a host running sessions on several
//! threads shares one budget through an `Arc`.

use std::sync::atomic::{AtomicU64, Ordering};

/// A budget of bytes, shared by the sessions of one server.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    used: AtomicU64,
}

impl MemoryBudget {
    /// A budget of `limit` bytes (`u64::MAX`: no limit).
    pub fn new(limit: u64) -> Self {
        MemoryBudget {
            limit,
            used: AtomicU64::new(0),
        }
    }

    /// The budget's size in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes taken now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Takes `n` bytes if they fit; false (and nothing taken) if not.
    pub fn try_take(&self, n: u64) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&after| after <= self.limit)
            })
            .is_ok()
    }

    /// Gives back `n` bytes taken before.
    pub fn give_back(&self, n: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(n))
            });
    }
}

impl Default for MemoryBudget {
    /// No limit.
    fn default() -> Self {
        MemoryBudget::new(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_what_fits_and_gets_it_back() {
        let b = MemoryBudget::new(100);
        assert!(b.try_take(60));
        assert!(!b.try_take(41), "over the limit");
        assert_eq!(b.used(), 60);
        assert!(b.try_take(40));
        assert!(!b.try_take(1));
        b.give_back(100);
        assert_eq!(b.used(), 0);
        assert!(!b.try_take(u64::MAX), "no overflow");
        assert!(MemoryBudget::default().try_take(u64::MAX));
    }
}
