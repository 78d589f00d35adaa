//! The filter engine alone: checks a million synthetic paths (1,000
//! directories of 1,000 files, as bench/make_tree.py lays them out)
//! against the rules of an --exclude-from style file, and prints paths per
//! second. Usage: filter_bench RULES_FILE [DIRS FILES]

use std::time::Instant;
use wsync::filter::{FilterArg, FilterOptions, Filters, ReadError, Side};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rules = args
        .get(1)
        .expect("usage: filter_bench RULES_FILE [DIRS FILES]");
    let dirs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let files: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut read = |p: &[u8]| -> Result<Vec<u8>, ReadError> {
        std::fs::read(String::from_utf8_lossy(p).as_ref()).map_err(|_| ReadError::NotFound)
    };
    let parse_start = Instant::now();
    let filters = Filters::parse(
        &[FilterArg::Filter(format!("merge {rules}").into_bytes())],
        &FilterOptions::default(),
        &mut read,
    )
    .expect("rules");
    let parse_time = parse_start.elapsed();
    let mut f = filters.for_side(Side::Sender, b"/tmp/wsync-bench/src");
    let exts = [".c", ".h", ".o", ".txt", ".log", ".tmp", ".rs", ".md"];
    let start = Instant::now();
    let mut checked = 0u64;
    let mut excluded = 0u64;
    let mut path = Vec::with_capacity(64);
    f.push_dir(b"", &mut read).unwrap();
    for d in 0..dirs {
        let top = format!("d{:03}", d / 100);
        let sub = format!("{top}/sub{d:04}");
        if d % 100 == 0 {
            f.push_dir(top.as_bytes(), &mut read).unwrap();
            checked += 1;
            excluded += f.is_excluded(top.as_bytes(), true) as u64;
        }
        f.push_dir(sub.as_bytes(), &mut read).unwrap();
        checked += 1;
        excluded += f.is_excluded(sub.as_bytes(), true) as u64;
        for i in 0..files {
            path.clear();
            path.extend_from_slice(sub.as_bytes());
            path.extend_from_slice(format!("/file{i:04}{}", exts[i % exts.len()]).as_bytes());
            checked += 1;
            excluded += f.is_excluded(&path, false) as u64;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "filter engine: {checked} paths against {} rules in {secs:.2} s: {:.0} paths/s ({excluded} excluded; parse {:.1} ms)",
        std::fs::read_to_string(rules).map(|s| s.lines().count()).unwrap_or(0),
        checked as f64 / secs,
        parse_time.as_secs_f64() * 1e3
    );
}
