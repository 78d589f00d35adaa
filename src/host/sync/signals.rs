//! SIGINT, SIGTERM and SIGHUP end a run as rsync ends it: the transfer
//! stops at the next write, the temporary file goes, and the exit status
//! is 20. The handler only sets a flag (async-signal-safe).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static CAUGHT: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Catches the three signals from now on.
pub fn install() {
    INSTALL.call_once(|| {
        use rustix::process::Signal;
        for sig in [Signal::INT, Signal::TERM, Signal::HUP].map(Signal::as_raw) {
            // SAFETY: the action only stores to an atomic, which is
            // async-signal-safe.
            let r = unsafe {
                signal_hook_registry::register(sig, || CAUGHT.store(true, Ordering::SeqCst))
            };
            if let Err(e) = r {
                eprintln!("wsync: cannot catch signal {sig}: {e}");
            }
        }
    });
}

/// Whether one of the signals came (or the `--stop-at` time).
pub fn caught() -> bool {
    CAUGHT.load(Ordering::Relaxed)
}

static STOPPED: AtomicBool = AtomicBool::new(false);

/// `--stop-after`/`--stop-at`: at `t` the run stops as on a signal, and
/// [`stopped`] says so (rsync: "stopping at requested limit", exit 30).
pub fn stop_at(t: std::time::SystemTime) {
    std::thread::spawn(move || {
        while let Ok(left) = t.duration_since(std::time::SystemTime::now()) {
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(std::time::Duration::from_secs(1)));
        }
        STOPPED.store(true, Ordering::SeqCst);
        CAUGHT.store(true, Ordering::SeqCst);
    });
}

/// Whether the run stopped at its `--stop-at` time.
pub fn stopped() -> bool {
    STOPPED.load(Ordering::Relaxed)
}
