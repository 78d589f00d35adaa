//! The options of args/more.rs with a remote side (`wsync serve`): those
//! wsync's protocol cannot carry are refused, each with the reason (the
//! help text lists them). The rest apply as they do locally: output
//! options (`-8`, `--stderr`, `--info`, `--debug`), checks (`--cc`,
//! `--zc`, `--protocol`, `--max-alloc`, `--outbuf`), the sender's walk on
//! a push (`-x`, `--ignore-missing-args`, `--old-dirs`), the sender's
//! removals of `--remove-source-files` on a push, and those with
//! no meaning for wsync's connection, accepted as rsync accepts them
//! (`-4`, `-6`, `--blocking-io`, `--no-motd`, `--checksum-seed`,
//! `--compress-threads`, `-s`, `--old-args`, `--trust-sender`,
//! `--inc-recursive`, `--super`, `--drop-D`, `--insecure-links`,
//! `--confine-root`).

use crate::host::sync::args::SyncArgs;

/// The first option set in `a` that a remote transfer refuses, with why.
pub fn refused(a: &SyncArgs, pull: bool) -> Option<String> {
    let m = &a.more;
    let owners = "wsync's protocol carries no owners or groups";
    let checks: &[(bool, &str, &str)] = &[
        (
            m.modify_window.is_some_and(|w| w < 0),
            "--modify-window below 0",
            "wsync's listings compare whole seconds",
        ),
        (
            m.fuzzy > 0,
            "-y/--fuzzy",
            "wsync's protocol picks no basis by name",
        ),
        (
            pull && m.remove_source_files,
            "--remove-source-files",
            "a pull's sources are the server's",
        ),
        (
            m.temp_dir.is_some(),
            "-T/--temp-dir",
            "the server keeps its own temporary files",
        ),
        (m.usermap.is_some(), "--usermap/--chown", owners),
        (m.groupmap.is_some(), "--groupmap/--chown", owners),
        (
            m.iconv.is_some(),
            "--iconv",
            "wsync's protocol sends names as UTF-8 text",
        ),
        (
            m.delete_missing_args,
            "--delete-missing-args",
            "not carried yet",
        ),
        (
            pull && m.ignore_missing_args,
            "--ignore-missing-args",
            "a pull's sources are the server's",
        ),
        (
            pull && m.one_file_system > 0,
            "-x/--one-file-system",
            "the server walks its own tree",
        ),
        (
            m.preallocate,
            "--preallocate",
            "the server writes its own files",
        ),
        (m.fsync, "--fsync", "the server writes its own files"),
        (
            m.open_noatime,
            "--open-noatime",
            "the server reads its own files",
        ),
        (
            m.omit_link_times,
            "-J/--omit-link-times",
            "wsync's protocol sets no symlink times",
        ),
        (
            m.atimes > 0,
            "-U/--atimes",
            "wsync's protocol carries modification times only",
        ),
        (
            m.fake_super,
            "--fake-super",
            "wsync's protocol carries no xattrs",
        ),
        (
            m.list_only,
            "--list-only with a destination",
            "list with the source alone: wsync sync HOST::MODULE/PATH",
        ),
        (
            m.write_batch.is_some(),
            "--write-batch/--only-write-batch",
            "batches are written from local transfers",
        ),
        (
            m.read_batch.is_some(),
            "--read-batch",
            "batches are read into local destinations",
        ),
        (
            m.copy_devices,
            "--copy-devices",
            "wsync's protocol carries regular files, directories and symlinks",
        ),
        (
            m.write_devices,
            "--write-devices",
            "wsync's protocol carries regular files, directories and symlinks",
        ),
        (
            m.munge_links,
            "--munge-links",
            "wsync serve keeps symlinks as they are sent",
        ),
        (
            m.copy_as.is_some(),
            "--copy-as",
            "wsync serve runs as its own user",
        ),
        (
            m.address.is_some(),
            "--address",
            "wsync's client does not bind its socket",
        ),
        (
            m.sockopts.is_some(),
            "--sockopts",
            "wsync's client sets no socket options",
        ),
        (
            !m.remote_options.is_empty(),
            "-M/--remote-option",
            "wsync serve takes no options from clients",
        ),
        (
            m.early_input.is_some(),
            "--early-input",
            "wsync serve runs no early exec",
        ),
        (
            m.stop_at.is_some(),
            "--stop-after/--stop-at",
            "not carried yet",
        ),
        (
            m.stderr == crate::host::sync::args::StderrMode::Client,
            "--stderr=client",
            "the server's messages come as wsync's refusals",
        ),
    ];
    checks
        .iter()
        .find(|c| c.0)
        .map(|c| format!("{} ({})", c.1, c.2))
}
