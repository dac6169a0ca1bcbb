//! Simulator configuration: the full set of parameters of one tabular-GRPO run. A config never
//! names a reward arm: arms of one replicate share the config's seeds (common random numbers).
//!
//! One module per concern: [`fields`] (every parameter with its documentation and default),
//! [`validate`] (ranges, size limits and a command's budget), [`canonical`] (the form hashed
//! into seeds and cache keys) and [`presets`] (named sets of values).

pub mod canonical;
pub mod fields;
pub mod presets;
pub mod validate;

pub use canonical::DEFAULTED_FIELDS;
pub use fields::{
    Advantage, CovControl, FORMAT_RATE_CLAMP, Family, Optimizer, RatioLevel, Regulariser,
    SimConfig, TieBreak, Update,
};
pub use presets::{PRESETS, Preset, clip_bias, paper, ppo_clip, preset};
pub use validate::{
    Budget, BudgetError, ConfigError, DEFAULT_MAX_MEMORY_MIB, DEFAULT_MAX_WORK, limits,
};
