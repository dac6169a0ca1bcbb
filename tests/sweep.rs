//! Sweeps: determinism of the written report, serial = parallel, the sign change of Δ_elicit,
//! and gate escalation.

mod common;

use common::{command, temp};
use indicatif::ProgressBar;
use rlvr_audit::decompose::Chain;
use rlvr_audit::gate::{Decision, GateRule};
use rlvr_audit::sim::{Arm, config};
use rlvr_audit::sweep::{SweepSpec, parse_levels, run_sweep};

fn spec(levels: &str, replicates: u64, parallel: bool) -> SweepSpec {
    SweepSpec {
        base: config::paper(),
        levels: parse_levels(levels).unwrap(),
        chain: Chain::new(Arm::default_chain()).unwrap(),
        replicates,
        resamples: 400,
        share_tolerance: 1e-3,
        gate: GateRule::default(),
        escalate_to: None,
        parallel,
    }
}

#[test]
fn serial_and_parallel_sweeps_are_identical() {
    let a = run_sweep(&spec("0.2,0.5,0.8", 3, true), &ProgressBar::hidden());
    let b = run_sweep(&spec("0.2,0.5,0.8", 3, false), &ProgressBar::hidden());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn a_grid_shows_one_sign_change_bracketing_the_crossover() {
    let s = run_sweep(&spec("0.05:0.95:0.05", 4, true), &ProgressBar::hidden());
    assert_eq!(s.crossover.sign_changes, 1);
    let [lo, hi] = s.crossover.bracket.unwrap();
    let e = s.crossover.empirical.unwrap();
    assert!(lo < e.mean && e.mean < hi, "{lo} {} {hi}", e.mean);
    // The far levels are point-identified.
    assert_eq!(s.levels[0].gate, Decision::Point);
    assert_eq!(s.levels[18].gate, Decision::Point);
}

#[test]
fn bounded_levels_escalate_and_record_their_replicates() {
    // One replicate gives no interval, so the gate says BOUNDED and escalation must add more.
    let mut sp = spec("0.415,0.8", 1, true);
    sp.escalate_to = Some(8);
    let s = run_sweep(&sp, &ProgressBar::hidden());
    let l = &s.levels[0];
    assert_eq!(l.escalations.first(), Some(&1));
    assert!(l.escalations.len() > 1);
    assert!(l.escalations.windows(2).all(|w| w[1] > w[0]));
    assert_eq!(l.replicates, *l.escalations.last().unwrap());
    assert!(l.replicates == 8 || l.gate == Decision::Point);
    // Far from the crossover two replicates already suffice.
    assert_eq!(s.levels[1].escalations, [1, 2]);
    assert_eq!(s.levels[1].gate, Decision::Point);
}

#[test]
fn report_files_are_byte_identical_on_rerun() {
    let tmp = temp("sweep");
    let dir = tmp.path();
    let read = |d: &std::path::Path| {
        (
            std::fs::read(d.join("sweep.md")).unwrap(),
            std::fs::read(d.join("figures/sweep.svg")).unwrap(),
        )
    };
    // The committed fit cache, copied: `report` must find every model-check run in it (so it
    // leaves the copy as it was) and write the committed reports from it.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir).unwrap();
    let cache = dir.join("fit-cache.json");
    std::fs::copy(root.join("data/fit-cache.json"), &cache).unwrap();
    let run = |d: &std::path::Path, serial: bool| {
        let mut c = command();
        c.args(["report", "--reports-dir", d.to_str().unwrap()]);
        c.args(["--fit-cache", cache.to_str().unwrap()]);
        if serial {
            c.arg("--serial");
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&dir.join("a"), false);
    run(&dir.join("b"), true);
    let (a, b) = (read(&dir.join("a")), read(&dir.join("b")));
    assert_eq!(a, b);
    assert!(
        std::fs::read(&cache).unwrap() == std::fs::read(root.join("data/fit-cache.json")).unwrap(),
        "data/fit-cache.json is not what `report` keeps: run `report` and commit it"
    );
    // Every report the main job writes (audits, summary, papers, factorial studies) is identical
    // too, and identical to the committed `reports/`: a report that drifts from what the code
    // writes fails here.
    fn tree(d: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        fn walk(root: &std::path::Path, d: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.push((
                        p.strip_prefix(root).unwrap().display().to_string(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        let mut files = Vec::new();
        walk(d, d, &mut files);
        files.sort();
        files
    }
    let (ta, tb) = (tree(&dir.join("a")), tree(&dir.join("b")));
    assert!(
        ta.iter().any(|(n, _)| n == "README.md")
            && ta.iter().any(|(n, _)| n.starts_with("factorial-"))
            && ta.iter().any(|(n, _)| n.starts_with("papers/"))
    );
    assert_eq!(ta, tb);
    let committed = tree(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports"));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&ta),
        names(&committed),
        "the committed reports/ has other files: run `report`"
    );
    for ((name, fresh), (_, old)) in ta.iter().zip(&committed) {
        assert!(
            fresh == old,
            "reports/{name} differs from what `report` writes now: regenerate and commit it"
        );
    }
    let md = String::from_utf8(a.0).unwrap();
    for needle in [
        "| 0.2 |",
        "| 0.8 |",
        "Self-consistency crossover",
        "SHA-256",
        "```json",
        "figures/sweep.svg",
    ] {
        assert!(md.contains(needle), "missing {needle}");
    }
    assert!(String::from_utf8(a.1).unwrap().starts_with("<svg"));
}
