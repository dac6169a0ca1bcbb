//! Stage 4 of an audit, the answers (resolve → draw → terms → **judge** → survival): for each
//! reading of each target, survival ([`super::survival`]) and the two attributions — the
//! three-way partition (null, elicitation, reward design) and, beside it, the seed's two-way
//! convention (label-free vs reward design), METHOD §7 — then the target's record with the
//! seed-spread sensitivity and the transfer checks. Every verdict's probability is the share of
//! bootstrap draws that the verdict's own rule classifies the same way, so a label never
//! contradicts its number; the gate is [`crate::gate::GateRule`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::draw::Drawn;
use super::resolve::{NullArms, Target};
use super::result::{Basis, TargetResult, TransferCheck};
use super::survival::{self, SeedSensitivity, Survival};
use super::terms::{Decomposed, Shares, Terms};
use super::thresholds::Thresholds;
use crate::decompose::{Anchor, Term};
use crate::gate::Decision;
use crate::stats::{Estimate, percentile_interval};

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

/// The judge stage of one target: every reading judged, with the survival answer under the
/// seed-spread sensitivity beside it and the answers with every borrowed arm carried on the other
/// scale.
pub fn target(t: Target<Decomposed>, nulls: &NullArms, thr: &Thresholds) -> TargetResult {
    let all = |ds: Vec<Decomposed>| -> Vec<Judgement> {
        ds.into_iter().map(|d| judge(d, nulls, thr)).collect()
    };
    let mut judgements = all(t.readings);
    for (j, s) in judgements.iter_mut().zip(all(t.under_seed_sd)) {
        j.survival.under_seed_sd = Some(SeedSensitivity {
            seed_sd: thr.sensitivity_sd,
            verdict: s.survival.verdict,
            basis: s.survival.basis,
        });
    }
    let transfer_checks = match t.transfer {
        Some((scale, ds)) => all(ds)
            .into_iter()
            .map(|j| TransferCheck {
                reading: j.reading.clone(),
                scale,
                naive: j.survival.naive,
                survival: j.survival.verdict,
                three_way: j.three_way.verdict,
                two_way: j.two_way.verdict,
            })
            .collect(),
        None => Vec::new(),
    };
    TargetResult {
        arm: t.arm,
        role: t.role,
        label: t.label,
        judgements,
        transfer_checks,
    }
}

/// Judges one reading: survival from the chain's own random arm ([`survival::in_paper`]), then,
/// for a reported audit, from every piece of evidence ([`survival::ladder`]); the two
/// attributions; each known anchor's accuracy with its interval.
pub fn judge(dec: Decomposed, nulls: &NullArms, thr: &Thresholds) -> Judgement {
    let mut survival = survival::in_paper(&dec);
    if nulls.ladder {
        let null = dec.terms.null.as_ref().map(|v| v.estimate);
        survival = survival::ladder(nulls, survival, null, &dec.drawn);
    }
    let three_way = three_way(&dec, thr);
    let two_way = two_way(&dec, thr);
    let arms = arms(&dec.drawn);
    let Decomposed {
        drawn,
        terms,
        shares,
        gate,
    } = dec;
    Judgement {
        reading: drawn.reading,
        arms,
        terms,
        shares,
        gate,
        survival,
        three_way,
        two_way,
    }
}

/// The three-way answer: UNDETERMINED without all four anchors, BOUNDED when an arm of the
/// partition is imputed or the gate closes, else the modal class of the draws.
fn three_way(dec: &Decomposed, thr: &Thresholds) -> Answer {
    let (d, terms) = (&dec.drawn, &dec.terms);
    let classes3: Vec<Attribution> = d
        .draws
        .iter()
        .filter(|_| d.known.iter().all(|k| *k))
        .map(|a| classify_three_way(|t| t.of(a), thr))
        .collect();
    let point3 = d
        .known
        .iter()
        .all(|k| *k)
        .then(|| classify_three_way(|t| t.of(&d.points), thr));
    match (point3, dec.gate) {
        (None, _) => not_a_class(
            Attribution::Undetermined,
            &[],
            format!(
                "the three-way partition needs the {} arm{}",
                Anchor::ALL
                    .iter()
                    .filter(|a| !d.known[**a as usize])
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(" and "),
                if d.known.iter().filter(|k| !**k).count() > 1 { "s" } else { "" }
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
    }
}

/// The seed's two-way answer (no random arm needed).
fn two_way(dec: &Decomposed, thr: &Thresholds) -> Answer {
    let (d, terms) = (&dec.drawn, &dec.terms);
    let two_known = d.known[Anchor::Majority as usize];
    let classes2: Vec<Attribution> = d
        .draws
        .iter()
        .filter(|_| two_known)
        .map(|a| classify_two_way(|t| t.of(a), thr))
        .collect();
    match &terms.label_free {
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
            classify_two_way(|t| t.of(&d.points), thr),
            thr,
            "the share above the dominance threshold, else MIXED; the class most bootstrap draws get (no random arm needed)".into(),
        ),
    }
}

/// Each known anchor's accuracy with its interval and basis.
fn arms(drawn: &Drawn) -> BTreeMap<String, (Estimate, Basis)> {
    let Drawn {
        known,
        basis,
        points,
        draws,
        ..
    } = drawn;
    Anchor::ALL
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
        .collect()
}
