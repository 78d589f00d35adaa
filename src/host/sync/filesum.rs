//! The whole-file checksums `--out-format=%C` shows, of the kind
//! `--checksum-choice` picks (xxh128 by default), written as rsync's
//! `sum_as_hex` writes them: the MD and SHA digests byte by byte, the
//! xxhash ones as the number they are (most significant byte first),
//! "none" as blanks.

use std::io::Read;
use std::path::Path;

/// A checksum rsync can show (its CSUM_* of a local transfer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumKind {
    Xxh128,
    Xxh3,
    Xxh64,
    Md5,
    Md4,
    Sha1,
    None,
}

impl SumKind {
    /// The kind a `--checksum-choice` name stands for; "auto" (and no
    /// choice) is what a local rsync negotiates: xxh128.
    pub fn named(name: Option<&str>) -> SumKind {
        match name.map(str::to_ascii_lowercase).as_deref() {
            Some("xxh3") => SumKind::Xxh3,
            Some("xxh64" | "xxhash") => SumKind::Xxh64,
            Some("md5") => SumKind::Md5,
            Some("md4") => SumKind::Md4,
            Some("sha1") => SumKind::Sha1,
            Some("none") => SumKind::None,
            _ => SumKind::Xxh128,
        }
    }

    /// The kind `%C` shows: with `-c` the file-list checksum (the second
    /// name of `--checksum-choice=XFER,FILE`, else the one name), else
    /// the transfer checksum (the first).
    pub fn for_log(choice: Option<&str>, always_checksum: bool) -> SumKind {
        let name = choice.map(|c| match c.split_once(',') {
            Some((xfer, file)) => {
                if always_checksum {
                    file
                } else {
                    xfer
                }
            }
            None => c,
        });
        SumKind::named(name)
    }

    /// The digest's length in bytes (rsync's `csum_len_for_type`).
    pub fn len(self) -> usize {
        match self {
            SumKind::Xxh128 | SumKind::Md5 | SumKind::Md4 => 16,
            SumKind::Xxh3 | SumKind::Xxh64 => 8,
            SumKind::Sha1 => 20,
            SumKind::None => 1,
        }
    }

    /// What `%C` shows where there is no checksum: blanks as wide as one.
    pub fn blank(self) -> String {
        " ".repeat(self.len() * 2)
    }

    /// What `%C` shows for `digest` (bytes in display order; None for
    /// zeros, rsync's sum of a dry run's file, which sent no data).
    pub fn shown(self, digest: Option<&[u8]>) -> String {
        if self == SumKind::None {
            return self.blank();
        }
        match digest {
            Some(d) => d.iter().map(|b| format!("{b:02x}")).collect(),
            None => "0".repeat(self.len() * 2),
        }
    }

    /// The checksum of the file at `path`, in display order (None: it
    /// could not be read).
    pub fn of_file(self, path: &Path) -> Option<Vec<u8>> {
        let mut f = std::fs::File::open(path).ok()?;
        let mut h = Hasher::new(self);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => h.update(&buf[..n]),
                Err(_) => return None,
            }
        }
        Some(h.finish())
    }
}

/// A running checksum of one kind.
enum Hasher {
    Xxh3(Box<xxhash_rust::xxh3::Xxh3>, bool),
    Xxh64(xxhash_rust::xxh64::Xxh64),
    Md5(md5::Md5),
    Md4(md4::Md4),
    Sha1(sha1::Sha1),
    None,
}

impl Hasher {
    fn new(kind: SumKind) -> Hasher {
        use md4::Digest;
        match kind {
            SumKind::Xxh128 => Hasher::Xxh3(Box::default(), true),
            SumKind::Xxh3 => Hasher::Xxh3(Box::default(), false),
            SumKind::Xxh64 => Hasher::Xxh64(xxhash_rust::xxh64::Xxh64::new(0)),
            SumKind::Md5 => Hasher::Md5(md5::Md5::new()),
            SumKind::Md4 => Hasher::Md4(md4::Md4::new()),
            SumKind::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            SumKind::None => Hasher::None,
        }
    }

    fn update(&mut self, data: &[u8]) {
        use md4::Digest;
        match self {
            Hasher::Xxh3(h, _) => h.update(data),
            Hasher::Xxh64(h) => h.update(data),
            Hasher::Md5(h) => h.update(data),
            Hasher::Md4(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::None => {}
        }
    }

    fn finish(self) -> Vec<u8> {
        use md4::Digest;
        match self {
            Hasher::Xxh3(h, true) => h.digest128().to_be_bytes().to_vec(),
            Hasher::Xxh3(h, false) => h.digest().to_be_bytes().to_vec(),
            Hasher::Xxh64(h) => h.digest().to_be_bytes().to_vec(),
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Md4(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::None => vec![0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SumKind;

    fn hex(kind: SumKind, data: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, data).unwrap();
        kind.shown(kind.of_file(&p).as_deref())
    }

    #[test]
    fn known_digests() {
        // RFC 1320 and RFC 1321 test vectors, FIPS 180's "abc".
        assert_eq!(
            hex(SumKind::Md4, b"abc"),
            "a448017aaf21d8525fc10ae87aa6729d"
        );
        assert_eq!(
            hex(SumKind::Md5, b"abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hex(SumKind::Sha1, b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        // XXH64 of "" with seed 0, as a number.
        assert_eq!(hex(SumKind::Xxh64, b""), "ef46db3751d8e999");
        assert_eq!(hex(SumKind::None, b"abc"), "  ");
    }

    #[test]
    fn choice_names() {
        assert_eq!(SumKind::for_log(None, false), SumKind::Xxh128);
        assert_eq!(SumKind::for_log(Some("auto"), true), SumKind::Xxh128);
        assert_eq!(SumKind::for_log(Some("md4"), false), SumKind::Md4);
        assert_eq!(SumKind::for_log(Some("md5,xxh64"), false), SumKind::Md5);
        assert_eq!(SumKind::for_log(Some("md5,xxh64"), true), SumKind::Xxh64);
        assert_eq!(SumKind::Md4.blank().len(), 32);
        assert_eq!(SumKind::Xxh3.shown(None), "0".repeat(16));
    }
}
