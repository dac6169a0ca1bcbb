//! The model check's runs, cached by content hash: what one simulated arm of one solved member
//! is ([`Request`]), what it yields ([`Gains`]), and the cache file ([`FitCache`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::class::{self, solved_class};
use super::{ARMS, DECIMALS, MAX_CACHE_BYTES, REPLICATES, STEP_GRID};
use crate::sim::{Arm, SimConfig, run, run_at};

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
        // Only the budgets' metrics are kept: the run is the same, and the per-step metrics
        // (an entropy's logarithms per answer) were a fifth of a cold report.
        let per_rep: Vec<Vec<f64>> = (0..REPLICATES)
            .map(|r| {
                let res = run_at(&self.config, &arm, r, &STEP_GRID[..nb]);
                res.trajectory
                    .iter()
                    .map(|m| m.accuracy - res.base.accuracy)
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
pub(super) fn budgets(cfg: &SimConfig) -> usize {
    STEP_GRID.iter().filter(|&&s| s <= cfg.steps).count()
}

fn round(x: f64) -> f64 {
    let s = 10f64.powi(DECIMALS);
    (x * s).round() / s
}

/// Whether `key` is a 32-digit lowercase hexadecimal content hash.
fn is_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
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
    solved_class(base_accuracy)
        .iter()
        .flatten()
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
    #[error(
        "{path}: the fit cache entry `{key}` holds {what}; the file was edited or damaged: delete it and `report` recomputes it"
    )]
    Impossible {
        path: String,
        key: String,
        what: String,
    },
    #[error(
        "{path}: the fit cache entry `{key}` disagrees with its recomputation (gain {cached} cached, {fresh} recomputed at {steps} steps); the file was edited or damaged: delete it and `report` recomputes it"
    )]
    Disagrees {
        path: String,
        key: String,
        steps: usize,
        cached: f64,
        fresh: f64,
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
    /// The Beta-prior members' solved priors by member and base accuracy (each checked exactly
    /// before it is used; a file without them is solved afresh).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    priors: BTreeMap<String, f64>,
    /// The pre-registered studies' job values, by study key (`factorial::values_key`), in job
    /// order (checked against their study before use).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    studies: BTreeMap<String, Vec<f64>>,
}

impl CacheFile {
    /// Every value the file holds checked against what a run can give (an error names the file
    /// `p` and the entry): a gain outside −1…+1, a standard deviation outside 0…1, a number off
    /// the cache's 10⁻⁹ grid, a prior outside 0…1, a key of the wrong form.
    fn check(&self, p: &str) -> Result<(), CacheError> {
        for (key, g) in &self.runs {
            for v in [&g.mean, &g.sd] {
                if v.is_empty()
                    || v.len() > STEP_GRID.len()
                    || v.len() != g.mean.len()
                    || v.iter().any(|x| !x.is_finite())
                {
                    return Err(CacheError::Shape {
                        path: p.to_string(),
                        key: key.clone(),
                        got: v.len(),
                        want: g.mean.len().clamp(1, STEP_GRID.len()),
                    });
                }
            }
            let bad = |what: String| CacheError::Impossible {
                path: p.to_string(),
                key: key.clone(),
                what,
            };
            if !is_key(key) {
                return Err(bad("the key is not a 32-digit content hash".into()));
            }
            for (b, (&m, &sd)) in g.mean.iter().zip(&g.sd).enumerate() {
                if !(-1.0..=1.0).contains(&m) {
                    return Err(bad(format!(
                        "a gain of {m} at {} steps (a gain in accuracy lies within −1…+1)",
                        STEP_GRID[b]
                    )));
                }
                if !(0.0..=1.0).contains(&sd) {
                    return Err(bad(format!(
                        "a standard deviation of {sd} at {} steps (0…1 for accuracies)",
                        STEP_GRID[b]
                    )));
                }
                if [m, sd].iter().any(|&x| round(x) != x) {
                    return Err(bad(format!(
                        "a value off the cache's grid of {DECIMALS} decimals at {} steps (every run is rounded to it)",
                        STEP_GRID[b]
                    )));
                }
            }
        }
        for (key, &prior) in &self.priors {
            if !class::is_prior_key(key) {
                return Err(CacheError::Impossible {
                    path: p.to_string(),
                    key: key.clone(),
                    what: "a prior under a key that is not a Beta-prior member's name, `@` and a base accuracy's 16 hexadecimal digits".into(),
                });
            }
            if !(prior > 0.0 && prior < 1.0) {
                return Err(CacheError::Impossible {
                    path: p.to_string(),
                    key: key.clone(),
                    what: format!("a prior of {prior} (a prior mean lies strictly within 0…1)"),
                });
            }
        }
        for (key, values) in &self.studies {
            if !is_key(key) || values.is_empty() || values.iter().any(|v| !v.is_finite()) {
                return Err(CacheError::Impossible {
                    path: p.to_string(),
                    key: key.clone(),
                    what: "a study's job values that are not a 32-digit key over a list of finite numbers".into(),
                });
            }
        }
        Ok(())
    }
}

/// Simulated gains by request key. Shared by the audits of one run; thread-safe.
#[derive(Default)]
pub struct FitCache {
    entries: Mutex<BTreeMap<String, Gains>>,
    /// Keys looked up since the cache was made (what a pruned save keeps).
    used: Mutex<BTreeSet<String>>,
    /// Keys as loaded from the file.
    loaded: BTreeSet<String>,
    /// Loaded keys already checked by [`FitCache::fill`].
    checked: Mutex<BTreeSet<String>>,
    /// Solved priors as loaded from the file.
    priors: BTreeMap<String, f64>,
    /// Studies' job values: as loaded, and as loaded or computed by this run.
    studies_loaded: BTreeMap<String, Vec<f64>>,
    studies: Mutex<BTreeMap<String, Vec<f64>>>,
    studies_used: Mutex<BTreeSet<String>>,
}

/// Loaded entries recomputed by every [`FitCache::fill`] that uses loaded entries (the ones
/// whose keys hash lowest): a damaged file is caught at random with this many draws, a
/// deliberately poisoned one only by `--verify-fit-cache`.
pub const SPOT_CHECKS: usize = 2;

impl FitCache {
    /// Reads a cache file. A missing file is an empty cache; a file of another simulator
    /// version is ignored (its entries are stale); a corrupt file is an error naming it, and so is
    /// an entry holding values no run can give (a gain outside −1…+1, a standard deviation
    /// outside 0…1, a number off the cache's 10⁻⁹ grid).
    pub fn load(path: &Path) -> Result<FitCache, CacheError> {
        let p = path.display().to_string();
        let text = match crate::io::read_text(path, MAX_CACHE_BYTES, "a fit cache") {
            Ok(t) => t,
            Err(crate::io::ReadError::Missing(_)) => return Ok(FitCache::default()),
            Err(e) => {
                return Err(CacheError::Read {
                    path: p,
                    msg: e.reason(),
                });
            }
        };
        let file: CacheFile = serde_json::from_str(&text).map_err(|e| CacheError::Corrupt {
            path: p.clone(),
            line: e.line(),
            column: e.column(),
            msg: e.to_string(),
        })?;
        if file.simulator != crate::sim::VERSION {
            return Ok(FitCache::default());
        }
        file.check(&p)?;
        class::learn_priors(&file.priors);
        Ok(FitCache {
            loaded: file.runs.keys().cloned().collect(),
            entries: Mutex::new(file.runs),
            used: Mutex::default(),
            checked: Mutex::default(),
            priors: file.priors,
            studies_loaded: file.studies.clone(),
            studies: Mutex::new(file.studies),
            studies_used: Mutex::default(),
        })
    }

    /// Checks a loaded entry against what its member can produce: each replicate's gain over
    /// base lies within [−base, 1 − base] of that replicate's base accuracy (the base runs are
    /// cheap: an untrained arm stops after its base), so each budget's mean does too, and a
    /// budget past the member's steps cannot be there.
    fn check_reach(
        &self,
        key: &str,
        g: &Gains,
        r: &Request,
        bases: &[f64],
        path: &str,
    ) -> Result<(), CacheError> {
        let lo = -bases.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let hi = 1.0 - bases.iter().copied().fold(f64::INFINITY, f64::min);
        // One unit of the rounding grid of slack on each side.
        let ulp = 10f64.powi(-DECIMALS);
        let bad = |what: String| CacheError::Impossible {
            path: path.to_string(),
            key: key.to_string(),
            what,
        };
        if g.mean.len() != r.budgets() {
            return Err(bad(format!(
                "{} budgets where its member runs {} ({} steps)",
                g.mean.len(),
                r.budgets(),
                r.config.steps
            )));
        }
        for (b, &m) in g.mean.iter().enumerate() {
            if m < lo - ulp || m > hi + ulp {
                return Err(bad(format!(
                    "a `{}` gain of {m:+} at {} steps, beyond what its member can reach (its base accuracy \
                     leaves {lo:+.4} to {hi:+.4})",
                    r.arm, STEP_GRID[b]
                )));
            }
        }
        Ok(())
    }

    /// Writes the cache atomically when this run used an entry the file did not hold: every
    /// entry loaded or used (another set of descriptors may need what this one did not), or with
    /// `prune` only the entries used (then also when some loaded entry went unused). Returns
    /// whether the file was written.
    pub fn save(&self, path: &Path, prune: bool) -> Result<bool, CacheError> {
        let used = self.used.lock().expect("no panics under the lock").clone();
        let keep: BTreeSet<String> = if prune {
            used.clone()
        } else {
            self.loaded.union(&used).cloned().collect()
        };
        let mut priors = class::solved_priors();
        if !prune {
            for (k, v) in &self.priors {
                priors.entry(k.clone()).or_insert(*v);
            }
        }
        let studies: BTreeMap<String, Vec<f64>> = {
            let all = self.studies.lock().expect("no panics under the lock");
            let used = self.studies_used.lock().expect("no panics under the lock");
            all.iter()
                .filter(|(k, _)| {
                    used.contains(*k) || (!prune && self.studies_loaded.contains_key(*k))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        if keep == self.loaded && priors == self.priors && studies == self.studies_loaded {
            return Ok(false);
        }
        let entries = self.entries.lock().expect("no panics under the lock");
        let file = CacheFile {
            simulator: crate::sim::VERSION.to_string(),
            runs: keep
                .iter()
                .filter_map(|k| entries.get(k).map(|g| (k.clone(), g.clone())))
                .collect(),
            priors,
            studies,
        };
        let mut text = serde_json::to_string(&file).expect("plain data");
        text.push('\n');
        crate::io::write_atomic(path, text.as_bytes()).map_err(|e| CacheError::Write {
            path: path.display().to_string(),
            msg: e.to_string(),
        })?;
        Ok(true)
    }

    /// How many distinct requests of `requests` the cache does not hold (what [`FitCache::fill`]
    /// would run).
    pub fn missing(&self, requests: &[Request]) -> usize {
        let entries = self.entries.lock().expect("no panics under the lock");
        requests
            .iter()
            .map(|r| r.key())
            .filter(|k| !entries.contains_key(k))
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Checks the loaded entries that `requests` use, then runs every request not in the cache,
    /// in parallel; `tick` is called once per request computed. Returns how many were computed.
    ///
    /// The checks (an error names the file and the entry): every used entry is within its
    /// member's reach ([`FitCache::check_reach`]); [`SPOT_CHECKS`] of them, chosen by their keys,
    /// are recomputed and must agree to the last rounded digit — with `verify`, every one is.
    pub fn fill(
        &self,
        requests: &[Request],
        path: &Path,
        verify: bool,
        tick: &(dyn Fn() + Sync),
    ) -> Result<usize, CacheError> {
        self.check_loaded(requests, path, verify)?;
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
        Ok(n)
    }

    /// The checks of [`FitCache::fill`] on the loaded entries `requests` use (each entry once
    /// per cache): within its member's reach, and the spot sample recomputed.
    fn check_loaded(
        &self,
        requests: &[Request],
        path: &Path,
        verify: bool,
    ) -> Result<(), CacheError> {
        let p = path.display().to_string();
        let mut loaded: BTreeMap<String, &Request> = BTreeMap::new();
        for r in requests {
            let k = r.key();
            if self.loaded.contains(&k) {
                loaded.entry(k).or_insert(r);
            }
        }
        let to_check: Vec<(String, Gains, &Request)> = {
            let entries = self.entries.lock().expect("no panics under the lock");
            let checked = self.checked.lock().expect("no panics under the lock");
            loaded
                .iter()
                .filter(|(k, _)| !checked.contains(*k))
                .filter_map(|(k, r)| entries.get(k).map(|g| (k.clone(), g.clone(), *r)))
                .collect()
        };
        // Each replicate's base accuracy depends on the member's config only: the three arms of
        // a member share their base runs.
        let configs: BTreeMap<String, &SimConfig> = to_check
            .iter()
            .map(|(_, _, r)| (r.config.canonical_json(), &r.config))
            .collect();
        let bases: BTreeMap<&String, Vec<f64>> = configs
            .par_iter()
            .map(|(c, cfg)| {
                let b = (0..REPLICATES)
                    .map(|rep| run(cfg, &Arm::Base, rep, false).base.accuracy)
                    .collect();
                (c, b)
            })
            .collect();
        to_check.par_iter().try_for_each(|(k, g, r)| {
            self.check_reach(k, g, r, &bases[&r.config.canonical_json()], &p)
        })?;
        // The spot sample: the used entries whose keys hash lowest (or all, with `verify`).
        let mut sample: Vec<&(String, Gains, &Request)> = to_check.iter().collect();
        sample.sort_by_cached_key(|(k, _, _)| {
            crate::io::sha256_hex(&format!("rlvr-audit/fit-spot/v1\n{k}"))
        });
        if !verify {
            sample.truncate(SPOT_CHECKS);
        }
        sample.par_iter().try_for_each(|(k, g, r)| {
            let fresh = r.compute();
            let close = |a: &[f64], b: &[f64]| {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 2e-9)
            };
            if close(&fresh.mean, &g.mean) && close(&fresh.sd, &g.sd) {
                Ok(())
            } else {
                let b = fresh
                    .mean
                    .iter()
                    .zip(&g.mean)
                    .position(|(x, y)| (x - y).abs() > 2e-9)
                    .unwrap_or(0);
                Err(CacheError::Disagrees {
                    path: p.clone(),
                    key: k.clone(),
                    steps: STEP_GRID[b.min(STEP_GRID.len() - 1)],
                    cached: g.mean.get(b).copied().unwrap_or(f64::NAN),
                    fresh: fresh.mean.get(b).copied().unwrap_or(f64::NAN),
                })
            }
        })?;
        self.checked
            .lock()
            .expect("no panics under the lock")
            .extend(to_check.into_iter().map(|(k, _, _)| k));
        Ok(())
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

    /// A study's job values under `key`, as loaded or stored by this run (then kept by a
    /// pruned save); the caller checks them against its study.
    pub fn study_values(&self, key: &str) -> Option<Vec<f64>> {
        let v = self
            .studies
            .lock()
            .expect("no panics under the lock")
            .get(key)
            .cloned()?;
        self.studies_used
            .lock()
            .expect("no panics under the lock")
            .insert(key.to_string());
        Some(v)
    }

    /// Stores a study's job values under `key` (saved with the cache).
    pub fn put_study_values(&self, key: String, values: Vec<f64>) {
        self.studies_used
            .lock()
            .expect("no panics under the lock")
            .insert(key.clone());
        self.studies
            .lock()
            .expect("no panics under the lock")
            .insert(key, values);
    }

    /// How many entries the cache holds.
    pub fn len(&self) -> usize {
        self.entries.lock().expect("no panics under the lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
