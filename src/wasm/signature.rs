//! `SignatureBuilder` and `Signature`.

use super::error::finished;
use super::js::Options;
use crate::{SignatureError, SignatureLimits, SignatureOptions};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "SignatureOptions")]
    pub type SignatureOptionsArg;
    #[wasm_bindgen(typescript_type = "SignatureDecoderOptions")]
    pub type SignatureDecoderOptionsArg;
}

/// Builds the signature of a basis fed in chunks of any size.
#[wasm_bindgen]
pub struct SignatureBuilder(Option<crate::SignatureBuilder>);

#[wasm_bindgen]
impl SignatureBuilder {
    /// Options: `{ blockLen, strongLen, seed, lenHint }`, all optional.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: Option<SignatureOptionsArg>) -> Result<SignatureBuilder, JsValue> {
        let o = Options::new(&opts.map_or(JsValue::UNDEFINED, Into::into))?;
        let opts = SignatureOptions {
            block_len: o.u32("blockLen")?,
            strong_len: o
                .u32("strongLen")?
                .map(|n| u8::try_from(n).map_err(|_| SignatureError::StrongLen { found: n.into() }))
                .transpose()?,
            seed: o.bytes::<16>("seed")?,
            len_hint: o.u64("lenHint")?,
        };
        Ok(SignatureBuilder(Some(crate::SignatureBuilder::new(opts)?)))
    }

    /// Feeds the next bytes of the basis.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let b = self
            .0
            .as_mut()
            .ok_or_else(|| finished("SignatureBuilder"))?;
        b.update(bytes);
        Ok(())
    }

    /// Ends the basis and returns its signature; the builder is then finished.
    pub fn finish(&mut self) -> Result<Signature, JsValue> {
        let b = self.0.take().ok_or_else(|| finished("SignatureBuilder"))?;
        Ok(Signature(Arc::new(b.finish())))
    }
}

/// Decodes a signature fed in chunks of any size (as it arrives from the
/// network); memory grows only with the bytes received.
#[wasm_bindgen]
pub struct SignatureDecoder(Option<crate::SignatureDecoder>);

#[wasm_bindgen]
impl SignatureDecoder {
    /// Options: `{ maxBlocks }`, the most blocks accepted (default 2^24).
    #[wasm_bindgen(constructor)]
    pub fn new(opts: Option<SignatureDecoderOptionsArg>) -> Result<SignatureDecoder, JsValue> {
        let o = Options::new(&opts.map_or(JsValue::UNDEFINED, Into::into))?;
        let mut limits = SignatureLimits::default();
        if let Some(max) = o.u64("maxBlocks")? {
            limits.max_blocks = max;
        }
        Ok(SignatureDecoder(Some(crate::SignatureDecoder::new(limits))))
    }

    /// Feeds the next bytes; throws on bad bytes, after which the decoder is finished.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let d = self
            .0
            .as_mut()
            .ok_or_else(|| finished("SignatureDecoder"))?;
        d.update(bytes).map_err(|e| {
            self.0 = None;
            e.into()
        })
    }

    /// Checks that the signature is complete and returns it.
    pub fn finish(&mut self) -> Result<Signature, JsValue> {
        let d = self.0.take().ok_or_else(|| finished("SignatureDecoder"))?;
        Ok(Signature(Arc::new(d.finish()?)))
    }
}

/// The weak and strong sums of every block of one basis. Encoders share it.
#[wasm_bindgen]
pub struct Signature(pub(super) Arc<crate::Signature>);

#[wasm_bindgen]
impl Signature {
    /// The signature in wsync's format, to send to the other side.
    pub fn encode(&self) -> Vec<u8> {
        self.0.encode()
    }

    /// Decodes a whole signature; throws an `Error` with a `code` on bad bytes.
    pub fn decode(bytes: &[u8]) -> Result<Signature, JsValue> {
        Ok(Signature(Arc::new(crate::Signature::decode(bytes)?)))
    }

    #[wasm_bindgen(getter, js_name = blockLen)]
    pub fn block_len(&self) -> u32 {
        self.0.block_len()
    }

    #[wasm_bindgen(getter, js_name = strongLen)]
    pub fn strong_len(&self) -> u8 {
        self.0.strong_len()
    }

    /// Length of the basis this signature describes.
    #[wasm_bindgen(getter, js_name = basisLen)]
    pub fn basis_len(&self) -> f64 {
        self.0.basis_len() as f64
    }

    #[wasm_bindgen(getter, js_name = blockCount)]
    pub fn block_count(&self) -> u32 {
        self.0.block_count() as u32
    }

    /// The 16-byte seed of the strong sums.
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> Vec<u8> {
        self.0.seed().to_vec()
    }

    /// Length of `encode()`'s result.
    #[wasm_bindgen(getter, js_name = encodedLen)]
    pub fn encoded_len(&self) -> f64 {
        self.0.encoded_len() as f64
    }
}
