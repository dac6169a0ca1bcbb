//! Audit descriptors: one YAML file per published result. Raw structs mirror the file
//! (`deny_unknown_fields`); validation turns them into a [`Descriptor`] whose numbers are parsed,
//! ranged and located, or into errors naming file, line, column and field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::yaml::{self, LoadError};

/// The arms a descriptor may report, in chain order.
pub const ARM_KEYS: &[&str] = &[
    "base",
    "format",
    "incorrect",
    "random",
    "majority",
    "true",
    "designed",
];

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawDescriptor {
    pub schema: u32,
    pub id: String,
    /// The descriptor's own version, printed in every report.
    pub descriptor_version: u32,
    pub paper: RawPaper,
    /// The claim in one sentence.
    pub claim: String,
    /// The claim's arm (one of the arm keys).
    pub target: String,
    pub model: String,
    pub benchmark: RawBenchmark,
    #[serde(default)]
    pub training: BTreeMap<String, String>,
    #[serde(default)]
    pub arms: BTreeMap<String, RawArm>,
    /// A simulated audit: every arm comes from the simulator.
    #[serde(default)]
    pub simulation: Option<RawSimulation>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawPaper {
    pub title: String,
    pub authors: String,
    #[serde(default)]
    pub arxiv: String,
    pub version: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawBenchmark {
    pub name: String,
    /// Number of items; absent when the paper does not state it (no binomial term then).
    #[serde(default)]
    pub n: Option<u64>,
    pub metric: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub version: String,
    /// Table or figure, e.g. "Fig. 1" or "Table 2".
    pub location: String,
    pub row: String,
    pub column: String,
    /// text, table or figure.
    pub read_from: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawArm {
    /// The paper's name for this arm.
    #[serde(default)]
    pub label: String,
    /// The number exactly as printed ("49.4", "+21.4", "−8.5"); its decimals give the precision.
    #[serde(default)]
    pub printed: Option<String>,
    /// Readings that cannot be told apart: each is audited, none is picked.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// percent, fraction, gain_points (percentage points over base) or gain_fraction.
    #[serde(default)]
    pub unit: Option<String>,
    /// Seed-to-seed standard deviation, in the arm's unit, where the paper gives one.
    #[serde(default)]
    pub spread: Option<f64>,
    #[serde(default)]
    pub source: Option<RawSource>,
    /// Take this arm from another descriptor (same model and benchmark), by id.
    #[serde(default)]
    pub borrow: Option<String>,
    /// Where the number lives in the paper's cached tables (`rlvr-audit fetch`): it is read from
    /// there when `printed` is absent, and checked against `printed` when both are given.
    #[serde(default)]
    pub cell: Option<crate::fetch::resolve::CellRef>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    #[serde(default = "default_preset")]
    pub preset: String,
    pub prior: f64,
    pub replicates: u64,
    #[serde(default)]
    pub seed: u64,
}

fn default_preset() -> String {
    "paper".into()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Fraction,
    GainPoints,
    GainFraction,
}

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

/// A printed number: its value and the half-width its printed precision implies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Printed {
    pub raw: String,
    pub value: f64,
    pub half_width: f64,
}

/// Parses a printed number: ASCII or U+2212 minus, optional plus, optional `%`.
pub fn parse_printed(raw: &str) -> Option<Printed> {
    let s = raw.trim().replace(['\u{2212}', '\u{2013}'], "-");
    let s = s.trim_end_matches('%').trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let value: f64 = s.parse().ok().filter(|v: &f64| v.is_finite())?;
    let decimals = s.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    Some(Printed {
        raw: raw.to_string(),
        value,
        half_width: 0.5 * 10f64.powi(-decimals),
    })
}

/// Where an arm's number comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ArmSpec {
    Reported {
        label: String,
        /// One reading, or several that cannot be told apart (filled from `cell` when empty).
        readings: Vec<Printed>,
        unit: Unit,
        spread: Option<f64>,
        source: RawSource,
        /// The cited table cell, and how reports cite it once resolved.
        cell: Option<Box<crate::fetch::resolve::CellRef>>,
        citation: Option<String>,
    },
    Borrowed {
        from: String,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Descriptor {
    pub path: PathBuf,
    pub raw: RawDescriptor,
    /// SHA-256 of the file's bytes.
    pub hash: String,
    pub arms: BTreeMap<String, ArmSpec>,
}

/// Line and column of the key at `path` (block-style YAML), for errors about values.
pub fn locate(text: &str, path: &[&str]) -> Option<(u64, u64)> {
    let mut start = 0usize;
    let mut min_indent: isize = -1;
    let mut found = None;
    let lines: Vec<&str> = text.lines().collect();
    for key in path {
        found = None;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            let indent = (line.len() - trimmed.len()) as isize;
            if !trimmed.is_empty() && !trimmed.starts_with('#') && indent <= min_indent && i > start
            {
                break;
            }
            let bare = trimmed.trim_start_matches("- ");
            if bare.starts_with(&format!("{key}:")) && indent > min_indent {
                found = Some((i, indent + (trimmed.len() - bare.len()) as isize));
                break;
            }
        }
        let (i, indent) = found?;
        start = i;
        min_indent = indent;
    }
    found.map(|(i, indent)| (i as u64 + 1, indent as u64 + 1))
}

/// A validation error located at `field` (dotted path) when the key can be found.
pub fn field_error(path: &Path, text: &str, field: &str, msg: impl std::fmt::Display) -> LoadError {
    let keys: Vec<&str> = field.split('.').collect();
    let e = LoadError::new(path, format!("field `{field}`: {msg}"));
    match locate(text, &keys) {
        Some((l, c)) => e.at(l, c),
        None => e,
    }
}

/// Reads, parses and validates one descriptor on its own (borrowing is checked across files by
/// [`super::validate_set`]).
pub fn load(path: &Path) -> Result<Descriptor, LoadError> {
    let raw: RawDescriptor = yaml::load(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::new(path, format!("cannot read: {e}")))?;
    let hash = crate::factorial::lock::sha256_hex(&text);
    let err = |field: &str, msg: String| field_error(path, &text, field, msg);
    if raw.schema != 1 {
        return Err(err(
            "schema",
            format!(
                "version {} is not supported (this tool reads 1)",
                raw.schema
            ),
        ));
    }
    let id_ok = !raw.id.is_empty()
        && raw
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(err(
            "id",
            format!("`{}` must be lower-case letters, digits and dashes", raw.id),
        ));
    }
    if path
        .file_stem()
        .is_some_and(|s| s.to_string_lossy() != raw.id)
    {
        return Err(err(
            "id",
            format!("`{}` must match the file name `{}`", raw.id, path.display()),
        ));
    }
    if !ARM_KEYS.contains(&raw.target.as_str()) || raw.target == "base" {
        return Err(err(
            "target",
            format!(
                "`{}` is not a trainable arm ({})",
                raw.target,
                ARM_KEYS[1..].join(", ")
            ),
        ));
    }
    if raw.benchmark.n == Some(0) {
        return Err(err("benchmark.n", "must be at least 1".into()));
    }
    let mut arms = BTreeMap::new();
    match &raw.simulation {
        Some(sim) => {
            if !raw.arms.is_empty() {
                return Err(err(
                    "arms",
                    "a simulated audit takes its arms from the simulator, not from `arms`".into(),
                ));
            }
            if !(sim.prior > 0.0 && sim.prior < 1.0) {
                return Err(err(
                    "simulation.prior",
                    format!("{} is outside (0, 1)", sim.prior),
                ));
            }
            if sim.replicates < 2 {
                return Err(err(
                    "simulation.replicates",
                    "at least 2 are needed for intervals".into(),
                ));
            }
            crate::sim::config::preset(&sim.preset)
                .map_err(|e| err("simulation.preset", e.to_string()))?;
            if raw.target != "true" {
                return Err(err("target", "a simulated audit targets `true`".into()));
            }
        }
        None => {
            for (key, a) in &raw.arms {
                let f = |sub: &str| format!("arms.{key}.{sub}");
                if !ARM_KEYS.contains(&key.as_str()) {
                    let hint = yaml::did_you_mean(key, ARM_KEYS.iter().copied())
                        .map(|h| format!(" (did you mean `{h}`?)"))
                        .unwrap_or_default();
                    return Err(err(
                        &format!("arms.{key}"),
                        format!("`{key}` is not an arm ({}){hint}", ARM_KEYS.join(", ")),
                    ));
                }
                if let Some(from) = &a.borrow {
                    if a.printed.is_some() || !a.alternatives.is_empty() {
                        return Err(err(
                            &f("borrow"),
                            "a borrowed arm carries no number of its own".into(),
                        ));
                    }
                    if key == "base" {
                        return Err(err(&f("borrow"), "the base arm must be reported".into()));
                    }
                    arms.insert(key.clone(), ArmSpec::Borrowed { from: from.clone() });
                    continue;
                }
                let raws: Vec<String> = match (&a.printed, a.alternatives.is_empty()) {
                    (Some(p), true) => vec![p.clone()],
                    (None, true) if a.cell.is_some() => Vec::new(),
                    (None, false) if a.alternatives.len() >= 2 => a.alternatives.clone(),
                    (None, false) => {
                        return Err(err(&f("alternatives"), "list at least two readings".into()));
                    }
                    (Some(_), false) => {
                        return Err(err(
                            &f("printed"),
                            "give `printed` or `alternatives`, not both".into(),
                        ));
                    }
                    (None, true) => {
                        return Err(err(
                            &format!("arms.{key}"),
                            "needs `printed`, `alternatives` or `borrow`".into(),
                        ));
                    }
                };
                let readings = raws
                    .iter()
                    .map(|r| {
                        parse_printed(r)
                            .ok_or_else(|| err(&f("printed"), format!("`{r}` is not a number")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let unit_raw = a
                    .unit
                    .as_deref()
                    .ok_or_else(|| err(&format!("arms.{key}"), "missing `unit`".into()))?;
                let unit = Unit::parse(unit_raw).ok_or_else(|| {
                    err(
                        &f("unit"),
                        format!(
                            "`{unit_raw}` is not percent, fraction, gain_points or gain_fraction"
                        ),
                    )
                })?;
                if key == "base" && unit.is_gain() {
                    return Err(err(
                        &f("unit"),
                        "the base arm is an accuracy, not a gain".into(),
                    ));
                }
                for r in &readings {
                    let v = r.value * unit.scale();
                    let ok = if unit.is_gain() {
                        (-1.0..=1.0).contains(&v)
                    } else {
                        (0.0..=1.0).contains(&v)
                    };
                    if !ok {
                        return Err(err(
                            &f("printed"),
                            format!("{} {unit_raw} is out of range", r.raw),
                        ));
                    }
                }
                if let Some(s) = a.spread.filter(|s| !(s.is_finite() && *s >= 0.0)) {
                    return Err(err(&f("spread"), format!("{s} must be ≥ 0")));
                }
                let source = a
                    .source
                    .clone()
                    .ok_or_else(|| err(&format!("arms.{key}"), "missing `source`".into()))?;
                arms.insert(
                    key.clone(),
                    ArmSpec::Reported {
                        label: a.label.clone(),
                        readings,
                        unit,
                        spread: a.spread,
                        source,
                        cell: a.cell.clone().map(Box::new),
                        citation: None,
                    },
                );
            }
            match arms.get("base") {
                Some(ArmSpec::Reported { .. }) => {}
                _ => return Err(err("arms", "the base arm must be reported".into())),
            }
            if !arms.contains_key(&raw.target) {
                return Err(err(
                    "target",
                    format!("the target arm `{}` is not among the arms", raw.target),
                ));
            }
        }
    }
    Ok(Descriptor {
        path: path.to_path_buf(),
        raw,
        hash,
        arms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_numbers_keep_their_precision() {
        let p = parse_printed("49.4").unwrap();
        assert_eq!((p.value, p.half_width), (49.4, 0.05));
        let p = parse_printed("\u{2212}8.50").unwrap();
        assert_eq!(p.value, -8.5);
        assert!((p.half_width - 0.005).abs() < 1e-15);
        assert_eq!(parse_printed("+21%").unwrap().half_width, 0.5);
        assert!(parse_printed("n/a").is_none());
    }

    #[test]
    fn keys_are_located_by_path() {
        let text = "a: 1\narms:\n  base:\n    printed: \"1\"\n  random:\n    printed: \"2\"\n";
        assert_eq!(locate(text, &["arms", "random", "printed"]), Some((6, 5)));
        assert_eq!(locate(text, &["arms", "base"]), Some((3, 3)));
        assert_eq!(locate(text, &["arms", "true"]), None);
    }
}
