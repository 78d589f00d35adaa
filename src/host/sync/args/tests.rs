use super::*;

fn parse(args: &[&str]) -> Result<SyncArgs, UsageError> {
    let v: Vec<OsString> = args.iter().map(OsString::from).collect();
    SyncArgs::parse(&v)
}

#[test]
fn rsync_style_options() {
    let a = parse(&[
        "-rnC",
        "-f- x",
        "-f",
        "+ y",
        "--exclude",
        "z",
        "--include=w",
        "-FF",
        "a/",
        "b/",
    ])
    .unwrap();
    assert!(a.recursive && a.dry_run);
    assert_eq!(
        a.filters,
        vec![
            FilterArg::CvsExclude,
            FilterArg::Filter(b"- x".to_vec()),
            FilterArg::Filter(b"+ y".to_vec()),
            FilterArg::Exclude(b"z".to_vec()),
            FilterArg::Include(b"w".to_vec()),
            FilterArg::RsyncFilter,
            FilterArg::RsyncFilter,
        ]
    );
    assert_eq!(a.paths.len(), 2);
    let a = parse(&["-r", "--no-r", "--no-recursive", "-n", "--out-format=%n"]).unwrap();
    assert!(!a.recursive);
    assert_eq!(a.out_format.as_deref(), Some("%n"));
    let d = |args: &[&str]| parse(args).unwrap().delete;
    assert_eq!(d(&["-r", "--delete"]), Some(DeleteWhen::During));
    assert_eq!(d(&["-r", "--delete-excluded"]), Some(DeleteWhen::During));
    assert_eq!(
        d(&["-r", "--delete", "--delete-after"]),
        Some(DeleteWhen::After)
    );
    assert_eq!(d(&["-r", "--del", "--no-delete"]), None);
    assert_eq!(
        parse(&["--", "-x"]).unwrap().paths,
        vec![OsString::from("-x")]
    );
    let a = parse(&["-avzhP", "--no-o", "--no-D", "-B1024", "--max-size=1.5K"]).unwrap();
    assert!(a.recursive && a.links && a.perms && a.times && a.group);
    assert!(!a.owner && !a.devices && !a.specials);
    assert!(a.compress && a.partial && a.progress);
    assert_eq!((a.verbose, a.human), (1, 1));
    assert_eq!(a.block_size, Some(1024));
    assert_eq!(a.max_size, Some(1536));
    assert!(parse(&["-h"]).unwrap().help);
    assert_eq!(parse(&["--bwlimit=100"]).unwrap().bwlimit, Some(102400));
    assert!(parse(&["--append"]).unwrap().inplace);
    let a = parse(&["-rAXX"]).unwrap();
    assert!(a.acls && a.perms && a.xattrs == 2);
    // rsync: -A turns -p on where it stands; a later --no-p wins.
    let a = parse(&["-rK", "--timeout=30", "--chmod=Dg+s", "--chmod", "F600"]).unwrap();
    assert!(a.keep_dirlinks && a.timeout == Some(30));
    let c = a.chmod.unwrap();
    assert_eq!(
        (c.apply(0o755, true), c.apply(0o644, false)),
        (0o2755, 0o600)
    );
    let a = parse(&["-rA", "--no-p", "--no-X"]).unwrap();
    assert!(a.acls && !a.perms && a.xattrs == 0);
}

#[test]
fn usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["--bogus"], "--bogus: unknown option"),
        (&["-rQ"], "-Q: unknown option"),
        (&["--daemon"], "--daemon: a daemon-mode option"),
        (&["-N"], "does not support --crtimes (-N)"),
        (&["-Mfoo"], "Remote option must start with a dash: foo"),
        (&["--outbuf=X"], "Invalid --outbuf setting"),
        (&["--max-alloc=1"], "is too small"),
        (&["--stop-at=bad"], "invalid --stop-at format: bad"),
        (&["--stop-after=0"], "invalid --stop-after value: 0"),
        (&["--stderr=bad"], "is not one of errors, all, or client"),
        (&["--debug=bogus"], "Unknown --debug item: \"bogus\""),
        (
            &["--usermap=a:b", "--chown=c"],
            "--chown conflicts with prior --usermap.",
        ),
        (
            &["--chown=c", "--chown=d"],
            "You can only specify a user-affecting --chown once.",
        ),
        (
            &["--groupmap=a:b", "--groupmap=c:d"],
            "You can only specify --groupmap once.",
        ),
        (&["-@x"], "invalid numeric value"),
        (
            &["--chmod=bogus"],
            "Invalid argument passed to --chmod (bogus)",
        ),
        (&["--timeout=soon"], "--timeout=soon: invalid number"),
        (
            &["-r", "--delete-before", "--delete-after"],
            "You may not combine multiple --delete-WHEN options.",
        ),
        (&["--delete", "a", "b"], "--delete does not work without"),
        (&["--exclude"], "--exclude: missing argument"),
        (&["-f"], "-f: missing argument"),
        (&["--recursive=1"], "does not take an argument"),
        (&["--link-dest=a", "--copy-dest=b"], "You may not mix"),
        (&["--inplace", "--delay-updates"], "cannot be combined"),
        (&["--max-size=lots"], "--max-size=lots is invalid"),
        (&["--info=bogus"], "Unknown --info item: \"bogus\""),
    ];
    for (args, want) in cases {
        match parse(args) {
            Err(UsageError(m)) => assert!(m.contains(want), "{args:?}: {m}"),
            Ok(_) => panic!("{args:?} parsed"),
        }
    }
}

#[test]
fn what_only_linux_does_is_refused_elsewhere_as_rsync_without_it_refuses() {
    for (opt, why) in [
        ("-X", "extended attributes are not supported on this client"),
        ("-A", "ACLs are not supported on this client"),
        (
            "--fake-super",
            "--fake-super requires a wsync with extended attributes enabled",
        ),
        (
            "--preallocate",
            "preallocation is not supported on this Client",
        ),
    ] {
        let a = parse(&[opt, "a", "b"]).unwrap();
        assert_eq!(a.unsupported_here(true), None, "{opt}");
        assert_eq!(a.unsupported_here(false), Some(why), "{opt}");
    }
    let plain = parse(&["-a", "--open-noatime", "a", "b"]).unwrap();
    assert_eq!(plain.unsupported_here(false), None);
}

#[test]
fn format_has_as_rsync() {
    assert!(format_has("%i %n", b'i'));
    assert!(!format_has("%%i", b'i'));
    assert!(format_has("%%%i", b'i'));
    assert!(format_has("%'-12'b", b'b'));
    // rsync reads a quote before the '-' or after the digits only.
    assert!(!format_has("%-'12b", b'b'));
    assert!(!format_has("%", b'i'));
}
