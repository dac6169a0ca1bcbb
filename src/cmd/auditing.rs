//! `validate`, `audit` and `check`: descriptors loaded with their neighbours, audited and written.

use super::*;

/// Loads and audits every descriptor of a directory; any invalid descriptor fails the whole run
/// with every error listed (none is skipped) before anything is written. Returns the
/// descriptors with their audits.
pub(crate) fn audit_dir(
    dir: &Path,
    cache: &Path,
    fits: &FitCache,
    fits_path: &Path,
    verify_fits: bool,
    ev: &EvidenceArgs,
) -> Result<(Vec<audits::descriptor::Descriptor>, Vec<AuditResult>)> {
    anyhow::ensure!(
        dir.is_dir(),
        "{}: no audits directory (give --audits-dir)",
        dir.display()
    );
    let files = audits::descriptor_files(dir)?;
    let (descriptors, errors) = audits::load_set(&files, cache);
    if !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::bail!(
            "{} error(s) in the descriptors; nothing was written:\n{}",
            errors.len(),
            list.join("\n")
        );
    }
    use rayon::prelude::*;
    let nulls = load_nulls(ev, &descriptors)?;
    let thr = thresholds(ev);
    // Listing the runs solves each member's prior at each reported base (once per base, kept
    // for the audits below): the descriptors' bases are solved in parallel.
    let requests: Vec<_> = descriptors
        .par_iter()
        .flat_map_iter(audits::fit_requests)
        .collect();
    fill_fits(fits, &requests, fits_path, verify_fits)?;
    // Each audit depends only on its descriptor, the set and the cache: they run in parallel
    // and are collected in the descriptors' order.
    let pb = progress::bar(descriptors.len() as u64, "audits");
    let results = descriptors
        .par_iter()
        .map(|d| {
            let r = audits::audit_in(d, &descriptors, &nulls, &thr, fits);
            pb.inc(1);
            r
        })
        .collect();
    pb.finish_and_clear();
    Ok((descriptors, results))
}

/// Writes `papers/<paper>.md` and its figure for every paper, each marked as generated
/// ([`report::clean`]); returns the paths written (relative to `dir`).
pub(crate) fn write_paper_pages(
    dir: &Path,
    results: &[AuditResult],
    missing: &[report::papers::NotAudited],
) -> Result<Vec<String>> {
    let papers = report::papers::group(results, missing);
    let mut written = Vec::new();
    for p in &papers {
        let slug = p.slug();
        let figure = match report::papers::figure(p)? {
            Some(svg) => {
                let rel = format!("figures/{slug}.svg");
                let full = format!("papers/{rel}");
                write_atomic(
                    &dir.join(&full),
                    report::clean::marked(&full, &svg).as_bytes(),
                )?;
                written.push(full);
                Some(rel)
            }
            None => None,
        };
        let rel = format!("papers/{slug}.md");
        write_atomic(
            &dir.join(&rel),
            report::clean::marked(&rel, &report::papers::page(p, figure.as_deref())).as_bytes(),
        )?;
        written.push(rel);
    }
    Ok(written)
}

/// Writes an audit's report and one waterfall per target (each marked as generated,
/// [`report::clean`]); returns the report's path and every path written (relative to `dir`).
pub(crate) fn write_audit(r: &AuditResult, dir: &Path) -> Result<(PathBuf, Vec<String>)> {
    let mut written = Vec::new();
    for t in &r.targets {
        if let Some(j) = t.judgements.first() {
            let figure = report::audit::figure_path(r, t);
            let svg = report::svg::waterfall(&r.id, &t.arm, j)?;
            write_atomic(
                &dir.join(&figure),
                report::clean::marked(&figure, &svg).as_bytes(),
            )?;
            written.push(figure);
        }
    }
    let name = format!("{}.md", r.id);
    let md = dir.join(&name);
    write_atomic(&md, report::audit::report(r).as_bytes())?;
    written.push(name);
    Ok((md, written))
}

/// The descriptors `files` name, loaded with every other descriptor in their directories and in
/// `extra` (the lenders of borrowed arms and the measured nulls); errors are those of `files`
/// only.
pub(crate) fn load_with_neighbours(
    files: &[PathBuf],
    extra: Option<&Path>,
    cache: &Path,
) -> Result<(
    Vec<audits::descriptor::Descriptor>,
    Vec<crate::yaml::LoadError>,
)> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut seen: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    let mut all: Vec<PathBuf> = Vec::new();
    let mut add = |p: PathBuf, all: &mut Vec<PathBuf>| {
        if seen.insert(canon(&p)) {
            all.push(p);
        }
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for f in files {
        let dir = f
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dirs.iter().any(|d| d == dir) {
            dirs.push(dir.to_path_buf());
        }
    }
    if let Some(e) = extra.filter(|e| e.is_dir()) {
        dirs.push(e.to_path_buf());
    }
    for f in files {
        add(f.clone(), &mut all);
    }
    for dir in &dirs {
        if dir.is_dir() {
            for n in audits::descriptor_files(dir)? {
                add(n, &mut all);
            }
        }
    }
    let (descriptors, errors) = audits::load_set(&all, cache);
    let wanted: std::collections::BTreeSet<PathBuf> = files.iter().map(|f| canon(f)).collect();
    let own = errors
        .into_iter()
        .filter(|e| wanted.contains(&canon(&e.path)))
        .collect();
    Ok((descriptors, own))
}

/// Checks the cached model-check runs `requests` use (the cache read from `path`; every one
/// recomputed with `verify`) and runs the missing ones, with a progress bar.
fn fill_fits(
    fits: &FitCache,
    requests: &[audits::fit::Request],
    path: &Path,
    verify: bool,
) -> Result<()> {
    let pb = progress::bar(fits.missing(requests) as u64, "model-check runs");
    let done = fits.fill(requests, path, verify, &|| pb.inc(1));
    pb.finish_and_clear();
    done?;
    Ok(())
}

/// The fit cache at `path` (an error names a corrupt file).
pub(crate) fn load_fits(path: &Path) -> Result<FitCache> {
    Ok(FitCache::load(path)?)
}

/// The measured nulls and aliases the evidence flags name, checked against the loaded
/// descriptors `ds` (an error names the file and the field).
pub(crate) fn load_nulls(
    ev: &EvidenceArgs,
    ds: &[audits::descriptor::Descriptor],
) -> Result<audits::evidence::NullSet> {
    let default = ev.measured_nulls == Path::new(crate::io::paths::MEASURED_NULLS)
        && ev.aliases == Path::new(crate::io::paths::ALIASES);
    let set = audits::evidence::NullSet::load(&ev.measured_nulls, &ev.aliases, default)?;
    set.check_ids(&ev.measured_nulls, ds)?;
    Ok(set)
}

/// The verdict thresholds with the evidence flags' seed-spread sensitivity.
pub(crate) fn thresholds(ev: &EvidenceArgs) -> Thresholds {
    Thresholds {
        sensitivity_sd: ev.seed_sd / 100.0,
        ..Thresholds::default()
    }
}

/// The descriptor `file` audited against the descriptors of its directory and of `dir`.
pub(crate) fn audit_one(a: &crate::cli::DescriptorArgs) -> Result<AuditResult> {
    let crate::cli::DescriptorArgs {
        file,
        audits_dir: dir,
        paper_cache: cache,
        fit_cache: fits_path,
        verify_fit_cache: verify_fits,
        evidence: ev,
    } = a;
    anyhow::ensure!(file.exists(), "{}: no such file", file.display());
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (descriptors, own) = load_with_neighbours(&[file.to_path_buf()], Some(dir), cache)?;
    if !own.is_empty() {
        let list: Vec<String> = own.iter().map(|e| e.to_string()).collect();
        anyhow::bail!("{}", list.join("\n"));
    }
    let me = canon(file);
    let d = descriptors
        .iter()
        .find(|d| canon(&d.path) == me)
        .ok_or_else(|| anyhow::anyhow!("{}: not loaded", file.display()))?;
    let nulls = load_nulls(ev, &descriptors)?;
    let fits = load_fits(fits_path)?;
    fill_fits(&fits, &audits::fit_requests(d), fits_path, *verify_fits)?;
    Ok(audits::audit_in(
        d,
        &descriptors,
        &nulls,
        &thresholds(ev),
        &fits,
    ))
}

pub(crate) fn validate_cmd(a: ValidateArgs) -> Result<()> {
    let targets = if a.paths.is_empty() {
        vec![std::path::PathBuf::from(crate::io::paths::AUDITS)]
    } else {
        a.paths
    };
    let mut files = Vec::new();
    for t in &targets {
        if t.is_dir() {
            files.extend(audits::descriptor_files(t)?);
        } else {
            files.push(t.clone());
        }
    }
    anyhow::ensure!(
        !files.is_empty(),
        "no descriptor files found in {:?}",
        targets
    );
    let (ok, errors) = load_with_neighbours(&files, None, &a.paper_cache)?;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let named: Vec<PathBuf> = files.iter().map(|f| canon(f)).collect();
    let mut warned = 0;
    for d in ok.iter().filter(|d| named.contains(&canon(&d.path))) {
        let consistency = audits::consistency::check(d);
        for w in d
            .warnings
            .iter()
            .chain(&audits::consistency::warnings(d, &consistency))
        {
            eprintln!("warning: {w}");
            warned += 1;
        }
    }
    for e in &errors {
        eprintln!("{e}");
    }
    let bad: std::collections::BTreeSet<PathBuf> = errors.iter().map(|e| canon(&e.path)).collect();
    anyhow::ensure!(
        errors.is_empty(),
        "{} error(s) in {} of {} descriptor(s)",
        errors.len(),
        bad.len(),
        files.len()
    );
    say!(
        "{} descriptor(s) valid{}",
        files.len(),
        if warned > 0 {
            format!(", {warned} warning(s)")
        } else {
            String::new()
        }
    );
    Ok(())
}

pub(crate) fn audit_cmd(a: AuditArgs) -> Result<()> {
    let r = audit_one(&a.descriptor)?;
    let (md, _) = write_audit(&r, &a.reports_dir)?;
    if a.json {
        return print_json(&r);
    }
    say!(
        "{}",
        report::audit::terminal_summary(std::slice::from_ref(&r))
    );
    say!("wrote {}", md.display());
    Ok(())
}

/// `check`: 0 SURVIVES on the paper's own random arm (or, with `--accept-cross-paper`, on other
/// papers' measured nulls under every transfer), 1 FAILS or NOT_SHOWN on any evidence, 3
/// otherwise (errors exit 2 from `main`).
pub(crate) fn check_cmd(a: CheckArgs) -> Result<u8> {
    let r = audit_one(&a.descriptor)?;
    let ci = r.ci(a.accept_cross_paper);
    if a.json {
        print_record(&report::check::CheckRecord::of(&r, a.accept_cross_paper))?;
    } else {
        say_raw!("{}", report::audit::check_text(&r, a.accept_cross_paper));
    }
    Ok(ci.exit_code)
}
