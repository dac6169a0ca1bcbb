//! Audits of published results (METHOD §8): descriptors → arms (reported, borrowed, imputed or
//! simulated) → the decomposition, gate and verdict of each reading.

pub mod descriptor;
pub mod engine;
pub mod fit;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::decompose::DEFAULT_SHARE_TOLERANCE;
use crate::rng::derive_seed;
use crate::sim::{Arm, SimConfig, config, run_many};
use crate::stats::Bootstrap;
use crate::yaml::LoadError;
use descriptor::{ArmSpec, Descriptor, Printed, Unit};
use engine::{Draw, Judgement, Thresholds, Verdict};
use fit::{Anchor, Fit};

/// Every descriptor file (`*.yaml`) in a directory, sorted.
pub fn descriptor_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| LoadError::new(dir, format!("cannot list the audits directory: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    v.sort();
    Ok(v)
}

/// Loads every file and checks what spans files: unique ids, and borrowed arms that exist in a
/// descriptor of the same model and benchmark that reports them. Returns the descriptors and
/// every error (a bad file is never skipped silently).
pub fn load_set(paths: &[PathBuf], cache: &Path) -> (Vec<Descriptor>, Vec<LoadError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match descriptor::load(p).and_then(|d| resolve_cells(d, cache)) {
            Ok(d) => ok.push(d),
            Err(e) => errors.push(e),
        }
    }
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in &ok {
        if let Some(first) = seen.insert(d.raw.id.clone(), d.path.clone()) {
            errors.push(LoadError::new(
                &d.path,
                format!(
                    "field `id`: `{}` is also the id of {}",
                    d.raw.id,
                    first.display()
                ),
            ));
        }
    }
    for d in &ok {
        for (key, spec) in &d.arms {
            if let ArmSpec::Borrowed { from } = spec {
                let text = std::fs::read_to_string(&d.path).unwrap_or_default();
                let field = format!("arms.{key}.borrow");
                let fail = |msg: String| descriptor::field_error(&d.path, &text, &field, msg);
                match ok.iter().find(|o| &o.raw.id == from) {
                    None => {
                        let hint =
                            crate::yaml::did_you_mean(from, ok.iter().map(|o| o.raw.id.as_str()))
                                .map(|h| format!(" (did you mean `{h}`?)"))
                                .unwrap_or_default();
                        errors.push(fail(format!("no descriptor has the id `{from}`{hint}")));
                    }
                    Some(l)
                        if l.raw.model != d.raw.model
                            || l.raw.benchmark.name != d.raw.benchmark.name =>
                    {
                        errors.push(fail(format!(
                            "`{from}` is {} on {}, not {} on {}",
                            l.raw.model, l.raw.benchmark.name, d.raw.model, d.raw.benchmark.name
                        )));
                    }
                    Some(l) if !matches!(l.arms.get(key), Some(ArmSpec::Reported { readings, .. }) if readings.len() == 1) =>
                    {
                        errors.push(fail(format!(
                            "`{from}` does not report `{key}` as a single number"
                        )));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    (ok, errors)
}

/// Reads arms that cite a table cell from the paper cache: fills `printed` from the cell, or
/// checks a typed number against it within printed precision.
fn resolve_cells(mut d: Descriptor, cache: &Path) -> Result<Descriptor, LoadError> {
    let text = std::fs::read_to_string(&d.path).unwrap_or_default();
    for (key, spec) in d.arms.iter_mut() {
        let ArmSpec::Reported {
            readings,
            spread,
            cell: Some(cref),
            citation,
            ..
        } = spec
        else {
            continue;
        };
        let field = format!("arms.{key}.cell");
        let fail = |msg: String| descriptor::field_error(&d.path, &text, &field, msg);
        let rc = crate::fetch::resolve::resolve(cache, cref).map_err(fail)?;
        let Some(value) = rc.cell.value else {
            return Err(fail(format!("{} is not a number", rc.citation())));
        };
        let number = rc
            .cell
            .text
            .split('±')
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('(')
            .trim();
        let cell_printed = descriptor::parse_printed(number)
            .map(|p| Printed {
                raw: rc.cell.text.clone(),
                ..p
            })
            .unwrap_or(Printed {
                raw: rc.cell.text.clone(),
                value,
                half_width: 0.0,
            });
        if readings.is_empty() {
            readings.push(cell_printed);
            if spread.is_none() {
                *spread = rc.cell.spread;
            }
        } else {
            for r in readings.iter() {
                if (r.value - value).abs() > r.half_width + cell_printed.half_width + 1e-9 {
                    return Err(fail(format!(
                        "the typed number {} disagrees with {} beyond its printed precision",
                        r.raw,
                        rc.citation()
                    )));
                }
            }
        }
        *citation = Some(rc.citation());
    }
    Ok(d)
}

/// Where an arm of an audit came from.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Provenance {
    Reported {
        label: String,
        printed: Vec<String>,
        unit: Unit,
        source: descriptor::RawSource,
        /// The cited cache cell, when the descriptor names one.
        cell: Option<String>,
    },
    Borrowed {
        from: String,
        label: String,
        printed: String,
        unit: Unit,
        source: descriptor::RawSource,
    },
    Imputed {
        lo: f64,
        hi: f64,
    },
    Simulated {
        config: SimConfig,
        replicates: u64,
    },
    Missing,
}

impl Provenance {
    /// The provenance of a reported arm, its printed readings kept as text.
    fn reported(
        label: &str,
        readings: &[Printed],
        unit: Unit,
        source: &descriptor::RawSource,
        citation: &Option<String>,
    ) -> Provenance {
        Provenance::Reported {
            label: label.to_string(),
            printed: readings.iter().map(|p| p.raw.clone()).collect(),
            unit,
            source: source.clone(),
            cell: citation.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ArmRow {
    pub arm: String,
    /// Its place in the chain (base, random, majority, target) or `context`.
    pub role: String,
    pub provenance: Provenance,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditResult {
    pub id: String,
    pub descriptor_version: u32,
    pub descriptor_hash: String,
    pub path: String,
    pub paper: descriptor::RawPaper,
    pub claim: String,
    pub target: String,
    pub model: String,
    pub benchmark: descriptor::RawBenchmark,
    pub training: BTreeMap<String, String>,
    pub notes: String,
    pub arms: Vec<ArmRow>,
    pub fit: Option<Fit>,
    pub thresholds: Thresholds,
    pub share_tolerance: f64,
    pub judgements: Vec<Judgement>,
    /// The verdict when every reading agrees.
    pub verdict: Option<Verdict>,
}

impl AuditResult {
    /// "NULL_DOMINATED", or each reading's verdict when they disagree.
    pub fn verdict_text(&self) -> String {
        match self.verdict {
            Some(v) => v.to_string(),
            None => self
                .judgements
                .iter()
                .map(|j| format!("{} ({})", j.verdict, j.reading))
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }

    /// Whether every reading's gain survives the null term.
    pub fn survives_null(&self) -> bool {
        self.judgements.iter().all(|j| j.survives_null)
    }

    /// Short provenance code per chain arm: R reported, B borrowed, I imputed, S simulated.
    pub fn provenance_codes(&self) -> String {
        self.arms
            .iter()
            .filter(|a| a.role != "context")
            .map(|a| {
                let c = match a.provenance {
                    Provenance::Reported { .. } => "R",
                    Provenance::Borrowed { .. } => "B",
                    Provenance::Imputed { .. } => "I",
                    Provenance::Simulated { .. } => "S",
                    Provenance::Missing => "-",
                };
                format!("{}:{c}", a.arm)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn to_draw(readings: &Printed, unit: Unit, spread: Option<f64>, n: Option<u64>) -> Draw {
    let s = unit.scale();
    let (value, half_width, spread) = (
        readings.value * s,
        readings.half_width * s,
        spread.unwrap_or(0.0) * s,
    );
    if unit.is_gain() {
        Draw::Gain {
            value,
            half_width,
            spread,
            n,
        }
    } else {
        Draw::Direct {
            value,
            half_width,
            spread,
            n,
        }
    }
}

/// A reported arm's gain over its own descriptor's base, as a draw rule on another base.
fn as_gain(
    arm: &Printed,
    unit: Unit,
    spread: Option<f64>,
    base: &Printed,
    base_unit: Unit,
    n: Option<u64>,
) -> Draw {
    if unit.is_gain() {
        return to_draw(arm, unit, spread, n);
    }
    let s = unit.scale();
    let b = base.value * base_unit.scale();
    // A difference of two printed numbers carries both roundings.
    Draw::Gain {
        value: arm.value * s - b,
        half_width: arm.half_width * s + base.half_width * base_unit.scale(),
        spread: spread.unwrap_or(0.0) * s,
        n,
    }
}

/// Audits one descriptor; `all` is the loaded set (for borrowing).
pub fn audit(d: &Descriptor, all: &[Descriptor], thr: &Thresholds) -> AuditResult {
    let raw = &d.raw;
    let seed = derive_seed(&[b"rlvr-audit/audit/v1", d.hash.as_bytes()]);
    let mut result = AuditResult {
        id: raw.id.clone(),
        descriptor_version: raw.descriptor_version,
        descriptor_hash: d.hash.clone(),
        path: d.path.display().to_string(),
        paper: raw.paper.clone(),
        claim: raw.claim.clone(),
        target: raw.target.clone(),
        model: raw.model.clone(),
        benchmark: raw.benchmark.clone(),
        training: raw.training.clone(),
        notes: raw.notes.clone(),
        arms: Vec::new(),
        fit: None,
        thresholds: *thr,
        share_tolerance: DEFAULT_SHARE_TOLERANCE,
        judgements: Vec::new(),
        verdict: None,
    };
    if let Some(sim) = &raw.simulation {
        simulated(&mut result, sim, thr, &seed);
    } else {
        reported(&mut result, d, all, thr, &seed);
    }
    let first = result.judgements.first().map(|j| j.verdict);
    result.verdict = first.filter(|v| result.judgements.iter().all(|j| j.verdict == *v));
    result
}

fn simulated(
    result: &mut AuditResult,
    sim: &descriptor::RawSimulation,
    thr: &Thresholds,
    seed: &crate::rng::Seed,
) {
    let cfg = SimConfig {
        prior: sim.prior,
        seed: sim.seed,
        ..config::preset(&sim.preset).expect("validated preset")
    };
    let arms = Arm::default_chain();
    let runs = run_many(&cfg, &arms, sim.replicates, false, true);
    let acc: Vec<Vec<f64>> = arms
        .iter()
        .map(|a| {
            runs.iter()
                .filter(|r| &r.arm == a)
                .map(|r| r.final_metrics.accuracy)
                .collect()
        })
        .collect();
    let boot = Bootstrap::new(sim.replicates as usize, thr.draws, seed);
    let chain: [Draw; 4] = std::array::from_fn(|k| Draw::Given {
        point: crate::stats::mean(&acc[k]),
        draws: boot
            .sets()
            .iter()
            .map(|s| s.iter().map(|&i| acc[k][i]).sum::<f64>() / s.len() as f64)
            .collect(),
    });
    for (k, name) in engine::CHAIN.iter().enumerate() {
        result.arms.push(ArmRow {
            arm: arms[k].to_string(),
            role: name.to_string(),
            provenance: Provenance::Simulated {
                config: cfg.clone(),
                replicates: sim.replicates,
            },
        });
    }
    let mut j = engine::judge(
        "simulated",
        &chain,
        false,
        true,
        thr,
        DEFAULT_SHARE_TOLERANCE,
        seed,
    );
    j.reading = format!(
        "{} replicates, percentile bootstrap over replicates",
        sim.replicates
    );
    result.judgements.push(j);
}

fn reported(
    result: &mut AuditResult,
    d: &Descriptor,
    all: &[Descriptor],
    thr: &Thresholds,
    seed: &crate::rng::Seed,
) {
    let n = d.raw.benchmark.n;
    let (base_printed, base_unit) = match &d.arms["base"] {
        ArmSpec::Reported { readings, unit, .. } => (readings[0].clone(), *unit),
        ArmSpec::Borrowed { .. } => unreachable!("validated: base is reported"),
    };
    let base_acc = base_printed.value * base_unit.scale();
    let target = d.raw.target.clone();
    // The chain's arm keys: base, random, majority, target.
    let keys = [
        "base".to_string(),
        "random".to_string(),
        "majority".to_string(),
        target.clone(),
    ];
    // Per chain arm: the candidate draw rules (several for ambiguous readings).
    let mut options: Vec<Vec<(String, Draw)>> = Vec::new();
    let mut missing = Vec::new();
    for (k, key) in keys.iter().enumerate() {
        let role = engine::CHAIN[k].to_string();
        match d.arms.get(key) {
            Some(ArmSpec::Reported {
                label,
                readings,
                unit,
                spread,
                source,
                citation,
                ..
            }) => {
                options.push(
                    readings
                        .iter()
                        .map(|p| (format!("{key} = {}", p.raw), to_draw(p, *unit, *spread, n)))
                        .collect(),
                );
                result.arms.push(ArmRow {
                    arm: key.clone(),
                    role,
                    provenance: Provenance::reported(label, readings, *unit, source, citation),
                });
            }
            Some(ArmSpec::Borrowed { from }) => {
                let lender = all
                    .iter()
                    .find(|o| &o.raw.id == from)
                    .expect("validated borrow");
                let (
                    ArmSpec::Reported {
                        label,
                        readings,
                        unit,
                        spread,
                        source,
                        ..
                    },
                    ArmSpec::Reported {
                        readings: lb,
                        unit: lu,
                        ..
                    },
                ) = (&lender.arms[key], &lender.arms["base"])
                else {
                    unreachable!("validated: the lender reports the arm and its base")
                };
                options.push(vec![(
                    String::new(),
                    as_gain(&readings[0], *unit, *spread, &lb[0], *lu, n),
                )]);
                result.arms.push(ArmRow {
                    arm: key.clone(),
                    role,
                    provenance: Provenance::Borrowed {
                        from: from.clone(),
                        label: label.clone(),
                        printed: readings[0].raw.clone(),
                        unit: *unit,
                        source: source.clone(),
                    },
                });
            }
            None => {
                missing.push(key.clone());
                options.push(Vec::new());
            }
        }
    }
    for (key, spec) in &d.arms {
        if keys.contains(key) {
            continue;
        }
        if let ArmSpec::Reported {
            label,
            readings,
            unit,
            source,
            citation,
            ..
        } = spec
        {
            result.arms.push(ArmRow {
                arm: key.clone(),
                role: "context".into(),
                provenance: Provenance::reported(label, readings, *unit, source, citation),
            });
        }
    }
    let imputed = !missing.is_empty();
    if imputed {
        // Anchors: reported single-reading gains of the arms the simulator can express.
        let mut anchors = Vec::new();
        for key in ["true", "random", "majority"] {
            if let Some(ArmSpec::Reported { readings, unit, .. }) = d.arms.get(key)
                && readings.len() == 1
            {
                let p = &readings[0];
                let s = unit.scale();
                let gain = if unit.is_gain() {
                    p.value * s
                } else {
                    p.value * s - base_acc
                };
                let acc = base_acc + gain;
                let se = (binomial_var(acc, n) + binomial_var(base_acc, n)).sqrt();
                let tol = 2.0 * se
                    + p.half_width * s
                    + base_printed.half_width * base_unit.scale()
                    + fit::MODEL_TOLERANCE;
                anchors.push(Anchor {
                    arm: key.into(),
                    gain,
                    tolerance: tol,
                });
            }
        }
        let f = fit::fit(base_acc, &anchors, &missing, 0);
        for (k, key) in keys.iter().enumerate() {
            if !missing.contains(key) {
                continue;
            }
            let (prov, opts) = match f.imputed.get(key) {
                Some(&[lo, hi]) => (
                    Provenance::Imputed { lo, hi },
                    vec![(String::new(), Draw::GainRange { lo, hi })],
                ),
                None => (Provenance::Missing, Vec::new()),
            };
            options[k] = opts;
            result.arms.insert(
                k.min(result.arms.len()),
                ArmRow {
                    arm: key.clone(),
                    role: engine::CHAIN[k].into(),
                    provenance: prov,
                },
            );
        }
        result.fit = Some(f);
    }
    result.arms.sort_by_key(|a| match a.role.as_str() {
        "base" => 0,
        "random" => 1,
        "majority" => 2,
        "target" => 3,
        _ => 4,
    });
    if options.iter().any(|o| o.is_empty()) {
        // A misfit left an anchor arm without any value: nothing can be decomposed.
        return;
    }
    let null_reported = !missing.contains(&"random".to_string()) && !missing.contains(&target);
    // Every combination of readings (ambiguous arms multiply), in order.
    let mut combos: Vec<Vec<usize>> = vec![vec![]];
    for o in &options {
        combos = combos
            .into_iter()
            .flat_map(|c| (0..o.len()).map(move |i| [c.clone(), vec![i]].concat()))
            .collect();
    }
    for c in combos {
        let labels: Vec<String> = c
            .iter()
            .enumerate()
            .filter(|(k, _)| options[*k].len() > 1)
            .map(|(k, &i)| options[k][i].0.clone())
            .collect();
        let reading = if labels.is_empty() {
            "as printed".to_string()
        } else {
            labels.join(", ")
        };
        let chain: [Draw; 4] = std::array::from_fn(|k| options[k][c[k]].1.clone());
        let s = derive_seed(&[seed, reading.as_bytes()]);
        result.judgements.push(engine::judge(
            &reading,
            &chain,
            imputed,
            null_reported,
            thr,
            DEFAULT_SHARE_TOLERANCE,
            &s,
        ));
    }
}

fn binomial_var(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64
    })
}
