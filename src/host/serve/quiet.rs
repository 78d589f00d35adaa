//! Log lines that a peer can provoke at will (failed logins, refused host
//! names) come at most once per interval for the same key: the events in
//! between are counted, and the next line reports how many there were.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys remembered at most; past that, new keys share one count.
const MAX_KEYS: usize = 4096;

pub struct Quiet {
    interval: Duration,
    /// Key -> (time of its last line, events since then, that one included).
    seen: Mutex<HashMap<String, (Instant, u64)>>,
}

impl Quiet {
    pub fn new(interval: Duration) -> Quiet {
        Quiet {
            interval,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an event for `key`: `Some(n)` when a line is due now, with
    /// `n` the events it stands for (this one and those not yet reported);
    /// `None` when the event was only counted.
    pub fn note(&self, key: &str) -> Option<u64> {
        let Ok(mut seen) = self.seen.lock() else {
            return Some(1);
        };
        let now = Instant::now();
        if seen.len() >= MAX_KEYS && !seen.contains_key(key) {
            let interval = self.interval;
            seen.retain(|_, (at, _)| now.duration_since(*at) < interval);
        }
        let key = match seen.len() >= MAX_KEYS && !seen.contains_key(key) {
            true => "(others)",
            false => key,
        };
        match seen.get_mut(key) {
            Some((at, n)) if now.duration_since(*at) < self.interval => {
                *n += 1;
                None
            }
            Some((at, n)) => {
                // The line reports the events counted meanwhile and this one.
                let due = *n + 1;
                *at = now;
                *n = 0;
                Some(due)
            }
            None => {
                seen.insert(key.to_string(), (now, 0));
                Some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_key_and_interval_with_the_count() {
        let q = Quiet::new(Duration::from_millis(200));
        assert_eq!(q.note("a"), Some(1));
        assert_eq!(q.note("b"), Some(1));
        for _ in 0..9 {
            assert_eq!(q.note("a"), None);
        }
        std::thread::sleep(Duration::from_millis(250));
        // Nine counted since the first line, and this one.
        assert_eq!(q.note("a"), Some(10));
        assert_eq!(q.note("a"), None);
    }

    #[test]
    fn keys_are_bounded() {
        let q = Quiet::new(Duration::from_secs(60));
        for i in 0..MAX_KEYS + 10 {
            q.note(&i.to_string());
        }
        assert!(q.seen.lock().unwrap().len() <= MAX_KEYS + 1);
        // Past the bound, new keys share one count.
        assert_eq!(q.note("new"), None);
    }
}
