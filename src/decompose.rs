//! The exact telescoping decomposition (METHOD §3).
//!
//! ```text
//! Δ_total = acc(TARGET) − acc(BASE)
//!         = [acc(RANDOM) − acc(BASE)] + [acc(MAJORITY) − acc(RANDOM)] + [acc(TARGET) − acc(MAJORITY)]
//!         =  Δ_null                   +  Δ_elicit                      +  Δ_rd
//! Δ_naive = acc(TARGET) − acc(RANDOM) = Δ_elicit + Δ_rd
//! ```
//!
//! The chain of arms is data: any arms may stand between the four anchors (the first arm is BASE,
//! the last is TARGET, a RANDOM arm precedes a MAJORITY arm). Every term of one replicate comes
//! from the same accuracies, so the identity holds per replicate to rounding. Shares are ratios of
//! mean terms; a share whose denominator is below the tolerance is *undefined*.
//!
//! The file is long because the telescoping terms, their shares, the gate's inputs and the
//! records built from them are one method (METHOD §3, §6) with its tests.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use crate::io::Tool;
use crate::rng::{Seeds, derive_seed};
use crate::sim::{Arm, Metrics, RunResult, SimConfig};
use crate::stats::{Bootstrap, Estimate, mean};

/// Denominators below this (in accuracy units, i.e. 0.1 percentage point) make a share undefined.
pub const DEFAULT_SHARE_TOLERANCE: f64 = 1e-3;

#[derive(Debug, Error, PartialEq)]
pub enum ChainError {
    #[error("a chain needs at least BASE, RANDOM, MAJORITY and a TARGET (got {0} arms)")]
    TooShort(usize),
    #[error("a chain must start with `base` (it starts with `{0}`)")]
    NoBase(String),
    #[error("the chain has no RANDOM (null) arm before its MAJORITY arm")]
    NoRandom,
    #[error("the chain has no MAJORITY (elicitation) arm between its RANDOM arm and the target")]
    NoMajority,
    #[error("arm `{0}` appears twice in the chain")]
    Duplicate(String),
}

/// A validated chain, with the positions of its anchors.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub arms: Vec<Arm>,
    pub random: usize,
    pub majority: usize,
}

impl Chain {
    pub fn new(arms: Vec<Arm>) -> Result<Chain, ChainError> {
        if arms.len() < 4 {
            return Err(ChainError::TooShort(arms.len()));
        }
        if arms[0] != Arm::Base {
            return Err(ChainError::NoBase(arms[0].to_string()));
        }
        for (i, a) in arms.iter().enumerate() {
            if arms[..i].contains(a) {
                return Err(ChainError::Duplicate(a.to_string()));
            }
        }
        let last = arms.len() - 1;
        let random = arms[..last]
            .iter()
            .position(|a| matches!(a, Arm::Random { .. }))
            .ok_or(ChainError::NoRandom)?;
        let majority = (random + 1..last)
            .find(|&i| matches!(arms[i], Arm::Majority | Arm::MajorityFixed { .. }))
            .ok_or(ChainError::NoMajority)?;
        Ok(Chain {
            arms,
            random,
            majority,
        })
    }

    pub fn target(&self) -> &Arm {
        self.arms.last().expect("validated")
    }
}

/// The four anchors of the decomposition chain, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Base,
    Random,
    Majority,
    Target,
}

impl Anchor {
    pub const ALL: [Anchor; 4] = [
        Anchor::Base,
        Anchor::Random,
        Anchor::Majority,
        Anchor::Target,
    ];

    pub fn name(self) -> &'static str {
        ["base", "random", "majority", "target"][self as usize]
    }
}

/// A term of the decomposition: the difference of two anchors' accuracies (METHOD §3). The one
/// definition every decomposition — simulated or audited — computes its terms from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// acc(TARGET) − acc(BASE).
    Total,
    /// acc(RANDOM) − acc(BASE).
    Null,
    /// acc(MAJORITY) − acc(RANDOM).
    Elicit,
    /// acc(TARGET) − acc(MAJORITY).
    Rd,
    /// acc(TARGET) − acc(RANDOM) = Δ_elicit + Δ_rd.
    Naive,
    /// acc(MAJORITY) − acc(BASE) = Δ_null + Δ_elicit: the label-free gain.
    LabelFree,
}

impl Term {
    pub const ALL: [Term; 6] = [
        Term::Total,
        Term::Null,
        Term::Elicit,
        Term::Rd,
        Term::Naive,
        Term::LabelFree,
    ];

    /// (minuend, subtrahend).
    pub fn anchors(self) -> (Anchor, Anchor) {
        use Anchor::*;
        match self {
            Term::Total => (Target, Base),
            Term::Null => (Random, Base),
            Term::Elicit => (Majority, Random),
            Term::Rd => (Target, Majority),
            Term::Naive => (Target, Random),
            Term::LabelFree => (Majority, Base),
        }
    }

    /// The term from the four anchors' accuracies (in [`Anchor::ALL`] order).
    pub fn of(self, acc: &[f64; 4]) -> f64 {
        let (plus, minus) = self.anchors();
        acc[plus as usize] - acc[minus as usize]
    }

    pub fn symbol(self) -> &'static str {
        [
            "Δ_total",
            "Δ_null",
            "Δ_elicit",
            "Δ_rd",
            "Δ_naive",
            "Δ_label-free",
        ][self as usize]
    }

    pub fn definition(self) -> &'static str {
        [
            "target − base",
            "random − base",
            "majority − random",
            "target − majority",
            "target − random",
            "majority − base",
        ][self as usize]
    }
}

/// A share: one term over another (METHOD §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Share {
    /// Δ_null / Δ_total (three-way).
    NullOfTotal,
    /// Δ_elicit / Δ_total (three-way).
    ElicitOfTotal,
    /// Δ_rd / Δ_total (three-way and the seed's two-way convention).
    RdOfTotal,
    /// (acc(MAJORITY) − acc(BASE)) / Δ_total: the seed's two-way "label-free" share.
    LabelFreeOfTotal,
    /// Δ_rd / Δ_naive.
    RdOfNaive,
    /// Δ_elicit / Δ_naive.
    ElicitOfNaive,
}

impl Share {
    pub const ALL: [Share; 6] = [
        Share::NullOfTotal,
        Share::ElicitOfTotal,
        Share::RdOfTotal,
        Share::LabelFreeOfTotal,
        Share::RdOfNaive,
        Share::ElicitOfNaive,
    ];

    /// (numerator, denominator).
    pub fn parts(self) -> (Term, Term) {
        match self {
            Share::NullOfTotal => (Term::Null, Term::Total),
            Share::ElicitOfTotal => (Term::Elicit, Term::Total),
            Share::RdOfTotal => (Term::Rd, Term::Total),
            Share::LabelFreeOfTotal => (Term::LabelFree, Term::Total),
            Share::RdOfNaive => (Term::Rd, Term::Naive),
            Share::ElicitOfNaive => (Term::Elicit, Term::Naive),
        }
    }

    /// The share's value, or `None` when the denominator is below `tolerance` (undefined).
    pub fn of(self, terms: impl Fn(Term) -> f64, tolerance: f64) -> Option<f64> {
        let (num, den) = self.parts();
        let d = terms(den);
        (d.abs() >= tolerance).then(|| terms(num) / d)
    }

    pub fn name(self) -> &'static str {
        [
            "null share",
            "elicitation share",
            "rd share",
            "label-free share",
            "rd fraction",
            "elicit fraction",
        ][self as usize]
    }

    pub fn definition(self) -> &'static str {
        [
            "Δ_null / Δ_total",
            "Δ_elicit / Δ_total",
            "Δ_rd / Δ_total",
            "(majority − base) / Δ_total",
            "Δ_rd / Δ_naive",
            "Δ_elicit / Δ_naive",
        ][self as usize]
    }
}

/// Terms of one replicate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicateTerms {
    pub total: f64,
    pub null: f64,
    pub elicit: f64,
    pub rd: f64,
    pub naive: f64,
    /// Consecutive differences along the chain.
    pub steps: Vec<f64>,
}

impl ReplicateTerms {
    /// Terms from the accuracies of the chain's arms (in chain order) for one replicate.
    pub fn from_accuracies(chain: &Chain, acc: &[f64]) -> ReplicateTerms {
        let a = [
            acc[0],
            acc[chain.random],
            acc[chain.majority],
            acc[acc.len() - 1],
        ];
        ReplicateTerms {
            total: Term::Total.of(&a),
            null: Term::Null.of(&a),
            elicit: Term::Elicit.of(&a),
            rd: Term::Rd.of(&a),
            naive: Term::Naive.of(&a),
            steps: acc.windows(2).map(|w| w[1] - w[0]).collect(),
        }
    }

    /// The larger of |Δ_total − (Δ_null + Δ_elicit + Δ_rd)| and |Δ_total − Σ steps|.
    pub fn identity_error(&self) -> f64 {
        let three = (self.total - (self.null + self.elicit + self.rd)).abs();
        let steps = (self.total - self.steps.iter().sum::<f64>()).abs();
        three.max(steps)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Terms {
    pub total: Estimate,
    pub null: Estimate,
    pub elicit: Estimate,
    pub rd: Estimate,
    pub naive: Estimate,
}

/// Both share conventions; `None` = undefined (denominator below the tolerance).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shares {
    /// Δ_rd / Δ_naive.
    pub rd_of_naive: Option<Estimate>,
    /// Δ_elicit / Δ_naive.
    pub elicit_of_naive: Option<Estimate>,
    /// (acc(MAJORITY) − acc(BASE)) / Δ_total, the null term folded in.
    pub elicit_of_total: Option<Estimate>,
    /// Δ_rd / Δ_total.
    pub rd_of_total: Option<Estimate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainStep {
    pub from: String,
    pub to: String,
    pub delta: Estimate,
}

/// The decomposition over replicates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decomposition {
    pub chain: Vec<String>,
    pub replicates: usize,
    /// Arm → mean final accuracy with interval.
    pub arms: BTreeMap<String, Estimate>,
    pub terms: Terms,
    pub shares: Shares,
    pub steps: Vec<ChainStep>,
    pub identity_max_abs_error: f64,
    pub share_tolerance: f64,
    pub interval_method: String,
    pub per_replicate: Vec<ReplicateTerms>,
}

/// Decomposes `acc[arm][replicate]` (arms in chain order).
pub fn decompose(
    chain: &Chain,
    acc: &[Vec<f64>],
    boot: &Bootstrap,
    share_tolerance: f64,
) -> Decomposition {
    assert_eq!(
        acc.len(),
        chain.arms.len(),
        "one accuracy row per chain arm"
    );
    let reps = acc[0].len();
    let per_replicate: Vec<ReplicateTerms> = (0..reps)
        .map(|r| {
            let row: Vec<f64> = acc.iter().map(|a| a[r]).collect();
            ReplicateTerms::from_accuracies(chain, &row)
        })
        .collect();
    let column = |f: fn(&ReplicateTerms) -> f64| per_replicate.iter().map(f).collect::<Vec<f64>>();
    let (total, null, elicit, rd, naive) = (
        column(|t| t.total),
        column(|t| t.null),
        column(|t| t.elicit),
        column(|t| t.rd),
        column(|t| t.naive),
    );
    let mean_over =
        |xs: &[f64], idx: &[usize]| idx.iter().map(|&i| xs[i]).sum::<f64>() / idx.len() as f64;
    let ratio = |num: &dyn Fn(&[usize]) -> f64, den: &[f64]| {
        boot.estimate(reps, |idx| {
            let d = mean_over(den, idx);
            (d.abs() >= share_tolerance).then(|| num(idx) / d)
        })
    };
    let shares = Shares {
        rd_of_naive: ratio(&|i| mean_over(&rd, i), &naive),
        elicit_of_naive: ratio(&|i| mean_over(&elicit, i), &naive),
        elicit_of_total: ratio(&|i| mean_over(&null, i) + mean_over(&elicit, i), &total),
        rd_of_total: ratio(&|i| mean_over(&rd, i), &total),
    };
    let steps = chain
        .arms
        .windows(2)
        .enumerate()
        .map(|(s, w)| ChainStep {
            from: w[0].to_string(),
            to: w[1].to_string(),
            delta: boot.mean_of(&per_replicate.iter().map(|t| t.steps[s]).collect::<Vec<_>>()),
        })
        .collect();
    Decomposition {
        chain: chain.arms.iter().map(|a| a.to_string()).collect(),
        replicates: reps,
        arms: chain
            .arms
            .iter()
            .zip(acc)
            .map(|(a, xs)| (a.to_string(), boot.mean_of(xs)))
            .collect(),
        terms: Terms {
            total: boot.mean_of(&total),
            null: boot.mean_of(&null),
            elicit: boot.mean_of(&elicit),
            rd: boot.mean_of(&rd),
            naive: boot.mean_of(&naive),
        },
        shares,
        steps,
        identity_max_abs_error: per_replicate
            .iter()
            .map(|t| t.identity_error())
            .fold(0.0, f64::max),
        share_tolerance,
        interval_method: format!(
            "95% percentile bootstrap over replicates ({} paired resamples); shares are ratios of mean terms",
            boot.resamples
        ),
        per_replicate,
    }
}

/// The bootstrap of simulated runs: its resamples are seeded by the config, a tag (the chain's
/// arms, or the command) and the replicate count, so the same inputs give the same intervals.
pub fn bootstrap_for(cfg: &SimConfig, tag: &str, replicates: u64, resamples: usize) -> Bootstrap {
    let seed = derive_seed(&[
        b"rlvr-audit/bootstrap/v1",
        cfg.canonical_json().as_bytes(),
        tag.as_bytes(),
        &replicates.to_le_bytes(),
    ]);
    Bootstrap::new(replicates as usize, resamples, &seed)
}

/// The simulated decomposition of one config over `replicates`: the runs, then [`decompose`].
pub fn simulate_decomposition(
    cfg: &SimConfig,
    chain: &Chain,
    replicates: u64,
    resamples: usize,
    share_tol: f64,
    parallel: bool,
) -> Decomposition {
    let runs = crate::sim::run_many(cfg, &chain.arms, replicates, false, parallel);
    let acc: Vec<Vec<f64>> = chain
        .arms
        .iter()
        .map(|arm| final_of(&runs, arm, |m| m.accuracy))
        .collect();
    let tag: Vec<String> = chain.arms.iter().map(|a| a.to_string()).collect();
    let boot = bootstrap_for(cfg, &tag.join(","), replicates, resamples);
    decompose(chain, &acc, &boot, share_tol)
}

/// The bootstrap of a simulated decomposition ([`bootstrap_for`] tagged with the chain).
pub fn simulated_bootstrap(
    cfg: &SimConfig,
    chain: &Chain,
    replicates: usize,
    resamples: usize,
) -> Bootstrap {
    let arms: Vec<String> = chain.arms.iter().map(|a| a.to_string()).collect();
    bootstrap_for(cfg, &arms.join(","), replicates as u64, resamples)
}

/// Final metrics of one arm over its replicates.
#[derive(Serialize)]
pub struct ArmSummary {
    #[serde(skip)]
    pub arm: Arm,
    /// Mean expected accuracy of the base policy (fraction).
    pub base_accuracy: f64,
    /// Final expected accuracy, greedy accuracy, pass@k and entropy (nats), each
    /// `{"mean","lo","hi"}` over replicates.
    pub accuracy: Estimate,
    pub greedy: Estimate,
    pub pass_k: Estimate,
    pub entropy: Estimate,
    /// Groups dropped by filtering, per run.
    pub dropped_groups_per_run: f64,
}

/// One final metric of every run of `arm`.
pub fn final_of(runs: &[RunResult], arm: &Arm, f: fn(&Metrics) -> f64) -> Vec<f64> {
    runs.iter()
        .filter(|r| &r.arm == arm)
        .map(|r| f(&r.final_metrics))
        .collect()
}

impl ArmSummary {
    pub fn of(runs: &[RunResult], arm: &Arm, boot: &Bootstrap) -> ArmSummary {
        let rs: Vec<&RunResult> = runs.iter().filter(|r| &r.arm == arm).collect();
        let e = |f: fn(&Metrics) -> f64| boot.mean_of(&final_of(runs, arm, f));
        ArmSummary {
            arm: arm.clone(),
            base_accuracy: mean(&rs.iter().map(|r| r.base.accuracy).collect::<Vec<_>>()),
            accuracy: e(|m| m.accuracy),
            greedy: e(|m| m.greedy),
            pass_k: e(|m| m.pass_k),
            entropy: e(|m| m.entropy),
            dropped_groups_per_run: mean(
                &rs.iter()
                    .map(|r| r.dropped_groups as f64)
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

/// One arm of `simulate --json`: its summary and every run.
#[derive(Serialize)]
pub struct SimulatedArm<'a> {
    #[serde(rename = "final")]
    pub summary: &'a ArmSummary,
    pub runs: Vec<&'a RunResult>,
}

/// The `simulate --json` record.
#[derive(Serialize)]
pub struct SimulateRecord<'a> {
    pub tool: Tool,
    pub config: &'a SimConfig,
    pub seeds: Seeds,
    /// Exact expected accuracy of the base policy (fraction).
    pub base_accuracy: f64,
    pub interval_method: String,
    /// Arm (as written on the command line) → its summary and runs.
    pub arms: BTreeMap<String, SimulatedArm<'a>>,
}

/// The `decompose --json` record: the decomposition's own fields and the run's context.
#[derive(Serialize)]
pub struct DecomposeRecord<'a> {
    #[serde(flatten)]
    pub decomposition: &'a Decomposition,
    pub tool: Tool,
    pub config: &'a SimConfig,
    pub seeds: Seeds,
    /// Exact expected accuracy of the base policy (fraction).
    pub base_accuracy: f64,
    /// The analytic self-consistency crossover of the config's family (prior strength).
    pub crossover_prior: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::derive_seed;

    fn chain(s: &str) -> Result<Chain, ChainError> {
        Chain::new(s.split(',').map(|a| a.parse().unwrap()).collect())
    }

    #[test]
    fn chains_are_validated() {
        assert!(chain("base,random,majority,true").is_ok());
        assert!(chain("base,format,random,majority,true").is_ok());
        assert_eq!(
            chain("random,base,majority,true"),
            Err(ChainError::NoBase("random".into()))
        );
        assert_eq!(
            chain("base,majority,random,true"),
            Err(ChainError::NoMajority)
        );
        assert_eq!(
            chain("base,majority,format,true"),
            Err(ChainError::NoRandom)
        );
        assert_eq!(chain("base,random,true"), Err(ChainError::TooShort(3)));
        assert_eq!(
            chain("base,random,random,majority"),
            Err(ChainError::Duplicate("random".into()))
        );
    }

    #[test]
    fn hand_computed_terms_and_shares() {
        // base 0.40, random 0.45, majority 0.60, true 0.70 on both replicates.
        let c = chain("base,random,majority,true").unwrap();
        let acc = vec![
            vec![0.40, 0.40],
            vec![0.45, 0.45],
            vec![0.60, 0.60],
            vec![0.70, 0.70],
        ];
        let boot = Bootstrap::new(2, 200, &derive_seed(&[b"d"]));
        let d = decompose(&c, &acc, &boot, DEFAULT_SHARE_TOLERANCE);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(d.terms.total.mean, 0.30);
        close(d.terms.null.mean, 0.05);
        close(d.terms.elicit.mean, 0.15);
        close(d.terms.rd.mean, 0.10);
        close(d.terms.naive.mean, 0.25);
        close(d.shares.rd_of_naive.unwrap().mean, 0.4);
        close(d.shares.elicit_of_naive.unwrap().mean, 0.6);
        close(d.shares.elicit_of_total.unwrap().mean, 0.2 / 0.3);
        close(d.shares.rd_of_total.unwrap().mean, 0.1 / 0.3);
        assert!(d.identity_max_abs_error < 1e-15);
    }

    #[test]
    fn rd_fraction_exceeds_one_exactly_when_elicitation_is_negative() {
        let c = chain("base,random,majority,true").unwrap();
        let acc = vec![vec![0.2], vec![0.2], vec![0.1], vec![0.5]];
        let d = decompose(
            &c,
            &acc,
            &Bootstrap::new(1, 10, &derive_seed(&[b"x"])),
            1e-3,
        );
        assert!(d.terms.elicit.mean < 0.0);
        assert!(d.shares.rd_of_naive.unwrap().mean > 1.0);
    }

    #[test]
    fn zero_denominator_makes_shares_undefined() {
        let c = chain("base,random,majority,true").unwrap();
        let acc = vec![vec![0.5, 0.5]; 4];
        let d = decompose(
            &c,
            &acc,
            &Bootstrap::new(2, 50, &derive_seed(&[b"z"])),
            1e-3,
        );
        assert_eq!(d.shares.rd_of_naive, None);
        assert_eq!(d.shares.rd_of_total, None);
        let json = serde_json::to_value(&d).unwrap();
        assert!(json["shares"]["rd_of_naive"].is_null());
    }

    #[test]
    fn inserted_arms_keep_the_identity() {
        let c = chain("base,format,random,majority,true").unwrap();
        let acc = vec![vec![0.3], vec![0.55], vec![0.41], vec![0.52], vec![0.77]];
        let d = decompose(
            &c,
            &acc,
            &Bootstrap::new(1, 10, &derive_seed(&[b"i"])),
            1e-3,
        );
        assert_eq!(d.steps.len(), 4);
        assert!(d.identity_max_abs_error < 1e-15);
        assert!((d.terms.null.mean - 0.11).abs() < 1e-12);
    }
}
