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

/// Effects and hypotheses of a factorial study.
pub fn factorial(r: &crate::factorial::FactorialResult) -> String {
    let a = &r.analysis;
    let mut cells = table(&["cell", "levels", "arm", "mean outcome [95% t CI]"]);
    for (c, e) in r.cells.iter().zip(&a.cell_means) {
        let levels = super::cell_levels(&r.factors, &c.coding, 0, " ");
        let code = super::cell_code(&c.coding);
        cells.add_row(vec![code, levels, c.arm.to_string(), est(e, 4)]);
    }
    let mut eff = table(&super::EFFECT_COLUMNS);
    for e in &a.effects {
        eff.add_row(super::effect_cells(e));
    }
    let mut hyp = table(&[&["hypothesis"][..], &super::HYPOTHESIS_COLUMNS].concat());
    for h in &a.hypotheses {
        hyp.add_row(super::hypothesis_cells(h));
    }
    let ratio = a
        .interaction_ratio
        .as_ref()
        .map_or("undefined (no main effect)".into(), |e| est(e, 3));
    format!(
        "{cells}\n{eff}\ninteraction ratio max|interaction|/max|main effect| = {ratio}\n{hyp}\n"
    )
}

/// The entropy study's three tables: the covariance law against η, the fitted law, the controls.
pub fn entropy(e: &crate::entropy::EntropyReport) -> String {
    let mut out = String::new();
    let mut t = table(&[
        "η",
        "updates",
        "correlation",
        "median rel. error",
        "p90 rel. error",
    ]);
    for g in &e.agreement {
        t.add_row(vec![
            g.lr.to_string(),
            g.updates.to_string(),
            format!("{:.4}", g.correlation),
            format!("{:.2e}", g.median_relative_error),
            format!("{:.2e}", g.p90_relative_error),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    let mut t = table(&[
        "p_s",
        "arm",
        "a",
        "b",
        "R²",
        "ceiling",
        "final acc",
        "final H",
    ]);
    for l in &e.laws {
        let f = l.fit;
        t.add_row(vec![
            l.prior.to_string(),
            l.arm.clone(),
            f.map_or("—".into(), |f| format!("{:.4}", f.a)),
            f.map_or("—".into(), |f| format!("{:.4}", f.b)),
            f.map_or("—".into(), |f| format!("{:.3}", f.r2)),
            f.map_or("—".into(), |f| format!("{:.4}", f.ceiling)),
            format!("{:.4}", l.final_accuracy),
            format!("{:.4}", l.final_entropy),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    let mut t = table(&["update", "final accuracy", "final entropy"]);
    for c in &e.controls {
        t.add_row(vec![
            c.control.clone(),
            format!("{:.4}", c.final_accuracy),
            format!("{:.4}", c.final_entropy),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    out
}
