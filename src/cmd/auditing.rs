//! `validate`, `audit` and `check`: descriptors loaded with their neighbours, audited and written.

use super::*;

/// Loads and audits every descriptor of a directory; any invalid descriptor fails the whole run
/// with every error listed (none is skipped) before anything is written. Returns the
/// descriptors with their audits.
pub(crate) fn audit_dir(
    dir: &Path,
    cache: &Path,
    fits: &FitCache,
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
    // Listing the runs solves each member's prior at each reported base (once per base, kept
    // for the audits below): the descriptors' bases are solved in parallel.
    let requests: Vec<_> = descriptors
        .par_iter()
        .flat_map_iter(audits::fit_requests)
        .collect();
    fill_fits(fits, &requests);
    // Each audit depends only on its descriptor, the set and the cache: they run in parallel
    // and are collected in the descriptors' order.
    let pb = progress::bar(descriptors.len() as u64, "audits");
    let results = descriptors
        .par_iter()
        .map(|d| {
            let r = audits::audit_with(d, &descriptors, &Thresholds::default(), fits);
            pb.inc(1);
            r
        })
        .collect();
    pb.finish_and_clear();
    Ok((descriptors, results))
}

/// Writes `papers/<paper>.md` and its figure for every paper, and removes the pages of papers
/// that no longer have one (the `papers/` directory is the tool's own).
pub(crate) fn write_paper_pages(
    dir: &Path,
    results: &[AuditResult],
    missing: &[report::papers::NotAudited],
) -> Result<()> {
    let papers = report::papers::group(results, missing);
    let pages = dir.join("papers");
    let mut written: std::collections::BTreeSet<std::ffi::OsString> = Default::default();
    for p in &papers {
        let slug = p.slug();
        let figure = match report::papers::figure(p)? {
            Some(svg) => {
                let rel = format!("figures/{slug}.svg");
                write_atomic(&pages.join(&rel), svg.as_bytes())?;
                written.insert(format!("{slug}.svg").into());
                Some(rel)
            }
            None => None,
        };
        write_atomic(
            &pages.join(format!("{slug}.md")),
            report::papers::page(p, figure.as_deref()).as_bytes(),
        )?;
        written.insert(format!("{slug}.md").into());
    }
    for sub in [pages.clone(), pages.join("figures")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for e in entries.flatten() {
                if e.path().is_file() && !written.contains(&e.file_name()) {
                    std::fs::remove_file(e.path())
                        .with_context(|| format!("cannot remove {}", e.path().display()))?;
                }
            }
        }
    }
    Ok(())
}

/// Removes the reports and figures of audits whose descriptors are gone: a file `<id>.md` that
/// this tool wrote (its first line is `# Audit: <id>`) and a `figures/<id>/` directory of
/// waterfalls, for an id that no longer has a descriptor. Nothing else is touched.
pub(crate) fn remove_stale_audit_reports(dir: &Path, results: &[AuditResult]) -> Result<()> {
    let live: std::collections::BTreeSet<&str> = results.iter().map(|r| r.id.as_str()).collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let p = e.path();
        let Some(id) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".md"))
        else {
            continue;
        };
        let ours = std::fs::read_to_string(&p)
            .ok()
            .and_then(|t| t.lines().next().map(|l| l == format!("# Audit: {id}")))
            .unwrap_or(false);
        if ours && !live.contains(id) {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    if let Ok(figs) = std::fs::read_dir(dir.join("figures")) {
        for e in figs.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() && !live.contains(name.as_str()) {
                std::fs::remove_dir_all(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
            }
        }
    }
    Ok(())
}

/// Writes an audit's report and one waterfall per target.
pub(crate) fn write_audit(r: &AuditResult, dir: &Path) -> Result<std::path::PathBuf> {
    for t in &r.targets {
        if let Some(j) = t.judgements.first() {
            let figure = report::audit::figure_path(r, t);
            write_atomic(
                &dir.join(&figure),
                report::svg::waterfall(&r.id, &t.arm, j)?.as_bytes(),
            )?;
        }
    }
    let md = dir.join(format!("{}.md", r.id));
    write_atomic(&md, report::audit::report(r).as_bytes())?;
    Ok(md)
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

/// Runs the model-check runs missing from `fits`, with a progress bar.
fn fill_fits(fits: &FitCache, requests: &[audits::fit::Request]) {
    let pb = progress::bar(fits.missing(requests) as u64, "model-check runs");
    fits.fill(requests, &|| pb.inc(1));
    pb.finish_and_clear();
}

/// The fit cache at `path` (an error names a corrupt file).
pub(crate) fn load_fits(path: &Path) -> Result<FitCache> {
    Ok(FitCache::load(path)?)
}

/// The descriptor `file` audited against the descriptors of its directory and of `dir`.
pub(crate) fn audit_one(a: &crate::cli::DescriptorArgs) -> Result<AuditResult> {
    let crate::cli::DescriptorArgs {
        file,
        audits_dir: dir,
        paper_cache: cache,
        fit_cache: fits,
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
    let fits = load_fits(fits)?;
    fill_fits(&fits, &audits::fit_requests(d));
    Ok(audits::audit_with(
        d,
        &descriptors,
        &Thresholds::default(),
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
        for w in &d.warnings {
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
    let md = write_audit(&r, &a.reports_dir)?;
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

/// `check`: 0 SURVIVES, 1 NOT_SHOWN, 3 UNDETERMINED (errors exit 2 from `main`).
pub(crate) fn check_cmd(a: CheckArgs) -> Result<u8> {
    let r = audit_one(&a.descriptor)?;
    let verdict = r.survival();
    if a.json {
        print_record(&report::check::CheckRecord::of(&r))?;
    } else {
        say_raw!("{}", report::audit::check_text(&r));
    }
    Ok(verdict.exit_code())
}
