//! Scale-out: a command's runs split into `n` deterministic slices (`--shard i/n`: job `j` belongs
//! to shard `j mod n`), each written as JSON lines, and merged back into exactly the result a
//! single run gives. A shard file opens with a header naming the command, its complete spec and
//! the spec's hash; merge refuses mixed specs, missing and duplicated shards.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::io::{sha256_hex, write_atomic};

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
) -> Result<usize> {
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
pub fn merge(
    paths: &[PathBuf],
    jobs_of: impl Fn(&Header) -> Result<usize>,
) -> Result<(Header, Vec<f64>)> {
    anyhow::ensure!(!paths.is_empty(), "merge needs the shard files");
    let mut first: Option<Header> = None;
    let mut seen: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut values: Vec<Option<f64>> = Vec::new();
    for p in paths {
        let f = std::fs::File::open(p)
            .with_context(|| format!("{}: cannot open shard", p.display()))?;
        let mut lines = BufReader::new(f).lines();
        let head_line = lines
            .next()
            .transpose()?
            .with_context(|| format!("{}: empty shard file", p.display()))?;
        let h: Header = serde_json::from_str(&head_line)
            .with_context(|| format!("{}:1: not a shard header", p.display()))?;
        anyhow::ensure!(
            h.kind == "rlvr-audit-shard" && h.format == 1,
            "{}:1: not a rlvr-audit shard (format 1)",
            p.display()
        );
        anyhow::ensure!(
            sha256_hex(&serde_json::to_string(&h.spec)?) == h.spec_sha256,
            "{}:1: the spec does not match its hash",
            p.display()
        );
        match &first {
            None => {
                let expected = jobs_of(&h)
                    .with_context(|| format!("{}:1: the spec cannot be read", p.display()))?;
                anyhow::ensure!(
                    h.jobs_total == expected,
                    "{}:1: the header says {} jobs, but its spec has {expected}",
                    p.display(),
                    h.jobs_total
                );
                values = vec![None; h.jobs_total];
                first = Some(h.clone());
            }
            Some(f0) => {
                if f0.spec_sha256 != h.spec_sha256 || f0.command != h.command {
                    bail!(
                        "{}: shard of another run (command `{}`, spec {}) than {} (command `{}`, spec {})",
                        p.display(),
                        h.command,
                        &h.spec_sha256[..12],
                        paths[0].display(),
                        f0.command,
                        &f0.spec_sha256[..12]
                    );
                }
                anyhow::ensure!(
                    f0.shards == h.shards,
                    "{}: split into {} shards, not {}",
                    p.display(),
                    h.shards,
                    f0.shards
                );
            }
        }
        if let Some(prev) = seen.insert(h.shard, p.clone()) {
            bail!(
                "shard {}/{} given twice: {} and {}",
                h.shard,
                h.shards,
                prev.display(),
                p.display()
            );
        }
        for (i, line) in lines.enumerate() {
            let line = line?;
            let r: Record = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not a shard record", p.display(), i + 2))?;
            let ok = r.job < values.len() && h.count_owns(r.job);
            anyhow::ensure!(
                ok,
                "{}:{}: job {} does not belong to shard {}/{}",
                p.display(),
                i + 2,
                r.job,
                h.shard,
                h.shards
            );
            anyhow::ensure!(
                values[r.job].is_none(),
                "{}:{}: job {} appears twice",
                p.display(),
                i + 2,
                r.job
            );
            values[r.job] = Some(r.value);
        }
    }
    let h = first.expect("at least one file");
    let missing: Vec<String> = (0..h.shards)
        .filter(|s| !seen.contains_key(s))
        .map(|s| format!("{s}/{}", h.shards))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "missing shard(s): {}",
        missing.join(", ")
    );
    let lost: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(j, _)| j)
        .take(10)
        .collect();
    anyhow::ensure!(
        lost.is_empty(),
        "jobs without a value (truncated shard file?): {lost:?}"
    );
    Ok((h, values.into_iter().map(|v| v.expect("checked")).collect()))
}

impl Header {
    fn count_owns(&self, job: usize) -> bool {
        job as u64 % self.shards == self.shard
    }
}
