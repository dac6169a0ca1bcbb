//! Drafting descriptors from a paper's cached tables (`rlvr-audit new`): find the tables whose
//! rows or columns name training arms (by the synonyms in `data/arm-synonyms.yaml`), and write one
//! schema-2 descriptor per model × benchmark in which every number cites its cell and everything a
//! table cannot say is an explicit `TODO` that `validate` refuses as an unfinished draft.

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::fetch::cache::{self, CacheError, PaperIndex};
use crate::fetch::extract::Table;
use crate::printed::parse_printed;
use crate::yaml::tree::{Kind, Node};

/// A synonyms file that cannot be used, or a paper whose cache cannot be drafted from; every error
/// names the file (with line and column where there is one).
#[derive(Debug, Error)]
pub enum DraftError {
    #[error(transparent)]
    Read(#[from] crate::yaml::LoadError),
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Synonyms {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{}: no `roles` given", .0.display())]
    NoRoles(PathBuf),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("{paper} has no table \"{name}\" (run `rlvr-audit tables {paper}` for the list)")]
    NoTable { paper: String, name: String },
}

/// The roles a synonyms file may name.
const ROLES: &[&str] = &[
    "base",
    "random",
    "majority",
    "true",
    "designed",
    "format",
    "incorrect",
    "format-random",
    "baseline",
];

/// One label pattern: whole consecutive words, the last may be a prefix (`qwen*`).
#[derive(Clone, Debug)]
struct Pattern {
    words: Vec<String>,
    prefix: bool,
}

impl Pattern {
    fn new(s: &str) -> Pattern {
        let prefix = s.trim_end().ends_with('*');
        Pattern {
            words: words(s.trim_end().trim_end_matches('*')),
            prefix,
        }
    }

    fn matches(&self, label: &[String]) -> bool {
        let n = self.words.len();
        if n == 0 || label.len() < n {
            return false;
        }
        (0..=label.len() - n).any(|i| {
            (0..n).all(|k| {
                let (w, l) = (&self.words[k], &label[i + k]);
                if self.prefix && k == n - 1 {
                    l.starts_with(w.as_str())
                } else {
                    l == w
                }
            })
        })
    }
}

/// A label as matching sees it: lower case, words of letters, digits, `@` and inner dots.
fn words(s: &str) -> Vec<String> {
    let s = crate::fetch::cell::normalise(s).to_lowercase();
    s.split(|c: char| !(c.is_alphanumeric() || c == '@' || c == '.'))
        .map(|w| w.trim_matches('.').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The recognition rules: role → patterns (in file order), model names, labels to ignore.
#[derive(Clone, Debug)]
pub struct Synonyms {
    roles: Vec<(String, Vec<Pattern>)>,
    models: Vec<Pattern>,
    ignore: Vec<Pattern>,
}

/// The project's synonyms file, as built into the binary.
const BUILT_IN: &str = include_str!("../data/arm-synonyms.yaml");

impl Synonyms {
    /// Reads a synonyms file (format in `data/arm-synonyms.yaml`'s header). The project's own
    /// file, when asked for by its default path and absent there (the tool run outside the
    /// repository), is the copy built into the binary.
    pub fn load(path: &Path) -> Result<Synonyms, DraftError> {
        let text = if path == Path::new(crate::io::paths::ARM_SYNONYMS) && !path.exists() {
            BUILT_IN.to_string()
        } else {
            crate::yaml::read_text(path)?
        };
        let located = |line: u64, column: u64, message: String| DraftError::Synonyms {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let root =
            crate::yaml::tree::parse(&text).map_err(|e| located(e.line, e.column, e.message))?;
        let at = |n: &Node, msg: String| located(n.line, n.column, msg);
        let list = |n: &Node, what: &str| -> Result<Vec<Pattern>, DraftError> {
            match &n.kind {
                Kind::Seq(items) => items
                    .iter()
                    .map(|i| match &i.kind {
                        Kind::Scalar { text, .. } => Ok(Pattern::new(text)),
                        _ => Err(at(i, format!("`{what}`: expected a label pattern"))),
                    })
                    .collect(),
                _ => Err(at(
                    n,
                    format!("`{what}`: expected a list of label patterns"),
                )),
            }
        };
        let mut syn = Synonyms {
            roles: Vec::new(),
            models: Vec::new(),
            ignore: Vec::new(),
        };
        let entries = root
            .entries()
            .ok_or_else(|| at(&root, "expected a mapping with `roles`".into()))?;
        for (k, v) in entries {
            match k.name.as_str() {
                "roles" => {
                    let roles = v
                        .entries()
                        .ok_or_else(|| at(v, "`roles`: expected role → patterns".into()))?;
                    for (r, pats) in roles {
                        if !ROLES.contains(&r.name.as_str()) {
                            return Err(located(
                                r.line,
                                r.column,
                                format!(
                                    "`{}` is not a role (expected one of: {})",
                                    r.name,
                                    ROLES.join(", ")
                                ),
                            ));
                        }
                        syn.roles.push((r.name.clone(), list(pats, &r.name)?));
                    }
                }
                "models" => syn.models = list(v, "models")?,
                "ignore" => syn.ignore = list(v, "ignore")?,
                other => {
                    return Err(located(
                        k.line,
                        k.column,
                        format!("unknown key `{other}` (expected roles, models, ignore)"),
                    ));
                }
            }
        }
        if syn.roles.is_empty() {
            return Err(DraftError::NoRoles(path.to_path_buf()));
        }
        Ok(syn)
    }

    /// The role a label names, by the first role whose pattern matches.
    pub fn role(&self, label: &str) -> Option<&str> {
        let w = words(label);
        self.roles
            .iter()
            .find(|(_, pats)| pats.iter().any(|p| p.matches(&w)))
            .map(|(r, _)| r.as_str())
    }

    /// Whether a label names a model (a listed name, or a size such as 7b or 1.5b).
    pub fn is_model(&self, label: &str) -> bool {
        let w = words(label);
        let size = |t: &str| {
            t.len() > 1
                && (t.ends_with('b') || t.ends_with('m'))
                && t[..t.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.')
                && t.starts_with(|c: char| c.is_ascii_digit())
        };
        self.models.iter().any(|p| p.matches(&w)) || w.iter().any(|t| size(t))
    }

    pub fn ignored(&self, label: &str) -> bool {
        let w = words(label);
        self.ignore.iter().any(|p| p.matches(&w))
    }
}

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

/// Lower-case letters, digits and dashes (dots dropped: `Qwen2.5-7B` is `qwen25-7b`).
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().filter(|c| *c != '.').flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// One arm of a draft: where its number stands and what it was recognised as.
#[derive(Clone, Debug, Serialize)]
pub struct DraftArm {
    pub name: String,
    pub role: String,
    /// How the role was found: the synonyms role it matched, the bare model name, or none
    /// (the paper's own method).
    pub recognised: String,
    pub label: String,
    /// The number exactly as printed (before any ± spread).
    pub printed: String,
    pub spread: Option<String>,
    pub row: String,
    pub column: String,
    /// The cell reference as `validate --paper-cache` resolves it.
    pub cell_row: String,
    pub cell_column: String,
}

/// One draft descriptor: a model × benchmark of one table.
#[derive(Clone, Debug, Serialize)]
pub struct Draft {
    pub id: String,
    pub paper: String,
    pub table: String,
    /// The table's name as a cell reference resolves it (tag, display name or float id).
    pub table_ref: String,
    pub caption: String,
    /// Arms as rows, or as columns.
    pub layout: String,
    pub model: Option<String>,
    pub benchmark: String,
    pub metric: Option<String>,
    /// Where the metric was read: the header, or the caption when the header names none.
    pub metric_from: String,
    pub unit: String,
    /// The caption says the numbers are changes (the unit is then a TODO).
    pub gain_caption: bool,
    pub arms: Vec<DraftArm>,
    pub targets: Vec<String>,
}

/// What `new` is asked for.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub table: Option<String>,
    pub model: Option<String>,
    pub benchmark: Option<String>,
}

fn contains_key(hay: &str, needle: &str) -> bool {
    let (h, n) = (
        crate::audit::descriptor::match_key(hay),
        crate::audit::descriptor::match_key(needle),
    );
    !n.is_empty() && h.contains(&n)
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
fn drafts_of(paper: &str, index: &PaperIndex, t: &Table, syn: &Synonyms) -> Vec<Draft> {
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
        if cache::find(index, &name).len() == 1 {
            name
        } else {
            t.float_id.clone()
        }
    };
    let row_labels: Vec<(usize, String)> = (t.header_rows..t.rows())
        .map(|i| (i, t.row_label(i)))
        .collect();
    let col_labels: Vec<(usize, String)> = (t.header_cols..t.cols())
        .map(|j| (j, t.column_label(j)))
        .collect();
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
        for (l, i, j) in entries {
            let cell = &t.cells[i][j];
            if cell.value.is_none() {
                continue;
            }
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
        let mut targets: Vec<String> = arms
            .iter()
            .filter(|a| a.role == "designed")
            .map(|a| a.name.clone())
            .collect();
        if targets.is_empty() {
            targets = arms
                .iter()
                .filter(|a| a.role == "true")
                .map(|a| a.name.clone())
                .collect();
        }
        if targets.is_empty() {
            targets = arms
                .iter()
                .filter(|a| !["base", "random"].contains(&a.role.as_str()))
                .map(|a| a.name.clone())
                .collect();
        }
        if targets.is_empty() {
            continue;
        }
        let fraction = arms
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

/// The `new --json` record: the drafts found (and, unless `--dry-run`, written).
#[derive(Serialize)]
pub struct DraftsRecord<'a> {
    /// The paper's cache key (the arXiv id as asked for).
    pub paper: &'a str,
    /// False with `--dry-run`.
    pub written: bool,
    pub drafts: Vec<DraftEntry<'a>>,
}

/// One draft and the file it is (or would be) written to.
#[derive(Serialize)]
pub struct DraftEntry<'a> {
    pub path: String,
    pub draft: &'a Draft,
}

/// Every draft the cached tables of `paper` give, filtered, with unique ids.
pub fn drafts(
    cache_dir: &Path,
    paper: &str,
    syn: &Synonyms,
    filter: &Filter,
) -> Result<Vec<Draft>, DraftError> {
    let index = cache::read_index(cache_dir, paper)?;
    let metas: Vec<&cache::TableMeta> = match &filter.table {
        Some(name) => {
            let found = cache::find(&index, name);
            if found.is_empty() {
                return Err(DraftError::NoTable {
                    paper: paper.to_string(),
                    name: name.clone(),
                });
            }
            found
        }
        None => index.tables.iter().collect(),
    };
    let number = paper.split('v').next().unwrap_or(paper);
    let stem = slug(&number.replace(['.', '/'], ""));
    let mut out: Vec<Draft> = Vec::new();
    for m in metas {
        let t = cache::read_table(cache_dir, paper, m)?;
        for mut d in drafts_of(paper, &index, &t, syn) {
            if filter
                .model
                .as_ref()
                .is_some_and(|f| !d.model.as_ref().is_some_and(|m| contains_key(m, f)))
                || filter
                    .benchmark
                    .as_ref()
                    .is_some_and(|f| !contains_key(&d.benchmark, f))
            {
                continue;
            }
            let mut parts = vec![stem.clone()];
            parts.push(d.model.as_deref().map_or("model".into(), slug));
            parts.push(if slug(&d.benchmark).is_empty() {
                "benchmark".into()
            } else {
                slug(&d.benchmark)
            });
            let base = parts.join("-");
            let clash = |id: &str, out: &[Draft]| out.iter().any(|o| o.id == id);
            let mut id = base.clone();
            if clash(&id, &out)
                && let Some(mt) = &d.metric
            {
                id = format!("{base}-{}", slug(mt));
            }
            if clash(&id, &out) {
                id = format!("{base}-{}", slug(&d.table));
            }
            let mut k = 2;
            let first = id.clone();
            while clash(&id, &out) {
                id = format!("{first}-{k}");
                k += 1;
            }
            d.id = id
                .chars()
                .take(200)
                .collect::<String>()
                .trim_matches('-')
                .to_string();
            out.push(d);
        }
    }
    Ok(out)
}

/// The paper's title and first author, from the cached page (LaTeXML's title and author blocks).
pub fn title_and_authors(cache_dir: &Path, paper: &str) -> (Option<String>, Option<String>) {
    let page = cache::paper_dir(cache_dir, paper).join("page.html");
    let Ok(html) = std::fs::read_to_string(page) else {
        return (None, None);
    };
    let doc = scraper::Html::parse_document(&html);
    let text = |sel: &str| -> Vec<String> {
        let Ok(s) = scraper::Selector::parse(sel) else {
            return Vec::new();
        };
        doc.select(&s)
            .map(|e| crate::fetch::cell::normalise(&crate::fetch::extract::element_text(e).0))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let title = text("h1.ltx_title_document").into_iter().next();
    let names = text(".ltx_personname");
    let authors = match names.len() {
        0 => None,
        1 => Some(names[0].clone()),
        _ => Some(format!("{} et al.", names[0])),
    };
    (title, authors)
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The draft as a schema-2 descriptor, every unknown a `TODO`.
pub fn render(d: &Draft, title: Option<&str>, authors: Option<&str>) -> String {
    let version = d
        .paper
        .rfind('v')
        .map(|i| &d.paper[i..])
        .filter(|v| v.len() > 1 && v[1..].bytes().all(|b| b.is_ascii_digit()));
    let number = d.paper.split('v').next().unwrap_or(&d.paper);
    let version_text = version.map_or(
        "TODO: the paper version (the cache holds no version: fetch with one, e.g. v1)".into(),
        str::to_string,
    );
    let mut y = String::new();
    let push = |y: &mut String, s: &str| {
        y.push_str(s);
        y.push('\n');
    };
    push(
        &mut y,
        &format!(
            "# Draft by `rlvr-audit new` from arXiv {} {} ({}). Check every arm's role, fill in each TODO,\n# then `rlvr-audit validate` (a TODO is an \"unfinished draft\" error).",
            d.paper, d.table, d.layout
        ),
    );
    push(&mut y, "schema: 2");
    push(&mut y, &format!("id: {}", d.id));
    push(&mut y, "descriptor_version: 1");
    push(&mut y, "paper:");
    push(
        &mut y,
        &format!("  title: {}", q(title.unwrap_or("TODO: the paper's title"))),
    );
    push(
        &mut y,
        &format!(
            "  authors: {}",
            q(authors.unwrap_or("TODO: the authors, e.g. \"Zhao et al.\""))
        ),
    );
    push(&mut y, &format!("  arxiv: {}", q(number)));
    push(&mut y, &format!("  version: {}", q(&version_text)));
    push(
        &mut y,
        &format!(
            "  url: {}",
            q(&format!("https://arxiv.org/abs/{}", d.paper))
        ),
    );
    push(
        &mut y,
        &format!(
            "claim: {}",
            q("TODO: the claim in one sentence, as the paper states it")
        ),
    );
    push(
        &mut y,
        &format!(
            "model: {}",
            q(d.model
                .as_deref()
                .unwrap_or("TODO: the model (the table does not name it)"))
        ),
    );
    push(&mut y, "benchmark:");
    push(
        &mut y,
        &format!(
            "  name: {}",
            q(if d.benchmark.is_empty() {
                "TODO: the benchmark (the table does not name it)"
            } else {
                &d.benchmark
            })
        ),
    );
    push(
        &mut y,
        "  n: TODO  # the number of items (a whole number, unquoted), or delete this line if the paper does not state it",
    );
    match &d.metric {
        Some(m) => {
            push(&mut y, &format!("  metric: {m}"));
            push(
                &mut y,
                &format!(
                    "  metric_note: {}",
                    q(&if d.metric_from == "caption" {
                        format!(
                            "from the caption: {}",
                            d.caption.chars().take(200).collect::<String>()
                        )
                    } else {
                        format!("from the header: {}", d.arms[0].column)
                    })
                ),
            );
        }
        None => {
            push(&mut y, "  metric: pass@1");
            push(
                &mut y,
                &format!(
                    "  metric_note: {}",
                    q(
                        "TODO: the header names no metric; pass@1 assumed — state the metric and decoding"
                    )
                ),
            );
        }
    }
    push(&mut y, &format!("targets: [{}]", d.targets.join(", ")));
    push(&mut y, "training:");
    for (k, what) in [
        ("algorithm", "the RL algorithm"),
        ("group_size", "samples per prompt"),
        ("learning_rate", "learning rate"),
        ("steps", "training steps or epochs"),
        ("kl", "KL coefficient"),
        ("seeds", "seeds"),
    ] {
        push(
            &mut y,
            &format!(
                "  {k}: {}",
                q(&format!(
                    "TODO: {what} (\"not stated\" when the paper does not say)"
                ))
            ),
        );
    }
    push(&mut y, "arms:");
    for a in &d.arms {
        push(&mut y, &format!("  {}:", a.name));
        push(
            &mut y,
            &format!(
                "    role: {}  # {}",
                a.role,
                if a.recognised == a.role {
                    format!("label matched the `{}` synonyms", a.role)
                } else {
                    a.recognised.clone()
                }
            ),
        );
        push(&mut y, &format!("    label: {}", q(&a.label)));
        push(&mut y, &format!("    printed: {}", q(&a.printed)));
        if d.gain_caption {
            push(
                &mut y,
                &format!(
                    "    unit: {}",
                    q(&format!(
                        "TODO: the caption speaks of changes — {} if this row is an accuracy, gain_points/gain_fraction if it is a change over base",
                        d.unit
                    ))
                ),
            );
        } else {
            push(&mut y, &format!("    unit: {}", d.unit));
        }
        if let Some(s) = &a.spread {
            push(&mut y, &format!("    spread: {s}"));
        }
        push(
            &mut y,
            &format!(
                "    source: {{version: {}, location: {}, row: {}, column: {}, read_from: table}}",
                q(version.unwrap_or("TODO: the paper version")),
                q(&d.table),
                q(&a.row),
                q(&a.column)
            ),
        );
        push(
            &mut y,
            &format!(
                "    cell: {{paper: {}, table: {}, row: {}, column: {}}}",
                q(&d.paper),
                q(&d.table_ref),
                q(&a.cell_row),
                q(&a.cell_column)
            ),
        );
    }
    let designed: Vec<&str> = d
        .arms
        .iter()
        .filter(|a| a.role == "designed")
        .map(|a| a.label.as_str())
        .collect();
    let mut notes = format!(
        "Drafted from arXiv {} {} ({}): \"{}\". Roles from the arm synonyms.",
        d.paper,
        d.table,
        d.layout,
        d.caption.chars().take(200).collect::<String>()
    );
    if !designed.is_empty() {
        notes.push_str(&format!(
            " {} matched no other role and {} taken as the paper's own method (role designed, audited as {}).",
            designed
                .iter()
                .map(|l| format!("\"{l}\""))
                .collect::<Vec<_>>()
                .join(", "),
            if designed.len() == 1 { "is" } else { "are" },
            if designed.len() == 1 { "a target" } else { "targets" }
        ));
    }
    push(&mut y, &format!("notes: {}", q(&notes)));
    y
}
