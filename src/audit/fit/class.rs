//! The fitted class: its members (one per mechanism real papers show), and how each member's
//! prior follows from a reported base accuracy.

use serde::Serialize;

use super::{MAX_STEPS, SEED};
use crate::sim::SimConfig;
use crate::sim::config::{self, Family};
use crate::sim::policy::{latent_accuracy, prior_for_base_accuracy};

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
pub(super) fn style_accuracy(cfg: &SimConfig, p: f64) -> f64 {
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
