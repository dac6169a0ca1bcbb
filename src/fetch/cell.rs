//! Cell text: one place that normalises what LaTeXML writes into a table cell, and parses a
//! number with an optional ± spread out of it.

use serde::{Deserialize, Serialize};

/// One cell of an extracted table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The cell's text as extracted (math as its alttext), before normalisation.
    pub raw: String,
    /// Normalised text: minus signs, spaces and ± forms made plain, footnote marks removed.
    pub text: String,
    pub value: Option<f64>,
    /// The ± spread, when the cell prints one.
    pub spread: Option<f64>,
    pub bold: bool,
    pub underline: bool,
    pub header: bool,
    /// True for the copies a rowspan/colspan makes of one source cell.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spanned: bool,
}

/// TeX in alttext that has a plain-text form.
const TEX: &[(&str, &str)] = &[
    ("\\pm", "±"),
    ("\\mp", "∓"),
    ("\\times", "×"),
    ("\\%", "%"),
    ("\\textbf", ""),
    ("\\mathbf", ""),
    ("\\underline", ""),
    ("\\uparrow", "↑"),
    ("\\downarrow", "↓"),
    ("\\dagger", "†"),
    ("\\ddagger", "‡"),
    ("\\ast", "*"),
    ("\\,", " "),
    ("\\;", " "),
    ("\\!", ""),
    ("\\ ", " "),
];

/// Plain text of TeX math as LaTeXML's alttext gives it.
pub fn tex_to_text(alt: &str) -> String {
    let mut s = alt.to_string();
    for (from, to) in TEX {
        s = s.replace(from, to);
    }
    s.replace(['{', '}', '$'], "").replace(['^', '_'], "")
}

/// Normalised text: U+2212 and dashes used as minus → '-', thin/no-break spaces → ' ', runs of
/// space collapsed, footnote marks (†, ‡, *, §) at the end removed.
pub fn normalise(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| match c {
            '\u{2212}' | '\u{2012}' | '\u{2013}' | '\u{FE63}' | '\u{FF0D}' => '-',
            '\u{00A0}' | '\u{2009}' | '\u{200A}' | '\u{202F}' | '\u{2002}' | '\u{2003}'
            | '\u{2007}' | '\u{2008}' => ' ',
            '\u{200B}' | '\u{FEFF}' => '\u{0}',
            other => other,
        })
        .filter(|c| *c != '\u{0}')
        .collect();
    s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = s
        .trim_end_matches(['†', '‡', '*', '§', '¶'])
        .trim_end()
        .to_string();
    // A lone mark is content, not a footnote.
    if trimmed.is_empty() { s } else { trimmed }
}

/// Parses `64.3`, `-1.2`, `64.3%`, `64.3±0.4`, `64.3 ± 0.4`, `64.3 (±0.4)` into (value, spread),
/// by the one parser of printed numbers.
pub fn parse_value(text: &str) -> (Option<f64>, Option<f64>) {
    let number = |s: &str| crate::printed::parse_printed(s).map(|p| p.value);
    match crate::printed::split_spread(text) {
        (v, Some(spread)) => match (number(v), number(spread)) {
            (Some(v), Some(s)) => (Some(v), Some(s)),
            _ => (None, None),
        },
        (v, None) => (number(v), None),
    }
}

impl Cell {
    pub fn new(raw: String, bold: bool, underline: bool, header: bool) -> Cell {
        let text = normalise(&raw);
        let (value, spread) = parse_value(&text);
        Cell {
            raw,
            text,
            value,
            spread,
            bold,
            underline,
            header,
            spanned: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_minus_forms_parse_alike() {
        for s in [
            "64.3±0.4",
            "64.3 ± 0.4",
            "64.3 (±0.4)",
            "64.3\u{00A0}±\u{2009}0.4",
        ] {
            assert_eq!(parse_value(&normalise(s)), (Some(64.3), Some(0.4)), "{s}");
        }
        assert_eq!(
            parse_value(&normalise(&tex_to_text("64.28\\pm 0.35"))),
            (Some(64.28), Some(0.35))
        );
    }

    #[test]
    fn minus_signs_spaces_and_marks_are_normalised() {
        assert_eq!(normalise("\u{2212}8.5"), "-8.5");
        assert_eq!(parse_value(&normalise("\u{2212}8.5†")), (Some(-8.5), None));
        assert_eq!(normalise("  a \u{2009} b  "), "a b");
        assert_eq!(parse_value("—"), (None, None));
        assert_eq!(parse_value("49.4%"), (Some(49.4), None));
        assert_eq!(parse_value("Qwen2.5-7B"), (None, None));
        assert_eq!(normalise("*"), "*");
    }
}
