//! The tabular-GRPO simulator (METHOD §4): prompts × answers, a softmax policy over answers per
//! prompt, GRPO-style group updates under a chosen reward arm, and exact metrics.

pub mod arm;
pub mod config;
pub mod exp;
pub mod isa;
pub mod policy;
pub mod run;
pub mod style;
pub mod update;

pub use arm::Arm;
pub use config::SimConfig;
pub use policy::Metrics;
pub use run::{RunResult, run, run_full, run_many};
