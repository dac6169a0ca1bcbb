//! The leave-one-out calibration of the imputed arms (`reports/calibration.md`) and the measured
//! nulls of other papers as anchors of a claim's missing random arm.

mod common;

use std::path::Path;

use rlvr_audit::audit::Thresholds;
use rlvr_audit::audit::{Provenance, audit, load_set};

use common::{command, temp};

fn arm(name: &str, role: &str, printed: &str) -> String {
    format!(
        "  {name}:\n    role: {role}\n    printed: \"{printed}\"\n    unit: percent\n    source: {{version: v1, location: Table 1, row: M, column: {name}, read_from: table}}\n"
    )
}

/// A descriptor of model `M-7B` on benchmark `B` (500 items) from paper `title`.
fn descriptor(id: &str, title: &str, arms: &[(&str, &str, &str)]) -> String {
    let arms: String = arms.iter().map(|(n, r, p)| arm(n, r, p)).collect();
    format!(
        "schema: 2\nid: {id}\ndescriptor_version: 1\npaper:\n  title: {title}\n  authors: A\n  version: v1\nclaim: c\ntargets: [gt]\nmodel: M-7B\nbenchmark:\n  name: B\n  n: 500\n  metric: pass@1\narms:\n{arms}"
    )
}

fn row<'a>(md: &'a str, id: &str, arm: &str) -> &'a str {
    md.lines()
        .find(|l| l.starts_with(&format!("| `{id}` | M | {arm} |")))
        .unwrap_or_else(|| panic!("no row for {id} {arm}:\n{md}"))
}

#[test]
fn leave_one_out_hides_each_reported_arm_and_scores_its_imputed_range() {
    // Two rows of one paper: a random gain of +1 (within what the class reaches at a 40 % base)
    // and one of +45 (far beyond it); each random and majority arm is hidden and imputed.
    let dir = temp("calibration");
    let (audits, reports, prereg) = (
        dir.path().join("a"),
        dir.path().join("r"),
        dir.path().join("p"),
    );
    for d in [&audits, &prereg] {
        std::fs::create_dir_all(d).unwrap();
    }
    for (id, random) in [("near", "41.0"), ("far", "85.0")] {
        std::fs::write(
            audits.join(format!("{id}.yaml")),
            descriptor(
                id,
                "T",
                &[
                    ("base", "base", "40.0"),
                    ("random", "random", random),
                    ("majority", "majority", "50.0"),
                    ("gt", "true", "70.0"),
                ],
            ),
        )
        .unwrap();
    }
    let fit_cache = dir.path().join("fit-cache.json");
    let run = || {
        let o = command()
            .args([
                "report",
                "--audits-dir",
                audits.to_str().unwrap(),
                "--reports-dir",
                reports.to_str().unwrap(),
                "--prereg-dir",
                prereg.to_str().unwrap(),
                "--not-audited",
                dir.path().join("none.yaml").to_str().unwrap(),
                "--fit-cache",
                fit_cache.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        std::fs::read_to_string(reports.join("calibration.md")).unwrap()
    };
    let md = run();
    // The near row's measured +1.0 lies in its imputed range; the far row's +45.0 does not, and
    // its residual is positive (measured above the range) and large.
    let near = row(&md, "near", "random");
    assert!(
        near.contains("| +1.0 [") && near.contains("| yes |"),
        "{near}"
    );
    let far = row(&md, "far", "random");
    let cells: Vec<&str> = far.split(" | ").collect();
    assert_eq!(cells[6], "**no**", "{far}");
    let residual: f64 = cells[7].parse().unwrap();
    assert!(residual > 5.0, "{far}");
    // Coverage: both random arms imputed, one covered; the same paper's other row lends no
    // anchor to a hidden random arm (it is not another paper's measurement).
    assert!(
        md.contains("| own arms | random | 2 | 2 | 1 of 2 (50 %) | 0 | 95 % | "),
        "{md}"
    );
    assert!(
        md.contains("| with measured nulls | random | 2 | 2 | 1 of 2 (50 %) | 0 | 95 % | "),
        "{md}"
    );
    assert!(row(&md, "far", "majority").ends_with("| — |"), "{md}");
    // The +45 random gain is listed beyond the class's reach, with the class's largest.
    let short = md
        .split("## Random gains beyond the class's reach")
        .nth(1)
        .and_then(|s| s.split("## Every hidden arm").next())
        .expect("a shortfall section");
    assert!(short.contains("| `far` | 40.0 | +45.0 |"), "{short}");
    assert!(!short.contains("`near`"), "{short}");
    // Deterministic: a second (warm) run writes the same bytes.
    assert_eq!(run(), md);
}

#[test]
fn an_imputed_random_arm_contradicted_by_its_models_measured_null_is_now_fitted_to_it() {
    // Regression: a claim with no random arm was fitted to its own arms only, so its imputed
    // random arm could lie wholly outside the random gain another paper measured for the same
    // model and benchmark. The measured null is now an anchor of the fit, named by its lender.
    let dir = temp("null-anchor");
    for (lender_random, contradicts) in [("52.0", false), ("85.0", true)] {
        std::fs::write(
            dir.path().join("lender.yaml"),
            descriptor(
                "lender",
                "U",
                &[
                    ("base", "base", "40.0"),
                    ("random", "random", lender_random),
                    ("majority", "majority", "50.0"),
                    ("gt", "true", "70.0"),
                ],
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("claim.yaml"),
            descriptor(
                "claim",
                "T",
                &[
                    ("base", "base", "40.0"),
                    ("majority", "majority", "50.0"),
                    ("gt", "true", "70.0"),
                ],
            ),
        )
        .unwrap();
        let files = rlvr_audit::audit::descriptor_files(dir.path()).unwrap();
        let (ds, errors) = load_set(&files, Path::new("data/papers"));
        assert!(errors.is_empty(), "{errors:?}");
        let d = ds.iter().find(|d| d.id == "claim").unwrap();
        let r = audit(d, &ds, &Thresholds::default());
        let f = r.fit.as_ref().unwrap();
        let a = f
            .anchors
            .iter()
            .find(|a| a.arm == "random")
            .expect("the measured null anchors the random arm");
        assert_eq!(a.lender.as_deref(), Some("lender"));
        let gain = (lender_random.parse::<f64>().unwrap() - 40.0) / 100.0;
        assert!((a.gain - gain).abs() < 1e-9, "{}", a.gain);
        let random = r.arms.iter().find(|x| x.arm == "random").unwrap();
        match &random.provenance {
            // An imputed range now meets the anchor's tolerance band and is never contradicted.
            Provenance::Imputed {
                lo,
                hi,
                contradicted_by,
            } => {
                assert!(contradicted_by.is_empty(), "{contradicted_by:?}");
                assert!(*hi >= a.gain - a.tolerance && *lo <= a.gain + a.tolerance);
                assert!(
                    !contradicts,
                    "a gain of +45 is beyond the class: [{lo}, {hi}]"
                );
            }
            // Beyond the class's reach the fit is a misfit naming the random arm: nothing imputed.
            Provenance::Missing => {
                assert!(contradicts);
                assert_eq!(f.misfit.as_ref().unwrap().arm, "random");
            }
            p => panic!("{p:?}"),
        }
        let md = rlvr_audit::report::audit::report(&r);
        assert!(
            md.contains("| `random` (measured null of `lender`, carried additively) |"),
            "{md}"
        );
    }
}
