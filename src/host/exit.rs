//! Exit statuses, as rsync numbers them (`errcode.h`), and the words of
//! the closing line rsync prints for each (`rerr_names` in log.c). The
//! one table of them: the commands, the clients, the server and `sync`
//! all take their statuses from here.

/// Syntax or usage error.
pub const SYNTAX: u8 = 1;
/// A bad configuration file (rsync exits 1 for these too).
pub const CONFIG: u8 = 1;
/// Protocol incompatibility (no common version).
pub const PROTOCOL: u8 = 2;
/// Errors selecting input/output files or directories.
pub const FILE_SELECT: u8 = 3;
/// Requested action not supported.
pub const UNSUPPORTED: u8 = 4;
/// Authentication failed (rsync: 5, error starting client-server protocol).
pub const AUTH: u8 = 5;
/// Error in socket I/O.
pub const SOCKET: u8 = 10;
/// Error in file I/O.
pub const FILE_IO: u8 = 11;
/// Error in the data stream (a corrupt signature or delta, a failed check).
pub const STREAM: u8 = 12;
/// Error in IPC code (the remote shell or the remote program).
pub const IPC: u8 = 14;
/// Stopped by SIGUSR1 (rsync's receiver, when its sender gave up).
pub const SIGUSR1: u8 = 19;
/// Stopped by SIGINT, SIGTERM or SIGHUP.
pub const SIGNAL: u8 = 20;
/// Some files or attributes were not transferred.
pub const PARTIAL: u8 = 23;
/// Some files vanished before they could be transferred (a warning).
pub const VANISHED: u8 = 24;
/// The `--max-delete` limit stopped deletions.
pub const DEL_LIMIT: u8 = 25;
/// Timeout in data send/receive (`--timeout`).
pub const TIMEOUT: u8 = 30;
/// Timeout waiting for the daemon connection (`--contimeout`).
pub const CONTIMEOUT: u8 = 35;

/// What rsync's closing line says of each status.
const WORDS: &[(u8, &str)] = &[
    (SYNTAX, "syntax or usage error"),
    (PROTOCOL, "protocol incompatibility"),
    (FILE_SELECT, "errors selecting input/output files, dirs"),
    (UNSUPPORTED, "requested action not supported"),
    (AUTH, "error starting client-server protocol"),
    (SOCKET, "error in socket IO"),
    (FILE_IO, "error in file IO"),
    (STREAM, "error in rsync protocol data stream"),
    (IPC, "error in IPC code"),
    (SIGUSR1, "received SIGUSR1"),
    (SIGNAL, "received SIGINT, SIGTERM, or SIGHUP"),
    (
        PARTIAL,
        "some files/attrs were not transferred (see previous errors)",
    ),
    (
        VANISHED,
        "some files vanished before they could be transferred",
    ),
    (DEL_LIMIT, "the --max-delete limit stopped deletions"),
    (TIMEOUT, "timeout in data send/receive"),
    (CONTIMEOUT, "timeout waiting for daemon connection"),
];

/// rsync's closing line for a run that ends with `code` ("wsync error:
/// ... (code 23)"; a warning for 24). A status the table lacks reads as
/// a partial transfer.
pub fn line(code: u8) -> String {
    let what = WORDS
        .iter()
        .find(|&&(c, _)| c == code)
        .map_or(WORDS[11].1, |&(_, w)| w);
    let kind = if code == VANISHED { "warning" } else { "error" };
    format!("wsync {kind}: {what} (code {code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_rsync_words_them() {
        assert_eq!(
            line(PARTIAL),
            "wsync error: some files/attrs were not transferred (see previous errors) (code 23)"
        );
        assert_eq!(
            line(VANISHED),
            "wsync warning: some files vanished before they could be transferred (code 24)"
        );
        assert_eq!(line(SIGUSR1), "wsync error: received SIGUSR1 (code 19)");
        assert_eq!(line(99), line(PARTIAL).replace("23", "99"));
    }
}
