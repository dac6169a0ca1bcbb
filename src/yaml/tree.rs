//! A YAML document as a tree of located nodes, for input files whose every problem must be
//! reported at once with its line and column (audit descriptors). Built from the parser's events,
//! so locations are the parser's own; a plain scalar keeps its source text (`49.40` stays
//! `49.40`) and whether it was quoted, so a number typed as a string can be refused.

use granit_parser::{Event, Parser, ScalarStyle, Span};

/// Nesting deeper than this is refused (no descriptor nests more than a few levels).
pub const MAX_DEPTH: usize = 32;

/// A node and where it starts (1-based line and column).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub line: u64,
    pub column: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A scalar: its text, and whether it was written plain (unquoted, not a block).
    Scalar {
        text: String,
        plain: bool,
    },
    /// A mapping, in file order; keys are unique (a repeated key is a parse error).
    Map(Vec<(Key, Node)>),
    Seq(Vec<Node>),
}

/// A mapping key and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub line: u64,
    pub column: u64,
}

/// A parse failure with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

fn at(span: &Span) -> (u64, u64) {
    (span.start.line() as u64, span.start.col() as u64 + 1)
}

fn err(span: &Span, message: impl Into<String>) -> TreeError {
    let (line, column) = at(span);
    TreeError {
        line,
        column,
        message: message.into(),
    }
}

impl Node {
    /// The entries of a mapping, or `None` for any other kind.
    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// What kind of value this is, in words for error messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Scalar { text, plain: true } => format!("`{text}`"),
            Kind::Scalar { text, plain: false } => format!("the string \"{text}\""),
            Kind::Map(_) => "a mapping".into(),
            Kind::Seq(_) => "a list".into(),
        }
    }
}

struct Builder<'a> {
    events: Parser<'a, granit_parser::StrInput<'a>>,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), TreeError> {
        loop {
            match self.events.next() {
                None => {
                    return Err(TreeError {
                        line: 0,
                        column: 0,
                        message: "unexpected end of the document".into(),
                    });
                }
                Some(Err(e)) => {
                    let m = e.marker();
                    return Err(TreeError {
                        line: m.line() as u64,
                        column: m.col() as u64 + 1,
                        message: format!("invalid YAML: {}", e.info()),
                    });
                }
                Some(Ok((Event::Anchor(..), _))) => continue,
                Some(Ok(ev)) => return Ok(ev),
            }
        }
    }

    /// The node that starts with `first`.
    fn node(&mut self, first: (Event<'a>, Span), depth: usize) -> Result<Node, TreeError> {
        let (ev, span) = first;
        let (line, column) = at(&span);
        if depth > MAX_DEPTH {
            return Err(err(
                &span,
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let kind = match ev {
            Event::Scalar(text, style, ..) => Kind::Scalar {
                text: text.into_owned(),
                plain: style == ScalarStyle::Plain,
            },
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                return Err(err(
                    &span,
                    "aliases (`*name`) are not supported here: write the value out",
                ));
            }
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let next = self.next()?;
                    if matches!(next.0, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(next, depth + 1)?);
                }
                Kind::Seq(items)
            }
            Event::MappingStart(..) => {
                let mut entries: Vec<(Key, Node)> = Vec::new();
                loop {
                    let next = self.next()?;
                    if matches!(next.0, Event::MappingEnd) {
                        break;
                    }
                    let key_span = next.1;
                    let key = match self.node(next, depth + 1)?.kind {
                        Kind::Scalar { text, .. } => text,
                        _ => return Err(err(&key_span, "a key must be a plain word")),
                    };
                    let (kl, kc) = at(&key_span);
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == key) {
                        return Err(err(
                            &key_span,
                            format!(
                                "the key `{key}` is given twice (first on line {}); state each field once",
                                first.line
                            ),
                        ));
                    }
                    let first = self.next()?;
                    let value = self.node(first, depth + 1)?;
                    entries.push((
                        Key {
                            name: key,
                            line: kl,
                            column: kc,
                        },
                        value,
                    ));
                }
                Kind::Map(entries)
            }
            other => return Err(err(&span, format!("unexpected YAML event {other:?}"))),
        };
        Ok(Node { kind, line, column })
    }
}

/// Parses one YAML document into a tree. Several documents, aliases and nesting beyond
/// [`MAX_DEPTH`] are refused.
pub fn parse(text: &str) -> Result<Node, TreeError> {
    let mut b = Builder {
        events: Parser::new_from_str(text),
    };
    let mut root = None;
    loop {
        let (ev, span) = b.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(..) => {
                if root.is_some() {
                    return Err(err(&span, "a second YAML document: one file holds one"));
                }
                let first = b.next()?;
                if matches!(first.0, Event::DocumentEnd) {
                    continue;
                }
                root = Some(b.node(first, 0)?);
            }
            other => return Err(err(&span, format!("unexpected YAML event {other:?}"))),
        }
    }
    root.ok_or(TreeError {
        line: 1,
        column: 1,
        message: "the file is empty".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_text_and_style() {
        let t = parse("a: 49.40\nb: \"500\"\nc:\n  - x\n  - {d: 1}\n").unwrap();
        assert_eq!(
            t.get("a").unwrap().kind,
            Kind::Scalar {
                text: "49.40".into(),
                plain: true
            }
        );
        assert_eq!(
            t.get("b").unwrap().kind,
            Kind::Scalar {
                text: "500".into(),
                plain: false
            }
        );
        let c = t.get("c").unwrap();
        assert_eq!((c.line, c.column), (4, 3));
        let Kind::Seq(items) = &c.kind else { panic!() };
        assert_eq!(items[1].get("d").unwrap().line, 5);
    }

    #[test]
    fn repeated_keys_aliases_and_deep_nesting_are_refused() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        assert!(e.message.contains("given twice (first on line 1)"), "{e:?}");
        let e = parse("a: &x 1\nb: *x\n").unwrap_err();
        assert!(e.message.contains("aliases"), "{e:?}");
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        assert!(parse("").unwrap_err().message.contains("empty"));
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }
}
