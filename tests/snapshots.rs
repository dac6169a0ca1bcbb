//! Snapshots of the JSON records: a few audits, a sweep and a pre-registered study, compared
//! byte for byte with the committed files under `tests/snapshots/` (the markdown of every report
//! is compared with the committed `reports/` by `tests/sweep.rs`). A record that drifts fails
//! here; when the change is intended, `RLVR_AUDIT_UPDATE_SNAPSHOTS=1 cargo test --release --test
//! snapshots` rewrites the files, and the diff is reviewed like code.

mod common;

use common::{cli, temp};

fn snapshot(name: &str, args: &[&str]) {
    let o = cli(args);
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.json"));
    if std::env::var_os("RLVR_AUDIT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &o.stdout).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set RLVR_AUDIT_UPDATE_SNAPSHOTS=1)",
            path.display()
        )
    });
    assert!(
        o.stdout == want,
        "{name}: the JSON record differs from {}; if intended, rewrite it with RLVR_AUDIT_UPDATE_SNAPSHOTS=1",
        path.display()
    );
}

#[test]
fn audit_records_match_their_snapshots() {
    let out = temp("snap-audit");
    let reports = out.path().to_str().unwrap();
    for id in [
        // All four anchors reported, a measured random-reward gain.
        "spurious-rewards-v1-qwen25-math-7b-math500",
        // The target is the majority arm itself (Δ_rd ≡ 0), no random arm: imputation.
        "ttrl-v1-qwen25-math-7b-amc",
        // Several trained arms, a format-random arm and a model check on a low base.
        "entropy-minimization-em-rl-token-minerva",
    ] {
        let file = format!("audits/{id}.yaml");
        snapshot(
            &format!("audit-{id}"),
            &["audit", &file, "--reports-dir", reports, "--json"],
        );
    }
}

#[test]
fn a_sweep_record_matches_its_snapshot() {
    snapshot(
        "sweep-paper-two-levels",
        &["sweep", "--levels", "0.3,0.8", "-R", "2", "--json"],
    );
}

#[test]
fn a_study_record_matches_its_snapshot() {
    let out = temp("snap-study");
    snapshot(
        "factorial-seed-2x2x2",
        &[
            "factorial",
            "data/prereg/seed-2x2x2.yaml",
            "--out",
            out.path().to_str().unwrap(),
            "--json",
        ],
    );
}
