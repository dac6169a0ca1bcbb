//! The thresholds of the verdict rules, printed in every report: every stage of the audit reads
//! them (the draw stage its number of draws and seed spread, the terms stage its share tolerance
//! and gate, the judge its dominance and settled levels).

use serde::Serialize;

use crate::gate::GateRule;

/// Thresholds of the verdict rules (printed in every report).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Thresholds {
    /// A share above this dominates (the seed's pre-registered 0.60).
    pub dominance: f64,
    /// A verdict whose probability is below this is reported as the most likely class, not a
    /// settled one.
    pub settled: f64,
    /// Draws in the parametric bootstrap.
    pub draws: usize,
    /// The points-vs-bounds gate on Δ_elicit.
    pub gate: GateRule,
    /// Shares are undefined when their denominator is below this (accuracy units).
    pub share_tolerance: f64,
    /// The sensitivity's training-seed spread (accuracy units): added to every trained arm whose
    /// paper prints no spread. 0 in the main answers, which are conditional on one training run.
    pub seed_sd: f64,
    /// The seed spread at which every survival answer is recomputed, to show which answers a
    /// realistic training-seed variance would change (0: no sensitivity).
    pub sensitivity_sd: f64,
}

/// The default of the seed-spread sensitivity, in accuracy units: the sample standard deviation
/// of the corpus's only printed reruns (TTRL's three runs of Qwen2.5-Math-7B on AIME 2024: 43.3,
/// 43.3 and 46.7, sd 1.96 points), rounded to 2 points.
pub const DEFAULT_SENSITIVITY_SD: f64 = 0.02;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dominance: 0.60,
            settled: 0.95,
            draws: 4000,
            gate: GateRule::default(),
            share_tolerance: crate::decompose::DEFAULT_SHARE_TOLERANCE,
            seed_sd: 0.0,
            sensitivity_sd: DEFAULT_SENSITIVITY_SD,
        }
    }
}
