//! The wasm32 `simd128` kernel: a group of 16 positions as four vectors of
//! four 32-bit lanes (see the parent module for the sums and their bounds,
//! and `avx2.rs` for the same steps with eight lanes). Compiled only when
//! the whole crate is built with `+simd128`, so every instruction used here
//! is there at run time (a module without it fails to load).

use super::{Keying, LANES, MIX};
use crate::rolling::{Rolling, MOD};
use core::arch::wasm32::*;

/// One group of 16 steps: writes the keys of the windows after each step
/// and returns the state after the last.
#[inline(always)]
pub(super) fn group(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    k: Keying,
    keys: &mut [u32; LANES],
) -> Rolling {
    let (a, b) = r.halves();
    // SAFETY: `o` and `i` are 16 readable bytes each, and `v128_load` has
    // no alignment requirement.
    let (xo, yi) = unsafe { (v128_load(o.as_ptr().cast()), v128_load(i.as_ptr().cast())) };
    // Bytes widened to 16 bits: d = y - x fits, and x times nn (< 2^16)
    // widens exactly to 32 bits.
    let (xl, xh) = (u16x8_extend_low_u8x16(xo), u16x8_extend_high_u8x16(xo));
    let (dl, dh) = (
        i16x8_sub(u16x8_extend_low_u8x16(yi), xl),
        i16x8_sub(u16x8_extend_high_u8x16(yi), xh),
    );
    let d = [
        i32x4_extend_low_i16x8(dl),
        i32x4_extend_high_i16x8(dl),
        i32x4_extend_low_i16x8(dh),
        i32x4_extend_high_i16x8(dh),
    ];
    let nn = u16x8_splat(k.nn as u16);
    let nx = [
        u32x4_extmul_low_u16x8(xl, nn),
        u32x4_extmul_high_u16x8(xl, nn),
        u32x4_extmul_low_u16x8(xh, nn),
        u32x4_extmul_high_u16x8(xh, nn),
    ];
    let p = prefix16(d);
    let m = u32x4_splat(MOD);
    let base_a = u32x4_splat(a + MOD);
    let base_b = u32x4_splat(b + 2 * MOD);
    let am1 = i32x4_splat(a as i32 - 1);
    let rs = prefix16([
        i32x4_add(p[0], nx[0]),
        i32x4_add(p[1], nx[1]),
        i32x4_add(p[2], nx[2]),
        i32x4_add(p[3], nx[3]),
    ]);
    let mix = u32x4_splat(MIX);
    let mut last = (a, b);
    for q in 0..4 {
        let aq = sub_mod(sub_mod(i32x4_add(base_a, p[q]), m), m);
        let s = q as i32 * 4;
        let steps = i32x4(s + 1, s + 2, s + 3, s + 4);
        let bq = fold(
            i32x4_add(i32x4_add(base_b, i32x4_mul(steps, am1)), rs[q]),
            m,
        );
        let w = v128_or(i32x4_shl(bq, 16), aq);
        let key = u32x4_shr(i32x4_mul(w, mix), k.shift);
        keys[4 * q..4 * q + 4].copy_from_slice(&[
            u32x4_extract_lane::<0>(key),
            u32x4_extract_lane::<1>(key),
            u32x4_extract_lane::<2>(key),
            u32x4_extract_lane::<3>(key),
        ]);
        last = (u32x4_extract_lane::<3>(aq), u32x4_extract_lane::<3>(bq));
    }
    r.with_halves(last.0, last.1)
}

/// Inclusive prefix sums of 16 lanes (four vectors of four).
#[inline(always)]
fn prefix16(v: [v128; 4]) -> [v128; 4] {
    let s0 = prefix4(v[0]);
    let s1 = i32x4_add(prefix4(v[1]), i32x4_shuffle::<3, 3, 3, 3>(s0, s0));
    let s2 = i32x4_add(prefix4(v[2]), i32x4_shuffle::<3, 3, 3, 3>(s1, s1));
    let s3 = i32x4_add(prefix4(v[3]), i32x4_shuffle::<3, 3, 3, 3>(s2, s2));
    [s0, s1, s2, s3]
}

/// Inclusive prefix sums of four lanes, by lane shifts.
#[inline(always)]
fn prefix4(v: v128) -> v128 {
    let z = i32x4_splat(0);
    let v = i32x4_add(v, i32x4_shuffle::<4, 0, 1, 2>(v, z));
    i32x4_add(v, i32x4_shuffle::<4, 5, 0, 1>(v, z))
}

/// `v - MOD` where that does not wrap below zero, else `v` (unsigned lanes).
#[inline(always)]
fn sub_mod(v: v128, m: v128) -> v128 {
    u32x4_min(v, i32x4_sub(v, m))
}

/// `v mod MOD` for `v < 2^28 + 2^24` (see `avx2::fold`).
#[inline(always)]
fn fold(v: v128, m: v128) -> v128 {
    let low = v128_and(v, u32x4_splat(0xffff));
    let high = u32x4_shr(v, 16);
    sub_mod(i32x4_add(low, i32x4_sub(i32x4_shl(high, 4), high)), m)
}
