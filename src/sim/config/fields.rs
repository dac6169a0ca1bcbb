//! The parameters of one run: every field of [`SimConfig`] with its documentation and default,
//! and the enums its fields take.

use serde::{Deserialize, Serialize};

use super::canonical::{
    is_default_cov_fraction, is_default_format_rate, is_default_kl_cov_coef, is_one,
};

/// Base-policy family (METHOD §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// c correct answers share `p_s`; the wrong answers share the rest; one wrong answer is
    /// format-boosted by (1 + f·K) and the distribution renormalised.
    Paper,
    /// One correct answer with `p_s`; one wrong distractor takes share `d` of the wrong mass; the
    /// other wrong answers share the rest uniformly.
    Distractor,
    /// The *paper* family's answers, each either formatted or not: the base policy formats with
    /// probability q (`format_rate`, optionally Beta per prompt) whatever the answer, and the
    /// grader credits only a formatted correct answer. A row has 2K entries: `0..K` the formatted
    /// answers, `K..2K` the same latent answers unformatted (README, "The format-gated family").
    FormatGated,
}

/// Group advantage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Advantage {
    /// `(r − mean)/(std + eps)` with the population std.
    Grpo,
    /// `r − mean` (Dr.GRPO).
    DrGrpo,
}

/// Pull toward the base policy, added to the ascent direction with weight β.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Regulariser {
    /// The seed paper's `−(π − π_base)` on the logits.
    Paper,
    /// The exact gradient of `−KL(π_θ ‖ π_base)` with respect to the logits.
    Kl,
    /// No regulariser.
    None,
}

/// Logit update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Update {
    /// One on-policy policy-gradient step (the seed paper's; no ratio).
    OnPolicy,
    /// μ gradient-ascent steps on the PPO-clipped surrogate.
    Ppo,
}

/// How a plurality vote (MAJORITY, MAJORITY-FIXED) breaks ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// Each prompt gets a random order of its answers, drawn once per replicate (shared by its
    /// arms); a tie goes to the tied answer that comes first. This is the seed harness's rule
    /// (answer positions shuffled per prompt, lowest index wins): random with respect to
    /// correctness, but the same answer wins a given tie every time.
    Shuffled,
    /// Every tie is broken by a fresh uniform draw.
    Random,
}

/// Entropy control of Cui et al. (2025): act on the samples whose centred log-probability ×
/// centred advantage (their covariance contribution) is highest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CovControl {
    #[default]
    None,
    /// Drop the selected samples from the policy gradient.
    ClipCov,
    /// Penalise the selected samples' log-ratio, ½·coef·(log ρ)² (acts only when μ > 1).
    KlCov,
}

impl CovControl {
    pub fn is_none(&self) -> bool {
        *self == CovControl::None
    }
}

pub(super) fn default_cov_fraction() -> f64 {
    0.2
}

pub(super) fn default_kl_cov_coef() -> f64 {
    1.0
}

pub(super) fn default_format_rate() -> f64 {
    1.0
}

/// A drawn or configured format rate is kept this far from 0 and 1, as a drawn prior is, so an
/// unformatted (or formatted) answer never has probability 0 and every logit stays finite.
pub const FORMAT_RATE_CLAMP: f64 = 1e-9;

/// Every parameter of a run except the reward arm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    pub family: Family,
    /// Answers per prompt (K).
    pub answers: usize,
    /// Correct answers per prompt (c; the distractor family always has 1).
    pub correct: usize,
    /// Format strength f (paper family).
    pub format_strength: f64,
    /// Distractor share d of the wrong mass (distractor family).
    pub distractor_share: f64,
    /// Prior strength p_s (the mean when `prior_concentration` is set).
    pub prior: f64,
    /// Concentration κ of a per-prompt Beta(p̄κ, (1−p̄)κ) prior; `None` = every prompt has `prior`.
    pub prior_concentration: Option<f64>,
    /// Prompts (N).
    pub prompts: usize,
    /// Group size (G).
    pub group: usize,
    /// Prompts per step, drawn without replacement (B).
    pub batch: usize,
    pub steps: usize,
    /// Learning rate η.
    pub lr: f64,
    /// Regulariser weight β.
    pub beta: f64,
    pub regulariser: Regulariser,
    pub advantage: Advantage,
    /// ε in the GRPO advantage's denominator.
    pub adv_eps: f64,
    /// Dynamic sampling: drop groups whose rewards are all equal (no update at all for them).
    pub filter: bool,
    pub update: Update,
    /// Inner epochs μ of the PPO update.
    pub inner_epochs: usize,
    /// PPO clipping on/off.
    pub clip: bool,
    pub eps_low: f64,
    pub eps_high: f64,
    /// Plurality tie rule of the majority arms.
    pub tie_break: TieBreak,
    /// Clip-Cov / KL-Cov entropy control. Absent from the canonical form (and so from seeds)
    /// while it keeps its default, so older configs keep their seeds.
    #[serde(default, skip_serializing_if = "CovControl::is_none")]
    pub cov_control: CovControl,
    /// Share of a group's samples the control acts on (the highest covariance first).
    #[serde(
        default = "default_cov_fraction",
        skip_serializing_if = "is_default_cov_fraction"
    )]
    pub cov_fraction: f64,
    /// KL-Cov's penalty weight.
    #[serde(
        default = "default_kl_cov_coef",
        skip_serializing_if = "is_default_kl_cov_coef"
    )]
    pub kl_cov_coef: f64,
    // The shared-style extension (see `super::style`), all absent from the canonical form (and
    // so from seeds) while at their defaults.
    /// Base probability of style 0; `None` = no style token (the plain tabular model). Each
    /// sample is then a style token from softmax(φ), φ shared by every prompt, and an answer from
    /// the prompt's own softmax for that style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_share: Option<f64>,
    /// Prior strength p_s of style 0's answers (style 1 answers with `prior`); `None` = `prior`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_prior: Option<f64>,
    /// Token-level (one ratio and clip per token) or sequence-level (their product) surrogate.
    #[serde(default, skip_serializing_if = "RatioLevel::is_token")]
    pub ratio_level: RatioLevel,
    /// Optimizer steps per rollout batch and inner epoch: the batch's prompts split into this
    /// many minibatches, each a step of its own.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub minibatches: usize,
    #[serde(default, skip_serializing_if = "Optimizer::is_sgd")]
    pub optimizer: Optimizer,
    /// Format rate q of the format-gated family: the base policy's probability of formatting an
    /// answer (the mean when `format_concentration` is set). Unused (and must stay 1) in the other
    /// families. Absent from the canonical form while 1, so older configs keep their seeds.
    #[serde(
        default = "default_format_rate",
        skip_serializing_if = "is_default_format_rate"
    )]
    pub format_rate: f64,
    /// Concentration κ of a per-prompt Beta(qκ, (1−q)κ) format rate; `None` = every prompt has
    /// `format_rate`. Format-gated family only; absent from the canonical form while `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_concentration: Option<f64>,
    /// k of the pass@k metric.
    pub pass_k: usize,
    /// Master seed.
    pub seed: u64,
}

/// Ratio of a two-token sample (style, answer) in the clipped surrogate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum RatioLevel {
    /// One ratio, and one clip, per token (GRPO's per-token surrogate).
    #[default]
    Token,
    /// One ratio per sample, the product of its tokens' ratios (GSPO-like).
    Sequence,
}

impl RatioLevel {
    pub fn is_token(&self) -> bool {
        *self == RatioLevel::Token
    }
}

/// Parameter update rule applied to the ascent direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// θ += η·g.
    #[default]
    Sgd,
    /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, bias-corrected), every parameter each step.
    Adam,
}

impl Optimizer {
    pub fn is_sgd(&self) -> bool {
        *self == Optimizer::Sgd
    }
}

pub(super) fn one() -> usize {
    1
}

impl SimConfig {
    /// Entries of one prompt's policy row: K, or 2K in the format-gated family (each latent
    /// answer formatted and unformatted).
    pub fn row_width(&self) -> usize {
        match self.family {
            Family::FormatGated => 2 * self.answers,
            Family::Paper | Family::Distractor => self.answers,
        }
    }

    /// The format-gated family's format rate for a config line, ` (q=…)` or ` (q=… Beta κ=…)`;
    /// empty for the other families.
    pub fn format_gate_text(&self) -> String {
        match (self.family, self.format_concentration) {
            (Family::FormatGated, None) => format!(" (q={})", self.format_rate),
            (Family::FormatGated, Some(k)) => format!(" (q={} Beta κ={k})", self.format_rate),
            _ => String::new(),
        }
    }
}
