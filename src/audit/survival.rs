//! Survival from all the evidence, the same way for every claim (METHOD §7): the paper's own
//! random arm decides where it exists; without it, the paper's own correctness-blind controls and
//! the random-reward gains measured for the same model and benchmark in other papers (carried to
//! this base additively and in log-odds, with both papers' noise) each answer separately, and the
//! ladder takes the most cautious of their words; with none, UNDETERMINED.

use super::descriptor::{ArmDef, ArmSpec, Descriptor, Transfer};
use super::engine::{
    self, Comparison, Draw, Evidence, EvidenceKind, Survival, SurvivalBasis, SurvivalVerdict, Tail,
    Thresholds,
};
use super::evidence::MeasuredNull;
use crate::rng::{self, derive_seed};
use crate::stats::{Estimate, percentile_interval};

/// The seed of one comparison: from what is compared (the draw rules), never from file order.
fn seed(base: &Draw, target: &Draw, null: &Draw, scale: Option<Transfer>) -> rng::Seed {
    derive_seed(&[
        b"rlvr-audit/evidence/v1",
        format!("{base:?}|{target:?}|{null:?}|{scale:?}").as_bytes(),
    ])
}

/// The gain of a carried null over `base` (accuracy units), with its interval.
pub fn carried_gain(base: &Draw, null: &Draw, thr: &Thresholds) -> Estimate {
    engine::compare(base, base, null, None, thr, &seed(base, base, null, None)).null_gain
}

/// A measured null's gain over its own paper's base, with both evaluations' noise; a gain
/// printed without a base is sized where its noise is largest (the base and the arm either side
/// of 50 %).
pub fn own_gain(m: &MeasuredNull, thr: &Thresholds) -> Estimate {
    let base = m.base.clone().unwrap_or_else(|| {
        let g = m.arm.point(0.0);
        Draw::Direct {
            value: (0.5 - g / 2.0).clamp(0.0, 1.0),
            half_width: 0.0,
            spread: 0.0,
            n: m.n,
        }
    });
    let bp = base.point(0.0);
    let mut r = rng::stream(&seed(&base, &m.arm, &m.arm, None), 0);
    let draws: Vec<f64> = (0..thr.draws)
        .map(|i| {
            let b = base
                .sample(0.0, bp, i, false, 0.0, Tail::Centre, &mut r)
                .clamp(0.0, 1.0);
            // A gain with no base is already the difference of two evaluations.
            let a = m
                .arm
                .sample(b, bp, i, true, 0.0, Tail::Centre, &mut r)
                .clamp(0.0, 1.0);
            a - b
        })
        .collect();
    percentile_interval(m.arm.point(bp) - bp, draws.into_iter().map(Some), 0.025)
}

/// How one comparison's word reads, for a reason line.
fn word_reason(c: &Comparison) -> &'static str {
    match c.verdict {
        SurvivalVerdict::Survives => "target − arm lies above 0",
        SurvivalVerdict::Fails => "target − arm lies wholly below 0: the claimed gain is smaller",
        SurvivalVerdict::NotShown => "the interval of target − arm reaches 0",
        SurvivalVerdict::Undetermined => {
            "the sampling noise of the target or the arm is unknown (no benchmark size or spread)"
        }
    }
}

/// One piece of evidence from its comparisons: their common word, or NOT_SHOWN when the transfer
/// scales disagree (transfer-sensitive), UNDETERMINED when any is.
fn piece(
    kind: EvidenceKind,
    id: &str,
    paper: &str,
    arm: &str,
    reading: &str,
    details: String,
    comparisons: Vec<Comparison>,
) -> Evidence {
    let words: Vec<SurvivalVerdict> = comparisons.iter().map(|c| c.verdict).collect();
    let undetermined = words.contains(&SurvivalVerdict::Undetermined);
    let sensitive = !undetermined && words.windows(2).any(|w| w[0] != w[1]);
    let verdict = if undetermined {
        SurvivalVerdict::Undetermined
    } else if sensitive {
        SurvivalVerdict::NotShown
    } else {
        words[0]
    };
    let reason = if sensitive {
        format!(
            "transfer-sensitive: {}",
            comparisons
                .iter()
                .map(|c| format!(
                    "{} {}",
                    c.transfer.map_or("in-paper".into(), |t| t.to_string()),
                    c.verdict
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        word_reason(&comparisons[0]).to_string()
    };
    Evidence {
        kind,
        id: id.to_string(),
        paper: paper.to_string(),
        arm: arm.to_string(),
        reading: reading.to_string(),
        details,
        comparisons,
        verdict,
        transfer_sensitive: sensitive,
        reason,
    }
}

/// The survival answer of one reading from every piece of evidence. `judged` is the engine's
/// answer from the chain's own random arm (decisive only when that arm is the paper's);
/// `null` the chain's Δ_null; `base` and `target` the reading's draw rules; `controls` the
/// paper's own correctness-blind arms (with their readings); `cross` the measured nulls of the
/// same model and benchmark.
#[allow(clippy::too_many_arguments)]
pub fn ladder(
    d: &Descriptor,
    judged: Survival,
    null: Option<Estimate>,
    random: Option<&ArmDef>,
    base: &Draw,
    target: &Draw,
    controls: &[(&ArmDef, String, Draw)],
    cross: &[MeasuredNull],
    thr: &Thresholds,
) -> Survival {
    let mut ev: Vec<Evidence> = Vec::new();
    let in_paper_arm = random.filter(|a| matches!(a.spec, ArmSpec::Reported { .. }));
    if let (Some(a), Some(naive)) = (in_paper_arm, judged.naive) {
        ev.push(piece(
            EvidenceKind::InPaperRandom,
            &d.id,
            &d.paper.title,
            &a.label,
            "as printed",
            "the paper's own random arm, same evaluation and base".into(),
            vec![Comparison {
                transfer: None,
                null_gain: null.unwrap_or(Estimate::point(f64::NAN)),
                delta: naive,
                p_positive: judged.p_positive.unwrap_or(f64::NAN),
                p_gain: judged.p_gain.unwrap_or(f64::NAN),
                verdict: judged.verdict,
            }],
        ));
        if judged.basis == SurvivalBasis::None {
            // The noise is unknown: say so in the piece.
            if let Some(p) = ev.last_mut() {
                p.reason = judged.reason.clone();
            }
        }
    }
    for (a, reading, draw) in controls {
        let c = engine::compare(
            base,
            target,
            draw,
            None,
            thr,
            &seed(base, target, draw, None),
        );
        ev.push(piece(
            EvidenceKind::Control,
            &d.id,
            &d.paper.title,
            &format!("{} ({})", a.label, a.role),
            reading,
            "the paper's own control, same evaluation and base".into(),
            vec![c],
        ));
    }
    for m in cross {
        let comparisons: Vec<Comparison> = [Transfer::Additive, Transfer::Logit]
            .into_iter()
            .filter_map(|scale| {
                let null = m.carried(scale)?;
                Some(engine::compare(
                    base,
                    target,
                    &null,
                    Some(scale),
                    thr,
                    &seed(base, target, &null, Some(scale)),
                ))
            })
            .collect();
        let mut details = format!(
            "{} on {} (n = {}); {}",
            m.model,
            m.benchmark,
            m.n.map_or("not stated".into(), |n| n.to_string()),
            m.details
        );
        if m.base.is_none() {
            details
                .push_str("; additive only: the lender prints no base for the log-odds transfer");
        }
        if !m.caveat.is_empty() {
            details.push_str(&format!("; caveat: {}", m.caveat));
        }
        ev.push(piece(
            EvidenceKind::CrossPaper,
            &m.id,
            &m.paper,
            &m.label,
            &m.reading,
            details,
            comparisons,
        ));
    }
    decide(judged, ev)
}

/// The ladder's rule over the pieces (see the module doc).
fn decide(judged: Survival, evidence: Vec<Evidence>) -> Survival {
    let mut s = Survival { evidence, ..judged };
    if s.basis == SurvivalBasis::InPaper {
        return s;
    }
    let with = |v: SurvivalVerdict, k: EvidenceKind| -> Vec<&Evidence> {
        s.evidence
            .iter()
            .filter(|e| e.verdict == v && e.kind == k)
            .collect()
    };
    // The most cautious word any piece gives: FAILS, then NOT_SHOWN (a measured null before a
    // control, as the basis named), then a cross-paper survival under every transfer.
    let pick = [
        (SurvivalVerdict::Fails, EvidenceKind::CrossPaper),
        (SurvivalVerdict::Fails, EvidenceKind::Control),
        (SurvivalVerdict::NotShown, EvidenceKind::CrossPaper),
        (SurvivalVerdict::NotShown, EvidenceKind::Control),
        (SurvivalVerdict::Survives, EvidenceKind::CrossPaper),
    ]
    .into_iter()
    .find(|(v, k)| !with(*v, *k).is_empty());
    let Some((verdict, kind)) = pick else {
        let controls = s
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Control)
            .count();
        let open: Vec<String> = s
            .evidence
            .iter()
            .filter(|e| e.verdict == SurvivalVerdict::Undetermined)
            .map(|e| format!("`{}`: {}", e.id, e.reason))
            .collect();
        if !open.is_empty() {
            s.reason = format!(
                "{}; the evidence beside it is undetermined ({})",
                s.reason,
                open.join("; ")
            );
        } else if controls > 0 || !s.evidence.is_empty() {
            s.reason = format!(
                "{}; the claim beats the paper's own correctness-blind controls, which are not the null",
                s.reason
            );
        } else {
            s.reason = format!(
                "{}, and no random-reward gain is measured for this model and benchmark elsewhere",
                s.reason
            );
        }
        return s;
    };
    let deciding = with(verdict, kind);
    s.verdict = verdict;
    s.basis = match kind {
        EvidenceKind::Control => SurvivalBasis::Control,
        _ => SurvivalBasis::CrossPaper,
    };
    s.decided_by = deciding.iter().map(|e| e.id.clone()).collect();
    s.decided_by.dedup();
    // The deciding piece's P(target − null > 0): the lowest over its comparisons.
    s.p_positive = deciding
        .iter()
        .flat_map(|e| e.comparisons.iter().map(|c| c.p_positive))
        .reduce(f64::min);
    s.reason = match (verdict, kind) {
        (SurvivalVerdict::Survives, _) => format!(
            "the paper ran no random arm; the claim exceeds every random-reward gain measured for this model and benchmark elsewhere ({}), under every transfer",
            s.decided_by.join(", ")
        ),
        (v, EvidenceKind::Control) => format!(
            "the paper ran no random arm, and against its own correctness-blind control {} ({}) the claim {}: it has not shown that its reward's information about correctness matters",
            deciding[0].arm,
            deciding[0].id,
            if v == SurvivalVerdict::Fails {
                "is smaller"
            } else {
                "is not shown to be larger"
            }
        ),
        (v, _) => format!(
            "the paper ran no random arm; a random-reward gain measured for this model and benchmark in {} ({}) {}{}",
            deciding[0].paper,
            s.decided_by.join(", "),
            if v == SurvivalVerdict::Fails {
                "is larger than the claimed gain"
            } else {
                "is not shown to be smaller than the claimed gain"
            },
            if deciding.iter().any(|e| e.transfer_sensitive) {
                " (transfer-sensitive: the additive and log-odds transfers disagree)"
            } else {
                ""
            }
        ),
    };
    s
}
