//! What the process may do (root or not) and the umask, read once.

use rustix::fs::Mode;

/// What the process may do, read once.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub root: bool,
    /// The permission bits new files get (`0777 & !umask`).
    pub dflt_perms: u32,
}

impl Who {
    pub fn current() -> Who {
        let old = rustix::process::umask(Mode::from_raw_mode(0o022));
        rustix::process::umask(old);
        Who {
            root: rustix::process::geteuid().is_root(),
            dflt_perms: 0o777 & !old.as_raw_mode() as u32,
        }
    }
}
