//! Strong sums and the whole-file check, both SHA-256.

use sha2::{Digest, Sha256 as Inner};

/// Largest strong-sum length: a whole SHA-256 digest.
pub const MAX_STRONG_LEN: usize = 32;

/// Per-signature seed mixed into every strong sum, so that nobody can
/// prepare blocks that collide under a signature they have not seen.
pub type Seed = [u8; 16];

/// `SHA-256(seed || block)`; a signature keeps its first `strong_len` bytes.
#[inline]
pub fn strong_sum(seed: &Seed, block: &[u8]) -> [u8; 32] {
    let mut h = Inner::new();
    h.update(seed);
    h.update(block);
    h.finalize().into()
}

/// Incremental SHA-256, the whole-file check of a delta.
#[derive(Clone, Default)]
pub struct Sha256(Inner, bool);

impl Sha256 {
    /// A hasher that has seen no bytes yet.
    pub fn new() -> Self {
        Sha256(Inner::new(), false)
    }

    /// Hashes the next bytes (chunks of any size; the digest is that of
    /// their concatenation).
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
        self.1 = true;
    }

    /// The digest of everything passed to [`update`](Self::update).
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }

    /// SHA-256 of one slice.
    pub fn digest(data: &[u8]) -> [u8; 32] {
        Inner::digest(data).into()
    }
}

/// The whole-file check: SHA-256 of everything a delta produces. The core
/// computes it itself by default; a host may supply its own (for example
/// one hashing on another thread, or a platform's native SHA-256).
pub trait WholeHash {
    /// Hashes the next bytes of the file, in order.
    fn update(&mut self, data: &[u8]);

    /// The digest of everything passed to `update`.
    fn finish(&mut self) -> [u8; 32];
    /// Whether the delta encoder may hash the new file itself instead:
    /// when this says yes, the hasher gets no more bytes and no `finish`.
    /// The encoder asks once, when it is made, and only where its own
    /// hashing runs beside its block sums (x86-64 with SHA-NI). The core's
    /// [`Sha256`] says yes while it has hashed nothing; others, no.
    fn hand_over(&mut self) -> bool {
        false
    }
}

/// A boxed [`WholeHash`]: `Send` natively, so encoders can move between
/// threads; on wasm32 (one thread) it may hold JavaScript objects.
#[cfg(not(target_arch = "wasm32"))]
pub type WholeHasher = Box<dyn WholeHash + Send>;
/// A boxed [`WholeHash`] (wasm32: no `Send` bound, JavaScript objects allowed).
#[cfg(target_arch = "wasm32")]
pub type WholeHasher = Box<dyn WholeHash>;

impl WholeHash for Sha256 {
    fn update(&mut self, data: &[u8]) {
        Sha256::update(self, data)
    }
    fn finish(&mut self) -> [u8; 32] {
        std::mem::take(self).finish()
    }
    fn hand_over(&mut self) -> bool {
        !self.1
    }
}

/// Lower-case hex, for messages and the command line.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::test;

    #[test]
    fn sha256_known_answers() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Sha256::new();
        h.update(b"a");
        h.update(b"");
        h.update(b"bc");
        assert_eq!(h.finish(), Sha256::digest(b"abc"));
    }

    #[test]
    fn strong_sum_depends_on_the_seed() {
        let a = strong_sum(&[0; 16], b"block");
        let b = strong_sum(&[1; 16], b"block");
        assert_ne!(a, b);
        let mut both = [0u8; 21];
        both[16..].copy_from_slice(b"block");
        assert_eq!(a, Sha256::digest(&both));
    }
}
