//! `rlvr-audit new`: drafts from committed LaTeXML fixtures of three layouts (arms as rows with
//! model groups; arms as columns; two guessed header levels with ± spreads), their numbers, roles
//! and cell references (resolved by `validate --paper-cache`), and the TODOs that make a draft an
//! "unfinished draft" until a user fills them in. Offline: pages are copied into a temp cache.
//!
//! The file is long because each committed table layout has its own drafting test, sharing one
//! offline cache set-up.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{TempDir, cli, temp};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A temp dir with `fixture` cached as paper `id` (by `fetch --offline`) and an empty `audits/`.
fn setup(tag: &str, fixture: &str, id: &str) -> TempDir {
    let d = temp(tag);
    let paper = d.path().join("cache").join(id);
    std::fs::create_dir_all(&paper).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/html")
            .join(fixture),
        paper.join("page.html"),
    )
    .unwrap();
    let cache = d.path().join("cache");
    let o = cli(&[
        "fetch",
        id,
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    d
}

fn new(d: &Path, id: &str, extra: &[&str]) -> Output {
    let (cache, out) = (d.join("cache"), d.join("audits"));
    let mut args = vec![
        "new",
        id,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    cli(&args)
}

fn validate(d: &Path, file: &Path) -> Output {
    cli(&[
        "validate",
        file.to_str().unwrap(),
        "--paper-cache",
        d.join("cache").to_str().unwrap(),
    ])
}

/// The fields `validate` reports as unfinished, in file order.
fn todo_fields(o: &Output) -> Vec<String> {
    text(o)
        .lines()
        .filter(|l| l.contains("unfinished draft:"))
        .map(|l| {
            l.split("field `")
                .nth(1)
                .and_then(|r| r.split('`').next())
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

const TRAINING: [&str; 6] = [
    "training.algorithm",
    "training.group_size",
    "training.learning_rate",
    "training.steps",
    "training.kl",
    "training.seeds",
];

/// Fills every TODO as a user would: n a number, everything else a sentence.
fn fill(yaml: &str) -> String {
    yaml.lines()
        .map(|l| {
            let Some((key, value)) = l.split_once(": ") else {
                return l.to_string();
            };
            if !value.trim_start_matches('"').starts_with("TODO") {
                return l.to_string();
            }
            if key.trim() == "n" {
                format!("{key}: 500")
            } else {
                format!("{key}: \"filled in by hand\"")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn yaml(d: &Path, id: &str) -> (PathBuf, serde_json::Value) {
    let p = d.join("audits").join(format!("{id}.yaml"));
    let t = std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("no draft {}", p.display()));
    let v: serde_json::Value = serde_saphyr_free(&t);
    (p, v)
}

/// A small reader of the drafts' YAML through the project's own located tree.
fn serde_saphyr_free(t: &str) -> serde_json::Value {
    use rlvr_audit::yaml::tree::{Kind, Node, parse};
    fn conv(n: &Node) -> serde_json::Value {
        match &n.kind {
            Kind::Scalar { text, .. } => serde_json::Value::String(text.clone()),
            Kind::Seq(items) => items.iter().map(conv).collect(),
            Kind::Map(m) => m.iter().map(|(k, v)| (k.name.clone(), conv(v))).collect(),
        }
    }
    conv(&parse(t).unwrap())
}

fn arm<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &v["arms"][name]
}

#[test]
fn arms_as_rows_with_model_groups() {
    let id = "2607.01001v1";
    let tmp = setup("rows", "new_rows.html", id);
    let d = tmp.path();
    let o = new(d, id, &[]);
    assert!(o.status.success(), "{}", text(&o));
    // Two models × two benchmarks; the Avg. column is not a benchmark; a "—" cell drops its arm.
    let files: BTreeSet<String> = std::fs::read_dir(d.join("audits"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let want: BTreeSet<String> = [
        "260701001-qwen25-math-7b-math-500.yaml",
        "260701001-qwen25-math-7b-aime24.yaml",
        "260701001-llama-31-8b-instruct-math-500.yaml",
        "260701001-llama-31-8b-instruct-aime24.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(files, want);
    let (p, v) = yaml(d, "260701001-qwen25-math-7b-math-500");
    assert_eq!(v["model"], "Qwen2.5-Math-7B");
    assert_eq!(v["benchmark"]["name"], "MATH-500");
    assert_eq!(v["benchmark"]["metric"], "pass@1");
    assert_eq!(v["targets"], serde_json::json!(["scr-ours"]));
    assert_eq!(
        v["paper"]["title"],
        "Self-Consistency Rewards for Reasoning"
    );
    assert_eq!(v["paper"]["authors"], "Ada Lovelace et al.");
    for (name, role, printed, row) in [
        ("base", "base", "49.4", "Base"),
        ("random", "random", "64.1", "+ Random reward"),
        ("majority", "majority", "70.20", "+ TTRL (maj. vote)"),
        ("ground-truth", "true", "72.5", "+ GRPO (ground truth)"),
        ("scr-ours", "designed", "74.0", "+ SCR (ours)"),
    ] {
        let a = arm(&v, name);
        assert_eq!(a["role"], role, "{name}");
        assert_eq!(
            a["printed"], printed,
            "{name}: the printed text, precision kept"
        );
        assert_eq!(a["unit"], "percent");
        assert_eq!(a["source"]["row"], row);
        assert_eq!(a["source"]["location"], "Table 1");
        assert_eq!(a["cell"]["table"], "Table 1");
        assert_eq!(a["cell"]["column"], "MATH-500");
        // Labels that repeat across the two model groups are cited by grid position.
        if name == "ground-truth" {
            assert_eq!(a["cell"]["row"], row, "a unique label is cited as printed");
        } else {
            assert!(a["cell"]["row"].as_str().unwrap().starts_with('#'), "{a}");
        }
    }
    assert_eq!(arm(&v, "base")["cell"]["row"], "#3");
    assert_eq!(arm(&v, "scr-ours")["cell"]["row"], "#7");
    // TODOs: exactly what the table cannot say (no metric in the header: a TODO note).
    let o = validate(d, &p);
    assert_eq!(o.status.code(), Some(2));
    let mut want = vec!["claim", "benchmark.n", "benchmark.metric_note"];
    want.extend(TRAINING);
    assert_eq!(todo_fields(&o), want, "{}", text(&o));
    // Filled in, every cell resolves against the cache and agrees with the printed text.
    std::fs::write(&p, fill(&std::fs::read_to_string(&p).unwrap())).unwrap();
    let o = validate(d, &p);
    assert!(o.status.success(), "{}", text(&o));
    // The Llama group has no ground-truth row and, on AIME24, no random cell.
    let (_, v) = yaml(d, "260701001-llama-31-8b-instruct-aime24");
    let names: Vec<&String> = v["arms"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["base", "majority", "scr-ours"]);
    assert_eq!(arm(&v, "base")["printed"], "6.7");
    assert_eq!(arm(&v, "base")["cell"]["row"], "#9");
}

#[test]
fn arms_as_columns_fractions_and_the_model_from_the_caption() {
    let id = "2607.01002v1";
    let tmp = setup("cols", "new_columns.html", id);
    let d = tmp.path();
    let o = new(d, id, &["--benchmark", "math500"]);
    assert!(o.status.success(), "{}", text(&o));
    let (p, v) = yaml(d, "260701002-qwen25-3b-math500");
    assert_eq!(
        std::fs::read_dir(d.join("audits")).unwrap().count(),
        1,
        "--benchmark picks one"
    );
    assert_eq!(v["model"], "Qwen2.5-3B");
    assert_eq!(v["benchmark"]["name"], "MATH500");
    for (name, role, printed, column) in [
        ("base", "base", "0.544", "Base"),
        ("ground-truth", "true", "0.636", "GRPO"),
        ("majority", "majority", "0.636", "GRPO-PV"),
        ("intuitor", "designed", "0.612", "INTUITOR"),
    ] {
        let a = arm(&v, name);
        assert_eq!(a["role"], role, "{name}");
        assert_eq!(a["printed"], printed, "{name}");
        assert_eq!(a["unit"], "fraction", "values ≤ 1");
        assert_eq!(a["cell"]["row"], "MATH500");
        assert_eq!(a["cell"]["column"], column);
        assert_eq!(a["cell"]["table"], "Table 2");
    }
    assert_eq!(v["targets"], serde_json::json!(["intuitor"]));
    // This page names no authors: they are a TODO too.
    let o = validate(d, &p);
    let mut want = vec![
        "paper.authors",
        "claim",
        "benchmark.n",
        "benchmark.metric_note",
    ];
    want.extend(TRAINING);
    assert_eq!(todo_fields(&o), want, "{}", text(&o));
    std::fs::write(&p, fill(&std::fs::read_to_string(&p).unwrap())).unwrap();
    let o = validate(d, &p);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn guessed_two_level_headers_with_spreads() {
    let id = "2607.01003v1";
    let tmp = setup("guessed", "new_guessed.html", id);
    let d = tmp.path();
    // The td-only headers are detected: two header rows, labelled columns, math rendered.
    let tables = rlvr_audit::fetch::extract::extract(
        &std::fs::read_to_string(d.join("cache").join(id).join("page.html")).unwrap(),
        true,
    )
    .unwrap();
    assert_eq!(tables[0].header_rows, 2);
    assert_eq!(tables[0].column_label(1), "MATH-500 / avg@16");
    assert_eq!(tables[0].column_label(2), "MATH-500 / maj@16");
    assert_eq!(tables[0].column_label(3), "Minerva / avg@16");
    assert_eq!(tables[1].header_rows, 1);
    assert_eq!(tables[1].column_label(1), "Acc@π/6");
    assert_eq!(tables[1].column_label(2), "Acc@π/12");
    let o = new(d, id, &["--dry-run", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!d.join("audits").exists(), "--dry-run writes nothing");
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["drafts"].as_array().unwrap().len(), 3, "{j}");
    let o = new(d, id, &["--table", "Table 3"]);
    assert!(o.status.success(), "{}", text(&o));
    let (p, v) = yaml(d, "260701003-qwen25-math-15b-math-500");
    assert_eq!(
        v["model"], "Qwen2.5-Math-1.5B",
        "the header's corner names it"
    );
    assert_eq!(v["benchmark"]["metric"], "avg@16");
    for (name, role, printed, spread) in [
        ("base", "base", "28.40", "0.50"),
        ("random", "random", "50.12", "1.31"),
        ("format", "format", "45.3", "0.9"),
        ("incorrect", "incorrect", "47.0", "1.2"),
        ("majority", "majority", "60.5", "0.8"),
        ("ground-truth", "true", "66.7", "0.6"),
        ("empo", "designed", "64.9", "0.7"),
    ] {
        let a = arm(&v, name);
        assert_eq!(a["role"], role, "{name}");
        assert_eq!(a["printed"], printed, "{name}");
        assert_eq!(a["spread"], spread, "{name}: ± becomes the spread");
        assert_eq!(a["cell"]["column"], "MATH-500 / avg@16");
    }
    assert_eq!(arm(&v, "base")["label"], "Before RL");
    let (_, maj) = yaml(d, "260701003-qwen25-math-15b-math-500-maj-16");
    assert_eq!(maj["benchmark"]["metric"], "maj@16");
    assert_eq!(arm(&maj, "majority")["printed"], "64.0");
    // The metric comes from the header: its note is no TODO.
    let o = validate(d, &p);
    let mut want = vec!["claim", "benchmark.n"];
    want.extend(TRAINING);
    assert_eq!(todo_fields(&o), want, "{}", text(&o));
    std::fs::write(&p, fill(&std::fs::read_to_string(&p).unwrap())).unwrap();
    let o = validate(d, &p);
    assert!(o.status.success(), "{}", text(&o));
    // An existing draft is never overwritten without --force.
    let o = new(d, id, &["--table", "Table 3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("refusing to overwrite"), "{}", text(&o));
    let o = new(d, id, &["--table", "Table 3", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_draft_is_an_unfinished_draft_with_line_and_column_until_filled() {
    let id = "2607.01002v1";
    let tmp = setup("todo", "new_columns.html", id);
    let d = tmp.path();
    assert!(new(d, id, &["--benchmark", "gsm8k"]).status.success());
    let (p, _) = yaml(d, "260701002-qwen25-3b-gsm8k");
    let src = std::fs::read_to_string(&p).unwrap();
    let claim_line = src.lines().position(|l| l.starts_with("claim:")).unwrap() + 1;
    let o = validate(d, &p);
    assert_eq!(o.status.code(), Some(2));
    let out = text(&o);
    let want = format!(
        "{}:{claim_line}:8: unfinished draft: field `claim`",
        p.display()
    );
    assert!(out.contains(&want), "{want}\n{out}");
    // Every TODO at once, each on its own line with line:col, and nothing else.
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(p.to_str().unwrap()))
        .collect();
    assert!(
        errors.len() >= 8 && errors.iter().all(|l| l.contains(": unfinished draft: ")),
        "{out}"
    );
    // A hand-written descriptor with one TODO fails the same way.
    let one = fill(&src).replace("n: 500", "n: TODO");
    std::fs::write(&p, &one).unwrap();
    let o = validate(d, &p);
    assert_eq!(todo_fields(&o), ["benchmark.n"], "{}", text(&o));
    std::fs::write(&p, fill(&src)).unwrap();
    assert!(validate(d, &p).status.success());
}

#[test]
fn a_user_synonyms_file_replaces_the_shipped_one() {
    let id = "2607.01002v1";
    let tmp = setup("syn", "new_columns.html", id);
    let d = tmp.path();
    let syn = d.join("syn.yaml");
    // Without `grpo` among the true labels, GRPO is no longer ground truth: it reads as a method.
    std::fs::write(
        &syn,
        "roles:\n  base: [base]\n  majority: [\"grpo pv\"]\nmodels: [\"qwen*\"]\n",
    )
    .unwrap();
    let o = new(
        d,
        id,
        &[
            "--synonyms",
            syn.to_str().unwrap(),
            "--benchmark",
            "lcb",
            "--dry-run",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arms = &j["drafts"][0]["draft"]["arms"];
    let roles: Vec<(&str, &str)> = arms
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["label"].as_str().unwrap(), a["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("Base", "base"),
            ("GRPO", "designed"),
            ("GRPO-PV", "majority"),
            ("INTUITOR", "designed")
        ]
    );
    // A role the format does not know is refused with its location.
    std::fs::write(&syn, "roles:\n  baseline: [sft]\n  nul: [random]\n").unwrap();
    let o = new(d, id, &["--synonyms", syn.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains(":3:3: `nul` is not a role"),
        "{}",
        text(&o)
    );
}

#[test]
fn model_column_groups_changes_in_parentheses_and_a_gain_caption() {
    let id = "2608.00001v2";
    let tmp = setup("groups", "new_groups.html", id);
    let d = tmp.path();
    let o = new(d, id, &["--model", "olmo", "--benchmark", "math500"]);
    assert!(o.status.success(), "{}", text(&o));
    let (p, v) = yaml(d, "260800001-olmo2-7b-math500");
    assert_eq!(v["model"], "OLMo2-7B", "the column group names the model");
    assert_eq!(v["benchmark"]["name"], "MATH500");
    for (name, role, printed) in [
        ("base", "base", "9.0"),
        ("ground-truth", "true", "24.5"),
        ("majority", "majority", "18.2"),
        ("format", "format", "8.1"),
        ("incorrect", "incorrect", "7.5"),
        ("random", "random", "-0.5"),
    ] {
        let a = arm(&v, name);
        assert_eq!(a["role"], role, "{name}");
        assert_eq!(a["printed"], printed, "{name}: the score, not its change");
        assert!(
            a["unit"].as_str().unwrap().starts_with("TODO"),
            "the caption speaks of improvements: the unit is for the user to say"
        );
        assert_eq!(a["cell"]["column"], "OLMo2-7B / MATH500");
    }
    // No designed arm in this table: the ground-truth arm is the target.
    assert_eq!(v["targets"], serde_json::json!(["ground-truth"]));
    let o = validate(d, &p);
    let fields = todo_fields(&o);
    assert_eq!(fields.iter().filter(|f| f.ends_with(".unit")).count(), 6);
    let filled = fill(&std::fs::read_to_string(&p).unwrap())
        .replace("unit: \"filled in by hand\"", "unit: percent")
        // OLMo's random arm prints a change (−0.5): the user says so.
        .replace(
            "printed: \"-0.5\"\n    unit: percent",
            "printed: \"-0.5\"\n    unit: gain_points",
        );
    std::fs::write(&p, filled).unwrap();
    let o = validate(d, &p);
    assert!(o.status.success(), "{}", text(&o));
    // The second table: the bare model name is the base, the Δ row and the Avg column are not
    // arms or benchmarks, and a benchmark printed by both tables gets the table in its id.
    let o = new(d, id, &["--table", "Table 2", "--dry-run", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let drafts = j["drafts"].as_array().unwrap();
    let benches: Vec<&str> = drafts
        .iter()
        .map(|x| x["draft"]["benchmark"].as_str().unwrap())
        .collect();
    assert_eq!(benches, ["AIME 2024", "AMC", "MATH-500"]);
    let a = &drafts[0]["draft"]["arms"];
    let roles: Vec<(&str, &str, &str)> = a
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["label"].as_str().unwrap(),
                x["role"].as_str().unwrap(),
                x["printed"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("Qwen2.5-Math-7B", "base", "16.7"),
            ("w/ TTRL", "majority", "43.3"),
            ("w/ GT (RL)", "true", "40.0"),
            ("w/ random rewards", "random", "26.7"),
        ]
    );
}

#[test]
fn model_and_method_columns_of_plain_cells_and_the_metric_from_the_caption() {
    let id = "2608.00002v1";
    let tmp = setup("method-col", "new_method_column.html", id);
    let d = tmp.path();
    let o = new(d, id, &["--model", "llama", "--benchmark", "math500"]);
    assert!(o.status.success(), "{}", text(&o));
    let (p, v) = yaml(d, "260800002-llama-32-3b-math500");
    assert_eq!(v["model"], "Llama-3.2-3B", "the rowspan'd model column");
    assert_eq!(v["benchmark"]["metric"], "pass@1");
    assert!(
        v["benchmark"]["metric_note"]
            .as_str()
            .unwrap()
            .starts_with("from the caption")
    );
    for (name, role, printed, row, cell_row) in [
        ("base", "base", "40.2", "Llama-3.2-3B / Base", "#6"),
        ("random", "random", "39.0", "Llama-3.2-3B / Random", "#7"),
        ("ground-truth", "true", "50.6", "Llama-3.2-3B / GT", "#8"),
    ] {
        let a = arm(&v, name);
        assert_eq!(a["role"], role, "{name}");
        assert_eq!(a["printed"], printed, "{name}");
        assert_eq!(a["source"]["row"], row, "{name}");
        assert_eq!(a["cell"]["row"], cell_row, "{name}");
    }
    let o = validate(d, &p);
    // This page names neither title nor authors: every TODO is reported at once.
    let mut want = vec!["paper.title", "paper.authors", "claim", "benchmark.n"];
    want.extend(TRAINING);
    assert_eq!(todo_fields(&o), want, "{}", text(&o));
    std::fs::write(&p, fill(&std::fs::read_to_string(&p).unwrap())).unwrap();
    let o = validate(d, &p);
    assert!(o.status.success(), "{}", text(&o));
}

/// The README's worked example ("Audit a new paper"), run as written: fetch, new, validate
/// (8 unfinished-draft errors), fill in, validate, and the draft audits like any descriptor.
#[test]
fn the_readme_new_paper_example_runs_offline() {
    let id = "2607.01003v1";
    let tmp = setup("readme", "new_guessed.html", id);
    let d = tmp.path();
    let o = new(d, id, &["--dry-run"]);
    assert!(
        o.status.success() && !d.join("audits").exists(),
        "{}",
        text(&o)
    );
    assert!(new(d, id, &["--benchmark", "minerva"]).status.success());
    let (p, v) = yaml(d, "260701003-qwen25-math-15b-minerva");
    assert_eq!(arm(&v, "base")["printed"], "9.6");
    assert_eq!(arm(&v, "base")["spread"], "0.4");
    let o = validate(d, &p);
    assert_eq!(todo_fields(&o).len(), 8, "{}", text(&o));
    std::fs::write(&p, fill(&std::fs::read_to_string(&p).unwrap())).unwrap();
    assert!(validate(d, &p).status.success());
    let o = cli(&[
        "check",
        p.to_str().unwrap(),
        "--paper-cache",
        d.join("cache").to_str().unwrap(),
        "--audits-dir",
        d.join("audits").to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1 | 3)), "{}", text(&o));
}

/// A `--model` or `--benchmark` that matches no draft is an error that names what the tables give.
#[test]
fn a_filter_matching_no_draft_names_what_the_tables_give() {
    let id = "2608.00001v2";
    let tmp = setup("nomatch", "new_groups.html", id);
    let d = tmp.path();
    for (flag, what) in [
        ("--model", "drafts for the models: "),
        ("--benchmark", "drafts for the benchmarks: "),
    ] {
        let o = new(d, id, &[flag, "zzz", "--dry-run"]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(
            t.contains(&format!(
                "{flag} \"zzz\" matches no draft of {id}; the tables give {what}"
            )),
            "{t}"
        );
    }
}
