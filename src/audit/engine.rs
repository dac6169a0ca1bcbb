//! The audit engine: arm accuracies with their uncertainty → a seeded parametric bootstrap →
//! every term and share, the gate, the verdict with its probability, and whether the claimed gain
//! survives the null term (METHOD §6–§7).

use std::collections::BTreeMap;

use rand_distr::{Distribution, Normal};
use serde::Serialize;

use crate::gate::Decision;
use crate::rng::{self, Seed};
use crate::stats::{Estimate, percentile_interval};

/// Arms of the decomposition chain, in order.
pub const CHAIN: [&str; 4] = ["base", "random", "majority", "target"];

/// Thresholds of the verdict rules.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Thresholds {
    /// Elicitation or rd share above this dominates (the seed's pre-registered 0.60).
    pub dominance: f64,
    /// Draws in the parametric bootstrap.
    pub draws: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dominance: 0.60,
            draws: 4000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    NullDominated,
    ElicitationDominated,
    RewardDesignDominated,
    Mixed,
    Bounded,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::NullDominated => "NULL_DOMINATED",
            Verdict::ElicitationDominated => "ELICITATION_DOMINATED",
            Verdict::RewardDesignDominated => "REWARD_DESIGN_DOMINATED",
            Verdict::Mixed => "MIXED",
            Verdict::Bounded => "BOUNDED",
        })
    }
}

/// How to draw one arm's accuracy.
#[derive(Clone, Debug)]
pub enum Draw {
    /// An accuracy printed directly: value ± half-width (uniform), seed spread and binomial
    /// noise (normal), all in accuracy units.
    Direct {
        value: f64,
        half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain over this audit's base draw, with the same noise terms.
    Gain {
        value: f64,
        half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain over base known only as a range (imputed): uniform over it.
    GainRange { lo: f64, hi: f64 },
    /// Accuracies already drawn elsewhere (simulator replicates resampled), one per draw.
    Given { point: f64, draws: Vec<f64> },
}

fn binomial_se(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        (p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64).sqrt()
    })
}

impl Draw {
    fn point(&self, base: f64) -> f64 {
        match self {
            Draw::Direct { value, .. } => *value,
            Draw::Gain { value, .. } => base + value,
            Draw::GainRange { lo, hi } => base + 0.5 * (lo + hi),
            Draw::Given { point, .. } => *point,
        }
    }

    fn sample(&self, base_draw: f64, base_point: f64, i: usize, r: &mut rng::SimRng) -> f64 {
        let noise = |r: &mut rng::SimRng, half: f64, spread: f64, se: f64| {
            let u = (2.0 * rng::uniform(r) - 1.0) * half;
            let sd = (spread * spread + se * se).sqrt();
            let z = if sd > 0.0 {
                Normal::new(0.0, sd).expect("sd > 0").sample(r)
            } else {
                0.0
            };
            u + z
        };
        match self {
            Draw::Direct {
                value,
                half_width,
                spread,
                n,
            } => value + noise(r, *half_width, *spread, binomial_se(*value, *n)),
            Draw::Gain {
                value,
                half_width,
                spread,
                n,
            } => {
                base_draw
                    + value
                    + noise(r, *half_width, *spread, binomial_se(base_point + value, *n))
            }
            Draw::GainRange { lo, hi } => base_draw + lo + (hi - lo) * rng::uniform(r),
            Draw::Given { draws, .. } => draws[i],
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TermSet {
    pub total: Estimate,
    pub null: Estimate,
    pub elicit: Estimate,
    pub rd: Estimate,
    pub naive: Estimate,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShareSet {
    pub rd_of_naive: Option<Estimate>,
    pub elicit_of_naive: Option<Estimate>,
    pub elicit_of_total: Option<Estimate>,
    pub rd_of_total: Option<Estimate>,
}

/// The judgement of one reading of the arms.
#[derive(Clone, Debug, Serialize)]
pub struct Judgement {
    /// Which reading of ambiguous arms this is ("as printed" when none is ambiguous).
    pub reading: String,
    /// Chain arm → accuracy with its interval.
    pub arms: BTreeMap<String, Estimate>,
    pub terms: TermSet,
    pub shares: ShareSet,
    pub gate: Decision,
    /// Whether the interval of acc(target) − acc(random) lies above 0.
    pub survives_null: bool,
    pub verdict: Verdict,
    /// Share of bootstrap draws whose own classification equals the verdict (`None` for BOUNDED).
    pub verdict_probability: Option<f64>,
    /// Share of draws per classification.
    pub class_distribution: BTreeMap<String, f64>,
}

fn classify(t: &[f64; 5], thr: f64, tol: f64) -> Verdict {
    let [total, null, elicit, rd, naive] = *t;
    if naive <= 0.0 {
        return Verdict::NullDominated;
    }
    if total.abs() < tol {
        return Verdict::Mixed;
    }
    if (null + elicit) / total > thr {
        Verdict::ElicitationDominated
    } else if rd / total > thr {
        Verdict::RewardDesignDominated
    } else {
        Verdict::Mixed
    }
}

fn terms_of(a: &[f64; 4]) -> [f64; 5] {
    let [b, r, m, t] = *a;
    [t - b, r - b, m - r, t - m, t - r]
}

/// Judges one reading: `chain` holds the draw rule of base, random, majority and target.
/// `imputed` says whether any of random/majority/target is imputed (then no point verdict),
/// and `null_reported` whether random and target are both reported or borrowed.
pub fn judge(
    reading: &str,
    chain: &[Draw; 4],
    imputed: bool,
    null_reported: bool,
    thr: &Thresholds,
    share_tol: f64,
    seed: &Seed,
) -> Judgement {
    let mut r = rng::stream(seed, 0);
    let base_point = chain[0].point(0.0);
    let points: [f64; 4] = std::array::from_fn(|i| chain[i].point(base_point));
    let draws: Vec<[f64; 4]> = (0..thr.draws)
        .map(|i| {
            let b = chain[0].sample(0.0, base_point, i, &mut r);
            let mut a = [b, 0.0, 0.0, 0.0];
            for k in 1..4 {
                a[k] = chain[k].sample(b, base_point, i, &mut r);
            }
            a
        })
        .collect();
    let term_draws: Vec<[f64; 5]> = draws.iter().map(terms_of).collect();
    let pt = terms_of(&points);
    let est = |j: usize| percentile_interval(pt[j], term_draws.iter().map(|t| Some(t[j])), 0.025);
    let share = |num: fn(&[f64; 5]) -> f64, den: fn(&[f64; 5]) -> f64| {
        if den(&pt).abs() < share_tol {
            return None;
        }
        let vals = term_draws
            .iter()
            .map(|t| (den(t).abs() >= share_tol).then(|| num(t) / den(t)));
        Some(percentile_interval(num(&pt) / den(&pt), vals, 0.025))
    };
    let terms = TermSet {
        total: est(0),
        null: est(1),
        elicit: est(2),
        rd: est(3),
        naive: est(4),
    };
    let shares = ShareSet {
        rd_of_naive: share(|t| t[3], |t| t[4]),
        elicit_of_naive: share(|t| t[2], |t| t[4]),
        elicit_of_total: share(|t| t[1] + t[2], |t| t[0]),
        rd_of_total: share(|t| t[3], |t| t[0]),
    };
    let gate = if !imputed && terms.elicit.excludes_zero() {
        Decision::Point
    } else {
        Decision::Bounded
    };
    let survives_null = terms.naive.lo.is_some_and(|lo| lo > 0.0);
    let verdict = if null_reported && !survives_null {
        Verdict::NullDominated
    } else if gate == Decision::Bounded {
        Verdict::Bounded
    } else {
        classify(&pt, thr.dominance, share_tol)
    };
    let mut dist: BTreeMap<String, f64> = BTreeMap::new();
    for t in &term_draws {
        *dist
            .entry(classify(t, thr.dominance, share_tol).to_string())
            .or_default() += 1.0 / thr.draws as f64;
    }
    let verdict_probability = (verdict != Verdict::Bounded)
        .then(|| dist.get(&verdict.to_string()).copied().unwrap_or(0.0));
    let arms = CHAIN
        .iter()
        .enumerate()
        .map(|(k, name)| {
            (
                name.to_string(),
                percentile_interval(points[k], draws.iter().map(|a| Some(a[k])), 0.025),
            )
        })
        .collect();
    Judgement {
        reading: reading.to_string(),
        arms,
        terms,
        shares,
        gate,
        survives_null,
        verdict,
        verdict_probability,
        class_distribution: dist,
    }
}
