//! The base policy of each family, the softmax policy, and the exact per-prompt metrics.
//!
//! Answer layout is fixed: the correct answers come first (indices `0..c`), and the family's
//! designated wrong answer (the format answer of the *paper* family, the distractor of the
//! *distractor* family) sits at index `c`. Nothing in the update depends on an index, and the
//! majority arms break plurality ties by a per-prompt random order or a fresh draw (never by
//! index), so fixed positions do not favour correct answers (METHOD §2).
//!
//! The *format-gated* family's row has 2K entries: `0..K` are the K latent answers of the paper
//! family formatted (so its correct answers are `0..c` and its format-boosted latent answer is
//! `c`, as above), `K..2K` the same latent answers unformatted (`K + a` is latent answer `a`).
//! Only `0..c` count as correct: the grader parses formatted answers only.
use rand_distr::{Beta, Distribution};
use serde::Serialize;

use super::config::{FORMAT_RATE_CLAMP, Family, SimConfig};
use crate::rng::SimRng;

/// The prompts of one run: which answers are correct, the base policy, the special answers.
#[derive(Clone, Debug)]
pub struct Problem {
    pub prompts: usize,
    /// Entries of a row: K, or 2K in the format-gated family ([`SimConfig::row_width`]).
    pub answers: usize,
    /// The format-gated family's K (answers `0..K` formatted, `K..2K` not); `None` otherwise.
    pub gate: Option<usize>,
    /// `prompts × answers`, row-major.
    pub correct: Vec<bool>,
    pub base_probs: Vec<f64>,
    pub base_logits: Vec<f64>,
    /// Per prompt: its prior strength p_s.
    pub priors: Vec<f64>,
    /// Per prompt: its format rate q (format-gated family; empty otherwise).
    pub format_rates: Vec<f64>,
    /// Per prompt: the format-boosted (paper) or distractor (distractor) answer.
    pub format_answer: Vec<usize>,
    /// Per prompt: the base policy's most likely wrong answer (lowest index on ties).
    pub incorrect_answer: Vec<usize>,
}

/// The base distribution of one prompt with prior strength `p` over the K latent answers: the
/// base policy of the paper and distractor families; in the format-gated family, the paper
/// family's row, which [`base_row`] splits into formatted and unformatted answers.
pub fn base_distribution(cfg: &SimConfig, p: f64) -> Vec<f64> {
    let w = LatentWeights::new(cfg, p);
    let mut probs: Vec<f64> = (0..cfg.answers).map(|a| w.of(a)).collect();
    let z: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|q| *q /= z);
    probs
}

/// The latent answers' weights at prior `p` before the common normalisation of
/// [`base_distribution`]. Every family's row has three parts: the correct answers `0..c` share
/// `p` equally, the designated wrong answer `c` ([`special_answer`]) has its own weight, and
/// the other wrong answers share what is left equally. In the paper and format-gated families
/// the wrong answers share `1 − p` and the format answer's share is multiplied by `1 + f·K`; in
/// the distractor family the distractor takes a share `d` of `1 − p`.
struct LatentWeights {
    correct: usize,
    answers: usize,
    /// Each correct answer's weight.
    each_correct: f64,
    special: f64,
    /// Each other wrong answer's weight.
    each_rest: f64,
}

impl LatentWeights {
    #[inline]
    fn new(cfg: &SimConfig, p: f64) -> LatentWeights {
        let (k, c) = (cfg.answers, correct_answers(cfg));
        let (each_correct, special, each_rest) = match cfg.family {
            Family::Paper | Family::FormatGated => {
                let wrong = (1.0 - p) / (k - c) as f64;
                (
                    p / c as f64,
                    wrong * (1.0 + cfg.format_strength * k as f64),
                    wrong,
                )
            }
            Family::Distractor => {
                let d = cfg.distractor_share;
                (p, (1.0 - p) * d, (1.0 - p) * (1.0 - d) / (k - 2) as f64)
            }
        };
        LatentWeights {
            correct: c,
            answers: k,
            each_correct,
            special,
            each_rest,
        }
    }

    /// Latent answer `a`'s weight.
    #[inline]
    fn of(&self, a: usize) -> f64 {
        match a.cmp(&self.correct) {
            std::cmp::Ordering::Less => self.each_correct,
            std::cmp::Ordering::Equal => self.special,
            std::cmp::Ordering::Greater => self.each_rest,
        }
    }

    /// The correct mass of the normalised row: the sums of [`base_distribution`] and of its
    /// correct entries, in the same order, without building the row.
    #[inline]
    fn correct_mass(&self) -> f64 {
        let z: f64 = (0..self.answers).map(|a| self.of(a)).sum();
        let each = self.each_correct / z;
        (0..self.correct).map(|_| each).sum()
    }
}

/// The base policy's row of one prompt with prior strength `p` and format rate `q`: the
/// distribution of [`base_distribution`], and in the format-gated family
/// `π_base(a, formatted) = q·π_latent(a)` at `a`, `π_base(a, unformatted) = (1 − q)·π_latent(a)`
/// at `K + a`. `q` is unused in the other families.
pub fn base_row(cfg: &SimConfig, p: f64, q: f64) -> Vec<f64> {
    let latent = base_distribution(cfg, p);
    match cfg.family {
        Family::FormatGated => {
            let formatted = latent.iter().map(|x| q * x);
            let unformatted = latent.iter().map(|x| (1.0 - q) * x);
            formatted.chain(unformatted).collect()
        }
        Family::Paper | Family::Distractor => latent,
    }
}

/// The correct answers of a family's latent distribution (`0..c`).
pub fn correct_answers(cfg: &SimConfig) -> usize {
    match cfg.family {
        Family::Paper | Family::FormatGated => cfg.correct,
        Family::Distractor => 1,
    }
}

/// The format rate a prompt of the format-gated family uses: `q` kept in
/// [[`FORMAT_RATE_CLAMP`], 1 − [`FORMAT_RATE_CLAMP`]] so both halves of the row have mass (the
/// default q = 1 formats all but a 1e-9 share). 1 for the other families.
pub fn effective_format_rate(cfg: &SimConfig, q: f64) -> f64 {
    match cfg.family {
        Family::FormatGated => q.clamp(FORMAT_RATE_CLAMP, 1.0 - FORMAT_RATE_CLAMP),
        Family::Paper | Family::Distractor => 1.0,
    }
}

/// The index of the family's designated wrong answer (in the format-gated family, the formatted
/// version of the format-boosted latent answer).
pub fn special_answer(cfg: &SimConfig) -> usize {
    match cfg.family {
        Family::Paper | Family::FormatGated => cfg.correct,
        Family::Distractor => 1,
    }
}

/// Base accuracy (correct mass) of the latent distribution at prior `p`: the base accuracy of
/// the paper and distractor families.
/// It allocates nothing: the model check evaluates it thousands of times per solved prior.
pub fn latent_accuracy(cfg: &SimConfig, p: f64) -> f64 {
    LatentWeights::new(cfg, p).correct_mass()
}

/// Closed-form expected base accuracy of a prompt at the config's prior p_s: `q̄ · latent
/// accuracy(p_s)`, where q̄ is the (clamped) format rate — with a Beta format rate its mean, since
/// a prompt's accuracy `q·acc(p_s)` is linear in q —, and q̄ = 1 outside the format-gated
/// family. With a Beta *prior* it is the accuracy at the mean prior, which is not the mean
/// accuracy (acc(p) is not linear in p). [`base_accuracy`] is the exact value of one built run.
pub fn expected_base_accuracy(cfg: &SimConfig) -> f64 {
    effective_format_rate(cfg, cfg.format_rate) * latent_accuracy(cfg, cfg.prior)
}

/// The prior p_s whose closed-form base accuracy ([`expected_base_accuracy`], at the config's
/// format rate) is `acc`; `None` when no p_s in (0, 1) reaches it: `acc ≤ 0` or `acc ≥ q̄`
/// (a base that formats a share q̄ of its answers is right at most that often).
///
/// *paper* and *format-gated*: the latent accuracy `a = acc/q̄` is `p/(p + (1 − p)·w)` with
/// `w = (K − c − 1 + m)/(K − c)`, `m = 1 + f·K` (the wrong mass after the format boost, before
/// the common normalisation), so `p = a·w/(1 − a + a·w)`. *distractor*: no renormalisation, so
/// `p = a`.
pub fn prior_for_base_accuracy(cfg: &SimConfig, acc: f64) -> Option<f64> {
    let q = effective_format_rate(cfg, cfg.format_rate);
    let a = if q == 1.0 { acc } else { acc / q };
    if !(a > 0.0 && a < 1.0) {
        return None;
    }
    Some(match cfg.family {
        Family::Paper | Family::FormatGated => {
            let (k, c) = (cfg.answers as f64, cfg.correct as f64);
            let m = 1.0 + cfg.format_strength * k;
            let w = (k - c - 1.0 + m) / (k - c);
            a * w / (1.0 - a + a * w)
        }
        Family::Distractor => a,
    })
}

/// The prior at which one correct answer's base probability equals the largest wrong answer's:
/// above it the base policy's mode is correct, below it wrong (the self-consistency crossover).
///
/// *paper*: a correct answer has `p/c`, the format answer `(1−p)(1+fK)/(K−c)` before the common
/// normalisation, so `p* = c·m/(K−c + c·m)` with `m = 1 + fK`. *distractor*: the largest wrong
/// share is `w = max(d, (1−d)/(K−2))` of the wrong mass, so `p* = w/(1+w)`. *format-gated*: the
/// paper family's p*. Formatting scales every latent answer by the same q, so it changes
/// neither which latent answer is modal nor which formatted answer wins a formatted plurality.
pub fn crossover(cfg: &SimConfig) -> f64 {
    let k = cfg.answers as f64;
    match cfg.family {
        Family::Paper | Family::FormatGated => {
            let c = cfg.correct as f64;
            let m = 1.0 + cfg.format_strength * k;
            c * m / (k - c + c * m)
        }
        Family::Distractor => {
            let d = cfg.distractor_share;
            let w = d.max((1.0 - d) / (k - 2.0));
            w / (1.0 + w)
        }
    }
}

impl Problem {
    /// Builds the prompts. Priors come from `rng` only when the config has a Beta prior, format
    /// rates only when it has a Beta format rate (per prompt: its prior first, then its rate).
    pub fn build(cfg: &SimConfig, rng: &mut SimRng) -> Problem {
        Self::build_with::<SimExp>(cfg, rng)
    }

    /// [`Problem::build`] with the exponential `X` in the softmax.
    pub fn build_with<X: Exp>(cfg: &SimConfig, rng: &mut SimRng) -> Problem {
        let (n, k) = (cfg.prompts, cfg.row_width());
        let gated = cfg.family == Family::FormatGated;
        let beta = cfg.prior_concentration.map(|kappa| {
            Beta::new(cfg.prior * kappa, (1.0 - cfg.prior) * kappa).expect("validated parameters")
        });
        let rate_beta = cfg.format_concentration.filter(|_| gated).map(|kappa| {
            let q = cfg.format_rate;
            Beta::new(q * kappa, (1.0 - q) * kappa).expect("validated parameters")
        });
        let mut p = Problem {
            prompts: n,
            answers: k,
            gate: gated.then_some(cfg.answers),
            correct: Vec::with_capacity(n * k),
            base_probs: Vec::with_capacity(n * k),
            base_logits: Vec::with_capacity(n * k),
            priors: Vec::with_capacity(n),
            format_rates: Vec::with_capacity(if gated { n } else { 0 }),
            format_answer: vec![special_answer(cfg); n],
            incorrect_answer: Vec::with_capacity(n),
        };
        let c = correct_answers(cfg);
        // The base policy's most likely wrong answer is read off the K latent answers, which in
        // the format-gated family are the formatted ones: INCORRECT rewards that answer formatted.
        let latent = cfg.answers;
        // A base row's logits and their softmax. The policy is always softmax(θ); taking the
        // base probabilities through the same softmax makes "θ = base logits" and
        // "π = π_base" agree bit for bit.
        let through_softmax = |probs: Vec<f64>| {
            let logits: Vec<f64> = probs.iter().map(|q| q.ln()).collect();
            let mut soft = vec![0.0; k];
            softmax_with::<X>(&logits, &mut soft);
            (probs, logits, soft)
        };
        // Without a Beta prior or format rate every prompt has the same base row: build it once.
        let fixed_rate = effective_format_rate(cfg, cfg.format_rate);
        let fixed = (beta.is_none() && rate_beta.is_none())
            .then(|| through_softmax(base_row(cfg, cfg.prior, fixed_rate)));
        for _ in 0..n {
            // Keep a drawn prior away from 0 and 1 so every logit stays finite.
            let prior = match &beta {
                Some(b) => b.sample(rng).clamp(1e-9, 1.0 - 1e-9),
                None => cfg.prior,
            };
            let rate = match &rate_beta {
                Some(b) => effective_format_rate(cfg, b.sample(rng)),
                None => fixed_rate,
            };
            let drawn;
            let (probs, logits, soft) = match &fixed {
                Some(row) => row,
                None => {
                    drawn = through_softmax(base_row(cfg, prior, rate));
                    &drawn
                }
            };
            let wrong =
                (c..latent).fold(c, |best, a| if probs[a] > probs[best] { a } else { best });
            p.incorrect_answer.push(wrong);
            p.priors.push(prior);
            if gated {
                p.format_rates.push(rate);
            }
            p.correct.extend((0..k).map(|a| a < c));
            p.base_logits.extend_from_slice(logits);
            p.base_probs.extend_from_slice(soft);
        }
        p
    }

    pub fn row<'a, T>(&self, v: &'a [T], q: usize) -> &'a [T] {
        &v[q * self.answers..(q + 1) * self.answers]
    }
}

/// The exponential the softmax uses.
pub trait Exp {
    fn exp(x: f64) -> f64;
}

/// The exponential of the simulator's softmax.
pub type SimExp = Portable;

/// The simulator's own exponential ([`super::exp::exp`]): the same bits on every platform.
pub struct Portable;

impl Exp for Portable {
    #[inline(always)]
    fn exp(x: f64) -> f64 {
        super::exp::exp(x)
    }
}

/// The platform libm's `exp`: what the simulator used before it had its own. Kept as the
/// reference the portable one is tested against (same runs, same seeds, distributions compared).
pub struct Libm;

impl Exp for Libm {
    #[inline(always)]
    fn exp(x: f64) -> f64 {
        x.exp()
    }
}

/// Softmax of `logits` into `out` (max-subtracted).
#[inline]
pub fn softmax(logits: &[f64], out: &mut [f64]) {
    softmax_with::<SimExp>(logits, out)
}

/// [`softmax`] with the exponential `X`.
#[inline]
pub fn softmax_with<X: Exp>(logits: &[f64], out: &mut [f64]) {
    let mut m = f64::NEG_INFINITY;
    for &l in logits {
        m = if l > m { l } else { m };
    }
    for (o, &l) in out.iter_mut().zip(logits) {
        *o = X::exp(l - m);
    }
    let z: f64 = out.iter().sum();
    let inv = 1.0 / z;
    out.iter_mut().for_each(|o| *o *= inv);
}

/// Exact metrics of a policy, averaged over prompts (or of one prompt).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Expected accuracy: probability mass on correct answers.
    pub accuracy: f64,
    /// Greedy accuracy: 1 when the argmax is correct; ties count the correct share of the tie.
    pub greedy: f64,
    /// pass@k = 1 − (1 − accuracy)^k.
    pub pass_k: f64,
    /// Entropy in nats.
    pub entropy: f64,
}

impl Metrics {
    /// Metrics of one prompt's distribution.
    pub fn of_prompt(probs: &[f64], correct: &[bool], k: usize) -> Metrics {
        let mut acc = 0.0;
        let mut entropy = 0.0;
        let mut top = f64::NEG_INFINITY;
        for (&q, &ok) in probs.iter().zip(correct) {
            if ok {
                acc += q;
            }
            if q > 0.0 {
                entropy -= q * q.ln();
            }
            top = top.max(q);
        }
        // Exact ties only: equal logits give equal probabilities bit for bit.
        let (mut tied, mut tied_correct) = (0u32, 0u32);
        for (&q, &ok) in probs.iter().zip(correct) {
            if q == top {
                tied += 1;
                tied_correct += ok as u32;
            }
        }
        Metrics {
            accuracy: acc,
            greedy: tied_correct as f64 / tied as f64,
            pass_k: 1.0 - (1.0 - acc).max(0.0).powi(k as i32),
            entropy,
        }
    }

    pub fn add(&mut self, o: &Metrics) {
        self.accuracy += o.accuracy;
        self.greedy += o.greedy;
        self.pass_k += o.pass_k;
        self.entropy += o.entropy;
    }

    pub fn sub(&mut self, o: &Metrics) {
        self.accuracy -= o.accuracy;
        self.greedy -= o.greedy;
        self.pass_k -= o.pass_k;
        self.entropy -= o.entropy;
    }

    pub fn scaled(&self, s: f64) -> Metrics {
        Metrics {
            accuracy: self.accuracy * s,
            greedy: self.greedy * s,
            pass_k: self.pass_k * s,
            entropy: self.entropy * s,
        }
    }
}

/// Exact base accuracy of the config (mean over prompts; with a Beta prior or format rate, of
/// replicate 0's draw). [`expected_base_accuracy`] is its closed form.
pub fn base_accuracy(cfg: &SimConfig) -> f64 {
    let seed = cfg.replicate_seed(0);
    let p = Problem::build(
        cfg,
        &mut crate::rng::stream(&seed, crate::rng::streams::PROMPTS),
    );
    (0..p.prompts)
        .map(|q| {
            p.row(&p.base_probs, q)[..]
                .iter()
                .zip(p.row(&p.correct, q))
                .filter(|(_, c)| **c)
                .map(|(x, _)| x)
                .sum::<f64>()
        })
        .sum::<f64>()
        / p.prompts as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::paper;

    fn acc_at(p: f64) -> f64 {
        let cfg = SimConfig {
            prior: p,
            ..paper()
        };
        base_distribution(&cfg, p)[..2].iter().sum()
    }

    #[test]
    fn paper_family_base_accuracy_matches_method() {
        // METHOD §4/§5: 0.165 at p_s = 0.20 and 0.7595 at 0.80 (K=8, c=2, f=0.2).
        assert!((acc_at(0.20) - 0.2 / 1.213_333_333_333_333_3).abs() < 1e-12);
        assert_eq!(format!("{:.4}", acc_at(0.20)), "0.1648");
        assert_eq!(format!("{:.4}", acc_at(0.80)), "0.7595");
    }

    #[test]
    fn crossover_is_where_modes_meet() {
        for cfg in [
            paper(),
            SimConfig {
                family: Family::Distractor,
                correct: 1,
                distractor_share: 0.4,
                ..paper()
            },
            // The latent distribution: formatting scales every latent answer alike.
            SimConfig {
                family: Family::FormatGated,
                format_rate: 0.2,
                ..paper()
            },
        ] {
            let p = crossover(&cfg);
            let probs = base_distribution(&cfg, p);
            let largest_wrong = probs[cfg.correct..].iter().copied().fold(0.0, f64::max);
            assert!((probs[0] - largest_wrong).abs() < 1e-12, "{probs:?}");
        }
        assert!((crossover(&paper()) - 2.6 / 5.6).abs() < 1e-12);
    }

    #[test]
    fn greedy_ties_count_the_correct_share() {
        let m = Metrics::of_prompt(&[0.4, 0.2, 0.4], &[true, false, false], 1);
        assert_eq!(m.greedy, 0.5);
    }
}
