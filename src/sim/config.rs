//! Simulator configuration: the full set of parameters of one tabular-GRPO run, the named
//! presets, and validation. A config never names a reward arm: arms of one replicate share the
//! config's seeds (common random numbers).
//!
//! The file is long because every field of [`SimConfig`] carries its documentation, default and
//! validation rule side by side, with the presets beside them; splitting them apart would
//! separate a rule from the field it guards.

use serde::{Deserialize, Serialize};
use thiserror::Error;

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

fn default_cov_fraction() -> f64 {
    0.2
}

fn default_kl_cov_coef() -> f64 {
    1.0
}

fn is_default_cov_fraction(v: &f64) -> bool {
    *v == default_cov_fraction()
}

fn is_default_kl_cov_coef(v: &f64) -> bool {
    *v == default_kl_cov_coef()
}

fn default_format_rate() -> f64 {
    1.0
}

fn is_default_format_rate(v: &f64) -> bool {
    *v == default_format_rate()
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

fn is_one(v: &usize) -> bool {
    *v == 1
}

fn one() -> usize {
    1
}

/// Fields that a config's canonical form leaves out while they keep their defaults; they can
/// still be set by name (a factorial factor, a study's `base`).
pub const DEFAULTED_FIELDS: &[&str] = &[
    "cov_control",
    "cov_fraction",
    "kl_cov_coef",
    "style_share",
    "style_prior",
    "ratio_level",
    "minibatches",
    "optimizer",
];

/// A named, documented set of values that flags can override.
pub struct Preset {
    pub name: &'static str,
    pub about: &'static str,
    pub config: fn() -> SimConfig,
}

/// The seed paper's settings (METHOD §5), at the middle prior level 0.50.
pub fn paper() -> SimConfig {
    SimConfig {
        family: Family::Paper,
        answers: 8,
        correct: 2,
        format_strength: 0.20,
        distractor_share: 0.5,
        prior: 0.50,
        prior_concentration: None,
        prompts: 40,
        group: 8,
        batch: 16,
        steps: 200,
        lr: 0.05,
        beta: 0.01,
        regulariser: Regulariser::Paper,
        advantage: Advantage::Grpo,
        adv_eps: 1e-6,
        filter: true,
        update: Update::OnPolicy,
        inner_epochs: 1,
        clip: true,
        eps_low: 0.2,
        eps_high: 0.2,
        tie_break: TieBreak::Shuffled,
        cov_control: CovControl::None,
        cov_fraction: default_cov_fraction(),
        kl_cov_coef: default_kl_cov_coef(),
        style_share: None,
        style_prior: None,
        ratio_level: RatioLevel::Token,
        minibatches: 1,
        optimizer: Optimizer::Sgd,
        format_rate: default_format_rate(),
        format_concentration: None,
        pass_k: 8,
        seed: 0,
    }
}

/// A clip-active preset in the spirit of Spurious Rewards' training recipe: group 16, no KL,
/// PPO clipping ε = 0.2 with μ = 4 inner epochs per rollout batch. The larger step (η = 0.5) is
/// what moves the ratio out of [0.8, 1.2] within four epochs: at η = 0.05 the clip never binds
/// (measured: 0 clipped samples), at η = 0.5 it binds on about 3–4 % of samples.
pub fn ppo_clip() -> SimConfig {
    SimConfig {
        group: 16,
        lr: 0.5,
        beta: 0.0,
        regulariser: Regulariser::None,
        filter: false,
        update: Update::Ppo,
        inner_epochs: 4,
        clip: true,
        eps_low: 0.2,
        eps_high: 0.2,
        ..paper()
    }
}

/// The `ppo-clip` recipe with a shared style token (README, "Clipping bias with a shared
/// style"): style 0 ("code") answers with p_s = 0.80 and is preferred (base share 0.65), style 1
/// ("language") answers with p_s = 0.35; token-level ratios, one optimizer step per rollout batch
/// and inner epoch, SGD. Base accuracy 0.598.
pub fn clip_bias() -> SimConfig {
    SimConfig {
        prior: 0.35,
        style_share: Some(0.65),
        style_prior: Some(0.80),
        ..ppo_clip()
    }
}

/// Every preset, the default first.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "paper",
        about: "the seed paper's settings (METHOD §5): paper family K=8 c=2 f=0.20, N=40, G=8, \
                B=16, 200 steps, η=0.05, β=0.01 paper regulariser, filtering, on-policy update",
        config: paper,
    },
    Preset {
        name: "ppo-clip",
        about: "paper preset with G=16, η=0.5, no regulariser, no filtering, PPO-clipped update \
                with μ=4 inner epochs and ε=0.2 (the clip binds on a few % of samples)",
        config: ppo_clip,
    },
    Preset {
        name: "clip-bias",
        about: "ppo-clip preset with a shared style token: style 0 (p_s=0.80) preferred with base \
                share 0.65, style 1 (p_s=0.35), token-level ratios, 1 minibatch, SGD",
        config: clip_bias,
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Result<SimConfig, ConfigError> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .map(|p| (p.config)())
        .ok_or_else(|| ConfigError::UnknownPreset {
            name: name.to_string(),
            known: PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[derive(Debug, Error, PartialEq)]
pub enum ConfigError {
    #[error("unknown preset `{name}` (known: {known})")]
    UnknownPreset { name: String, known: String },
    #[error("invalid value for `{field}`: {value} — {rule}")]
    Invalid {
        field: &'static str,
        value: String,
        rule: &'static str,
    },
}

fn check(
    ok: bool,
    field: &'static str,
    value: impl std::fmt::Debug,
    rule: &'static str,
) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            field,
            value: format!("{value:?}"),
            rule,
        })
    }
}

/// The largest sizes a config may ask for. Beyond them a run needs hours or gigabytes that no
/// audit or study here needs, or its arithmetic leaves the range of a double; the README lists
/// them. The memory and work of a whole command are checked separately by [`Budget`].
pub mod limits {
    pub const ANSWERS: usize = 4096;
    pub const PROMPTS: usize = 1 << 20;
    pub const GROUP: usize = 4096;
    pub const STEPS: usize = 1_000_000;
    pub const INNER_EPOCHS: usize = 256;
    pub const PASS_K: usize = 1_000_000;
    /// f, η, β, ε_high, ε_adv and the KL-Cov coefficient.
    pub const COEFFICIENT: f64 = 1e6;
    pub const PRIOR_CONCENTRATION: f64 = 1e9;
}

/// A command's memory and work, estimated before anything is allocated, against limits the user
/// can raise (`--max-memory`, `--max-work`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Bytes the command may hold at once.
    pub max_memory: u64,
    /// Sampled answers (× inner epochs) the command may draw in all.
    pub max_work: u64,
}

/// Default `--max-memory`, in MiB.
pub const DEFAULT_MAX_MEMORY_MIB: u64 = 4096;
/// Default `--max-work`: about an hour on two cores at the benchmarked speed.
pub const DEFAULT_MAX_WORK: u64 = 100_000_000_000;

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_memory: DEFAULT_MAX_MEMORY_MIB << 20,
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum BudgetError {
    #[error(
        "this command would hold about {need_mib} MiB at once (the limit is {limit_mib} MiB): lower N, K, the replicates or the steps kept, or raise --max-memory"
    )]
    Memory { need_mib: u64, limit_mib: u64 },
    #[error(
        "this command would draw about {need:.2e} sampled answers (the limit is {limit:.2e}): lower the replicates, steps, B or G, or raise --max-work"
    )]
    Work { need: f64, limit: f64 },
}

impl Budget {
    /// Checks `runs` runs of `cfg` (run `threads` at a time), keeping each run's trajectory when
    /// `trajectory` is set.
    pub fn check(
        &self,
        cfg: &SimConfig,
        runs: u64,
        trajectory: bool,
        threads: u64,
    ) -> Result<(), BudgetError> {
        let (n, k, b, g) = (
            cfg.prompts as f64,
            cfg.row_width() as f64,
            cfg.batch as f64,
            cfg.group as f64,
        );
        let runs_f = runs as f64;
        // A live run: logits, probabilities and base policy (N·K each), the batch scratch.
        let live = 8.0 * (3.0 * n * k + 4.0 * b * g + 16.0 * k) + 4096.0;
        // A kept result: its final metrics and, when asked, one metrics row per step.
        let metrics = 64.0;
        let kept = metrics
            * if trajectory {
                cfg.steps as f64 + 1.0
            } else {
                2.0
            };
        let need = live * (threads.max(1) as f64).min(runs_f) + kept * runs_f;
        if need > self.max_memory as f64 {
            return Err(BudgetError::Memory {
                need_mib: (need / (1u64 << 20) as f64).ceil() as u64,
                limit_mib: self.max_memory >> 20,
            });
        }
        let work = runs_f * cfg.steps as f64 * b * g * cfg.inner_epochs as f64;
        if work > self.max_work as f64 {
            return Err(BudgetError::Work {
                need: work,
                limit: self.max_work as f64,
            });
        }
        Ok(())
    }
}

impl SimConfig {
    /// Checks every parameter's range; the first violation is returned with the field name.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let k = self.answers;
        check(k >= 2, "answers", k, "K must be at least 2")?;
        check(k <= limits::ANSWERS, "answers", k, "K may be at most 4096")?;
        check(
            self.prompts <= limits::PROMPTS,
            "prompts",
            self.prompts,
            "N may be at most 1048576",
        )?;
        check(
            self.group <= limits::GROUP,
            "group",
            self.group,
            "G may be at most 4096",
        )?;
        check(
            self.steps <= limits::STEPS,
            "steps",
            self.steps,
            "steps may be at most 1000000",
        )?;
        check(
            self.inner_epochs <= limits::INNER_EPOCHS,
            "inner_epochs",
            self.inner_epochs,
            "μ may be at most 256",
        )?;
        check(
            self.pass_k <= limits::PASS_K,
            "pass_k",
            self.pass_k,
            "k may be at most 1000000",
        )?;
        for (field, v) in [
            ("format_strength", self.format_strength),
            ("lr", self.lr),
            ("beta", self.beta),
            ("eps_high", self.eps_high),
            ("adv_eps", self.adv_eps),
            ("kl_cov_coef", self.kl_cov_coef),
        ] {
            check(
                v.is_finite() && v.abs() <= limits::COEFFICIENT,
                field,
                v,
                "must be finite and at most 1e6 in size",
            )?;
        }
        check(
            (0.0..=1.0).contains(&self.cov_fraction),
            "cov_fraction",
            self.cov_fraction,
            "the covariance-control fraction must lie in [0, 1]",
        )?;
        check(
            self.kl_cov_coef >= 0.0,
            "kl_cov_coef",
            self.kl_cov_coef,
            "the KL-Cov coefficient must be ≥ 0",
        )?;
        if let Some(kappa) = self.prior_concentration {
            check(
                kappa <= limits::PRIOR_CONCENTRATION,
                "prior_concentration",
                kappa,
                "κ may be at most 1e9",
            )?;
        }
        match self.family {
            Family::Paper | Family::FormatGated => {
                check(
                    self.correct >= 1,
                    "correct",
                    self.correct,
                    "c must be at least 1",
                )?;
                check(
                    self.correct < k,
                    "correct",
                    self.correct,
                    "c must be below K (at least one wrong answer)",
                )?;
            }
            Family::Distractor => {
                check(k >= 3, "answers", k, "the distractor family needs K ≥ 3")?;
                check(
                    self.correct == 1,
                    "correct",
                    self.correct,
                    "the distractor family has exactly one correct answer",
                )?;
            }
        }
        check(
            self.format_strength.is_finite() && self.format_strength >= 0.0,
            "format_strength",
            self.format_strength,
            "f must be ≥ 0",
        )?;
        check(
            (0.0..=1.0).contains(&self.distractor_share),
            "distractor_share",
            self.distractor_share,
            "d must lie in [0, 1]",
        )?;
        check(
            self.prior > 0.0 && self.prior < 1.0,
            "prior",
            self.prior,
            "p_s must lie strictly between 0 and 1",
        )?;
        if let Some(kappa) = self.prior_concentration {
            check(
                kappa.is_finite() && kappa > 0.0,
                "prior_concentration",
                kappa,
                "κ must be positive",
            )?;
        }
        if self.family != Family::FormatGated {
            // Silently unused values would read as if they shaped the run.
            check(
                is_default_format_rate(&self.format_rate),
                "format_rate",
                self.format_rate,
                "only the format-gated family has a format rate (use --family format-gated)",
            )?;
            check(
                self.format_concentration.is_none(),
                "format_concentration",
                self.format_concentration,
                "only the format-gated family has a format rate (use --family format-gated)",
            )?;
        }
        check(
            self.format_rate > 0.0 && self.format_rate <= 1.0,
            "format_rate",
            self.format_rate,
            "q must lie in (0, 1]",
        )?;
        if let Some(kappa) = self.format_concentration {
            check(
                kappa.is_finite() && kappa > 0.0,
                "format_concentration",
                kappa,
                "κ must be positive",
            )?;
            check(
                kappa <= limits::PRIOR_CONCENTRATION,
                "format_concentration",
                kappa,
                "κ may be at most 1e9",
            )?;
            check(
                self.format_rate < 1.0,
                "format_rate",
                self.format_rate,
                "a Beta-distributed format rate needs a mean q below 1",
            )?;
        }
        check(
            self.prompts >= 1,
            "prompts",
            self.prompts,
            "N must be at least 1",
        )?;
        check(
            self.group >= 2,
            "group",
            self.group,
            "G must be at least 2 (a group advantage needs two samples)",
        )?;
        check(self.batch >= 1, "batch", self.batch, "B must be at least 1")?;
        check(
            self.batch <= self.prompts,
            "batch",
            self.batch,
            "B cannot exceed N (prompts are drawn without replacement)",
        )?;
        check(
            self.lr.is_finite() && self.lr > 0.0,
            "lr",
            self.lr,
            "η must be positive",
        )?;
        check(
            self.beta.is_finite() && self.beta >= 0.0,
            "beta",
            self.beta,
            "β must be ≥ 0",
        )?;
        check(
            self.adv_eps.is_finite() && self.adv_eps >= 0.0,
            "adv_eps",
            self.adv_eps,
            "ε_adv must be ≥ 0",
        )?;
        check(
            self.inner_epochs >= 1,
            "inner_epochs",
            self.inner_epochs,
            "μ must be at least 1",
        )?;
        check(
            (0.0..1.0).contains(&self.eps_low),
            "eps_low",
            self.eps_low,
            "ε_low must lie in [0, 1)",
        )?;
        check(
            self.eps_high.is_finite() && self.eps_high >= 0.0,
            "eps_high",
            self.eps_high,
            "ε_high must be ≥ 0",
        )?;
        check(
            self.pass_k >= 1,
            "pass_k",
            self.pass_k,
            "k must be at least 1",
        )?;
        self.validate_style()
    }

    /// The shared-style fields: ranges, and the parts of the model the style loop implements.
    fn validate_style(&self) -> Result<(), ConfigError> {
        let on = self.style_share.is_some();
        if let Some(x) = self.style_share {
            check(
                x > 0.0 && x < 1.0,
                "style_share",
                x,
                "the base share of style 0 must lie strictly between 0 and 1",
            )?;
        }
        if let Some(p) = self.style_prior {
            check(
                p > 0.0 && p < 1.0,
                "style_prior",
                p,
                "p_s of style 0 must lie strictly between 0 and 1",
            )?;
            check(
                on,
                "style_prior",
                p,
                "needs --style-share (the style model)",
            )?;
        }
        check(
            self.minibatches >= 1 && self.minibatches <= self.batch,
            "minibatches",
            self.minibatches,
            "must lie in 1..=B (each minibatch holds at least one prompt)",
        )?;
        let extension = [
            ("ratio_level", !self.ratio_level.is_token()),
            ("minibatches", self.minibatches > 1),
            ("optimizer", !self.optimizer.is_sgd()),
        ];
        for (field, set) in extension {
            // Without a shared parameter a prompt's update reads only its own group: minibatches
            // change nothing, and one token has one ratio.
            check(
                on || !set,
                field,
                field,
                "acts only in the style model: set --style-share",
            )?;
        }
        if on {
            check(
                self.update == Update::Ppo,
                "update",
                self.update,
                "the style model runs the PPO update (μ = 1 is the on-policy step)",
            )?;
            check(
                self.regulariser == Regulariser::None || self.beta == 0.0,
                "regulariser",
                self.regulariser,
                "the style model has no regulariser: set --regulariser none or --beta 0",
            )?;
            check(
                self.cov_control.is_none(),
                "cov_control",
                self.cov_control,
                "the style model has no entropy control",
            )?;
            check(
                self.prior_concentration.is_none(),
                "prior_concentration",
                self.prior_concentration,
                "the style model has one prior per style, no Beta prior",
            )?;
            check(
                self.family != Family::FormatGated,
                "family",
                self.family,
                "the style model is built on the paper and distractor families, not the format-gated one",
            )?;
        }
        Ok(())
    }

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

    /// The canonical form hashed into run seeds: serde_json of the struct (fixed field order,
    /// shortest round-trip floats).
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a config always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate() {
        for p in PRESETS {
            (p.config)().validate().unwrap();
        }
    }

    #[test]
    fn bad_values_name_their_field() {
        let mut c = paper();
        c.correct = 8;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Invalid {
                field: "correct",
                ..
            })
        ));
        let mut c = paper();
        c.group = 1;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Invalid { field: "group", .. })
        ));
        let mut c = paper();
        c.prior = 1.0;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Invalid { field: "prior", .. })
        ));
        let mut c = paper();
        c.format_strength = -0.1;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Invalid {
                field: "format_strength",
                ..
            })
        ));
    }

    #[test]
    fn format_rate_rules_name_their_field() {
        let gated = |q: f64, kappa: Option<f64>| SimConfig {
            family: Family::FormatGated,
            format_rate: q,
            format_concentration: kappa,
            ..paper()
        };
        let field = |c: SimConfig| match c.validate() {
            Err(ConfigError::Invalid { field, .. }) => Some(field),
            Ok(()) => None,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(field(gated(1.0, None)), None);
        assert_eq!(field(gated(0.15, Some(5.0))), None);
        for q in [0.0, -0.1, 1.5, f64::NAN] {
            assert_eq!(field(gated(q, None)), Some("format_rate"), "{q}");
        }
        for kappa in [0.0, -1.0, f64::INFINITY, 2e9] {
            assert_eq!(
                field(gated(0.5, Some(kappa))),
                Some("format_concentration"),
                "{kappa}"
            );
        }
        // A Beta with mean 1 has no second parameter.
        assert_eq!(field(gated(1.0, Some(5.0))), Some("format_rate"));
        // Another family has no format rate: a value there would be silently unused.
        let mut c = paper();
        c.format_rate = 0.5;
        assert_eq!(field(c), Some("format_rate"));
        let mut c = paper();
        c.format_concentration = Some(3.0);
        assert_eq!(field(c), Some("format_concentration"));
    }

    #[test]
    fn format_fields_at_their_defaults_leave_the_canonical_form_unchanged() {
        // The seeds of every existing config hash this string.
        let json = paper().canonical_json();
        assert!(!json.contains("format_rate") && !json.contains("format_concentration"));
        let gated = SimConfig {
            family: Family::FormatGated,
            format_rate: 0.3,
            format_concentration: Some(2.0),
            ..paper()
        };
        let json = gated.canonical_json();
        assert!(
            json.contains("\"format_rate\":0.3") && json.contains("\"format_concentration\":2.0")
        );
        let back: SimConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, gated);
        assert_eq!(gated.row_width(), 16);
        assert_eq!(paper().row_width(), 8);
    }

    #[test]
    fn unknown_preset_lists_the_known_ones() {
        let e = preset("papr").unwrap_err().to_string();
        assert!(e.contains("paper") && e.contains("ppo-clip"), "{e}");
    }
}
