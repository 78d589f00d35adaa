//! A whole-file SHA-256 computed by the JavaScript host: an object with
//! `update(bytes)` and `digest()` (Node's `crypto.createHash("sha256")` is
//! one). Node's native SHA-256 runs several times faster than wasm's, and
//! every byte of a new file goes through it.

use super::error::js_error;
use crate::WholeHash;
use js_sys::{Function, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// The first error the host's hasher threw, for the binding to report.
pub type Failure = Rc<RefCell<Option<JsValue>>>;

pub struct HostHash {
    obj: JsValue,
    update: Function,
    digest: Function,
    failure: Failure,
}

impl HostHash {
    /// `None` when `obj` lacks the two methods.
    pub fn new(obj: JsValue, failure: Failure) -> Option<HostHash> {
        let method = |name: &str| {
            Reflect::get(&obj, &name.into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
        };
        Some(HostHash {
            update: method("update")?,
            digest: method("digest")?,
            obj,
            failure,
        })
    }

    fn fail(&self, e: JsValue) {
        self.failure.borrow_mut().get_or_insert(e);
    }
}

impl HostHash {
    /// Hashes the caller's own array, with no copy out of wasm memory.
    pub fn update_js(&self, bytes: &Uint8Array) {
        if self.failure.borrow().is_some() {
            return;
        }
        if let Err(e) = self.update.call1(&self.obj, bytes) {
            self.fail(e);
        }
    }

    fn digest(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        match self.digest.call0(&self.obj) {
            Ok(v) => match v.dyn_ref::<Uint8Array>() {
                Some(a) if a.length() == 32 => a.copy_to(&mut out),
                _ => self.fail(js_error(
                    "InvalidOption",
                    "option sha256: digest() must return 32 bytes",
                )),
            },
            Err(e) => self.fail(e),
        }
        out
    }
}

impl WholeHash for HostHash {
    fn update(&mut self, data: &[u8]) {
        if self.failure.borrow().is_some() {
            return;
        }
        // A copy: the host may keep the array, and wasm memory can move.
        if let Err(e) = self.update.call1(&self.obj, &Uint8Array::from(data)) {
            self.fail(e);
        }
    }

    fn finish(&mut self) -> [u8; 32] {
        self.digest()
    }
}

/// The host's hasher when the binding passes it the caller's arrays itself
/// (`HostHash::update_js`): the bytes the core hashes are ignored, and
/// `finish` asks the host for the digest.
pub struct Prefed(pub Rc<HostHash>);

impl WholeHash for Prefed {
    fn update(&mut self, _: &[u8]) {}

    fn finish(&mut self) -> [u8; 32] {
        self.0.digest()
    }
}
