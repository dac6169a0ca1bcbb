//! What `report` removes from the reports directory, and how it knows that it wrote a file: the
//! first line of every file it may remove names that very file.
//!
//! * an audit page `<id>.md` begins `# Audit: <id>`;
//! * a paper page `papers/<paper>.md`, a paper figure `papers/figures/<paper>.svg` and a
//!   waterfall `figures/<id>/<target>.svg` begin with the marker comment
//!   `<!-- rlvr-audit generated: <that path> -->` ([`marker`]).
//!
//! After writing everything, `report` removes exactly the files of those four kinds that carry
//! their own marker and that this run did not write, then the `figures/<id>/` folders that this
//! left empty. Nothing is followed through a symbolic link (a linked folder is not entered, a
//! link is never removed), only regular files are read (their first line only), and a folder is
//! removed only when empty. Everything else — user files, other folders, files whose first line
//! names another path — stays.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The most of a file read to find its first line.
const HEAD_BYTES: usize = 4096;

/// The marker line of a generated file whose path under the reports directory is `rel`
/// (with `/` separators).
pub fn marker(rel: &str) -> String {
    format!("<!-- rlvr-audit generated: {rel} -->")
}

/// `body` with the marker of `rel` as its first line.
pub fn marked(rel: &str, body: &str) -> String {
    format!("{}\n{body}", marker(rel))
}

/// The first line an audit page `<id>.md` begins with.
pub fn audit_heading(id: &str) -> String {
    format!("# Audit: {id}")
}

/// Whether `path` is a regular file (not a link) whose first line is `line`.
fn begins_with(path: &Path, line: &str) -> bool {
    crate::io::first_line(path, HEAD_BYTES).is_some_and(|l| l == line)
}

/// The entries of a folder, sorted by name; `None` when `path` is not a folder — or, unless
/// `follow` (the reports directory the user named), when it is a link to one.
fn listing(path: &Path, follow: bool) -> Option<Vec<(String, PathBuf)>> {
    let meta = if follow {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    if !meta.ok()?.file_type().is_dir() {
        return None;
    }
    let mut v: Vec<(String, PathBuf)> = fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(|n| (n.to_string(), e.path())))
        .collect();
    v.sort();
    Some(v)
}

/// A real folder (not a link to one), listed.
fn real_dir(path: &Path) -> Option<Vec<(String, PathBuf)>> {
    listing(path, false)
}

/// A file that could not be removed.
#[derive(Debug, thiserror::Error)]
#[error("cannot remove {}", .0.display())]
pub struct RemoveError(PathBuf, #[source] std::io::Error);

fn remove(path: &Path, removed: &mut Vec<PathBuf>) -> Result<(), RemoveError> {
    match fs::remove_file(path) {
        Ok(()) => {
            removed.push(path.to_path_buf());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RemoveError(path.to_path_buf(), e)),
    }
}

/// Removes from the reports directory `dir` the generated files that this run did not write
/// (`written`: paths relative to `dir`, `/`-separated), as the module documentation says, and
/// returns what was removed.
pub fn remove_stale(dir: &Path, written: &BTreeSet<String>) -> Result<Vec<PathBuf>, RemoveError> {
    let mut removed = Vec::new();
    // The reports directory itself may be a link the user chose; nothing below it is followed.
    let Some(top) = listing(dir, true) else {
        return Ok(removed);
    };
    for (name, path) in &top {
        if let Some(id) = name.strip_suffix(".md")
            && !written.contains(name)
            && begins_with(path, &audit_heading(id))
        {
            remove(path, &mut removed)?;
        }
    }
    for (id, folder) in real_dir(&dir.join("figures")).unwrap_or_default() {
        let Some(files) = real_dir(&folder) else {
            continue;
        };
        let before = removed.len();
        for (name, path) in &files {
            let rel = format!("figures/{id}/{name}");
            if name.ends_with(".svg") && !written.contains(&rel) && begins_with(path, &marker(&rel))
            {
                remove(path, &mut removed)?;
            }
        }
        if removed.len() > before && real_dir(&folder).is_some_and(|left| left.is_empty()) {
            // Only an empty folder goes; a folder that holds anything else stays.
            let _ = fs::remove_dir(&folder);
        }
    }
    for (sub, ext) in [("papers", ".md"), ("papers/figures", ".svg")] {
        for (name, path) in real_dir(&dir.join(sub)).unwrap_or_default() {
            let rel = format!("{sub}/{name}");
            if name.ends_with(ext) && !written.contains(&rel) && begins_with(&path, &marker(&rel)) {
                remove(&path, &mut removed)?;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_marked_files_not_written_this_run_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::create_dir_all(d.join("figures/old")).unwrap();
        fs::create_dir_all(d.join("papers/figures")).unwrap();
        let put = |rel: &str, text: &str| fs::write(d.join(rel), text).unwrap();
        put("old.md", "# Audit: old\n");
        put("live.md", "# Audit: live\n");
        put("notes.md", "# Audit: other\n");
        put("figures/old/t.svg", &marked("figures/old/t.svg", "<svg/>"));
        put("papers/1.md", &marked("papers/1.md", "# P"));
        put("papers/2.md", &marked("papers/1.md", "# copied"));
        put(
            "papers/figures/1.svg",
            &marked("papers/figures/1.svg", "<svg/>"),
        );
        let written: BTreeSet<String> = ["live.md".to_string()].into();
        let removed = remove_stale(d, &written).unwrap();
        assert_eq!(removed.len(), 4, "{removed:?}");
        assert!(d.join("live.md").exists() && d.join("notes.md").exists());
        assert!(
            d.join("papers/2.md").exists(),
            "a marker naming another file"
        );
        assert!(!d.join("figures/old").exists(), "emptied folder removed");
    }
}
