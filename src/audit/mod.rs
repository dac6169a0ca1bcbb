//! Audits of published results (METHOD §7–§8): descriptors → arms (reported, borrowed, imputed or
//! simulated) → for each target and each reading of ambiguous numbers, the terms and shares the
//! known arms identify, and the two answers (survival, attribution), with the break-even null and
//! the random-reward gains measured elsewhere in the corpus as its evidence.
//!
//! The file is long because the audit of one descriptor — its arms' draws, borrowing, the model
//! check, imputation and the judgement of each target and reading — is one recipe; loading is in
//! `load`, the records in `result`.

pub mod calibration;
pub mod consistency;
pub mod descriptor;
pub mod engine;
pub mod evidence;
pub mod fit;
mod load;
mod result;
pub mod survival;

pub use load::{descriptor_files, load_set};
pub use result::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::decompose::Anchor;
use crate::rng::derive_seed;
use crate::sim::{Arm, SimConfig, config, run_many};
use crate::stats::{Bootstrap, Estimate};
use crate::yaml::LoadError;
use descriptor::{ArmDef, ArmSpec, Descriptor, Printed, Role, Source, Transfer, Unit, match_key};
use engine::{
    Attribution, Basis, Draw, Judgement, Survival, SurvivalBasis, SurvivalVerdict, Thresholds,
};
use fit::{Anchor as FitAnchor, Fit, FitCache};

/// The lender's arm a borrow names: by name, or the lender's arm of the same role.
pub fn lender_arm<'a>(
    lender: &'a Descriptor,
    arm: &Option<String>,
    role: Role,
) -> Option<&'a ArmDef> {
    match arm {
        Some(name) => lender.arm(name),
        None => lender.role(role),
    }
}

/// A borrowed arm's lender and the lender's arm (`None` for a reported arm or an unknown lender).
fn lent<'a>(a: &ArmDef, all: &'a [Descriptor]) -> Option<(&'a Descriptor, &'a ArmDef)> {
    let ArmSpec::Borrowed { from, arm, .. } = &a.spec else {
        return None;
    };
    let l = all.iter().find(|o| &o.id == from)?;
    Some((l, lender_arm(l, arm, a.role)?))
}

/// A printed accuracy's 95 % range: printed precision plus 1.96 standard errors (binomial over
/// the items and the seed spread).
fn base_range(p: &Printed, unit: Unit, spread: Option<f64>, n: Option<u64>) -> (f64, f64) {
    let v = p.value * unit.scale();
    let se = engine::binomial_var(v, n).sqrt();
    let s = spread.unwrap_or(0.0) * unit.scale();
    let half = p.half_width * unit.scale() + 1.96 * (se * se + s * s).sqrt();
    (v - half, v + half)
}

fn base_spread(d: &Descriptor) -> Option<f64> {
    match &d.role(Role::Base)?.spec {
        ArmSpec::Reported { spread, .. } => *spread,
        ArmSpec::Borrowed { .. } => None,
    }
}

/// The base arm's draw rule.
fn base_draw(d: &Descriptor) -> Option<Draw> {
    let (p, unit) = d.base_reading()?;
    Some(evidence::printed_draw(
        p,
        unit,
        base_spread(d),
        d.benchmark.metric.independent_units(d.benchmark.n),
        None,
    ))
}

/// The candidate draw rules of one arm (several for ambiguous readings), each with a label.
fn options_of(
    a: &ArmDef,
    d: &Descriptor,
    all: &[Descriptor],
    scale: Option<Transfer>,
) -> Vec<(String, Draw, Basis)> {
    let n = d.benchmark.metric.independent_units(d.benchmark.n);
    match &a.spec {
        ArmSpec::Reported {
            readings,
            unit,
            spread,
            ..
        } => readings
            .iter()
            .map(|p| {
                (
                    format!("{} = {}", a.name, p.raw),
                    evidence::printed_draw(p, *unit, *spread, n, d.base_reading()),
                    Basis::Reported,
                )
            })
            .collect(),
        ArmSpec::Borrowed { transfer, .. } => {
            let Some((l, la)) = lent(a, all) else {
                return Vec::new();
            };
            let Some(lb) = base_draw(l) else {
                return Vec::new();
            };
            let ln = l.benchmark.metric.independent_units(l.benchmark.n);
            let ArmSpec::Reported {
                readings,
                unit,
                spread,
                ..
            } = &la.spec
            else {
                return Vec::new();
            };
            vec![(
                String::new(),
                Draw::Transfer {
                    lender_base: Box::new(lb),
                    lender_arm: Box::new(evidence::printed_draw(
                        &readings[0],
                        *unit,
                        *spread,
                        ln,
                        l.base_reading(),
                    )),
                    scale: scale.unwrap_or(*transfer),
                },
                Basis::Borrowed,
            )]
        }
    }
}

fn provenance_of(a: &ArmDef, all: &[Descriptor]) -> Provenance {
    match &a.spec {
        ArmSpec::Reported {
            readings,
            unit,
            source,
            citation,
            ..
        } => Provenance::Reported {
            printed: readings.iter().map(|p| p.raw.clone()).collect(),
            unit: *unit,
            source: source.clone(),
            cell: citation.clone(),
        },
        ArmSpec::Borrowed {
            from,
            arm,
            transfer,
        } => {
            let la = all
                .iter()
                .find(|o| &o.id == from)
                .and_then(|l| lender_arm(l, arm, a.role));
            match la.map(|la| (la, &la.spec)) {
                Some((
                    la,
                    ArmSpec::Reported {
                        readings,
                        unit,
                        source,
                        ..
                    },
                )) => Provenance::Borrowed {
                    from: from.clone(),
                    lender_arm: la.name.clone(),
                    printed: readings[0].raw.clone(),
                    unit: *unit,
                    source: source.clone(),
                    transfer: *transfer,
                },
                _ => Provenance::Missing,
            }
        }
    }
}

/// Audits one descriptor; `all` is the loaded set (for borrowing and the measured nulls). The
/// model check's runs are computed on the spot; [`audit_with`] takes them from a cache.
pub fn audit(d: &Descriptor, all: &[Descriptor], thr: &Thresholds) -> AuditResult {
    audit_with(d, all, thr, &FitCache::default())
}

/// The simulator runs the model check of `d` needs (none for a simulated audit).
pub fn fit_requests(d: &Descriptor) -> Vec<fit::Request> {
    if d.simulation.is_some() {
        return Vec::new();
    }
    match d.base_reading() {
        Some((p, unit)) => fit::requests(p.value * unit.scale()),
        None => Vec::new(),
    }
}

/// [`audit`] with the model check's runs taken from (and added to) `cache`, and the project's
/// built-in measured nulls and aliases.
pub fn audit_with(
    d: &Descriptor,
    all: &[Descriptor],
    thr: &Thresholds,
    cache: &FitCache,
) -> AuditResult {
    audit_in(d, all, evidence::NullSet::builtin(), thr, cache)
}

/// [`audit_with`] reading the measured nulls and aliases of `set`.
pub fn audit_in(
    d: &Descriptor,
    all: &[Descriptor],
    set: &evidence::NullSet,
    thr: &Thresholds,
    cache: &FitCache,
) -> AuditResult {
    // A simulated audit's bootstrap is seeded by what it simulates (a reported one by its draw
    // rules, see `chain_seeds`).
    let seed = derive_seed(&[
        b"rlvr-audit/audit/simulated/v1",
        serde_json::to_string(&d.simulation)
            .unwrap_or_default()
            .as_bytes(),
    ]);
    let consistency = consistency::check(d);
    let mut result = AuditResult {
        id: d.id.clone(),
        descriptor_version: d.descriptor_version,
        descriptor_hash: d.hash.clone(),
        path: d.path.display().to_string(),
        paper: d.paper.clone(),
        claim: d.claim.clone(),
        model: d.model.clone(),
        benchmark: d.benchmark.clone(),
        noise: match consistency.noise_note() {
            Some(c) => format!("{}. {c}", d.benchmark.metric.noise_note(d.benchmark.n)),
            None => d.benchmark.metric.noise_note(d.benchmark.n),
        },
        training: d.training.clone(),
        notes: d.notes.clone(),
        warnings: d.warnings.iter().map(|w| w.to_string()).collect(),
        consistency,
        arms: Vec::new(),
        fit: None,
        thresholds: *thr,
        targets: Vec::new(),
        null_evidence: Vec::new(),
    };
    // Every measured null of this model (same benchmark first), the paper's own excluded.
    let own = set.aliases.model(&d.model);
    let bench = set.aliases.benchmark(&d.benchmark.name);
    let mut nulls: Vec<evidence::MeasuredNull> = set
        .all(all)
        .into_iter()
        .filter(|m| m.id != d.id && set.aliases.model(&m.model) == own)
        .collect();
    nulls.sort_by(|a, b| {
        (set.aliases.benchmark(&a.benchmark) != bench)
            .cmp(&(set.aliases.benchmark(&b.benchmark) != bench))
            .then(a.id.cmp(&b.id))
            .then(a.reading.cmp(&b.reading))
    });
    let same: Vec<&evidence::MeasuredNull> = nulls
        .iter()
        .filter(|m| set.aliases.benchmark(&m.benchmark) == bench)
        .collect();
    match &d.simulation {
        Some(sim) => simulated(&mut result, sim, thr, &seed),
        None => reported(&mut result, d, all, &same, thr, cache),
    }
    result.null_evidence = nulls
        .iter()
        .filter(|m| m.control == evidence::Control::Random)
        .map(|m| NullEvidence::of(m, thr))
        .collect();
    result
}

fn simulated(
    result: &mut AuditResult,
    sim: &descriptor::Simulation,
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
    let chain: [Option<(Draw, Basis)>; 4] = std::array::from_fn(|k| {
        Some((
            Draw::Given {
                point: crate::stats::mean(&acc[k]),
                draws: boot
                    .sets()
                    .iter()
                    .map(|s| s.iter().map(|&i| acc[k][i]).sum::<f64>() / s.len() as f64)
                    .collect(),
            },
            Basis::Simulated,
        ))
    });
    for (k, a) in Anchor::ALL.iter().enumerate() {
        result.arms.push(ArmRow {
            arm: arms[k].to_string(),
            role: a.name().to_string(),
            label: String::new(),
            provenance: Provenance::Simulated {
                config: cfg.clone(),
                replicates: sim.replicates,
            },
        });
    }
    let reading = format!(
        "{} replicates, percentile bootstrap over replicates",
        sim.replicates
    );
    result.targets.push(TargetResult {
        arm: "true".into(),
        role: Role::True,
        label: "ground-truth reward (simulated)".into(),
        judgements: vec![engine::judge(&reading, &chain, thr, seed, seed)],
        transfer_checks: Vec::new(),
    });
}

fn reported(
    result: &mut AuditResult,
    d: &Descriptor,
    all: &[Descriptor],
    same: &[&evidence::MeasuredNull],
    thr: &Thresholds,
    cache: &FitCache,
) {
    let (base_printed, base_unit) = d.base_reading().expect("validated: one reported base");
    let base_acc = base_printed.value * base_unit.scale();
    for a in &d.arms {
        result.arms.push(ArmRow {
            arm: a.name.clone(),
            role: a.role.to_string(),
            label: a.label.clone(),
            provenance: provenance_of(a, all),
        });
    }
    // The shared anchors: base, random, majority (each may be missing).
    let random = d.role(Role::Random);
    let majority = d.role(Role::Majority);
    let mut missing: Vec<String> = Vec::new();
    if random.is_none() {
        missing.push("random".into());
    }
    if majority.is_none() {
        missing.push("majority".into());
    }
    let base_opts = options_of(d.role(Role::Base).expect("validated"), d, all, None);
    let base0 = base_opts[0].1.clone();
    // The measured nulls of this model and benchmark (and a lender the descriptor borrows its
    // random arm from, a deliberate choice even on another model or benchmark), every one read.
    let mut cross: Vec<evidence::MeasuredNull> = same
        .iter()
        .filter(|m| m.control == evidence::Control::Random)
        .map(|m| (*m).clone())
        .collect();
    if let Some((l, _)) = random.and_then(|a| lent(a, all))
        && !cross.iter().any(|m| m.id == l.id)
    {
        cross.extend(
            evidence::from_descriptors([l])
                .into_iter()
                .filter(|m| m.control == evidence::Control::Random),
        );
    }
    let imputed: BTreeMap<String, [f64; 2]>;
    {
        // A claim whose paper ran no random arm is anchored on the random-reward gains measured
        // for its model and benchmark in other papers, so its imputed arm matches them.
        let mut anchors = reported_anchors(d, None);
        if random.is_none() {
            anchors.extend(null_anchors(&base0, &cross, thr));
        }
        let f = fit::fit(base_acc, &anchors, &missing, cache);
        imputed = f.imputed.clone();
        result.fit = Some(f);
    }
    // An imputed random arm that a measured null of this model and benchmark contradicts (their
    // intervals do not meet) is a model estimate the data refute: flagged, and not used.
    let contradicted: Vec<String> = match imputed.get("random") {
        Some(&[lo, hi]) => cross
            .iter()
            .filter(|m| {
                m.carried(Transfer::Additive).is_some_and(|null| {
                    let g = survival::carried_gain(&base0, &null, thr);
                    g.hi.is_some_and(|h| h < lo) || g.lo.is_some_and(|l| l > hi)
                })
            })
            .map(|m| m.id.clone())
            .collect(),
        None => Vec::new(),
    };
    for key in &missing {
        result.arms.push(ArmRow {
            arm: key.clone(),
            role: key.clone(),
            label: "not run by the paper".into(),
            provenance: match imputed.get(key) {
                Some(&[lo, hi]) => Provenance::Imputed {
                    lo,
                    hi,
                    contradicted_by: if key == "random" {
                        contradicted.clone()
                    } else {
                        Vec::new()
                    },
                },
                None => Provenance::Missing,
            },
        });
    }
    let shared = |role: Role, key: &str, scale: Option<Transfer>| -> Vec<(String, Draw, Basis)> {
        match d.role(role) {
            Some(a) => options_of(a, d, all, scale),
            None => match imputed.get(key) {
                Some(_) if key == "random" && !contradicted.is_empty() => Vec::new(),
                Some(&[lo, hi]) => {
                    vec![(String::new(), Draw::GainRange { lo, hi }, Basis::Imputed)]
                }
                None => Vec::new(),
            },
        }
    };
    // The paper's own correctness-blind controls (reported, not borrowed), one per reading.
    let controls: Vec<(&ArmDef, String, Draw)> = d
        .arms
        .iter()
        .filter(|a| {
            matches!(a.role, Role::Format | Role::FormatRandom)
                && matches!(a.spec, ArmSpec::Reported { .. })
        })
        .flat_map(|a| {
            let opts = options_of(a, d, all, None);
            let single = opts.len() == 1;
            opts.into_iter().map(move |(label, draw, _)| {
                (a, if single { "as printed".into() } else { label }, draw)
            })
        })
        .collect();
    for t in &d.targets {
        let ta = d.arm(t).expect("validated: targets are arms");
        let judge_all = |scale: Option<Transfer>, thr: &Thresholds| -> Vec<(Judgement, bool)> {
            let same_as = if Some(ta.name.as_str()) == majority.map(|m| m.name.as_str()) {
                Some(Anchor::Majority as usize)
            } else if Some(ta.name.as_str()) == random.map(|m| m.name.as_str()) {
                Some(Anchor::Random as usize)
            } else {
                None
            };
            let options: [Vec<(String, Draw, Basis)>; 4] = [
                base_opts.clone(),
                shared(Role::Random, "random", scale),
                shared(Role::Majority, "majority", scale),
                match same_as {
                    Some(j) => vec![(String::new(), Draw::SameAs(j), Basis::Reported)],
                    None => options_of(ta, d, all, scale),
                },
            ];
            let borrowed = options.iter().flatten().any(|o| o.2 == Basis::Borrowed);
            // Every combination of readings (ambiguous arms multiply), in order; a missing
            // shared arm contributes one "unknown" choice.
            let sizes: Vec<usize> = options.iter().map(|o| o.len().max(1)).collect();
            let mut combos: Vec<Vec<usize>> = vec![vec![]];
            for &s in &sizes {
                combos = combos
                    .into_iter()
                    .flat_map(|c| (0..s).map(move |i| [c.clone(), vec![i]].concat()))
                    .collect();
            }
            let mut out = Vec::new();
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
                let chain: [Option<(Draw, Basis)>; 4] = std::array::from_fn(|k| {
                    options[k].get(c[k]).map(|(_, dr, b)| (dr.clone(), *b))
                });
                if chain[0].is_none() || chain[3].is_none() {
                    continue;
                }
                let (shared, target) = chain_seeds(&chain);
                let mut j = engine::judge(&reading, &chain, thr, &shared, &target);
                // The target's own draw rule (the anchor it is, for a target that is one).
                let target_draw = match &chain[3] {
                    Some((Draw::SameAs(k), _)) => chain[*k].as_ref().map(|(d, _)| d.clone()),
                    other => other.as_ref().map(|(d, _)| d.clone()),
                }
                .expect("the target is known");
                let base = &chain[0].as_ref().expect("the base is known").0;
                j.survival = survival::ladder(
                    d,
                    j.survival,
                    j.terms.null.as_ref().map(|v| v.estimate),
                    random,
                    base,
                    &target_draw,
                    &controls,
                    &cross,
                    thr,
                );
                out.push((j, borrowed));
            }
            out
        };
        let mut judged = judge_all(None, thr);
        if thr.sensitivity_sd > 0.0 {
            // The same answers with a training-seed spread on every trained arm that prints none.
            let sens = Thresholds {
                seed_sd: thr.sensitivity_sd,
                ..*thr
            };
            for ((j, _), (s, _)) in judged.iter_mut().zip(judge_all(None, &sens)) {
                j.survival.under_seed_sd = Some(engine::SeedSensitivity {
                    seed_sd: thr.sensitivity_sd,
                    verdict: s.survival.verdict,
                    basis: s.survival.basis,
                });
            }
        }
        let borrowed = judged.iter().any(|(_, b)| *b);
        let mut checks = Vec::new();
        if borrowed {
            // The same audit with every borrowed arm carried on the other scale.
            let declared = d
                .arms
                .iter()
                .find_map(|a| match &a.spec {
                    ArmSpec::Borrowed { transfer, .. } => Some(*transfer),
                    _ => None,
                })
                .unwrap_or(Transfer::Additive);
            for (j, _) in judge_all(Some(declared.other()), thr) {
                checks.push(TransferCheck {
                    reading: j.reading.clone(),
                    scale: declared.other(),
                    naive: j.survival.naive,
                    survival: j.survival.verdict,
                    three_way: j.three_way.verdict,
                    two_way: j.two_way.verdict,
                });
            }
        }
        result.targets.push(TargetResult {
            arm: ta.name.clone(),
            role: ta.role,
            label: ta.label.clone(),
            judgements: judged.into_iter().map(|(j, _)| j).collect(),
            transfer_checks: checks,
        });
    }
}

/// The model check's anchors of a reported descriptor: the reported single-printed gains of the
/// arms the simulator can express (true, random, majority), each with its tolerance (two
/// evaluations' sampling error, printed precision and [`fit::MODEL_TOLERANCE`]); `hide` leaves
/// one role out (the calibration's hidden arm).
pub(crate) fn reported_anchors(d: &Descriptor, hide: Option<Role>) -> Vec<FitAnchor> {
    let n = d.benchmark.metric.independent_units(d.benchmark.n);
    let Some((base_printed, base_unit)) = d.base_reading() else {
        return Vec::new();
    };
    let base_acc = base_printed.value * base_unit.scale();
    let mut anchors = Vec::new();
    for (role, key) in [
        (Role::True, "true"),
        (Role::Random, "random"),
        (Role::Majority, "majority"),
    ] {
        if hide == Some(role) {
            continue;
        }
        // Ambiguous readings anchor the fit at their midpoint, with a tolerance that covers
        // every reading.
        if let Some(ArmSpec::Reported { readings, unit, .. }) = d.role(role).map(|a| &a.spec)
            && !readings.is_empty()
        {
            let s = unit.scale();
            let gain_of = |p: &Printed| {
                if unit.is_gain() {
                    p.value * s
                } else {
                    p.value * s - base_acc
                }
            };
            let lo = readings.iter().map(gain_of).fold(f64::INFINITY, f64::min);
            let hi = readings
                .iter()
                .map(gain_of)
                .fold(f64::NEG_INFINITY, f64::max);
            let gain = 0.5 * (lo + hi);
            let half = readings.iter().map(|p| p.half_width).fold(0.0, f64::max);
            let acc = base_acc + gain;
            let se = (engine::binomial_var(acc, n) + engine::binomial_var(base_acc, n)).sqrt();
            let tol = 2.0 * se
                + half * s
                + 0.5 * (hi - lo)
                + base_printed.half_width * base_unit.scale()
                + fit::MODEL_TOLERANCE;
            anchors.push(FitAnchor {
                arm: key.into(),
                gain,
                tolerance: tol,
                lender: None,
            });
        }
    }
    anchors
}

/// The measured random-reward nulls of `cross` as anchors of the random arm, for a claim whose
/// paper ran none: each lender's gain carried additively to this base (`base`, this paper's base
/// draw), its tolerance the 95 % half-width of the carried gain (both papers' evaluations and
/// printed precision, as survival reads it) plus [`fit::MODEL_TOLERANCE`]. The versions of one
/// paper and the readings of an ambiguous number anchor once, at their midpoint, with a tolerance
/// that covers them all. A null whose noise is unknown anchors nothing (it could not be sized).
pub(crate) fn null_anchors(
    base: &Draw,
    cross: &[evidence::MeasuredNull],
    thr: &Thresholds,
) -> Vec<FitAnchor> {
    // One paper's versions (and an ambiguous number's readings) are one measurement.
    // Per paper: its lenders' ids and each carried gain with its 95 % half-width.
    type Lent<'a> = (Vec<&'a str>, Vec<(f64, f64)>);
    let mut by_paper: BTreeMap<&str, Lent> = BTreeMap::new();
    for m in cross
        .iter()
        .filter(|m| m.control == evidence::Control::Random)
    {
        let Some(null) = m.carried(Transfer::Additive) else {
            continue;
        };
        let g = survival::carried_gain(base, &null, thr);
        if let (Some(lo), Some(hi)) = (g.lo, g.hi) {
            let e = by_paper.entry(m.paper.as_str()).or_default();
            if !e.0.contains(&m.id.as_str()) {
                e.0.push(m.id.as_str());
            }
            e.1.push((g.mean, (hi - g.mean).max(g.mean - lo)));
        }
    }
    by_paper
        .into_values()
        .map(|(mut ids, v)| {
            ids.sort_unstable();
            let lo = v.iter().map(|x| x.0).fold(f64::INFINITY, f64::min);
            let hi = v.iter().map(|x| x.0).fold(f64::NEG_INFINITY, f64::max);
            let half = v.iter().map(|x| x.1).fold(0.0, f64::max);
            FitAnchor {
                arm: "random".into(),
                gain: 0.5 * (lo + hi),
                tolerance: half + 0.5 * (hi - lo) + fit::MODEL_TOLERANCE,
                lender: Some(ids.join(", ")),
            }
        })
        .collect()
}

/// The seeds of one reading: the shared anchors' from what they are (their draw rules: numbers,
/// units, spreads, sizes — not the file's layout, comments or other arms), the target's from
/// that and its own rule. Editing a comment or adding another target changes no draw.
fn chain_seeds(chain: &[Option<(Draw, Basis)>; 4]) -> (crate::rng::Seed, crate::rng::Seed) {
    let shared = derive_seed(&[
        b"rlvr-audit/audit/v3",
        format!("{:?}", &chain[..3]).as_bytes(),
    ]);
    let target = derive_seed(&[&shared, format!("{:?}", chain[3]).as_bytes()]);
    (shared, target)
}
