//! The tabular-GRPO simulator (METHOD §4): prompts × answers, a softmax policy over answers per
//! prompt, GRPO-style group updates under a chosen reward arm, and exact metrics.

pub mod arm;
pub mod config;
pub mod exp;
pub mod isa;
pub mod policy;
pub mod replicate;
pub mod run;
pub mod style;
pub mod update;

/// The simulator's version: part of every cached run's key. Bump it with any change that alters
/// a run's bits (the golden file `tests/golden/simulator-v1.json` fails on such a change), so
/// cached runs of the old simulator are never reused.
pub const VERSION: &str = "tabular-grpo/1";

pub use arm::Arm;
pub use config::SimConfig;
pub use policy::Metrics;
pub use replicate::{Record, RunResult};
pub use run::{run, run_at, run_full, run_many};
