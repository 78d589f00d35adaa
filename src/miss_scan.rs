//! The miss scan: rolling the weak sum over positions that no block can
//! match, the hot loop of delta encoding on data unlike the basis.
//!
//! Each position's weak sum is turned into a filter key (`index.rs`) and
//! one bit of the filter is tested; the scan stops at the first position
//! whose bit is set. The rolling recurrence is a dependency chain, so
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
//! reduce with shifts and conditional subtractions. The filter probes stay
//! scalar. Kernels: AVX2 on x86-64 (detected at run time) and `simd128` on
//! wasm32 (when compiled with it); elsewhere, and for the last few
//! positions, the scalar loop. Tests check every kernel against the scalar
//! sums.

use crate::rolling::{OutTable, Rolling};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

/// Positions per SIMD group.
const LANES: usize = 16;

/// What a kernel needs besides the data: the filter key's parameters and
/// the window length.
#[derive(Clone, Copy)]
pub(crate) struct Keying {
    /// `(MOD - n % MOD) % MOD`: adding `nn * x` subtracts `n * x`.
    pub nn: u32,
    /// Keys are `weak * MIX >> shift`.
    pub shift: u32,
}

/// The filter key of a weak sum: a bit number in a filter of `32 - shift` bits.
#[inline(always)]
pub(crate) fn key(weak: u32, shift: u32) -> u32 {
    weak.wrapping_mul(MIX) >> shift
}

/// Odd, so that keys with shift 0 are a bijection of weak sums.
pub(crate) const MIX: u32 = 0x9E37_79B1;

#[inline(always)]
fn hit(filter: &[u64], k: u32) -> bool {
    let k = k as usize;
    filter[k / 64] & (1 << (k % 64)) != 0
}

/// Rolls `r` over `outs`/`ins` (bytes leaving and entering the window) until
/// a position whose filter bit is set; returns the steps taken (all of
/// them when no bit is set). Every key must be a bit of `filter`.
pub(crate) fn skip_misses(
    filter: &[u64],
    shift: u32,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
) -> usize {
    let k = Keying {
        nn: (crate::rolling::MOD - table.len_mod()) % crate::rolling::MOD,
        shift,
    };
    #[cfg(target_arch = "x86_64")]
    if let Some(steps) = avx2::skip_misses(filter, k, r, outs, ins, table) {
        return steps;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return drive(filter, k, r, outs, ins, table, simd128::group);
    #[allow(unreachable_code)]
    scalar(filter, shift, r, outs, ins, table)
}

/// The scan one position at a time.
#[inline(always)]
fn scalar(
    filter: &[u64],
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
        if hit(filter, key(roll.value(), shift)) {
            break;
        }
    }
    *r = roll;
    steps
}

/// The scan 16 positions at a time with `kernel`, which from the state
/// before a group and its outgoing and incoming bytes writes the keys of the
/// windows after each step and returns the state after the last one; then the rest one at a
/// time. At a set bit, the state is rolled to it with the scalar step.
#[inline(always)]
fn drive(
    filter: &[u64],
    k: Keying,
    r: &mut Rolling,
    outs: &[u8],
    ins: &[u8],
    table: &OutTable,
    kernel: impl Fn(Rolling, &[u8; LANES], &[u8; LANES], Keying, &mut [u32; LANES]) -> Rolling,
) -> usize {
    let len = outs.len().min(ins.len());
    let mut roll = *r;
    let mut done = 0;
    let mut keys = [0u32; LANES];
    while len - done >= LANES {
        let (o, i) = (&outs[done..done + LANES], &ins[done..done + LANES]);
        let (o, i): (&[u8; LANES], &[u8; LANES]) = (o.try_into().unwrap(), i.try_into().unwrap());
        let next = kernel(roll, o, i, k, &mut keys);
        if let Some(l) = keys.iter().position(|&f| hit(filter, f)) {
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
        k.shift,
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

    type Kernel = fn(Rolling, &[u8; LANES], &[u8; LANES], Keying, &mut [u32; LANES]) -> Rolling;
    use crate::rolling::weak_sum;
    use crate::testutil::{test, Rng};

    /// The kernels compiled in (the scalar one always).
    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut v: Vec<(&'static str, Kernel)> = vec![("scalar", scalar_group)];
        #[cfg(target_arch = "x86_64")]
        if avx2::available() {
            v.push(("avx2", avx2::group_checked));
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        v.push(("simd128", simd128::group));
        v
    }

    /// The reference kernel: 16 scalar steps.
    fn scalar_group(
        mut r: Rolling,
        o: &[u8; LANES],
        i: &[u8; LANES],
        k: Keying,
        keys: &mut [u32; LANES],
    ) -> Rolling {
        for l in 0..LANES {
            r.roll(o[l], i[l]);
            keys[l] = key(r.value(), k.shift);
        }
        r
    }

    #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
    #[test]
    fn wasm_without_simd128_uses_the_scalar_scan() {
        assert_eq!(kernels().len(), 1);
    }

    #[cfg(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    ))]
    #[test]
    fn a_simd_kernel_is_compiled_in() {
        // x86-64 machines without AVX2 would run the scalar scan only; the
        // test machines have it, and this makes sure its kernel is tested.
        assert!(kernels().len() > 1, "{:?}", kernels().len());
    }

    /// Every kernel's weak sums (keys with shift 0 are a bijection) equal
    /// the scalar ones and whole-window sums, at every alignment of the
    /// data and for window lengths around multiples of the lane count.
    #[test]
    fn kernels_match_the_scalar_sums_at_every_alignment() {
        let mut rng = Rng::new(11);
        let lens = [
            1usize, 2, 3, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 65, 700, 4096, 4097,
        ];
        for &n in &lens {
            let data = rng.bytes(n + 3 * LANES + 64);
            let table = OutTable::new(n);
            let k = Keying {
                nn: (crate::rolling::MOD - table.len_mod()) % crate::rolling::MOD,
                shift: 0,
            };
            for start in 0..LANES + 3 {
                let r0 = Rolling::new(&data[start..start + n]);
                let o: &[u8; LANES] = data[start..start + LANES].try_into().unwrap();
                let i: &[u8; LANES] = data[start + n..start + n + LANES].try_into().unwrap();
                for (name, kernel) in kernels() {
                    let mut keys = [0u32; LANES];
                    let end = kernel(r0, o, i, k, &mut keys);
                    for (l, &got) in keys.iter().enumerate() {
                        let at = start + l + 1;
                        let want = weak_sum(&data[at..at + n]);
                        assert_eq!(got, key(want, 0), "{name} n {n} start {start} lane {l}");
                    }
                    let want = weak_sum(&data[start + LANES..start + LANES + n]);
                    assert_eq!(end.value(), want, "{name} n {n} start {start} end state");
                }
            }
        }
    }

    /// The extremes of every bound: all-0xff windows leaving for all-zero
    /// ones and back, sums at 0 and at MOD - 1, windows longer than MOD.
    #[test]
    fn kernels_handle_extreme_bytes_and_long_windows() {
        let mut rng = Rng::new(12);
        for n in [
            1usize, 16, 17, 5552, 65520, 65521, 65522, 70000, 131_042, 131_043,
        ] {
            for pattern in 0..4 {
                let data: Vec<u8> = (0..n + 4 * LANES)
                    .map(|i| match pattern {
                        0 => 0xff,
                        1 => {
                            if i < n {
                                0xff
                            } else {
                                0
                            }
                        }
                        2 => {
                            if i < n {
                                0
                            } else {
                                0xff
                            }
                        }
                        _ => rng.next_u64() as u8 | 0xf0,
                    })
                    .collect();
                let table = OutTable::new(n);
                let k = Keying {
                    nn: (crate::rolling::MOD - table.len_mod()) % crate::rolling::MOD,
                    shift: 0,
                };
                for start in [0, 1, LANES, 2 * LANES + 5] {
                    let r0 = Rolling::new(&data[start..start + n]);
                    let o: &[u8; LANES] = data[start..start + LANES].try_into().unwrap();
                    let i: &[u8; LANES] = data[start + n..start + n + LANES].try_into().unwrap();
                    for (name, kernel) in kernels() {
                        let mut keys = [0u32; LANES];
                        let end = kernel(r0, o, i, k, &mut keys);
                        for (l, &got) in keys.iter().enumerate() {
                            let want = weak_sum(&data[start + l + 1..start + l + 1 + n]);
                            assert_eq!(got, key(want, 0), "{name} n {n} p {pattern} lane {l}");
                        }
                        let want = weak_sum(&data[start + LANES..start + LANES + n]);
                        assert_eq!(end.value(), want, "{name} n {n} p {pattern} end");
                    }
                }
            }
        }
    }

    /// The whole scan stops where the scalar scan stops and leaves the same
    /// state, for filters from empty to full, scans of every length around
    /// the lane count, and every shift the index uses.
    #[test]
    fn skip_misses_stops_where_the_scalar_scan_stops() {
        let mut rng = Rng::new(13);
        for (n, bits, density) in [
            (7usize, 10u32, 0u64),
            (16, 10, 2),
            (33, 14, 5),
            (100, 20, 60),
        ] {
            let data = rng.bytes(n + 600);
            let table = OutTable::new(n);
            let mut filter = vec![0u64; (1usize << bits) / 64];
            for w in filter.iter_mut() {
                // About `density` bits in 1000 set.
                for bit in 0..64 {
                    if rng.below(1000) < density as usize {
                        *w |= 1 << bit;
                    }
                }
            }
            let shift = 32 - bits;
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
                    for (name, kernel) in kernels() {
                        let k = Keying {
                            nn: (crate::rolling::MOD - table.len_mod()) % crate::rolling::MOD,
                            shift,
                        };
                        let mut r = r0;
                        let steps = drive(&filter, k, &mut r, outs, ins, &table, kernel);
                        assert_eq!(steps, want, "{name} n {n} start {start} len {len}");
                        assert_eq!(r.value(), want_r.value(), "{name} n {n} start {start}");
                    }
                }
            }
        }
    }
}
