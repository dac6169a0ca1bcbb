//! Audit descriptors: one YAML file per published result (schema 2). The file is parsed into a
//! located tree first; validation then walks it and reports **every** problem of the file at once
//! — each with file:line:column and the full field path, a "did you mean" for misspelt keys and
//! enum values — and turns a clean file into a [`Descriptor`] whose numbers are parsed and ranged.
//! Suspicious but possible values become warnings, kept on the descriptor and printed by
//! `validate` and in the report.
//!
//! This module holds the descriptor's types and [`load`]; the walk is in submodules: `check`
//! (the located, error-collecting getters), `validate` (the top level) and `arms` (each arm and
//! the checks across arms).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::fetch::resolve::CellRef;
use crate::yaml::tree::{Key, Kind, Node};
use crate::yaml::{self, LoadError};

mod arms;
mod check;
mod validate;

use check::Check;
use validate::validate;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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

/// Parses a metric as a descriptor writes it (`pass@1`, `avg@16`, `maj@k`, `pass@k`, `exact`).
pub fn parse_metric(s: &str) -> Result<Metric, String> {
    Metric::parse(s)
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

    /// The base arm's printed seed spread, in its unit.
    pub fn base_spread(&self) -> Option<f64> {
        match &self.role(Role::Base)?.spec {
            ArmSpec::Reported { spread, .. } => *spread,
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
