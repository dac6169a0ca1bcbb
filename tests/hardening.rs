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

// ---- Round three: `report`'s clean-up, bounded reads, drafts, silent wrong answers ----------

/// A LaTeXML page around `body`.
fn latexml(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta name=\"generator\" content=\"LaTeXML\"></head><body>\
         <div class=\"ltx_page_main\"><article class=\"ltx_document\">{body}</article></div></body></html>"
    )
}

/// A table float: a `Method` column of row labels and one column of numbers headed `column`.
fn arm_table(
    float_id: &str,
    tag: &str,
    caption: &str,
    rows: &[(&str, &str)],
    column: &str,
) -> String {
    let mut h = format!(
        "<figure id=\"{float_id}\" class=\"ltx_table\"><figcaption class=\"ltx_caption\">\
         <span class=\"ltx_tag ltx_tag_table\">{tag}: </span>{caption}</figcaption>\
         <table class=\"ltx_tabular\"><thead class=\"ltx_thead\"><tr class=\"ltx_tr\">\
         <th class=\"ltx_td ltx_th\">Method</th><th class=\"ltx_td ltx_th\">{column}</th></tr></thead>\
         <tbody class=\"ltx_tbody\">"
    );
    for (label, value) in rows {
        h.push_str(&format!(
            "<tr class=\"ltx_tr\"><th class=\"ltx_td ltx_th ltx_th_row\">{label}</th><td class=\"ltx_td\">{value}</td></tr>"
        ));
    }
    h + "</tbody></table></figure>"
}

const ARMS: [(&str, &str); 3] = [
    ("Base", "49.4"),
    ("Random", "52.0"),
    ("Ground truth", "70.8"),
];

/// `html` cached as paper `id` under `<dir>/cache` by `fetch --offline`; returns the output.
fn cache_page(dir: &Path, id: &str, html: &str) -> std::process::Output {
    let cache = dir.join("cache");
    std::fs::create_dir_all(cache.join(id)).unwrap();
    std::fs::write(cache.join(id).join("page.html"), html).unwrap();
    cli(&[
        "fetch",
        id,
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ])
}

fn cached(dir: &Path, id: &str, html: &str) -> PathBuf {
    let o = cache_page(dir, id, html);
    assert!(o.status.success(), "{}", stderr(&o));
    dir.join("cache")
}

fn mkfifo(p: &Path) -> bool {
    Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success())
}

/// `report` of one committed descriptor into `reports` (no studies; a copy of the committed fit
/// cache, which holds its runs): about a second.
fn small_report(dir: &Path, reports: &Path) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let audits = dir.join("audits");
    std::fs::create_dir_all(&audits).unwrap();
    std::fs::create_dir_all(dir.join("prereg")).unwrap();
    let name = "empo-jun2025-qwen25-math-1-5b-aime24.yaml";
    std::fs::copy(root.join("audits").join(name), audits.join(name)).unwrap();
    let fits = dir.join("fit-cache.json");
    if !fits.exists() {
        std::fs::copy(root.join("data/fit-cache.json"), &fits).unwrap();
    }
    let s = |p: &Path| p.to_str().unwrap().to_string();
    cli(&[
        "report",
        "--reports-dir",
        &s(reports),
        "--audits-dir",
        &s(&audits),
        "--prereg-dir",
        &s(&dir.join("prereg")),
        "--fit-cache",
        &s(&fits),
        "--not-audited",
        &s(&dir.join("none.yaml")),
    ])
}

#[test]
fn report_refuses_a_studys_cached_job_values_that_were_edited() {
    // `report` reads a pre-registered study's job values from the fit cache instead of running
    // it; values edited by a plausible amount fail the recomputed sample: an error naming the
    // cache, the study and the job, and nothing is written.
    let tmp = temp("studyvalues");
    let d = tmp.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(d.join("prereg")).unwrap();
    for f in ["seed-2x2x2.yaml", "seed-2x2x2.yaml.lock"] {
        std::fs::copy(root.join("data/prereg").join(f), d.join("prereg").join(f)).unwrap();
    }
    let mut cache: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("data/fit-cache.json")).unwrap())
            .unwrap();
    for (_, values) in cache["studies"].as_object_mut().unwrap() {
        for v in values.as_array_mut().unwrap() {
            *v = serde_json::json!(v.as_f64().unwrap() * 0.999);
        }
    }
    std::fs::write(d.join("fit-cache.json"), cache.to_string()).unwrap();
    let r = d.join("reports");
    let o = small_report(d, &r);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("fit-cache.json")
            && e.contains("cached job values of")
            && e.contains("seed-2x2x2.yaml")
            && e.contains("recomputed"),
        "{e}"
    );
    assert!(!r.join("README.md").exists());
}

#[test]
fn report_cleanup_never_follows_a_linked_figures_or_papers_folder() {
    // Formerly `reports/figures` linked to a folder elsewhere had every subfolder there that was
    // not a live audit id deleted (and `papers` every file).
    let tmp = temp("linked");
    let d = tmp.path();
    let (k, k2) = (d.join("k"), d.join("k2"));
    std::fs::create_dir_all(k.join("a")).unwrap();
    std::fs::write(k.join("a/x"), "user").unwrap();
    std::fs::create_dir_all(k2.join("figures")).unwrap();
    std::fs::write(k2.join("notes.md"), "# my notes\n").unwrap();
    std::fs::write(k2.join("figures/plot.svg"), "<svg/>").unwrap();
    let r = d.join("R");
    std::fs::create_dir_all(&r).unwrap();
    std::os::unix::fs::symlink(&k, r.join("figures")).unwrap();
    std::os::unix::fs::symlink(&k2, r.join("papers")).unwrap();
    let o = small_report(d, &r);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(k.join("a/x")).unwrap(), "user");
    assert!(k2.join("notes.md").exists() && k2.join("figures/plot.svg").exists());
    assert!(
        std::fs::symlink_metadata(r.join("figures"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn report_cleanup_keeps_user_folders_and_pages_it_did_not_write() {
    // Formerly any folder under `figures/` that was not a live id, and any file in `papers/` or
    // `papers/figures/`, was deleted. Now only files whose first line is the tool's marker naming
    // that very file go, and only when this run did not write them.
    let tmp = temp("userfiles");
    let d = tmp.path();
    let r = d.join("reports");
    for sub in ["figures/my-plots", "figures/gone-audit", "papers/figures"] {
        std::fs::create_dir_all(r.join(sub)).unwrap();
    }
    let put = |rel: &str, text: &str| std::fs::write(r.join(rel), text).unwrap();
    put("figures/my-plots/p.svg", "<svg/>");
    put("papers/notes.md", "# notes\n");
    put("papers/figures/mine.svg", "<svg/>");
    put("my-audit-notes.md", "# Audit notes\n");
    // What an earlier run wrote for an audit and a paper that are gone.
    let marked = rlvr_audit::report::clean::marked;
    put("gone-audit.md", "# Audit: gone-audit\n\nold page\n");
    put(
        "figures/gone-audit/t.svg",
        &marked("figures/gone-audit/t.svg", "<svg/>"),
    );
    put(
        "papers/2001.00001.md",
        &marked("papers/2001.00001.md", "# old"),
    );
    put(
        "papers/figures/2001.00001.svg",
        &marked("papers/figures/2001.00001.svg", "<svg/>"),
    );
    // A copy of a generated page under another name names the original: it is the user's.
    put("papers/copy.md", &marked("papers/2001.00001.md", "# old"));
    let o = small_report(d, &r);
    assert!(o.status.success(), "{}", stderr(&o));
    for kept in [
        "figures/my-plots/p.svg",
        "papers/notes.md",
        "papers/figures/mine.svg",
        "my-audit-notes.md",
        "papers/copy.md",
    ] {
        assert!(r.join(kept).exists(), "{kept} was removed");
    }
    for gone in [
        "gone-audit.md",
        "figures/gone-audit",
        "papers/2001.00001.md",
        "papers/figures/2001.00001.svg",
    ] {
        assert!(!r.join(gone).exists(), "{gone} was kept");
    }
    // Every page and figure this run wrote carries its marker, so the next run can remove it.
    let page = std::fs::read_to_string(r.join("papers/2505.22660.md"))
        .or_else(|_| {
            let p = std::fs::read_dir(r.join("papers"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    p.extension().is_some_and(|x| x == "md")
                        && std::fs::read_to_string(p).unwrap().starts_with("<!--")
                })
                .unwrap();
            std::fs::read_to_string(p)
        })
        .unwrap();
    assert!(
        page.starts_with("<!-- rlvr-audit generated: papers/"),
        "{page}"
    );
}

#[test]
fn new_gives_every_draft_of_a_long_model_name_its_own_file() {
    // Formerly ids were cut to 200 characters after the clash check: three drafts of a
    // 230-character model name shared one path, `new` printed "wrote" three times, one file
    // remained.
    let tmp = temp("longid");
    let d = tmp.path();
    let model = format!("Qwen2.5-7B-{}", "a".repeat(219));
    assert_eq!(model.len(), 230);
    let caption = format!("Results of {model} (%).");
    let body: String = (1..=3)
        .map(|i| {
            arm_table(
                &format!("S1.T{i}"),
                &format!("Table {i}"),
                &caption,
                &ARMS,
                "MATH-500",
            )
        })
        .collect();
    let cache = cached(d, "2506.10947v1", &latexml(&body));
    let out = d.join("audits");
    let o = cli(&[
        "new",
        "2506.10947v1",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(files.len(), 3, "{}", common::stdout(&o));
    for f in files {
        let f = f.unwrap().path();
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(stem.len() <= 200, "{stem}");
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.contains(&format!("\nid: {stem}\n")),
            "id and file name differ"
        );
    }
}

#[test]
fn one_cell_spanning_a_million_cells_is_refused_by_its_bytes() {
    // Formerly a 27 KB page (one 8 KB cell with colspan=1000 rowspan=1000) expanded to 5.8 GB and
    // aborted `fetch`.
    let tmp = temp("span");
    let d = tmp.path();
    let mut t = format!(
        "<figure id=\"S1.T1\" class=\"ltx_table\"><table class=\"ltx_tabular\"><tr><td colspan=\"1000\" rowspan=\"1000\">{}</td></tr>",
        "x".repeat(8192)
    );
    t.push_str(&"<tr></tr>".repeat(999));
    t.push_str("</table></figure>");
    let o = cache_page(d, "2506.10947v1", &latexml(&t));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("expand to more than"), "{}", stderr(&o));
    assert!(!d.join("cache/2506.10947v1/index.json").exists());
}

#[test]
fn cache_files_that_are_devices_fifos_or_sparse_giants_are_refused_unread() {
    // Formerly /dev/zero, a FIFO or a 2 GB sparse file as page.html, index.json or table-N.json
    // took 11–14 s and gigabytes, then aborted or said "no cached tables"; FIFOs hung forever.
    let tmp = temp("devices");
    let d = tmp.path();
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/basic.html"),
    )
    .unwrap();
    let cache = cached(d, "2606.05932v2", &fixture);
    let c = cache.to_str().unwrap().to_string();
    let paper = cache.join("2606.05932v2");
    let keep = |name: &str| {
        let p = paper.join(name);
        let saved = d.join(format!("saved-{name}"));
        std::fs::rename(&p, &saved).unwrap();
        (p, saved)
    };
    let restore = |(p, saved): &(PathBuf, PathBuf)| {
        let _ = std::fs::remove_file(p);
        std::fs::rename(saved, p).unwrap();
    };
    // The index: a FIFO, then a 2 GB sparse file.
    let index = keep("index.json");
    assert!(mkfifo(&index.0));
    refused(
        &["tables", "2606.05932v2", "--cache-dir", &c],
        &["index.json", "not a regular file"],
    );
    std::fs::remove_file(&index.0).unwrap();
    std::fs::File::create(&index.0)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    refused(
        &["tables", "2606.05932v2", "--cache-dir", &c],
        &["index.json", "limited to"],
    );
    restore(&index);
    // A table: a sparse giant, then a link to /dev/zero.
    let table = keep("table-1.json");
    std::fs::File::create(&table.0)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let show = [
        "tables",
        "2606.05932v2",
        "--cache-dir",
        &c,
        "--show",
        "Table 2",
    ];
    refused(&show, &["table-1.json", "limited to"]);
    std::fs::remove_file(&table.0).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &table.0).unwrap();
    refused(&show, &["table-1.json", "not a regular file"]);
    restore(&table);
    // The page (offline re-extraction, and `new`'s title).
    let page = keep("page.html");
    std::os::unix::fs::symlink("/dev/zero", &page.0).unwrap();
    refused(
        &["fetch", "2606.05932v2", "--offline", "--cache-dir", &c],
        &["page.html", "not a regular file"],
    );
    std::fs::remove_file(&page.0).unwrap();
    assert!(mkfifo(&page.0));
    refused(
        &[
            "new",
            "2606.05932v2",
            "--cache-dir",
            &c,
            "--out",
            d.join("drafts").to_str().unwrap(),
        ],
        &["page.html", "not a regular file"],
    );
    restore(&page);
    // Shards: /dev/zero, a FIFO, a sparse giant.
    refused(
        &["merge", "/dev/zero"],
        &["/dev/zero", "not a regular file"],
    );
    let fifo = d.join("shard.jsonl");
    assert!(mkfifo(&fifo));
    refused(
        &["merge", fifo.to_str().unwrap()],
        &["shard.jsonl", "not a regular file"],
    );
    let sparse = d.join("sparse.jsonl");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(8 << 30)
        .unwrap();
    refused(
        &["merge", sparse.to_str().unwrap()],
        &["sparse.jsonl", "longer than"],
    );
    // A fit cache that is a FIFO.
    refused(
        &[
            "check",
            "audits/empo-jun2025-qwen25-math-1-5b-aime24.yaml",
            "--fit-cache",
            fifo.to_str().unwrap(),
        ],
        &["shard.jsonl", "not a regular file"],
    );
    // `report` reads only the first line of a page it may remove, of a regular file only: a link
    // to /dev/zero and a FIFO among the reports are left alone, and it ends.
    let r = d.join("reports");
    std::fs::create_dir_all(&r).unwrap();
    std::os::unix::fs::symlink("/dev/zero", r.join("zero.md")).unwrap();
    assert!(mkfifo(&r.join("pipe.md")));
    let o = small_report(d, &r);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(r.join("zero.md")).is_ok());
    assert!(std::fs::symlink_metadata(r.join("pipe.md")).is_ok());
}

#[test]
fn a_page_of_more_tables_than_the_cap_is_refused_and_the_cap_is_cached_and_drafted() {
    // Formerly 8,000 small tables took 87 s in `fetch --offline` and 211 s in `new --dry-run`
    // (a folder scan per file written, an id-clash loop over every earlier draft). Every step is
    // linear now, and a page may hold at most 1000 tables.
    let tmp = temp("tables");
    let d = tmp.path();
    let table = arm_table(
        "S1.T1",
        "Table 1",
        "Results of Qwen2.5-7B.",
        &ARMS,
        "MATH-500",
    );
    let o = cache_page(d, "2506.10947v1", &latexml(&table.repeat(8000)));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than 1000 tables"),
        "{}",
        stderr(&o)
    );
    // At the cap: cached, and every table drafted with its own id (all share model, benchmark and
    // table name, so every id past the first comes from the numbered suffixes).
    let cache = cached(d, "2506.10947v2", &latexml(&table.repeat(1000)));
    let o = cli(&[
        "new",
        "2506.10947v2",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: std::collections::BTreeSet<&str> = v["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["draft"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1000);
}

#[test]
fn a_cached_table_whose_header_rows_exceed_its_rows_is_refused() {
    // Formerly `header_rows` beyond the rows in a cached table panicked `new`
    // (src/fetch/extract.rs:527). Every field of a cached index and table is checked now.
    let tmp = temp("header");
    let d = tmp.path();
    let cache = cached(
        d,
        "2506.10947v1",
        &latexml(&arm_table(
            "S1.T1",
            "Table 1",
            "Qwen2.5-7B.",
            &ARMS,
            "MATH-500",
        )),
    );
    let paper = cache.join("2506.10947v1");
    let edit = |name: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let p = paper.join(name);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, v.to_string()).unwrap();
    };
    let c = cache.to_str().unwrap();
    let out = d.join("out");
    let new = [
        "new",
        "2506.10947v1",
        "--cache-dir",
        c,
        "--out",
        out.to_str().unwrap(),
    ];
    // The table alone edited: it no longer agrees with its index.
    edit("table-1.json", &|v| {
        v["header_rows"] = serde_json::json!(99)
    });
    refused(&new, &["table-1.json", "the index says"]);
    // Both edited alike: a shape no table has.
    edit("index.json", &|v| {
        v["tables"][0]["header_rows"] = serde_json::json!(99)
    });
    refused(&new, &["index.json", "99 header rows"]);
    refused(
        &[
            "tables",
            "2506.10947v1",
            "--cache-dir",
            c,
            "--show",
            "Table 1",
        ],
        &["index.json", "header rows"],
    );
    // Rows of unequal width.
    edit("index.json", &|v| {
        v["tables"][0]["header_rows"] = serde_json::json!(1)
    });
    edit("table-1.json", &|v| {
        v["header_rows"] = serde_json::json!(1);
        v["cells"][2].as_array_mut().unwrap().pop();
    });
    refused(&new, &["table-1.json", "row 3 has 1 cells"]);
}

#[test]
fn two_descriptors_with_one_id_are_an_error_not_a_choice() {
    // Formerly one descriptor beside FILE and one of the same id in --audits-dir were no error:
    // `check` silently used the one beside FILE.
    let tmp = temp("dupid");
    let d = tmp.path();
    let name = "empo-jun2025-qwen25-math-1-5b-aime24.yaml";
    let (a, b) = (d.join("a"), d.join("b"));
    for dir in [&a, &b] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("audits")
                .join(name),
            dir.join(name),
        )
        .unwrap();
    }
    let file = a.join(name);
    refused(
        &[
            "check",
            file.to_str().unwrap(),
            "--audits-dir",
            b.to_str().unwrap(),
        ],
        &["also the id of", &b.join(name).display().to_string()],
    );
    refused(
        &[
            "validate",
            file.to_str().unwrap(),
            b.join(name).to_str().unwrap(),
        ],
        &["also the id of"],
    );
}

#[test]
fn merge_refuses_shard_records_edited_to_impossible_values() {
    // Formerly an outcome edited to 9.879 merged into a cell mean of 2.0 for a locked study:
    // records were neither range-checked nor covered by a hash.
    let (d, study) = study_dir("records");
    let shard = d.path().join("s0.jsonl");
    let o = cli(&[
        "factorial",
        study.to_str().unwrap(),
        "--shard",
        "0/1",
        "--shard-out",
        shard.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&shard).unwrap();
    let (head, records) = text.split_once('\n').unwrap();
    let mut lines: Vec<String> = records.lines().map(str::to_string).collect();
    let out = d.path().join("edited.jsonl");
    let mut edit = |value: f64| {
        let mut r: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        r["value"] = serde_json::json!(value);
        lines[0] = r.to_string();
        lines.join("\n") + "\n"
    };
    // Edited to a value an accuracy can take: the records no longer match their hash.
    let plausible = edit(0.5);
    std::fs::write(&out, format!("{head}\n{plausible}")).unwrap();
    refused(
        &["merge", out.to_str().unwrap()],
        &["edited.jsonl", "records_sha256"],
    );
    // Edited to 9.879 and re-hashed by hand: the value is outside what an accuracy can be.
    let edited = edit(9.879);
    let mut h: serde_json::Value = serde_json::from_str(head).unwrap();
    h["records_sha256"] = serde_json::json!(rlvr_audit::io::sha256_hex(&edited));
    std::fs::write(&out, format!("{h}\n{edited}")).unwrap();
    refused(
        &["merge", out.to_str().unwrap()],
        &["edited.jsonl:2", "9.879", "outside 0…1"],
    );
}

#[test]
fn a_spread_read_from_a_cited_cell_gets_the_typed_spread_range_checks() {
    // Formerly "45.0 ± 90" and "± -0.4" read from a cited cell skipped the range checks a typed
    // `spread` gets.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = std::fs::read_to_string(root.join("tests/fixtures/html/basic.html")).unwrap();
    let descriptor = root.join("tests/fixtures/cited/seed-fixture-math500.yaml");
    for (cell, spread) in [("45.0 ± 90", "90"), ("70.8 ± -0.4", "-0.4")] {
        let tmp = temp("cellspread");
        let d = tmp.path();
        let page = fixture.replacen(">70.8<", &format!(">{cell}<"), 1);
        assert_ne!(page, fixture);
        let cache = cached(d, "2606.05932v2", &page);
        refused(
            &[
                "validate",
                descriptor.to_str().unwrap(),
                "--paper-cache",
                cache.to_str().unwrap(),
            ],
            &[
                "arms.random.cell",
                &format!("spread {spread}"),
                "seed standard deviation",
            ],
        );
    }
}

#[test]
fn cutting_the_lock_history_back_behind_its_report_fails_verify() {
    // Formerly deleting the last amendment (or the `amendments` key) and reverting the study
    // verified. The study's report records the chain head; a lock cut back behind it fails.
    let (d, study) = study_dir("truncate");
    let s = study.to_str().unwrap();
    let lock = PathBuf::from(format!("{s}.lock"));
    let reports = d.path().join("reports");
    let r = reports.to_str().unwrap();
    let original_study = std::fs::read_to_string(&study).unwrap();
    let original_lock = std::fs::read_to_string(&lock).unwrap();
    std::fs::write(&study, original_study.replace("seed: ", "seed: 1")).unwrap();
    let o = cli(&[
        "prereg",
        "amend",
        s,
        "--why",
        "a new seed",
        "--reports-dir",
        r,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli(&["factorial", s, "--out", r]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(reports.join("factorial-s.md")).unwrap();
    assert!(
        page.contains("* Lock history: 1 amendment(s), chain head `"),
        "{page}"
    );
    assert!(
        cli(&["prereg", "verify", s, "--reports-dir", r])
            .status
            .success()
    );
    // The amendment removed and the study reverted: the lock is consistent in itself.
    std::fs::write(&study, &original_study).unwrap();
    std::fs::write(&lock, &original_lock).unwrap();
    refused(
        &["prereg", "verify", s, "--reports-dir", r],
        &["history is shorter", "factorial-s.md"],
    );
    refused(&["factorial", s, "--out", r], &["history is shorter"]);
    // The `amendments` key removed: the same.
    let mut v: serde_json::Value = serde_json::from_str(&original_lock).unwrap();
    v.as_object_mut().unwrap().remove("amendments");
    std::fs::write(&lock, v.to_string()).unwrap();
    refused(
        &["prereg", "verify", s, "--reports-dir", r],
        &["history is shorter"],
    );
    // The documented limit: with the report gone too, nothing records the cut.
    std::fs::remove_file(reports.join("factorial-s.md")).unwrap();
    assert!(
        cli(&["prereg", "verify", s, "--reports-dir", r])
            .status
            .success()
    );
}

/// A fit cache written from scratch for a base of 0.4 (every run used), its path and JSON.
fn fresh_fit_cache(
    name: &str,
) -> (
    TempDir,
    PathBuf,
    Vec<rlvr_audit::audit::fit::Request>,
    serde_json::Value,
) {
    use rlvr_audit::audit::fit::{FitCache, requests};
    let tmp = temp(name);
    let path = tmp.path().join("fit-cache.json");
    let reqs = requests(0.4);
    let fresh = FitCache::default();
    fresh.fill(&reqs, &path, false, &|| {}).unwrap();
    for r in &reqs {
        fresh.get(r);
    }
    assert!(fresh.save(&path, false).unwrap());
    let clean = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (tmp, path, reqs, clean)
}

#[test]
fn a_fit_caches_carried_priors_are_range_checked_and_named() {
    // The fit cache carries the Beta-prior members' solved priors (each checked exactly before
    // use). A value no prior mean can have, or a key that names no such member and base, is
    // refused on load with the file and the key named.
    use rlvr_audit::audit::fit::FitCache;
    let (_tmp, path, _, clean) = fresh_fit_cache("priors");
    let key = clean["priors"]
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.starts_with("format-gated q=0.7 κ=2@"))
        .expect("the member solved at a base of 0.4 is carried")
        .clone();
    assert!(FitCache::load(&path).is_ok());
    let poisoned = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = clean.clone();
        f(&mut v);
        std::fs::write(&path, v.to_string()).unwrap();
        FitCache::load(&path).err().unwrap().to_string()
    };
    let e = poisoned(&|v| v["priors"][&key] = serde_json::json!(1.5));
    assert!(
        e.contains("fit-cache.json") && e.contains(&key) && e.contains("a prior of 1.5"),
        "{e}"
    );
    let e = poisoned(&|v| v["priors"]["paper f=0@3fd999999999999a"] = serde_json::json!(0.3));
    assert!(
        e.contains("paper f=0@3fd999999999999a") && e.contains("not a Beta-prior member"),
        "{e}"
    );
}

#[test]
fn poisoned_fit_cache_values_are_refused() {
    // Formerly values under valid keys were trusted blindly and moved imputed arms without a
    // word. Now: values no run can give are refused on load, values beyond the member's reach
    // when used, and a recomputed sample (every entry with --verify-fit-cache) must agree.
    use rlvr_audit::audit::fit::FitCache;
    let (_tmp, path, reqs, clean) = fresh_fit_cache("poison");
    let keys: Vec<String> = clean["runs"].as_object().unwrap().keys().cloned().collect();
    let poisoned = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = clean.clone();
        f(&mut v);
        std::fs::write(&path, v.to_string()).unwrap();
        FitCache::load(&path)
    };
    let msg = |e: rlvr_audit::audit::fit::CacheError| e.to_string();
    // A gain no accuracy allows: refused on load.
    let e = msg(
        poisoned(&|v| v["runs"][&keys[0]]["mean"][0] = serde_json::json!(1.5))
            .err()
            .unwrap(),
    );
    assert!(
        e.contains("fit-cache.json") && e.contains("gain of 1.5"),
        "{e}"
    );
    // A gain beyond what the member reaches from a base of 0.4: refused when used.
    let c = poisoned(&|v| v["runs"][&keys[1]]["mean"][0] = serde_json::json!(0.95)).unwrap();
    let e = msg(c.fill(&reqs, &path, false, &|| {}).err().unwrap());
    assert!(
        e.contains(&keys[1]) && e.contains("beyond what its member can reach"),
        "{e}"
    );
    // Every entry moved by a plausible 0.001: the recomputed sample disagrees.
    let c = poisoned(&|v| {
        for (_, g) in v["runs"].as_object_mut().unwrap() {
            for m in g["mean"].as_array_mut().unwrap() {
                *m = serde_json::json!(((m.as_f64().unwrap() + 0.001) * 1e9).round() / 1e9);
            }
        }
    })
    .unwrap();
    let e = msg(c.fill(&reqs, &path, false, &|| {}).err().unwrap());
    assert!(e.contains("disagrees with its recomputation"), "{e}");
    // One entry moved: the default sample may miss it (documented); --verify-fit-cache does not.
    let last = keys.last().unwrap().clone();
    let c = poisoned(&|v| {
        let m = &mut v["runs"][&last]["mean"][0];
        *m = serde_json::json!(((m.as_f64().unwrap() + 0.001) * 1e9).round() / 1e9);
    })
    .unwrap();
    let e = msg(c.fill(&reqs, &path, true, &|| {}).err().unwrap());
    assert!(e.contains(&last) && e.contains("disagrees"), "{e}");
    // The clean file passes every check.
    let c = poisoned(&|_| {}).unwrap();
    c.fill(&reqs, &path, true, &|| {}).unwrap();
}

#[test]
fn draft_labels_with_nonprintable_characters_still_parse() {
    // Formerly a label containing U+FFFE or DEL was written as it was, and `validate` could not
    // parse the draft `new` wrote.
    let tmp = temp("nonprintable");
    let d = tmp.path();
    let label = "Random\u{7f} reward\u{fffe}\u{85}\u{2028}";
    let rows = [("Base", "49.4"), (label, "52.0"), ("Ground truth", "70.8")];
    let cache = cached(
        d,
        "2506.10947v1",
        &latexml(&arm_table(
            "S1.T\u{7f}1",
            "Table 1\u{fffe}",
            "Qwen2.5-7B.",
            &rows,
            "MATH-500",
        )),
    );
    let out = d.join("audits");
    let o = cli(&[
        "new",
        "2506.10947v1",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&file).unwrap();
    let v: serde_json::Value = rlvr_audit::yaml::parse(&file, &text).unwrap();
    let extracted = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(cache.join("2506.10947v1/table-1.json")).unwrap(),
    )
    .unwrap()["cells"][2][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(v["arms"]["random"]["label"], serde_json::json!(extracted));
    // `validate` reads it: what it reports are the draft's TODOs.
    let o = cli(&[
        "validate",
        file.to_str().unwrap(),
        "--paper-cache",
        cache.to_str().unwrap(),
    ]);
    let e = stderr(&o);
    assert!(e.contains("unfinished draft"), "{e}");
    assert!(
        e.lines()
            .filter(|l| l.contains(".yaml:"))
            .all(|l| l.contains("unfinished draft")),
        "{e}"
    );
}

#[test]
fn a_caption_saying_percent_keeps_values_below_one_in_percent() {
    // Formerly `new` drafted `unit: fraction` whenever every value was at most 1, even under a
    // caption saying "(%)".
    let rows = [
        ("Base", "0.45"),
        ("Random", "0.52"),
        ("Ground truth", "0.61"),
    ];
    for (caption, unit) in [
        ("Pass rate (%) of Qwen2.5-7B.", "percent"),
        ("Pass rate of Qwen2.5-7B, in percent.", "percent"),
        ("Pass rate of Qwen2.5-7B.", "fraction"),
    ] {
        let tmp = temp("percent");
        let d = tmp.path();
        let cache = cached(
            d,
            "2506.10947v1",
            &latexml(&arm_table("S1.T1", "Table 1", caption, &rows, "MATH-500")),
        );
        let o = cli(&[
            "new",
            "2506.10947v1",
            "--cache-dir",
            cache.to_str().unwrap(),
            "--dry-run",
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["drafts"][0]["draft"]["unit"], unit, "{caption}");
    }
}

#[test]
fn new_blames_the_filter_that_matched_nothing() {
    // Formerly `new --model nomatch` and `new --benchmark ""` blamed the synonyms file.
    let tmp = temp("filter");
    let d = tmp.path();
    let cache = cached(
        d,
        "2506.10947v1",
        &latexml(&arm_table(
            "S1.T1",
            "Table 1",
            "Qwen2.5-7B.",
            &ARMS,
            "MATH-500",
        )),
    );
    let c = cache.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut a = vec!["new", "2506.10947v1", "--cache-dir", c, "--dry-run"];
        a.extend_from_slice(extra);
        let o = cli(&a);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(!e.contains("synonyms"), "{e}");
        e
    };
    let e = run(&["--model", "nomatch"]);
    assert!(
        e.contains("--model \"nomatch\" matches no draft") && e.contains("Qwen2.5-7B"),
        "{e}"
    );
    let e = run(&["--benchmark", "AIME"]);
    assert!(
        e.contains("--benchmark \"AIME\" matches no draft") && e.contains("MATH-500"),
        "{e}"
    );
    assert!(run(&["--benchmark", ""]).contains("--benchmark is empty"));
    assert!(run(&["--model", " - "]).contains("--model is empty"));
}
