//! Property-based fuzzing (proptest) of the three hostile surfaces: descriptors, simulator flags
//! and HTML pages. The seed corpus is committed under `tests/fuzz/`; proptest mutates it. A panic
//! anywhere is a failure, and so is an answer that breaks the audit's own rules. The case counts
//! are small so the suite stays fast; `PROPTEST_CASES=5000 cargo test --test fuzz` runs longer.

mod common;

use std::path::Path;

use clap::Parser;
use common::temp;
use proptest::prelude::*;
use rlvr_audit::audit::engine::{SurvivalVerdict, Thresholds};

fn corpus(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// One edit of a text: replace a span of lines or characters with a payload.
#[derive(Clone, Debug)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    ReplaceToken(usize, String),
    InsertLine(usize, String),
    Truncate(usize),
}

fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("".to_string()),
        Just("~".to_string()),
        Just("\"500\"".to_string()),
        Just("1e308".to_string()),
        Just("-0".to_string()),
        Just("18446744073709551615".to_string()),
        Just("NaN".to_string()),
        Just("[".to_string()),
        Just("{a: 1}".to_string()),
        Just("*alias".to_string()),
        Just("&a x".to_string()),
        Just("\u{2212}99.9".to_string()),
        Just("+100".to_string()),
        Just("avg@0".to_string()),
        Just("random".to_string()),
        Just("base".to_string()),
        Just("borrow: {from: four-arms}".to_string()),
        Just("alternatives: [\"1\", \"1\"]".to_string()),
        "[ -~]{0,12}",
        any::<u32>().prop_map(|n| n.to_string()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), payload()).prop_map(|(i, p)| Edit::ReplaceToken(i, p)),
        (any::<usize>(), payload()).prop_map(|(i, p)| Edit::InsertLine(i, p)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Edit::DuplicateLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::ReplaceToken(i, p) => {
                // Replace the value after the first ": " on the line (or the whole line).
                let l = &mut lines[i % n];
                *l = match l.split_once(": ") {
                    Some((k, _)) => format!("{k}: {p}"),
                    None => p.clone(),
                };
            }
            Edit::InsertLine(i, p) => lines.insert(i % (n + 1), format!("  {p}")),
            Edit::Truncate(i) => {
                let keep = i % (n + 1);
                lines.truncate(keep.max(1));
            }
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    // A fixed seed: the suite's cases are the same on every run (a longer campaign with
    // `PROPTEST_CASES` explores further from the same start).
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..ProptestConfig::default()
    })]

    /// Mutated descriptors: loading never panics; one that loads is audited (when the audit runs
    /// no simulator fit) and its answers keep their own rules.
    #[test]
    fn mutated_descriptors_load_or_fail_cleanly(
        seed in 0usize..3,
        edits in proptest::collection::vec(edit(), 0..6),
    ) {
        let seeds = corpus("tests/fuzz/descriptors");
        let (name, text) = &seeds[seed % seeds.len()];
        // A scratch directory per case (the descriptor's id must match its file name).
        let tmp = temp("d");
        let dir = tmp.path();
        let path = dir.join(name);
        let mutated = apply(text, &edits);
        std::fs::write(&path, &mutated).unwrap();
        let (ok, errors) = rlvr_audit::audit::load_set(std::slice::from_ref(&path), Path::new("data/papers"));
        // Loaded, or refused with at least one error naming the file: never both, never neither.
        prop_assert_eq!(ok.len() + usize::from(!errors.is_empty()), 1);
        for e in &errors {
            prop_assert!(e.to_string().contains(name.as_str()), "{e}");
        }
        if let Some(d) = ok.first() {
            let fits = d.simulation.is_none()
                && (d.role(rlvr_audit::audit::descriptor::Role::Random).is_none()
                    || d.role(rlvr_audit::audit::descriptor::Role::Majority).is_none());
            let heavy = d.simulation.as_ref().is_some_and(|s| s.replicates > 4);
            if !fits && !heavy {
                let thr = Thresholds { draws: 400, ..Thresholds::default() };
                let r = rlvr_audit::audit::audit(d, &ok, &thr);
                for t in &r.targets {
                    for j in &t.judgements {
                        let total = j.terms.total.as_ref().unwrap().estimate;
                        prop_assert!(total.mean.is_finite());
                        if j.survival.verdict == SurvivalVerdict::Survives {
                            prop_assert!(total.lo.unwrap() > 0.0);
                            prop_assert!(j.survival.naive.unwrap().lo.unwrap() > 0.0);
                        }
                        for (e, _) in j.arms.values() {
                            prop_assert!((0.0..=1.0).contains(&e.lo.unwrap()) && (0.0..=1.0).contains(&e.hi.unwrap()));
                        }
                    }
                }
                let md = rlvr_audit::report::audit::report(&r);
                // A non-finite number in the report (text the descriptor itself wrote, such as a
                // title "NaN", is the user's).
                if !mutated.contains("NaN") && !mutated.contains("inf") {
                    prop_assert!(!md.contains("NaN") && !md.contains("inf"), "{md}");
                }
            }
        }
    }

    /// Random flag combinations: parsing and resolving never panic, and whatever resolves is a
    /// config that validates and fits the default budget or is refused with a message.
    #[test]
    fn hostile_simulator_flags_are_parsed_or_refused(
        flags in proptest::collection::vec((0usize..14, prop_oneof![
            Just("0".to_string()), Just("1".to_string()), Just("-1".to_string()),
            Just("1e308".to_string()), Just("NaN".to_string()), Just("inf".to_string()),
            Just("18446744073709551615".to_string()), Just("0.5".to_string()),
            Just("4097".to_string()), Just("".to_string()), "[ -~]{0,6}",
        ]), 0..6),
    ) {
        const NAMES: [&str; 14] = [
            "-K", "-N", "-G", "-B", "--steps", "--lr", "--beta", "--prior", "--pass-k",
            "--format-strength", "--inner-epochs", "--cov-fraction", "-R", "--resamples",
        ];
        let mut argv = vec!["rlvr-audit".to_string(), "simulate".to_string()];
        for (i, v) in &flags {
            argv.push(NAMES[*i].to_string());
            argv.push(v.clone());
        }
        if let Ok(cli) = rlvr_audit::cli::Cli::try_parse_from(&argv)
            && let rlvr_audit::cli::Command::Simulate(a) = cli.command
            && let Ok(cfg) = a.sim.resolve()
        {
            prop_assert!(cfg.validate().is_ok());
            let _ = rlvr_audit::sim::config::Budget::default().check(&cfg, a.replicates, false, 2);
        }
    }

    /// Tag soup: extraction never panics, and a page nested deeper than the limit is refused.
    #[test]
    fn tag_soup_pages_extract_or_fail_cleanly(
        parts in proptest::collection::vec(prop_oneof![
            Just("<div>"), Just("</div>"), Just("</x>"), Just("<table class=\"ltx_tabular\">"),
            Just("</table>"), Just("<tr>"), Just("<td rowspan=\"9999\">1.5</td>"),
            Just("<td colspan=\"0\">±</td>"), Just("<th>Base</th>"), Just("<span class=\"ltx_tabular\">"),
            Just("<span class=\"ltx_tr\"><span class=\"ltx_td\">2</span></span>"), Just("</span>"),
            Just("<figure class=\"ltx_table\" id=\"S1.T1\">"), Just("</figure>"),
            Just("<figcaption class=\"ltx_caption\">Table 1: x</figcaption>"),
            Just("<math alttext=\"\\pm\"><annotation>x</annotation></math>"), Just("<b>"), Just("<!--"),
        ], 0..400),
    ) {
        let body: String = parts.concat();
        let page = format!("<html><head></head><body><div class=\"ltx_page_main\"><article class=\"ltx_document\">{body}</article></div></body></html>");
        let _ = rlvr_audit::fetch::extract::extract(&page, true);
    }
}

/// The committed HTML fixtures and the seed descriptors parse as they did (the corpus itself).
#[test]
fn the_seed_corpus_is_valid() {
    let tmp = temp("seeds");
    let dir = tmp.path();
    let mut paths = Vec::new();
    for (name, text) in corpus("tests/fuzz/descriptors") {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let (ok, errors) = rlvr_audit::audit::load_set(&paths, Path::new("data/papers"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ok.len(), paths.len());
    for (name, html) in corpus("tests/fixtures/html") {
        let r = rlvr_audit::fetch::extract::extract(&html, true);
        assert!(r.is_ok() || name.contains("not_a_paper"), "{name}: {r:?}");
    }
}
