//! The AVX2 kernel: a group of 16 positions as two vectors of eight 32-bit
//! lanes (see the parent module for the sums). Used only when the CPU says
//! it has AVX2.
//!
//! The functions here are `unsafe fn` only because they are compiled for
//! AVX2: calling them on a CPU without it is undefined behaviour. Their
//! memory accesses are unaligned loads and stores within arrays of a fixed
//! size, checked by the types.

use super::{drive, Keying, LANES, MIX};
use crate::rolling::{OutTable, Rolling, MOD};
use core::arch::x86_64::*;

/// Whether this CPU has AVX2 (detected once, then a cached load).
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// The scan with the AVX2 kernel, or `None` when the CPU lacks AVX2.
pub(super) fn skip_misses(
    filter: &[u64],
    k: Keying,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> Option<usize> {
    if !available() {
        return None;
    }
    // SAFETY: the CPU has AVX2 (checked just above).
    Some(unsafe { skip_avx2(filter, k, r, outs, ins, table) })
}

/// `drive` compiled for AVX2, so that the kernel inlines into its loop.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
unsafe fn skip_avx2(
    filter: &[u64],
    k: Keying,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> usize {
    drive(filter, k, r, outs, ins, table, |r, o, i, k, keys| {
        // SAFETY: this closure runs only inside `skip_avx2`, whose caller
        // has checked that the CPU has AVX2.
        unsafe { group(r, o, i, k, keys) }
    })
}

/// The kernel for tests: checks for AVX2, then runs one group.
#[cfg(test)]
pub(super) fn group_checked(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    k: Keying,
    keys: &mut [u32; LANES],
) -> Rolling {
    assert!(available(), "AVX2 kernel called without AVX2");
    // SAFETY: the CPU has AVX2 (asserted just above).
    unsafe { group(r, o, i, k, keys) }
}

/// One group of 16 steps: writes the keys of the windows after each step
/// and returns the state after the last.
///
/// # Safety
/// The CPU must have AVX2. (The loads read exactly the 16 bytes of `o` and
/// of `i`, the stores write exactly the 64 bytes of `keys`.)
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn group(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    k: Keying,
    keys: &mut [u32; LANES],
) -> Rolling {
    let (a, b) = r.halves();
    let m = _mm256_set1_epi32(MOD as i32);
    let xo = _mm_loadu_si128(o.as_ptr().cast());
    let yi = _mm_loadu_si128(i.as_ptr().cast());
    let x0 = _mm256_cvtepu8_epi32(xo);
    let x1 = _mm256_cvtepu8_epi32(_mm_srli_si128::<8>(xo));
    let y0 = _mm256_cvtepu8_epi32(yi);
    let y1 = _mm256_cvtepu8_epi32(_mm_srli_si128::<8>(yi));
    // P_l, |P_l| <= 16 * 255.
    let (p0, p1) = prefix16(_mm256_sub_epi32(y0, x0), _mm256_sub_epi32(y1, x1));
    // a + MOD + P_l is in (0, 3 * MOD): two conditional subtractions.
    let base_a = _mm256_set1_epi32((a + MOD) as i32);
    let a0 = sub_mod(sub_mod(_mm256_add_epi32(base_a, p0), m), m);
    let a1 = sub_mod(sub_mod(_mm256_add_epi32(base_a, p1), m), m);
    // R_l: prefix sums of P_j + nn * x_j; |sum of P_j| <= 255 * (1 + ... + 16)
    // = 34680 and nn * (x_0 + ... + x_15) <= 65520 * 4080.
    let nn = _mm256_set1_epi32(k.nn as i32);
    let (r0, r1) = prefix16(
        _mm256_add_epi32(p0, _mm256_mullo_epi32(x0, nn)),
        _mm256_add_epi32(p1, _mm256_mullo_epi32(x1, nn)),
    );
    // b + 2 * MOD + (l + 1) * (a - 1) + R_l: at least 2 * MOD - 16 - 34680 > 0,
    // at most 3 * MOD + 16 * MOD + 34680 + 65520 * 4080 < 2^28 + 2^24.
    let base_b = _mm256_set1_epi32((b + 2 * MOD) as i32);
    let am1 = _mm256_set1_epi32(a as i32 - 1);
    let steps0 = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8);
    let steps1 = _mm256_setr_epi32(9, 10, 11, 12, 13, 14, 15, 16);
    let b0 = fold(_mm256_add_epi32(
        _mm256_add_epi32(base_b, _mm256_mullo_epi32(steps0, am1)),
        r0,
    ));
    let b1 = fold(_mm256_add_epi32(
        _mm256_add_epi32(base_b, _mm256_mullo_epi32(steps1, am1)),
        r1,
    ));
    // Keys: (b << 16 | a) * MIX >> shift.
    let mix = _mm256_set1_epi32(MIX as i32);
    let shift = _mm_cvtsi32_si128(k.shift as i32);
    let key = |a: __m256i, b: __m256i| {
        let w = _mm256_or_si256(_mm256_slli_epi32::<16>(b), a);
        _mm256_srl_epi32(_mm256_mullo_epi32(w, mix), shift)
    };
    let out = keys.as_mut_ptr().cast::<__m256i>();
    _mm256_storeu_si256(out, key(a0, b0));
    _mm256_storeu_si256(out.add(1), key(a1, b1));
    r.with_halves(
        _mm256_extract_epi32::<7>(a1) as u32,
        _mm256_extract_epi32::<7>(b1) as u32,
    )
}

/// Inclusive prefix sums of 16 lanes (two vectors of eight).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn prefix16(v0: __m256i, v1: __m256i) -> (__m256i, __m256i) {
    let s0 = prefix8(v0);
    let carry = _mm256_permutevar8x32_epi32(s0, _mm256_set1_epi32(7));
    (s0, _mm256_add_epi32(prefix8(v1), carry))
}

/// Inclusive prefix sums of eight lanes: within each 128-bit half by byte
/// shifts, then the low half's last lane added to the high half.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn prefix8(v: __m256i) -> __m256i {
    let v = _mm256_add_epi32(v, _mm256_slli_si256::<4>(v));
    let v = _mm256_add_epi32(v, _mm256_slli_si256::<8>(v));
    let last = _mm256_shuffle_epi32::<0xFF>(v);
    _mm256_add_epi32(v, _mm256_permute2x128_si256::<0x08>(last, last))
}

/// `v - MOD` where that does not wrap below zero, else `v` (unsigned lanes).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sub_mod(v: __m256i, m: __m256i) -> __m256i {
    _mm256_min_epu32(v, _mm256_sub_epi32(v, m))
}

/// `v mod MOD` for `v < 2^28 + 2^24`: since 2^16 = 15 (mod MOD),
/// `v = h * 2^16 + l` folds to `15 * h + l < 15 * 4352 + 2^16 < 2 * MOD`.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn fold(v: __m256i) -> __m256i {
    let low = _mm256_and_si256(v, _mm256_set1_epi32(0xffff));
    let high = _mm256_srli_epi32::<16>(v);
    let w = _mm256_add_epi32(low, _mm256_sub_epi32(_mm256_slli_epi32::<4>(high), high));
    sub_mod(w, _mm256_set1_epi32(MOD as i32))
}
