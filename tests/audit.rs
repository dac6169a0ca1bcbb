//! Audits: hand-computed decompositions, rounding intervals, determinism, validation errors with
//! locations, borrowing, imputation without point verdicts, and `check`'s exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use rlvr_audit::audit::engine::{Thresholds, Verdict};
use rlvr_audit::audit::{audit, load_set};
use rlvr_audit::gate::Decision;

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("rlvr-audit-audits-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn write(&self, id: &str, body: &str) -> PathBuf {
        let p = self.0.join(format!("{id}.yaml"));
        std::fs::write(&p, body).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn arm(key: &str, printed: &str, unit: &str) -> String {
    format!(
        "  {key}:\n    printed: \"{printed}\"\n    unit: {unit}\n    source: {{version: v1, location: Table 1, row: M, column: {key}, read_from: table}}\n"
    )
}

fn descriptor(id: &str, model: &str, n: Option<u64>, target: &str, arms: &str) -> String {
    let n = n.map_or(String::new(), |n| format!("  n: {n}\n"));
    format!(
        "schema: 1\nid: {id}\ndescriptor_version: 1\npaper:\n  title: T\n  authors: A\n  version: v1\nclaim: c\ntarget: {target}\nmodel: {model}\nbenchmark:\n  name: B\n{n}  metric: pass@1\narms:\n{arms}"
    )
}

fn audit_file(dir: &Dir, id: &str) -> rlvr_audit::audit::AuditResult {
    let files = rlvr_audit::audit::descriptor_files(&dir.0).unwrap();
    let (ds, errors) = load_set(&files, Path::new("data/papers"));
    assert!(errors.is_empty(), "{errors:?}");
    let d = ds.iter().find(|d| d.raw.id == id).unwrap();
    audit(d, &ds, &Thresholds::default())
}

#[test]
fn a_four_arm_descriptor_decomposes_as_computed_by_hand() {
    let dir = Dir::new("hand");
    // base 40, random 45, majority 60, true 70 (percent): total 30, null 5, elicit 15, rd 10.
    let arms = [
        arm("base", "40.0", "percent"),
        arm("random", "45.0", "percent"),
        arm("majority", "60.0", "percent"),
        arm("true", "70.0", "percent"),
    ]
    .concat();
    dir.write("hand", &descriptor("hand", "M", Some(500), "true", &arms));
    let r = audit_file(&dir, "hand");
    let j = &r.judgements[0];
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    close(j.terms.total.mean, 0.30);
    close(j.terms.null.mean, 0.05);
    close(j.terms.elicit.mean, 0.15);
    close(j.terms.rd.mean, 0.10);
    close(j.terms.naive.mean, 0.25);
    close(j.shares.elicit_of_total.unwrap().mean, 0.20 / 0.30);
    close(j.shares.rd_of_total.unwrap().mean, 0.10 / 0.30);
    close(j.shares.rd_of_naive.unwrap().mean, 0.4);
    close(j.shares.elicit_of_naive.unwrap().mean, 0.6);
    assert_eq!(j.gate, Decision::Point);
    assert_eq!(j.verdict, Verdict::ElicitationDominated);
    assert!(j.survives_null);
    assert!(j.verdict_probability.unwrap() > 0.5);
}

#[test]
fn printed_precision_alone_bounds_the_interval() {
    let dir = Dir::new("round");
    // No n and no spread: only rounding. "50" ± 0.5 and "60" ± 0.5 → total within [9, 11] points.
    let arms = [
        arm("base", "50", "percent"),
        arm("random", "52", "percent"),
        arm("majority", "55", "percent"),
        arm("true", "60", "percent"),
    ]
    .concat();
    dir.write("round", &descriptor("round", "M", None, "true", &arms));
    let t = audit_file(&dir, "round").judgements[0].terms.total;
    assert!(
        t.lo.unwrap() >= 0.09 - 1e-12 && t.hi.unwrap() <= 0.11 + 1e-12,
        "{t:?}"
    );
    assert!(
        t.hi.unwrap() - t.lo.unwrap() > 0.015,
        "the interval is not degenerate: {t:?}"
    );
}

#[test]
fn audits_are_seeded_and_stable() {
    let dir = Dir::new("stable");
    let arms = [
        arm("base", "49.4", "percent"),
        arm("random", "+21.4", "gain_points"),
        arm("majority", "+27.1", "gain_points"),
        arm("true", "+29.1", "gain_points"),
    ]
    .concat();
    dir.write("s", &descriptor("s", "M", Some(500), "true", &arms));
    let a = serde_json::to_string(&audit_file(&dir, "s")).unwrap();
    let b = serde_json::to_string(&audit_file(&dir, "s")).unwrap();
    assert_eq!(a, b);
    // A changed descriptor hashes differently and draws differently.
    dir.write(
        "s",
        &format!(
            "# edited\n{}",
            descriptor("s", "M", Some(500), "true", &arms)
        ),
    );
    let c = serde_json::to_string(&audit_file(&dir, "s")).unwrap();
    assert_ne!(a, c);
}

fn first_error(dir: &Dir, file: &Path) -> String {
    let (_, errors) = load_set(&[file.to_path_buf()], Path::new("data/papers"));
    let _ = dir;
    errors.first().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn each_validation_error_names_file_line_and_field() {
    let dir = Dir::new("errors");
    let good = [
        arm("base", "40.0", "percent"),
        arm("true", "70.0", "percent"),
    ]
    .concat();
    let base = descriptor("e", "M", Some(500), "true", &good);
    // Unknown key, with a suggestion.
    let p = dir.write("e", &base.replace("claim: c", "claim: c\nclaimm: d"));
    let e = first_error(&dir, &p);
    assert!(
        e.contains("e.yaml:9:") && e.contains("did you mean `claim`"),
        "{e}"
    );
    // Wrong type.
    let p = dir.write(
        "e",
        &base.replace("descriptor_version: 1", "descriptor_version: one"),
    );
    let e = first_error(&dir, &p);
    assert!(e.contains("e.yaml:3:"), "{e}");
    // Missing required field.
    let p = dir.write("e", &base.replace("model: M\n", ""));
    assert!(first_error(&dir, &p).contains("model"));
    // Out of range, located at the value's key.
    let p = dir.write(
        "e",
        &descriptor(
            "e",
            "M",
            Some(500),
            "true",
            &[
                arm("base", "140.0", "percent"),
                arm("true", "70.0", "percent"),
            ]
            .concat(),
        ),
    );
    let e = first_error(&dir, &p);
    assert!(
        e.contains("arms.base.printed") && e.contains("out of range") && e.contains("e.yaml:17:5"),
        "{e}"
    );
    // Unknown arm key, with a suggestion.
    let p = dir.write(
        "e",
        &descriptor(
            "e",
            "M",
            Some(500),
            "true",
            &[
                arm("base", "40.0", "percent"),
                arm("majorty", "50.0", "percent"),
                arm("true", "70.0", "percent"),
            ]
            .concat(),
        ),
    );
    assert!(first_error(&dir, &p).contains("did you mean `majority`"));
    // A chain that cannot be formed: the target is not among the arms.
    let p = dir.write("e", &descriptor("e", "M", Some(500), "designed", &good));
    let e = first_error(&dir, &p);
    assert!(e.contains("field `target`") && e.contains("e.yaml:"), "{e}");
    // A borrowed id that does not exist.
    let p = dir.write(
        "e",
        &descriptor(
            "e",
            "M",
            Some(500),
            "true",
            &format!("{good}  random:\n    borrow: nobody\n"),
        ),
    );
    let e = first_error(&dir, &p);
    assert!(
        e.contains("arms.random.borrow") && e.contains("no descriptor has the id `nobody`"),
        "{e}"
    );
    // An id that does not match the file name.
    let p = dir.write("e", &base.replace("id: e", "id: f"));
    assert!(first_error(&dir, &p).contains("file name"));
}

#[test]
fn validate_reports_every_bad_file_and_refuses_huge_ones() {
    let dir = Dir::new("validate");
    let good = [
        arm("base", "40.0", "percent"),
        arm("true", "70.0", "percent"),
    ]
    .concat();
    dir.write("ok", &descriptor("ok", "M", Some(500), "true", &good));
    dir.write(
        "bad",
        &descriptor("bad", "M", Some(500), "true", "  base: 3\n"),
    );
    let huge = dir.0.join("huge.yaml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let t = std::time::Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_rlvr-audit"))
        .args(["validate", dir.0.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(t.elapsed().as_secs() < 10);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.yaml") && err.contains("huge.yaml") && err.contains("limited"),
        "{err}"
    );
    assert!(!err.contains("ok.yaml"), "{err}");
}

#[test]
fn borrowed_arms_carry_their_lenders_gain_and_provenance() {
    let dir = Dir::new("borrow");
    let lender = [
        arm("base", "50.0", "percent"),
        arm("random", "+10.0", "gain_points"),
        arm("majority", "+12.0", "gain_points"),
        arm("true", "+20.0", "gain_points"),
    ]
    .concat();
    dir.write(
        "lender",
        &descriptor("lender", "M", Some(500), "true", &lender),
    );
    let borrower = [
        arm("base", "40.0", "percent"),
        arm("majority", "55.0", "percent"),
        arm("true", "60.0", "percent"),
    ]
    .concat();
    dir.write(
        "borrower",
        &descriptor(
            "borrower",
            "M",
            Some(500),
            "true",
            &format!("{borrower}  random:\n    borrow: lender\n"),
        ),
    );
    let r = audit_file(&dir, "borrower");
    let j = &r.judgements[0];
    assert!(
        (j.arms["random"].mean - 0.50).abs() < 1e-12,
        "40 + the lender's +10"
    );
    assert!(r.provenance_codes().contains("random:B"));
    // Another model cannot lend.
    dir.write(
        "lender",
        &descriptor("lender", "Other", Some(500), "true", &lender),
    );
    let (_, errors) = load_set(
        &rlvr_audit::audit::descriptor_files(&dir.0).unwrap(),
        Path::new("data/papers"),
    );
    assert!(
        errors.iter().any(|e| e.to_string().contains("not M on B")),
        "{errors:?}"
    );
}

#[test]
fn base_and_target_alone_never_give_a_point_verdict() {
    let dir = Dir::new("imputed");
    let arms = [
        arm("base", "0.544", "fraction"),
        arm("true", "0.636", "fraction"),
    ]
    .concat();
    dir.write("two", &descriptor("two", "M", Some(500), "true", &arms));
    let r = audit_file(&dir, "two");
    let fit = r.fit.as_ref().expect("missing arms are fitted");
    assert!(fit.imputed.contains_key("random") && fit.imputed.contains_key("majority"));
    for j in &r.judgements {
        assert_eq!(j.gate, Decision::Bounded);
        assert_eq!(j.verdict, Verdict::Bounded);
        assert!(j.verdict_probability.is_none());
    }
    assert!(
        r.provenance_codes().contains("random:I") && r.provenance_codes().contains("majority:I")
    );
}

#[test]
fn check_exit_codes() {
    let dir = Dir::new("check");
    let survives = [
        arm("base", "40.0", "percent"),
        arm("random", "41.0", "percent"),
        arm("majority", "50.0", "percent"),
        arm("true", "70.0", "percent"),
    ]
    .concat();
    let fails = [
        arm("base", "40.0", "percent"),
        arm("random", "69.0", "percent"),
        arm("majority", "50.0", "percent"),
        arm("true", "70.0", "percent"),
    ]
    .concat();
    let yes = dir.write("yes", &descriptor("yes", "M", Some(500), "true", &survives));
    let no = dir.write("no", &descriptor("no", "M", Some(500), "true", &fails));
    let bad = dir.write("bad", "schema: 1\nid: [\n");
    let code = |p: &Path| {
        Command::new(env!("CARGO_BIN_EXE_rlvr-audit"))
            .args(["check", p.to_str().unwrap(), "--audits-dir", "/nonexistent"])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(&yes), Some(0));
    assert_eq!(code(&no), Some(1));
    assert_eq!(code(&bad), Some(2));
    assert_eq!(code(&dir.0.join("missing.yaml")), Some(2));
}

#[test]
fn ambiguous_readings_are_each_audited() {
    let dir = Dir::new("ambiguous");
    let arms = [
        arm("base", "36.8", "percent"),
        "  random:\n    alternatives: [\"-6.3\", \"-1.3\"]\n    unit: gain_points\n    source: {version: v1, location: Fig. 1, row: M, column: random, read_from: figure}\n".to_string(),
        arm("majority", "+7.2", "gain_points"),
        arm("true", "+7.4", "gain_points"),
    ]
    .concat();
    dir.write("amb", &descriptor("amb", "M", Some(500), "true", &arms));
    let r = audit_file(&dir, "amb");
    assert_eq!(r.judgements.len(), 2);
    assert!(r.judgements[0].reading.contains("-6.3") && r.judgements[1].reading.contains("-1.3"));
}
