//! Loading YAML input files (audit descriptors, pre-registrations) with hard limits and errors
//! that name the file, line, column and field — with a "did you mean" for misspelt keys.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

pub mod tree;

/// Input files larger than this are refused before they are read.
pub const MAX_BYTES: u64 = 1 << 20;
/// Alias expansions replayed across a whole file, at most (an alias bomb stops here).
pub const MAX_REPLAYED_EVENTS: usize = 20_000;

/// A load failure, located.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub path: PathBuf,
    /// 1-based line and column, where known.
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
    /// A suggestion for a misspelt key.
    pub hint: Option<String>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (did you mean `{h}`?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    pub fn new(path: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn at(mut self, line: u64, column: u64) -> LoadError {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely misspelling.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// serde reports an unknown key as "unknown field `x`, expected one of `a`, `b`": pull out the
/// key and the accepted names.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.split("unknown field `").nth(1)?;
    let (field, tail) = rest.split_once('`')?;
    let list = tail
        .split_once("expected")?
        .1
        .trim_start()
        .trim_start_matches("one of");
    let expected: Vec<String> = list
        .split([',', '|'])
        .flat_map(|p| p.split(" or "))
        .map(|p| p.trim().trim_matches('`').to_string())
        .filter(|p| !p.is_empty())
        .collect();
    Some((field.to_string(), expected))
}

fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    o.alias_limits.max_alias_expansions_per_anchor = 100;
    o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    o
}

/// Parses `text` (the contents of `path`) as a `T`.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let full = e.to_string();
        // The first line carries the message; the rest is a rendered snippet we do not need.
        let first = full.lines().next().unwrap_or("invalid YAML").trim();
        // Drop the library's "error: line L column C: " prefix; the location is printed once.
        let first = first.strip_prefix("error: ").unwrap_or(first);
        let message = match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
            Some((_, msg)) => msg.to_string(),
            None => first.to_string(),
        };
        let mut err = LoadError::new(path, message);
        if let Some(loc) = e.location() {
            err = err.at(loc.line(), loc.column());
        }
        if let Some((field, expected)) = unknown_field(&err.message) {
            err.hint = did_you_mean(&field, expected.iter().map(String::as_str));
        }
        err
    })
}

/// Reads `path` as UTF-8 text, at most [`MAX_BYTES`], through [`crate::io::read_text`]: a file
/// that is not a regular file (a FIFO, a device such as `/dev/zero`) is refused before it is read,
/// and the read itself stops past the limit whatever size the file claims. Invalid UTF-8 is
/// reported at its line and column.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use crate::io::ReadError;
    crate::io::read_text(path, MAX_BYTES, "an input file").map_err(|e| match e {
        ReadError::NotUtf8 { line, column, .. } => {
            LoadError::new(path, "invalid UTF-8: input files are UTF-8 text").at(line, column)
        }
        ReadError::NotRegular(_, kind) => LoadError::new(
            path,
            format!("not a regular file (a {kind}); give a regular file"),
        ),
        ReadError::TooLarge { size, .. } => LoadError::new(
            path,
            format!("file is {size} bytes or more; input files are limited to {MAX_BYTES} bytes"),
        ),
        other => LoadError::new(path, other.reason()),
    })
}

/// Reads and parses `path` (see [`read_text`] for the limits).
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    parse(path, &read_text(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        replicates: u32,
        #[serde(default)]
        items: Vec<String>,
    }

    fn p() -> &'static Path {
        Path::new("doc.yaml")
    }

    #[test]
    fn unknown_keys_are_located_with_a_suggestion() {
        let e = parse::<Doc>(p(), "title: x\nreplicats: 3\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.hint.as_deref(), Some("replicates"), "{e}");
        assert!(e.to_string().starts_with("doc.yaml:2:"), "{e}");
    }

    #[test]
    fn wrong_types_and_missing_fields_are_located() {
        let e = parse::<Doc>(p(), "title: x\nreplicates: many\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = parse::<Doc>(p(), "title: x\n").unwrap_err();
        assert!(e.message.contains("replicates"), "{e}");
    }

    #[test]
    fn an_alias_bomb_is_refused_quickly() {
        let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            y.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        y.push_str("title: x\nreplicates: 1\n");
        let t = std::time::Instant::now();
        let e = parse::<serde::de::IgnoredAny>(p(), &y);
        assert!(e.is_err());
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
        f.as_file().set_len(100 * 1024 * 1024).unwrap(); // sparse: 100 MB without writing them
        let e = load::<Doc>(f.path()).unwrap_err();
        assert!(e.message.contains("limited"), "{e}");
    }
}
