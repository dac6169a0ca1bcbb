//! What an audit returns: every arm with its provenance, each target's judgements, the model
//! check, and the random-reward gains measured elsewhere (the records the reports and `--json`
//! print).

use super::*;

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

/// A random-reward gain measured (reported) in some descriptor: the evidence a break-even
/// null is read against.
#[derive(Clone, Debug, Serialize)]
pub struct NullEvidence {
    pub id: String,
    pub paper: String,
    pub model: String,
    pub benchmark: String,
    pub arm_label: String,
    /// Which reading, when the random arm's number is ambiguous.
    pub reading: String,
    /// Δ_null = acc(random) − acc(base), with its interval.
    pub null: Estimate,
    pub source: Source,
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
    /// The CI answer over every target and reading: NOT_SHOWN if any is, else UNDETERMINED if
    /// any is, else SURVIVES (never SURVIVES without a computed Δ_naive).
    pub fn survival(&self) -> SurvivalVerdict {
        let all: Vec<SurvivalVerdict> = self
            .targets
            .iter()
            .flat_map(|t| t.judgements.iter().map(|j| j.survival.verdict))
            .collect();
        if all.is_empty() {
            SurvivalVerdict::Undetermined
        } else if all.contains(&SurvivalVerdict::NotShown) {
            SurvivalVerdict::NotShown
        } else if all.contains(&SurvivalVerdict::Undetermined) {
            SurvivalVerdict::Undetermined
        } else {
            SurvivalVerdict::Survives
        }
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

    /// The measured nulls on this audit's benchmark (the rest are on other benchmarks).
    pub fn same_benchmark_nulls(&self) -> impl Iterator<Item = &NullEvidence> {
        self.null_evidence
            .iter()
            .filter(|e| match_key(&e.benchmark) == match_key(&self.benchmark.name))
    }
}
