//! The command-line contract: help, errors for bad values, and the `--json` keys later tools
//! rely on.

mod common;

use common::{cli, command, stderr};

#[test]
fn help_lists_the_commands() {
    let o = cli(&["--help"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for c in ["simulate", "decompose", "bench", "presets"] {
        assert!(text.contains(c), "{text}");
    }
    let o = cli(&["decompose", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("--prior"));
}

#[test]
fn bad_values_fail_with_the_flag_named() {
    let cases: [(&[&str], &str); 6] = [
        (&["decompose", "--group", "1"], "--group"),
        (&["decompose", "--prior", "1.2"], "--prior"),
        (&["decompose", "--prior", "0"], "--prior"),
        (
            &["simulate", "--format-strength", "-0.5"],
            "--format-strength",
        ),
        (&["simulate", "--correct", "8"], "--correct"),
        (
            &["simulate", "--answers", "4", "--correct", "5"],
            "--correct",
        ),
    ];
    for (args, flag) in cases {
        let o = cli(args);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(stderr(&o).contains(flag), "{args:?}: {}", stderr(&o));
    }
    let o = cli(&["simulate", "--arm", "tru"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown arm"), "{}", stderr(&o));
    let o = cli(&["decompose", "--chain", "base,majority,true"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--chain"), "{}", stderr(&o));
    let o = cli(&["decompose", "--preset", "papr"]);
    assert!(stderr(&o).contains("unknown preset"), "{}", stderr(&o));
}

#[test]
fn decompose_json_carries_the_contract_keys() {
    let o = cli(&[
        "decompose",
        "--prior",
        "0.5",
        "-R",
        "3",
        "--steps",
        "40",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["config"]["prior"], 0.5);
    assert_eq!(v["config"]["steps"], 40);
    for arm in ["base", "random", "majority", "true"] {
        for k in ["mean", "lo", "hi"] {
            assert!(v["arms"][arm][k].is_number(), "arms.{arm}.{k}");
        }
    }
    for t in ["total", "null", "elicit", "rd", "naive"] {
        for k in ["mean", "lo", "hi"] {
            assert!(v["terms"][t][k].is_number(), "terms.{t}.{k}");
        }
    }
    for s in [
        "rd_of_naive",
        "elicit_of_naive",
        "elicit_of_total",
        "rd_of_total",
    ] {
        let share = &v["shares"][s];
        assert!(share.is_null() || share["mean"].is_number(), "shares.{s}");
    }
    assert!(v["identity_max_abs_error"].as_f64().unwrap() < 1e-12);
    // Same command, same bytes.
    let again = cli(&[
        "decompose",
        "--prior",
        "0.5",
        "-R",
        "3",
        "--steps",
        "40",
        "--json",
    ]);
    assert_eq!(o.stdout, again.stdout);
    let serial = cli(&[
        "decompose",
        "--prior",
        "0.5",
        "-R",
        "3",
        "--steps",
        "40",
        "--json",
        "--serial",
    ]);
    assert_eq!(o.stdout, serial.stdout);
}

#[test]
fn simulate_prints_a_table_and_json() {
    let o = cli(&[
        "simulate",
        "--arm",
        "true,random",
        "-R",
        "2",
        "--steps",
        "10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("random") && text.contains("final acc"),
        "{text}"
    );
    let o = cli(&[
        "simulate",
        "--arm",
        "majority",
        "-R",
        "2",
        "--steps",
        "10",
        "--json",
        "--trajectory",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let runs = v["arms"]["majority"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["trajectory"].as_array().unwrap().len(), 11);
    assert_eq!(v["config"]["tie_break"], "shuffled");
}

#[test]
fn bench_reports_throughput() {
    let o = cli(&["bench", "--quick", "--repeat", "1", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ws = v["workloads"].as_array().unwrap();
    let names: Vec<&str> = ws.iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "small",
            "medium",
            "large",
            "seed-sweep",
            "seed-factorial-heavy",
            "model-check"
        ]
    );
    assert!(ws[0]["serial"]["sampled_answers_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(
        ws[3]["runs"], 20,
        "5 levels × 4 arms × 1 replicate in quick mode"
    );
    let copy = v["run_loop"].as_str().unwrap();
    assert!(["baseline", "avx2"].contains(&copy), "run loop {copy}");
}

#[test]
fn bench_times_only_the_named_workloads() {
    let o = cli(&[
        "bench",
        "--quick",
        "--repeat",
        "1",
        "--json",
        "--workload",
        "seed-sweep",
        "--workload",
        "small",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["small", "seed-sweep"], "suite order is kept");
    let o = cli(&["bench", "--quick", "--workload", "tiny"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("--workload tiny") && e.contains("seed-sweep"),
        "{e}"
    );
}

#[test]
fn bench_times_the_main_job_without_touching_the_committed_files() {
    // `report-warm` runs the real `report` on a copy of the fit cache, in a scratch directory.
    let cache =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fit-cache.json"))
            .unwrap();
    let o = cli(&[
        "bench",
        "--repeat",
        "1",
        "--json",
        "--workload",
        "report-warm",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = &v["workloads"][0];
    assert_eq!(w["name"], "report-warm");
    assert!(w["config"].is_null() && w["parallel"]["runs_per_s"].is_null());
    for mode in ["serial", "parallel"] {
        assert!(w[mode]["seconds"].as_f64().unwrap() > 0.0, "{mode}");
    }
    assert_eq!(
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fit-cache.json"))
            .unwrap(),
        cache
    );
    // Outside a repository the report workloads say what they need.
    let dir = common::temp("bench-elsewhere");
    let o = command()
        .current_dir(dir.path())
        .args(["bench", "--repeat", "1", "--workload", "report-cold"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("audits: not found"), "{}", stderr(&o));
}

#[test]
#[cfg(unix)]
fn a_closed_stdout_ends_the_command_quietly() {
    // `rlvr-audit presets | head -0`: the reader is gone before the command writes. Another
    // test's child forked at the same instant can hold a copy of the read end until its exec
    // closes it, so the writer may briefly see a reader: try a few times.
    let run = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        command()
            .arg("presets")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap()
    };
    let mut o = run();
    for _ in 0..4 {
        if o.status.code() == Some(141) {
            break;
        }
        o = run();
    }
    assert_eq!(o.status.code(), Some(141), "the status a SIGPIPE gives");
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// Regression: `--cov-control`, `--cov-fraction` and `--kl-cov-coef` were parsed and documented
/// but never applied. Every simulator flag the README documents is a flag of `simulate`, and every
/// one changes the resolved config.
#[test]
fn every_documented_simulator_flag_changes_the_resolved_config() {
    use clap::{CommandFactory, Parser};
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let para = &readme[readme.find("Every simulator parameter is a flag").unwrap()..];
    let para = &para[..para.find("Arms:").unwrap()];
    let documented: Vec<String> = para
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|code| code.split_whitespace().next())
        .map(|f| f.rsplit('/').next().unwrap().to_string())
        .filter(|f| f.starts_with("--") && f != "--preset")
        .collect();
    let cmd = rlvr_audit::cli::Cli::command();
    let sim = cmd.find_subcommand("simulate").unwrap();
    let flags: Vec<String> = sim
        .get_arguments()
        .filter(|a| {
            a.get_help_heading()
                .is_some_and(|h| h.starts_with("Simulator"))
        })
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .filter(|f| f != "--preset")
        .collect();
    let mut d = documented.clone();
    let mut f = flags.clone();
    d.sort();
    f.sort();
    assert_eq!(
        d, f,
        "the README's flag list and the simulator flags differ"
    );
    // A valid value that differs from the paper preset, per flag.
    let value = |flag: &str| -> &str {
        match flag {
            "--family" => "distractor",
            "--answers" => "10",
            "--correct" => "3",
            "--format-strength" => "0.7",
            "--distractor-share" => "0.4",
            "--prior" => "0.3",
            "--prior-concentration" => "5",
            "--prompts" => "50",
            "--group" => "4",
            "--batch" => "8",
            "--steps" => "7",
            "--lr" => "0.2",
            "--beta" => "0.3",
            "--regulariser" => "kl",
            "--advantage" => "dr-grpo",
            "--adv-eps" => "0.1",
            "--filter" => "off",
            "--update" => "ppo",
            "--inner-epochs" => "3",
            "--clip" => "off",
            "--eps-low" => "0.1",
            "--eps-high" => "0.3",
            "--tie-break" => "random",
            "--cov-control" => "kl-cov",
            "--cov-fraction" => "0.5",
            "--kl-cov-coef" => "2",
            "--format-rate" => "0.3",
            "--format-concentration" => "4",
            "--pass-k" => "3",
            "--seed" => "11",
            "--style-share" => "0.6",
            "--style-prior" => "0.7",
            "--ratio-level" => "sequence",
            "--minibatches" => "4",
            "--optimizer" => "adam",
            other => panic!("no test value for {other}: add one"),
        }
    };
    let resolve = |extra: &[&str]| {
        let mut argv = vec!["rlvr-audit", "simulate"];
        argv.extend_from_slice(extra);
        match rlvr_audit::cli::Cli::try_parse_from(&argv).unwrap().command {
            rlvr_audit::cli::Command::Simulate(a) => a.sim.resolve().unwrap(),
            _ => unreachable!(),
        }
    };
    // The flags a flag needs beside it to be valid: the style model's flags act only with a
    // style token and the PPO update without a regulariser; the format rate belongs to the
    // format-gated family, and a Beta format rate to a mean below 1. Each is compared within
    // that context.
    let context = |flag: &str| -> Vec<&str> {
        match flag {
            "--style-share" => vec!["--update", "ppo", "--regulariser", "none"],
            "--style-prior" | "--ratio-level" | "--minibatches" | "--optimizer" => vec![
                "--update",
                "ppo",
                "--regulariser",
                "none",
                "--style-share",
                "0.5",
            ],
            "--format-rate" => vec!["--family", "format-gated"],
            "--format-concentration" => vec!["--family", "format-gated", "--format-rate", "0.5"],
            _ => Vec::new(),
        }
    };
    for flag in &flags {
        let mut argv = context(flag);
        let default = resolve(&argv);
        argv.extend([flag.as_str(), value(flag)]);
        let got = resolve(&argv);
        assert_ne!(
            got,
            default,
            "{flag} {} left the config unchanged",
            value(flag)
        );
    }
}
