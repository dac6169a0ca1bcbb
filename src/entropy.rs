//! The entropy mechanism (METHOD §10, Cui et al. 2025) checked exactly in the tabular simulator:
//! the first-order law ΔH ≈ −Cov_{a∼π}(log π(a), Δθ(a)) step by step, and the empirical law
//! R = −a·e^H + b on accuracy-versus-entropy trajectories.

use rayon::prelude::*;
use serde::Serialize;

use crate::sim::run::run_observed;
use crate::sim::{Arm, SimConfig, config, run};

/// Entropy of a distribution, in nats.
pub fn entropy(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| x * x.ln())
        .sum::<f64>()
}

/// The covariance prediction of one step's entropy change: −Cov_{a∼π}(log π(a), Δθ(a)).
pub fn covariance_prediction(p: &[f64], delta: &[f64]) -> f64 {
    let (mut e_ld, mut e_l, mut e_d) = (0.0, 0.0, 0.0);
    for (&pi, &d) in p.iter().zip(delta) {
        if pi > 0.0 {
            let l = pi.ln();
            e_ld += pi * l * d;
            e_l += pi * l;
            e_d += pi * d;
        }
    }
    -(e_ld - e_l * e_d)
}

/// Least-squares fit of accuracy = −a·e^H + b.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct LawFit {
    pub a: f64,
    pub b: f64,
    pub r2: f64,
    /// The predicted accuracy at H = 0: −a + b.
    pub ceiling: f64,
}

pub fn fit_law(entropies: &[f64], accuracies: &[f64]) -> Option<LawFit> {
    let n = entropies.len() as f64;
    let x: Vec<f64> = entropies.iter().map(|h| h.exp()).collect();
    let (mx, my) = (
        x.iter().sum::<f64>() / n,
        accuracies.iter().sum::<f64>() / n,
    );
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = x
        .iter()
        .zip(accuracies)
        .map(|(v, y)| (v - mx) * (y - my))
        .sum();
    let slope = sxy / sxx;
    let b = my - slope * mx;
    let ss_tot: f64 = accuracies.iter().map(|y| (y - my) * (y - my)).sum();
    let ss_res: f64 = x
        .iter()
        .zip(accuracies)
        .map(|(v, y)| (y - (b + slope * v)).powi(2))
        .sum();
    let r2 = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        1.0
    };
    Some(LawFit {
        a: -slope,
        b,
        r2,
        ceiling: slope + b,
    })
}

/// Agreement of predicted and actual entropy changes over many group updates.
#[derive(Clone, Debug, Serialize)]
pub struct Agreement {
    pub lr: f64,
    pub updates: usize,
    pub correlation: f64,
    /// Median of |predicted − actual| / |actual| (updates with |actual| > 1e-12).
    pub median_relative_error: f64,
    pub p90_relative_error: f64,
    /// A sample of (predicted, actual) pairs for the scatter plot.
    pub sample: Vec<(f64, f64)>,
}

fn correlation(v: &[(f64, f64)]) -> f64 {
    let n = v.len() as f64;
    let (mx, my) = (
        v.iter().map(|p| p.0).sum::<f64>() / n,
        v.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = v.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let (vx, vy): (f64, f64) = (
        v.iter().map(|p| (p.0 - mx).powi(2)).sum(),
        v.iter().map(|p| (p.1 - my).powi(2)).sum(),
    );
    cov / (vx * vy).sqrt()
}

/// Every group update's (predicted, actual) entropy change in runs of `cfg` under `arm`.
pub fn dynamics(cfg: &SimConfig, arm: &Arm, replicates: u64) -> Agreement {
    let pairs: Vec<(f64, f64)> = (0..replicates)
        .into_par_iter()
        .flat_map_iter(|r| {
            let mut v = Vec::new();
            let mut obs = |old: &[f64], new: &[f64], delta: &[f64]| {
                v.push((
                    covariance_prediction(old, delta),
                    entropy(new) - entropy(old),
                ));
            };
            run_observed(cfg, arm, r, false, Some(&mut obs));
            v
        })
        .collect();
    let mut rel: Vec<f64> = pairs
        .iter()
        .filter(|p| p.1.abs() > 1e-12)
        .map(|p| ((p.0 - p.1) / p.1).abs())
        .collect();
    rel.sort_by(f64::total_cmp);
    let q = |f: f64| {
        if rel.is_empty() {
            f64::NAN
        } else {
            crate::stats::quantile_sorted(&rel, f)
        }
    };
    let step = (pairs.len() / 400).max(1);
    Agreement {
        lr: cfg.lr,
        updates: pairs.len(),
        correlation: correlation(&pairs),
        median_relative_error: q(0.5),
        p90_relative_error: q(0.9),
        sample: pairs.iter().step_by(step).copied().collect(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ArmLaw {
    pub arm: String,
    pub prior: f64,
    pub fit: Option<LawFit>,
    pub final_accuracy: f64,
    pub final_entropy: f64,
    /// Mean trajectory (entropy, accuracy) per step.
    pub trajectory: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlRow {
    pub control: String,
    pub final_accuracy: f64,
    pub final_entropy: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EntropyReport {
    pub config: SimConfig,
    pub replicates: u64,
    pub agreement: Vec<Agreement>,
    pub laws: Vec<ArmLaw>,
    pub controls: Vec<ControlRow>,
}

/// Learning rates of the first-order check.
pub const LRS: [f64; 5] = [0.005, 0.02, 0.05, 0.2, 1.0];

/// The whole study: dynamics against η (TRUE arm, p_s = 0.5), the law per arm and prior, and
/// Clip-Cov / KL-Cov against plain GRPO.
pub fn study(base: &SimConfig, replicates: u64) -> EntropyReport {
    let agreement = LRS
        .iter()
        .map(|&lr| {
            dynamics(
                &SimConfig {
                    lr,
                    prior: 0.5,
                    ..base.clone()
                },
                &Arm::True,
                replicates,
            )
        })
        .collect();
    let arms: Vec<Arm> = ["true", "majority", "entropy", "random"]
        .iter()
        .map(|a| a.parse().expect("arm"))
        .collect();
    let mut laws = Vec::new();
    for prior in [0.35, 0.8] {
        let cfg = SimConfig {
            prior,
            ..base.clone()
        };
        for arm in &arms {
            let runs: Vec<_> = (0..replicates)
                .into_par_iter()
                .map(|r| run(&cfg, arm, r, true))
                .collect();
            let steps = runs[0].trajectory.len();
            let traj: Vec<(f64, f64)> = (0..steps)
                .map(|t| {
                    let n = runs.len() as f64;
                    (
                        runs.iter().map(|r| r.trajectory[t].entropy).sum::<f64>() / n,
                        runs.iter().map(|r| r.trajectory[t].accuracy).sum::<f64>() / n,
                    )
                })
                .collect();
            let (h, acc): (Vec<f64>, Vec<f64>) = traj.iter().copied().unzip();
            laws.push(ArmLaw {
                arm: arm.to_string(),
                prior,
                fit: fit_law(&h, &acc),
                final_accuracy: acc[acc.len() - 1],
                final_entropy: h[h.len() - 1],
                trajectory: traj,
            });
        }
    }
    let control_cfgs = [
        (
            "GRPO (no control)",
            SimConfig {
                prior: 0.5,
                ..base.clone()
            },
        ),
        (
            "Clip-Cov, 20 % of samples",
            SimConfig {
                prior: 0.5,
                cov_control: config::CovControl::ClipCov,
                ..base.clone()
            },
        ),
        (
            "KL-Cov, 20 % of samples, PPO μ = 4",
            SimConfig {
                prior: 0.5,
                cov_control: config::CovControl::KlCov,
                update: config::Update::Ppo,
                inner_epochs: 4,
                ..base.clone()
            },
        ),
        (
            "PPO μ = 4 (no control)",
            SimConfig {
                prior: 0.5,
                update: config::Update::Ppo,
                inner_epochs: 4,
                ..base.clone()
            },
        ),
    ];
    let controls = control_cfgs
        .iter()
        .map(|(name, cfg)| {
            let runs: Vec<_> = (0..replicates)
                .into_par_iter()
                .map(|r| run(cfg, &Arm::True, r, false))
                .collect();
            let n = runs.len() as f64;
            ControlRow {
                control: name.to_string(),
                final_accuracy: runs.iter().map(|r| r.final_metrics.accuracy).sum::<f64>() / n,
                final_entropy: runs.iter().map(|r| r.final_metrics.entropy).sum::<f64>() / n,
            }
        })
        .collect();
    EntropyReport {
        config: base.clone(),
        replicates,
        agreement,
        laws,
        controls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covariance_identity_on_two_and_three_answers() {
        // Two answers, π = (0.75, 0.25), Δθ = (0.1, 0): E[log π·Δθ] = 0.75·ln0.75·0.1,
        // E[log π] = 0.75 ln 0.75 + 0.25 ln 0.25, E[Δθ] = 0.075.
        let p = [0.75, 0.25];
        let d = [0.1, 0.0];
        let (l1, l2) = (0.75f64.ln(), 0.25f64.ln());
        let want = -(0.75 * l1 * 0.1 - (0.75 * l1 + 0.25 * l2) * 0.075);
        assert!((covariance_prediction(&p, &d) - want).abs() < 1e-15);
        // Three answers, by hand: π = (0.5, 0.3, 0.2), Δθ = (0.02, −0.01, 0.03).
        let p = [0.5, 0.3, 0.2];
        let d = [0.02, -0.01, 0.03];
        let l: Vec<f64> = p.iter().map(|x: &f64| x.ln()).collect();
        let e_ld = 0.5 * l[0] * 0.02 + 0.3 * l[1] * -0.01 + 0.2 * l[2] * 0.03;
        let e_l = 0.5 * l[0] + 0.3 * l[1] + 0.2 * l[2];
        let e_d = 0.5 * 0.02 + 0.3 * -0.01 + 0.2 * 0.03;
        assert!((covariance_prediction(&p, &d) + (e_ld - e_l * e_d)).abs() < 1e-15);
        // And it is the first-order entropy change of the softmax step.
        let theta: Vec<f64> = l.clone();
        let eps = 1e-5;
        let moved: Vec<f64> = theta.iter().zip(&d).map(|(t, x)| t + eps * x).collect();
        let mut q = [0.0; 3];
        crate::sim::policy::softmax(&moved, &mut q);
        let actual = entropy(&q) - entropy(&p);
        let predicted = eps * covariance_prediction(&p, &d);
        assert!(
            ((actual - predicted) / predicted).abs() < 1e-3,
            "{actual} vs {predicted}"
        );
    }

    #[test]
    fn the_law_fit_recovers_a_and_b() {
        let h: Vec<f64> = (0..50).map(|i| 2.0 - i as f64 * 0.03).collect();
        let acc: Vec<f64> = h.iter().map(|x| -0.08 * x.exp() + 0.95).collect();
        let f = fit_law(&h, &acc).unwrap();
        assert!(
            (f.a - 0.08).abs() < 1e-12 && (f.b - 0.95).abs() < 1e-12,
            "{f:?}"
        );
        assert!((f.r2 - 1.0).abs() < 1e-12);
        assert!((f.ceiling - 0.87).abs() < 1e-12);
    }
}
