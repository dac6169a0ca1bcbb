//! One markdown report per descriptor: the two answers, the arms, the model check, each
//! target's decomposition and figure.

use std::fmt::Write;

use crate::audit::judge::Judgement;
use crate::audit::survival::{EvidenceKind, SurvivalVerdict};
use crate::audit::{AuditResult, TargetResult};
use crate::decompose::{Share, Term};
use crate::report::md_table;

use super::text::*;

/// One reading of a target: its tables, then its answers in words.
pub(crate) fn judgement_md(m: &mut String, r: &AuditResult, t: &TargetResult, j: &Judgement) {
    reading_tables_md(m, j);
    reading_answers_md(m, r, t, j);
}

/// A reading's arms, terms and shares, as tables.
fn reading_tables_md(m: &mut String, j: &Judgement) {
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
}

/// A reading's answers in words: survival with its evidence, the break-even null, the two
/// attributions, the gate and the transfer checks.
fn reading_answers_md(m: &mut String, r: &AuditResult, t: &TargetResult, j: &Judgement) {
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
    if let Some(sens) = &j.survival.under_seed_sd {
        let _ = writeln!(
            m,
            "* **Under a training-seed spread** of {:.1} points on every trained arm that prints none (the README's sensitivity; the answers above are conditional on one training run): {}.",
            100.0 * sens.seed_sd,
            if sens.verdict == j.survival.verdict && sens.basis == j.survival.basis {
                "unchanged".to_string()
            } else {
                format!("{} ({})", sens.verdict, sens.basis)
            }
        );
    }
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
    let model_based = Term::ALL
        .iter()
        .any(|t| j.terms.get(*t).is_some_and(|v| v.model_based));
    for (name, a) in [("three-way", &j.three_way), ("two-way", &j.two_way)] {
        // Draws that rest on an imputed arm are a model's, not a verdict's probability.
        let model_bounds = model_based && a.probability.is_none();
        if !a.distribution.is_empty() && !model_bounds {
            let d: Vec<String> = a
                .distribution
                .iter()
                .map(|(k, v)| format!("{k} {}", prob(*v)))
                .collect();
            let _ = writeln!(m, "* Bootstrap draws by {name} class: {}.", d.join(", "));
        }
    }
    evidence_md(m, j);
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

/// Every piece of evidence on the null, one row per comparison (METHOD §7).
fn evidence_md(m: &mut String, j: &Judgement) {
    if j.survival.evidence.is_empty() {
        return;
    }
    let _ = writeln!(
        m,
        "\nEvidence on the null, each answered separately (points, `mean [95% interval]`):\n\n| evidence | arm | from | transfer | its gain over this base | target − it | P(> 0) | answer | details |\n|---|---|---|---|---|---|---|---|---|"
    );
    for e in &j.survival.evidence {
        let kind = match e.kind {
            EvidenceKind::InPaperRandom => "in-paper random arm",
            EvidenceKind::Control => "in-paper control",
            EvidenceKind::CrossPaper => "cross-paper measured null",
        };
        for c in &e.comparisons {
            let _ = writeln!(
                m,
                "| {kind} | {}{} | {} (`{}`) | {} | {} | {} | {} | {}{} | {} |",
                cell(&e.arm),
                if e.reading == "as printed" {
                    String::new()
                } else {
                    format!(" ({})", cell(&e.reading))
                },
                cell(&short_title(&e.paper)),
                e.id,
                c.transfer.map_or("—".into(), |t| t.to_string()),
                if c.null_gain.mean.is_finite() {
                    pts(&c.null_gain)
                } else {
                    "—".into()
                },
                pts(&c.delta),
                if c.p_positive.is_finite() {
                    prob(c.p_positive)
                } else {
                    "—".into()
                },
                e.verdict,
                if e.transfer_sensitive {
                    " (transfer-sensitive)"
                } else {
                    ""
                },
                cell(&format!("{}; {}", e.reason, e.details))
            );
        }
    }
}

/// `check`'s answer in one sentence: the word, its basis (naming the lenders of a cross-paper
/// answer) and the exit codes.
pub(crate) fn ci_sentence(r: &AuditResult) -> String {
    let ci = r.ci(false);
    let accepted = r.ci(true).exit_code;
    format!(
        "CI answer (`check`): **{}** — {}{} (exit code {}{}).",
        ci.verdict,
        ci.basis,
        affixed(": ", &ci.decided_by.join(", "), ""),
        ci.exit_code,
        if accepted != ci.exit_code {
            format!("; {accepted} with `--accept-cross-paper`")
        } else {
            String::new()
        }
    )
}

/// The report of one audit, section by section.
pub fn report(r: &AuditResult) -> String {
    let mut m = String::new();
    header_md(&mut m, r);
    answers_md(&mut m, r);
    decomposition_md(&mut m, r);
    nulls_md(&mut m, r);
    rules_md(&mut m, r);
    m
}

/// The page's head: version line, paper, claim, setting, noise model, training, warnings.
fn header_md(m: &mut String, r: &AuditResult) {
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
        affixed("arXiv ", &p.arxiv, ", "),
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
        affixed(", ", &r.benchmark.metric_note, ""),
        r.targets
            .iter()
            .map(|t| format!("`{}`", t.arm))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        m,
        "**Noise model.** {}. Each printed accuracy is drawn as an evaluation of its own: its printed precision, the Jeffreys Beta over the n items, and the seed spread the paper prints; a printed gain is the difference of two evaluations and carries both. The intervals are conditional on one training run per arm unless a spread is printed (the sensitivity line of each reading shows the answer under a realistic seed spread).\n",
        r.noise
    );
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
}

/// The two answers of every reading, the arms with their provenance, the consistency check and the model check.
fn answers_md(m: &mut String, r: &AuditResult) {
    let _ = writeln!(m, "## The two answers\n\n{}\n", ci_sentence(r));
    md_table(
        m,
        &[
            "target",
            "reading",
            "Δ_total (points)",
            "survival",
            "Δ_naive (points)",
            "break-even null (points)",
            "three-way attribution",
            "two-way attribution (seed's convention)",
        ],
        r.readings().map(|(t, j)| {
            [format!("`{}`", t.arm), cell(&j.reading)]
                .into_iter()
                .chain(answer_cells(j))
        }),
    );
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
    super::consistency::consistency_md(m, r);
    if let Some(f) = &r.fit {
        model_check_md(m, f);
    }
}

/// Each target's readings in full with its waterfall, and the targets side by side.
fn decomposition_md(m: &mut String, r: &AuditResult) {
    let _ = writeln!(m, "\n## Decomposition\n");
    for t in &r.targets {
        let _ = writeln!(
            m,
            "### Target `{}` ({}{})\n",
            t.arm,
            t.role,
            affixed(": ", &t.label, "")
        );
        for j in &t.judgements {
            judgement_md(m, r, t, j);
        }
        let _ = writeln!(
            m,
            "![Waterfall of `{}`: base → the identified steps → target]({})\n",
            t.arm,
            figure_path(r, t)
        );
    }
    if r.targets.len() > 1 {
        let _ = writeln!(m, "## The targets compared\n");
        md_table(
            m,
            &[
                "target",
                "reading",
                "Δ_total",
                "Δ_rd (target − majority)",
                "rd share",
                "survival",
                "three-way",
                "two-way",
            ],
            r.readings().map(|(t, j)| {
                [
                    format!("`{}`", t.arm),
                    cell(&j.reading),
                    term_text(j, Term::Total),
                    term_text(j, Term::Rd),
                    share_text(j, Share::RdOfTotal, false),
                    survival_text(j),
                    answer_text(&j.three_way),
                    answer_text(&j.two_way),
                ]
            }),
        );
        let _ = writeln!(m);
    }
}

/// Every random-reward gain measured for this model elsewhere in the corpus.
fn nulls_md(m: &mut String, r: &AuditResult) {
    let _ = writeln!(m, "## Random-reward gains measured for {}\n", r.model);
    if r.null_evidence.is_empty() {
        let _ = writeln!(
            m,
            "No other paper in the corpus prints a random-reward arm for this model. All measured nulls: `null-evidence.md`.\n"
        );
    } else {
        let _ = writeln!(
            m,
            "Every random-reward gain measured for this model (same benchmark first); those on this benchmark are read as evidence above.\n\n| from | benchmark (n) | reading | Δ_null (points) | details | source |\n|---|---|---|---|---|---|"
        );
        for e in &r.null_evidence {
            let _ = writeln!(
                m,
                "| {} | {} ({}) | {} | {} | {} | {}, {}, row {}, column {} |",
                null_link(e, ""),
                e.benchmark,
                e.n.map_or("—".into(), |n| n.to_string()),
                e.reading,
                pts(&e.null),
                cell(&if e.caveat.is_empty() {
                    e.details.clone()
                } else {
                    format!("{}; caveat: {}", e.details, e.caveat)
                }),
                cell(&e.source.version),
                cell(&e.source.location),
                cell(&e.source.row),
                cell(&e.source.column)
            );
        }
        let _ = writeln!(m);
    }
}

/// The rules and thresholds, the descriptor's notes and how to read the page.
fn rules_md(m: &mut String, r: &AuditResult) {
    let _ = writeln!(m, "## Rules and thresholds\n");
    let th = &r.thresholds;
    let _ = writeln!(
        m,
        "* Survival, from every piece of evidence on the null, each answered separately: the paper's own random arm \
         (it decides where it exists), its own correctness-blind controls (format-only, random + format), and the \
         random-reward gains measured for the same model and benchmark in other papers (names matched through \
         `data/aliases.yaml`), carried to this base additively and in log-odds with both papers' noise. Words: \
         SURVIVES when the 95 % interval of target − null lies above 0 (and Δ_total's too), FAILS when it lies wholly \
         below 0 (the claimed gain is smaller than the null), NOT_SHOWN otherwise (P printed; also when the two \
         transfers disagree: transfer-sensitive), UNDETERMINED without evidence or with unknown sampling noise. Without \
         an in-paper random arm the most cautious word of the other evidence is the answer. `check` exits 0 only on an \
         in-paper SURVIVES (or a cross-paper one under every transfer with `--accept-cross-paper`), 1 on FAILS or \
         NOT_SHOWN, 3 otherwise. An imputed random arm never decides, and one a measured null contradicts is not used. \
         Break-even null: the lower end of Δ_total's interval. Sensitivity: every answer is recomputed with a \
         training-seed spread of {:.1} points on each trained arm that prints none.",
        100.0 * th.sensitivity_sd
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
        "* Uncertainty: each printed number is an evaluation of its own: the interval its printed precision implies \
         (uniform), the Jeffreys posterior Beta(k + ½, n − k + ½) over the benchmark's n items (k = value × n), and the \
         seed spread where given (normal); a printed gain is the difference of two evaluations (the base's and the \
         arm's) and carries both; a borrowed or cross-paper arm carries its lender's gain over the lender's own base \
         (both drawn with their noise); an imputed arm is uniform over its bound. A survival comparison draws the target \
         from its lower and the null, control and base from their upper Clopper–Pearson confidence distributions \
         (as conservative as an exact test). {} seeded parametric-bootstrap draws, \
         seeded from what the arms say (their numbers, units, spreads and sizes), not from the file's bytes; \
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
}

/// The model check: the fitted class, the consistent settings, each reported arm's residual, and
/// "fits" or "misfit" with what the class can reach.
///
/// Stays whole: it writes one section top to bottom in the order it reads, each part a few
/// `writeln!` calls into the same buffer; split, the section's order would be spread over functions
/// that share nothing but that buffer.
pub(crate) fn model_check_md(m: &mut String, f: &crate::audit::fit::Fit) {
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
            let arm = match &a.lender {
                Some(l) => format!(
                    "`{}` (measured null of `{}`, carried additively)",
                    r.arm,
                    l.replace(", ", "`, `")
                ),
                None => format!("`{}`", r.arm),
            };
            let _ = writeln!(
                m,
                "| {} | {} | {} ± {:.1} | {:+.2} | {:.1} | {} to {} |",
                arm,
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
                     the simulated replicates' spread), not reproduced.{}",
                    r.arm,
                    p1(r.reported),
                    p1(reach[0]),
                    p1(reach[1]),
                    match f.random_ceiling {
                        Some(c) if r.arm == "random" && r.reported > reach[1] => format!(
                            " Why it falls short: the class's random-reward gains come from its clip-bias members, which \
                             move a behaviour shared by every prompt toward the one the base prefers; at most that \
                             behaviour's share goes to 1 with answers held fixed, (1 − {})·(acc of the accurate style − \
                             acc of the other) = {} points at this base accuracy.",
                            crate::audit::fit::STYLE_SHARES[0],
                            p1(c)
                        ),
                        _ => String::new(),
                    }
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
