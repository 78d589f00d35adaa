//! The usage text of `wsync sync`.

/// The usage text of `wsync sync`.
pub const USAGE: &str = "\
Usage: wsync sync [OPTIONS] SRC... DEST
  or   wsync sync [OPTIONS] SRC... [USER@]HOST::MODULE/DEST    (push)
  or   wsync sync [OPTIONS] [USER@]HOST::MODULE/SRC... DEST    (pull)
  or   wsync sync [OPTIONS] HOST::                             (list modules)
  (also wsync://HOST[:PORT]/MODULE/PATH, ws[s]://HOST[:PORT]/MODULE/PATH,
   and [USER@]HOST:PATH through a remote shell running wsync serve --stdio)

Transfers as rsync does them, with rsync's options, output and exit
codes (SRC/ copies the directory's contents, SRC the directory itself).

Options (as rsync's):
 -v, --verbose               increase verbosity
 -q, --quiet                 suppress non-error messages
 -i, --itemize-changes       output a change-summary for all updates
     --out-format=FORMAT     output updates using the specified FORMAT
     --log-file=FILE         log what we're doing to the specified FILE
     --log-file-format=FMT   log updates using the specified FMT
     --stats                 give some file-transfer stats
 -h, --human-readable        output numbers in a human-readable format
     --progress, -P          show progress during transfer (-P: +--partial)
     --info=progress2        show the whole transfer's progress
 -a, --archive               archive mode (-rlptgoD)
 -r, --recursive             recurse into directories
 -d, --dirs                  transfer directories without recursing
 -R, --relative              use relative path names
     --files-from=FILE       read list of source-file names from FILE (-0)
     --mkpath                create destination's missing path components
 -l, --links                 copy symlinks as symlinks
 -L, --copy-links            transform symlink into referent file/dir
     --copy-unsafe-links     only unsafe symlinks are transformed
     --safe-links            ignore symlinks that point outside the tree
 -k, --copy-dirlinks         transform symlink to dir into referent dir
 -K, --keep-dirlinks         treat symlinked dir on receiver as dir
 -H, --hard-links            preserve hard links
 -A, --acls                  preserve ACLs (implies --perms)
 -X, --xattrs                preserve extended attributes
 -p, --perms                 preserve permissions (-E: executability)
     --chmod=CHMOD           affect file and/or directory permissions
 -o, --owner                 preserve owner (super-user only)
 -g, --group                 preserve group
 -t, --times                 preserve modification times (-O: not dirs')
 -D                          same as --devices --specials
     --numeric-ids           don't map uid/gid values by user/group name
 -S, --sparse                turn sequences of nulls into sparse blocks
 -n, --dry-run               perform a trial run with no changes made
 -u, --update                skip files that are newer on the receiver
 -c, --checksum              skip based on checksum, not mod-time & size
     --size-only             skip files that match in size
 -I, --ignore-times          don't skip files that match size and time
     --existing              skip creating new files on receiver
     --ignore-existing       skip updating files that exist on receiver
     --max-size=SIZE, --min-size=SIZE   don't transfer larger/smaller files
 -W, --whole-file            copy files whole (the local default)
     --no-whole-file         delta-transfer against the destination file
 -B, --block-size=SIZE       force a fixed checksum block-size
     --inplace               update destination files in-place
     --append, --append-verify   append data onto shorter files
     --partial, --partial-dir=DIR   keep partially transferred files
     --delay-updates         put all updated files into place at end
 -b, --backup, --backup-dir=DIR, --suffix=SUFFIX   make backups
     --link-dest=DIR, --compare-dest=DIR, --copy-dest=DIR
     --delete, --del, --delete-before/-during/-delay/-after
     --delete-excluded, --ignore-errors, --force, --max-delete=NUM
 -m, --prune-empty-dirs      prune empty directory chains from file-list
 -z, --compress, --compress-level=N, --skip-compress=LIST (local: no effect)
     --bwlimit=RATE          limit I/O bandwidth; KiB per second
 -f, --filter=RULE, -F, --exclude, --exclude-from, --include, --include-from
 -C, --cvs-exclude           auto-ignore files in the same way CVS does
     --no-OPTION             turn off an implied OPTION (e.g. --no-D)
     --help                  show this help (-h alone too)

Remote transfers:
 -e, --rsh=COMMAND           remote shell for HOST:PATH (default $RSYNC_RSH, ssh)
     --rsync-path=PROGRAM    the wsync program on the remote machine
     --port=PORT             the daemon's port for HOST:: (default 8080)
     --password-file=FILE    password for USER@HOST:: (or $WSYNC_PASSWORD)
     --timeout=SECONDS       I/O timeout (exit 30); --contimeout=SECONDS (35)
 With a remote side, -H, -S, -R, -b, --inplace, --append, --partial-dir,
 --delay-updates, --link-dest and friends, --files-from, -m, -B, -k and
 --log-file are refused; a bearer token comes from $WSYNC_TOKEN.

Not supported yet (refused): -x, --fuzzy, --temp-dir, --remove-source-files.
";
