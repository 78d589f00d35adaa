//! Signatures: the weak and strong sum of every block of a basis file.
//!
//! Format (all integers big-endian; see `docs/FORMAT.md`):
//!
//! ```text
//! magic "wsyS" | version 1 | block_len u32 | strong_len u8 | seed [16] | basis_len u64
//! then ceil(basis_len / block_len) entries: weak u32 | strong [strong_len]
//! ```

use crate::hash::{strong_sum, Seed, MAX_STRONG_LEN};
use crate::rolling::weak_sum;
use crate::sha4::strong_sums4;
use crate::text::{display_by_describe, Describe, Text};

/// First bytes of an encoded signature.
pub const MAGIC: [u8; 4] = *b"wsyS";
/// The format version this crate writes and reads.
pub const VERSION: u8 = 1;
/// Encoded header length.
pub const HEADER_LEN: usize = 4 + 1 + 4 + 1 + 16 + 8;
/// Largest block length accepted (1 MiB).
pub const MAX_BLOCK_LEN: u32 = 1 << 20;
/// rsync's smallest default block length (`BLOCK_SIZE`).
const RSYNC_BLOCK_SIZE: u64 = 700;
/// rsync's largest default block length (`MAX_BLOCK_SIZE`, protocol >= 30).
const RSYNC_MAX_BLOCK_SIZE: u64 = 1 << 17;
/// Defaults when the basis length is not known in advance.
const UNKNOWN_LEN_BLOCK: u32 = 2048;
const UNKNOWN_LEN_STRONG: u8 = 8;

/// Errors from building or decoding a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// A block length of 0 or over [`MAX_BLOCK_LEN`], in the options or in
    /// a signature's header.
    BlockLen {
        /// The block length asked for or found, in bytes.
        found: u64,
        /// The largest accepted ([`MAX_BLOCK_LEN`]).
        max: u32,
    },
    /// A strong-sum length of 0 or over 32 bytes, in the options or in a
    /// signature's header.
    StrongLen {
        /// The strong-sum length asked for or found, in bytes.
        found: u64,
    },
    /// The bytes do not start with `wsyS`: not a wsync signature (a delta,
    /// or a librsync signature, which wsync does not read).
    BadMagic {
        /// The first 4 bytes.
        found: [u8; 4],
    },
    /// A signature of a format version this build does not read.
    UnsupportedVersion {
        /// The version byte after the magic (this build reads 1).
        found: u8,
    },
    /// The header describes more blocks than [`SignatureLimits::max_blocks`]
    /// allows; refused before anything is allocated for them.
    TooManyBlocks {
        /// The block count the header implies (`basis_len / block_len`,
        /// rounded up).
        claimed: u64,
        /// The limit in force.
        max: u64,
    },
    /// [`SignatureDecoder::finish`] came before the whole signature arrived.
    Truncated {
        /// The signature's length as its header implies (the header's
        /// length while it is incomplete), in bytes.
        expected: u64,
        /// The bytes received.
        found: u64,
    },
    /// More bytes than the header implies.
    TrailingBytes {
        /// Bytes beyond the last block, as far as received.
        extra: u64,
    },
    /// No seed was given and the operating system (or, in a browser,
    /// `crypto.getRandomValues`) gave no random bytes; the text is its error.
    Random(String),
}

impl Describe for SignatureError {
    fn describe(&self, t: &mut Text) {
        use SignatureError::*;
        match self {
            BlockLen { found, max } => t
                .s("block length ")
                .n(*found)
                .s(" is out of range (1 to ")
                .n(*max)
                .s(")"),
            StrongLen { found } => t
                .s("strong-sum length ")
                .n(*found)
                .s(" is out of range (1 to 32)"),
            BadMagic { found } => t.s("not a wsync signature (magic ").hex_list(found).s(")"),
            UnsupportedVersion { found } => t
                .s("signature version ")
                .n(*found)
                .s(" is not supported (this build reads ")
                .n(crate::signature_format::VERSION)
                .s(")"),
            TooManyBlocks { claimed, max } => t
                .s("signature claims ")
                .n(*claimed)
                .s(" blocks, more than the limit of ")
                .n(*max),
            Truncated { expected, found } => t
                .s("signature truncated: ")
                .n(*expected)
                .s(" bytes expected, ")
                .n(*found)
                .s(" present"),
            TrailingBytes { extra } => t
                .s("signature has ")
                .n(*extra)
                .s(" trailing bytes after its last block"),
            Random(why) => t.s("no random seed available: ").s(why),
        };
    }
}

display_by_describe!(SignatureError);
impl std::error::Error for SignatureError {}

/// How to build a signature. Every field has a default; see [`default_block_len`]
/// and [`default_strong_len`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignatureOptions {
    /// Block length in bytes (1 to [`MAX_BLOCK_LEN`]).
    pub block_len: Option<u32>,
    /// Bytes of each block's SHA-256 to keep (1 to 32).
    pub strong_len: Option<u8>,
    /// Seed for the strong sums; random (from `getrandom`) when `None`.
    pub seed: Option<Seed>,
    /// Length of the basis, if known: it picks the default block and strong lengths.
    pub len_hint: Option<u64>,
}

/// rsync's block length rule (`sum_sizes_sqroot` in generator.c): 700 bytes
/// for files under 700*700 bytes, otherwise the square root of the length
/// rounded down to a multiple of 8, at most 128 KiB.
pub fn default_block_len(len: u64) -> u32 {
    if len < RSYNC_BLOCK_SIZE * RSYNC_BLOCK_SIZE {
        return RSYNC_BLOCK_SIZE as u32;
    }
    let root = len.isqrt();
    (root & !7).clamp(RSYNC_BLOCK_SIZE, RSYNC_MAX_BLOCK_SIZE) as u32
}

/// Strong-sum length so that a false block match is negligible: rsync's rule
/// (`sum_sizes_sqroot`) counts `2*log2(len) - log2(block_len)` bits of risk
/// (positions times blocks) and adds a bias; wsync adds 24 bits on top of
/// the 32 of the weak sum, i.e. about one false match in 2^24 deltas of that
/// size, and keeps at least 4 and at most 32 bytes. A false match is still
/// caught by the whole-file SHA-256 at the end of every delta.
pub fn default_strong_len(len: u64, block_len: u32) -> u8 {
    let log2 = |x: u64| 63 - x.max(1).leading_zeros() as i64;
    let bits = 2 * log2(len) - log2(block_len.into()) + 24 - 32;
    let bytes = (bits + 7).div_euclid(8);
    bytes.clamp(4, MAX_STRONG_LEN as i64) as u8
}

/// rsync's own strong-sum length (`sum_sizes_sqroot`, BLOCKSUM_BIAS 10):
/// `ceil((2*log2(len) - log2(block_len) + 10 - 32 + 1) / 8)` bytes, 2 to 16.
/// Shorter than [`default_strong_len`]: false matches are rare but
/// possible, so use it only where a failed whole-file check leads to a
/// retry with longer sums (the sync protocol does that).
pub fn rsync_strong_len(len: u64, block_len: u32) -> u8 {
    let log2 = |x: u64| 63 - x.max(1).leading_zeros() as i64;
    let bits = 2 * log2(len) - log2(block_len.into()) + 10 - 32 + 1;
    (bits + 7).div_euclid(8).clamp(2, 16) as u8
}

/// The weak and strong sums of every block of one basis.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    block_len: u32,
    strong_len: u8,
    seed: Seed,
    basis_len: u64,
    weak: Vec<u32>,
    strong: Vec<u8>,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("block_len", &self.block_len)
            .field("strong_len", &self.strong_len)
            .field("basis_len", &self.basis_len)
            .field("blocks", &self.weak.len())
            .finish_non_exhaustive()
    }
}

impl Signature {
    /// Signature of a whole basis in memory.
    pub fn of(basis: &[u8], mut opts: SignatureOptions) -> Result<Signature, SignatureError> {
        opts.len_hint.get_or_insert(basis.len() as u64);
        let mut b = SignatureBuilder::new(opts)?;
        b.update(basis);
        Ok(b.finish())
    }

    /// Block length in bytes: every block but the last has this length.
    pub fn block_len(&self) -> u32 {
        self.block_len
    }
    /// Bytes kept of each block's strong sum (1 to 32).
    pub fn strong_len(&self) -> u8 {
        self.strong_len
    }
    /// The seed the strong sums were computed with; a delta encoder
    /// computes its own with the same one.
    pub fn seed(&self) -> &Seed {
        &self.seed
    }
    /// Length of the basis this signature describes.
    pub fn basis_len(&self) -> u64 {
        self.basis_len
    }
    /// Number of blocks (the last one may be short).
    pub fn block_count(&self) -> usize {
        self.weak.len()
    }
    /// The weak sum (Adler-32) of block `i`.
    ///
    /// # Panics
    ///
    /// When `i` is not below [`block_count`](Self::block_count).
    pub fn weak(&self, i: usize) -> u32 {
        self.weak[i]
    }
    /// The strong sum of block `i`: the first [`strong_len`](Self::strong_len)
    /// bytes of `SHA-256(seed || block)`.
    ///
    /// # Panics
    ///
    /// When `i` is not below [`block_count`](Self::block_count).
    pub fn strong(&self, i: usize) -> &[u8] {
        let s = self.strong_len as usize;
        &self.strong[i * s..(i + 1) * s]
    }
    /// Length of block `i` (block_len, or less for the last block).
    pub fn block_size(&self, i: usize) -> u32 {
        let start = i as u64 * u64::from(self.block_len);
        (self.basis_len - start).min(u64::from(self.block_len)) as u32
    }

    /// Encoded length in bytes.
    pub fn encoded_len(&self) -> u64 {
        HEADER_LEN as u64 + self.weak.len() as u64 * (4 + u64::from(self.strong_len))
    }

    /// Appends the encoded signature to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len() as usize);
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.block_len.to_be_bytes());
        out.push(self.strong_len);
        out.extend_from_slice(&self.seed);
        out.extend_from_slice(&self.basis_len.to_be_bytes());
        for i in 0..self.weak.len() {
            out.extend_from_slice(&self.weak[i].to_be_bytes());
            out.extend_from_slice(self.strong(i));
        }
    }

    /// The encoded signature.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes a whole signature with the default limits.
    pub fn decode(bytes: &[u8]) -> Result<Signature, SignatureError> {
        let mut d = SignatureDecoder::new(SignatureLimits::default());
        d.update(bytes)?;
        d.finish()
    }
}

fn random_seed() -> Result<Seed, SignatureError> {
    let mut seed = [0u8; 16];
    getrandom::fill(&mut seed).map_err(|e| SignatureError::Random(e.to_string()))?;
    Ok(seed)
}

/// Builds a [`Signature`] from a basis fed in chunks of any size.
pub struct SignatureBuilder {
    sig: Signature,
    /// Bytes of the current, incomplete block.
    partial: Vec<u8>,
}

impl SignatureBuilder {
    /// Validates `opts` and fills in the defaults.
    pub fn new(opts: SignatureOptions) -> Result<Self, SignatureError> {
        let block_len = match (opts.block_len, opts.len_hint) {
            (Some(b), _) => b,
            (None, Some(len)) => default_block_len(len),
            (None, None) => UNKNOWN_LEN_BLOCK,
        };
        if block_len == 0 || block_len > MAX_BLOCK_LEN {
            return Err(SignatureError::BlockLen {
                found: block_len.into(),
                max: MAX_BLOCK_LEN,
            });
        }
        let strong_len = match (opts.strong_len, opts.len_hint) {
            (Some(s), _) => s,
            (None, Some(len)) => default_strong_len(len, block_len),
            (None, None) => UNKNOWN_LEN_STRONG,
        };
        if strong_len == 0 || strong_len as usize > MAX_STRONG_LEN {
            return Err(SignatureError::StrongLen {
                found: strong_len.into(),
            });
        }
        let seed = match opts.seed {
            Some(s) => s,
            None => random_seed()?,
        };
        Ok(SignatureBuilder {
            sig: Signature {
                block_len,
                strong_len,
                seed,
                basis_len: 0,
                weak: Vec::new(),
                strong: Vec::new(),
            },
            partial: Vec::new(),
        })
    }

    fn push_block(sig: &mut Signature, block: &[u8]) {
        sig.weak.push(weak_sum(block));
        let s = strong_sum(&sig.seed, block);
        sig.strong.extend_from_slice(&s[..sig.strong_len as usize]);
    }

    /// Feeds the next bytes of the basis.
    pub fn update(&mut self, mut data: &[u8]) {
        let b = self.sig.block_len as usize;
        self.sig.basis_len += data.len() as u64;
        if !self.partial.is_empty() {
            let take = (b - self.partial.len()).min(data.len());
            self.partial.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.partial.len() < b {
                return;
            }
            Self::push_block(&mut self.sig, &self.partial);
            self.partial.clear();
        }
        // Four blocks at a time: their strong sums are computed together.
        let mut quads = data.chunks_exact(4 * b);
        for quad in &mut quads {
            let (q0, rest) = quad.split_at(b);
            let (q1, rest) = rest.split_at(b);
            let (q2, q3) = rest.split_at(b);
            let sums = strong_sums4(&self.sig.seed, [q0, q1, q2, q3]);
            let s = self.sig.strong_len as usize;
            for (block, sum) in [q0, q1, q2, q3].into_iter().zip(sums) {
                self.sig.weak.push(weak_sum(block));
                self.sig.strong.extend_from_slice(&sum[..s]);
            }
        }
        let mut blocks = quads.remainder().chunks_exact(b);
        for block in &mut blocks {
            Self::push_block(&mut self.sig, block);
        }
        self.partial.extend_from_slice(blocks.remainder());
    }

    /// The block length the options resolved to.
    pub fn block_len(&self) -> u32 {
        self.sig.block_len
    }

    /// An empty builder with this one's block length, strong-sum length
    /// and seed, for signing a later part of the same basis elsewhere (on
    /// another thread, say); [`join`](Self::join) puts the parts together.
    pub fn part(&self) -> SignatureBuilder {
        SignatureBuilder {
            sig: Signature {
                basis_len: 0,
                weak: Vec::new(),
                strong: Vec::new(),
                ..self.sig.clone()
            },
            partial: Vec::new(),
        }
    }

    /// Appends `next`, a [`part`](Self::part) fed with the bytes that follow
    /// this builder's. The result is the signature one builder fed with all
    /// of them would give. Gives `next` back unchanged if this builder does
    /// not end on a block boundary or the options differ.
    pub fn join(&mut self, mut next: SignatureBuilder) -> Result<(), SignatureBuilder> {
        let same = (next.sig.block_len, next.sig.strong_len, next.sig.seed)
            == (self.sig.block_len, self.sig.strong_len, self.sig.seed);
        if !same || !self.partial.is_empty() {
            return Err(next);
        }
        self.sig.basis_len += next.sig.basis_len;
        self.sig.weak.append(&mut next.sig.weak);
        self.sig.strong.append(&mut next.sig.strong);
        self.partial = next.partial;
        Ok(())
    }

    /// Ends the basis and returns its signature.
    pub fn finish(mut self) -> Signature {
        if !self.partial.is_empty() {
            Self::push_block(&mut self.sig, &self.partial);
        }
        self.sig
    }
}

/// Bounds on what a decoded signature may claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureLimits {
    /// Most blocks accepted (default 2^24: 16 TiB at the largest default block length).
    pub max_blocks: u64,
}

impl Default for SignatureLimits {
    fn default() -> Self {
        SignatureLimits {
            max_blocks: 1 << 24,
        }
    }
}

/// Decodes a signature fed in chunks of any size. Memory grows only with the
/// bytes actually received, never with what the header claims.
pub struct SignatureDecoder {
    limits: SignatureLimits,
    header: Vec<u8>,
    sig: Option<Signature>,
    expected_blocks: u64,
    entry: Vec<u8>,
    received: u64,
}

impl SignatureDecoder {
    /// A decoder that refuses signatures over `limits`; feed it with
    /// [`update`](Self::update), end with [`finish`](Self::finish).
    pub fn new(limits: SignatureLimits) -> Self {
        SignatureDecoder {
            limits,
            header: Vec::with_capacity(HEADER_LEN),
            sig: None,
            expected_blocks: 0,
            entry: Vec::with_capacity(4 + MAX_STRONG_LEN),
            received: 0,
        }
    }

    fn parse_header(&mut self) -> Result<(), SignatureError> {
        let h = &self.header;
        let magic: [u8; 4] = h[0..4].try_into().unwrap();
        if magic != MAGIC {
            return Err(SignatureError::BadMagic { found: magic });
        }
        if h[4] != VERSION {
            return Err(SignatureError::UnsupportedVersion { found: h[4] });
        }
        let block_len = u32::from_be_bytes(h[5..9].try_into().unwrap());
        if block_len == 0 || block_len > MAX_BLOCK_LEN {
            return Err(SignatureError::BlockLen {
                found: block_len.into(),
                max: MAX_BLOCK_LEN,
            });
        }
        let strong_len = h[9];
        if strong_len == 0 || strong_len as usize > MAX_STRONG_LEN {
            return Err(SignatureError::StrongLen {
                found: strong_len.into(),
            });
        }
        let seed: Seed = h[10..26].try_into().unwrap();
        let basis_len = u64::from_be_bytes(h[26..34].try_into().unwrap());
        let blocks = basis_len.div_ceil(u64::from(block_len));
        if blocks > self.limits.max_blocks {
            return Err(SignatureError::TooManyBlocks {
                claimed: blocks,
                max: self.limits.max_blocks,
            });
        }
        self.expected_blocks = blocks;
        self.sig = Some(Signature {
            block_len,
            strong_len,
            seed,
            basis_len,
            weak: Vec::new(),
            strong: Vec::new(),
        });
        Ok(())
    }

    fn expected_len(&self) -> u64 {
        match &self.sig {
            Some(s) => HEADER_LEN as u64 + self.expected_blocks * (4 + u64::from(s.strong_len)),
            None => HEADER_LEN as u64,
        }
    }

    /// Feeds the next bytes of an encoded signature.
    pub fn update(&mut self, mut data: &[u8]) -> Result<(), SignatureError> {
        self.received += data.len() as u64;
        if self.sig.is_none() {
            let take = (HEADER_LEN - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.header.len() < HEADER_LEN {
                return Ok(());
            }
            self.parse_header()?;
        }
        let expected = self.expected_len();
        if self.received > expected {
            return Err(SignatureError::TrailingBytes {
                extra: self.received - expected,
            });
        }
        let sig = self.sig.as_mut().unwrap();
        let entry_len = 4 + sig.strong_len as usize;
        let mut add = |e: &[u8]| {
            sig.weak
                .push(u32::from_be_bytes(e[..4].try_into().unwrap()));
            sig.strong.extend_from_slice(&e[4..]);
        };
        if !self.entry.is_empty() {
            let take = (entry_len - self.entry.len()).min(data.len());
            self.entry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.entry.len() < entry_len {
                return Ok(());
            }
            add(&self.entry);
            self.entry.clear();
        }
        let mut entries = data.chunks_exact(entry_len);
        for e in &mut entries {
            add(e);
        }
        self.entry.extend_from_slice(entries.remainder());
        Ok(())
    }

    /// Checks that the signature is complete and returns it.
    pub fn finish(self) -> Result<Signature, SignatureError> {
        let expected = self.expected_len();
        match self.sig {
            Some(sig) if self.received == expected => Ok(sig),
            _ => Err(SignatureError::Truncated {
                expected,
                found: self.received,
            }),
        }
    }
}
