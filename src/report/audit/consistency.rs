//! The "Consistency" section of an audit's report, and the short forms the paper pages use: a
//! view of the audit record's [`Consistency`].

use std::fmt::Write;

use crate::audit::AuditResult;
use crate::audit::consistency::{
    Consistency, Finding, MAX_SAMPLES, Verdict, finding_text, list_sizes, tried, value_text,
};

use super::text::cell;

/// "pass@1 on n = 30 items".
fn grid(r: &AuditResult) -> String {
    format!(
        "{} on n = {} items",
        r.benchmark.metric,
        r.benchmark.n.map_or("?".into(), |n| n.to_string())
    )
}

/// One line on what the printed numbers say, for the paper pages and the section's opening.
pub fn headline(r: &AuditResult) -> String {
    let c = &r.consistency;
    match c.finding {
        Finding::NotChecked => {
            let known = if c.n.is_none() && !c.known_sizes.is_empty() {
                if c.sizes_fit.is_empty() {
                    format!(
                        "; none of the benchmark's known sizes ({}) reaches every printed value",
                        list_sizes(&c.known_sizes)
                    )
                } else {
                    format!(
                        "; of the benchmark's known sizes ({}), n = {} {} every printed value",
                        list_sizes(&c.known_sizes),
                        list_sizes(&c.sizes_fit),
                        if c.sizes_fit.len() == 1 {
                            "reaches"
                        } else {
                            "reach"
                        }
                    )
                }
            } else {
                String::new()
            };
            format!("not checked: {}{known}", c.reason)
        }
        Finding::Consistent => {
            let checked = c.consistent;
            let informative = c.values.iter().filter(|v| v.can_fail).count();
            format!(
                "all {checked} printed value(s) reachable as {}{}",
                grid(r),
                if informative == checked {
                    String::new()
                } else if informative == 0 {
                    " (at their precision every value is: the check cannot fail)".into()
                } else {
                    format!(
                        " ({informative} of them at a precision where the check can fail; at the others' every value is \
                         reachable)"
                    )
                }
            )
        }
        _ => format!(
            "{} of {} printed value(s) not reachable as {}: {}",
            c.inconsistent,
            c.consistent + c.inconsistent,
            grid(r),
            finding_text(c)
        ),
    }
}

/// The section of an audit's report.
pub(crate) fn consistency_md(m: &mut String, r: &AuditResult) {
    let c: &Consistency = &r.consistency;
    let _ = writeln!(m, "\n## Consistency: are the printed numbers possible?\n");
    let _ = writeln!(
        m,
        "A pass@1, maj@k or pass@k on n items scores each item 0 or 1, so it is a share k/n; an avg@k is a \
         multiple of 1/(n·k); a gain is the difference of two such shares — each within its printed precision, a value \
         exactly half a unit away counting as reachable (the GRIM test's idea, Brown & Heathers 2017, applied to \
         accuracies; README, \"Consistency checks\"). Where a value is not reachable: the nearest reachable values, the \
         smallest number of samples per item (up to {MAX_SAMPLES}) whose average reaches every printed value, and the \
         benchmark sizes tried ({}) that do.\n",
        match tried(c) {
            t if t.is_empty() => "the benchmark's known sizes".to_string(),
            t => t,
        }
    );
    let _ = writeln!(m, "**{}.**\n", capitalise(&headline(r)));
    if c.inconsistent == 1 && c.consistent >= 2 {
        let _ = writeln!(
            m,
            "Every other printed value ({}) is reachable as {}: the one that is not may be a typo, or a number \
             measured differently from the rest.\n",
            c.consistent,
            grid(r)
        );
    }
    if c.values.is_empty() {
        return;
    }
    let _ = writeln!(
        m,
        "| arm | printed | unit | verdict | nearest reachable | what reaches it |\n|---|---|---|---|---|---|"
    );
    for v in &c.values {
        let (verdict, nearest, fits) = match v.verdict {
            Verdict::Consistent => (
                if v.can_fail {
                    "consistent".to_string()
                } else {
                    "consistent (cannot fail at this precision)".into()
                },
                String::new(),
                String::new(),
            ),
            Verdict::NotChecked => (
                format!("not checked: {}", v.reason),
                String::new(),
                String::new(),
            ),
            Verdict::Inconsistent => (
                "**inconsistent**".to_string(),
                v.nearest.join(", "),
                reach_text(v),
            ),
        };
        let _ = writeln!(
            m,
            "| {} | {} | {} | {verdict} | {nearest} | {} |",
            v.arm,
            cell(&v.printed),
            v.unit,
            cell(&fits)
        );
    }
    for v in c.unexplained() {
        let _ = writeln!(
            m,
            "\nPossible typo: `{}` prints {}: {}.",
            v.arm,
            v.printed,
            value_text(v, c)
        );
    }
}

/// What reaches one inconsistent value on its own.
fn reach_text(v: &crate::audit::consistency::ValueCheck) -> String {
    let mut fit: Vec<String> = Vec::new();
    if let Some(k) = v.samples {
        fit.push(format!("avg@{k}"));
    }
    match v.sizes.len() {
        0 => {}
        1..=6 => fit.push(format!("n = {}", list_sizes(&v.sizes))),
        k => fit.push(format!("{k} of the sizes tried")),
    }
    if let Some([s, k]) = v.size_and_samples {
        fit.push(format!("n = {s} with avg@{k}"));
    }
    if fit.is_empty() {
        "nothing tried (possible typo)".into()
    } else {
        fit.join("; ")
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
