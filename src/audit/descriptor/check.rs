//! The located checks every field goes through: typed getters that record an error (with
//! file:line:column, the field path and a "did you mean") instead of stopping at the first one.

use super::*;

/// Collects every error and warning of one file.
pub(super) struct Check<'a> {
    pub(super) path: &'a Path,
    pub(super) errors: Vec<LoadError>,
    pub(super) warnings: Vec<LoadError>,
}

impl<'a> Check<'a> {
    pub(super) fn at(
        &self,
        line: u64,
        column: u64,
        field: &str,
        msg: impl std::fmt::Display,
    ) -> LoadError {
        let m = if field.is_empty() {
            msg.to_string()
        } else {
            format!("field `{field}`: {msg}")
        };
        LoadError::new(self.path, m).at(line, column)
    }

    pub(super) fn error(&mut self, node: &Node, field: &str, msg: impl std::fmt::Display) {
        let e = self.at(node.line, node.column, field, msg);
        self.errors.push(e);
    }

    pub(super) fn warn(&mut self, node: &Node, field: &str, msg: impl std::fmt::Display) {
        let e = self.at(node.line, node.column, field, msg);
        self.warnings.push(e);
    }

    /// The entries of a mapping whose keys must be among `allowed` and include `required`.
    pub(super) fn map<'n>(
        &mut self,
        node: &'n Node,
        field: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<&'n [(Key, Node)]> {
        let Some(entries) = node.entries() else {
            self.error(
                node,
                field,
                format!("expected a mapping, got {}", node.describe()),
            );
            return None;
        };
        let join = |k: &str| {
            if field.is_empty() {
                k.to_string()
            } else {
                format!("{field}.{k}")
            }
        };
        for (k, _) in entries {
            if !allowed.contains(&k.name.as_str()) {
                let mut e = self.at(
                    k.line,
                    k.column,
                    &join(&k.name),
                    format!(
                        "unknown key `{}` (expected one of: {})",
                        k.name,
                        allowed.join(", ")
                    ),
                );
                e.hint = yaml::did_you_mean(&k.name, allowed.iter().copied());
                self.errors.push(e);
            }
        }
        for r in required {
            if !entries.iter().any(|(k, _)| k.name == *r) {
                self.error(node, &join(r), "missing (required)");
            }
        }
        Some(entries)
    }

    /// A draft's placeholder (`TODO`, `TODO: …`): its own error class, so a draft written by
    /// `rlvr-audit new` can never be audited by accident.
    pub(super) fn todo(&mut self, node: &Node, field: &str) -> bool {
        let Kind::Scalar { text, .. } = &node.kind else {
            return false;
        };
        if !text.trim_start().starts_with("TODO") {
            return false;
        }
        let e = LoadError::new(
            self.path,
            format!("unfinished draft: field `{field}` is still a placeholder: {text}"),
        )
        .at(node.line, node.column);
        self.errors.push(e);
        true
    }

    /// A scalar as text (quoted or plain).
    pub(super) fn text(&mut self, node: &Node, field: &str) -> Option<String> {
        if self.todo(node, field) {
            return None;
        }
        match &node.kind {
            Kind::Scalar { text, .. } => Some(text.clone()),
            _ => {
                self.error(
                    node,
                    field,
                    format!("expected text, got {}", node.describe()),
                );
                None
            }
        }
    }

    /// A non-empty scalar text (a plain `~` or `null` is YAML's "no value").
    pub(super) fn nonempty(&mut self, node: &Node, field: &str) -> Option<String> {
        let t = self.text(node, field)?;
        let null = matches!(&node.kind, Kind::Scalar { plain: true, text } if text == "~" || text == "null");
        if t.trim().is_empty() || null {
            self.error(node, field, "must not be empty");
            return None;
        }
        Some(t)
    }

    /// A whole number written as a number (a quoted `"500"` is refused).
    pub(super) fn uint(&mut self, node: &Node, field: &str, lo: u64, hi: u64) -> Option<u64> {
        if self.todo(node, field) {
            return None;
        }
        match &node.kind {
            Kind::Scalar { text, plain: true } => match text.parse::<u64>() {
                Ok(v) if (lo..=hi).contains(&v) => Some(v),
                Ok(v) => {
                    self.error(node, field, format!("{v} is outside {lo}..={hi}"));
                    None
                }
                Err(_) => {
                    self.error(
                        node,
                        field,
                        format!("expected a whole number from {lo} to {hi}, got `{text}`"),
                    );
                    None
                }
            },
            Kind::Scalar { plain: false, .. } => {
                self.error(
                    node,
                    field,
                    format!(
                        "expected a whole number, got {} (write numbers without quotes)",
                        node.describe()
                    ),
                );
                None
            }
            _ => {
                self.error(
                    node,
                    field,
                    format!("expected a whole number, got {}", node.describe()),
                );
                None
            }
        }
    }

    /// A real number written as a number.
    pub(super) fn float(&mut self, node: &Node, field: &str) -> Option<f64> {
        if self.todo(node, field) {
            return None;
        }
        match &node.kind {
            Kind::Scalar { text, plain: true } => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    self.error(node, field, format!("expected a number, got `{text}`"));
                    None
                }
            },
            _ => {
                self.error(
                    node,
                    field,
                    format!(
                        "expected a number, got {} (write numbers without quotes)",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    /// One of `allowed`, with a "did you mean".
    pub(super) fn choice(&mut self, node: &Node, field: &str, allowed: &[&str]) -> Option<String> {
        let t = self.text(node, field)?;
        if allowed.contains(&t.as_str()) {
            return Some(t);
        }
        let mut e = self.at(
            node.line,
            node.column,
            field,
            format!("`{t}` is not one of: {}", allowed.join(", ")),
        );
        e.hint = yaml::did_you_mean(&t, allowed.iter().copied());
        self.errors.push(e);
        None
    }

    /// A printed number: quoted, or plain (whose source text is kept, trailing zeros and all).
    pub(super) fn printed(&mut self, node: &Node, field: &str) -> Option<Printed> {
        let t = self.text(node, field)?;
        match parse_printed(&t) {
            Some(p) => Some(p),
            None => {
                self.error(
                    node,
                    field,
                    format!(
                        "`{t}` is not a number as printed (e.g. \"49.4\", \"+21.4\", \"−8.5\")"
                    ),
                );
                None
            }
        }
    }
}

pub(super) fn is_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
