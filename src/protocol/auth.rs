//! Challenge and response: the server sends a fresh random nonce; the client
//! answers `HMAC-SHA256(secret, "wsync-auth-1" || nonce || user)`. The secret
//! never crosses the wire, a response is only good for its nonce (so a
//! replayed one fails), and the comparison is constant-time.

use crate::Sha256;

const CONTEXT: &[u8] = b"wsync-auth-1";

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts`, on the core's
/// SHA-256: the `hmac` crate's generic code cost 1 KB of gzipped wasm.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(&k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(&k.map(|b| b ^ 0x5c));
    outer.update(&inner.finish());
    outer.finish()
}

fn mac(secret: &[u8], nonce: &[u8; 32], user: &str) -> [u8; 32] {
    hmac_sha256(secret, &[CONTEXT, nonce, user.as_bytes()])
}

/// The client's answer to a challenge.
pub fn respond(secret: &[u8], nonce: &[u8; 32], user: &str) -> [u8; 32] {
    mac(secret, nonce, user)
}

/// The server's check, in constant time: every byte is compared.
pub fn verify(secret: &[u8], nonce: &[u8; 32], user: &str, response: &[u8; 32]) -> bool {
    same_bytes(&mac(secret, nonce, user), response)
}

/// Whether `a` and `b` are equal, in time that depends on their lengths
/// only: every byte is compared (for secrets: tokens, passwords, MACs).
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    a.len() == b.len() && std::hint::black_box(diff) == 0
}

/// A fresh nonce for a connection.
pub fn nonce() -> Result<[u8; 32], getrandom::Error> {
    let mut n = [0u8; 32];
    getrandom::fill(&mut n)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    /// RFC 4231's test cases 1, 2 and 6 (a key longer than a block), and a
    /// key of exactly one block (from Python's hmac).
    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        let cases: [(&[u8], &[u8], &str); 4] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &[b'k'; 64],
                b"exactly one block of key",
                "baa93ea4ccc7062ed6870c5e7937dbd35ad7791df4e29df9addeb429ff491acf",
            ),
        ];
        for (key, data, mac) in cases {
            assert_eq!(hex(&hmac_sha256(key, &[data])), mac);
            let (a, b) = data.split_at(data.len() / 2);
            assert_eq!(hex(&hmac_sha256(key, &[a, b])), mac);
        }
    }

    #[test]
    fn verify_takes_only_the_right_response() {
        let nonce = [7u8; 32];
        let r = respond(b"secret", &nonce, "ann");
        assert!(verify(b"secret", &nonce, "ann", &r));
        assert!(!verify(b"secreT", &nonce, "ann", &r));
        assert!(!verify(b"secret", &[8u8; 32], "ann", &r));
        assert!(!verify(b"secret", &nonce, "bob", &r));
        let mut flipped = r;
        flipped[31] ^= 1;
        assert!(!verify(b"secret", &nonce, "ann", &flipped));
    }

    #[test]
    fn same_bytes_compares_all_of_both() {
        assert!(same_bytes(b"token", b"token"));
        assert!(same_bytes(b"", b""));
        assert!(!same_bytes(b"token", b"tokem"));
        assert!(!same_bytes(b"token", b"toke"));
        assert!(!same_bytes(b"toke", b"token"));
    }
}
