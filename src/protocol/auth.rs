//! Challenge and response: the server sends a fresh random nonce; the client
//! answers `HMAC-SHA256(secret, "wsync-auth-1" || nonce || user)`. The secret
//! never crosses the wire, a response is only good for its nonce (so a
//! replayed one fails), and the comparison is constant-time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const CONTEXT: &[u8] = b"wsync-auth-1";

fn mac(secret: &[u8], nonce: &[u8; 32], user: &str) -> HmacSha256 {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    m.update(CONTEXT);
    m.update(nonce);
    m.update(user.as_bytes());
    m
}

/// The client's answer to a challenge.
pub fn respond(secret: &[u8], nonce: &[u8; 32], user: &str) -> [u8; 32] {
    mac(secret, nonce, user).finalize().into_bytes().into()
}

/// The server's check, in constant time.
pub fn verify(secret: &[u8], nonce: &[u8; 32], user: &str, response: &[u8; 32]) -> bool {
    mac(secret, nonce, user).verify_slice(response).is_ok()
}

/// A fresh nonce for a connection.
pub fn nonce() -> Result<[u8; 32], getrandom::Error> {
    let mut n = [0u8; 32];
    getrandom::fill(&mut n)?;
    Ok(n)
}
