//! `DeltaEncoder`.

use super::error::{finished, invalid_option, js_error};
use super::host_hash::{self, HostHash, Prefed};
use super::js::{ObjectBuilder, Options};
use super::signature::Signature;
use crate::{DeltaFormat, DeltaOptions, DeltaStats};
use js_sys::{Function, Uint8Array, WebAssembly};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "DeltaOptions")]
    pub type DeltaOptionsArg;
    #[wasm_bindgen(typescript_type = "DeltaStats")]
    pub type DeltaStatsObject;
}

type Encoder = crate::DeltaEncoder<Arc<crate::Signature>>;

/// Encodes a new file, fed in chunks of any size, against a signature.
#[wasm_bindgen]
pub struct DeltaEncoder {
    enc: Option<Encoder>,
    /// The final counters, once finished.
    stats: DeltaStats,
    /// Delta bytes of one call, reused between calls.
    out: Vec<u8>,
    /// What the host's hasher threw, if it did.
    failure: host_hash::Failure,
    /// The host's hasher, given the caller's arrays directly.
    host: Option<Rc<HostHash>>,
    /// `onOutput`: called with a view of `out` instead of returning a copy.
    on_output: Option<Function>,
}

#[wasm_bindgen]
impl DeltaEncoder {
    /// Options: `{ format: "wsync" | "rdiff", compressLevel, sha256,
    /// onOutput }`, all optional; `sha256` is the host's hasher for the
    /// whole-file check, `onOutput` a function given the delta bytes of
    /// each call as a view of wasm memory, valid until it returns.
    #[wasm_bindgen(constructor)]
    pub fn new(
        signature: &Signature,
        opts: Option<DeltaOptionsArg>,
    ) -> Result<DeltaEncoder, JsValue> {
        let o = Options::new(&opts.map_or(JsValue::UNDEFINED, Into::into))?;
        let mut d = DeltaOptions::default();
        match o.string("format")?.as_deref() {
            None | Some("wsync") => d.format = DeltaFormat::Wsync,
            Some("rdiff") => d.format = DeltaFormat::Rdiff,
            Some(_) => return Err(invalid_option("format", "\"wsync\" or \"rdiff\"")),
        }
        if let Some(level) = o.u32("compressLevel")? {
            d.compress_level = level;
        }
        let on_output = match o.get("onOutput")? {
            None => None,
            Some(f) => Some(
                f.dyn_into::<Function>()
                    .map_err(|_| invalid_option("onOutput", "a function"))?,
            ),
        };
        let failure = host_hash::Failure::default();
        let mut host = None;
        let enc = match o.get("sha256")? {
            None => crate::DeltaEncoder::new(Arc::clone(&signature.0), d)?,
            Some(h) => {
                let h = HostHash::new(h, failure.clone()).ok_or_else(|| {
                    invalid_option("sha256", "an object with update() and digest()")
                })?;
                let h = Rc::new(h);
                // The rdiff format has no whole-file check to feed.
                if d.format == DeltaFormat::Wsync {
                    host = Some(Rc::clone(&h));
                }
                crate::DeltaEncoder::with_hasher(Arc::clone(&signature.0), d, Box::new(Prefed(h)))?
            }
        };
        Ok(DeltaEncoder {
            enc: Some(enc),
            stats: DeltaStats::default(),
            out: Vec::new(),
            failure,
            host,
            on_output,
        })
    }

    /// Feeds the next bytes of the new file; returns the delta bytes produced
    /// (often none: the encoder holds a few blocks back), or an empty array
    /// when `onOutput` takes them. The host's hasher,
    /// if any, gets `bytes` itself; the encoder copies them once, straight
    /// into its buffer.
    pub fn update(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &JsValue,
    ) -> Result<Uint8Array, JsValue> {
        if self.enc.is_none() {
            return Err(finished("DeltaEncoder"));
        }
        let Some(bytes) = bytes.dyn_ref::<Uint8Array>() else {
            return Err(js_error("InvalidOption", "update: expected a Uint8Array"));
        };
        // A view of wasm memory itself would be detached if the encoder's
        // buffer grew the memory: such bytes are copied out first.
        let memory: WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        let copy;
        let bytes = if JsValue::from(bytes.buffer()) == memory.buffer() {
            copy = Uint8Array::new(bytes);
            &copy
        } else {
            bytes
        };
        if let Some(h) = &self.host {
            h.update_js(bytes);
            self.check()?;
        }
        let enc = self.enc.as_mut().ok_or_else(|| finished("DeltaEncoder"))?;
        self.out.clear();
        enc.update_with(
            bytes.length() as usize,
            |dst| bytes.copy_to(dst),
            &mut self.out,
        );
        self.hand_out()
    }

    /// The delta bytes in `out`: a copy for the caller, or a view for
    /// `onOutput` (then an empty array for the caller).
    fn hand_out(&mut self) -> Result<Uint8Array, JsValue> {
        let Some(f) = &self.on_output else {
            return Ok(self.out.as_slice().into());
        };
        if self.out.is_empty() {
            return Ok(Uint8Array::new_with_length(0));
        }
        // The buffer moves to a local while JS holds the view, so that no
        // Rust reference to its bytes is live during the call.
        let out = std::mem::take(&mut self.out);
        // SAFETY: the view covers `out`'s initialized bytes, and nothing in
        // Rust reads or frees them until the call returns: `out` is a local
        // no reference points into. What JS does with the view meanwhile
        // (write into it, keep it) cannot break Rust's invariants: `out` is
        // plain bytes, cleared before its next use; and should the callback
        // grow wasm memory, the view is detached, never dangling.
        let view = unsafe { Uint8Array::view(&out) };
        let called = f.call1(&JsValue::NULL, &view);
        self.out = out;
        match called {
            Ok(_) => Ok(Uint8Array::new_with_length(0)),
            Err(e) => {
                self.enc = None;
                Err(e)
            }
        }
    }

    /// The host hasher's error, which ends the encoder.
    fn check(&mut self) -> Result<(), JsValue> {
        match self.failure.borrow_mut().take() {
            Some(e) => {
                self.enc = None;
                Err(e)
            }
            None => Ok(()),
        }
    }

    /// Ends the new file; returns the last delta bytes (or gives them to
    /// `onOutput`, and returns an empty array).
    pub fn finish(&mut self) -> Result<Uint8Array, JsValue> {
        let enc = self.enc.take().ok_or_else(|| finished("DeltaEncoder"))?;
        self.out.clear();
        self.stats = enc.finish(&mut self.out);
        self.check()?;
        let out = self.hand_out();
        self.out = Vec::new();
        out
    }

    /// Counters so far, final after `finish()`.
    pub fn stats(&self) -> DeltaStatsObject {
        let s = self.enc.as_ref().map_or(self.stats, |e| e.stats());
        ObjectBuilder::new()
            .count("newLen", s.new_len)
            .count("matchedBytes", s.matched_bytes)
            .count("literalBytes", s.literal_bytes)
            .count("literalWireBytes", s.literal_wire_bytes)
            .count("copyOps", s.copy_ops)
            .count("literalOps", s.literal_ops)
            .count("deltaBytes", s.delta_bytes)
            .build()
    }
}
