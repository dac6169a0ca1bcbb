//! Scale-out: a command's runs split into `n` deterministic slices (`--shard i/n`: job `j` belongs
//! to shard `j mod n`), each written as JSON lines, and merged back into exactly the result a
//! single run gives. A shard file opens with a header naming the command, its complete spec and
//! the spec's hash; merge refuses mixed specs, missing and duplicated shards.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::io::{WriteError, sha256_hex, write_atomic};

/// A shard that cannot be written or merged; every error names the file (and line) at fault.
#[derive(Debug, Error)]
pub enum ShardError {
    #[error("merge needs the shard files")]
    NoFiles,
    #[error("{}: cannot open shard", .path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read shard", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: empty shard file", .0.display())]
    Empty(PathBuf),
    #[error("{}:1: not a shard header", .path.display())]
    NotHeader {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}:1: not a rlvr-audit shard (format 1)", .0.display())]
    NotShard(PathBuf),
    #[error("{}:1: the spec does not match its hash", .0.display())]
    Hash(PathBuf),
    #[error("{}:1: the spec cannot be read", .path.display())]
    Spec {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{}:1: the header says {said} jobs, but its spec has {expected}", .path.display())]
    JobCount {
        path: PathBuf,
        said: usize,
        expected: usize,
    },
    /// `run` and `first_run` read "command `…`, spec <hash prefix>".
    #[error(
        "{}: shard of another run ({run}) than {} ({first_run})",
        .path.display(),
        .first.display()
    )]
    Foreign {
        path: PathBuf,
        run: String,
        first: PathBuf,
        first_run: String,
    },
    #[error("{}: split into {shards} shards, not {expected}", .path.display())]
    ShardCount {
        path: PathBuf,
        shards: u64,
        expected: u64,
    },
    #[error("shard {shard}/{shards} given twice: {} and {}", .first.display(), .second.display())]
    Twice {
        shard: u64,
        shards: u64,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{}:{line}: not a shard record", .path.display())]
    NotRecord {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    #[error("{}:{line}: job {job} does not belong to shard {shard}/{shards}", .path.display())]
    ForeignJob {
        path: PathBuf,
        line: usize,
        job: usize,
        shard: u64,
        shards: u64,
    },
    #[error("{}:{line}: job {job} appears twice", .path.display())]
    JobTwice {
        path: PathBuf,
        line: usize,
        job: usize,
    },
    #[error("missing shard(s): {0}")]
    Missing(String),
    #[error("jobs without a value (truncated shard file?): {0:?}")]
    Lost(Vec<usize>),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The most shards a run may be split into.
pub const MAX_SHARDS: u64 = 1_000_000;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write i/n with 0 ≤ i < n, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(format!("`{s}`: at most {MAX_SHARDS} shards"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub fn owns(&self, job: usize) -> bool {
        job as u64 % self.count == self.index
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always "rlvr-audit-shard".
    pub kind: String,
    pub format: u32,
    pub tool_version: String,
    /// "sweep" or "factorial".
    pub command: String,
    /// Everything the merge needs to rebuild the result.
    pub spec: serde_json::Value,
    pub spec_sha256: String,
    pub shard: u64,
    pub shards: u64,
    pub jobs_total: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    job: usize,
    value: f64,
}

/// Writes the values of the jobs this shard owns. `value(j)` computes job `j`.
pub fn write<F: Fn(usize) -> f64 + Sync>(
    path: &Path,
    command: &str,
    spec: &serde_json::Value,
    shard: Shard,
    jobs_total: usize,
    parallel: bool,
    value: F,
) -> Result<usize, ShardError> {
    use rayon::prelude::*;
    let mine: Vec<usize> = (0..jobs_total).filter(|&j| shard.owns(j)).collect();
    let values: Vec<f64> = if parallel {
        mine.par_iter().map(|&j| value(j)).collect()
    } else {
        mine.iter().map(|&j| value(j)).collect()
    };
    let spec_text = serde_json::to_string(spec)?;
    let header = Header {
        kind: "rlvr-audit-shard".into(),
        format: 1,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        command: command.into(),
        spec: spec.clone(),
        spec_sha256: sha256_hex(&spec_text),
        shard: shard.index,
        shards: shard.count,
        jobs_total,
    };
    let mut out = serde_json::to_string(&header)? + "\n";
    for (&job, &value) in mine.iter().zip(&values) {
        out.push_str(&serde_json::to_string(&Record { job, value })?);
        out.push('\n');
    }
    write_atomic(path, out.as_bytes())?;
    Ok(mine.len())
}

/// Reads shard files and returns their common header (its `shard` field is that of the first
/// file) and every job's value, in job order. `jobs_of` computes the number of jobs from the
/// header's spec (which its hash covers): a header whose `jobs_total` disagrees is refused
/// before anything is allocated for it.
pub fn merge<E>(
    paths: &[PathBuf],
    jobs_of: impl Fn(&Header) -> Result<usize, E>,
) -> Result<(Header, Vec<f64>), ShardError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if paths.is_empty() {
        return Err(ShardError::NoFiles);
    }
    let mut first: Option<Header> = None;
    let mut seen: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut values: Vec<Option<f64>> = Vec::new();
    for p in paths {
        let path = || p.clone();
        let f = std::fs::File::open(p).map_err(|source| ShardError::Open {
            path: path(),
            source,
        })?;
        let read = |source| ShardError::Read {
            path: path(),
            source,
        };
        let mut lines = BufReader::new(f).lines();
        let head_line = lines
            .next()
            .transpose()
            .map_err(read)?
            .ok_or_else(|| ShardError::Empty(path()))?;
        let h: Header =
            serde_json::from_str(&head_line).map_err(|source| ShardError::NotHeader {
                path: path(),
                source,
            })?;
        if h.kind != "rlvr-audit-shard" || h.format != 1 {
            return Err(ShardError::NotShard(path()));
        }
        if sha256_hex(&serde_json::to_string(&h.spec)?) != h.spec_sha256 {
            return Err(ShardError::Hash(path()));
        }
        match &first {
            None => {
                let expected = jobs_of(&h).map_err(|e| ShardError::Spec {
                    path: path(),
                    source: e.into(),
                })?;
                if h.jobs_total != expected {
                    return Err(ShardError::JobCount {
                        path: path(),
                        said: h.jobs_total,
                        expected,
                    });
                }
                values = vec![None; h.jobs_total];
                first = Some(h.clone());
            }
            Some(f0) => {
                if f0.spec_sha256 != h.spec_sha256 || f0.command != h.command {
                    let run = |h: &Header| {
                        format!("command `{}`, spec {}", h.command, &h.spec_sha256[..12])
                    };
                    return Err(ShardError::Foreign {
                        path: path(),
                        run: run(&h),
                        first: paths[0].clone(),
                        first_run: run(f0),
                    });
                }
                if f0.shards != h.shards {
                    return Err(ShardError::ShardCount {
                        path: path(),
                        shards: h.shards,
                        expected: f0.shards,
                    });
                }
            }
        }
        if let Some(prev) = seen.insert(h.shard, p.clone()) {
            return Err(ShardError::Twice {
                shard: h.shard,
                shards: h.shards,
                first: prev,
                second: path(),
            });
        }
        for (i, line) in lines.enumerate() {
            let line = line.map_err(read)?;
            let r: Record =
                serde_json::from_str(&line).map_err(|source| ShardError::NotRecord {
                    path: path(),
                    line: i + 2,
                    source,
                })?;
            if !(r.job < values.len() && h.count_owns(r.job)) {
                return Err(ShardError::ForeignJob {
                    path: path(),
                    line: i + 2,
                    job: r.job,
                    shard: h.shard,
                    shards: h.shards,
                });
            }
            if values[r.job].is_some() {
                return Err(ShardError::JobTwice {
                    path: path(),
                    line: i + 2,
                    job: r.job,
                });
            }
            values[r.job] = Some(r.value);
        }
    }
    let h = first.expect("at least one file");
    let missing: Vec<String> = (0..h.shards)
        .filter(|s| !seen.contains_key(s))
        .map(|s| format!("{s}/{}", h.shards))
        .collect();
    if !missing.is_empty() {
        return Err(ShardError::Missing(missing.join(", ")));
    }
    let lost: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(j, _)| j)
        .take(10)
        .collect();
    if !lost.is_empty() {
        return Err(ShardError::Lost(lost));
    }
    Ok((h, values.into_iter().map(|v| v.expect("checked")).collect()))
}

impl Header {
    fn count_owns(&self, job: usize) -> bool {
        job as u64 % self.shards == self.shard
    }
}
