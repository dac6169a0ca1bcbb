//! Terminal tables (comfy-table).

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::{est, share};
use crate::decompose::Decomposition;

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

/// Arms, terms and shares of a decomposition as three tables.
pub fn decomposition(d: &Decomposition) -> String {
    let mut arms = table(&["arm", "final accuracy, mean [95% CI]"]);
    for a in &d.chain {
        arms.add_row(vec![a.clone(), est(&d.arms[a], 4)]);
    }
    let mut terms = table(&["term", "definition", "mean [95% CI]"]);
    let rows = [
        ("Δ_total", "acc(target) − acc(base)", &d.terms.total),
        ("Δ_null", "acc(random) − acc(base)", &d.terms.null),
        ("Δ_elicit", "acc(majority) − acc(random)", &d.terms.elicit),
        ("Δ_rd", "acc(target) − acc(majority)", &d.terms.rd),
        ("Δ_naive", "acc(target) − acc(random)", &d.terms.naive),
    ];
    for (name, def, e) in rows {
        terms.add_row(vec![name.to_string(), def.to_string(), est(e, 4)]);
    }
    let mut shares = table(&["share", "convention", "mean [95% CI]"]);
    let s = &d.shares;
    let rows = [
        (
            "rd fraction",
            "Δ_rd / Δ_naive (of the naive estimator)",
            &s.rd_of_naive,
        ),
        (
            "elicit fraction",
            "Δ_elicit / Δ_naive (of the naive estimator)",
            &s.elicit_of_naive,
        ),
        (
            "elicitation share",
            "(acc(majority) − acc(base)) / Δ_total (of the total gain)",
            &s.elicit_of_total,
        ),
        (
            "rd share",
            "Δ_rd / Δ_total (of the total gain)",
            &s.rd_of_total,
        ),
    ];
    for (name, conv, e) in rows {
        shares.add_row(vec![name.to_string(), conv.to_string(), share(e, 3)]);
    }
    format!(
        "{arms}\n{terms}\n{shares}\nidentity check: max |Δ_total − (Δ_null + Δ_elicit + Δ_rd)| over replicates = {:.1e}\nintervals: {}\n",
        d.identity_max_abs_error, d.interval_method
    )
}

/// One row per level of a sweep.
pub fn sweep(s: &crate::sweep::Sweep) -> String {
    use crate::gate::Decision;
    let mut t = table(&[
        "p_s",
        "base acc",
        "Δ_null",
        "Δ_elicit [95% CI]",
        "Δ_rd",
        "rd/naive",
        "elicit share (total)",
        "gate",
    ]);
    for l in &s.levels {
        let d = &l.decomposition;
        let sh = |e: &Option<crate::stats::Estimate>| match (l.gate, e) {
            (Decision::Point, Some(e)) => format!("{:.3}", e.mean),
            (Decision::Bounded, Some(e)) => super::markdown::bounds(e, 3),
            (_, None) => "undefined".into(),
        };
        t.add_row(vec![
            l.prior.to_string(),
            format!("{:.4}", l.base_accuracy),
            format!("{:.4}", d.terms.null.mean),
            est(&d.terms.elicit, 4),
            format!("{:.4}", d.terms.rd.mean),
            sh(&d.shares.rd_of_naive),
            sh(&d.shares.elicit_of_total),
            format!(
                "{}{}",
                l.gate,
                if l.escalations.len() > 1 {
                    format!(" (R={})", l.replicates)
                } else {
                    String::new()
                }
            ),
        ]);
    }
    let x = &s.crossover;
    let emp = match &x.empirical {
        Some(e) => est(e, 4),
        None => "none (no sign change)".into(),
    };
    format!(
        "{t}\ncrossover: analytic {:.4}; empirical {emp}; sign changes of Δ_elicit: {}\n",
        x.analytic, x.sign_changes
    )
}
