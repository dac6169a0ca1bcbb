//! Property-based fuzzing (proptest) of the three hostile surfaces: descriptors, simulator flags
//! and HTML pages. The seed corpus is committed under `tests/fuzz/`; proptest mutates it. A panic
//! anywhere is a failure, and so is an answer that breaks the audit's own rules. The case counts
//! are small so the suite stays fast; `PROPTEST_CASES=5000 cargo test --test fuzz` runs longer.

mod common;

use std::path::Path;

use clap::Parser;
use common::temp;
use proptest::prelude::*;
use rlvr_audit::audit::Thresholds;
use rlvr_audit::audit::survival::SurvivalVerdict;

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

// ---- `report`'s clean-up and the cache readers -------------------------------------------------

/// One entry of a random reports tree.
#[derive(Clone, Debug)]
enum Entry {
    /// A user file with one of several contents (none is the tool's marker of its own path).
    User(u8),
    /// What an earlier run wrote (the marker of its own path), not written by this run.
    Stale,
    /// What an earlier run wrote that this run wrote again.
    Written,
    /// A link to a file outside that carries the marker of the link's path.
    LinkToMarkedFile,
    /// A link to a folder outside holding marked files.
    LinkToFolder,
    /// A named pipe.
    Fifo,
    /// An empty folder.
    EmptyDir,
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        (0u8..6).prop_map(Entry::User),
        Just(Entry::Stale),
        Just(Entry::Written),
        Just(Entry::LinkToMarkedFile),
        Just(Entry::LinkToFolder),
        Just(Entry::Fifo),
        Just(Entry::EmptyDir),
    ]
}

/// Where an entry goes: the top, `figures/<d>`, `papers`, `papers/figures` — or a folder that
/// is itself a link (`figures`, `papers`, `papers/figures`, `figures/<d>` made links to outside).
const PLACES: [&str; 6] = [
    "",
    "figures/a",
    "figures/b",
    "figures/c",
    "papers",
    "papers/figures",
];
const NAMES: [&str; 4] = ["x", "y", "2001.00001", "gone-audit"];

/// Every path under `d` (links not followed) with its kind and contents or target.
fn snapshot(d: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&p) else {
            continue;
        };
        for e in rd {
            let e = e.unwrap().path();
            let m = std::fs::symlink_metadata(&e).unwrap();
            let what = if m.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&e).unwrap().display())
            } else if m.is_dir() {
                stack.push(e.clone());
                "dir".into()
            } else if m.is_file() {
                format!(
                    "file {}",
                    String::from_utf8_lossy(&std::fs::read(&e).unwrap())
                )
            } else {
                "special".into()
            };
            out.push((e.strip_prefix(d).unwrap().display().to_string(), what));
        }
    }
    out.sort();
    out
}

/// A reports tree and an outside folder built from the entries; returns the paths (relative to
/// the reports folder) the clean-up may remove, and the written set.
fn build_tree(
    r: &Path,
    outside: &Path,
    entries: &[(usize, usize, bool, Entry)],
    linked_places: &[usize],
) -> (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
) {
    use rlvr_audit::report::clean::{audit_heading, marked};
    let mut removable = std::collections::BTreeSet::new();
    let mut written = std::collections::BTreeSet::new();
    std::fs::create_dir_all(outside.join("marked")).unwrap();
    // A folder outside full of files that carry the markers of every path they could be linked as.
    for place in PLACES {
        for name in NAMES {
            for ext in ["md", "svg"] {
                let rel = if place.is_empty() {
                    format!("{name}.{ext}")
                } else {
                    format!("{place}/{name}.{ext}")
                };
                let body = if place.is_empty() {
                    format!("{}\n", audit_heading(name))
                } else {
                    marked(&rel, "x")
                };
                std::fs::write(outside.join("marked").join(format!("{name}.{ext}")), body).unwrap();
            }
        }
    }
    std::fs::create_dir_all(r).unwrap();
    for &i in linked_places {
        let place = PLACES[i % PLACES.len()];
        if place.is_empty() {
            continue;
        }
        let link = r.join(place);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(outside.join("marked"), &link).unwrap();
        }
    }
    for (p, n, svg, e) in entries {
        let place = PLACES[p % PLACES.len()];
        let ext = if place.is_empty() || place == "papers" {
            "md"
        } else if *svg {
            "svg"
        } else {
            "md"
        };
        let name = format!("{}.{ext}", NAMES[n % NAMES.len()]);
        let rel = if place.is_empty() {
            name.clone()
        } else {
            format!("{place}/{name}")
        };
        let dir = r.join(place);
        // Entries below a folder that is a link are not made (that would write outside).
        let through_link = PLACES.iter().filter(|q| !q.is_empty()).any(|q| {
            (place == *q || place.starts_with(&format!("{q}/")))
                && std::fs::symlink_metadata(r.join(q)).is_ok_and(|m| m.file_type().is_symlink())
        });
        if through_link || std::fs::symlink_metadata(dir.join(&name)).is_ok() {
            continue;
        }
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(&name);
        let own_marker = if place.is_empty() {
            format!("{}\n", audit_heading(NAMES[n % NAMES.len()]))
        } else {
            marked(&rel, "generated")
        };
        let removable_kind = ext == "md" && (place.is_empty() || place == "papers")
            || ext == "svg" && (place.starts_with("figures/") || place == "papers/figures");
        match e {
            Entry::User(k) => {
                let body = match k {
                    0 => String::new(),
                    1 => "# my notes\n".into(),
                    2 => marked("papers/other.md", "a copy under another name"),
                    3 => format!("{}\n", audit_heading("someone-else")),
                    4 => format!(" {own_marker}"),
                    _ => "\u{0}\u{ff}binary".into(),
                };
                std::fs::write(&path, body).unwrap();
            }
            Entry::Stale | Entry::Written => {
                std::fs::write(&path, &own_marker).unwrap();
                if matches!(e, Entry::Written) {
                    written.insert(rel.clone());
                } else if removable_kind {
                    removable.insert(rel.clone());
                }
            }
            Entry::LinkToMarkedFile => {
                let target = outside.join("marked").join(&name);
                std::os::unix::fs::symlink(target, &path).unwrap();
            }
            Entry::LinkToFolder => {
                std::os::unix::fs::symlink(outside.join("marked"), &path).unwrap();
            }
            Entry::Fifo => {
                let ok = std::process::Command::new("mkfifo")
                    .arg(&path)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok);
            }
            Entry::EmptyDir => std::fs::create_dir_all(&path).unwrap(),
        }
    }
    (removable, written)
}

/// A valid cached paper (the committed fixture) in `cache`.
fn fixture_cache(cache: &Path) {
    let html = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/basic.html"),
    )
    .unwrap();
    let tables = rlvr_audit::fetch::extract::extract(&html, true).unwrap();
    rlvr_audit::fetch::cache::write(
        cache,
        "2606.05932v2",
        "fixture",
        "2026-01-01T00:00:00Z",
        &html,
        &tables,
    )
    .unwrap();
}

/// One mutation of a cache file.
#[derive(Clone, Debug)]
enum CacheEdit {
    /// Replace the `n`-th JSON node (in document order) with a value.
    Node(usize, serde_json::Value),
    Truncate(usize),
    Fifo,
    DevZero,
    Directory,
    Sparse,
    Garbage(Vec<u8>),
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(99)),
        Just(json!(18446744073709551615u64)),
        Just(json!(1e308)),
        Just(json!("")),
        Just(json!("table-1.json")),
        Just(json!("../../index.json")),
        Just(json!([])),
        Just(json!([[]])),
        Just(json!({})),
        Just(json!(true)),
        "[ -~]{0,8}".prop_map(|s| json!(s)),
        any::<i32>().prop_map(|n| json!(n)),
    ]
}

fn cache_edit() -> impl Strategy<Value = CacheEdit> {
    prop_oneof![
        6 => (any::<usize>(), json_value()).prop_map(|(n, v)| CacheEdit::Node(n, v)),
        1 => any::<usize>().prop_map(CacheEdit::Truncate),
        1 => Just(CacheEdit::Fifo),
        1 => Just(CacheEdit::DevZero),
        1 => Just(CacheEdit::Directory),
        1 => Just(CacheEdit::Sparse),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(CacheEdit::Garbage),
    ]
}

/// Replaces the `n`-th node of `v` (document order, modulo the count) with `new`.
fn replace_node(v: &mut serde_json::Value, n: usize, new: serde_json::Value) {
    fn count(v: &serde_json::Value) -> usize {
        1 + match v {
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            serde_json::Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut serde_json::Value, k: &mut usize, new: &serde_json::Value) -> bool {
        if *k == 0 {
            *v = new.clone();
            return true;
        }
        *k -= 1;
        match v {
            serde_json::Value::Array(a) => a.iter_mut().any(|x| walk(x, k, new)),
            serde_json::Value::Object(o) => o.values_mut().any(|x| walk(x, k, new)),
            _ => false,
        }
    }
    let mut k = n % count(v);
    walk(v, &mut k, &new);
}

fn apply_cache_edit(p: &Path, e: &CacheEdit) {
    // (An earlier edit may have left an 8 GiB sparse file: not read back.)
    let regular = std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() < 1 << 20);
    let text = if regular {
        std::fs::read_to_string(p).unwrap_or_default()
    } else {
        String::new()
    };
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(p).unwrap();
    } else {
        let _ = std::fs::remove_file(p);
    }
    match e {
        CacheEdit::Node(n, new) => {
            let mut v: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) => serde_json::Value::String(text.clone()),
            };
            replace_node(&mut v, *n, new.clone());
            std::fs::write(p, v.to_string()).unwrap();
        }
        CacheEdit::Truncate(n) => {
            let mut cut = n % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            std::fs::write(p, &text[..cut]).unwrap();
        }
        CacheEdit::Fifo => {
            let ok = std::process::Command::new("mkfifo")
                .arg(p)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok);
        }
        CacheEdit::DevZero => std::os::unix::fs::symlink("/dev/zero", p).unwrap(),
        CacheEdit::Directory => std::fs::create_dir_all(p).unwrap(),
        CacheEdit::Sparse => std::fs::File::create(p).unwrap().set_len(1 << 33).unwrap(),
        CacheEdit::Garbage(b) => std::fs::write(p, b).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..ProptestConfig::default()
    })]

    /// Random trees of user files, links, pipes, folders and earlier reports: `report`'s
    /// clean-up removes exactly the files the tool wrote (its marker naming their own path) that
    /// this run did not write, and the folders that emptied; nothing else under the reports
    /// folder, and nothing outside it, changes.
    #[test]
    fn report_cleanup_never_removes_what_the_tool_did_not_write(
        entries in proptest::collection::vec(
            (0usize..6, 0usize..4, any::<bool>(), entry()), 0..24),
        linked in proptest::collection::vec(0usize..6, 0..3),
    ) {
        let tmp = temp("clean");
        let (r, outside) = (tmp.path().join("reports"), tmp.path().join("outside"));
        let (removable, written) = build_tree(&r, &outside, &entries, &linked);
        let (before, outside_before) = (snapshot(&r), snapshot(&outside));
        let removed = rlvr_audit::report::clean::remove_stale(&r, &written).unwrap();
        let (after, outside_after) = (snapshot(&r), snapshot(&outside));
        prop_assert_eq!(outside_before, outside_after);
        let removed: std::collections::BTreeSet<String> = removed
            .iter()
            .map(|p| p.strip_prefix(&r).unwrap().display().to_string())
            .collect();
        prop_assert_eq!(&removed, &removable);
        for (path, what) in &before {
            let kept = after.iter().any(|(p, w)| p == path && w == what);
            let emptied_folder = what == "dir"
                && path.starts_with("figures/")
                && removable.iter().any(|x| x.starts_with(&format!("{path}/")))
                && !before.iter().any(|(p, _)| {
                    p.starts_with(&format!("{path}/")) && !removable.contains(p)
                });
            prop_assert!(
                kept || removable.contains(path) || emptied_folder,
                "{path} ({what}) was removed or changed"
            );
            prop_assert!(!(kept && removable.contains(path)), "{path} was kept");
        }
    }

    /// Mutated cache files (fields set to any value, truncated, garbage, a pipe, /dev/zero, a
    /// folder, an 8 GiB sparse file): every reader and `new`'s drafting end without a panic or a
    /// hang, and what they accept keeps the shape the rest of the tool relies on.
    #[test]
    fn mutated_cache_files_are_read_or_refused_cleanly(
        which in 0usize..3,
        edits in proptest::collection::vec(cache_edit(), 1..3),
    ) {
        use rlvr_audit::fetch::cache;
        let tmp = temp("cachefuzz");
        let c = tmp.path().join("cache");
        fixture_cache(&c);
        let paper = c.join("2606.05932v2");
        let file = paper.join(["index.json", "table-1.json", "page.html"][which]);
        for e in &edits {
            // A page is not JSON: its node edits are skipped.
            if which == 2 && matches!(e, CacheEdit::Node(..)) {
                continue;
            }
            apply_cache_edit(&file, e);
        }
        if let Ok(index) = cache::read_index(&c, "2606.05932v2") {
            for m in &index.tables {
                if let Ok(t) = cache::read_table(&c, "2606.05932v2", m) {
                    prop_assert!(t.header_rows <= t.rows() && t.header_cols <= t.cols());
                    prop_assert!(t.cells.iter().all(|r| r.len() == t.cols()));
                    for j in 0..t.cols() {
                        let _ = t.column_label(j);
                    }
                    for i in 0..t.rows() {
                        let _ = t.row_label(i);
                    }
                }
            }
        }
        let syn = rlvr_audit::draft::Synonyms::load(Path::new("data/arm-synonyms.yaml")).unwrap();
        let _ = rlvr_audit::draft::drafts(&c, "2606.05932v2", &syn, &rlvr_audit::draft::Filter::default());
        let _ = rlvr_audit::draft::title_and_authors(&c, "2606.05932v2");
        let _ = cache::read_page(&c, "2606.05932v2");
        let cell = rlvr_audit::fetch::resolve::CellRef {
            paper: "2606.05932v2".into(),
            table: "Table 2".into(),
            row: "Base".into(),
            column: "MATH-500 / pass@1".into(),
        };
        let _ = rlvr_audit::fetch::resolve::resolve(&c, &cell);
    }
}
