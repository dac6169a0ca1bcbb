//! Stage 1 of an audit, the arms (**resolve** → draw → terms → judge): for one descriptor, every
//! arm's provenance (reported, borrowed from another descriptor, imputed by the model check, or
//! simulated), the measured nulls of its model, the evidence survival will read, and for each
//! target the readings to judge — one chain of draw rules per combination of ambiguous printed
//! numbers, seeded by what it draws. Nothing here samples except the model check's sizing of the
//! measured nulls it anchors on ([`super::draw::carried_gain`]).

use std::collections::BTreeMap;

use super::descriptor::{self, ArmDef, ArmSpec, Descriptor, Printed, Role, Transfer, Unit};
use super::draw::{self, Draw};
use super::evidence::{self, MeasuredNull, NullSet};
use super::fit::{self, Anchor as FitAnchor, Fit, FitCache};
use super::result::{ArmRow, Basis, NullEvidence, Provenance};
use super::thresholds::Thresholds;
use crate::decompose::Anchor;
use crate::rng::{Seed, derive_seed};
use crate::sim::{Arm, SimConfig, config, run_many};
use crate::stats::{Bootstrap, mean};

/// The draw rule and basis of base, random, majority and target ([`Anchor::ALL`] order); random
/// and majority may be unknown.
pub type Chain = [Option<(Draw, Basis)>; 4];

/// One reading of a target's arms: its label ("as printed" when no number is ambiguous), its
/// chain, and the seeds of the shared anchors and of the target.
#[derive(Clone, Debug)]
pub struct Reading {
    pub label: String,
    pub chain: Chain,
    pub shared: Seed,
    pub target: Seed,
}

/// One target arm and its readings, as each stage hands them on (`T`: a [`Reading`], then its
/// draws, then its terms).
#[derive(Clone, Debug)]
pub struct Target<T> {
    pub arm: String,
    pub role: Role,
    pub label: String,
    /// One per reading of ambiguous numbers.
    pub readings: Vec<T>,
    /// The same readings under the seed-spread sensitivity (empty when it is off).
    pub under_seed_sd: Vec<T>,
    /// The readings with every borrowed arm carried on the other scale (only with a borrow).
    pub transfer: Option<(Transfer, Vec<T>)>,
}

/// What survival reads beside a reading's own chain: the paper's own reported random arm, its
/// correctness-blind controls and the measured nulls of its model and benchmark.
#[derive(Clone, Debug, Default)]
pub struct NullArms {
    /// The descriptor's id and its paper's title.
    pub id: String,
    pub paper: String,
    /// The label of the paper's own reported random arm.
    pub random: Option<String>,
    pub controls: Vec<ControlArm>,
    pub cross: Vec<MeasuredNull>,
    /// Whether survival reads all of it (a reported audit) or only the chain (a simulated one).
    pub ladder: bool,
}

/// One reading of a paper's own correctness-blind control.
#[derive(Clone, Debug)]
pub struct ControlArm {
    /// The arm's name in the descriptor (a target that is this control is not compared with it).
    pub name: String,
    /// "label (role)".
    pub arm: String,
    pub reading: String,
    pub draw: Draw,
}

/// Everything the later stages need of one descriptor, and the records of its arms.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub arms: Vec<ArmRow>,
    pub fit: Option<Fit>,
    pub null_evidence: Vec<NullEvidence>,
    pub nulls: NullArms,
    pub targets: Vec<Target<Reading>>,
}

/// One candidate draw rule of an arm: its reading's label, the rule and its basis.
type Opt = (String, Draw, Basis);

/// Resolves the arms of `d`; `all` is the loaded set (for borrowing and the measured nulls),
/// `set` the measured nulls and aliases.
pub fn resolve(
    d: &Descriptor,
    all: &[Descriptor],
    set: &NullSet,
    thr: &Thresholds,
    cache: &FitCache,
) -> Resolved {
    let nulls = measured_nulls(d, all, set);
    let null_evidence = nulls
        .iter()
        .filter(|m| m.control == evidence::Control::Random)
        .map(|m| draw::null_evidence(m, thr))
        .collect();
    let bench = set.aliases.benchmark(&d.benchmark.name);
    let same: Vec<&MeasuredNull> = nulls
        .iter()
        .filter(|m| set.aliases.benchmark(&m.benchmark) == bench)
        .collect();
    let mut r = match &d.simulation {
        Some(sim) => simulated(d, sim, thr),
        None => reported(d, all, &same, thr, cache),
    };
    r.null_evidence = null_evidence;
    r
}

/// Every measured null of this model (same benchmark first), the paper's own excluded.
fn measured_nulls(d: &Descriptor, all: &[Descriptor], set: &NullSet) -> Vec<MeasuredNull> {
    let own = set.aliases.model(&d.model);
    let bench = set.aliases.benchmark(&d.benchmark.name);
    let mut nulls: Vec<MeasuredNull> = set
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
    nulls
}

/// A simulated audit: the default chain run `replicates` times, its bootstrap over replicates
/// seeded by what it simulates (a reported audit's by its draw rules, see [`chain_seeds`]).
fn simulated(d: &Descriptor, sim: &descriptor::Simulation, thr: &Thresholds) -> Resolved {
    let seed = derive_seed(&[
        b"rlvr-audit/audit/simulated/v1",
        serde_json::to_string(&d.simulation)
            .unwrap_or_default()
            .as_bytes(),
    ]);
    let cfg = SimConfig {
        prior: sim.prior,
        seed: sim.seed,
        ..config::preset(&sim.preset).expect("validated preset")
    };
    let arms = Arm::default_chain();
    let runs = run_many(&cfg, &arms, sim.replicates, false, true);
    let acc: Vec<Vec<f64>> = arms
        .iter()
        .map(|a| crate::decompose::final_of(&runs, a, |m| m.accuracy))
        .collect();
    let boot = Bootstrap::new(sim.replicates as usize, thr.draws, &seed);
    let chain: Chain = std::array::from_fn(|k| {
        Some((
            Draw::Given {
                point: mean(&acc[k]),
                draws: boot
                    .sets()
                    .iter()
                    .map(|s| s.iter().map(|&i| acc[k][i]).sum::<f64>() / s.len() as f64)
                    .collect(),
            },
            Basis::Simulated,
        ))
    });
    let rows = Anchor::ALL
        .iter()
        .enumerate()
        .map(|(k, a)| ArmRow {
            arm: arms[k].to_string(),
            role: a.name().to_string(),
            label: String::new(),
            provenance: Provenance::Simulated {
                config: cfg.clone(),
                replicates: sim.replicates,
            },
        })
        .collect();
    let reading = Reading {
        label: format!(
            "{} replicates, percentile bootstrap over replicates",
            sim.replicates
        ),
        chain,
        shared: seed,
        target: seed,
    };
    Resolved {
        arms: rows,
        fit: None,
        null_evidence: Vec::new(),
        nulls: NullArms::default(),
        targets: vec![Target {
            arm: "true".into(),
            role: Role::True,
            label: "ground-truth reward (simulated)".into(),
            readings: vec![reading],
            under_seed_sd: Vec::new(),
            transfer: None,
        }],
    }
}

/// A reported audit: the arms as printed or borrowed, the model check and what it imputes, the
/// survival evidence, and each target's readings.
fn reported(
    d: &Descriptor,
    all: &[Descriptor],
    same: &[&MeasuredNull],
    thr: &Thresholds,
    cache: &FitCache,
) -> Resolved {
    let mut rows: Vec<ArmRow> = d
        .arms
        .iter()
        .map(|a| ArmRow {
            arm: a.name.clone(),
            role: a.role.to_string(),
            label: a.label.clone(),
            provenance: provenance_of(a, all),
        })
        .collect();
    let random = d.role(Role::Random);
    let base_opts = options_of(d.role(Role::Base).expect("validated"), d, all, None);
    let cross = cross_nulls(all, same, random);
    let imputation = impute(d, &base_opts[0].1, &cross, thr, cache);
    rows.extend(imputation.rows());
    let shared = Shared {
        d,
        all,
        imputation: &imputation,
        base: base_opts,
    };
    let targets = d
        .targets
        .iter()
        .map(|t| shared.target(d.arm(t).expect("validated: targets are arms"), thr))
        .collect();
    Resolved {
        arms: rows,
        fit: Some(imputation.fit),
        null_evidence: Vec::new(),
        nulls: NullArms {
            id: d.id.clone(),
            paper: d.paper.title.clone(),
            random: random
                .filter(|a| matches!(a.spec, ArmSpec::Reported { .. }))
                .map(|a| a.label.clone()),
            controls: controls(d, all),
            cross,
            ladder: true,
        },
        targets,
    }
}

/// The measured nulls of this model and benchmark (and a lender the descriptor borrows its random
/// arm from, a deliberate choice even on another model or benchmark), every one read.
fn cross_nulls(
    all: &[Descriptor],
    same: &[&MeasuredNull],
    random: Option<&ArmDef>,
) -> Vec<MeasuredNull> {
    let mut cross: Vec<MeasuredNull> = same
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
    cross
}

/// The model check of a reported descriptor and the arms it imputes.
struct Imputation {
    fit: Fit,
    /// The shared anchors the paper did not run (random, majority).
    missing: Vec<String>,
    /// The measured nulls that contradict an imputed random arm.
    contradicted: Vec<String>,
}

/// Fits the model check and imputes the missing shared anchors. A claim whose paper ran no random
/// arm is anchored on the random-reward gains measured for its model and benchmark in other
/// papers, so its imputed arm matches them; an imputed random arm that one of them contradicts
/// (their intervals do not meet) is a model estimate the data refute: flagged, and not used.
fn impute(
    d: &Descriptor,
    base: &Draw,
    cross: &[MeasuredNull],
    thr: &Thresholds,
    cache: &FitCache,
) -> Imputation {
    let (base_printed, base_unit) = d.base_reading().expect("validated: one reported base");
    let missing: Vec<String> = [(Role::Random, "random"), (Role::Majority, "majority")]
        .into_iter()
        .filter(|(role, _)| d.role(*role).is_none())
        .map(|(_, key)| key.to_string())
        .collect();
    let mut anchors = reported_anchors(d, None);
    if d.role(Role::Random).is_none() {
        anchors.extend(null_anchors(base, cross, thr));
    }
    let fit = fit::fit(
        base_printed.value * base_unit.scale(),
        &anchors,
        &missing,
        cache,
    );
    let contradicted = match fit.imputed.get("random") {
        Some(&[lo, hi]) => cross
            .iter()
            .filter(|m| {
                m.carried(Transfer::Additive).is_some_and(|null| {
                    let g = draw::carried_gain(base, &null, thr);
                    g.hi.is_some_and(|h| h < lo) || g.lo.is_some_and(|l| l > hi)
                })
            })
            .map(|m| m.id.clone())
            .collect(),
        None => Vec::new(),
    };
    Imputation {
        fit,
        missing,
        contradicted,
    }
}

impl Imputation {
    /// The rows of the arms the paper did not run.
    fn rows(&self) -> Vec<ArmRow> {
        self.missing
            .iter()
            .map(|key| ArmRow {
                arm: key.clone(),
                role: key.clone(),
                label: "not run by the paper".into(),
                provenance: match self.fit.imputed.get(key) {
                    Some(&[lo, hi]) => Provenance::Imputed {
                        lo,
                        hi,
                        contradicted_by: if key == "random" {
                            self.contradicted.clone()
                        } else {
                            Vec::new()
                        },
                    },
                    None => Provenance::Missing,
                },
            })
            .collect()
    }
}

/// The paper's own correctness-blind controls (reported, not borrowed), one per reading.
fn controls(d: &Descriptor, all: &[Descriptor]) -> Vec<ControlArm> {
    d.arms
        .iter()
        .filter(|a| {
            matches!(a.role, Role::Format | Role::FormatRandom)
                && matches!(a.spec, ArmSpec::Reported { .. })
        })
        .flat_map(|a| {
            let opts = options_of(a, d, all, None);
            let single = opts.len() == 1;
            opts.into_iter().map(move |(label, draw, _)| ControlArm {
                name: a.name.clone(),
                arm: format!("{} ({})", a.label, a.role),
                reading: if single { "as printed".into() } else { label },
                draw,
            })
        })
        .collect()
}

/// The shared anchors of a reported descriptor, from which each target's chains are built.
struct Shared<'a> {
    d: &'a Descriptor,
    all: &'a [Descriptor],
    imputation: &'a Imputation,
    base: Vec<Opt>,
}

impl Shared<'_> {
    /// The candidate rules of a shared anchor: the paper's arm, else its imputed range (none for a
    /// contradicted random arm or a misfit).
    fn options(&self, role: Role, key: &str, scale: Option<Transfer>) -> Vec<Opt> {
        match self.d.role(role) {
            Some(a) => options_of(a, self.d, self.all, scale),
            None => match self.imputation.fit.imputed.get(key) {
                Some(_) if key == "random" && !self.imputation.contradicted.is_empty() => {
                    Vec::new()
                }
                Some(&[lo, hi]) => {
                    vec![(String::new(), Draw::GainRange { lo, hi }, Basis::Imputed)]
                }
                None => Vec::new(),
            },
        }
    }

    /// One target's readings: as declared, under the seed-spread sensitivity, and, when an arm is
    /// borrowed, with every borrowed arm carried on the other scale.
    fn target(&self, ta: &ArmDef, thr: &Thresholds) -> Target<Reading> {
        let (readings, borrowed) = self.readings(ta, None);
        let transfer = borrowed.then(|| {
            let declared = self
                .d
                .arms
                .iter()
                .find_map(|a| match &a.spec {
                    ArmSpec::Borrowed { transfer, .. } => Some(*transfer),
                    _ => None,
                })
                .unwrap_or(Transfer::Additive);
            (
                declared.other(),
                self.readings(ta, Some(declared.other())).0,
            )
        });
        Target {
            arm: ta.name.clone(),
            role: ta.role,
            label: ta.label.clone(),
            under_seed_sd: if thr.sensitivity_sd > 0.0 {
                readings.clone()
            } else {
                Vec::new()
            },
            readings,
            transfer,
        }
    }

    /// Every combination of readings (ambiguous arms multiply), in order, and whether any arm is
    /// borrowed; a missing shared arm contributes one "unknown" choice.
    fn readings(&self, ta: &ArmDef, scale: Option<Transfer>) -> (Vec<Reading>, bool) {
        let d = self.d;
        let is = |role: Role| d.role(role).is_some_and(|a| a.name == ta.name);
        let target = if is(Role::Majority) {
            vec![(
                String::new(),
                Draw::SameAs(Anchor::Majority as usize),
                Basis::Reported,
            )]
        } else if is(Role::Random) {
            vec![(
                String::new(),
                Draw::SameAs(Anchor::Random as usize),
                Basis::Reported,
            )]
        } else {
            options_of(ta, d, self.all, scale)
        };
        let options: [Vec<Opt>; 4] = [
            self.base.clone(),
            self.options(Role::Random, "random", scale),
            self.options(Role::Majority, "majority", scale),
            target,
        ];
        let borrowed = options.iter().flatten().any(|o| o.2 == Basis::Borrowed);
        let mut combos: Vec<Vec<usize>> = vec![vec![]];
        for o in &options {
            combos = combos
                .into_iter()
                .flat_map(|c| (0..o.len().max(1)).map(move |i| [c.clone(), vec![i]].concat()))
                .collect();
        }
        let readings = combos
            .into_iter()
            .filter_map(|c| {
                let chain: Chain = std::array::from_fn(|k| {
                    options[k].get(c[k]).map(|(_, dr, b)| (dr.clone(), *b))
                });
                if chain[0].is_none() || chain[3].is_none() {
                    return None;
                }
                let labels: Vec<String> = c
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| options[*k].len() > 1)
                    .map(|(k, &i)| options[k][i].0.clone())
                    .collect();
                let (shared, target) = chain_seeds(&chain);
                Some(Reading {
                    label: if labels.is_empty() {
                        "as printed".to_string()
                    } else {
                        labels.join(", ")
                    },
                    chain,
                    shared,
                    target,
                })
            })
            .collect();
        (readings, borrowed)
    }
}

/// The seeds of one reading: the shared anchors' from what they are (their draw rules: numbers,
/// units, spreads, sizes — not the file's layout, comments or other arms), the target's from
/// that and its own rule. Editing a comment or adding another target changes no draw.
fn chain_seeds(chain: &Chain) -> (Seed, Seed) {
    let shared = derive_seed(&[
        b"rlvr-audit/audit/v3",
        format!("{:?}", &chain[..3]).as_bytes(),
    ]);
    let target = derive_seed(&[&shared, format!("{:?}", chain[3]).as_bytes()]);
    (shared, target)
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
pub(crate) fn lent<'a>(a: &ArmDef, all: &'a [Descriptor]) -> Option<(&'a Descriptor, &'a ArmDef)> {
    let ArmSpec::Borrowed { from, arm, .. } = &a.spec else {
        return None;
    };
    let l = all.iter().find(|o| &o.id == from)?;
    Some((l, lender_arm(l, arm, a.role)?))
}

/// The base arm's draw rule.
pub(crate) fn base_draw(d: &Descriptor) -> Option<Draw> {
    let (p, unit) = d.base_reading()?;
    Some(draw::printed_draw(
        p,
        unit,
        d.base_spread(),
        d.benchmark.metric.independent_units(d.benchmark.n),
        None,
    ))
}

/// The candidate draw rules of one arm (several for ambiguous readings), each with a label.
fn options_of(a: &ArmDef, d: &Descriptor, all: &[Descriptor], scale: Option<Transfer>) -> Vec<Opt> {
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
                    draw::printed_draw(p, *unit, *spread, n, d.base_reading()),
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
                    lender_arm: Box::new(draw::printed_draw(
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

/// The lowest and highest gain over `base` (accuracy units) among the readings of one printed
/// arm: an accuracy less the base, or a printed gain as it is.
pub(crate) fn gain_range(readings: &[Printed], unit: Unit, base: f64) -> (f64, f64) {
    let s = unit.scale();
    let gain_of = |p: &Printed| {
        if unit.is_gain() {
            p.value * s
        } else {
            p.value * s - base
        }
    };
    let lo = readings.iter().map(gain_of).fold(f64::INFINITY, f64::min);
    let hi = readings
        .iter()
        .map(gain_of)
        .fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
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
            let (lo, hi) = gain_range(readings, *unit, base_acc);
            let gain = 0.5 * (lo + hi);
            let half = readings.iter().map(|p| p.half_width).fold(0.0, f64::max);
            let acc = base_acc + gain;
            let se = draw::gain_se(acc, base_acc, n, 0.0, 0.0);
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
        let g = draw::carried_gain(base, &null, thr);
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
