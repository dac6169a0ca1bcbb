//! What an audit returns: every arm with its provenance, each target's judgements, the model
//! check, and the random-reward gains measured elsewhere (the records the reports and `--json`
//! print).

use std::collections::BTreeMap;

use serde::Serialize;

use super::descriptor::{self, Descriptor, Role, Source, Transfer, Unit, match_key};
use super::fit::Fit;
use super::judge::{Attribution, Judgement};
use super::survival::{Survival, SurvivalBasis, SurvivalVerdict};
use super::{Thresholds, consistency, evidence, resolve};
use crate::sim::SimConfig;
use crate::stats::Estimate;

/// How an arm's accuracy is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Reported,
    Borrowed,
    Simulated,
    /// Predicted by the simulator fit: a model's estimate, never evidence.
    Imputed,
}

impl Basis {
    /// Known from data (a paper's numbers or a simulation run), not from a model fit.
    pub fn identified(self) -> bool {
        self != Basis::Imputed
    }
}

/// Where an arm of an audit came from.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Provenance {
    Reported {
        printed: Vec<String>,
        unit: Unit,
        source: Source,
        /// The cited cache cell, when the descriptor names one.
        cell: Option<String>,
    },
    Borrowed {
        from: String,
        lender_arm: String,
        printed: String,
        unit: Unit,
        source: Source,
        transfer: Transfer,
    },
    Imputed {
        lo: f64,
        hi: f64,
        /// The measured nulls of this model and benchmark whose carried gain lies wholly outside
        /// this range: a model estimate the data contradict, not used anywhere.
        contradicted_by: Vec<String>,
    },
    Simulated {
        config: SimConfig,
        replicates: u64,
    },
    /// Not reported and not imputable (a misfit): everything that needs it is left out.
    Missing,
}

#[derive(Clone, Debug, Serialize)]
pub struct ArmRow {
    pub arm: String,
    pub role: String,
    pub label: String,
    pub provenance: Provenance,
}

/// A random-reward gain measured for the same model in some paper (a descriptor's random arm or an
/// entry of the measured-nulls file): the evidence survival reads.
#[derive(Clone, Debug, Serialize)]
pub struct NullEvidence {
    pub id: String,
    pub paper: String,
    pub model: String,
    pub benchmark: String,
    /// Items of the benchmark, when stated.
    pub n: Option<u64>,
    pub control: evidence::Control,
    pub arm_label: String,
    /// Which reading, when the random arm's number is ambiguous.
    pub reading: String,
    /// Δ_null = acc(random) − acc(base), with its interval (both evaluations' noise). A gain
    /// printed without a base is sized at the base that makes its noise largest.
    pub null: Estimate,
    /// The paper's base, the training budget and the evaluation, in words.
    pub details: String,
    pub caveat: String,
    pub source: Source,
    /// From the measured-nulls file (no audit page of its own).
    pub listed: bool,
}

/// How one reading's answers move when borrowed arms are carried on the other scale.
#[derive(Clone, Debug, Serialize)]
pub struct TransferCheck {
    pub reading: String,
    pub scale: Transfer,
    pub naive: Option<Estimate>,
    pub survival: SurvivalVerdict,
    pub three_way: Attribution,
    pub two_way: Attribution,
}

/// Everything audited for one target arm.
#[derive(Clone, Debug, Serialize)]
pub struct TargetResult {
    pub arm: String,
    pub role: Role,
    pub label: String,
    /// One per reading of ambiguous numbers.
    pub judgements: Vec<Judgement>,
    pub transfer_checks: Vec<TransferCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditResult {
    pub id: String,
    pub descriptor_version: u64,
    pub descriptor_hash: String,
    pub path: String,
    pub paper: descriptor::Paper,
    pub claim: String,
    pub model: String,
    pub benchmark: descriptor::Benchmark,
    /// How the binomial term of a printed score is computed for this metric.
    pub noise: String,
    pub training: BTreeMap<String, String>,
    pub notes: String,
    pub warnings: Vec<String>,
    /// Whether each printed number is possible at the stated size and metric (the GRIM check).
    pub consistency: consistency::Consistency,
    pub arms: Vec<ArmRow>,
    pub fit: Option<Fit>,
    pub thresholds: Thresholds,
    pub targets: Vec<TargetResult>,
    /// Random-reward gains measured for the same model elsewhere in the set (same benchmark
    /// first), the evidence beside the break-even null.
    pub null_evidence: Vec<NullEvidence>,
}

impl AuditResult {
    /// The record of `d`'s audit: the descriptor's own fields and its consistency check, the
    /// resolved arms, and each target as the judge handed it on.
    pub fn of(
        d: &Descriptor,
        thr: &Thresholds,
        resolved: resolve::Resolved,
        targets: Vec<TargetResult>,
    ) -> AuditResult {
        let consistency = consistency::check(d);
        AuditResult {
            id: d.id.clone(),
            descriptor_version: d.descriptor_version,
            descriptor_hash: d.hash.clone(),
            path: d.path.display().to_string(),
            paper: d.paper.clone(),
            claim: d.claim.clone(),
            model: d.model.clone(),
            benchmark: d.benchmark.clone(),
            noise: match consistency.noise_note() {
                Some(c) => format!("{}. {c}", d.benchmark.metric.noise_note(d.benchmark.n)),
                None => d.benchmark.metric.noise_note(d.benchmark.n),
            },
            training: d.training.clone(),
            notes: d.notes.clone(),
            warnings: d.warnings.iter().map(|w| w.to_string()).collect(),
            consistency,
            arms: resolved.arms,
            fit: resolved.fit,
            thresholds: *thr,
            targets,
            null_evidence: resolved.null_evidence,
        }
    }

    /// The CI answer over every target and reading (see [`Ci`]).
    pub fn ci(&self, accept_cross_paper: bool) -> Ci {
        let all: Vec<&Survival> = self
            .targets
            .iter()
            .flat_map(|t| t.judgements.iter().map(|j| &j.survival))
            .collect();
        let code = |s: &Survival| exit_code(s.verdict, s.basis, accept_cross_paper);
        let worst = all.iter().map(|s| code(s)).max_by_key(|c| match c {
            1 => 2,
            3 => 1,
            _ => 0,
        });
        let Some(exit_code) = worst else {
            return Ci {
                verdict: SurvivalVerdict::Undetermined,
                basis: SurvivalBasis::None,
                decided_by: Vec::new(),
                exit_code: 3,
            };
        };
        let of_code: Vec<&&Survival> = all.iter().filter(|s| code(s) == exit_code).collect();
        // The answer named: the most cautious word among the readings with the deciding code.
        let pick = of_code
            .iter()
            .max_by_key(|s| match s.verdict {
                SurvivalVerdict::Fails => 3,
                SurvivalVerdict::NotShown => 2,
                SurvivalVerdict::Undetermined => 1,
                SurvivalVerdict::Survives => 0,
            })
            .expect("some reading has the code");
        let mut decided_by: Vec<String> = of_code
            .iter()
            .filter(|s| s.verdict == pick.verdict && s.basis == pick.basis)
            .flat_map(|s| s.decided_by.iter().cloned())
            .collect();
        decided_by.sort();
        decided_by.dedup();
        Ci {
            verdict: pick.verdict,
            basis: pick.basis,
            decided_by,
            exit_code,
        }
    }

    /// The overall survival word (as `check` prints it by default).
    pub fn survival(&self) -> SurvivalVerdict {
        self.ci(false).verdict
    }

    /// Short provenance code per arm: R reported, B borrowed, I imputed, S simulated, - missing.
    pub fn provenance_codes(&self) -> String {
        self.arms
            .iter()
            .map(|a| {
                let c = match a.provenance {
                    Provenance::Reported { .. } => "R",
                    Provenance::Borrowed { .. } => "B",
                    Provenance::Imputed { .. } => "I",
                    Provenance::Simulated { .. } => "S",
                    Provenance::Missing => "-",
                };
                format!("{}:{c}", a.arm)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every reading of every target, in order.
    pub fn readings(&self) -> impl Iterator<Item = (&TargetResult, &Judgement)> {
        self.targets
            .iter()
            .flat_map(|t| t.judgements.iter().map(move |j| (t, j)))
    }

    /// The measured nulls on this audit's benchmark (the rest are on other benchmarks).
    pub fn same_benchmark_nulls(&self) -> impl Iterator<Item = &NullEvidence> {
        self.null_evidence
            .iter()
            .filter(|e| match_key(&e.benchmark) == match_key(&self.benchmark.name))
    }
}

/// Every reading of every target of every audit of `rs`, in order.
pub fn readings_of<'a>(
    rs: impl IntoIterator<Item = &'a AuditResult>,
) -> impl Iterator<Item = (&'a AuditResult, &'a TargetResult, &'a Judgement)> {
    rs.into_iter()
        .flat_map(|r| r.readings().map(move |(t, j)| (r, t, j)))
}

/// `check`'s exit code for one answer: the paper's own random arm decides (0 SURVIVES, 1 FAILS or
/// NOT_SHOWN); without it FAILS or NOT_SHOWN from any other evidence exits 1, a cross-paper
/// survival exits 3 unless `accept_cross_paper`, and UNDETERMINED exits 3.
pub fn exit_code(verdict: SurvivalVerdict, basis: SurvivalBasis, accept_cross_paper: bool) -> u8 {
    match (verdict, basis) {
        (SurvivalVerdict::Fails | SurvivalVerdict::NotShown, _) => 1,
        (SurvivalVerdict::Survives, SurvivalBasis::InPaper) => 0,
        (SurvivalVerdict::Survives, SurvivalBasis::CrossPaper) if accept_cross_paper => 0,
        _ => 3,
    }
}

/// `check`'s answer over every target and reading: exit 1 if any reading's evidence says FAILS or
/// NOT_SHOWN, else 3 if any is UNDETERMINED or survives on cross-paper evidence only (0 for the
/// latter with `accept_cross_paper`), else 0 — never 0 without evidence the answer names.
#[derive(Clone, Debug, Serialize)]
pub struct Ci {
    pub verdict: SurvivalVerdict,
    pub basis: SurvivalBasis,
    /// The lenders (measured-null ids) or control arms that decided it, when not in-paper.
    pub decided_by: Vec<String>,
    pub exit_code: u8,
}
