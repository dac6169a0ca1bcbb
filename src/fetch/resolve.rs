//! Resolving a descriptor's reference to a cached table cell: table by printed tag or float id,
//! row by its label, column by its (multi-level) label. Ambiguity and absence are errors that
//! list the candidates.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cache;
use super::cell::Cell;

/// Where a number lives in a paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellRef {
    /// arXiv id as cached, e.g. `2506.10947v1`.
    pub paper: String,
    /// Printed tag ("Table 2", "Table 2 a") or float id ("S4.T2").
    pub table: String,
    pub row: String,
    /// Header labels joined by " / " (e.g. "AIME24 / pass@1"); one level is enough when unique.
    /// A row or column whose label is empty or repeated is named by its grid position, `#N`.
    pub column: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolvedCell {
    pub paper: String,
    pub table: String,
    pub row_label: String,
    pub column_label: String,
    pub cell: Cell,
}

impl ResolvedCell {
    /// How a report cites it.
    pub fn citation(&self) -> String {
        format!(
            "arXiv {} {}, row \"{}\", column \"{}\" (cell text \"{}\")",
            self.paper, self.table, self.row_label, self.column_label, self.cell.text
        )
    }
}

fn norm(s: &str) -> String {
    super::cell::normalise(s).to_lowercase()
}

fn pick(what: &str, query: &str, labels: &[(usize, String)]) -> Result<usize, String> {
    let q = norm(query);
    let exact: Vec<&(usize, String)> = labels.iter().filter(|(_, l)| norm(l) == q).collect();
    // `#N`: the N-th line of the grid (from 1), for a line whose label is empty or repeated.
    let positional: Vec<&(usize, String)> = match query.trim().strip_prefix('#') {
        Some(n) if exact.is_empty() => n
            .parse::<usize>()
            .ok()
            .and_then(|n| labels.iter().find(|(i, _)| i + 1 == n))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let chosen = if !positional.is_empty() {
        positional
    } else if exact.is_empty() {
        // One level of a multi-level label is enough when it names one line only.
        labels
            .iter()
            .filter(|(_, l)| l.split(" / ").any(|part| norm(part) == q))
            .collect()
    } else {
        exact
    };
    let list = |v: &[&(usize, String)]| {
        v.iter()
            .take(20)
            .map(|(_, l)| format!("\"{l}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match chosen.len() {
        1 => Ok(chosen[0].0),
        0 => {
            let all: Vec<&(usize, String)> = labels.iter().collect();
            Err(format!("no {what} \"{query}\"; candidates: {}", list(&all)))
        }
        _ => Err(format!(
            "{what} \"{query}\" is ambiguous; it matches {}",
            list(&chosen)
        )),
    }
}

/// Resolves `r` against the cache.
pub fn resolve(cache_dir: &Path, r: &CellRef) -> Result<ResolvedCell, String> {
    let index = cache::read_index(cache_dir, &r.paper).map_err(|e| e.to_string())?;
    let found = cache::find(&index, &r.table);
    let meta = match found.as_slice() {
        [one] => *one,
        [] => {
            let names: Vec<String> = index
                .tables
                .iter()
                .map(|m| format!("\"{}\" ({})", m.tag.clone().unwrap_or_default(), m.float_id))
                .collect();
            return Err(format!(
                "paper {} has no table \"{}\"; tables: {}",
                r.paper,
                r.table,
                names.join(", ")
            ));
        }
        many => {
            let names: Vec<String> = many.iter().map(|m| m.float_id.clone()).collect();
            return Err(format!(
                "table \"{}\" is ambiguous in {}: {}; name it by float id",
                r.table,
                r.paper,
                names.join(", ")
            ));
        }
    };
    let t = cache::read_table(cache_dir, &r.paper, meta).map_err(|e| e.to_string())?;
    let rows = t.body_row_labels();
    let cols = t.body_column_labels();
    let i = pick("row", &r.row, &rows)?;
    let j = pick("column", &r.column, &cols)?;
    Ok(ResolvedCell {
        paper: r.paper.clone(),
        table: t.display_name(),
        row_label: t.row_label(i),
        column_label: t.column_label(j),
        cell: t.cells[i][j].clone(),
    })
}
