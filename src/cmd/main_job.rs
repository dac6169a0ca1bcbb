//! `report`: the main job, every report regenerated.

use super::*;

/// The main job: regenerate every report. Descriptors and studies are checked before anything
/// is written, so an invalid one leaves every report as it was. With `--json` stdout carries
/// only the JSON record of the audits; progress goes to stderr.
pub(crate) fn report_cmd(a: ReportArgs) -> Result<()> {
    if a.serial {
        // Every stage on one thread, the model check's runs and the audits included.
        return rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()?
            .install(|| report_all(a));
    }
    report_all(a)
}

/// Regenerates every report.
///
/// Stays whole: the main job's recipe in the order it runs — every descriptor audited and every
/// study run (side by side) before anything is written, then the sweep, the audit pages, the summary, the
/// paper pages, the removal of stale files, the calibration, the null evidence, the entropy study
/// and the studies — each step one call with its progress line.
fn report_all(a: ReportArgs) -> Result<()> {
    let fits = load_fits(&a.fit_cache)?;
    // The audits and the studies share nothing: they are computed side by side (each in
    // parallel within), and nothing is written before both are done and valid.
    let (audited, studied) = rayon::join(
        || {
            audit_dir(
                &a.audits_dir,
                &a.paper_cache,
                &fits,
                &a.fit_cache,
                a.verify_fit_cache,
                &a.evidence,
            )
        },
        || run_studies(&a, &fits),
    );
    let (descriptors, results) = audited?;
    let missing = report::papers::read_not_audited(&a.not_audited)?;
    let Studied {
        sweep: s,
        entropy: e,
        factorials,
    } = studied?;
    write_sweep(&s, &a.reports_dir, "cargo run --release -- report")?;
    note!(
        a.json,
        "seed paper's sweep (paper preset, 8 replicates per level):"
    );
    note!(a.json, "{}", terminal::sweep(&s).trim_end());
    note!(a.json, "wrote {}", a.reports_dir.join("sweep.md").display());
    {
        use rayon::prelude::*;
        // Each audit's page and figures are independent files: written in parallel.
        let pages = results
            .par_iter()
            .map(|r| write_audit(r, &a.reports_dir))
            .collect::<Result<Vec<_>>>()?;
        let mut written: std::collections::BTreeSet<String> =
            pages.into_iter().flat_map(|(_, w)| w).collect();
        write_atomic(
            &a.reports_dir.join("README.md"),
            report::audit::summary(
                &results,
                a.audits_dir.display().to_string().trim_end_matches('/'),
                &missing,
            )
            .as_bytes(),
        )?;
        written.extend(write_paper_pages(&a.reports_dir, &results, &missing)?);
        for gone in report::clean::remove_stale(&a.reports_dir, &written)? {
            note!(a.json, "removed {}", gone.display());
        }
        write_calibration(&descriptors, &fits, &a)?;
        if fits.save(&a.fit_cache, a.prune_fit_cache)? {
            note!(a.json, "wrote {}", a.fit_cache.display());
        }
        let thr = thresholds(&a.evidence);
        let evidence: Vec<audits::NullEvidence> = load_nulls(&a.evidence, &descriptors)?
            .all(&descriptors)
            .iter()
            .map(|m| audits::draw::null_evidence(m, &thr))
            .collect();
        write_atomic(
            &a.reports_dir.join("null-evidence.md"),
            report::audit::null_evidence(&evidence).as_bytes(),
        )?;
        note!(a.json, "\naudits ({}):", results.len());
        note!(a.json, "{}", report::audit::terminal_summary(&results));
        note!(
            a.json,
            "wrote {}",
            a.reports_dir.join("README.md").display()
        );
        note!(
            a.json,
            "wrote {}",
            a.reports_dir.join("null-evidence.md").display()
        );
    }
    write_entropy(&e, &a.reports_dir, "cargo run --release -- report")?;
    note!(
        a.json,
        "wrote {}",
        a.reports_dir.join("entropy.md").display()
    );
    for (study, r) in factorials {
        let out = write_factorial(&r, &study, &a.reports_dir, "cargo run --release -- report")?;
        note!(a.json, "\n{} ({}):", r.title, study.display());
        note!(a.json, "{}", terminal::factorial(&r).trim_end());
        note!(a.json, "wrote {}", out.display());
    }
    if a.json {
        print_json(&results)?;
    }
    Ok(())
}

/// What `report` computes besides the audits: the seed paper's sweep, the entropy study and
/// every pre-registered study (each checked against its lock first).
struct Studied {
    sweep: crate::sweep::Sweep,
    entropy: crate::entropy::EntropyReport,
    factorials: Vec<(PathBuf, crate::factorial::FactorialResult)>,
}

/// Runs the studies of [`Studied`] without progress bars (they run beside the audits', which
/// keep theirs). A pre-registered study's job values are read from the fit cache when it holds
/// them (checked against the study: [`factorial::check_values`]) and stored there otherwise.
fn run_studies(a: &ReportArgs, fits: &FitCache) -> Result<Studied> {
    let studies = studies_in(&a.prereg_dir)?
        .into_iter()
        .map(|path| {
            let (study, lock) = verify_study(&path, Some(&a.reports_dir))?;
            Ok((path, study, lock))
        })
        .collect::<Result<Vec<_>>>()?;
    let spec = SweepSpec {
        base: config::paper(),
        levels: vec![0.2, 0.35, 0.5, 0.65, 0.8],
        chain: Chain::new(Arm::default_chain()).expect("the default chain is valid"),
        replicates: 8,
        resamples: stats::DEFAULT_RESAMPLES,
        share_tolerance: decompose::DEFAULT_SHARE_TOLERANCE,
        gate: GateRule::default(),
        escalate_to: None,
        parallel: !a.serial,
    };
    let hidden = indicatif::ProgressBar::hidden();
    let sweep = crate::sweep::run_sweep(&spec, &hidden);
    let entropy = crate::entropy::study(&config::paper(), 4);
    let mut factorials = Vec::new();
    for (path, study, lock) in studies {
        study_within_budget(&study, !a.serial, &crate::cli::BudgetArgs::default())?;
        let key = factorial::values_key(&study);
        let values = match fits.study_values(&key) {
            Some(v) => {
                factorial::check_values(&study, &key, &v, a.verify_fit_cache).map_err(|e| {
                    anyhow::anyhow!(
                        "{}: the cached job values of {} (`{key}`): {e}; the file was edited or damaged: delete it and `report` recomputes it",
                        a.fit_cache.display(),
                        path.display()
                    )
                })?;
                v
            }
            None => {
                let v = factorial::run_jobs(&study, !a.serial, &hidden);
                fits.put_study_values(key, v.clone());
                v
            }
        };
        let name = path.display().to_string();
        let r = factorial::assemble(&study, &name, lock, study.file.resamples, &values)?;
        factorials.push((path, r));
    }
    Ok(Studied {
        sweep,
        entropy,
        factorials,
    })
}

/// `calibration.md`: every reported random and majority arm hidden and imputed from the rest of
/// its row, under the row's own arms and under the audit's rule (with measured nulls).
fn write_calibration(
    descriptors: &[audits::descriptor::Descriptor],
    fits: &FitCache,
    a: &ReportArgs,
) -> Result<()> {
    use audits::calibration::{Rule, hidden_arms, lent_claims};
    let nulls = load_nulls(&a.evidence, descriptors)?;
    let thr = thresholds(&a.evidence);
    let own = hidden_arms(descriptors, &nulls, &thr, fits, Rule::OwnArms);
    let anchored = hidden_arms(descriptors, &nulls, &thr, fits, Rule::MeasuredNulls);
    let lent = lent_claims(descriptors, &nulls, &thr, fits);
    let path = a.reports_dir.join("calibration.md");
    write_atomic(
        &path,
        report::calibration::markdown(&own, &anchored, &lent).as_bytes(),
    )?;
    note!(a.json, "wrote {}", path.display());
    Ok(())
}
