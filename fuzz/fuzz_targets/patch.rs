//! Arbitrary bytes as a delta (wsync or rdiff format) against a small basis:
//! an error or an output within the limit, in any chunking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsync::{rdiff, PatchOptions, Patcher};

const LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let basis: Vec<u8> = (0..4096u32).map(|i| (i * 7 + i / 13) as u8).collect();
    let opts = PatchOptions { max_output: LIMIT };
    // Half the inputs are steered into the rdiff format by their first byte.
    let mut delta = Vec::new();
    if data.first().is_some_and(|&b| b & 1 == 1) {
        delta.extend_from_slice(&rdiff::MAGIC);
        delta.extend_from_slice(&data[1..]);
    } else {
        delta.extend_from_slice(data);
    }
    let whole = wsync::apply(&basis, &delta, opts);
    let mut p = Patcher::new(&basis[..], Vec::new(), opts);
    let mut ok = true;
    for piece in delta.chunks(7) {
        if p.update(piece).is_err() {
            ok = false;
            break;
        }
    }
    let chunked = if ok { p.finish().ok() } else { None };
    match whole {
        Ok((out, _)) => {
            assert!(out.len() as u64 <= LIMIT);
            assert_eq!(Some(out), chunked.map(|(o, _)| o));
        }
        Err(_) => assert!(chunked.is_none()),
    }
});
