//! Time comparisons as rsync makes them: `--modify-window` (rsync's
//! `same_time`), and which kinds keep their times (`-O`, `-J`).

use super::args::SyncArgs;
use super::flist::Kind;
use std::sync::atomic::{AtomicI64, Ordering};

/// `--modify-window` for this run (0: whole seconds; -1: nanoseconds).
static WINDOW: AtomicI64 = AtomicI64::new(0);

/// Sets the window for the run (from `--modify-window`).
pub fn set_window(a: &SyncArgs) {
    WINDOW.store(a.more.modify_window.unwrap_or(0), Ordering::Relaxed);
}

/// rsync's `same_time`: within the window (0: the same second; below 0:
/// the same nanosecond too).
pub fn same_time(s1: i64, n1: u32, s2: i64, n2: u32) -> bool {
    let w = WINDOW.load(Ordering::Relaxed);
    if w == 0 {
        return s1 == s2;
    }
    if w < 0 {
        return s1 == s2 && n1 == n2;
    }
    s1.abs_diff(s2) <= w.unsigned_abs()
}

/// `-u`: whether a regular file is skipped for the destination's
/// regular file `md` (rsync's test: the source's time minus the
/// destination's below --modify-window, so within the window too).
pub fn update_skips(a: &SyncArgs, it: &super::flist::Item, md: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.update && md.is_file() && it.mtime.saturating_sub(md.mtime()) < WINDOW.load(Ordering::Relaxed)
}

/// Whether an item of `kind` has its modification time kept (`-t`,
/// less directories with `-O` and symlinks with `-J`).
pub fn keeps_time(a: &SyncArgs, kind: Kind) -> bool {
    a.times
        && !(kind == Kind::Dir && a.omit_dir_times)
        && !(kind == Kind::Symlink && a.more.omit_link_times)
}

/// `-U`: the `u` of `%i` where a non-directory, non-symlink's access
/// time differs (rsync's ITEM_REPORT_ATIME).
pub fn atime_flag(a: &SyncArgs, it: &super::flist::Item, md: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::MetadataExt;
    let kind_ok = !matches!(it.kind, Kind::Dir | Kind::Symlink);
    if a.more.atimes > 0 && kind_ok && !same_time(it.atime, 0, md.atime(), 0) {
        super::itemize::REPORT_ATIME
    } else {
        0
    }
}

/// `-U`: sets the access time (whole seconds, as rsync sends it) where
/// it differs, or always when `accurate`; not for directories, nor for
/// symlinks with `-J`. `mtime`: a modification time set along with it
/// (None: left as it is).
pub fn set_atime(
    path: &std::path::Path,
    file: Option<&std::fs::File>,
    md: &std::fs::Metadata,
    it: &super::flist::Item,
    a: &SyncArgs,
    accurate: bool,
    mtime: Option<(i64, i64)>,
) -> Result<(), String> {
    use rustix::fs::{AtFlags, Timespec, Timestamps, CWD, UTIME_OMIT};
    use std::os::unix::fs::MetadataExt;
    let omitted = it.kind == Kind::Symlink && a.more.omit_link_times;
    if a.more.atimes == 0 || it.kind == Kind::Dir || omitted {
        return Ok(());
    }
    if !accurate && same_time(md.atime(), 0, it.atime, 0) {
        return Ok(());
    }
    let ts = Timestamps {
        last_access: Timespec {
            tv_sec: it.atime,
            tv_nsec: 0,
        },
        last_modification: match mtime {
            Some((sec, nsec)) => Timespec {
                tv_sec: sec,
                tv_nsec: nsec as _,
            },
            None => Timespec {
                tv_sec: 0,
                tv_nsec: UTIME_OMIT,
            },
        },
    };
    let r = match file {
        Some(f) => rustix::fs::futimens(f, &ts),
        None => rustix::fs::utimensat(CWD, path, &ts, AtFlags::SYMLINK_NOFOLLOW),
    };
    r.map_err(|e| {
        super::call_failed(
            "utimensat",
            path,
            &std::io::Error::from_raw_os_error(e.raw_os_error()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert!(same_time(10, 5, 10, 7));
        assert!(!same_time(10, 0, 11, 0));
        WINDOW.store(2, Ordering::Relaxed);
        assert!(same_time(10, 0, 12, 0));
        assert!(same_time(12, 0, 10, 0));
        assert!(!same_time(10, 0, 13, 0));
        WINDOW.store(-1, Ordering::Relaxed);
        assert!(!same_time(10, 5, 10, 7));
        assert!(same_time(10, 5, 10, 5));
        WINDOW.store(0, Ordering::Relaxed);
    }
}
