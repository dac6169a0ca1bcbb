//! The findings in words: the noise model's note, `validate`'s warnings and the sentences the
//! reports print.

use super::*;

impl Consistency {
    /// What the noise model should add when the numbers show something about it (`None` when
    /// they do not).
    pub fn noise_note(&self) -> Option<String> {
        let n = self.n?;
        let unreachable = if self.samples > 1 {
            format!(
                "The printed values are not all reachable as shares of {} (n = {n} items × {} samples)",
                n * self.samples,
                self.samples
            )
        } else {
            format!("The printed values are not all reachable as shares of n = {n} items")
        };
        let sizes = || list_sizes(&self.sizes_fit);
        match (self.finding, self.samples_fit) {
            (Finding::AverageOverSamples, Some(k)) => Some(format!(
                "{unreachable}, but every one is an average over {k} samples per item (avg@{k}, or a multiple of {k}): \
                 the numbers show an average over samples, and the interval stays over the n = {n} items"
            )),
            (Finding::SamplesOrSize, Some(k)) => Some(format!(
                "{unreachable}, but every one is an average over {k} samples per item (avg@{k}), or a share of n = {} \
                 items: the interval stays over the stated n = {n} items",
                sizes()
            )),
            (Finding::OtherSize, _) => Some(format!(
                "{unreachable}, and no average over up to {MAX_SAMPLES} samples per item reaches them all, but n = {} \
                 items does: the benchmark may not be the stated size; the audit keeps the stated n = {n}",
                sizes()
            )),
            (Finding::Unexplained, _) => Some(format!(
                "{unreachable}, and neither an average over up to {MAX_SAMPLES} samples per item nor a size tried \
                 reaches them all (see the Consistency section); the audit keeps the stated n = {n}"
            )),
            _ => None,
        }
    }
}

/// "655–661, 674, 680" — sizes as ranges.
pub fn list_sizes(sizes: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sizes.len() {
        let mut j = i;
        while j + 1 < sizes.len() && sizes[j + 1] == sizes[j] + 1 {
            j += 1;
        }
        parts.push(match j - i {
            0 => sizes[i].to_string(),
            1 => format!("{}, {}", sizes[i], sizes[j]),
            _ => format!("{}–{}", sizes[i], sizes[j]),
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// The stated grid in words: "pass@1 on n = 30 items", "avg@16 on n = 30 items".
fn grid_words(d: &Descriptor) -> String {
    format!(
        "{} on n = {} items",
        d.benchmark.metric,
        d.benchmark.n.map_or("?".into(), |n| n.to_string())
    )
}

/// One inconsistent value in words: its nearest reachable values and what explains it.
pub fn value_text(v: &ValueCheck, c: &Consistency) -> String {
    let mut s = match v.nearest.as_slice() {
        [] => "no value at this precision is reachable".to_string(),
        [one] => format!("the nearest reachable value is {one}"),
        many => format!("the nearest reachable values are {}", many.join(" and ")),
    };
    let mut fit: Vec<String> = Vec::new();
    if let Some(k) = v.samples {
        fit.push(format!("an average over {k} samples per item (avg@{k})"));
    }
    if !v.sizes.is_empty() {
        fit.push(format!("n = {} items", list_sizes(&v.sizes)));
    }
    if let Some([s, k]) = v.size_and_samples {
        fit.push(format!("n = {s} items with avg@{k}"));
    }
    if fit.is_empty() {
        s.push_str(&format!(
            "; no average over up to {MAX_SAMPLES} samples per item and no size tried ({}) reaches it: a possible typo",
            tried(c)
        ));
    } else {
        s.push_str(&format!("; reachable with {}", fit.join(", or ")));
    }
    s
}

/// The sizes tried, in words.
pub fn tried(c: &Consistency) -> String {
    let mut t = match c.size_range {
        Some([lo, hi]) => format!("{lo}–{hi}"),
        None => String::new(),
    };
    let extra: Vec<u64> = c
        .known_sizes
        .iter()
        .copied()
        .filter(|s| c.size_range.is_none_or(|[lo, hi]| *s < lo || *s > hi))
        .collect();
    if !extra.is_empty() {
        if !t.is_empty() {
            t.push_str(" and ");
        }
        t.push_str(&format!("the known size(s) {}", list_sizes(&extra)));
    }
    t
}

/// The descriptor-wide explanation in words (empty when every value is consistent).
pub fn finding_text(c: &Consistency) -> String {
    let k = c.samples_fit.map(|k| {
        format!(
            "an average over {k} samples per item (avg@{k}, or a multiple of {k}) reaches every printed value{}",
            if c.samples_fit_can_fail {
                ""
            } else {
                " (its grid reaches every value at this precision: this says only that they are no single-sample scores)"
            }
        )
    });
    let sizes = (!c.sizes_fit.is_empty()).then(|| {
        format!(
            "of the sizes tried, n = {} {} every printed value",
            list_sizes(&c.sizes_fit),
            if c.sizes_fit.len() == 1 {
                "reaches"
            } else {
                "reach"
            }
        )
    });
    match (c.finding, k, sizes) {
        (Finding::AverageOverSamples, Some(k), _) => {
            format!("{k}; no size tried ({}) does", tried(c))
        }
        (Finding::SamplesOrSize, Some(k), Some(s)) => format!("{k}; {s}"),
        (Finding::OtherSize, _, Some(s)) => {
            format!("{s}; no average over up to {MAX_SAMPLES} samples per item does")
        }
        (Finding::Unexplained, _, _) => format!(
            "neither an average over up to {MAX_SAMPLES} samples per item nor a size tried ({}) reaches every printed value",
            tried(c)
        ),
        _ => String::new(),
    }
}

/// `validate`'s warnings: one per inconsistent value, at its arm's number in the file.
pub fn warnings(d: &Descriptor, c: &Consistency) -> Vec<LoadError> {
    let text = d.text();
    let tree = crate::yaml::tree::parse(&text).ok();
    let key_of = |arm: &str| -> String {
        let keys: Vec<String> = tree
            .as_ref()
            .and_then(|t| t.entries())
            .and_then(|m| m.iter().find(|(k, _)| k.name == "arms"))
            .and_then(|(_, arms)| arms.entries())
            .and_then(|m| m.iter().find(|(k, _)| k.name == arm))
            .and_then(|(_, a)| a.entries())
            .map(|m| m.iter().map(|(k, _)| k.name.clone()).collect())
            .unwrap_or_default();
        let key = ["printed", "alternatives", "cell"]
            .into_iter()
            .find(|k| keys.iter().any(|x| x == k));
        match key {
            Some(k) => format!("arms.{arm}.{k}"),
            None => format!("arms.{arm}"),
        }
    };
    let joint = finding_text(c);
    c.values
        .iter()
        .filter(|v| v.verdict == Verdict::Inconsistent)
        .map(|v| {
            field_error(
                &d.path,
                &text,
                &key_of(&v.arm),
                format!(
                    "{} ({}) is not reachable as {} within its printed precision (the GRIM check): {}",
                    v.printed,
                    v.unit,
                    grid_words(d),
                    if c.finding == Finding::Unexplained {
                        format!("{}; over the whole descriptor, {joint}", value_text(v, c))
                    } else {
                        format!(
                            "the nearest reachable values are {}; over the whole descriptor, {joint}",
                            v.nearest.join(" and ")
                        )
                    }
                ),
            )
        })
        .collect()
}
