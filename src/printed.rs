//! Printed numbers: the one parser of a number as a paper prints it (in a descriptor's `printed`,
//! in a cached table cell), which keeps the precision the printing implies.

use serde::Serialize;

/// A printed number: its value and the half-width its printed precision implies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Printed {
    pub raw: String,
    pub value: f64,
    pub half_width: f64,
}

/// A printed number's text made plain: U+2212 or en-dash minus to ASCII, no `%`, no leading `+`;
/// `None` unless what is left is digits, dots and minus signs.
fn plain(raw: &str) -> Option<String> {
    let s = raw.trim().replace(['\u{2212}', '\u{2013}'], "-");
    let s = s.trim_end_matches('%').trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    (!s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-'))
    .then(|| s.to_string())
}

/// Parses a printed number: ASCII or U+2212 minus, optional plus, optional `%`; its decimals
/// give the half-width (49.4 means [49.35, 49.45]). The one parser of printed numbers.
pub fn parse_printed(raw: &str) -> Option<Printed> {
    let s = plain(raw)?;
    let value: f64 = s.parse().ok().filter(|v: &f64| v.is_finite())?;
    let decimals = s.split_once('.').map_or(0, |(_, d)| d.len()).min(12) as i32;
    Some(Printed {
        raw: raw.to_string(),
        value,
        half_width: 0.5 * 10f64.powi(-decimals),
    })
}

/// A printed number read exactly, as the integer its digits spell and the count of its decimals
/// (`−8.50` is −850 and 2): what the precision checks compute with, so that no binary rounding
/// stands between a printed digit and the verdict. Reads the same text as [`parse_printed`] (a
/// ± spread after the number is dropped first); `None` for anything else, or beyond 18 digits.
pub fn parse_exact(raw: &str) -> Option<(i128, u32)> {
    let s = plain(split_spread(raw).0)?;
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.len() + frac.len() > 18
    {
        return None;
    }
    let digits: i128 = format!("{int}{frac}").parse().ok()?;
    Some((if neg { -digits } else { digits }, frac.len() as u32))
}

/// Splits a cell's text into its number and its ± spread: `64.3±0.4`, `64.3 ± 0.4`,
/// `64.3 (±0.4)`; `None` for the spread when there is none.
pub fn split_spread(text: &str) -> (&str, Option<&str>) {
    match text.trim().split_once('±') {
        Some((v, rest)) => (
            v.trim().trim_end_matches('(').trim(),
            Some(rest.trim().trim_end_matches(')').trim()),
        ),
        None => (text.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_numbers_keep_their_precision() {
        let p = parse_printed("49.4").unwrap();
        assert_eq!((p.value, p.half_width), (49.4, 0.05));
        let p = parse_printed("\u{2212}8.50").unwrap();
        assert_eq!(p.value, -8.5);
        assert!((p.half_width - 0.005).abs() < 1e-15);
        assert_eq!(parse_printed("+21%").unwrap().half_width, 0.5);
        assert!(parse_printed("n/a").is_none());
        assert!(parse_printed("inf").is_none());
        assert!(parse_printed("1e308").is_none());
    }

    #[test]
    fn printed_numbers_read_exactly() {
        assert_eq!(parse_exact("49.4"), Some((494, 1)));
        assert_eq!(parse_exact("\u{2212}8.50"), Some((-850, 2)));
        assert_eq!(parse_exact("+21%"), Some((21, 0)));
        assert_eq!(parse_exact("0.002"), Some((2, 3)));
        assert_eq!(parse_exact(".5"), Some((5, 1)));
        assert_eq!(parse_exact("64.3 ± 0.4"), Some((643, 1)));
        for bad in [
            "n/a",
            "1-2",
            "1.2.3",
            "-",
            ".",
            "1e3",
            "1234567890123456789",
        ] {
            assert_eq!(parse_exact(bad), None, "{bad}");
        }
    }

    #[test]
    fn spreads_split_in_every_printed_form() {
        for s in ["64.3±0.4", "64.3 ± 0.4", "64.3 (±0.4)"] {
            assert_eq!(split_spread(s), ("64.3", Some("0.4")), "{s}");
        }
        assert_eq!(split_spread(" 49.4 "), ("49.4", None));
    }
}
