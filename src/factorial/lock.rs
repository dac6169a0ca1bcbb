//! Locking a pre-registration: a SHA-256 of the study's canonical form recorded before any run,
//! checked by every run, and changed only by a recorded amendment.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::study::Study;
use crate::report::write::write_atomic;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub sha256: String,
    pub why: String,
    pub at: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// File name of the study.
    pub study: String,
    /// Hash at locking time.
    pub sha256: String,
    pub tool_version: String,
    pub locked_at: String,
    #[serde(default)]
    pub amendments: Vec<Amendment>,
}

impl Lock {
    /// The hash the study must have now: the last amendment's, else the original.
    pub fn current(&self) -> &str {
        self.amendments.last().map_or(&self.sha256, |a| &a.sha256)
    }
}

#[derive(Debug, Error)]
pub enum LockError {
    #[error(
        "{0}: no lock file; lock the study before its first run with `rlvr-audit prereg lock {1}`"
    )]
    Missing(String, String),
    #[error(
        "{path}: the study changed since it was locked (lock says {locked}, the file now hashes to {now}); \
         record the change with `rlvr-audit prereg amend {path} --why \"…\"` or restore the file"
    )]
    Mismatch {
        path: String,
        locked: String,
        now: String,
    },
    #[error("{0}: already locked (hash {1}); change it only through `prereg amend`")]
    AlreadyLocked(String, String),
    #[error("{0}: the study is unchanged since its lock; there is nothing to amend")]
    NothingToAmend(String),
    #[error("{0}: the lock file is not valid: {1}")]
    Corrupt(String, String),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

pub fn lock_path(study: &Path) -> PathBuf {
    let mut s = study.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

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

pub fn read_lock(path: &Path) -> Result<Lock, LockError> {
    let lp = lock_path(path);
    let text = std::fs::read_to_string(&lp)
        .map_err(|_| LockError::Missing(lp.display().to_string(), path.display().to_string()))?;
    serde_json::from_str(&text)
        .map_err(|e| LockError::Corrupt(lp.display().to_string(), e.to_string()))
}

fn write_lock(path: &Path, lock: &Lock) -> Result<(), LockError> {
    let text = serde_json::to_string_pretty(lock).expect("a lock serialises") + "\n";
    write_atomic(&lock_path(path), text.as_bytes())?;
    Ok(())
}

/// Writes the lock of a study that has none.
pub fn lock(path: &Path, study: &Study) -> Result<Lock, LockError> {
    if let Ok(existing) = read_lock(path) {
        return Err(LockError::AlreadyLocked(
            path.display().to_string(),
            existing.current().to_string(),
        ));
    }
    let l = Lock {
        study: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: sha256_hex(&study.canonical()),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        locked_at: now_utc(),
        amendments: Vec::new(),
    };
    write_lock(path, &l)?;
    Ok(l)
}

/// Checks the study against its lock.
pub fn verify(path: &Path, study: &Study) -> Result<Lock, LockError> {
    let l = read_lock(path)?;
    let now = sha256_hex(&study.canonical());
    if now != l.current() {
        return Err(LockError::Mismatch {
            path: path.display().to_string(),
            locked: l.current().to_string(),
            now,
        });
    }
    Ok(l)
}

/// Records the study's present form as an amendment, with the reason.
pub fn amend(path: &Path, study: &Study, why: &str) -> Result<Lock, LockError> {
    let mut l = read_lock(path)?;
    let now = sha256_hex(&study.canonical());
    if now == l.current() {
        return Err(LockError::NothingToAmend(path.display().to_string()));
    }
    l.amendments.push(Amendment {
        sha256: now,
        why: why.to_string(),
        at: now_utc(),
    });
    write_lock(path, &l)?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting_matches_known_dates() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_798_761_599), "2026-12-31T23:59:59Z");
    }
}
