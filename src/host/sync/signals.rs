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

/// Whether one of the signals came.
pub fn caught() -> bool {
    CAUGHT.load(Ordering::Relaxed)
}
