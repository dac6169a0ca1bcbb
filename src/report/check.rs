//! The `check --json` record: a view of an audit's answers, every target's readings with their
//! survival and attribution, and the CI verdict with its exit code.

use serde::Serialize;

use crate::audit::judge::Answer;
use crate::audit::survival::{Survival, SurvivalBasis, SurvivalVerdict};
use crate::audit::{AuditResult, NullEvidence};

/// The `check FILE --json` record.
#[derive(Serialize)]
pub struct CheckRecord<'a> {
    pub id: &'a str,
    /// The CI answer over every target and reading.
    pub survival: SurvivalVerdict,
    /// The evidence it rests on.
    pub basis: SurvivalBasis,
    /// The measured nulls or controls that decided it, when not the paper's own random arm.
    pub decided_by: Vec<String>,
    /// The process's exit code: 0 SURVIVES on the paper's own random arm (or on cross-paper
    /// evidence with `--accept-cross-paper`), 1 FAILS or NOT_SHOWN, 3 otherwise.
    pub exit_code: u8,
    pub targets: Vec<CheckTarget<'a>>,
    pub null_evidence: &'a [NullEvidence],
}

/// One audited target arm and its readings.
#[derive(Serialize)]
pub struct CheckTarget<'a> {
    pub arm: &'a str,
    pub readings: Vec<CheckReading<'a>>,
}

/// One reading of a target (one per combination of its arms' alternatives).
#[derive(Serialize)]
pub struct CheckReading<'a> {
    pub reading: &'a str,
    pub survival: &'a Survival,
    pub three_way: &'a Answer,
    pub two_way: &'a Answer,
}

impl<'a> CheckRecord<'a> {
    pub fn of(r: &'a AuditResult, accept_cross_paper: bool) -> CheckRecord<'a> {
        let ci = r.ci(accept_cross_paper);
        CheckRecord {
            id: &r.id,
            survival: ci.verdict,
            basis: ci.basis,
            decided_by: ci.decided_by,
            exit_code: ci.exit_code,
            targets: r
                .targets
                .iter()
                .map(|t| CheckTarget {
                    arm: &t.arm,
                    readings: t
                        .judgements
                        .iter()
                        .map(|j| CheckReading {
                            reading: &j.reading,
                            survival: &j.survival,
                            three_way: &j.three_way,
                            two_way: &j.two_way,
                        })
                        .collect(),
                })
                .collect(),
            null_evidence: &r.null_evidence,
        }
    }
}
