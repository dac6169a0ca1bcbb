//! The views over every audit: the summary table by paper, the measured null terms, the
//! `check` answer and the terminal table.

use std::fmt::Write;

use crate::audit::survival::SurvivalVerdict;
use crate::audit::{AuditResult, NullEvidence};
use crate::decompose::{Share, Term};
use crate::report::terminal;

use super::text::*;

/// Counts of the answers over every target and reading of `results`.
pub(crate) fn counts(results: &[AuditResult]) -> String {
    let mut surv = std::collections::BTreeMap::<String, usize>::new();
    let mut three = std::collections::BTreeMap::<String, usize>::new();
    let mut two = std::collections::BTreeMap::<String, usize>::new();
    let mut rows = 0;
    for r in results {
        for (_, j) in r.readings() {
            rows += 1;
            *surv.entry(j.survival.verdict.to_string()).or_default() += 1;
            *three.entry(j.three_way.verdict.to_string()).or_default() += 1;
            *two.entry(j.two_way.verdict.to_string()).or_default() += 1;
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

/// Whether a result is a published claim (not a simulated audit).
fn published(r: &AuditResult) -> bool {
    r.fit.is_some()
}

/// The key under which two descriptors of one paper print the same claim (another version of one
/// figure): paper, model, benchmark and the target's role and label.
fn claim_key(r: &AuditResult, t: &crate::audit::TargetResult) -> String {
    use crate::audit::descriptor::match_key;
    format!(
        "{}|{}|{}|{}|{}",
        if r.paper.arxiv.is_empty() {
            match_key(&r.paper.title)
        } else {
            r.paper.arxiv.clone()
        },
        match_key(&r.model),
        match_key(&r.benchmark.name),
        t.role,
        match_key(&t.label)
    )
}

/// Counts of the survival answers of published claims by word and basis (each claim once: a
/// claim another version of the same paper prints again is counted apart), of simulated audits,
/// and of the answers the seed-spread sensitivity changes.
fn survival_counts(results: &[AuditResult]) -> String {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by: BTreeMap<(String, String), usize> = BTreeMap::new();
    let (mut claims, mut again, mut simulated, mut changed) = (0, 0, 0, Vec::new());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut sd = None;
    for r in results {
        for (t, j) in r.readings() {
            if !published(r) {
                simulated += 1;
                continue;
            }
            if !seen.insert(format!("{}|{}", claim_key(r, t), j.reading)) {
                again += 1;
                continue;
            }
            claims += 1;
            let s = &j.survival;
            *by.entry((s.verdict.to_string(), s.basis.to_string()))
                .or_default() += 1;
            if let Some(u) = &s.under_seed_sd {
                sd = Some(u.seed_sd);
                if u.verdict != s.verdict || u.basis != s.basis {
                    changed.push(format!(
                        "[{}]({}.md) `{}`{}: {} → {}",
                        r.id,
                        r.id,
                        t.arm,
                        if j.reading == "as printed" {
                            String::new()
                        } else {
                            format!(" ({})", j.reading)
                        },
                        s.verdict,
                        u.verdict
                    ));
                }
            }
        }
    }
    let mut m = String::new();
    let _ = writeln!(
        m,
        "{claims} published claims (target × reading; {again} more rows repeat a claim in another version of the same paper and are not counted again; {simulated} simulated audits are counted apart).\n"
    );
    let _ = writeln!(m, "| survival | basis | claims |\n|---|---|---|");
    for ((v, b), n) in &by {
        let _ = writeln!(m, "| {v} | {b} | {n} |");
    }
    if let Some(sd) = sd {
        let _ = writeln!(
            m,
            "\nUnder a training-seed spread of {:.1} points on every trained arm whose paper prints none (the answers above are conditional on one training run), {} of these {claims} survival answers change{}",
            100.0 * sd,
            changed.len(),
            if changed.is_empty() {
                ".".to_string()
            } else {
                format!(": {}.", changed.join("; "))
            }
        );
    }
    m
}

/// The summary: one table of the published claims with both answers (at most eight columns, the
/// words defined right below it), the counts by survival word and basis, then the counts and the
/// full per-reading table by paper. `dir` is where the descriptors came from.
///
/// Stays whole: it writes one page top to bottom in the order it reads, each section a few
/// `writeln!` calls into the same buffer; split, the page's order would be spread over functions
/// that share nothing but that buffer.
pub fn summary(
    results: &[AuditResult],
    dir: &str,
    missing: &[crate::report::papers::NotAudited],
) -> String {
    use crate::report::papers::{Counts, group};
    let mut m = String::new();
    let _ = writeln!(m, "# Audit summary\n");
    let _ = writeln!(
        m,
        "Generated by rlvr-audit {} from the descriptors under `{dir}/`, `data/measured-nulls.yaml` and the list of rows \
         that cannot be audited; regenerate with `cargo run --release -- report`. Each row links to its report, which \
         cites the paper's table or figure, row and column for every number.\n",
        env!("CARGO_PKG_VERSION")
    );
    let papers = group(results, missing);
    let _ = writeln!(m, "## Does the claimed gain survive the null?\n");
    let _ = writeln!(
        m,
        "| paper | model | benchmark | method (reading) | Δ_total (points) | survival (basis) | attribution (two-way) | report |\n|---|---|---|---|---|---|---|---|"
    );
    for p in &papers {
        for r in p.audits.iter().filter(|r| published(r)) {
            for (t, j) in r.readings() {
                let _ = writeln!(
                    m,
                    "| [{}](papers/{}.md) | {} | {} | {}{} | {} | {} | {} | [{}]({}.md) |",
                    cell(&short_title(&p.title)),
                    p.slug(),
                    cell(&r.model),
                    cell(&r.benchmark.name),
                    cell(if t.label.is_empty() { &t.arm } else { &t.label }),
                    if j.reading == "as printed" {
                        String::new()
                    } else {
                        format!(" ({})", cell(&j.reading))
                    },
                    term_text(j, Term::Total),
                    survival_short(j),
                    two_way_cell(j),
                    r.id,
                    r.id
                );
            }
        }
    }
    let _ = writeln!(
        m,
        "\n**How to read it.** Δ_total is the claimed gain over the paper's base model, in percentage points with its 95 % \
         interval. *Survival* asks whether the gain is larger than what a random (correctness-blind) reward already gives: \
         SURVIVES — it is, with 95 % confidence; FAILS — it is smaller, with 95 % confidence; NOT_SHOWN — the evidence \
         cannot tell; UNDETERMINED — nothing measures the random-reward gain for this model and benchmark. The basis says \
         which evidence answered: *in-paper* — the paper's own random-reward run (the only basis on which `check` passes \
         by default); *cross-paper* — a random-reward gain another paper measured for the same model and benchmark \
         (named), carried to this base; *own control* — the paper's own format-only or random-plus-format run, which the \
         claim must beat to show its reward's knowledge of correctness matters. *Attribution (two-way)* is the seed \
         paper's convention: LABEL_FREE_DOMINATED when what a label-free majority vote reaches is most (over 60 %) of the \
         gain, REWARD_DESIGN_DOMINATED when the reward's own step beyond it is, MIXED otherwise, with the share of \
         bootstrap draws in that class; \"not identified\" where the paper ran no majority-vote arm, \"model bounds\" \
         where it is imputed. The three-way attribution (null / elicitation / reward design) is on each report.\n"
    );
    let _ = writeln!(m, "## Survival, counted\n\n{}", survival_counts(results));
    let _ = writeln!(m, "## Counts by paper\n\n{}", Counts::HEADER);
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
    let _ = writeln!(
        m,
        "## Every reading, in full\n\nOne row per audited claim (target arm × reading of ambiguous numbers), simulated \
         audits included. Δ_naive = target − random where the paper ran (or the descriptor borrows) a random arm; the \
         break-even null is the largest random-reward gain the claim survives (the lower end of Δ_total's interval); the \
         shares are those of Δ_total; the model check says whether some setting of the simulator's fitted class matches \
         every reported arm. Measured random-reward gains: [null-evidence.md](null-evidence.md).\n"
    );
    for p in &papers {
        let _ = writeln!(
            m,
            "### {} ([page](papers/{}.md))\n",
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
            "| audit | target | reading | Δ_total | survival | Δ_naive | break-even null | null share | elicitation share | rd share | three-way | label-free share | two-way | model check |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for (r, t, j) in crate::audit::readings_of(p.audits.iter().copied()) {
            let b3 = j.gate == Some(crate::gate::Decision::Bounded);
            let sh = |s: Share, b: bool| share_text(j, s, b);
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                reading_cells("", &r.id, &t.arm, &j.reading),
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
                model_check_cell(r)
            );
        }
        let _ = writeln!(m);
    }
    m
}

/// The two-way answer for the claims table: its class with the draws' share, or why there is none.
fn two_way_cell(j: &crate::audit::judge::Judgement) -> String {
    use crate::audit::judge::Attribution;
    match j.two_way.verdict {
        Attribution::Undetermined => "not identified".into(),
        Attribution::Bounded => "model bounds".into(),
        _ => answer_text(&j.two_way),
    }
}

/// Every correctness-blind arm of the corpus: the measured nulls (random reward), then the other
/// controls, each with its gain over its own paper's base.
pub fn null_evidence(evidence: &[NullEvidence]) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Measured null terms and correctness-blind controls\n");
    let _ = writeln!(
        m,
        "Generated by rlvr-audit {}; regenerate with `cargo run --release -- report`. Every correctness-blind arm a paper \
         prints: the arms the descriptors under `audits/` report (not borrowed, not imputed) and the entries of \
         `data/measured-nulls.yaml` (numbers printed without the base and target an audit needs). Gain over the paper's own \
         base in percentage points, with its 95 % interval (printed precision, both evaluations over the items, seed \
         spread); a gain printed with no base is sized where its noise is largest. Survival reads every random-reward gain \
         of a claim's model and benchmark (names matched through `data/aliases.yaml`), whether or not its descriptor \
         borrows one; the controls answer only the claims of their own paper.\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut rows: Vec<&NullEvidence> = evidence.iter().collect();
    rows.sort_by(|a, b| {
        (
            a.control,
            a.model.as_str(),
            a.benchmark.as_str(),
            a.id.as_str(),
            a.reading.as_str(),
        )
            .cmp(&(
                b.control,
                b.model.as_str(),
                b.benchmark.as_str(),
                b.id.as_str(),
                b.reading.as_str(),
            ))
    });
    for (title, random) in [
        ("Random-reward gains (the measured nulls)", true),
        ("Other correctness-blind controls", false),
    ] {
        let _ = writeln!(
            m,
            "## {title}\n\n| model | benchmark (n) | arm | gain (points) | reading | paper | details | source | from |\n|---|---|---|---|---|---|---|---|---|"
        );
        for e in rows
            .iter()
            .filter(|e| (e.control == crate::audit::evidence::Control::Random) == random)
        {
            let _ = writeln!(
                m,
                "| {} | {} ({}) | {} ({}) | {} | {} | {} | {} | {} | {} |",
                cell(&e.model),
                cell(&e.benchmark),
                e.n.map_or("—".into(), |n| n.to_string()),
                cell(&e.arm_label),
                e.control,
                pts(&e.null),
                cell(&e.reading),
                cell(&short_title(&e.paper)),
                cell(&if e.caveat.is_empty() {
                    e.details.clone()
                } else {
                    format!("{}; caveat: {}", e.details, e.caveat)
                }),
                cell(&format!(
                    "{}, {}, row {}, column {}",
                    e.source.version, e.source.location, e.source.row, e.source.column
                )),
                null_link(e, "")
            );
        }
        let _ = writeln!(m);
    }
    m
}

/// Why the first undetermined reading is undetermined, as the CI line says it.
fn undetermined_reason(r: &AuditResult) -> &str {
    r.targets
        .iter()
        .flat_map(|t| &t.judgements)
        .find(|j| j.survival.verdict == SurvivalVerdict::Undetermined)
        .map_or("undetermined: nothing was audited", |j| {
            j.survival.reason.as_str()
        })
}

/// `check`'s answer in words: the CI line with its basis, then one line per target and reading.
pub fn check_text(r: &AuditResult, accept_cross_paper: bool) -> String {
    let mut m = String::new();
    let ci = r.ci(accept_cross_paper);
    let _ = writeln!(
        m,
        "{}: {}{} — {}{} (exit {})",
        r.id,
        if ci.verdict == SurvivalVerdict::Undetermined {
            "UNDETERMINED: "
        } else {
            ""
        },
        match ci.verdict {
            SurvivalVerdict::Survives => "the claimed gain survives the null term",
            SurvivalVerdict::Fails => "the claimed gain is smaller than the null term",
            SurvivalVerdict::NotShown => "the claimed gain is not shown to survive the null term",
            SurvivalVerdict::Undetermined => undetermined_reason(r),
        },
        ci.basis,
        affixed(" (", &ci.decided_by.join(", "), ")"),
        ci.exit_code
    );
    if ci.basis == crate::audit::survival::SurvivalBasis::CrossPaper
        && ci.verdict == SurvivalVerdict::Survives
        && !accept_cross_paper
    {
        let _ = writeln!(
            m,
            "  (the paper ran no random arm: cross-paper survival exits 3 unless --accept-cross-paper)"
        );
    }
    for (t, j) in r.readings() {
        let _ = writeln!(
            m,
            "  target `{}` ({}): {}; {}",
            t.arm,
            j.reading,
            survival_text(j),
            match (&j.survival.naive, j.survival.basis) {
                (Some(n), crate::audit::survival::SurvivalBasis::InPaper) =>
                    format!("Δ_naive = {} points", pts(n)),
                _ => break_even_text(r, j),
            }
        );
        for e in &j.survival.evidence {
            for c in &e.comparisons {
                let _ = writeln!(
                    m,
                    "    {} `{}` ({}){}: target − it = {} points, {}",
                    match e.kind {
                        crate::audit::survival::EvidenceKind::InPaperRandom =>
                            "in-paper random arm",
                        crate::audit::survival::EvidenceKind::Control => "in-paper control",
                        crate::audit::survival::EvidenceKind::CrossPaper => "cross-paper null",
                    },
                    e.id,
                    e.arm,
                    c.transfer.map_or(String::new(), |t| format!(", {t}")),
                    pts(&c.delta),
                    c.verdict
                );
            }
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
                let mut row = vec![r.id.clone(), tr.arm.clone(), j.reading.clone()];
                row.extend(answer_cells(j));
                row.extend([r.provenance_codes(), model_check_cell(r)]);
                t.add_row(row);
            }
        }
    }
    t.to_string()
}
