//! The cells and phrases every audit view shares: terms, shares, answers, provenance.

use crate::audit::Basis;
use crate::audit::judge::{Answer, Judgement};
use crate::audit::survival::{SurvivalBasis, SurvivalVerdict};
use crate::audit::terms::ShareValue;
use crate::audit::{AuditResult, NullEvidence, Provenance, TargetResult};
use crate::decompose::{Share, Term};
use crate::stats::Estimate;

/// Percentage points with sign: `+21.4`.
pub(crate) fn p1(v: f64) -> String {
    format!("{:+.1}", 100.0 * v)
}

/// `+21.4 [+19.8, +23.0]`, or the point alone when there is no interval.
pub fn pts(e: &Estimate) -> String {
    match (e.lo, e.hi) {
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", p1(e.mean), p1(lo), p1(hi)),
        _ => format!("{} (no interval)", p1(e.mean)),
    }
}

/// The anchors a term needs that this judgement does not know: "the random arm".
pub(crate) fn unknown(j: &Judgement, terms: &[Term]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for t in terms {
        let (a, b) = t.anchors();
        for x in [a, b] {
            if !j.arms.contains_key(x.name()) && !names.contains(&x.name()) {
                names.push(x.name());
            }
        }
    }
    format!(
        "not identified (needs the {} arm{})",
        names.join(" and "),
        if names.len() > 1 { "s" } else { "" }
    )
}

/// A term as printed: point and interval; model-based bounds; or why it is absent.
pub(crate) fn term_text(j: &Judgement, t: Term) -> String {
    match j.terms.get(t) {
        None => unknown(j, &[t]),
        Some(v) if v.model_based => match (v.estimate.lo, v.estimate.hi) {
            (Some(lo), Some(hi)) => format!("model-based bounds [{}, {}]", p1(lo), p1(hi)),
            _ => "model-based (no interval)".into(),
        },
        Some(v) => pts(&v.estimate),
    }
}

pub(crate) fn share_est(e: &Estimate, bounds_only: bool) -> String {
    match (e.lo, e.hi) {
        (Some(lo), Some(hi)) if bounds_only => format!("[{lo:.2}, {hi:.2}]"),
        (Some(lo), Some(hi)) => format!("{:.2} [{lo:.2}, {hi:.2}]", e.mean),
        _ if bounds_only => "unbounded".into(),
        _ => format!("{:.2} (no interval)", e.mean),
    }
}

/// A share as printed; `bounds_only` under a BOUNDED answer.
pub(crate) fn share_text(j: &Judgement, s: Share, bounds_only: bool) -> String {
    match j.shares.get(s) {
        None => {
            let (n, d) = s.parts();
            unknown(j, &[n, d])
        }
        Some(ShareValue { estimate: None, .. }) => "undefined (denominator below tolerance)".into(),
        Some(ShareValue {
            estimate: Some(e),
            model_based: true,
        }) => format!("model-based bounds {}", share_est(e, true)),
        Some(ShareValue {
            estimate: Some(e), ..
        }) => share_est(e, bounds_only),
    }
}

/// A probability truncated (not rounded) to two decimals, so a printed value never reaches a
/// threshold the unrounded one misses (0.949 prints as 0.94, below the 0.95 of "settled").
pub fn prob(p: f64) -> String {
    format!("{:.2}", (p * 100.0 + 1e-9).floor() / 100.0)
}

/// The survival word with its basis and probability: "SURVIVES (in-paper random arm,
/// P(Δ_naive > 0) = 1.00)", "FAILS (cross-paper measured null: spurious-…, P = 0.00)".
pub fn survival_text(j: &Judgement) -> String {
    let s = &j.survival;
    let v = s.verdict;
    let basis = match s.basis {
        SurvivalBasis::None => return v.to_string(),
        SurvivalBasis::InPaper => "in-paper random arm".to_string(),
        b => format!("{b}: {}", s.decided_by.join(", ")),
    };
    match (s.p_positive, s.basis) {
        (Some(p), SurvivalBasis::InPaper) => match s.p_gain {
            Some(g)
                if v == SurvivalVerdict::NotShown
                    && s.naive.is_some_and(|n| n.lo.is_some_and(|lo| lo > 0.0)) =>
            {
                format!(
                    "{v} ({basis}, P(Δ_naive > 0) = {}, but P(Δ_total > 0) = {})",
                    prob(p),
                    prob(g)
                )
            }
            _ => format!("{v} ({basis}, P(Δ_naive > 0) = {})", prob(p)),
        },
        (Some(p), _) => format!("{v} ({basis}, P(target − null > 0) = {})", prob(p)),
        (None, _) => format!("{v} ({basis})"),
    }
}

/// The survival word and basis only, for narrow tables: "FAILS — cross-paper (spurious-…)".
pub fn survival_short(j: &Judgement) -> String {
    let s = &j.survival;
    match s.basis {
        SurvivalBasis::None => s.verdict.to_string(),
        SurvivalBasis::InPaper => format!("{} — in-paper", s.verdict),
        SurvivalBasis::CrossPaper => {
            format!("{} — cross-paper ({})", s.verdict, s.decided_by.join(", "))
        }
        SurvivalBasis::Control => format!("{} — own control", s.verdict),
    }
}

/// "NULL_DOMINATED (0.83, most likely)".
pub fn answer_text(a: &Answer) -> String {
    match a.probability {
        Some(p) if a.settled => format!("{} ({})", a.verdict, prob(p)),
        Some(p) => format!("{} ({}, most likely)", a.verdict, prob(p)),
        None => a.verdict.to_string(),
    }
}

/// The break-even sentence with its evidence.
pub fn break_even_text(r: &AuditResult, j: &Judgement) -> String {
    let be = match j.survival.break_even_null {
        Some(b) if b > 0.0 => format!(
            "the claimed gain survives any null (random-reward) term below {} points (the lower end of Δ_total's interval)",
            p1(b)
        ),
        Some(b) => format!(
            "the claimed gain itself is not shown: Δ_total's interval reaches {} points, so no null term is needed to erase it",
            p1(b)
        ),
        None => "Δ_total has no interval, so no break-even null can be given".into(),
    };
    let same: Vec<&NullEvidence> = r.same_benchmark_nulls().collect();
    let ev = match (same.first(), r.null_evidence.first()) {
        (Some(e), _) => format!(
            "the largest measured for {} on {} is {} ({})",
            r.model,
            r.benchmark.name,
            p1(e.null.mean),
            cite(e)
        ),
        (None, Some(e)) => format!(
            "no measured null for {} on {}; on other benchmarks the largest is {} on {} ({})",
            r.model,
            r.benchmark.name,
            p1(e.null.mean),
            e.benchmark,
            cite(e)
        ),
        (None, None) => format!("no measured null for {} in the descriptors", r.model),
    };
    format!("{be}; {ev}")
}

/// A measured null's id, linked to its audit page when it has one (`prefix` is the path to the
/// reports directory).
pub(crate) fn null_link(e: &NullEvidence, prefix: &str) -> String {
    if e.listed {
        format!("`{}` (data/measured-nulls.yaml)", e.id)
    } else {
        format!("[{}]({prefix}{}.md)", e.id, e.id)
    }
}

pub(crate) fn cite(e: &NullEvidence) -> String {
    format!(
        "`{}`, {}, {}, row {}, column {}",
        e.id, e.source.version, e.source.location, e.source.row, e.source.column
    )
}

pub(crate) fn provenance(p: &Provenance) -> (String, String, String) {
    match p {
        Provenance::Reported {
            printed,
            unit,
            source,
            cell,
        } => (
            "reported".into(),
            format!("{} ({unit})", printed.join(" or ")),
            format!(
                "{}, {}, row {}, column {}; read from {}{}",
                source.version,
                source.location,
                source.row,
                source.column,
                source.read_from,
                cell.as_ref()
                    .map_or(String::new(), |c| format!("; cell in the paper cache: {c}"))
            ),
        ),
        Provenance::Borrowed {
            from,
            lender_arm,
            printed,
            unit,
            source,
            transfer,
        } => (
            format!("borrowed from `{from}` (arm `{lender_arm}`)"),
            format!(
                "{printed} ({unit}), its gain over its own base carried to this base on the {transfer} scale"
            ),
            format!(
                "{}, {}, row {}, column {}; read from {}",
                source.version, source.location, source.row, source.column, source.read_from
            ),
        ),
        Provenance::Imputed {
            lo,
            hi,
            contradicted_by,
        } if !contradicted_by.is_empty() => (
            format!(
                "imputed by the simulator fit, contradicted by the measured null{} {}: not used",
                if contradicted_by.len() > 1 { "s" } else { "" },
                contradicted_by
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "gain over base in [{}, {}] points, which the measured gain of this model and benchmark lies outside",
                p1(*lo),
                p1(*hi)
            ),
            "simulator fit (see below)".into(),
        ),
        Provenance::Imputed { lo, hi, .. } => (
            "imputed by the simulator fit (a model's estimate, never evidence)".into(),
            format!("gain over base in [{}, {}] points", p1(*lo), p1(*hi)),
            "simulator fit (see below)".into(),
        ),
        Provenance::Simulated { config, replicates } => (
            "simulated".into(),
            format!("{replicates} replicates"),
            format!("simulator config `{}`", config.canonical_json()),
        ),
        Provenance::Missing => (
            "not reported, and the fit could not impute it (misfit)".into(),
            "—".into(),
            "—".into(),
        ),
    }
}

pub(crate) fn basis_word(b: Basis) -> &'static str {
    match b {
        Basis::Reported => "reported",
        Basis::Borrowed => "borrowed",
        Basis::Simulated => "simulated",
        Basis::Imputed => "imputed (model)",
    }
}

/// The figure file of a target's waterfall, relative to the reports directory: one directory per
/// audit, so no two audits' figures can share a name.
pub fn figure_path(r: &AuditResult, t: &TargetResult) -> String {
    format!("figures/{}/{}.svg", r.id, t.arm)
}

/// The first cells of a table row per reading: the audit linked (`prefix` is the path to the
/// reports directory), its target arm and the reading.
pub(crate) fn reading_cells(prefix: &str, id: &str, arm: &str, reading: &str) -> String {
    format!("[{id}]({prefix}{id}.md) | {arm} | {}", cell(reading))
}

/// `text` between `before` and `after`, or nothing when `text` is empty.
pub(crate) fn affixed(before: &str, text: &str, after: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("{before}{text}{after}")
    }
}

/// Free text made safe for a markdown table cell: no column breaks, no line breaks.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The break-even null as printed: none when the gain itself is not shown.
pub(crate) fn break_even_cell(j: &Judgement) -> String {
    match j.survival.break_even_null {
        Some(b) if b > 0.0 => p1(b),
        Some(_) => "none (Δ_total not shown)".into(),
        None => "—".into(),
    }
}

pub(crate) fn short_title(t: &str) -> String {
    t.split(':').next().unwrap_or(t).trim().to_string()
}

/// The summary's model-check cell: "fits (n of m)", "misfit: <arm> off by X tolerances", or "—"
/// for a simulated audit.
pub(crate) fn model_check_cell(r: &AuditResult) -> String {
    r.fit.as_ref().map_or("—".into(), |f| cell(&f.verdict()))
}

/// The two answers of one reading as table cells: Δ_total, survival, Δ_naive, the break-even
/// null, three-way and two-way attribution.
pub(crate) fn answer_cells(j: &Judgement) -> [String; 6] {
    [
        term_text(j, Term::Total),
        survival_text(j),
        j.survival.naive.as_ref().map_or("—".into(), pts),
        break_even_cell(j),
        answer_text(&j.three_way),
        answer_text(&j.two_way),
    ]
}
