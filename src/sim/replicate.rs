//! What both run loops (the per-prompt one in `run`, the shared-style one in `style`) share
//! about one replicate of one arm: its random streams, its plurality tie orders, which steps'
//! metrics it keeps, and the result it gives back.

use serde::Serialize;

use super::arm::Arm;
use super::config::{SimConfig, TieBreak};
use super::policy::Metrics;
use crate::rng::{self, Seed, SimRng, streams};

/// The random streams of one replicate of one arm. The prompt, batch and sample streams are
/// seeded by (config, replicate) and so shared by every arm of the replicate (common random
/// numbers); the reward stream is seeded by the arm as well.
pub struct Streams {
    pub seed: Seed,
    pub prompts: SimRng,
    pub batch: SimRng,
    pub samples: SimRng,
    pub rewards: SimRng,
}

impl Streams {
    pub fn of(cfg: &SimConfig, arm: &Arm, replicate: u64) -> Streams {
        let seed = cfg.replicate_seed(replicate);
        Streams {
            prompts: rng::stream(&seed, streams::PROMPTS),
            batch: rng::stream(&seed, streams::BATCH),
            samples: rng::stream(&seed, streams::SAMPLES),
            rewards: rng::stream(&rng::reward_seed(&seed, &arm.to_string()), 0),
            seed,
        }
    }
}

/// Tie-break ranks (`n × k`, row-major): a random permutation of each prompt's `k` answers
/// (Fisher–Yates), drawn from a stream of the replicate so all arms see the same order; empty
/// when ties are broken by fresh draws.
pub fn tie_ranks(cfg: &SimConfig, seed: &Seed, n: usize, k: usize) -> Vec<u32> {
    match cfg.tie_break {
        TieBreak::Random => Vec::new(),
        TieBreak::Shuffled => {
            let mut ties_rng = rng::stream(seed, streams::TIES);
            let mut ranks = Vec::with_capacity(n * k);
            for _ in 0..n {
                let mut perm: Vec<u32> = (0..k as u32).collect();
                for i in (1..k).rev() {
                    perm.swap(i, rng::below(&mut ties_rng, i + 1));
                }
                ranks.extend(perm);
            }
            ranks
        }
    }
}

/// The steps whose metrics a run keeps in its trajectory; step 0 is the base policy. Metrics
/// are exact functions of the policy at a step, so keeping fewer changes no value kept.
#[derive(Clone, Copy, Debug)]
pub enum Record<'a> {
    /// No trajectory: the final metrics only.
    Final,
    /// Every step, 0 to the config's steps.
    Every,
    /// These steps only, in increasing order, none past the config's steps.
    At(&'a [usize]),
}

impl Record<'_> {
    /// `Every` when `trajectory` is set, else `Final`.
    pub fn every_if(trajectory: bool) -> Record<'static> {
        if trajectory {
            Record::Every
        } else {
            Record::Final
        }
    }

    /// Whether the metrics after step `step` are kept.
    #[inline]
    pub fn keeps(&self, step: usize) -> bool {
        match self {
            Record::Final => false,
            Record::Every => true,
            Record::At(steps) => steps.binary_search(&step).is_ok(),
        }
    }

    /// How many steps of a `steps`-step run are kept.
    pub fn count(&self, steps: usize) -> usize {
        match self {
            Record::Final => 0,
            Record::Every => steps + 1,
            Record::At(kept) => kept.iter().filter(|&&s| s <= steps).count(),
        }
    }
}

/// What one run produced.
#[derive(Clone, Debug, Serialize)]
pub struct RunResult {
    pub arm: Arm,
    pub replicate: u64,
    /// First 8 bytes of the replicate seed, hex.
    pub seed: String,
    pub base: Metrics,
    #[serde(rename = "final")]
    pub final_metrics: Metrics,
    /// Groups dropped by filtering, over the whole run.
    pub dropped_groups: u64,
    /// Groups that produced an update.
    pub updated_groups: u64,
    /// Samples whose clipped term took its constant branch (PPO only), summed over inner epochs.
    pub clipped_samples: u64,
    /// The style model only: the final probability of style 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style_share: Option<f64>,
    /// Metrics after each kept step ([`Record`]); entry 0 is the base policy when step 0 is
    /// kept. Empty unless requested.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trajectory: Vec<Metrics>,
}

impl RunResult {
    /// A run's result before its first step: every metric at `base`, no counts, and the
    /// trajectory started (the base metrics, when step 0 is kept). An arm that does not train
    /// ends here, with the base metrics at every kept step.
    pub fn at_start(
        arm: &Arm,
        replicate: u64,
        seed: &Seed,
        base: Metrics,
        style_share: Option<f64>,
        (steps, record): (usize, Record<'_>),
    ) -> RunResult {
        let trajectory = if arm.trains() {
            let mut t = Vec::with_capacity(record.count(steps));
            t.extend(record.keeps(0).then_some(base));
            t
        } else {
            vec![base; record.count(steps)]
        };
        RunResult {
            arm: arm.clone(),
            replicate,
            seed: rng::seed_hex(seed),
            base,
            final_metrics: base,
            dropped_groups: 0,
            updated_groups: 0,
            clipped_samples: 0,
            style_share,
            trajectory,
        }
    }
}
