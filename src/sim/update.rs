//! Logit updates: group advantages, the on-policy policy gradient, the PPO-clipped surrogate and
//! the two regularisers. Each gradient has its objective beside it so tests can check one against
//! finite differences of the other.
//!
//! The file is long because every gradient the simulator ascends sits beside the objective it is
//! the gradient of and the finite-difference test that ties them.

use super::config::{Advantage, Regulariser};

/// Group advantages of `rewards` into `adv`.
pub fn advantages(rewards: &[f64], kind: Advantage, eps: f64, adv: &mut [f64]) {
    let g = rewards.len() as f64;
    let mean = rewards.iter().sum::<f64>() / g;
    match kind {
        Advantage::Grpo => {
            let var = rewards.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / g;
            let denom = var.sqrt() + eps;
            for (a, r) in adv.iter_mut().zip(rewards) {
                // A group with all-equal rewards has zero advantage whatever ε is.
                *a = if denom > 0.0 { (r - mean) / denom } else { 0.0 };
            }
        }
        Advantage::DrGrpo => {
            for (a, r) in adv.iter_mut().zip(rewards) {
                *a = r - mean;
            }
        }
    }
}

/// Adds `scale · (1/G) Σ_i A_i (e_{a_i} − π)` to `grad`: the gradient of the surrogate
/// `(1/G) Σ_i A_i log π(a_i)` with respect to the logits.
pub fn add_pg_gradient(
    probs: &[f64],
    samples: &[usize],
    adv: &[f64],
    scale: f64,
    grad: &mut [f64],
) {
    let w = scale / samples.len() as f64;
    let total = scatter(samples, adv, w, grad);
    if total != 0.0 {
        for (g, &p) in grad.iter_mut().zip(probs) {
            *g -= w * total * p;
        }
    }
}

/// Adds `w · A_i` to `grad[a_i]` for each sample, in sample order; returns `Σ A_i`.
#[inline]
fn scatter(samples: &[usize], adv: &[f64], w: f64, grad: &mut [f64]) -> f64 {
    let mut total = 0.0;
    for (&a, &ai) in samples.iter().zip(adv) {
        grad[a] += w * ai;
        total += ai;
    }
    total
}

/// One on-policy step: `θ += lr · g`, where `g` (left in `grad`) is the policy gradient of
/// [`add_pg_gradient`] at scale one plus the direction of [`add_regulariser`] at scale β. Each
/// element sees the operations of those two functions in their order, so the bits are the
/// same, in one pass over the answers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn on_policy_step(
    kind: Regulariser,
    probs: &[f64],
    base_probs: &[f64],
    base_logprobs: &[f64],
    samples: &[usize],
    adv: &[f64],
    beta: f64,
    lr: f64,
    theta: &mut [f64],
    grad: &mut [f64],
) {
    grad.fill(0.0);
    if kind == Regulariser::Kl {
        add_pg_gradient(probs, samples, adv, 1.0, grad);
        add_regulariser(kind, probs, base_probs, base_logprobs, beta, grad);
        theta
            .iter_mut()
            .zip(grad.iter())
            .for_each(|(t, g)| *t += lr * g);
        return;
    }
    let w = 1.0 / samples.len() as f64;
    let total = scatter(samples, adv, w, grad);
    // With Σ A = 0 the centring term is skipped; subtracting +0·π instead leaves every value,
    // signed zeros included, as it was.
    let wt = if total != 0.0 { w * total } else { 0.0 };
    let k = grad.len();
    let (probs, theta) = (&probs[..k], &mut theta[..k]);
    if kind == Regulariser::Paper {
        let base_probs = &base_probs[..k];
        for j in 0..k {
            let mut g = grad[j] - wt * probs[j];
            g -= beta * (probs[j] - base_probs[j]);
            grad[j] = g;
            theta[j] += lr * g;
        }
    } else {
        for j in 0..k {
            let g = grad[j] - wt * probs[j];
            grad[j] = g;
            theta[j] += lr * g;
        }
    }
}

/// The on-policy surrogate `(1/G) Σ_i A_i log π(a_i)`.
pub fn pg_objective(probs: &[f64], samples: &[usize], adv: &[f64]) -> f64 {
    samples
        .iter()
        .zip(adv)
        .map(|(&a, &ai)| ai * probs[a].ln())
        .sum::<f64>()
        / samples.len() as f64
}

/// PPO clip bounds; `None` switches clipping off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip {
    pub eps_low: f64,
    pub eps_high: f64,
}

/// Whether the clipped term `min(ρA, clip(ρ)A)` takes its constant branch (zero gradient): the
/// ratio has left `[1 − ε_low, 1 + ε_high]` in the direction the advantage pushes.
#[inline]
pub fn is_clipped(ratio: f64, adv: f64, clip: Option<Clip>) -> bool {
    match clip {
        None => false,
        Some(c) => {
            (adv > 0.0 && ratio > 1.0 + c.eps_high) || (adv < 0.0 && ratio < 1.0 - c.eps_low)
        }
    }
}

/// Adds `scale ·` the gradient of the clipped surrogate `(1/G) Σ min(ρA, clip(ρ)A)`,
/// `ρ = π(a)/π_old(a)`, to `grad`. Returns how many samples were clipped.
pub fn add_clipped_gradient(
    probs: &[f64],
    old_probs: &[f64],
    samples: &[usize],
    adv: &[f64],
    clip: Option<Clip>,
    scale: f64,
    grad: &mut [f64],
) -> usize {
    let w = scale / samples.len() as f64;
    let mut clipped = 0;
    let mut total = 0.0;
    for (&a, &ai) in samples.iter().zip(adv) {
        let ratio = probs[a] / old_probs[a];
        if is_clipped(ratio, ai, clip) {
            clipped += 1;
            continue;
        }
        // d(ρA)/dθ = A ρ (e_a − π)
        let c = w * ai * ratio;
        grad[a] += c;
        total += c;
    }
    if total != 0.0 {
        for (g, &p) in grad.iter_mut().zip(probs) {
            *g -= total * p;
        }
    }
    clipped
}

/// The clipped surrogate `(1/G) Σ min(ρA, clip(ρ)A)`.
pub fn clipped_objective(
    probs: &[f64],
    old_probs: &[f64],
    samples: &[usize],
    adv: &[f64],
    clip: Option<Clip>,
) -> f64 {
    samples
        .iter()
        .zip(adv)
        .map(|(&a, &ai)| {
            let ratio = probs[a] / old_probs[a];
            match clip {
                None => ratio * ai,
                Some(c) => (ratio * ai).min(ratio.clamp(1.0 - c.eps_low, 1.0 + c.eps_high) * ai),
            }
        })
        .sum::<f64>()
        / samples.len() as f64
}

/// Cui et al.'s per-sample covariance term: (log π(a_i) − mean log π)·(A_i − mean A) over the
/// group.
pub fn cov_terms(probs: &[f64], samples: &[usize], adv: &[f64]) -> Vec<f64> {
    let g = samples.len() as f64;
    let lp: Vec<f64> = samples.iter().map(|&a| probs[a].ln()).collect();
    let (ml, ma) = (lp.iter().sum::<f64>() / g, adv.iter().sum::<f64>() / g);
    lp.iter()
        .zip(adv)
        .map(|(l, a)| (l - ml) * (a - ma))
        .collect()
}

/// The ⌊fraction·G⌋ samples with the highest covariance term (ties: the earlier sample first).
pub fn cov_selection(probs: &[f64], samples: &[usize], adv: &[f64], fraction: f64) -> Vec<bool> {
    let k = (fraction * samples.len() as f64).floor() as usize;
    let cov = cov_terms(probs, samples, adv);
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by(|&i, &j| cov[j].total_cmp(&cov[i]).then(i.cmp(&j)));
    let mut sel = vec![false; samples.len()];
    for &i in order.iter().take(k) {
        sel[i] = true;
    }
    sel
}

/// Adds the gradient of −coef·(1/G)·Σ_selected ½(log ρ_i)², ρ_i = π(a_i)/π_old(a_i): KL-Cov's
/// penalty on the selected samples (zero while π = π_old).
pub fn add_kl_cov_gradient(
    probs: &[f64],
    old: &[f64],
    samples: &[usize],
    selected: &[bool],
    coef: f64,
    grad: &mut [f64],
) {
    let w = coef / samples.len() as f64;
    let mut total = 0.0;
    for ((&a, &s), _) in samples.iter().zip(selected).zip(0..) {
        if !s {
            continue;
        }
        let c = -w * (probs[a] / old[a]).ln();
        grad[a] += c;
        total += c;
    }
    if total != 0.0 {
        for (g, &p) in grad.iter_mut().zip(probs) {
            *g -= total * p;
        }
    }
}

/// KL(π ‖ π_base) from probabilities and base log-probabilities.
pub fn kl(probs: &[f64], base_logprobs: &[f64]) -> f64 {
    probs
        .iter()
        .zip(base_logprobs)
        .filter(|(p, _)| **p > 0.0)
        .map(|(&p, &lb)| p * (p.ln() - lb))
        .sum()
}

/// Adds `scale ·` the regulariser's ascent direction to `grad`.
///
/// *paper*: `−(π − π_base)` (the seed paper's pull toward the base probabilities, applied to the
/// logits; it is the negative gradient of `½‖π − π_base‖²` with respect to the *probabilities*).
/// *kl*: `−∂KL(π_θ‖π_base)/∂θ = −π ⊙ (log π − log π_base − KL)`, exact.
pub fn add_regulariser(
    kind: Regulariser,
    probs: &[f64],
    base_probs: &[f64],
    base_logprobs: &[f64],
    scale: f64,
    grad: &mut [f64],
) {
    match kind {
        Regulariser::None => {}
        Regulariser::Paper => {
            for ((g, &p), &b) in grad.iter_mut().zip(probs).zip(base_probs) {
                *g -= scale * (p - b);
            }
        }
        Regulariser::Kl => {
            let d = kl(probs, base_logprobs);
            for ((g, &p), &lb) in grad.iter_mut().zip(probs).zip(base_logprobs) {
                if p > 0.0 {
                    *g -= scale * p * (p.ln() - lb - d);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{derive_seed, stream, uniform};
    use crate::sim::policy::softmax;

    fn sm(theta: &[f64]) -> Vec<f64> {
        let mut p = vec![0.0; theta.len()];
        softmax(theta, &mut p);
        p
    }

    /// Central finite differences of `f` at `theta`.
    fn fd(theta: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        let h = 1e-6;
        (0..theta.len())
            .map(|j| {
                let mut up = theta.to_vec();
                let mut dn = theta.to_vec();
                up[j] += h;
                dn[j] -= h;
                (f(&up) - f(&dn)) / (2.0 * h)
            })
            .collect()
    }

    fn random_case(tag: &[u8], k: usize, g: usize) -> (Vec<f64>, Vec<usize>, Vec<f64>) {
        let mut rng = stream(&derive_seed(&[tag]), 0);
        let theta: Vec<f64> = (0..k).map(|_| 3.0 * uniform(&mut rng) - 1.5).collect();
        let samples: Vec<usize> = (0..g).map(|_| crate::rng::below(&mut rng, k)).collect();
        let rewards: Vec<f64> = (0..g)
            .map(|_| (uniform(&mut rng) < 0.5) as u8 as f64)
            .collect();
        let mut adv = vec![0.0; g];
        advantages(&rewards, Advantage::Grpo, 1e-6, &mut adv);
        (theta, samples, adv)
    }

    fn assert_close(a: &[f64], b: &[f64], tol: f64) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < tol, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn pg_gradient_matches_finite_differences() {
        for seed in 0u8..20 {
            let (theta, samples, adv) = random_case(&[b'p', seed], 6, 8);
            let mut grad = vec![0.0; 6];
            add_pg_gradient(&sm(&theta), &samples, &adv, 1.0, &mut grad);
            let num = fd(&theta, |t| pg_objective(&sm(t), &samples, &adv));
            assert_close(&grad, &num, 1e-7);
        }
    }

    #[test]
    fn clipped_gradient_matches_finite_differences() {
        let clip = Some(Clip {
            eps_low: 0.2,
            eps_high: 0.28,
        });
        let mut checked = 0;
        for seed in 0u8..60 {
            let (theta, samples, adv) = random_case(&[b'c', seed], 5, 8);
            // π_old is a perturbed policy, so ratios spread on both sides of the clip range.
            let (old_theta, _, _) = random_case(&[b'o', seed], 5, 8);
            let old: Vec<f64> = sm(&theta
                .iter()
                .zip(&old_theta)
                .map(|(a, b)| a + 0.5 * b)
                .collect::<Vec<_>>());
            let p = sm(&theta);
            // Skip cases within 1e-4 of a clip boundary, where the objective has a kink.
            let near_kink = samples.iter().any(|&a| {
                let r = p[a] / old[a];
                (r - 0.8).abs() < 1e-4 || (r - 1.28).abs() < 1e-4
            });
            if near_kink {
                continue;
            }
            for c in [clip, None] {
                let mut grad = vec![0.0; 5];
                add_clipped_gradient(&p, &old, &samples, &adv, c, 1.0, &mut grad);
                let num = fd(&theta, |t| {
                    clipped_objective(&sm(t), &old, &samples, &adv, c)
                });
                assert_close(&grad, &num, 1e-7);
            }
            checked += 1;
        }
        assert!(checked > 40);
    }

    #[test]
    fn ratio_one_makes_the_clipped_gradient_the_pg_gradient() {
        let (theta, samples, adv) = random_case(b"same", 8, 8);
        let p = sm(&theta);
        let (mut a, mut b) = (vec![0.0; 8], vec![0.0; 8]);
        add_pg_gradient(&p, &samples, &adv, 0.7, &mut a);
        add_clipped_gradient(
            &p,
            &p,
            &samples,
            &adv,
            Some(Clip {
                eps_low: 0.2,
                eps_high: 0.2,
            }),
            0.7,
            &mut b,
        );
        assert_close(&a, &b, 1e-15);
    }

    #[test]
    fn clip_and_no_clip_differ_only_outside_the_ratio_range() {
        let clip = Some(Clip {
            eps_low: 0.2,
            eps_high: 0.2,
        });
        let mut rng = stream(&derive_seed(&[b"ratios"]), 0);
        let (mut inside, mut outside) = (0, 0);
        for _ in 0..2000 {
            // One sample, two answers: the per-sample gradient of each rule.
            let theta = [3.0 * uniform(&mut rng) - 1.5, 0.0];
            let old_theta = [3.0 * uniform(&mut rng) - 1.5, 0.0];
            let adv = [if uniform(&mut rng) < 0.5 { 1.0 } else { -1.0 }];
            let (p, old) = (sm(&theta), sm(&old_theta));
            let ratio = p[0] / old[0];
            let (mut with, mut without) = ([0.0; 2], [0.0; 2]);
            add_clipped_gradient(&p, &old, &[0], &adv, clip, 1.0, &mut with);
            add_clipped_gradient(&p, &old, &[0], &adv, None, 1.0, &mut without);
            if (0.8..=1.2).contains(&ratio) {
                inside += 1;
                assert_eq!(with, without, "ratio {ratio} inside the range");
            } else if is_clipped(ratio, adv[0], clip) {
                outside += 1;
                assert_eq!(with, [0.0, 0.0]);
                assert_ne!(without, [0.0, 0.0]);
            } else {
                // Outside the range but against the advantage's push: min() keeps ρA.
                assert_eq!(with, without);
            }
        }
        assert!(inside > 100 && outside > 100, "{inside} {outside}");
    }

    #[test]
    fn kl_gradient_matches_finite_differences() {
        for seed in 0u8..20 {
            let (theta, _, _) = random_case(&[b'k', seed], 7, 2);
            let (base_theta, _, _) = random_case(&[b'b', seed], 7, 2);
            let base = sm(&base_theta);
            let lb: Vec<f64> = base.iter().map(|b| b.ln()).collect();
            let mut grad = vec![0.0; 7];
            add_regulariser(Regulariser::Kl, &sm(&theta), &base, &lb, 1.0, &mut grad);
            let num = fd(&theta, |t| -kl(&sm(t), &lb));
            assert_close(&grad, &num, 1e-7);
        }
    }

    #[test]
    fn paper_regulariser_is_the_probability_space_pull_and_returns_to_base() {
        let (theta, _, _) = random_case(b"reg", 6, 2);
        let (base_theta, _, _) = random_case(b"regb", 6, 2);
        let base = sm(&base_theta);
        let lb: Vec<f64> = base.iter().map(|b| b.ln()).collect();
        // It is −∇_π ½‖π − π_base‖², checked by finite differences in probability space.
        let p = sm(&theta);
        let mut grad = vec![0.0; 6];
        add_regulariser(Regulariser::Paper, &p, &base, &lb, 1.0, &mut grad);
        let half_sq = |q: &[f64]| {
            -0.5 * q
                .iter()
                .zip(&base)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        };
        assert_close(&grad, &fd(&p, half_sq), 1e-8);
        // Iterated alone with a small step it drives KL(π‖π_base) down monotonically to ~0.
        let mut t = theta.clone();
        let mut last = kl(&sm(&t), &lb);
        for _ in 0..4000 {
            let q = sm(&t);
            let mut g = vec![0.0; 6];
            add_regulariser(Regulariser::Paper, &q, &base, &lb, 1.0, &mut g);
            t.iter_mut().zip(&g).for_each(|(x, d)| *x += 0.5 * d);
            let now = kl(&sm(&t), &lb);
            assert!(now <= last + 1e-15);
            last = now;
        }
        assert!(last < 1e-8, "{last}");
    }

    #[test]
    fn all_equal_rewards_give_zero_advantage() {
        let mut adv = [9.0; 4];
        advantages(&[1.0; 4], Advantage::Grpo, 0.0, &mut adv);
        assert_eq!(adv, [0.0; 4]);
        advantages(&[1.0, 0.0, 0.0, 0.0], Advantage::DrGrpo, 0.0, &mut adv);
        assert_eq!(adv, [0.75, -0.25, -0.25, -0.25]);
    }

    #[test]
    fn on_policy_step_is_the_two_gradients_and_a_step_bit_for_bit() {
        let mut rng = stream(&derive_seed(&[b"on-policy-step"]), 0);
        for trial in 0..300 {
            let k = 2 + trial % 9;
            let theta0: Vec<f64> = (0..k).map(|_| 3.0 * uniform(&mut rng) - 1.5).collect();
            let base = sm(&(0..k).map(|_| uniform(&mut rng)).collect::<Vec<_>>());
            let base_log: Vec<f64> = base.iter().map(|p| p.ln()).collect();
            let probs = sm(&theta0);
            let samples: Vec<usize> = (0..8).map(|_| crate::rng::below(&mut rng, k)).collect();
            // Every third trial has all-zero advantages (Σ A = 0, the centring term skipped).
            let adv: Vec<f64> = (0..8)
                .map(|_| {
                    if trial % 3 == 0 {
                        0.0
                    } else {
                        uniform(&mut rng) - 0.5
                    }
                })
                .collect();
            for kind in [Regulariser::Paper, Regulariser::Kl, Regulariser::None] {
                let (beta, lr) = (0.01, 0.05);
                let mut g_ref = vec![0.0; k];
                add_pg_gradient(&probs, &samples, &adv, 1.0, &mut g_ref);
                add_regulariser(kind, &probs, &base, &base_log, beta, &mut g_ref);
                let t_ref: Vec<f64> = theta0.iter().zip(&g_ref).map(|(t, g)| t + lr * g).collect();
                let (mut theta, mut grad) = (theta0.clone(), vec![7.0; k]);
                on_policy_step(
                    kind, &probs, &base, &base_log, &samples, &adv, beta, lr, &mut theta, &mut grad,
                );
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&theta), bits(&t_ref), "{kind:?} trial {trial}");
                assert_eq!(bits(&grad), bits(&g_ref), "{kind:?} trial {trial}");
            }
        }
    }
}
