//! The AVX2 kernel: a group of 16 positions as two vectors of eight 32-bit
//! lanes (see the parent module for the sums), the filter words fetched by
//! gathers. Used only when the CPU says it has AVX2.
//!
//! The functions here are `unsafe fn` because they are compiled for AVX2:
//! calling them on a CPU without it is undefined behaviour. Their memory
//! accesses are unaligned loads of the 16-byte arrays they are given and
//! gathers from the filter at word indices below its length (see `group`).

use super::{drive, Consts, LANES, MIX, MIX2};
use crate::rolling::{OutTable, Rolling, MOD};
use core::arch::x86_64::*;

/// Whether this CPU has AVX2 (detected once, then a cached load).
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// The scan with the AVX2 kernel, or `None` when the CPU lacks AVX2.
pub(super) fn skip_misses(
    filter: &[u32],
    c: Consts,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> Option<usize> {
    // A shift of at least 1 keeps the word indices below 2^31: the gathers
    // take them as signed.
    if !available() || !(1..=32).contains(&c.shift) || filter.len() != 1 << (32 - c.shift) {
        return None;
    }
    // SAFETY: the CPU has AVX2, and the filter and shift are as `group`
    // needs (all checked just above).
    Some(unsafe { skip_avx2(filter, c, r, outs, ins, table) })
}

/// `drive` compiled for AVX2, so that the kernel inlines into its loop.
///
/// # Safety
/// The CPU must have AVX2, `c.shift` must be 1 to 32 and `filter` must have
/// `1 << (32 - c.shift)` words.
#[target_feature(enable = "avx2")]
unsafe fn skip_avx2(
    filter: &[u32],
    c: Consts,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> usize {
    drive(filter, c, r, outs, ins, table, |r, o, i, c, filter| {
        // SAFETY: this closure runs only inside `skip_avx2`, whose caller
        // has checked both conditions.
        unsafe { group(r, o, i, c, filter) }
    })
}

/// `weak16` for tests, after checking for AVX2.
#[cfg(test)]
pub(super) fn weak16_checked(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    nn: u32,
    out: &mut [u32; LANES],
) -> Rolling {
    assert!(available(), "AVX2 kernel called without AVX2");
    // SAFETY: the CPU has AVX2 (asserted just above); the stores write
    // the 64 bytes of `out`.
    unsafe {
        let (a, b) = sums(r, o, i, nn);
        let p = out.as_mut_ptr().cast::<__m256i>();
        _mm256_storeu_si256(p, weak(a.0, b.0));
        _mm256_storeu_si256(p.add(1), weak(a.1, b.1));
        state(r, a, b)
    }
}

/// `group` for tests, after checking its conditions.
#[cfg(test)]
pub(super) fn group_checked(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    c: Consts,
    filter: &[u32],
) -> (Rolling, u32) {
    assert!(available() && (1..=32).contains(&c.shift) && filter.len() == 1 << (32 - c.shift));
    // SAFETY: both conditions of `group` asserted just above.
    unsafe { group(r, o, i, c, filter) }
}

type Pair = (__m256i, __m256i);

/// One group of 16 steps: the state after the last, and the mask of the
/// steps whose weak sums may be in the filter (bit `l` for step `l + 1`).
///
/// # Safety
/// The CPU must have AVX2, `c.shift` must be 1 to 32 and `filter` must have
/// `1 << (32 - c.shift)` words: the gathers read words `weak * MIX >>
/// c.shift`, all below that and below 2^31 (they are taken as signed).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn group(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    c: Consts,
    filter: &[u32],
) -> (Rolling, u32) {
    let (a, b) = sums(r, o, i, c.nn);
    let shift = _mm_cvtsi32_si128(c.shift as i32);
    let one = _mm256_set1_epi32(1);
    let test = |w: __m256i| {
        let word = _mm256_srl_epi32(_mm256_mullo_epi32(w, _mm256_set1_epi32(MIX as i32)), shift);
        let g = _mm256_mullo_epi32(w, _mm256_set1_epi32(MIX2 as i32));
        let bit1 = _mm256_srli_epi32::<27>(g);
        let bit2 = _mm256_and_si256(_mm256_srli_epi32::<22>(g), _mm256_set1_epi32(31));
        let mask = _mm256_or_si256(_mm256_sllv_epi32(one, bit1), _mm256_sllv_epi32(one, bit2));
        let words = _mm256_i32gather_epi32::<4>(filter.as_ptr().cast(), word);
        let missing = _mm256_andnot_si256(words, mask);
        let set = _mm256_cmpeq_epi32(missing, _mm256_setzero_si256());
        _mm256_movemask_ps(_mm256_castsi256_ps(set)) as u32
    };
    let hits = test(weak(a.0, b.0)) | test(weak(a.1, b.1)) << 8;
    (state(r, a, b), hits)
}

/// The reduced halves `(a, b)` of the windows after each step.
///
/// # Safety
/// The CPU must have AVX2. (The loads read the 16 bytes of `o` and of `i`.)
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sums(r: Rolling, o: &[u8; LANES], i: &[u8; LANES], nn: u32) -> (Pair, Pair) {
    let (a, b) = r.halves();
    let m = _mm256_set1_epi32(MOD as i32);
    let xo = _mm_loadu_si128(o.as_ptr().cast());
    let yi = _mm_loadu_si128(i.as_ptr().cast());
    let x0 = _mm256_cvtepu8_epi32(xo);
    let x1 = _mm256_cvtepu8_epi32(_mm_srli_si128::<8>(xo));
    let y0 = _mm256_cvtepu8_epi32(yi);
    let y1 = _mm256_cvtepu8_epi32(_mm_srli_si128::<8>(yi));
    // a + MOD + P_l, with a + MOD added to the first lane before the prefix
    // sums: in (0, 3 * MOD), so two conditional subtractions reduce it.
    let first = _mm256_zextsi128_si256(_mm_cvtsi32_si128((a + MOD) as i32));
    let d0 = _mm256_add_epi32(_mm256_sub_epi32(y0, x0), first);
    let (p0, p1) = prefix16(d0, _mm256_sub_epi32(y1, x1));
    let a0 = sub_mod(sub_mod(p0, m), m);
    let a1 = sub_mod(sub_mod(p1, m), m);
    // b + 2 * MOD + sum over j <= l of (P_j + nn * x_j + a - 1), as prefix
    // sums of (a + MOD + P_j) + nn * x_j - MOD - 1 with b + 2 * MOD added to
    // the first lane: at least 2 * MOD - 16 - 255 * (1 + ... + 16)
    // > 0, at most 3 * MOD + 16 * MOD + 34680 + 65520 * 4080 < 2^28 + 2^24.
    let nn = _mm256_set1_epi32(nn as i32);
    let rest = _mm256_set1_epi32(-(MOD as i32) - 1);
    let first = _mm256_zextsi128_si256(_mm_cvtsi32_si128((b + 2 * MOD) as i32));
    let r0 = _mm256_add_epi32(_mm256_add_epi32(p0, _mm256_mullo_epi32(x0, nn)), rest);
    let r1 = _mm256_add_epi32(_mm256_add_epi32(p1, _mm256_mullo_epi32(x1, nn)), rest);
    let (s0, s1) = prefix16(_mm256_add_epi32(r0, first), r1);
    ((a0, a1), (fold(s0), fold(s1)))
}

/// `b << 16 | a` per lane.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn weak(a: __m256i, b: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_slli_epi32::<16>(b), a)
}

/// `r` moved to the last lane's halves.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn state(r: Rolling, a: Pair, b: Pair) -> Rolling {
    r.with_halves(
        _mm256_extract_epi32::<7>(a.1) as u32,
        _mm256_extract_epi32::<7>(b.1) as u32,
    )
}

/// Inclusive prefix sums of 16 lanes (two vectors of eight).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn prefix16(v0: __m256i, v1: __m256i) -> Pair {
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
