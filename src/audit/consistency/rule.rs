//! The rule, in exact integer arithmetic: can a number printed at some precision be a share of
//! `cells` equal units (k/n for a single-sample score on n items, j/(n·k) for avg@k)? A printed
//! number is read as the integer its digits spell over a power of ten ([`Exact`]), so no binary
//! rounding stands between a printed digit and the verdict.
//!
//! A share x is *printed as* P at d decimals when |x − P| ≤ half a unit of the last decimal,
//! **boundary included**: a share exactly half a unit away rounds to P under one of the rules
//! papers use (half up, half even, the binary value a float happens to hold), so it counts as
//! consistent. A gain is consistent when some pair of shares (the lower one compatible with the
//! printed base) gives it by one of the routes a paper takes: the difference rounded; the
//! difference of the two accuracies rounded at the gain's precision; or the difference of the
//! accuracy rounded at the base's finer precision and the printed base, rounded.

use crate::audit::descriptor::Unit;

/// Iterations one gain check may spend on the base's counts before it falls back to the
/// one-unit rule (|gain − difference| ≤ one unit of the gain's last decimal, a superset of every
/// route above); reached only when a base window holds more counts than this.
const MAX_STEPS: i128 = 100_000;

/// Decimals a checked number may print, at most (beyond, it is not checked: no paper prints an
/// accuracy to ten decimals, and the integers stay far inside i128).
pub const MAX_DECIMALS: u32 = 9;

/// A printed number read exactly: the value, as a share of 1, is `num / den`; `den` is
/// 10^decimals (×100 for percent and points).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exact {
    pub num: i128,
    pub den: i128,
    pub decimals: u32,
    pub unit: Unit,
}

impl Exact {
    /// Reads a printed number (its text exactly as printed) in its unit; `None` when its text is
    /// not a plain number, has more than [`MAX_DECIMALS`] decimals or is beyond ±100 (as a share
    /// of 1), where no accuracy or gain lies.
    pub fn read(raw: &str, unit: Unit) -> Option<Exact> {
        let (num, decimals) = crate::printed::parse_exact(raw)?;
        if decimals > MAX_DECIMALS {
            return None;
        }
        let pct = matches!(unit, Unit::Percent | Unit::GainPoints);
        let den = 10i128.pow(decimals) * if pct { 100 } else { 1 };
        (num.abs() <= 100 * den).then_some(Exact {
            num,
            den,
            decimals,
            unit,
        })
    }

    /// The number `num` at this precision, as printed (a gain with its sign).
    pub fn text(&self, num: i128) -> String {
        let digits = num.unsigned_abs().to_string();
        let d = self.decimals as usize;
        let padded = format!("{digits:0>width$}", width = d + 1);
        let (int, frac) = padded.split_at(padded.len() - d);
        let sign = match (num < 0, self.unit.is_gain()) {
            (true, _) => "-",
            (false, true) => "+",
            (false, false) => "",
        };
        if d == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }

    /// Whether the grid of `cells` is coarser than this precision: only then can the check
    /// fail (with cells ≥ den every printed value lies within half a unit of a share).
    pub fn can_fail(&self, cells: u64) -> bool {
        (cells as i128) < self.den
    }
}

fn floor_div(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

fn ceil_div(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}

/// The counts m whose share m/cells is printed as `num/den`: |2·den·m − 2·num·cells| ≤ cells.
fn window(num: i128, den: i128, cells: i128) -> (i128, i128) {
    (
        ceil_div((2 * num - 1) * cells, 2 * den),
        floor_div((2 * num + 1) * cells, 2 * den),
    )
}

/// The counts in [lo, hi] that print as `v`, as a range (empty when lo > hi).
fn counts(v: &Exact, cells: i128, lo: i128, hi: i128) -> (i128, i128) {
    let (a, b) = window(v.num, v.den, cells);
    (a.max(lo), b.min(hi))
}

/// An accuracy: some count k in 0..=cells with k/cells printed as `v`.
pub fn accuracy_fits(v: &Exact, cells: u64) -> bool {
    let c = cells as i128;
    let (a, b) = counts(v, c, 0, c);
    a <= b
}

/// A gain over `base` (the printed base accuracy, when known): see the module's rule. A base
/// that is itself unreachable constrains nothing (it is reported on its own).
pub fn gain_fits(g: &Exact, base: Option<&Exact>, cells: u64) -> bool {
    let c = cells as i128;
    let (b0, b1) = match base.map(|b| counts(b, c, 0, c)) {
        Some((b0, b1)) if b0 <= b1 => (b0, b1),
        _ => (0, c),
    };
    // The difference (ka − kb)/cells, rounded: ka − kb ranges over −b1 ..= cells − b0.
    let (m0, m1) = counts(g, c, -b1, c - b0);
    if m0 <= m1 {
        return true;
    }
    if b1 - b0 > MAX_STEPS {
        let (lo, hi) = (
            ceil_div((g.num - 1) * c, g.den),
            floor_div((g.num + 1) * c, g.den),
        );
        return lo.max(-b1) <= hi.min(c - b0);
    }
    // The two accuracies rounded at the gain's precision, then subtracted.
    for kb in b0..=b1 {
        let (r0, r1) = (
            ceil_div(2 * g.den * kb - c, 2 * c),
            floor_div(2 * g.den * kb + c, 2 * c),
        );
        for r in r0..=r1 {
            let a = Exact {
                num: g.num + r,
                ..*g
            };
            let (a0, a1) = counts(&a, c, 0, c);
            if a0 <= a1 {
                return true;
            }
        }
    }
    // The accuracy rounded at the base's finer precision, minus the printed base, rounded.
    if let Some(b) = base.filter(|b| b.den > g.den) {
        // Printed accuracies A (over b.den) with |A/b.den − b.num/b.den − g.num/g.den| ≤ 1/(2·g.den).
        let lo = ceil_div(2 * g.den * b.num + 2 * b.den * g.num - b.den, 2 * g.den);
        let hi = floor_div(2 * g.den * b.num + 2 * b.den * g.num + b.den, 2 * g.den);
        if hi - lo <= MAX_STEPS {
            for a in lo..=hi {
                let (a0, a1) = counts(&Exact { num: a, ..*b }, c, 0, c);
                if a0 <= a1 {
                    return true;
                }
            }
        }
    }
    false
}

/// The verdict for one printed value at a grid of `cells`.
pub fn fits(v: &Exact, base: Option<&Exact>, cells: u64) -> bool {
    if v.unit.is_gain() {
        gain_fits(v, base, cells)
    } else {
        accuracy_fits(v, cells)
    }
}

/// The reachable printed values nearest `v` at its own precision: the closest below and the
/// closest above (either may not exist: nothing lies beyond 0 or 100 %).
pub fn nearest(v: &Exact, base: Option<&Exact>, cells: u64) -> Vec<String> {
    let (lo, hi) = if v.unit.is_gain() {
        (-v.den, v.den)
    } else {
        (0, v.den)
    };
    // A reachable value lies within one grid step (den/cells units) of any printed one.
    let reach = (v.den / (cells as i128).max(1) + 2).min(MAX_STEPS);
    let mut out = Vec::new();
    for dir in [-1i128, 1] {
        let mut p = v.num + dir;
        while (lo..=hi).contains(&p) && (p - v.num).abs() <= reach {
            if fits(&Exact { num: p, ..*v }, base, cells) {
                out.push(v.text(p));
                break;
            }
            p += dir;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(raw: &str, unit: Unit) -> Exact {
        Exact::read(raw, unit).unwrap()
    }

    #[test]
    fn printed_numbers_are_read_over_their_scale() {
        let v = ex("49.4", Unit::Percent);
        assert_eq!((v.num, v.den), (494, 1000));
        let v = ex("0.002", Unit::Fraction);
        assert_eq!((v.num, v.den), (2, 1000));
        let v = ex("-6.3", Unit::GainPoints);
        assert_eq!(
            (v.num, v.den, v.text(v.num)),
            (-63, 1000, "-6.3".to_string())
        );
        assert_eq!(ex("7", Unit::GainPoints).text(7), "+7");
        assert_eq!(ex("0.05", Unit::Fraction).text(5), "0.05");
    }

    #[test]
    fn the_nearest_values_are_the_reachable_neighbours() {
        // 15.6 % of 30 items: 4/30 = 13.3 %, 5/30 = 16.7 %.
        let v = ex("15.6", Unit::Percent);
        assert_eq!(nearest(&v, None, 30), ["13.3", "16.7"]);
        // Near the ends: 0/30 below 1.0; 29/30 = 96.7 % and 30/30 below and above 98.0.
        assert_eq!(nearest(&ex("1.0", Unit::Percent), None, 30), ["0.0", "3.3"]);
        assert_eq!(
            nearest(&ex("98.0", Unit::Percent), None, 30),
            ["96.7", "100.0"]
        );
        assert_eq!(
            nearest(&ex("0.002", Unit::Fraction), None, 30),
            ["0.000", "0.033"]
        );
    }

    #[test]
    fn numbers_beyond_the_checked_range_are_not_read() {
        assert!(Exact::read("0.1234567891", Unit::Fraction).is_none());
        assert!(Exact::read("0.123456789", Unit::Fraction).is_some());
        assert!(Exact::read("101", Unit::Fraction).is_none());
        assert!(Exact::read("n/a", Unit::Percent).is_none());
    }
}
