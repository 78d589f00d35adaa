//! LEB128 unsigned integers, as used by the wsync delta format.

/// Appends `v` as LEB128 (1 to 10 bytes).
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 value from the front of `buf`.
/// `Ok(None)`: `buf` ends before the value does. `Err(())`: more than 64 bits.
pub fn get(buf: &[u8]) -> Result<Option<(u64, usize)>, ()> {
    let mut v = 0u64;
    for (i, &byte) in buf.iter().enumerate().take(10) {
        let bits = u64::from(byte & 0x7f);
        if i == 9 && byte > 1 {
            return Err(());
        }
        v |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some((v, i + 1)));
        }
    }
    if buf.len() >= 10 {
        Err(())
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::test;

    #[test]
    fn round_trips_and_rejects_overflow() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, 1 << 35, u64::MAX] {
            let mut b = Vec::new();
            put(&mut b, v);
            assert_eq!(get(&b), Ok(Some((v, b.len()))));
            assert_eq!(get(&b[..b.len() - 1]), Ok(None));
        }
        assert_eq!(get(&[0xff; 10]), Err(()));
        assert_eq!(
            get(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
            Err(())
        );
        assert_eq!(get(&[0x80; 11]), Err(()));
    }
}
