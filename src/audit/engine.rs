//! The audit engine: the four anchors' accuracies with their uncertainty (any of random and
//! majority may be unknown) → a seeded parametric bootstrap → every term and share that the known
//! arms identify, and the two answers of METHOD §7:
//!
//! * **survival** — does the claimed gain survive the null term? From Δ_naive, only when the
//!   random and target arms are reported, borrowed or simulated; an imputed random arm is shown as
//!   a model estimate and never decides it;
//! * **attribution** — what carries the gain? The three-way partition (null, elicitation, reward
//!   design) and, beside it, the seed's two-way convention (label-free vs reward design).
//!
//! Terms and shares are those of [`crate::decompose`]; the gate is [`crate::gate::GateRule`].
//! Every verdict's probability is the share of bootstrap draws that the verdict's own rule
//! classifies the same way, so a label never contradicts its number.
//!
//! The file is long because the verdict rules (survival, three-way, two-way) and the bootstrap
//! they are judged over must be read together: each label is defined by the same rule as its
//! number.

use std::collections::BTreeMap;

use rand_distr::{Distribution, Normal};
use serde::Serialize;

use crate::decompose::{Anchor, Share, Term};
use crate::gate::{Decision, GateRule};
use crate::rng::{self, Seed};
use crate::stats::{Estimate, percentile_interval};

/// Thresholds of the verdict rules (printed in every report).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Thresholds {
    /// A share above this dominates (the seed's pre-registered 0.60).
    pub dominance: f64,
    /// A verdict whose probability is below this is reported as the most likely class, not a
    /// settled one.
    pub settled: f64,
    /// Draws in the parametric bootstrap.
    pub draws: usize,
    /// The points-vs-bounds gate on Δ_elicit.
    pub gate: GateRule,
    /// Shares are undefined when their denominator is below this (accuracy units).
    pub share_tolerance: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dominance: 0.60,
            settled: 0.95,
            draws: 4000,
            gate: GateRule::default(),
            share_tolerance: crate::decompose::DEFAULT_SHARE_TOLERANCE,
        }
    }
}

/// How an arm's accuracy is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Reported,
    Borrowed,
    Simulated,
    /// Predicted by the simulator fit: a model's estimate, never evidence.
    Imputed,
}

impl Basis {
    /// Known from data (a paper's numbers or a simulation run), not from a model fit.
    pub fn identified(self) -> bool {
        self != Basis::Imputed
    }
}

/// How to draw one arm's accuracy.
#[derive(Clone, Debug)]
pub enum Draw {
    /// An accuracy printed directly: value ± half-width (uniform), seed spread and binomial
    /// noise (normal), all in accuracy units; `n` is the number of independent items.
    Direct {
        value: f64,
        half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain over the base draw, with the same noise terms.
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
    /// The same accuracy as another anchor of the chain (index in [`Anchor::ALL`] order): a
    /// target that is the majority arm itself has Δ_rd ≡ 0 in every draw.
    SameAs(usize),
    /// Another paper's arm carried over as its gain over that paper's own base.
    Transfer {
        lender_base: Box<Draw>,
        lender_arm: Box<Draw>,
        scale: crate::audit::descriptor::Transfer,
    },
}

fn binomial_se(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        (p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64).sqrt()
    })
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `base` moved by the lender's change from `lender_base` to `lender_arm`, on `scale`.
fn carry(
    base: f64,
    lender_base: f64,
    lender_arm: f64,
    scale: crate::audit::descriptor::Transfer,
) -> f64 {
    match scale {
        crate::audit::descriptor::Transfer::Additive => base + (lender_arm - lender_base),
        crate::audit::descriptor::Transfer::Logit => {
            expit(logit(base) + logit(lender_arm) - logit(lender_base))
        }
    }
}

impl Draw {
    /// The point value given the base's point value.
    pub fn point(&self, base: f64) -> f64 {
        match self {
            Draw::Direct { value, .. } => *value,
            Draw::Gain { value, .. } => base + value,
            Draw::GainRange { lo, hi } => base + 0.5 * (lo + hi),
            Draw::Given { point, .. } => *point,
            Draw::SameAs(_) => unreachable!("resolved by judge"),
            Draw::Transfer {
                lender_base,
                lender_arm,
                scale,
            } => {
                let lb = lender_base.point(0.0);
                carry(base, lb, lender_arm.point(lb), *scale)
            }
        }
    }

    fn sample(&self, base_draw: f64, base_point: f64, i: usize, r: &mut rng::SimRng) -> f64 {
        let noise = |r: &mut rng::SimRng, half: f64, spread: f64, se: f64| {
            let u = (2.0 * rng::uniform(r) - 1.0) * half;
            let sd = (spread * spread + se * se).sqrt();
            let z = match Normal::new(0.0, sd) {
                Ok(n) if sd > 0.0 => n.sample(r),
                _ => 0.0,
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
            Draw::SameAs(_) => unreachable!("resolved by judge"),
            Draw::Transfer {
                lender_base,
                lender_arm,
                scale,
            } => {
                let lbp = lender_base.point(0.0);
                let lb = lender_base.sample(0.0, lbp, i, r);
                let la = lender_arm.sample(lb, lbp, i, r);
                carry(base_draw, lb, la, *scale)
            }
        }
    }
}

/// A term or share with its interval, and whether it rests on an imputed arm.
#[derive(Clone, Debug, Serialize)]
pub struct Value {
    pub estimate: Estimate,
    /// True when an arm it needs is imputed: a model's estimate, shown as bounds, never a point.
    pub model_based: bool,
}

/// Every term the known arms allow (`None` = an arm it needs is unknown).
#[derive(Clone, Debug, Serialize)]
pub struct Terms {
    pub total: Option<Value>,
    pub null: Option<Value>,
    pub elicit: Option<Value>,
    pub rd: Option<Value>,
    pub naive: Option<Value>,
    pub label_free: Option<Value>,
}

impl Terms {
    pub fn get(&self, t: Term) -> Option<&Value> {
        match t {
            Term::Total => self.total.as_ref(),
            Term::Null => self.null.as_ref(),
            Term::Elicit => self.elicit.as_ref(),
            Term::Rd => self.rd.as_ref(),
            Term::Naive => self.naive.as_ref(),
            Term::LabelFree => self.label_free.as_ref(),
        }
    }
}

/// A share: `None` when an arm it needs is unknown; `estimate: None` inside when its
/// denominator is below the tolerance (undefined).
#[derive(Clone, Debug, Serialize)]
pub struct ShareValue {
    pub estimate: Option<Estimate>,
    pub model_based: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Shares {
    pub null_of_total: Option<ShareValue>,
    pub elicit_of_total: Option<ShareValue>,
    pub rd_of_total: Option<ShareValue>,
    pub label_free_of_total: Option<ShareValue>,
    pub rd_of_naive: Option<ShareValue>,
    pub elicit_of_naive: Option<ShareValue>,
}

impl Shares {
    pub fn get(&self, s: Share) -> Option<&ShareValue> {
        match s {
            Share::NullOfTotal => self.null_of_total.as_ref(),
            Share::ElicitOfTotal => self.elicit_of_total.as_ref(),
            Share::RdOfTotal => self.rd_of_total.as_ref(),
            Share::LabelFreeOfTotal => self.label_free_of_total.as_ref(),
            Share::RdOfNaive => self.rd_of_naive.as_ref(),
            Share::ElicitOfNaive => self.elicit_of_naive.as_ref(),
        }
    }
}

/// The answer to "does the gain survive the null term?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SurvivalVerdict {
    /// The 95 % intervals of Δ_naive and of Δ_total lie above 0.
    Survives,
    /// Either interval reaches 0 (or lies below it).
    NotShown,
    /// No random arm reported, borrowed or simulated, or the numbers' sampling noise unknown.
    Undetermined,
}

impl std::fmt::Display for SurvivalVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SurvivalVerdict::Survives => "SURVIVES",
            SurvivalVerdict::NotShown => "NOT_SHOWN",
            SurvivalVerdict::Undetermined => "UNDETERMINED",
        })
    }
}

impl SurvivalVerdict {
    /// `check`'s exit code: 0 survives, 1 not shown, 3 undetermined.
    pub fn exit_code(self) -> u8 {
        match self {
            SurvivalVerdict::Survives => 0,
            SurvivalVerdict::NotShown => 1,
            SurvivalVerdict::Undetermined => 3,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Survival {
    pub verdict: SurvivalVerdict,
    /// Δ_naive from identified arms, when there is one.
    pub naive: Option<Estimate>,
    /// P(Δ_naive > 0) over the bootstrap draws (identified arms only).
    pub p_positive: Option<f64>,
    /// P(Δ_total > 0): SURVIVES also needs the claimed gain itself to be shown.
    pub p_gain: Option<f64>,
    /// Δ_naive from an imputed random arm: a model's estimate, never a verdict.
    pub model_estimate: Option<Estimate>,
    /// The largest random-reward gain the claimed gain would survive: the lower end of the
    /// interval of Δ_total (accuracy units). `None` when Δ_total has no interval.
    pub break_even_null: Option<f64>,
    /// Why the verdict is what it is, in words.
    pub reason: String,
}

/// A class of a draw, and the verdicts built from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Attribution {
    NullDominated,
    ElicitationDominated,
    LabelFreeDominated,
    RewardDesignDominated,
    Mixed,
    /// Δ_total is not a positive gain (below the share tolerance): nothing to attribute.
    NoGain,
    /// Only bounds: the gate (Δ_elicit's interval reaches 0) or an imputed arm.
    Bounded,
    /// An arm the partition needs is neither reported, borrowed, simulated nor imputed.
    Undetermined,
}

impl std::fmt::Display for Attribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Attribution::NullDominated => "NULL_DOMINATED",
            Attribution::ElicitationDominated => "ELICITATION_DOMINATED",
            Attribution::LabelFreeDominated => "LABEL_FREE_DOMINATED",
            Attribution::RewardDesignDominated => "REWARD_DESIGN_DOMINATED",
            Attribution::Mixed => "MIXED",
            Attribution::NoGain => "NO_GAIN",
            Attribution::Bounded => "BOUNDED",
            Attribution::Undetermined => "UNDETERMINED",
        })
    }
}

/// One attribution answer.
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    pub verdict: Attribution,
    /// The share of draws the rule puts in the verdict's class (`None` for BOUNDED and
    /// UNDETERMINED, which are not classes of draws).
    pub probability: Option<f64>,
    /// Whether the probability reaches the `settled` threshold.
    pub settled: bool,
    /// Share of draws per class.
    pub distribution: BTreeMap<String, f64>,
    pub reason: String,
}

/// The judgement of one reading of the arms for one target.
#[derive(Clone, Debug, Serialize)]
pub struct Judgement {
    /// Which reading of ambiguous arms this is ("as printed" when none is ambiguous).
    pub reading: String,
    /// Anchor → accuracy with its interval and basis (known anchors only).
    pub arms: BTreeMap<String, (Estimate, Basis)>,
    pub terms: Terms,
    pub shares: Shares,
    /// The gate on Δ_elicit; `None` when Δ_elicit is not identified.
    pub gate: Option<Decision>,
    pub survival: Survival,
    /// Three-way: null, elicitation, reward design.
    pub three_way: Answer,
    /// The seed's two-way convention: label-free (null + elicitation) vs reward design.
    pub two_way: Answer,
}

/// The three-way class of one draw of the terms.
pub fn classify_three_way(t: impl Fn(Term) -> f64, thr: &Thresholds) -> Attribution {
    let total = t(Term::Total);
    if total < thr.share_tolerance {
        return Attribution::NoGain;
    }
    for (term, class) in [
        (Term::Null, Attribution::NullDominated),
        (Term::Elicit, Attribution::ElicitationDominated),
        (Term::Rd, Attribution::RewardDesignDominated),
    ] {
        if t(term) / total > thr.dominance {
            return class;
        }
    }
    Attribution::Mixed
}

/// The two-way (seed's convention) class of one draw of the terms.
pub fn classify_two_way(t: impl Fn(Term) -> f64, thr: &Thresholds) -> Attribution {
    let total = t(Term::Total);
    if total < thr.share_tolerance {
        return Attribution::NoGain;
    }
    if t(Term::LabelFree) / total > thr.dominance {
        Attribution::LabelFreeDominated
    } else if t(Term::Rd) / total > thr.dominance {
        Attribution::RewardDesignDominated
    } else {
        Attribution::Mixed
    }
}

/// The verdict of a rule over draws: the class the most draws get (ties: the class of the point
/// estimates, then the first in order), with the share of draws in it.
fn modal(
    classes: &[Attribution],
    point_class: Attribution,
    thr: &Thresholds,
    reason: String,
) -> Answer {
    let mut counts: BTreeMap<Attribution, usize> = BTreeMap::new();
    for c in classes {
        *counts.entry(*c).or_default() += 1;
    }
    let best = counts.values().copied().max().unwrap_or(0);
    let verdict = if counts.get(&point_class).copied().unwrap_or(0) == best {
        point_class
    } else {
        counts
            .iter()
            .find(|(_, n)| **n == best)
            .map(|(c, _)| *c)
            .unwrap_or(point_class)
    };
    let n = classes.len().max(1) as f64;
    let p = best as f64 / n;
    Answer {
        verdict,
        probability: Some(p),
        settled: p >= thr.settled,
        distribution: counts
            .iter()
            .map(|(c, k)| (c.to_string(), *k as f64 / n))
            .collect(),
        reason,
    }
}

fn not_a_class(verdict: Attribution, classes: &[Attribution], reason: String) -> Answer {
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    let n = classes.len().max(1) as f64;
    for c in classes {
        *counts.entry(c.to_string()).or_default() += 1.0 / n;
    }
    Answer {
        verdict,
        probability: None,
        settled: false,
        distribution: counts,
        reason,
    }
}

/// Judges one reading: `chain` holds the draw rule and basis of base, random, majority and
/// target ([`Anchor::ALL`] order); random and majority may be unknown. The shared anchors draw
/// from `shared`, the target from `target`, so every target of a descriptor sees the same draws
/// of its base, random and majority arms. `noise_known` says whether the sampling noise of the
/// numbers is known (a benchmark size or seed spreads): without it survival is not decided.
pub fn judge(
    reading: &str,
    chain: &[Option<(Draw, Basis)>; 4],
    thr: &Thresholds,
    shared: &Seed,
    target: &Seed,
    noise_known: bool,
) -> Judgement {
    let mut r = rng::stream(shared, 0);
    let mut rt = rng::stream(target, 0);
    let known: [bool; 4] = std::array::from_fn(|k| chain[k].is_some());
    let basis: [Option<Basis>; 4] = std::array::from_fn(|k| chain[k].as_ref().map(|c| c.1));
    let base_point = chain[0].as_ref().map_or(0.0, |(d, _)| d.point(0.0));
    let mut points = [f64::NAN; 4];
    for k in 0..4 {
        points[k] = match &chain[k] {
            Some((Draw::SameAs(j), _)) => points[*j],
            Some((d, _)) => d.point(base_point),
            None => f64::NAN,
        };
    }
    // An accuracy lies in [0, 1]: a draw past either end (a printed 100 plus its rounding, the
    // normal approximation at small n) is held at the end.
    let draws: Vec<[f64; 4]> = (0..thr.draws)
        .map(|i| {
            let b = chain[0]
                .as_ref()
                .map_or(0.0, |(d, _)| d.sample(0.0, base_point, i, &mut r))
                .clamp(0.0, 1.0);
            let mut a = [b, f64::NAN, f64::NAN, f64::NAN];
            for k in 1..4 {
                let stream = if k == 3 { &mut rt } else { &mut r };
                a[k] = match &chain[k] {
                    Some((Draw::SameAs(j), _)) => a[*j],
                    Some((d, _)) => d.sample(b, base_point, i, stream).clamp(0.0, 1.0),
                    None => f64::NAN,
                };
            }
            a
        })
        .collect();
    let needs = |t: Term| {
        let (p, m) = t.anchors();
        (known[p as usize] && known[m as usize]).then(|| {
            !(basis[p as usize].is_some_and(Basis::identified)
                && basis[m as usize].is_some_and(Basis::identified))
        })
    };
    let term = |t: Term| {
        needs(t).map(|model_based| Value {
            estimate: percentile_interval(
                t.of(&points),
                draws.iter().map(|a| Some(t.of(a))),
                0.025,
            ),
            model_based,
        })
    };
    let terms = Terms {
        total: term(Term::Total),
        null: term(Term::Null),
        elicit: term(Term::Elicit),
        rd: term(Term::Rd),
        naive: term(Term::Naive),
        label_free: term(Term::LabelFree),
    };
    let terms_get = |t: Term| terms.get(t).cloned();
    let share = |s: Share| {
        let (num, den) = s.parts();
        let model_based = needs(num)? || needs(den)?;
        let tol = thr.share_tolerance;
        // A ratio whose denominator's interval reaches 0 has no interval: its resamples run off
        // to ±∞, and percentiles of them need not even contain the point.
        let den_reaches_zero = terms_get(den).is_none_or(|v| {
            !(v.estimate.lo.is_some_and(|lo| lo > tol) || v.estimate.hi.is_some_and(|hi| hi < -tol))
        });
        let estimate = s.of(|t| t.of(&points), tol).map(|p| {
            if den_reaches_zero {
                Estimate::point(p)
            } else {
                percentile_interval(p, draws.iter().map(|a| s.of(|t| t.of(a), tol)), 0.025)
            }
        });
        Some(ShareValue {
            estimate,
            model_based,
        })
    };
    let shares = Shares {
        null_of_total: share(Share::NullOfTotal),
        elicit_of_total: share(Share::ElicitOfTotal),
        rd_of_total: share(Share::RdOfTotal),
        label_free_of_total: share(Share::LabelFreeOfTotal),
        rd_of_naive: share(Share::RdOfNaive),
        elicit_of_naive: share(Share::ElicitOfNaive),
    };
    let gate = terms.elicit.as_ref().map(|v| {
        if v.model_based {
            Decision::Bounded
        } else {
            thr.gate.decide(&v.estimate)
        }
    });
    // Survival.
    let total = terms
        .total
        .as_ref()
        .expect("base and target are always known");
    let break_even_null = total.estimate.lo;
    let p_gain =
        draws.iter().filter(|a| Term::Total.of(a) > 0.0).count() as f64 / draws.len().max(1) as f64;
    let gain_shown = total.estimate.lo.is_some_and(|lo| lo > 0.0);
    let survival = match &terms.naive {
        Some(v) if !v.model_based && noise_known => {
            let p = draws.iter().filter(|a| Term::Naive.of(a) > 0.0).count() as f64
                / draws.len().max(1) as f64;
            let above = v.estimate.lo.is_some_and(|lo| lo > 0.0);
            let below = v.estimate.hi.is_some_and(|hi| hi < 0.0);
            Survival {
                verdict: if above && gain_shown {
                    SurvivalVerdict::Survives
                } else {
                    SurvivalVerdict::NotShown
                },
                naive: Some(v.estimate),
                p_positive: Some(p),
                p_gain: Some(p_gain),
                model_estimate: None,
                break_even_null,
                reason: match (above, below, gain_shown) {
                    (true, _, true) => "the 95 % interval of Δ_naive = target − random lies above 0".into(),
                    (true, _, false) => "Δ_naive lies above 0, but the claimed gain itself is not shown: the 95 % interval of Δ_total = target − base reaches 0".into(),
                    (false, true, _) => "the 95 % interval of Δ_naive = target − random lies below 0: the random reward does better".into(),
                    (false, false, _) => "the 95 % interval of Δ_naive = target − random reaches 0".into(),
                },
            }
        }
        Some(v) if !v.model_based => Survival {
            verdict: SurvivalVerdict::Undetermined,
            naive: Some(v.estimate),
            p_positive: None,
            p_gain: None,
            model_estimate: None,
            break_even_null,
            reason: "the benchmark size is not stated and no seed spread is given, so the sampling noise of Δ_naive is unknown (its interval reflects printed precision only)".into(),
        },
        other => Survival {
            verdict: SurvivalVerdict::Undetermined,
            naive: None,
            p_positive: None,
            p_gain: None,
            model_estimate: other.as_ref().map(|v| v.estimate),
            break_even_null,
            reason: if other.is_some() {
                "no random arm reported or borrowed: the random arm shown is the simulator's estimate, which never decides survival".into()
            } else {
                "no random arm reported or borrowed".into()
            },
        },
    };
    // Attribution.
    let classes3: Vec<Attribution> = draws
        .iter()
        .filter(|_| known.iter().all(|k| *k))
        .map(|a| classify_three_way(|t| t.of(a), thr))
        .collect();
    let point3 = known
        .iter()
        .all(|k| *k)
        .then(|| classify_three_way(|t| t.of(&points), thr));
    let three_way = match (point3, gate) {
        (None, _) => not_a_class(
            Attribution::Undetermined,
            &[],
            format!(
                "the three-way partition needs the {} arm{}",
                Anchor::ALL
                    .iter()
                    .filter(|a| !known[**a as usize])
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(" and "),
                if known.iter().filter(|k| !**k).count() > 1 { "s" } else { "" }
            ),
        ),
        (Some(_), _) if terms.elicit.as_ref().is_some_and(|v| v.model_based) || terms.null.as_ref().is_some_and(|v| v.model_based) => not_a_class(
            Attribution::Bounded,
            &classes3,
            "an arm of the partition is imputed by the simulator fit: model-based bounds only".into(),
        ),
        (Some(_), Some(Decision::Bounded)) => not_a_class(
            Attribution::Bounded,
            &classes3,
            "the gate: the 95 % interval of Δ_elicit reaches 0, so only bounds are reported".into(),
        ),
        (Some(p), _) => modal(
            &classes3,
            p,
            thr,
            "the share above the dominance threshold, else MIXED; the class most bootstrap draws get".into(),
        ),
    };
    let two_known = known[Anchor::Majority as usize];
    let classes2: Vec<Attribution> = draws
        .iter()
        .filter(|_| two_known)
        .map(|a| classify_two_way(|t| t.of(a), thr))
        .collect();
    let two_way = match &terms.label_free {
        None => not_a_class(
            Attribution::Undetermined,
            &[],
            "the seed's two-way convention needs the majority arm".into(),
        ),
        Some(v) if v.model_based => not_a_class(
            Attribution::Bounded,
            &classes2,
            "the majority arm is imputed by the simulator fit: model-based bounds only".into(),
        ),
        Some(_) => modal(
            &classes2,
            classify_two_way(|t| t.of(&points), thr),
            thr,
            "the share above the dominance threshold, else MIXED; the class most bootstrap draws get (no random arm needed)".into(),
        ),
    };
    let arms = Anchor::ALL
        .iter()
        .filter(|a| known[**a as usize])
        .map(|a| {
            let k = *a as usize;
            (
                a.name().to_string(),
                (
                    percentile_interval(points[k], draws.iter().map(|d| Some(d[k])), 0.025),
                    basis[k].expect("known"),
                ),
            )
        })
        .collect();
    Judgement {
        reading: reading.to_string(),
        arms,
        terms,
        shares,
        gate,
        survival,
        three_way,
        two_way,
    }
}
