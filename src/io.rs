//! Utilities every layer may use: the one bounded reader every file read goes through (regular
//! files only, refused by size before reading), atomic file output (a file is either the old one
//! or the complete new one, never half), the clean-up of what killed writers left, SHA-256
//! hashing and UTC time.

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
    /// The model check's cached simulator runs (`report` keeps it current).
    pub const FIT_CACHE: &str = "data/fit-cache.json";
    /// Correctness-blind arms printed without a full descriptor (measured nulls and controls).
    pub const MEASURED_NULLS: &str = "data/measured-nulls.yaml";
    /// Names that denote one model or benchmark across papers.
    pub const ALIASES: &str = "data/aliases.yaml";
    /// Label patterns that `new` recognises arms by.
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

/// A file that was not read: missing, not a regular file, over its limit, unreadable or not
/// UTF-8. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: no such file", .0.display())]
    Missing(PathBuf),
    #[error("{}: not a regular file (a {}); only regular files are read", .0.display(), .1)]
    NotRegular(PathBuf, &'static str),
    #[error(
        "{}: {size} bytes or more; {what} is limited to {limit} bytes (refused before reading)",
        .path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        what: &'static str,
    },
    #[error("{}: cannot read ({})", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    #[error("{}:{line}:{column}: invalid UTF-8 (the file must be UTF-8 text)", .path.display())]
    NotUtf8 {
        path: PathBuf,
        line: u64,
        column: u64,
    },
}

impl ReadError {
    /// The reason without the path (for errors that print the path themselves).
    pub fn reason(&self) -> String {
        let full = self.to_string();
        let path = match self {
            ReadError::Missing(p) | ReadError::NotRegular(p, _) | ReadError::Io(p, _) => p,
            ReadError::TooLarge { path, .. } | ReadError::NotUtf8 { path, .. } => path,
        };
        let prefix = format!("{}: ", path.display());
        match full.strip_prefix(&prefix) {
            Some(rest) => rest.to_string(),
            None => full,
        }
    }
}

/// What a file that is not a regular file is, in words.
fn kind_of(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "named pipe";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
    }
    if t.is_dir() {
        "directory"
    } else if t.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

/// Whether a final symbolic link is followed when a file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    Follow,
    /// A link is refused (as "not a regular file") and never opened.
    Refuse,
}

/// Opens `path` for reading if it is a regular file, and returns it with its size. The type is
/// checked before the file is opened (a FIFO is never opened, a device never read), and again
/// on the open file, which is opened non-blocking (a file swapped for a FIFO in between cannot
/// block) and, with [`Links::Refuse`], without following a final link.
pub fn open_regular(path: &Path, links: Links) -> Result<(fs::File, u64), ReadError> {
    let meta = match links {
        Links::Follow => fs::metadata(path),
        Links::Refuse => fs::symlink_metadata(path),
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Missing(path.to_path_buf()));
        }
        Err(e) => return Err(ReadError::Io(path.to_path_buf(), e)),
    };
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular(
            path.to_path_buf(),
            kind_of(meta.file_type()),
        ));
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut flags = rustix::fs::OFlags::NONBLOCK;
        if links == Links::Refuse {
            flags |= rustix::fs::OFlags::NOFOLLOW;
        }
        options.custom_flags(flags.bits() as i32);
    }
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing(path.to_path_buf()),
        _ => ReadError::Io(path.to_path_buf(), e),
    })?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Io(path.to_path_buf(), e))?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular(
            path.to_path_buf(),
            kind_of(meta.file_type()),
        ));
    }
    Ok((file, meta.len()))
}

/// Reads a regular file of at most `limit` bytes (`what` names the kind of file in the error):
/// refused before reading when its size says more, and the read itself stops past the limit
/// whatever size the file claims.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let (file, size) = open_regular(path, Links::Follow)?;
    let too_big = |size: u64| ReadError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
        what,
    };
    if size > limit {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(path.to_path_buf(), e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(limit + 1));
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text; an invalid byte is reported at its line and column.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let bytes = read_bounded(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[start..]).chars().count() as u64 + 1;
        ReadError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            column,
        }
    })
}

/// The first line of a regular file that is not a link (at most `max` bytes of it, without its
/// line ending), or `None` when the file is anything else or cannot be read. Only the first
/// `max` bytes are read, whatever the file's size.
pub fn first_line(path: &Path, max: usize) -> Option<String> {
    use std::io::Read as _;
    let (file, _) = open_regular(path, Links::Refuse).ok()?;
    let mut head = Vec::with_capacity(max);
    file.take(max as u64).read_to_end(&mut head).ok()?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8(line.to_vec()).ok()
}

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
    write_atomic_all(&[(path, contents)])
}

/// [`write_atomic`] for many files, with one scan per directory for what killed writers left
/// (a scan per file would make writing n files into one directory cost n²).
pub fn write_atomic_all(files: &[(&Path, &[u8])]) -> Result<(), WriteError> {
    let dir_of = |path: &Path| {
        path.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let name_of = |path: &Path| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut names: std::collections::BTreeMap<PathBuf, std::collections::BTreeSet<String>> =
        Default::default();
    for (path, _) in files {
        names.entry(dir_of(path)).or_default().insert(name_of(path));
    }
    for (dir, names) in &names {
        fs::create_dir_all(dir).map_err(|e| WriteError::CreateDir(dir.clone(), e))?;
        remove_leftovers_of(dir, &|n| names.contains(n));
    }
    for (path, contents) in files {
        let tmp = dir_of(path).join(format!(".{}.tmp-{}", name_of(path), std::process::id()));
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
            return result;
        }
    }
    Ok(())
}

/// Writes a new file that nothing else uses (in a directory this process just made): created,
/// never replacing anything. Not yet flushed to disk: [`sync_dir`] flushes the directory's files
/// at once before it is moved into place.
pub fn write_new(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| WriteError::Create(path.to_path_buf(), e))?;
    f.write_all(contents)
        .map_err(|e| WriteError::Write(path.to_path_buf(), e))
}

/// Flushes a directory and the files [`write_new`] wrote into it to disk, with one call for the
/// whole file system (a flush per file costs a disk round trip each: seconds for a thousand
/// tables).
pub fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    let d = fs::File::open(dir).map_err(|e| WriteError::Flush(dir.to_path_buf(), e))?;
    #[cfg(target_os = "linux")]
    {
        rustix::fs::syncfs(&d).map_err(|e| WriteError::Flush(dir.to_path_buf(), e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        for e in fs::read_dir(dir).map_err(|e| WriteError::Flush(dir.to_path_buf(), e))? {
            let p = e
                .map_err(|e| WriteError::Flush(dir.to_path_buf(), e))?
                .path();
            fs::File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(|e| WriteError::Flush(p.clone(), e))?;
        }
        d.sync_all()
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::InvalidInput {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(|e| WriteError::Flush(dir.to_path_buf(), e))
    }
}

/// Whether a process with this id is running (Linux `/proc`; elsewhere every process counts as
/// running, so nothing of another process is ever removed).
pub fn alive(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    !proc_root.is_dir() || proc_root.join(pid.to_string()).exists()
}

/// Removes what writers that died left in `dir`: `.NAME.tmp-PID…` and `.NAME.old-PID…` files and
/// directories (never links) for `name` whose process is gone.
pub fn remove_leftovers(dir: &Path, name: &str) {
    remove_leftovers_of(dir, &|n| n == name);
}

/// [`remove_leftovers`] for every name `wanted` accepts, in one scan of `dir`.
fn remove_leftovers_of(dir: &Path, wanted: &dyn Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix('.') else {
            continue;
        };
        for kind in [".tmp-", ".old-"] {
            let Some(at) = rest.rfind(kind) else {
                continue;
            };
            if !wanted(&rest[..at]) {
                continue;
            }
            let pid = rest[at + kind.len()..]
                .split('-')
                .next()
                .and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| p != std::process::id() && !alive(p)) {
                // A link of that name is not a temporary of ours: left alone.
                let p = e.path();
                let _ = match fs::symlink_metadata(&p) {
                    Ok(m) if m.is_dir() => fs::remove_dir_all(&p),
                    Ok(m) if m.is_file() => fs::remove_file(&p),
                    _ => Ok(()),
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
