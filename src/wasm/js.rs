//! Reading option objects and building result objects.

use super::error::invalid_option;
use crate::text::Text;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// An options argument: `undefined`, `null` or an object.
pub struct Options(Option<Object>);

impl Options {
    pub fn new(v: &JsValue) -> Result<Options, JsValue> {
        if v.is_undefined() || v.is_null() {
            return Ok(Options(None));
        }
        match v.dyn_ref::<Object>() {
            Some(o) => Ok(Options(Some(o.clone()))),
            None => Err(invalid_option("object", "an object or undefined")),
        }
    }

    /// The field `name`, or `None` when absent or `undefined`.
    pub fn get(&self, name: &str) -> Result<Option<JsValue>, JsValue> {
        let Some(o) = &self.0 else { return Ok(None) };
        let v = Reflect::get(o, &name.into())?;
        Ok((!v.is_undefined()).then_some(v))
    }

    /// A non-negative integer field: a number up to 2^53 - 1 or a bigint.
    pub fn u64(&self, name: &str) -> Result<Option<u64>, JsValue> {
        let Some(v) = self.get(name)? else {
            return Ok(None);
        };
        if v.is_bigint() {
            return u64::try_from(v)
                .map(Some)
                .map_err(|_| invalid_option(name, "a bigint from 0 to 2^64 - 1"));
        }
        match v.as_f64() {
            Some(n) if n.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&n) => Ok(Some(n as u64)),
            _ => Err(invalid_option(name, "a non-negative integer")),
        }
    }

    /// An integer field that must fit a `u32`; the core checks its own range.
    pub fn u32(&self, name: &str) -> Result<Option<u32>, JsValue> {
        match self.u64(name)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .map_err(|_| invalid_option(name, "an integer below 2^32")),
        }
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, JsValue> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| invalid_option(name, "a string")),
        }
    }

    /// A `Uint8Array` field of exactly `N` bytes.
    pub fn bytes<const N: usize>(&self, name: &str) -> Result<Option<[u8; N]>, JsValue> {
        let Some(v) = self.get(name)? else {
            return Ok(None);
        };
        match v.dyn_ref::<js_sys::Uint8Array>() {
            Some(a) if a.length() as usize == N => {
                let mut out = [0u8; N];
                a.copy_to(&mut out);
                Ok(Some(out))
            }
            _ => {
                let mut t = Text::default();
                t.s("a Uint8Array of ").size(N).s(" bytes");
                Err(invalid_option(name, t.as_str()))
            }
        }
    }
}

/// Builds a plain object field by field.
pub struct ObjectBuilder(Object);

impl ObjectBuilder {
    pub fn new() -> Self {
        ObjectBuilder(Object::new())
    }

    pub fn set(self, name: &str, value: impl Into<JsValue>) -> Self {
        // Defining a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&self.0, &name.into(), &value.into());
        self
    }

    /// A byte count as a number (exact up to 2^53, 8 PiB).
    pub fn count(self, name: &str, value: u64) -> Self {
        self.set(name, value as f64)
    }

    pub fn build<T: JsCast>(self) -> T {
        self.0.unchecked_into()
    }
}
