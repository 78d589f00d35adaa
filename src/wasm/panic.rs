//! The panic hook: a panic's message, where it happened and the JS stack go
//! to `console.error` (as `console_error_panic_hook` wrote them) before the
//! module traps. Written out here, without `core::fmt`'s `PanicHookInfo`
//! printing and a `Once`: 1 KB less gzipped wasm.

use crate::text::Text;
use std::panic::PanicHookInfo;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console)]
    fn error(msg: &str);

    type Error;

    #[wasm_bindgen(constructor)]
    fn new() -> Error;

    #[wasm_bindgen(structural, method, getter)]
    fn stack(error: &Error) -> String;
}

/// Installs the hook; the module's start function calls it once.
pub fn install() {
    std::panic::set_hook(Box::new(hook));
}

fn hook(info: &PanicHookInfo) {
    let mut t = Text::default();
    t.s("panicked at ");
    if let Some(at) = info.location() {
        t.s(at.file()).s(":").n(at.line()).s(":").n(at.column());
    }
    let payload = info.payload();
    let msg = match payload.downcast_ref::<&str>() {
        Some(s) => Some(*s),
        None => payload.downcast_ref::<String>().map(String::as_str),
    };
    if let Some(msg) = msg {
        t.s(":\n").s(msg);
    }
    // The stack in the message itself: consoles may drop or rewrite the
    // one they attach (console_error_panic_hook's reasons).
    t.s("\n\nStack:\n\n").s(&Error::new().stack()).s("\n\n");
    error(t.as_str());
}
