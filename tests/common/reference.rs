//! The rsync the suite compares with: whatever `scripts/setup.sh`
//! installed (Debian's current package; 3.5.0 when this was written).
//! Shared by `tests/common` and `tests/util`.

use std::sync::OnceLock;

/// The reference rsync's version, e.g. `rsync 3.5.0 (protocol 32)`,
/// read once per test binary and printed to stderr. A missing rsync is
/// a failure, not a skip.
pub fn rsync_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let out = std::process::Command::new("rsync")
            .arg("--version")
            .output();
        let out = match out {
            Ok(o) if o.status.success() => o,
            _ => panic!(
                "the real rsync is required for this test: run scripts/setup.sh (npm test does)"
            ),
        };
        // "rsync  version 3.5.0  protocol version 32"
        let first = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let words: Vec<&str> = first.split_whitespace().collect();
        let version = match words.as_slice() {
            ["rsync", "version", v, "protocol", "version", p, ..] => {
                format!("rsync {v} (protocol {p})")
            }
            _ => first.clone(),
        };
        eprintln!("reference: {version}");
        version
    })
}
