//! `sweep` and `merge`: the decomposition across prior strengths, and the merge of sharded runs.

use super::*;

pub(crate) fn sweep_spec(a: &SweepArgs) -> Result<SweepSpec> {
    let base = a.sim.resolve()?;
    let levels = sweep::parse_levels(&a.levels)
        .map_err(|e| anyhow::anyhow!("invalid value for --levels: {e}"))?;
    anyhow::ensure!(a.replicates >= 1, "--replicates must be at least 1");
    let most = a.gate.escalate_to.unwrap_or(0).max(a.replicates);
    within_budget(
        &base,
        (levels.len() as u64)
            .saturating_mul(a.chain.len() as u64)
            .saturating_mul(most),
        false,
        !a.common.serial,
        &a.common.budget,
    )?;
    Ok(SweepSpec {
        base,
        levels,
        chain: Chain::new(a.chain.clone()).context("invalid --chain")?,
        replicates: a.replicates,
        resamples: a.common.resamples,
        share_tolerance: a.share_tol,
        gate: a.gate.rule()?,
        escalate_to: a.gate.escalate_to,
        parallel: !a.common.serial,
    })
}

pub(crate) fn run_with_progress(spec: &SweepSpec) -> Sweep {
    let pb = progress::bar(sweep::run_count(spec), "sweep");
    let s = sweep::run_sweep(spec, &pb);
    pb.finish_and_clear();
    s
}

/// Writes `<dir>/sweep.md` and `<dir>/figures/sweep.svg`.
pub(crate) fn write_sweep(s: &Sweep, dir: &Path, regenerate: &str) -> Result<()> {
    write_files(
        dir,
        &[
            ("figures/sweep.svg", report::svg::sweep_figure(s)?),
            ("sweep.md", report::markdown::sweep(s, regenerate)),
        ],
    )
}

/// How sweep reports name the command that rebuilds them: the same text for a single run and a
/// merge of its shards, so both write the same bytes.
pub(crate) const SWEEP_REGENERATE: &str =
    "rlvr-audit sweep with the config, levels and replicates recorded in this report";

pub(crate) fn sweep_spec_from_record(v: &serde_json::Value) -> Result<SweepSpec> {
    let chain: Vec<String> = serde_json::from_value(v["chain"].clone())?;
    let arms = chain
        .iter()
        .map(|a| a.parse::<Arm>().map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    Ok(SweepSpec {
        base: serde_json::from_value(v["base"].clone())?,
        levels: serde_json::from_value(v["levels"].clone())?,
        chain: Chain::new(arms)?,
        replicates: serde_json::from_value(v["replicates"].clone())?,
        resamples: serde_json::from_value(v["resamples"].clone())?,
        share_tolerance: serde_json::from_value(v["share_tolerance"].clone())?,
        gate: serde_json::from_value(v["gate"].clone())?,
        escalate_to: None,
        parallel: true,
    })
}

pub(crate) fn print_sweep(s: &Sweep, json: bool, replicates: u64) -> Result<()> {
    if json {
        return print_record(&sweep::SweepRecord {
            sweep: s,
            tool: report::tool(),
            seeds: Seeds::of(s.config.seed, replicates),
        });
    }
    say!("{}", describe(&s.config, replicates));
    say_raw!("{}", terminal::sweep(s));
    Ok(())
}

pub(crate) fn sweep_cmd(a: SweepArgs) -> Result<()> {
    let spec = sweep_spec(&a)?;
    if let (Some(shard), Some(out)) = (a.shard.shard, &a.shard.shard_out) {
        anyhow::ensure!(
            spec.escalate_to.is_none(),
            "--escalate-to cannot be sharded: run it on one machine"
        );
        let cells = sweep::cells_of(&spec);
        let jobs = sweep::jobs_of(&cells, &spec.chain);
        let n = crate::shard::write(
            out,
            "sweep",
            &serde_json::to_value(spec.record())?,
            shard,
            jobs.len(),
            spec.parallel,
            |j| sweep::job_value(&cells, &spec.chain, jobs[j]),
        )?;
        eprintln!(
            "wrote {n} of {} runs to {} (shard {}/{})",
            jobs.len(),
            out.display(),
            shard.index,
            shard.count
        );
        return Ok(());
    }
    let s = run_with_progress(&spec);
    if let Some(dir) = &a.out {
        write_sweep(&s, dir, SWEEP_REGENERATE)?;
        eprintln!("wrote {}", dir.join("sweep.md").display());
    }
    print_sweep(&s, a.common.json, a.replicates)
}

/// The most jobs a merge accepts (a spec edited to ask for more is refused before allocation).
pub(crate) const MAX_MERGED_JOBS: u64 = 100_000_000;

pub(crate) fn merge_cmd(a: MergeArgs) -> Result<()> {
    use crate::shard::Plan;
    let (h, values) = crate::shard::merge(&a.files, |h| match h.command.as_str() {
        "sweep" => {
            let spec = sweep_spec_from_record(&h.spec)?;
            let jobs = (spec.levels.len() as u64)
                .checked_mul(spec.chain.arms.len() as u64)
                .and_then(|n| n.checked_mul(spec.replicates))
                .filter(|&n| n <= MAX_MERGED_JOBS)
                .map(|n| n as usize)
                .with_context(|| format!("the spec asks for more than {MAX_MERGED_JOBS} runs"))?;
            // Every job is a final accuracy.
            Ok(Plan {
                jobs,
                range: Box::new(|_| (0.0, 1.0)),
            })
        }
        "factorial" => {
            let study = study_of_shard(&h.spec)?.0;
            let jobs = factorial::jobs(&study);
            Ok(Plan {
                jobs: jobs.len(),
                range: Box::new(move |j| factorial::job_range(&study, jobs[j])),
            })
        }
        other => anyhow::bail!("shards of `{other}` cannot be merged"),
    })?;
    match h.command.as_str() {
        "sweep" => {
            let spec = sweep_spec_from_record(&h.spec)?;
            let cells = sweep::cells_of(&spec);
            let s = sweep::assemble(&spec, &sweep::group(&cells, &spec.chain, &values));
            if let Some(dir) = &a.out {
                write_sweep(&s, dir, SWEEP_REGENERATE)?;
                eprintln!("wrote {}", dir.join("sweep.md").display());
            }
            print_sweep(&s, a.json, spec.replicates)
        }
        "factorial" => {
            let (study, path, l) = study_of_shard(&h.spec)?;
            if let Some(dir) = &a.out {
                lock::check_history(&path, &l, &factorial_report(&path, dir))?;
            }
            let r = factorial::assemble(
                &study,
                &path.display().to_string(),
                l,
                study.file.resamples,
                &values,
            )?;
            finish_factorial(&r, &path, a.out.as_deref(), a.json)
        }
        other => anyhow::bail!("shards of `{other}` cannot be merged"),
    }
}

/// The study a factorial shard ran, checked like `factorial` checks it: the study file must be
/// where the shard says, verify against its lock, and be the study (and lock and analysis) the
/// shard recorded.
pub(crate) fn study_of_shard(spec: &serde_json::Value) -> Result<(Study, PathBuf, lock::Lock)> {
    let path = PathBuf::from(
        spec["path"]
            .as_str()
            .context("the shard names no study file")?,
    );
    let recorded: factorial::study::StudyFile = serde_json::from_value(spec["study"].clone())?;
    let recorded = Study::from_file(&path, recorded)?;
    let on_disk = Study::load(&path).with_context(|| {
        format!(
            "the shard's study {} must be present to merge",
            path.display()
        )
    })?;
    let l = lock::verify(&path, &on_disk)?;
    anyhow::ensure!(
        recorded.canonical() == on_disk.canonical(),
        "{}: the shard ran a different study than the locked file",
        path.display()
    );
    let shard_lock: lock::Lock = serde_json::from_value(spec["lock"].clone())?;
    anyhow::ensure!(
        shard_lock.current() == l.current(),
        "{}: the shard's lock ({}) is not the study's lock ({})",
        path.display(),
        shard_lock.current(),
        l.current()
    );
    let resamples: usize = serde_json::from_value(spec["resamples"].clone())?;
    anyhow::ensure!(
        resamples == on_disk.file.resamples,
        "{}: the shard's analysis used {resamples} resamples, the locked study {}",
        path.display(),
        on_disk.file.resamples
    );
    Ok((on_disk, path, l))
}
