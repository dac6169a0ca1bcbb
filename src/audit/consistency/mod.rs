//! Are the printed numbers even possible? The GRIM idea (Brown & Heathers 2017: a mean of n
//! integer scores is a multiple of 1/n) applied to accuracies, METHOD §8: a pass@1, maj@k or pass@k
//! on n items scores each item 0 or 1, so it is k/n; an avg@k is a multiple of 1/(n·k) — within the
//! printed precision. This module checks every printed number of a descriptor against that grid
//! (the rule itself, in exact integer arithmetic, is in `rule`), and where a value fails says what
//! would make it possible: the smallest number of samples per item k (avg@k) that reaches every
//! printed value of the descriptor, and the benchmark sizes near the stated n or among the
//! benchmark's known sizes (`sizes`) that do. A value that nothing tried explains is a possible
//! typo. The same rounding rule checks the averages and differences a cached table prints
//! (`tables`).
//!
//! The result is a finding for the reviewer, never an error: a descriptor that encodes what the
//! paper printed is right even when the paper is not.

mod rule;
mod sizes;
pub mod tables;
mod words;

pub use rule::{Exact, MAX_DECIMALS, accuracy_fits, fits, gain_fits, nearest};
pub use sizes::{KNOWN_SIZES, candidate_sizes, known_sizes, size_window};
pub use words::{finding_text, list_sizes, tried, value_text, warnings};

use serde::Serialize;

use super::descriptor::{ArmSpec, Descriptor, Metric, Unit, field_error};
use crate::yaml::LoadError;

/// The largest number of samples per item an explanation tries (avg@k up to this k).
pub const MAX_SAMPLES: u64 = 64;

/// One printed value's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Reachable at the stated size and metric.
    Consistent,
    /// Not reachable: no share of the grid prints as this number.
    Inconsistent,
    /// Not checked (the reason says why).
    NotChecked,
}

/// What makes an inconsistent value reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Explanation {
    /// An average over more samples per item (avg@k) on the stated n.
    Samples,
    /// Another benchmark size (near n, or a known size of the benchmark) at the stated metric.
    Size,
    /// Either of the two.
    SamplesOrSize,
    /// Only another size together with an average over samples.
    SizeAndSamples,
    /// Nothing tried: a possible typo.
    Unexplained,
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Explanation::Samples => "an average over samples",
            Explanation::Size => "another benchmark size",
            Explanation::SamplesOrSize => "an average over samples, or another benchmark size",
            Explanation::SizeAndSamples => "another benchmark size with an average over samples",
            Explanation::Unexplained => "nothing tried: a possible typo",
        })
    }
}

/// One printed value of a descriptor, checked.
#[derive(Clone, Debug, Serialize)]
pub struct ValueCheck {
    pub arm: String,
    /// The number exactly as printed.
    pub printed: String,
    pub unit: Unit,
    pub verdict: Verdict,
    /// Why the value was not checked (empty when it was).
    pub reason: String,
    /// Whether the check can fail at this precision: the grid (n × samples) is coarser than the
    /// printed precision. When it is not, every printed value is reachable.
    pub can_fail: bool,
    /// The reachable printed values nearest it (below, above), when inconsistent.
    pub nearest: Vec<String>,
    /// When inconsistent: the smallest number of samples per item (up to 64, other than the
    /// stated) whose average on the stated n reaches it.
    pub samples: Option<u64>,
    /// When inconsistent: the sizes tried that reach it at the stated metric.
    pub sizes: Vec<u64>,
    /// When inconsistent and neither alone reaches it: a (size, samples) pair that does.
    pub size_and_samples: Option<[u64; 2]>,
    /// When inconsistent: what explains it.
    pub explanation: Option<Explanation>,
}

/// What the printed numbers of one descriptor say, taken together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// Every checked value is reachable at the stated size and metric.
    Consistent,
    /// Some are not; an average over `samples_fit` samples per item reaches every one, and no
    /// size tried does.
    AverageOverSamples,
    /// Some are not; one of `sizes_fit` reaches every one, and no average over samples does.
    OtherSize,
    /// Some are not; either an average over samples or another size reaches every one.
    SamplesOrSize,
    /// Some are not, and neither an average over samples nor another size reaches them all.
    Unexplained,
    /// Nothing was checked (`reason` says why).
    NotChecked,
}

/// The consistency of a descriptor's printed numbers (the audit record's `consistency`).
#[derive(Clone, Debug, Serialize)]
pub struct Consistency {
    pub finding: Finding,
    /// Why nothing was checked (empty when something was).
    pub reason: String,
    /// The stated benchmark size.
    pub n: Option<u64>,
    /// Samples per item the stated metric averages: k of avg@k, else 1.
    pub samples: u64,
    /// Counts of the values by verdict.
    pub consistent: usize,
    pub inconsistent: usize,
    pub not_checked: usize,
    pub values: Vec<ValueCheck>,
    /// When some value is inconsistent: the smallest k up to 64 whose avg@k on the stated n
    /// reaches every checked value.
    pub samples_fit: Option<u64>,
    /// Whether that average's grid (n × samples_fit) is still coarser than the precision of some
    /// checked value; when it is not, it reaches every value at this precision, and says only
    /// that the scores are no single-sample scores.
    pub samples_fit_can_fail: bool,
    /// The sizes tried besides n: every size in this range (±3 %, at least ±1) …
    pub size_range: Option<[u64; 2]>,
    /// … and the benchmark's known sizes.
    pub known_sizes: Vec<u64>,
    /// When some value is inconsistent (or n is not stated): the sizes tried at which every
    /// checked value is reachable at the stated metric.
    pub sizes_fit: Vec<u64>,
}

impl Consistency {
    /// The values nothing tried explains: possible typos.
    pub fn unexplained(&self) -> impl Iterator<Item = &ValueCheck> {
        self.values
            .iter()
            .filter(|v| v.explanation == Some(Explanation::Unexplained))
    }
}

/// A reading's number alone: a cited cell's text may carry a ± spread or a change beside it.
fn number_of(raw: &str) -> &str {
    let number = crate::printed::split_spread(raw).0;
    crate::fetch::cell::split_change(number).map_or(number, |(v, _)| v)
}

/// One value to check: its record and its exact reading (`None`: not checked).
struct Item {
    check: ValueCheck,
    exact: Option<Exact>,
}

/// Checks every printed value of a descriptor (reported arms only: a borrowed arm is checked in
/// its lender).
///
/// Stays whole: its steps (collect the exact values, fit the benchmark size and sample count,
/// count the verdicts, explain each inconsistent value) share the items and closures built at
/// its top; each step is a few lines over them.
pub fn check(d: &Descriptor) -> Consistency {
    let samples = match d.benchmark.metric {
        Metric::AvgAt(k) => k,
        _ => 1,
    };
    let mut c = Consistency {
        finding: Finding::NotChecked,
        reason: String::new(),
        n: d.benchmark.n,
        samples,
        consistent: 0,
        inconsistent: 0,
        not_checked: 0,
        values: Vec::new(),
        samples_fit: None,
        samples_fit_can_fail: false,
        size_range: None,
        known_sizes: known_sizes(&d.benchmark.name),
        sizes_fit: Vec::new(),
    };
    if d.simulation.is_some() || d.benchmark.metric == Metric::Exact {
        c.reason =
            "a simulated audit: its accuracies are exact expectations, not shares of items".into();
        return c;
    }
    // The base anchors every gain; a base averaged over runs (a spread) constrains nothing.
    let base = d
        .role(super::descriptor::Role::Base)
        .and_then(|a| match &a.spec {
            ArmSpec::Reported {
                readings,
                unit,
                spread: None,
                ..
            } => readings
                .first()
                .and_then(|p| Exact::read(number_of(&p.raw), *unit)),
            _ => None,
        });
    let mut items: Vec<Item> = Vec::new();
    for a in &d.arms {
        let ArmSpec::Reported {
            readings,
            unit,
            spread,
            ..
        } = &a.spec
        else {
            continue;
        };
        for r in readings {
            let number = number_of(&r.raw);
            let exact = if spread.is_some() {
                None
            } else {
                Exact::read(number, *unit)
            };
            let reason = match (spread, exact) {
                (Some(_), _) => {
                    "a mean over runs (its ± spread says so) whose number of runs is unknown".into()
                }
                (None, None) => format!("not a plain number with at most {MAX_DECIMALS} decimals"),
                _ => String::new(),
            };
            items.push(Item {
                check: ValueCheck {
                    arm: a.name.clone(),
                    printed: number.to_string(),
                    unit: *unit,
                    verdict: Verdict::NotChecked,
                    reason,
                    can_fail: false,
                    nearest: Vec::new(),
                    samples: None,
                    sizes: Vec::new(),
                    size_and_samples: None,
                    explanation: None,
                },
                exact,
            });
        }
    }
    let base_of = |e: &Exact| {
        if e.unit.is_gain() {
            base.as_ref()
        } else {
            None
        }
    };
    let exacts: Vec<Exact> = items.iter().filter_map(|i| i.exact).collect();
    let all_fit = |cells: u64| exacts.iter().all(|e| fits(e, base_of(e), cells));
    let Some(n) = d.benchmark.n else {
        c.reason = "the benchmark size is not stated".into();
        for i in items.iter_mut().filter(|i| i.exact.is_some()) {
            i.check.reason = "the benchmark size is not stated".into();
        }
        if !exacts.is_empty() {
            c.sizes_fit = c
                .known_sizes
                .iter()
                .copied()
                .filter(|&s| all_fit(s * samples))
                .collect();
            c.sizes_fit.sort_unstable();
        }
        c.values = items.into_iter().map(|i| i.check).collect();
        c.not_checked = c.values.len();
        return c;
    };
    let cells = n.saturating_mul(samples);
    let sizes = candidate_sizes(&d.benchmark.name, n);
    c.size_range = Some(size_window(n));
    let ks = || (1..=MAX_SAMPLES).filter(|&k| k != samples);
    for i in &mut items {
        let Some(e) = &i.exact else { continue };
        let b = base_of(e);
        i.check.can_fail = e.can_fail(cells);
        if fits(e, b, cells) {
            i.check.verdict = Verdict::Consistent;
            continue;
        }
        i.check.verdict = Verdict::Inconsistent;
        i.check.nearest = nearest(e, b, cells);
        i.check.samples = ks().find(|&k| fits(e, b, n * k));
        i.check.sizes = sizes
            .iter()
            .copied()
            .filter(|&s| fits(e, b, s * samples))
            .collect();
        if i.check.samples.is_none() && i.check.sizes.is_empty() {
            i.check.size_and_samples = sizes
                .iter()
                .find_map(|&s| ks().find(|&k| fits(e, b, s * k)).map(|k| [s, k]));
        }
    }
    let count = |v: Verdict| items.iter().filter(|i| i.check.verdict == v).count();
    c.consistent = count(Verdict::Consistent);
    c.inconsistent = count(Verdict::Inconsistent);
    c.not_checked = count(Verdict::NotChecked);
    if c.consistent + c.inconsistent == 0 {
        c.reason = "no printed value can be read exactly".into();
    } else if c.inconsistent == 0 {
        c.finding = Finding::Consistent;
    } else {
        // Explanations of the whole descriptor: every checked value reachable at once.
        c.samples_fit = ks().find(|&k| all_fit(n * k));
        c.samples_fit_can_fail = c
            .samples_fit
            .is_some_and(|k| exacts.iter().any(|e| e.can_fail(n * k)));
        c.sizes_fit = sizes
            .iter()
            .copied()
            .filter(|&s| all_fit(s * samples))
            .collect();
        c.finding = match (c.samples_fit.is_some(), c.sizes_fit.is_empty()) {
            (true, true) => Finding::AverageOverSamples,
            (true, false) => Finding::SamplesOrSize,
            (false, false) => Finding::OtherSize,
            (false, true) => Finding::Unexplained,
        };
    }
    // Each inconsistent value is explained by what explains the descriptor; when nothing does,
    // by what reaches it alone.
    for i in items
        .iter_mut()
        .filter(|i| i.check.verdict == Verdict::Inconsistent)
    {
        let v = &i.check;
        i.check.explanation = Some(match c.finding {
            Finding::AverageOverSamples => Explanation::Samples,
            Finding::OtherSize => Explanation::Size,
            Finding::SamplesOrSize => Explanation::SamplesOrSize,
            _ => match (
                v.samples.is_some(),
                !v.sizes.is_empty(),
                v.size_and_samples.is_some(),
            ) {
                (true, true, _) => Explanation::SamplesOrSize,
                (true, false, _) => Explanation::Samples,
                (false, true, _) => Explanation::Size,
                (false, false, true) => Explanation::SizeAndSamples,
                (false, false, false) => Explanation::Unexplained,
            },
        });
    }
    c.values = items.into_iter().map(|i| i.check).collect();
    c
}
