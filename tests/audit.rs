//! Audits: hand-computed decompositions, the two answers (survival, attribution) and their
//! rules, rounding intervals, determinism, validation errors with locations, borrowing,
//! imputation and misfits that hide nothing identified, and `check`'s exit codes.
//!
//! The file is long because it is the audit layer's acceptance suite: one test per rule or
//! regression, sharing one descriptor builder.

mod common;

use std::path::{Path, PathBuf};

use rlvr_audit::audit::draw::Draw;
use rlvr_audit::audit::judge::Attribution;
use rlvr_audit::audit::survival::{EvidenceKind, SurvivalVerdict};
use rlvr_audit::audit::{AuditResult, audit, load_set};
use rlvr_audit::audit::{Basis, Thresholds, judge_chain as judge};
use rlvr_audit::decompose::Term;
use rlvr_audit::gate::Decision;

use common::{TempDir, cli, command, stderr, stdout, temp};

/// A temporary directory of descriptors (removed when dropped).
struct Dir(TempDir);

impl Dir {
    fn new(tag: &str) -> Dir {
        Dir(temp(tag))
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn write(&self, id: &str, body: &str) -> PathBuf {
        let p = self.path().join(format!("{id}.yaml"));
        std::fs::write(&p, body).unwrap();
        p
    }
}

/// An arm named `name` with role `role`.
fn arm(name: &str, role: &str, printed: &str, unit: &str) -> String {
    format!(
        "  {name}:\n    role: {role}\n    printed: \"{printed}\"\n    unit: {unit}\n    source: {{version: v1, location: Table 1, row: M, column: {name}, read_from: table}}\n"
    )
}

/// Arms in percent, each `(name, role, printed)`.
fn percent_arms(arms: &[(&str, &str, &str)]) -> String {
    arms.iter()
        .map(|(name, role, printed)| arm(name, role, printed, "percent"))
        .collect()
}

fn descriptor(id: &str, model: &str, n: Option<u64>, targets: &str, arms: &str) -> String {
    descriptor_on(id, model, "B", n, targets, arms)
}

fn descriptor_on(
    id: &str,
    model: &str,
    bench: &str,
    n: Option<u64>,
    targets: &str,
    arms: &str,
) -> String {
    let n = n.map_or(String::new(), |n| format!("  n: {n}\n"));
    format!(
        "schema: 2\nid: {id}\ndescriptor_version: 1\npaper:\n  title: T\n  authors: A\n  version: v1\nclaim: c\ntargets: [{targets}]\nmodel: {model}\nbenchmark:\n  name: {bench}\n{n}  metric: pass@1\narms:\n{arms}"
    )
}

fn audit_file(dir: &Dir, id: &str) -> AuditResult {
    let files = rlvr_audit::audit::descriptor_files(dir.path()).unwrap();
    let (ds, errors) = load_set(&files, Path::new("data/papers"));
    assert!(errors.is_empty(), "{errors:?}");
    let d = ds.iter().find(|d| d.id == id).unwrap();
    audit(d, &ds, &Thresholds::default())
}

/// A lender descriptor `lender` of `model` on MATH-500 (n = 500): base 49.4, a random-reward gain
/// `random`, majority +26.5 and ground truth +29.1, as printed gains.
fn write_lender(dir: &Dir, model: &str, random: &str) {
    dir.write(
        "lender",
        &descriptor_on(
            "lender",
            model,
            "MATH-500",
            Some(500),
            "gt",
            &four("49.4", random, "+26.5", "+29.1", "gain_points"),
        ),
    );
}

fn four(base: &str, random: &str, majority: &str, truth: &str, unit: &str) -> String {
    [
        arm("base", "base", base, "percent"),
        arm("random", "random", random, unit),
        arm("majority", "majority", majority, unit),
        arm("gt", "true", truth, unit),
    ]
    .concat()
}

fn term(r: &AuditResult, t: Term) -> f64 {
    r.targets[0].judgements[0]
        .terms
        .get(t)
        .unwrap()
        .estimate
        .mean
}

#[test]
fn a_four_arm_descriptor_decomposes_as_computed_by_hand() {
    let dir = Dir::new("hand");
    // base 40, random 45, majority 60, true 70: total 30, null 5, elicit 15, rd 10.
    dir.write(
        "hand",
        &descriptor(
            "hand",
            "M",
            Some(500),
            "gt",
            &four("40.0", "45.0", "60.0", "70.0", "percent"),
        ),
    );
    let r = audit_file(&dir, "hand");
    let j = &r.targets[0].judgements[0];
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    close(term(&r, Term::Total), 0.30);
    close(term(&r, Term::Null), 0.05);
    close(term(&r, Term::Elicit), 0.15);
    close(term(&r, Term::Rd), 0.10);
    close(term(&r, Term::Naive), 0.25);
    close(term(&r, Term::LabelFree), 0.20);
    let share = |s| j.shares.get(s).unwrap().estimate.unwrap().mean;
    use rlvr_audit::decompose::Share;
    close(share(Share::NullOfTotal), 0.05 / 0.30);
    close(share(Share::ElicitOfTotal), 0.15 / 0.30);
    close(share(Share::RdOfTotal), 0.10 / 0.30);
    close(share(Share::LabelFreeOfTotal), 0.20 / 0.30);
    close(share(Share::RdOfNaive), 0.4);
    close(share(Share::ElicitOfNaive), 0.6);
    assert_eq!(j.gate, Some(Decision::Point));
    assert_eq!(j.survival.verdict, SurvivalVerdict::Survives);
    assert!(j.survival.p_positive.unwrap() > 0.975);
    // Three-way: no share above 0.60 (0.17 / 0.50 / 0.33): MIXED. Two-way: label-free 0.67.
    assert_eq!(j.three_way.verdict, Attribution::Mixed);
    assert_eq!(j.two_way.verdict, Attribution::LabelFreeDominated);
    assert!(
        (j.survival.break_even_null.unwrap()
            - j.terms.total.as_ref().unwrap().estimate.lo.unwrap())
        .abs()
            < 1e-15
    );
}

#[test]
fn the_null_term_is_its_own_attribution_class() {
    // Regression: the verdict once folded the null term into "elicitation" (Spurious Rewards,
    // Qwen2.5-Math-7B: Δ_null +21.4 of +29.1 was ELICITATION_DOMINATED), and survival was merged
    // into the same label.
    let dir = Dir::new("null");
    dir.write(
        "q",
        &descriptor(
            "q",
            "M",
            Some(500),
            "gt",
            &four("49.4", "+21.4", "+27.1", "+29.1", "gain_points"),
        ),
    );
    let r = audit_file(&dir, "q");
    let j = &r.targets[0].judgements[0];
    let null_share = j.shares.null_of_total.as_ref().unwrap().estimate.unwrap();
    assert!((null_share.mean - 21.4 / 29.1).abs() < 1e-9);
    assert_eq!(j.three_way.verdict, Attribution::NullDominated);
    assert_eq!(j.survival.verdict, SurvivalVerdict::Survives);
    let naive = j.survival.naive.unwrap();
    assert!(
        (naive.mean - 0.077).abs() < 1e-9 && naive.lo.unwrap() > 0.0,
        "{naive:?}"
    );
}

#[test]
fn printed_precision_alone_bounds_the_interval() {
    let dir = Dir::new("round");
    // No n and no spread: only rounding. "50" ± 0.5 and "60" ± 0.5 → total within [9, 11] points.
    dir.write(
        "round",
        &descriptor(
            "round",
            "M",
            None,
            "gt",
            &four("50", "52", "55", "60", "percent"),
        ),
    );
    let r = audit_file(&dir, "round");
    let t = r.targets[0].judgements[0]
        .terms
        .total
        .as_ref()
        .unwrap()
        .estimate;
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
    let body = descriptor(
        "s",
        "M",
        Some(500),
        "gt",
        &four("49.4", "+21.4", "+27.1", "+29.1", "gain_points"),
    );
    dir.write("s", &body);
    let a = serde_json::to_string(&audit_file(&dir, "s")).unwrap();
    let b = serde_json::to_string(&audit_file(&dir, "s")).unwrap();
    assert_eq!(a, b);
    let md = rlvr_audit::report::audit::report(&audit_file(&dir, "s"));
    assert_eq!(
        md,
        rlvr_audit::report::audit::report(&audit_file(&dir, "s"))
    );
    // Draws are seeded by what the arms say, not by the file's bytes: a comment changes no number
    // (formerly it could flip the CI answer), a changed number changes the draws.
    let terms = |r: &AuditResult| serde_json::to_string(&r.targets[0].judgements[0].terms).unwrap();
    let before = terms(&audit_file(&dir, "s"));
    dir.write("s", &format!("# edited\n{body}"));
    assert_eq!(terms(&audit_file(&dir, "s")), before);
    dir.write("s", &body.replace("+29.1", "+29.2"));
    assert_ne!(terms(&audit_file(&dir, "s")), before);
}

/// Every error of one file, as text.
fn errors_of(file: &Path) -> Vec<String> {
    let (_, errors) = load_set(&[file.to_path_buf()], Path::new("data/papers"));
    errors.iter().map(|e| e.to_string()).collect()
}

fn has(errors: &[String], parts: &[&str]) -> bool {
    errors.iter().any(|e| parts.iter().all(|p| e.contains(p)))
}

#[test]
fn every_error_of_a_file_is_reported_at_once_with_line_column_and_field() {
    let dir = Dir::new("errors");
    let good = percent_arms(&[("base", "base", "40.0"), ("gt", "true", "70.0")]);
    let base = descriptor("e", "M", Some(500), "gt", &good);
    // Five independent mistakes in one file: all five come back, each located.
    let bad = base
        .replace("claim: c", "claim: c\nclaimm: d")
        .replace("  n: 500", "  n: \"500\"")
        .replace("    role: true", "    role: ture")
        .replace("read_from: table}", "read_from: tabel}")
        .replace("metric: pass@1", "metric: acc");
    let p = dir.write("e", &bad);
    let e = errors_of(&p);
    assert!(e.len() >= 5, "{e:#?}");
    assert!(
        has(&e, &["e.yaml:9:", "claimm", "did you mean `claim`"]),
        "{e:#?}"
    );
    assert!(
        has(&e, &["e.yaml:14:", "benchmark.n", "the string \"500\""]),
        "{e:#?}"
    );
    assert!(
        has(&e, &["arms.gt.role", "`ture`", "did you mean `true`"]),
        "{e:#?}"
    );
    assert!(
        has(
            &e,
            &[
                "arms.base.source.read_from",
                "tabel",
                "did you mean `table`"
            ]
        ),
        "{e:#?}"
    );
    assert!(
        has(&e, &["benchmark.metric", "`acc` is not a metric"]),
        "{e:#?}"
    );
    assert!(
        e.iter().all(|x| x.contains("e.yaml:")),
        "every error is located: {e:#?}"
    );
    // A repeated key, in our own words.
    let p = dir.write("e", &base.replace("model: M", "model: M\nmodel: N"));
    assert!(
        has(
            &errors_of(&p),
            &["e.yaml:11:", "given twice (first on line 10)"]
        ),
        "{:?}",
        errors_of(&p)
    );
    // Missing required field.
    let p = dir.write("e", &base.replace("model: M\n", ""));
    assert!(has(&errors_of(&p), &["field `model`", "missing"]));
    // Out of range, at the value.
    let p = dir.write("e", &base.replace("\"40.0\"", "\"140.0\""));
    assert!(
        has(
            &errors_of(&p),
            &["arms.base.printed", "out of range", "e.yaml:18:"]
        ),
        "{:?}",
        errors_of(&p)
    );
    // A target that is not an arm, with a suggestion; an id that does not match the file name.
    let p = dir.write(
        "e",
        &base
            .replace("targets: [gt]", "targets: [g]")
            .replace("id: e", "id: f"),
    );
    let e = errors_of(&p);
    assert!(
        has(&e, &["targets[0]", "not an arm", "did you mean `gt`"]),
        "{e:#?}"
    );
    assert!(has(&e, &["field `id`", "file name"]), "{e:#?}");
    // A schema 1 file says what changed.
    let p = dir.write("e", &base.replace("schema: 2", "schema: 1"));
    assert!(has(
        &errors_of(&p),
        &["schema 1 is no longer read", "targets"]
    ));
    // Invalid UTF-8 is located.
    let p = dir.path().join("e.yaml");
    std::fs::write(&p, b"schema: 2\nid: \xff\n").unwrap();
    assert!(
        has(&errors_of(&p), &["e.yaml:2:5", "UTF-8"]),
        "{:?}",
        errors_of(&p)
    );
}

#[test]
fn impossible_accuracies_are_errors_and_suspicious_units_warnings() {
    let dir = Dir::new("ranges");
    // base 49.4 + a printed +100 gain is not an accuracy.
    let arms = [
        arm("base", "base", "49.4", "percent"),
        arm("random", "random", "+100", "gain_points"),
        arm("gt", "true", "+10", "gain_points"),
    ]
    .concat();
    let p = dir.write("r", &descriptor("r", "M", Some(500), "gt", &arms));
    assert!(
        has(
            &errors_of(&p),
            &["arms.random.printed", "149.4 %", "not an accuracy"]
        ),
        "{:?}",
        errors_of(&p)
    );
    // A spread no accuracy can have.
    let p = dir.write(
        "r",
        &descriptor(
            "r",
            "M",
            Some(500),
            "gt",
            &[
                arm("base", "base", "49.4", "percent"),
                arm("gt", "true", "60", "percent").replace(
                    "    unit: percent\n",
                    "    unit: percent\n    spread: 1e308\n",
                ),
            ]
            .concat(),
        ),
    );
    assert!(
        has(&errors_of(&p), &["arms.gt.spread"]),
        "{:?}",
        errors_of(&p)
    );
    // 0.62 percent beside 54 percent: a fraction typed as percent. Valid, with a warning.
    let arms = percent_arms(&[("base", "base", "54.4"), ("gt", "true", "0.62")]);
    let p = dir.write("r", &descriptor("r", "M", Some(500), "gt", &arms));
    let (ok, errors) = load_set(std::slice::from_ref(&p), Path::new("data/papers"));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        ok[0]
            .warnings
            .iter()
            .any(|w| w.to_string().contains("fraction typed as `percent`"))
    );
    let o = cli(&["validate", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("warning: "),
        "{o:?}"
    );
}

#[test]
fn validate_reports_every_bad_file_and_refuses_huge_ones_and_devices() {
    let dir = Dir::new("validate");
    let good = percent_arms(&[("base", "base", "40.0"), ("gt", "true", "70.0")]);
    dir.write("ok", &descriptor("ok", "M", Some(500), "gt", &good));
    dir.write(
        "bad",
        &descriptor("bad", "M", Some(500), "gt", "  base: 3\n"),
    );
    let huge = dir.path().join("huge.yaml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let o = cli(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.yaml") && err.contains("huge.yaml") && err.contains("limited"),
        "{err}"
    );
    assert!(!err.contains("ok.yaml"), "{err}");
    // A device whose reported size is 0 is refused before it is read (it would never end).
    let o = cli(&["validate", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
}

#[test]
fn validate_of_one_file_resolves_borrows_in_its_directory() {
    let dir = Dir::new("neighbours");
    dir.write(
        "lender",
        &descriptor(
            "lender",
            "M",
            Some(500),
            "gt",
            &four("50.0", "+10.0", "+12.0", "+20.0", "gain_points"),
        ),
    );
    let borrower = percent_arms(&[("base", "base", "49.0"), ("gt", "true", "60.0")])
        + "  random:\n    role: random\n    borrow: {from: lender}\n";
    let b = dir.write(
        "borrower",
        &descriptor("borrower", "M", Some(500), "gt", &borrower),
    );
    let o = cli(&["validate", b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = cli(&["validate", b.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 descriptor(s) valid"),
        "{o:?}"
    );
    // A lender that does not exist is an error at the borrow, with a suggestion.
    let b = dir.write(
        "borrower",
        &descriptor(
            "borrower",
            "M",
            Some(500),
            "gt",
            &borrower.replace("from: lender", "from: lendr"),
        ),
    );
    let o = cli(&["validate", b.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(2)
            && err.contains("arms.random.borrow")
            && err.contains("did you mean `lender`"),
        "{err}"
    );
}

#[test]
fn borrowed_arms_carry_their_lenders_gain_on_the_declared_scale() {
    let dir = Dir::new("borrow");
    let lender = four("50.0", "+10.0", "+12.0", "+20.0", "gain_points");
    dir.write(
        "lender",
        &descriptor("lender", "M", Some(500), "gt", &lender),
    );
    let own = percent_arms(&[
        ("base", "base", "20.0"),
        ("majority", "majority", "35.0"),
        ("gt", "true", "40.0"),
    ]);
    let with = |transfer: &str| {
        format!("{own}  random:\n    role: random\n    borrow: {{from: lender{transfer}}}\n")
    };
    dir.write(
        "borrower",
        &descriptor("borrower", "M", Some(500), "gt", &with("")),
    );
    let r = audit_file(&dir, "borrower");
    let j = &r.targets[0].judgements[0];
    assert!(
        (j.arms["random"].0.mean - 0.30).abs() < 1e-12,
        "20 + the lender's +10"
    );
    assert_eq!(j.arms["random"].1, Basis::Borrowed);
    assert!(r.provenance_codes().contains("random:B"));
    assert_ne!(
        j.survival.verdict,
        SurvivalVerdict::Undetermined,
        "a borrowed arm decides survival"
    );
    // The report shows the answer under the other scale too.
    assert_eq!(r.targets[0].transfer_checks.len(), 1);
    // Declared logit: the lender's log-odds change (50 → 60) is added to this base's log-odds.
    dir.write(
        "borrower",
        &descriptor("borrower", "M", Some(500), "gt", &with(", transfer: logit")),
    );
    let r = audit_file(&dir, "borrower");
    let got = r.targets[0].judgements[0].arms["random"].0.mean;
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let want = 1.0 / (1.0 + (-(logit(0.20) + logit(0.60) - logit(0.50))).exp());
    assert!((want - 0.30).abs() > 1e-2, "the scales differ here");
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    // A lender whose base is far from this one's is a warning, shown in the report.
    dir.write(
        "lender",
        &descriptor(
            "lender",
            "M",
            Some(500),
            "gt",
            &four("50.0", "+10.0", "+12.0", "+20.0", "gain_points"),
        ),
    );
    let r = audit_file(&dir, "borrower");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("differs from this base")),
        "{:?}",
        r.warnings
    );
    assert!(rlvr_audit::report::audit::report(&r).contains("differs from this base"));
    // Another model cannot lend.
    dir.write(
        "lender",
        &descriptor("lender", "Other", Some(500), "gt", &lender),
    );
    let (_, errors) = load_set(
        &rlvr_audit::audit::descriptor_files(dir.path()).unwrap(),
        Path::new("data/papers"),
    );
    assert!(
        errors.iter().any(|e| e.to_string().contains("not M on B")),
        "{errors:?}"
    );
}

/// A paper that printed base, majority and ground truth but ran no random arm.
fn no_random(dir: &Dir, id: &str, model: &str) -> PathBuf {
    let arms = percent_arms(&[
        ("base", "base", "54.4"),
        ("pv", "majority", "63.6"),
        ("gt", "true", "66.0"),
    ]);
    dir.write(id, &descriptor(id, model, Some(500), "gt", &arms))
}

#[test]
fn without_a_random_arm_survival_reads_the_measured_null_and_the_two_way_split_is_a_point_answer() {
    let dir = Dir::new("norandom");
    let p = no_random(&dir, "nr", "M");
    // A measured null for the same model and benchmark elsewhere in the set.
    dir.write(
        "other",
        &descriptor(
            "other",
            "M",
            Some(500),
            "gt",
            &four("50.0", "+12.0", "+13.0", "+20.0", "gain_points"),
        ),
    );
    let r = audit_file(&dir, "nr");
    let j = &r.targets[0].judgements[0];
    // The other descriptor's +12.0 carried to this base (66.4) is not shown to be below 66.0.
    assert_eq!(j.survival.verdict, SurvivalVerdict::NotShown);
    assert_eq!(
        j.survival.basis,
        rlvr_audit::audit::survival::SurvivalBasis::CrossPaper
    );
    assert!(j.survival.naive.is_none() && j.survival.p_positive.is_some());
    // Two-way by hand: label-free (63.6 − 54.4) / (66.0 − 54.4) = 0.793; rd 0.207.
    let lf = j.shares.label_free_of_total.as_ref().unwrap();
    assert!(!lf.model_based);
    assert!((lf.estimate.unwrap().mean - 9.2 / 11.6).abs() < 1e-9);
    assert_eq!(j.two_way.verdict, Attribution::LabelFreeDominated);
    assert!(j.two_way.probability.is_some());
    // Identified terms keep their points; the break-even null is Δ_total's lower end.
    let total = j.terms.total.as_ref().unwrap();
    assert!(!total.model_based && (total.estimate.mean - 0.116).abs() < 1e-9);
    assert!(!j.terms.rd.as_ref().unwrap().model_based);
    assert_eq!(j.survival.break_even_null, total.estimate.lo);
    // The evidence: the other descriptor's measured +12.0.
    assert_eq!(r.null_evidence.len(), 1);
    assert!((r.null_evidence[0].null.mean - 0.12).abs() < 1e-9);
    let text = rlvr_audit::report::audit::break_even_text(&r, j);
    assert!(
        text.contains("survives any null") && text.contains("+12.0") && text.contains("`other`"),
        "{text}"
    );
    // check: exit 1 (a measured null of its model and benchmark is not beaten), with the
    // break-even figure and the evidence.
    let o = cli(&[
        "check",
        p.to_str().unwrap(),
        "--audits-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("NOT_SHOWN") && out.contains("survives any null") && out.contains("+12.0"),
        "{out}"
    );
    // Without any measured null for the model the sentence says so.
    let p = no_random(&dir, "lonely", "Z");
    let o = cli(&[
        "check",
        p.to_str().unwrap(),
        "--audits-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("no measured null for Z"));
}

#[test]
fn an_imputed_random_arm_never_decides_survival() {
    // Regression: an imputed random arm is ≈ 0 by construction, and "survives null: yes"
    // restated the model's assumption.
    let dir = Dir::new("imputed");
    let arms = [
        arm("base", "base", "0.544", "fraction"),
        arm("pv", "majority", "0.600", "fraction"),
        arm("gt", "true", "0.636", "fraction"),
    ]
    .concat();
    dir.write("two", &descriptor("two", "M", Some(500), "gt", &arms));
    let r = audit_file(&dir, "two");
    let j = &r.targets[0].judgements[0];
    if r.fit.as_ref().unwrap().imputed.contains_key("random") {
        assert_eq!(j.arms["random"].1, Basis::Imputed);
        assert!(j.terms.null.as_ref().unwrap().model_based);
        assert!(j.survival.model_estimate.is_some());
        assert_eq!(j.three_way.verdict, Attribution::Bounded);
        assert!(j.three_way.probability.is_none());
    }
    assert_eq!(j.survival.verdict, SurvivalVerdict::Undetermined);
    assert_eq!(r.survival(), SurvivalVerdict::Undetermined);
}

#[test]
fn a_misfit_still_prints_everything_the_reported_arms_identify() {
    // Regression: a misfit printed no number at all and `check` exited 0 ("survives") on an
    // empty list of judgements.
    let dir = Dir::new("misfit");
    // A majority vote gaining +60 points while the ground-truth reward gains +1: each within
    // the fitted class's reach, never together (a label-free gain there comes from the latent
    // mode or the format, both of which the ground truth rewards too).
    let arms = percent_arms(&[
        ("base", "base", "10.0"),
        ("pv", "majority", "70.0"),
        ("gt", "true", "11.0"),
    ]);
    let p = dir.write("mf", &descriptor("mf", "M", Some(500), "gt", &arms));
    let r = audit_file(&dir, "mf");
    assert!(matches!(
        r.fit.as_ref().unwrap().status,
        rlvr_audit::audit::fit::FitStatus::Misfit
    ));
    let j = &r.targets[0].judgements[0];
    assert!((j.terms.total.as_ref().unwrap().estimate.mean - 0.01).abs() < 1e-9);
    assert!((j.terms.label_free.as_ref().unwrap().estimate.mean - 0.60).abs() < 1e-9);
    assert!((j.terms.rd.as_ref().unwrap().estimate.mean + 0.59).abs() < 1e-9);
    assert!(j.terms.null.is_none() && j.terms.naive.is_none());
    assert_eq!(j.three_way.verdict, Attribution::Undetermined);
    let md = rlvr_audit::report::audit::report(&r);
    assert!(md.contains("+1.0 [") && md.contains("Misfit"), "{md}");
    assert!(md.contains("-59.0 [") || md.contains("−59.0 ["), "{md}");
    let summary = rlvr_audit::report::audit::summary(std::slice::from_ref(&r), "audits", &[]);
    assert!(summary.contains("+1.0 [") && summary.contains("UNDETERMINED"));
    assert!(summary.contains("misfit: "), "{summary}");
    let json = serde_json::to_value(&r).unwrap();
    assert!(
        json["targets"][0]["judgements"][0]["terms"]["total"]["estimate"]["mean"]
            .as_f64()
            .is_some()
    );
    let o = cli(&["check", p.to_str().unwrap(), "--audits-dir", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(3), "{o:?}");
}

#[test]
fn check_exit_codes() {
    let dir = Dir::new("check");
    let yes = dir.write(
        "yes",
        &descriptor(
            "yes",
            "M",
            Some(500),
            "gt",
            &four("40.0", "41.0", "50.0", "70.0", "percent"),
        ),
    );
    let no = dir.write(
        "no",
        &descriptor(
            "no",
            "M",
            Some(500),
            "gt",
            &four("40.0", "69.0", "50.0", "70.0", "percent"),
        ),
    );
    let bad = dir.write("bad", "schema: 2\nid: [\n");
    let code = |p: &Path| {
        cli(&["check", p.to_str().unwrap(), "--audits-dir", "/nonexistent"])
            .status
            .code()
    };
    assert_eq!(code(&yes), Some(0));
    assert_eq!(code(&no), Some(1));
    assert_eq!(code(&bad), Some(2));
    assert_eq!(code(&dir.path().join("missing.yaml")), Some(2));
    let o = cli(&[
        "check",
        no.to_str().unwrap(),
        "--audits-dir",
        "/nonexistent",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["survival"], "NOT_SHOWN");
    assert!(
        v["targets"][0]["readings"][0]["survival"]["p_positive"]
            .as_f64()
            .unwrap()
            < 0.975
    );
}

#[test]
fn ambiguous_readings_are_each_audited() {
    let dir = Dir::new("ambiguous");
    let arms = [
        arm("base", "base", "36.8", "percent"),
        "  random:\n    role: random\n    alternatives: [\"-6.3\", \"-1.3\"]\n    unit: gain_points\n    source: {version: v1, location: Fig. 1, row: M, column: random, read_from: figure}\n".to_string(),
        arm("majority", "majority", "+7.2", "gain_points"),
        arm("gt", "true", "+7.4", "gain_points"),
    ]
    .concat();
    dir.write("amb", &descriptor("amb", "M", Some(500), "gt", &arms));
    let r = audit_file(&dir, "amb");
    let js = &r.targets[0].judgements;
    assert_eq!(js.len(), 2);
    assert!(js[0].reading.contains("-6.3") && js[1].reading.contains("-1.3"));
}

#[test]
fn several_targets_share_the_anchors_and_a_majority_target_has_no_reward_design_term() {
    let dir = Dir::new("targets");
    let arms = four("40.0", "42.0", "55.0", "60.0", "percent")
        + &arm("ours", "designed", "58.0", "percent");
    dir.write(
        "t",
        &descriptor("t", "M", Some(500), "ours, gt, majority", &arms),
    );
    let r = audit_file(&dir, "t");
    assert_eq!(
        r.targets.iter().map(|t| t.arm.as_str()).collect::<Vec<_>>(),
        ["ours", "gt", "majority"]
    );
    for t in &r.targets {
        let j = &t.judgements[0];
        assert!((j.arms["base"].0.mean - 0.40).abs() < 1e-12);
        assert!((j.arms["random"].0.mean - 0.42).abs() < 1e-12);
    }
    // TTRL-style: the target is the majority arm itself; Δ_rd ≡ 0 in every draw.
    let ttrl = &r.targets[2].judgements[0];
    let rd = ttrl.terms.rd.as_ref().unwrap().estimate;
    assert_eq!((rd.mean, rd.lo, rd.hi), (0.0, Some(0.0), Some(0.0)));
    assert_ne!(ttrl.survival.verdict, SurvivalVerdict::Undetermined);
    assert!(rlvr_audit::report::audit::report(&r).contains("## The targets compared"));
}

#[test]
fn avg_at_k_counts_the_items_not_the_samples() {
    let dir = Dir::new("avgk");
    let arms = percent_arms(&[("base", "base", "20.0"), ("gt", "true", "30.0")]);
    let width = |metric: &str, n: u64| {
        dir.write(
            "k",
            &descriptor("k", "M", Some(n), "gt", &arms)
                .replace("metric: pass@1", &format!("metric: {metric}")),
        );
        let r = audit_file(&dir, "k");
        let t = r.targets[0].judgements[0]
            .terms
            .total
            .as_ref()
            .unwrap()
            .estimate;
        (t.hi.unwrap() - t.lo.unwrap(), r.noise)
    };
    let (avg, note) = width("avg@16", 30);
    let (pass30, _) = width("pass@1", 30);
    let (pass480, _) = width("pass@1", 480);
    // (Different descriptor text, different bootstrap seed: equal up to Monte-Carlo noise.)
    assert!(
        (avg / pass30 - 1.0).abs() < 0.06,
        "avg@16 over 30 items is as noisy as 30 items: {avg} vs {pass30}"
    );
    assert!(avg > 2.0 * pass480, "not 480 independent trials");
    assert!(note.contains("not over 480 samples"), "{note}");
}

/// Random chains of draws: every verdict's probability comes from the verdict's own rule.
#[test]
fn verdict_labels_never_contradict_their_probabilities() {
    use rand::{RngExt, SeedableRng};
    let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let thr = Thresholds {
        draws: 800,
        ..Thresholds::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    for case in 0..300 {
        let n = [None, Some(30), Some(500), Some(5000)][g.random_range(0..4)];
        let acc = |g: &mut rand_chacha::ChaCha8Rng| Draw::Direct {
            value: g.random_range(0.05..0.95),
            half_width: 0.0005,
            spread: if g.random_bool(0.3) { 0.02 } else { 0.0 },
            n,
        };
        let mut chain: [Option<(Draw, Basis)>; 4] =
            std::array::from_fn(|_| Some((acc(&mut g), Basis::Reported)));
        if g.random_bool(0.25) {
            chain[1] = None;
        }
        if g.random_bool(0.15) {
            chain[2] = None;
        }
        let seed = rlvr_audit::rng::derive_seed(&[b"property", &(case as u64).to_le_bytes()]);
        let j = judge("p", &chain, &thr, &seed, &seed);
        // Survival: UNDETERMINED exactly when there is no random arm, or no known sampling noise
        // (no n and no spread on the random or the target arm) with the target printed above
        // the random arm (at or below it nothing is shown: NOT_SHOWN); otherwise the label and
        // P(Δ_naive > 0) agree.
        let noise = |k: usize| chain[k].as_ref().is_some_and(|(d, _)| d.noise_known());
        let known = chain[1].is_some() && noise(1) && noise(3);
        match j.survival.verdict {
            SurvivalVerdict::Undetermined => {
                assert!(chain[1].is_none() || !known);
                if let Some(v) = j.survival.naive {
                    assert!(v.mean > 0.0, "{:?}", j.survival);
                }
            }
            SurvivalVerdict::NotShown if !known => {
                assert!(j.survival.naive.unwrap().mean <= 0.0, "{:?}", j.survival);
                assert!(j.survival.p_positive.is_none());
            }
            SurvivalVerdict::Fails => {
                assert!(j.survival.naive.unwrap().hi.unwrap() < 0.0);
                assert!(j.survival.p_positive.unwrap() <= 0.025 + 1.0 / 800.0 + 1e-9);
            }
            SurvivalVerdict::Survives => {
                assert!(j.survival.naive.unwrap().lo.unwrap() > 0.0);
                assert!(j.terms.total.as_ref().unwrap().estimate.lo.unwrap() > 0.0);
                assert!(
                    j.survival.p_positive.unwrap() >= 0.975 - 1e-9,
                    "{:?}",
                    j.survival
                );
            }
            SurvivalVerdict::NotShown => {
                // Either Δ_naive's lower bound or the exact-test bound of Δ_total (the pairing's
                // P(target − base > 0)) reaches 0.
                let naive_lo = j.survival.naive.unwrap().lo.unwrap();
                let p_gain = j.survival.p_gain.unwrap();
                assert!(
                    naive_lo <= 0.0 || p_gain <= 0.975 + 1.0 / 800.0 + 1e-9,
                    "{:?}",
                    j.survival
                );
                if naive_lo <= 0.0 {
                    assert!(
                        j.survival.p_positive.unwrap() <= 0.975 + 1.0 / 800.0 + 1e-9,
                        "{:?}",
                        j.survival
                    );
                } else {
                    assert!(j.survival.p_gain.unwrap() <= 0.975 + 1.0 / 800.0 + 1e-9);
                }
            }
        }
        // A share's interval, when it has one, contains its point; accuracies stay in [0, 1].
        for sh in rlvr_audit::decompose::Share::ALL {
            if let Some(e) = j.shares.get(sh).and_then(|v| v.estimate)
                && let (Some(lo), Some(hi)) = (e.lo, e.hi)
            {
                assert!(lo <= e.mean + 1e-12 && e.mean <= hi + 1e-12, "{sh:?} {e:?}");
            }
        }
        for (e, _) in j.arms.values() {
            assert!(e.lo.unwrap() >= 0.0 && e.hi.unwrap() <= 1.0, "{e:?}");
        }
        for a in [&j.three_way, &j.two_way] {
            seen.insert(a.verdict);
            match a.probability {
                Some(p) => {
                    // The verdict is a class of draws: its probability is its share, the largest.
                    let share = a.distribution[&a.verdict.to_string()];
                    assert!((share - p).abs() < 1e-12);
                    assert!(a.distribution.values().all(|v| *v <= p + 1e-12), "{a:?}");
                    assert_eq!(a.settled, p >= thr.settled);
                }
                None => assert!(matches!(
                    a.verdict,
                    Attribution::Bounded | Attribution::Undetermined
                )),
            }
        }
        if chain[1].is_none() || chain[2].is_none() {
            assert_eq!(j.three_way.verdict, Attribution::Undetermined);
        }
        if chain[2].is_some() {
            assert_ne!(j.two_way.verdict, Attribution::Undetermined);
            assert_ne!(j.two_way.verdict, Attribution::Bounded);
        }
    }
    assert!(
        seen.len() >= 5,
        "the cases reach several verdicts: {seen:?}"
    );
}

#[test]
fn report_json_writes_only_json_and_an_invalid_descriptor_writes_nothing() {
    let dir = Dir::new("reportjson");
    let audits = dir.path().join("audits");
    let reports = dir.path().join("reports");
    let prereg = dir.path().join("prereg");
    let fit_cache = dir.path().join("fit-cache.json");
    std::fs::create_dir_all(&audits).unwrap();
    std::fs::create_dir_all(&prereg).unwrap();
    std::fs::write(
        audits.join("a.yaml"),
        descriptor(
            "a",
            "M",
            Some(500),
            "gt",
            &four("40.0", "41.0", "50.0", "70.0", "percent"),
        ),
    )
    .unwrap();
    let args = |json: bool| {
        let mut v = vec![
            "report",
            "--audits-dir",
            audits.to_str().unwrap(),
            "--reports-dir",
            reports.to_str().unwrap(),
            "--prereg-dir",
            prereg.to_str().unwrap(),
            "--fit-cache",
            fit_cache.to_str().unwrap(),
        ];
        if json {
            v.push("--json");
        }
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let o = command().args(args(true)).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("stdout is one JSON document");
    assert_eq!(v[0]["id"], "a");
    assert!(reports.join("null-evidence.md").exists() && reports.join("a.md").exists());
    // An invalid descriptor: exit 2 and nothing (not even the sweep) is written.
    std::fs::remove_dir_all(&reports).unwrap();
    std::fs::write(audits.join("b.yaml"), "schema: 2\n").unwrap();
    let o = command().args(args(false)).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!reports.exists(), "nothing was written");
}

#[test]
fn the_readme_example_descriptor_validates_and_audits_as_documented() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("### The descriptor format (schema 2)").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let end = start + section[start..].find("```").unwrap();
    let yaml = &section[start..end];
    let dir = Dir::new("readme");
    dir.write("my-paper-qwen25-7b-math500", yaml);
    let r = audit_file(&dir, "my-paper-qwen25-7b-math500");
    assert_eq!(r.targets.len(), 2);
    let j = &r.targets[0].judgements[0];
    assert_eq!(j.survival.verdict, SurvivalVerdict::Undetermined);
    // (61.2 − 52.0) / (66.0 − 52.0), by hand.
    let lf = j
        .shares
        .label_free_of_total
        .as_ref()
        .unwrap()
        .estimate
        .unwrap()
        .mean;
    assert!((lf - 9.2 / 14.0).abs() < 1e-9, "{lf}");
    assert_eq!(r.ci(false).exit_code, 3);
}

#[test]
fn probed_descriptors_that_once_passed_for_evidence() {
    let dir = Dir::new("probed");
    let lender = four("50.0", "+10.0", "+12.0", "+20.0", "gain_points");
    dir.write("l", &descriptor("l", "M", Some(500), "gt", &lender));
    let own = percent_arms(&[("base", "base", "52.0"), ("gt", "true", "66.0")]);
    let errors = |id: &str, body: &str| {
        let p = dir.write(id, body);
        let files = vec![dir.path().join("l.yaml"), p.clone()];
        let (_, errors) = load_set(&files, Path::new("data/papers"));
        let e: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        std::fs::remove_file(&p).unwrap();
        e
    };
    // The lender's base arm borrowed as a random arm: Δ_naive would be target − base.
    let e = errors(
        "b",
        &descriptor(
            "b",
            "M",
            Some(500),
            "gt",
            &format!("{own}  random:\n    role: random\n    borrow: {{from: l, arm: base}}\n"),
        ),
    );
    assert!(
        has(&e, &["arms.random.borrow", "has role `base`, not `random`"]),
        "{e:?}"
    );
    // Borrowing from itself, and a gain carried past 100 %.
    let e = errors(
        "b",
        &descriptor(
            "b",
            "M",
            Some(500),
            "gt",
            &format!("{own}  random:\n    role: random\n    borrow: {{from: b}}\n"),
        ),
    );
    assert!(has(&e, &["its own descriptor"]), "{e:?}");
    let high = percent_arms(&[("base", "base", "95.0"), ("gt", "true", "99.0")]);
    let e = errors(
        "b",
        &descriptor(
            "b",
            "M",
            Some(500),
            "gt",
            &format!("{high}  random:\n    role: random\n    borrow: {{from: l}}\n"),
        ),
    );
    assert!(has(&e, &["carries this base 95.0 to 105.0 %"]), "{e:?}");
    // The random arm is the null term, not a claim.
    let e = errors(
        "b",
        &descriptor(
            "b",
            "M",
            Some(500),
            "random",
            &four("40.0", "45.0", "50.0", "60.0", "percent"),
        ),
    );
    assert!(has(&e, &["targets[0]", "random arm"]), "{e:?}");
    // Alternatives that multiply past the limit.
    let alts = |name: &str, role: &str| {
        format!(
            "  {name}:\n    role: {role}\n    alternatives: [\"1\", \"2\", \"3\", \"4\", \"5\"]\n    unit: percent\n    source: {{version: v1, location: T, row: r, column: c, read_from: table}}\n"
        )
    };
    let body = [
        arm("base", "base", "0.5", "percent"),
        alts("random", "random"),
        alts("majority", "majority"),
        alts("gt", "true"),
    ]
    .concat();
    let e = errors("b", &descriptor("b", "M", Some(500), "gt", &body));
    assert!(has(&e, &["125 readings", "at most 64"]), "{e:?}");
}

#[test]
fn a_target_that_loses_accuracy_does_not_survive() {
    // Formerly: SURVIVES (exit 0) with Δ_total = −2.0 [−8.3, +4.3], because only Δ_naive was
    // tested.
    let dir = Dir::new("loses");
    let p = dir.write(
        "d",
        &descriptor(
            "d",
            "M",
            Some(500),
            "gt",
            &four("52.0", "20.0", "40.0", "50.0", "percent"),
        ),
    );
    let r = audit_file(&dir, "d");
    let j = &r.targets[0].judgements[0];
    assert!(j.survival.naive.unwrap().lo.unwrap() > 0.0);
    assert_eq!(j.survival.verdict, SurvivalVerdict::NotShown);
    assert!(
        j.survival
            .reason
            .contains("claimed gain itself is not shown")
    );
    let o = cli(&["check", p.to_str().unwrap(), "--audits-dir", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn without_the_benchmark_size_survival_is_undetermined() {
    // Formerly: Δ_naive = +1.0 [+0.9, +1.1] from printed precision alone, and exit 0.
    let dir = Dir::new("non");
    let p = dir.write(
        "d",
        &descriptor(
            "d",
            "M",
            None,
            "gt",
            &four("52.0", "65.0", "64.0", "66.0", "percent"),
        ),
    );
    let (ok, _) = load_set(std::slice::from_ref(&p), Path::new("data/papers"));
    assert!(
        ok[0]
            .warnings
            .iter()
            .any(|w| w.to_string().contains("benchmark.n"))
    );
    let r = audit_file(&dir, "d");
    assert_eq!(r.survival(), SurvivalVerdict::Undetermined);
    assert!(
        r.targets[0].judgements[0]
            .survival
            .reason
            .contains("not stated")
    );
}

#[test]
fn check_borrows_from_the_audits_dir_too() {
    let dir = Dir::new("elsewhere");
    let lenders = dir.path().join("lenders");
    let lone = dir.path().join("lone");
    std::fs::create_dir_all(&lenders).unwrap();
    std::fs::create_dir_all(&lone).unwrap();
    std::fs::write(
        lenders.join("l.yaml"),
        descriptor(
            "l",
            "M",
            Some(500),
            "gt",
            &four("50.0", "+1.0", "+12.0", "+20.0", "gain_points"),
        ),
    )
    .unwrap();
    let own = percent_arms(&[("base", "base", "50.0"), ("gt", "true", "70.0")]);
    let p = lone.join("b.yaml");
    std::fs::write(
        &p,
        descriptor(
            "b",
            "M",
            Some(500),
            "gt",
            &format!("{own}  random:\n    role: random\n    borrow: {{from: l}}\n"),
        ),
    )
    .unwrap();
    // The lender's random arm is a measured null of another paper: survival on it exits 3 by
    // default and 0 when cross-paper evidence is accepted.
    for (extra, code) in [(None, 3), (Some("--accept-cross-paper"), 0)] {
        let mut args = vec![
            "check",
            p.to_str().unwrap(),
            "--audits-dir",
            lenders.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = cli(&args);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn free_text_cannot_break_a_markdown_table() {
    let dir = Dir::new("pipes");
    dir.write(
        "d",
        &descriptor(
            "d",
            "\"A | B\"",
            Some(500),
            "gt",
            &four("40.0", "41.0", "50.0", "70.0", "percent"),
        ),
    );
    let r = audit_file(&dir, "d");
    let summary = rlvr_audit::report::audit::summary(std::slice::from_ref(&r), "audits", &[]);
    // The claims table names the model; the full table links the audit.
    let row = summary
        .lines()
        .find(|l| l.ends_with("[d](d.md) |"))
        .unwrap();
    assert!(row.contains("A \\| B"), "{row}");
}

#[test]
fn report_needs_its_directories_and_removes_reports_of_deleted_descriptors() {
    let dir = Dir::new("stale");
    let (audits, reports, prereg) = (
        dir.path().join("a"),
        dir.path().join("r"),
        dir.path().join("p"),
    );
    for d in [&audits, &prereg] {
        std::fs::create_dir_all(d).unwrap();
    }
    let args = |a: &Path| {
        vec![
            "report".to_string(),
            "--audits-dir".into(),
            a.display().to_string(),
            "--reports-dir".into(),
            reports.display().to_string(),
            "--prereg-dir".into(),
            prereg.display().to_string(),
            "--not-audited".into(),
            dir.path().join("none.yaml").display().to_string(),
            "--fit-cache".into(),
            dir.path().join("fit-cache.json").display().to_string(),
        ]
    };
    let o = command()
        .args(args(&dir.path().join("missing")))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(
        audits.join("x.yaml"),
        descriptor(
            "x",
            "M",
            Some(500),
            "gt",
            &four("40.0", "41.0", "50.0", "70.0", "percent"),
        ),
    )
    .unwrap();
    let o = command().args(args(&audits)).output().unwrap();
    assert!(o.status.success());
    assert!(reports.join("x.md").exists() && reports.join("figures/x/gt.svg").exists());
    // One page per paper; the summary's counts add up to the printed rows.
    assert!(reports.join("papers/t.md").exists());
    let summary = std::fs::read_to_string(reports.join("README.md")).unwrap();
    assert!(
        summary.contains("| **all papers** | 1 | 1 | 0 | 1 | 0 | 0 |"),
        "{summary}"
    );
    std::fs::write(reports.join("notes.md"), "# Mine\n").unwrap();
    std::fs::remove_file(audits.join("x.yaml")).unwrap();
    let o = command().args(args(&audits)).output().unwrap();
    assert!(o.status.success());
    assert!(!reports.join("x.md").exists() && !reports.join("figures/x").exists());
    assert!(
        reports.join("notes.md").exists(),
        "files the tool did not write stay"
    );
}

#[test]
fn rows_that_cannot_be_audited_are_listed_and_counted_with_their_paper() {
    use rlvr_audit::report::papers::{NotAudited, group, page};
    let dir = Dir::new("notaudited");
    dir.write(
        "d",
        &descriptor(
            "d",
            "M",
            Some(500),
            "gt",
            &four("40.0", "41.0", "50.0", "70.0", "percent"),
        ),
    );
    let r = audit_file(&dir, "d");
    let missing = vec![NotAudited {
        paper: "T".into(),
        arxiv: String::new(),
        location: "Fig. 3".into(),
        model: "M".into(),
        benchmark: "AIME".into(),
        arms: "random".into(),
        reason: "curves only".into(),
    }];
    let results = [r];
    let papers = group(&results, &missing);
    assert_eq!(papers.len(), 1);
    let md = page(&papers[0], None);
    assert!(
        md.contains("| T | 2 | 1 | 1 |") && md.contains("curves only"),
        "{md}"
    );
    let summary = rlvr_audit::report::audit::summary(&results, "audits", &missing);
    assert!(
        summary.contains("| **all papers** | 2 | 1 | 1 |"),
        "{summary}"
    );
}

#[test]
fn every_reported_audit_has_a_model_check_with_residuals_and_a_summary_column() {
    let dir = Dir::new("model-check");
    dir.write(
        "mc",
        &descriptor(
            "mc",
            "M",
            Some(500),
            "gt",
            &four("40.0", "40.5", "47.0", "52.0", "percent"),
        ),
    );
    let r = audit_file(&dir, "mc");
    let f = r
        .fit
        .as_ref()
        .expect("a reported audit always has a model check");
    assert_eq!(
        f.residuals.len(),
        3,
        "one residual per reported trained arm"
    );
    for res in &f.residuals {
        let a = f.anchors.iter().find(|a| a.arm == res.arm).unwrap();
        assert!((res.reported - a.gain).abs() < 1e-12);
        assert!(res.tolerances.is_finite());
    }
    assert!(f.settings_scanned > 0 && f.settings_consistent <= f.settings_scanned);
    let md = rlvr_audit::report::audit::report(&r);
    assert!(md.contains("## Model check"), "{md}");
    assert!(md.contains("| `random` | +0.5 |"), "{md}");
    let summary = rlvr_audit::report::audit::summary(std::slice::from_ref(&r), "audits", &[]);
    assert!(summary.contains("| model check |"), "{summary}");
    assert!(summary.contains(&f.verdict()), "{summary}");
}

#[test]
fn a_ground_truth_arm_that_loses_thirty_points_is_a_misfit_naming_the_arm_and_the_reach() {
    let dir = Dir::new("misfit-true");
    let arms = percent_arms(&[("base", "base", "50.0"), ("gt", "true", "20.0")]);
    dir.write("mt", &descriptor("mt", "M", Some(500), "gt", &arms));
    let r = audit_file(&dir, "mt");
    let f = r.fit.as_ref().unwrap();
    assert_eq!(f.status, rlvr_audit::audit::fit::FitStatus::Misfit);
    let why = f.misfit.as_ref().unwrap();
    assert_eq!(why.arm, "true");
    // Signed as simulated − reported: the closest setting is far above the reported loss.
    assert!(why.off_by > 1.0, "{why:?}");
    assert!(why.reach[0] > -0.30, "{why:?}");
    assert!(f.imputed.is_empty(), "a misfit imputes nothing");
    let md = rlvr_audit::report::audit::report(&r);
    assert!(md.contains("misfit: true off by"), "{md}");
    assert!(md.contains("the class goes no lower than"), "{md}");
}

#[test]
fn an_imputed_range_is_an_interval_over_settings_and_replicate_noise() {
    // Only base and ground truth: random and majority are imputed over every consistent setting
    // and its neighbouring budgets, each ± 2 replicate standard errors — never a point.
    let dir = Dir::new("imputed-range");
    let arms = percent_arms(&[("base", "base", "40.0"), ("gt", "true", "50.0")]);
    dir.write("ir", &descriptor("ir", "M", Some(500), "gt", &arms));
    let r = audit_file(&dir, "ir");
    let f = r.fit.as_ref().unwrap();
    assert_eq!(f.status, rlvr_audit::audit::fit::FitStatus::Fitted);
    for k in ["random", "majority"] {
        let [lo, hi] = f.imputed[k];
        assert!(hi > lo, "{k}: [{lo}, {hi}]");
    }
    // The random arm's imputed range holds its simulated gain at every consistent setting.
    let md = rlvr_audit::report::audit::report(&r);
    assert!(
        md.contains(&format!(
            "{} of {} settings consistent",
            f.settings_consistent, f.settings_scanned
        )),
        "{md}"
    );
}

// ---- Survival from all the evidence (METHOD §7) ----

fn check_in(dir: &Dir, id: &str, extra: &[&str]) -> (Option<i32>, String) {
    let p = dir.path().join(format!("{id}.yaml"));
    let mut args = vec![
        "check",
        p.to_str().unwrap(),
        "--audits-dir",
        dir.path().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = cli(&args);
    (o.status.code(), format!("{}{}", stdout(&o), stderr(&o)))
}

#[test]
fn a_printed_gain_carries_the_noise_of_its_base() {
    // Regression: a gain arm was drawn as base_draw + gain, so the base's variance cancelled in
    // Δ_total and Δ_null; a printed gain is the difference of two evaluations.
    let dir = Dir::new("gainnoise");
    dir.write(
        "g",
        &descriptor(
            "g",
            "M",
            Some(500),
            "gt",
            &four("49.4", "+21.4", "+26.5", "+29.1", "gain_points"),
        ),
    );
    let r = audit_file(&dir, "g");
    let j = &r.targets[0].judgements[0];
    let (b, a): (f64, f64) = (0.494, 0.494 + 0.214);
    let sd = (b * (1.0 - b) / 500.0 + a * (1.0 - a) / 500.0).sqrt();
    let null = j.terms.null.as_ref().unwrap().estimate;
    let width = null.hi.unwrap() - null.lo.unwrap();
    // Two evaluations: ±1.96 sd (the printed precision adds a little); the base-free rule gave
    // only the random arm's ±1.96·0.0203.
    assert!(
        (width / (2.0 * 1.96 * sd) - 1.0).abs() < 0.06,
        "width {width} vs {}",
        2.0 * 1.96 * sd
    );
    // The measured-null list draws it the same way.
    let m = rlvr_audit::audit::evidence::from_descriptors(std::slice::from_ref(
        &load_set(&[dir.path().join("g.yaml")], Path::new("data/papers")).0[0],
    ));
    let listed = rlvr_audit::audit::draw::null_evidence(&m[0], &Thresholds::default());
    let w2 = listed.null.hi.unwrap() - listed.null.lo.unwrap();
    assert!((w2 / width - 1.0).abs() < 0.06, "{w2} vs {width}");
}

#[test]
fn tiny_benchmarks_are_drawn_from_a_beta_and_never_survive_on_nothing() {
    // Regression: normal draws gave 0 % a standard error of 0, so n = 30 with base and random at
    // 0/30 and the target at 4/30 passed `check` (Fisher's exact one-sided p = 0.056), and n = 1
    // with 0 → 100 % survived too.
    let dir = Dir::new("beta");
    for (id, n, base, target) in [("thirty", 30, "0.0", "13.3"), ("one", 1, "0.0", "100.0")] {
        let arms = [
            arm("base", "base", base, "percent"),
            arm("random", "random", base, "percent"),
            arm("gt", "true", target, "percent"),
        ]
        .concat();
        dir.write(id, &descriptor(id, "M", Some(n), "gt", &arms));
        let (code, out) = check_in(&dir, id, &[]);
        assert_eq!(code, Some(1), "{id}: {out}");
        assert!(out.contains("NOT_SHOWN"), "{out}");
    }
    // Draws stay within [0, 1] and keep the Beta's skew: the interval of a 0/30 base is [0, x].
    let r = audit_file(&dir, "thirty");
    let (e, _) = &r.targets[0].judgements[0].arms["base"];
    assert!(e.lo.unwrap() >= 0.0 && e.lo.unwrap() < 0.001 && e.hi.unwrap() > 0.02);
}

#[test]
fn a_claim_smaller_than_its_models_measured_null_fails_and_names_the_lender() {
    // Regression: a claim whose whole interval lay below the random-reward gain measured for its
    // model and benchmark in another paper left `check` at "undetermined" (exit 3).
    let dir = Dir::new("fails");
    write_lender(&dir, "Qwen2.5-Math-7B", "+21.4");
    let arms = percent_arms(&[("base", "base", "50.0"), ("ours", "designed", "56.0")]);
    // Another paper's names for the same model and benchmark (data/aliases.yaml).
    dir.write(
        "small",
        &descriptor_on("small", "Qwen-Math-7B", "MATH500", Some(500), "ours", &arms),
    );
    let (code, out) = check_in(&dir, "small", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAILS") && out.contains("lender"), "{out}");
    assert!(out.contains("cross-paper"), "{out}");
    let r = audit_file(&dir, "small");
    let s = &r.targets[0].judgements[0].survival;
    assert_eq!(s.verdict, SurvivalVerdict::Fails);
    assert_eq!(
        s.basis,
        rlvr_audit::audit::survival::SurvivalBasis::CrossPaper
    );
    assert_eq!(s.decided_by, vec!["lender".to_string()]);
    // Both transfers are computed and agree here.
    let e = &s.evidence[0];
    assert_eq!(e.comparisons.len(), 2);
    assert!(!e.transfer_sensitive);
}

#[test]
fn cross_paper_survival_exits_3_unless_accepted_and_never_0_without_in_paper_evidence() {
    let dir = Dir::new("cross");
    write_lender(&dir, "M7", "+2.0");
    let arms = percent_arms(&[("base", "base", "50.0"), ("ours", "designed", "80.0")]);
    dir.write(
        "big",
        &descriptor_on("big", "M7", "MATH500", Some(500), "ours", &arms),
    );
    let (code, out) = check_in(&dir, "big", &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("SURVIVES") && out.contains("lender"), "{out}");
    let (code, _) = check_in(&dir, "big", &["--accept-cross-paper"]);
    assert_eq!(code, Some(0));
    // No measured null for this model and benchmark: UNDETERMINED, exit 3, whatever the option.
    dir.write(
        "alone",
        &descriptor_on("alone", "M7", "AIME24", Some(30), "ours", &arms),
    );
    let (code, out) = check_in(&dir, "alone", &["--accept-cross-paper"]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("UNDETERMINED"), "{out}");
}

#[test]
fn a_borrowed_random_arm_gives_the_same_survival_evidence_as_none() {
    // Regression: borrowing was opt-in, so two descriptors of one model and benchmark got
    // different survival evidence (and exit codes) depending on whether they borrowed.
    let dir = Dir::new("borrow");
    dir.write(
        "lender",
        &descriptor(
            "lender",
            "M",
            Some(500),
            "gt",
            &four("49.4", "+21.4", "+26.5", "+29.1", "gain_points"),
        ),
    );
    let plain = percent_arms(&[("base", "base", "50.6"), ("maj", "majority", "84.2")]);
    let borrowing = format!("{plain}  random:\n    role: random\n    borrow: {{from: lender}}\n");
    dir.write("a", &descriptor("a", "M", Some(500), "maj", &plain));
    dir.write("b", &descriptor("b", "M", Some(500), "maj", &borrowing));
    let (ra, rb) = (audit_file(&dir, "a"), audit_file(&dir, "b"));
    let ids = |r: &AuditResult| -> Vec<String> {
        r.targets[0].judgements[0]
            .survival
            .evidence
            .iter()
            .map(|e| e.id.clone())
            .collect()
    };
    assert_eq!(ids(&ra), ids(&rb));
    assert_eq!(ra.ci(false).exit_code, rb.ci(false).exit_code);
    assert_eq!(
        ra.targets[0].judgements[0].survival.verdict,
        rb.targets[0].judgements[0].survival.verdict
    );
    // The borrow still serves the attribution: b's Δ_null is identified, a's only a model's.
    assert!(
        !rb.targets[0].judgements[0]
            .terms
            .null
            .as_ref()
            .unwrap()
            .model_based
    );
    assert!(
        ra.targets[0].judgements[0]
            .terms
            .null
            .as_ref()
            .is_none_or(|v| v.model_based)
    );
}

#[test]
fn a_lender_without_sampling_noise_never_counts_as_noise_known() {
    // Regression (hardening round three, 8): a borrowed arm whose lender states no `n` was drawn
    // without sampling noise while the borrower's own `n` counted as "noise known": exit 0.
    let dir = Dir::new("lendernoise");
    let lender = percent_arms(&[
        ("base", "base", "50.0"),
        ("random", "random", "51.0"),
        ("gt", "true", "60.0"),
    ]);
    dir.write("lender", &descriptor("lender", "M", None, "gt", &lender));
    let borrower = format!(
        "{}  random:\n    role: random\n    borrow: {{from: lender}}\n",
        percent_arms(&[("base", "base", "50.0"), ("gt", "true", "58.5")])
    );
    dir.write(
        "borrower",
        &descriptor("borrower", "M", Some(500), "gt", &borrower),
    );
    let (code, out) = check_in(&dir, "borrower", &[]);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("noise"), "{out}");
}

#[test]
fn a_reported_random_arm_without_noise_says_why_it_is_undetermined() {
    // Regression (hardening round three, 12): exit 3 said "no random arm reported or borrowed"
    // when the random arm was reported but no n or spread was given.
    let dir = Dir::new("nonoise");
    dir.write(
        "q",
        &descriptor(
            "q",
            "Mq",
            None,
            "gt",
            &four("40.0", "45.0", "60.0", "70.0", "percent"),
        ),
    );
    let (code, out) = check_in(&dir, "q", &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.contains("benchmark size") && !out.contains("no random arm"),
        "{out}"
    );
}

#[test]
fn an_in_paper_random_arm_larger_than_the_claim_fails() {
    let dir = Dir::new("inpaperfail");
    dir.write(
        "f",
        &descriptor(
            "f",
            "M",
            Some(500),
            "gt",
            &four("40.0", "70.0", "60.0", "55.0", "percent"),
        ),
    );
    let (code, out) = check_in(&dir, "f", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAILS") && out.contains("in-paper"), "{out}");
}

#[test]
fn the_papers_own_controls_are_answered_and_can_fail_the_claim() {
    let dir = Dir::new("controls");
    let arms = percent_arms(&[
        ("base", "base", "50.0"),
        ("rf", "format-random", "73.0"),
        ("ours", "designed", "74.0"),
    ]);
    dir.write("c", &descriptor("c", "Mc", Some(500), "ours", &arms));
    let r = audit_file(&dir, "c");
    let s = &r.targets[0].judgements[0].survival;
    assert_eq!(s.verdict, SurvivalVerdict::NotShown);
    assert_eq!(s.basis, rlvr_audit::audit::survival::SurvivalBasis::Control);
    assert_eq!(s.evidence.len(), 1);
    let (code, _) = check_in(&dir, "c", &[]);
    assert_eq!(code, Some(1));
}

#[test]
fn the_seed_spread_sensitivity_moves_a_borderline_answer() {
    let dir = Dir::new("seedsd");
    // Δ_naive = +8 points on n = 2000: survives on evaluation noise alone (sd ≈ 1.6) and at the
    // default 2-point seed spread (sd ≈ 3.2), not with a 4-point one on each trained arm (≈ 5.9).
    dir.write(
        "s",
        &descriptor(
            "s",
            "M",
            Some(2000),
            "gt",
            &four("40.0", "50.0", "52.0", "58.0", "percent"),
        ),
    );
    let r = audit_file(&dir, "s");
    let s = &r.targets[0].judgements[0].survival;
    assert_eq!(s.verdict, SurvivalVerdict::Survives);
    assert_eq!(s.under_seed_sd.unwrap().verdict, SurvivalVerdict::Survives);
    let (code, out) = check_in(&dir, "s", &["--seed-sd", "4", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["targets"][0]["readings"][0]["survival"]["under_seed_sd"]["verdict"],
        "NOT_SHOWN"
    );
}

#[test]
fn a_broken_measured_nulls_file_is_an_error_naming_it() {
    let dir = Dir::new("nullsfile");
    dir.write(
        "h",
        &descriptor(
            "h",
            "M",
            Some(500),
            "gt",
            &four("40.0", "45.0", "60.0", "70.0", "percent"),
        ),
    );
    let bad = dir.path().join("nulls.yaml");
    std::fs::write(&bad, "schema: 1\nnulls:\n  - id: x\n    bogus: 1\n").unwrap();
    let (code, out) = check_in(&dir, "h", &["--measured-nulls", bad.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("nulls.yaml") && out.contains("bogus"), "{out}");
    let missing = dir.path().join("absent.yaml");
    let (code, out) = check_in(&dir, "h", &["--aliases", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("absent.yaml"), "{out}");
}

#[test]
fn shipped_claims_read_the_measured_nulls_of_their_model_and_benchmark() {
    // The acceptance cases of the survival-evidence work, on the shipped descriptors.
    let (code, out) = {
        let o = cli(&["check", "audits/empo-jun2025-qwen25-math-7b-math500.yaml"]);
        (o.status.code(), stdout(&o))
    };
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("spurious-rewards-v1-qwen25-math-7b-math500"),
        "{out}"
    );
    assert!(out.contains("Rand Format"), "{out}");
    let mut codes = Vec::new();
    let mut lenders = Vec::new();
    for id in [
        "ttrl-v1-qwen25-math-7b-math500",
        "ttrl-v2v3-qwen25-math-7b-math500",
    ] {
        let o = cli(&["check", &format!("audits/{id}.yaml"), "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        codes.push(o.status.code());
        let ev: Vec<String> = v["targets"][0]["readings"][0]["survival"]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "cross_paper")
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        lenders.push(ev);
    }
    assert_eq!(codes[0], codes[1]);
    assert_eq!(lenders[0], lenders[1]);
    assert!(!lenders[0].is_empty());
}

/// A measured-nulls file of one random-reward entry for model `M` on benchmark `B`.
fn nulls_entry(id: &str, printed: &str, n: Option<u64>, extra: &str) -> String {
    let n = n.map_or(String::new(), |n| format!(", n: {n}"));
    format!(
        "schema: 1\nnulls:\n  - id: {id}\n    paper: {{title: \"Lender\", authors: \"Y\", version: \"v1\"}}\n    model: \"M\"\n    benchmark: {{name: \"B\"{n}, metric: pass@1}}\n    control: random\n    label: \"random reward\"\n    printed: \"{printed}\"\n    unit: gain_points\n{extra}    source: {{version: \"v1\", location: \"T2\", row: \"random\", column: \"gain\", read_from: text}}\n"
    )
}

#[test]
fn equal_arms_never_fail_a_claim() {
    // Regression: FAILS was read from the draws meant for SURVIVES (target low, null high), so
    // equal arms (0/30 against 0/30, 40/40 against 40/40) and 1/30 against 0/30 were FAILS,
    // with the point outside its own interval. Now each end of target − null is drawn as an
    // exact one-sided test of its own side would draw it.
    let dir = Dir::new("equal");
    for (id, n, random, target) in [
        ("zeros", 30, "0.0", "0.0"),
        ("full", 40, "100.0", "100.0"),
        ("onebelow", 30, "3.3", "0.0"),
        ("half", 30, "50.0", "50.0"),
    ] {
        let arms = [
            arm("base", "base", "0.0", "percent"),
            arm("random", "random", random, "percent"),
            arm("gt", "true", target, "percent"),
        ]
        .concat();
        dir.write(id, &descriptor(id, "M", Some(n), "gt", &arms));
        let r = audit_file(&dir, id);
        let s = &r.targets[0].judgements[0].survival;
        assert_eq!(s.verdict, SurvivalVerdict::NotShown, "{id}: {s:?}");
        let v = s.naive.unwrap();
        assert!(
            v.lo.unwrap() <= v.mean && v.mean <= v.hi.unwrap(),
            "{id}: {v:?}"
        );
    }
    // Far enough below, it fails: 0/30 against 10/30.
    let arms = percent_arms(&[
        ("base", "base", "0.0"),
        ("random", "random", "33.3"),
        ("gt", "true", "0.0"),
    ]);
    dir.write("below", &descriptor("below", "M", Some(30), "gt", &arms));
    let r = audit_file(&dir, "below");
    assert_eq!(
        r.targets[0].judgements[0].survival.verdict,
        SurvivalVerdict::Fails
    );
}

#[test]
fn a_target_not_above_a_null_of_unknown_noise_is_not_shown() {
    // Regression: with no benchmark size on either side, a target printed 10 points below its
    // random arm (in-paper) or 20 points below a measured null (cross-paper) left `check` at
    // UNDETERMINED, exit 3. Unknown noise shows nothing either way: at or below the null it is
    // NOT_SHOWN (exit 1); above it, UNDETERMINED.
    let dir = Dir::new("unknown-noise");
    let arms = percent_arms(&[
        ("base", "base", "10.0"),
        ("random", "random", "50.0"),
        ("gt", "true", "40.0"),
    ]);
    dir.write("inpaper", &descriptor("inpaper", "M", None, "gt", &arms));
    let (code, out) = check_in(&dir, "inpaper", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("NOT_SHOWN"), "{out}");
    let above = percent_arms(&[
        ("base", "base", "10.0"),
        ("random", "random", "30.0"),
        ("gt", "true", "40.0"),
    ]);
    dir.write("above", &descriptor("above", "M2", None, "gt", &above));
    let (code, out) = check_in(&dir, "above", &[]);
    assert_eq!(code, Some(3), "{out}");

    let claims = Dir::new("unknown-noise-cross");
    let arms = percent_arms(&[("base", "base", "50.0"), ("gt", "true", "60.0")]);
    claims.write("claim", &descriptor("claim", "M", Some(500), "gt", &arms));
    let nulls = claims.path().join("nulls.yaml");
    std::fs::write(&nulls, nulls_entry("lender-random", "+30.0", None, "")).unwrap();
    let (code, out) = check_in(
        &claims,
        "claim",
        &[
            "--measured-nulls",
            nulls.to_str().unwrap(),
            "--accept-cross-paper",
        ],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("lender-random") && out.contains("NOT_SHOWN"),
        "{out}"
    );
    // A printed spread makes a gain's noise known, as it does an accuracy's.
    std::fs::write(
        &nulls,
        nulls_entry("lender-random", "+1.0", None, "    spread: 1.0\n"),
    )
    .unwrap();
    let (code, out) = check_in(
        &claims,
        "claim",
        &[
            "--measured-nulls",
            nulls.to_str().unwrap(),
            "--accept-cross-paper",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn a_control_that_is_the_target_is_not_its_own_evidence() {
    // Regression: a format arm named as the target was compared with itself (target − it = 0,
    // NOT_SHOWN, exit 1).
    let dir = Dir::new("self-control");
    let arms = percent_arms(&[("base", "base", "10.0"), ("fmt", "format", "70.0")]);
    dir.write("selfc", &descriptor("selfc", "M", Some(500), "fmt", &arms));
    let r = audit_file(&dir, "selfc");
    let s = &r.targets[0].judgements[0].survival;
    assert!(
        s.evidence.iter().all(|e| e.kind != EvidenceKind::Control),
        "{s:?}"
    );
    let (code, out) = check_in(&dir, "selfc", &[]);
    assert_eq!(code, Some(3), "{out}");
}

#[test]
fn a_measured_null_sharing_a_descriptors_id_is_an_error() {
    // Regression: an entry whose id was the claim's own id was dropped silently (exit 3, "no
    // random-reward gain is measured"), and one sharing another descriptor's id was accepted.
    let dir = Dir::new("null-id");
    let arms = percent_arms(&[("base", "base", "50.0"), ("gt", "true", "60.0")]);
    dir.write("claim", &descriptor("claim", "M", Some(500), "gt", &arms));
    let nulls = dir.path().join("nulls.yaml");
    std::fs::write(&nulls, nulls_entry("claim", "+30.0", Some(500), "")).unwrap();
    let (code, out) = check_in(
        &dir,
        "claim",
        &["--measured-nulls", nulls.to_str().unwrap()],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("nulls.yaml") && out.contains("nulls[0].id") && out.contains("claim"),
        "{out}"
    );
}

#[test]
fn measured_nulls_get_the_descriptors_field_checks() {
    // Regression: a measured-nulls entry took a `read_from` no descriptor may have, the
    // simulator's `exact` metric, an empty model name and any spread.
    let dir = Dir::new("null-fields");
    dir.write(
        "h",
        &descriptor(
            "h",
            "M",
            Some(500),
            "gt",
            &four("40.0", "45.0", "60.0", "70.0", "percent"),
        ),
    );
    let good = nulls_entry("lender-random", "+5.0", Some(500), "");
    for (bad, field) in [
        (
            good.replace("read_from: text", "read_from: telepathy"),
            "read_from",
        ),
        (
            good.replace("metric: pass@1", "metric: exact"),
            "benchmark.metric",
        ),
        (good.replace("model: \"M\"", "model: \"\""), "model"),
        (
            good.replace(
                "    unit: gain_points\n",
                "    unit: gain_points\n    spread: 1e300\n",
            ),
            "spread",
        ),
    ] {
        let f = dir.path().join("nulls.yaml");
        std::fs::write(&f, &bad).unwrap();
        let (code, out) = check_in(&dir, "h", &["--measured-nulls", f.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{field}: {out}");
        assert!(out.contains(field), "{field}: {out}");
    }
}

#[test]
fn a_name_in_two_alias_groups_is_an_error() {
    // Regression: with a name in two groups the first group won silently, so whether two other
    // names were joined depended on the order of the groups.
    let dir = Dir::new("alias-two");
    dir.write(
        "h",
        &descriptor(
            "h",
            "M",
            Some(500),
            "gt",
            &four("40.0", "45.0", "60.0", "70.0", "percent"),
        ),
    );
    let f = dir.path().join("aliases.yaml");
    std::fs::write(
        &f,
        "models:\n  - [\"PM-A\", \"PM-X\"]\n  - [\"PM-X\", \"PM-B\"]\nbenchmarks: []\n",
    )
    .unwrap();
    let (code, out) = check_in(&dir, "h", &["--aliases", f.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("PM-X") && out.contains("models[1]"), "{out}");
}

#[test]
fn the_base_and_target_draws_do_not_move_with_the_random_arm() {
    // Regression: one stream seeded by base, random and majority drew every anchor, so Δ_total's
    // interval (and the break-even null) moved when a measured-nulls file changed the imputed
    // random arm, or a borrow replaced it.
    let dir = Dir::new("anchor-seeds");
    for (id, random) in [("r1", "52.0"), ("r2", "58.0")] {
        let arms = [
            arm("base", "base", "50.0", "percent"),
            arm("random", "random", random, "percent"),
            arm("gt", "true", "60.0", "percent"),
        ]
        .concat();
        dir.write(id, &descriptor(id, "M", Some(500), "gt", &arms));
    }
    let total = |id: &str| {
        let r = audit_file(&dir, id);
        r.targets[0].judgements[0]
            .terms
            .total
            .clone()
            .unwrap()
            .estimate
    };
    let (a, b) = (total("r1"), total("r2"));
    assert_eq!((a.lo, a.hi), (b.lo, b.hi));
}

#[test]
fn a_claim_below_a_noiseless_null_on_one_transfer_is_not_undetermined() {
    // Regression: a lender without n carried to 60.0 additively and to 69.2 in log-odds left a
    // claim at 65.0 UNDETERMINED (exit 3) because one transfer was undetermined; below the null
    // on one transfer, the piece is NOT_SHOWN, transfer-sensitive.
    let dir = Dir::new("mixed-transfer");
    let lender = percent_arms(&[
        ("base", "base", "80.0"),
        ("random", "random", "90.0"),
        ("gt", "true", "95.0"),
    ]);
    dir.write("lender", &descriptor("lender", "M", None, "gt", &lender));
    let claim = percent_arms(&[("base", "base", "50.0"), ("ours", "designed", "65.0")]);
    dir.write(
        "claim",
        &descriptor("claim", "M", Some(500), "ours", &claim),
    );
    let (code, out) = check_in(&dir, "claim", &["--accept-cross-paper"]);
    assert_eq!(code, Some(1), "{out}");
    let r = audit_file(&dir, "claim");
    let s = &r.targets[0].judgements[0].survival;
    assert_eq!(s.verdict, SurvivalVerdict::NotShown, "{s:?}");
    assert!(s.evidence.iter().any(|e| e.transfer_sensitive), "{s:?}");
}
