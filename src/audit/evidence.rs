//! The evidence on the null that lies outside one descriptor: every correctness-blind arm a paper
//! prints (random reward, format-only, random + format, incorrect labels), from the descriptors
//! and from `data/measured-nulls.yaml` (numbers printed without a full audit, such as a gain with
//! no base), and the aliases (`data/aliases.yaml`) that tell when two papers name one model or one
//! benchmark. Survival reads these the same way for every claim (METHOD §7): no opt-in.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::descriptor::{ArmSpec, Descriptor, Role, Source, Unit, match_key};
use super::draw::{Draw, printed_draw};
use crate::printed::parse_printed;
use crate::yaml::{self, LoadError};

/// What a correctness-blind arm rewards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    /// A random reward: the null arm.
    Random,
    /// A reward for the answer's format only.
    Format,
    /// A random reward given only to formatted answers.
    FormatRandom,
    /// A reward for agreeing with a fixed wrong label.
    Incorrect,
}

impl Control {
    pub fn of_role(role: Role) -> Option<Control> {
        match role {
            Role::Random => Some(Control::Random),
            Role::Format => Some(Control::Format),
            Role::FormatRandom => Some(Control::FormatRandom),
            Role::Incorrect => Some(Control::Incorrect),
            _ => None,
        }
    }
}

impl std::fmt::Display for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Random => "random reward",
            Control::Format => "format-only reward",
            Control::FormatRandom => "random + format reward",
            Control::Incorrect => "incorrect-label reward",
        })
    }
}

/// One printed correctness-blind arm: its paper, model, benchmark, how to draw it, and what a
/// reader needs beside it.
#[derive(Clone, Debug, Serialize)]
pub struct MeasuredNull {
    /// The descriptor's id, or the entry's id in the measured-nulls file.
    pub id: String,
    pub paper: String,
    pub model: String,
    pub benchmark: String,
    pub n: Option<u64>,
    pub metric: String,
    pub control: Control,
    pub label: String,
    /// Which reading, when the number is ambiguous ("as printed" otherwise).
    pub reading: String,
    /// The number as printed, with its unit.
    pub printed: String,
    pub unit: Unit,
    /// The paper's base for it, as printed (`None`: only a gain is printed).
    pub base_printed: Option<String>,
    #[serde(skip)]
    pub base: Option<Draw>,
    #[serde(skip)]
    pub arm: Draw,
    /// Training budget and base evaluation, in words.
    pub details: String,
    pub source: Source,
    pub caveat: String,
    /// From the measured-nulls file rather than a descriptor.
    pub listed: bool,
}

impl MeasuredNull {
    /// The arm as a draw carried to a base: the lender's gain over its own base on `scale`, or,
    /// with no printed base, the gain itself (additive only).
    pub fn carried(&self, scale: super::descriptor::Transfer) -> Option<Draw> {
        match &self.base {
            Some(b) => Some(Draw::Transfer {
                lender_base: Box::new(b.clone()),
                lender_arm: Box::new(self.arm.clone()),
                scale,
            }),
            None => (scale == super::descriptor::Transfer::Additive).then(|| self.arm.clone()),
        }
    }
}

/// Every correctness-blind arm the descriptors report (not borrowed), one per reading.
pub fn from_descriptors<'a>(ds: impl IntoIterator<Item = &'a Descriptor>) -> Vec<MeasuredNull> {
    let mut out = Vec::new();
    for d in ds {
        let Some((bp, bu)) = d.base_reading() else {
            continue;
        };
        let n = d.benchmark.metric.independent_units(d.benchmark.n);
        let base = printed_draw(bp, bu, d.base_spread(), n, None);
        for a in &d.arms {
            let Some(control) = Control::of_role(a.role) else {
                continue;
            };
            let ArmSpec::Reported {
                readings,
                unit,
                spread,
                source,
                ..
            } = &a.spec
            else {
                continue;
            };
            let training = ["steps", "learning_rate", "algorithm"]
                .iter()
                .filter_map(|k| d.training.get(*k).map(|v| format!("{k}: {v}")))
                .collect::<Vec<_>>()
                .join("; ");
            for p in readings {
                out.push(MeasuredNull {
                    id: d.id.clone(),
                    paper: d.paper.title.clone(),
                    model: d.model.clone(),
                    benchmark: d.benchmark.name.clone(),
                    n: d.benchmark.n,
                    metric: d.benchmark.metric.to_string(),
                    control,
                    label: a.label.clone(),
                    reading: if readings.len() > 1 {
                        format!("{} = {}", a.name, p.raw)
                    } else {
                        "as printed".into()
                    },
                    printed: p.raw.clone(),
                    unit: *unit,
                    base_printed: Some(bp.raw.clone()),
                    base: Some(base.clone()),
                    arm: printed_draw(p, *unit, *spread, n, Some((bp, bu))),
                    details: format!(
                        "base {} ({}); {}",
                        bp.raw,
                        d.benchmark.metric,
                        if training.is_empty() {
                            "training not stated".into()
                        } else {
                            training.clone()
                        }
                    ),
                    source: source.clone(),
                    caveat: String::new(),
                    listed: false,
                });
            }
        }
    }
    out
}

/// The measured nulls and aliases an audit reads besides the descriptors.
#[derive(Clone, Debug, Default)]
pub struct NullSet {
    /// Entries of the measured-nulls file.
    pub listed: Vec<MeasuredNull>,
    pub aliases: Aliases,
}

/// Groups of names for one model or one benchmark; a name outside every group is itself.
#[derive(Clone, Debug, Default)]
pub struct Aliases {
    models: Vec<Vec<String>>,
    benchmarks: Vec<Vec<String>>,
}

impl Aliases {
    fn key(groups: &[Vec<String>], name: &str) -> String {
        let k = match_key(name);
        groups
            .iter()
            .find(|g| g.iter().any(|a| match_key(a) == k))
            .map_or(k, |g| match_key(&g[0]))
    }

    /// The key two model names share when they name one model.
    pub fn model(&self, name: &str) -> String {
        Aliases::key(&self.models, name)
    }

    /// The name a model's group is listed under (its first name), or the name itself.
    pub fn model_name(&self, name: &str) -> String {
        let k = match_key(name);
        self.models
            .iter()
            .find(|g| g.iter().any(|a| match_key(a) == k))
            .map_or_else(|| name.to_string(), |g| g[0].clone())
    }

    /// The key two benchmark names share when they name one benchmark.
    pub fn benchmark(&self, name: &str) -> String {
        Aliases::key(&self.benchmarks, name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasFile {
    models: Vec<Vec<String>>,
    benchmarks: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NullFile {
    schema: u64,
    nulls: Vec<RawNull>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaper {
    title: String,
    authors: String,
    #[serde(default)]
    arxiv: String,
    version: String,
    #[serde(default)]
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBenchmark {
    name: String,
    #[serde(default)]
    n: Option<u64>,
    metric: String,
    #[serde(default)]
    metric_note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBase {
    printed: String,
    unit: Unit,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    version: String,
    location: String,
    row: String,
    column: String,
    read_from: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNull {
    id: String,
    paper: RawPaper,
    model: String,
    benchmark: RawBenchmark,
    control: Control,
    label: String,
    #[serde(default)]
    base: Option<RawBase>,
    printed: String,
    unit: Unit,
    #[serde(default)]
    spread: Option<f64>,
    #[serde(default)]
    training: std::collections::BTreeMap<String, String>,
    source: RawSource,
    #[serde(default)]
    caveat: String,
}

/// The project's files, built into the binary for use where the default paths are absent.
const BUILTIN_NULLS: &str = include_str!("../../data/measured-nulls.yaml");
const BUILTIN_ALIASES: &str = include_str!("../../data/aliases.yaml");

/// The largest benchmark an entry may state (as a descriptor's `n`).
const MAX_N: u64 = 10_000_000;

impl NullSet {
    /// The project's own files as built into the binary.
    pub fn builtin() -> &'static NullSet {
        static SET: OnceLock<NullSet> = OnceLock::new();
        SET.get_or_init(|| {
            NullSet::parse(
                Path::new("data/measured-nulls.yaml"),
                BUILTIN_NULLS,
                Path::new("data/aliases.yaml"),
                BUILTIN_ALIASES,
            )
            .expect("the built-in measured nulls and aliases are valid (tested)")
        })
    }

    /// Reads the measured-nulls and aliases files; a path that does not exist falls back to the
    /// built-in copy of the project's file only when it is the default path (`default` true).
    pub fn load(nulls: &Path, aliases: &Path, default: bool) -> Result<NullSet, LoadError> {
        let read = |p: &Path, builtin: &'static str| -> Result<String, LoadError> {
            if default && !p.exists() {
                Ok(builtin.to_string())
            } else {
                yaml::read_text(p)
            }
        };
        NullSet::parse(
            nulls,
            &read(nulls, BUILTIN_NULLS)?,
            aliases,
            &read(aliases, BUILTIN_ALIASES)?,
        )
    }

    /// Parses and checks the measured-nulls file against the aliases.
    ///
    /// Stays whole: one short check per key of an entry, in the file format's order, all
    /// reading one key map and writing into one error list, so every error of the file is
    /// reported at once.
    fn parse(
        nulls_path: &Path,
        nulls: &str,
        aliases_path: &Path,
        aliases: &str,
    ) -> Result<NullSet, LoadError> {
        let a: AliasFile = yaml::parse(aliases_path, aliases)?;
        for (field, groups) in [("models", &a.models), ("benchmarks", &a.benchmarks)] {
            // A name in two groups would join them silently (or not, by order): refused.
            let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
            for (i, g) in groups.iter().enumerate() {
                if g.is_empty() || g.iter().any(|n| match_key(n).is_empty()) {
                    return Err(LoadError::new(
                        aliases_path,
                        format!(
                            "field `{field}[{i}]`: an alias group is empty or holds a name with no letter or digit"
                        ),
                    ));
                }
                for n in g {
                    match seen.insert(match_key(n), i) {
                        Some(j) if j != i => {
                            return Err(LoadError::new(
                                aliases_path,
                                format!(
                                    "field `{field}[{i}]`: `{n}` is also in group {j}; a name belongs to one group (merge the two groups if they name one {})",
                                    if field == "models" {
                                        "model"
                                    } else {
                                        "benchmark"
                                    }
                                ),
                            ));
                        }
                        _ => {}
                    }
                }
            }
        }
        let f: NullFile = yaml::parse(nulls_path, nulls)?;
        if f.schema != 1 {
            return Err(LoadError::new(
                nulls_path,
                format!(
                    "field `schema`: {} is not a known schema (expected 1)",
                    f.schema
                ),
            ));
        }
        let mut listed = Vec::new();
        let mut ids = std::collections::BTreeSet::new();
        for (i, r) in f.nulls.into_iter().enumerate() {
            let at = |field: &str, msg: String| {
                LoadError::new(nulls_path, format!("field `nulls[{i}].{field}`: {msg}"))
            };
            if r.id.is_empty()
                || !r
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(at(
                    "id",
                    format!("`{}` is not lowercase letters, digits and dashes", r.id),
                ));
            }
            if !ids.insert(r.id.clone()) {
                return Err(at("id", format!("`{}` is listed twice", r.id)));
            }
            if match_key(&r.model).is_empty() {
                return Err(at(
                    "model",
                    "must name the model (a letter or digit)".into(),
                ));
            }
            if match_key(&r.benchmark.name).is_empty() {
                return Err(at(
                    "benchmark.name",
                    "must name the benchmark (a letter or digit)".into(),
                ));
            }
            if !["text", "table", "figure"].contains(&r.source.read_from.as_str()) {
                return Err(at(
                    "source.read_from",
                    format!("`{}` is not one of text, table, figure", r.source.read_from),
                ));
            }
            if r.benchmark.n.is_some_and(|n| n == 0 || n > MAX_N) {
                return Err(at("benchmark.n", format!("must be from 1 to {MAX_N}")));
            }
            // `avg@k`: an average over samples whose number the paper does not state (the noise is
            // over the n items whatever k is).
            let metric = if r.benchmark.metric == "avg@k" {
                super::descriptor::Metric::AvgAt(1)
            } else {
                super::descriptor::parse_metric(&r.benchmark.metric).map_err(|m| {
                    at(
                        "benchmark.metric",
                        format!("{m}, or avg@k when k is not stated"),
                    )
                })?
            };
            if metric == super::descriptor::Metric::Exact {
                return Err(at(
                    "benchmark.metric",
                    "`exact` is for simulated audits only: a measured arm has sampling noise"
                        .into(),
                ));
            }
            let metric_text = if r.benchmark.metric == "avg@k" {
                "avg@k (k not stated)".to_string()
            } else {
                metric.to_string()
            };
            let num = |field: &str, raw: &str| {
                parse_printed(raw)
                    .ok_or_else(|| at(field, format!("`{raw}` is not a printed number")))
            };
            let p = num("printed", &r.printed)?;
            let base = match &r.base {
                Some(b) => {
                    if b.unit.is_gain() {
                        return Err(at(
                            "base.unit",
                            "a base is an accuracy: percent or fraction".into(),
                        ));
                    }
                    Some((num("base.printed", &b.printed)?, b.unit))
                }
                None => None,
            };
            if !r.unit.is_gain() && base.is_none() {
                return Err(at(
                    "base",
                    "an accuracy needs the paper's base beside it (or give the gain: unit gain_points)".into(),
                ));
            }
            if let Some(s) = r.spread
                && !(s.is_finite() && (0.0..=0.5).contains(&(s * r.unit.scale())))
            {
                return Err(at(
                    "spread",
                    format!(
                        "{s} is not a seed standard deviation of an accuracy (0 to {} in this unit)",
                        0.5 / r.unit.scale()
                    ),
                ));
            }
            let in_range = |v: f64| (0.0..=1.0).contains(&v);
            let bacc = base.as_ref().map(|(b, u)| b.value * u.scale());
            let acc = if r.unit.is_gain() {
                bacc.map(|b| b + p.value * r.unit.scale())
            } else {
                Some(p.value * r.unit.scale())
            };
            if bacc.is_some_and(|v| !in_range(v)) || acc.is_some_and(|v| !in_range(v)) {
                return Err(at(
                    "printed",
                    "an accuracy outside 0–100 % (base + gain included)".into(),
                ));
            }
            if r.unit.is_gain() && !(-1.0..=1.0).contains(&(p.value * r.unit.scale())) {
                return Err(at("printed", "a gain beyond ±100 points".into()));
            }
            let n = metric.independent_units(r.benchmark.n);
            let base_draw = base
                .as_ref()
                .map(|(b, u)| printed_draw(b, *u, None, n, None));
            let arm = printed_draw(&p, r.unit, r.spread, n, base.as_ref().map(|(b, u)| (b, *u)));
            let details = std::iter::once(match &base {
                Some((b, _)) => format!("base {} ({})", b.raw, r.benchmark.metric),
                None => format!("base not printed ({})", r.benchmark.metric),
            })
            .chain(r.training.iter().map(|(k, v)| format!("{k}: {v}")))
            .chain((!r.benchmark.metric_note.is_empty()).then(|| r.benchmark.metric_note.clone()))
            .collect::<Vec<_>>()
            .join("; ");
            let _ = (&r.paper.authors, &r.paper.arxiv, &r.paper.url);
            listed.push(MeasuredNull {
                id: r.id,
                paper: r.paper.title,
                model: r.model,
                benchmark: r.benchmark.name,
                n: r.benchmark.n,
                metric: metric_text,
                control: r.control,
                label: r.label,
                reading: "as printed".into(),
                printed: p.raw.clone(),
                unit: r.unit,
                base_printed: base.as_ref().map(|(b, _)| b.raw.clone()),
                base: base_draw,
                arm,
                details,
                source: Source {
                    version: if r.source.version.contains(&r.paper.version) {
                        r.source.version
                    } else if r.paper.version.contains(&r.source.version) {
                        r.paper.version
                    } else {
                        format!("{} ({})", r.source.version, r.paper.version)
                    },
                    location: r.source.location,
                    row: r.source.row,
                    column: r.source.column,
                    read_from: r.source.read_from,
                },
                caveat: r.caveat,
                listed: true,
            });
        }
        Ok(NullSet {
            listed,
            aliases: Aliases {
                models: a.models,
                benchmarks: a.benchmarks,
            },
        })
    }

    /// Refuses an entry whose id is a loaded descriptor's (`nulls` the file it was read from): the
    /// two would be one source of evidence under one name, and the claim's own would be dropped.
    pub fn check_ids(&self, nulls: &Path, ds: &[Descriptor]) -> Result<(), LoadError> {
        for (i, m) in self.listed.iter().enumerate() {
            if let Some(d) = ds.iter().find(|d| d.id == m.id) {
                return Err(LoadError::new(
                    nulls,
                    format!(
                        "field `nulls[{i}].id`: `{}` is also the id of the descriptor {}; ids are unique across descriptors and measured nulls",
                        m.id,
                        d.path.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every measured arm: the descriptors' and the file's.
    pub fn all(&self, ds: &[Descriptor]) -> Vec<MeasuredNull> {
        let mut v = from_descriptors(ds);
        v.extend(self.listed.iter().cloned());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_files_parse() {
        let s = NullSet::builtin();
        assert!(!s.listed.is_empty());
        assert_eq!(
            s.aliases.model("LLaMA3.1-8B(-Instruct)"),
            s.aliases.model("Llama-3.1-8B-Instruct")
        );
        assert_eq!(
            s.aliases.benchmark("MATH500"),
            s.aliases.benchmark("MATH-500")
        );
        assert_ne!(
            s.aliases.model("Qwen2.5-1.5B"),
            s.aliases.model("Qwen2.5-15B")
        );
    }
}
