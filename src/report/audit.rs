//! Audit reports: one markdown file per descriptor, the summary table, and terminal views.

use std::fmt::Write;

use super::markdown::bounds;
use super::{est, terminal};
use crate::audit::engine::Judgement;
use crate::audit::{AuditResult, Provenance};
use crate::gate::Decision;
use crate::stats::Estimate;

/// Points in percentage points: `+21.4 [19.8, 23.0]`.
fn pts(e: &Estimate, gate: Decision) -> String {
    let f = |v: f64| format!("{:+.1}", 100.0 * v);
    match (gate, e.lo, e.hi) {
        (Decision::Point, Some(lo), Some(hi)) => format!("{} [{}, {}]", f(e.mean), f(lo), f(hi)),
        (_, Some(lo), Some(hi)) => format!("[{}, {}]", f(lo), f(hi)),
        _ => f(e.mean),
    }
}

fn share(e: &Option<Estimate>, gate: Decision) -> String {
    match (e, gate) {
        (None, _) => "undefined".into(),
        (Some(e), Decision::Point) => est(e, 2),
        (Some(e), Decision::Bounded) => bounds(e, 2),
    }
}

fn provenance(p: &Provenance) -> (String, String, String) {
    match p {
        Provenance::Reported {
            label,
            printed,
            unit,
            source,
            cell,
        } => (
            format!(
                "reported{}",
                if label.is_empty() {
                    String::new()
                } else {
                    format!(" ({label})")
                }
            ),
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
            label,
            printed,
            unit,
            source,
        } => (
            format!(
                "borrowed from `{from}`{}",
                if label.is_empty() {
                    String::new()
                } else {
                    format!(" ({label})")
                }
            ),
            format!("{printed} ({unit}), applied as a gain over this base"),
            format!(
                "{}, {}, row {}, column {}; read from {}",
                source.version, source.location, source.row, source.column, source.read_from
            ),
        ),
        Provenance::Imputed { lo, hi } => (
            "imputed by the simulator fit".into(),
            format!(
                "gain over base in [{:+.1}, {:+.1}] points",
                100.0 * lo,
                100.0 * hi
            ),
            "simulator fit (see below)".into(),
        ),
        Provenance::Simulated { config, replicates } => (
            "simulated".into(),
            format!("{replicates} replicates"),
            format!("simulator config `{}`", config.canonical_json()),
        ),
        Provenance::Missing => ("missing (misfit: no value)".into(), "—".into(), "—".into()),
    }
}

fn judgement_md(m: &mut String, j: &Judgement, r: &AuditResult) {
    let g = j.gate;
    let _ = writeln!(m, "### Reading: {}\n", j.reading);
    let _ = writeln!(m, "| arm | accuracy (%) [95% interval] |\n|---|---|");
    for (name, e) in ["base", "random", "majority", "target"]
        .iter()
        .map(|k| (k, &j.arms[*k]))
    {
        let _ = writeln!(
            m,
            "| {name} | {:.1} [{:.1}, {:.1}] |",
            100.0 * e.mean,
            100.0 * e.lo.unwrap_or(e.mean),
            100.0 * e.hi.unwrap_or(e.mean)
        );
    }
    let _ = writeln!(m, "\n| term | definition | points |\n|---|---|---|");
    let t = &j.terms;
    for (n, d, e) in [
        ("Δ_total", "target − base", &t.total),
        ("Δ_null", "random − base", &t.null),
        ("Δ_elicit", "majority − random", &t.elicit),
        ("Δ_rd", "target − majority", &t.rd),
        ("Δ_naive", "target − random", &t.naive),
    ] {
        let _ = writeln!(m, "| {n} | {d} | {} |", pts(e, g));
    }
    let s = &j.shares;
    let _ = writeln!(m, "\n| share | convention | value |\n|---|---|---|");
    let _ = writeln!(
        m,
        "| elicitation share | (majority − base) / Δ_total, of the total gain | {} |",
        share(&s.elicit_of_total, g)
    );
    let _ = writeln!(
        m,
        "| rd share | Δ_rd / Δ_total, of the total gain | {} |",
        share(&s.rd_of_total, g)
    );
    let _ = writeln!(
        m,
        "| rd fraction | Δ_rd / Δ_naive, of the naive estimator | {} |",
        share(&s.rd_of_naive, g)
    );
    let _ = writeln!(
        m,
        "| elicit fraction | Δ_elicit / Δ_naive, of the naive estimator | {} |",
        share(&s.elicit_of_naive, g)
    );
    let prob = j.verdict_probability.map_or(String::new(), |p| {
        format!(" (bootstrap probability {p:.2})")
    });
    let _ = writeln!(
        m,
        "\n**Gate: {}. Verdict: {}{prob}.** Does the gain survive the null term? **{}** — the interval of Δ_naive is {}.",
        j.gate,
        j.verdict,
        if j.survives_null { "yes" } else { "no" },
        pts(&t.naive, Decision::Point)
    );
    let dist: Vec<String> = j
        .class_distribution
        .iter()
        .map(|(k, v)| format!("{k} {v:.2}"))
        .collect();
    let _ = writeln!(
        m,
        "\nClassification of the bootstrap draws: {}.\n",
        dist.join(", ")
    );
    let _ = r;
}

/// The report of one audit.
pub fn report(r: &AuditResult, figure: &str) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Audit: {}\n", r.id);
    let _ = writeln!(
        m,
        "rlvr-audit {} · descriptor `{}` version {} · SHA-256 `{}` · regenerate with `cargo run --release -- report`\n",
        env!("CARGO_PKG_VERSION"),
        r.path,
        r.descriptor_version,
        r.descriptor_hash
    );
    let p = &r.paper;
    let _ = writeln!(
        m,
        "**Paper.** {} — {} ({}{}).\n",
        p.title,
        p.authors,
        if p.arxiv.is_empty() {
            String::new()
        } else {
            format!("arXiv {}, ", p.arxiv)
        },
        p.version
    );
    let _ = writeln!(m, "**Claim.** {}\n", r.claim.trim());
    let _ = writeln!(
        m,
        "**Setting.** {} on {} (n = {}, {}); target arm `{}`.\n",
        r.model,
        r.benchmark.name,
        r.benchmark
            .n
            .map_or("not stated — no binomial term".into(), |n| n.to_string()),
        r.benchmark.metric,
        r.target
    );
    if !r.training.is_empty() {
        let t: Vec<String> = r
            .training
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let _ = writeln!(m, "**Training.** {}.\n", t.join("; "));
    }
    let verdict = r.verdict_text();
    let _ = writeln!(
        m,
        "## Verdict\n\n**{verdict}.** The claimed gain {} the null term.\n",
        if r.survives_null() {
            "survives"
        } else {
            "does not survive (under at least one reading)"
        }
    );
    let _ = writeln!(
        m,
        "## Arms\n\n| arm | role | provenance | value as printed | source |\n|---|---|---|---|---|"
    );
    for a in &r.arms {
        let (kind, value, src) = provenance(&a.provenance);
        let _ = writeln!(m, "| {} | {} | {kind} | {value} | {src} |", a.arm, a.role);
    }
    if let Some(f) = &r.fit {
        let _ = writeln!(m, "\n## Simulator fit for the missing arms\n");
        let _ = writeln!(
            m,
            "* Status: **{:?}** — {} of {} settings consistent.",
            f.status, f.settings_consistent, f.settings_scanned
        );
        let _ = writeln!(m, "* Method: {}.", f.method);
        for a in &f.anchors {
            let _ = writeln!(
                m,
                "* Anchor `{}`: reported gain {:+.1} points, tolerance ±{:.1}.",
                a.arm,
                100.0 * a.gain,
                100.0 * a.tolerance
            );
        }
        if let Some(b) = &f.best {
            let g: Vec<String> = b
                .gains
                .iter()
                .map(|(k, v)| format!("{k} {:+.1}", 100.0 * v))
                .collect();
            let _ = writeln!(
                m,
                "* Closest setting: f = {}, p_s = {:.4}, {} steps; simulated gains (points) {}; worst anchor error {:.2} tolerances.",
                b.format_strength,
                b.prior,
                b.steps,
                g.join(", "),
                b.worst
            );
        }
        for (k, [lo, hi]) in &f.imputed {
            let _ = writeln!(
                m,
                "* Imputed `{k}`: gain over base in [{:+.1}, {:+.1}] points across the consistent settings.",
                100.0 * lo,
                100.0 * hi
            );
        }
    }
    let _ = writeln!(m, "\n## Decomposition\n");
    if r.judgements.is_empty() {
        let _ = writeln!(
            m,
            "Not identified: the fit could not supply the missing arms (misfit), so no term can be computed.\n"
        );
    }
    for j in &r.judgements {
        judgement_md(&mut m, j, r);
    }
    if !r.judgements.is_empty() {
        let _ = writeln!(
            m,
            "![Waterfall: base → null → elicitation → reward design]({figure})\n"
        );
    }
    let _ = writeln!(m, "## Thresholds and method\n");
    let _ = writeln!(
        m,
        "* Dominance threshold {} (the seed's pre-registered 0.60); shares undefined below a denominator of {}.",
        r.thresholds.dominance, r.share_tolerance
    );
    let _ = writeln!(
        m,
        "* Uncertainty: each printed number is the interval its printed precision implies (uniform), plus the binomial \
         standard error √(p(1−p)/n) and the seed spread where given (normal); a gain adds to the drawn base; borrowed \
         arms carry their lender's gain over its own base; imputed arms are uniform over their bound. {} seeded \
         parametric-bootstrap draws (seed from the descriptor hash); intervals are 2.5–97.5 % percentiles.",
        r.thresholds.draws
    );
    let _ = writeln!(
        m,
        "* Gate: POINT when the interval of Δ_elicit excludes 0 and no chain arm is imputed; otherwise BOUNDED (bounds \
         only). Verdict: NULL_DOMINATED when the interval of Δ_naive reaches 0 (with random and target reported); else \
         BOUNDED if the gate says so; else ELICITATION_DOMINATED / REWARD_DESIGN_DOMINATED when that share of the total \
         exceeds the threshold; else MIXED. Its probability is the share of draws classified alike."
    );
    if !r.notes.trim().is_empty() {
        let _ = writeln!(m, "\n## Notes from the descriptor\n\n{}", r.notes.trim());
    }
    let _ = writeln!(m, "\n## How to read this\n");
    let _ = writeln!(
        m,
        "Δ_total = Δ_null + Δ_elicit + Δ_rd exactly. Δ_null is what a random reward already gives; Δ_elicit is what a \
         label-free majority vote adds on top; Δ_rd is what the reward under audit adds beyond that. The usual \"true \
         minus random\" comparison is Δ_naive = Δ_elicit + Δ_rd. A BOUNDED result gives ranges and no point claim. \
         Numbers are in percentage points of accuracy."
    );
    m
}

/// The summary table of every audit (markdown rows).
pub fn summary(results: &[AuditResult]) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Audit summary\n");
    let _ = writeln!(
        m,
        "Generated by rlvr-audit {} from the descriptors under `audits/`; regenerate with `cargo run --release -- report`. \
         Terms in percentage points, `mean [95% interval]`, or `[lo, hi]` only where the gate says BOUNDED. Arms: R \
         reported, B borrowed, I imputed by the simulator fit, S simulated. Each row links to its report, which cites \
         the paper's table/figure, row and column for every number.\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        m,
        "| audit | paper | model | benchmark | reading | Δ_total | Δ_null | Δ_elicit | Δ_rd | elicitation share | rd share | gate | verdict (probability) | survives null | arms |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for r in results {
        if r.judgements.is_empty() {
            let _ = writeln!(
                m,
                "| [{}]({}.md) | {} | {} | {} | — | not identified (misfit) | | | | | | BOUNDED | BOUNDED | — | {} |",
                r.id,
                r.id,
                short_title(&r.paper.title),
                r.model,
                r.benchmark.name,
                r.provenance_codes()
            );
        }
        for j in &r.judgements {
            let g = j.gate;
            let _ = writeln!(
                m,
                "| [{}]({}.md) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} | {} | {} |",
                r.id,
                r.id,
                short_title(&r.paper.title),
                r.model,
                r.benchmark.name,
                j.reading,
                pts(&j.terms.total, g),
                pts(&j.terms.null, g),
                pts(&j.terms.elicit, g),
                pts(&j.terms.rd, g),
                share(&j.shares.elicit_of_total, g),
                share(&j.shares.rd_of_total, g),
                j.gate,
                j.verdict,
                j.verdict_probability
                    .map_or(String::new(), |p| format!(" ({p:.2})")),
                if j.survives_null { "yes" } else { "no" },
                r.provenance_codes()
            );
        }
    }
    m
}

fn short_title(t: &str) -> String {
    t.split(':').next().unwrap_or(t).trim().to_string()
}

/// Terminal summary.
pub fn terminal_summary(results: &[AuditResult]) -> String {
    let mut t = terminal::table(&[
        "audit",
        "reading",
        "Δ_total",
        "Δ_null",
        "Δ_elicit",
        "Δ_rd",
        "gate",
        "verdict",
        "survives null",
        "arms",
    ]);
    for r in results {
        for j in &r.judgements {
            let g = j.gate;
            t.add_row(vec![
                r.id.clone(),
                j.reading.clone(),
                pts(&j.terms.total, g),
                pts(&j.terms.null, g),
                pts(&j.terms.elicit, g),
                pts(&j.terms.rd, g),
                j.gate.to_string(),
                format!(
                    "{}{}",
                    j.verdict,
                    j.verdict_probability
                        .map_or(String::new(), |p| format!(" ({p:.2})"))
                ),
                if j.survives_null {
                    "yes".into()
                } else {
                    "no".into()
                },
                r.provenance_codes(),
            ]);
        }
        if r.judgements.is_empty() {
            t.add_row(vec![
                r.id.clone(),
                "—".into(),
                "misfit".into(),
                String::new(),
                String::new(),
                String::new(),
                "BOUNDED".into(),
                "BOUNDED".into(),
                "—".into(),
                r.provenance_codes(),
            ]);
        }
    }
    t.to_string()
}
