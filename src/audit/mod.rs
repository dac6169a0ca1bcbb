//! Audits of published results (METHOD §7–§8): descriptors → arms (reported, borrowed, imputed or
//! simulated) → for each target and each reading of ambiguous numbers, the terms and shares the
//! known arms identify, and the two answers (survival, attribution), with the break-even null and
//! the random-reward gains measured elsewhere in the corpus as its evidence.

pub mod descriptor;
pub mod engine;
pub mod fit;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::decompose::Anchor;
use crate::rng::derive_seed;
use crate::sim::{Arm, SimConfig, config, run_many};
use crate::stats::{Bootstrap, Estimate};
use crate::yaml::LoadError;
use descriptor::{ArmDef, ArmSpec, Descriptor, Printed, Role, Source, Transfer, Unit, match_key};
use engine::{Attribution, Basis, Draw, Judgement, SurvivalVerdict, Thresholds};
use fit::{Anchor as FitAnchor, Fit, FitCache};

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
    let se = engine_se(v, n);
    let s = spread.unwrap_or(0.0) * unit.scale();
    let half = p.half_width * unit.scale() + 1.96 * (se * se + s * s).sqrt();
    (v - half, v + half)
}

fn engine_se(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        (p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64).sqrt()
    })
}

fn base_spread(d: &Descriptor) -> Option<f64> {
    match &d.role(Role::Base)?.spec {
        ArmSpec::Reported { spread, .. } => *spread,
        ArmSpec::Borrowed { .. } => None,
    }
}

/// Loads every file and checks what spans files: unique ids, and borrowed arms that exist in a
/// descriptor of the same model and benchmark that reports them. Returns the descriptors and
/// every error (a bad file is never skipped silently); a borrow whose lender's base differs from
/// the borrower's beyond both intervals becomes a warning on the borrower.
pub fn load_set(paths: &[PathBuf], cache: &Path) -> (Vec<Descriptor>, Vec<LoadError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match descriptor::load(p) {
            Ok(d) => match resolve_cells(d, cache) {
                Ok(d) => ok.push(d),
                Err(e) => errors.push(e),
            },
            Err(es) => errors.extend(es),
        }
    }
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in &ok {
        if let Some(first) = seen.insert(d.id.clone(), d.path.clone()) {
            errors.push(descriptor::field_error(
                &d.path,
                &d.text(),
                "id",
                format!("`{}` is also the id of {}", d.id, first.display()),
            ));
        }
    }
    let mut warnings: Vec<(usize, LoadError)> = Vec::new();
    let mut bad: Vec<usize> = Vec::new();
    for (i, d) in ok.iter().enumerate() {
        for a in &d.arms {
            let ArmSpec::Borrowed { from, arm, .. } = &a.spec else {
                continue;
            };
            let text = d.text();
            let field = format!("arms.{}.borrow", a.name);
            let fail = |msg: String| descriptor::field_error(&d.path, &text, &field, msg);
            if from == &d.id {
                errors.push(fail(
                    "an arm cannot be borrowed from its own descriptor".to_string(),
                ));
                bad.push(i);
                continue;
            }
            let Some(l) = ok.iter().find(|o| &o.id == from) else {
                let invalid = paths
                    .iter()
                    .find(|p| p.file_stem().is_some_and(|s| s.to_string_lossy() == *from));
                let msg = match invalid {
                    Some(p) => format!(
                        "the lender `{from}` ({}) is itself invalid: fix its errors first",
                        p.display()
                    ),
                    None => {
                        let hint = crate::yaml::did_you_mean(
                            from,
                            ok.iter().map(|o| o.id.as_str()).filter(|id| *id != d.id),
                        )
                        .map(|h| format!(" (did you mean `{h}`?)"))
                        .unwrap_or_default();
                        format!("no descriptor in the set has the id `{from}`{hint}")
                    }
                };
                errors.push(fail(msg));
                bad.push(i);
                continue;
            };
            if match_key(&l.model) != match_key(&d.model)
                || match_key(&l.benchmark.name) != match_key(&d.benchmark.name)
            {
                errors.push(fail(format!(
                    "`{from}` is {} on {}, not {} on {}",
                    l.model, l.benchmark.name, d.model, d.benchmark.name
                )));
                bad.push(i);
                continue;
            }
            let Some(la) = lender_arm(l, arm, a.role) else {
                errors.push(fail(match arm {
                    Some(n) => format!("`{from}` has no arm `{n}`"),
                    None => format!("`{from}` has no arm with `role: {}`", a.role),
                }));
                bad.push(i);
                continue;
            };
            if la.role != a.role {
                errors.push(fail(format!(
                    "`{from}`'s arm `{}` has role `{}`, not `{}`: an arm borrows an arm of its own kind",
                    la.name, la.role, a.role
                )));
                bad.push(i);
                continue;
            }
            match &la.spec {
                ArmSpec::Reported { readings, .. } if readings.len() == 1 => {}
                ArmSpec::Reported { .. } => {
                    errors.push(fail(format!(
                        "`{from}` prints `{}` with several readings (alternatives): borrow a single number",
                        la.name
                    )));
                    bad.push(i);
                    continue;
                }
                ArmSpec::Borrowed { from: f2, .. } => {
                    errors.push(fail(format!(
                        "`{from}`'s arm `{}` is itself borrowed (from `{f2}`): borrow from the descriptor that reports it",
                        la.name
                    )));
                    bad.push(i);
                    continue;
                }
            }
            if let (Some((lb, lu)), Some((bb, bu))) = (l.base_reading(), d.base_reading()) {
                let lr = base_range(lb, lu, base_spread(l), l.benchmark.n);
                let br = base_range(bb, bu, base_spread(d), d.benchmark.n);
                if lr.1 < br.0 || br.1 < lr.0 {
                    warnings.push((
                        i,
                        descriptor::field_error(
                            &d.path,
                            &text,
                            &field,
                            format!(
                                "the lender's base {} ({}) differs from this base {} beyond both intervals \
                                 ([{:.1}, {:.1}] vs [{:.1}, {:.1}] %): the two evaluations differ, and carrying the gain \
                                 over is an assumption (the report shows both transfer scales)",
                                lb.raw,
                                l.id,
                                bb.raw,
                                100.0 * lr.0,
                                100.0 * lr.1,
                                100.0 * br.0,
                                100.0 * br.1
                            ),
                        ),
                    ));
                }
            }
        }
    }
    for (i, w) in warnings {
        ok[i].warnings.push(w);
    }
    for i in 0..ok.len() {
        if bad.contains(&i) {
            continue;
        }
        let (errs, warns) = check_values(&ok[i], &ok);
        if !errs.is_empty() {
            bad.push(i);
        }
        errors.extend(errs);
        ok[i].warnings.extend(warns);
    }
    bad.sort();
    bad.dedup();
    for i in bad.into_iter().rev() {
        ok.remove(i);
    }
    (ok, errors)
}

/// The value checks that need resolved numbers (cells read from the paper cache, borrowed gains):
/// every accuracy within 0–100 %, base + gain included (beyond the printed precision), and
/// warnings for values that look mistyped. Returns (errors, warnings).
fn check_values(d: &Descriptor, all: &[Descriptor]) -> (Vec<LoadError>, Vec<LoadError>) {
    let text = d.text();
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let Some((base, bu)) = d.base_reading() else {
        return (errors, warnings);
    };
    let base_acc = base.value * bu.scale();
    let base_hw = base.half_width * bu.scale();
    let mut percent: Vec<(&ArmDef, f64)> = Vec::new();
    for a in &d.arms {
        match &a.spec {
            ArmSpec::Reported {
                readings,
                unit,
                cell,
                ..
            } => {
                let field = format!(
                    "arms.{}.{}",
                    a.name,
                    if cell.is_some() { "cell" } else { "printed" }
                );
                for r in readings {
                    let v = r.value * unit.scale();
                    let fail = |m: String| descriptor::field_error(&d.path, &text, &field, m);
                    if *unit == Unit::Percent {
                        percent.push((a, r.value));
                    }
                    if !unit.is_gain() {
                        if !(0.0..=1.0).contains(&v) {
                            errors.push(fail(format!(
                                "{} is out of range for unit {unit} (0–100 %)",
                                r.raw
                            )));
                        }
                        continue;
                    }
                    let acc = base_acc + v;
                    let slack = base_hw + r.half_width * unit.scale();
                    if acc < -slack || acc > 1.0 + slack {
                        errors.push(fail(format!(
                            "base {} plus the gain {} is {:.1} %, not an accuracy (0–100 %)",
                            base.raw,
                            r.raw,
                            100.0 * acc
                        )));
                    }
                }
            }
            ArmSpec::Borrowed { from, transfer, .. } => {
                let Some((l, la)) = lent(a, all) else {
                    continue;
                };
                let Some((lb, lbu)) = l.base_reading() else {
                    continue;
                };
                let ArmSpec::Reported { readings, unit, .. } = &la.spec else {
                    continue;
                };
                let Some(r) = readings.first() else { continue };
                let lb_acc = lb.value * lbu.scale();
                let la_acc = if unit.is_gain() {
                    lb_acc + r.value * unit.scale()
                } else {
                    r.value * unit.scale()
                };
                let field = format!("arms.{}.borrow", a.name);
                let at = |m: String| descriptor::field_error(&d.path, &text, &field, m);
                let edge = |p: f64| p <= 0.0 || p >= 1.0;
                if *transfer == Transfer::Logit && (edge(lb_acc) || edge(la_acc)) {
                    warnings.push(at(format!(
                        "`{from}` prints an accuracy of 0 or 100 %, where log-odds are infinite: the logit transfer is not \
                         defined there (the report holds such values 10⁻⁶ from the end)"
                    )));
                }
                let carried = base_acc + (la_acc - lb_acc);
                let slack = base_hw + r.half_width * unit.scale() + lb.half_width * lbu.scale();
                if *transfer == Transfer::Additive && (carried < -slack || carried > 1.0 + slack) {
                    errors.push(at(format!(
                        "`{from}`'s gain of {:+.1} points carries this base {} to {:.1} %, not an accuracy; \
                         borrow with `transfer: logit` or from another lender",
                        100.0 * (la_acc - lb_acc),
                        base.raw,
                        100.0 * carried
                    )));
                }
            }
        }
    }
    if percent.iter().any(|(_, v)| *v > 10.0) {
        for (a, v) in &percent {
            if *v < 1.5 {
                warnings.push(descriptor::field_error(
                    &d.path,
                    &text,
                    &format!("arms.{}.printed", a.name),
                    format!(
                        "{v} percent beside arms above 10 percent: is it a fraction typed as `percent`? (unit: fraction)"
                    ),
                ));
            }
        }
    }
    (errors, warnings)
}

/// Reads arms that cite a table cell from the paper cache: fills `printed` from the cell, or
/// checks a typed number against it within printed precision.
fn resolve_cells(mut d: Descriptor, cache: &Path) -> Result<Descriptor, LoadError> {
    let text = d.text();
    for a in d.arms.iter_mut() {
        let ArmSpec::Reported {
            readings,
            spread,
            cell: Some(cref),
            citation,
            ..
        } = &mut a.spec
        else {
            continue;
        };
        let field = format!("arms.{}.cell", a.name);
        let fail = |msg: String| descriptor::field_error(&d.path, &text, &field, msg);
        let rc = crate::fetch::resolve::resolve(cache, cref).map_err(fail)?;
        let Some(value) = rc.cell.value else {
            return Err(fail(format!("{} is not a number", rc.citation())));
        };
        let (number, _) = crate::printed::split_spread(&rc.cell.text);
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
        printed: Vec<String>,
        unit: Unit,
        source: Source,
        /// The cited cache cell, when the descriptor names one.
        cell: Option<String>,
    },
    Borrowed {
        from: String,
        lender_arm: String,
        printed: String,
        unit: Unit,
        source: Source,
        transfer: Transfer,
    },
    Imputed {
        lo: f64,
        hi: f64,
    },
    Simulated {
        config: SimConfig,
        replicates: u64,
    },
    /// Not reported and not imputable (a misfit): everything that needs it is left out.
    Missing,
}

#[derive(Clone, Debug, Serialize)]
pub struct ArmRow {
    pub arm: String,
    pub role: String,
    pub label: String,
    pub provenance: Provenance,
}

/// A random-reward gain measured (reported) in some descriptor: the evidence a break-even
/// null is read against.
#[derive(Clone, Debug, Serialize)]
pub struct NullEvidence {
    pub id: String,
    pub paper: String,
    pub model: String,
    pub benchmark: String,
    pub arm_label: String,
    /// Which reading, when the random arm's number is ambiguous.
    pub reading: String,
    /// Δ_null = acc(random) − acc(base), with its interval.
    pub null: Estimate,
    pub source: Source,
}

/// How one reading's answers move when borrowed arms are carried on the other scale.
#[derive(Clone, Debug, Serialize)]
pub struct TransferCheck {
    pub reading: String,
    pub scale: Transfer,
    pub naive: Option<Estimate>,
    pub survival: SurvivalVerdict,
    pub three_way: Attribution,
    pub two_way: Attribution,
}

/// Everything audited for one target arm.
#[derive(Clone, Debug, Serialize)]
pub struct TargetResult {
    pub arm: String,
    pub role: Role,
    pub label: String,
    /// One per reading of ambiguous numbers.
    pub judgements: Vec<Judgement>,
    pub transfer_checks: Vec<TransferCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditResult {
    pub id: String,
    pub descriptor_version: u64,
    pub descriptor_hash: String,
    pub path: String,
    pub paper: descriptor::Paper,
    pub claim: String,
    pub model: String,
    pub benchmark: descriptor::Benchmark,
    /// How the binomial term of a printed score is computed for this metric.
    pub noise: String,
    pub training: BTreeMap<String, String>,
    pub notes: String,
    pub warnings: Vec<String>,
    pub arms: Vec<ArmRow>,
    pub fit: Option<Fit>,
    pub thresholds: Thresholds,
    pub targets: Vec<TargetResult>,
    /// Random-reward gains measured for the same model elsewhere in the set (same benchmark
    /// first), the evidence beside the break-even null.
    pub null_evidence: Vec<NullEvidence>,
}

impl AuditResult {
    /// The CI answer over every target and reading: NOT_SHOWN if any is, else UNDETERMINED if
    /// any is, else SURVIVES (never SURVIVES without a computed Δ_naive).
    pub fn survival(&self) -> SurvivalVerdict {
        let all: Vec<SurvivalVerdict> = self
            .targets
            .iter()
            .flat_map(|t| t.judgements.iter().map(|j| j.survival.verdict))
            .collect();
        if all.is_empty() {
            SurvivalVerdict::Undetermined
        } else if all.contains(&SurvivalVerdict::NotShown) {
            SurvivalVerdict::NotShown
        } else if all.contains(&SurvivalVerdict::Undetermined) {
            SurvivalVerdict::Undetermined
        } else {
            SurvivalVerdict::Survives
        }
    }

    /// Short provenance code per arm: R reported, B borrowed, I imputed, S simulated, - missing.
    pub fn provenance_codes(&self) -> String {
        self.arms
            .iter()
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

    /// The measured nulls on this audit's benchmark (the rest are on other benchmarks).
    pub fn same_benchmark_nulls(&self) -> impl Iterator<Item = &NullEvidence> {
        self.null_evidence
            .iter()
            .filter(|e| match_key(&e.benchmark) == match_key(&self.benchmark.name))
    }
}

fn to_draw(p: &Printed, unit: Unit, spread: Option<f64>, n: Option<u64>) -> Draw {
    let s = unit.scale();
    let (value, half_width, spread) = (p.value * s, p.half_width * s, spread.unwrap_or(0.0) * s);
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

/// The base arm's draw rule.
fn base_draw(d: &Descriptor) -> Option<Draw> {
    let (p, unit) = d.base_reading()?;
    Some(to_draw(
        p,
        unit,
        base_spread(d),
        d.benchmark.metric.independent_units(d.benchmark.n),
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
                    to_draw(p, *unit, *spread, n),
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
                    lender_arm: Box::new(to_draw(&readings[0], *unit, *spread, ln)),
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

/// [`audit`] with the model check's runs taken from (and added to) `cache`.
pub fn audit_with(
    d: &Descriptor,
    all: &[Descriptor],
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
    let mut result = AuditResult {
        id: d.id.clone(),
        descriptor_version: d.descriptor_version,
        descriptor_hash: d.hash.clone(),
        path: d.path.display().to_string(),
        paper: d.paper.clone(),
        claim: d.claim.clone(),
        model: d.model.clone(),
        benchmark: d.benchmark.clone(),
        noise: d.benchmark.metric.noise_note(d.benchmark.n),
        training: d.training.clone(),
        notes: d.notes.clone(),
        warnings: d.warnings.iter().map(|w| w.to_string()).collect(),
        arms: Vec::new(),
        fit: None,
        thresholds: *thr,
        targets: Vec::new(),
        null_evidence: Vec::new(),
    };
    match &d.simulation {
        Some(sim) => simulated(&mut result, sim, thr, &seed),
        None => reported(&mut result, d, all, thr, cache),
    }
    // Only the same model's descriptors are judged: the evidence is theirs.
    let own = match_key(&d.model);
    let mut ev: Vec<NullEvidence> = measured_nulls(
        all.iter()
            .filter(|o| o.id != d.id && match_key(&o.model) == own),
        thr,
    );
    let bench = match_key(&d.benchmark.name);
    ev.sort_by(|a, b| {
        (match_key(&a.benchmark) != bench)
            .cmp(&(match_key(&b.benchmark) != bench))
            .then(b.null.mean.total_cmp(&a.null.mean))
            .then(a.id.cmp(&b.id))
    });
    result.null_evidence = ev;
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
        judgements: vec![engine::judge(&reading, &chain, thr, seed, seed, true)],
        transfer_checks: Vec::new(),
    });
}

fn binomial_var(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64
    })
}

fn reported(
    result: &mut AuditResult,
    d: &Descriptor,
    all: &[Descriptor],
    thr: &Thresholds,
    cache: &FitCache,
) {
    let n = d.benchmark.metric.independent_units(d.benchmark.n);
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
    let imputed: BTreeMap<String, [f64; 2]>;
    {
        // The model check runs for every reported audit. Anchors: reported single-reading gains of the arms the simulator can express.
        let mut anchors = Vec::new();
        for (role, key) in [
            (Role::True, "true"),
            (Role::Random, "random"),
            (Role::Majority, "majority"),
        ] {
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
                let se = (binomial_var(acc, n) + binomial_var(base_acc, n)).sqrt();
                let tol = 2.0 * se
                    + half * s
                    + 0.5 * (hi - lo)
                    + base_printed.half_width * base_unit.scale()
                    + fit::MODEL_TOLERANCE;
                anchors.push(FitAnchor {
                    arm: key.into(),
                    gain,
                    tolerance: tol,
                });
            }
        }
        let f = fit::fit(base_acc, &anchors, &missing, cache);
        imputed = f.imputed.clone();
        for key in &missing {
            result.arms.push(ArmRow {
                arm: key.clone(),
                role: key.clone(),
                label: "not run by the paper".into(),
                provenance: match f.imputed.get(key) {
                    Some(&[lo, hi]) => Provenance::Imputed { lo, hi },
                    None => Provenance::Missing,
                },
            });
        }
        result.fit = Some(f);
    }
    let shared = |role: Role, key: &str, scale: Option<Transfer>| -> Vec<(String, Draw, Basis)> {
        match d.role(role) {
            Some(a) => options_of(a, d, all, scale),
            None => match imputed.get(key) {
                Some(&[lo, hi]) => {
                    vec![(String::new(), Draw::GainRange { lo, hi }, Basis::Imputed)]
                }
                None => Vec::new(),
            },
        }
    };
    let base_opts = options_of(d.role(Role::Base).expect("validated"), d, all, None);
    for t in &d.targets {
        let ta = d.arm(t).expect("validated: targets are arms");
        let noise_known = noise_known(d, ta, random, all);
        let judge_all = |scale: Option<Transfer>| -> Vec<(Judgement, bool)> {
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
                out.push((
                    engine::judge(&reading, &chain, thr, &shared, &target, noise_known),
                    borrowed,
                ));
            }
            out
        };
        let judged = judge_all(None);
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
            for (j, _) in judge_all(Some(declared.other())) {
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

/// Whether the sampling noise of Δ_naive is known: a stated benchmark size, or seed spreads on
/// both the target and the random arm.
fn noise_known(
    d: &Descriptor,
    target: &ArmDef,
    random: Option<&ArmDef>,
    all: &[Descriptor],
) -> bool {
    if d.benchmark.n.is_some() {
        return true;
    }
    let spread = |a: &ArmDef| {
        match &a.spec {
        ArmSpec::Reported { spread, .. } => spread.is_some_and(|s| s > 0.0),
        ArmSpec::Borrowed { from, arm, .. } => all
            .iter()
            .find(|o| &o.id == from)
            .is_some_and(|l| l.benchmark.n.is_some() || lender_arm(l, arm, a.role).is_some_and(|la| matches!(&la.spec, ArmSpec::Reported { spread: Some(s), .. } if *s > 0.0))),
    }
    };
    spread(target) && random.is_some_and(spread)
}

/// Every random-reward gain reported (not borrowed) by the given descriptors: Δ_null with its
/// interval, one per reading of the random arm.
pub fn measured_nulls<'a>(
    ds: impl IntoIterator<Item = &'a Descriptor>,
    thr: &Thresholds,
) -> Vec<NullEvidence> {
    let mut out = Vec::new();
    for d in ds {
        let Some(ra) = d.role(Role::Random) else {
            continue;
        };
        let ArmSpec::Reported { source, .. } = &ra.spec else {
            continue;
        };
        let Some(base) = base_draw(d) else { continue };
        // A reported arm's draw rules need no other descriptor.
        for (reading, draw, basis) in options_of(ra, d, &[], None) {
            let chain = [
                Some((base.clone(), Basis::Reported)),
                None,
                None,
                Some((draw, basis)),
            ];
            let (shared, target) = chain_seeds(&chain);
            let j = engine::judge(&reading, &chain, thr, &shared, &target, true);
            let null = j.terms.total.expect("base and random are known").estimate;
            out.push(NullEvidence {
                id: d.id.clone(),
                paper: d.paper.title.clone(),
                model: d.model.clone(),
                benchmark: d.benchmark.name.clone(),
                arm_label: ra.label.clone(),
                reading: if reading.contains(" = ") && ra_is_ambiguous(ra) {
                    reading
                } else {
                    "as printed".into()
                },
                null,
                source: source.clone(),
            });
        }
    }
    out
}

fn ra_is_ambiguous(a: &ArmDef) -> bool {
    matches!(&a.spec, ArmSpec::Reported { readings, .. } if readings.len() > 1)
}
