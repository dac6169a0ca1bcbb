//! The canonical form of a config: the bytes hashed into every run's seeds and every cached
//! run's key. It is serde_json of [`SimConfig`] (fixed field order, shortest round-trip floats);
//! fields added after the first release are left out while they keep their defaults, so older
//! configs keep their seeds. The golden file `tests/golden/simulator-v1.json` pins it.

use super::SimConfig;
use super::fields::{default_cov_fraction, default_format_rate, default_kl_cov_coef};
use crate::rng::{self, Seed};

pub(super) fn is_default_cov_fraction(v: &f64) -> bool {
    *v == default_cov_fraction()
}

pub(super) fn is_default_kl_cov_coef(v: &f64) -> bool {
    *v == default_kl_cov_coef()
}

pub(super) fn is_default_format_rate(v: &f64) -> bool {
    *v == default_format_rate()
}

pub(super) fn is_one(v: &usize) -> bool {
    *v == 1
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

impl SimConfig {
    /// The canonical form hashed into run seeds: serde_json of the struct (fixed field order,
    /// shortest round-trip floats).
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a config always serialises")
    }

    /// The seed of replicate `replicate` of this config (shared by all its arms): see
    /// [`rng::replicate_seed`].
    pub fn replicate_seed(&self, replicate: u64) -> Seed {
        rng::replicate_seed(&self.canonical_json(), replicate)
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::config::{Family, SimConfig, paper};

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
}
