//! `Sha256`: the hash the delta's whole-file check uses.

use super::error::finished;
use wasm_bindgen::prelude::*;

/// Incremental SHA-256.
#[wasm_bindgen]
pub struct Sha256(Option<crate::Sha256>);

#[wasm_bindgen]
impl Sha256 {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)] // JS constructs it with `new`.
    pub fn new() -> Sha256 {
        Sha256(Some(crate::Sha256::new()))
    }

    pub fn update(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        self.0
            .as_mut()
            .ok_or_else(|| finished("Sha256"))?
            .update(bytes);
        Ok(())
    }

    /// The 32-byte digest; the hasher is then finished.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        let h = self.0.take().ok_or_else(|| finished("Sha256"))?;
        Ok(h.finish().to_vec())
    }

    /// SHA-256 of one array.
    pub fn digest(bytes: &[u8]) -> Vec<u8> {
        crate::Sha256::digest(bytes).to_vec()
    }
}
