//! The known sizes of the benchmarks the descriptors name: a number of items a paper may have
//! evaluated on instead of the one it states (a subset, an older or newer release, a merged set).
//! A printed value the stated size cannot reach but one of these can is a finding about the
//! benchmark, not about the metric. Add a benchmark here with the source of each size.

use crate::audit::descriptor::match_key;

/// (names, sizes, where each size comes from). Names are matched ignoring case, spaces, dashes
/// and underscores ([`match_key`]).
pub const KNOWN_SIZES: &[(&[&str], &[u64], &str)] = &[
    (
        &["AIME24", "AIME 2024", "AIME25", "AIME 2025"],
        &[30],
        "AIME I and II of one year, 15 problems each",
    ),
    (
        &["AMC", "AMC23", "AMC 2023", "AMC12"],
        &[40, 83],
        "40: AMC 2023 as in Qwen2.5-Math's evaluation (amc23); 83: AMC 2022 and 2023 as in AI-MO's validation set",
    ),
    (
        &["MATH-500", "MATH500"],
        &[500],
        "the 500-problem test subset of MATH (Lightman et al.)",
    ),
    (&["GSM8K"], &[1319], "the GSM8K test split"),
    (
        &["OlympiadBench"],
        &[675, 674],
        "675: the English, text-only, open-ended maths subset (OE_TO_maths_en_COMP); 674: the same with one \
         problem dropped, as some evaluation suites ship it",
    ),
    (
        &["Minerva", "Minerva Math", "Minerva-Math"],
        &[272],
        "the quantitative-reasoning set of Lewkowycz et al.",
    ),
    (
        &["GPQA", "GPQA-Diamond", "GPQA Diamond", "GPQA main"],
        &[198, 448, 546],
        "198: Diamond; 448: main; 546: extended",
    ),
    (&["MMLU-Pro"], &[12032], "the MMLU-Pro test split"),
    (
        &["CRUXEval-O", "CRUXEval"],
        &[800],
        "CRUXEval's 800 functions",
    ),
];

/// The known sizes of a benchmark, by name (none when it is not listed).
pub fn known_sizes(benchmark: &str) -> Vec<u64> {
    let key = match_key(benchmark);
    KNOWN_SIZES
        .iter()
        .filter(|(names, _, _)| names.iter().any(|n| match_key(n) == key))
        .flat_map(|(_, sizes, _)| sizes.iter().copied())
        .collect()
}

/// The sizes near n that are tried: within ±3 % of n, at least ±1 (as [lowest, highest]).
pub fn size_window(n: u64) -> [u64; 2] {
    let w = (n * 3 / 100).max(1);
    [n.saturating_sub(w).max(1), n + w]
}

/// The sizes tried besides the stated n: every size of [`size_window`], then the benchmark's
/// known sizes; sorted, without n itself.
pub fn candidate_sizes(benchmark: &str, n: u64) -> Vec<u64> {
    let [lo, hi] = size_window(n);
    let mut v: Vec<u64> = (lo..=hi).collect();
    v.extend(known_sizes(benchmark));
    v.retain(|&s| s != n);
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sizes_match_names_loosely() {
        assert_eq!(known_sizes("AMC"), [40, 83]);
        assert_eq!(known_sizes("amc23"), [40, 83]);
        assert_eq!(known_sizes("MATH500"), [500]);
        assert_eq!(known_sizes("Olympiad Bench"), [675, 674]);
        assert!(known_sizes("LiveCodeBench").is_empty());
    }

    #[test]
    fn candidates_span_three_percent_and_the_variants() {
        assert_eq!(candidate_sizes("AIME24", 30), [29, 31]);
        assert_eq!(candidate_sizes("AMC", 83), [40, 81, 82, 84, 85]);
        let c = candidate_sizes("OlympiadBench", 675);
        assert_eq!((c[0], *c.last().unwrap(), c.len()), (655, 695, 40));
    }
}
