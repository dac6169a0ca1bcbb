//! One page per paper: its claims, its printed numbers re-rendered row by row, whether they are
//! possible (each descriptor's consistency check in a line, and the possible typos), each row's two
//! answers, a dot-and-interval figure of the shares, and the rows that cannot be audited with
//! their reasons. Also the per-paper counts of the summary. Views of [`AuditResult`]s only.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::audit::text::{affixed, reading_cells};
use super::audit::{answer_text, cell, pts, survival_text};
use super::svg::{DrawError, err, legend};
use crate::audit::judge::{Attribution, Judgement};
use crate::audit::survival::SurvivalVerdict;
use crate::audit::{AuditResult, Provenance};
use crate::decompose::Share;

/// A printed row that cannot be audited, with the reason (`data/not-audited.yaml`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotAudited {
    pub paper: String,
    pub arxiv: String,
    pub location: String,
    pub model: String,
    pub benchmark: String,
    pub arms: String,
    pub reason: String,
}

/// Reads the list of rows that cannot be audited; a missing file has none.
pub fn read_not_audited(path: &Path) -> Result<Vec<NotAudited>, crate::yaml::LoadError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    crate::yaml::load(path)
}

/// One paper: its audits and its rows that cannot be audited.
pub struct Paper<'a> {
    pub key: String,
    pub title: String,
    pub authors: String,
    pub arxiv: String,
    pub audits: Vec<&'a AuditResult>,
    pub not_audited: Vec<&'a NotAudited>,
}

impl Paper<'_> {
    /// The page's file name under `reports/papers/`.
    pub fn slug(&self) -> String {
        let s: String = self
            .key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        s.split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .take(80)
            .collect()
    }
}

/// Groups audits by paper (arXiv id, else title) and attaches the rows that cannot be audited.
pub fn group<'a>(results: &'a [AuditResult], missing: &'a [NotAudited]) -> Vec<Paper<'a>> {
    let key_of = |arxiv: &str, title: &str| {
        if arxiv.trim().is_empty() {
            title.trim().to_string()
        } else {
            arxiv.trim().to_string()
        }
    };
    let mut papers: BTreeMap<String, Paper<'a>> = BTreeMap::new();
    for r in results {
        let key = key_of(&r.paper.arxiv, &r.paper.title);
        papers
            .entry(key.clone())
            .or_insert_with(|| Paper {
                key,
                title: r.paper.title.clone(),
                authors: r.paper.authors.clone(),
                arxiv: r.paper.arxiv.clone(),
                audits: Vec::new(),
                not_audited: Vec::new(),
            })
            .audits
            .push(r);
    }
    for m in missing {
        let key = key_of(&m.arxiv, &m.paper);
        papers
            .entry(key.clone())
            .or_insert_with(|| Paper {
                key,
                title: m.paper.clone(),
                authors: String::new(),
                arxiv: m.arxiv.clone(),
                audits: Vec::new(),
                not_audited: Vec::new(),
            })
            .not_audited
            .push(m);
    }
    papers.into_values().collect()
}

/// Counts of one paper's (or every paper's) answers.
#[derive(Default, Clone, Copy)]
pub struct Counts {
    pub claims: usize,
    pub survives: usize,
    pub fails: usize,
    pub not_shown: usize,
    pub undetermined: usize,
    pub null: usize,
    pub elicitation: usize,
    pub reward_design: usize,
    pub mixed: usize,
    pub no_point: usize,
    pub label_free: usize,
    pub rd_two_way: usize,
    pub not_audited: usize,
    /// Printed values the consistency check found reachable, and not reachable.
    pub values_consistent: usize,
    pub values_inconsistent: usize,
}

impl Counts {
    pub fn of(audits: &[&AuditResult], not_audited: usize) -> Counts {
        let mut c = Counts {
            not_audited,
            ..Counts::default()
        };
        for r in audits {
            c.values_consistent += r.consistency.consistent;
            c.values_inconsistent += r.consistency.inconsistent;
            for (_, j) in r.readings() {
                c.claims += 1;
                match j.survival.verdict {
                    SurvivalVerdict::Survives => c.survives += 1,
                    SurvivalVerdict::Fails => c.fails += 1,
                    SurvivalVerdict::NotShown => c.not_shown += 1,
                    SurvivalVerdict::Undetermined => c.undetermined += 1,
                }
                match j.three_way.verdict {
                    Attribution::NullDominated => c.null += 1,
                    Attribution::ElicitationDominated => c.elicitation += 1,
                    Attribution::RewardDesignDominated => c.reward_design += 1,
                    Attribution::Mixed => c.mixed += 1,
                    _ => c.no_point += 1,
                }
                match j.two_way.verdict {
                    Attribution::LabelFreeDominated => c.label_free += 1,
                    Attribution::RewardDesignDominated => c.rd_two_way += 1,
                    _ => {}
                }
            }
        }
        c
    }

    pub fn plus(self, o: Counts) -> Counts {
        Counts {
            claims: self.claims + o.claims,
            survives: self.survives + o.survives,
            fails: self.fails + o.fails,
            not_shown: self.not_shown + o.not_shown,
            undetermined: self.undetermined + o.undetermined,
            null: self.null + o.null,
            elicitation: self.elicitation + o.elicitation,
            reward_design: self.reward_design + o.reward_design,
            mixed: self.mixed + o.mixed,
            no_point: self.no_point + o.no_point,
            label_free: self.label_free + o.label_free,
            rd_two_way: self.rd_two_way + o.rd_two_way,
            not_audited: self.not_audited + o.not_audited,
            values_consistent: self.values_consistent + o.values_consistent,
            values_inconsistent: self.values_inconsistent + o.values_inconsistent,
        }
    }

    /// The counts as one markdown row after `label`.
    pub fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            self.claims + self.not_audited,
            self.claims,
            self.not_audited,
            self.survives,
            self.fails,
            self.not_shown,
            self.undetermined,
            self.null,
            self.elicitation,
            self.reward_design,
            self.mixed,
            self.no_point,
            self.label_free,
            self.rd_two_way,
            self.values_consistent,
            self.values_inconsistent
        )
    }

    pub const HEADER: &'static str = "| paper | printed rows | audited claims | not auditable | survive | fail | not shown | undetermined | null-dominated | elicitation-dominated | reward-design-dominated | mixed | no point verdict (bounded, undetermined, no gain) | label-free-dominated (two-way) | reward-design-dominated (two-way) | printed values consistent | printed values inconsistent |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";
}

fn short(t: &str) -> String {
    t.split(':').next().unwrap_or(t).trim().to_string()
}

/// The value of an arm as its descriptor gives it, for the re-rendered table.
fn printed(p: &Provenance) -> String {
    match p {
        Provenance::Reported { printed, unit, .. } => {
            let v = printed.join(" or ");
            match unit {
                crate::audit::descriptor::Unit::GainPoints
                | crate::audit::descriptor::Unit::GainFraction => format!("{v} (gain)"),
                _ => v,
            }
        }
        Provenance::Borrowed { from, .. } => format!("borrowed ({from})"),
        Provenance::Imputed { .. } => "imputed".into(),
        Provenance::Simulated { .. } => "simulated".into(),
        Provenance::Missing => "—".into(),
    }
}

/// The page of one paper; `figure` is the figure's path relative to the page.
///
/// Stays whole: it writes one page top to bottom in the order it reads, each section a few
/// `writeln!` calls into the same buffer; split, the page's order would be spread over functions
/// that share nothing but that buffer.
pub fn page(p: &Paper, figure: Option<&str>) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", p.title);
    let _ = writeln!(
        m,
        "{}{} · rlvr-audit {} · regenerate with `cargo run --release -- report` · [all papers](../README.md)\n",
        affixed("", &p.authors, " · "),
        if p.arxiv.is_empty() {
            "no arXiv id".to_string()
        } else {
            format!("arXiv {}", p.arxiv)
        },
        env!("CARGO_PKG_VERSION")
    );
    let c = Counts::of(&p.audits, p.not_audited.len());
    let _ = writeln!(m, "{}\n{}\n", Counts::HEADER, c.row(&short(&p.title)));
    if !p.audits.is_empty() {
        let _ = writeln!(m, "## The claims\n");
        let mut seen: Vec<&str> = Vec::new();
        for r in &p.audits {
            if !seen.contains(&r.claim.as_str()) {
                seen.push(&r.claim);
                let ids: Vec<String> = p
                    .audits
                    .iter()
                    .filter(|o| o.claim == r.claim)
                    .map(|o| format!("[{}](../{}.md)", o.id, o.id))
                    .collect();
                let _ = writeln!(m, "* {} — {}", r.claim.trim(), ids.join(", "));
            }
        }
        let _ = writeln!(
            m,
            "\n## The paper's numbers, as the descriptors give them\n"
        );
        let mut arms: Vec<(String, String)> = Vec::new();
        for r in &p.audits {
            for a in &r.arms {
                if !arms.iter().any(|(n, _)| n == &a.arm) {
                    arms.push((a.arm.clone(), a.role.clone()));
                }
            }
        }
        let _ = writeln!(
            m,
            "| descriptor | model | benchmark | {} |\n|---|---|---|{}",
            arms.iter()
                .map(|(n, r)| format!("{n} ({r})"))
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(arms.len())
        );
        for r in &p.audits {
            let cells: Vec<String> = arms
                .iter()
                .map(|(n, _)| {
                    r.arms
                        .iter()
                        .find(|a| &a.arm == n)
                        .map_or(String::new(), |a| cell(&printed(&a.provenance)))
                })
                .collect();
            let _ = writeln!(
                m,
                "| [{}](../{}.md) | {} | {} | {} |",
                r.id,
                r.id,
                cell(&r.model),
                cell(&r.benchmark.name),
                cells.join(" | ")
            );
        }
        let _ = writeln!(
            m,
            "\nEach number's version, table or figure, row and column are in its audit's report.\n"
        );
        consistency_md(&mut m, &p.audits);
        let _ = writeln!(m, "## The two answers, row by row\n");
        let _ = writeln!(
            m,
            "| descriptor | target | reading | Δ_total (points) | survival | Δ_naive (points) | three-way | two-way (seed's convention) |\n|---|---|---|---|---|---|---|---|"
        );
        for (r, t, j) in crate::audit::readings_of(p.audits.iter().copied()) {
            let total = j.terms.total.as_ref().map(|v| v.estimate);
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} |",
                reading_cells("../", &r.id, &t.arm, &j.reading),
                total.map_or("—".into(), |e| pts(&e)),
                survival_text(j),
                j.survival.naive.map_or("—".into(), |e| pts(&e)),
                answer_text(&j.three_way),
                answer_text(&j.two_way)
            );
        }
        if let Some(f) = figure {
            let _ = writeln!(
                m,
                "\n![Shares of the total gain per row: label-free (two-way) and null (three-way), 95 % intervals]({f})\n"
            );
        }
    }
    if !p.not_audited.is_empty() {
        let _ = writeln!(
            m,
            "## Printed rows that cannot be audited\n\n| location | model | benchmark | arms | reason |\n|---|---|---|---|---|"
        );
        for n in &p.not_audited {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                cell(&n.location),
                cell(&n.model),
                cell(&n.benchmark),
                cell(&n.arms),
                cell(&n.reason)
            );
        }
        let _ = writeln!(m);
    }
    m
}

/// Whether each descriptor's printed numbers are possible (its audit's "Consistency" section in
/// one line), and the values no benchmark size or number of samples explains: possible typos.
fn consistency_md(m: &mut String, audits: &[&AuditResult]) {
    let _ = writeln!(
        m,
        "## Are the printed numbers possible?\n\nEach printed accuracy checked against the shares its benchmark size and \
         metric allow (the GRIM idea; each audit's report has the details).\n\n| descriptor | benchmark | what the \
         printed numbers say |\n|---|---|---|"
    );
    for r in audits {
        let _ = writeln!(
            m,
            "| [{}](../{}.md) | {} | {} |",
            r.id,
            r.id,
            cell(&r.benchmark.name),
            cell(&super::audit::consistency_headline(r))
        );
    }
    let typos: Vec<String> = audits
        .iter()
        .flat_map(|r| {
            r.consistency.unexplained().map(move |v| {
                format!(
                    "* [{}](../{}.md), `{}`: {} ({}) — {}",
                    r.id,
                    r.id,
                    v.arm,
                    v.printed,
                    v.unit,
                    crate::audit::consistency::value_text(v, &r.consistency)
                )
            })
        })
        .collect();
    let inconsistent: usize = audits.iter().map(|r| r.consistency.inconsistent).sum();
    if typos.is_empty() && inconsistent == 0 {
        let _ = writeln!(m, "\nPossible typos: none.\n");
    } else if typos.is_empty() {
        let _ = writeln!(
            m,
            "\nPossible typos: none (each of the {inconsistent} value(s) not reachable as printed is reached by another \
             benchmark size or an average over samples).\n"
        );
    } else {
        let _ = writeln!(
            m,
            "\nPossible typos (no benchmark size tried and no average over up to {} samples per item reaches them):\n\n{}\n",
            crate::audit::consistency::MAX_SAMPLES,
            typos.join("\n")
        );
    }
}

/// The rows of the figure: (label, label-free share, null share), each an identified estimate
/// with an interval.
type FigureRow = (
    String,
    Option<crate::stats::Estimate>,
    Option<crate::stats::Estimate>,
);

fn identified(j: &Judgement, s: Share) -> Option<crate::stats::Estimate> {
    j.shares
        .get(s)
        .filter(|v| !v.model_based)
        .and_then(|v| v.estimate)
        .filter(|e| e.lo.is_some())
}

/// Dot-and-interval figure of each row's shares of the total gain, or `None` when no row has one.
///
/// Stays whole: it draws one figure with plotters; the data, scales and the drawing area built
/// at its top are used by every series, mark and label after them.
pub fn figure(p: &Paper) -> Result<Option<String>, DrawError> {
    let mut rows: Vec<FigureRow> = Vec::new();
    for r in &p.audits {
        for (t, j) in r.readings() {
            let lf = identified(j, Share::LabelFreeOfTotal);
            let null = identified(j, Share::NullOfTotal);
            if lf.is_some() || null.is_some() {
                let reading = if j.reading == "as printed" {
                    String::new()
                } else {
                    format!(" ({})", j.reading)
                };
                rows.push((format!("{} · {}{reading}", r.id, t.arm), lf, null));
            }
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let clip = |v: f64| v.clamp(-1.0, 2.0);
    let h = 80 + 22 * rows.len() as u32;
    super::svg::figure((980, h), |root| {
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "{}: shares of the total gain (95 % intervals, clipped to [−1, 2])",
                    short(&p.title)
                ),
                ("sans-serif", 15),
            )
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(420)
            .build_cartesian_2d(-1.0f64..2.0f64, -0.5f64..(n - 0.5))
            .map_err(err)?;
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        chart
            .configure_mesh()
            .y_labels(rows.len())
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[labels.len() - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("share of Δ_total")
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        for x in [0.0, 0.6, 1.0] {
            chart
                .draw_series(LineSeries::new(
                    [(x, -0.5), (x, n - 0.5)],
                    BLACK.mix(if x == 0.6 { 0.5 } else { 0.2 }),
                ))
                .map_err(err)?;
        }
        let series: [(&str, RGBColor, f64); 2] = [
            ("label-free share (two-way)", super::svg::tab::BLUE, 0.15),
            ("null share (three-way)", RGBColor(120, 120, 120), -0.15),
        ];
        for (k, (name, color, dy)) in series.iter().enumerate() {
            let pts: Vec<(f64, f64, f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let e = if k == 0 { r.1 } else { r.2 }?;
                    let y = (rows.len() - 1 - i) as f64 + dy;
                    Some((
                        y,
                        clip(e.mean),
                        clip(e.lo.unwrap_or(e.mean)),
                        clip(e.hi.unwrap_or(e.mean)),
                    ))
                })
                .collect();
            let c = *color;
            chart
                .draw_series(pts.iter().map(|&(y, _, lo, hi)| {
                    PathElement::new(vec![(lo, y), (hi, y)], c.stroke_width(2))
                }))
                .map_err(err)?;
            chart
                .draw_series(
                    pts.iter()
                        .map(|&(y, x, _, _)| Circle::new((x, y), 4, c.filled())),
                )
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| Circle::new((x, y), 4, c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
    .map(Some)
}
