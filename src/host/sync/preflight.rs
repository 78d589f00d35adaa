//! What rsync checks or does before a transfer starts, for the options of
//! args/more.rs: `--version`, `--debug=help`, the protocol number, the
//! checksum and compression names, `--iconv`'s charsets, `--copy-as`,
//! and the `--stop-after`/`--stop-at` watch.

use super::args::SyncArgs;
use crate::host::exit;

/// The `--version` text.
pub fn version() -> String {
    format!(
        "wsync sync  version {}  (rsync 3.5.0's options; wsync protocol)\n\
         Capabilities:\n    64-bit files, 64-bit inums, 64-bit timestamps, symlinks, symtimes,\n    \
         hardlinks, atimes, batchfiles, inplace, append, ACLs, xattrs, iconv,\n    \
         prealloc, stop-at, no crtimes\n\
         Checksum list:\n    {}\n\
         Compress list:\n    {}\n",
        env!("CARGO_PKG_VERSION"),
        super::args::CHECKSUMS[1..].join(" "),
        super::args::COMPRESSORS[1..].join(" "),
    )
}

/// rsync's `--debug=help` text.
const DEBUG_HELP: &str = "\
Use OPT or OPT1 for level 1 output, OPT2 for level 2, etc.; OPT0 silences.

ACL        Debug extra ACL info
BACKUP     Debug backup actions (levels 1-2)
BIND       Debug socket bind actions
CHDIR      Debug when the current directory changes
CONNECT    Debug connection events (levels 1-2)
CMD        Debug commands+options that are issued (levels 1-2)
DEL        Debug delete actions (levels 1-3)
DELTASUM   Debug delta-transfer checksumming (levels 1-4)
DUP        Debug weeding of duplicate names
EXIT       Debug exit events (levels 1-3)
FILTER     Debug filter actions (levels 1-3)
FLIST      Debug file-list operations (levels 1-4)
FUZZY      Debug fuzzy scoring (levels 1-2)
GENR       Debug generator functions
HASH       Debug hashtable code
HLINK      Debug hard-link actions (levels 1-3)
ICONV      Debug iconv character conversions (levels 1-2)
IO         Debug I/O routines (levels 1-4)
NSTR       Debug negotiation strings
OWN        Debug ownership changes in users & groups (levels 1-2)
PROTO      Debug protocol information
RECV       Debug receiver functions
SEND       Debug sender functions
TIME       Debug setting of modified times (levels 1-2)

ALL        Set all --debug options (e.g. all4)
NONE       Silence all --debug options (same as all0)
HELP       Output this help message

Options added at each level of verbosity:
2) BIND,CONNECT,CMD,DEL,DELTASUM,DUP,FILTER,FLIST,ICONV
3) ACL,BACKUP,CONNECT2,DEL2,DELTASUM2,EXIT,FILTER2,FLIST2,FUZZY,GENR,OWN,RECV,SEND,TIME
4) CMD2,DEL3,DELTASUM3,EXIT2,FLIST3,ICONV2,OWN2,PROTO,TIME2
5) CHDIR,DELTASUM4,FLIST4,FUZZY2,HASH,HLINK
";

/// rsync's `--info=help` text.
const INFO_HELP: &str = "\
Use OPT or OPT1 for level 1 output, OPT2 for level 2, etc.; OPT0 silences.

BACKUP     Mention files backed up
COPY       Mention files copied locally on the receiving side
DEL        Mention deletions on the receiving side
FLIST      Mention file-list receiving/sending (levels 1-2)
MISC       Mention miscellaneous information (levels 1-2)
MOUNT      Mention mounts that were found or skipped
NAME       Mention 1) updated file/dir names, 2) unchanged names
NONREG     Mention skipped non-regular files (default 1, 0 disables)
PROGRESS   Mention 1) per-file progress or 2) total transfer progress
REMOVE     Mention files removed on the sending side
SKIP       Mention files skipped due to transfer overrides (levels 1-2)
STATS      Mention statistics at end of run (levels 1-3)
SYMSAFE    Mention symlinks that are unsafe

ALL        Set all --info options (e.g. all4)
NONE       Silence all --info options (same as all0)
HELP       Output this help message

Options added at each level of verbosity:
0) NONREG
1) COPY,DEL,FLIST,MISC,NAME,STATS,SYMSAFE
2) BACKUP,MISC2,MOUNT,NAME2,REMOVE,SKIP
";

/// Runs the checks: `Ok(Some(status))` ends the run there (help,
/// version), `Err` is rsync's error and exit status.
pub fn check(a: &SyncArgs) -> Result<Option<u8>, (String, u8)> {
    let m = &a.more;
    if m.version {
        print!("{}", version());
        return Ok(Some(0));
    }
    if m.info.iter().any(|w| w.eq_ignore_ascii_case("help")) {
        print!("{INFO_HELP}");
        return Ok(Some(0));
    }
    if m.debug.iter().any(|w| w.eq_ignore_ascii_case("help")) {
        print!("{DEBUG_HELP}");
        return Ok(Some(0));
    }
    if let Some(p) = m.protocol {
        // rsync speaks 20 to 32 (protocol 32 is its own).
        if p < 20 {
            return Err((
                "protocol version mismatch -- is your shell clean?".into(),
                exit::PROTOCOL,
            ));
        }
    }
    if !m.remote_options.is_empty() {
        // -M: rsync gives these to the other side, whose parse of them
        // fails the run with exit 12 ("error in rsync protocol data
        // stream"); wsync's one process checks them the same way.
        let argv: Vec<std::ffi::OsString> = m.remote_options.iter().map(Into::into).collect();
        if let Err(super::args::UsageError(e)) = SyncArgs::parse(&argv) {
            return Err((format!("on remote machine: {e}"), exit::STREAM));
        }
    }
    if let Some(c) = &m.checksum_choice {
        // rsync matches the names ignoring case (get_nni_by_name).
        for name in c.split(',') {
            if !super::args::CHECKSUMS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err((format!("unknown checksum name: {name}"), exit::UNSUPPORTED));
            }
        }
    }
    if let Some(c) = &m.compress_choice {
        if !super::args::COMPRESSORS.contains(&c.as_str()) {
            return Err((format!("unknown compress name: {c}"), exit::UNSUPPORTED));
        }
    }
    if let Some(c) = &m.iconv {
        for cs in c.split(',').filter(|s| !s.is_empty() && *s != ".") {
            if super::iconv::Charset::find(cs).is_none() {
                return Err((
                    format!("iconv_open(\"UTF-8\", \"{cs}\") failed"),
                    exit::UNSUPPORTED,
                ));
            }
        }
    }
    Ok(None)
}
