//! The fitted class: its members (one per mechanism real papers show), and how each member's
//! prior follows from a reported base accuracy.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use serde::Serialize;

use super::{MAX_STEPS, SEED};
use crate::sim::SimConfig;
use crate::sim::config::{self, Family};
use crate::sim::policy::{latent_accuracy, prior_for_base_accuracy};

/// What a member of the class is there to model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// The seed paper's class: the prior's mode and its self-consistency, on-policy GRPO.
    Elicitation,
    /// The format-gated family: a base that formats a share q of its answers; label-free and
    /// format rewards teach the format (README, "The format-gated family").
    FormatLearning,
    /// The shared-style model under PPO clipping: a random reward moves a behaviour shared by
    /// every prompt toward the one the base prefers (README, "Clipping bias with a shared style").
    /// Its members differ in how much the behaviour gates accuracy: style 1 at a seventh of style
    /// 0's odds, or a gate whose answers the grader (almost) never credits.
    ClipBias,
}

impl Mechanism {
    pub fn describe(self) -> &'static str {
        match self {
            Mechanism::Elicitation => {
                "self-consistency elicitation (paper family, on-policy GRPO, f = format strength)"
            }
            Mechanism::FormatLearning => {
                "format learning (format-gated family, on-policy GRPO, q = base format rate)"
            }
            Mechanism::ClipBias => {
                "clip-bias random-reward gains (shared style token, PPO clipping, the `clip-bias` preset)"
            }
        }
    }
}

/// How a member's prior follows from a reported base accuracy.
#[derive(Clone, Copy, Debug)]
pub enum Solve {
    /// The paper family's closed form, the accuracy kept in [0.001, 0.999].
    Paper,
    /// The format-gated family's closed form at the member's q (unreachable when acc ≥ q).
    Gated,
    /// The format-gated family with per-prompt priors p ~ Beta(p̄κ, (1 − p̄)κ): the mean p̄
    /// whose expected base accuracy q·E[acc(p)] is the reported one, by bisection over a
    /// quadrature of the Beta.
    GatedBeta,
    /// The style model: style 1 answers with p, style 0 with the prior whose odds are `odds`
    /// times p's (the more accurate style); the base accuracy share·acc(p₀) + (1 − share)·acc(p)
    /// is solved for p by bisection. `odds` is [`STYLE_ODDS_RATIO`] or [`GATE_ODDS_RATIO`].
    Style { odds: f64 },
}

/// Odds ratio of style 0's prior to style 1's in the clip-bias members: the `clip-bias` preset's
/// 0.80 vs 0.35 is an odds ratio of 7.4, and Spurious Rewards' prompts that switch from language
/// to code reasoning under a random reward go from 23.9 % to 69.0 % correct (arXiv 2506.10947v1,
/// Fig. 7e), an odds ratio of 7.1.
pub const STYLE_ODDS_RATIO: f64 = 7.0;

/// Odds ratio of the gate members: style 1 is a behaviour whose answers the grader (almost)
/// never credits — a format it cannot parse, a mode that does not answer — so style 1's odds of a
/// correct answer are 1/10,000 of style 0's; at a base below the share its accuracy is then at
/// most about 0.1 % and the random-gain ceiling within 0.1 points of its limit b·(1 − s)/s
/// (README, "A shared behaviour that gates accuracy").
pub const GATE_ODDS_RATIO: f64 = 1e4;

/// One member of the fitted class: a config whose prior is solved from the base accuracy.
#[derive(Clone, Debug)]
pub struct Member {
    /// Short, stable name printed in reports (e.g. `paper f=0.2`).
    pub name: String,
    pub mechanism: Mechanism,
    pub solve: Solve,
    /// The config; its prior (and style 0's) is replaced by the solved one.
    pub config: SimConfig,
}

/// Format rates of the format-learning members.
pub const FORMAT_RATES: [f64; 7] = [0.03, 0.06, 0.1, 0.2, 0.35, 0.5, 0.7];
/// Learning rates of the format-learning members: the paper's, and four times it (a budget
/// four times longer, for a base that rarely formats).
pub const FORMAT_LEARNING_RATES: [f64; 2] = [0.05, 0.2];
/// Concentration of the per-prompt Beta prior of the heterogeneous format-learning members:
/// prompts differ in difficulty, so some have a wrong latent mode and a majority vote trails the
/// ground truth there.
pub const PRIOR_CONCENTRATION: f64 = 2.0;
/// Base shares of the accurate style in the clip-bias members: preferred, and not. 0.65 is
/// Qwen2.5-Math-7B's code-reasoning frequency before training (65.0 % of its MATH-500 answers,
/// arXiv 2506.10947v1, Table 1); 0.35 is its mirror, the accurate behaviour the minority.
pub const STYLE_SHARES: [f64; 2] = [0.65, 0.35];

/// The fitted class, in report order (built once).
pub fn class() -> &'static [Member] {
    static CLASS: LazyLock<Vec<Member>> = LazyLock::new(members);
    &CLASS
}

fn members() -> Vec<Member> {
    let mut out: Vec<Member> = [0.0, 0.2, 0.5]
        .iter()
        .map(|&f| Member {
            name: format!("paper f={f}"),
            mechanism: Mechanism::Elicitation,
            solve: Solve::Paper,
            config: SimConfig {
                format_strength: f,
                steps: MAX_STEPS,
                seed: SEED,
                ..config::paper()
            },
        })
        .collect();
    for lr in FORMAT_LEARNING_RATES {
        out.extend(FORMAT_RATES.iter().map(|&q| Member {
            name: if lr == config::paper().lr {
                format!("format-gated q={q}")
            } else {
                format!("format-gated q={q} η={lr}")
            },
            mechanism: Mechanism::FormatLearning,
            solve: Solve::Gated,
            config: SimConfig {
                family: Family::FormatGated,
                format_rate: q,
                lr,
                steps: MAX_STEPS,
                seed: SEED,
                ..config::paper()
            },
        }));
    }
    out.extend(FORMAT_RATES.iter().map(|&q| Member {
        name: format!("format-gated q={q} κ={PRIOR_CONCENTRATION}"),
        mechanism: Mechanism::FormatLearning,
        solve: Solve::GatedBeta,
        config: SimConfig {
            family: Family::FormatGated,
            format_rate: q,
            prior_concentration: Some(PRIOR_CONCENTRATION),
            lr: FORMAT_LEARNING_RATES[1],
            steps: MAX_STEPS,
            seed: SEED,
            ..config::paper()
        },
    }));
    for (odds, kind) in [(STYLE_ODDS_RATIO, ""), (GATE_ODDS_RATIO, " gate")] {
        out.extend(STYLE_SHARES.iter().map(|&share| Member {
            name: format!("clip-bias{kind} share={share}"),
            mechanism: Mechanism::ClipBias,
            solve: Solve::Style { odds },
            config: SimConfig {
                style_share: Some(share),
                seed: SEED,
                ..config::clip_bias()
            },
        }));
    }
    out
}

/// The prior p_s at which the paper family's base accuracy is `acc`.
pub fn prior_for_base(cfg: &SimConfig, acc: f64) -> f64 {
    let (k, c) = (cfg.answers as f64, cfg.correct as f64);
    let m = 1.0 + cfg.format_strength * k;
    let w = (k - c - 1.0 + m) / (k - c);
    let a = acc.clamp(1e-3, 1.0 - 1e-3);
    a * w / (1.0 - a + a * w)
}

/// Style 0's prior in a style member whose style 1 has prior `p`, at odds ratio `odds`.
fn style0_prior(p: f64, odds: f64) -> f64 {
    p * odds / (1.0 - p + p * odds)
}

/// A style member's base accuracy at style-1 prior `p` and odds ratio `odds` (the answer
/// marginal's correct mass).
pub(super) fn style_accuracy(cfg: &SimConfig, p: f64, odds: f64) -> f64 {
    let share = cfg.style_share.unwrap_or(1.0);
    share * latent_accuracy(cfg, style0_prior(p, odds)) + (1.0 - share) * latent_accuracy(cfg, p)
}

/// The bracket of a style member's bisection over style 1's prior: (1e-6, 1 − 1e-6) at
/// [`STYLE_ODDS_RATIO`], its lower end scaled by 7/odds at another ratio so that style 0's prior
/// spans the same range (a gate member then reaches the same low base accuracies).
pub(super) fn style_bracket(odds: f64) -> (f64, f64) {
    (1e-6 * (STYLE_ODDS_RATIO / odds), 1.0 - 1e-6)
}

/// The member's config at a reported base accuracy, or `None` when the member cannot have that
/// base accuracy. [`solved_class`] keeps what this computes for every member of the class.
pub fn solved(member: &Member, base_accuracy: f64) -> Option<SimConfig> {
    let mut c = member.config.clone();
    match member.solve {
        Solve::Paper => c.prior = prior_for_base(&c, base_accuracy),
        Solve::Gated => c.prior = prior_for_base_accuracy(&c, base_accuracy)?,
        Solve::GatedBeta => {
            let kappa = c.prior_concentration?;
            let q = crate::sim::policy::effective_format_rate(&c, c.format_rate);
            let f = |mean: f64| q * shared_beta_mean_accuracy(&c, mean, kappa);
            let (bracket, steps) = ((1e-4, 1.0 - 1e-4), 100);
            let key = prior_key(member, base_accuracy);
            let known = priors().known.get(&key).copied();
            c.prior = match known {
                Some(x) if bisects_to(f, base_accuracy, bracket, steps, x) => x,
                _ => bisect(f, base_accuracy, bracket, steps)?,
            };
            priors().solved.insert(key, c.prior);
        }
        Solve::Style { odds } => {
            // Arithmetic only (no libm), so the solved prior has the same bits everywhere.
            let f = |p: f64| style_accuracy(&c, p, odds);
            c.prior = bisect(f, base_accuracy, style_bracket(odds), 200)?;
            c.style_prior = Some(style0_prior(c.prior, odds));
        }
    }
    c.validate().ok().map(|_| c)
}

/// The Beta-prior members' solved priors, carried from one run to the next by the fit cache: a
/// bisection over a quadrature is most of what a warm report would otherwise compute, and a
/// known answer is checked exactly with four values of the function ([`bisects_to`]).
#[derive(Default)]
struct Priors {
    /// As read from a fit cache: a claim, never trusted before it is checked.
    known: HashMap<String, f64>,
    /// Solved (or checked) in this process: what a fit cache saves.
    solved: HashMap<String, f64>,
}

fn priors() -> std::sync::MutexGuard<'static, Priors> {
    static PRIORS: LazyLock<Mutex<Priors>> = LazyLock::new(Mutex::default);
    PRIORS.lock().expect("no panics under the lock")
}

/// The fit cache's name of a member's prior at a base accuracy: the member's name, `@`, and the
/// base's bits in hexadecimal (exact, and the same on every machine).
fn prior_key(member: &Member, base_accuracy: f64) -> String {
    format!("{}@{:016x}", member.name, base_accuracy.to_bits())
}

/// Whether a fit cache's prior key names a member solved by bisection and a base accuracy.
pub fn is_prior_key(key: &str) -> bool {
    key.rsplit_once('@').is_some_and(|(name, bits)| {
        bits.len() == 16
            && u64::from_str_radix(bits, 16).is_ok_and(|b| (0.0..=1.0).contains(&f64::from_bits(b)))
            && class()
                .iter()
                .any(|m| m.name == name && matches!(m.solve, Solve::GatedBeta))
    })
}

/// Priors read from a fit cache (each is checked before it is used).
pub fn learn_priors(known: &std::collections::BTreeMap<String, f64>) {
    priors()
        .known
        .extend(known.iter().map(|(k, v)| (k.clone(), *v)));
}

/// The priors solved or checked in this process, by [`prior_key`].
pub fn solved_priors() -> std::collections::BTreeMap<String, f64> {
    priors()
        .solved
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// Whether [`bisect`]`(f, target, (lo, hi), steps)` returns exactly `x`, with at most five values
/// of `f` where the bisection takes about fifty. The halvings' path to `x` is fixed by `x`
/// itself (a midpoint below `x` was a step up, one above a step down, one at `x` as `f` says
/// there), and an increasing `f`
/// took that path iff it was below `target` at the last step up and not below it at the last
/// step down. A midpoint that rounds to an end of the bracket is where the bisection stops,
/// whichever way `f` goes there. (An `x` a few units in the last place from the bisection's
/// answer, where rounding may make `f` not increasing, can pass: it is then as good a root.)
fn bisects_to(
    f: impl Fn(f64) -> f64,
    target: f64,
    (mut lo, mut hi): (f64, f64),
    steps: usize,
    x: f64,
) -> bool {
    if !(x.is_finite() && f(lo) < target && target < f(hi)) {
        return false;
    }
    let (mut up, mut down) = (None, None);
    for _ in 0..steps {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        // The answer is an end of the last bracket, reached at one step as its midpoint: there
        // the bisection's own comparison says which end.
        if mid < x || (mid == x && f(mid) < target) {
            lo = mid;
            up = Some(mid);
        } else {
            hi = mid;
            down = Some(mid);
        }
    }
    0.5 * (lo + hi) == x && up.is_none_or(|m| f(m) < target) && down.is_none_or(|m| f(m) >= target)
}

/// The x in `(lo, hi)` at which the increasing `f` reaches `target`, by `steps` halvings of the
/// bracket; `None` when `target` is not strictly between `f(lo)` and `f(hi)`.
///
/// A halving that leaves the bracket as it was (its midpoint rounds to an end) is a fixed
/// point: every later one repeats it exactly, so the loop stops there with the bits the full
/// count gives.
fn bisect(
    f: impl Fn(f64) -> f64,
    target: f64,
    (mut lo, mut hi): (f64, f64),
    steps: usize,
) -> Option<f64> {
    if !(f(lo) < target && target < f(hi)) {
        return None;
    }
    for _ in 0..steps {
        let mid = 0.5 * (lo + hi);
        let before = (lo, hi);
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
        if (lo, hi) == before {
            break;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The class solved at one base accuracy: [`solved`] for each member of [`class`], in order.
///
/// Solving is most of a warm report's work (the heterogeneous members' quadrature inside a
/// bisection) and every audit with the same reported base needs the same answers, asked for
/// both when its runs are listed and when it is fitted; so each base accuracy is solved once per
/// process and shared. Threads asking for a base being solved wait for that answer.
pub fn solved_class(base_accuracy: f64) -> Arc<[Option<SimConfig>]> {
    type Slot = Arc<OnceLock<Arc<[Option<SimConfig>]>>>;
    /// Bases kept at most; past it the memo starts again (a long fuzz run asks for many).
    const KEPT: usize = 4096;
    static SOLVED: LazyLock<Mutex<HashMap<u64, Slot>>> = LazyLock::new(Mutex::default);
    let slot = {
        let mut memo = SOLVED.lock().expect("no panics under the lock");
        if memo.len() >= KEPT {
            memo.clear();
        }
        memo.entry(base_accuracy.to_bits()).or_default().clone()
    };
    slot.get_or_init(|| class().iter().map(|m| solved(m, base_accuracy)).collect())
        .clone()
}

/// [`beta_mean_accuracy`], each value computed once per process. The Beta-prior members share
/// one function of the mean (they differ in q, which multiplies it outside) and every bisection
/// starts from the same bracket, so the solves of many (member, base) pairs ask for many of the
/// same means: about a quarter of them, over the committed descriptors.
fn shared_beta_mean_accuracy(cfg: &SimConfig, mean: f64, kappa: f64) -> f64 {
    // Everything the value depends on: what `latent_accuracy` reads of the config, κ and the mean.
    type Key = (u8, usize, usize, u64, u64, u64, u64);
    /// Values kept at most; past it the memo starts again.
    const KEPT: usize = 1 << 20;
    static MEMO: LazyLock<Mutex<HashMap<Key, f64>>> = LazyLock::new(Mutex::default);
    let key = (
        cfg.family as u8,
        cfg.answers,
        cfg.correct,
        cfg.format_strength.to_bits(),
        cfg.distractor_share.to_bits(),
        kappa.to_bits(),
        mean.to_bits(),
    );
    if let Some(&v) = MEMO.lock().expect("no panics under the lock").get(&key) {
        return v;
    }
    let v = beta_mean_accuracy(cfg, mean, kappa);
    let mut memo = MEMO.lock().expect("no panics under the lock");
    if memo.len() >= KEPT {
        memo.clear();
    }
    memo.insert(key, v);
    v
}

/// E[acc(p)] for p ~ Beta(mean·κ, (1 − mean)·κ), self-normalised. The density's end points
/// can be singular (a parameter below 1), so each half is integrated in a variable that makes it
/// regular: p = t^(1/a) on (0, ½] and 1 − p = t^(1/b) on [½, 1), where p^(a−1)·dp = dt/a; a
/// midpoint rule on 2,048 points per half.
///
/// Points are taken a few at a time: their accuracies are independent chains of arithmetic the
/// processor overlaps, and the sums still add point after point, so the result has the bits of
/// the one-point-at-a-time loop.
pub fn beta_mean_accuracy(cfg: &SimConfig, mean: f64, kappa: f64) -> f64 {
    const POINTS: usize = 2048;
    const LANES: usize = 8;
    let (a, b) = (mean * kappa, (1.0 - mean) * kappa);
    let (mut num, mut den) = (0.0, 0.0);
    for (shape, other, left) in [(a, b, true), (b, a, false)] {
        let top = 0.5f64.powf(shape);
        let dt = top / POINTS as f64;
        for first in (0..POINTS).step_by(LANES) {
            let mut p = [0.0; LANES];
            let mut w = [0.0; LANES];
            for l in 0..LANES {
                let t = ((first + l) as f64 + 0.5) * dt;
                let x = t.powf(1.0 / shape);
                p[l] = if left { x } else { 1.0 - x };
                w[l] = (1.0 - x).powf(other - 1.0) * dt / shape;
            }
            let acc: [f64; LANES] = std::array::from_fn(|l| latent_accuracy(cfg, p[l]));
            for l in 0..LANES {
                num += w[l] * acc[l];
                den += w[l];
            }
        }
    }
    num / den
}

/// The largest random-reward gain a clip-bias member can produce at its solved config: the
/// accurate style's share driven from its base value to 1, answers held fixed,
/// (1 − share)·(acc(p₀) − acc(p₁)).
pub fn style_ceiling(cfg: &SimConfig) -> Option<f64> {
    let share = cfg.style_share?;
    let p0 = cfg.style_prior?;
    Some((1.0 - share) * (latent_accuracy(cfg, p0) - latent_accuracy(cfg, cfg.prior)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::policy::base_distribution;

    /// The prior of a Beta-prior member as first written: a fresh row per quadrature point, one
    /// point at a time, all 100 halvings.
    fn reference_beta_prior(cfg: &SimConfig, base: f64) -> Option<f64> {
        let kappa = cfg.prior_concentration?;
        let q = crate::sim::policy::effective_format_rate(cfg, cfg.format_rate);
        let f = |mean: f64| {
            let (a, b) = (mean * kappa, (1.0 - mean) * kappa);
            let (mut num, mut den) = (0.0, 0.0);
            for (shape, other, left) in [(a, b, true), (b, a, false)] {
                let top = 0.5f64.powf(shape);
                let dt = top / 2048.0;
                for i in 0..2048 {
                    let t = (i as f64 + 0.5) * dt;
                    let x = t.powf(1.0 / shape);
                    let p = if left { x } else { 1.0 - x };
                    let w = (1.0 - x).powf(other - 1.0) * dt / shape;
                    num += w * base_distribution(cfg, p)[..cfg.correct].iter().sum::<f64>();
                    den += w;
                }
            }
            q * num / den
        };
        let (mut lo, mut hi) = (1e-4, 1.0 - 1e-4);
        if !(f(lo) < base && base < f(hi)) {
            return None;
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if f(mid) < base {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(0.5 * (lo + hi))
    }

    /// Beta-prior members and bases across the class's range (low format rates, the seed's base).
    fn beta_cases() -> Vec<(&'static Member, f64)> {
        let members: Vec<&Member> = class()
            .iter()
            .filter(|m| matches!(m.solve, Solve::GatedBeta))
            .collect();
        [
            (0, 0.02),
            (3, 0.13),
            (4, 0.3),
            (6, 0.05),
            (6, 0.494),
            (6, 0.69),
        ]
        .into_iter()
        .map(|(m, base)| (members[m], base))
        .collect()
    }

    #[test]
    fn a_solved_beta_prior_has_the_bits_of_the_plain_bisection() {
        // Batched quadrature points, a row-free accuracy and a bisection that stops at its fixed
        // point must not move a solved prior by one bit: the fit cache is keyed by it.
        for (m, base) in beta_cases() {
            let got = solved(m, base).map(|c| c.prior.to_bits());
            let want = reference_beta_prior(&m.config, base).map(f64::to_bits);
            assert_eq!(got, want, "{} at {base}", m.name);
        }
    }

    #[test]
    fn a_known_prior_is_checked_with_a_few_values_and_never_trusted() {
        // The fit cache carries the Beta-prior members' solved priors so that a warm report does
        // not bisect again; a carried prior must be the bisection's answer to the bit, checked
        // with a handful of values of the quadrature, or the member is solved afresh.
        for (m, base) in beta_cases() {
            let want = reference_beta_prior(&m.config, base).expect("reachable");
            let kappa = m.config.prior_concentration.unwrap();
            let q = crate::sim::policy::effective_format_rate(&m.config, m.config.format_rate);
            let calls = std::cell::Cell::new(0);
            let f = |mean: f64| {
                calls.set(calls.get() + 1);
                q * beta_mean_accuracy(&m.config, mean, kappa)
            };
            let bracket = (1e-4, 1.0 - 1e-4);
            assert!(
                bisects_to(f, base, bracket, 100, want),
                "{} at {base}",
                m.name
            );
            assert!(calls.get() <= 5, "{} values of the quadrature", calls.get());
            let ulp = |d: i64| f64::from_bits((want.to_bits() as i64 + d) as u64);
            for wrong in [ulp(1), ulp(-1), ulp(64), want * 1.001, 0.5, f64::NAN] {
                assert!(
                    !bisects_to(f, base, bracket, 100, wrong),
                    "{wrong} accepted"
                );
            }
            // A poisoned carried prior: `solved` bisects again and keeps the bisection's bits.
            let key = prior_key(m, base);
            learn_priors(&std::collections::BTreeMap::from([(key.clone(), ulp(3))]));
            assert_eq!(solved(m, base).unwrap().prior.to_bits(), want.to_bits());
            assert_eq!(solved_priors()[&key].to_bits(), want.to_bits());
            assert!(is_prior_key(&key));
        }
        assert!(!is_prior_key("paper f=0@3fd999999999999a"));
        assert!(!is_prior_key("format-gated q=0.5 κ=2@3fd99999999999"));
    }

    #[test]
    fn a_solved_style_prior_has_the_bits_of_all_200_halvings() {
        for m in class().iter() {
            let Solve::Style { odds } = m.solve else {
                continue;
            };
            // A gate member's accurate style holds all the accuracy: it cannot have a base
            // accuracy above its share.
            for base in [0.01, 0.2, 0.494, 0.8]
                .into_iter()
                .filter(|&b| odds == STYLE_ODDS_RATIO || b < m.config.style_share.unwrap())
            {
                let (mut lo, mut hi) = style_bracket(odds);
                for _ in 0..200 {
                    let mid = 0.5 * (lo + hi);
                    if style_accuracy(&m.config, mid, odds) < base {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let got = solved(m, base).expect("every base is reachable").prior;
                assert_eq!(got.to_bits(), (0.5 * (lo + hi)).to_bits(), "{}", m.name);
            }
        }
    }

    #[test]
    fn the_fitted_class_has_its_mechanisms_members() {
        // README lists the class by name and size; reports print it. Adding or dropping a member
        // changes every fit, so it must be deliberate.
        let names: Vec<&str> = class().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names.len(), 28);
        let count = |mech| class().iter().filter(|m| m.mechanism == mech).count();
        assert_eq!(count(Mechanism::Elicitation), 3);
        assert_eq!(count(Mechanism::FormatLearning), 21);
        let styles: Vec<(&str, f64, f64)> = class()
            .iter()
            .filter_map(|m| match m.solve {
                Solve::Style { odds } => Some((m.name.as_str(), odds, m.config.style_share?)),
                _ => None,
            })
            .collect();
        assert_eq!(
            styles,
            [
                ("clip-bias share=0.65", STYLE_ODDS_RATIO, 0.65),
                ("clip-bias share=0.35", STYLE_ODDS_RATIO, 0.35),
                ("clip-bias gate share=0.65", GATE_ODDS_RATIO, 0.65),
                ("clip-bias gate share=0.35", GATE_ODDS_RATIO, 0.35),
            ]
        );
        for m in class()
            .iter()
            .filter(|m| m.mechanism == Mechanism::ClipBias)
        {
            assert_eq!(
                m.config,
                SimConfig {
                    style_share: m.config.style_share,
                    seed: SEED,
                    ..config::clip_bias()
                }
            );
        }
    }

    #[test]
    fn clip_bias_gate_random_gain_stays_below_its_derived_ceiling() {
        // README, "A shared behaviour that gates accuracy": with answers held fixed a shared
        // two-mode behaviour gives a random reward at most min(b(1 − s)/s, 1 − b), reached by a
        // gate; the simulated gain must not exceed it (its answers, above c/K, only diffuse down),
        // and the runs whose share goes to 1 must pass what the 7×-odds members can give.
        use crate::sim::{Arm, Record, style};
        let member = |odds: f64| {
            class()
                .iter()
                .find(|m| {
                    matches!(m.solve, Solve::Style { odds: o } if o == odds)
                        && m.config.style_share == Some(STYLE_SHARES[0])
                })
                .expect("the class has both preferred-style members")
        };
        let (gate, fixed) = (member(GATE_ODDS_RATIO), member(STYLE_ODDS_RATIO));
        let s = STYLE_SHARES[0];
        for b in [0.2, 0.494, 0.6] {
            let c = solved(gate, b).expect("a gate below its share is reachable");
            let derived = (b * (1.0 - s) / s).min(1.0 - b);
            let got = style_ceiling(&c).unwrap();
            assert!((got - derived).abs() < 1e-3, "{b}: {got} vs {derived}");
            assert!(got > style_ceiling(&solved(fixed, b).unwrap()).unwrap());
        }
        assert!(solved(gate, 0.7).is_none_or(|c| style_ceiling(&c).unwrap() <= 0.3 + 1e-12));

        let b = 0.494;
        let cfg = solved(gate, b).unwrap();
        let ceiling = style_ceiling(&cfg).unwrap();
        assert!(latent_accuracy(&cfg, cfg.style_prior.unwrap()) > 2.0 / 8.0);
        let runs: Vec<(f64, f64)> = (0..32)
            .map(|r| {
                let out = style::run(&cfg, &Arm::Random { gamma: 0.5 }, r, Record::Final).0;
                (
                    out.final_metrics.accuracy - out.base.accuracy,
                    out.style_share.unwrap(),
                )
            })
            .collect();
        let n = runs.len() as f64;
        let mean = runs.iter().map(|r| r.0).sum::<f64>() / n;
        let var = runs.iter().map(|r| (r.0 - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let half = 1.96 * (var / n).sqrt();
        assert!(
            mean - half <= ceiling,
            "mean {mean} ± {half} vs ceiling {ceiling}"
        );
        let up: Vec<f64> = runs.iter().filter(|r| r.1 > 0.9).map(|r| r.0).collect();
        assert!(up.len() as f64 > n / 2.0, "{runs:?}");
        let up_mean = up.iter().sum::<f64>() / up.len() as f64;
        assert!(up_mean <= ceiling, "{up_mean} vs {ceiling}");
        let fixed_ceiling = style_ceiling(&solved(fixed, b).unwrap()).unwrap();
        assert!(up_mean > fixed_ceiling, "{up_mean} vs {fixed_ceiling}");
    }

    #[test]
    fn latent_accuracy_has_the_bits_of_the_built_row() {
        use crate::sim::config::{Family, paper};
        use crate::sim::policy::latent_accuracy;
        let cfgs = [
            paper(),
            SimConfig {
                format_strength: 0.0,
                answers: 5,
                correct: 1,
                ..paper()
            },
            SimConfig {
                family: Family::Distractor,
                correct: 1,
                distractor_share: 0.3,
                ..paper()
            },
        ];
        for cfg in &cfgs {
            for i in 1..200 {
                let p = i as f64 / 200.0 + 1e-3 * (i as f64).sin();
                let row: f64 = base_distribution(cfg, p)
                    [..crate::sim::policy::correct_answers(cfg)]
                    .iter()
                    .sum();
                assert_eq!(latent_accuracy(cfg, p).to_bits(), row.to_bits(), "{p}");
            }
        }
    }

    #[test]
    fn the_class_is_solved_once_per_base_and_shared() {
        let a = solved_class(0.3141);
        let b = solved_class(0.3141);
        assert!(Arc::ptr_eq(&a, &b));
        for (m, c) in class().iter().zip(a.iter()) {
            assert_eq!(
                c.as_ref().map(|c| c.canonical_json()),
                solved(m, 0.3141).map(|c| c.canonical_json()),
                "{}",
                m.name
            );
        }
    }
}
