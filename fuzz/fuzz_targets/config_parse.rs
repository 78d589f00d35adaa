//! Arbitrary text as `wsync serve --config`'s rsyncd.conf: a
//! configuration or an error naming where, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = wsync::host::fuzzing::parse_config(text) {
            // It names the file (and line) or the module.
            assert!(e.starts_with("fuzz.conf") || e.starts_with("module ["), "{e}");
        }
    }
});
