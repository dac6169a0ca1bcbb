//! Fetching and extracting tables: every LaTeXML variant the extractor handles, hostile pages,
//! and the network failure modes, served by a local server on 127.0.0.1 (no test touches the
//! internet).

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{Reply, Server, cli, stderr, temp};
use rlvr_audit::fetch::extract::{ExtractError, Table, extract};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/html")
            .join(name),
    )
    .unwrap()
}

fn by_tag<'a>(tables: &'a [Table], tag: &str) -> &'a Table {
    tables
        .iter()
        .find(|t| t.display_name() == tag)
        .unwrap_or_else(|| panic!("no {tag}"))
}

#[test]
fn basic_latexml_table_with_multilevel_headers_spans_math_and_marks() {
    let tables = extract(&fixture("basic.html"), true).unwrap();
    assert_eq!(tables.len(), 1);
    let t = &tables[0];
    assert_eq!(t.tag.as_deref(), Some("Table 2"));
    assert_eq!(t.float_id, "S4.T2");
    assert!(t.caption.starts_with("Accuracy (%)"), "{}", t.caption);
    assert_eq!((t.header_rows, t.header_cols), (2, 1));
    assert_eq!((t.rows(), t.cols()), (6, 4));
    assert_eq!(t.column_label(1), "MATH-500 / pass@1");
    assert_eq!(t.column_label(2), "MATH-500 / maj@8");
    assert_eq!(t.column_label(3), "AIME24 / avg@8");
    assert_eq!(
        t.row_label(3),
        "Random",
        "the footnote mark is not part of the label"
    );
    // Math: alttext used, MathML annotations skipped, ± parsed.
    let c = &t.cells[3][3];
    assert_eq!((c.value, c.spread), (Some(22.3), Some(1.4)), "{c:?}");
    assert!(!c.text.contains("plus-or-minus"));
    // Bold and underline are flags, not text; U+2212 is a minus.
    assert!(t.cells[4][1].bold && t.cells[4][1].value == Some(78.2));
    assert!(t.cells[4][2].underline);
    assert_eq!(t.cells[4][3].value, Some(-0.5));
    // "75.9 (±0.6)" with a thin space, "64.3<sub>±0.4</sub>", and "—" for missing.
    assert_eq!(
        (t.cells[5][1].value, t.cells[5][1].spread),
        (Some(75.9), Some(0.6))
    );
    assert_eq!(
        (t.cells[5][3].value, t.cells[5][3].spread),
        (Some(64.3), Some(0.4))
    );
    assert_eq!(t.cells[5][2].value, None);
    // The raw text is kept beside the parsed value.
    assert!(t.cells[3][3].raw.contains('±'));
}

#[test]
fn caption_after_inline_tabulars_panels_and_nested_cells() {
    let tables = extract(&fixture("variants.html"), true).unwrap();
    let t1 = by_tag(&tables, "Table 1");
    assert_eq!(t1.caption, "Caption after the table.");
    assert_eq!((t1.header_rows, t1.header_cols), (1, 1));
    assert_eq!(t1.row_label(2), "+ INTUITOR");
    assert_eq!(t1.cells[2][2].value, Some(0.612));
    let t3 = by_tag(&tables, "Table 3");
    assert_eq!((t3.rows(), t3.cols()), (3, 2));
    assert_eq!(t3.column_label(1), "Acc.");
    assert_eq!(t3.cells[1][1].value, Some(43.3));
    let a = by_tag(&tables, "Table 4 (a)");
    let b = by_tag(&tables, "Table 4 (b)");
    assert_eq!(
        (a.float_id.as_str(), b.float_id.as_str()),
        ("S5.T4.st1", "S5.T4.st2")
    );
    assert_eq!(b.cells[1][1].value, Some(30.0));
    assert!(
        a.caption.contains("Two panels") && a.caption.contains("Qwen"),
        "{}",
        a.caption
    );
    let t5 = by_tag(&tables, "Table 5");
    assert_eq!(
        t5.rows(),
        3,
        "the nested tabular's rows belong to its cell, not to Table 5"
    );
    assert!(t5.cells[1][0].text.contains("two") && t5.cells[1][0].text.contains("lines"));
    assert!(t5.cells[2][0].spanned, "the rowspan copies the cell down");
    assert_eq!(t5.row_label(2), t5.row_label(1));
    assert_eq!(tables.len(), 5);
}

#[test]
fn hostile_pages_are_refused_or_survived() {
    assert_eq!(
        extract(&fixture("not_a_paper.html"), true),
        Err(ExtractError::NotAPaper)
    );
    let page = fixture("basic.html");
    assert_eq!(
        extract(&page[..page.len() / 2], true),
        Err(ExtractError::Truncated)
    );
    // Deeply nested divs (a hostile page's trick): refused before parsing, quickly.
    let deep = format!(
        "<html><body><article class=\"ltx_document\">{}x{}</article></body></html>",
        "<div>".repeat(200_000),
        "</div>".repeat(200_000)
    );
    let t = std::time::Instant::now();
    assert_eq!(extract(&deep, true), Err(ExtractError::TooDeep));
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(rlvr_audit::fetch::extract::nesting_depth(&fixture("basic.html")) < 30);
    // A table of 10,000 rows is extracted whole.
    let rows: String = (0..10_000).map(|i| format!("<tr class=\"ltx_tr\"><td class=\"ltx_td\">r{i}</td><td class=\"ltx_td\">{i}.5</td></tr>")).collect();
    let big = format!(
        "<html><body><article class=\"ltx_document\"><figure id=\"S1.T1\" class=\"ltx_table\"><table class=\"ltx_tabular\">{rows}</table></figure></article></body></html>"
    );
    let t = extract(&big, true).unwrap();
    assert_eq!(t[0].rows(), 10_000);
    assert_eq!(t[0].cells[9_999][1].value, Some(9_999.5));
    // A span asking for a billion columns is clamped.
    let wide = "<html><body><article class=\"ltx_document\"><table class=\"ltx_tabular\"><tr><td colspan=\"1000000000\">x</td></tr></table></article></body></html>";
    assert_eq!(
        extract(wide, true).unwrap()[0].cols(),
        rlvr_audit::fetch::extract::MAX_SPAN
    );
}

fn fetch(server: &Server, id: &str, cache: &Path, extra: &[&str]) -> Output {
    let base = server.base();
    let mut args = vec![
        "fetch",
        id,
        "--base-url",
        &base,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--backoff-ms",
        "20",
    ];
    args.extend_from_slice(extra);
    cli(&args)
}

#[test]
fn a_paper_is_fetched_cached_listed_and_shown() {
    let server = Server::start(vec![(
        "/html/2606.05932v2",
        vec![Reply::html(fixture("basic.html"))],
    )]);
    let tmp = temp("ok");
    let cache = tmp.path().join("cache");
    let o = fetch(&server, "https://arxiv.org/abs/2606.05932v2", &cache, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = cache.join("2606.05932v2");
    for f in ["index.json", "page.html", "table-1.csv", "table-1.json"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["tables"][0]["tag"], "Table 2");
    assert_eq!(index["tables"][0]["rows"], 6);
    assert!(
        index["source_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1")
    );
    let csv = std::fs::read_to_string(dir.join("table-1.csv")).unwrap();
    assert!(csv.contains("Ground truth,78.2,80.6,-0.5"), "{csv}");
    let list = cli(&[
        "tables",
        "2606.05932v2",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("Table 2"));
    let show = cli(&[
        "tables",
        "2606.05932v2",
        "--show",
        "Table 2",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&show.stdout).contains("78.2 (bold)"),
        "{}",
        String::from_utf8_lossy(&show.stdout)
    );
    // Offline: re-extracts from the cached page without the server.
    drop(server);
    let o = cli(&[
        "fetch",
        "2606.05932v2",
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn not_found_says_the_paper_may_be_pdf_only() {
    let server = Server::start(vec![]);
    let tmp = temp("404");
    let cache = tmp.path().join("cache");
    let o = fetch(&server, "2501.00001", &cache, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no HTML rendering for this id") && stderr(&o).contains("PDF-only"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.hits("/html/2501.00001"), 1, "a 404 is not retried");
}

#[test]
fn rate_limits_are_retried_and_server_errors_give_up() {
    let server = Server::start(vec![
        (
            "/html/2501.00002",
            vec![Reply::status(429), Reply::html(fixture("basic.html"))],
        ),
        ("/html/2501.00003", vec![Reply::status(500)]),
    ]);
    let tmp = temp("retry");
    let cache = tmp.path().join("cache");
    let o = fetch(&server, "2501.00002", &cache, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(server.hits("/html/2501.00002"), 2);
    let o = fetch(&server, "2501.00003", &cache, &["--retries", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gave up after 3 attempts") && stderr(&o).contains("HTTP 500"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.hits("/html/2501.00003"), 3);
}

#[test]
fn timeouts_wrong_types_and_oversize_bodies_fail_clearly() {
    let slow = Reply {
        delay: Duration::from_secs(3),
        ..Reply::html(fixture("basic.html"))
    };
    let pdf = Reply {
        content_type: "application/pdf",
        ..Reply::html("%PDF-1.5")
    };
    let huge = Reply::html(vec![b'x'; 2 * 1024 * 1024]);
    let streamed = Reply {
        length_header: false,
        ..Reply::html(vec![b'y'; 2 * 1024 * 1024])
    };
    let server = Server::start(vec![
        ("/html/2501.00004", vec![slow]),
        ("/html/2501.00005", vec![pdf]),
        ("/html/2501.00006", vec![huge]),
        ("/html/2501.00007", vec![streamed]),
    ]);
    let tmp = temp("fail");
    let cache = tmp.path().join("cache");
    let o = fetch(
        &server,
        "2501.00004",
        &cache,
        &["--timeout-secs", "1", "--retries", "1"],
    );
    assert!(
        stderr(&o).contains("timed out") && stderr(&o).contains("2 attempts"),
        "{}",
        stderr(&o)
    );
    let o = fetch(&server, "2501.00005", &cache, &[]);
    assert!(
        stderr(&o).contains("expected an HTML page") && stderr(&o).contains("application/pdf"),
        "{}",
        stderr(&o)
    );
    for id in ["2501.00006", "2501.00007"] {
        let o = fetch(&server, id, &cache, &["--max-mib", "1"]);
        assert!(
            stderr(&o).contains("exceeds the 1048576 byte limit"),
            "{id}: {}",
            stderr(&o)
        );
    }
    let not_paper = Server::start(vec![(
        "/html/2501.00008",
        vec![Reply::html(fixture("not_a_paper.html"))],
    )]);
    let o = fetch(&not_paper, "2501.00008", &cache, &[]);
    assert!(
        stderr(&o).contains("not an arXiv HTML paper"),
        "{}",
        stderr(&o)
    );
    assert!(!cache.join("2501.00008").exists());
    let o = cli(&["fetch", "not-an-id"]);
    assert!(stderr(&o).contains("is not an arXiv id"), "{}", stderr(&o));
}

#[test]
fn a_failed_fetch_never_corrupts_the_cache_and_a_corrupt_cache_is_named() {
    let server = Server::start(vec![(
        "/html/2501.00009",
        vec![Reply::html(fixture("basic.html")), Reply::status(503)],
    )]);
    let tmp = temp("keep");
    let cache = tmp.path().join("cache");
    assert!(fetch(&server, "2501.00009", &cache, &[]).status.success());
    let before = std::fs::read(cache.join("2501.00009/index.json")).unwrap();
    let o = fetch(&server, "2501.00009", &cache, &["--retries", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read(cache.join("2501.00009/index.json")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    std::fs::write(cache.join("2501.00009/index.json"), "{ not json").unwrap();
    let o = cli(&[
        "tables",
        "2501.00009",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("index.json") && stderr(&o).contains("corrupt"),
        "{}",
        stderr(&o)
    );
}

fn cite(arm: &str, row: &str, column: &str, printed: Option<&str>) -> String {
    let p = printed.map_or(String::new(), |p| format!("    printed: \"{p}\"\n"));
    format!(
        "  {arm}:\n    role: {arm}\n{p}    unit: percent\n    source: {{version: v2, location: Table 2, row: {row}, column: x, read_from: table}}\n    cell: {{paper: 2606.05932v2, table: \"Table 2\", row: \"{row}\", column: \"{column}\"}}\n"
    )
}

fn cited_descriptor(arms: &str) -> String {
    format!(
        "schema: 2\nid: cited\ndescriptor_version: 1\npaper: {{title: T, authors: A, version: v2}}\nclaim: c\ntargets: [true]\nmodel: M\nbenchmark: {{name: MATH-500, n: 500, metric: pass@1}}\narms:\n{arms}"
    )
}

#[test]
fn descriptor_arms_read_and_check_cited_cells() {
    use rlvr_audit::audit::load_set;
    let tmp = temp("cells");
    let cache = tmp.path().join("cache");
    let tables = extract(&fixture("basic.html"), true).unwrap();
    rlvr_audit::fetch::cache::write(
        &cache,
        "2606.05932v2",
        "fixture",
        "2026-01-01T00:00:00Z",
        &fixture("basic.html"),
        &tables,
    )
    .unwrap();
    let dir = cache.join("descriptors");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cited.yaml");
    let load = |arms: String| {
        std::fs::write(&path, cited_descriptor(&arms)).unwrap();
        load_set(std::slice::from_ref(&path), &cache)
    };
    // Numbers read from the cells; a one-level column name is enough when unique.
    let (ok, errors) = load(
        cite("base", "Base", "MATH-500 / pass@1", None)
            + &cite("true", "Ground truth", "MATH-500 / pass@1", Some("78.2")),
    );
    assert!(errors.is_empty(), "{errors:?}");
    let r = rlvr_audit::audit::audit(&ok[0], &ok, &Default::default());
    assert!((r.targets[0].judgements[0].arms["base"].0.mean - 0.494).abs() < 1e-9);
    let cited = serde_json::to_string(&r.arms).unwrap();
    assert!(
        cited.contains(
            "arXiv 2606.05932v2 Table 2, row \\\"Base\\\", column \\\"MATH-500 / pass@1\\\""
        ),
        "{cited}"
    );
    let (ok, _) =
        load(cite("base", "Base", "pass@1", None) + &cite("true", "Ground truth", "pass@1", None));
    assert_eq!(ok.len(), 1);
    // A typed number that disagrees with the cell beyond its printed precision.
    let (_, errors) = load(
        cite("base", "Base", "MATH-500 / pass@1", Some("49.6"))
            + &cite("true", "Ground truth", "pass@1", None),
    );
    let e = errors[0].to_string();
    assert!(
        e.contains("arms.base.cell") && e.contains("disagrees") && e.contains("49.4"),
        "{e}"
    );
    // An ambiguous column and a missing row list their candidates.
    let (_, errors) = load(
        cite("base", "Base", "MATH-500", None) + &cite("true", "Ground truth", "pass@1", None),
    );
    let e = errors[0].to_string();
    assert!(
        e.contains("ambiguous") && e.contains("MATH-500 / maj@8"),
        "{e}"
    );
    let (_, errors) =
        load(cite("base", "Bse", "pass@1", None) + &cite("true", "Ground truth", "pass@1", None));
    let e = errors[0].to_string();
    assert!(
        e.contains("no row \"Bse\"") && e.contains("\"Base\""),
        "{e}"
    );
    // A cell goes through the same range checks as a typed number (formerly a cell read as a
    // gain carried the base past 100 % and decided survival).
    let (_, errors) = load(
        cite("base", "Base", "MATH-500 / pass@1", None)
            + &cite("true", "Ground truth", "MATH-500 / pass@1", None)
                .replace("unit: percent", "unit: gain_points"),
    );
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("arms.true.cell")
                && e.to_string().contains("not an accuracy")),
        "{errors:?}"
    );
    // A paper that was never fetched.
    let (_, errors) = load(
        cite("base", "Base", "pass@1", None).replace("2606.05932v2", "2606.00000")
            + &cite("true", "Ground truth", "pass@1", None),
    );
    assert!(
        errors[0].to_string().contains("rlvr-audit fetch"),
        "{}",
        errors[0]
    );
}

/// The README's worked example of citing cells, run as written (offline, on committed fixtures).
#[test]
fn the_readme_cell_example_runs_offline() {
    let tmp = temp("readme-cells");
    let cache = tmp.path().join("cache");
    let paper = cache.join("2606.05932v2");
    std::fs::create_dir_all(&paper).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/basic.html"),
        paper.join("page.html"),
    )
    .unwrap();
    let c = cache.to_str().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let example = format!("{root}/tests/fixtures/cited/seed-fixture-math500.yaml");
    let o = cli(&["fetch", "2606.05932v2", "--offline", "--cache-dir", c]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli(&["validate", &example, "--paper-cache", c]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli(&[
        "check",
        &example,
        "--paper-cache",
        c,
        "--audits-dir",
        &format!("{root}/tests/fixtures/cited"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Without the cache the same descriptor is an error naming the missing paper.
    let o = cli(&["validate", &example, "--paper-cache", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
}
