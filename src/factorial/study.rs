//! The pre-registration file: raw YAML structs, then a validated study whose cells are ready to
//! run. Unknown keys fail with file:line:column; semantic errors name the field.
//!
//! The file is long because the study schema, its located parse errors and its semantic checks
//! are one format's reader.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decompose::Chain;
use crate::sim::{Arm, SimConfig, config};
use crate::yaml::{self, LoadError};

/// The study file exactly as written.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    /// File format version (1).
    pub schema: u32,
    pub title: String,
    /// The question the study asks, in words.
    #[serde(default)]
    pub question: String,
    /// Simulator preset the cells start from.
    #[serde(default = "default_preset")]
    pub preset: String,
    /// Simulator fields fixed for every cell (field → value).
    #[serde(default)]
    pub base: BTreeMap<String, serde_json::Value>,
    /// The trained arm when no factor is `arm` (default `true`).
    #[serde(default = "default_arm")]
    pub arm: String,
    pub factors: Vec<FactorFile>,
    /// `accuracy`, `greedy`, `pass_k`, `entropy` (final metric of the cell's arm), a
    /// decomposition term (`total`, `null`, `elicit`, `rd`, `naive`) or share (`rd_of_naive`,
    /// `elicit_of_naive`, `elicit_of_total`, `rd_of_total`) with the cell's arm as target.
    pub outcome: String,
    pub replicates: u64,
    pub seed: u64,
    pub hypotheses: Vec<HypothesisFile>,
    /// `holm` (default), `bonferroni` or `none`.
    #[serde(default = "default_correction")]
    pub correction: String,
    pub decision_rule: String,
    /// Bootstrap resamples of the analysis (the interaction ratio's interval). Part of the
    /// locked form, since it can change a decision; absent from it while at the default, so
    /// studies locked before it existed keep their hash.
    #[serde(
        default = "default_resamples",
        skip_serializing_if = "is_default_resamples"
    )]
    pub resamples: usize,
}

fn default_resamples() -> usize {
    crate::stats::DEFAULT_RESAMPLES
}

fn is_default_resamples(v: &usize) -> bool {
    *v == default_resamples()
}

/// The most replicates a study may ask for.
pub const MAX_REPLICATES: u64 = 100_000;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FactorFile {
    /// One capital letter: A, B, C, …
    pub name: String,
    pub label: String,
    /// A simulator field (`prior`, `filter`, `inner_epochs`, `clip`, …) or `arm`.
    pub parameter: String,
    /// Coded −1.
    pub low: serde_json::Value,
    /// Coded +1.
    pub high: serde_json::Value,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HypothesisFile {
    pub id: String,
    /// An effect (`A`, `AxC`, `AxBxC`) or `interaction_ratio`.
    pub effect: String,
    /// `<0`, `>0`, `!=0`, or a comparison with another threshold such as `>0.20`.
    pub direction: String,
    pub alpha: f64,
}

fn default_preset() -> String {
    "paper".into()
}
fn default_arm() -> String {
    "true".into()
}
fn default_correction() -> String {
    "holm".into()
}

/// The outcome measured in each cell and replicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accuracy,
    Greedy,
    PassK,
    Entropy,
    Total,
    Null,
    Elicit,
    Rd,
    Naive,
    RdOfNaive,
    ElicitOfNaive,
    ElicitOfTotal,
    RdOfTotal,
}

impl Outcome {
    fn parse(s: &str) -> Option<Outcome> {
        use Outcome::*;
        Some(match s {
            "accuracy" => Accuracy,
            "greedy" => Greedy,
            "pass_k" => PassK,
            "entropy" => Entropy,
            "total" => Total,
            "null" => Null,
            "elicit" => Elicit,
            "rd" => Rd,
            "naive" => Naive,
            "rd_of_naive" => RdOfNaive,
            "elicit_of_naive" => ElicitOfNaive,
            "elicit_of_total" => ElicitOfTotal,
            "rd_of_total" => RdOfTotal,
            _ => return None,
        })
    }

    /// What a cell's outcome measures, in words, for a cell whose trained arm is `arm` (the chain's
    /// target for a decomposition outcome).
    pub fn measured(self, arm: &str) -> String {
        use Outcome::*;
        match self {
            Accuracy => format!("final accuracy of `{arm}`"),
            Greedy => format!("final greedy accuracy of `{arm}`"),
            PassK => format!("final pass@k of `{arm}`"),
            Entropy => format!("final entropy of `{arm}`"),
            Total => format!("Δ_total = `{arm}` − base"),
            Null => "Δ_null = random − base".into(),
            Elicit => "Δ_elicit = majority − random".into(),
            Rd => format!("Δ_rd = `{arm}` − majority"),
            Naive => format!("Δ_naive = `{arm}` − random"),
            RdOfNaive => format!("Δ_rd / Δ_naive (target `{arm}`)"),
            ElicitOfNaive => format!("Δ_elicit / Δ_naive (target `{arm}`)"),
            ElicitOfTotal => format!("(majority − base) / Δ_total (target `{arm}`)"),
            RdOfTotal => format!("Δ_rd / Δ_total (target `{arm}`)"),
        }
    }

    /// Whether the outcome needs the decomposition chain run in each cell.
    pub fn needs_chain(self) -> bool {
        !matches!(
            self,
            Outcome::Accuracy | Outcome::Greedy | Outcome::PassK | Outcome::Entropy
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    Holm,
    Bonferroni,
    None,
}

/// A hypothesis' comparison: the effect (or ratio) against `value`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Less(f64),
    Greater(f64),
    NotEqual(f64),
}

impl Comparison {
    pub fn parse(s: &str) -> Option<Comparison> {
        let s = s.trim();
        let num = |r: &str| r.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        if let Some(r) = s.strip_prefix("!=") {
            return num(r).map(Comparison::NotEqual);
        }
        if let Some(r) = s.strip_prefix('<') {
            return num(r).map(Comparison::Less);
        }
        if let Some(r) = s.strip_prefix('>') {
            return num(r).map(Comparison::Greater);
        }
        None
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Comparison::Less(v) => write!(f, "< {v}"),
            Comparison::Greater(v) => write!(f, "> {v}"),
            Comparison::NotEqual(v) => write!(f, "≠ {v}"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Hypothesis {
    pub id: String,
    /// Factor indices of the effect; empty for the interaction ratio.
    pub effect: Vec<usize>,
    pub effect_name: String,
    pub comparison: Comparison,
    pub alpha: f64,
}

/// One cell of the 2^k design.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// ±1 per factor.
    pub coding: Vec<i8>,
    pub config: SimConfig,
    pub arm: Arm,
}

/// A validated study.
#[derive(Clone, Debug, Serialize)]
pub struct Study {
    pub file: StudyFile,
    pub outcome: Outcome,
    pub correction: Correction,
    pub hypotheses: Vec<Hypothesis>,
    /// Cells in standard (Yates) order: the first factor alternates fastest.
    pub cells: Vec<Cell>,
}

/// The name of the effect of the factors `idx` (`A`, `AxC`).
pub fn effect_name(names: &[String], idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| names[i].as_str())
        .collect::<Vec<_>>()
        .join("x")
}

fn err(path: &Path, field: &str, msg: impl std::fmt::Display) -> LoadError {
    LoadError::new(path, format!("field `{field}`: {msg}"))
}

/// Sets one simulator field from a YAML value, through the config's own serde types.
fn set_field(cfg: &SimConfig, field: &str, value: &serde_json::Value) -> Result<SimConfig, String> {
    let mut v = serde_json::to_value(cfg).map_err(|e| e.to_string())?;
    let obj = v.as_object_mut().expect("a config is an object");
    if !obj.contains_key(field) && !config::DEFAULTED_FIELDS.contains(&field) {
        let known: Vec<&str> = obj
            .keys()
            .map(String::as_str)
            .chain(config::DEFAULTED_FIELDS.iter().copied())
            .collect();
        let hint = yaml::did_you_mean(field, known.iter().copied())
            .map(|h| format!(" (did you mean `{h}`?)"))
            .unwrap_or_default();
        return Err(format!("`{field}` is not a simulator parameter{hint}"));
    }
    obj.insert(field.to_string(), value.clone());
    let c: SimConfig = serde_json::from_value(v)
        .map_err(|e| format!("value {value} does not fit `{field}`: {e}"))?;
    c.validate().map_err(|e| e.to_string())?;
    Ok(c)
}

fn arm_of(value: &serde_json::Value) -> Result<Arm, String> {
    match value {
        serde_json::Value::String(s) => s.parse(),
        serde_json::Value::Bool(true) => Ok(Arm::True),
        other => Err(format!("{other} is not an arm")),
    }
}

impl Study {
    /// Loads and validates a study file.
    pub fn load(path: &Path) -> Result<Study, LoadError> {
        let file: StudyFile = yaml::load(path)?;
        Study::from_file(path, file)
    }

    pub fn from_file(path: &Path, file: StudyFile) -> Result<Study, LoadError> {
        if file.schema != 1 {
            return Err(err(
                path,
                "schema",
                format!(
                    "version {} is not supported (this tool reads 1)",
                    file.schema
                ),
            ));
        }
        let k = file.factors.len();
        if !(2..=6).contains(&k) {
            return Err(err(
                path,
                "factors",
                format!("a study has 2 to 6 factors, this one has {k}"),
            ));
        }
        if file.replicates < 2 {
            return Err(err(
                path,
                "replicates",
                "at least 2 replicates are needed for intervals",
            ));
        }
        if file.replicates > MAX_REPLICATES {
            return Err(err(path, "replicates", format!("at most {MAX_REPLICATES}")));
        }
        if !(crate::stats::MIN_RESAMPLES..=crate::stats::MAX_RESAMPLES).contains(&file.resamples) {
            return Err(err(
                path,
                "resamples",
                format!(
                    "{} is outside {}..={}",
                    file.resamples,
                    crate::stats::MIN_RESAMPLES,
                    crate::stats::MAX_RESAMPLES
                ),
            ));
        }
        let outcome = Outcome::parse(&file.outcome).ok_or_else(|| {
            err(path, "outcome", format!("`{}` is not an outcome (accuracy, greedy, pass_k, entropy, total, null, elicit, rd, naive, rd_of_naive, elicit_of_naive, elicit_of_total, rd_of_total)", file.outcome))
        })?;
        let correction = match file.correction.as_str() {
            "holm" => Correction::Holm,
            "bonferroni" => Correction::Bonferroni,
            "none" => Correction::None,
            other => {
                return Err(err(
                    path,
                    "correction",
                    format!("`{other}` is not holm, bonferroni or none"),
                ));
            }
        };
        let mut base = config::preset(&file.preset).map_err(|e| err(path, "preset", e))?;
        base.seed = file.seed;
        for (field, value) in &file.base {
            base = set_field(&base, field, value)
                .map_err(|e| err(path, &format!("base.{field}"), e))?;
        }
        let default_arm: Arm = file.arm.parse().map_err(|e| err(path, "arm", e))?;
        let names: Vec<String> = file.factors.iter().map(|f| f.name.clone()).collect();
        for (i, f) in file.factors.iter().enumerate() {
            let ok = f.name.len() == 1 && f.name.chars().all(|c| c.is_ascii_uppercase());
            if !ok {
                return Err(err(
                    path,
                    &format!("factors[{i}].name"),
                    format!("`{}` must be one capital letter", f.name),
                ));
            }
            if names[..i].contains(&f.name) {
                return Err(err(
                    path,
                    &format!("factors[{i}].name"),
                    format!("`{}` names two factors", f.name),
                ));
            }
            if f.low == f.high {
                return Err(err(
                    path,
                    &format!("factors[{i}]"),
                    "low and high are the same level",
                ));
            }
        }
        let mut cells = Vec::with_capacity(1 << k);
        for c in 0..(1usize << k) {
            let coding: Vec<i8> = (0..k)
                .map(|i| if c >> i & 1 == 1 { 1 } else { -1 })
                .collect();
            let mut cfg = base.clone();
            let mut arm = default_arm.clone();
            for (i, f) in file.factors.iter().enumerate() {
                let (which, value) = if coding[i] > 0 {
                    ("high", &f.high)
                } else {
                    ("low", &f.low)
                };
                let field = format!("factors[{i}].{which}");
                if f.parameter == "arm" {
                    arm = arm_of(value).map_err(|e| err(path, &field, e))?;
                } else {
                    cfg = set_field(&cfg, &f.parameter, value)
                        .map_err(|e| err(path, &format!("factors[{i}]"), e))?;
                }
            }
            if outcome.needs_chain() {
                Chain::new(chain_arms(&arm)).map_err(|e| {
                    err(
                        path,
                        "outcome",
                        format!("a decomposition with target `{arm}` cannot be formed: {e}"),
                    )
                })?;
            }
            cells.push(Cell {
                coding,
                config: cfg,
                arm,
            });
        }
        let mut hypotheses = Vec::new();
        for (i, h) in file.hypotheses.iter().enumerate() {
            let field = |f: &str| format!("hypotheses[{i}].{f}");
            let comparison = Comparison::parse(&h.direction).ok_or_else(|| {
                err(
                    path,
                    &field("direction"),
                    format!("`{}` is not <x, >x or !=x", h.direction),
                )
            })?;
            if !(h.alpha > 0.0 && h.alpha < 1.0) {
                return Err(err(
                    path,
                    &field("alpha"),
                    format!("{} is not in (0, 1)", h.alpha),
                ));
            }
            let effect: Vec<usize> = if h.effect == "interaction_ratio" {
                Vec::new()
            } else {
                let parts: Vec<&str> = h.effect.split('x').collect();
                let mut idx = Vec::new();
                for p in &parts {
                    let i = names.iter().position(|n| n == p).ok_or_else(|| {
                        err(
                            path,
                            &field("effect"),
                            format!(
                                "`{}` names no factor (factors: {})",
                                h.effect,
                                names.join(", ")
                            ),
                        )
                    })?;
                    if idx.contains(&i) {
                        return Err(err(
                            path,
                            &field("effect"),
                            format!("`{}` repeats a factor", h.effect),
                        ));
                    }
                    idx.push(i);
                }
                idx.sort_unstable();
                idx
            };
            if file.hypotheses[..i].iter().any(|o| o.id == h.id) {
                return Err(err(path, &field("id"), format!("`{}` is used twice", h.id)));
            }
            hypotheses.push(Hypothesis {
                id: h.id.clone(),
                effect_name: if effect.is_empty() {
                    "interaction_ratio".into()
                } else {
                    effect_name(&names, &effect)
                },
                effect,
                comparison,
                alpha: h.alpha,
            });
        }
        if hypotheses.is_empty() {
            return Err(err(
                path,
                "hypotheses",
                "a pre-registration states at least one hypothesis",
            ));
        }
        Ok(Study {
            file,
            outcome,
            correction,
            hypotheses,
            cells,
        })
    }

    /// The canonical form that the lock hashes: the parsed file as JSON (sorted maps, no
    /// comments or layout), so only a change of meaning changes the hash.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&self.file).expect("a study serialises")
    }

    pub fn factor_names(&self) -> Vec<String> {
        self.file.factors.iter().map(|f| f.name.clone()).collect()
    }
}

/// The decomposition chain with `target` as its last arm.
pub fn chain_arms(target: &Arm) -> Vec<Arm> {
    let mut c = Arm::default_chain();
    c.pop();
    c.push(target.clone());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a field left out of the canonical form at its default (`cov_control`, the
    /// style model's fields) was "not a simulator parameter" to a study.
    #[test]
    fn defaulted_fields_can_be_set_by_name() {
        let cfg = config::ppo_clip();
        let c = set_field(&cfg, "style_share", &serde_json::json!(0.6)).unwrap();
        assert_eq!(c.style_share, Some(0.6));
        let c = set_field(&c, "minibatches", &serde_json::json!(4)).unwrap();
        assert_eq!(c.minibatches, 4);
        let c = set_field(&cfg, "cov_control", &serde_json::json!("clip_cov")).unwrap();
        assert!(!c.cov_control.is_none());
        // Validation still applies, and unknown names still fail with a hint.
        assert!(set_field(&cfg, "minibatches", &serde_json::json!(4)).is_err());
        let e = set_field(&cfg, "style_shar", &serde_json::json!(0.6)).unwrap_err();
        assert!(e.contains("style_share"), "{e}");
    }
}
