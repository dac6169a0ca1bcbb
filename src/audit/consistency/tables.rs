//! The averages and differences a cached table prints, checked against the cells they summarise
//! (`fetch`, `new`): a column or row labelled as an average must be the mean of the cells it
//! averages, a Δ column or row the difference it names, and a change printed beside a score
//! (`73.5 (+24.1)`) the score's difference from another row's (or column's) score — each within
//! rounding, in exact integer arithmetic.
//!
//! **Within rounding.** The paper may have computed the summary from its unrounded numbers or from
//! the printed ones, so a mean A of m printed cells cᵢ is consistent when
//! |A − mean(cᵢ)| ≤ ½·u(A) + ½·mean(u(cᵢ)), and a difference Δ of x and y when
//! |Δ − (x − y)| ≤ ½·(u(Δ) + u(x) + u(y)), u being one unit of the last printed decimal; the
//! boundary counts as consistent.
//!
//! **Which cells.** A table rarely says what an average covers, so every reading that a table
//! layout makes plausible is tried, and a summary is inconsistent only when none of them fits: an
//! average column averages the data columns left of it back to the previous summary column (within
//! its header group) or a tail of that block, or every data column of its row; an average row, the
//! data rows above it back to a heading or summary row (or a tail of them), or every data row. A Δ
//! column is the difference of the two columns left of it, or of the column left of it between
//! this row and another; a Δ row likewise with the rows above. A cell in both a summary row and a
//! summary column may fit either. A summary with fewer than two cells to summarise, or with a cell
//! that prints no number, is not checked, nor is a table of more than [`MAX_CHECKED_CELLS`] cells.
//! A label with `%`, `rel`, `relative` or `ratio` (a relative change) is not read as a difference,
//! and `overall` (often a pooled, size-weighted score) not as a mean.

use std::path::Path;

use serde::Serialize;

use crate::fetch::extract::Table;
use crate::yaml::LoadError;

/// What a summary cell claims to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Summary {
    /// The mean of the cells it averages.
    Average,
    /// The difference of two cells.
    Difference,
}

/// One summary cell of a cached table, checked.
#[derive(Clone, Debug, Serialize)]
pub struct TableCheck {
    pub table: String,
    pub row: String,
    pub column: String,
    pub kind: Summary,
    /// The summary exactly as printed.
    pub printed: String,
    pub consistent: bool,
    /// When inconsistent: what it was compared with, in words (the first reading tried), and the
    /// value that reading gives.
    pub compared_with: String,
    pub expected: String,
}

/// A printed number read exactly: `v / 10^dec`.
#[derive(Clone, Copy, Debug)]
struct Num {
    v: i128,
    dec: u32,
}

impl Num {
    fn read(text: &str) -> Option<Num> {
        let (v, dec) = crate::printed::parse_exact(text)?;
        (dec <= 9).then_some(Num { v, dec })
    }

    /// The value over 10^scale (scale ≥ dec), and one unit of its last decimal there.
    fn at(&self, scale: u32) -> (i128, i128) {
        let u = 10i128.pow(scale - self.dec);
        (self.v * u, u)
    }

    fn f64(&self) -> f64 {
        self.v as f64 / 10f64.powi(self.dec as i32)
    }
}

/// Whether `a` is the mean of `cells` within rounding.
fn mean_fits(a: Num, cells: &[Num]) -> bool {
    let s = cells.iter().map(|c| c.dec).max().unwrap_or(0).max(a.dec);
    let m = cells.len() as i128;
    let (av, au) = a.at(s);
    let (sum, units) = cells.iter().fold((0i128, 0i128), |(sum, units), c| {
        let (v, u) = c.at(s);
        (sum + v, units + u)
    });
    (2 * m * av - 2 * sum).abs() <= m * au + units
}

/// Whether `d` is x − y within rounding.
fn diff_fits(d: Num, x: Num, y: Num) -> bool {
    let s = d.dec.max(x.dec).max(y.dec);
    let ((dv, du), (xv, xu), (yv, yu)) = (d.at(s), x.at(s), y.at(s));
    (2 * dv - 2 * xv + 2 * yv).abs() <= du + xu + yu
}

/// A label as words: lower case; letters, digits, `@` and inner dots.
fn words(s: &str) -> Vec<String> {
    crate::fetch::cell::normalise(s)
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '@' || c == '.'))
        .map(|w| w.trim_matches('.').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// What a label says its line is.
fn summary_of(label: &str) -> Option<Summary> {
    let w = words(label);
    let has = |list: &[&str]| w.iter().any(|x| list.contains(&x.as_str()));
    if has(&["avg", "average", "mean"]) {
        return Some(Summary::Average);
    }
    let relative = label.contains('%') || has(&["rel", "relative", "ratio"]);
    (!relative
        && (label.contains('Δ') || has(&["delta", "diff", "difference", "improvement", "gain"])))
    .then_some(Summary::Difference)
}

/// The number a data cell prints (its score, when it prints a change beside it).
fn score(t: &Table, i: usize, j: usize) -> Option<Num> {
    let c = &t.cells[i][j];
    c.value?;
    match crate::fetch::cell::split_change(&c.text) {
        Some((v, _)) => Num::read(v),
        None => Num::read(&c.text),
    }
}

/// The layout: which rows and columns hold data, and which summarise.
struct Layout {
    body: Vec<usize>,
    data_cols: Vec<usize>,
    row_kind: Vec<Option<Summary>>,
    col_kind: Vec<Option<Summary>>,
}

/// Whether the header cell at (r, j) covers only its own column (a group heading spans more).
fn own_column(t: &Table, r: usize, j: usize) -> bool {
    let text = &t.cells[r][j].text;
    let same =
        |k: usize| t.cells[r][k].text == *text && (t.cells[r][k].spanned || t.cells[r][j].spanned);
    !((j > 0 && same(j - 1)) || (j + 1 < t.cols() && same(j + 1)))
}

/// Whether the label cell at (i, c) covers only its own row.
fn own_row(t: &Table, i: usize, c: usize) -> bool {
    let text = &t.cells[i][c].text;
    let same =
        |k: usize| t.cells[k][c].text == *text && (t.cells[k][c].spanned || t.cells[i][c].spanned);
    !((i > t.header_rows && same(i - 1)) || (i + 1 < t.rows() && same(i + 1)))
}

fn layout(t: &Table) -> Layout {
    let body: Vec<usize> = (t.header_rows..t.rows()).collect();
    let numeric_col = |j: usize| body.iter().any(|&i| t.cells[i][j].value.is_some());
    let label_cols = (0..t.cols())
        .take_while(|&j| !numeric_col(j))
        .count()
        .max(t.header_cols);
    let data_cols: Vec<usize> = (label_cols..t.cols()).filter(|&j| numeric_col(j)).collect();
    let col_kind = (0..t.cols())
        .map(|j| {
            (0..t.header_rows)
                .filter(|&r| own_column(t, r, j))
                .find_map(|r| summary_of(&t.cells[r][j].text))
        })
        .collect();
    let row_kind = (0..t.rows())
        .map(|i| {
            (0..label_cols.min(t.cols()))
                .filter(|&c| i >= t.header_rows && own_row(t, i, c))
                .find_map(|c| summary_of(&t.cells[i][c].text))
        })
        .collect();
    Layout {
        body,
        data_cols,
        row_kind,
        col_kind,
    }
}

/// A cell's position: (row, column).
type At = (usize, usize);

/// One way to read a summary: the mean of some cells, or the difference of two.
enum Reading {
    Mean(Vec<At>),
    Diff(At, At),
}

fn fmt(v: f64, dec: u32) -> String {
    format!("{v:.d$}", d = dec as usize + 2)
}

/// Tables with more cells than this are not checked (the readings tried grow with rows × columns).
pub const MAX_CHECKED_CELLS: usize = 10_000;

/// The sets an average may cover along one direction: the block of data lines just before it
/// (back to the previous summary line), each tail of that block of two lines or more, then every
/// data line.
fn average_sets(block: &[usize], all: &[usize]) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = (0..block.len().saturating_sub(1))
        .map(|s| block[s..].to_vec())
        .collect();
    if all != block && all.len() >= 2 {
        sets.push(all.to_vec());
    }
    sets
}

/// Checks every summary cell of a table (none when it has more than [`MAX_CHECKED_CELLS`]).
///
/// Stays whole: the checks of every row and column group share the closures built at its top
/// over the table's layout and numbers (names, groups, readings, fits), which a split would have
/// to pass around as one context value.
pub fn check_table(t: &Table) -> Vec<TableCheck> {
    let mut out = Vec::new();
    if t.rows() == 0 || t.cols() == 0 || t.rows() * t.cols() > MAX_CHECKED_CELLS {
        return out;
    }
    let l = layout(t);
    let nums: Vec<Vec<Option<Num>>> = (0..t.rows())
        .map(|i| (0..t.cols()).map(|j| score(t, i, j)).collect())
        .collect();
    let num = |(r, c): At| nums[r][c];
    let plain_cols: Vec<usize> = (l.data_cols.iter().copied())
        .filter(|&j| l.col_kind[j].is_none())
        .collect();
    let plain_rows: Vec<usize> = (l.body.iter().copied())
        .filter(|&i| l.row_kind[i].is_none())
        .collect();
    let row_name = |i: usize| match t.row_label(i) {
        r if r.is_empty() => format!("#{}", i + 1),
        r => r,
    };
    // Cells named along their line: by column within one row, else by row.
    let names = |cells: &[At]| -> Vec<String> {
        let one_row = cells.windows(2).all(|w| w[0].0 == w[1].0);
        cells
            .iter()
            .map(|&(r, c)| {
                if one_row {
                    t.column_label(c)
                } else {
                    row_name(r)
                }
            })
            .collect()
    };
    // Column j's header group: the columns under its top header cell, when that spans several.
    let in_group = |j: usize, k: usize| {
        t.header_rows < 2 || own_column(t, 0, j) || t.cells[0][k].text == t.cells[0][j].text
    };
    // Whether `v` fits a reading (`None`: a cell of it prints no number).
    let fits = |v: Num, r: &Reading| -> Option<bool> {
        match r {
            Reading::Mean(set) => {
                let cells: Vec<Num> = set.iter().map(|&at| num(at)).collect::<Option<_>>()?;
                Some(mean_fits(v, &cells))
            }
            Reading::Diff(x, y) => Some(diff_fits(v, num(*x)?, num(*y)?)),
        }
    };
    // A reading in words, with the value it gives.
    let describe = |v: Num, r: &Reading| -> (String, String) {
        match r {
            Reading::Mean(set) => {
                let sum: f64 = set.iter().filter_map(|&at| num(at)).map(|n| n.f64()).sum();
                (
                    format!("the mean of {}", names(set).join(", ")),
                    fmt(sum / set.len() as f64, v.dec),
                )
            }
            Reading::Diff(x, y) => {
                let value = num(*x).zip(num(*y)).map_or(0.0, |(a, b)| a.f64() - b.f64());
                let n = names(&[*x, *y]);
                (format!("{} − {}", n[0], n[1]), fmt(value, v.dec))
            }
        }
    };
    // A summary checked against its readings: consistent when one fits; described by the first
    // reading its cells allow. `None` when no reading can be evaluated.
    let check =
        |i: usize, j: usize, kind: Summary, printed: String, v: Num, readings: &[Reading]| {
            let evaluated: Vec<(&Reading, bool)> = readings
                .iter()
                .filter_map(|r| fits(v, r).map(|f| (r, f)))
                .collect();
            let (first, _) = evaluated.first()?;
            let consistent = evaluated.iter().any(|(_, f)| *f);
            let (compared_with, expected) = if consistent {
                (String::new(), String::new())
            } else {
                describe(v, first)
            };
            Some(TableCheck {
                table: t.display_name(),
                row: row_name(i),
                column: t.column_label(j),
                kind,
                printed,
                consistent,
                compared_with,
                expected,
            })
        };
    for &i in &l.body {
        for &j in &l.data_cols {
            let Some(here) = nums[i][j] else { continue };
            let text = t.cells[i][j].text.clone();
            // A cell in a summary column summarises its row; in a summary row, its column; in
            // both (a Δ row's average), either reading may fit. The column's kind names it.
            let mut readings = Vec::new();
            match l.col_kind[j] {
                Some(Summary::Average) => {
                    let block: Vec<usize> = (plain_cols.iter().copied())
                        .filter(|&k| k < j && in_group(j, k))
                        .filter(|&k| !(k + 1..j).any(|s| l.col_kind[s].is_some()))
                        .collect();
                    let sets = average_sets(&block, &plain_cols).into_iter();
                    readings.extend(
                        sets.map(|s| Reading::Mean(s.into_iter().map(|k| (i, k)).collect())),
                    );
                }
                Some(Summary::Difference) => {
                    // The two columns before it, or the one before it against another row.
                    let before: Vec<usize> =
                        (l.data_cols.iter().copied()).filter(|&k| k < j).collect();
                    if let [.., y, x] = before.as_slice() {
                        readings.push(Reading::Diff((i, *x), (i, *y)));
                    }
                    if let Some(&x) = before.last() {
                        let others = plain_rows.iter().filter(|&&r| r != i);
                        readings.extend(others.map(|&r| Reading::Diff((i, x), (r, x))));
                    }
                }
                None => {}
            }
            match l.row_kind[i] {
                Some(Summary::Average) => {
                    // Back to a heading row (no number) or another summary row.
                    let heading = |s: usize| {
                        l.row_kind[s].is_some() || l.data_cols.iter().all(|&c| nums[s][c].is_none())
                    };
                    let block: Vec<usize> = (plain_rows.iter().copied())
                        .filter(|&r| r < i && !(r + 1..i).any(heading))
                        .collect();
                    let sets = average_sets(&block, &plain_rows).into_iter();
                    readings.extend(
                        sets.map(|s| Reading::Mean(s.into_iter().map(|r| (r, j)).collect())),
                    );
                }
                Some(Summary::Difference) => {
                    // The two rows above it, or the one above it against another row above.
                    let before: Vec<usize> = (l.body.iter().copied())
                        .filter(|&r| r < i && nums[r][j].is_some())
                        .collect();
                    if let [.., y, x] = before.as_slice() {
                        readings.push(Reading::Diff((*x, j), (*y, j)));
                    }
                    if let Some(&x) = before.last() {
                        let others = before
                            .iter()
                            .filter(|&&r| r != x && l.row_kind[r].is_none());
                        readings.extend(others.map(|&r| Reading::Diff((x, j), (r, j))));
                    }
                }
                None => {}
            }
            if let Some(kind) = l.col_kind[j].or(l.row_kind[i]) {
                out.extend(check(i, j, kind, text.clone(), here, &readings));
            }
            // A change printed beside the score: the score minus another score of its column or
            // of its row.
            if let Some((_, change)) = crate::fetch::cell::split_change(&text)
                && let Some(d) = Num::read(&change)
            {
                let readings: Vec<Reading> = (l.body.iter().filter(|&&r| r != i).map(|&r| (r, j)))
                    .chain(l.data_cols.iter().filter(|&&c| c != j).map(|&c| (i, c)))
                    .map(|y| Reading::Diff((i, j), y))
                    .collect();
                let mut found = check(i, j, Summary::Difference, change, d, &readings);
                if let Some(f) = found.as_mut().filter(|f| !f.consistent) {
                    f.compared_with =
                        "this score minus any other score of its row or column".into();
                    f.expected = String::new();
                }
                out.extend(found);
            }
        }
    }
    out
}

/// The inconsistent summaries as warnings on the cached table's file, in `validate`'s format.
pub fn warnings(path: &Path, checks: &[TableCheck]) -> Vec<LoadError> {
    checks
        .iter()
        .filter(|c| !c.consistent)
        .map(|c| {
            let what = match c.kind {
                Summary::Average => "average",
                Summary::Difference => "difference",
            };
            let expected = if c.expected.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.expected)
            };
            LoadError::new(
                path,
                format!(
                    "{}, row \"{}\", column \"{}\": the {what} {} is not {}{expected} within rounding, nor any other reading \
                     of the table's layout",
                    c.table, c.row, c.column, c.printed, c.compared_with
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Num {
        Num::read(s).unwrap()
    }

    #[test]
    fn a_mean_fits_within_the_rounding_of_every_cell() {
        // (49.4 + 13.3) / 2 = 31.35: exactly half a unit from both 31.3 and 31.4.
        assert!(mean_fits(n("31.4"), &[n("49.4"), n("13.3")]));
        assert!(mean_fits(n("31.3"), &[n("49.4"), n("13.3")]));
        assert!(!mean_fits(n("31.5"), &[n("49.4"), n("13.3")]));
        // Mixed precision: 70.20 and 20.0 average 45.10.
        assert!(mean_fits(n("45.1"), &[n("70.20"), n("20.0")]));
        // Cells rounded before averaging: (16.7 + 38.6 + 50.6) / 3 = 35.3.
        assert!(mean_fits(n("35.3"), &[n("16.7"), n("38.6"), n("50.6")]));
        assert!(!mean_fits(n("35.5"), &[n("16.7"), n("38.6"), n("50.6")]));
    }

    #[test]
    fn a_difference_fits_within_three_half_units() {
        assert!(diff_fits(n("+26.6"), n("43.3"), n("16.7")));
        // Unrounded 43.34 − 16.66 = 26.68 prints 26.7 beside 43.3 and 16.7: 1 unit off, within 1.5.
        assert!(diff_fits(n("26.7"), n("43.3"), n("16.7")));
        assert!(!diff_fits(n("26.75"), n("43.3"), n("16.7")));
        assert!(!diff_fits(n("26.8"), n("43.3"), n("16.7")));
        // ½·(0.1 + 0.1 + 1) = 0.6 from 1.2 − 1 = 0.2: 0.8 is exactly on the boundary.
        assert!(diff_fits(n("0.8"), n("1.2"), n("1")));
        assert!(!diff_fits(n("0.9"), n("1.2"), n("1")));
    }

    /// A table of `rows` × `cols` cells with the given texts (the first row a header).
    fn table(texts: &[&[&str]]) -> Table {
        Table {
            index: 1,
            float_id: "S1.T1".into(),
            tag: Some("Table 1".into()),
            panel: None,
            caption: String::new(),
            header_rows: 1,
            header_cols: 1,
            cells: texts
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    row.iter()
                        .map(|t| crate::fetch::cell::Cell::new(t.to_string(), false, false, i == 0))
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn an_average_row_and_a_delta_column_are_read_from_the_layout() {
        let t = table(&[
            &["Method", "Before", "After", "Δ"],
            &["A", "10.0", "20.0", "+10.0"],
            &["B", "30.0", "35.0", "+5.5"],
            &["Average", "20.0", "27.5", "+7.8"],
        ]);
        let c = check_table(&t);
        let bad: Vec<(&str, &str, &str)> = c
            .iter()
            .filter(|c| !c.consistent)
            .map(|c| (c.row.as_str(), c.column.as_str(), c.printed.as_str()))
            .collect();
        // B's Δ is 5.0, not 5.5; the average row's Δ cell is a Δ-column cell (7.5, or the mean
        // of 10.0 and 5.5 = 7.75): 7.8 fits the latter.
        assert_eq!(bad, [("B", "Δ", "+5.5")], "{c:?}");
        assert_eq!(c.iter().filter(|c| c.kind == Summary::Average).count(), 2);
    }

    #[test]
    fn a_table_beyond_the_cell_limit_is_not_checked() {
        let row: Vec<&str> = std::iter::once("x")
            .chain(std::iter::repeat_n("1.0", 100))
            .collect();
        let mut rows: Vec<&[&str]> = vec![&row; 101];
        let head: Vec<&str> = std::iter::once("m")
            .chain(std::iter::repeat_n("Avg", 100))
            .collect();
        rows[0] = &head;
        assert!(check_table(&table(&rows)).is_empty());
    }

    #[test]
    fn labels_name_their_summaries() {
        assert_eq!(summary_of("Avg."), Some(Summary::Average));
        assert_eq!(summary_of("Average"), Some(Summary::Average));
        assert_eq!(summary_of("MATH-500 / avg@16"), None);
        assert_eq!(summary_of("Δ"), Some(Summary::Difference));
        assert_eq!(summary_of("Δ (%)"), None);
        assert_eq!(summary_of("Rel. improvement"), None);
        assert_eq!(summary_of("Overall"), None);
    }
}
