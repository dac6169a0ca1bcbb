//! Utilities every layer may use: atomic file output (a file is either the old one or the complete
//! new one, never half), the clean-up of what killed writers left, SHA-256 hashing and UTC time.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The project's default paths, in one place (the command-line defaults name these).
pub mod paths {
    /// Audit descriptors.
    pub const AUDITS: &str = "audits";
    /// Generated reports.
    pub const REPORTS: &str = "reports";
    /// Pre-registered studies and their locks.
    pub const PREREG: &str = "data/prereg";
    /// The paper cache `fetch` writes and cited cells are read from.
    pub const PAPER_CACHE: &str = "data/papers";
    /// Printed rows that cannot be audited, with their reasons.
    pub const NOT_AUDITED: &str = "data/not-audited.yaml";
    /// Label patterns that `new` recognises arms by.
    /// The model check's cached simulator runs (`report` keeps it current).
    pub const FIT_CACHE: &str = "data/fit-cache.json";
    /// Correctness-blind arms printed without a full descriptor (measured nulls and controls).
    pub const MEASURED_NULLS: &str = "data/measured-nulls.yaml";
    /// Names that denote one model or benchmark across papers.
    pub const ALIASES: &str = "data/aliases.yaml";
    pub const ARM_SYNONYMS: &str = "data/arm-synonyms.yaml";
}

/// The tool's name and version, printed in every JSON output as `tool`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Tool {
    /// `rlvr-audit`.
    pub name: &'static str,
    /// The crate version, e.g. `0.1.0`.
    pub version: &'static str,
}

/// This build's [`Tool`].
pub const TOOL: Tool = Tool {
    name: env!("CARGO_PKG_NAME"),
    version: env!("CARGO_PKG_VERSION"),
};

/// A file that could not be written: which step failed, on which path, and (as its source) the
/// system's reason.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create directory {}", .0.display())]
    CreateDir(PathBuf, #[source] std::io::Error),
    #[error("cannot create {}", .0.display())]
    Create(PathBuf, #[source] std::io::Error),
    #[error("cannot write {}", .0.display())]
    Write(PathBuf, #[source] std::io::Error),
    #[error("cannot flush {}", .0.display())]
    Flush(PathBuf, #[source] std::io::Error),
    #[error("cannot move {} into place", .0.display())]
    Rename(PathBuf, #[source] std::io::Error),
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| WriteError::CreateDir(dir.to_path_buf(), e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_leftovers(dir, &name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(|e| WriteError::Create(tmp.clone(), e))?;
        f.write_all(contents)
            .map_err(|e| WriteError::Write(tmp.clone(), e))?;
        f.sync_all()
            .map_err(|e| WriteError::Flush(tmp.clone(), e))?;
        fs::rename(&tmp, path).map_err(|e| WriteError::Rename(path.to_path_buf(), e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Whether a process with this id is running (Linux `/proc`; elsewhere every process counts as
/// running, so nothing of another process is ever removed).
pub fn alive(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    !proc_root.is_dir() || proc_root.join(pid.to_string()).exists()
}

/// Removes what writers that died left in `dir`: `.NAME.tmp-PID…` and `.NAME.old-PID…` entries
/// for `name` whose process is gone.
pub fn remove_leftovers(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        for kind in [".tmp-", ".old-"] {
            let prefix = format!(".{name}{kind}");
            let Some(rest) = file.strip_prefix(&prefix) else {
                continue;
            };
            let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| p != std::process::id() && !alive(p)) {
                let p = e.path();
                let _ = if p.is_dir() {
                    fs::remove_dir_all(&p)
                } else {
                    fs::remove_file(&p)
                };
            }
        }
    }
}

/// The SHA-256 of a text, as lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic Gregorian).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    format_utc(secs)
}

pub fn format_utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_no_temporaries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let p = dir.join("sub/out.md");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "second");
        let names: Vec<_> = fs::read_dir(dir.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A path whose parent is a file cannot be written, and the error names it.
        let err = write_atomic(&p.join("x"), b"y").unwrap_err();
        assert!(err.to_string().contains("out.md"), "{err}");
    }
}
