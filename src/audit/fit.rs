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

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::sim::config::Family;
use crate::sim::policy::{latent_accuracy, prior_for_base_accuracy};
use crate::sim::{Arm, SimConfig, config, run};

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
const DECIMALS: i32 = 9;
/// The largest fit cache read (the shipped one is well under 2 MiB).
pub const MAX_CACHE_BYTES: u64 = 64 << 20;

/// What a member of the class is there to model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// The seed paper's class: the prior's mode and its self-consistency, on-policy GRPO.
    Elicitation,
    /// The format-gated family: a base that formats a share q of its answers; label-free and
    /// format rewards teach the format (README, "The format-gated family").
    FormatLearning,
    /// The shared-style model under PPO clipping: a random reward moves a behaviour shared by
    /// every prompt toward the one the base prefers (README, "Clipping bias with a shared style").
    ClipBias,
}

impl Mechanism {
    pub fn describe(self) -> &'static str {
        match self {
            Mechanism::Elicitation => {
                "self-consistency elicitation (paper family, on-policy GRPO, f = format strength)"
            }
            Mechanism::FormatLearning => {
                "format learning (format-gated family, on-policy GRPO, q = base format rate)"
            }
            Mechanism::ClipBias => {
                "clip-bias random-reward gains (shared style token, PPO clipping, the `clip-bias` preset)"
            }
        }
    }
}

/// How a member's prior follows from a reported base accuracy.
#[derive(Clone, Copy, Debug)]
pub enum Solve {
    /// The paper family's closed form, the accuracy kept in [0.001, 0.999].
    Paper,
    /// The format-gated family's closed form at the member's q (unreachable when acc ≥ q).
    Gated,
    /// The format-gated family with per-prompt priors p ~ Beta(p̄κ, (1 − p̄)κ): the mean p̄
    /// whose expected base accuracy q·E[acc(p)] is the reported one, by bisection over a
    /// quadrature of the Beta.
    GatedBeta,
    /// The style model: style 1 answers with p, style 0 with the prior whose odds are
    /// [`STYLE_ODDS_RATIO`] times p's (the more accurate style); the base accuracy
    /// share·acc(p₀) + (1 − share)·acc(p) is solved for p by bisection.
    Style,
}

/// Odds ratio of style 0's prior to style 1's in the style members: the `clip-bias` preset's
/// 0.80 vs 0.35 is an odds ratio of 7.4.
pub const STYLE_ODDS_RATIO: f64 = 7.0;

/// One member of the fitted class: a config whose prior is solved from the base accuracy.
#[derive(Clone, Debug)]
pub struct Member {
    /// Short, stable name printed in reports (e.g. `paper f=0.2`).
    pub name: String,
    pub mechanism: Mechanism,
    pub solve: Solve,
    /// The config; its prior (and style 0's) is replaced by the solved one.
    pub config: SimConfig,
}

/// Format rates of the format-learning members.
pub const FORMAT_RATES: [f64; 7] = [0.03, 0.06, 0.1, 0.2, 0.35, 0.5, 0.7];
/// Learning rates of the format-learning members: the paper's, and four times it (a budget
/// four times longer, for a base that rarely formats).
pub const FORMAT_LEARNING_RATES: [f64; 2] = [0.05, 0.2];
/// Concentration of the per-prompt Beta prior of the heterogeneous format-learning members:
/// prompts differ in difficulty, so some have a wrong latent mode and a majority vote trails the
/// ground truth there.
pub const PRIOR_CONCENTRATION: f64 = 2.0;
/// Base shares of the accurate style in the clip-bias members: preferred, and not.
pub const STYLE_SHARES: [f64; 2] = [0.65, 0.35];

/// The fitted class, in report order.
pub fn class() -> Vec<Member> {
    let mut out: Vec<Member> = [0.0, 0.2, 0.5]
        .iter()
        .map(|&f| Member {
            name: format!("paper f={f}"),
            mechanism: Mechanism::Elicitation,
            solve: Solve::Paper,
            config: SimConfig {
                format_strength: f,
                steps: MAX_STEPS,
                seed: SEED,
                ..config::paper()
            },
        })
        .collect();
    for lr in FORMAT_LEARNING_RATES {
        out.extend(FORMAT_RATES.iter().map(|&q| Member {
            name: if lr == config::paper().lr {
                format!("format-gated q={q}")
            } else {
                format!("format-gated q={q} η={lr}")
            },
            mechanism: Mechanism::FormatLearning,
            solve: Solve::Gated,
            config: SimConfig {
                family: Family::FormatGated,
                format_rate: q,
                lr,
                steps: MAX_STEPS,
                seed: SEED,
                ..config::paper()
            },
        }));
    }
    out.extend(FORMAT_RATES.iter().map(|&q| Member {
        name: format!("format-gated q={q} κ={PRIOR_CONCENTRATION}"),
        mechanism: Mechanism::FormatLearning,
        solve: Solve::GatedBeta,
        config: SimConfig {
            family: Family::FormatGated,
            format_rate: q,
            prior_concentration: Some(PRIOR_CONCENTRATION),
            lr: FORMAT_LEARNING_RATES[1],
            steps: MAX_STEPS,
            seed: SEED,
            ..config::paper()
        },
    }));
    out.extend(STYLE_SHARES.iter().map(|&share| Member {
        name: format!("clip-bias share={share}"),
        mechanism: Mechanism::ClipBias,
        solve: Solve::Style,
        config: SimConfig {
            style_share: Some(share),
            seed: SEED,
            ..config::clip_bias()
        },
    }));
    out
}

/// The prior p_s at which the paper family's base accuracy is `acc`.
pub fn prior_for_base(cfg: &SimConfig, acc: f64) -> f64 {
    let (k, c) = (cfg.answers as f64, cfg.correct as f64);
    let m = 1.0 + cfg.format_strength * k;
    let w = (k - c - 1.0 + m) / (k - c);
    let a = acc.clamp(1e-3, 1.0 - 1e-3);
    a * w / (1.0 - a + a * w)
}

/// Style 0's prior in a style member whose style 1 has prior `p`.
fn style0_prior(p: f64) -> f64 {
    p * STYLE_ODDS_RATIO / (1.0 - p + p * STYLE_ODDS_RATIO)
}

/// A style member's base accuracy at style-1 prior `p` (the answer marginal's correct mass).
fn style_accuracy(cfg: &SimConfig, p: f64) -> f64 {
    let share = cfg.style_share.unwrap_or(1.0);
    share * latent_accuracy(cfg, style0_prior(p)) + (1.0 - share) * latent_accuracy(cfg, p)
}

/// The member's config at a reported base accuracy, or `None` when the member cannot have that
/// base accuracy.
pub fn solved(member: &Member, base_accuracy: f64) -> Option<SimConfig> {
    let mut c = member.config.clone();
    match member.solve {
        Solve::Paper => c.prior = prior_for_base(&c, base_accuracy),
        Solve::Gated => c.prior = prior_for_base_accuracy(&c, base_accuracy)?,
        Solve::GatedBeta => {
            let kappa = c.prior_concentration?;
            let q = crate::sim::policy::effective_format_rate(&c, c.format_rate);
            let f = |mean: f64| q * beta_mean_accuracy(&c, mean, kappa);
            let (mut lo, mut hi) = (1e-4, 1.0 - 1e-4);
            if !(f(lo) < base_accuracy && base_accuracy < f(hi)) {
                return None;
            }
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if f(mid) < base_accuracy {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            c.prior = 0.5 * (lo + hi);
        }
        Solve::Style => {
            // Arithmetic only (no libm), so the solved prior has the same bits everywhere.
            let (mut lo, mut hi) = (1e-6, 1.0 - 1e-6);
            if !(style_accuracy(&c, lo) < base_accuracy && base_accuracy < style_accuracy(&c, hi)) {
                return None;
            }
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if style_accuracy(&c, mid) < base_accuracy {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            c.prior = 0.5 * (lo + hi);
            c.style_prior = Some(style0_prior(c.prior));
        }
    }
    c.validate().ok().map(|_| c)
}

/// E[acc(p)] for p ~ Beta(mean·κ, (1 − mean)·κ), self-normalised. The density's end points
/// can be singular (a parameter below 1), so each half is integrated in a variable that makes it
/// regular: p = t^(1/a) on (0, ½] and 1 − p = t^(1/b) on [½, 1), where p^(a−1)·dp = dt/a; a
/// midpoint rule on 2,048 points per half.
fn beta_mean_accuracy(cfg: &SimConfig, mean: f64, kappa: f64) -> f64 {
    const POINTS: usize = 2048;
    let (a, b) = (mean * kappa, (1.0 - mean) * kappa);
    let (mut num, mut den) = (0.0, 0.0);
    for (shape, other, left) in [(a, b, true), (b, a, false)] {
        let top = 0.5f64.powf(shape);
        let dt = top / POINTS as f64;
        for i in 0..POINTS {
            let t = (i as f64 + 0.5) * dt;
            let x = t.powf(1.0 / shape);
            let p = if left { x } else { 1.0 - x };
            let w = (1.0 - x).powf(other - 1.0) * dt / shape;
            num += w * latent_accuracy(cfg, p);
            den += w;
        }
    }
    num / den
}

/// The largest random-reward gain a clip-bias member can produce at its solved config: the
/// accurate style's share driven from its base value to 1, answers held fixed,
/// (1 − share)·(acc(p₀) − acc(p₁)).
pub fn style_ceiling(cfg: &SimConfig) -> Option<f64> {
    let share = cfg.style_share?;
    let p0 = cfg.style_prior?;
    Some((1.0 - share) * (latent_accuracy(cfg, p0) - latent_accuracy(cfg, cfg.prior)))
}

fn arm_of(key: &str) -> Arm {
    match key {
        "random" => Arm::Random { gamma: 0.5 },
        "majority" => Arm::Majority,
        _ => Arm::True,
    }
}

/// One simulated arm of one solved member: what the cache stores under [`Request::key`].
#[derive(Clone, Debug)]
pub struct Request {
    pub config: SimConfig,
    pub arm: &'static str,
}

impl Request {
    /// The simulator arm this request runs.
    pub fn arm(&self) -> Arm {
        arm_of(self.arm)
    }

    /// The content hash of everything the runs depend on.
    pub fn key(&self) -> String {
        let text = format!(
            "{}\n{}\n{}\n{}\n{:?}",
            crate::sim::VERSION,
            self.config.canonical_json(),
            arm_of(self.arm),
            REPLICATES,
            STEP_GRID
        );
        crate::io::sha256_hex(&text)[..32].to_string()
    }

    /// The budgets of [`STEP_GRID`] this request's runs reach (a member may run fewer than
    /// [`MAX_STEPS`] steps).
    pub fn budgets(&self) -> usize {
        budgets(&self.config)
    }

    /// Runs the replicates: per budget of [`STEP_GRID`] up to the config's steps, the mean and
    /// standard deviation of the gain over base, rounded.
    pub fn compute(&self) -> Gains {
        let arm = arm_of(self.arm);
        let nb = self.budgets();
        let per_rep: Vec<Vec<f64>> = (0..REPLICATES)
            .map(|r| {
                let res = run(&self.config, &arm, r, true);
                STEP_GRID[..nb]
                    .iter()
                    .map(|&s| res.trajectory[s].accuracy - res.base.accuracy)
                    .collect()
            })
            .collect();
        let n = REPLICATES as f64;
        let mean: Vec<f64> = (0..nb)
            .map(|b| round(per_rep.iter().map(|v| v[b]).sum::<f64>() / n))
            .collect();
        let sd: Vec<f64> = (0..nb)
            .map(|b| {
                let m = per_rep.iter().map(|v| v[b]).sum::<f64>() / n;
                let ss: f64 = per_rep.iter().map(|v| (v[b] - m).powi(2)).sum();
                round((ss / (n - 1.0)).sqrt())
            })
            .collect();
        Gains { mean, sd }
    }
}

/// How many budgets of [`STEP_GRID`] a run of `cfg` reaches.
fn budgets(cfg: &SimConfig) -> usize {
    STEP_GRID.iter().filter(|&&s| s <= cfg.steps).count()
}

fn round(x: f64) -> f64 {
    let s = 10f64.powi(DECIMALS);
    (x * s).round() / s
}

/// Simulated gains over base of one (member, arm), per budget of [`STEP_GRID`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gains {
    pub mean: Vec<f64>,
    /// Standard deviation over the replicates.
    pub sd: Vec<f64>,
}

/// Every request a fit at `base_accuracy` needs.
pub fn requests(base_accuracy: f64) -> Vec<Request> {
    class()
        .iter()
        .filter_map(|m| solved(m, base_accuracy))
        .flat_map(|c| {
            ARMS.iter().map(move |&arm| Request {
                config: c.clone(),
                arm,
            })
        })
        .collect()
}

#[derive(Debug, Error)]
pub enum CacheError {
    #[error("{path}: cannot read the fit cache: {msg}")]
    Read { path: String, msg: String },
    #[error(
        "{path}:{line}:{column}: the fit cache is not valid ({msg}); delete it and `report` recomputes it"
    )]
    Corrupt {
        path: String,
        line: usize,
        column: usize,
        msg: String,
    },
    #[error(
        "{path}: the fit cache entry `{key}` has {got} budgets, not {want}; delete the file and `report` recomputes it"
    )]
    Shape {
        path: String,
        key: String,
        got: usize,
        want: usize,
    },
    #[error("{path}: cannot write the fit cache: {msg}")]
    Write { path: String, msg: String },
}

/// The on-disk form of the cache.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheFile {
    /// Simulator version the entries were computed with; another version's file is ignored.
    simulator: String,
    runs: BTreeMap<String, Gains>,
}

/// Simulated gains by request key. Shared by the audits of one run; thread-safe.
#[derive(Default)]
pub struct FitCache {
    entries: Mutex<BTreeMap<String, Gains>>,
    /// Keys looked up since the cache was made (what a pruned save keeps).
    used: Mutex<BTreeSet<String>>,
    /// Keys as loaded from the file.
    loaded: BTreeSet<String>,
}

impl FitCache {
    /// Reads a cache file. A missing file is an empty cache; a file of another simulator
    /// version is ignored (its entries are stale); a corrupt file is an error naming it.
    pub fn load(path: &Path) -> Result<FitCache, CacheError> {
        use std::io::Read as _;
        let p = path.display().to_string();
        let read = |e: std::io::Error| CacheError::Read {
            path: p.clone(),
            msg: e.to_string(),
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FitCache::default()),
            Err(e) => return Err(read(e)),
        };
        if !meta.is_file() {
            return Err(read(std::io::Error::other(
                "not a regular file (a directory, device or pipe)",
            )));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CACHE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(read)?;
        if bytes.len() as u64 > MAX_CACHE_BYTES {
            return Err(read(std::io::Error::other(format!(
                "larger than {MAX_CACHE_BYTES} bytes, the limit of a fit cache"
            ))));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            read(std::io::Error::other(format!(
                "not UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            )))
        })?;
        let file: CacheFile = serde_json::from_str(&text).map_err(|e| CacheError::Corrupt {
            path: p.clone(),
            line: e.line(),
            column: e.column(),
            msg: e.to_string(),
        })?;
        if file.simulator != crate::sim::VERSION {
            return Ok(FitCache::default());
        }
        for (key, g) in &file.runs {
            for v in [&g.mean, &g.sd] {
                if v.is_empty()
                    || v.len() > STEP_GRID.len()
                    || v.len() != g.mean.len()
                    || v.iter().any(|x| !x.is_finite())
                {
                    return Err(CacheError::Shape {
                        path: p,
                        key: key.clone(),
                        got: v.len(),
                        want: g.mean.len().clamp(1, STEP_GRID.len()),
                    });
                }
            }
        }
        Ok(FitCache {
            loaded: file.runs.keys().cloned().collect(),
            entries: Mutex::new(file.runs),
            used: Mutex::default(),
        })
    }

    /// Writes the entries used since load (a pruned cache) atomically, when they differ from
    /// what was loaded. Returns whether the file was written.
    pub fn save(&self, path: &Path) -> Result<bool, CacheError> {
        let used = self.used.lock().expect("no panics under the lock").clone();
        if used == self.loaded {
            return Ok(false);
        }
        let entries = self.entries.lock().expect("no panics under the lock");
        let file = CacheFile {
            simulator: crate::sim::VERSION.to_string(),
            runs: used
                .iter()
                .filter_map(|k| entries.get(k).map(|g| (k.clone(), g.clone())))
                .collect(),
        };
        let mut text = serde_json::to_string(&file).expect("plain data");
        text.push('\n');
        crate::io::write_atomic(path, text.as_bytes()).map_err(|e| CacheError::Write {
            path: path.display().to_string(),
            msg: e.to_string(),
        })?;
        Ok(true)
    }

    /// Runs every request not in the cache, in parallel; `tick` is called once per request
    /// computed. Returns how many were computed.
    pub fn fill(&self, requests: &[Request], tick: &(dyn Fn() + Sync)) -> usize {
        let mut seen = BTreeSet::new();
        let todo: Vec<(String, &Request)> = {
            let entries = self.entries.lock().expect("no panics under the lock");
            requests
                .iter()
                .map(|r| (r.key(), r))
                .filter(|(k, _)| !entries.contains_key(k) && seen.insert(k.clone()))
                .collect()
        };
        let done: Vec<(String, Gains)> = todo
            .par_iter()
            .map(|(k, r)| {
                let g = r.compute();
                tick();
                (k.clone(), g)
            })
            .collect();
        let n = done.len();
        self.entries
            .lock()
            .expect("no panics under the lock")
            .extend(done);
        n
    }

    /// The gains of `request`, computed now if not cached.
    pub fn get(&self, request: &Request) -> Gains {
        let key = request.key();
        self.used
            .lock()
            .expect("no panics under the lock")
            .insert(key.clone());
        if let Some(g) = self
            .entries
            .lock()
            .expect("no panics under the lock")
            .get(&key)
        {
            return g.clone();
        }
        let g = request.compute();
        self.entries
            .lock()
            .expect("no panics under the lock")
            .insert(key, g.clone());
        g
    }

    /// How many entries the cache holds.
    pub fn len(&self) -> usize {
        self.entries.lock().expect("no panics under the lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A reported gain the fit must match.
#[derive(Clone, Debug, Serialize)]
pub struct Anchor {
    pub arm: String,
    pub gain: f64,
    pub tolerance: f64,
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
         {}× style 1's odds); budgets {:?} steps read off {}-step trajectories (the clip-bias members: the \
         `clip-bias` preset's {} steps); {} replicates per arm (master seed {}); a setting is consistent when every reported gain is \
         matched within 2 standard errors + printed precision + {} model tolerance + 2 simulated standard errors",
        members.join(", "),
        STYLE_ODDS_RATIO,
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
        // Format learning is per prompt in the class: a base that almost never formats learns
        // slowly there, while an LLM's format is one behaviour shared by every prompt.
        let why = if arm != "random" {
            format!(
                "{why} (its format-learning members learn the format prompt by prompt; a format shared by every \
                 prompt, learned from a few prompts' successes, is not modelled)"
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

/// Fits the class to a reported base accuracy and anchors, and bounds the `missing` arms
/// (keys among [`ARMS`]).
pub fn fit(base_accuracy: f64, anchors: &[Anchor], missing: &[String], cache: &FitCache) -> Fit {
    // The preferred-style clip-bias member's ceiling on a random gain.
    let ceiling = class()
        .iter()
        .find(|m| m.mechanism == Mechanism::ClipBias)
        .and_then(|m| solved(m, base_accuracy))
        .and_then(|c| style_ceiling(&c));
    let mut points = Vec::new();
    // (member index, budget index) of each point, for neighbours.
    let mut at = Vec::new();
    for (mi, member) in class().iter().enumerate() {
        let Some(cfg) = solved(member, base_accuracy) else {
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
        for (b, &steps) in STEP_GRID[..nb.min(budgets(&cfg))].iter().enumerate() {
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
    let reach: BTreeMap<String, [f64; 2]> = ARMS
        .iter()
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
        .collect();
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
    // The settings an imputation ranges over: the consistent ones (every one, when no anchor
    // constrains the class) and their neighbouring budgets of the same member.
    let pool: BTreeSet<usize> = match status {
        FitStatus::Misfit => BTreeSet::new(),
        FitStatus::Unconstrained => (0..points.len()).collect(),
        FitStatus::Fitted => consistent
            .iter()
            .flat_map(|&i| {
                let at = &at;
                let (m, b) = at[i];
                (0..points.len()).filter(move |&j| at[j].0 == m && at[j].1.abs_diff(b) <= 1)
            })
            .collect(),
    };
    let imputed = if pool.is_empty() {
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
    };
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
        imputed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
                let Some(c) = solved(&m, acc) else {
                    // Only a format rate at or below the accuracy makes a member unreachable.
                    assert!(
                        matches!(m.solve, Solve::Gated | Solve::GatedBeta)
                            && m.config.format_rate <= acc + 1e-9,
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
                    Solve::Style => style_accuracy(&c, c.prior),
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
        }];
        let missing = ["random".to_string()];
        let fresh = FitCache::default();
        let a = fit(0.4, &anchors, &missing, &fresh);
        assert!(fresh.save(&path).unwrap());
        let warm = FitCache::load(&path).unwrap();
        let b = fit(0.4, &anchors, &missing, &warm);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        // Nothing new was used: the file is not rewritten.
        assert!(!warm.save(&path).unwrap());
        // A corrupt file is an error naming it and its line.
        std::fs::write(&path, "{\"simulator\": \n oops").unwrap();
        let e = FitCache::load(&path).err().unwrap().to_string();
        assert!(e.contains("fit-cache.json:2:"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
