//! The miss scan: rolling the weak sum over positions that no block can
//! match, the hot loop of delta encoding on data unlike the basis.
//!
//! Each position's weak sum picks a word of the filter and two bits in it
//! (`slot`); the scan stops at the first position whose bits are both set
//! (every block's are, see `index.rs`). The rolling recurrence is a
//! dependency chain, so
//! where SIMD is at hand the weak sums of 16 positions are computed at once
//! from prefix sums instead. With window length `n`, `d_i = in_i - out_i`,
//! `P_l = d_0 + ... + d_l` and the state `(a, b)` before the group, the
//! window after step `l + 1` has (mod 65521)
//!
//! ```text
//! a_l = a + P_l
//! b_l = b + (l + 1) * (a - 1) + R_l,   R_l = sum over j <= l of (P_j - n * out_j)
//! ```
//!
//! All terms are bounded (|P_l| <= 16 * 255), so they fit 32-bit lanes and
//! reduce with shifts and conditional subtractions; the filter words and
//! bit masks are computed in the same lanes. Kernels: AVX2 on x86-64
//! (detected at run time; it gathers the words) and `simd128` on wasm32
//! (when compiled with it; it loads them one by one); elsewhere a scalar
//! kernel with the same interface. The last few positions take the scalar
//! loop. Tests check every kernel's sums and hits against that loop.

use crate::rolling::{OutTable, Rolling, MOD};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

/// Positions per SIMD group.
const LANES: usize = 16;

/// Multipliers of the filter's two hashes (odd, so each is a bijection of
/// weak sums).
pub(crate) const MIX: u32 = 0x9E37_79B1;
pub(crate) const MIX2: u32 = 0x85EB_CA77;

/// Where a weak sum lives in a filter of `1 << (32 - shift)` 32-bit words:
/// the word, and the two bits (maybe one) that must both be set.
#[inline(always)]
pub(crate) fn slot(weak: u32, shift: u32) -> (usize, u32) {
    let g = weak.wrapping_mul(MIX2);
    let mask = (1 << (g >> 27)) | (1 << ((g >> 22) & 31));
    ((weak.wrapping_mul(MIX) >> shift) as usize, mask)
}

#[inline(always)]
fn hit(filter: &[u32], shift: u32, weak: u32) -> bool {
    let (w, mask) = slot(weak, shift);
    filter[w] & mask == mask
}

/// What a kernel needs besides the data.
#[derive(Clone, Copy)]
struct Consts {
    /// `(MOD - n % MOD) % MOD` for windows of `n` bytes: adding `nn * x`
    /// subtracts `n * x`.
    nn: u32,
    /// The filter has `1 << (32 - shift)` words.
    shift: u32,
}

/// Rolls `r` over `outs`/`ins` (bytes leaving and entering the window) until
/// a position whose weak sum may be in the filter; returns the steps taken
/// (all of them when none may be). `filter` must have `1 << (32 - shift)`
/// words.
pub(crate) fn skip_misses(
    filter: &[u32],
    shift: u32,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> usize {
    let c = Consts {
        nn: (MOD - table.len_mod()) % MOD,
        shift,
    };
    #[cfg(target_arch = "x86_64")]
    if let Some(steps) = avx2::skip_misses(filter, c, r, outs, ins, table) {
        return steps;
    }
    // (A filter of another shape, which `Index` never makes, takes the
    // plain loop: the scalar kernel would add its code to the module.)
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return match simd128::Kernel::new(c, filter) {
        Some(k) => drive(filter, c, r, outs, ins, table, |r, o, i, _, _| {
            k.group(r, o, i)
        }),
        None => scalar(filter, shift, r, outs, ins, table),
    };
    #[allow(unreachable_code)]
    drive(filter, c, r, outs, ins, table, scalar_group)
}

/// One step of the scalar kernel: `a` and `b` after `x` leaves and `y`
/// enters, with `nn * x` (below 2^24) in place of the table.
#[inline(always)]
fn scalar_step(a: u32, b: u32, x: u8, y: u8, nn: u32) -> (u32, u32) {
    // a + MOD + y - x is in (MOD - 256, 2 * MOD + 255).
    let a2 = a + MOD + u32::from(y) - u32::from(x);
    let a = if a2 >= 2 * MOD {
        a2 - 2 * MOD
    } else if a2 >= MOD {
        a2 - MOD
    } else {
        a2
    };
    // b + a + MOD - 1 + nn * x < 2^25 folds (as in `avx2::fold`) below 2 * MOD.
    let v = b + a + MOD - 1 + nn * u32::from(x);
    let w = (v & 0xffff) + 15 * (v >> 16);
    (a, if w >= MOD { w - MOD } else { w })
}

/// The kernel where there is no SIMD one: 16 scalar steps.
#[inline(always)]
fn scalar_group(
    r: Rolling,
    o: &[u8; LANES],
    i: &[u8; LANES],
    c: Consts,
    filter: &[u32],
) -> (Rolling, u32) {
    let (mut a, mut b) = r.halves();
    let mut hits = 0;
    for l in 0..LANES {
        (a, b) = scalar_step(a, b, o[l], i[l], c.nn);
        hits |= u32::from(hit(filter, c.shift, b << 16 | a)) << l;
    }
    (r.with_halves(a, b), hits)
}

/// The scan one position at a time.
#[inline(always)]
fn scalar(
    filter: &[u32],
    shift: u32,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> usize {
    let mut roll = *r;
    let mut steps = 0;
    for (&x, &y) in outs.iter().zip(ins) {
        roll.roll_with(x, y, table);
        steps += 1;
        if hit(filter, shift, roll.value()) {
            break;
        }
    }
    *r = roll;
    steps
}

/// The scan 16 positions at a time with `kernel`, which from the state
/// before a group and its outgoing and incoming bytes returns the state
/// after the group's last step and a mask of the steps (bit `l` for step
/// `l + 1`) whose weak sums may be in the filter; then the rest one at a
/// time. At a possible match, the state is rolled to it with the scalar step.
#[inline(always)]
fn drive(
    filter: &[u32],
    c: Consts,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
    kernel: impl Fn(Rolling, &[u8; LANES], &[u8; LANES], Consts, &[u32]) -> (Rolling, u32),
) -> usize {
    let len = outs.len().min(ins.len());
    let mut roll = *r;
    let mut done = 0;
    while len - done >= LANES {
        let (o, i) = (&outs[done..done + LANES], &ins[done..done + LANES]);
        let (o, i): (&[u8; LANES], &[u8; LANES]) = (o.try_into().unwrap(), i.try_into().unwrap());
        let (next, hits) = kernel(roll, o, i, c, filter);
        if hits != 0 {
            let l = hits.trailing_zeros() as usize;
            for s in 0..=l {
                roll.roll_with(o[s], i[s], table);
            }
            *r = roll;
            return done + l + 1;
        }
        roll = next;
        done += LANES;
    }
    let steps = scalar(
        filter,
        c.shift,
        &mut roll,
        &outs[done..len],
        &ins[done..len],
        table,
    );
    *r = roll;
    done + steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rolling::weak_sum;
    use crate::testutil::{test, Rng};

    /// A kernel's weak sums: the 16 windows after each step, and the state
    /// after the last.
    type Sums = fn(Rolling, &[u8; LANES], &[u8; LANES], u32, &mut [u32; LANES]) -> Rolling;
    type Group = fn(Rolling, &[u8; LANES], &[u8; LANES], Consts, &[u32]) -> (Rolling, u32);

    /// The scalar kernel's sums.
    fn scalar_sums(
        r: Rolling,
        o: &[u8; LANES],
        i: &[u8; LANES],
        nn: u32,
        out: &mut [u32; LANES],
    ) -> Rolling {
        let (mut a, mut b) = r.halves();
        for l in 0..LANES {
            (a, b) = scalar_step(a, b, o[l], i[l], nn);
            out[l] = b << 16 | a;
        }
        r.with_halves(a, b)
    }

    /// The kernels compiled in and usable on this machine, the scalar one
    /// first.
    fn kernels() -> Vec<(&'static str, Sums, Group)> {
        #[allow(unused_mut)]
        let mut v: Vec<(&'static str, Sums, Group)> = vec![("scalar", scalar_sums, scalar_group)];
        #[cfg(target_arch = "x86_64")]
        if avx2::available() {
            v.push(("avx2", avx2::weak16_checked, avx2::group_checked));
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        v.push((
            "simd128",
            |r, o, i, nn, out| {
                let c = Consts { nn, shift: 27 };
                let k = simd128::Kernel::new(c, &[0; 32]).unwrap();
                k.weak16(r, o, i, out)
            },
            |r, o, i, c, filter| simd128::Kernel::new(c, filter).unwrap().group(r, o, i),
        ));
        v
    }

    fn nn(n: usize) -> u32 {
        (MOD - OutTable::new(n).len_mod()) % MOD
    }

    #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
    #[test]
    fn wasm_without_simd128_has_only_the_scalar_kernel() {
        assert_eq!(kernels().len(), 1);
    }

    #[cfg(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    ))]
    #[test]
    fn a_simd_kernel_is_tested() {
        // An x86-64 CPU without AVX2 would run the scalar kernel only; the
        // machines these tests run on have it, and this makes sure that
        // its kernel is tested.
        assert_eq!(kernels().len(), 2);
    }

    /// The AVX2 scan declines a filter or shift its gathers could read
    /// outside of (the scalar kernel then indexes with bounds checks).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_declines_filters_of_the_wrong_shape() {
        let data = [7u8; 64];
        let table = OutTable::new(16);
        let c = |shift| Consts { nn: nn(16), shift };
        let r = Rolling::new(&data[..16]);
        for (len, shift) in [
            (1023usize, 22u32),
            (2048, 22),
            (0, 22),
            (1 << 20, 0),
            (1, 33),
        ] {
            let (filter, mut s) = (vec![0u32; len], r);
            let got = avx2::skip_misses(&filter, c(shift), &mut s, &data, &data, &table);
            assert_eq!(got, None, "len {len} shift {shift}");
        }
        let (filter, mut s) = (vec![0u32; 1024], r);
        let got = avx2::skip_misses(&filter, c(22), &mut s, &data, &data, &table);
        assert_eq!(got, avx2::available().then_some(64));
    }

    /// The `simd128` kernel declines a filter or shift its probes could
    /// read outside of, and the scan then takes the plain loop.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd128_declines_filters_of_the_wrong_shape() {
        let data = [7u8; 64];
        let table = OutTable::new(16);
        let c = |shift| Consts { nn: nn(16), shift };
        for (len, shift) in [
            (1023usize, 22u32),
            (2048, 22),
            (0, 22),
            (1 << 20, 1),
            (1, 33),
        ] {
            assert!(simd128::Kernel::new(c(shift), &vec![0u32; len]).is_none());
        }
        assert!(simd128::Kernel::new(c(22), &[0; 1024]).is_some());
        assert!(simd128::Kernel::new(c(32), &[0; 1]).is_some());
        // A filter longer than its shift says, every bit set: the plain
        // loop stops at the first step.
        let (filter, mut r) = (vec![!0u32; 1024], Rolling::new(&data[..16]));
        assert!(simd128::Kernel::new(c(23), &filter).is_none());
        assert_eq!(skip_misses(&filter, 23, &mut r, &data, &data, &table), 1);
    }

    /// Checks a kernel's sums for the group starting at `start` of `data`.
    fn check_sums(name: &str, sums: Sums, data: &[u8], n: usize, start: usize) {
        let r0 = Rolling::new(&data[start..start + n]);
        let o: &[u8; LANES] = data[start..start + LANES].try_into().unwrap();
        let i: &[u8; LANES] = data[start + n..start + n + LANES].try_into().unwrap();
        let mut got = [0u32; LANES];
        let end = sums(r0, o, i, nn(n), &mut got);
        for (l, &got) in got.iter().enumerate() {
            let at = start + l + 1;
            let want = weak_sum(&data[at..at + n]);
            assert_eq!(got, want, "{name} n {n} start {start} lane {l}");
        }
        let want = weak_sum(&data[start + LANES..start + LANES + n]);
        assert_eq!(end.value(), want, "{name} n {n} start {start}: state after");
    }

    /// Every kernel's weak sums equal whole-window sums (the `adler32`
    /// crate's, as `rolling.rs` checks), at every alignment of the data and
    /// for window lengths around multiples of the lane counts.
    #[test]
    fn kernel_sums_match_at_every_alignment() {
        let mut rng = Rng::new(11);
        let lens = [
            1usize, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 64, 65, 700, 4097,
        ];
        for &n in &lens {
            let data = rng.bytes(n + 3 * LANES + 64);
            for start in 0..2 * LANES + 3 {
                for (name, sums, _) in kernels() {
                    check_sums(name, sums, &data, n, start);
                }
            }
        }
    }

    /// The extremes of every bound: all-0xff windows leaving for all-zero
    /// ones and back, and windows around and above the modulus.
    #[test]
    fn kernel_sums_at_extreme_bytes_and_long_windows() {
        let mut rng = Rng::new(12);
        for n in [
            1usize, 16, 17, 5552, 65520, 65521, 65522, 70000, 131_042, 131_043,
        ] {
            for pattern in 0..5 {
                let data: Vec<u8> = (0..n + 4 * LANES)
                    .map(|i| match pattern {
                        0 => 0xff,
                        1 => 0xff * u8::from(i < n),
                        2 => 0xff * u8::from(i >= n),
                        3 => 0xff * u8::from(i % 2 == 0),
                        _ => rng.next() as u8 | 0xf0,
                    })
                    .collect();
                for start in [0, 1, LANES - 1, 2 * LANES + 5] {
                    for (name, sums, _) in kernels() {
                        check_sums(name, sums, &data, n, start);
                    }
                }
            }
        }
    }

    /// A filter of `1 << (32 - shift)` words: empty for `k = 0`, else each
    /// word the AND of `k` random words (`1 / 2^k` of the bits set) or, for
    /// negative `k`, the OR of `-k` of them.
    fn random_filter(rng: &mut Rng, shift: u32, k: i32) -> Vec<u32> {
        let mut word = || rng.next() as u32;
        (0..1usize << (32 - shift))
            .map(|_| match k {
                0 => 0,
                1.. => (1..k).fold(word(), |w, _| w & word()),
                _ => (1..-k).fold(word(), |w, _| w | word()),
            })
            .collect()
    }

    /// Each kernel flags exactly the steps whose weak sums the scalar test
    /// finds in the filter.
    #[test]
    fn kernel_hits_match_the_scalar_test() {
        let mut rng = Rng::new(14);
        for (shift, k) in [(27u32, 0i32), (27, 1), (22, 4), (17, -1), (14, -3)] {
            let filter = random_filter(&mut rng, shift, k);
            let mut seen = 0;
            for n in [5usize, 16, 700] {
                let data = rng.bytes(n + 40 * LANES);
                for start in 0..38 * LANES {
                    let r0 = Rolling::new(&data[start..start + n]);
                    let o: &[u8; LANES] = data[start..start + LANES].try_into().unwrap();
                    let i: &[u8; LANES] = data[start + n..start + n + LANES].try_into().unwrap();
                    let mut want = 0;
                    for l in 0..LANES {
                        let w = weak_sum(&data[start + l + 1..start + l + 1 + n]);
                        want |= u32::from(hit(&filter, shift, w)) << l;
                    }
                    seen |= want;
                    let c = Consts { nn: nn(n), shift };
                    for (name, _, group) in kernels() {
                        let (end, hits) = group(r0, o, i, c, &filter);
                        assert_eq!(hits, want, "{name} shift {shift} n {n} start {start}");
                        let after = weak_sum(&data[start + LANES..start + LANES + n]);
                        assert_eq!(end.value(), after, "{name} n {n} start {start}");
                    }
                }
            }
            // All but the empty filter must have flagged every lane somewhere.
            assert_eq!(seen == 0xffff, k != 0, "shift {shift} k {k}");
        }
    }

    /// The whole scan stops where the scalar scan stops and leaves the same
    /// state, for scans of every length around the lane count.
    #[test]
    fn skip_misses_stops_where_the_scalar_scan_stops() {
        let mut rng = Rng::new(13);
        for (n, shift, k) in [
            (7usize, 27u32, 0i32),
            (16, 27, 3),
            (33, 17, 2),
            (100, 14, 1),
        ] {
            let data = rng.bytes(n + 600);
            let table = OutTable::new(n);
            let filter = random_filter(&mut rng, shift, k);
            for start in 0..40 {
                for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 100, 500] {
                    let r0 = Rolling::new(&data[start..start + n]);
                    let (outs, ins) =
                        (&data[start..start + len], &data[start + n..start + n + len]);
                    let mut want_r = r0;
                    let want = scalar(&filter, shift, &mut want_r, outs, ins, &table);
                    let mut got_r = r0;
                    let got = skip_misses(&filter, shift, &mut got_r, outs, ins, &table);
                    assert_eq!(got, want, "n {n} start {start} len {len}");
                    assert_eq!(
                        got_r.value(),
                        want_r.value(),
                        "n {n} start {start} len {len}"
                    );
                    for (name, _, group) in kernels() {
                        let c = Consts { nn: nn(n), shift };
                        let mut r = r0;
                        let steps = drive(&filter, c, &mut r, outs, ins, &table, group);
                        assert_eq!(steps, want, "{name} n {n} start {start} len {len}");
                        assert_eq!(r.value(), want_r.value(), "{name} n {n} start {start}");
                    }
                }
            }
        }
    }
}
