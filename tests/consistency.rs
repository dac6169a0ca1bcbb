//! Are the printed numbers possible? (issue 24: the GRIM idea applied to accuracies.) Cases
//! computed by hand at every precision and unit for the shipped benchmark sizes, the exact
//! half-unit boundary, gains by each route a paper takes, a property test that every share
//! printed at its precision is judged consistent, the descriptor-wide explanations, `validate`'s
//! located warnings, and the checks of a cached table's averages and differences.

mod common;

use std::path::{Path, PathBuf};

use common::{TempDir, cli, stderr, stdout, temp};
use proptest::prelude::*;
use rlvr_audit::audit::consistency::{self, Exact, Explanation, Finding, Verdict, fits, nearest};
use rlvr_audit::audit::descriptor::{self, Unit};

fn ex(raw: &str, unit: Unit) -> Exact {
    Exact::read(raw, unit).unwrap_or_else(|| panic!("{raw} reads"))
}

/// Whether `raw` (an accuracy in `unit`) is reachable as a share of `cells`.
fn acc(raw: &str, unit: Unit, cells: u64) -> bool {
    fits(&ex(raw, unit), None, cells)
}

/// Whether the gain `raw` (points) over the printed base `base` (percent) is reachable.
fn gain(raw: &str, base: &str, cells: u64) -> bool {
    fits(
        &ex(raw, Unit::GainPoints),
        Some(&ex(base, Unit::Percent)),
        cells,
    )
}

fn check_all(unit: Unit, n: u64, yes: &[&str], no: &[&str]) {
    for v in yes {
        assert!(
            acc(v, unit, n),
            "{v} ({unit}) should be reachable on {n} items"
        );
    }
    for v in no {
        assert!(
            !acc(v, unit, n),
            "{v} ({unit}) should not be reachable on {n} items"
        );
    }
}

#[test]
fn single_sample_scores_on_30_items() {
    // k/30 in percent: 3.33, 13.33, 16.67, 43.33, 46.67, 50.
    check_all(
        Unit::Percent,
        30,
        &[
            "0.0", "3.3", "13.3", "16.7", "46.7", "50.0", "100.0", "3", "47",
        ],
        &["15.6", "21.1", "18.9", "46.6", "1.0", "4", "48"],
    );
    check_all(
        Unit::Percent,
        30,
        &["3.33", "16.67", "46.67", "33.333", "66.667"],
        &["3.34", "16.66", "33.34", "66.666"],
    );
    // In fractions: 1/30 = 0.0333, 5/30 = 0.1667; RENT's Mistral row prints 0.002 and 0.015.
    check_all(
        Unit::Fraction,
        30,
        &["0.0", "0.1", "0.03", "0.07", "0.033", "0.167", "0.2"],
        &["0.04", "0.06", "0.002", "0.015", "0.034"],
    );
}

#[test]
fn single_sample_scores_on_40_items_and_the_half_unit_boundary() {
    // 1/40 = 2.5 %: printed with no decimals it is exactly half a unit from 2 and from 3, and
    // reaches both (rounded half down or up); 4 is 1.5 from 2.5 and 1 from 5.
    check_all(Unit::Percent, 40, &["2", "3", "5", "8"], &["4", "1", "6"]);
    check_all(
        Unit::Percent,
        40,
        &["2.5", "12.5", "55.0"],
        &["2.4", "54.7", "12.6"],
    );
    check_all(Unit::Percent, 40, &["2.50", "97.50"], &["2.49", "2.51"]);
    // 0.025 at two decimals: 0.02 and 0.03 only through the boundary.
    check_all(
        Unit::Fraction,
        40,
        &["0.02", "0.03", "0.05", "0.0", "0.1"],
        &["0.04", "0.01"],
    );
    check_all(Unit::Fraction, 40, &["0.025", "0.975"], &["0.026", "0.024"]);
}

#[test]
fn single_sample_scores_on_83_items() {
    // 1/83 = 1.2048 %, 2/83 = 2.4096 %, 41/83 = 49.398 %, 42/83 = 50.602 %.
    check_all(
        Unit::Percent,
        83,
        &["1.2", "2.4", "49.4", "50.6"],
        &["1.3", "49.5", "50.0"],
    );
    check_all(Unit::Percent, 83, &["1.20", "49.40"], &["1.21", "49.41"]);
    check_all(Unit::Fraction, 83, &["0.012", "0.494"], &["0.013", "0.495"]);
    check_all(Unit::Fraction, 83, &["0.01", "0.49"], &["0.03", "0.50"]);
}

#[test]
fn the_boundary_on_272_items() {
    // 17/272 = 0.0625 exactly; 16/272 = 0.0588 and 18/272 = 0.0662: 0.062 and 0.063 are reached
    // only by the half-unit boundary (as 119/272 = 43.75 % prints 43.8 in a shipped descriptor).
    check_all(
        Unit::Fraction,
        272,
        &["0.062", "0.063"],
        &["0.061", "0.064"],
    );
    check_all(
        Unit::Percent,
        272,
        &["6.2", "6.3", "43.8", "43.7"],
        &["6.1", "6.4"],
    );
}

#[test]
fn single_sample_scores_on_500_items() {
    // Multiples of 0.2 %.
    check_all(
        Unit::Percent,
        500,
        &["49.4", "0.2", "100.0", "49"],
        &["49.5", "27.1", "0.1"],
    );
    check_all(Unit::Percent, 500, &["49.40", "49.60"], &["49.50", "49.41"]);
    check_all(
        Unit::Fraction,
        500,
        &["0.494", "0.5", "0.49"],
        &["0.495", "0.001"],
    );
}

#[test]
fn single_sample_scores_on_675_items() {
    // 266/675 = 39.407 %, 267/675 = 39.556 %: 39.5 (an OlympiadBench row) falls between.
    check_all(
        Unit::Percent,
        675,
        &["39.4", "39.6", "39.41", "39.56"],
        &["39.5", "39.50", "39.48"],
    );
    check_all(Unit::Fraction, 675, &["0.394", "0.396", "0.1"], &["0.395"]);
}

#[test]
fn single_sample_scores_on_1319_items() {
    // 1319 items give a grid finer than 0.1 %: every one-decimal percent (three-decimal
    // fraction) is reachable; two decimals can fail: 1/1319 = 0.0758 %, 2/1319 = 0.1516 %.
    for v in ["0.1", "33.3", "99.9", "82.6"] {
        assert!(acc(v, Unit::Percent, 1319), "{v}");
        assert!(!ex(v, Unit::Percent).can_fail(1319), "{v}");
    }
    check_all(Unit::Fraction, 1319, &["0.001", "0.826"], &[]);
    check_all(
        Unit::Percent,
        1319,
        &["0.08", "0.15", "0.00"],
        &["0.10", "0.12", "0.05"],
    );
}

#[test]
fn avg_at_k_is_a_share_of_items_times_samples() {
    // Entropy minimisation's AIME row: 15.6, 21.1, 18.9 are 14/90, 19/90, 17/90.
    for v in ["15.6", "21.1", "18.9"] {
        assert!(!acc(v, Unit::Percent, 30), "{v}");
        assert!(acc(v, Unit::Percent, 30 * 3), "{v}");
    }
    // 0.002 on 30 items needs a share of 1/(30·k) within [0.0015, 0.0025]: k from 14 to 22.
    assert!(!acc("0.002", Unit::Fraction, 30 * 13));
    assert!(acc("0.002", Unit::Fraction, 30 * 14));
}

#[test]
fn a_gain_is_a_difference_of_two_reachable_accuracies() {
    // Base 49.4 % = 247/500; +21.4 = 107/500; +27.1 needs 76.5 % (382.5/500).
    assert!(gain("+21.4", "49.4", 500));
    assert!(!gain("+27.1", "49.4", 500));
    assert!(!gain("-6.3", "49.4", 500));
    assert!(gain("+27.1", "49.4", 1000));
    assert_eq!(
        nearest(
            &ex("+27.1", Unit::GainPoints),
            Some(&ex("49.4", Unit::Percent)),
            500
        ),
        ["+27.0", "+27.2"]
    );
    // A gain the base cannot carry past 100 %.
    assert!(!gain("+50.8", "49.4", 500));
}

#[test]
fn a_gain_of_rounded_accuracies_is_consistent() {
    // 13/30 − 5/30 = 26.67 % prints 26.7; the printed 43.3 − 16.7 = 26.6 is just as possible.
    assert!(gain("+26.7", "16.7", 30));
    assert!(gain("+26.6", "16.7", 30));
    assert!(!gain("+26.5", "16.7", 30));
    assert!(!gain("+26.8", "16.7", 30));
}

#[test]
fn a_gain_from_a_base_printed_finer_is_consistent() {
    // 1/83 prints 1.20, 10/83 = 12.048 % prints 12.05; 12.05 − 1.20 = 10.85 rounds to 10.9,
    // while the unrounded difference (10.84) and the one-decimal accuracies (12.0 − 1.2) give 10.8.
    assert!(fits(
        &ex("+10.9", Unit::GainPoints),
        Some(&ex("1.20", Unit::Percent)),
        83
    ));
    assert!(fits(
        &ex("+10.8", Unit::GainPoints),
        Some(&ex("1.20", Unit::Percent)),
        83
    ));
    assert!(!fits(
        &ex("+11.0", Unit::GainPoints),
        Some(&ex("1.20", Unit::Percent)),
        83
    ));
}

/// A printed number's text at `dec` decimals from its integer digits.
fn text(v: i128, dec: u32, sign: bool) -> String {
    let s = if dec == 0 {
        v.abs().to_string()
    } else {
        let d = format!("{:0>w$}", v.abs(), w = dec as usize + 1);
        format!(
            "{}.{}",
            &d[..d.len() - dec as usize],
            &d[d.len() - dec as usize..]
        )
    };
    match (v < 0, sign) {
        (true, _) => format!("-{s}"),
        (false, true) => format!("+{s}"),
        (false, false) => s,
    }
}

/// k/cells printed at `dec` decimals in the unit's scale: half up, half down (exactly, in
/// integers), and as a float formatted by Rust (correctly rounded binary value).
fn printings(k: u64, cells: u64, dec: u32, percent: bool) -> Vec<String> {
    let scale = if percent { 100 } else { 1 };
    let den = 10i128.pow(dec) * scale;
    let (k, c) = (k as i128, cells as i128);
    let up = (2 * k * den + c).div_euclid(2 * c);
    let down = -((-(2 * k * den - c)).div_euclid(2 * c));
    vec![
        text(up, dec, false),
        text(down, dec, false),
        format!(
            "{:.d$}",
            k as f64 / c as f64 * scale as f64,
            d = dec as usize
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Every share k/cells (a single-sample score on n items, or avg@s on n items when cells = n·s),
    /// printed at 0–3 decimals as a percent or a fraction, however its tie was rounded, is judged
    /// consistent.
    #[test]
    fn every_share_printed_at_its_precision_is_consistent(
        n in 1u64..=2000,
        samples in 1u64..=16,
        share in 0.0f64..=1.0,
        dec in 0u32..=3,
        percent in any::<bool>(),
    ) {
        let cells = n * samples;
        let k = ((share * cells as f64).round() as u64).min(cells);
        let unit = if percent { Unit::Percent } else { Unit::Fraction };
        for p in printings(k, cells, dec, percent) {
            prop_assert!(acc(&p, unit, cells), "{}/{} printed {} ({})", k, cells, p, unit);
        }
    }

    /// Every difference of two shares on n items, printed as a gain beside its printed base —
    /// rounded from the unrounded difference, or the difference of the two printed accuracies —
    /// is judged consistent.
    #[test]
    fn every_difference_of_two_shares_is_a_consistent_gain(
        n in 1u64..=700,
        a in 0.0f64..=1.0,
        b in 0.0f64..=1.0,
        dec in 0u32..=2,
    ) {
        let ka = ((a * n as f64).round() as u64).min(n);
        let kb = ((b * n as f64).round() as u64).min(n);
        let base = format!("{:.d$}", kb as f64 / n as f64 * 100.0, d = dec as usize);
        let diff = format!("{:+.d$}", (ka as f64 - kb as f64) / n as f64 * 100.0, d = dec as usize);
        let printed_a = format!("{:.d$}", ka as f64 / n as f64 * 100.0, d = dec as usize);
        let (ai, _) = rlvr_audit::printed::parse_exact(&printed_a).unwrap();
        let (bi, _) = rlvr_audit::printed::parse_exact(&base).unwrap();
        let of_printed = text(ai - bi, dec, true);
        for g in [diff, of_printed] {
            prop_assert!(gain(&g, &base, n), "{}/{} − {}/{}: gain {} over {}", ka, n, kb, n, g, base);
        }
    }
}

fn write(
    dir: &Path,
    id: &str,
    n: &str,
    metric: &str,
    arms: &[(&str, &str, &str, &str)],
) -> PathBuf {
    let mut body = format!(
        "schema: 2\nid: {id}\ndescriptor_version: 1\npaper:\n  title: T\n  authors: A\n  version: v1\nclaim: c\n\
         targets: [t]\nmodel: M\nbenchmark:\n  name: AIME24\n{n}  metric: {metric}\narms:\n"
    );
    for (name, role, printed, unit) in arms {
        body.push_str(&format!(
            "  {name}:\n    role: {role}\n    printed: \"{printed}\"\n    unit: {unit}\n    source: {{version: v1, location: T1, \
             row: r, column: c, read_from: table}}\n"
        ));
    }
    let p = dir.join(format!("{id}.yaml"));
    std::fs::write(&p, body).unwrap();
    p
}

fn load(p: &Path) -> descriptor::Descriptor {
    descriptor::load(p).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn an_average_over_samples_explains_a_whole_row() {
    let d = temp("grim-avg");
    let p = write(
        d.path(),
        "em",
        "  n: 30\n",
        "pass@1",
        &[
            ("base", "base", "15.6", "percent"),
            ("t", "designed", "18.9", "percent"),
            ("g", "true", "21.1", "percent"),
            ("s", "baseline", "10.0", "percent"),
        ],
    );
    let c = consistency::check(&load(&p));
    assert_eq!((c.consistent, c.inconsistent), (1, 3));
    assert_eq!(c.finding, Finding::AverageOverSamples);
    assert_eq!(c.samples_fit, Some(3));
    assert!(c.samples_fit_can_fail);
    assert!(c.sizes_fit.is_empty());
    assert_eq!(c.size_range, Some([29, 31]));
    let base = &c.values[0];
    assert_eq!(
        (base.verdict, base.nearest.clone(), base.explanation),
        (
            Verdict::Inconsistent,
            vec!["13.3".to_string(), "16.7".to_string()],
            Some(Explanation::Samples)
        )
    );
    assert!(
        c.noise_note()
            .unwrap()
            .contains("an average over 3 samples per item")
    );
}

#[test]
fn a_value_nothing_explains_is_a_possible_typo() {
    // 13.33 and 16.67 are 4/30 and 5/30; 33.34 is reached by no n in 29–31 with up to 64
    // samples per item (1/3 prints 33.33).
    let d = temp("grim-typo");
    let p = write(
        d.path(),
        "typo",
        "  n: 30\n",
        "pass@1",
        &[
            ("base", "base", "13.33", "percent"),
            ("t", "designed", "16.67", "percent"),
            ("g", "true", "33.34", "percent"),
        ],
    );
    let c = consistency::check(&load(&p));
    assert_eq!(c.finding, Finding::Unexplained);
    let typos: Vec<&str> = c.unexplained().map(|v| v.printed.as_str()).collect();
    assert_eq!(typos, ["33.34"]);
    assert!(c.noise_note().unwrap().contains("neither an average"));
}

#[test]
fn another_benchmark_size_explains_what_no_average_does() {
    // 4/81, 13/81, 29/81 and 58/81 at four decimals: none is a share of 83, no average over up to
    // 64 samples on 83 items reaches all four (83·k is never a multiple of 81), and 81 items do.
    let d = temp("grim-size");
    let p = write(
        d.path(),
        "size",
        "  n: 83\n",
        "pass@1",
        &[
            ("base", "base", "0.0494", "fraction"),
            ("t", "designed", "0.1605", "fraction"),
            ("g", "true", "0.3580", "fraction"),
            ("s", "baseline", "0.7160", "fraction"),
        ],
    );
    let c = consistency::check(&load(&p));
    assert_eq!((c.inconsistent, c.finding), (4, Finding::OtherSize));
    assert_eq!((c.samples_fit, c.sizes_fit.clone()), (None, vec![81]));
    assert!(
        c.values
            .iter()
            .all(|v| v.explanation == Some(Explanation::Size))
    );
    assert!(c.noise_note().unwrap().contains("n = 81 items does"));
}

#[test]
fn without_a_size_nothing_is_checked_but_the_known_sizes_are_tried() {
    let d = temp("grim-no-n");
    let p = write(
        d.path(),
        "non",
        "",
        "pass@1",
        &[
            ("base", "base", "15.6", "percent"),
            ("t", "designed", "16.7", "percent"),
        ],
    );
    let c = consistency::check(&load(&p));
    assert_eq!((c.finding, c.not_checked), (Finding::NotChecked, 2));
    assert_eq!(c.known_sizes, [30]);
    assert!(c.sizes_fit.is_empty(), "15.6 is no share of 30");
}

#[test]
fn validate_warns_at_the_arm_and_never_fails() {
    let d = temp("grim-validate");
    let p = write(
        d.path(),
        "warn",
        "  n: 30\n",
        "pass@1",
        &[
            ("base", "base", "15.6", "percent"),
            ("t", "designed", "16.7", "percent"),
        ],
    );
    let o = cli(&["validate", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    // The base arm's `printed` key stands on line 18 (after 15 lines of header, `base:` and its
    // `role`), column 5.
    assert!(
        err.contains("warn.yaml:18:5: field `arms.base.printed`: 15.6 (percent) is not reachable as pass@1 on n = 30"),
        "{err}"
    );
    assert!(err.contains("13.3 and 16.7"), "{err}");
    assert!(!err.contains("arms.t."), "16.7 = 5/30 is consistent: {err}");
    assert!(
        stdout(&o).contains("1 descriptor(s) valid, 1 warning(s)"),
        "{}",
        stdout(&o)
    );
}

/// Caches `fixture` as paper `id` under `dir/cache` with `fetch --offline`.
fn fetch_fixture(dir: &TempDir, fixture: &str, id: &str) -> std::process::Output {
    let paper = dir.path().join("cache").join(id);
    std::fs::create_dir_all(&paper).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/html")
            .join(fixture),
        paper.join("page.html"),
    )
    .unwrap();
    let cache = dir.path().join("cache");
    cli(&[
        "fetch",
        id,
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ])
}

#[test]
fn consistent_table_summaries_raise_no_warning() {
    // new_groups.html: an Avg column, a Δ row and scores printed beside their gains, all right
    // (16.7, 38.6, 50.6 average 35.3; 43.3 − 16.7 = 26.6; 73.5 − 49.4 = 24.1); new_rows.html:
    // averages exactly half a unit from their cells' mean (31.35 printed 31.4).
    let d = temp("grim-tables-ok");
    for (fixture, id, checked) in [
        ("new_groups.html", "2607.03001v1", 17),
        ("new_rows.html", "2607.03002v1", 8),
    ] {
        let o = fetch_fixture(&d, fixture, id);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!(
                "{checked} printed average(s) and difference(s) checked against their cells: 0 not within rounding"
            )),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn inconsistent_table_summaries_are_warnings_in_fetch_and_new() {
    // summaries.html: Avg. 36.0 beside 16.7, 38.6, 50.6 (mean 35.30); Δ +25.6 beside
    // 43.3 − 16.7 = 26.6; 73.5 printed with (+22.1), which no other score of its column (49.4,
    // 70.0) or row (55.1) gives; the rest right.
    let d = temp("grim-tables-bad");
    let id = "2607.03003v1";
    let o = fetch_fixture(&d, "summaries.html", id);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        err.contains("table-1.json: Table 1, row \"Qwen2.5-Math-7B\", column \"Avg.\": the average 36.0 is not the mean of AIME 2024, AMC, MATH-500 (35.300)"),
        "{err}"
    );
    assert!(err.contains("row \"Δ\", column \"AIME 2024\": the difference +25.6 is not w/ TTRL − Qwen2.5-Math-7B (26.600)"), "{err}");
    assert!(
        err.contains("the difference +22.1 is not this score minus any other score"),
        "{err}"
    );
    assert!(stdout(&o).contains("not within rounding"), "{}", stdout(&o));
    // `new` checks the tables its drafts cite, in the same format.
    let out = d.path().join("audits");
    let cache = d.path().join("cache");
    let o = cli(&[
        "new",
        id,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o)
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .count(),
        3,
        "{}",
        stderr(&o)
    );
}
