//! Core errors as JS `Error`s with a `code` property naming the variant.

use crate::text::Describe;
use crate::{DeltaError, PatchError, SignatureError};
use wasm_bindgen::JsValue;

/// A JS `Error` with `message` and `code`.
pub fn js_error(code: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&e, &"code".into(), &code.into());
    e.into()
}

/// An option from JavaScript with the wrong type or range.
pub fn invalid_option(name: &str, expected: &str) -> JsValue {
    js_error(
        "InvalidOption",
        &["option ", name, ": expected ", expected].concat(),
    )
}

/// A method called after `finish()`, or after an error ended the stream.
pub fn finished(what: &str) -> JsValue {
    js_error("Finished", &["this ", what, " is finished"].concat())
}

impl From<SignatureError> for JsValue {
    fn from(e: SignatureError) -> JsValue {
        let code = match e {
            SignatureError::BlockLen { .. } => "BlockLen",
            SignatureError::StrongLen { .. } => "StrongLen",
            SignatureError::BadMagic { .. } => "BadMagic",
            SignatureError::UnsupportedVersion { .. } => "UnsupportedVersion",
            SignatureError::TooManyBlocks { .. } => "TooManyBlocks",
            SignatureError::Truncated { .. } => "Truncated",
            SignatureError::TrailingBytes { .. } => "TrailingBytes",
            SignatureError::Random(_) => "Random",
        };
        js_error(code, &e.text())
    }
}

impl From<DeltaError> for JsValue {
    fn from(e: DeltaError) -> JsValue {
        let code = match e {
            DeltaError::CompressLevel { .. } => "CompressLevel",
        };
        js_error(code, &e.text())
    }
}

impl From<PatchError> for JsValue {
    fn from(e: PatchError) -> JsValue {
        let code = match e {
            PatchError::BadMagic { .. } => "BadMagic",
            PatchError::UnsupportedVersion { .. } => "UnsupportedVersion",
            PatchError::BasisLength { .. } => "BasisLength",
            PatchError::UnknownOp { .. } => "UnknownOp",
            PatchError::ZeroLength { .. } => "ZeroLength",
            PatchError::CopyOutOfRange { .. } => "CopyOutOfRange",
            PatchError::LiteralTooLong { .. } => "LiteralTooLong",
            PatchError::BadVarint { .. } => "BadVarint",
            PatchError::Inflate { .. } => "Inflate",
            PatchError::OutputLimit { .. } => "OutputLimit",
            PatchError::Truncated { .. } => "Truncated",
            PatchError::TrailingData { .. } => "TrailingData",
            PatchError::LengthMismatch { .. } => "LengthMismatch",
            PatchError::HashMismatch { .. } => "HashMismatch",
            PatchError::BasisRead(_) => "BasisRead",
            PatchError::Write(_) => "Write",
        };
        js_error(code, &e.text())
    }
}
