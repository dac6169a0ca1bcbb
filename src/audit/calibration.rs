//! Leave-one-out calibration of the imputed arms (METHOD §8): every arm the fit can impute that a
//! paper did report (random, majority) is hidden in turn, the class is fitted to the rest of its
//! row with the audit's own anchors ([`reported_anchors`], and the measured nulls of other
//! papers where the audit would use them), the hidden arm is imputed, and the imputed range is
//! compared with the printed value and its noise. A range that never meets the measurements it
//! claims to predict is a guess with an interval; this is the test.

use rayon::prelude::*;
use serde::Serialize;

use super::Thresholds;
use super::descriptor::{ArmSpec, Descriptor, Role};
use super::draw::{self, gain_se};
use super::evidence::{Control, MeasuredNull, NullSet};
use super::fit::{self, FitCache};
use super::resolve::{base_draw, gain_range, null_anchors, reported_anchors};

/// The nominal level of an imputed range: ±2 replicate standard errors around the consistent
/// settings, read as a 95 % prediction once the measurement's own noise is added.
pub const NOMINAL: f64 = 0.95;

/// The fitting rule a hidden arm is imputed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The row's own reported arms only.
    OwnArms,
    /// The row's own arms and, where the row has no random arm of its own, the random-reward
    /// gains other papers measured for the same model and benchmark (the audit's rule).
    MeasuredNulls,
}

/// One hidden arm, imputed from the rest of its row.
#[derive(Clone, Debug, Serialize)]
pub struct Hidden {
    pub id: String,
    pub model: String,
    /// The model's name without its parameter count ("Qwen2.5-Math" for "Qwen2.5-Math-7B").
    pub family: String,
    pub benchmark: String,
    /// `random` or `majority`.
    pub arm: String,
    pub base: f64,
    /// The printed gain over base (the midpoint of ambiguous readings).
    pub measured: f64,
    /// Standard error of the printed gain: two evaluations over the items and any printed seed
    /// spreads (`None`: no benchmark size and no spread, so its noise is unknown).
    pub se: Option<f64>,
    /// Half-width of the measured gain's 95 % interval: 1.96 s.e., both printed precisions and
    /// half the spread of ambiguous readings.
    pub half: f64,
    /// The fit's verdict without the hidden arm.
    pub fit: String,
    /// The imputed range of the hidden arm's gain (`None`: a misfit imputes nothing).
    pub imputed: Option<[f64; 2]>,
    /// Lenders of the measured-null anchors the fit used.
    pub lenders: Vec<String>,
    /// The largest gain any setting of the class reaches for this arm at this base.
    pub reach_hi: f64,
    /// The clip-bias ceiling on a random gain at this base.
    pub random_ceiling: Option<f64>,
}

impl Hidden {
    /// Whether the measured gain's 95 % interval meets the imputed range (`None`: nothing imputed).
    pub fn covered(&self) -> Option<bool> {
        let [lo, hi] = self.imputed?;
        Some(self.measured + self.half >= lo && self.measured - self.half <= hi)
    }

    /// The measured gain's distance outside the imputed range in its own standard errors,
    /// signed (positive: measured above the range; 0 inside).
    pub fn residual(&self) -> Option<f64> {
        let [lo, hi] = self.imputed?;
        let se = self.se?;
        let off = if self.measured > hi {
            self.measured - hi
        } else if self.measured < lo {
            self.measured - lo
        } else {
            0.0
        };
        Some(off / se)
    }
}

/// A model name without its parameter count: the `-`-separated parts before the first one that
/// starts with a size (`7B`, `1.5B`, `8B*`).
pub fn family(model: &str) -> String {
    let is_size = |p: &str| {
        let digits = p.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        digits.len() < p.len() && digits.starts_with(['B', 'b', 'M', 'm'])
    };
    let parts: Vec<&str> = model.split('-').collect();
    match parts.iter().position(|p| is_size(p)) {
        Some(0) | None => model.to_string(),
        Some(k) => parts[..k].join("-"),
    }
}

/// The random-reward nulls of `d`'s model and benchmark in other descriptors and the
/// measured-nulls file (its own excluded), as the audit reads them.
pub(crate) fn same_nulls(d: &Descriptor, all: &[Descriptor], set: &NullSet) -> Vec<MeasuredNull> {
    let own = set.aliases.model(&d.model);
    let bench = set.aliases.benchmark(&d.benchmark.name);
    let mut v: Vec<MeasuredNull> = set
        .all(all)
        .into_iter()
        .filter(|m| {
            m.id != d.id
                && m.control == Control::Random
                && set.aliases.model(&m.model) == own
                && set.aliases.benchmark(&m.benchmark) == bench
        })
        .collect();
    v.sort_by(|a, b| a.id.cmp(&b.id).then(a.reading.cmp(&b.reading)));
    v
}

/// Every reported random or majority arm of `all`, hidden and imputed under `rule`, in the
/// order of the descriptors' ids.
///
/// Stays whole: for each hidden arm, its measured gain and noise, the fit without it and the
/// score are one computation over the same row; the helpers it calls own the parts shared with
/// the audit.
pub fn hidden_arms(
    all: &[Descriptor],
    set: &NullSet,
    thr: &Thresholds,
    cache: &FitCache,
    rule: Rule,
) -> Vec<Hidden> {
    let mut ds: Vec<&Descriptor> = all.iter().filter(|d| d.simulation.is_none()).collect();
    ds.sort_by(|a, b| a.id.cmp(&b.id));
    // Each descriptor's rows are independent: computed in parallel, kept in id order.
    ds.par_iter()
        .flat_map_iter(|d| {
            let mut out = Vec::new();
            let Some((bp, bu)) = d.base_reading() else {
                return out;
            };
            let base = bp.value * bu.scale();
            let base_spread = d.base_spread().unwrap_or(0.0) * bu.scale();
            let n = d.benchmark.metric.independent_units(d.benchmark.n);
            for (role, key) in [(Role::Random, "random"), (Role::Majority, "majority")] {
                let Some(ArmSpec::Reported {
                    readings,
                    unit,
                    spread,
                    ..
                }) = d.role(role).map(|a| &a.spec)
                else {
                    continue;
                };
                if readings.is_empty() {
                    continue;
                }
                let s = unit.scale();
                let (lo, hi) = gain_range(readings, *unit, base);
                let measured = 0.5 * (lo + hi);
                let arm_spread = spread.unwrap_or(0.0) * s;
                let se = gain_se(base + measured, base, n, arm_spread, base_spread);
                let se = (se > 0.0).then_some(se);
                let precision = readings.iter().map(|p| p.half_width).fold(0.0, f64::max) * s
                    + bp.half_width * bu.scale();
                let half = 1.96 * se.unwrap_or(0.0) + precision + 0.5 * (hi - lo);
                let mut anchors = reported_anchors(d, Some(role));
                // The audit anchors the random arm on other papers' measured nulls when the row has
                // no random arm of its own, as it has none once hidden. Hiding the random arm, the
                // same paper's other versions are left out: they print the hidden number again.
                if rule == Rule::MeasuredNulls
                    && (role == Role::Random || d.role(Role::Random).is_none())
                    && let Some(b) = base_draw(d)
                {
                    let nulls: Vec<MeasuredNull> = same_nulls(d, all, set)
                        .into_iter()
                        .filter(|m| role != Role::Random || m.paper != d.paper.title)
                        .collect();
                    anchors.extend(null_anchors(&b, &nulls, thr));
                }
                let lenders: Vec<String> =
                    anchors.iter().filter_map(|a| a.lender.clone()).collect();
                let f = fit::fit(base, &anchors, &[key.to_string()], cache);
                out.push(Hidden {
                    id: d.id.clone(),
                    model: d.model.clone(),
                    family: family(&set.aliases.model_name(&d.model)),
                    benchmark: d.benchmark.name.clone(),
                    arm: key.into(),
                    base,
                    measured,
                    se,
                    half,
                    fit: f.verdict(),
                    imputed: f.imputed.get(key).copied(),
                    lenders,
                    reach_hi: f.reach.get(key).map_or(f64::NAN, |r| r[1]),
                    random_ceiling: f.random_ceiling,
                });
            }
            out
        })
        .collect()
}

/// A claim whose paper ran no random arm, with measured nulls of its model and benchmark: its
/// imputed random arm fitted to its own arms only and with the nulls as anchors, each against
/// the nulls' carried intervals.
#[derive(Clone, Debug, Serialize)]
pub struct Lent {
    pub id: String,
    /// Each measured null's id and its gain carried additively to this base, with the 95 %
    /// interval survival gives it.
    pub nulls: Vec<(String, f64, [f64; 2])>,
    pub own: Option<[f64; 2]>,
    pub own_fit: String,
    pub anchored: Option<[f64; 2]>,
    pub anchored_fit: String,
}

impl Lent {
    /// The nulls whose carried interval lies wholly outside `range` (the audit's contradiction
    /// rule).
    pub fn contradicting(&self, range: Option<[f64; 2]>) -> Vec<&str> {
        let Some([lo, hi]) = range else {
            return Vec::new();
        };
        self.nulls
            .iter()
            .filter(|(_, _, [l, h])| *h < lo || *l > hi)
            .map(|(id, _, _)| id.as_str())
            .collect()
    }
}

/// Every reported claim without a random arm that has measured nulls of its model and benchmark,
/// in the order of the descriptors' ids.
pub fn lent_claims(
    all: &[Descriptor],
    set: &NullSet,
    thr: &Thresholds,
    cache: &FitCache,
) -> Vec<Lent> {
    let mut ds: Vec<&Descriptor> = all
        .iter()
        .filter(|d| d.simulation.is_none() && d.role(Role::Random).is_none())
        .collect();
    ds.sort_by(|a, b| a.id.cmp(&b.id));
    ds.par_iter()
        .filter_map(|d| {
            let (Some((bp, bu)), Some(b)) = (d.base_reading(), base_draw(d)) else {
                return None;
            };
            let nulls = same_nulls(d, all, set);
            let carried: Vec<(String, f64, [f64; 2])> = nulls
                .iter()
                .filter_map(|m| {
                    let null = m.carried(super::descriptor::Transfer::Additive)?;
                    let g = draw::carried_gain(&b, &null, thr);
                    Some((m.id.clone(), g.mean, [g.lo?, g.hi?]))
                })
                .collect();
            if carried.is_empty() {
                return None;
            }
            let base = bp.value * bu.scale();
            let key = ["random".to_string()];
            let own = reported_anchors(d, None);
            let f0 = fit::fit(base, &own, &key, cache);
            let mut anchors = own;
            anchors.extend(null_anchors(&b, &nulls, thr));
            let f1 = fit::fit(base, &anchors, &key, cache);
            Some(Lent {
                id: d.id.clone(),
                nulls: carried,
                own: f0.imputed.get("random").copied(),
                own_fit: f0.verdict(),
                anchored: f1.imputed.get("random").copied(),
                anchored_fit: f1.verdict(),
            })
        })
        .collect()
}

/// Coverage of a set of hidden arms: (imputed, covered).
pub fn coverage<'a>(hs: impl IntoIterator<Item = &'a Hidden>) -> (usize, usize) {
    hs.into_iter()
        .filter_map(Hidden::covered)
        .fold((0, 0), |(n, c), ok| (n + 1, c + usize::from(ok)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_is_the_name_before_its_size() {
        assert_eq!(family("Qwen2.5-Math-7B"), "Qwen2.5-Math");
        assert_eq!(family("Qwen2.5-Math-1.5B"), "Qwen2.5-Math");
        assert_eq!(family("Llama-3.1-8B-Instruct"), "Llama-3.1");
        assert_eq!(family("OLMo2-7B"), "OLMo2");
        assert_eq!(family("Qwen3-8B* (thinking)"), "Qwen3");
        assert_eq!(family("Eurus"), "Eurus");
    }

    fn hidden(measured: f64, se: Option<f64>, imputed: Option<[f64; 2]>) -> Hidden {
        Hidden {
            id: "x".into(),
            model: "M-7B".into(),
            family: "M".into(),
            benchmark: "B".into(),
            arm: "random".into(),
            base: 0.4,
            measured,
            se,
            half: 1.96 * se.unwrap_or(0.0),
            fit: String::new(),
            imputed,
            lenders: Vec::new(),
            reach_hi: 0.1,
            random_ceiling: None,
        }
    }

    #[test]
    fn coverage_counts_a_measured_interval_that_meets_the_range() {
        // 0.10 ± 1.96·0.02 reaches 0.0608: it meets [0, 0.07] but not [0, 0.06].
        let a = hidden(0.10, Some(0.02), Some([0.0, 0.07]));
        let b = hidden(0.10, Some(0.02), Some([0.0, 0.06]));
        let c = hidden(0.10, Some(0.02), None);
        assert_eq!(a.covered(), Some(true));
        assert_eq!(b.covered(), Some(false));
        assert!((b.residual().unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(
            hidden(0.03, Some(0.02), Some([0.0, 0.06])).residual(),
            Some(0.0)
        );
        assert_eq!(coverage([&a, &b, &c]), (2, 1));
        // Below the range the residual is negative; without noise it is undefined.
        assert!(
            hidden(-0.1, Some(0.05), Some([0.0, 0.06]))
                .residual()
                .unwrap()
                < -1.99
        );
        assert_eq!(hidden(-0.1, None, Some([0.0, 0.06])).residual(), None);
    }
}
