//! The paper cache under `data/papers/<id>/`: the page as fetched, one CSV and one JSON per
//! table, and an index. A new cache is written beside the old one and swapped in by renames, so a
//! failed fetch never leaves a half-written cache.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::FetchError;
use super::extract::{
    CELL_OVERHEAD, MAX_CAPTION_CHARS, MAX_GRID_BYTES, MAX_TABLES, Table, display_name,
};
use crate::io::{ReadError, WriteError, alive, read_text, remove_leftovers};

/// A cached page, at most (also the most `fetch --max-mib` accepts).
pub const MAX_PAGE_BYTES: u64 = 64 << 20;
/// A cached table's JSON, at most.
pub const MAX_TABLE_BYTES: u64 = 64 << 20;
/// A cache index, at most.
pub const MAX_INDEX_BYTES: u64 = 16 << 20;

/// What can go wrong reading or writing the cache; every error names the file or directory.
#[derive(Debug, Error)]
pub enum CacheError {
    #[error(transparent)]
    Id(#[from] FetchError),
    #[error(
        "{}: another fetch of this paper holds the cache lock; try again when it ends",
        .0.display()
    )]
    Busy(PathBuf),
    #[error("{}: cannot create the cache lock ({})", .0.display(), .1)]
    Lock(PathBuf, std::io::Error),
    #[error("{}: no cached page for `{}` (offline mode reads the cache only)", .0.display(), .1)]
    NoPage(PathBuf, String),
    #[error("{}: the cache directory is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("{}: cannot create the cache directory ({})", .0.display(), .1)]
    CreateCache(PathBuf, std::io::Error),
    #[error("{}: cannot create ({})", .0.display(), .1)]
    CreateTemp(PathBuf, std::io::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("cannot move {} aside to {} ({})", .0.display(), .1.display(), .2)]
    MoveAside(PathBuf, PathBuf, std::io::Error),
    #[error("cannot move {} into place as {} ({})", .0.display(), .1.display(), .2)]
    MoveIn(PathBuf, PathBuf, std::io::Error),
    #[error("{}: no cached tables for `{}`; run `rlvr-audit fetch {}` first", .0.display(), .1, .1)]
    NoTables(PathBuf, String),
    /// The index file and what is wrong with it.
    #[error("{}: corrupt cache index ({}); fetch the paper again", .0.display(), .1)]
    CorruptIndex(PathBuf, String),
    /// A cache file that is not a regular file, is over its limit or cannot be read.
    #[error(transparent)]
    Read(ReadError),
    #[error("{}: corrupt cached table ({}); fetch the paper again", .0.display(), .1)]
    CorruptTable(PathBuf, String),
    #[error("{}: {} bytes, over the {} bytes a cached {} may have; nothing was cached", .0.display(), .1, .2, .3)]
    TooLarge(PathBuf, usize, u64, &'static str),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableMeta {
    pub index: usize,
    pub float_id: String,
    pub tag: Option<String>,
    pub panel: Option<String>,
    pub caption: String,
    pub rows: usize,
    pub cols: usize,
    pub header_rows: usize,
    pub header_cols: usize,
    pub csv: String,
    pub json: String,
}

impl TableMeta {
    /// "Table 2", "Table 2 (a)", or the float id (as [`Table::display_name`]).
    pub fn display_name(&self) -> String {
        display_name(self.tag.as_deref(), &self.float_id, self.panel.as_deref())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperIndex {
    /// The arXiv id as asked for (with its version when one was given).
    pub id: String,
    pub source_url: String,
    /// UTC time of retrieval.
    pub retrieved: String,
    pub tool_version: String,
    pub tables: Vec<TableMeta>,
}

/// The cache directory of a paper id (`/` in old-style ids becomes `_`).
pub fn paper_dir(cache: &Path, id: &str) -> PathBuf {
    cache.join(id.replace('/', "_"))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn to_csv(t: &Table) -> String {
    let mut out = String::new();
    for row in &t.cells {
        let line: Vec<String> = row.iter().map(|c| csv_field(&c.text)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// A lock on one paper's cache entry, held while it is swapped in: two fetches of one id take
/// turns instead of renaming each other's directories away. A lock whose process died is taken
/// over.
struct EntryLock(PathBuf);

impl EntryLock {
    fn take(cache: &Path, name: &str) -> Result<EntryLock, CacheError> {
        let p = cache.join(format!(".{name}.lock"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            match fs::OpenOptions::new().write(true).create_new(true).open(&p) {
                Ok(mut f) => {
                    use std::io::Write as _;
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(EntryLock(p));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = read_text(&p, 64, "a cache lock")
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    if holder.is_some_and(|h| !alive(h)) {
                        let _ = fs::remove_file(&p);
                        continue;
                    }
                    if std::time::Instant::now() >= deadline {
                        return Err(CacheError::Busy(p));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(CacheError::Lock(p, e)),
            }
        }
    }
}

impl Drop for EntryLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A cached page and the URL it came from (the page itself when no index records one), read
/// under the entry's lock, so a concurrent fetch of the same paper never swaps the directory away
/// mid-read.
pub fn read_page(cache: &Path, id: &str) -> Result<(String, String), CacheError> {
    crate::fetch::PaperId::parse(id)?;
    let dir = paper_dir(cache, id);
    let page = dir.join("page.html");
    let read = |e: ReadError| match e {
        ReadError::Missing(_) => CacheError::NoPage(page.clone(), id.to_string()),
        other => CacheError::Read(other),
    };
    // Checked before the lock is taken (a missing page needs no lock), read under it.
    crate::io::open_regular(&page, crate::io::Links::Follow).map_err(read)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = EntryLock::take(cache, &name)?;
    let html = read_text(&page, MAX_PAGE_BYTES, "a cached page").map_err(read)?;
    let url = read_index(cache, id)
        .map(|i| i.source_url)
        .unwrap_or_else(|_| page.display().to_string());
    Ok((html, url))
}

/// Writes the cache of a paper, replacing any previous one only once everything is written.
pub fn write(
    cache: &Path,
    id: &str,
    source_url: &str,
    retrieved: &str,
    html: &str,
    tables: &[Table],
) -> Result<PathBuf, CacheError> {
    crate::fetch::PaperId::parse(id)?;
    if cache.exists() && !cache.is_dir() {
        return Err(CacheError::NotADirectory(cache.to_path_buf()));
    }
    fs::create_dir_all(cache).map_err(|e| CacheError::CreateCache(cache.to_path_buf(), e))?;
    let dest = paper_dir(cache, id);
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = EntryLock::take(cache, &name)?;
    remove_leftovers(cache, &name);
    let tmp = cache.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| CacheError::CreateTemp(tmp.clone(), e))?;
    let result = (|| -> Result<(), CacheError> {
        // Nothing but this writer uses the fresh temporary directory: each file is written
        // once, without the leftover scan of `write_atomic` (which would read the directory once
        // per file), and the directory is swapped in whole.
        let put = |name: &str, bytes: &[u8], limit: u64, what: &'static str| {
            let p = tmp.join(name);
            if bytes.len() as u64 > limit {
                return Err(CacheError::TooLarge(p, bytes.len(), limit, what));
            }
            crate::io::write_new(&p, bytes).map_err(CacheError::Write)
        };
        put("page.html", html.as_bytes(), MAX_PAGE_BYTES, "page")?;
        let mut metas = Vec::new();
        for t in tables {
            let (csv, json) = (
                format!("table-{}.csv", t.index),
                format!("table-{}.json", t.index),
            );
            put(&csv, to_csv(t).as_bytes(), MAX_TABLE_BYTES, "table")?;
            put(
                &json,
                serde_json::to_string(t)?.as_bytes(),
                MAX_TABLE_BYTES,
                "table",
            )?;
            metas.push(TableMeta {
                index: t.index,
                float_id: t.float_id.clone(),
                tag: t.tag.clone(),
                panel: t.panel.clone(),
                caption: t.caption.clone(),
                rows: t.rows(),
                cols: t.cols(),
                header_rows: t.header_rows,
                header_cols: t.header_cols,
                csv,
                json,
            });
        }
        let index = PaperIndex {
            id: id.to_string(),
            source_url: source_url.to_string(),
            retrieved: retrieved.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            tables: metas,
        };
        put(
            "index.json",
            (serde_json::to_string_pretty(&index)? + "\n").as_bytes(),
            MAX_INDEX_BYTES,
            "index",
        )?;
        crate::io::sync_dir(&tmp).map_err(CacheError::Write)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let old = cache.join(format!(".{name}.old-{}", std::process::id()));
    if dest.exists() {
        fs::rename(&dest, &old).map_err(|e| CacheError::MoveAside(dest.clone(), old.clone(), e))?;
    }
    if let Err(e) = fs::rename(&tmp, &dest) {
        if old.exists() {
            let _ = fs::rename(&old, &dest);
        }
        let _ = fs::remove_dir_all(&tmp);
        return Err(CacheError::MoveIn(tmp, dest, e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(dest)
}

/// Reads a paper's index; a missing or corrupt cache is an error naming the file. Every field
/// is checked (the cache is input): the paper's id, at most [`MAX_TABLES`] tables numbered 1, 2,
/// … in order, each naming its own `table-N.json` and `table-N.csv`, header rows and columns
/// within its shape, a shape within the page limits and a caption within its length.
pub fn read_index(cache: &Path, id: &str) -> Result<PaperIndex, CacheError> {
    crate::fetch::PaperId::parse(id)?;
    let p = paper_dir(cache, id).join("index.json");
    let text = read_text(&p, MAX_INDEX_BYTES, "a cache index").map_err(|e| match e {
        ReadError::Missing(_) => CacheError::NoTables(p.clone(), id.to_string()),
        other => CacheError::Read(other),
    })?;
    let index: PaperIndex = serde_json::from_str(&text)
        .map_err(|e| CacheError::CorruptIndex(p.clone(), e.to_string()))?;
    let corrupt = |m: String| CacheError::CorruptIndex(p.clone(), m);
    if index.id != id {
        return Err(corrupt(format!(
            "`id` is `{}`, not `{id}`: the index of another paper",
            index.id
        )));
    }
    if index.tables.len() > MAX_TABLES {
        return Err(corrupt(format!(
            "{} tables, over the {MAX_TABLES} a page may have",
            index.tables.len()
        )));
    }
    for (i, m) in index.tables.iter().enumerate() {
        let at = |m: String| corrupt(format!("`tables[{i}]`: {m}"));
        if m.index != i + 1 {
            return Err(at(format!("`index` is {}, not {}", m.index, i + 1)));
        }
        if m.json != format!("table-{}.json", m.index) || m.csv != format!("table-{}.csv", m.index)
        {
            return Err(at(format!(
                "table file `{}` is not table-N.json (or `{}` not table-N.csv) of table {}",
                m.json, m.csv, m.index
            )));
        }
        check_shape(m.rows, m.cols, m.header_rows, m.header_cols).map_err(at)?;
        if m.caption.chars().count() > MAX_CAPTION_CHARS + 2 {
            return Err(at(format!(
                "a caption longer than {MAX_CAPTION_CHARS} characters"
            )));
        }
    }
    Ok(index)
}

/// A table's shape as the extractor can give it: header rows and columns within the table, and
/// no more cells than a page's expanded tables can hold.
fn check_shape(
    rows: usize,
    cols: usize,
    header_rows: usize,
    header_cols: usize,
) -> Result<(), String> {
    if header_rows > rows || header_cols > cols {
        return Err(format!(
            "{header_rows} header rows and {header_cols} header columns in a table of {rows} × {cols}"
        ));
    }
    if rows.saturating_mul(cols.max(1)) > MAX_GRID_BYTES / CELL_OVERHEAD {
        return Err(format!(
            "{rows} × {cols} cells, more than a page's tables can hold"
        ));
    }
    Ok(())
}

/// Reads one cached table and checks it against its index entry: the same number, float id,
/// tag, panel, caption and shape, every row as wide as the first, finite numbers.
pub fn read_table(cache: &Path, id: &str, meta: &TableMeta) -> Result<Table, CacheError> {
    // The index names the table's file: only `table-N.json` inside the paper's directory is read.
    let ok = meta
        .json
        .strip_prefix("table-")
        .and_then(|r| r.strip_suffix(".json"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return Err(CacheError::CorruptIndex(
            paper_dir(cache, id).join("index.json"),
            format!("table file `{}` is not table-N.json", meta.json),
        ));
    }
    let p = paper_dir(cache, id).join(&meta.json);
    let text = read_text(&p, MAX_TABLE_BYTES, "a cached table").map_err(CacheError::Read)?;
    let t: Table = serde_json::from_str(&text)
        .map_err(|e| CacheError::CorruptTable(p.clone(), e.to_string()))?;
    let corrupt = |m: String| CacheError::CorruptTable(p.clone(), m);
    let same = t.index == meta.index
        && t.float_id == meta.float_id
        && t.tag == meta.tag
        && t.panel == meta.panel
        && t.caption == meta.caption;
    if !same {
        return Err(corrupt(
            "its number, float id, tag, panel or caption differs from the index".into(),
        ));
    }
    if let Some((i, row)) = t
        .cells
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != t.cols())
    {
        return Err(corrupt(format!(
            "row {} has {} cells, row 1 has {}",
            i + 1,
            row.len(),
            t.cols()
        )));
    }
    if (t.rows(), t.cols(), t.header_rows, t.header_cols)
        != (meta.rows, meta.cols, meta.header_rows, meta.header_cols)
    {
        return Err(corrupt(format!(
            "{} × {} with {} header rows and {} header columns, the index says {} × {} with {} and {}",
            t.rows(),
            t.cols(),
            t.header_rows,
            t.header_cols,
            meta.rows,
            meta.cols,
            meta.header_rows,
            meta.header_cols
        )));
    }
    check_shape(t.rows(), t.cols(), t.header_rows, t.header_cols).map_err(corrupt)?;
    let bad_number = t.cells.iter().flatten().any(|c| {
        c.value.is_some_and(|v| !v.is_finite()) || c.spread.is_some_and(|v| !v.is_finite())
    });
    if bad_number {
        return Err(corrupt(
            "a cell's value or spread is not a finite number".into(),
        ));
    }
    Ok(t)
}

/// The names a table is found by (see [`find`]): its printed tag, display name and float id,
/// lower-case, each once.
fn names_of(m: &TableMeta) -> Vec<String> {
    let tag = m.tag.clone().unwrap_or_default();
    let mut v: Vec<String> = [tag, m.display_name(), m.float_id.clone()]
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// How many tables of the index each name finds (lower-case name → count): `find(index,
/// name).len()` for every name at once.
pub fn name_counts(index: &PaperIndex) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for m in &index.tables {
        for n in names_of(m) {
            *counts.entry(n).or_insert(0) += 1;
        }
    }
    counts
}

/// The cached tables whose printed tag, display name or float id is `name`.
pub fn find<'a>(index: &'a PaperIndex, name: &str) -> Vec<&'a TableMeta> {
    let want = name.trim().to_ascii_lowercase();
    index
        .tables
        .iter()
        .filter(|m| names_of(m).contains(&want))
        .collect()
}
