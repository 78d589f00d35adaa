//! The wasm32 `simd128` kernel: a group of 16 positions as four vectors of
//! four 32-bit lanes (see the parent module for the sums, and `avx2.rs` for
//! the same steps with eight lanes and their bounds). Compiled only when the
//! whole crate is built with `+simd128`, so every instruction used here is
//! there at run time (a module without it fails to load).

use super::{Consts, LANES, MIX, MIX2};
use crate::rolling::{Rolling, MOD};
use core::arch::wasm32::*;
use core::marker::PhantomData;

type Quad = [v128; 4];

/// The kernel's constants as vectors, made once per scan: LLVM would
/// otherwise rebuild each `v128.const` inside the loop, which V8 compiles
/// to several instructions each time.
#[derive(Clone, Copy)]
pub(super) struct Kernel<'f> {
    /// Each probe reads the filter word at `base + (weak * MIX >> shift) * 4`.
    filter: PhantomData<&'f [u32]>,
    base: v128,
    not3: v128,
    shift: u32,
    nn: v128,
    m: v128,
    rest: v128,
    low16: v128,
    mix: v128,
    mix2: v128,
    bits5: v128,
    fifteen: v128,
    bytes: v128,
    bytes1: v128,
    pow2: v128,
}

impl<'f> Kernel<'f> {
    /// The kernel for `filter`, which must have `1 << (32 - c.shift)` words
    /// (else None: the probes read its words without bounds checks).
    pub(super) fn new(c: Consts, filter: &'f [u32]) -> Option<Kernel<'f>> {
        if !(2..=32).contains(&c.shift) || filter.len() != 1 << (32 - c.shift) {
            return None;
        }
        Some(core::hint::black_box(Kernel {
            filter: PhantomData,
            base: u32x4_splat(filter.as_ptr().expose_provenance() as u32),
            not3: u32x4_splat(!3),
            // Byte offsets of words: two bits less shift, the low two cleared.
            shift: c.shift - 2,
            nn: u32x4_splat(c.nn),
            m: u32x4_splat(MOD),
            rest: i32x4_splat(-(MOD as i32) - 1),
            low16: u32x4_splat(0xffff),
            mix: u32x4_splat(MIX),
            mix2: u32x4_splat(MIX2),
            bits5: u32x4_splat(31),
            fifteen: u32x4_splat(15),
            bytes: u32x4_splat(0x1810_0800),
            bytes1: u32x4_splat(0x0101_0101),
            pow2: u8x16(1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0),
        }))
    }

    /// One group of 16 steps: the state after the last, and the mask of the
    /// steps whose weak sums may be in the filter (bit `l` for step `l + 1`).
    #[inline(always)]
    pub(super) fn group(&self, r: Rolling, o: &[u8; LANES], i: &[u8; LANES]) -> (Rolling, u32) {
        let (a, b) = self.sums(r, o, i);
        // Written out: as a loop, LLVM keeps the vectors in memory.
        let hits = self.probe(a[0], b[0])
            | self.probe(a[1], b[1]) << 4
            | self.probe(a[2], b[2]) << 8
            | self.probe(a[3], b[3]) << 12;
        (state(r, &a, &b), hits)
    }

    /// The lanes whose weak sums `b << 16 | a` may be in the filter.
    #[inline(always)]
    fn probe(&self, a: v128, b: v128) -> u32 {
        let w = weak(a, b);
        let offset = v128_and(u32x4_shr(i32x4_mul(w, self.mix), self.shift), self.not3);
        let g = i32x4_mul(w, self.mix2);
        let mask = v128_or(
            self.pow2(u32x4_shr(g, 27)),
            self.pow2(v128_and(u32x4_shr(g, 22), self.bits5)),
        );
        // The addresses in the lanes, so that each load takes one lane and
        // no arithmetic (the bounds checks of indexing would add three
        // instructions a load).
        let addr = i32x4_add(self.base, offset);
        // SAFETY: `offset` is a multiple of 4 below `1 << (34 - c.shift)`,
        // the filter's length in bytes (`new` checked it), so each address
        // is that of one of its words, which live as long as `'f`.
        let at = |p: u32| unsafe { *core::ptr::with_exposed_provenance::<u32>(p as usize) };
        let words = u32x4(
            at(u32x4_extract_lane::<0>(addr)),
            at(u32x4_extract_lane::<1>(addr)),
            at(u32x4_extract_lane::<2>(addr)),
            at(u32x4_extract_lane::<3>(addr)),
        );
        let set = i32x4_eq(v128_andnot(mask, words), i32x4_splat(0));
        u32::from(i32x4_bitmask(set))
    }

    /// The weak sums of the windows after each step, for tests.
    #[cfg(test)]
    pub(super) fn weak16(
        &self,
        r: Rolling,
        o: &[u8; LANES],
        i: &[u8; LANES],
        out: &mut [u32; LANES],
    ) -> Rolling {
        let (a, b) = self.sums(r, o, i);
        for q in 0..4 {
            let w = weak(a[q], b[q]);
            out[4 * q] = u32x4_extract_lane::<0>(w);
            out[4 * q + 1] = u32x4_extract_lane::<1>(w);
            out[4 * q + 2] = u32x4_extract_lane::<2>(w);
            out[4 * q + 3] = u32x4_extract_lane::<3>(w);
        }
        state(r, &a, &b)
    }

    /// `1 << k` per lane, for `k` below 32 (wasm has no per-lane shift
    /// counts): byte `j` of a lane is `pow2[k - 8 * j]`, which is zero
    /// unless `k - 8 * j` is 0 to 7 (a swizzle index of 16 or more, as the
    /// bytes below zero wrap to, gives zero). `k` times 0x01010101 puts `k`
    /// in each byte (a shuffle constant costs V8 more).
    #[inline(always)]
    fn pow2(&self, k: v128) -> v128 {
        let spread = i32x4_mul(k, self.bytes1);
        i8x16_swizzle(self.pow2, i8x16_sub(spread, self.bytes))
    }

    /// The reduced halves `(a, b)` of the windows after each step.
    #[inline(always)]
    fn sums(&self, r: Rolling, o: &[u8; LANES], i: &[u8; LANES]) -> (Quad, Quad) {
        let (a, b) = r.halves();
        // SAFETY: `o` and `i` are 16 readable bytes each, and `v128_load`
        // has no alignment requirement.
        let (xo, yi) = unsafe { (v128_load(o.as_ptr().cast()), v128_load(i.as_ptr().cast())) };
        // Bytes widened to 16 bits, where y - x fits.
        let (xl, xh) = (u16x8_extend_low_u8x16(xo), u16x8_extend_high_u8x16(xo));
        let (dl, dh) = (
            i16x8_sub(u16x8_extend_low_u8x16(yi), xl),
            i16x8_sub(u16x8_extend_high_u8x16(yi), xh),
        );
        let nx = [
            i32x4_mul(u32x4_extend_low_u16x8(xl), self.nn),
            i32x4_mul(u32x4_extend_high_u16x8(xl), self.nn),
            i32x4_mul(u32x4_extend_low_u16x8(xh), self.nn),
            i32x4_mul(u32x4_extend_high_u16x8(xh), self.nn),
        ];
        // a + MOD + P_l (a + MOD added to the first lane), in (0, 3 * MOD).
        let p = prefix16([
            i32x4_add(i32x4_extend_low_i16x8(dl), u32x4(a + MOD, 0, 0, 0)),
            i32x4_extend_high_i16x8(dl),
            i32x4_extend_low_i16x8(dh),
            i32x4_extend_high_i16x8(dh),
        ]);
        // b + 2 * MOD + sum over j <= l of (P_j + nn * x_j + a - 1).
        let first = u32x4(b + 2 * MOD, 0, 0, 0);
        let s = prefix16([
            i32x4_add(i32x4_add(i32x4_add(p[0], nx[0]), self.rest), first),
            i32x4_add(i32x4_add(p[1], nx[1]), self.rest),
            i32x4_add(i32x4_add(p[2], nx[2]), self.rest),
            i32x4_add(i32x4_add(p[3], nx[3]), self.rest),
        ]);
        (
            p.map(|v| sub_mod(sub_mod(v, self.m), self.m)),
            s.map(|v| self.fold(v)),
        )
    }

    /// `v mod MOD` for `v < 2^28 + 2^24` (see `avx2::fold`).
    #[inline(always)]
    fn fold(&self, v: v128) -> v128 {
        let low = v128_and(v, self.low16);
        let high = u32x4_shr(v, 16);
        sub_mod(i32x4_add(low, i32x4_mul(high, self.fifteen)), self.m)
    }
}

/// `b << 16 | a` per lane.
#[inline(always)]
fn weak(a: v128, b: v128) -> v128 {
    v128_or(i32x4_shl(b, 16), a)
}

/// `r` moved to the last lane's halves.
#[inline(always)]
fn state(r: Rolling, a: &Quad, b: &Quad) -> Rolling {
    r.with_halves(u32x4_extract_lane::<3>(a[3]), u32x4_extract_lane::<3>(b[3]))
}

/// Inclusive prefix sums of 16 lanes (four vectors of four).
#[inline(always)]
fn prefix16(v: Quad) -> Quad {
    let s0 = prefix4(v[0]);
    let s1 = i32x4_add(prefix4(v[1]), i32x4_shuffle::<3, 3, 3, 3>(s0, s0));
    let s2 = i32x4_add(prefix4(v[2]), i32x4_shuffle::<3, 3, 3, 3>(s1, s1));
    let s3 = i32x4_add(prefix4(v[3]), i32x4_shuffle::<3, 3, 3, 3>(s2, s2));
    [s0, s1, s2, s3]
}

/// Inclusive prefix sums of four lanes, by lane shifts (written as
/// windows of zeros then `v`, which V8 compiles to one `palignr`).
#[inline(always)]
fn prefix4(v: v128) -> v128 {
    let z = i32x4_splat(0);
    let v = i32x4_add(v, i32x4_shuffle::<3, 4, 5, 6>(z, v));
    i32x4_add(v, i32x4_shuffle::<2, 3, 4, 5>(z, v))
}

/// `v - MOD` where that does not wrap below zero, else `v` (unsigned lanes).
#[inline(always)]
fn sub_mod(v: v128, m: v128) -> v128 {
    u32x4_min(v, i32x4_sub(v, m))
}
