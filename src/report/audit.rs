//! Audit views: one markdown report per descriptor, the summary table, the table of measured
//! null terms, the `check` answer and terminal tables. Every view reads the same
//! [`AuditResult`]: one judgement, several views.

use std::fmt::Write;

use super::terminal;
use crate::audit::engine::{Answer, Basis, Judgement, ShareValue, SurvivalVerdict};
use crate::audit::{AuditResult, NullEvidence, Provenance, TargetResult};
use crate::decompose::{Share, Term};
use crate::stats::Estimate;

/// Percentage points with sign: `+21.4`.
fn p1(v: f64) -> String {
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
fn unknown(j: &Judgement, terms: &[Term]) -> String {
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
fn term_text(j: &Judgement, t: Term) -> String {
    match j.terms.get(t) {
        None => unknown(j, &[t]),
        Some(v) if v.model_based => match (v.estimate.lo, v.estimate.hi) {
            (Some(lo), Some(hi)) => format!("model-based bounds [{}, {}]", p1(lo), p1(hi)),
            _ => "model-based (no interval)".into(),
        },
        Some(v) => pts(&v.estimate),
    }
}

fn share_est(e: &Estimate, bounds_only: bool) -> String {
    match (e.lo, e.hi) {
        (Some(lo), Some(hi)) if bounds_only => format!("[{lo:.2}, {hi:.2}]"),
        (Some(lo), Some(hi)) => format!("{:.2} [{lo:.2}, {hi:.2}]", e.mean),
        _ if bounds_only => "unbounded".into(),
        _ => format!("{:.2} (no interval)", e.mean),
    }
}

/// A share as printed; `bounds_only` under a BOUNDED answer.
fn share_text(j: &Judgement, s: Share, bounds_only: bool) -> String {
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

/// "SURVIVES (P(Δ_naive > 0) = 1.00)".
pub fn survival_text(j: &Judgement) -> String {
    match (j.survival.verdict, j.survival.p_positive) {
        (v, Some(p)) => match j.survival.p_gain {
            Some(g)
                if v == SurvivalVerdict::NotShown
                    && j.survival
                        .naive
                        .is_some_and(|n| n.lo.is_some_and(|lo| lo > 0.0)) =>
            {
                format!(
                    "{v} (P(Δ_naive > 0) = {}, but P(Δ_total > 0) = {})",
                    prob(p),
                    prob(g)
                )
            }
            _ => format!("{v} (P(Δ_naive > 0) = {})", prob(p)),
        },
        (v, None) => v.to_string(),
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

fn cite(e: &NullEvidence) -> String {
    format!(
        "`{}`, {}, {}, row {}, column {}",
        e.id, e.source.version, e.source.location, e.source.row, e.source.column
    )
}

fn provenance(p: &Provenance) -> (String, String, String) {
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
        Provenance::Imputed { lo, hi } => (
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

fn basis_word(b: Basis) -> &'static str {
    match b {
        Basis::Reported => "reported",
        Basis::Borrowed => "borrowed",
        Basis::Simulated => "simulated",
        Basis::Imputed => "imputed (model)",
    }
}

fn judgement_md(m: &mut String, r: &AuditResult, t: &TargetResult, j: &Judgement) {
    let _ = writeln!(m, "#### Reading: {}\n", j.reading);
    let _ = writeln!(
        m,
        "| anchor | accuracy (%) [95% interval] | basis |\n|---|---|---|"
    );
    for (name, (e, b)) in ["base", "random", "majority", "target"]
        .iter()
        .filter_map(|k| j.arms.get(*k).map(|v| (k, v)))
    {
        let _ = writeln!(
            m,
            "| {name} | {:.1} [{:.1}, {:.1}] | {} |",
            100.0 * e.mean,
            100.0 * e.lo.unwrap_or(e.mean),
            100.0 * e.hi.unwrap_or(e.mean),
            basis_word(*b)
        );
    }
    let _ = writeln!(m, "\n| term | definition | points |\n|---|---|---|");
    for term in Term::ALL {
        let _ = writeln!(
            m,
            "| {} | {} | {} |",
            term.symbol(),
            term.definition(),
            term_text(j, term)
        );
    }
    // The gate leaves the three-way shares as bounds; an imputed arm already marks the shares
    // that need it as model-based, and the identified ones keep their points.
    let bounded3 = j.gate == Some(crate::gate::Decision::Bounded);
    let _ = writeln!(
        m,
        "\n| share | definition | convention | value |\n|---|---|---|---|"
    );
    for (s, conv, bounded) in [
        (Share::NullOfTotal, "three-way", bounded3),
        (Share::ElicitOfTotal, "three-way", bounded3),
        (Share::RdOfTotal, "three-way and the seed's two-way", false),
        (Share::LabelFreeOfTotal, "the seed's two-way", false),
        (Share::RdOfNaive, "of the naive estimator", bounded3),
        (Share::ElicitOfNaive, "of the naive estimator", bounded3),
    ] {
        let _ = writeln!(
            m,
            "| {} | {} | {conv} | {} |",
            s.name(),
            s.definition(),
            share_text(j, s, bounded)
        );
    }
    let _ = writeln!(m);
    let naive = match (&j.survival.naive, &j.survival.model_estimate) {
        (Some(n), _) => format!("Δ_naive = {}", pts(n)),
        (None, Some(e)) => format!(
            "Δ_naive from the imputed random arm would be {} — a model's estimate, not evidence",
            match (e.lo, e.hi) {
                (Some(lo), Some(hi)) => format!("[{}, {}]", p1(lo), p1(hi)),
                _ => p1(e.mean),
            }
        ),
        (None, None) => "Δ_naive is not identified".into(),
    };
    let _ = writeln!(
        m,
        "* **Survival: {}.** {naive}; {}.",
        survival_text(j),
        j.survival.reason
    );
    let _ = writeln!(m, "* **Break-even null:** {}.", break_even_text(r, j));
    let _ = writeln!(
        m,
        "* **Attribution, three-way: {}** — {}.",
        answer_text(&j.three_way),
        j.three_way.reason
    );
    let _ = writeln!(
        m,
        "* **Attribution, the seed's two-way convention: {}** — {}.",
        answer_text(&j.two_way),
        j.two_way.reason
    );
    if let Some(g) = j.gate {
        let _ = writeln!(m, "* Gate (Δ_elicit): {g}.");
    }
    for (name, a) in [("three-way", &j.three_way), ("two-way", &j.two_way)] {
        if !a.distribution.is_empty() {
            let d: Vec<String> = a
                .distribution
                .iter()
                .map(|(k, v)| format!("{k} {}", prob(*v)))
                .collect();
            let _ = writeln!(m, "* Bootstrap draws by {name} class: {}.", d.join(", "));
        }
    }
    for c in t.transfer_checks.iter().filter(|c| c.reading == j.reading) {
        let _ = writeln!(
            m,
            "* With the borrowed arms carried on the {} scale instead: survival {}{}, three-way {}, two-way {}.",
            c.scale,
            c.survival,
            c.naive
                .as_ref()
                .map_or(String::new(), |n| format!(" (Δ_naive = {})", pts(n))),
            c.three_way,
            c.two_way
        );
    }
    let _ = writeln!(m);
}

/// The figure file of a target's waterfall, relative to the reports directory: one directory per
/// audit, so no two audits' figures can share a name.
pub fn figure_path(r: &AuditResult, t: &TargetResult) -> String {
    format!("figures/{}/{}.svg", r.id, t.arm)
}

/// Free text made safe for a markdown table cell: no column breaks, no line breaks.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The break-even null as printed: none when the gain itself is not shown.
fn break_even_cell(j: &Judgement) -> String {
    match j.survival.break_even_null {
        Some(b) if b > 0.0 => p1(b),
        Some(_) => "none (Δ_total not shown)".into(),
        None => "—".into(),
    }
}

/// The report of one audit.
pub fn report(r: &AuditResult) -> String {
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
        "**Setting.** {} on {} (n = {}, {}{}); targets: {}.\n",
        r.model,
        r.benchmark.name,
        r.benchmark.n.map_or("not stated".into(), |n| n.to_string()),
        r.benchmark.metric,
        if r.benchmark.metric_note.is_empty() {
            String::new()
        } else {
            format!(", {}", r.benchmark.metric_note)
        },
        r.targets
            .iter()
            .map(|t| format!("`{}`", t.arm))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(m, "**Noise model.** {}.\n", r.noise);
    if !r.training.is_empty() {
        let t: Vec<String> = r
            .training
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let _ = writeln!(m, "**Training.** {}.\n", t.join("; "));
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(m, "**Warnings.**\n");
        for w in &r.warnings {
            let _ = writeln!(m, "* {w}");
        }
        let _ = writeln!(m);
    }
    let _ = writeln!(
        m,
        "## The two answers\n\nCI answer (`check`): **{}** (exit code {}).\n",
        r.survival(),
        r.survival().exit_code()
    );
    let _ = writeln!(
        m,
        "| target | reading | Δ_total (points) | survival | Δ_naive (points) | break-even null (points) | three-way attribution | two-way attribution (seed's convention) |\n|---|---|---|---|---|---|---|---|"
    );
    for t in &r.targets {
        for j in &t.judgements {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                t.arm,
                cell(&j.reading),
                term_text(j, Term::Total),
                survival_text(j),
                j.survival.naive.as_ref().map_or("—".into(), pts),
                break_even_cell(j),
                answer_text(&j.three_way),
                answer_text(&j.two_way)
            );
        }
    }
    let _ = writeln!(m);
    if let Some(j) = r.targets.first().and_then(|t| t.judgements.first())
        && j.survival.verdict == SurvivalVerdict::Undetermined
    {
        let _ = writeln!(m, "Survival is UNDETERMINED: {}.\n", break_even_text(r, j));
    }
    let _ = writeln!(
        m,
        "## Arms\n\n| arm | role | paper's label | provenance | value as printed | source |\n|---|---|---|---|---|---|"
    );
    for a in &r.arms {
        let (kind, value, src) = provenance(&a.provenance);
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} | {} |",
            a.arm,
            a.role,
            cell(&a.label),
            cell(&kind),
            cell(&value),
            cell(&src)
        );
    }
    if let Some(f) = &r.fit {
        model_check_md(&mut m, f);
    }
    let _ = writeln!(m, "\n## Decomposition\n");
    for t in &r.targets {
        let _ = writeln!(
            m,
            "### Target `{}` ({}{})\n",
            t.arm,
            t.role,
            if t.label.is_empty() {
                String::new()
            } else {
                format!(": {}", t.label)
            }
        );
        for j in &t.judgements {
            judgement_md(&mut m, r, t, j);
        }
        let _ = writeln!(
            m,
            "![Waterfall of `{}`: base → the identified steps → target]({})\n",
            t.arm,
            figure_path(r, t)
        );
    }
    if r.targets.len() > 1 {
        let _ = writeln!(
            m,
            "## The targets compared\n\n| target | reading | Δ_total | Δ_rd (target − majority) | rd share | survival | three-way | two-way |\n|---|---|---|---|---|---|---|---|"
        );
        for t in &r.targets {
            for j in &t.judgements {
                let _ = writeln!(
                    m,
                    "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                    t.arm,
                    cell(&j.reading),
                    term_text(j, Term::Total),
                    term_text(j, Term::Rd),
                    share_text(j, Share::RdOfTotal, false),
                    survival_text(j),
                    answer_text(&j.three_way),
                    answer_text(&j.two_way)
                );
            }
        }
        let _ = writeln!(m);
    }
    let _ = writeln!(m, "## Random-reward gains measured for {}\n", r.model);
    if r.null_evidence.is_empty() {
        let _ = writeln!(
            m,
            "No other descriptor reports a random-reward arm for this model. All measured nulls: `null-evidence.md`.\n"
        );
    } else {
        let _ = writeln!(
            m,
            "| descriptor | benchmark | reading | Δ_null (points) | source |\n|---|---|---|---|---|"
        );
        for e in &r.null_evidence {
            let _ = writeln!(
                m,
                "| [{}]({}.md) | {} | {} | {} | {}, {}, row {}, column {} |",
                e.id,
                e.id,
                e.benchmark,
                e.reading,
                pts(&e.null),
                e.source.version,
                e.source.location,
                e.source.row,
                e.source.column
            );
        }
        let _ = writeln!(m);
    }
    let _ = writeln!(m, "## Rules and thresholds\n");
    let th = &r.thresholds;
    let _ = writeln!(
        m,
        "* Survival: SURVIVES when the 95 % interval of Δ_naive = target − random lies above 0, NOT_SHOWN when it \
         reaches 0 (P(Δ_naive > 0) printed), UNDETERMINED when no random arm is reported or borrowed (an imputed one \
         never decides). Break-even null: the lower end of Δ_total's interval."
    );
    let _ = writeln!(
        m,
        "* Attribution: a class per bootstrap draw — the share above {} dominates (NULL_, ELICITATION_ or \
         REWARD_DESIGN_DOMINATED three-way; LABEL_FREE_ or REWARD_DESIGN_DOMINATED two-way), MIXED otherwise, NO_GAIN \
         when Δ_total is below {}. The verdict is the class most draws get, its probability their share; below {} it is \
         marked \"most likely\". Three-way is BOUNDED when the gate ({}) fails or a partition arm is imputed, and \
         UNDETERMINED without a random or majority arm; two-way needs no random arm.",
        th.dominance,
        th.share_tolerance,
        th.settled,
        th.gate.describe()
    );
    let _ = writeln!(
        m,
        "* Uncertainty: each printed number is the interval its printed precision implies (uniform), plus the binomial \
         standard error over the benchmark's items and the seed spread where given (normal); a gain adds to the drawn \
         base; a borrowed arm carries its lender's gain over the lender's own base (drawn with their noise); an imputed \
         arm is uniform over its bound. {} seeded parametric-bootstrap draws (seed from the descriptor's SHA-256); \
         intervals are 2.5–97.5 % percentiles.",
        th.draws
    );
    if !r.notes.trim().is_empty() {
        let _ = writeln!(m, "\n## Notes from the descriptor\n\n{}", r.notes.trim());
    }
    let _ = writeln!(m, "\n## How to read this\n");
    let _ = writeln!(
        m,
        "Δ_total = Δ_null + Δ_elicit + Δ_rd exactly. Δ_null is what a random reward already gives; Δ_elicit is what a \
         label-free majority vote adds on top; Δ_rd is what the reward under audit adds beyond that. The usual \"true \
         minus random\" comparison is Δ_naive = Δ_elicit + Δ_rd. Survival asks whether Δ_naive is above 0; attribution \
         asks which term carries Δ_total. Numbers are in percentage points of accuracy."
    );
    m
}

/// Counts of the answers over every target and reading of `results`.
fn counts(results: &[AuditResult]) -> String {
    let mut surv = std::collections::BTreeMap::<String, usize>::new();
    let mut three = std::collections::BTreeMap::<String, usize>::new();
    let mut two = std::collections::BTreeMap::<String, usize>::new();
    let mut rows = 0;
    for r in results {
        for t in &r.targets {
            for j in &t.judgements {
                rows += 1;
                *surv.entry(j.survival.verdict.to_string()).or_default() += 1;
                *three.entry(j.three_way.verdict.to_string()).or_default() += 1;
                *two.entry(j.two_way.verdict.to_string()).or_default() += 1;
            }
        }
    }
    let f = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{rows} audited claims (target × reading). Survival: {}. Three-way attribution: {}. Two-way: {}.",
        f(&surv),
        f(&three),
        f(&two)
    )
}

/// The summary: counts per paper (audited claims and printed rows that cannot be audited add up
/// to the printed rows), then every audited claim grouped by paper. `dir` is where the
/// descriptors came from.
pub fn summary(
    results: &[AuditResult],
    dir: &str,
    missing: &[super::papers::NotAudited],
) -> String {
    use super::papers::{Counts, group};
    let mut m = String::new();
    let _ = writeln!(m, "# Audit summary\n");
    let _ = writeln!(
        m,
        "Generated by rlvr-audit {} from the descriptors under `{dir}/` and the list of rows that cannot be audited; \
         regenerate with `cargo run --release -- report`. One row per audited claim (target arm × reading of ambiguous \
         numbers). Terms in percentage points, `mean [95% interval]`. Survival: SURVIVES / NOT_SHOWN with \
         P(Δ_naive > 0), UNDETERMINED without a reported or borrowed random arm (then the break-even null says how \
         large a random-reward gain the claim survives) or without a known sampling noise. Attribution: three-way \
         (null / elicitation / reward design) and the seed's two-way convention (label-free / reward design), each \
         with the share of bootstrap draws in its class. Arms: R reported, B borrowed, I imputed by the simulator fit \
         (a model's estimate), S simulated, - missing. Model check: whether some setting of the simulator's fitted \
         class matches every reported arm (\"fits\", with how many settings do) or not (\"misfit\", naming the arm furthest \
         off); each report says what the class can reach. Each row links to its report, which cites the paper's \
         table/figure, row and column for every number; each paper has a page under `papers/`; measured \
         random-reward gains are in [null-evidence.md](null-evidence.md).\n",
        env!("CARGO_PKG_VERSION")
    );
    let papers = group(results, missing);
    let _ = writeln!(m, "## Counts\n\n{}", Counts::HEADER);
    let mut all = Counts::default();
    for p in &papers {
        let c = Counts::of(&p.audits, p.not_audited.len());
        all = all.plus(c);
        let _ = writeln!(
            m,
            "{}",
            c.row(&format!(
                "[{}](papers/{}.md)",
                cell(&short_title(&p.title)),
                p.slug()
            ))
        );
    }
    let _ = writeln!(m, "{}\n", all.row("**all papers**"));
    let _ = writeln!(m, "{}\n", counts(results));
    for p in &papers {
        let _ = writeln!(
            m,
            "## {} ([page](papers/{}.md))\n",
            cell(&short_title(&p.title)),
            p.slug()
        );
        if p.audits.is_empty() {
            let _ = writeln!(
                m,
                "No printed row of this paper can be audited ({} listed with reasons on its page).\n",
                p.not_audited.len()
            );
            continue;
        }
        let _ = writeln!(
            m,
            "| audit | model | benchmark | target | reading | Δ_total | survival | Δ_naive | break-even null | null share | elicitation share | rd share | three-way | label-free share | two-way | arms | model check |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for r in &p.audits {
            for t in &r.targets {
                for j in &t.judgements {
                    let b3 = j.gate == Some(crate::gate::Decision::Bounded);
                    let sh = |s: Share, b: bool| share_text(j, s, b);
                    let _ = writeln!(
                        m,
                        "| [{}]({}.md) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        r.id,
                        r.id,
                        cell(&r.model),
                        cell(&r.benchmark.name),
                        t.arm,
                        cell(&j.reading),
                        term_text(j, Term::Total),
                        survival_text(j),
                        j.survival.naive.as_ref().map_or("—".into(), pts),
                        break_even_cell(j),
                        sh(Share::NullOfTotal, b3),
                        sh(Share::ElicitOfTotal, b3),
                        sh(Share::RdOfTotal, false),
                        answer_text(&j.three_way),
                        sh(Share::LabelFreeOfTotal, false),
                        answer_text(&j.two_way),
                        r.provenance_codes(),
                        model_check_cell(r)
                    );
                }
            }
        }
        let _ = writeln!(m);
    }
    m
}

/// Every measured random-reward gain of the set, one table.
pub fn null_evidence(evidence: &[NullEvidence]) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Measured null terms\n");
    let _ = writeln!(
        m,
        "Generated by rlvr-audit {}; regenerate with `cargo run --release -- report`. Every random-reward arm that a \
         descriptor under `audits/` reports (not borrowed, not imputed): Δ_null = acc(random) − acc(base) in percentage \
         points with its 95 % interval (printed precision, binomial error over the items, seed spread). An audit without \
         a random arm reads its break-even null against these rows for the same model.\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        m,
        "| model | benchmark | Δ_null (points) | arm | reading | paper | source | descriptor |\n|---|---|---|---|---|---|---|---|"
    );
    let mut rows: Vec<&NullEvidence> = evidence.iter().collect();
    rows.sort_by(|a, b| {
        (a.model.as_str(), a.benchmark.as_str(), a.id.as_str()).cmp(&(
            b.model.as_str(),
            b.benchmark.as_str(),
            b.id.as_str(),
        ))
    });
    for e in rows {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} | {} | {} | [{}]({}.md) |",
            cell(&e.model),
            cell(&e.benchmark),
            pts(&e.null),
            cell(&e.arm_label),
            cell(&e.reading),
            cell(&short_title(&e.paper)),
            cell(&format!(
                "{}, {}, row {}, column {}",
                e.source.version, e.source.location, e.source.row, e.source.column
            )),
            e.id,
            e.id
        );
    }
    m
}

fn short_title(t: &str) -> String {
    t.split(':').next().unwrap_or(t).trim().to_string()
}

/// `check`'s answer in words, one line per target and reading.
pub fn check_text(r: &AuditResult) -> String {
    let mut m = String::new();
    let v = r.survival();
    let _ = writeln!(
        m,
        "{}: {} (exit {})",
        r.id,
        match v {
            SurvivalVerdict::Survives => "the claimed gain survives the null term",
            SurvivalVerdict::NotShown => "the claimed gain is not shown to survive the null term",
            SurvivalVerdict::Undetermined =>
                "undetermined: no random arm reported or borrowed, so survival cannot be computed",
        },
        v.exit_code()
    );
    for t in &r.targets {
        for j in &t.judgements {
            let _ = writeln!(
                m,
                "  target `{}` ({}): {}; {}",
                t.arm,
                j.reading,
                survival_text(j),
                match &j.survival.naive {
                    Some(n) => format!("Δ_naive = {} points", pts(n)),
                    None => break_even_text(r, j),
                }
            );
        }
    }
    m
}

/// Terminal summary.
pub fn terminal_summary(results: &[AuditResult]) -> String {
    let mut t = terminal::table(&[
        "audit",
        "target",
        "reading",
        "Δ_total",
        "survival",
        "Δ_naive",
        "break-even",
        "three-way",
        "two-way",
        "arms",
        "model check",
    ]);
    for r in results {
        for tr in &r.targets {
            for j in &tr.judgements {
                t.add_row(vec![
                    r.id.clone(),
                    tr.arm.clone(),
                    j.reading.clone(),
                    term_text(j, Term::Total),
                    survival_text(j),
                    j.survival.naive.as_ref().map_or("—".into(), pts),
                    break_even_cell(j),
                    answer_text(&j.three_way),
                    answer_text(&j.two_way),
                    r.provenance_codes(),
                    model_check_cell(r),
                ]);
            }
        }
    }
    t.to_string()
}

/// The summary's model-check cell: "fits (n of m)", "misfit: <arm> off by X tolerances", or "—"
/// for a simulated audit.
fn model_check_cell(r: &AuditResult) -> String {
    r.fit.as_ref().map_or("—".into(), |f| cell(&f.verdict()))
}

/// The model check: the fitted class, the consistent settings, each reported arm's residual, and
/// "fits" or "misfit" with what the class can reach.
fn model_check_md(m: &mut String, f: &crate::audit::fit::Fit) {
    use crate::audit::fit::FitStatus;
    let _ = writeln!(
        m,
        "\n## Model check: the simulator fitted to the reported arms\n"
    );
    let _ = writeln!(
        m,
        "* **{}**. {} of {} settings consistent{}. A fit is a model's account of the numbers, never evidence: \
         an imputed arm decides nothing.",
        f.verdict(),
        f.settings_consistent,
        f.settings_scanned,
        if f.consistent_by_member.is_empty() {
            String::new()
        } else {
            let by: Vec<String> = f
                .consistent_by_member
                .iter()
                .map(|(k, n)| format!("`{k}` {n}"))
                .collect();
            format!(" ({})", by.join(", "))
        }
    );
    let _ = writeln!(m, "* Class and method: {}.", f.method);
    if let Some(b) = &f.best {
        let g: Vec<String> = b
            .gains
            .iter()
            .map(|(k, v)| format!("{k} {}", p1(*v)))
            .collect();
        let _ = writeln!(
            m,
            "* Closest setting: `{}`, p_s = {:.4}, {} steps; simulated gains over base (points, mean of the replicates) {}.",
            b.member,
            b.prior,
            b.steps,
            g.join(", ")
        );
    }
    if !f.residuals.is_empty() {
        let _ = writeln!(
            m,
            "\n| reported arm | reported gain | simulated at the closest setting (± 2 replicate s.e.) | residual (tolerances) | tolerance ± (reported + 2 simulated s.e.) | class reaches |\n|---|---|---|---|---|---|"
        );
        for (r, a) in f.residuals.iter().zip(&f.anchors) {
            let reach = f.reach.get(&r.arm).copied().unwrap_or([f64::NAN; 2]);
            let _ = writeln!(
                m,
                "| `{}` | {} | {} ± {:.1} | {:+.2} | {:.1} | {} to {} |",
                r.arm,
                p1(r.reported),
                p1(r.simulated),
                200.0 * r.simulated_se,
                r.tolerances,
                100.0 * (a.tolerance + 2.0 * r.simulated_se),
                p1(reach[0]),
                p1(reach[1])
            );
        }
        let _ = writeln!(m);
        for r in &f.residuals {
            let reach = f.reach.get(&r.arm).copied().unwrap_or([f64::NAN; 2]);
            if r.reported > reach[1] || r.reported < reach[0] {
                let _ = writeln!(
                    m,
                    "* `{}`: the reported gain {} lies outside what any setting of the class reaches in the mean \
                     ({} to {}); it is matched, if at all, only through the tolerance (the paper's sampling error and \
                     the simulated replicates' spread), not reproduced.",
                    r.arm,
                    p1(r.reported),
                    p1(reach[0]),
                    p1(reach[1])
                );
            }
        }
    }
    for (k, [lo, hi]) in &f.imputed {
        let _ = writeln!(
            m,
            "* Imputed `{k}` (not run by the paper): gain over base in [{}, {}] points — the consistent settings and \
             their neighbouring budgets, each ± 2 replicate standard errors.",
            p1(*lo),
            p1(*hi)
        );
    }
    if f.status == FitStatus::Misfit {
        let why = f
            .misfit
            .as_ref()
            .map(|x| {
                format!(
                    " `{}` is off by {:.1} tolerances; {}.",
                    x.arm,
                    x.off_by.abs(),
                    x.lacks
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            m,
            "* **Misfit**: no setting of the fitted class matches the reported arms.{why} Only the quantities the \
             reported arms identify are printed below; nothing is imputed."
        );
    }
}
