//! Interval estimates over replicates: the percentile bootstrap (paired: every statistic of one
//! analysis uses the same resampled replicate sets) and the t interval.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::rng::{self, Seed};

/// A point estimate with a 95 % interval; `lo`/`hi` are `None` when no interval can be given
/// (fewer than two replicates, or a ratio whose denominator's resamples reach the tolerance).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

impl Estimate {
    pub fn point(mean: f64) -> Estimate {
        Estimate {
            mean,
            lo: None,
            hi: None,
        }
    }

    /// Whether the interval lies strictly on one side of zero.
    pub fn excludes_zero(&self) -> bool {
        matches!((self.lo, self.hi), (Some(lo), Some(hi)) if lo > 0.0 || hi < 0.0)
    }
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n − 1).
pub fn sd(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt()
}

/// Linear-interpolation quantile (Hyndman–Fan type 7) of sorted data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// [`quantile_sorted`] of `vals` in any order (reordered in place): the two order statistics it
/// reads found by selection instead of a sort, in the same total order, so the same bits.
pub fn quantile_unsorted(vals: &mut [f64], q: f64) -> f64 {
    let h = (vals.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    let (_, &mut a, above) = vals.select_nth_unstable_by(lo, f64::total_cmp);
    let b = if hi == lo {
        a
    } else {
        above
            .iter()
            .copied()
            .min_by(f64::total_cmp)
            .expect("hi is an index of vals")
    };
    a + (h - lo as f64) * (b - a)
}

/// Resampled replicate index sets, drawn once and shared by every statistic of an analysis.
pub struct Bootstrap {
    pub resamples: usize,
    sets: Vec<Vec<usize>>,
}

/// Resamples used when a command does not say otherwise.
pub const DEFAULT_RESAMPLES: usize = 2000;
/// Fewest resamples a command accepts: a 95 % percentile interval needs a 2.5 % tail.
pub const MIN_RESAMPLES: usize = 100;
/// Most resamples a command accepts.
pub const MAX_RESAMPLES: usize = 1_000_000;

impl Bootstrap {
    pub fn new(replicates: usize, resamples: usize, seed: &Seed) -> Bootstrap {
        let mut r = rng::stream(seed, 0);
        let sets = if replicates < 2 {
            Vec::new()
        } else {
            (0..resamples)
                .map(|_| {
                    (0..replicates)
                        .map(|_| rng::below(&mut r, replicates))
                        .collect()
                })
                .collect()
        };
        Bootstrap { resamples, sets }
    }

    /// The estimate of `stat` on all replicates, with the 2.5 % and 97.5 % percentiles of its
    /// resampled values. `stat` returns `None` where it is undefined; the estimate is `None` if it
    /// is undefined on the data, and the interval is absent if more than 2.5 % of resamples are.
    pub fn estimate(
        &self,
        replicates: usize,
        stat: impl Fn(&[usize]) -> Option<f64>,
    ) -> Option<Estimate> {
        self.estimate_at(replicates, 0.95, stat)
    }

    /// [`Bootstrap::estimate`] with a central interval of coverage `level`.
    pub fn estimate_at(
        &self,
        replicates: usize,
        level: f64,
        stat: impl Fn(&[usize]) -> Option<f64>,
    ) -> Option<Estimate> {
        let all: Vec<usize> = (0..replicates).collect();
        let point = stat(&all)?;
        let tail = (1.0 - level) / 2.0;
        Some(match self.sets.is_empty() {
            true => Estimate::point(point),
            false => percentile_interval(point, self.sets.iter().map(|s| stat(s)), tail),
        })
    }

    /// The resampled replicate index sets.
    pub fn sets(&self) -> &[Vec<usize>] {
        &self.sets
    }

    /// The defined values of `stat` on every resample (for tail probabilities).
    pub fn resampled(&self, stat: impl Fn(&[usize]) -> Option<f64>) -> Vec<f64> {
        self.sets.iter().filter_map(|s| stat(s)).collect()
    }

    /// The mean of `xs` over the selected replicates, with an interval of coverage `level`.
    pub fn mean_at(&self, xs: &[f64], level: f64) -> Estimate {
        self.estimate_at(xs.len(), level, |idx| {
            Some(idx.iter().map(|&i| xs[i]).sum::<f64>() / idx.len() as f64)
        })
        .expect("a mean is always defined")
    }

    /// The mean of `xs` over the selected replicates, with its bootstrap interval.
    pub fn mean_of(&self, xs: &[f64]) -> Estimate {
        self.estimate(xs.len(), |idx| {
            Some(idx.iter().map(|&i| xs[i]).sum::<f64>() / idx.len() as f64)
        })
        .expect("a mean is always defined")
    }
}

/// `point` with the `tail` and `1 − tail` percentiles of resampled values; no interval when more
/// than a `tail` share of the resamples are undefined (the interval would be unbounded there).
pub fn percentile_interval(
    point: f64,
    resampled: impl Iterator<Item = Option<f64>>,
    tail: f64,
) -> Estimate {
    let mut total = 0usize;
    let mut vals: Vec<f64> = resampled.inspect(|_| total += 1).flatten().collect();
    if total == 0 || (total - vals.len()) as f64 > tail * total as f64 {
        return Estimate::point(point);
    }
    Estimate {
        mean: point,
        lo: Some(quantile_unsorted(&mut vals, tail)),
        hi: Some(quantile_unsorted(&mut vals, 1.0 - tail)),
    }
}

/// Mean with a two-sided 95 % Student-t interval (no interval below two values).
pub fn t_interval(xs: &[f64]) -> Estimate {
    let m = mean(xs);
    if xs.len() < 2 {
        return Estimate::point(m);
    }
    let n = xs.len() as f64;
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("n ≥ 2")
        .inverse_cdf(0.975);
    let half = t * sd(xs) / n.sqrt();
    Estimate {
        mean: m,
        lo: Some(m - half),
        hi: Some(m + half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::derive_seed;

    #[test]
    fn a_quantile_by_selection_has_the_bits_of_the_sorted_one() {
        // Interval ends are printed to the last digit: selection must not move one.
        let mut r = crate::rng::stream(&derive_seed(&[b"quantiles"]), 0);
        for n in [1, 2, 3, 10, 2000, 2001] {
            let mut v: Vec<f64> = (0..n)
                .map(|i| match i % 7 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => 0.25,
                    _ => crate::rng::uniform(&mut r) - 0.5,
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.025, 0.5, 0.975, 1.0, 0.3333] {
                assert_eq!(
                    quantile_unsorted(&mut v, q).to_bits(),
                    quantile_sorted(&sorted, q).to_bits(),
                    "n {n} q {q}"
                );
            }
        }
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert_eq!(quantile_sorted(&v, 0.125), 1.5);
    }

    #[test]
    fn bootstrap_is_seeded_and_covers_the_mean() {
        let xs: Vec<f64> = (0..16).map(|i| (i as f64 * 0.37).sin()).collect();
        let a = Bootstrap::new(16, 500, &derive_seed(&[b"b"])).mean_of(&xs);
        let b = Bootstrap::new(16, 500, &derive_seed(&[b"b"])).mean_of(&xs);
        assert_eq!(a, b);
        assert!(a.lo.unwrap() < a.mean && a.mean < a.hi.unwrap());
        let c = Bootstrap::new(16, 500, &derive_seed(&[b"other"])).mean_of(&xs);
        assert_ne!(a.lo, c.lo);
    }

    #[test]
    fn one_replicate_has_no_interval() {
        let e = Bootstrap::new(1, 500, &derive_seed(&[b"b"])).mean_of(&[0.3]);
        assert_eq!(e, Estimate::point(0.3));
        assert_eq!(t_interval(&[0.3]), Estimate::point(0.3));
    }

    #[test]
    fn t_interval_matches_a_hand_computation() {
        // mean 2, sd 1, n 3: half-width t_{0.975,2} / √3 = 4.302653 / 1.732051 = 2.484138
        let e = t_interval(&[1.0, 2.0, 3.0]);
        assert!((e.hi.unwrap() - 2.0 - 2.484_138).abs() < 1e-5, "{e:?}");
    }
}
