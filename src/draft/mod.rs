//! Drafting descriptors from a paper's cached tables (`rlvr-audit new`): find the tables whose
//! rows or columns name training arms (by the synonyms in `data/arm-synonyms.yaml`), and write one
//! schema-2 descriptor per model × benchmark in which every number cites its cell and everything a
//! table cannot say is an explicit `TODO` that `validate` refuses as an unfinished draft.
//!
//! The steps live in submodules: `synonyms` (the label patterns that name roles and models),
//! `recognise` (a table's arms, numbers, metric and unit → drafts) and `write` (a draft as YAML,
//! and the title and authors from the cached page). This module holds the draft types and the
//! pipeline over a paper's cached tables.

mod recognise;
mod synonyms;
mod write;

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::fetch::cache::{self, CacheError};
use recognise::drafts_of;
pub use synonyms::Synonyms;
pub use write::{render, title_and_authors};

/// A synonyms file that cannot be used, or a paper whose cache cannot be drafted from; every error
/// names the file (with line and column where there is one).
#[derive(Debug, Error)]
pub enum DraftError {
    #[error(transparent)]
    Read(#[from] crate::yaml::LoadError),
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Synonyms {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{}: no `roles` given", .0.display())]
    NoRoles(PathBuf),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("{paper} has no table \"{name}\" (run `rlvr-audit tables {paper}` for the list)")]
    NoTable { paper: String, name: String },
    #[error(
        "{paper}: the tables give more than {MAX_DRAFTS} drafts; pick with --table, --model or --benchmark"
    )]
    TooMany { paper: String },
    #[error("{flag} is empty (it filters by name: give a name, or leave the flag out)")]
    EmptyFilter { flag: &'static str },
    #[error(
        "{flag} {value:?} matches no draft of {paper}; the tables give {what}: {found} (run `rlvr-audit new {paper} --dry-run` without {flag} for every draft)"
    )]
    NoMatch {
        flag: &'static str,
        value: String,
        paper: String,
        what: &'static str,
        found: String,
    },
}

/// The longest id a descriptor may have (the file name is the id and `.yaml`).
pub const MAX_ID_CHARS: usize = 200;
/// Drafts one `new` gives at most (pick with `--table`, `--model` or `--benchmark` past it).
pub const MAX_DRAFTS: usize = 5000;

/// Lower-case letters, digits and dashes (dots dropped: `Qwen2.5-7B` is `qwen25-7b`).
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().filter(|c| *c != '.').flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// One arm of a draft: where its number stands and what it was recognised as.
#[derive(Clone, Debug, Serialize)]
pub struct DraftArm {
    pub name: String,
    pub role: String,
    /// How the role was found: the synonyms role it matched, the bare model name, or none
    /// (the paper's own method).
    pub recognised: String,
    pub label: String,
    /// The number exactly as printed (before any ± spread).
    pub printed: String,
    pub spread: Option<String>,
    pub row: String,
    pub column: String,
    /// The cell reference as `validate --paper-cache` resolves it.
    pub cell_row: String,
    pub cell_column: String,
}

/// One draft descriptor: a model × benchmark of one table.
#[derive(Clone, Debug, Serialize)]
pub struct Draft {
    pub id: String,
    pub paper: String,
    pub table: String,
    /// The table's name as a cell reference resolves it (tag, display name or float id).
    pub table_ref: String,
    pub caption: String,
    /// Arms as rows, or as columns.
    pub layout: String,
    pub model: Option<String>,
    pub benchmark: String,
    pub metric: Option<String>,
    /// Where the metric was read: the header, or the caption when the header names none.
    pub metric_from: String,
    pub unit: String,
    /// The caption says the numbers are changes (the unit is then a TODO).
    pub gain_caption: bool,
    pub arms: Vec<DraftArm>,
    pub targets: Vec<String>,
}

/// What `new` is asked for.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub table: Option<String>,
    pub model: Option<String>,
    pub benchmark: Option<String>,
}

fn contains_key(hay: &str, needle: &str) -> bool {
    let (h, n) = (
        crate::audit::descriptor::match_key(hay),
        crate::audit::descriptor::match_key(needle),
    );
    !n.is_empty() && h.contains(&n)
}

/// The `new --json` record: the drafts found (and, unless `--dry-run`, written).
#[derive(Serialize)]
pub struct DraftsRecord<'a> {
    /// The paper's cache key (the arXiv id as asked for).
    pub paper: &'a str,
    /// False with `--dry-run`.
    pub written: bool,
    pub drafts: Vec<DraftEntry<'a>>,
}

/// One draft and the file it is (or would be) written to.
#[derive(Serialize)]
pub struct DraftEntry<'a> {
    pub path: String,
    pub draft: &'a Draft,
}

/// `s` cut to at most `n` characters, without a trailing dash.
fn cut_id(s: &str, n: usize) -> String {
    s.chars()
        .take(n)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Every draft the cached tables of `paper` give, filtered, with unique ids of at most
/// [`MAX_ID_CHARS`] characters (cut before they are compared, so two drafts never share one).
/// A filter that is empty, or that leaves no draft of those the tables give, is an error naming
/// the flag and what the tables do give.
pub fn drafts(
    cache_dir: &Path,
    paper: &str,
    syn: &Synonyms,
    filter: &Filter,
) -> Result<Vec<Draft>, DraftError> {
    for (flag, v) in [
        ("--table", &filter.table),
        ("--model", &filter.model),
        ("--benchmark", &filter.benchmark),
    ] {
        let empty = v.as_ref().is_some_and(|v| {
            if flag == "--table" {
                v.trim().is_empty()
            } else {
                crate::audit::descriptor::match_key(v).is_empty()
            }
        });
        if empty {
            return Err(DraftError::EmptyFilter { flag });
        }
    }
    let index = cache::read_index(cache_dir, paper)?;
    let metas: Vec<&cache::TableMeta> = match &filter.table {
        Some(name) => {
            let found = cache::find(&index, name);
            if found.is_empty() {
                return Err(DraftError::NoTable {
                    paper: paper.to_string(),
                    name: name.clone(),
                });
            }
            found
        }
        None => index.tables.iter().collect(),
    };
    let names = cache::name_counts(&index);
    let number = paper.split('v').next().unwrap_or(paper);
    let stem = slug(&number.replace(['.', '/'], ""));
    let mut out: Vec<Draft> = Vec::new();
    let mut ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Per first-choice id, the next number to try (so a run of clashes is not re-scanned).
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let (mut models, mut benchmarks): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for m in metas {
        let t = cache::read_table(cache_dir, paper, m)?;
        for mut d in drafts_of(paper, &names, &t, syn) {
            let model = d.model.clone().unwrap_or_else(|| "no model named".into());
            if !models.contains(&model) {
                models.push(model);
            }
            if filter
                .model
                .as_ref()
                .is_some_and(|f| !d.model.as_ref().is_some_and(|m| contains_key(m, f)))
            {
                continue;
            }
            if !benchmarks.contains(&d.benchmark) {
                benchmarks.push(d.benchmark.clone());
            }
            if filter
                .benchmark
                .as_ref()
                .is_some_and(|f| !contains_key(&d.benchmark, f))
            {
                continue;
            }
            let mut parts = vec![stem.clone()];
            parts.push(d.model.as_deref().map_or("model".into(), slug));
            parts.push(if slug(&d.benchmark).is_empty() {
                "benchmark".into()
            } else {
                slug(&d.benchmark)
            });
            let base = parts.join("-");
            let mut id = cut_id(&base, MAX_ID_CHARS);
            if ids.contains(&id)
                && let Some(mt) = &d.metric
            {
                id = cut_id(&format!("{base}-{}", slug(mt)), MAX_ID_CHARS);
            }
            if ids.contains(&id) {
                id = cut_id(&format!("{base}-{}", slug(&d.table)), MAX_ID_CHARS);
            }
            if ids.contains(&id) {
                let first = id.clone();
                let k = next.entry(first.clone()).or_insert(2);
                loop {
                    let suffix = format!("-{k}");
                    *k += 1;
                    let candidate =
                        format!("{}{suffix}", cut_id(&first, MAX_ID_CHARS - suffix.len()));
                    if !ids.contains(&candidate) {
                        id = candidate;
                        break;
                    }
                }
            }
            ids.insert(id.clone());
            d.id = id;
            if out.len() == MAX_DRAFTS {
                return Err(DraftError::TooMany {
                    paper: paper.to_string(),
                });
            }
            out.push(d);
        }
    }
    if out.is_empty() {
        // A filter that matched nothing, and what the tables hold instead.
        for (given, found, flag, what) in [
            (&filter.model, &models, "--model", "drafts for the models"),
            (
                &filter.benchmark,
                &benchmarks,
                "--benchmark",
                "drafts for the benchmarks",
            ),
        ] {
            if let Some(f) = given
                && !found.is_empty()
            {
                return Err(DraftError::NoMatch {
                    flag,
                    value: f.clone(),
                    paper: paper.to_string(),
                    what,
                    found: found.join(", "),
                });
            }
        }
    }
    Ok(out)
}
