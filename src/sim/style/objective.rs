//! The style model's update: one group's clipped two-token surrogate, its exact gradient with
//! respect to the shared style logits φ and the prompt's logits, and Adam.

use super::STYLES;
use crate::sim::config::RatioLevel;
use crate::sim::update::{Clip, is_clipped};

/// One sample's two tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub style: usize,
    pub answer: usize,
}

/// The policy one group's surrogate is read at: the style probabilities and the prompt's rows
/// (`STYLES × K`, row-major), now and at the rollout.
#[derive(Clone, Copy, Debug)]
pub struct GroupPolicy<'a> {
    pub style: &'a [f64],
    pub style_old: &'a [f64],
    pub rows: &'a [f64],
    pub rows_old: &'a [f64],
}

impl GroupPolicy<'_> {
    #[inline(always)]
    fn k(&self) -> usize {
        self.rows.len() / STYLES
    }

    #[inline(always)]
    fn ratios(&self, x: Sample) -> (f64, f64) {
        let i = x.style * self.k() + x.answer;
        (
            self.style[x.style] / self.style_old[x.style],
            self.rows[i] / self.rows_old[i],
        )
    }
}

/// `min(ρA, clip(ρ)A)`: one term of the clipped surrogate.
#[inline]
fn clipped_term(ratio: f64, adv: f64, clip: Option<Clip>) -> f64 {
    match clip {
        None => ratio * adv,
        Some(c) => (ratio * adv).min(ratio.clamp(1.0 - c.eps_low, 1.0 + c.eps_high) * adv),
    }
}

/// One group's clipped surrogate, (1/G)·Σ_i of: token level, `min(ρ_s A, clip(ρ_s) A) +
/// min(ρ_a A, clip(ρ_a) A)` (ρ_s the style token's ratio, ρ_a the answer token's; no length
/// normalisation: every sample has two tokens, so it would only halve η); sequence level,
/// `min(ρA, clip(ρ)A)` with ρ = ρ_s·ρ_a.
pub fn group_objective(
    p: &GroupPolicy<'_>,
    samples: &[Sample],
    adv: &[f64],
    level: RatioLevel,
    clip: Option<Clip>,
) -> f64 {
    samples
        .iter()
        .zip(adv)
        .map(|(&x, &a)| {
            let (rs, ra) = p.ratios(x);
            match level {
                RatioLevel::Token => clipped_term(rs, a, clip) + clipped_term(ra, a, clip),
                RatioLevel::Sequence => clipped_term(rs * ra, a, clip),
            }
        })
        .sum::<f64>()
        / samples.len() as f64
}

/// Adds the gradient of [`group_objective`] with respect to φ to `g_style` and with respect to the
/// prompt's logits (`STYLES × K`) to `g_rows`. An unclipped term `ρA` has gradient `A·ρ·∇log ρ`,
/// and `∇ log softmax(x)_t = e_t − softmax(x)`; a clipped term has none. Returns the tokens
/// (token level) or samples (sequence level) clipped.
#[inline(always)]
pub fn add_group_gradient(
    p: &GroupPolicy<'_>,
    samples: &[Sample],
    adv: &[f64],
    level: RatioLevel,
    clip: Option<Clip>,
    g_style: &mut [f64],
    g_rows: &mut [f64],
) -> usize {
    let (k, w) = (p.k(), 1.0 / samples.len() as f64);
    let mut style_total = 0.0;
    let mut row_total = [0.0; STYLES];
    let mut clipped = 0;
    for (&x, &a) in samples.iter().zip(adv) {
        let (rs, ra) = p.ratios(x);
        let (cs, ca) = match level {
            RatioLevel::Token => {
                let keep_s = !is_clipped(rs, a, clip);
                let keep_a = !is_clipped(ra, a, clip);
                clipped += usize::from(!keep_s) + usize::from(!keep_a);
                (
                    if keep_s { w * a * rs } else { 0.0 },
                    if keep_a { w * a * ra } else { 0.0 },
                )
            }
            RatioLevel::Sequence => {
                if is_clipped(rs * ra, a, clip) {
                    clipped += 1;
                    (0.0, 0.0)
                } else {
                    let c = w * a * rs * ra;
                    (c, c)
                }
            }
        };
        g_style[x.style] += cs;
        style_total += cs;
        g_rows[x.style * k + x.answer] += ca;
        row_total[x.style] += ca;
    }
    for (g, &q) in g_style.iter_mut().zip(p.style) {
        *g -= style_total * q;
    }
    for (s, total) in row_total.iter().enumerate() {
        let row = s * k..(s + 1) * k;
        for (g, &q) in g_rows[row.clone()].iter_mut().zip(&p.rows[row]) {
            *g -= total * q;
        }
    }
    clipped
}

/// Adam's moments and step count for a flat parameter vector.
#[derive(Clone, Debug)]
pub struct Adam {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    pub const BETA1: f64 = 0.9;
    pub const BETA2: f64 = 0.999;
    pub const EPS: f64 = 1e-8;

    pub fn new(n: usize) -> Adam {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// One ascent step `x += lr · m̂ / (√v̂ + ε)` on every parameter (a zero gradient still moves a
    /// parameter by its momentum, as dense Adam does).
    pub fn step(&mut self, lr: f64, grad: &[f64], x: &mut [f64]) {
        self.t += 1;
        let c1 = 1.0 - Self::BETA1.powi(self.t);
        let c2 = 1.0 - Self::BETA2.powi(self.t);
        for (((x, &g), m), v) in x.iter_mut().zip(grad).zip(&mut self.m).zip(&mut self.v) {
            *m = Self::BETA1 * *m + (1.0 - Self::BETA1) * g;
            *v = Self::BETA2 * *v + (1.0 - Self::BETA2) * g * g;
            *x += lr * (*m / c1) / ((*v / c2).sqrt() + Self::EPS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{self, derive_seed, stream, uniform};
    use crate::sim::policy::softmax;
    use crate::sim::update;

    fn sm_rows(x: &[f64], k: usize) -> Vec<f64> {
        let mut p = vec![0.0; x.len()];
        for (t, q) in x.chunks(k).zip(p.chunks_mut(k)) {
            softmax(t, q);
        }
        p
    }

    /// A random group: φ, θ rows, their rollout-time versions (perturbed so ratios spread across
    /// the clip range), samples and GRPO advantages of Bernoulli rewards.
    #[allow(clippy::type_complexity)]
    fn case(
        seed: u8,
        k: usize,
        g: usize,
    ) -> (
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        Vec<Sample>,
        Vec<f64>,
    ) {
        let mut r = stream(&derive_seed(&[b"style-case", &[seed]]), 0);
        let mut v = |n: usize, s: f64| {
            (0..n)
                .map(|_| s * (uniform(&mut r) - 0.5))
                .collect::<Vec<f64>>()
        };
        let (phi, theta) = (v(STYLES, 3.0), v(STYLES * k, 3.0));
        let (dphi, dtheta) = (v(STYLES, 1.0), v(STYLES * k, 1.0));
        let phi_old: Vec<f64> = phi.iter().zip(&dphi).map(|(a, b)| a + b).collect();
        let theta_old: Vec<f64> = theta.iter().zip(&dtheta).map(|(a, b)| a + b).collect();
        let mut r = stream(&derive_seed(&[b"style-samples", &[seed]]), 0);
        let samples: Vec<Sample> = (0..g)
            .map(|_| Sample {
                style: rng::below(&mut r, STYLES),
                answer: rng::below(&mut r, k),
            })
            .collect();
        let rewards: Vec<f64> = (0..g)
            .map(|_| (uniform(&mut r) < 0.5) as u8 as f64)
            .collect();
        let mut adv = vec![0.0; g];
        update::advantages(
            &rewards,
            crate::sim::config::Advantage::Grpo,
            1e-6,
            &mut adv,
        );
        (phi, theta, phi_old, theta_old, samples, adv)
    }

    #[test]
    fn group_gradient_matches_finite_differences() {
        let (k, g, h) = (5, 8, 1e-6);
        let clip = Some(Clip {
            eps_low: 0.2,
            eps_high: 0.28,
        });
        let mut checked = 0;
        for seed in 0u8..60 {
            let (phi, theta, phi_old, theta_old, samples, adv) = case(seed, k, g);
            let (so, ro) = (sm_rows(&phi_old, STYLES), sm_rows(&theta_old, k));
            let objective = |phi: &[f64], theta: &[f64], level, clip| {
                let (s, r) = (sm_rows(phi, STYLES), sm_rows(theta, k));
                let p = GroupPolicy {
                    style: &s,
                    style_old: &so,
                    rows: &r,
                    rows_old: &ro,
                };
                group_objective(&p, &samples, &adv, level, clip)
            };
            let (s, r) = (sm_rows(&phi, STYLES), sm_rows(&theta, k));
            let p = GroupPolicy {
                style: &s,
                style_old: &so,
                rows: &r,
                rows_old: &ro,
            };
            // Skip groups with a ratio within 1e-4 of a clip boundary (a kink of the objective).
            let near = |x: f64| (x - 0.8).abs() < 1e-4 || (x - 1.28).abs() < 1e-4;
            if samples.iter().any(|&x| {
                let (rs, ra) = p.ratios(x);
                near(rs) || near(ra) || near(rs * ra)
            }) {
                continue;
            }
            for level in [RatioLevel::Token, RatioLevel::Sequence] {
                for c in [clip, None] {
                    let (mut gs, mut gr) = (vec![0.0; STYLES], vec![0.0; STYLES * k]);
                    add_group_gradient(&p, &samples, &adv, level, c, &mut gs, &mut gr);
                    for j in 0..STYLES {
                        let (mut up, mut dn) = (phi.clone(), phi.clone());
                        up[j] += h;
                        dn[j] -= h;
                        let num = (objective(&up, &theta, level, c)
                            - objective(&dn, &theta, level, c))
                            / (2.0 * h);
                        assert!(
                            (gs[j] - num).abs() < 1e-7,
                            "φ[{j}] {level:?} {c:?}: {} vs {num}",
                            gs[j]
                        );
                    }
                    for j in 0..STYLES * k {
                        let (mut up, mut dn) = (theta.clone(), theta.clone());
                        up[j] += h;
                        dn[j] -= h;
                        let num = (objective(&phi, &up, level, c) - objective(&phi, &dn, level, c))
                            / (2.0 * h);
                        assert!(
                            (gr[j] - num).abs() < 1e-7,
                            "θ[{j}] {level:?} {c:?}: {} vs {num}",
                            gr[j]
                        );
                    }
                }
            }
            checked += 1;
        }
        assert!(checked > 30, "{checked}");
    }

    #[test]
    fn adam_step_matches_its_definition_and_normalises_scale() {
        // First step of bias-corrected Adam is lr·sign(g) (up to ε), whatever the scale of g.
        let mut a = Adam::new(3);
        let mut x = vec![0.0; 3];
        a.step(0.1, &[1e-4, -3.0, 0.0], &mut x);
        assert!(
            (x[0] - 0.1).abs() < 1e-5 && (x[1] + 0.1).abs() < 1e-9 && x[2] == 0.0,
            "{x:?}"
        );
        // Second step against the recursion written out.
        let g2 = [2e-4, 1.0, 0.5];
        let mut want = x.clone();
        for j in 0..3 {
            let g1 = [1e-4, -3.0, 0.0][j];
            let m = 0.9 * (0.1 * g1) + 0.1 * g2[j];
            let v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2[j] * g2[j];
            want[j] += 0.1 * (m / (1.0 - 0.81)) / ((v / (1.0 - 0.999f64.powi(2))).sqrt() + 1e-8);
        }
        a.step(0.1, &g2, &mut x);
        for j in 0..3 {
            assert!((x[j] - want[j]).abs() < 1e-12, "{x:?} vs {want:?}");
        }
    }

    #[test]
    fn ratio_one_makes_token_and_sequence_gradients_equal() {
        // At the rollout policy every ratio is 1: nothing is clipped and both levels give the
        // policy gradient of log π(s) + log π(a | s).
        let (phi, theta, _, _, samples, adv) = case(7, 6, 8);
        let (s, r) = (sm_rows(&phi, STYLES), sm_rows(&theta, 6));
        let p = GroupPolicy {
            style: &s,
            style_old: &s,
            rows: &r,
            rows_old: &r,
        };
        let clip = Some(Clip {
            eps_low: 0.2,
            eps_high: 0.2,
        });
        let mut got = Vec::new();
        for level in [RatioLevel::Token, RatioLevel::Sequence] {
            let (mut gs, mut gr) = (vec![0.0; STYLES], vec![0.0; STYLES * 6]);
            assert_eq!(
                add_group_gradient(&p, &samples, &adv, level, clip, &mut gs, &mut gr),
                0
            );
            got.push((gs, gr));
        }
        for (a, b) in got[0]
            .0
            .iter()
            .zip(&got[1].0)
            .chain(got[0].1.iter().zip(&got[1].1))
        {
            assert!((a - b).abs() < 1e-15);
        }
    }
}
