//! What a config may ask for: every field's range, the limits on sizes, and the memory and work
//! of a whole command ([`Budget`]). Errors name the field.

use thiserror::Error;

use super::canonical::is_default_format_rate;
use super::{Family, Regulariser, SimConfig, Update};

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

/// A Beta concentration κ (of the prior or of the format rate) must be a positive number.
fn positive_concentration(field: &'static str, kappa: f64) -> Result<(), ConfigError> {
    check(
        kappa.is_finite() && kappa > 0.0,
        field,
        kappa,
        "κ must be positive",
    )
}

impl SimConfig {
    /// Checks every parameter's range; the first violation is returned with the field name.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_limits()?;
        self.validate_family()?;
        self.validate_format_rate()?;
        self.validate_training()?;
        self.validate_style()
    }

    /// The sizes and magnitudes a run may ask for ([`limits`]).
    fn validate_limits(&self) -> Result<(), ConfigError> {
        let k = self.answers;
        check(k >= 2, "answers", k, "K must be at least 2")?;
        for (field, v, most, rule) in [
            ("answers", k, limits::ANSWERS, "K may be at most 4096"),
            (
                "prompts",
                self.prompts,
                limits::PROMPTS,
                "N may be at most 1048576",
            ),
            ("group", self.group, limits::GROUP, "G may be at most 4096"),
            (
                "steps",
                self.steps,
                limits::STEPS,
                "steps may be at most 1000000",
            ),
            (
                "inner_epochs",
                self.inner_epochs,
                limits::INNER_EPOCHS,
                "μ may be at most 256",
            ),
            (
                "pass_k",
                self.pass_k,
                limits::PASS_K,
                "k may be at most 1000000",
            ),
        ] {
            check(v <= most, field, v, rule)?;
        }
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
        Ok(())
    }

    /// The base policy: the family's answers, its format strength or distractor, the prior.
    fn validate_family(&self) -> Result<(), ConfigError> {
        let k = self.answers;
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
            positive_concentration("prior_concentration", kappa)?;
        }
        Ok(())
    }

    /// The format-gated family's format rate, and its absence elsewhere.
    fn validate_format_rate(&self) -> Result<(), ConfigError> {
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
            positive_concentration("format_concentration", kappa)?;
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
        Ok(())
    }

    /// The training loop: sizes, step sizes, PPO's epochs and clip range, pass@k.
    fn validate_training(&self) -> Result<(), ConfigError> {
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
        Ok(())
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::paper;

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
}
