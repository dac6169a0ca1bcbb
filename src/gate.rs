//! The points-vs-bounds gate (METHOD §6): a decomposition is reported as points only when the
//! naive estimator's bias, Δ_elicit = acc(MAJORITY) − acc(RANDOM), is distinguishable from zero.

use serde::Serialize;

use crate::stats::Estimate;

/// The gate's thresholds. Defaults are the seed paper's rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct GateRule {
    /// Coverage of the Δ_elicit interval (default 0.95).
    pub level: f64,
    /// The interval must clear zero by at least this much (default 0: it must exclude 0).
    pub margin: f64,
}

impl Default for GateRule {
    fn default() -> Self {
        GateRule {
            level: 0.95,
            margin: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// The terms are point-identified: report points and shares.
    Point,
    /// Only bounds: report [lo, hi] for every term and share, and no point verdict.
    Bounded,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Point => "POINT",
            Decision::Bounded => "BOUNDED",
        })
    }
}

impl GateRule {
    /// The decision for an interval of Δ_elicit at this rule's level. An estimate without an
    /// interval (too few replicates) is never point-identified.
    pub fn decide(&self, elicit: &Estimate) -> Decision {
        match (elicit.lo, elicit.hi) {
            (Some(lo), Some(hi)) if lo > self.margin || hi < -self.margin => Decision::Point,
            _ => Decision::Bounded,
        }
    }

    pub fn describe(&self) -> String {
        if self.margin == 0.0 {
            format!(
                "POINT when the {:.0}% interval of Δ_elicit excludes 0, else BOUNDED",
                self.level * 100.0
            )
        } else {
            format!(
                "POINT when the {:.0}% interval of Δ_elicit lies beyond ±{}, else BOUNDED",
                self.level * 100.0,
                self.margin
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(lo: f64, hi: f64) -> Estimate {
        Estimate {
            mean: (lo + hi) / 2.0,
            lo: Some(lo),
            hi: Some(hi),
        }
    }

    #[test]
    fn both_outcomes_on_hand_made_intervals() {
        let g = GateRule::default();
        assert_eq!(g.decide(&e(0.01, 0.05)), Decision::Point);
        assert_eq!(g.decide(&e(-0.05, -0.001)), Decision::Point);
        assert_eq!(g.decide(&e(-0.01, 0.03)), Decision::Bounded);
        assert_eq!(
            g.decide(&e(0.0, 0.03)),
            Decision::Bounded,
            "touching 0 is not excluding it"
        );
        assert_eq!(g.decide(&Estimate::point(0.2)), Decision::Bounded);
        let strict = GateRule { margin: 0.02, ..g };
        assert_eq!(strict.decide(&e(0.01, 0.05)), Decision::Bounded);
        assert_eq!(strict.decide(&e(0.03, 0.05)), Decision::Point);
    }
}
