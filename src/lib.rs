//! rlvr-audit: re-audits RLVR results by splitting a claimed gain into the null (random-reward)
//! term, self-consistency elicitation and reward design. See METHOD.md in the docs for the
//! science; this crate holds the simulator, the decomposition and the command-line tool.

pub mod audit;
pub mod bench;
pub mod cli;
pub mod cmd;
pub mod decompose;
pub mod draft;
pub mod entropy;
pub mod factorial;
pub mod fetch;
pub mod gate;
pub mod io;
pub mod printed;
pub mod progress;
pub mod report;
pub mod rng;
pub mod shard;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod yaml;
