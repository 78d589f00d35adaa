//! Symlink values as a module stores them: rsyncd.conf's `munge symlinks`.
//!
//! rsync's daemon (without `use chroot`, which wsync never does) munges by
//! default: every symlink value it stores gets the prefix "/rsyncd-munged/",
//! a directory that does not exist, so no program on the server can follow
//! an uploaded link; the prefix is removed again when the value is sent, so
//! clients see what they sent. With `munge symlinks = no`, values are
//! sanitized instead (rsync's `sanitize_path`): a leading slash and `..`
//! components that would climb above the module are removed. Over a remote
//! shell (`serve --stdio` without a configuration, rsync's ssh mode) values
//! are stored as given. In every case the server itself resolves paths
//! beneath the module and never follows a link out of it.

use super::beneath::{open_beneath, Follow, LOOK};
use rustix::fs::OFlags;
use std::os::fd::OwnedFd;
use std::path::Path;

/// rsync's SYMLINK_PREFIX.
pub const PREFIX: &str = "/rsyncd-munged/";

/// How a module stores the symlink values it receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Links {
    /// `munge symlinks = yes`, the default of a daemon module.
    #[default]
    Munge,
    /// `munge symlinks = no`: sanitized so as not to leave the module.
    Sanitize,
    /// As given (a remote-shell session, as rsync over ssh).
    AsGiven,
}

impl Links {
    /// The value to store for a link at `path` (module-relative) whose
    /// value the client gave as `target`. `root` is the module's root: a
    /// sanitized value may climb as many levels as the link's directory is
    /// deep, counted only when no symlink lies on the way.
    pub fn store(self, root: &OwnedFd, path: &str, target: &str) -> String {
        match self {
            Links::Munge => format!("{PREFIX}{target}"),
            Links::Sanitize => sanitize(target, depth(root, path)),
            Links::AsGiven => target.to_string(),
        }
    }

    /// The value to send for a stored one: munged values lose the prefix.
    pub fn send(self, stored: String) -> String {
        match (self, stored.strip_prefix(PREFIX)) {
            (Links::Munge, Some(rest)) if !rest.is_empty() => rest.to_string(),
            _ => stored,
        }
    }
}

/// How many directories deep the link at `path` lies, when its directory
/// resolves beneath `root` without crossing a symlink; else 0 (then a
/// string count could claim levels that are not there).
fn depth(root: &OwnedFd, path: &str) -> usize {
    let Some((dir, _)) = path.rsplit_once('/') else {
        return 0;
    };
    let plain = open_beneath(
        root,
        dir.as_bytes(),
        LOOK | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Follow::Never,
    );
    match plain {
        Ok(_) => dir.split('/').count(),
        Err(_) => 0,
    }
}

/// rsync's `sanitize_path(p, p, "", depth, 0)` (util1.c), line for line,
/// for a symlink value: slashes collapsed (a leading one dropped), `.`
/// components dropped, `..` backing up over the component before it, and
/// at most `depth` leading `..` kept (others, which would climb above the
/// module, dropped); "." if nothing is left. A trailing slash stays.
pub fn sanitize(target: &str, mut depth: usize) -> String {
    let p = target.as_bytes();
    let mut d: Vec<u8> = Vec::with_capacity(p.len());
    // Where a `..` may back up to: past the leading `..`s kept.
    let mut start = 0;
    let mut i = 0;
    while p.get(i) == Some(&b'.') && p.get(i + 1) == Some(&b'/') {
        i += 2;
    }
    let end_or_slash = |j: usize| j == p.len() || p[j] == b'/';
    while i < p.len() {
        if p[i] == b'/' {
            i += 1;
            continue;
        }
        if p[i] == b'.' && end_or_slash(i + 1) {
            i += 1;
            continue;
        }
        if p[i] == b'.' && p.get(i + 1) == Some(&b'.') && end_or_slash(i + 2) {
            if depth == 0 || d.len() != start {
                i += 2;
                if d.len() != start {
                    // Back up one component (and the slash after it).
                    d.pop();
                    while d.len() > start && d[d.len() - 1] != b'/' {
                        d.pop();
                    }
                }
                continue;
            }
            depth -= 1;
            start = d.len() + 3;
        }
        // One component, through its slash.
        while i < p.len() {
            d.push(p[i]);
            i += 1;
            if p[i - 1] == b'/' {
                break;
            }
        }
    }
    if d.is_empty() {
        d.push(b'.');
    }
    // Whole components were dropped at ASCII slashes: still UTF-8.
    String::from_utf8(d).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// rsync refuses to munge when `/rsyncd-munged` is a directory (or a link
/// to one): munged links would then lead somewhere. `root` is `/` but for
/// tests.
pub fn check_munging_safe(root: &Path) -> Result<(), String> {
    let dir = root.join(PREFIX.trim_matches('/'));
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => Err(format!(
            "symlink munging is unsafe when a {} directory exists: remove it, or set `munge symlinks = no`",
            dir.display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_as_rsync() {
        for (target, depth, want) in [
            ("/etc/passwd", 0, "etc/passwd"),
            ("../../x", 0, "x"),
            ("../../y", 2, "../../y"),
            ("../../../z", 2, "../../z"),
            ("b/../../w", 1, "../w"),
            ("b/../../w", 0, "w"),
            ("a//./b", 0, "a/b"),
            ("a/b/", 0, "a/b/"),
            ("..", 0, "."),
            ("/", 3, "."),
            ("./..//../x/..", 1, "../"),
            ("a/..", 0, "."),
            ("../a/../b", 1, "../b"),
            ("x/../../..", 5, "../.."),
        ] {
            assert_eq!(sanitize(target, depth), want, "{target} at depth {depth}");
        }
    }

    #[test]
    fn munged_values_go_back_out_unmunged() {
        assert_eq!(Links::Munge.send("/rsyncd-munged/../x".into()), "../x");
        assert_eq!(Links::Munge.send("plain".into()), "plain");
        // Only the prefix, nothing after it: sent as stored (rsync's rule).
        assert_eq!(Links::Munge.send(PREFIX.into()), PREFIX);
        assert_eq!(
            Links::Sanitize.send("/rsyncd-munged/x".into()),
            "/rsyncd-munged/x"
        );
    }

    #[test]
    fn munging_is_refused_over_an_existing_prefix_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_munging_safe(dir.path()).is_ok());
        std::fs::write(dir.path().join("rsyncd-munged"), b"").unwrap();
        assert!(check_munging_safe(dir.path()).is_ok());
        std::fs::remove_file(dir.path().join("rsyncd-munged")).unwrap();
        std::fs::create_dir(dir.path().join("rsyncd-munged")).unwrap();
        let e = check_munging_safe(dir.path()).unwrap_err();
        assert!(e.contains("unsafe"), "{e}");
    }
}
