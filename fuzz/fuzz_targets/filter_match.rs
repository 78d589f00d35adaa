//! Fuzzes rsync's wildmatch and rule matching: pattern and text from the
//! input, matched directly and as an exclude rule on a few paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsync::filter::{wildmatch, FilterArg, FilterOptions, Filters, ReadError, Side};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |&b| b == 0);
    let pattern = parts.next().unwrap_or_default();
    let text = parts.next().unwrap_or_default();
    let _ = wildmatch::wildmatch(pattern, text);
    for w in [-1, 0, 1, 2] {
        let _ = wildmatch::wildmatch_at(pattern, text, w);
    }
    let _ = wildmatch::pattern_flaw(pattern);
    let mut none = |_: &[u8]| -> Result<Vec<u8>, ReadError> { Err(ReadError::NotFound) };
    let mut rule = b"- ".to_vec();
    rule.extend_from_slice(pattern);
    if let Ok(f) = Filters::parse(
        &[FilterArg::Filter(rule)],
        &FilterOptions::default(),
        &mut none,
    ) {
        let mut d = f.for_side(Side::Sender, b"/x");
        if d.push_dir(b"", &mut none).is_ok() {
            let _ = d.check(text, true, false);
            let _ = d.check(text, false, true);
        }
    }
});
