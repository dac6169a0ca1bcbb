//! Hostile inputs: each test is named after a failure found by probing the tool (a panic, an
//! unbounded allocation, a hang, a silent wrong answer or lost history), and pins the clear error
//! or correct result that replaced it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Reply, Server, TempDir, cli, command, stderr, temp};

/// Exit 2 with a message containing every one of `parts`.
fn refused(args: &[&str], parts: &[&str]) {
    let t = Instant::now();
    let o = cli(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
    for p in parts {
        assert!(e.contains(p), "{args:?}: `{p}` not in: {e}");
    }
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "{args:?} took {:?}",
        t.elapsed()
    );
}

#[test]
fn huge_sizes_are_refused_before_any_allocation() {
    // Formerly: capacity-overflow panics, a 64 GB allocation abort, or runs that never ended.
    refused(
        &["simulate", "-R", "18446744073709551615"],
        &["--replicates"],
    );
    refused(
        &["simulate", "-N", "1000000000", "-R", "2"],
        &["--prompts", "at most"],
    );
    refused(&["simulate", "-K", "1000000"], &["--answers", "at most"]);
    refused(
        &["simulate", "--steps", "1000000000"],
        &["--steps", "at most"],
    );
    refused(&["simulate", "-G", "18446744073709551615"], &["--group"]);
    refused(
        &["simulate", "--arm", "majority-fixed:1000000000"],
        &["M must be from 1 to"],
    );
    refused(&["sweep", "--levels", "0.1:0.9:1e-9"], &["levels; at most"]);
    refused(
        &["simulate", "--resamples", "100000000000"],
        &["--resamples"],
    );
}

#[test]
fn memory_and_work_budgets_name_the_flag_to_raise() {
    refused(
        &[
            "simulate", "-N", "100000", "-K", "4096", "-B", "16", "-R", "2",
        ],
        &["MiB", "--max-memory"],
    );
    refused(
        &[
            "simulate", "--steps", "1000000", "-N", "4096", "-B", "4096", "-G", "64", "-R", "64",
        ],
        &["sampled answers", "--max-work"],
    );
    // The same run passes once the budget is raised far enough (checked, not run: -R 1 small).
    let o = cli(&[
        "simulate",
        "-R",
        "2",
        "--steps",
        "5",
        "--max-work",
        "1000000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn nonsense_parameters_are_refused_instead_of_printing_nan() {
    // Formerly: pass@k −2.68, NaN with exit 0, and a "95 %" interval from one resample.
    refused(
        &["simulate", "--pass-k", "18446744073709551615"],
        &["--pass-k"],
    );
    refused(
        &["simulate", "--format-strength", "1e308"],
        &["--format-strength", "1e308"],
    );
    refused(&["simulate", "--lr", "1e300"], &["--lr"]);
    refused(&["simulate", "--resamples", "1"], &["--resamples", "100"]);
    refused(&["simulate", "--cov-fraction", "2"], &["--cov-fraction"]);
}

#[test]
fn cov_control_flags_reach_the_config() {
    // Formerly parsed and documented but never applied: the result equalled plain GRPO's.
    let run = |extra: &[&str]| {
        let mut a = vec!["simulate", "-R", "2", "--json"];
        a.extend_from_slice(extra);
        let o = cli(&a);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["config"].clone()
    };
    let plain = run(&[]);
    let clip = run(&[
        "--cov-control",
        "clip-cov",
        "--cov-fraction",
        "0.5",
        "--kl-cov-coef",
        "2",
    ]);
    assert_ne!(plain, clip);
    assert_eq!(clip["cov_control"], "clip_cov");
    assert_eq!(clip["cov_fraction"], 0.5);
    assert_eq!(clip["kl_cov_coef"], 2.0);
}

#[test]
fn devices_fifos_and_oversized_files_are_refused_without_reading_them() {
    refused(&["validate", "/dev/zero"], &["not a regular file"]);
    refused(&["validate", "/dev/urandom"], &["not a regular file"]);
    let tmp = temp("fifo");
    let d = tmp.path();
    let fifo = d.join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        refused(
            &["validate", fifo.to_str().unwrap()],
            &["not a regular file"],
        );
    }
}

/// A study directory with the seed study and its lock copied in.
fn study_dir(tag: &str) -> (TempDir, PathBuf) {
    let d = temp(tag);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/prereg");
    let small = std::fs::read_to_string(root.join("seed-2x2x2.yaml"))
        .unwrap()
        .replace("replicates: 8", "replicates: 3");
    let study = d.path().join("s.yaml");
    std::fs::write(&study, small).unwrap();
    let o = cli(&["prereg", "lock", study.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    (d, study)
}

#[test]
fn analysis_parameters_are_part_of_the_lock() {
    // Formerly `--resamples 10` turned a CONFIRMED pre-registered hypothesis into NOT CONFIRMED.
    let (_dir, study) = study_dir("resamples");
    let s = study.to_str().unwrap();
    refused(
        &["factorial", s, "--resamples", "150"],
        &["locked with 2000", "prereg amend"],
    );
    // Changing it in the file changes the locked form: refused until amended.
    let text = std::fs::read_to_string(&study).unwrap();
    std::fs::write(&study, format!("{text}resamples: 500\n")).unwrap();
    refused(&["factorial", s], &["changed since it was locked"]);
}

#[test]
fn a_lock_is_never_overwritten_and_an_edited_lock_fails_verify() {
    let (_dir, study) = study_dir("lock");
    let s = study.to_str().unwrap();
    let lock = PathBuf::from(format!("{s}.lock"));
    let original = std::fs::read_to_string(&lock).unwrap();
    // Formerly a corrupt lock was silently replaced by a fresh one, its history gone.
    std::fs::write(&lock, "{ not json").unwrap();
    refused(&["prereg", "lock", s], &["not valid", "never rewritten"]);
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), "{ not json");
    // A hand-edited hash no longer verifies.
    let v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut edited = v.clone();
    edited["sha256"] = serde_json::json!("0".repeat(64));
    std::fs::write(&lock, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    refused(&["prereg", "verify", s], &["chain"]);
    // An amendment needs a reason, and an amendment with an emptied reason does not verify.
    std::fs::write(&lock, &original).unwrap();
    let text = std::fs::read_to_string(&study).unwrap();
    std::fs::write(&study, text.replace("seed: ", "seed: 1")).unwrap();
    refused(&["prereg", "amend", s, "--why", " "], &["reason"]);
    let o = cli(&["prereg", "amend", s, "--why", "a reason"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut amended: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    assert!(cli(&["prereg", "verify", s]).status.success());
    amended["amendments"][0]["why"] = serde_json::json!("");
    std::fs::write(&lock, serde_json::to_string_pretty(&amended).unwrap()).unwrap();
    refused(&["prereg", "verify", s], &["amendment 1"]);
}

#[test]
fn an_unreadable_lock_is_not_reported_as_missing() {
    let (_dir, study) = study_dir("unreadable");
    let lock = PathBuf::from(format!("{}.lock", study.display()));
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap(); // a directory where the lock file should be
    let o = cli(&["prereg", "verify", study.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("no lock file"), "{}", stderr(&o));
}

#[test]
fn merge_recomputes_the_job_count_and_verifies_the_lock() {
    let (d, study) = study_dir("merge");
    let s = study.to_str().unwrap();
    let shard = d.path().join("s0.jsonl");
    let o = cli(&[
        "factorial",
        s,
        "--shard",
        "0/1",
        "--shard-out",
        shard.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&shard).unwrap();
    let (head, rest) = text.split_once('\n').unwrap();
    // Formerly a header edited to `jobs_total: 1` panicked in the analysis.
    let mut h: serde_json::Value = serde_json::from_str(head).unwrap();
    h["jobs_total"] = serde_json::json!(1);
    let edited = d.path().join("edited.jsonl");
    std::fs::write(&edited, format!("{h}\n{rest}")).unwrap();
    refused(&["merge", edited.to_str().unwrap()], &["jobs", "spec has"]);
    // Formerly a shard of a study edited after its lock merged into a "Locked …" report.
    let t = std::fs::read_to_string(&study).unwrap();
    std::fs::write(&study, t.replace("seed: ", "seed: 9")).unwrap();
    refused(
        &["merge", shard.to_str().unwrap()],
        &["changed since it was locked"],
    );
    std::fs::write(&study, t).unwrap();
    let o = cli(&["merge", shard.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_slow_drip_body_is_cut_at_the_whole_request_deadline() {
    let page = format!("<html><body>{}</body></html>", "x".repeat(200));
    let drip = Reply {
        drip: Some(Duration::from_millis(500)),
        ..Reply::html(page)
    };
    let server = Server::start(vec![("/html/2506.10947", vec![drip])]);
    let tmp = temp("drip");
    let d = tmp.path();
    let t = Instant::now();
    let o = cli(&[
        "fetch",
        "2506.10947",
        "--base-url",
        &server.base(),
        "--cache-dir",
        d.to_str().unwrap(),
        "--timeout-secs",
        "2",
        "--retries",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("timed out"), "{}", stderr(&o));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn a_cross_host_redirect_is_refused() {
    // Formerly followed, with the original URL recorded in the cache.
    let server = Server::start(vec![(
        "/html/2506.10947",
        vec![Reply::redirect("http://localhost:9/elsewhere")],
    )]);
    let tmp = temp("redirect");
    let d = tmp.path();
    let o = cli(&[
        "fetch",
        "2506.10947",
        "--base-url",
        &server.base(),
        "--cache-dir",
        d.to_str().unwrap(),
        "--retries",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another host"), "{}", stderr(&o));
}

#[test]
fn ids_that_would_leave_the_cache_and_absurd_limits_are_refused() {
    let tmp = temp("ids");
    let d = tmp.path();
    let c = d.to_str().unwrap();
    for id in ["../1234567", "./1234567", "../../etc/passwd"] {
        refused(
            &["fetch", id, "--cache-dir", c, "--offline"],
            &["is not an arXiv id"],
        );
    }
    refused(
        &[
            "fetch",
            "2506.10947",
            "--cache-dir",
            c,
            "--max-mib",
            "17592186044416",
        ],
        &["--max-mib"],
    );
    let file = d.join("file");
    std::fs::write(&file, "x").unwrap();
    refused(
        &["fetch", "2506.10947", "--cache-dir", file.to_str().unwrap()],
        &["not a directory"],
    );
}

#[test]
fn a_cache_index_pointing_outside_its_paper_is_not_read() {
    let tmp = temp("index");
    let d = tmp.path();
    let paper = d.join("2506.10947v1");
    std::fs::create_dir_all(&paper).unwrap();
    let index = serde_json::json!({
        "id": "2506.10947v1", "source_url": "x", "retrieved": "2026-01-01T00:00:00Z",
        "tool_version": "0", "tables": [{
            "index": 1, "float_id": "S1.T1", "tag": "Table 1", "panel": null, "caption": "",
            "rows": 1, "cols": 1, "header_rows": 0, "header_cols": 0,
            "csv": "table-1.csv", "json": "../../../../etc/passwd"}]
    });
    std::fs::write(paper.join("index.json"), index.to_string()).unwrap();
    refused(
        &[
            "tables",
            "2506.10947v1",
            "--cache-dir",
            d.to_str().unwrap(),
            "--show",
            "Table 1",
        ],
        &["not table-N.json"],
    );
}

#[test]
fn unclosed_elements_behind_unknown_end_tags_are_refused_before_parsing() {
    // Formerly `<div></x>` repeated passed the depth pre-scan and parsed in quadratic time.
    let page = format!("<html><body>{}</body></html>", "<div></x>".repeat(200_000));
    let t = Instant::now();
    let r = rlvr_audit::fetch::extract::extract(&page, true);
    assert!(r.is_err());
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn concurrent_fetches_of_one_paper_take_turns() {
    // Formerly 2 of 144 concurrent fetches failed with a bare "No such file or directory" and
    // left .tmp/.old directories behind.
    let tmp = temp("concurrent");
    let d = tmp.path();
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/basic.html"),
    )
    .unwrap();
    let paper = d.join("2606.05932v2");
    std::fs::create_dir_all(&paper).unwrap();
    std::fs::write(paper.join("page.html"), &fixture).unwrap();
    let c = d.to_str().unwrap().to_string();
    let threads: Vec<_> = (0..12)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                command()
                    .args(["fetch", "2606.05932v2", "--offline", "--cache-dir", &c])
                    .output()
                    .unwrap()
            })
        })
        .collect();
    for t in threads {
        let o = t.join().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn temporaries_of_a_killed_writer_are_cleaned_by_the_next_write() {
    let tmp = temp("leftover");
    let d = tmp.path();
    // A process id that is not running: a writer killed between write and rename.
    let dead = d.join(".x.svg.tmp-4194304");
    std::fs::write(&dead, "half").unwrap();
    rlvr_audit::io::write_atomic(&d.join("x.svg"), b"whole").unwrap();
    assert!(!dead.exists());
    assert_eq!(std::fs::read_to_string(d.join("x.svg")).unwrap(), "whole");
}

#[test]
fn a_page_whose_last_4_kib_begin_inside_a_character_is_checked_without_a_panic() {
    // Found by the fuzzer: the truncation check sliced the page 4096 bytes from its end, which
    // can fall inside a multi-byte character (a `±` in a table cell) and panicked.
    for pad in 0..4 {
        let filler = "±".repeat(3000);
        let page = format!(
            "<html><body><div class=\"ltx_page_main\"><article class=\"ltx_document\">{}{filler}</article></div></body></html>",
            "x".repeat(pad)
        );
        let _ = rlvr_audit::fetch::extract::extract(&page, true);
    }
}
