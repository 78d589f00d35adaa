//! Fuzzes rule parsing: the input is split into rules (one per line, the
//! first byte choosing the option kind), merge files served from the
//! input itself, then every path of the input is checked on both sides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsync::filter::{FilterArg, FilterOptions, Filters, ReadError, Side};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |&b| b == 0);
    let rules = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default().to_vec();
    let args: Vec<FilterArg> = rules
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, rest) = (l[0], l[1..].to_vec());
            match k % 8 {
                0 => FilterArg::Include(rest),
                1 => FilterArg::Exclude(rest),
                2 => FilterArg::IncludeFrom(rest),
                3 => FilterArg::ExcludeFrom(rest),
                4 => FilterArg::CvsExclude,
                5 => FilterArg::RsyncFilter,
                _ => FilterArg::Filter(rest),
            }
        })
        .collect();
    let mut reader = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        if p.len() % 3 == 0 {
            Err(ReadError::NotFound)
        } else {
            Ok(file.clone())
        }
    };
    let opts = FilterOptions {
        delete_excluded: data.len() % 2 == 0,
        strict: data.len() % 3 == 0,
        home: Some("/home".into()),
        cvsignore: Some("*.x !".into()),
    };
    if let Ok(f) = Filters::parse(&args, &opts, &mut reader) {
        for side in [Side::Sender, Side::Receiver] {
            let mut d = f.for_side(side, b"/r/s");
            for dir in [&b""[..], b"a", b"a/b", b"c"] {
                if d.push_dir(dir, &mut reader).is_err() {
                    break;
                }
                for p in rules.split(|&b| b == b'\n').take(8) {
                    let _ = d.check(p, p.len() % 2 == 0, p.len() % 5 == 0);
                }
            }
        }
    }
});
