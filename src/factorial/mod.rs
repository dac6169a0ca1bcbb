//! Pre-registered factorial experiments (METHOD §9): a study file locked before any run, the
//! 2^k design run over replicates, and an analysis that reports every hypothesis whatever its
//! outcome.

pub mod analysis;
pub mod lock;
pub mod study;

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;

use crate::decompose::{Anchor, Chain, Term};
use crate::rng::derive_seed;
use crate::sim::{Arm, Metrics, run};
use analysis::Analysis;
use study::{Cell, Outcome, Study};

/// A study whose outcome has no value in some cell: no analysis can be run on it.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path}: the outcome `{outcome:?}` is undefined in cell {cell} (a share whose denominator is below tolerance); \
     choose a term instead of a share"
)]
pub struct UndefinedOutcome {
    pub path: String,
    pub outcome: Outcome,
    pub cell: usize,
}

/// A finished study.
#[derive(Clone, Debug, Serialize)]
pub struct FactorialResult {
    pub title: String,
    pub question: String,
    pub decision_rule: String,
    /// The study file's path as given, and its lock.
    pub study_path: String,
    pub lock: lock::Lock,
    pub outcome: Outcome,
    pub factors: Vec<study::FactorFile>,
    pub cells: Vec<Cell>,
    /// Outcome per cell (standard order) and replicate.
    pub values: Vec<Vec<f64>>,
    pub analysis: Analysis,
}

fn metric(o: Outcome, m: &Metrics) -> f64 {
    match o {
        Outcome::Greedy => m.greedy,
        Outcome::PassK => m.pass_k,
        Outcome::Entropy => m.entropy,
        _ => m.accuracy,
    }
}

/// The outcome of one cell and replicate.
fn cell_value(cell: &Cell, o: Outcome, replicate: u64) -> f64 {
    if !o.needs_chain() {
        return metric(
            o,
            &run(&cell.config, &cell.arm, replicate, false).final_metrics,
        );
    }
    let chain = Chain::new(study::chain_arms(&cell.arm)).expect("validated when the study loaded");
    // Only the arms of the anchors the outcome reads are run, each once (Δ_null reads base and
    // random, not the chain's other two trained arms): a run depends only on its config, arm
    // and replicate, so the value is the one the whole chain gives.
    let mut runs: Vec<(&Arm, f64)> = Vec::with_capacity(chain.arms.len());
    let mut accuracy = |anchor: Anchor| {
        let arm = &chain.arms[match anchor {
            Anchor::Base => 0,
            Anchor::Random => chain.random,
            Anchor::Majority => chain.majority,
            Anchor::Target => chain.arms.len() - 1,
        }];
        if let Some(&(_, acc)) = runs.iter().find(|(a, _)| *a == arm) {
            return acc;
        }
        let acc = run(&cell.config, arm, replicate, false)
            .final_metrics
            .accuracy;
        runs.push((arm, acc));
        acc
    };
    let mut term = |t: Term| {
        let (plus, minus) = t.anchors();
        accuracy(plus) - accuracy(minus)
    };
    let ratio = |n: f64, d: f64| {
        if d.abs() < crate::decompose::DEFAULT_SHARE_TOLERANCE {
            f64::NAN
        } else {
            n / d
        }
    };
    match o {
        Outcome::Total => term(Term::Total),
        Outcome::Null => term(Term::Null),
        Outcome::Elicit => term(Term::Elicit),
        Outcome::Rd => term(Term::Rd),
        Outcome::Naive => term(Term::Naive),
        Outcome::RdOfNaive => ratio(term(Term::Rd), term(Term::Naive)),
        Outcome::ElicitOfNaive => ratio(term(Term::Elicit), term(Term::Naive)),
        Outcome::ElicitOfTotal => {
            let (null, elicit) = (term(Term::Null), term(Term::Elicit));
            ratio(null + elicit, term(Term::Total))
        }
        Outcome::RdOfTotal => ratio(term(Term::Rd), term(Term::Total)),
        _ => unreachable!("metric outcomes return above"),
    }
}

/// Cells × replicates.
pub fn run_count(s: &Study) -> u64 {
    s.cells.len() as u64 * s.file.replicates
}

/// The (cell, replicate) jobs of a study, in a fixed order.
pub fn jobs(s: &Study) -> Vec<(usize, u64)> {
    (0..s.cells.len())
        .flat_map(|c| (0..s.file.replicates).map(move |r| (c, r)))
        .collect()
}

/// One job's outcome.
pub fn job_value(s: &Study, (c, r): (usize, u64)) -> f64 {
    cell_value(&s.cells[c], s.outcome, r)
}

/// The key a study's job values are cached under (the fit cache's `studies`): everything they
/// depend on — the simulator version and the study file as written.
pub fn values_key(s: &Study) -> String {
    let file = serde_json::to_string(&s.file).expect("plain data");
    crate::io::sha256_hex(&format!(
        "rlvr-audit/study-jobs/v1\n{}\n{file}",
        crate::sim::VERSION
    ))[..32]
        .to_string()
}

/// Jobs of a cached study recomputed each time it is read (the ones whose index hashes lowest
/// with the key), or every one with `all`.
pub const SPOT_CHECKS: usize = 2;

/// Checks job values read from a cache against the study: one value per job, each within the
/// range its outcome can take ([`job_range`]), and [`SPOT_CHECKS`] jobs (every one with `all`)
/// recomputed to the bit. The error says which job and why.
pub fn check_values(s: &Study, key: &str, values: &[f64], all: bool) -> Result<(), String> {
    let jobs = jobs(s);
    if values.len() != jobs.len() {
        return Err(format!(
            "{} values where the study has {} jobs",
            values.len(),
            jobs.len()
        ));
    }
    for (i, (&job, &v)) in jobs.iter().zip(values).enumerate() {
        let (lo, hi) = job_range(s, job);
        if !(lo..=hi).contains(&v) {
            return Err(format!(
                "job {i} (cell {}, replicate {}) holds {v}, outside the {lo}…{hi} its outcome can take",
                job.0, job.1
            ));
        }
    }
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_cached_key(|i| {
        crate::io::sha256_hex(&format!("rlvr-audit/study-spot/v1\n{key}\n{i}"))
    });
    if !all {
        order.truncate(SPOT_CHECKS);
    }
    order.par_iter().try_for_each(|&i| {
        let fresh = job_value(s, jobs[i]);
        if fresh.to_bits() == values[i].to_bits() {
            Ok(())
        } else {
            Err(format!(
                "job {i} (cell {}, replicate {}) holds {}, recomputed {fresh}",
                jobs[i].0, jobs[i].1, values[i]
            ))
        }
    })
}

/// The range one job's outcome can take: a merged value outside it was not computed by the
/// simulator. Accuracies lie in 0…1, entropies in 0…ln(answers), terms (differences of
/// accuracies) in −1…+1, shares within ±2 / the share tolerance.
pub fn job_range(s: &Study, (c, _): (usize, u64)) -> (f64, f64) {
    use study::Outcome::*;
    match s.outcome {
        Accuracy | Greedy | PassK => (0.0, 1.0),
        Entropy => (0.0, (s.cells[c].config.row_width() as f64).ln()),
        Total | Null | Elicit | Rd | Naive => (-1.0, 1.0),
        RdOfNaive | ElicitOfNaive | ElicitOfTotal | RdOfTotal => {
            let m = 2.0 / crate::decompose::DEFAULT_SHARE_TOLERANCE;
            (-m, m)
        }
    }
}

/// Everything a merge needs to rebuild a factorial study: the spec a shard file's header
/// records (and hashes).
#[derive(Serialize)]
pub struct SpecRecord<'a> {
    /// The study file's path as given.
    pub path: String,
    pub study: &'a study::StudyFile,
    pub lock: &'a lock::Lock,
    pub resamples: usize,
}

/// The `factorial --json` (and factorial `merge --json`) record: the result's own fields and the
/// tool.
#[derive(Serialize)]
pub struct FactorialRecord<'a> {
    #[serde(flatten)]
    pub result: &'a FactorialResult,
    pub tool: crate::io::Tool,
}

/// Runs a study whose lock has been verified.
pub fn run_study(
    s: &Study,
    path: &str,
    lock: lock::Lock,
    resamples: usize,
    parallel: bool,
    progress: &ProgressBar,
) -> Result<FactorialResult, UndefinedOutcome> {
    let flat = run_jobs(s, parallel, progress);
    assemble(s, path, lock, resamples, &flat)
}

/// Every job's value, in [`jobs`] order.
pub fn run_jobs(s: &Study, parallel: bool, progress: &ProgressBar) -> Vec<f64> {
    let jobs = jobs(s);
    let one = |&job: &(usize, u64)| {
        let v = job_value(s, job);
        progress.inc(1);
        v
    };
    if parallel {
        jobs.par_iter().map(one).collect()
    } else {
        jobs.iter().map(one).collect()
    }
}

/// The analysed study from every job's value (in [`jobs`] order).
pub fn assemble(
    s: &Study,
    path: &str,
    lock: lock::Lock,
    resamples: usize,
    flat: &[f64],
) -> Result<FactorialResult, UndefinedOutcome> {
    let reps = s.file.replicates;
    let values: Vec<Vec<f64>> = flat.chunks(reps as usize).map(<[f64]>::to_vec).collect();
    if let Some((c, _)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
    {
        return Err(UndefinedOutcome {
            path: path.to_string(),
            outcome: s.outcome,
            cell: c,
        });
    }
    let codings: Vec<Vec<i8>> = s.cells.iter().map(|c| c.coding.clone()).collect();
    let seed = derive_seed(&[b"rlvr-audit/factorial/v1", s.canonical().as_bytes()]);
    let analysis = analysis::analyse(
        &codings,
        &s.factor_names(),
        &values,
        &s.hypotheses,
        s.correction,
        resamples,
        &seed,
    );
    Ok(FactorialResult {
        title: s.file.title.clone(),
        question: s.file.question.clone(),
        decision_rule: s.file.decision_rule.clone(),
        study_path: path.to_string(),
        lock,
        outcome: s.outcome,
        factors: s.file.factors.clone(),
        cells: s.cells.clone(),
        values,
        analysis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decompose::ReplicateTerms;

    #[test]
    fn a_chain_outcome_from_the_arms_it_reads_equals_the_whole_chains() {
        // Running only the anchors an outcome reads must give the bits of running every arm.
        use Outcome::*;
        for arm in [Arm::True, Arm::Format] {
            let cell = Cell {
                coding: Vec::new(),
                config: crate::sim::SimConfig {
                    steps: 30,
                    ..crate::sim::config::paper()
                },
                arm,
            };
            let chain = Chain::new(study::chain_arms(&cell.arm)).unwrap();
            for r in 0..2 {
                let acc: Vec<f64> = chain
                    .arms
                    .iter()
                    .map(|a| run(&cell.config, a, r, false).final_metrics.accuracy)
                    .collect();
                let t = ReplicateTerms::from_accuracies(&chain, &acc);
                let ratio = |n: f64, d: f64| {
                    if d.abs() < crate::decompose::DEFAULT_SHARE_TOLERANCE {
                        f64::NAN
                    } else {
                        n / d
                    }
                };
                for (o, want) in [
                    (Total, t.total),
                    (Null, t.null),
                    (Elicit, t.elicit),
                    (Rd, t.rd),
                    (Naive, t.naive),
                    (RdOfNaive, ratio(t.rd, t.naive)),
                    (ElicitOfNaive, ratio(t.elicit, t.naive)),
                    (ElicitOfTotal, ratio(t.null + t.elicit, t.total)),
                    (RdOfTotal, ratio(t.rd, t.total)),
                ] {
                    let got = cell_value(&cell, o, r);
                    assert_eq!(got.to_bits(), want.to_bits(), "{o:?} {}", cell.arm);
                }
            }
        }
    }
}
