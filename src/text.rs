//! Error messages put together from text pieces and numbers without
//! `core::fmt`: its argument tables and formatting calls, one set per
//! message, weighed about 2 KB in the gzipped wasm. The errors of the core
//! implement [`Describe`] once, and their `Display` (native) and the JS
//! error messages (wasm) both come from it, so the texts are the same.

use std::fmt;

/// A message being written.
#[derive(Default)]
pub struct Text(String);

impl Text {
    /// Appends a piece of text.
    pub fn s(&mut self, piece: &str) -> &mut Self {
        self.0.push_str(piece);
        self
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends a character.
    pub fn ch(&mut self, c: char) -> &mut Self {
        self.0.push(c);
        self
    }

    /// Appends a number in decimal (`{}`).
    #[inline]
    pub fn n(&mut self, v: impl Into<u64>) -> &mut Self {
        self.num(v.into())
    }

    fn num(&mut self, mut v: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        for d in digits.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            start -= 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for &d in &digits[start..] {
            self.0.push(char::from(d));
        }
        self
    }

    /// Appends a `usize` in decimal.
    pub fn size(&mut self, v: usize) -> &mut Self {
        self.num(v as u64)
    }

    /// Appends a byte as two lowercase hex digits (`{:02x}`).
    pub fn hex(&mut self, b: u8) -> &mut Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        self.0.push(char::from(DIGITS[usize::from(b >> 4)]));
        self.0.push(char::from(DIGITS[usize::from(b & 15)]));
        self
    }

    /// Appends bytes as hex digits, two a byte.
    pub fn hex_all(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.hex(b);
        }
        self
    }

    /// Appends bytes as `{:02x?}` prints them: `[00, 7f, ab]`.
    pub fn hex_list(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.push('[');
        for (i, &b) in bytes.iter().enumerate() {
            if i > 0 {
                self.0.push_str(", ");
            }
            self.hex(b);
        }
        self.0.push(']');
        self
    }

    /// Appends a value through its `Display`: for foreign types only.
    pub fn display(&mut self, v: &dyn fmt::Display) -> &mut Self {
        use fmt::Write;
        let _ = write!(self.0, "{v}");
        self
    }

    /// Appends an I/O error as its `Display` prints it. In wasm, where the
    /// only I/O errors are the core's own (a read past an in-memory basis)
    /// and the bindings' (which carry their own message), only an error's
    /// inner error is printed: std's texts for OS errors and error kinds
    /// would add 1 KB to the wasm and cannot occur there.
    pub fn io(&mut self, e: &std::io::Error) -> &mut Self {
        #[cfg(target_arch = "wasm32")]
        match e.get_ref() {
            Some(inner) => self.display(inner),
            None => self.s("I/O error"),
        }
        #[cfg(not(target_arch = "wasm32"))]
        self.display(e)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

/// A value that writes its message into a [`Text`].
pub trait Describe {
    fn describe(&self, t: &mut Text);

    /// The message.
    fn text(&self) -> String {
        let mut t = Text::default();
        self.describe(&mut t);
        t.0
    }
}

/// `Display` through [`Describe`].
macro_rules! display_by_describe {
    ($($ty:ty),*) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::text::Describe::text(self))
            }
        }
    )*};
}
pub(crate) use display_by_describe;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_hex_as_core_fmt_prints_them() {
        let digest = crate::Sha256::digest(b"abc");
        assert_eq!(Text::default().hex_all(&digest).0, crate::hex(&digest));
        for v in [0u64, 7, 10, 99, 100, 4096, 1 << 32, u64::MAX] {
            assert_eq!(Text::default().n(v).0, v.to_string());
        }
        let bytes = [0u8, 0x7f, 0xab, 0xff, 9];
        assert_eq!(Text::default().hex_list(&bytes).0, format!("{bytes:02x?}"));
        assert_eq!(Text::default().hex_list(&[]).0, "[]");
        assert_eq!(Text::default().hex(0x0c).0, format!("{:02x}", 0x0c));
    }

    /// The signature's, the delta's and the framing's messages, as their
    /// `#[error(..)]` attributes printed them before (`Display` and the JS
    /// errors both come from `Describe` now).
    #[test]
    fn signature_delta_and_frame_errors_read_as_before() {
        use crate::protocol::frame::FrameError;
        use crate::{DeltaError, SignatureError};
        fn check(e: impl Describe + std::fmt::Display, want: &str) {
            assert_eq!(e.text(), want);
            assert_eq!(e.to_string(), want);
        }
        let max = 1 << 20;
        check(
            SignatureError::BlockLen { found: 0, max },
            "block length 0 is out of range (1 to 1048576)",
        );
        check(
            SignatureError::StrongLen { found: 33 },
            "strong-sum length 33 is out of range (1 to 32)",
        );
        check(
            SignatureError::BadMagic {
                found: [0x72, 0x73, 0x01, 0xfe],
            },
            "not a wsync signature (magic [72, 73, 01, fe])",
        );
        check(
            SignatureError::UnsupportedVersion { found: 200 },
            "signature version 200 is not supported (this build reads 1)",
        );
        check(
            SignatureError::TooManyBlocks {
                claimed: u64::MAX,
                max: 1 << 24,
            },
            "signature claims 18446744073709551615 blocks, more than the limit of 16777216",
        );
        check(
            SignatureError::Truncated {
                expected: 4096,
                found: 12,
            },
            "signature truncated: 4096 bytes expected, 12 present",
        );
        check(
            SignatureError::TrailingBytes { extra: 3 },
            "signature has 3 trailing bytes after its last block",
        );
        check(
            SignatureError::Random("no entropy".into()),
            "no random seed available: no entropy",
        );
        check(
            DeltaError::CompressLevel { found: 10 },
            "compression level 10 is out of range (0 to 9)",
        );
        check(
            FrameError::TooLarge {
                len: 70_000,
                max: 65_536,
            },
            "record of 70000 bytes exceeds the limit of 65536",
        );
        check(FrameError::Empty, "empty record");
        check(FrameError::Truncated, "stream ended inside a record");
    }
}
