//! Analysis of a 2^k design over replicates: every main effect and interaction by ±1 effect
//! coding, t intervals and p-values over replicates, the interaction ratio, and the hypotheses
//! with a multiple-comparison correction.
//!
//! Convention: an effect is the **coefficient** of the ±1-coded regression on the cell means,
//! `β_S = (1/2^k) Σ_cells x_S · ȳ_cell`; the difference of means between its +1 and −1 halves is
//! `2 β_S`, printed beside it.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::study::{Comparison, Correction, Hypothesis};
use crate::rng::Seed;
use crate::stats::{self, Bootstrap, Estimate};

/// Every non-empty subset of `0..k`, by size, then lexicographically: A, B, C, AxB, AxC, BxC, AxBxC.
pub fn subsets(k: usize) -> Vec<Vec<usize>> {
    let mut all: Vec<Vec<usize>> = (1..(1usize << k))
        .map(|m| (0..k).filter(|i| m >> i & 1 == 1).collect())
        .collect();
    all.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    all
}

/// Coefficients of every subset's contrast on the cell values.
pub fn effects(codings: &[Vec<i8>], values: &[f64], sets: &[Vec<usize>]) -> Vec<f64> {
    let n = codings.len() as f64;
    sets.iter()
        .map(|s| {
            codings
                .iter()
                .zip(values)
                .map(|(c, y)| s.iter().map(|&i| c[i] as f64).product::<f64>() * y)
                .sum::<f64>()
                / n
        })
        .collect()
}

/// max |interaction| / max |main effect| (the seed's definition); `None` when no main effect
/// differs from zero.
pub fn interaction_ratio(sets: &[Vec<usize>], coefs: &[f64]) -> Option<f64> {
    let max_of = |main: bool| {
        sets.iter()
            .zip(coefs)
            .filter(|(s, _)| (s.len() == 1) == main)
            .map(|(_, c)| c.abs())
            .fold(0.0, f64::max)
    };
    let main = max_of(true);
    (main > 0.0).then(|| max_of(false) / main)
}

/// Holm's step-down adjusted p-values (in the input order).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adj = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adj[i] = running;
    }
    adj
}

pub fn adjust(p: &[f64], c: Correction) -> Vec<f64> {
    match c {
        Correction::Holm => holm(p),
        Correction::Bonferroni => p.iter().map(|x| (x * p.len() as f64).min(1.0)).collect(),
        Correction::None => p.to_vec(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EffectRow {
    pub name: String,
    /// 1 for a main effect, 2 for a two-way interaction, …
    pub order: usize,
    /// ±1-coded coefficient, with a 95 % t interval over replicates.
    pub coefficient: Estimate,
    /// Difference of means between the +1 and −1 halves (2 × coefficient).
    pub difference_of_means: f64,
    pub t: f64,
    /// Two-sided p-value of coefficient = 0.
    pub p_two_sided: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct HypothesisResult {
    pub id: String,
    pub effect: String,
    pub comparison: String,
    pub alpha: f64,
    pub estimate: Option<f64>,
    pub p_value: f64,
    pub adjusted_p: f64,
    pub verdict: &'static str,
    pub test: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub replicates: usize,
    pub effect_convention: &'static str,
    /// Per cell (standard order): mean outcome with a 95 % t interval.
    pub cell_means: Vec<Estimate>,
    pub effects: Vec<EffectRow>,
    /// max|interaction| / max|main effect| with a 95 % percentile-bootstrap interval.
    pub interaction_ratio: Option<Estimate>,
    pub hypotheses: Vec<HypothesisResult>,
    pub correction: Correction,
}

/// p-value of `mean` against `value` for a comparison, from a t statistic with `df` degrees.
fn t_p(mean: f64, se: f64, df: f64, cmp: Comparison) -> f64 {
    let (value, lower_tail, two) = match cmp {
        Comparison::Less(v) => (v, true, false),
        Comparison::Greater(v) => (v, false, false),
        Comparison::NotEqual(v) => (v, false, true),
    };
    if se == 0.0 {
        // No spread over replicates: the sign alone decides.
        let d = mean - value;
        let holds = if two {
            d != 0.0
        } else if lower_tail {
            d < 0.0
        } else {
            d > 0.0
        };
        return if holds { 0.0 } else { 1.0 };
    }
    let t = (mean - value) / se;
    let dist = StudentsT::new(0.0, 1.0, df).expect("df ≥ 1");
    if two {
        2.0 * dist.cdf(-t.abs())
    } else if lower_tail {
        dist.cdf(t)
    } else {
        1.0 - dist.cdf(t)
    }
}

/// Analyses `y[cell][replicate]`.
pub fn analyse(
    codings: &[Vec<i8>],
    names: &[String],
    y: &[Vec<f64>],
    hypotheses: &[Hypothesis],
    correction: Correction,
    resamples: usize,
    seed: &Seed,
) -> Analysis {
    let k = codings[0].len();
    let reps = y[0].len();
    let sets = subsets(k);
    // Per-replicate effects: each replicate is a complete design (cells share replicate seeds).
    let per_rep: Vec<Vec<f64>> = (0..reps)
        .map(|r| effects(codings, &y.iter().map(|c| c[r]).collect::<Vec<_>>(), &sets))
        .collect();
    let df = reps as f64 - 1.0;
    let effect_rows: Vec<EffectRow> = sets
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let xs: Vec<f64> = per_rep.iter().map(|e| e[j]).collect();
            let est = stats::t_interval(&xs);
            let se = stats::sd(&xs) / (reps as f64).sqrt();
            EffectRow {
                name: super::study::effect_name(names, s),
                order: s.len(),
                coefficient: est,
                difference_of_means: 2.0 * est.mean,
                t: if se > 0.0 {
                    est.mean / se
                } else {
                    f64::INFINITY.copysign(est.mean)
                },
                p_two_sided: t_p(est.mean, se, df, Comparison::NotEqual(0.0)),
            }
        })
        .collect();
    let boot = Bootstrap::new(reps, resamples, seed);
    let ratio_of = |idx: &[usize]| {
        let means: Vec<f64> = y
            .iter()
            .map(|c| idx.iter().map(|&i| c[i]).sum::<f64>() / idx.len() as f64)
            .collect();
        interaction_ratio(&sets, &effects(codings, &means, &sets))
    };
    let ratio = boot.estimate(reps, ratio_of);
    let ratio_samples: Vec<f64> = boot.resampled(|idx| ratio_of(idx));

    let raw: Vec<(Option<f64>, f64, String)> = hypotheses
        .iter()
        .map(|h| {
            if h.effect.is_empty() {
                let (value, side) = match h.comparison {
                    Comparison::Less(v) => (v, -1.0),
                    Comparison::Greater(v) => (v, 1.0),
                    Comparison::NotEqual(v) => (v, 0.0),
                };
                let n = ratio_samples.len() as f64;
                let below = ratio_samples.iter().filter(|&&r| r <= value).count() as f64;
                let above = ratio_samples.iter().filter(|&&r| r >= value).count() as f64;
                let p = match side {
                    s if s > 0.0 => (below + 1.0) / (n + 1.0),
                    s if s < 0.0 => (above + 1.0) / (n + 1.0),
                    _ => (2.0 * below.min(above) + 1.0) / (n + 1.0),
                };
                (
                    ratio.map(|r| r.mean),
                    p.min(1.0),
                    format!("bootstrap over replicates ({resamples} resamples)"),
                )
            } else {
                let j = sets
                    .iter()
                    .position(|s| *s == h.effect)
                    .expect("validated effect");
                let xs: Vec<f64> = per_rep.iter().map(|e| e[j]).collect();
                let se = stats::sd(&xs) / (reps as f64).sqrt();
                let m = stats::mean(&xs);
                (
                    Some(m),
                    t_p(m, se, df, h.comparison),
                    format!("one-sample t over {reps} replicates, df {df}"),
                )
            }
        })
        .collect();
    let adjusted = adjust(&raw.iter().map(|r| r.1).collect::<Vec<_>>(), correction);
    let results = hypotheses
        .iter()
        .zip(raw)
        .zip(adjusted)
        .map(|((h, (est, p, test)), adj)| HypothesisResult {
            id: h.id.clone(),
            effect: h.effect_name.clone(),
            comparison: h.comparison.to_string(),
            alpha: h.alpha,
            estimate: est,
            p_value: p,
            adjusted_p: adj,
            verdict: if adj < h.alpha {
                "CONFIRMED"
            } else {
                "NOT CONFIRMED"
            },
            test,
        })
        .collect();
    Analysis {
        replicates: reps,
        effect_convention: "coefficient of the ±1-coded regression on cell means (difference of means = 2 × coefficient)",
        cell_means: y.iter().map(|c| stats::t_interval(c)).collect(),
        effects: effect_rows,
        interaction_ratio: ratio,
        hypotheses: results,
        correction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_a_hand_computation() {
        // p = 0.01, 0.04, 0.03, 0.005 (m = 4): sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
        // 0.03·2 = 0.06, 0.04·1 = 0.04 → monotone 0.06.
        let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, w) in adj.iter().zip(want) {
            assert!((a - w).abs() < 1e-12, "{adj:?}");
        }
    }

    #[test]
    fn subsets_are_in_standard_order() {
        assert_eq!(
            subsets(3),
            vec![
                vec![0],
                vec![1],
                vec![2],
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0, 1, 2]
            ]
        );
        assert_eq!(subsets(4).len(), 15);
    }
}
