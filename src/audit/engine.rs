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

use rand_distr::{Beta, Distribution, Normal};
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
    /// The sensitivity's training-seed spread (accuracy units): added to every trained arm whose
    /// paper prints no spread. 0 in the main answers, which are conditional on one training run.
    pub seed_sd: f64,
    /// The seed spread at which every survival answer is recomputed, to show which answers a
    /// realistic training-seed variance would change (0: no sensitivity).
    pub sensitivity_sd: f64,
}

/// The default of the seed-spread sensitivity, in accuracy units: the sample standard deviation
/// of the corpus's only printed reruns (TTRL's three runs of Qwen2.5-Math-7B on AIME 2024: 43.3,
/// 43.3 and 46.7, sd 1.96 points), rounded to 2 points.
pub const DEFAULT_SENSITIVITY_SD: f64 = 0.02;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dominance: 0.60,
            settled: 0.95,
            draws: 4000,
            gate: GateRule::default(),
            share_tolerance: crate::decompose::DEFAULT_SHARE_TOLERANCE,
            seed_sd: 0.0,
            sensitivity_sd: DEFAULT_SENSITIVITY_SD,
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
    /// An accuracy printed directly, in accuracy units: see [`draw_printed`] for its noise; `n`
    /// is the number of independent items.
    Direct {
        value: f64,
        half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain printed over the descriptor's printed base. The two are evaluations of two models,
    /// so the arm's accuracy is the printed base plus the gain, drawn as an evaluation of its own
    /// (independent of the base's draw): a printed gain carries the base's noise and its own.
    /// `base_half_width` is the base's printed precision, which the sum inherits.
    Gain {
        value: f64,
        half_width: f64,
        base_half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain printed with no base at all (a measured null that only states its gain): the
    /// difference of two evaluations of `n` items, placed at the base it is carried to.
    GainOnly {
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

/// The variance of an accuracy `p` evaluated over `n` independent items, p(1 − p)/n (0 when `n`
/// is unknown): the one place the sampling noise of a printed number is sized, for the model
/// check's tolerances as for the draws' scale.
pub fn binomial_var(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64
    })
}

/// Which distribution an evaluation over n items is drawn from (k = value·n items right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// The Jeffreys posterior Beta(k + ½, n − k + ½): the decomposition's terms and shares.
    Centre,
    /// Beta(k, n − k + 1), the lower Clopper–Pearson confidence distribution: an arm that must be
    /// shown to be higher (the target, in a survival comparison).
    Low,
    /// Beta(k + 1, n − k), the upper one: an arm that must be shown to be lower (the null, the
    /// control, and the base a claimed gain must exceed). Paired with `Low`, a survival comparison
    /// is as conservative as an exact test: 4/30 against 0/30 has P(target > null) ≈ 0.94, where
    /// Fisher's one-sided p is 0.056.
    High,
}

impl Tail {
    fn flip(self) -> Tail {
        match self {
            Tail::Centre => Tail::Centre,
            Tail::Low => Tail::High,
            Tail::High => Tail::Low,
        }
    }
}

/// One draw of a printed accuracy (METHOD §7), the one noise function of every printed number:
/// the printed value moved within each printed precision it inherits (uniform over ± each
/// half-width), then the evaluation over `n` items from a Beta in k = value·n (see [`Tail`]: so
/// 0 %, 100 % and small n keep their skew and stay within [0, 1]), then the seed spread (normal,
/// standard deviation `spread`). Without `n` there is no evaluation term.
pub fn draw_printed(
    value: f64,
    halves: &[f64],
    spread: f64,
    n: Option<u64>,
    tail: Tail,
    r: &mut rng::SimRng,
) -> f64 {
    let mut v = value;
    for h in halves {
        v += (2.0 * rng::uniform(r) - 1.0) * h;
    }
    let v = v.clamp(0.0, 1.0);
    let p = match n {
        Some(n) if n > 0 => {
            let (k, n) = (v * n as f64, n as f64);
            let (a, b) = match tail {
                Tail::Centre => (k + 0.5, n - k + 0.5),
                Tail::Low => (k, n - k + 1.0),
                Tail::High => (k + 1.0, n - k),
            };
            // A shape of 0 is the point mass at that end (k = 0 drawn low, k = n drawn high).
            if a <= 0.0 {
                0.0
            } else if b <= 0.0 {
                1.0
            } else {
                match Beta::new(a, b) {
                    Ok(d) => d.sample(r),
                    Err(_) => v,
                }
            }
        }
        _ => v,
    };
    let z = match Normal::new(0.0, spread) {
        Ok(d) if spread > 0.0 => d.sample(r),
        _ => 0.0,
    };
    p + z
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
            Draw::Gain { value, .. } | Draw::GainOnly { value, .. } => base + value,
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

    /// Whether the draw's sampling noise is known: a benchmark size or a seed spread behind every
    /// printed number it rests on (a lender's too). Simulated replicates carry their own noise;
    /// an imputed range is a model's estimate, not a measurement.
    pub fn noise_known(&self) -> bool {
        match self {
            Draw::Direct { spread, n, .. } | Draw::Gain { spread, n, .. } => {
                n.is_some() || *spread > 0.0
            }
            Draw::GainOnly { n, .. } => n.is_some(),
            Draw::GainRange { .. } => false,
            Draw::Given { .. } => true,
            Draw::SameAs(_) => true,
            Draw::Transfer {
                lender_base,
                lender_arm,
                ..
            } => lender_base.noise_known() && lender_arm.noise_known(),
        }
    }

    /// One draw. `base_draw` and `base_point` are this chain's base (drawn and printed);
    /// `seed_sd` is the sensitivity's training-seed spread, added to a trained arm (`trained`)
    /// whose paper prints no spread of its own; `tail` the evaluation's distribution.
    #[allow(clippy::too_many_arguments)]
    pub fn sample(
        &self,
        base_draw: f64,
        base_point: f64,
        i: usize,
        trained: bool,
        seed_sd: f64,
        tail: Tail,
        r: &mut rng::SimRng,
    ) -> f64 {
        let sd = |spread: f64| {
            if trained && spread == 0.0 {
                seed_sd
            } else {
                spread
            }
        };
        match self {
            Draw::Direct {
                value,
                half_width,
                spread,
                n,
            } => draw_printed(*value, &[*half_width], sd(*spread), *n, tail, r),
            Draw::Gain {
                value,
                half_width,
                base_half_width,
                spread,
                n,
            } => draw_printed(
                base_point + value,
                &[*half_width, *base_half_width],
                sd(*spread),
                *n,
                tail,
                r,
            ),
            Draw::GainOnly {
                value,
                half_width,
                spread,
                n,
            } => {
                // The lender's base is not printed: its evaluation noise is sized at this base.
                let arm =
                    draw_printed(base_point + value, &[*half_width], sd(*spread), *n, tail, r);
                let base = draw_printed(base_point, &[], 0.0, *n, tail.flip(), r);
                base_draw + arm - base
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
                let lb = lender_base.sample(0.0, lbp, i, false, seed_sd, tail.flip(), r);
                let la = lender_arm.sample(lb, lbp, i, trained, seed_sd, tail, r);
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

/// The answer to "does the gain survive the null term?", from one piece of evidence or from the
/// ladder of all of them (METHOD §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SurvivalVerdict {
    /// The 95 % intervals of target − null and of Δ_total lie above 0.
    Survives,
    /// The 95 % interval of target − null lies wholly below 0: the claimed gain is smaller than
    /// the null.
    Fails,
    /// Neither: inconclusive (P(target − null > 0) printed beside it).
    NotShown,
    /// No evidence on the null, or its sampling noise unknown.
    Undetermined,
}

impl std::fmt::Display for SurvivalVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SurvivalVerdict::Survives => "SURVIVES",
            SurvivalVerdict::Fails => "FAILS",
            SurvivalVerdict::NotShown => "NOT_SHOWN",
            SurvivalVerdict::Undetermined => "UNDETERMINED",
        })
    }
}

/// Which evidence a survival answer rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurvivalBasis {
    /// The paper's own random arm (same evaluation and base), or the simulator's for a simulated
    /// audit: the primary answer, which decides where it exists.
    InPaper,
    /// A random-reward gain measured for the same model and benchmark in another paper, carried
    /// to this base.
    CrossPaper,
    /// The paper's own correctness-blind control (format-only, random + format): not the null,
    /// but a gain that does not beat it has not shown that its reward's information about
    /// correctness matters.
    Control,
    /// No evidence bears on the null.
    None,
}

impl std::fmt::Display for SurvivalBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SurvivalBasis::InPaper => "in-paper random arm",
            SurvivalBasis::CrossPaper => "cross-paper measured null",
            SurvivalBasis::Control => "in-paper correctness-blind control",
            SurvivalBasis::None => "no evidence",
        })
    }
}

/// `check`'s exit code for one answer: the paper's own random arm decides (0 SURVIVES, 1 FAILS or
/// NOT_SHOWN); without it FAILS or NOT_SHOWN from any other evidence exits 1, a cross-paper
/// survival exits 3 unless `accept_cross_paper`, and UNDETERMINED exits 3.
pub fn exit_code(verdict: SurvivalVerdict, basis: SurvivalBasis, accept_cross_paper: bool) -> u8 {
    match (verdict, basis) {
        (SurvivalVerdict::Fails | SurvivalVerdict::NotShown, _) => 1,
        (SurvivalVerdict::Survives, SurvivalBasis::InPaper) => 0,
        (SurvivalVerdict::Survives, SurvivalBasis::CrossPaper) if accept_cross_paper => 0,
        _ => 3,
    }
}

/// The survival word of one comparison: FAILS when the interval of target − null lies below 0,
/// SURVIVES when it and Δ_total's lie above 0 (a claimed gain that is not itself shown survives
/// nothing), NOT_SHOWN otherwise.
pub fn survival_word(delta: &Estimate, total: &Estimate) -> SurvivalVerdict {
    if delta.hi.is_some_and(|hi| hi < 0.0) {
        SurvivalVerdict::Fails
    } else if delta.lo.is_some_and(|lo| lo > 0.0) && total.lo.is_some_and(|lo| lo > 0.0) {
        SurvivalVerdict::Survives
    } else {
        SurvivalVerdict::NotShown
    }
}

/// One comparison of the target with one null or control, on one transfer scale.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// The scale a cross-paper gain was carried on (`None` for an in-paper arm).
    pub transfer: Option<crate::audit::descriptor::Transfer>,
    /// The null's (or control's) gain over this base, as carried.
    pub null_gain: Estimate,
    /// target − null.
    pub delta: Estimate,
    /// P(target − null > 0) over the draws.
    pub p_positive: f64,
    /// P(target − base > 0) over the same draws: SURVIVES also needs the gain itself shown.
    pub p_gain: f64,
    pub verdict: SurvivalVerdict,
}

/// The kind of one piece of survival evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// The paper's own random arm.
    InPaperRandom,
    /// A correctness-blind control of the paper's own table.
    Control,
    /// A random-reward gain of another paper, same model and benchmark.
    CrossPaper,
}

/// One piece of survival evidence: the target compared with one arm, under each transfer that
/// applies, and its word (transfer-sensitive when the scales disagree: then NOT_SHOWN).
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// The descriptor or measured-null id the arm comes from (this descriptor's for in-paper
    /// evidence).
    pub id: String,
    /// The paper's title.
    pub paper: String,
    /// The arm's label, as the paper names it.
    pub arm: String,
    /// Which reading, when the arm's number is ambiguous ("as printed" otherwise).
    pub reading: String,
    /// What a reader needs beside it: the lender's model, benchmark, evaluation, training budget.
    pub details: String,
    pub comparisons: Vec<Comparison>,
    pub verdict: SurvivalVerdict,
    /// The two transfers give different words.
    pub transfer_sensitive: bool,
    /// Why the verdict is what it is (noise unknown, transfer-sensitive, …).
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Survival {
    pub verdict: SurvivalVerdict,
    /// The evidence the verdict rests on.
    pub basis: SurvivalBasis,
    /// The ids of the evidence that decided it (the lending descriptors or measured nulls for a
    /// cross-paper answer, the control arm for a control answer).
    pub decided_by: Vec<String>,
    /// Δ_naive from identified arms, when there is one (the paper's own random arm, or one a
    /// descriptor borrows for its attribution).
    pub naive: Option<Estimate>,
    /// P(target − null > 0) of the deciding evidence.
    pub p_positive: Option<f64>,
    /// P(Δ_total > 0): SURVIVES also needs the claimed gain itself to be shown.
    pub p_gain: Option<f64>,
    /// Δ_naive from an imputed random arm: a model's estimate, never a verdict.
    pub model_estimate: Option<Estimate>,
    /// The largest random-reward gain the claimed gain would survive: the lower end of the
    /// interval of Δ_total (accuracy units). `None` when Δ_total has no interval.
    pub break_even_null: Option<f64>,
    /// Every piece of evidence on the null, each answered separately.
    pub evidence: Vec<Evidence>,
    /// The answer with a training-seed spread on every trained arm whose paper prints none.
    pub under_seed_sd: Option<SeedSensitivity>,
    /// Why the verdict is what it is, in words.
    pub reason: String,
}

/// A survival answer recomputed under the seed-spread sensitivity.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SeedSensitivity {
    /// The seed standard deviation added (accuracy units).
    pub seed_sd: f64,
    pub verdict: SurvivalVerdict,
    pub basis: SurvivalBasis,
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
/// of its base, random and majority arms. Survival is answered here from the chain's own random
/// arm only when it is the paper's (reported) or the simulator's; a borrowed one serves the
/// attribution, and the evidence ladder (`audit::survival`) answers survival from every piece of
/// evidence.
pub fn judge(
    reading: &str,
    chain: &[Option<(Draw, Basis)>; 4],
    thr: &Thresholds,
    shared: &Seed,
    target: &Seed,
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
    // An accuracy lies in [0, 1]: a draw past either end (a printed 100 plus its rounding, a
    // seed spread) is held at the end.
    let draws: Vec<[f64; 4]> = (0..thr.draws)
        .map(|i| {
            let b = chain[0]
                .as_ref()
                .map_or(0.0, |(d, _)| {
                    d.sample(0.0, base_point, i, false, thr.seed_sd, Tail::Centre, &mut r)
                })
                .clamp(0.0, 1.0);
            let mut a = [b, f64::NAN, f64::NAN, f64::NAN];
            for k in 1..4 {
                let stream = if k == 3 { &mut rt } else { &mut r };
                a[k] = match &chain[k] {
                    Some((Draw::SameAs(j), _)) => a[*j],
                    Some((d, _)) => d
                        .sample(b, base_point, i, true, thr.seed_sd, Tail::Centre, stream)
                        .clamp(0.0, 1.0),
                    None => f64::NAN,
                };
            }
            a
        })
        .collect();
    let noise_of = |k: usize| match &chain[k] {
        Some((Draw::SameAs(j), _)) => chain[*j].as_ref().is_some_and(|(d, _)| d.noise_known()),
        Some((d, _)) => d.noise_known(),
        None => false,
    };
    let noise_known = noise_of(Anchor::Random as usize) && noise_of(Anchor::Target as usize);
    let in_paper = matches!(
        basis[Anchor::Random as usize],
        Some(Basis::Reported | Basis::Simulated)
    );
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
    let undetermined = |naive: Option<Estimate>, model: Option<Estimate>, reason: &str| Survival {
        verdict: SurvivalVerdict::Undetermined,
        basis: SurvivalBasis::None,
        decided_by: Vec::new(),
        naive,
        p_positive: None,
        p_gain: None,
        model_estimate: model,
        break_even_null,
        evidence: Vec::new(),
        under_seed_sd: None,
        reason: reason.into(),
    };
    let survival = match &terms.naive {
        Some(v) if !v.model_based && in_paper && noise_known => {
            // The survival comparison draws target and null as an exact test would (see
            // [`compare`]); the terms above keep the symmetric draws.
            let draw_of = |k: usize| match &chain[k] {
                Some((Draw::SameAs(j), _)) => chain[*j].as_ref().map(|c| &c.0),
                other => other.as_ref().map(|c| &c.0),
            };
            let c = compare(
                draw_of(Anchor::Base as usize).expect("the base is known"),
                draw_of(Anchor::Target as usize).expect("the target is known"),
                draw_of(Anchor::Random as usize).expect("the random arm is known"),
                None,
                thr,
                &rng::derive_seed(&[shared, target, b"survival"]),
            );
            let verdict = c.verdict;
            Survival {
                verdict,
                basis: SurvivalBasis::InPaper,
                decided_by: Vec::new(),
                naive: Some(c.delta),
                p_positive: Some(c.p_positive),
                p_gain: Some(c.p_gain),
                model_estimate: None,
                break_even_null,
                evidence: Vec::new(),
                under_seed_sd: None,
                reason: match verdict {
                    SurvivalVerdict::Survives => "the 95 % interval of Δ_naive = target − random lies above 0".into(),
                    SurvivalVerdict::Fails => "the 95 % interval of Δ_naive = target − random lies below 0: the claimed gain is smaller than the null".into(),
                    _ if c.delta.lo.is_some_and(|lo| lo > 0.0) => "Δ_naive lies above 0, but the claimed gain itself is not shown: the 95 % interval of Δ_total = target − base reaches 0".into(),
                    _ => "the 95 % interval of Δ_naive = target − random reaches 0".into(),
                },
            }
        }
        Some(v) if !v.model_based && in_paper => undetermined(
            Some(v.estimate),
            None,
            "the paper's random arm is reported, but the benchmark size is not stated and no seed spreads are given for the target and random arms, so the sampling noise of Δ_naive is unknown (its interval reflects printed precision only)",
        ),
        Some(v) if !v.model_based => undetermined(
            Some(v.estimate),
            None,
            "the random arm is borrowed from another descriptor for the attribution; survival is answered from the measured nulls below",
        ),
        other => undetermined(
            None,
            other.as_ref().map(|v| v.estimate),
            if other.is_some() {
                "the paper ran no random arm: the random arm shown is the simulator's estimate, which never decides survival"
            } else {
                "the paper ran no random arm"
            },
        ),
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

/// Compares the target with one null or control arm (METHOD §7): `thr.draws` seeded draws of the
/// base, the target and the arm (each printed number with its own noise, [`draw_printed`]), the
/// interval of target − arm, and the word of [`survival_word`] — UNDETERMINED when the sampling
/// noise of the target or of the arm is unknown.
pub fn compare(
    base: &Draw,
    target: &Draw,
    null: &Draw,
    transfer: Option<crate::audit::descriptor::Transfer>,
    thr: &Thresholds,
    seed: &Seed,
) -> Comparison {
    let mut r = rng::stream(seed, 0);
    let bp = base.point(0.0);
    let (tp, np) = (target.point(bp), null.point(bp));
    let mut draws = Vec::with_capacity(thr.draws);
    for i in 0..thr.draws {
        // The target drawn from its lower confidence distribution, the base and the null from
        // their upper ones: a survival is shown as an exact test would show it.
        let b = base
            .sample(0.0, bp, i, false, thr.seed_sd, Tail::High, &mut r)
            .clamp(0.0, 1.0);
        let t = target
            .sample(b, bp, i, true, thr.seed_sd, Tail::Low, &mut r)
            .clamp(0.0, 1.0);
        let z = null
            .sample(b, bp, i, true, thr.seed_sd, Tail::High, &mut r)
            .clamp(0.0, 1.0);
        draws.push([b, z, t]);
    }
    let interval = |point: f64, f: &dyn Fn(&[f64; 3]) -> f64| {
        percentile_interval(point, draws.iter().map(|a| Some(f(a))), 0.025)
    };
    let delta = interval(tp - np, &|a| a[2] - a[1]);
    let total = interval(tp - bp, &|a| a[2] - a[0]);
    let share = |f: &dyn Fn(&[f64; 3]) -> bool| {
        draws.iter().filter(|a| f(a)).count() as f64 / draws.len().max(1) as f64
    };
    Comparison {
        transfer,
        null_gain: interval(np - bp, &|a| a[1] - a[0]),
        delta,
        p_positive: share(&|a| a[2] - a[1] > 0.0),
        p_gain: share(&|a| a[2] - a[0] > 0.0),
        verdict: if target.noise_known() && null.noise_known() {
            survival_word(&delta, &total)
        } else {
            SurvivalVerdict::Undetermined
        },
    }
}
