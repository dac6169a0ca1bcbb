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

/// Greek letters and a few symbols header labels use, by TeX command name.
const SYMBOLS: &[(&str, &str)] = &[
    ("alpha", "α"),
    ("beta", "β"),
    ("gamma", "γ"),
    ("delta", "δ"),
    ("Delta", "Δ"),
    ("epsilon", "ε"),
    ("varepsilon", "ε"),
    ("eta", "η"),
    ("theta", "θ"),
    ("kappa", "κ"),
    ("lambda", "λ"),
    ("mu", "μ"),
    ("pi", "π"),
    ("rho", "ρ"),
    ("sigma", "σ"),
    ("tau", "τ"),
    ("phi", "φ"),
    ("chi", "χ"),
    ("omega", "ω"),
    ("leq", "≤"),
    ("le", "≤"),
    ("geq", "≥"),
    ("ge", "≥"),
    ("approx", "≈"),
    ("cdot", "·"),
    ("infty", "∞"),
    ("rightarrow", "→"),
    ("to", "→"),
];

/// Commands whose argument is plain text (`\mathrm{Acc}` is `Acc`).
const WRAPPERS: &[&str] = &[
    "mathrm",
    "text",
    "textrm",
    "mathit",
    "textit",
    "mathsf",
    "textsf",
    "mathtt",
    "texttt",
    "operatorname",
    "mbox",
];

/// One argument of a TeX command at the start of `s`: a braced group, a command, or one
/// character; and the rest.
fn tex_arg(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('{') {
        let mut depth = 1usize;
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return (&rest[..i], &rest[i + 1..]);
                    }
                }
                _ => {}
            }
        }
        return (rest, "");
    }
    if let Some(rest) = s.strip_prefix('\\') {
        let n = rest
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphabetic())
            .map_or(rest.len(), |(i, _)| i)
            .max(1.min(rest.len()));
        return (&s[..n + 1], &rest[n..]);
    }
    match s.chars().next() {
        Some(c) => s.split_at(c.len_utf8()),
        None => ("", ""),
    }
}

/// `\frac{a}{b}` (and `\frac\pi6`) as `a/b`, wrappers such as `\mathrm{…}` as their text, and
/// Greek letters as themselves, so a math header reads `Acc@π/6`.
fn tex_readable(alt: &str) -> String {
    let mut out = String::new();
    let mut s = alt;
    while let Some(i) = s.find('\\') {
        out.push_str(&s[..i]);
        let rest = &s[i + 1..];
        let n = rest
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphabetic())
            .map_or(rest.len(), |(j, _)| j);
        let name = &rest[..n];
        let after = &rest[n..];
        if name == "frac" || name == "tfrac" || name == "dfrac" {
            let (a, r) = tex_arg(after);
            let (b, r) = tex_arg(r);
            let (a, b) = (tex_readable(a), tex_readable(b));
            let wrap = |x: String| {
                if x.chars().count() > 1 && x.contains(['+', '-', ' ']) {
                    format!("({x})")
                } else {
                    x
                }
            };
            out.push_str(&format!("{}/{}", wrap(a), wrap(b)));
            s = r;
        } else if WRAPPERS.contains(&name) {
            let (a, r) = tex_arg(after);
            out.push_str(&tex_readable(a));
            s = r;
        } else if let Some((_, sym)) = SYMBOLS.iter().find(|(k, _)| *k == name) {
            out.push_str(sym);
            s = after;
        } else {
            // Left for the replacements below (\pm, \textbf, …).
            out.push('\\');
            out.push_str(name);
            s = after;
        }
    }
    out.push_str(s);
    out
}

/// Plain text of TeX math as LaTeXML's alttext gives it.
pub fn tex_to_text(alt: &str) -> String {
    let mut s = if alt.contains('\\') {
        tex_readable(alt)
    } else {
        alt.to_string()
    };
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
/// by the one parser of printed numbers; `70.1 (+21.7)` and `70.1 ↑21.7` (a score printed beside
/// its change over a reference) read as the score.
pub fn parse_value(text: &str) -> (Option<f64>, Option<f64>) {
    let number = |s: &str| crate::printed::parse_printed(s).map(|p| p.value);
    match crate::printed::split_spread(text) {
        (v, Some(spread)) => match (number(v), number(spread)) {
            (Some(v), Some(s)) => (Some(v), Some(s)),
            _ => (None, None),
        },
        (t, None) => {
            if let Some((v, _)) = split_change(t) {
                return (number(v), None);
            }
            (number(t), None)
        }
    }
}

/// A score printed beside its change over a reference — `70.1 (+21.7)`, `70.1 (-0.4)`,
/// `70.1 ↑21.7`, `70.1 ↓0.4`, `70.1 +3.2%` — split into the score's text and the change's, signed
/// (`+21.7`, `-0.4`); `None` when the text is not of that form.
pub fn split_change(text: &str) -> Option<(&str, String)> {
    let (v, change) = text.trim().split_once(' ')?;
    let inner = change
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let signed = match (inner.strip_prefix('↑'), inner.strip_prefix('↓')) {
        (Some(up), _) if up.trim().starts_with(['+', '-']) => up.trim().to_string(),
        (Some(up), _) => format!("+{}", up.trim()),
        (_, Some(down)) => format!("-{}", down.trim().trim_start_matches('-')),
        _ if inner.starts_with(['+', '-']) => inner.to_string(),
        _ => return None,
    };
    crate::printed::parse_printed(&signed)
        .is_some()
        .then_some((v, signed))
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
        assert_eq!(parse_value("70.1 (+21.7)"), (Some(70.1), None));
        assert_eq!(parse_value("70.1 ↑21.7"), (Some(70.1), None));
        assert_eq!(parse_value("70.1 (-0.4)"), (Some(70.1), None));
        assert_eq!(parse_value("70.1 (a)"), (None, None));
        assert_eq!(parse_value("7 B"), (None, None));
    }

    #[test]
    fn math_labels_read_as_text() {
        assert_eq!(tex_to_text("\\mathrm{Acc}@\\frac\\pi6"), "Acc@π/6");
        assert_eq!(tex_to_text("\\text{Acc}@\\frac{\\pi}{6}"), "Acc@π/6");
        assert_eq!(tex_to_text("\\Delta\\text{acc}"), "Δacc");
        assert_eq!(tex_to_text("64.28\\pm 0.35"), "64.28± 0.35");
    }
}
