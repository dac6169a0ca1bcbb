//! The simulator fit and the model check of every audit (METHOD §8).
//!
//! The *fitted class* is a list of members, each a simulator config whose prior is solved so
//! that the simulated base accuracy equals the reported one, run for [`MAX_STEPS`] steps under
//! each arm the simulator can express; every budget of [`STEP_GRID`] is a candidate (read off
//! the trajectories). A *setting* is (member, budget). A setting is *consistent* when every
//! reported gain is matched within its tolerance (the paper's sampling error, the printed
//! precision and [`MODEL_TOLERANCE`]) plus twice the simulated gain's standard error over
//! replicates.
//!
//! The fit does two jobs:
//! * the **model check**, for every audit with a reported base: the consistent settings, each
//!   reported arm's residual in tolerances at the closest setting, and "fits" or "misfit: <arm> is
//!   off by X tolerances" with what the class can reach for that arm (so the report can say which
//!   mechanism is missing);
//! * **imputation** of a missing arm: the range of its simulated gain over the consistent settings
//!   and their neighbouring budgets, each widened by twice its replicate standard error — never a
//!   zero-width interval, and never evidence (an imputed arm decides nothing).
//!
//! Runs are cached by content hash ([`FitCache`]): the key covers the simulator version, the
//! member's complete config (with its solved prior), the arm, the replicates and the budget grid.
//! Both a fresh and a cached run go through the same rounding, so a warm and a cold `report`
//! write the same bytes.

mod cache;
mod class;

use cache::budgets;
pub use cache::{CacheError, FitCache, Gains, Request, requests};
pub use class::{
    FORMAT_LEARNING_RATES, FORMAT_RATES, GATE_ODDS_RATIO, Mechanism, Member, PRIOR_CONCENTRATION,
    STYLE_ODDS_RATIO, STYLE_SHARES, Solve, beta_mean_accuracy, class, prior_for_base, solved,
    solved_class, style_ceiling,
};

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::sim::config;

/// Longest budget scanned; every budget of [`STEP_GRID`] is read off one trajectory.
pub const MAX_STEPS: usize = 800;
/// Replicates per simulated arm.
pub const REPLICATES: u64 = 4;
/// Slack added to the sampling tolerance: how far a tabular model may sit from a real one.
pub const MODEL_TOLERANCE: f64 = 0.02;
/// Budgets considered, a roughly geometric grid.
pub const STEP_GRID: [usize; 15] = [
    5, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200, 300, 400, 600, 800,
];
/// Arms the fit can simulate, by the descriptor role they stand for.
pub const ARMS: [&str; 3] = ["true", "random", "majority"];
/// Master seed of every fit run.
pub const SEED: u64 = 0;
/// Simulated gains are kept to this many decimals (of accuracy, so 1e-7 points): a cached and a
/// fresh run give the same numbers, and the cache file stays small.
pub(crate) const DECIMALS: i32 = 9;
/// The largest fit cache read (the shipped one is well under 2 MiB).
pub const MAX_CACHE_BYTES: u64 = 64 << 20;

/// A reported gain the fit must match.
#[derive(Clone, Debug, Serialize)]
pub struct Anchor {
    pub arm: String,
    pub gain: f64,
    pub tolerance: f64,
    /// The measured null this anchor carries over from another paper (its ids, one per version
    /// of that paper, joined by ", "), for a claim whose paper ran no random arm; `None` for the
    /// paper's own reported arm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lender: Option<String>,
}

/// One setting: a member at one budget.
#[derive(Clone, Debug, Serialize)]
pub struct FitPoint {
    pub member: String,
    pub mechanism: Mechanism,
    pub format_strength: f64,
    pub prior: f64,
    pub steps: usize,
    /// Simulated gain over base per arm (mean over replicates).
    pub gains: BTreeMap<String, f64>,
    /// Standard error of each simulated gain over replicates.
    pub se: BTreeMap<String, f64>,
    /// Largest |simulated − reported| / tolerance over the anchors (≤ 1 is consistent).
    pub worst: f64,
}

impl FitPoint {
    /// |simulated − reported| / tolerance of one anchor, the tolerance widened by twice the
    /// simulated gain's standard error.
    pub fn residual(&self, a: &Anchor) -> f64 {
        (self.gains[&a.arm] - a.gain) / (a.tolerance + 2.0 * self.se[&a.arm])
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitStatus {
    /// Settings consistent with the anchors exist.
    Fitted,
    /// No anchor constrains the budget: the bound spans every setting scanned.
    Unconstrained,
    /// No setting matches the reported arms.
    Misfit,
}

/// One reported arm at the closest setting.
#[derive(Clone, Debug, Serialize)]
pub struct Residual {
    pub arm: String,
    pub reported: f64,
    pub simulated: f64,
    /// Standard error of the simulated gain over replicates.
    pub simulated_se: f64,
    /// (simulated − reported) / tolerance, signed.
    pub tolerances: f64,
}

/// Why no setting fits, in terms of what the class can reach.
#[derive(Clone, Debug, Serialize)]
pub struct MisfitReason {
    /// The arm furthest off at the closest setting.
    pub arm: String,
    /// Its residual there, in tolerances (signed).
    pub off_by: f64,
    /// The reported gain of that arm.
    pub reported: f64,
    /// The range of that arm's simulated gain over every setting of the class.
    pub reach: [f64; 2],
    /// What the class lacks, in words.
    pub lacks: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Fit {
    pub status: FitStatus,
    pub method: String,
    pub anchors: Vec<Anchor>,
    pub settings_scanned: usize,
    pub settings_consistent: usize,
    /// Consistent settings per member.
    pub consistent_by_member: BTreeMap<String, usize>,
    /// The closest setting (smallest worst error).
    pub best: Option<FitPoint>,
    /// Each anchor's residual at the closest setting.
    pub residuals: Vec<Residual>,
    /// Each simulated arm's [min, max] gain over every setting of the class.
    pub reach: BTreeMap<String, [f64; 2]>,
    pub misfit: Option<MisfitReason>,
    /// The most a shared-style clip bias can give a random reward at this base accuracy: the
    /// accurate style's share driven from its base value to 1, answers held fixed (the largest
    /// [`style_ceiling`] of the preferred-style members that can have this base accuracy).
    pub random_ceiling: Option<f64>,
    /// Missing arm → [lo, hi] of its gain over base across the consistent settings and their
    /// neighbouring budgets, each ± twice its replicate standard error.
    pub imputed: BTreeMap<String, [f64; 2]>,
}

impl Fit {
    /// One line: "fits (n of m settings)", "misfit: random is off by 3.2 tolerances", or
    /// "unconstrained".
    pub fn verdict(&self) -> String {
        match (&self.status, &self.misfit) {
            (FitStatus::Fitted, _) => format!(
                "fits ({} of {} settings)",
                self.settings_consistent, self.settings_scanned
            ),
            (FitStatus::Misfit, Some(m)) => {
                format!("misfit: {} off by {:.1} tolerances", m.arm, m.off_by.abs())
            }
            (FitStatus::Misfit, None) => "misfit".into(),
            (FitStatus::Unconstrained, _) => "no trained arm to check".into(),
        }
    }
}

fn method_text() -> String {
    let members: Vec<String> = class().iter().map(|m| format!("`{}`", m.name)).collect();
    format!(
        "members {} (each: p_s solved from the reported base accuracy; the clip-bias members' style 0 answers with \
         {}× style 1's odds, the gate members' with {}×, a style 1 the grader almost never credits); budgets {:?} steps read off {}-step trajectories (the clip-bias members: the \
         `clip-bias` preset's {} steps); {} replicates per arm (master seed {}); a setting is consistent when every reported gain is \
         matched within 2 standard errors + printed precision + {} model tolerance + 2 simulated standard errors",
        members.join(", "),
        STYLE_ODDS_RATIO,
        GATE_ODDS_RATIO,
        STEP_GRID,
        MAX_STEPS,
        config::clip_bias().steps,
        REPLICATES,
        SEED,
        MODEL_TOLERANCE
    )
}

/// What the class lacks when `arm`'s reported gain lies outside what it can reach.
fn lacks(arm: &str, reported: f64, reach: [f64; 2], ceiling: Option<f64>) -> String {
    let pts = |x: f64| format!("{:+.1}", 100.0 * x);
    if reported > reach[1] {
        let why = match (arm, ceiling) {
            ("random", Some(c)) => format!(
                "a mechanism by which a random reward raises accuracy this much. Its clip-bias members gain only \
                 by moving a behaviour shared by every prompt toward the one the base prefers, so their random gain \
                 is at most that behaviour's share going to 1 with answers held fixed, (1 − {})·(acc of the accurate \
                 style − acc of the other) = {} points at this base accuracy; a larger gain needs a larger accuracy \
                 gap between the preferred behaviour and the rest, or a mechanism the class does not have",
                STYLE_SHARES[0],
                pts(c)
            ),
            ("random", None) => {
                "a mechanism by which a random reward raises accuracy this much".to_string()
            }
            ("majority", _) => "a label-free gain this large at this base accuracy".to_string(),
            _ => "a ground-truth gain this large at this base accuracy".to_string(),
        };
        // Format learning is per prompt in the format-gated members; the gate members learn a
        // behaviour shared by every prompt, but only within the clip-bias preset's budget, and a
        // base that never succeeds gives any member nothing to reinforce.
        let why = if arm != "random" {
            format!(
                "{why} (its format-learning members learn the format prompt by prompt; its gate members learn a \
                 mode shared by every prompt from a few prompts' successes, but within the `clip-bias` preset's \
                 {} steps, and a base that almost never succeeds gives them little to reinforce)",
                config::clip_bias().steps
            )
        } else {
            why
        };
        format!(
            "the class reaches at most {} points for `{arm}` (reported {}): it lacks {why}",
            pts(reach[1]),
            pts(reported)
        )
    } else if reported < reach[0] {
        format!(
            "the class goes no lower than {} points for `{arm}` (reported {}): it lacks a mechanism by which this arm falls this low",
            pts(reach[0]),
            pts(reported)
        )
    } else {
        format!(
            "each arm alone is within the class's reach ({} to {} points for `{arm}`), but no single setting matches \
             the reported arms together: the class lacks a mechanism that separates them this way",
            pts(reach[0]),
            pts(reach[1])
        )
    }
}

/// Every (member, budget) setting of the class at its solved config, with its gains from the
/// cache and its worst residual against `anchors`; and each point's (member index, budget
/// index), for neighbours.
fn scan(
    solved: &[Option<crate::sim::SimConfig>],
    anchors: &[Anchor],
    cache: &FitCache,
) -> (Vec<FitPoint>, Vec<(usize, usize)>) {
    let mut points = Vec::new();
    // (member index, budget index) of each point, for neighbours.
    let mut at = Vec::new();
    for (mi, (member, cfg)) in class().iter().zip(solved.iter()).enumerate() {
        let Some(cfg) = cfg else {
            continue;
        };
        let gains: Vec<Gains> = ARMS
            .iter()
            .map(|&arm| {
                cache.get(&Request {
                    config: cfg.clone(),
                    arm,
                })
            })
            .collect();
        // A cached entry could be shorter than the member's budgets only if the file was edited:
        // read what both have.
        let nb = gains.iter().map(|g| g.mean.len()).min().unwrap_or(0);
        for (b, &steps) in STEP_GRID[..nb.min(budgets(cfg))].iter().enumerate() {
            let mut p = FitPoint {
                member: member.name.clone(),
                mechanism: member.mechanism,
                format_strength: cfg.format_strength,
                prior: cfg.prior,
                steps,
                gains: ARMS
                    .iter()
                    .zip(&gains)
                    .map(|(k, g)| (k.to_string(), g.mean[b]))
                    .collect(),
                se: ARMS
                    .iter()
                    .zip(&gains)
                    .map(|(k, g)| (k.to_string(), g.sd[b] / (REPLICATES as f64).sqrt()))
                    .collect(),
                worst: 0.0,
            };
            p.worst = anchors
                .iter()
                .map(|a| p.residual(a).abs())
                .fold(0.0, f64::max);
            points.push(p);
            at.push((mi, b));
        }
    }
    (points, at)
}

/// Each arm's lowest and highest gain over the scanned settings.
fn reach_of(points: &[FitPoint]) -> BTreeMap<String, [f64; 2]> {
    ARMS.iter()
        .map(|&k| {
            let vals = points.iter().map(|p| p.gains[k]);
            (
                k.to_string(),
                [
                    vals.clone().fold(f64::INFINITY, f64::min),
                    vals.fold(f64::NEG_INFINITY, f64::max),
                ],
            )
        })
        .collect()
}

/// The settings an imputation ranges over: the consistent ones (every one, when no anchor
/// constrains the class) and their neighbouring budgets of the same member (`at`: each
/// setting's member and budget index).
fn pool_of(status: &FitStatus, consistent: &[usize], at: &[(usize, usize)]) -> BTreeSet<usize> {
    match status {
        FitStatus::Misfit => BTreeSet::new(),
        FitStatus::Unconstrained => (0..at.len()).collect(),
        FitStatus::Fitted => consistent
            .iter()
            .flat_map(|&i| {
                let (m, b) = at[i];
                (0..at.len()).filter(move |&j| at[j].0 == m && at[j].1.abs_diff(b) <= 1)
            })
            .collect(),
    }
}

/// The range of each `missing` arm over the settings of `pool`: every setting's gain ± 2
/// standard errors.
fn imputed_ranges(
    points: &[FitPoint],
    pool: &BTreeSet<usize>,
    missing: &[String],
) -> BTreeMap<String, [f64; 2]> {
    if pool.is_empty() {
        BTreeMap::new()
    } else {
        missing
            .iter()
            .map(|k| {
                let lo = pool
                    .iter()
                    .map(|&i| points[i].gains[k] - 2.0 * points[i].se[k])
                    .fold(f64::INFINITY, f64::min);
                let hi = pool
                    .iter()
                    .map(|&i| points[i].gains[k] + 2.0 * points[i].se[k])
                    .fold(f64::NEG_INFINITY, f64::max);
                (k.clone(), [lo, hi])
            })
            .collect()
    }
}

/// Fits the class to a reported base accuracy and anchors, and bounds the `missing` arms
/// (keys among [`ARMS`]).
pub fn fit(base_accuracy: f64, anchors: &[Anchor], missing: &[String], cache: &FitCache) -> Fit {
    // The largest ceiling on a random gain of the preferred-style clip-bias members (the gate
    // member's, where it can have this base accuracy).
    let solved = solved_class(base_accuracy);
    let ceiling = class()
        .iter()
        .zip(solved.iter())
        .filter(|(m, _)| m.mechanism == Mechanism::ClipBias)
        .filter_map(|(_, c)| c.as_ref())
        .filter(|c| c.style_share.is_some_and(|s| s > 0.5))
        .filter_map(style_ceiling)
        .reduce(f64::max);
    let (points, at) = scan(&solved, anchors, cache);
    let consistent: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].worst <= 1.0)
        .collect();
    let status = if anchors.is_empty() {
        FitStatus::Unconstrained
    } else if consistent.is_empty() {
        FitStatus::Misfit
    } else {
        FitStatus::Fitted
    };
    let reach = reach_of(&points);
    let best = points
        .iter()
        .min_by(|a, b| a.worst.total_cmp(&b.worst))
        .cloned();
    let residuals: Vec<Residual> = best
        .as_ref()
        .map(|b| {
            anchors
                .iter()
                .map(|a| Residual {
                    arm: a.arm.clone(),
                    reported: a.gain,
                    simulated: b.gains[&a.arm],
                    simulated_se: b.se[&a.arm],
                    tolerances: b.residual(a),
                })
                .collect()
        })
        .unwrap_or_default();
    let misfit = (status == FitStatus::Misfit)
        .then(|| {
            residuals
                .iter()
                .max_by(|a, b| a.tolerances.abs().total_cmp(&b.tolerances.abs()))
                .map(|r| MisfitReason {
                    arm: r.arm.clone(),
                    off_by: r.tolerances,
                    reported: r.reported,
                    reach: reach[&r.arm],
                    lacks: lacks(&r.arm, r.reported, reach[&r.arm], ceiling),
                })
        })
        .flatten();
    let pool = pool_of(&status, &consistent, &at);
    let imputed = imputed_ranges(&points, &pool, missing);
    let mut consistent_by_member = BTreeMap::new();
    for &i in &consistent {
        *consistent_by_member
            .entry(points[i].member.clone())
            .or_insert(0) += 1;
    }
    Fit {
        status,
        method: method_text(),
        anchors: anchors.to_vec(),
        settings_scanned: points.len(),
        settings_consistent: consistent.len(),
        consistent_by_member,
        best,
        residuals,
        reach,
        misfit,
        random_ceiling: ceiling,
        imputed,
    }
}

#[cfg(test)]
mod tests {
    use super::class::style_accuracy;
    use super::*;
    use crate::sim::SimConfig;
    use crate::sim::policy::base_distribution;

    #[test]
    fn the_solved_prior_reproduces_the_base_accuracy() {
        for f in [0.0, 0.2, 0.5] {
            let cfg = SimConfig {
                format_strength: f,
                ..config::paper()
            };
            for acc in [0.05, 0.3, 0.494, 0.9] {
                let p = prior_for_base(&cfg, acc);
                let got: f64 = base_distribution(&cfg, p)[..2].iter().sum();
                assert!((got - acc).abs() < 1e-12, "f {f} acc {acc} got {got}");
            }
        }
    }

    #[test]
    fn every_member_is_solved_to_the_reported_base_accuracy() {
        for acc in [0.02, 0.15, 0.4, 0.75] {
            for m in class() {
                let Some(c) = solved(m, acc) else {
                    // Only a format rate, or a gate member's accurate share, at or below the
                    // accuracy makes a member unreachable.
                    let gate_share = match m.solve {
                        Solve::Style { odds } if odds == GATE_ODDS_RATIO => m.config.style_share,
                        _ => None,
                    };
                    assert!(
                        (matches!(m.solve, Solve::Gated | Solve::GatedBeta)
                            && m.config.format_rate <= acc + 1e-9)
                            || gate_share.is_some_and(|s| s <= acc + 1e-9),
                        "{} at {acc}",
                        m.name
                    );
                    continue;
                };
                let got = match m.solve {
                    // The realised accuracy of many drawn prompts (the Beta prior's mean accuracy).
                    Solve::GatedBeta => crate::sim::policy::base_accuracy(&SimConfig {
                        prompts: 20_000,
                        ..c.clone()
                    }),
                    Solve::Style { odds } => style_accuracy(&c, c.prior, odds),
                    _ => crate::sim::policy::base_accuracy(&c),
                };
                let tol = if matches!(m.solve, Solve::GatedBeta) {
                    0.01
                } else {
                    1e-9
                };
                assert!((got - acc).abs() < tol, "{} at {acc}: {got}", m.name);
            }
        }
    }

    #[test]
    fn a_cached_and_a_fresh_fit_agree_and_the_cache_round_trips() {
        let dir = std::env::temp_dir().join(format!("rlvr-fit-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fit-cache.json");
        let anchors = [Anchor {
            arm: "true".into(),
            gain: 0.10,
            tolerance: 0.05,
            lender: None,
        }];
        let missing = ["random".to_string()];
        let fresh = FitCache::default();
        let a = fit(0.4, &anchors, &missing, &fresh);
        assert!(fresh.save(&path, false).unwrap());
        let warm = FitCache::load(&path).unwrap();
        let b = fit(0.4, &anchors, &missing, &warm);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        // Nothing new was used: the file is not rewritten.
        assert!(!warm.save(&path, false).unwrap());
        // Another fit adds its runs to what is kept; pruning keeps only what a run used.
        let other = FitCache::load(&path).unwrap();
        fit(0.7, &anchors, &missing, &other);
        assert!(other.save(&path, false).unwrap());
        let both = FitCache::load(&path).unwrap();
        assert!(both.len() > warm.len());
        fit(0.7, &anchors, &missing, &both);
        assert!(both.save(&path, true).unwrap());
        // The two fits share no run (their priors differ), so what is left is the second's.
        assert_eq!(
            FitCache::load(&path).unwrap().len(),
            both.len() - warm.len()
        );
        // A corrupt file is an error naming it and its line.
        std::fs::write(&path, "{\"simulator\": \n oops").unwrap();
        let e = FitCache::load(&path).err().unwrap().to_string();
        assert!(e.contains("fit-cache.json:2:"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
