//! Reward arms (METHOD §2): what reward each sampled answer of a group gets.
//!
//! In the format-gated family (answers `0..K` formatted, `K..2K` the same latent answers
//! unformatted; see [`super::policy`]) the grader credits only a formatted correct answer, and
//! a vote counts only formatted answers; each arm's doc says what it does there.
//!
//! The file is long because each arm's rule, its parser and its unit tests (including the gated
//! family's votes) sit together.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::rng::{self, SimRng};

/// Default Bernoulli rate of the RANDOM arm.
pub const DEFAULT_GAMMA: f64 = 0.5;
/// Default base samples behind the MAJORITY-FIXED label (Spurious Rewards used 64).
pub const DEFAULT_MAJORITY_SAMPLES: usize = 64;
/// Default flip probability of the NOISY arm.
pub const DEFAULT_RHO: f64 = 0.1;

/// A reward rule. Written as `base`, `true`, `random[:γ]`, `majority`, `majority-fixed[:M]`,
/// `format`, `incorrect`, `noisy[:ρ]`, `constant`.
/// The largest M of `majority-fixed:M` (base samples drawn per prompt to fix its label).
pub const MAX_MAJORITY_SAMPLES: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Arm {
    /// No training.
    Base,
    /// 1 if the answer is correct (format-gated: formatted and correct).
    True,
    /// Bernoulli(γ), independent of the answer.
    Random { gamma: f64 },
    /// 1 if the answer is the plurality answer of its own group; ties broken by the config's tie
    /// rule (a per-prompt random order, or a fresh uniform draw). Format-gated: the plurality is
    /// taken over the group's formatted samples only (by latent answer, ties among formatted
    /// answers); an unformatted sample abstains and gets 0, and a group with no formatted sample
    /// gives every sample 0.
    Majority,
    /// 1 if the answer is the plurality of M base-policy samples drawn once per prompt at the start
    /// of the run (ties by the tie rule). Format-gated: the plurality of the formatted ones among
    /// the M samples; when none is formatted the prompt has no label and every reward is 0.
    MajorityFixed { samples: usize },
    /// 1 if the answer is the prompt's format-boosted answer, whatever its correctness.
    /// Format-gated: 1 if the answer is formatted, whatever its latent answer.
    Format,
    /// 1 if the answer is the base policy's most likely wrong answer (format-gated: that latent
    /// answer, formatted).
    Incorrect,
    /// TRUE with each sample's reward flipped with probability ρ.
    Noisy { rho: f64 },
    /// The same reward for every answer: zero advantage, no policy-gradient step.
    Constant,
    /// Entropy minimisation, label-free: each sample's reward is its log-probability under the
    /// sampling policy (−surprisal), so likelier answers are reinforced and entropy falls.
    Entropy,
}

impl Arm {
    /// The reward-design arm, the elicitation arm and the null arm of the default chain.
    pub fn default_chain() -> Vec<Arm> {
        vec![
            Arm::Base,
            Arm::Random {
                gamma: DEFAULT_GAMMA,
            },
            Arm::Majority,
            Arm::True,
        ]
    }

    /// Whether this arm trains at all.
    pub fn trains(&self) -> bool {
        !matches!(self, Arm::Base)
    }

    /// Whether the arm's rewards need draws of their own (seeded from the arm's label).
    pub fn is_random(&self) -> bool {
        matches!(
            self,
            Arm::Random { .. } | Arm::Majority | Arm::MajorityFixed { .. } | Arm::Noisy { .. }
        )
    }
}

impl fmt::Display for Arm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arm::Base => write!(f, "base"),
            Arm::True => write!(f, "true"),
            Arm::Random { gamma } if *gamma == DEFAULT_GAMMA => write!(f, "random"),
            Arm::Random { gamma } => write!(f, "random:{gamma}"),
            Arm::Majority => write!(f, "majority"),
            Arm::MajorityFixed { samples } if *samples == DEFAULT_MAJORITY_SAMPLES => {
                write!(f, "majority-fixed")
            }
            Arm::MajorityFixed { samples } => write!(f, "majority-fixed:{samples}"),
            Arm::Format => write!(f, "format"),
            Arm::Incorrect => write!(f, "incorrect"),
            Arm::Noisy { rho } if *rho == DEFAULT_RHO => write!(f, "noisy"),
            Arm::Noisy { rho } => write!(f, "noisy:{rho}"),
            Arm::Constant => write!(f, "constant"),
            Arm::Entropy => write!(f, "entropy"),
        }
    }
}

impl From<Arm> for String {
    fn from(a: Arm) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Arm {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

fn parse_param<T: FromStr>(arm: &str, raw: &str, what: &str) -> Result<T, String> {
    raw.parse()
        .map_err(|_| format!("arm `{arm}`: `{raw}` is not a valid {what}"))
}

impl FromStr for Arm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, param) = match lower.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (lower.as_str(), None),
        };
        let no_param = |arm: Arm| match param {
            None => Ok(arm),
            Some(_) => Err(format!("arm `{name}` takes no parameter")),
        };
        match name {
            "base" | "frozen" => no_param(Arm::Base),
            "true" | "ground_truth" | "ground-truth" => no_param(Arm::True),
            "majority" | "majority-online" => no_param(Arm::Majority),
            "format" => no_param(Arm::Format),
            "incorrect" => no_param(Arm::Incorrect),
            "constant" => no_param(Arm::Constant),
            "entropy" | "entropy-min" => no_param(Arm::Entropy),
            "random" => {
                let gamma = param.map_or(Ok(DEFAULT_GAMMA), |p| parse_param(s, p, "γ"))?;
                if !(0.0..=1.0).contains(&gamma) {
                    return Err(format!("arm `{s}`: γ must lie in [0, 1]"));
                }
                Ok(Arm::Random { gamma })
            }
            "noisy" => {
                let rho = param.map_or(Ok(DEFAULT_RHO), |p| parse_param(s, p, "ρ"))?;
                if !(0.0..=1.0).contains(&rho) {
                    return Err(format!("arm `{s}`: ρ must lie in [0, 1]"));
                }
                Ok(Arm::Noisy { rho })
            }
            "majority-fixed" | "majority_fixed" => {
                let samples = param.map_or(Ok(DEFAULT_MAJORITY_SAMPLES), |p| {
                    parse_param(s, p, "sample count M")
                })?;
                if samples == 0 || samples > MAX_MAJORITY_SAMPLES {
                    return Err(format!(
                        "arm `{s}`: M must be from 1 to {MAX_MAJORITY_SAMPLES}"
                    ));
                }
                Ok(Arm::MajorityFixed { samples })
            }
            _ => Err(format!(
                "unknown arm `{s}` (known: base, true, random[:γ], majority, majority-fixed[:M], \
                 format, incorrect, noisy[:ρ], constant, entropy)"
            )),
        }
    }
}

/// What a reward rule may look at for one prompt.
pub struct PromptView<'a> {
    /// Correctness of each answer.
    pub correct: &'a [bool],
    /// The format-boosted answer.
    pub format_answer: usize,
    /// The base policy's most likely wrong answer.
    pub incorrect_answer: usize,
    /// The MAJORITY-FIXED label; `None` for the other arms, and for a format-gated prompt none of
    /// whose M base samples was formatted (every reward 0).
    pub fixed_label: Option<usize>,
    /// The format-gated family's K: answers `0..K` are formatted (latent answer `a`), `K..2K`
    /// unformatted (latent answer `a − K`). `None` in the other families.
    pub gate: Option<usize>,
    /// Tie-break ranks of the answers (lowest wins), when ties are not broken by fresh draws.
    pub priority: Option<&'a [u32]>,
    /// The sampling policy's probabilities (for the entropy arm).
    pub probs: &'a [f64],
}

/// The plurality answer of `samples` over `k` answers. Ties go to the tied answer of lowest
/// `priority` when one is given (a per-prompt random order: the seed harness's "shuffle positions,
/// take the lowest index"), else uniformly at random from `rng`. `counts` is scratch of length `k`.
pub fn plurality(
    samples: &[usize],
    counts: &mut [u32],
    priority: Option<&[u32]>,
    rng: &mut SimRng,
) -> usize {
    counts.iter_mut().for_each(|c| *c = 0);
    for &a in samples {
        counts[a] += 1;
    }
    plurality_of_counts(counts, priority, rng)
}

/// The group's vote: [`plurality`] of `samples`, or with `gate = Some(K)` (format-gated family)
/// the plurality of the formatted samples only (answers `0..K`, ties among formatted answers),
/// `None` when no sample is formatted.
pub fn vote(
    samples: &[usize],
    counts: &mut [u32],
    priority: Option<&[u32]>,
    gate: Option<usize>,
    rng: &mut SimRng,
) -> Option<usize> {
    let Some(k) = gate else {
        return Some(plurality(samples, counts, priority, rng));
    };
    let counts = &mut counts[..k];
    counts.iter_mut().for_each(|c| *c = 0);
    let mut formatted = 0;
    for &a in samples {
        if a < k {
            counts[a] += 1;
            formatted += 1;
        }
    }
    // The ranks of the formatted answers are distinct, so their order is a uniform random
    // order of the formatted answers, as the tie rule asks.
    (formatted > 0).then(|| plurality_of_counts(counts, priority.map(|r| &r[..k]), rng))
}

/// The plurality answer given each answer's count (see [`plurality`] for the tie rule).
fn plurality_of_counts(counts: &[u32], priority: Option<&[u32]>, rng: &mut SimRng) -> usize {
    if let Some(rank) = priority {
        // One pass: the largest (count, −rank). Ranks are distinct, so the key has one maximum.
        let key = |a: usize| (u64::from(counts[a]) << 32) | u64::from(u32::MAX - rank[a]);
        let (mut best, mut best_key) = (0, key(0));
        for a in 1..counts.len() {
            let ka = key(a);
            if ka > best_key {
                (best, best_key) = (a, ka);
            }
        }
        return best;
    }
    let top = *counts.iter().max().expect("k ≥ 1");
    let tied = counts.iter().filter(|&&c| c == top).count();
    let pick = if tied == 1 { 0 } else { rng::below(rng, tied) };
    counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c == top)
        .nth(pick)
        .map(|(a, _)| a)
        .expect("pick < tied")
}

/// A label no answer index equals.
const NO_LABEL: usize = usize::MAX;

/// Fills `rewards` for the sampled answers `samples` of one group.
#[inline(always)]
pub fn reward(
    arm: &Arm,
    view: &PromptView<'_>,
    samples: &[usize],
    rewards: &mut [f64],
    counts: &mut [u32],
    rng: &mut SimRng,
) {
    // Without a branch: which way a sample goes is a coin flip the predictor would miss.
    let indicator = |b: bool| f64::from(u8::from(b));
    match arm {
        Arm::Base | Arm::Constant => rewards.iter_mut().for_each(|r| *r = 1.0),
        Arm::True => {
            for (r, &a) in rewards.iter_mut().zip(samples) {
                *r = indicator(view.correct[a]);
            }
        }
        Arm::Random { gamma } => {
            for r in rewards.iter_mut() {
                *r = indicator(rng::bernoulli(rng, *gamma));
            }
        }
        Arm::Majority => {
            // No label (a format-gated group without a formatted sample): no answer matches.
            let label = vote(samples, counts, view.priority, view.gate, rng).unwrap_or(NO_LABEL);
            for (r, &a) in rewards.iter_mut().zip(samples) {
                *r = indicator(a == label);
            }
        }
        Arm::MajorityFixed { .. } => {
            let label = view.fixed_label.unwrap_or(NO_LABEL);
            for (r, &a) in rewards.iter_mut().zip(samples) {
                *r = indicator(a == label);
            }
        }
        Arm::Format => match view.gate {
            Some(k) => {
                for (r, &a) in rewards.iter_mut().zip(samples) {
                    *r = indicator(a < k);
                }
            }
            None => {
                for (r, &a) in rewards.iter_mut().zip(samples) {
                    *r = indicator(a == view.format_answer);
                }
            }
        },
        Arm::Incorrect => {
            for (r, &a) in rewards.iter_mut().zip(samples) {
                *r = indicator(a == view.incorrect_answer);
            }
        }
        Arm::Entropy => {
            for (r, &a) in rewards.iter_mut().zip(samples) {
                *r = view.probs[a].ln();
            }
        }
        Arm::Noisy { rho } => {
            for (r, &a) in rewards.iter_mut().zip(samples) {
                let flip = rng::bernoulli(rng, *rho);
                *r = indicator(view.correct[a] != flip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{SimRng, derive_seed, stream};

    #[test]
    fn plurality_with_priority_is_the_top_count_of_lowest_rank() {
        let mut rng = stream(&derive_seed(&[b"plurality"]), 0);
        for trial in 0..2000 {
            let k = 2 + trial % 7;
            let samples: Vec<usize> = (0..8).map(|_| crate::rng::below(&mut rng, k)).collect();
            let mut rank: Vec<u32> = (0..k as u32).collect();
            for i in (1..k).rev() {
                rank.swap(i, crate::rng::below(&mut rng, i + 1));
            }
            let mut counts = vec![0u32; k];
            for &a in &samples {
                counts[a] += 1;
            }
            let top = *counts.iter().max().unwrap();
            let want = (0..k)
                .filter(|&a| counts[a] == top)
                .min_by_key(|&a| rank[a])
                .unwrap();
            let mut scratch = vec![9u32; k];
            let got = plurality(&samples, &mut scratch, Some(&rank), &mut rng);
            assert_eq!(got, want, "{samples:?} {rank:?}");
        }
    }

    #[test]
    fn labels_round_trip() {
        for s in [
            "base",
            "true",
            "random",
            "random:0.3",
            "majority",
            "majority-fixed",
            "majority-fixed:16",
            "format",
            "incorrect",
            "noisy",
            "noisy:0.25",
            "constant",
        ] {
            let a: Arm = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
        assert!("random:1.5".parse::<Arm>().is_err());
        assert!("tru".parse::<Arm>().unwrap_err().contains("known"));
        assert!("true:1".parse::<Arm>().is_err());
    }

    #[test]
    fn plurality_ties_are_uniform_over_tied_answers() {
        // Answers 1 and 3 tie with two votes each: each must win about half the time.
        let mut rng = stream(&derive_seed(&[b"ties"]), 0);
        let mut counts = [0u32; 4];
        let mut wins = [0usize; 4];
        for _ in 0..4000 {
            wins[plurality(&[1, 3, 1, 3, 0], &mut counts, None, &mut rng)] += 1;
        }
        assert_eq!(wins[0] + wins[2], 0);
        assert!(wins[1] > 1800 && wins[3] > 1800, "{wins:?}");
        // With a priority order the lower-ranked tied answer always wins.
        for _ in 0..10 {
            assert_eq!(
                plurality(&[1, 3, 1, 3, 0], &mut counts, Some(&[0, 3, 1, 2]), &mut rng),
                3
            );
        }
    }

    /// A plain prompt with K = 3 answers (answer 0 correct) and its rewards under `arm`.
    fn plain_rewards(arm: &Arm, samples: &[usize], rng: &mut SimRng) -> Vec<f64> {
        let view = PromptView {
            correct: &[true, false, false],
            format_answer: 1,
            incorrect_answer: 1,
            fixed_label: None,
            gate: None,
            priority: None,
            probs: &[0.5, 0.3, 0.2],
        };
        let mut r = vec![0.0; samples.len()];
        reward(arm, &view, samples, &mut r, &mut [0; 3], rng);
        r
    }

    #[test]
    fn the_entropy_arm_rewards_likely_answers() {
        let mut rng = stream(&derive_seed(&[b"e"]), 0);
        assert_eq!(
            plain_rewards(&Arm::Entropy, &[0, 1, 2], &mut rng),
            [0.5f64.ln(), 0.3f64.ln(), 0.2f64.ln()]
        );
        assert_eq!("entropy".parse::<Arm>().unwrap().to_string(), "entropy");
    }

    #[test]
    fn majority_rewards_the_modal_answer() {
        let mut rng = stream(&derive_seed(&[b"m"]), 0);
        let samples = [2, 2, 0, 2];
        for (arm, want) in [
            (Arm::Majority, [1.0, 1.0, 0.0, 1.0]),
            (Arm::True, [0.0, 0.0, 1.0, 0.0]),
            (Arm::Noisy { rho: 1.0 }, [1.0, 1.0, 0.0, 1.0]),
        ] {
            assert_eq!(plain_rewards(&arm, &samples, &mut rng), want, "{arm}");
        }
    }

    /// A format-gated prompt with K = 3 latent answers (answer 0 correct): `0..3` formatted,
    /// `3..6` unformatted; only formatted answer 0 is correct. Its rewards under `arm` (every
    /// entry written: they start at 9).
    fn gated_rewards(
        arm: &Arm,
        priority: Option<&[u32]>,
        samples: &[usize],
        rng: &mut SimRng,
    ) -> Vec<f64> {
        let view = PromptView {
            correct: &[true, false, false, false, false, false],
            format_answer: 1,
            incorrect_answer: 1,
            fixed_label: None,
            gate: Some(3),
            priority,
            probs: &[0.1, 0.1, 0.1, 0.3, 0.2, 0.2],
        };
        let mut r = vec![9.0; samples.len()];
        reward(arm, &view, samples, &mut r, &mut [0; 6], rng);
        r
    }

    #[test]
    fn gated_majority_votes_among_formatted_samples_and_unformatted_ones_abstain() {
        let mut rng = stream(&derive_seed(&[b"gated-majority"]), 0);
        // Unformatted latent answer 0 (index 3) is the most frequent sample, but abstains: the
        // formatted plurality is answer 1, and only its formatted samples are rewarded.
        let samples = [3, 3, 3, 1, 1, 0, 4, 1];
        assert_eq!(
            gated_rewards(&Arm::Majority, None, &samples, &mut rng),
            [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]
        );
        // One formatted sample is a plurality of one.
        assert_eq!(
            gated_rewards(&Arm::Majority, None, &[3, 5, 2, 4], &mut rng),
            [0.0, 0.0, 1.0, 0.0]
        );
    }

    #[test]
    fn a_gated_group_without_a_formatted_sample_gets_zero_everywhere() {
        let mut rng = stream(&derive_seed(&[b"gated-none"]), 0);
        for priority in [None, Some(&[5u32, 4, 3, 2, 1, 0][..])] {
            let samples = [3, 3, 4, 5, 3];
            assert_eq!(
                gated_rewards(&Arm::Majority, priority, &samples, &mut rng),
                [0.0; 5]
            );
            assert_eq!(
                vote(&samples, &mut [0; 6], priority, Some(3), &mut rng),
                None
            );
        }
        // MAJORITY-FIXED without a label (no formatted base sample) rewards nothing either.
        assert_eq!(
            gated_rewards(
                &Arm::MajorityFixed { samples: 4 },
                None,
                &[0, 3, 1],
                &mut rng
            ),
            [0.0; 3]
        );
    }

    #[test]
    fn gated_ties_go_by_the_formatted_answers_order_or_a_fair_draw() {
        let mut rng = stream(&derive_seed(&[b"gated-ties"]), 0);
        // Formatted answers 0 and 2 tie; unformatted ranks (indices 3..6) never take part, even
        // when they rank first.
        let samples = [0, 2, 3, 3, 3];
        let rank = [4u32, 2, 3, 0, 1, 5];
        assert_eq!(
            vote(&samples, &mut [0; 6], Some(&rank), Some(3), &mut rng),
            Some(2)
        );
        let mut wins = [0usize; 3];
        for _ in 0..4000 {
            wins[vote(&samples, &mut [0; 6], None, Some(3), &mut rng).unwrap()] += 1;
        }
        assert_eq!(wins[1], 0);
        assert!(wins[0] > 1800 && wins[2] > 1800, "{wins:?}");
    }

    #[test]
    fn gated_format_rewards_formatting_and_true_only_formatted_correct() {
        let mut rng = stream(&derive_seed(&[b"gated-format"]), 0);
        let samples = [0, 1, 2, 3, 4, 5];
        let cases = [
            (Arm::Format, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]),
            // Latent answer 0 unformatted (index 3) is right in substance but the grader cannot
            // parse it: TRUE credits the formatted one only, and NOISY flips TRUE.
            (Arm::True, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
            (Arm::Noisy { rho: 1.0 }, [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
            // INCORRECT rewards the formatted wrong answer it is given, not its unformatted twin.
            (Arm::Incorrect, [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
        ];
        for (arm, want) in cases {
            assert_eq!(gated_rewards(&arm, None, &samples, &mut rng), want, "{arm}");
        }
    }

    #[test]
    fn an_ungated_vote_is_the_plurality_draw_for_draw() {
        // The gate's vote leaves the other families' rule, and its use of the draws, unchanged.
        let (mut a, mut b) = (
            stream(&derive_seed(&[b"vote"]), 0),
            stream(&derive_seed(&[b"vote"]), 0),
        );
        for trial in 0..500 {
            let samples: Vec<usize> = (0..6).map(|i| (i * 7 + trial) % 4).collect();
            assert_eq!(
                vote(&samples, &mut [0; 4], None, None, &mut a),
                Some(plurality(&samples, &mut [0; 4], None, &mut b))
            );
        }
    }
}
