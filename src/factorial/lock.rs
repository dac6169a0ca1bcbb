//! Locking a pre-registration: a SHA-256 of the study's canonical form recorded before any run,
//! checked by every run, and changed only by a recorded amendment.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::study::Study;
use crate::io::{WriteError, now_utc, sha256_hex, write_atomic};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub sha256: String,
    pub why: String,
    pub at: String,
    /// SHA-256 of the previous link and this amendment's fields: the history is a hash chain,
    /// so an edited or dropped entry no longer verifies.
    pub chain: String,
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
    /// SHA-256 of the lock's own fields: the first link of the chain.
    pub chain: String,
    #[serde(default)]
    pub amendments: Vec<Amendment>,
}

/// The first link: the lock's fields.
fn first_link(study: &str, sha256: &str, tool_version: &str, locked_at: &str) -> String {
    sha256_hex(&format!(
        "rlvr-audit/lock/v1\n{study}\n{sha256}\n{tool_version}\n{locked_at}\n"
    ))
}

/// A later link: the previous one and an amendment's fields.
fn next_link(prev: &str, sha256: &str, why: &str, at: &str) -> String {
    sha256_hex(&format!("{prev}\n{sha256}\n{why}\n{at}\n"))
}

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

impl Lock {
    /// The hash the study must have now: the last amendment's, else the original.
    pub fn current(&self) -> &str {
        self.amendments.last().map_or(&self.sha256, |a| &a.sha256)
    }

    /// The chain's links, the lock's own first.
    pub fn links(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.chain.as_str()).chain(self.amendments.iter().map(|a| a.chain.as_str()))
    }

    /// The last link: the whole history's hash.
    pub fn head(&self) -> &str {
        self.amendments.last().map_or(&self.chain, |a| &a.chain)
    }

    /// The line a report of the study records the history by ([`check_history`] reads it back).
    pub fn history_line(&self) -> String {
        format!(
            "{HISTORY} {} amendment(s), chain head `{}`.",
            self.amendments.len(),
            self.head()
        )
    }

    /// Checks the lock's own integrity: well-formed hashes and times, a reason for every
    /// amendment, and an unbroken hash chain. Returns what is wrong.
    pub fn check_chain(&self) -> Result<(), String> {
        if !is_hash(&self.sha256) || !is_utc(&self.locked_at) {
            return Err("the lock's hash or time is malformed".into());
        }
        let mut link = first_link(
            &self.study,
            &self.sha256,
            &self.tool_version,
            &self.locked_at,
        );
        if link != self.chain {
            return Err("the lock's fields do not match its chain hash (edited by hand?)".into());
        }
        for (i, a) in self.amendments.iter().enumerate() {
            if !is_hash(&a.sha256) || !is_utc(&a.at) || a.why.trim().is_empty() {
                return Err(format!(
                    "amendment {} is malformed (a hash, a UTC time and a non-empty reason are required)",
                    i + 1
                ));
            }
            link = next_link(&link, &a.sha256, &a.why, &a.at);
            if link != a.chain {
                return Err(format!(
                    "amendment {} does not continue the hash chain (edited, reordered or removed history?)",
                    i + 1
                ));
            }
        }
        Ok(())
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
    #[error(
        "{0}: the lock file is not valid: {1}; a lock is never rewritten: restore it from version control"
    )]
    Corrupt(String, String),
    #[error("{0}: a lock file exists but cannot be read ({1}); a lock is never overwritten")]
    Unreadable(String, String),
    #[error("{0}: an amendment needs a reason (--why)")]
    NoReason(String),
    #[error(
        "{lock}: the lock's history is shorter than {report} records ({recorded} amendment(s), chain head {head}; the lock has {now} and no such link): \
         amendments were removed. Restore the lock from version control; if it was replaced on purpose, delete {report}"
    )]
    Truncated {
        lock: String,
        report: String,
        recorded: String,
        head: String,
        now: usize,
    },
    #[error("{0}: the study's report cannot be read to check the lock's history ({1})")]
    Report(String, String),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// How a report's line recording the lock history begins.
const HISTORY: &str = "* Lock history:";

/// Checks a lock against the history a report of its study recorded ([`Lock::history_line`]):
/// the recorded chain head must be one of the lock's links, so a lock cut back behind what the
/// report saw — its last amendments, or all of them, removed — fails. A missing report, or one
/// without the line, records nothing to check.
pub fn check_history(path: &Path, l: &Lock, report: &Path) -> Result<(), LockError> {
    let text = match crate::io::read_text(report, 16 << 20, "a report") {
        Ok(t) => t,
        Err(crate::io::ReadError::Missing(_)) => return Ok(()),
        Err(e) => return Err(LockError::Report(report.display().to_string(), e.reason())),
    };
    let Some(line) = text.lines().find(|l| l.starts_with(HISTORY)) else {
        return Ok(());
    };
    let rest = line[HISTORY.len()..].trim();
    let recorded = rest.split(" amendment").next().unwrap_or("?").to_string();
    let head = rest.split('`').nth(1).unwrap_or("").to_string();
    if l.links().any(|k| k == head) {
        return Ok(());
    }
    Err(LockError::Truncated {
        lock: lock_path(path).display().to_string(),
        report: report.display().to_string(),
        recorded,
        head,
        now: l.amendments.len(),
    })
}

pub fn lock_path(study: &Path) -> PathBuf {
    let mut s = study.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Reads a lock and checks its chain.
pub fn read_lock(path: &Path) -> Result<Lock, LockError> {
    let lp = lock_path(path);
    let name = lp.display().to_string();
    match std::fs::symlink_metadata(&lp) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LockError::Missing(name, path.display().to_string()));
        }
        Err(e) => return Err(LockError::Unreadable(name, e.to_string())),
        Ok(_) => {}
    }
    let text =
        crate::yaml::read_text(&lp).map_err(|e| LockError::Unreadable(name.clone(), e.message))?;
    let l: Lock =
        serde_json::from_str(&text).map_err(|e| LockError::Corrupt(name.clone(), e.to_string()))?;
    l.check_chain().map_err(|e| LockError::Corrupt(name, e))?;
    Ok(l)
}

fn write_lock(path: &Path, lock: &Lock) -> Result<(), LockError> {
    let text = serde_json::to_string_pretty(lock).expect("a lock serialises") + "\n";
    write_atomic(&lock_path(path), text.as_bytes())?;
    Ok(())
}

/// Writes the lock of a study that has none.
pub fn lock(path: &Path, study: &Study) -> Result<Lock, LockError> {
    match read_lock(path) {
        Ok(existing) => {
            return Err(LockError::AlreadyLocked(
                path.display().to_string(),
                existing.current().to_string(),
            ));
        }
        Err(LockError::Missing(..)) => {}
        // A lock that exists in any state is history: never replaced.
        Err(e) => return Err(e),
    }
    let study_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sha256 = sha256_hex(&study.canonical());
    let tool_version = env!("CARGO_PKG_VERSION").to_string();
    let locked_at = now_utc();
    let l = Lock {
        chain: first_link(&study_name, &sha256, &tool_version, &locked_at),
        study: study_name,
        sha256,
        tool_version,
        locked_at,
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
    if why.trim().is_empty() {
        return Err(LockError::NoReason(path.display().to_string()));
    }
    let mut l = read_lock(path)?;
    let now = sha256_hex(&study.canonical());
    if now == l.current() {
        return Err(LockError::NothingToAmend(path.display().to_string()));
    }
    let at = now_utc();
    let prev = l
        .amendments
        .last()
        .map_or(l.chain.clone(), |a| a.chain.clone());
    l.amendments.push(Amendment {
        chain: next_link(&prev, &now, why, &at),
        sha256: now,
        why: why.to_string(),
        at,
    });
    write_lock(path, &l)?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::format_utc;

    #[test]
    fn an_edited_lock_breaks_its_chain() {
        let mut l = Lock {
            study: "s.yaml".into(),
            sha256: "a".repeat(64),
            tool_version: "0.1.0".into(),
            locked_at: "2026-01-01T00:00:00Z".into(),
            chain: first_link("s.yaml", &"a".repeat(64), "0.1.0", "2026-01-01T00:00:00Z"),
            amendments: Vec::new(),
        };
        assert_eq!(l.check_chain(), Ok(()));
        let at = "2026-01-02T00:00:00Z";
        l.amendments.push(Amendment {
            sha256: "b".repeat(64),
            why: "w".into(),
            at: at.into(),
            chain: next_link(&l.chain, &"b".repeat(64), "w", at),
        });
        assert_eq!(l.check_chain(), Ok(()));
        let mut edited = l.clone();
        edited.sha256 = "c".repeat(64);
        assert!(edited.check_chain().is_err(), "hash replaced");
        let mut edited = l.clone();
        edited.amendments[0].why = String::new();
        assert!(edited.check_chain().is_err(), "empty reason");
        let mut edited = l.clone();
        edited.amendments[0].sha256 = "d".repeat(64);
        assert!(edited.check_chain().is_err(), "amendment hash replaced");
    }

    #[test]
    fn utc_formatting_matches_known_dates() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_798_761_599), "2026-12-31T23:59:59Z");
    }
}
