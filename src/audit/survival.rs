//! Survival, the first of the judge's answers (resolve → draw → terms → judge → **survival**):
//! from all the evidence, the same way for every claim (METHOD §7). The paper's own random arm
//! decides where it exists; without it, the paper's own correctness-blind controls and the
//! random-reward gains measured for the same model and benchmark in other papers (carried to
//! this base additively and in log-odds, with both papers' noise) each answer separately, and the
//! ladder takes the most cautious of their words; with none, UNDETERMINED. Every comparison reads
//! the pairings the draw stage drew ([`Paired`]).

use serde::Serialize;

use super::descriptor::Transfer;
use super::draw::Paired;
use super::resolve::NullArms;
use super::result::Basis;
use super::terms::Decomposed;
use crate::decompose::Anchor;
use crate::stats::Estimate;

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
    pub transfer: Option<Transfer>,
    /// The null's (or control's) gain over this base, as carried.
    pub null_gain: Estimate,
    /// target − null.
    pub delta: Estimate,
    /// P(target − null > 0) over the draws.
    pub p_positive: f64,
    /// P(target − base > 0) over the same draws: SURVIVES also needs the gain itself shown.
    pub p_gain: f64,
    /// Whether the sampling noise of the target and of the arm is known.
    pub noise_known: bool,
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

/// Compares the target with one null or control arm (METHOD §7): the interval of target − arm,
/// its lower end over the pairing's draws and its upper end over the mirrored ones (each end
/// as an exact one-sided test would put it), and the word of [`survival_word`]. When the
/// sampling noise of the target or of the arm is unknown nothing is shown either way: NOT_SHOWN
/// when the target's printed value does not exceed the arm's, UNDETERMINED otherwise.
pub fn compare(p: &Paired) -> Comparison {
    let [_, np, tp] = p.points;
    Comparison {
        transfer: p.transfer,
        null_gain: p.null_gain,
        delta: p.delta,
        p_positive: p.p_positive,
        p_gain: p.p_gain,
        noise_known: p.noise_known,
        verdict: if p.noise_known {
            survival_word(&p.delta, &p.total)
        } else if tp <= np {
            SurvivalVerdict::NotShown
        } else {
            SurvivalVerdict::Undetermined
        },
    }
}

/// The survival answer of one reading from the chain's own random arm: decided only when that
/// arm is the paper's (reported) or the simulator's and its noise is known (the draw stage then
/// paired it with the target); a borrowed one serves the attribution, and [`ladder`] answers
/// survival from every piece of evidence.
pub fn in_paper(dec: &Decomposed) -> Survival {
    let terms = &dec.terms;
    let in_paper = matches!(
        dec.drawn.basis[Anchor::Random as usize],
        Some(Basis::Reported | Basis::Simulated)
    );
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
    match (&terms.naive, &dec.drawn.in_paper) {
        (Some(v), Some(paired)) if !v.model_based => {
            // The survival comparison draws target and null as an exact test would (see
            // [`Paired`]); the terms keep the symmetric draws.
            let c = compare(paired);
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
                    _ if c.delta.lo.is_some_and(|lo| lo > 0.0) => "Δ_naive lies above 0, but the claimed gain itself is not shown: the lower 2.5 % bound of Δ_total = target − base, drawn as an exact test would (the target's lower and the base's upper confidence distributions), reaches 0".into(),
                    _ => "the 95 % interval of Δ_naive = target − random reaches 0".into(),
                },
            }
        }
        (Some(v), _) if !v.model_based && in_paper && v.estimate.mean <= 0.0 => Survival {
            verdict: SurvivalVerdict::NotShown,
            basis: SurvivalBasis::InPaper,
            reason: "the paper's random arm is reported without a benchmark size or seed spreads, so the sampling noise of Δ_naive is unknown, but the target's printed value does not exceed the random arm's: nothing is shown".into(),
            ..undetermined(Some(v.estimate), None, "")
        },
        (Some(v), _) if !v.model_based && in_paper => undetermined(
            Some(v.estimate),
            None,
            "the paper's random arm is reported, but the benchmark size is not stated and no seed spreads are given for the target and random arms, so the sampling noise of Δ_naive is unknown (its interval reflects printed precision only)",
        ),
        (Some(v), _) if !v.model_based => undetermined(
            Some(v.estimate),
            None,
            "the random arm is borrowed from another descriptor for the attribution; survival is answered from the measured nulls below",
        ),
        (other, _) => undetermined(
            None,
            other.as_ref().map(|v| v.estimate),
            if other.is_some() {
                "the paper ran no random arm: the random arm shown is the simulator's estimate, which never decides survival"
            } else {
                "the paper ran no random arm"
            },
        ),
    }
}

/// The survival answer of one reading from every piece of evidence. `judged` is [`in_paper`]'s
/// answer (decisive only when the chain's random arm is the paper's); `null` the chain's Δ_null;
/// `nulls` the descriptor's own random arm, controls and measured nulls, which `drawn` paired
/// with the target in the same order.
pub fn ladder(
    nulls: &NullArms,
    judged: Survival,
    null: Option<Estimate>,
    drawn: &super::draw::Drawn,
) -> Survival {
    let mut ev: Vec<Evidence> = Vec::new();
    if let (Some(label), Some(naive)) = (&nulls.random, judged.naive) {
        ev.push(piece(
            EvidenceKind::InPaperRandom,
            &nulls.id,
            &nulls.paper,
            label,
            "as printed",
            "the paper's own random arm, same evaluation and base".into(),
            vec![Comparison {
                transfer: None,
                null_gain: null.unwrap_or(Estimate::point(f64::NAN)),
                delta: naive,
                p_positive: judged.p_positive.unwrap_or(f64::NAN),
                p_gain: judged.p_gain.unwrap_or(f64::NAN),
                noise_known: judged.p_positive.is_some(),
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
    for (c, paired) in nulls.controls.iter().zip(&drawn.controls) {
        let Some(paired) = paired else { continue };
        ev.push(piece(
            EvidenceKind::Control,
            &nulls.id,
            &nulls.paper,
            &c.arm,
            &c.reading,
            "the paper's own control, same evaluation and base".into(),
            vec![compare(paired)],
        ));
    }
    for (m, paired) in nulls.cross.iter().zip(&drawn.cross) {
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
            paired.iter().map(compare).collect(),
        ));
    }
    decide(judged, ev)
}

/// How one comparison's word reads, for a reason line.
fn word_reason(c: &Comparison) -> &'static str {
    match c.verdict {
        SurvivalVerdict::Survives => "target − arm lies above 0",
        SurvivalVerdict::Fails => "target − arm lies wholly below 0: the claimed gain is smaller",
        SurvivalVerdict::NotShown if !c.noise_known => {
            "the sampling noise of the target or the arm is unknown (no benchmark size or spread), and the target's printed value does not exceed the arm's"
        }
        SurvivalVerdict::NotShown => "the interval of target − arm reaches 0",
        SurvivalVerdict::Undetermined => {
            "the sampling noise of the target or the arm is unknown (no benchmark size or spread)"
        }
    }
}

/// One piece of evidence from its comparisons: their common word, or NOT_SHOWN when the transfer
/// scales disagree (transfer-sensitive), UNDETERMINED when all are.
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
    // Undetermined only when every transfer is: a target below the null on one transfer (its
    // noise unknown) is NOT_SHOWN there, and the piece is then transfer-sensitive.
    let undetermined = words.iter().all(|w| *w == SurvivalVerdict::Undetermined);
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
        s.reason = undecided_reason(&s);
        return s;
    };
    let deciding = with(verdict, kind);
    let mut decided_by: Vec<String> = deciding.iter().map(|e| e.id.clone()).collect();
    decided_by.dedup();
    // The deciding piece's P(target − null > 0): the lowest over its comparisons.
    let p_positive = deciding
        .iter()
        .flat_map(|e| e.comparisons.iter().map(|c| c.p_positive))
        .reduce(f64::min);
    let reason = decided_reason(verdict, kind, &deciding, &decided_by);
    Survival {
        verdict,
        basis: match kind {
            EvidenceKind::Control => SurvivalBasis::Control,
            _ => SurvivalBasis::CrossPaper,
        },
        decided_by,
        p_positive,
        reason,
        ..s
    }
}

/// The reason of an answer no piece of evidence decides: the chain's own reason, and what the
/// evidence beside it says.
fn undecided_reason(s: &Survival) -> String {
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
        format!(
            "{}; the evidence beside it is undetermined ({})",
            s.reason,
            open.join("; ")
        )
    } else if controls > 0 || !s.evidence.is_empty() {
        format!(
            "{}; the claim beats the paper's own correctness-blind controls, which are not the null",
            s.reason
        )
    } else {
        format!(
            "{}, and no random-reward gain is measured for this model and benchmark elsewhere",
            s.reason
        )
    }
}

/// The reason of an answer the pieces `deciding` (of `kind`, giving `verdict`) decide.
fn decided_reason(
    verdict: SurvivalVerdict,
    kind: EvidenceKind,
    deciding: &[&Evidence],
    decided_by: &[String],
) -> String {
    match (verdict, kind) {
        (SurvivalVerdict::Survives, _) => format!(
            "the paper ran no random arm; the claim exceeds every random-reward gain measured for this model and benchmark elsewhere ({}), under every transfer",
            decided_by.join(", ")
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
            decided_by.join(", "),
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
    }
}
