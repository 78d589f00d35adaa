//! `Patcher`.

use super::error::finished;
use super::js::{ObjectBuilder, Options};
use crate::{Basis, DeltaFormat, PatchOptions};
use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "PatchOptions")]
    pub type PatchOptionsArg;
    #[wasm_bindgen(typescript_type = "PatchReport")]
    pub type PatchReportObject;
}

/// The basis, copied into wasm memory once.
struct OwnedBasis(Box<[u8]>);

impl Basis for OwnedBasis {
    fn len(&self) -> u64 {
        Basis::len(&&self.0[..])
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (&self.0[..]).read_at(offset, buf)
    }
}

/// Where the patcher writes; each `update` hands its contents to JS.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl io::Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Applies a delta (wsync or rdiff format), fed in chunks of any size, to a basis.
#[wasm_bindgen]
pub struct Patcher {
    patcher: Option<crate::Patcher<OwnedBasis, Sink>>,
    sink: Sink,
}

#[wasm_bindgen]
impl Patcher {
    /// Options: `{ maxOutput }` (bytes; default unlimited).
    #[wasm_bindgen(constructor)]
    pub fn new(basis: Box<[u8]>, opts: Option<PatchOptionsArg>) -> Result<Patcher, JsValue> {
        let o = Options::new(&opts.map_or(JsValue::UNDEFINED, Into::into))?;
        let mut p = PatchOptions::default();
        if let Some(max) = o.u64("maxOutput")? {
            p.max_output = max;
        }
        let sink = Sink::default();
        Ok(Patcher {
            patcher: Some(crate::Patcher::new(OwnedBasis(basis), sink.clone(), p)),
            sink,
        })
    }

    /// Feeds the next delta bytes; returns the output they produce. After an
    /// error the patcher is finished: a bad delta is never resumed.
    pub fn update(&mut self, bytes: &[u8]) -> Result<js_sys::Uint8Array, JsValue> {
        let p = self.patcher.as_mut().ok_or_else(|| finished("Patcher"))?;
        let result = p.update(bytes);
        let mut out = self.sink.0.borrow_mut();
        let produced = js_sys::Uint8Array::from(out.as_slice());
        out.clear();
        match result {
            Ok(()) => Ok(produced),
            Err(e) => {
                self.patcher = None;
                Err(e.into())
            }
        }
    }

    /// Bytes of output so far.
    #[wasm_bindgen(getter)]
    pub fn written(&self) -> f64 {
        self.patcher.as_ref().map_or(0, |p| p.written()) as f64
    }

    /// Checks that the delta is complete (for a wsync delta, that the
    /// output's length and SHA-256 matched) and returns what it did.
    pub fn finish(&mut self) -> Result<PatchReportObject, JsValue> {
        let p = self.patcher.take().ok_or_else(|| finished("Patcher"))?;
        let (_, r) = p.finish()?;
        Ok(ObjectBuilder::new()
            .set(
                "format",
                match r.format {
                    DeltaFormat::Wsync => "wsync",
                    DeltaFormat::Rdiff => "rdiff",
                },
            )
            .count("newLen", r.new_len)
            .count("copiedBytes", r.copied_bytes)
            .count("literalBytes", r.literal_bytes)
            .set(
                "sha256",
                r.sha256
                    .map_or(JsValue::NULL, |h| js_sys::Uint8Array::from(&h[..]).into()),
            )
            .build())
    }
}
