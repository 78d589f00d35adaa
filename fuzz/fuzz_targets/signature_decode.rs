//! Arbitrary bytes as a signature, whole and split in two at a point the
//! input chooses: an error or a signature whose re-encoding is the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsync::{Signature, SignatureDecoder, SignatureLimits};

fuzz_target!(|data: &[u8]| {
    let whole = Signature::decode(data);
    let split = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    let mut d = SignatureDecoder::new(SignatureLimits::default());
    let chunked = d
        .update(&data[..split])
        .and_then(|()| d.update(&data[split..]))
        .and_then(|()| d.finish());
    assert_eq!(whole.is_ok(), chunked.is_ok());
    if let Ok(sig) = whole {
        assert_eq!(sig.encode(), data);
        assert_eq!(chunked.unwrap(), sig);
    }
});
