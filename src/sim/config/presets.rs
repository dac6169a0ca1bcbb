//! The named presets: documented sets of values that flags override.

use super::fields::{default_cov_fraction, default_format_rate, default_kl_cov_coef};
use super::{
    Advantage, ConfigError, CovControl, Family, Optimizer, RatioLevel, Regulariser, SimConfig,
    TieBreak, Update,
};

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
    fn unknown_preset_lists_the_known_ones() {
        let e = preset("papr").unwrap_err().to_string();
        assert!(e.contains("paper") && e.contains("ppo-clip"), "{e}");
    }
}
