//! The simulator's own exponential: the same bits on every IEEE-754 platform, and cheap enough to
//! run K of them per group update.
//!
//! `f64::exp` calls the platform's libm. Its last bit differs between libms (glibc, musl, macOS,
//! the Windows CRT) and, in glibc, between its FMA and non-FMA code paths, so a trajectory that
//! crosses a sampling threshold by one ulp would diverge from one machine to another. This
//! function uses only IEEE-754 additions and multiplications (Rust never fuses them into FMAs) and
//! integer bit operations, so its result is fixed by its input alone; it has no branches, so a
//! loop over a row of logits vectorises.
//!
//! Method (Tang's table-driven scheme, as in most libms): `x = (64m + j)·ln2/64 + r` with
//! `|r| ≤ ln2/128`, `e^x = 2^m · 2^(j/64) · e^r`. The 64 values `2^(j/64)` are stored as a
//! correctly rounded double plus the double nearest its rounding error; `e^r − 1` is the Taylor
//! polynomial of degree 6 (truncation error below 1e-19). The sum `T + (T_lo + T·(e^r − 1))`
//! carries one final rounding, so the result is within about 0.51 ulp of the true value (and
//! within 1 ulp of any libm that is itself within 0.51 ulp), checked in the tests below. `2^m` is
//! applied as two exact power-of-two factors, so results in the subnormal range round once. The
//! constants were generated at 60-digit precision (`2^(j/64)` by Python's `decimal`) and are
//! written as bit patterns so no parser rounds them.

/// 1.5·2^52: adding it rounds a number of magnitude < 2^51 to an integer, kept in the low bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// Below this, e^x < 2^-1075 rounds to 0; above this, e^x overflows to +∞.
const LOWEST: f64 = -746.0;
const HIGHEST: f64 = 710.0;
const C2: f64 = 1.0 / 2.0;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;
const C6: f64 = 1.0 / 720.0;

/// 64/ln 2; ln 2/64 to 32 significant bits (its product with any |k| < 2^17 is exact) and the
/// remainder.
const N_LOG2E: f64 = f64::from_bits(0x40571547652b82fe); // 92.33248261689366
const LN2_N_HI: f64 = f64::from_bits(0x3f862e42ff000000); // 0.010830424696905538
const LN2_N_LO: f64 = f64::from_bits(0xbd6718432a1b0e26); // -6.563929801064195e-13
/// `2^(j/64)`: the nearest double, and the nearest double to what that rounding lost.
const TABLE: [[u64; 2]; 64] = [
    [0x3ff0000000000000, 0x0000000000000000],
    [0x3ff02c9a3e778061, 0xbc719083535b085d],
    [0x3ff059b0d3158574, 0x3c8d73e2a475b465],
    [0x3ff0874518759bc8, 0x3c6186be4bb284ff],
    [0x3ff0b5586cf9890f, 0x3c98a62e4adc610b],
    [0x3ff0e3ec32d3d1a2, 0x3c403a1727c57b53],
    [0x3ff11301d0125b51, 0xbc96c51039449b3a],
    [0x3ff1429aaea92de0, 0xbc932fbf9af1369e],
    [0x3ff172b83c7d517b, 0xbc819041b9d78a76],
    [0x3ff1a35beb6fcb75, 0x3c8e5b4c7b4968e4],
    [0x3ff1d4873168b9aa, 0x3c9e016e00a2643c],
    [0x3ff2063b88628cd6, 0x3c8dc775814a8495],
    [0x3ff2387a6e756238, 0x3c99b07eb6c70573],
    [0x3ff26b4565e27cdd, 0x3c82bd339940e9d9],
    [0x3ff29e9df51fdee1, 0x3c8612e8afad1255],
    [0x3ff2d285a6e4030b, 0x3c90024754db41d5],
    [0x3ff306fe0a31b715, 0x3c86f46ad23182e4],
    [0x3ff33c08b26416ff, 0x3c932721843659a6],
    [0x3ff371a7373aa9cb, 0xbc963aeabf42eae2],
    [0x3ff3a7db34e59ff7, 0xbc75e436d661f5e3],
    [0x3ff3dea64c123422, 0x3c8ada0911f09ebc],
    [0x3ff4160a21f72e2a, 0xbc5ef3691c309278],
    [0x3ff44e086061892d, 0x3c489b7a04ef80d0],
    [0x3ff486a2b5c13cd0, 0x3c73c1a3b69062f0],
    [0x3ff4bfdad5362a27, 0x3c7d4397afec42e2],
    [0x3ff4f9b2769d2ca7, 0xbc94b309d25957e3],
    [0x3ff5342b569d4f82, 0xbc807abe1db13cad],
    [0x3ff56f4736b527da, 0x3c99bb2c011d93ad],
    [0x3ff5ab07dd485429, 0x3c96324c054647ad],
    [0x3ff5e76f15ad2148, 0x3c9ba6f93080e65e],
    [0x3ff6247eb03a5585, 0xbc9383c17e40b497],
    [0x3ff6623882552225, 0xbc9bb60987591c34],
    [0x3ff6a09e667f3bcd, 0xbc9bdd3413b26456],
    [0x3ff6dfb23c651a2f, 0xbc6bbe3a683c88ab],
    [0x3ff71f75e8ec5f74, 0xbc816e4786887a99],
    [0x3ff75feb564267c9, 0xbc90245957316dd3],
    [0x3ff7a11473eb0187, 0xbc841577ee04992f],
    [0x3ff7e2f336cf4e62, 0x3c705d02ba15797e],
    [0x3ff82589994cce13, 0xbc9d4c1dd41532d8],
    [0x3ff868d99b4492ed, 0xbc9fc6f89bd4f6ba],
    [0x3ff8ace5422aa0db, 0x3c96e9f156864b27],
    [0x3ff8f1ae99157736, 0x3c85cc13a2e3976c],
    [0x3ff93737b0cdc5e5, 0xbc675fc781b57ebc],
    [0x3ff97d829fde4e50, 0xbc9d185b7c1b85d1],
    [0x3ff9c49182a3f090, 0x3c7c7c46b071f2be],
    [0x3ffa0c667b5de565, 0xbc9359495d1cd533],
    [0x3ffa5503b23e255d, 0xbc9d2f6edb8d41e1],
    [0x3ffa9e6b5579fdbf, 0x3c90fac90ef7fd31],
    [0x3ffae89f995ad3ad, 0x3c97a1cd345dcc81],
    [0x3ffb33a2b84f15fb, 0xbc62805e3084d708],
    [0x3ffb7f76f2fb5e47, 0xbc75584f7e54ac3b],
    [0x3ffbcc1e904bc1d2, 0x3c823dd07a2d9e84],
    [0x3ffc199bdd85529c, 0x3c811065895048dd],
    [0x3ffc67f12e57d14b, 0x3c92884dff483cad],
    [0x3ffcb720dcef9069, 0x3c7503cbd1e949db],
    [0x3ffd072d4a07897c, 0xbc9cbc3743797a9c],
    [0x3ffd5818dcfba487, 0x3c82ed02d75b3707],
    [0x3ffda9e603db3285, 0x3c9c2300696db532],
    [0x3ffdfc97337b9b5f, 0xbc91a5cd4f184b5c],
    [0x3ffe502ee78b3ff6, 0x3c839e8980a9cc8f],
    [0x3ffea4afa2a490da, 0xbc9e9c23179c2893],
    [0x3ffefa1bee615a27, 0x3c9dc7f486a4b6b0],
    [0x3fff50765b6e4540, 0x3c99d3e12dd8a18b],
    [0x3fffa7c1819e90d8, 0x3c874853f3a5931e],
];

/// e^x. NaN gives NaN, −∞ gives 0, +∞ gives +∞.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // NaN passes through the clamp (and through the arithmetic below).
    let xc = x.clamp(LOWEST, HIGHEST);
    let t = xc * N_LOG2E + SHIFT;
    let kf = t - SHIFT;
    let r = (xc - kf * LN2_N_HI) - kf * LN2_N_LO;
    // k = 64m + j sits in the low bits of t as k + 2^51 (positive, so the shifts below are
    // logical ones, which vector units have): kb = k + 2^51, kb >> 6 = m + 2^45.
    let kb = t.to_bits() & ((1u64 << 52) - 1);
    let [hi, lo] = TABLE[(kb & 63) as usize];
    let (hi, lo) = (f64::from_bits(hi), f64::from_bits(lo));
    let r2 = r * r;
    let q = r + r2 * ((C2 + r * C3) + r2 * ((C4 + r * C5) + r2 * C6));
    let y = hi + (lo + hi * q);
    // 2^m as 2^m1 · 2^m2 with m1 = ⌊m/2⌋, m2 = m − m1; each biased exponent lies in 0..2047.
    let mb = kb >> 6;
    let e1 = (mb >> 1).wrapping_sub((1 << 44) - 1023);
    let e2 = (mb - (mb >> 1)).wrapping_sub((1 << 44) - 1023);
    let y = y * f64::from_bits(e1 << 52) * f64::from_bits(e2 << 52);
    // An infinite input's clamp would give a finite result; restore the limit exactly.
    if x == f64::INFINITY { f64::INFINITY } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{derive_seed, stream, uniform};

    /// Distance in ulps between two finite non-negative doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn within_one_ulp_of_libm_over_the_domain() {
        let mut rng = stream(&derive_seed(&[b"exp-test"]), 0);
        let mut worst = 0;
        let mut total = 0u64;
        let n = 400_000;
        for i in 0..n {
            // Half the points on the softmax range [-40, 0], half over the whole domain.
            let u = uniform(&mut rng);
            let x = if i % 2 == 0 {
                -40.0 * u
            } else {
                LOWEST + (HIGHEST - LOWEST) * u
            };
            let (ours, libm) = (exp(x), x.exp());
            assert!(ours.is_finite() || libm.is_infinite(), "exp({x})");
            let d = ulps(ours, libm);
            total += d;
            worst = worst.max(d);
        }
        // libm itself is within about half an ulp of the true value, so 1 ulp from libm is at
        // most about 1.5 ulps from the truth.
        assert!(worst <= 1, "worst error {worst} ulps");
        // Most results agree with libm exactly.
        assert!(
            (total as f64) / (n as f64) < 0.2,
            "mean {} ulps",
            total as f64 / n as f64
        );
    }

    #[test]
    fn special_values_and_limits() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert!(ulps(exp(709.0), 709f64.exp()) <= 1);
        // Subnormal results keep their magnitude.
        let s = exp(-740.0);
        assert!(s > 0.0 && s < f64::MIN_POSITIVE);
        assert!(ulps(s, (-740f64).exp()) <= 1);
        // Integer powers of e and ln 2 multiples.
        for k in -20..=20 {
            let x = k as f64 * std::f64::consts::LN_2;
            assert!(ulps(exp(x), x.exp()) <= 1, "exp({x})");
        }
    }

    #[test]
    fn monotone_on_a_fine_grid() {
        let mut prev = 0.0;
        let mut x = -50.0;
        while x <= 5.0 {
            let y = exp(x);
            assert!(y >= prev, "exp not monotone at {x}");
            prev = y;
            x += 1.0 / 1024.0;
        }
    }

    #[test]
    fn bits_are_pinned() {
        // The point of this exp is that its bits do not depend on the platform: a checksum of
        // 2^20 results over [-746, 710] (and so every simulator result) must be the same on
        // every machine. It changes only with the algorithm, in a commit that says so.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let n = 1 << 20;
        for i in 0..n {
            let x = LOWEST + (HIGHEST - LOWEST) * (i as f64 / n as f64);
            h = (h ^ exp(x).to_bits()).wrapping_mul(0x0000_0100_0000_01b3);
        }
        assert_eq!(h, 11250633308336034337);
    }
}
