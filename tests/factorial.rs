//! Factorial studies: effect recovery on synthetic outcomes, designs of other sizes, the lock.

mod common;

use std::path::{Path, PathBuf};

use common::{TempDir, temp};
use indicatif::ProgressBar;
use rlvr_audit::factorial::analysis::{analyse, effects, interaction_ratio, subsets};
use rlvr_audit::factorial::study::{Correction, Study};
use rlvr_audit::factorial::{lock, run_study};
use rlvr_audit::rng::derive_seed;

fn codings(k: usize) -> Vec<Vec<i8>> {
    (0..1usize << k)
        .map(|c| {
            (0..k)
                .map(|i| if c >> i & 1 == 1 { 1 } else { -1 })
                .collect()
        })
        .collect()
}

#[test]
fn an_additive_outcome_has_exactly_zero_interactions() {
    let cs = codings(3);
    let sets = subsets(3);
    // y = 0.5 + 0.1·A − 0.2·B + 0.05·C
    let y: Vec<f64> = cs
        .iter()
        .map(|c| 0.5 + 0.1 * c[0] as f64 - 0.2 * c[1] as f64 + 0.05 * c[2] as f64)
        .collect();
    let e = effects(&cs, &y, &sets);
    let want = [0.1, -0.2, 0.05, 0.0, 0.0, 0.0, 0.0];
    for (got, w) in e.iter().zip(want) {
        assert!((got - w).abs() < 1e-15, "{e:?}");
    }
    assert!(interaction_ratio(&sets, &e).unwrap() < 1e-14);
}

#[test]
fn a_known_interaction_is_recovered() {
    let cs = codings(3);
    let sets = subsets(3);
    // y = 0.3·A + 0.1·C − 0.09·A·C: ratio 0.09/0.3 = 0.3
    let y: Vec<f64> = cs
        .iter()
        .map(|c| 0.3 * c[0] as f64 + 0.1 * c[2] as f64 - 0.09 * (c[0] * c[2]) as f64)
        .collect();
    let e = effects(&cs, &y, &sets);
    assert!(
        (e[4] + 0.09).abs() < 1e-15,
        "AxC is the fifth effect: {e:?}"
    );
    assert!((interaction_ratio(&sets, &e).unwrap() - 0.3).abs() < 1e-12);
    // The same through the replicate analysis, with noise-free replicates.
    let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
    let y_reps: Vec<Vec<f64>> = y.iter().map(|v| vec![*v; 4]).collect();
    let a = analyse(
        &cs,
        &names,
        &y_reps,
        &[],
        Correction::Holm,
        100,
        &derive_seed(&[b"f"]),
    );
    let axc = a.effects.iter().find(|r| r.name == "AxC").unwrap();
    assert!((axc.coefficient.mean + 0.09).abs() < 1e-15);
    assert!((axc.difference_of_means + 0.18).abs() < 1e-15);
}

/// A study file `<name>.yaml` in a temporary directory (removed when the directory is dropped).
fn temp_study(name: &str, body: &str) -> (TempDir, PathBuf) {
    let dir = temp(name);
    let p = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&p, body).unwrap();
    (dir, p)
}

fn study_yaml(factors: &str, hypotheses: &str) -> String {
    format!(
        "schema: 1\ntitle: t\nbase: {{steps: 20, prompts: 16, batch: 8}}\nfactors:\n{factors}outcome: accuracy\nreplicates: 3\nseed: 5\nhypotheses:\n{hypotheses}decision_rule: test\n"
    )
}

const A: &str = "  - {name: A, label: reward, parameter: arm, low: majority, high: \"true\"}\n";
const B: &str = "  - {name: B, label: prior, parameter: prior, low: 0.35, high: 0.8}\n";
const C: &str = "  - {name: C, label: group, parameter: group, low: 4, high: 8}\n";
const D: &str = "  - {name: D, label: filtering, parameter: filter, low: false, high: true}\n";

fn run(path: &Path) -> rlvr_audit::factorial::FactorialResult {
    let s = Study::load(path).unwrap();
    let l = lock::verify(path, &s).unwrap();
    run_study(&s, "t", l, 200, true, &ProgressBar::hidden()).unwrap()
}

#[test]
fn two_and_four_factor_designs_run() {
    let h = "  - {id: H1, effect: A, direction: \">0\", alpha: 0.05}\n";
    let (_dir_p2, p2) = temp_study("k2", &study_yaml(&format!("{A}{B}"), h));
    lock::lock(&p2, &Study::load(&p2).unwrap()).unwrap();
    let r2 = run(&p2);
    assert_eq!(r2.cells.len(), 4);
    assert_eq!(r2.analysis.effects.len(), 3);
    let h4 = "  - {id: H1, effect: AxBxCxD, direction: \"!=0\", alpha: 0.05}\n  - {id: H2, effect: interaction_ratio, direction: \"<1\", alpha: 0.05}\n";
    let (_dir_p4, p4) = temp_study("k4", &study_yaml(&format!("{A}{B}{C}{D}"), h4));
    lock::lock(&p4, &Study::load(&p4).unwrap()).unwrap();
    let r4 = run(&p4);
    assert_eq!(r4.cells.len(), 16);
    assert_eq!(r4.analysis.effects.len(), 15);
    assert_eq!(r4.analysis.hypotheses.len(), 2);
    assert!(r4.analysis.effects.iter().any(|e| e.name == "AxBxCxD"));
}

#[test]
fn a_changed_study_is_refused_until_amended() {
    let h = "  - {id: H1, effect: A, direction: \">0\", alpha: 0.05}\n";
    let (_dir, p) = temp_study("lock", &study_yaml(&format!("{A}{B}"), h));
    let s = Study::load(&p).unwrap();
    assert!(matches!(
        lock::verify(&p, &s),
        Err(lock::LockError::Missing(..))
    ));
    let first = lock::lock(&p, &s).unwrap();
    assert!(matches!(
        lock::lock(&p, &s),
        Err(lock::LockError::AlreadyLocked(..))
    ));
    // A comment or layout change keeps the hash; a change of meaning does not.
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("# a comment\n{text}")).unwrap();
    lock::verify(&p, &Study::load(&p).unwrap()).unwrap();
    std::fs::write(&p, text.replace("seed: 5", "seed: 6")).unwrap();
    let edited = Study::load(&p).unwrap();
    let e = lock::verify(&p, &edited).unwrap_err();
    assert!(e.to_string().contains("prereg amend"), "{e}");
    let amended = lock::amend(&p, &edited, "seed 5 collided with a pilot").unwrap();
    assert_eq!(amended.sha256, first.sha256);
    assert_eq!(amended.amendments.len(), 1);
    assert_eq!(amended.amendments[0].why, "seed 5 collided with a pilot");
    let r = run(&p);
    assert_eq!(r.lock.amendments.len(), 1);
    assert!(matches!(
        lock::amend(&p, &edited, "again"),
        Err(lock::LockError::NothingToAmend(..))
    ));
}

#[test]
fn study_errors_name_the_field() {
    let bad_effect = "  - {id: H1, effect: AxE, direction: \">0\", alpha: 0.05}\n";
    let (_dir, p) = temp_study("bad", &study_yaml(&format!("{A}{B}"), bad_effect));
    let e = Study::load(&p).unwrap_err().to_string();
    assert!(e.contains("hypotheses[0].effect"), "{e}");
    let bad_param = "  - {name: B, label: x, parameter: priors, low: 0.35, high: 0.8}\n";
    std::fs::write(
        &p,
        study_yaml(
            &format!("{A}{bad_param}"),
            "  - {id: H1, effect: A, direction: \">0\", alpha: 0.05}\n",
        ),
    )
    .unwrap();
    let e = Study::load(&p).unwrap_err().to_string();
    assert!(
        e.contains("factors[1]") && e.contains("did you mean `prior`"),
        "{e}"
    );
    let bad_level = "  - {name: B, label: x, parameter: prior, low: 0.35, high: 1.5}\n";
    std::fs::write(
        &p,
        study_yaml(
            &format!("{A}{bad_level}"),
            "  - {id: H1, effect: A, direction: \">0\", alpha: 0.05}\n",
        ),
    )
    .unwrap();
    let e = Study::load(&p).unwrap_err().to_string();
    assert!(e.contains("prior"), "{e}");
    std::fs::write(
        &p,
        study_yaml(
            A,
            "  - {id: H1, effect: A, direction: \">0\", alpha: 0.05}\n",
        ),
    )
    .unwrap();
    assert!(
        Study::load(&p)
            .unwrap_err()
            .to_string()
            .contains("2 to 6 factors")
    );
}

#[test]
fn cached_job_values_are_checked_against_their_study() {
    // `report` reads a pre-registered study's job values from the fit cache instead of running
    // it again; values of the wrong count, outside what the outcome can take, or not what the
    // simulator gives (a spot sample, every job with --verify-fit-cache) are refused, each error
    // naming the job.
    use rlvr_audit::factorial::{check_values, jobs, run_jobs, values_key};
    let h = "  - {id: H1, effect: A, direction: \">0\", alpha: 0.05}\n";
    let (_dir, p) = temp_study("cached", &study_yaml(&format!("{A}{B}"), h));
    let s = Study::load(&p).unwrap();
    let key = values_key(&s);
    assert_eq!(key.len(), 32);
    let values = run_jobs(&s, true, &ProgressBar::hidden());
    assert_eq!(values.len(), jobs(&s).len());
    check_values(&s, &key, &values, true).unwrap();
    let e = check_values(&s, &key, &values[1..], false).unwrap_err();
    assert!(e.contains("11 values where the study has 12 jobs"), "{e}");
    let mut out = values.clone();
    out[5] = 1.5;
    let e = check_values(&s, &key, &out, false).unwrap_err();
    assert!(e.contains("job 5") && e.contains("outside"), "{e}");
    // A plausible edit of every job: the spot sample catches it; of one job, every check does.
    let moved: Vec<f64> = values.iter().map(|v| (v + 0.01).min(1.0)).collect();
    let e = check_values(&s, &key, &moved, false).unwrap_err();
    assert!(e.contains("recomputed"), "{e}");
    for i in 0..values.len() {
        let mut one = values.clone();
        one[i] = if one[i] > 0.5 {
            one[i] - 0.01
        } else {
            one[i] + 0.01
        };
        let e = check_values(&s, &key, &one, true).unwrap_err();
        assert!(e.contains(&format!("job {i} ")), "{e}");
    }
    // Another study file is another key.
    let (_dir2, p2) = temp_study("cached2", &study_yaml(&format!("{A}{C}"), h));
    assert_ne!(values_key(&Study::load(&p2).unwrap()), key);
}
