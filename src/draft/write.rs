//! Writing a draft: the schema-2 YAML with every unknown a `TODO`, and the title and authors read
//! from the cached page.

use std::fmt::Write;
use std::path::Path;

use super::Draft;
use crate::fetch::cache;

/// The paper's title and first author, from the cached page (LaTeXML's title and author blocks);
/// both `None` when the cache holds no page. A page that is there but cannot be read (not a
/// regular file, over the cache's limit, not UTF-8) is an error naming it.
pub fn title_and_authors(
    cache_dir: &Path,
    paper: &str,
) -> Result<(Option<String>, Option<String>), crate::io::ReadError> {
    let page = cache::paper_dir(cache_dir, paper).join("page.html");
    let html = match crate::io::read_text(&page, cache::MAX_PAGE_BYTES, "a cached page") {
        Ok(h) => h,
        Err(crate::io::ReadError::Missing(_)) => return Ok((None, None)),
        Err(e) => return Err(e),
    };
    let doc = scraper::Html::parse_document(&html);
    let text = |sel: &str| -> Vec<String> {
        let Ok(s) = scraper::Selector::parse(sel) else {
            return Vec::new();
        };
        doc.select(&s)
            .map(|e| crate::fetch::cell::normalise(&crate::fetch::extract::element_text(e).0))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let title = text("h1.ltx_title_document").into_iter().next();
    let names = text(".ltx_personname");
    let authors = match names.len() {
        0 => None,
        1 => Some(names[0].clone()),
        _ => Some(format!("{} et al.", names[0])),
    };
    Ok((title, authors))
}

/// Whether YAML lets `c` stand in its stream as it is (its printable set), and it is no line
/// break or byte-order mark.
fn yaml_plain(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `s` as a double-quoted YAML scalar: JSON's escapes (valid YAML escapes), and `\uXXXX` for
/// every character YAML does not allow in a stream (DEL, C1 controls, U+FFFE, U+FFFF) or reads
/// as a line break or byte-order mark, so the draft always parses.
fn q(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if yaml_plain(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04X}", c as u32));
        }
    }
    out
}

/// `s` made safe for a YAML comment: anything YAML does not allow as it is, and line breaks,
/// become spaces.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if yaml_plain(c) && c != '\t' { c } else { ' ' })
        .collect()
}

/// The draft as a schema-2 descriptor, every unknown a `TODO`.
pub fn render(d: &Draft, title: Option<&str>, authors: Option<&str>) -> String {
    let version = d
        .paper
        .rfind('v')
        .map(|i| &d.paper[i..])
        .filter(|v| v.len() > 1 && v[1..].bytes().all(|b| b.is_ascii_digit()));
    let number = d.paper.split('v').next().unwrap_or(&d.paper);
    let version_text = version.map_or(
        "TODO: the paper version (the cache holds no version: fetch with one, e.g. v1)".into(),
        str::to_string,
    );
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Draft by `rlvr-audit new` from arXiv {} {} ({}). Check every arm's role, fill in each TODO,\n# then `rlvr-audit validate` (a TODO is an \"unfinished draft\" error).",
        comment(&d.paper),
        comment(&d.table),
        d.layout
    );
    let _ = writeln!(y, "schema: 2");
    let _ = writeln!(y, "id: {}", d.id);
    let _ = writeln!(y, "descriptor_version: 1");
    let _ = writeln!(y, "paper:");
    let _ = writeln!(
        y,
        "  title: {}",
        q(title.unwrap_or("TODO: the paper's title"))
    );
    let _ = writeln!(
        y,
        "  authors: {}",
        q(authors.unwrap_or("TODO: the authors, e.g. \"Zhao et al.\""))
    );
    let _ = writeln!(y, "  arxiv: {}", q(number));
    let _ = writeln!(y, "  version: {}", q(&version_text));
    let _ = writeln!(
        y,
        "  url: {}",
        q(&format!("https://arxiv.org/abs/{}", d.paper))
    );
    let _ = writeln!(
        y,
        "claim: {}",
        q("TODO: the claim in one sentence, as the paper states it")
    );
    let _ = writeln!(
        y,
        "model: {}",
        q(d.model
            .as_deref()
            .unwrap_or("TODO: the model (the table does not name it)"))
    );
    let _ = writeln!(y, "benchmark:");
    let _ = writeln!(
        y,
        "  name: {}",
        q(if d.benchmark.is_empty() {
            "TODO: the benchmark (the table does not name it)"
        } else {
            &d.benchmark
        })
    );
    let _ = writeln!(
        y,
        "  n: TODO  # the number of items (a whole number, unquoted), or delete this line if the paper does not state it"
    );
    match &d.metric {
        Some(m) => {
            let _ = writeln!(y, "  metric: {m}");
            let _ = writeln!(
                y,
                "  metric_note: {}",
                q(&if d.metric_from == "caption" {
                    format!(
                        "from the caption: {}",
                        d.caption.chars().take(200).collect::<String>()
                    )
                } else {
                    format!("from the header: {}", d.arms[0].column)
                })
            );
        }
        None => {
            let _ = writeln!(y, "  metric: pass@1");
            let _ = writeln!(
                y,
                "  metric_note: {}",
                q(
                    "TODO: the header names no metric; pass@1 assumed — state the metric and decoding"
                )
            );
        }
    }
    let _ = writeln!(
        y,
        "targets: [{}]",
        d.targets
            .iter()
            .map(|t| q(t))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(y, "training:");
    for (k, what) in [
        ("algorithm", "the RL algorithm"),
        ("group_size", "samples per prompt"),
        ("learning_rate", "learning rate"),
        ("steps", "training steps or epochs"),
        ("kl", "KL coefficient"),
        ("seeds", "seeds"),
    ] {
        let _ = writeln!(
            y,
            "  {k}: {}",
            q(&format!(
                "TODO: {what} (\"not stated\" when the paper does not say)"
            ))
        );
    }
    let _ = writeln!(y, "arms:");
    for a in &d.arms {
        let _ = writeln!(y, "  {}:", q(&a.name));
        let _ = writeln!(
            y,
            "    role: {}  # {}",
            a.role,
            comment(&if a.recognised == a.role {
                format!("label matched the `{}` synonyms", a.role)
            } else {
                a.recognised.clone()
            })
        );
        let _ = writeln!(y, "    label: {}", q(&a.label));
        let _ = writeln!(y, "    printed: {}", q(&a.printed));
        if d.gain_caption {
            let _ = writeln!(
                y,
                "    unit: {}",
                q(&format!(
                    "TODO: the caption speaks of changes — {} if this row is an accuracy, gain_points/gain_fraction if it is a change over base",
                    d.unit
                ))
            );
        } else {
            let _ = writeln!(y, "    unit: {}", d.unit);
        }
        if let Some(s) = &a.spread {
            let _ = writeln!(y, "    spread: {s}");
        }
        let _ = writeln!(
            y,
            "    source: {{version: {}, location: {}, row: {}, column: {}, read_from: table}}",
            q(version.unwrap_or("TODO: the paper version")),
            q(&d.table),
            q(&a.row),
            q(&a.column)
        );
        let _ = writeln!(
            y,
            "    cell: {{paper: {}, table: {}, row: {}, column: {}}}",
            q(&d.paper),
            q(&d.table_ref),
            q(&a.cell_row),
            q(&a.cell_column)
        );
    }
    let designed: Vec<&str> = d
        .arms
        .iter()
        .filter(|a| a.role == "designed")
        .map(|a| a.label.as_str())
        .collect();
    let mut notes = format!(
        "Drafted from arXiv {} {} ({}): \"{}\". Roles from the arm synonyms.",
        d.paper,
        d.table,
        d.layout,
        d.caption.chars().take(200).collect::<String>()
    );
    if !designed.is_empty() {
        notes.push_str(&format!(
            " {} matched no other role and {} taken as the paper's own method (role designed, audited as {}).",
            designed
                .iter()
                .map(|l| format!("\"{l}\""))
                .collect::<Vec<_>>()
                .join(", "),
            if designed.len() == 1 { "is" } else { "are" },
            if designed.len() == 1 { "a target" } else { "targets" }
        ));
    }
    let _ = writeln!(y, "notes: {}", q(&notes));
    y
}
