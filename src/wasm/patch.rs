//! `Patcher`.

use super::error::{finished, invalid_option, js_error};
use super::js::{ObjectBuilder, Options};
use crate::{Basis, DeltaFormat, PatchError, PatchOptions};
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

/// Where the patcher writes: a buffer each `update` hands to JS, or the
/// `onOutput` callback, which bounds memory however long a COPY is.
#[derive(Clone)]
enum Sink {
    Buffer(Rc<RefCell<Vec<u8>>>),
    /// The callback, and what it threw: kept here and turned into the JS
    /// error by `Patcher::error`, because an `io::Error` holding a `String`
    /// would pull `Box<dyn Error>` and its `Debug` formatting into the wasm.
    Callback(js_sys::Function, Rc<RefCell<Option<String>>>),
}

impl io::Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Buffer(b) => b.borrow_mut().extend_from_slice(data),
            Sink::Callback(f, thrown) => {
                let chunk = js_sys::Uint8Array::from(data);
                f.call1(&JsValue::NULL, &chunk).map_err(|e| {
                    let msg = match e.dyn_ref::<js_sys::Error>() {
                        Some(e) => String::from(e.message()),
                        None => e.as_string().unwrap_or_else(|| "a value".into()),
                    };
                    *thrown.borrow_mut() = Some(msg);
                    io::Error::from(io::ErrorKind::Other)
                })?;
            }
        }
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
    /// Output bytes so far, kept after `finish()`.
    written: u64,
}

impl Patcher {
    /// The JS error for `e`; a write error is what `onOutput` threw.
    fn error(&self, e: PatchError) -> JsValue {
        if let (PatchError::Write(_), Sink::Callback(_, thrown)) = (&e, &self.sink) {
            if let Some(msg) = thrown.borrow_mut().take() {
                return js_error(
                    "Write",
                    &["writing the output: onOutput threw ", &msg].concat(),
                );
            }
        }
        e.into()
    }
}

#[wasm_bindgen]
impl Patcher {
    /// Options: `{ maxOutput, onOutput }`: most output bytes (default
    /// unlimited), and a function to receive the output as it is written
    /// (copies in pieces of at most 256 KiB) instead of `update`'s result,
    /// which holds all the output of its delta bytes: one COPY can be the
    /// whole file.
    #[wasm_bindgen(constructor)]
    pub fn new(basis: Box<[u8]>, opts: Option<PatchOptionsArg>) -> Result<Patcher, JsValue> {
        let o = Options::new(&opts.map_or(JsValue::UNDEFINED, Into::into))?;
        let mut p = PatchOptions::default();
        if let Some(max) = o.u64("maxOutput")? {
            p.max_output = max;
        }
        let sink = match o.get("onOutput")? {
            None => Sink::Buffer(Rc::default()),
            Some(f) => Sink::Callback(
                f.dyn_into()
                    .map_err(|_| invalid_option("onOutput", "a function"))?,
                Rc::default(),
            ),
        };
        Ok(Patcher {
            patcher: Some(crate::Patcher::new(OwnedBasis(basis), sink.clone(), p)),
            sink,
            written: 0,
        })
    }

    /// Feeds the next delta bytes; returns the output they produce (empty
    /// with `onOutput`). After an error the patcher is finished: a bad delta
    /// is never resumed.
    pub fn update(&mut self, bytes: &[u8]) -> Result<js_sys::Uint8Array, JsValue> {
        let p = self.patcher.as_mut().ok_or_else(|| finished("Patcher"))?;
        let result = p.update(bytes);
        self.written = p.written();
        let produced = match &self.sink {
            Sink::Buffer(b) => {
                let mut b = b.borrow_mut();
                let produced = js_sys::Uint8Array::from(b.as_slice());
                b.clear();
                produced
            }
            Sink::Callback(..) => js_sys::Uint8Array::new_with_length(0),
        };
        match result {
            Ok(()) => Ok(produced),
            Err(e) => {
                self.patcher = None;
                Err(self.error(e))
            }
        }
    }

    /// Bytes of output so far.
    #[wasm_bindgen(getter)]
    pub fn written(&self) -> f64 {
        self.written as f64
    }

    /// Checks that the delta is complete (for a wsync delta, that the
    /// output's length and SHA-256 matched) and returns what it did.
    pub fn finish(&mut self) -> Result<PatchReportObject, JsValue> {
        let p = self.patcher.take().ok_or_else(|| finished("Patcher"))?;
        let (_, r) = p.finish().map_err(|e| self.error(e))?;
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
