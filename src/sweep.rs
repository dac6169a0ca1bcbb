//! Prior-strength sweeps (METHOD §5–§6): the decomposition at each level, the gate's decision,
//! and the self-consistency crossover — analytic for the configured family and empirical from
//! the sign change of Δ_elicit.

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF};

use crate::decompose::{self, Chain, Decomposition};
use crate::gate::{Decision, GateRule};
use crate::rng::{self, derive_seed};
use crate::sim::policy::crossover;
use crate::sim::{SimConfig, run};
use crate::stats::{self, Estimate};

/// Parses `0.2,0.35,0.5` (a list) or `0.05:0.95:0.05` (start:stop:step, both ends included).
/// Grid values are rounded to 10 decimals so `0.15` is `0.15`, not `0.15000000000000002`.
/// The most prior levels one sweep may have.
pub const MAX_LEVELS: usize = 10_000;

pub fn parse_levels(s: &str) -> Result<Vec<f64>, String> {
    let num = |x: &str| {
        x.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{x}` is not a number"))
    };
    let levels = if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        let [a, b, step] = parts[..] else {
            return Err(format!("a grid is start:stop:step, got `{s}`"));
        };
        let (a, b, step) = (num(a)?, num(b)?, num(step)?);
        if step.is_nan() || step <= 0.0 || b < a {
            return Err(format!("grid `{s}` needs step > 0 and stop ≥ start"));
        }
        let count = ((b - a) / step + 1e-9).floor() + 1.0;
        if count.is_nan() || count > MAX_LEVELS as f64 {
            return Err(format!(
                "grid `{s}` has {count:.0} levels; at most {MAX_LEVELS}"
            ));
        }
        let n = count as usize;
        (0..n)
            .map(|i| ((a + i as f64 * step) * 1e10).round() / 1e10)
            .collect()
    } else {
        s.split(',')
            .map(num)
            .collect::<Result<Vec<f64>, String>>()?
    };
    if levels.is_empty() {
        return Err("no levels given".into());
    }
    if levels.len() > MAX_LEVELS {
        return Err(format!("{} levels; at most {MAX_LEVELS}", levels.len()));
    }
    if let Some(bad) = levels.iter().find(|&&p| !(p > 0.0 && p < 1.0)) {
        return Err(format!("level {bad} is outside (0, 1)"));
    }
    if levels.windows(2).any(|w| w[1] <= w[0]) {
        return Err("levels must be strictly increasing".into());
    }
    Ok(levels)
}

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepSpec {
    /// Every parameter but the prior.
    pub base: SimConfig,
    pub levels: Vec<f64>,
    pub chain: Chain,
    pub replicates: u64,
    pub resamples: usize,
    pub share_tolerance: f64,
    pub gate: GateRule,
    /// Double the replicates of BOUNDED levels up to this cap and re-gate.
    pub escalate_to: Option<u64>,
    pub parallel: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct LevelResult {
    pub prior: f64,
    /// Exact base accuracy (mean over prompts).
    pub base_accuracy: f64,
    pub replicates: u64,
    pub gate: Decision,
    /// Δ_elicit's interval at the gate's level.
    pub gate_interval: Estimate,
    /// Replicate counts tried, in order, when escalation ran.
    pub escalations: Vec<u64>,
    pub decomposition: Decomposition,
}

#[derive(Clone, Debug, Serialize)]
pub struct Crossover {
    /// The analytic crossover prior of the family.
    pub analytic: f64,
    pub analytic_method: String,
    /// Where the level means of Δ_elicit change sign, linearly interpolated; the interval is the
    /// percentile bootstrap of that crossing (replicates resampled within each level).
    pub empirical: Option<Estimate>,
    /// How many sign changes the level means show.
    pub sign_changes: usize,
    /// The two levels that bracket the first sign change.
    pub bracket: Option<[f64; 2]>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub config: SimConfig,
    pub chain: Vec<String>,
    pub gate_rule: GateRule,
    pub gate_rule_text: String,
    pub levels: Vec<LevelResult>,
    pub crossover: Crossover,
}

/// The config at one level.
pub fn at_level(base: &SimConfig, prior: f64) -> SimConfig {
    SimConfig {
        prior,
        ..base.clone()
    }
}

/// The (cell, arm, replicate) jobs of many (config, replicate-count) cells, in a fixed order.
pub fn jobs_of(cells: &[(SimConfig, u64)], chain: &Chain) -> Vec<(usize, usize, u64)> {
    cells
        .iter()
        .enumerate()
        .flat_map(|(l, (_, reps))| {
            (0..chain.arms.len()).flat_map(move |a| (0..*reps).map(move |r| (l, a, r)))
        })
        .collect()
}

/// One job's final accuracy.
pub fn job_value(cells: &[(SimConfig, u64)], chain: &Chain, (l, a, r): (usize, usize, u64)) -> f64 {
    run(&cells[l].0, &chain.arms[a], r, false)
        .final_metrics
        .accuracy
}

/// `acc[cell][arm][replicate]` from the values of [`jobs_of`], in its order.
pub fn group(cells: &[(SimConfig, u64)], chain: &Chain, values: &[f64]) -> Vec<Vec<Vec<f64>>> {
    let mut out: Vec<Vec<Vec<f64>>> = cells
        .iter()
        .map(|(_, reps)| vec![Vec::with_capacity(*reps as usize); chain.arms.len()])
        .collect();
    for (&(l, a, _), v) in jobs_of(cells, chain).iter().zip(values) {
        out[l][a].push(*v);
    }
    out
}

/// Final accuracies `acc[level][arm][replicate]` of many (config, replicate-count) cells, all
/// runs fanned out at once; `tick` is called once per finished run.
fn accuracies(
    cells: &[(SimConfig, u64)],
    chain: &Chain,
    parallel: bool,
    tick: &ProgressBar,
) -> Vec<Vec<Vec<f64>>> {
    let jobs = jobs_of(cells, chain);
    let one = |&job: &(usize, usize, u64)| {
        let v = job_value(cells, chain, job);
        tick.inc(1);
        v
    };
    let flat: Vec<f64> = if parallel {
        jobs.par_iter().map(one).collect()
    } else {
        jobs.iter().map(one).collect()
    };
    group(cells, chain, &flat)
}

/// The cells of a sweep: one per level, each with the spec's replicates.
pub fn cells_of(spec: &SweepSpec) -> Vec<(SimConfig, u64)> {
    spec.levels
        .iter()
        .map(|&p| (at_level(&spec.base, p), spec.replicates))
        .collect()
}

/// The sweep from every level's accuracies (no escalation).
pub fn assemble(spec: &SweepSpec, acc: &[Vec<Vec<f64>>]) -> Sweep {
    let cells = cells_of(spec);
    let levels: Vec<LevelResult> = cells
        .iter()
        .zip(acc)
        .map(|((cfg, _), a)| level_result(spec, cfg, a, Vec::new()))
        .collect();
    finish(spec, levels)
}

fn finish(spec: &SweepSpec, levels: Vec<LevelResult>) -> Sweep {
    let crossover = empirical_crossover(spec, &levels);
    Sweep {
        config: spec.base.clone(),
        chain: spec.chain.arms.iter().map(|a| a.to_string()).collect(),
        gate_rule: spec.gate,
        gate_rule_text: spec.gate.describe(),
        levels,
        crossover,
    }
}

/// Runs in a sweep before escalation: levels × arms × replicates.
pub fn run_count(spec: &SweepSpec) -> u64 {
    spec.levels.len() as u64 * spec.chain.arms.len() as u64 * spec.replicates
}

fn level_result(
    spec: &SweepSpec,
    cfg: &SimConfig,
    acc: &[Vec<f64>],
    escalations: Vec<u64>,
) -> LevelResult {
    let reps = acc[0].len();
    let boot = decompose::simulated_bootstrap(cfg, &spec.chain, reps, spec.resamples);
    let d = decompose::decompose(&spec.chain, acc, &boot, spec.share_tolerance);
    let elicit: Vec<f64> = d.per_replicate.iter().map(|t| t.elicit).collect();
    let gate_interval = boot.mean_at(&elicit, spec.gate.level);
    LevelResult {
        prior: cfg.prior,
        base_accuracy: crate::sim::policy::base_accuracy(cfg),
        replicates: reps as u64,
        gate: spec.gate.decide(&gate_interval),
        gate_interval,
        escalations,
        decomposition: d,
    }
}

/// Runs the sweep.
pub fn run_sweep(spec: &SweepSpec, progress: &ProgressBar) -> Sweep {
    let cells = cells_of(spec);
    let acc = accuracies(&cells, &spec.chain, spec.parallel, progress);
    let mut levels: Vec<LevelResult> = cells
        .iter()
        .zip(&acc)
        .map(|((cfg, _), a)| level_result(spec, cfg, a, Vec::new()))
        .collect();
    if let Some(cap) = spec.escalate_to {
        for lr in levels.iter_mut() {
            let mut reps = lr.replicates;
            let mut tried = vec![reps];
            while lr.gate == Decision::Bounded && reps < cap {
                reps = (reps * 2).min(cap);
                tried.push(reps);
                let cfg = at_level(&spec.base, lr.prior);
                progress.inc_length(reps * spec.chain.arms.len() as u64);
                let a = accuracies(&[(cfg.clone(), reps)], &spec.chain, spec.parallel, progress);
                *lr = level_result(spec, &cfg, &a[0], tried.clone());
            }
        }
    }
    finish(spec, levels)
}

/// Linear-interpolated zero crossings of `ys` over `xs` (a value of exactly 0 counts as a crossing
/// at that level).
pub fn crossings(xs: &[f64], ys: &[f64]) -> Vec<(f64, usize)> {
    let mut out = Vec::new();
    for i in 0..xs.len().saturating_sub(1) {
        let (y0, y1) = (ys[i], ys[i + 1]);
        if y0 == 0.0 {
            out.push((xs[i], i));
        } else if y0.signum() != y1.signum() && y1 != 0.0 {
            out.push((xs[i] + (0.0 - y0) * (xs[i + 1] - xs[i]) / (y1 - y0), i));
        }
    }
    if ys.last() == Some(&0.0) && xs.len() > 1 {
        out.push((xs[xs.len() - 1], xs.len() - 1));
    }
    out
}

/// The family's analytic crossover; with a Beta prior, the mean prior p̄ at which half of the
/// prompts have a correct mode (the Beta's median equals the fixed-prior crossover p*).
pub fn analytic_crossover(cfg: &SimConfig) -> (f64, String) {
    let p_star = crossover(cfg);
    let family = match cfg.family {
        crate::sim::config::Family::Paper => "paper family: p* = c·m/(K − c + c·m), m = 1 + f·K",
        crate::sim::config::Family::FormatGated => {
            "format-gated family: the paper family's p* = c·m/(K − c + c·m), m = 1 + f·K (formatting \
             scales every latent answer by the same q, so the modal latent answer is unchanged)"
        }
        crate::sim::config::Family::Distractor => {
            "distractor family: p* = w/(1 + w), w = max(d, (1 − d)/(K − 2))"
        }
    };
    match cfg.prior_concentration {
        None => (p_star, family.to_string()),
        Some(kappa) => {
            // P(p_s > p*) rises with p̄: bisect for the p̄ where it is one half.
            let above = |m: f64| {
                1.0 - Beta::new(m * kappa, (1.0 - m) * kappa)
                    .expect("valid")
                    .cdf(p_star)
            };
            let (mut lo, mut hi) = (1e-6, 1.0 - 1e-6);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if above(mid) < 0.5 { lo = mid } else { hi = mid }
            }
            (
                0.5 * (lo + hi),
                format!(
                    "{family}; Beta prior with κ = {kappa}: the mean p̄ at which half the prompts have p_s > p* = {p_star:.4}"
                ),
            )
        }
    }
}

fn empirical_crossover(spec: &SweepSpec, levels: &[LevelResult]) -> Crossover {
    let (analytic, analytic_method) = analytic_crossover(&spec.base);
    let xs: Vec<f64> = levels.iter().map(|l| l.prior).collect();
    let means: Vec<f64> = levels
        .iter()
        .map(|l| l.decomposition.terms.elicit.mean)
        .collect();
    let found = crossings(&xs, &means);
    let Some(&(point, i)) = found.first() else {
        return Crossover {
            analytic,
            analytic_method,
            empirical: None,
            sign_changes: 0,
            bracket: None,
        };
    };
    // Bootstrap: resample replicates within each level, recompute the crossing nearest the point.
    let per_level: Vec<Vec<f64>> = levels
        .iter()
        .map(|l| {
            l.decomposition
                .per_replicate
                .iter()
                .map(|t| t.elicit)
                .collect()
        })
        .collect();
    let seed = derive_seed(&[
        b"rlvr-audit/crossover/v1",
        spec.base.canonical_json().as_bytes(),
        format!("{xs:?}").as_bytes(),
    ]);
    let mut r = rng::stream(&seed, 0);
    let resampled = (0..spec.resamples).map(|_| {
        let ys: Vec<f64> = per_level
            .iter()
            .map(|v| {
                (0..v.len())
                    .map(|_| v[rng::below(&mut r, v.len())])
                    .sum::<f64>()
                    / v.len() as f64
            })
            .collect();
        crossings(&xs, &ys)
            .into_iter()
            .map(|c| c.0)
            .min_by(|a, b| (a - point).abs().total_cmp(&(b - point).abs()))
    });
    let resampled: Vec<Option<f64>> = resampled.collect();
    Crossover {
        analytic,
        analytic_method,
        empirical: Some(stats::percentile_interval(
            point,
            resampled.into_iter(),
            0.025,
        )),
        sign_changes: found.len(),
        bracket: Some([xs[i], xs[(i + 1).min(xs.len() - 1)]]),
    }
}

/// Everything a merge needs to rebuild a sweep: the spec a shard file's header records (and
/// hashes).
#[derive(Serialize)]
pub struct SpecRecord<'a> {
    pub base: &'a SimConfig,
    pub levels: &'a [f64],
    /// The chain's arms as written (`base`, `random`, …).
    pub chain: Vec<String>,
    pub replicates: u64,
    pub resamples: usize,
    pub share_tolerance: f64,
    pub gate: &'a GateRule,
}

impl SweepSpec {
    pub fn record(&self) -> SpecRecord<'_> {
        SpecRecord {
            base: &self.base,
            levels: &self.levels,
            chain: self.chain.arms.iter().map(|a| a.to_string()).collect(),
            replicates: self.replicates,
            resamples: self.resamples,
            share_tolerance: self.share_tolerance,
            gate: &self.gate,
        }
    }
}

/// The `sweep --json` (and sweep `merge --json`) record: the sweep's own fields, the tool and
/// the seeds.
#[derive(Serialize)]
pub struct SweepRecord<'a> {
    #[serde(flatten)]
    pub sweep: &'a Sweep,
    pub tool: crate::io::Tool,
    pub seeds: rng::Seeds,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_as_lists_and_grids() {
        assert_eq!(parse_levels("0.2,0.35,0.5").unwrap(), vec![0.2, 0.35, 0.5]);
        let g = parse_levels("0.05:0.95:0.05").unwrap();
        assert_eq!(g.len(), 19);
        assert_eq!(g[2], 0.15);
        assert_eq!(g[18], 0.95);
        assert!(parse_levels("0.5,0.2").is_err());
        assert!(parse_levels("0,0.5").unwrap_err().contains("outside"));
        assert!(parse_levels("0.1:0.5").is_err());
        assert!(parse_levels("a").is_err());
    }

    #[test]
    fn crossing_of_a_synthetic_curve_is_interpolated() {
        // y = x − 0.43 on a 0.1 grid crosses at 0.43, between 0.4 and 0.5.
        let xs: Vec<f64> = (1..10).map(|i| i as f64 / 10.0).collect();
        let ys: Vec<f64> = xs.iter().map(|x| x - 0.43).collect();
        let c = crossings(&xs, &ys);
        assert_eq!(c.len(), 1);
        assert!((c[0].0 - 0.43).abs() < 1e-12);
        assert_eq!(c[0].1, 3);
        // A curve that crosses twice reports both.
        let ys: Vec<f64> = xs.iter().map(|x| (x - 0.25) * (x - 0.75)).collect();
        assert_eq!(crossings(&xs, &ys).len(), 2);
        assert!(crossings(&xs, &xs).is_empty());
    }

    #[test]
    fn beta_prior_crossover_has_the_median_at_the_fixed_crossover() {
        let cfg = SimConfig {
            prior_concentration: Some(10.0),
            ..crate::sim::config::paper()
        };
        let (m, _) = analytic_crossover(&cfg);
        let p_star = crossover(&cfg);
        let b = Beta::new(m * 10.0, (1.0 - m) * 10.0).unwrap();
        assert!((b.cdf(p_star) - 0.5).abs() < 1e-9);
    }
}
