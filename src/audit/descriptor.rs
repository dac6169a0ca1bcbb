//! Audit descriptors: one YAML file per published result (schema 2). The file is parsed into a
//! located tree first; validation then walks it and reports **every** problem of the file at once
//! — each with file:line:column and the full field path, a "did you mean" for misspelt keys and
//! enum values — and turns a clean file into a [`Descriptor`] whose numbers are parsed and ranged.
//! Suspicious but possible values become warnings, kept on the descriptor and printed by
//! `validate` and in the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::fetch::resolve::CellRef;
use crate::yaml::tree::{Key, Kind, Node};
use crate::yaml::{self, LoadError};

/// The schema this tool reads.
pub const SCHEMA: u64 = 2;
/// Replicates a simulated audit may ask for, at most.
pub const MAX_REPLICATES: u64 = 1000;
/// Readings (`alternatives`) one arm may list, at most.
pub const MAX_ALTERNATIVES: usize = 8;
/// Arms one descriptor may list, at most.
pub const MAX_ARMS: usize = 32;
/// Readings one target may be audited under (alternatives of its four anchors multiply).
pub const MAX_READINGS: usize = 64;
/// The largest `k` of a metric such as avg@k.
pub const MAX_METRIC_K: u64 = 100_000;
/// The largest benchmark size.
pub const MAX_ITEMS: u64 = 10_000_000;

/// What an arm's reward is (METHOD §2), which fixes its place in the decomposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// No training.
    Base,
    /// Random (null) reward: the chain's null anchor.
    Random,
    /// Label-free majority-vote reward: the chain's elicitation anchor.
    Majority,
    /// Ground-truth (verifier) reward.
    True,
    /// The paper's own proposed reward.
    Designed,
    /// Format-only reward.
    Format,
    /// Reward for a fixed wrong answer.
    Incorrect,
    /// A random reward given only to formatted answers (e.g. EMPO's "Rand Format"): not the null
    /// anchor, since the format gate carries signal.
    FormatRandom,
    /// Any other trained arm the table prints (a baseline, a variant).
    Baseline,
}

pub const ROLES: &[&str] = &[
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

impl Role {
    fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "base" => Role::Base,
            "random" => Role::Random,
            "majority" => Role::Majority,
            "true" => Role::True,
            "designed" => Role::Designed,
            "format" => Role::Format,
            "incorrect" => Role::Incorrect,
            "format-random" => Role::FormatRandom,
            "baseline" => Role::Baseline,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(ROLES[*self as usize])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Fraction,
    GainPoints,
    GainFraction,
}

pub const UNITS: &[&str] = &["percent", "fraction", "gain_points", "gain_fraction"];

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unit::Percent => "percent",
            Unit::Fraction => "fraction",
            Unit::GainPoints => "gain, points",
            Unit::GainFraction => "gain, fraction",
        })
    }
}

impl Unit {
    fn parse(s: &str) -> Option<Unit> {
        Some(match s {
            "percent" => Unit::Percent,
            "fraction" => Unit::Fraction,
            "gain_points" => Unit::GainPoints,
            "gain_fraction" => Unit::GainFraction,
            _ => return None,
        })
    }

    /// Factor from this unit to accuracy (fraction).
    pub fn scale(self) -> f64 {
        match self {
            Unit::Percent | Unit::GainPoints => 0.01,
            Unit::Fraction | Unit::GainFraction => 1.0,
        }
    }

    pub fn is_gain(self) -> bool {
        matches!(self, Unit::GainPoints | Unit::GainFraction)
    }
}

/// The benchmark's score (what one printed number averages over the items).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "k")]
pub enum Metric {
    /// Share of items whose single sample (or greedy answer) is right: pass@1.
    PassAt(u64),
    /// Mean over k samples per item of the per-sample accuracy.
    AvgAt(u64),
    /// Share of items whose majority answer over k samples is right.
    MajAt(u64),
    /// The simulator's exact expected accuracy (simulated audits only).
    Exact,
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Metric::PassAt(k) => write!(f, "pass@{k}"),
            Metric::AvgAt(k) => write!(f, "avg@{k}"),
            Metric::MajAt(k) => write!(f, "maj@{k}"),
            Metric::Exact => f.write_str("exact"),
        }
    }
}

impl Metric {
    fn parse(s: &str) -> Result<Metric, String> {
        if s == "exact" {
            return Ok(Metric::Exact);
        }
        let expected = "pass@1, avg@k, maj@k or pass@k with a whole k ≥ 1 (e.g. avg@16), or `exact` for a simulated audit";
        let Some((name, k)) = s.split_once('@') else {
            return Err(format!("`{s}` is not a metric: expected {expected}"));
        };
        let k: u64 = k
            .parse()
            .ok()
            .filter(|k| (1..=MAX_METRIC_K).contains(k))
            .ok_or_else(|| format!("`{s}`: k must be a whole number from 1 to {MAX_METRIC_K}"))?;
        match name {
            "pass" => Ok(Metric::PassAt(k)),
            "avg" | "mean" => Ok(Metric::AvgAt(k)),
            "maj" => Ok(Metric::MajAt(k)),
            _ => {
                let hint = yaml::did_you_mean(name, ["pass", "avg", "maj"])
                    .map(|h| format!(" (did you mean `{h}@{k}`?)"))
                    .unwrap_or_default();
                Err(format!("`{s}` is not a metric: expected {expected}{hint}"))
            }
        }
    }

    /// How the binomial noise of a printed score is computed from n items, in words.
    pub fn noise_note(self, n: Option<u64>) -> String {
        let Some(n) = n else {
            return "benchmark size not stated: no binomial term (printed precision and seed spread only)".into();
        };
        match self {
            Metric::PassAt(_) | Metric::MajAt(_) => format!(
                "{self}: each of the n = {n} items scores 0 or 1, so the standard error is √(p(1−p)/{n})"
            ),
            Metric::AvgAt(k) => format!(
                "{self}: the {k} samples of one item are not independent trials (items differ in difficulty), so the \
                 standard error is taken over the n = {n} items, √(p(1−p)/{n}) — an upper bound — not over {} samples",
                n.saturating_mul(k)
            ),
            Metric::Exact => "exact expected accuracy: no sampling noise".into(),
        }
    }

    /// Independent units behind one printed score: the items (never items × samples).
    pub fn independent_units(self, n: Option<u64>) -> Option<u64> {
        match self {
            Metric::Exact => None,
            _ => n,
        }
    }
}

/// Where a printed number stands in the paper.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    pub version: String,
    /// Table or figure, e.g. "Fig. 1" or "Table 2".
    pub location: String,
    pub row: String,
    pub column: String,
    /// text, table or figure.
    pub read_from: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Paper {
    pub title: String,
    pub authors: String,
    pub arxiv: String,
    pub version: String,
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Benchmark {
    pub name: String,
    /// Number of items; absent when the paper does not state it (no binomial term then).
    pub n: Option<u64>,
    pub metric: Metric,
    /// Free text: sampling temperature, smoothing, …
    pub metric_note: String,
}

/// A simulated audit: every arm comes from the simulator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulation {
    pub preset: String,
    pub prior: f64,
    pub replicates: u64,
    pub seed: u64,
}

pub use crate::printed::{Printed, parse_printed};

/// How a borrowed arm's gain is carried to this descriptor's base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transfer {
    /// The lender's gain in accuracy points is added to this base.
    Additive,
    /// The lender's gain in log-odds is added to this base's log-odds.
    Logit,
}

impl Transfer {
    pub fn other(self) -> Transfer {
        match self {
            Transfer::Additive => Transfer::Logit,
            Transfer::Logit => Transfer::Additive,
        }
    }
}

impl std::fmt::Display for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transfer::Additive => "additive",
            Transfer::Logit => "logit",
        })
    }
}

/// Where an arm's number comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ArmSpec {
    Reported {
        /// One reading, or several that cannot be told apart (filled from `cell` when empty).
        readings: Vec<Printed>,
        unit: Unit,
        /// Seed-to-seed standard deviation, in the arm's unit.
        spread: Option<f64>,
        source: Source,
        /// The cited table cell, and how reports cite it once resolved.
        cell: Option<Box<CellRef>>,
        citation: Option<String>,
    },
    Borrowed {
        /// The lender's descriptor id.
        from: String,
        /// The lender's arm; `None` = the lender's arm of the same role.
        arm: Option<String>,
        transfer: Transfer,
    },
}

/// One named arm of a descriptor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmDef {
    pub name: String,
    pub role: Role,
    /// The paper's name for it.
    pub label: String,
    pub spec: ArmSpec,
}

#[derive(Clone, Debug, Serialize)]
pub struct Descriptor {
    pub path: PathBuf,
    /// SHA-256 of the file's bytes.
    pub hash: String,
    pub id: String,
    pub descriptor_version: u64,
    pub paper: Paper,
    pub claim: String,
    pub model: String,
    pub benchmark: Benchmark,
    pub training: BTreeMap<String, String>,
    /// The arms whose claimed gains are audited, in the file's order.
    pub targets: Vec<String>,
    /// The arms, in the file's order (empty for a simulated audit).
    pub arms: Vec<ArmDef>,
    pub simulation: Option<Simulation>,
    pub notes: String,
    /// Suspicious but possible values, located.
    #[serde(skip)]
    pub warnings: Vec<LoadError>,
}

impl Descriptor {
    pub fn arm(&self, name: &str) -> Option<&ArmDef> {
        self.arms.iter().find(|a| a.name == name)
    }

    /// The (first) arm of a role.
    pub fn role(&self, role: Role) -> Option<&ArmDef> {
        self.arms.iter().find(|a| a.role == role)
    }

    /// The file's text (for locating errors found after loading).
    pub fn text(&self) -> String {
        yaml::read_text(&self.path).unwrap_or_default()
    }

    /// The base arm's single reading and unit.
    pub fn base_reading(&self) -> Option<(&Printed, Unit)> {
        match &self.role(Role::Base)?.spec {
            ArmSpec::Reported { readings, unit, .. } => readings.first().map(|r| (r, *unit)),
            ArmSpec::Borrowed { .. } => None,
        }
    }
}

/// Lower-case letters, digits and dots: how model and benchmark names are matched across papers
/// ("MATH-500" and "MATH500" are one benchmark; "Qwen2.5-1.5B" and "Qwen2.5-15B" are not).
pub fn match_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || *c == '.')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A validation error located at `field` (dotted path) by the key's position in the parsed file.
pub fn field_error(path: &Path, text: &str, field: &str, msg: impl std::fmt::Display) -> LoadError {
    let e = LoadError::new(path, format!("field `{field}`: {msg}"));
    let Ok(root) = yaml::tree::parse(text) else {
        return e;
    };
    let mut node = &root;
    let mut loc = None;
    for part in field.split('.') {
        let Some((k, v)) = node
            .entries()
            .and_then(|m| m.iter().find(|(k, _)| k.name == part))
        else {
            break;
        };
        loc = Some((k.line, k.column));
        node = v;
    }
    match loc {
        Some((l, c)) => e.at(l, c),
        None => e,
    }
}

/// Collects every error and warning of one file.
struct Check<'a> {
    path: &'a Path,
    errors: Vec<LoadError>,
    warnings: Vec<LoadError>,
}

impl<'a> Check<'a> {
    fn at(&self, line: u64, column: u64, field: &str, msg: impl std::fmt::Display) -> LoadError {
        let m = if field.is_empty() {
            msg.to_string()
        } else {
            format!("field `{field}`: {msg}")
        };
        LoadError::new(self.path, m).at(line, column)
    }

    fn error(&mut self, node: &Node, field: &str, msg: impl std::fmt::Display) {
        let e = self.at(node.line, node.column, field, msg);
        self.errors.push(e);
    }

    fn warn(&mut self, node: &Node, field: &str, msg: impl std::fmt::Display) {
        let e = self.at(node.line, node.column, field, msg);
        self.warnings.push(e);
    }

    /// The entries of a mapping whose keys must be among `allowed` and include `required`.
    fn map<'n>(
        &mut self,
        node: &'n Node,
        field: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<&'n [(Key, Node)]> {
        let Some(entries) = node.entries() else {
            self.error(
                node,
                field,
                format!("expected a mapping, got {}", node.describe()),
            );
            return None;
        };
        let join = |k: &str| {
            if field.is_empty() {
                k.to_string()
            } else {
                format!("{field}.{k}")
            }
        };
        for (k, _) in entries {
            if !allowed.contains(&k.name.as_str()) {
                let mut e = self.at(
                    k.line,
                    k.column,
                    &join(&k.name),
                    format!(
                        "unknown key `{}` (expected one of: {})",
                        k.name,
                        allowed.join(", ")
                    ),
                );
                e.hint = yaml::did_you_mean(&k.name, allowed.iter().copied());
                self.errors.push(e);
            }
        }
        for r in required {
            if !entries.iter().any(|(k, _)| k.name == *r) {
                self.error(node, &join(r), "missing (required)");
            }
        }
        Some(entries)
    }

    /// A draft's placeholder (`TODO`, `TODO: …`): its own error class, so a draft written by
    /// `rlvr-audit new` can never be audited by accident.
    fn todo(&mut self, node: &Node, field: &str) -> bool {
        let Kind::Scalar { text, .. } = &node.kind else {
            return false;
        };
        if !text.trim_start().starts_with("TODO") {
            return false;
        }
        let e = LoadError::new(
            self.path,
            format!("unfinished draft: field `{field}` is still a placeholder: {text}"),
        )
        .at(node.line, node.column);
        self.errors.push(e);
        true
    }

    /// A scalar as text (quoted or plain).
    fn text(&mut self, node: &Node, field: &str) -> Option<String> {
        if self.todo(node, field) {
            return None;
        }
        match &node.kind {
            Kind::Scalar { text, .. } => Some(text.clone()),
            _ => {
                self.error(
                    node,
                    field,
                    format!("expected text, got {}", node.describe()),
                );
                None
            }
        }
    }

    /// A non-empty scalar text (a plain `~` or `null` is YAML's "no value").
    fn nonempty(&mut self, node: &Node, field: &str) -> Option<String> {
        let t = self.text(node, field)?;
        let null = matches!(&node.kind, Kind::Scalar { plain: true, text } if text == "~" || text == "null");
        if t.trim().is_empty() || null {
            self.error(node, field, "must not be empty");
            return None;
        }
        Some(t)
    }

    /// A whole number written as a number (a quoted `"500"` is refused).
    fn uint(&mut self, node: &Node, field: &str, lo: u64, hi: u64) -> Option<u64> {
        if self.todo(node, field) {
            return None;
        }
        match &node.kind {
            Kind::Scalar { text, plain: true } => match text.parse::<u64>() {
                Ok(v) if (lo..=hi).contains(&v) => Some(v),
                Ok(v) => {
                    self.error(node, field, format!("{v} is outside {lo}..={hi}"));
                    None
                }
                Err(_) => {
                    self.error(
                        node,
                        field,
                        format!("expected a whole number from {lo} to {hi}, got `{text}`"),
                    );
                    None
                }
            },
            Kind::Scalar { plain: false, .. } => {
                self.error(
                    node,
                    field,
                    format!(
                        "expected a whole number, got {} (write numbers without quotes)",
                        node.describe()
                    ),
                );
                None
            }
            _ => {
                self.error(
                    node,
                    field,
                    format!("expected a whole number, got {}", node.describe()),
                );
                None
            }
        }
    }

    /// A real number written as a number.
    fn float(&mut self, node: &Node, field: &str) -> Option<f64> {
        if self.todo(node, field) {
            return None;
        }
        match &node.kind {
            Kind::Scalar { text, plain: true } => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    self.error(node, field, format!("expected a number, got `{text}`"));
                    None
                }
            },
            _ => {
                self.error(
                    node,
                    field,
                    format!(
                        "expected a number, got {} (write numbers without quotes)",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    /// One of `allowed`, with a "did you mean".
    fn choice(&mut self, node: &Node, field: &str, allowed: &[&str]) -> Option<String> {
        let t = self.text(node, field)?;
        if allowed.contains(&t.as_str()) {
            return Some(t);
        }
        let mut e = self.at(
            node.line,
            node.column,
            field,
            format!("`{t}` is not one of: {}", allowed.join(", ")),
        );
        e.hint = yaml::did_you_mean(&t, allowed.iter().copied());
        self.errors.push(e);
        None
    }

    /// A printed number: quoted, or plain (whose source text is kept, trailing zeros and all).
    fn printed(&mut self, node: &Node, field: &str) -> Option<Printed> {
        let t = self.text(node, field)?;
        match parse_printed(&t) {
            Some(p) => Some(p),
            None => {
                self.error(
                    node,
                    field,
                    format!(
                        "`{t}` is not a number as printed (e.g. \"49.4\", \"+21.4\", \"−8.5\")"
                    ),
                );
                None
            }
        }
    }
}

fn is_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

const TOP_KEYS: &[&str] = &[
    "schema",
    "id",
    "descriptor_version",
    "paper",
    "claim",
    "model",
    "benchmark",
    "targets",
    "training",
    "arms",
    "simulation",
    "notes",
];
const ARM_FIELDS: &[&str] = &[
    "role",
    "label",
    "printed",
    "alternatives",
    "unit",
    "spread",
    "source",
    "borrow",
    "cell",
];

/// Reads, parses and validates one descriptor on its own (borrowing is checked across files by
/// [`super::load_set`]). The error lists every problem of the file.
pub fn load(path: &Path) -> Result<Descriptor, Vec<LoadError>> {
    let text = yaml::read_text(path).map_err(|e| vec![e])?;
    let root = yaml::tree::parse(&text).map_err(|e| {
        let mut err = LoadError::new(path, e.message);
        if e.line > 0 {
            err = err.at(e.line, e.column);
        }
        vec![err]
    })?;
    let mut c = Check {
        path,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let d = validate(&mut c, &root, &text);
    match d {
        Some(d) if c.errors.is_empty() => Ok(Descriptor {
            warnings: c.warnings,
            ..d
        }),
        _ => {
            c.errors
                .sort_by_key(|e| (e.line.unwrap_or(0), e.column.unwrap_or(0)));
            Err(c.errors)
        }
    }
}

fn validate(c: &mut Check, root: &Node, text: &str) -> Option<Descriptor> {
    let top = c.map(
        root,
        "",
        TOP_KEYS,
        &[
            "schema",
            "id",
            "descriptor_version",
            "paper",
            "claim",
            "model",
            "benchmark",
        ],
    )?;
    let get = |k: &str| top.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    if let Some(n) = get("schema")
        && let Some(v) = c.uint(n, "schema", 0, u64::MAX)
        && v != SCHEMA
    {
        let hint = if v == 1 {
            ": schema 1 is no longer read — arms are now named, each with a `role`, and `target` became the \
                 list `targets` (see the README, \"The descriptor format\")"
        } else {
            ""
        };
        c.error(
            n,
            "schema",
            format!("version {v} is not supported (this tool reads {SCHEMA}){hint}"),
        );
        return None;
    }
    let id = get("id").and_then(|n| {
        let t = c.text(n, "id")?;
        if !is_id(&t) {
            c.error(
                n,
                "id",
                format!("`{t}` must be lower-case letters, digits and dashes"),
            );
            return None;
        }
        if c.path.file_stem().is_some_and(|s| s.to_string_lossy() != t) {
            c.error(
                n,
                "id",
                format!("`{t}` must match the file name `{}`", c.path.display()),
            );
        }
        Some(t)
    });
    let version =
        get("descriptor_version").and_then(|n| c.uint(n, "descriptor_version", 1, 1_000_000));
    let paper = get("paper").and_then(|n| {
        let m = c.map(
            n,
            "paper",
            &["title", "authors", "arxiv", "version", "url"],
            &["title", "authors", "version"],
        )?;
        let mut s = |k: &str, req: bool| -> Option<String> {
            match m.iter().find(|(key, _)| key.name == k) {
                Some((_, v)) if req => c.nonempty(v, &format!("paper.{k}")),
                Some((_, v)) => c.text(v, &format!("paper.{k}")),
                None => (!req).then(String::new),
            }
        };
        // Every field read before any is required, so each problem (a TODO too) is reported.
        let (title, authors, arxiv) = (s("title", true), s("authors", true), s("arxiv", false));
        let (version, url) = (s("version", true), s("url", false));
        Some(Paper {
            title: title?,
            authors: authors?,
            arxiv: arxiv?,
            version: version?,
            url: url?,
        })
    });
    let claim = get("claim").and_then(|n| c.nonempty(n, "claim"));
    let model = get("model").and_then(|n| c.nonempty(n, "model"));
    let simulation = get("simulation").and_then(|n| simulation(c, n));
    let benchmark = get("benchmark").and_then(|n| {
        let m = c.map(
            n,
            "benchmark",
            &["name", "n", "metric", "metric_note"],
            &["name", "metric"],
        )?;
        let f = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        let name = f("name").and_then(|v| c.nonempty(v, "benchmark.name"));
        let items = f("n").map(|v| c.uint(v, "benchmark.n", 1, MAX_ITEMS));
        let metric = f("metric").and_then(|v| {
            let t = c.text(v, "benchmark.metric")?;
            match Metric::parse(&t) {
                Ok(m) => Some((m, v)),
                Err(msg) => {
                    c.error(v, "benchmark.metric", msg);
                    None
                }
            }
        });
        let note = match f("metric_note") {
            Some(v) => c.text(v, "benchmark.metric_note")?,
            None => String::new(),
        };
        let (metric, mnode) = metric?;
        Some((
            Benchmark {
                name: name?,
                n: match items {
                    Some(n) => Some(n?),
                    None => None,
                },
                metric,
                metric_note: note,
            },
            mnode.clone(),
        ))
    });
    let training = match get("training") {
        Some(n) => {
            let mut t = BTreeMap::new();
            match n.entries() {
                Some(m) => {
                    for (k, v) in m {
                        if let Some(s) = c.text(v, &format!("training.{}", k.name)) {
                            t.insert(k.name.clone(), s);
                        }
                    }
                }
                None => c.error(
                    n,
                    "training",
                    format!("expected a mapping, got {}", n.describe()),
                ),
            }
            t
        }
        None => BTreeMap::new(),
    };
    let notes = match get("notes") {
        Some(n) => c.text(n, "notes").unwrap_or_default(),
        None => String::new(),
    };
    // Arms.
    let mut arms: Vec<ArmDef> = Vec::new();
    let mut arm_nodes: Vec<&Node> = Vec::new();
    // Every arm name in the file, valid or not (a broken arm is reported once, at its field).
    let declared: Vec<String> = get("arms")
        .and_then(|n| n.entries())
        .map(|m| m.iter().map(|(k, _)| k.name.clone()).collect())
        .unwrap_or_default();
    match (get("arms"), &simulation) {
        (Some(n), Some(_)) => c.error(
            n,
            "arms",
            "a simulated audit takes its arms from the simulator, not from `arms`",
        ),
        (None, None) if get("simulation").is_none() => c.error(
            root,
            "arms",
            "missing: list the paper's arms (or give `simulation`)",
        ),
        (Some(n), None) if get("simulation").is_none() => {
            arms_of(c, n, &mut arms, &mut arm_nodes);
        }
        _ => {}
    }
    // Targets.
    let mut targets = Vec::new();
    match (get("targets"), &simulation) {
        (Some(n), _) => match &n.kind {
            Kind::Seq(items) if !items.is_empty() => {
                for (i, it) in items.iter().enumerate() {
                    let field = format!("targets[{i}]");
                    let Some(t) = c.text(it, &field) else {
                        continue;
                    };
                    if targets.contains(&t) {
                        c.error(it, &field, format!("`{t}` is listed twice"));
                    } else if simulation.is_some() || get("simulation").is_some() {
                        if t != "true" {
                            c.error(it, &field, "a simulated audit targets `true`");
                        }
                        targets.push(t);
                    } else {
                        match arms.iter().find(|a| a.name == t) {
                            None if declared.contains(&t) => {}
                            None => {
                                let mut e = c.at(
                                    it.line,
                                    it.column,
                                    &field,
                                    format!(
                                        "`{t}` is not an arm of this descriptor ({})",
                                        declared.join(", ")
                                    ),
                                );
                                e.hint =
                                    yaml::did_you_mean(&t, declared.iter().map(String::as_str));
                                c.errors.push(e);
                            }
                            Some(a) if a.role == Role::Base => c.error(
                                it,
                                &field,
                                format!("`{t}` is the base arm: it has no gain to audit"),
                            ),
                            Some(a) if a.role == Role::Random => c.error(
                                it,
                                &field,
                                format!(
                                    "`{t}` is the random arm: its gain is the null term itself, not a claim"
                                ),
                            ),
                            Some(_) => targets.push(t),
                        }
                    }
                }
            }
            _ => c.error(
                n,
                "targets",
                format!(
                    "expected a non-empty list of arm names, got {}",
                    n.describe()
                ),
            ),
        },
        (None, Some(_)) => targets.push("true".into()),
        (None, None) => {
            if get("simulation").is_none() {
                c.error(root, "targets", "missing: list the arms whose claimed gains are audited, e.g. `targets: [ground-truth]`")
            }
        }
    }
    let (benchmark, metric_node) = match benchmark {
        Some((b, n)) => (Some(b), Some(n)),
        None => (None, None),
    };
    if let (Some(b), Some(mn)) = (&benchmark, &metric_node) {
        let simulated = get("simulation").is_some();
        if simulated != (b.metric == Metric::Exact) {
            c.error(
                mn,
                "benchmark.metric",
                if simulated {
                    "a simulated audit measures `exact` expected accuracy"
                } else {
                    "`exact` is the simulator's metric; a paper's arms are pass@1, avg@k, maj@k or pass@k"
                },
            );
        }
    }
    if let (Some(b), Some(bn), None) = (&benchmark, get("benchmark"), get("simulation"))
        && b.n.is_none()
    {
        c.warn(
            bn,
            "benchmark.n",
            "not stated: without the number of items the sampling noise is unknown, intervals reflect printed \
             precision only, and survival is UNDETERMINED unless the target and random arms give seed spreads",
        );
    }
    if get("simulation").is_none() && get("arms").is_some() && arms.len() == declared.len() {
        cross_check_arms(c, &arms, &arm_nodes);
        let count = |a: Option<&ArmDef>| match a.map(|a| &a.spec) {
            Some(ArmSpec::Reported { readings, .. }) => readings.len().max(1),
            _ => 1,
        };
        let of_role = |r: Role| arms.iter().find(|a| a.role == r);
        let shared = count(of_role(Role::Base))
            * count(of_role(Role::Random))
            * count(of_role(Role::Majority));
        for t in &targets {
            let readings = shared * count(arms.iter().find(|a| &a.name == t));
            if readings > MAX_READINGS
                && let Some(n) = get("targets")
            {
                c.error(
                    n,
                    "targets",
                    format!(
                        "target `{t}` would be audited under {readings} readings (the alternatives of its base, random, \
                         majority and own arm multiply); at most {MAX_READINGS}"
                    ),
                );
            }
        }
    }
    let _ = text;
    Some(Descriptor {
        path: c.path.to_path_buf(),
        hash: crate::io::sha256_hex(text),
        id: id?,
        descriptor_version: version?,
        paper: paper?,
        claim: claim?,
        model: model?,
        benchmark: benchmark?,
        training,
        targets,
        arms,
        simulation,
        notes,
        warnings: Vec::new(),
    })
}

fn simulation(c: &mut Check, n: &Node) -> Option<Simulation> {
    let m = c.map(
        n,
        "simulation",
        &["preset", "prior", "replicates", "seed"],
        &["prior", "replicates"],
    )?;
    let f = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let preset = match f("preset") {
        Some(v) => {
            let t = c.text(v, "simulation.preset")?;
            if let Err(e) = crate::sim::config::preset(&t) {
                c.error(v, "simulation.preset", e);
                return None;
            }
            t
        }
        None => "paper".into(),
    };
    let prior = f("prior").and_then(|v| {
        let p = c.float(v, "simulation.prior")?;
        if !(p > 0.0 && p < 1.0) {
            c.error(v, "simulation.prior", format!("{p} is outside (0, 1)"));
            return None;
        }
        Some(p)
    });
    let replicates =
        f("replicates").and_then(|v| c.uint(v, "simulation.replicates", 2, MAX_REPLICATES));
    let seed = match f("seed") {
        Some(v) => c.uint(v, "simulation.seed", 0, u64::MAX)?,
        None => 0,
    };
    Some(Simulation {
        preset,
        prior: prior?,
        replicates: replicates?,
        seed,
    })
}

/// The named arms of `arms:`.
fn arms_of<'n>(c: &mut Check, n: &'n Node, arms: &mut Vec<ArmDef>, nodes: &mut Vec<&'n Node>) {
    let Some(entries) = n.entries() else {
        c.error(
            n,
            "arms",
            format!("expected a mapping of arm names, got {}", n.describe()),
        );
        return;
    };
    if entries.len() > MAX_ARMS {
        c.error(
            n,
            "arms",
            format!("{} arms; at most {MAX_ARMS}", entries.len()),
        );
        return;
    }
    for (k, v) in entries {
        let field = format!("arms.{}", k.name);
        if !is_id(&k.name) {
            let e = c.at(
                k.line,
                k.column,
                &field,
                format!(
                    "the arm name `{}` must be lower-case letters, digits and dashes",
                    k.name
                ),
            );
            c.errors.push(e);
            continue;
        }
        if let Some(a) = arm(c, v, &k.name, &field) {
            arms.push(a);
            nodes.push(v);
        }
    }
}

fn arm(c: &mut Check, n: &Node, name: &str, field: &str) -> Option<ArmDef> {
    let m = c.map(n, field, ARM_FIELDS, &["role"])?;
    let f = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let sub = |k: &str| format!("{field}.{k}");
    let role = f("role")
        .and_then(|v| c.choice(v, &sub("role"), ROLES))
        .and_then(|r| Role::parse(&r));
    let label = match f("label") {
        Some(v) => c.text(v, &sub("label")).unwrap_or_default(),
        None => String::new(),
    };
    if let Some(b) = f("borrow") {
        for k in [
            "printed",
            "alternatives",
            "unit",
            "spread",
            "source",
            "cell",
        ] {
            if let Some(v) = f(k) {
                c.error(
                    v,
                    &sub(k),
                    "a borrowed arm carries no number or source of its own: its lender's are used",
                );
            }
        }
        let bm = c.map(b, &sub("borrow"), &["from", "arm", "transfer"], &["from"])?;
        let g = |k: &str| bm.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        let from = g("from").and_then(|v| c.nonempty(v, &sub("borrow.from")));
        let lender_arm = match g("arm") {
            Some(v) => Some(c.nonempty(v, &sub("borrow.arm"))?),
            None => None,
        };
        let transfer = match g("transfer") {
            Some(v) => match c
                .choice(v, &sub("borrow.transfer"), &["additive", "logit"])?
                .as_str()
            {
                "logit" => Transfer::Logit,
                _ => Transfer::Additive,
            },
            None => Transfer::Additive,
        };
        let role = role?;
        if role == Role::Base {
            c.error(
                b,
                &sub("borrow"),
                "the base arm must be reported by this paper",
            );
            return None;
        }
        return Some(ArmDef {
            name: name.into(),
            role,
            label,
            spec: ArmSpec::Borrowed {
                from: from?,
                arm: lender_arm,
                transfer,
            },
        });
    }
    let cell = match f("cell") {
        Some(v) => match cell_ref(c, v, &sub("cell")) {
            Some(r) => Some(Box::new(r)),
            None => return None,
        },
        None => None,
    };
    let readings: Option<Vec<Printed>> = match (f("printed"), f("alternatives")) {
        (Some(p), None) => c.printed(p, &sub("printed")).map(|p| vec![p]),
        (None, Some(alt)) => match &alt.kind {
            Kind::Seq(items) if items.len() >= 2 && items.len() <= MAX_ALTERNATIVES => {
                let v: Vec<Option<Printed>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| c.printed(it, &format!("{field}.alternatives[{i}]")))
                    .collect();
                v.into_iter().collect()
            }
            _ => {
                c.error(
                    alt,
                    &sub("alternatives"),
                    format!(
                        "list 2 to {MAX_ALTERNATIVES} readings, got {}",
                        alt.describe()
                    ),
                );
                None
            }
        },
        (Some(p), Some(_)) => {
            c.error(
                p,
                &sub("printed"),
                "give `printed` or `alternatives`, not both",
            );
            None
        }
        (None, None) if cell.is_some() => Some(Vec::new()),
        (None, None) => {
            c.error(
                n,
                field,
                "needs `printed`, `alternatives`, `cell` or `borrow`",
            );
            None
        }
    };
    let unit = match f("unit") {
        Some(v) => c
            .choice(v, &sub("unit"), UNITS)
            .and_then(|u| Unit::parse(&u)),
        None => {
            c.error(
                n,
                &sub("unit"),
                "missing (required): percent, fraction, gain_points or gain_fraction",
            );
            None
        }
    };
    let mut failed = false;
    let spread = match f("spread") {
        Some(v) => match (c.float(v, &sub("spread")), unit) {
            (Some(sp), Some(u)) if !(0.0..=0.5).contains(&(sp * u.scale())) => {
                c.error(
                    v,
                    &sub("spread"),
                    format!(
                        "{sp} is not a seed standard deviation of an accuracy (0 to {} in this unit)",
                        0.5 / u.scale()
                    ),
                );
                failed = true;
                None
            }
            (Some(sp), _) => Some(sp),
            (None, _) => {
                failed = true;
                None
            }
        },
        None => None,
    };
    let source = match f("source") {
        Some(v) => source(c, v, &sub("source")),
        None => {
            c.error(
                n,
                &sub("source"),
                "missing (required): where the number stands in the paper",
            );
            None
        }
    };
    let role = role?;
    let unit = unit?;
    let readings = readings?;
    if failed {
        return None;
    }
    if role == Role::Base && unit.is_gain() {
        c.error(
            f("unit").unwrap_or(n),
            &sub("unit"),
            "the base arm is an accuracy, not a gain",
        );
        return None;
    }
    if role == Role::Base && readings.len() > 1 {
        c.error(
            n,
            &sub("alternatives"),
            "the base arm needs one reading: it anchors every gain",
        );
        return None;
    }
    let mut seen: Vec<f64> = Vec::new();
    for r in &readings {
        if seen.contains(&r.value) {
            c.error(
                f("alternatives").unwrap_or(n),
                &sub("alternatives"),
                format!("the reading {} is listed twice", r.raw),
            );
        }
        seen.push(r.value);
    }
    Some(ArmDef {
        name: name.into(),
        role,
        label,
        spec: ArmSpec::Reported {
            readings,
            unit,
            spread,
            source: source?,
            cell,
            citation: None,
        },
    })
}

fn source(c: &mut Check, n: &Node, field: &str) -> Option<Source> {
    let keys = ["version", "location", "row", "column", "read_from"];
    let m = c.map(n, field, &keys, &keys)?;
    let f = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let mut s = |k: &str| f(k).and_then(|v| c.nonempty(v, &format!("{field}.{k}")));
    let (version, location, row, column) = (s("version"), s("location"), s("row"), s("column"));
    let read_from = f("read_from").and_then(|v| {
        c.choice(
            v,
            &format!("{field}.read_from"),
            &["text", "table", "figure"],
        )
    });
    Some(Source {
        version: version?,
        location: location?,
        row: row?,
        column: column?,
        read_from: read_from?,
    })
}

fn cell_ref(c: &mut Check, n: &Node, field: &str) -> Option<CellRef> {
    let keys = ["paper", "table", "row", "column"];
    let m = c.map(n, field, &keys, &keys)?;
    let f = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let mut s = |k: &str| f(k).and_then(|v| c.nonempty(v, &format!("{field}.{k}")));
    Some(CellRef {
        paper: s("paper")?,
        table: s("table")?,
        row: s("row")?,
        column: s("column")?,
    })
}

/// Rules across the arms of one file: one base, at most one random and one majority (the
/// chain's anchors), gains that stay accuracies, and values that look mistyped.
fn cross_check_arms(c: &mut Check, arms: &[ArmDef], nodes: &[&Node]) {
    let count = |r: Role| arms.iter().filter(|a| a.role == r).count();
    match count(Role::Base) {
        1 => {}
        0 => {
            let n = nodes.first().copied();
            let e = match n {
                Some(n) => c.at(
                    n.line,
                    n.column,
                    "arms",
                    "no arm has `role: base`: the base model's accuracy anchors every gain",
                ),
                None => LoadError::new(c.path, "field `arms`: no arm has `role: base`"),
            };
            c.errors.push(e);
        }
        k => {
            let i = arms
                .iter()
                .enumerate()
                .filter(|(_, a)| a.role == Role::Base)
                .nth(1)
                .map(|(i, _)| i)
                .unwrap_or(0);
            c.error(
                nodes[i],
                &format!("arms.{}.role", arms[i].name),
                format!("exactly one arm has `role: base`; this file has {k}"),
            );
        }
    }
    for r in [Role::Random, Role::Majority] {
        if count(r) > 1 {
            let i = arms
                .iter()
                .enumerate()
                .filter(|(_, a)| a.role == r)
                .nth(1)
                .map(|(i, _)| i)
                .unwrap_or(0);
            c.error(
                nodes[i],
                &format!("arms.{}.role", arms[i].name),
                format!("{} arms have `role: {r}`; the decomposition has one {r} anchor (give the others `role: baseline`)", count(r)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_parse_with_their_k() {
        assert_eq!(Metric::parse("pass@1"), Ok(Metric::PassAt(1)));
        assert_eq!(Metric::parse("avg@16"), Ok(Metric::AvgAt(16)));
        assert_eq!(Metric::parse("maj@64"), Ok(Metric::MajAt(64)));
        assert!(Metric::parse("acc").is_err());
        assert!(Metric::parse("pass@0").is_err());
        assert!(
            Metric::parse("pas@1")
                .unwrap_err()
                .contains("did you mean `pass@1`")
        );
    }

    #[test]
    fn avg_at_k_counts_items_not_samples() {
        let m = Metric::AvgAt(16);
        assert_eq!(m.independent_units(Some(30)), Some(30));
        assert!(m.noise_note(Some(30)).contains("not over 480 samples"));
    }

    #[test]
    fn names_match_across_papers_without_punctuation() {
        assert_eq!(match_key("MATH-500"), match_key("MATH500"));
        assert_eq!(match_key("Qwen2.5-Math-7B"), "qwen2.5math7b");
        assert_ne!(match_key("Qwen2.5-1.5B"), match_key("Qwen2.5-15B"));
    }
}
