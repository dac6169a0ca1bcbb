//! `factorial` and `prereg`: locked pre-registered studies.

use super::*;

/// The study files of a directory, sorted.
pub(crate) fn studies_in(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    anyhow::ensure!(
        dir.is_dir(),
        "{}: no pre-registration directory (give --prereg-dir)",
        dir.display()
    );
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    v.sort();
    Ok(v)
}

/// Loads, verifies against its lock, and runs a study.
/// Runs a locked study; with `reports`, the lock's history is also checked against the study's
/// report there.
pub(crate) fn run_factorial(
    path: &Path,
    resamples: Option<usize>,
    parallel: bool,
    budget: &crate::cli::BudgetArgs,
    reports: Option<&Path>,
) -> Result<FactorialResult> {
    let (study, l) = verify_study(path, reports)?;
    if let Some(r) = resamples {
        locked_resamples(&study, path, r)?;
    }
    study_within_budget(&study, parallel, budget)?;
    let pb = progress::bar(factorial::run_count(&study), "factorial");
    let r = factorial::run_study(
        &study,
        &path.display().to_string(),
        l,
        study.file.resamples,
        parallel,
        &pb,
    )?;
    pb.finish_and_clear();
    Ok(r)
}

fn study_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "study".into())
}

/// The report of the study at `path` in the reports directory `dir`.
pub(crate) fn factorial_report(path: &Path, dir: &Path) -> PathBuf {
    dir.join(format!("factorial-{}.md", study_stem(path)))
}

/// The study at `path` checked against its lock, and the lock's history against the one its
/// report in `dir` recorded (when there is one).
pub(crate) fn verify_study(path: &Path, dir: Option<&Path>) -> Result<(Study, lock::Lock)> {
    let study = Study::load(path)?;
    let l = lock::verify(path, &study)?;
    if let Some(dir) = dir {
        lock::check_history(path, &l, &factorial_report(path, dir))?;
    }
    Ok((study, l))
}

pub(crate) fn write_factorial(
    r: &FactorialResult,
    path: &Path,
    dir: &Path,
    regenerate: &str,
) -> Result<std::path::PathBuf> {
    let stem = study_stem(path);
    let figure = format!("figures/factorial-{stem}.svg");
    write_atomic(
        &dir.join(&figure),
        report::svg::factorial_figure(r)?.as_bytes(),
    )?;
    let md = factorial_report(path, dir);
    write_atomic(
        &md,
        report::markdown::factorial(r, regenerate, &figure).as_bytes(),
    )?;
    Ok(md)
}

pub(crate) fn factorial_cmd(a: FactorialArgs) -> Result<()> {
    if let (Some(shard), Some(out)) = (a.shard.shard, &a.shard.shard_out) {
        let study = Study::load(&a.file)?;
        let l = lock::verify(&a.file, &study)?;
        locked_resamples(&study, &a.file, a.common.resamples)?;
        study_within_budget(&study, !a.common.serial, &a.common.budget)?;
        let jobs = factorial::jobs(&study);
        let spec = serde_json::to_value(factorial::SpecRecord {
            path: a.file.display().to_string(),
            study: &study.file,
            lock: &l,
            resamples: study.file.resamples,
        })?;
        let n = crate::shard::write(
            out,
            "factorial",
            &spec,
            shard,
            jobs.len(),
            !a.common.serial,
            |j| factorial::job_value(&study, jobs[j]),
        )?;
        eprintln!(
            "wrote {n} of {} jobs to {} (shard {}/{})",
            jobs.len(),
            out.display(),
            shard.index,
            shard.count
        );
        return Ok(());
    }
    let r = run_factorial(
        &a.file,
        Some(a.common.resamples),
        !a.common.serial,
        &a.common.budget,
        a.out.as_deref(),
    )?;
    finish_factorial(&r, &a.file, a.out.as_deref(), a.common.json)
}

/// The analysis of a study is locked with it: `--resamples` may only repeat the study's value.
pub(crate) fn locked_resamples(study: &Study, path: &Path, flag: usize) -> Result<()> {
    anyhow::ensure!(
        flag == study.file.resamples,
        "{}: the study's analysis is locked with {} bootstrap resamples; --resamples {flag} would change it \
         (edit the study's `resamples` and record it with `rlvr-audit prereg amend`)",
        path.display(),
        study.file.resamples
    );
    Ok(())
}

pub(crate) fn finish_factorial(
    r: &FactorialResult,
    path: &Path,
    out: Option<&Path>,
    json: bool,
) -> Result<()> {
    if let Some(dir) = out {
        let md = write_factorial(
            r,
            path,
            dir,
            &format!("rlvr-audit factorial {}", path.display()),
        )?;
        eprintln!("wrote {}", md.display());
    }
    if json {
        return print_record(&factorial::FactorialRecord {
            result: r,
            tool: report::tool(),
        });
    }
    say!("{} — lock {}", r.title, r.lock.current());
    say_raw!("{}", terminal::factorial(r));
    Ok(())
}

pub(crate) fn prereg_cmd(c: PreregCommand) -> Result<()> {
    match c {
        PreregCommand::Lock { file } => {
            let l = lock::lock(&file, &Study::load(&file)?)?;
            say!(
                "locked {} at {} (sha256 {})",
                file.display(),
                l.locked_at,
                l.sha256
            );
        }
        PreregCommand::Verify { file, reports_dir } => {
            let (_, l) = verify_study(&file, Some(&reports_dir))?;
            say!(
                "{} matches its lock (sha256 {}, {} amendment(s))",
                file.display(),
                l.current(),
                l.amendments.len()
            );
        }
        PreregCommand::Amend {
            file,
            why,
            reports_dir,
        } => {
            anyhow::ensure!(
                !why.trim().is_empty(),
                "--why must give the reason for the amendment"
            );
            // A history cut back behind its report is not amended over.
            if let Ok(l) = lock::read_lock(&file) {
                lock::check_history(&file, &l, &factorial_report(&file, &reports_dir))?;
            }
            let l = lock::amend(&file, &Study::load(&file)?, &why)?;
            say!(
                "recorded amendment {} of {} (sha256 {})",
                l.amendments.len(),
                file.display(),
                l.current()
            );
        }
    }
    Ok(())
}
