//! Views of results: number formatting shared by every format, and terminal tables.

pub mod audit;
pub mod calibration;
pub mod check;
pub mod clean;
pub mod markdown;
pub mod papers;
pub mod svg;
pub mod terminal;

use crate::stats::Estimate;

/// Writes a Markdown table: the header row of `head`, its rule, and one row per item of `rows`
/// (each row's cells as given, already escaped).
pub fn md_table<R: IntoIterator<Item = String>>(
    m: &mut String,
    head: &[&str],
    rows: impl IntoIterator<Item = R>,
) {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    m.push_str(&line(head.iter().map(|h| h.to_string()).collect()));
    m.push_str(&format!("|{}\n", "---|".repeat(head.len())));
    for r in rows {
        m.push_str(&line(r.into_iter().collect()));
    }
}

/// The columns of [`effect_cells`].
pub const EFFECT_COLUMNS: [&str; 5] = [
    "effect",
    "coefficient [95% t CI]",
    "difference of means",
    "t",
    "p (two-sided)",
];

/// The columns of [`hypothesis_cells`] after the first (the hypothesis's id).
pub const HYPOTHESIS_COLUMNS: [&str; 7] = [
    "effect",
    "claim",
    "estimate",
    "p",
    "adjusted p",
    "α",
    "verdict",
];

/// One effect of a factorial study as table cells: name, coefficient, difference of means, t, p.
pub fn effect_cells(e: &crate::factorial::analysis::EffectRow) -> Vec<String> {
    vec![
        e.name.clone(),
        est(&e.coefficient, 4),
        format!("{:.4}", e.difference_of_means),
        format!("{:.2}", e.t),
        format!("{:.2e}", e.p_two_sided),
    ]
}

/// One hypothesis of a factorial study as table cells: id, effect, claim, estimate, p, adjusted
/// p, α, verdict.
pub fn hypothesis_cells(h: &crate::factorial::analysis::HypothesisResult) -> Vec<String> {
    vec![
        h.id.clone(),
        h.effect.clone(),
        h.comparison.clone(),
        h.estimate.map_or("undefined".into(), |v| format!("{v:.4}")),
        format!("{:.2e}", h.p_value),
        format!("{:.2e}", h.adjusted_p),
        h.alpha.to_string(),
        h.verdict.to_string(),
    ]
}

/// `0.1234 [0.1200, 0.1300]`, or just the point when there is no interval.
pub fn est(e: &Estimate, digits: usize) -> String {
    match (e.lo, e.hi) {
        (Some(lo), Some(hi)) => format!("{:.d$} [{:.d$}, {:.d$}]", e.mean, lo, hi, d = digits),
        _ => format!("{:.d$} (no interval)", e.mean, d = digits),
    }
}

/// A share, or the word `undefined` with the reason.
pub fn share(e: &Option<Estimate>, digits: usize) -> String {
    match e {
        Some(e) => est(e, digits),
        None => "undefined (denominator below tolerance)".to_string(),
    }
}

/// The tool's name and version, printed in every output.
pub fn tool() -> crate::io::Tool {
    crate::io::TOOL
}

/// A factor level as written: strings without JSON quotes.
pub fn level(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "A=true, B=0.8": the factor levels of a cell's coding, for factors from `first` on.
pub fn cell_levels(
    factors: &[crate::factorial::study::FactorFile],
    coding: &[i8],
    first: usize,
    sep: &str,
) -> String {
    factors[first..]
        .iter()
        .zip(&coding[first..])
        .map(|(f, &x)| format!("{}={}", f.name, level(if x > 0 { &f.high } else { &f.low })))
        .collect::<Vec<_>>()
        .join(sep)
}

/// "+−+": a cell's coding.
pub fn cell_code(coding: &[i8]) -> String {
    coding
        .iter()
        .map(|&x| if x > 0 { '+' } else { '−' })
        .collect()
}
