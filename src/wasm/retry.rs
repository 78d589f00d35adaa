//! `uploadRetry`: the upload retry policy (`protocol::UploadRetry`) that
//! the package's `upload` drives, so the JavaScript only moves bytes. A
//! function over the policy's state as a number rather than a class: the
//! class's glue weighed about 300 bytes of the gzipped wasm.

use crate::protocol::{Attempt, Code, Next, UploadRetry};
use wasm_bindgen::prelude::*;

/// 2^32: the step rides above the state's 32 bits in the result.
const STEP: f64 = 4_294_967_296.0;

/// One step of the policy after a failed attempt. `state` is 0 for a new
/// upload, else the low 32 bits of the previous result (the layout of
/// `UploadRetry::to_bits`: the strong sum length to ask for in bits 0-7,
/// bit 8 set once the upload started over for a changed basis); `code`
/// is the number of the server's code (a failed event's `number`), or 0
/// when the connection dropped;
/// `resuming` says whether the attempt sent a resume token. The result's
/// upper part (`Math.floor(r / 2 ** 32)`) is the step: 0 give up, 1 start
/// over (the token dropped), 2 + N wait N milliseconds, then try again
/// with the token kept (N = 0 after a drop).
#[wasm_bindgen(js_name = uploadRetry)]
pub fn upload_retry(state: u32, code: u8, resuming: bool) -> f64 {
    let mut retry = UploadRetry::from_bits(state);
    let attempt = match (code, Code::from_number(code)) {
        (0, _) => Attempt::Dropped,
        (_, Some(c)) => Attempt::Failed(c),
        (_, None) => return 0.0,
    };
    let step = match retry.next(attempt, resuming) {
        Next::Stop => 0,
        Next::Again { resume: false } => 1,
        Next::Again { resume: true } => 2,
        Next::Wait { ms } => 2 + ms,
    };
    f64::from(step) * STEP + f64::from(retry.to_bits())
}
