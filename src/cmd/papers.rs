//! `fetch` and `tables`: a paper's arXiv HTML, its tables and the cache.

use super::*;

pub(crate) fn fetch_cmd(a: FetchArgs) -> Result<()> {
    use crate::fetch::{self, FetchOptions, HttpFetcher, PaperId, cache, extract};
    let id = PaperId::parse(&a.id)?;
    let key = id.key();
    let (html, url) = if a.offline {
        cache::read_page(&a.cache_dir, &key)?
    } else {
        let max_mib = cache::MAX_PAGE_BYTES >> 20;
        anyhow::ensure!(
            (1..=max_mib).contains(&a.max_mib) && (1..=3600).contains(&a.timeout_secs),
            "--max-mib must be from 1 to {max_mib} (the largest page the cache keeps) and --timeout-secs from 1 to 3600"
        );
        anyhow::ensure!(
            a.retries <= 10 && a.backoff_ms <= 60_000,
            "--retries may be at most 10 and --backoff-ms at most 60000"
        );
        anyhow::ensure!(
            !a.cache_dir.exists() || a.cache_dir.is_dir(),
            "{}: --cache-dir is not a directory",
            a.cache_dir.display()
        );
        let opts = FetchOptions {
            read_timeout: std::time::Duration::from_secs(a.timeout_secs),
            retries: a.retries,
            backoff: std::time::Duration::from_millis(a.backoff_ms),
            max_bytes: a.max_mib * 1024 * 1024,
            ..FetchOptions::default()
        };
        let f = HttpFetcher::new(&opts)?;
        fetch::fetch_html(&f, &fetch::base_url(a.base_url.as_deref()), &id, &opts)?
    };
    let tables = extract::extract(&html, true).map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let dir = cache::write(
        &a.cache_dir,
        &key,
        &url,
        &crate::io::now_utc(),
        &html,
        &tables,
    )?;
    let mut t = terminal::table(&[
        "#",
        "table",
        "float id",
        "rows × cols",
        "header rows/cols",
        "caption",
    ]);
    for tb in &tables {
        let cap: String = tb.caption.chars().take(70).collect();
        t.add_row(vec![
            tb.index.to_string(),
            tb.display_name(),
            tb.float_id.clone(),
            format!("{} × {}", tb.rows(), tb.cols()),
            format!("{}/{}", tb.header_rows, tb.header_cols),
            cap,
        ]);
    }
    say!("{t}");
    say!(
        "{} table(s) from {url} cached in {}",
        tables.len(),
        dir.display()
    );
    check_tables(&dir, tables.iter(), false);
    Ok(())
}

/// Checks the averages and differences the tables print against the cells they summarise: a
/// warning (to stderr) for each that does not fit within rounding, and a count of the checks
/// (to stdout, or stderr when stdout carries JSON).
pub(crate) fn check_tables<'a>(
    dir: &Path,
    tables: impl Iterator<Item = &'a crate::fetch::extract::Table>,
    json: bool,
) {
    use crate::audit::consistency::tables;
    let (mut checked, mut bad) = (0, 0);
    for tb in tables {
        let checks = tables::check_table(tb);
        checked += checks.len();
        for w in tables::warnings(&dir.join(format!("table-{}.json", tb.index)), &checks) {
            eprintln!("warning: {w}");
            bad += 1;
        }
    }
    if checked > 0 {
        note!(
            json,
            "{checked} printed average(s) and difference(s) checked against their cells: {bad} not within rounding"
        );
    }
}

pub(crate) fn tables_cmd(a: TablesArgs) -> Result<()> {
    use crate::fetch::{PaperId, cache};
    let key = PaperId::parse(&a.id)?.key();
    let index = cache::read_index(&a.cache_dir, &key)?;
    match &a.show {
        None => {
            let mut t = terminal::table(&["#", "table", "float id", "rows × cols", "caption"]);
            for m in &index.tables {
                t.add_row(vec![
                    m.index.to_string(),
                    m.display_name(),
                    m.float_id.clone(),
                    format!("{} × {}", m.rows, m.cols),
                    m.caption.chars().take(70).collect(),
                ]);
            }
            say!("{t}");
            say!(
                "{} (retrieved {} from {})",
                key,
                index.retrieved,
                index.source_url
            );
        }
        Some(name) => {
            let found = cache::find(&index, name);
            let meta = match found.as_slice() {
                [one] => *one,
                [] => anyhow::bail!(
                    "{key} has no table \"{name}\" (run `rlvr-audit tables {key}` for the list)"
                ),
                many => anyhow::bail!(
                    "\"{name}\" matches {} tables ({}); name one by float id",
                    many.len(),
                    many.iter()
                        .map(|m| m.float_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let tb = cache::read_table(&a.cache_dir, &key, meta)?;
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            for (i, row) in tb.cells.iter().enumerate() {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| format!("{}{}", c.text, if c.bold { " (bold)" } else { "" }))
                    .collect();
                if i < tb.header_rows {
                    if i == 0 {
                        t.set_header(cells);
                    } else {
                        t.add_row(cells);
                    }
                } else {
                    t.add_row(cells);
                }
            }
            say!("{}: {}", tb.display_name(), tb.caption);
            say!("{t}");
        }
    }
    Ok(())
}
