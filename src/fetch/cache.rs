//! The paper cache under `data/papers/<id>/`: the page as fetched, one CSV and one JSON per
//! table, and an index. A new cache is written beside the old one and swapped in by renames, so a
//! failed fetch never leaves a half-written cache.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::FetchError;
use super::extract::Table;
use crate::io::{WriteError, alive, remove_leftovers, write_atomic};

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
    #[error("{}: cannot read cached table ({})", .0.display(), .1)]
    ReadTable(PathBuf, std::io::Error),
    #[error("{}: corrupt cached table ({}); fetch the paper again", .0.display(), .1)]
    CorruptTable(PathBuf, serde_json::Error),
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
                    let holder = fs::read_to_string(&p)
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
    let missing = || CacheError::NoPage(page.clone(), id.to_string());
    if !page.is_file() {
        return Err(missing());
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = EntryLock::take(cache, &name)?;
    let html = fs::read_to_string(&page).map_err(|_| missing())?;
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
        write_atomic(&tmp.join("page.html"), html.as_bytes())?;
        let mut metas = Vec::new();
        for t in tables {
            let (csv, json) = (
                format!("table-{}.csv", t.index),
                format!("table-{}.json", t.index),
            );
            write_atomic(&tmp.join(&csv), to_csv(t).as_bytes())?;
            write_atomic(&tmp.join(&json), serde_json::to_string(t)?.as_bytes())?;
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
        write_atomic(
            &tmp.join("index.json"),
            (serde_json::to_string_pretty(&index)? + "\n").as_bytes(),
        )?;
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

/// Reads a paper's index; a missing or corrupt cache is an error naming the file.
pub fn read_index(cache: &Path, id: &str) -> Result<PaperIndex, CacheError> {
    crate::fetch::PaperId::parse(id)?;
    let p = paper_dir(cache, id).join("index.json");
    let text =
        fs::read_to_string(&p).map_err(|_| CacheError::NoTables(p.clone(), id.to_string()))?;
    serde_json::from_str(&text).map_err(|e| CacheError::CorruptIndex(p, e.to_string()))
}

/// Reads one cached table.
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
    let text = fs::read_to_string(&p).map_err(|e| CacheError::ReadTable(p.clone(), e))?;
    serde_json::from_str(&text).map_err(|e| CacheError::CorruptTable(p, e))
}

/// The cached tables whose printed tag, display name or float id is `name`.
pub fn find<'a>(index: &'a PaperIndex, name: &str) -> Vec<&'a TableMeta> {
    let want = name.trim().to_ascii_lowercase();
    index
        .tables
        .iter()
        .filter(|m| {
            let tag = m.tag.clone().unwrap_or_default();
            let display = match &m.panel {
                Some(p) => format!(
                    "{} {p}",
                    m.tag.clone().unwrap_or_else(|| m.float_id.clone())
                ),
                None => m.tag.clone().unwrap_or_else(|| m.float_id.clone()),
            };
            [tag, display, m.float_id.clone()]
                .iter()
                .any(|c| c.to_ascii_lowercase() == want)
        })
        .collect()
}
