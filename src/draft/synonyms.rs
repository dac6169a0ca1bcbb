//! The synonyms file (`data/arm-synonyms.yaml`, or `--synonyms`): label patterns that name each
//! role, the model names, and the labels to ignore.

use std::path::Path;

use super::DraftError;
use crate::yaml::tree::{Kind, Node};

/// The roles a synonyms file may name: the descriptor's roles.
use crate::audit::descriptor::ROLES;

/// One label pattern: whole consecutive words, the last may be a prefix (`qwen*`).
#[derive(Clone, Debug)]
pub(super) struct Pattern {
    words: Vec<String>,
    prefix: bool,
}

impl Pattern {
    pub(super) fn new(s: &str) -> Pattern {
        let prefix = s.trim_end().ends_with('*');
        Pattern {
            words: words(s.trim_end().trim_end_matches('*')),
            prefix,
        }
    }

    pub(super) fn matches(&self, label: &[String]) -> bool {
        let n = self.words.len();
        if n == 0 || label.len() < n {
            return false;
        }
        (0..=label.len() - n).any(|i| {
            (0..n).all(|k| {
                let (w, l) = (&self.words[k], &label[i + k]);
                if self.prefix && k == n - 1 {
                    l.starts_with(w.as_str())
                } else {
                    l == w
                }
            })
        })
    }
}

/// A label as matching sees it: lower case, words of letters, digits, `@` and inner dots.
pub(super) fn words(s: &str) -> Vec<String> {
    let s = crate::fetch::cell::normalise(s).to_lowercase();
    s.split(|c: char| !(c.is_alphanumeric() || c == '@' || c == '.'))
        .map(|w| w.trim_matches('.').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The recognition rules: role → patterns (in file order), model names, labels to ignore.
#[derive(Clone, Debug)]
pub struct Synonyms {
    roles: Vec<(String, Vec<Pattern>)>,
    models: Vec<Pattern>,
    ignore: Vec<Pattern>,
}

/// The project's synonyms file, as built into the binary.
const BUILT_IN: &str = include_str!("../../data/arm-synonyms.yaml");

impl Synonyms {
    /// Reads a synonyms file (format in `data/arm-synonyms.yaml`'s header). The project's own
    /// file, when asked for by its default path and absent there (the tool run outside the
    /// repository), is the copy built into the binary.
    pub fn load(path: &Path) -> Result<Synonyms, DraftError> {
        let text = if path == Path::new(crate::io::paths::ARM_SYNONYMS) && !path.exists() {
            BUILT_IN.to_string()
        } else {
            crate::yaml::read_text(path)?
        };
        let located = |line: u64, column: u64, message: String| DraftError::Synonyms {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let root =
            crate::yaml::tree::parse(&text).map_err(|e| located(e.line, e.column, e.message))?;
        let at = |n: &Node, msg: String| located(n.line, n.column, msg);
        let list = |n: &Node, what: &str| -> Result<Vec<Pattern>, DraftError> {
            match &n.kind {
                Kind::Seq(items) => items
                    .iter()
                    .map(|i| match &i.kind {
                        Kind::Scalar { text, .. } => Ok(Pattern::new(text)),
                        _ => Err(at(i, format!("`{what}`: expected a label pattern"))),
                    })
                    .collect(),
                _ => Err(at(
                    n,
                    format!("`{what}`: expected a list of label patterns"),
                )),
            }
        };
        let mut syn = Synonyms {
            roles: Vec::new(),
            models: Vec::new(),
            ignore: Vec::new(),
        };
        let entries = root
            .entries()
            .ok_or_else(|| at(&root, "expected a mapping with `roles`".into()))?;
        for (k, v) in entries {
            match k.name.as_str() {
                "roles" => {
                    let roles = v
                        .entries()
                        .ok_or_else(|| at(v, "`roles`: expected role → patterns".into()))?;
                    for (r, pats) in roles {
                        if !ROLES.contains(&r.name.as_str()) {
                            return Err(located(
                                r.line,
                                r.column,
                                format!(
                                    "`{}` is not a role (expected one of: {})",
                                    r.name,
                                    ROLES.join(", ")
                                ),
                            ));
                        }
                        syn.roles.push((r.name.clone(), list(pats, &r.name)?));
                    }
                }
                "models" => syn.models = list(v, "models")?,
                "ignore" => syn.ignore = list(v, "ignore")?,
                other => {
                    return Err(located(
                        k.line,
                        k.column,
                        format!("unknown key `{other}` (expected roles, models, ignore)"),
                    ));
                }
            }
        }
        if syn.roles.is_empty() {
            return Err(DraftError::NoRoles(path.to_path_buf()));
        }
        Ok(syn)
    }

    /// The role a label names, by the first role whose pattern matches.
    pub fn role(&self, label: &str) -> Option<&str> {
        let w = words(label);
        self.roles
            .iter()
            .find(|(_, pats)| pats.iter().any(|p| p.matches(&w)))
            .map(|(r, _)| r.as_str())
    }

    /// Whether a label names a model (a listed name, or a size such as 7b or 1.5b).
    pub fn is_model(&self, label: &str) -> bool {
        let w = words(label);
        let size = |t: &str| {
            t.len() > 1
                && (t.ends_with('b') || t.ends_with('m'))
                && t[..t.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.')
                && t.starts_with(|c: char| c.is_ascii_digit())
        };
        self.models.iter().any(|p| p.matches(&w)) || w.iter().any(|t| size(t))
    }

    pub fn ignored(&self, label: &str) -> bool {
        let w = words(label);
        self.ignore.iter().any(|p| p.matches(&w))
    }
}
