//! Table extraction from arXiv's LaTeXML HTML: every top-level tabular (`table.ltx_tabular`,
//! plain `<table>`, or the inline `span.ltx_tabular` form), its float (`figure.ltx_table`, with
//! sub-table panels), caption and printed tag, and a grid with rowspan/colspan expanded before
//! any header logic.
//!
//! The file is long because table extraction (headers, spans, panels, guessed header rows) is one
//! algorithm over the page's tree, tested on committed pages.

use scraper::{ElementRef, Html, Node};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::cell::{Cell, tex_to_text};

/// A span larger than this is clamped (a hostile page cannot ask for a billion columns).
pub const MAX_SPAN: usize = 1000;
/// The expanded tables of one page, at most, in bytes: every cell a span covers counts its raw
/// and normalised text plus [`CELL_OVERHEAD`] (one 8 KB cell spanning 1000 × 1000 would
/// otherwise expand to gigabytes).
pub const MAX_GRID_BYTES: usize = 64 << 20;
/// What one expanded cell counts besides its text (its fields, and their JSON in the cache).
pub const CELL_OVERHEAD: usize = 100;
/// A caption longer than this many characters is cut (and ends in " …").
pub const MAX_CAPTION_CHARS: usize = 4000;
/// A printed tag or float id longer than this many characters is cut likewise (panels of one
/// float share them: each table's copy stays small).
pub const MAX_LABEL_CHARS: usize = 200;
/// Tables per page, at most (no paper comes near; every step over them is linear).
pub const MAX_TABLES: usize = 1000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Position in the page, from 1.
    pub index: usize,
    /// The float's element id (`S4.T2`, `S4.T2.st1`), or `table-N` when it has none.
    pub float_id: String,
    /// The printed tag ("Table 2"), when the caption carries one.
    pub tag: Option<String>,
    /// A sub-table's own tag or letter within its float ("(a)", "b").
    pub panel: Option<String>,
    pub caption: String,
    pub header_rows: usize,
    pub header_cols: usize,
    pub cells: Vec<Vec<Cell>>,
}

#[derive(Debug, Error, PartialEq)]
pub enum ExtractError {
    #[error("not an arXiv HTML paper: no LaTeXML document in the page")]
    NotAPaper,
    #[error("the page looks truncated (no closing </html>); refusing to cache a partial paper")]
    Truncated,
    #[error(
        "the page's tables expand to more than {MAX_GRID_BYTES} bytes (each cell's text times the cells its rowspan × colspan covers, plus {CELL_OVERHEAD} bytes a cell)"
    )]
    TooLarge,
    #[error("the page holds more than {MAX_TABLES} tables, the limit per page")]
    TooManyTables,
    #[error(
        "the page nests elements more than {MAX_DEPTH} deep; no paper does (refused before parsing)"
    )]
    TooDeep,
}

/// Element nesting deeper than this is refused before parsing: an HTML parser's cost grows with
/// depth, and LaTeXML pages stay far below it.
pub const MAX_DEPTH: usize = 512;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The deepest element nesting of `html`, by a single scan of its tags with a stack of open
/// elements: an end tag closes the nearest open element of its name (and those above it), as a
/// parser does, and an end tag that matches no open element is ignored, as a parser ignores it —
/// so `<div></x>` repeated nests deeper and deeper here as it does in the parser. An upper bound
/// for well-formed pages (implied end tags are not inferred). The scan stops once it passes
/// `MAX_DEPTH`.
pub fn nesting_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let (mut max, mut i) = (0usize, 0usize);
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        i += off + 1;
        let Some(&first) = b.get(i) else { break };
        if first == b'!' || first == b'?' {
            continue;
        }
        let closing = first == b'/';
        let start = if closing { i + 1 } else { i };
        let end = b[start..]
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .map_or(b.len(), |e| start + e);
        if end == start {
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        let self_closing = b[end..]
            .iter()
            .position(|&c| c == b'>')
            .is_some_and(|gt| gt > 0 && b[end + gt - 1] == b'/');
        if closing {
            if let Some(at) = stack.iter().rposition(|n| *n == name) {
                stack.truncate(at);
            }
        } else if !VOID.contains(&name.as_str()) && !self_closing {
            stack.push(name);
            max = max.max(stack.len());
            if max > MAX_DEPTH {
                return max;
            }
        }
        i = end;
    }
    max
}

fn has_class(el: &ElementRef, c: &str) -> bool {
    el.value().classes().any(|x| x == c)
}

fn name<'a>(el: &'a ElementRef) -> &'a str {
    el.value().name()
}

fn is_tabular(el: &ElementRef) -> bool {
    name(el) == "table" || (name(el) == "span" && has_class(el, "ltx_tabular"))
}

fn is_row(el: &ElementRef) -> bool {
    name(el) == "tr" || (name(el) == "span" && has_class(el, "ltx_tr"))
}

fn section_kind(el: &ElementRef) -> Option<bool> {
    match name(el) {
        "thead" => Some(true),
        "tbody" | "tfoot" => Some(false),
        "span" if has_class(el, "ltx_thead") => Some(true),
        "span" if has_class(el, "ltx_tbody") || has_class(el, "ltx_tfoot") => Some(false),
        _ => None,
    }
}

fn is_cell(el: &ElementRef) -> bool {
    matches!(name(el), "td" | "th")
        || (name(el) == "span" && (has_class(el, "ltx_td") || has_class(el, "ltx_th")))
}

fn is_header_cell(el: &ElementRef) -> bool {
    name(el) == "th" || el.value().classes().any(|c| c.starts_with("ltx_th"))
}

fn child_elements<'a>(el: &ElementRef<'a>) -> impl DoubleEndedIterator<Item = ElementRef<'a>> {
    el.children().filter_map(ElementRef::wrap)
}

/// Text of an element, iteratively (deep pages cannot overflow the stack): math as its alttext,
/// MathML annotations and footnote bodies skipped. Also whether bold or underlined text occurs.
pub fn element_text(el: ElementRef) -> (String, bool, bool) {
    let mut out = String::new();
    let (mut bold, mut underline) = (false, false);
    let mut stack: Vec<ego_tree::NodeRef<Node>> = el.children().rev().collect();
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let n = e.name();
                if matches!(n, "annotation" | "annotation-xml" | "script" | "style") {
                    continue;
                }
                if e.classes()
                    .any(|c| c == "ltx_note" || c == "ltx_note_outer" || c == "ltx_note_content")
                {
                    continue;
                }
                if matches!(n, "b" | "strong") || e.classes().any(|c| c == "ltx_font_bold") {
                    bold = true;
                }
                if n == "u"
                    || e.classes()
                        .any(|c| c == "ltx_framed_underline" || c == "ltx_underline")
                {
                    underline = true;
                }
                if n == "math"
                    && let Some(alt) = e.attr("alttext")
                {
                    if alt.contains("\\textbf") || alt.contains("\\mathbf") {
                        bold = true;
                    }
                    if alt.contains("\\underline") {
                        underline = true;
                    }
                    out.push_str(&tex_to_text(alt));
                    continue;
                }
                if n == "br" {
                    out.push(' ');
                }
                stack.extend(node.children().rev());
            }
            _ => {}
        }
    }
    (out, bold, underline)
}

/// The rows of a tabular that belong to it (not to tabulars nested in its cells), each with
/// whether it sits in a header section.
fn rows_of<'a>(tabular: ElementRef<'a>) -> Vec<(ElementRef<'a>, bool)> {
    let mut rows = Vec::new();
    let mut stack: Vec<(ElementRef<'a>, bool)> =
        child_elements(&tabular).rev().map(|e| (e, false)).collect();
    while let Some((el, in_head)) = stack.pop() {
        if is_row(&el) {
            rows.push((el, in_head));
        } else if is_tabular(&el) {
            continue;
        } else {
            let head = section_kind(&el).unwrap_or(in_head);
            stack.extend(child_elements(&el).rev().map(|e| (e, head)));
        }
    }
    rows
}

fn span_attr(el: &ElementRef, a: &str) -> usize {
    el.value()
        .attr(a)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_SPAN)
}

/// The grid of one tabular, spans expanded, and the header row/column counts.
fn grid(
    tabular: ElementRef,
    budget: &mut usize,
) -> Result<(Vec<Vec<Cell>>, usize, usize), ExtractError> {
    let rows = rows_of(tabular);
    let mut g: Vec<Vec<Option<Cell>>> = vec![Vec::new(); rows.len()];
    let mut head_flags = vec![false; rows.len()];
    // Per row: a horizontal rule above it (`ltx_border_t`) or below it (`ltx_border_b`) across
    // all its cells — where LaTeXML only guessed the headers, the rule is what separates them.
    let mut rule_above = vec![false; rows.len()];
    let mut rule_below = vec![false; rows.len()];
    for (r, (row, in_head)) in rows.iter().enumerate() {
        head_flags[r] = *in_head;
        let cells: Vec<ElementRef> = child_elements(row).filter(is_cell).collect();
        let all = |prefix: &str| {
            !cells.is_empty()
                && cells.iter().all(|c| {
                    c.value()
                        .classes()
                        .any(|k| k.starts_with(prefix) && !k[prefix.len()..].contains('l'))
                })
        };
        rule_above[r] = all("ltx_border_t");
        rule_below[r] = all("ltx_border_b");
        let mut c = 0usize;
        for cell_el in child_elements(row).filter(is_cell) {
            while g[r].get(c).is_some_and(Option::is_some) {
                c += 1;
            }
            let rs = span_attr(&cell_el, "rowspan").min(rows.len() - r);
            let cs = span_attr(&cell_el, "colspan");
            let (raw, bold, underline) = element_text(cell_el);
            let cell = Cell::new(raw, bold, underline, is_header_cell(&cell_el) || *in_head);
            let cost = (rs * cs)
                .checked_mul(cell.raw.len() + cell.text.len() + CELL_OVERHEAD)
                .filter(|c| *c <= *budget)
                .ok_or(ExtractError::TooLarge)?;
            *budget -= cost;
            for dr in 0..rs {
                let line = &mut g[r + dr];
                if line.len() < c + cs {
                    line.resize(c + cs, None);
                }
                for dc in 0..cs {
                    let mut copy = cell.clone();
                    copy.spanned = dr > 0 || dc > 0;
                    line[c + dc] = Some(copy);
                }
            }
            c += cs;
        }
    }
    let width = g.iter().map(Vec::len).max().unwrap_or(0);
    let mut cells: Vec<Vec<Cell>> = g
        .into_iter()
        .map(|mut row| {
            row.resize(width, None);
            row.into_iter().map(Option::unwrap_or_default).collect()
        })
        .collect();
    let mut header_rows = cells
        .iter()
        .zip(&head_flags)
        .take_while(|(row, head)| {
            **head
                || (!row.is_empty()
                    && row.iter().all(|c| c.header || c.text.is_empty())
                    && row.iter().any(|c| c.header))
        })
        .count();
    if header_rows == 0 {
        // No `thead` and no `th`: LaTeXML's `ltx_guessed_headers` tables give header rows as
        // plain `td` cells. Their cells become header cells, so columns get labels.
        header_rows = guessed_header_rows(&cells, &rule_above, &rule_below);
        for row in cells.iter_mut().take(header_rows) {
            for c in row.iter_mut() {
                c.header = true;
            }
        }
    }
    let body = &cells[header_rows.min(cells.len())..];
    let header_cols = (0..width)
        .take_while(|&j| !body.is_empty() && body.iter().all(|row| row[j].header))
        .count();
    Ok((cells, header_rows, header_cols))
}

/// Header rows of a table whose page marked none: the leading rows that hold no number (a row
/// label aside) above rows that do, cut at the first full horizontal rule among them, and without
/// trailing rows that only label a group (one text repeated across the row, or the first cell
/// alone). At most 4; a table with no numeric row below gets none.
fn guessed_header_rows(cells: &[Vec<Cell>], rule_above: &[bool], rule_below: &[bool]) -> usize {
    let numeric = |row: &Vec<Cell>| row.iter().skip(1).any(|c| c.value.is_some());
    let empty = |row: &Vec<Cell>| row.iter().all(|c| c.text.is_empty());
    let lead = cells
        .iter()
        .take_while(|row| !numeric(row))
        .count()
        .min(cells.len());
    if lead == 0 || lead == cells.len() || lead > 4 || cells[..lead].iter().all(empty) {
        return 0;
    }
    // A full rule between header and body: below row k−1 or above row k.
    if let Some(k) = (1..=lead).find(|&k| rule_below[k - 1] || (k < lead && rule_above[k])) {
        return k;
    }
    let group_label = |row: &Vec<Cell>| {
        let texts: Vec<&str> = row
            .iter()
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        texts.len() <= 1 || texts.iter().all(|t| *t == texts[0])
    };
    let mut k = lead;
    while k > 0 && group_label(&cells[k - 1]) {
        k -= 1;
    }
    k
}

/// Whether `html` is a LaTeXML paper page.
fn is_paper(doc: &Html) -> bool {
    doc.root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .any(|e| {
            has_class(&e, "ltx_document")
                || has_class(&e, "ltx_page_main")
                || (name(&e) == "meta"
                    && e.value()
                        .attr("content")
                        .is_some_and(|c| c.contains("LaTeXML")))
        })
}

/// `s` cut to `n` characters, ending in " …" when cut.
fn cut(mut s: String, n: usize) -> String {
    if let Some((at, _)) = s.char_indices().nth(n) {
        s.truncate(at);
        s.push_str(" …");
    }
    s
}

fn caption_of(figure: ElementRef) -> Option<(String, Option<String>)> {
    let cap = child_elements(&figure).find(|e| name(e) == "figcaption")?;
    let tag = cap
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().classes().any(|c| c.starts_with("ltx_tag")))
        .map(|t| {
            super::cell::normalise(&element_text(t).0)
                .trim_end_matches(':')
                .trim()
                .to_string()
        });
    let tag = tag.map(|t| cut(t, MAX_LABEL_CHARS));
    let text = cut(
        super::cell::normalise(&element_text(cap).0),
        MAX_CAPTION_CHARS,
    );
    let (tag, caption) = match tag {
        Some(t) if !t.is_empty() => {
            let rest = text
                .strip_prefix(&t)
                .unwrap_or(&text)
                .trim_start_matches(':')
                .trim()
                .to_string();
            (Some(t), rest)
        }
        _ => match text.split_once(':') {
            Some((t, rest)) if t.starts_with("Table") && t.len() < 16 => {
                (Some(t.trim().to_string()), rest.trim().to_string())
            }
            _ => (None, text.clone()),
        },
    };
    Some((caption, tag))
}

/// Extracts every table of a page. `check_complete` refuses pages without a closing `</html>`.
pub fn extract(html: &str, check_complete: bool) -> Result<Vec<Table>, ExtractError> {
    if nesting_depth(html) > MAX_DEPTH {
        return Err(ExtractError::TooDeep);
    }
    let doc = Html::parse_document(html);
    if !is_paper(&doc) {
        return Err(ExtractError::NotAPaper);
    }
    if check_complete {
        // The last 4 KiB, from a character boundary (a page may end in multi-byte text).
        let mut from = html.len().saturating_sub(4096);
        while !html.is_char_boundary(from) {
            from += 1;
        }
        let tail = &html[from..];
        if !tail.to_ascii_lowercase().contains("</html>") {
            return Err(ExtractError::Truncated);
        }
    }
    let mut budget = MAX_GRID_BYTES;
    let mut tables = Vec::new();
    let mut panels: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    // The top-level tabulars (not nested in a cell: those are part of their parent's text), each
    // with its table floats innermost first, in one pass; then how many each outermost float
    // holds (its panels), so that no step looks at a float's tabulars once per tabular.
    let mut found: Vec<(ElementRef, Vec<ElementRef>)> = Vec::new();
    for el in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        if !is_tabular(&el) {
            continue;
        }
        let ancestors: Vec<ElementRef> = el.ancestors().filter_map(ElementRef::wrap).collect();
        if ancestors.iter().any(is_tabular) {
            continue;
        }
        let floats: Vec<ElementRef> = ancestors
            .into_iter()
            .filter(|a| name(a) == "figure" && has_class(a, "ltx_table"))
            .collect();
        found.push((el, floats));
    }
    let mut in_float: std::collections::HashMap<ego_tree::NodeId, usize> =
        std::collections::HashMap::new();
    for (_, floats) in &found {
        if let Some(f) = floats.last() {
            *in_float.entry(f.id()).or_insert(0) += 1;
        }
    }
    // Each float's caption, read once (panels of one float share it).
    let mut captions: std::collections::HashMap<
        ego_tree::NodeId,
        Option<(String, Option<String>)>,
    > = std::collections::HashMap::new();
    for (el, floats) in &found {
        let el = *el;
        let (cells, header_rows, header_cols) = grid(el, &mut budget)?;
        if cells.is_empty() {
            continue;
        }
        if tables.len() == MAX_TABLES {
            return Err(ExtractError::TooManyTables);
        }
        let index = tables.len() + 1;
        let inner = floats.first();
        let outer = floats.last();
        let float_id = inner
            .and_then(|f| f.value().attr("id"))
            .or(el.value().attr("id"))
            .map(|id| cut(id.to_string(), MAX_LABEL_CHARS))
            .unwrap_or_else(|| format!("table-{index}"));
        let mut caption_of = |f: &ElementRef| {
            captions
                .entry(f.id())
                .or_insert_with(|| caption_of(*f))
                .clone()
        };
        let (inner_cap, outer_cap) = (
            inner.and_then(&mut caption_of),
            outer.and_then(&mut caption_of),
        );
        let nested = floats.len() > 1;
        let (caption, tag, mut panel) = match (nested, inner_cap, outer_cap) {
            (true, inner, Some((oc, ot))) => {
                let (ic, it) = inner.unwrap_or_default();
                (
                    if ic.is_empty() {
                        oc
                    } else {
                        format!("{oc} — {ic}")
                    },
                    ot,
                    it,
                )
            }
            (_, Some((c, t)), _) => (c, t, None),
            (_, None, Some((c, t))) => (c, t, None),
            _ => (String::new(), None, None),
        };
        // Several tabulars directly in one float are panels a, b, c …
        let key = outer.and_then(|f| f.value().attr("id")).unwrap_or("");
        let n = panels.entry(key).or_insert(0);
        *n += 1;
        if panel.is_none() && !key.is_empty() && !nested {
            let siblings = outer.map_or(1, |f| in_float[&f.id()]);
            if siblings > 1 {
                panel = Some(((b'a' + (*n as u8 - 1).min(25)) as char).to_string());
            }
        }
        tables.push(Table {
            index,
            float_id,
            tag,
            panel,
            caption,
            header_rows,
            header_cols,
            cells,
        });
    }
    Ok(tables)
}

/// A table's display name: its printed tag (else its float id), then its panel if it has one.
pub fn display_name(tag: Option<&str>, float_id: &str, panel: Option<&str>) -> String {
    let base = tag.unwrap_or(float_id);
    match panel {
        Some(p) => format!("{base} {p}"),
        None => base.to_string(),
    }
}

impl Table {
    pub fn rows(&self) -> usize {
        self.cells.len()
    }

    pub fn cols(&self) -> usize {
        self.cells.first().map_or(0, Vec::len)
    }

    /// "Table 2", "Table 2 (a)", or the float id.
    pub fn display_name(&self) -> String {
        display_name(self.tag.as_deref(), &self.float_id, self.panel.as_deref())
    }

    /// Column `j`'s label: its header cells top to bottom, repeats from spans merged, joined by " / ".
    pub fn column_label(&self, j: usize) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for row in &self.cells[..self.header_rows] {
            let t = row[j].text.as_str();
            if !t.is_empty() && parts.last() != Some(&t) {
                parts.push(t);
            }
        }
        if parts.is_empty() {
            format!("#{}", j + 1)
        } else {
            parts.join(" / ")
        }
    }

    /// Every body row (below the header rows) with its label.
    pub fn body_row_labels(&self) -> Vec<(usize, String)> {
        (self.header_rows..self.rows())
            .map(|i| (i, self.row_label(i)))
            .collect()
    }

    /// Every body column (right of the header columns) with its label.
    pub fn body_column_labels(&self) -> Vec<(usize, String)> {
        (self.header_cols..self.cols())
            .map(|j| (j, self.column_label(j)))
            .collect()
    }

    /// Row `i`'s label: its header cells left to right (or its first cell), joined by " / ".
    pub fn row_label(&self, i: usize) -> String {
        let row = &self.cells[i];
        let n = self.header_cols.max(1).min(row.len());
        let mut parts: Vec<&str> = Vec::new();
        for c in &row[..n] {
            if !c.text.is_empty() && parts.last() != Some(&c.text.as_str()) {
                parts.push(&c.text);
            }
        }
        parts.join(" / ")
    }
}
