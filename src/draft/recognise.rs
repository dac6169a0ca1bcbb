//! Recognising a table's arms: which rows or columns name training arms, their printed numbers
//! and spreads, the metric, unit and model, and the drafts (one per model × benchmark) they give.
//!
//! The file is long because recognising a table's arms, numbers and metric is one pass over the
//! table, its steps feeding each other.

use super::synonyms::{Pattern, words};
use super::{Draft, DraftArm, Synonyms, slug};
use crate::fetch::extract::Table;
use crate::printed::parse_printed;

/// The metric a label names (`pass@1`, `avg@16`, `maj@8`, `mean@k` as avg@k).
fn metric_of(label: &str) -> Option<String> {
    for w in words(label) {
        if let Some((name, k)) = w.split_once('@') {
            let name = match name {
                "pass" => "pass",
                "avg" | "mean" => "avg",
                "maj" => "maj",
                _ => continue,
            };
            if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) && k != "0" {
                return Some(format!("{name}@{k}"));
            }
        }
    }
    None
}

/// A label that identifies line `i` of `labels` for the resolver: the label itself when exactly
/// one line carries it, else the positional `#N`.
fn unique_ref(labels: &[(usize, String)], i: usize) -> String {
    let norm = |s: &str| crate::fetch::cell::normalise(s).to_lowercase();
    let mine = labels
        .iter()
        .find(|(k, _)| *k == i)
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    let same = labels
        .iter()
        .filter(|(_, l)| norm(l) == norm(&mine))
        .count();
    if !mine.is_empty() && same == 1 {
        mine
    } else {
        format!("#{}", i + 1)
    }
}

/// Words in a caption that say the numbers are changes over a reference, not accuracies.
const GAIN_WORDS: &[&str] = &[
    "change",
    "changes",
    "gain",
    "gains",
    "improvement",
    "improvements",
    "difference",
    "differences",
    "relative",
    "delta",
    "Δ",
    "increase",
    "over base",
    "over the base",
];

/// Whether a header label or cell says its numbers are percentages (any `%` sign, "percent").
fn says_percent(text: &str) -> bool {
    text.contains('%')
        || words(text)
            .iter()
            .any(|w| w == "percent" || w == "percentage")
}

/// Whether a caption says the table's numbers are percentages: "(%)", "[%]", "in %", "percent"
/// or "percentage" (a `%` elsewhere in a caption may be a number it quotes).
fn caption_says_percent(caption: &str) -> bool {
    ["(%)", "[%]", "in %", "(in %"]
        .iter()
        .any(|m| caption.contains(m))
        || words(caption)
            .iter()
            .any(|w| w == "percent" || w == "percentage" || w == "percentages")
}

fn says_gain(caption: &str) -> bool {
    let w = words(caption);
    GAIN_WORDS.iter().any(|g| Pattern::new(g).matches(&w)) || caption.contains('Δ')
}

/// An arm found on one line (a row or a column) of a table.
#[derive(Clone, Debug)]
struct Line {
    index: usize,
    /// The part of the label that names the arm.
    arm_label: String,
    role: String,
    recognised: String,
    /// The model the line belongs to (a group heading, a label level, or the bare model name).
    model: Option<String>,
    /// Other label levels (a benchmark or a metric above an arm column).
    context: Vec<String>,
}

/// Classifies one line label: its role, how it was recognised, and the model it names.
fn classify(syn: &Synonyms, parts: &[&str]) -> Option<(String, String, String, Option<String>)> {
    let arm = *parts.last()?;
    if arm.trim().is_empty() || syn.ignored(arm) {
        return None;
    }
    let model_part = parts[..parts.len() - 1]
        .iter()
        .find(|p| syn.is_model(p))
        .map(|s| s.to_string());
    if let Some(r) = syn.role(arm) {
        // "Qwen2.5-7B-Instruct" as a base row names its model too.
        let model = match (r, model_part) {
            ("base", None) if syn.is_model(arm) => Some(arm.to_string()),
            (_, m) => m,
        };
        return Some((r.to_string(), arm.to_string(), r.to_string(), model));
    }
    if syn.is_model(arm) {
        return Some((
            "base".into(),
            arm.to_string(),
            "bare model name".into(),
            Some(arm.to_string()),
        ));
    }
    Some((
        "designed".into(),
        arm.to_string(),
        "no role matched: the paper's own method".into(),
        model_part,
    ))
}

/// The arms a table's rows name (arms as rows), with group headings as models.
/// The label columns: the header columns, or more when the leading columns of the body hold no
/// number (a "Model" and a "Method" column written as plain cells).
fn label_cols(t: &Table) -> usize {
    let lead = (0..t.cols())
        .take_while(|&j| (t.header_rows..t.rows()).all(|i| t.cells[i][j].value.is_none()))
        .count();
    t.header_cols
        .max(1)
        .max(lead.min(t.cols().saturating_sub(1)))
}

/// Row `i`'s label over the label columns, repeats from spans merged.
fn full_row_label(t: &Table, i: usize) -> String {
    let n = label_cols(t);
    if n <= t.header_cols.max(1) {
        return t.row_label(i);
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in &t.cells[i][..n] {
        if !c.text.is_empty() && parts.last() != Some(&c.text.as_str()) {
            parts.push(&c.text);
        }
    }
    parts.join(" / ")
}

fn row_arms(t: &Table, syn: &Synonyms) -> Vec<Line> {
    let first_col = label_cols(t);
    let mut model: Option<String> = None;
    let mut out = Vec::new();
    for i in t.header_rows..t.rows() {
        let label = full_row_label(t, i);
        let numeric = t.cells[i][first_col.min(t.cols())..]
            .iter()
            .any(|c| c.value.is_some());
        if !numeric {
            // A heading row: names the model of the rows below when it names one.
            if !label.is_empty() && (syn.is_model(&label) || syn.role(&label).is_none()) {
                model = Some(label.split(" / ").next().unwrap_or("").to_string());
            }
            continue;
        }
        let parts: Vec<&str> = label.split(" / ").collect();
        let Some((role, arm_label, recognised, m)) = classify(syn, &parts) else {
            continue;
        };
        if role == "base" && m.is_some() {
            model = m.clone();
        }
        out.push(Line {
            index: i,
            arm_label,
            role,
            recognised,
            model: m.or_else(|| model.clone()),
            context: Vec::new(),
        });
    }
    out
}

/// The arms a table's columns name (arms as columns); other label levels are kept as context.
fn column_arms(t: &Table, syn: &Synonyms) -> Vec<Line> {
    let mut out = Vec::new();
    for j in t.header_cols.max(1)..t.cols() {
        if t.header_rows == 0 {
            break;
        }
        let label = t.column_label(j);
        let parts: Vec<&str> = label.split(" / ").collect();
        // The arm is the level that names a role (or, failing that, the lowest non-metric level).
        let at = parts
            .iter()
            .rposition(|p| syn.role(p).is_some())
            .or_else(|| parts.iter().rposition(|p| metric_of(p).is_none()));
        let Some(at) = at else { continue };
        let Some((role, arm_label, recognised, _)) = classify(syn, &parts[at..=at]) else {
            continue;
        };
        let context: Vec<String> = parts
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != at)
            .map(|(_, p)| p.to_string())
            .collect();
        out.push(Line {
            index: j,
            arm_label,
            role,
            recognised,
            model: None,
            context,
        });
    }
    out
}

/// How many distinct roles other than the paper's own method a set of lines names.
fn score(lines: &[Line]) -> usize {
    let mut roles: Vec<&str> = lines
        .iter()
        .filter(|l| l.role != "designed")
        .map(|l| l.role.as_str())
        .collect();
    roles.sort();
    roles.dedup();
    roles.len()
}

/// Gives each arm a unique name and keeps one base, one random and one majority (the chain's
/// anchors; the others become baselines, as the descriptor format asks).
fn finish_arms(mut arms: Vec<DraftArm>) -> Vec<DraftArm> {
    let mut seen_roles: Vec<String> = Vec::new();
    for a in arms.iter_mut() {
        if ["base", "random", "majority"].contains(&a.role.as_str()) {
            if seen_roles.contains(&a.role) {
                a.recognised = format!("{} (a second {} arm)", a.recognised, a.role);
                a.role = "baseline".into();
            } else {
                seen_roles.push(a.role.clone());
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    for a in arms.iter_mut() {
        let by_role = match a.role.as_str() {
            "base" | "random" | "majority" | "format" | "incorrect" | "format-random" => {
                Some(a.role.clone())
            }
            "true" => Some("ground-truth".to_string()),
            _ => None,
        };
        let stem = match by_role {
            Some(r) if !names.contains(&r) => r,
            _ => slug(&a.label),
        };
        let stem = if stem.is_empty() { "arm".into() } else { stem };
        let stem: String = stem.chars().take(60).collect::<String>();
        let stem = stem.trim_matches('-').to_string();
        let mut name = stem.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{stem}-{k}");
            k += 1;
        }
        names.push(name.clone());
        a.name = name;
    }
    arms
}

fn printed_of(text: &str) -> Option<(String, Option<String>)> {
    let (num, spread) = match text.split_once('±') {
        Some((v, s)) => (
            v.trim().trim_end_matches('(').trim().to_string(),
            Some(s.trim().trim_end_matches(')').trim().to_string()),
        ),
        None => {
            // "73.5 (+24.1)": the score is the first word; the change beside it is not copied.
            let t = text.trim();
            match t.split_once(' ') {
                Some((first, _)) if parse_printed(t).is_none() => (first.to_string(), None),
                _ => (t.to_string(), None),
            }
        }
    };
    parse_printed(&num)?;
    let spread = spread.filter(|s| s.parse::<f64>().is_ok_and(f64::is_finite));
    Some((num, spread))
}

/// The first word of a caption that names a model ("Results of Qwen2.5-3B on …").
fn model_in(caption: &str, syn: &Synonyms) -> Option<String> {
    caption
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| ",.;:()[]\"'".contains(c)))
        .find(|w| !w.is_empty() && syn.is_model(w))
        .map(str::to_string)
}

/// Drafts of one table (none when no line names at least two roles).
pub(super) fn drafts_of(
    paper: &str,
    names: &std::collections::HashMap<String, usize>,
    t: &Table,
    syn: &Synonyms,
) -> Vec<Draft> {
    let rows = row_arms(t, syn);
    let cols = column_arms(t, syn);
    let (by_rows, lines) = if score(&rows) >= score(&cols) {
        (true, rows)
    } else {
        (false, cols)
    };
    if score(&lines) < 2 || !lines.iter().any(|l| l.role == "base") {
        return Vec::new();
    }
    let table_ref = {
        let name = t.display_name();
        if names.get(&name.trim().to_ascii_lowercase()) == Some(&1) {
            name
        } else {
            t.float_id.clone()
        }
    };
    let row_labels = t.body_row_labels();
    let col_labels = t.body_column_labels();
    let gain = says_gain(&t.caption);
    // (model, benchmark label, metric, [(line, row, col)])
    type Group = (
        Option<String>,
        String,
        Option<String>,
        Vec<(Line, usize, usize)>,
    );
    let mut groups: Vec<Group> = Vec::new();
    let mut add = |model: Option<String>, bench: String, metric: Option<String>, e| match groups
        .iter_mut()
        .find(|g| g.0 == model && g.1 == bench && g.2 == metric)
    {
        Some(g) => g.3.push(e),
        None => groups.push((model, bench, metric, vec![e])),
    };
    if by_rows {
        for j in label_cols(t)..t.cols() {
            let label = t.column_label(j);
            if syn.ignored(&label) {
                continue;
            }
            let parts: Vec<&str> = label.split(" / ").collect();
            let metric = parts.iter().find_map(|p| metric_of(p));
            // A level that names a model (a column group per model) gives the model.
            let col_model = parts
                .iter()
                .find(|p| syn.is_model(p) && syn.role(p).is_none())
                .map(|s| s.to_string());
            let bench: Vec<&str> = parts
                .iter()
                .copied()
                .filter(|p| metric_of(p).is_none() && Some(p.to_string()) != col_model)
                .collect();
            let bench = if bench.is_empty() {
                label.clone()
            } else {
                bench.join(" / ")
            };
            for l in &lines {
                add(
                    col_model.clone().or_else(|| l.model.clone()),
                    bench.clone(),
                    metric.clone(),
                    (l.clone(), l.index, j),
                );
            }
        }
    } else {
        for i in t.header_rows..t.rows() {
            let row = t.row_label(i);
            if row.is_empty() || syn.ignored(&row) {
                continue;
            }
            for l in &lines {
                let metric = l.context.iter().find_map(|p| metric_of(p));
                let ctx: Vec<&str> = l
                    .context
                    .iter()
                    .map(String::as_str)
                    .filter(|p| metric_of(p).is_none())
                    .collect();
                let ctx_model = ctx.iter().find(|p| syn.is_model(p)).map(|s| s.to_string());
                let ctx_bench: Vec<&str> =
                    ctx.iter().copied().filter(|p| !syn.is_model(p)).collect();
                let (model, bench) = if syn.is_model(&row) {
                    (Some(row.clone()), ctx_bench.join(" / "))
                } else {
                    (ctx_model, {
                        let mut b = vec![row.as_str()];
                        b.extend(ctx_bench.iter().copied());
                        b.join(" / ")
                    })
                };
                add(model, bench, metric, (l.clone(), i, l.index));
            }
        }
    }
    // The model: a label level or group heading, else the header's corner cell, else the caption.
    let corner = (t.header_rows > 0)
        .then(|| t.column_label(0))
        .filter(|c| syn.is_model(c) && syn.role(c).is_none());
    let caption_model = corner.or_else(|| model_in(&t.caption, syn));
    let mut drafts = Vec::new();
    for (model, bench, metric, entries) in groups {
        let model = model.or_else(|| caption_model.clone());
        // The header names no metric: the caption may, when it names exactly one.
        let (metric, metric_from) = match metric {
            Some(m) => (Some(m), "header".to_string()),
            None => {
                let mut found: Vec<String> = words(&t.caption)
                    .iter()
                    .filter_map(|w| metric_of(w))
                    .collect();
                found.dedup();
                match found.as_slice() {
                    [one] => (Some(one.clone()), "caption".to_string()),
                    _ => (None, String::new()),
                }
            }
        };
        let mut arms = Vec::new();
        let mut cell_percent = false;
        for (l, i, j) in entries {
            let cell = &t.cells[i][j];
            if cell.value.is_none() {
                continue;
            }
            cell_percent |= cell.text.contains('%');
            let Some((printed, spread)) = printed_of(&cell.text) else {
                continue;
            };
            arms.push(DraftArm {
                name: String::new(),
                role: l.role.clone(),
                recognised: l.recognised.clone(),
                label: l.arm_label.clone(),
                printed,
                spread,
                row: full_row_label(t, i),
                column: t.column_label(j),
                cell_row: unique_ref(&row_labels, i),
                cell_column: unique_ref(&col_labels, j),
            });
        }
        if !arms.iter().any(|a| a.role == "base") || arms.len() < 2 {
            continue;
        }
        let arms = finish_arms(arms);
        // The targets: the designed arms, else the true-reward ones, else every arm but the
        // base and random ones.
        let targets: Vec<String> = [
            |r: &str| r == "designed",
            |r: &str| r == "true",
            |r: &str| !["base", "random"].contains(&r),
        ]
        .iter()
        .map(|keep| {
            arms.iter()
                .filter(|a| keep(&a.role))
                .map(|a| a.name.clone())
                .collect::<Vec<String>>()
        })
        .find(|t| !t.is_empty())
        .unwrap_or_default();
        if targets.is_empty() {
            continue;
        }
        // Numbers all within ±1 read as fractions — unless the caption, the numbers' header or
        // a cell says they are percentages.
        let percent_sign = caption_says_percent(&t.caption)
            || cell_percent
            || arms
                .iter()
                .any(|a| says_percent(if by_rows { &a.column } else { &a.row }));
        let fraction = !percent_sign
            && arms
                .iter()
                .all(|a| parse_printed(&a.printed).is_some_and(|p| p.value.abs() <= 1.0));
        drafts.push(Draft {
            id: String::new(),
            paper: paper.to_string(),
            table: t.display_name(),
            table_ref: table_ref.clone(),
            caption: t.caption.clone(),
            layout: if by_rows {
                "arms as rows"
            } else {
                "arms as columns"
            }
            .into(),
            model,
            benchmark: bench,
            metric,
            metric_from,
            unit: if fraction { "fraction" } else { "percent" }.into(),
            gain_caption: gain,
            arms,
            targets,
        });
    }
    drafts
}
