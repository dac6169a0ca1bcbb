//! `new`: draft descriptors from a paper's cached tables, citing every cell.

use super::*;

/// `new`: drafts descriptors from a paper's cached tables.
///
/// Stays whole: the command's recipe in the order it runs (parse the id, load the synonyms,
/// draft with the flags' filter, check the cited tables, name the files, then write, print as
/// JSON or list), each step a few lines.
pub(crate) fn new_cmd(a: crate::cli::NewArgs) -> Result<()> {
    use crate::draft;
    let key = crate::fetch::PaperId::parse(&a.id)?.key();
    let syn = draft::Synonyms::load(&a.synonyms)?;
    let filter = draft::Filter {
        table: a.table.clone(),
        model: a.model.clone(),
        benchmark: a.benchmark.clone(),
    };
    let found = draft::drafts(&a.cache_dir, &key, &syn, &filter)?;
    anyhow::ensure!(
        !found.is_empty(),
        "no table of {key} names training arms that the synonyms in {} recognise (a base and at least \
         one other role); see `rlvr-audit tables {key}`, or extend the synonyms",
        a.synonyms.display()
    );
    // The tables the drafts cite, checked for averages and differences that do not add up.
    let index = crate::fetch::cache::read_index(&a.cache_dir, &key)?;
    let mut cited: Vec<crate::fetch::extract::Table> = Vec::new();
    for d in &found {
        for m in crate::fetch::cache::find(&index, &d.table_ref) {
            if !cited.iter().any(|t| t.index == m.index) {
                cited.push(crate::fetch::cache::read_table(&a.cache_dir, &key, m)?);
            }
        }
    }
    super::papers::check_tables(
        &crate::fetch::cache::paper_dir(&a.cache_dir, &key),
        cited.iter(),
        a.json,
    );
    let paths: Vec<PathBuf> = found
        .iter()
        .map(|d| a.out.join(format!("{}.yaml", d.id)))
        .collect();
    if !a.dry_run {
        let existing: Vec<String> = paths
            .iter()
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        anyhow::ensure!(
            a.force || existing.is_empty(),
            "refusing to overwrite {} (pass --force to replace)",
            existing.join(", ")
        );
        std::fs::create_dir_all(&a.out)
            .with_context(|| format!("{}: cannot create", a.out.display()))?;
        let (title, authors) = draft::title_and_authors(&a.cache_dir, &key)?;
        let texts: Vec<String> = found
            .iter()
            .map(|d| draft::render(d, title.as_deref(), authors.as_deref()))
            .collect();
        let files: Vec<(&Path, &[u8])> = paths
            .iter()
            .zip(&texts)
            .map(|(p, t)| (p.as_path(), t.as_bytes()))
            .collect();
        crate::io::write_atomic_all(&files)?;
    }
    if a.json {
        return print_record(&draft::DraftsRecord {
            paper: &key,
            written: !a.dry_run,
            drafts: found
                .iter()
                .zip(&paths)
                .map(|(d, p)| draft::DraftEntry {
                    path: p.display().to_string(),
                    draft: d,
                })
                .collect(),
        });
    }
    for (d, p) in found.iter().zip(&paths) {
        say!(
            "{} {} — {} ({}), model {}, benchmark {}, metric {}",
            if a.dry_run { "would write" } else { "wrote" },
            p.display(),
            d.table,
            d.layout,
            d.model.as_deref().unwrap_or("TODO"),
            d.benchmark,
            d.metric.as_deref().unwrap_or("pass@1 (assumed: TODO)")
        );
        for arm in &d.arms {
            say!(
                "    {:<16} {:<10} {:>8}{}  row \"{}\", column \"{}\"",
                arm.name,
                arm.role,
                arm.printed,
                arm.spread
                    .as_ref()
                    .map_or(String::new(), |s| format!(" ± {s}")),
                arm.row,
                arm.column
            );
        }
    }
    say!(
        "{} draft(s); fill in every TODO, then `rlvr-audit validate`",
        found.len()
    );
    Ok(())
}
