//! Scale-out: a command's runs split into `n` deterministic slices (`--shard i/n`: job `j` belongs
//! to shard `j mod n`), each written as JSON lines, and merged back into exactly the result a
//! single run gives. A shard file opens with a header naming the command, its complete spec and
//! the spec's hash; merge refuses mixed specs, missing and duplicated shards.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::io::{WriteError, sha256_hex, write_atomic};

/// A shard that cannot be written or merged; every error names the file (and line) at fault.
#[derive(Debug, Error)]
pub enum ShardError {
    #[error("merge needs the shard files")]
    NoFiles,
    #[error(transparent)]
    Open(crate::io::ReadError),
    #[error(
        "{}: {size} bytes, more than a shard of {jobs} jobs can hold ({limit} bytes); not read",
        .path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        jobs: usize,
        limit: u64,
    },
    #[error("{}:{line}: a line longer than {limit} bytes; not a shard line", .path.display())]
    LongLine {
        path: PathBuf,
        line: usize,
        limit: usize,
    },
    #[error(
        "{}:{line}: job {job} has the value {value}, outside {lo}…{hi}, what it measures can take (edited?)",
        .path.display()
    )]
    OutOfRange {
        path: PathBuf,
        line: usize,
        job: usize,
        value: f64,
        lo: f64,
        hi: f64,
    },
    #[error(
        "{}: the records do not match the header's records_sha256 (edited, reordered or cut after writing)",
        .0.display()
    )]
    RecordsHash(PathBuf),
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
    #[error("{}:1: not a rlvr-audit shard of format {FORMAT} (a shard of an older rlvr-audit is run again)", .0.display())]
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
/// The shard file format: 2 added `records_sha256`.
pub const FORMAT: u32 = 2;
/// A shard's header line, at most (its spec holds a study of at most 1 MiB, as JSON).
pub const MAX_HEADER_BYTES: usize = 8 << 20;
/// A record line, at most (`{"job":…,"value":…}` is under 60 bytes).
pub const MAX_RECORD_BYTES: usize = 128;

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
    /// SHA-256 of the record lines that follow (each with its newline): an edited, reordered or
    /// cut record no longer matches. Unkeyed: records re-hashed by hand are caught only by the
    /// range check of each value.
    pub records_sha256: String,
}

/// How far a value may stray outside its range by rounding.
const RANGE_SLACK: f64 = 1e-9;

/// What a merge needs from a header's spec (which its hash covers): the number of jobs, and the
/// range each job's value can take (its bounds may be missed by [`RANGE_SLACK`]).
pub struct Plan {
    pub jobs: usize,
    pub range: Box<dyn Fn(usize) -> (f64, f64)>,
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
    let mut records = String::new();
    for (&job, &value) in mine.iter().zip(&values) {
        records.push_str(&serde_json::to_string(&Record { job, value })?);
        records.push('\n');
    }
    let header = Header {
        kind: "rlvr-audit-shard".into(),
        format: FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        command: command.into(),
        spec: spec.clone(),
        spec_sha256: sha256_hex(&spec_text),
        shard: shard.index,
        shards: shard.count,
        jobs_total,
        records_sha256: sha256_hex(&records),
    };
    let out = serde_json::to_string(&header)? + "\n" + &records;
    write_atomic(path, out.as_bytes())?;
    Ok(mine.len())
}

/// One line of a shard, at most `limit` bytes, without its newline; `None` at the end.
fn read_line(
    reader: &mut impl BufRead,
    path: &Path,
    line: usize,
    limit: usize,
) -> Result<Option<Vec<u8>>, ShardError> {
    let mut buf = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|source| ShardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if buf.is_empty() {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > limit {
        return Err(ShardError::LongLine {
            path: path.to_path_buf(),
            line,
            limit,
        });
    }
    Ok(Some(buf))
}

/// Reads shard files and returns their common header (its `shard` field is that of the first
/// file) and every job's value, in job order. `plan` computes the number of jobs and each job's
/// range from the header's spec (which its hash covers): a header whose `jobs_total` disagrees
/// is refused before anything is allocated for it, a file larger than its jobs can fill is
/// refused before it is read, and every value is checked against its range and the records
/// against their hash. Only regular files are read (through [`crate::io::open_regular`]).
pub fn merge<E>(
    paths: &[PathBuf],
    plan: impl Fn(&Header) -> Result<Plan, E>,
) -> Result<(Header, Vec<f64>), ShardError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if paths.is_empty() {
        return Err(ShardError::NoFiles);
    }
    let mut first: Option<(Header, Plan)> = None;
    let mut seen: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut values: Vec<Option<f64>> = Vec::new();
    for p in paths {
        let path = || p.clone();
        let (f, size) =
            crate::io::open_regular(p, crate::io::Links::Follow).map_err(ShardError::Open)?;
        let mut reader = BufReader::new(f);
        let head_line = read_line(&mut reader, p, 1, MAX_HEADER_BYTES)?
            .ok_or_else(|| ShardError::Empty(path()))?;
        let h: Header =
            serde_json::from_slice(&head_line).map_err(|source| ShardError::NotHeader {
                path: path(),
                source,
            })?;
        if h.kind != "rlvr-audit-shard" || h.format != FORMAT {
            return Err(ShardError::NotShard(path()));
        }
        if sha256_hex(&serde_json::to_string(&h.spec)?) != h.spec_sha256 {
            return Err(ShardError::Hash(path()));
        }
        match &first {
            None => {
                let plan = plan(&h).map_err(|e| ShardError::Spec {
                    path: path(),
                    source: e.into(),
                })?;
                if h.jobs_total != plan.jobs {
                    return Err(ShardError::JobCount {
                        path: path(),
                        said: h.jobs_total,
                        expected: plan.jobs,
                    });
                }
                values = vec![None; h.jobs_total];
                first = Some((h.clone(), plan));
            }
            Some((f0, _)) => {
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
        let range = &first.as_ref().expect("set above").1.range;
        if let Some(prev) = seen.insert(h.shard, p.clone()) {
            return Err(ShardError::Twice {
                shard: h.shard,
                shards: h.shards,
                first: prev,
                second: path(),
            });
        }
        // The jobs this shard owns bound what its file can hold.
        let owned = h.jobs_total as u64 / h.shards + 1;
        let limit = (head_line.len() as u64 + 1)
            .saturating_add(owned.saturating_mul(MAX_RECORD_BYTES as u64 + 1));
        if size > limit {
            return Err(ShardError::TooLarge {
                path: path(),
                size,
                jobs: owned as usize,
                limit,
            });
        }
        let mut hash = Sha256::new();
        let mut line = 1;
        while let Some(bytes) = read_line(&mut reader, p, line + 1, MAX_RECORD_BYTES)? {
            line += 1;
            hash.update(&bytes);
            hash.update(b"\n");
            let r: Record =
                serde_json::from_slice(&bytes).map_err(|source| ShardError::NotRecord {
                    path: path(),
                    line,
                    source,
                })?;
            if !(r.job < values.len() && h.count_owns(r.job)) {
                return Err(ShardError::ForeignJob {
                    path: path(),
                    line,
                    job: r.job,
                    shard: h.shard,
                    shards: h.shards,
                });
            }
            if values[r.job].is_some() {
                return Err(ShardError::JobTwice {
                    path: path(),
                    line,
                    job: r.job,
                });
            }
            let (lo, hi) = range(r.job);
            if !(lo - RANGE_SLACK..=hi + RANGE_SLACK).contains(&r.value) {
                return Err(ShardError::OutOfRange {
                    path: path(),
                    line,
                    job: r.job,
                    value: r.value,
                    lo,
                    hi,
                });
            }
            values[r.job] = Some(r.value);
        }
        let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if digest != h.records_sha256 {
            return Err(ShardError::RecordsHash(path()));
        }
    }
    let h = first.expect("at least one file").0;
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
