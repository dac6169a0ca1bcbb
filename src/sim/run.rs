//! One tabular-GRPO run, and many runs in parallel.
//!
//! A run's randomness comes from four independent streams: the prompts' priors, the batch
//! draws and the answer samples are seeded by (master seed, config, replicate) and so shared by
//! every arm of a replicate (common random numbers); the reward draws are seeded by the arm as
//! well. Each step consumes the same batch and sample draws whatever the arm does, so arms stay
//! aligned draw for draw.
//!
//! The file is long because it is the hot loop in its compiled copies (baseline, AVX2, sized
//! shapes) and the tests that they give the same bits.

use rayon::prelude::*;

use super::arm::{self, Arm, PromptView};
use super::config::{CovControl, SimConfig, Update};
use super::isa::Isa;
use super::policy::{Exp, Metrics, Problem, SimExp, softmax_with};
use super::replicate::{Record, RunResult, Streams, tie_ranks};
use super::update::{self, Clip};
use crate::rng;

/// Per-group scratch, allocated once per run.
struct Scratch {
    /// The old policy, kept for an observer only.
    old: Vec<f64>,
    before: Vec<f64>,
    cdf: Vec<f64>,
    cur: Vec<f64>,
    grad: Vec<f64>,
    /// The batch's samples and rewards, group after group.
    samples: Vec<usize>,
    rewards: Vec<f64>,
    adv: Vec<f64>,
    counts: Vec<u32>,
}

/// What happened to one prompt's group.
#[derive(Debug, PartialEq, Eq)]
pub enum GroupOutcome {
    /// Filtering dropped it: no policy-gradient and no regulariser update.
    Dropped,
    Updated {
        clipped: usize,
    },
}

/// Updates one prompt's logits `theta` from its group (sampled from `old`, the policy at the
/// start of the step), per the config's update rule, with the exponential `X` in the softmax
/// ([`SimExp`] in every run). Inlined into each copy of the run loop (see [`super::isa`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn update_prompt<X: Exp>(
    cfg: &SimConfig,
    theta: &mut [f64],
    old: &[f64],
    base_probs: &[f64],
    base_logprobs: &[f64],
    samples: &[usize],
    rewards: &[f64],
    adv: &mut [f64],
    cur: &mut [f64],
    grad: &mut [f64],
) -> GroupOutcome {
    // All-equal rewards, checked without an early exit (one predictable branch, not G).
    if cfg.filter
        && rewards
            .iter()
            .fold(true, |same, &r| same & (r == rewards[0]))
    {
        return GroupOutcome::Dropped;
    }
    update::advantages(rewards, cfg.advantage, cfg.adv_eps, adv);
    // Clip-Cov / KL-Cov: only when enabled (the default path allocates nothing here).
    let selected = (!cfg.cov_control.is_none())
        .then(|| update::cov_selection(old, samples, adv, cfg.cov_fraction))
        .filter(|sel| sel.iter().any(|&s| s));
    if let (Some(sel), CovControl::ClipCov) = (&selected, cfg.cov_control) {
        for (a, &s) in adv.iter_mut().zip(sel) {
            if s {
                *a = 0.0;
            }
        }
    }
    let kl_cov = match (&selected, cfg.cov_control) {
        (Some(sel), CovControl::KlCov) => Some(sel.as_slice()),
        _ => None,
    };
    let mut clipped = 0;
    match cfg.update {
        Update::OnPolicy => update::on_policy_step(
            cfg.regulariser,
            old,
            base_probs,
            base_logprobs,
            samples,
            adv,
            cfg.beta,
            cfg.lr,
            theta,
            grad,
        ),
        Update::Ppo => {
            let clip = cfg.clip.then_some(Clip {
                eps_low: cfg.eps_low,
                eps_high: cfg.eps_high,
            });
            cur.copy_from_slice(old);
            for _ in 0..cfg.inner_epochs {
                grad.iter_mut().for_each(|g| *g = 0.0);
                clipped += update::add_clipped_gradient(cur, old, samples, adv, clip, 1.0, grad);
                if let Some(sel) = kl_cov {
                    update::add_kl_cov_gradient(cur, old, samples, sel, cfg.kl_cov_coef, grad);
                }
                update::add_regulariser(
                    cfg.regulariser,
                    cur,
                    base_probs,
                    base_logprobs,
                    cfg.beta,
                    grad,
                );
                theta
                    .iter_mut()
                    .zip(grad.iter())
                    .for_each(|(t, g)| *t += cfg.lr * g);
                softmax_with::<X>(theta, cur);
            }
        }
    }
    GroupOutcome::Updated { clipped }
}

/// Fills `cdf` with the running sums of `probs`, in the order [`rng::categorical`] adds them, so a
/// draw from the table equals a draw from the scan bit for bit.
#[inline]
fn fill_cdf(probs: &[f64], cdf: &mut [f64]) {
    let mut acc = 0.0;
    for (c, &p) in cdf.iter_mut().zip(probs) {
        acc += p;
        *c = acc;
    }
}

/// The first answer whose running sum exceeds `u`. The running sums never decrease, so that is
/// the number of sums ≤ `u`: counted without branches for small K, by binary search for large K.
#[inline]
fn draw_from_cdf(cdf: &[f64], probs: &[f64], u: f64) -> usize {
    let a = if cdf.len() <= 32 {
        cdf.iter().map(|&c| (c <= u) as usize).sum()
    } else {
        cdf.partition_point(|&c| c <= u)
    };
    if a < cdf.len() {
        a
    } else {
        rng::last_with_mass(probs)
    }
}

fn mean_metrics(per_prompt: &[Metrics]) -> Metrics {
    let mut sum = Metrics::default();
    per_prompt.iter().for_each(|m| sum.add(m));
    sum.scaled(1.0 / per_prompt.len() as f64)
}

/// One run of `arm` on replicate `replicate`. The config must be valid.
pub fn run(cfg: &SimConfig, arm: &Arm, replicate: u64, keep_trajectory: bool) -> RunResult {
    run_full(cfg, arm, replicate, keep_trajectory).0
}

/// [`run`] keeping the metrics of the given steps only (increasing, none past the config's
/// steps; 0 is the base policy): the trajectory's entry j is step `steps[j]`.
pub fn run_at(cfg: &SimConfig, arm: &Arm, replicate: u64, steps: &[usize]) -> RunResult {
    debug_assert!(steps.windows(2).all(|w| w[0] < w[1]) && steps.iter().all(|&s| s <= cfg.steps));
    let job = Job {
        cfg,
        arm,
        replicate,
        record: Record::At(steps),
        observer: None,
    };
    run_copy::<SimExp>(LoopCopy::detect(), job).0
}

/// [`run`], also returning the final logits (`prompts × row width`, row-major; the row width is
/// K, or 2K in the format-gated family).
pub fn run_full(
    cfg: &SimConfig,
    arm: &Arm,
    replicate: u64,
    keep_trajectory: bool,
) -> (RunResult, Vec<f64>) {
    run_observed(cfg, arm, replicate, keep_trajectory, None)
}

/// Sees every group update: the policy before, the policy after and the logit change.
pub type Observer<'a> = &'a mut dyn FnMut(&[f64], &[f64], &[f64]);

/// [`run_full`] with an observer of every group update (for the entropy dynamics).
pub fn run_observed(
    cfg: &SimConfig,
    arm: &Arm,
    replicate: u64,
    keep_trajectory: bool,
    observer: Option<Observer<'_>>,
) -> (RunResult, Vec<f64>) {
    let job = Job {
        cfg,
        arm,
        replicate,
        record: Record::every_if(keep_trajectory),
        observer,
    };
    run_copy::<SimExp>(LoopCopy::detect(), job)
}

/// [`run`] with the platform libm's `exp` in the softmax instead of the simulator's own: the
/// reference for the test that the two give the same distributions of results.
pub fn run_libm_exp(cfg: &SimConfig, arm: &Arm, replicate: u64) -> RunResult {
    let job = Job {
        cfg,
        arm,
        replicate,
        record: Record::Final,
        observer: None,
    };
    run_copy::<super::policy::Libm>(LoopCopy::detect(), job).0
}

/// The (row width, G) shapes that have copies of the run loop compiled for their sizes, in which
/// every per-answer and per-sample loop has a fixed length: the presets' shapes (paper, ppo-clip)
/// and the seed paper's factorial (K = G = 10). The row width is K, or 2K in the format-gated
/// family. Other shapes run the general copy. All copies give the same bits.
pub const SIZED_SHAPES: [(usize, usize); 3] = [(8, 8), (8, 16), (10, 10)];

/// One compiled copy of the run loop: its instruction set, and whether it is the copy sized for
/// the config's shape (when [`SIZED_SHAPES`] has it) or the general one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopCopy {
    pub isa: Isa,
    pub sized: bool,
}

impl LoopCopy {
    /// The copy a run uses: the widest instruction set this CPU has, sized when possible.
    pub fn detect() -> LoopCopy {
        LoopCopy {
            isa: Isa::detect(),
            sized: true,
        }
    }
}

/// [`run_full`] (with the trajectory) on the given copy of the run loop, whose instruction set
/// this CPU must support: the test that every copy gives the same bits runs each one by name.
pub fn run_on(copy: LoopCopy, cfg: &SimConfig, arm: &Arm, replicate: u64) -> (RunResult, Vec<f64>) {
    assert!(
        copy.isa.available(),
        "this CPU cannot run the {} copy",
        copy.isa
    );
    run_copy::<SimExp>(
        copy,
        Job {
            cfg,
            arm,
            replicate,
            record: Record::Every,
            observer: None,
        },
    )
}

/// What one run is asked to do.
struct Job<'a, 'o> {
    cfg: &'a SimConfig,
    arm: &'a Arm,
    replicate: u64,
    record: Record<'a>,
    observer: Option<Observer<'o>>,
}

/// Runs the given copy of the run loop (its instruction set available on this CPU).
fn run_copy<X: Exp>(copy: LoopCopy, job: Job<'_, '_>) -> (RunResult, Vec<f64>) {
    if job.cfg.style_share.is_some() {
        // The style model has one loop of its own (and no observer: the entropy study runs the
        // plain model).
        return super::style::run_on(copy.isa, job.cfg, job.arm, job.replicate, job.record);
    }
    let shape = if copy.sized {
        (job.cfg.row_width(), job.cfg.group)
    } else {
        (0, 0)
    };
    // One arm per entry of `SIZED_SHAPES`, then the general copy.
    macro_rules! on_shape {
        ($body:ident) => {
            match shape {
                (8, 8) => $body::<X, 8, 8>(job),
                (8, 16) => $body::<X, 8, 16>(job),
                (10, 10) => $body::<X, 10, 10>(job),
                _ => $body::<X, 0, 0>(job),
            }
        };
    }
    match copy.isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: every caller checked `Isa::available` for this copy's instruction set.
        Isa::Avx2 => unsafe { on_shape!(run_avx2) },
        _ => on_shape!(run_body),
    }
}

/// The run loop compiled with AVX2. Safe to call only on a CPU with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<X: Exp, const K: usize, const G: usize>(
    job: Job<'_, '_>,
) -> (RunResult, Vec<f64>) {
    run_body::<X, K, G>(job)
}

/// One run; inlined into each copy of the run loop so each is compiled for its own instruction
/// set. `K` and `G` are the config's row width and group size, or both 0 for the general copy.
#[inline(always)]
fn run_body<X: Exp, const K: usize, const G: usize>(job: Job<'_, '_>) -> (RunResult, Vec<f64>) {
    let Job {
        cfg,
        arm,
        replicate,
        record,
        mut observer,
    } = job;
    let Streams {
        seed,
        prompts: mut prompts_rng,
        batch: mut batch_rng,
        samples: mut sample_rng,
        rewards: mut reward_rng,
    } = Streams::of(cfg, arm, replicate);

    let problem = Problem::build_with::<X>(cfg, &mut prompts_rng);
    debug_assert!(K == 0 || (K, G) == (cfg.row_width(), cfg.group));
    debug_assert_eq!(problem.answers, cfg.row_width());
    let (n, k, g) = if K > 0 {
        (cfg.prompts, K, G)
    } else {
        (cfg.prompts, cfg.row_width(), cfg.group)
    };
    let base_probs = problem.base_probs.clone();
    // Per-prompt logs and metrics of the base rows; a row equal to the one before it (every
    // row, without a Beta prior) reuses that row's values, which are the same bits.
    let mut base_logprobs: Vec<f64> = Vec::with_capacity(n * k);
    let mut per_prompt: Vec<Metrics> = Vec::with_capacity(n);
    for q in 0..n {
        let (row, correct) = (
            problem.row(&base_probs, q),
            problem.row(&problem.correct, q),
        );
        let same = q > 0
            && row == problem.row(&base_probs, q - 1)
            && correct == problem.row(&problem.correct, q - 1);
        if same {
            base_logprobs.extend_from_within((q - 1) * k..q * k);
            per_prompt.push(per_prompt[q - 1]);
        } else {
            base_logprobs.extend(row.iter().map(|p| p.ln()));
            per_prompt.push(Metrics::of_prompt(row, correct, cfg.pass_k));
        }
    }
    let mut theta = problem.base_logits.clone();
    let mut probs = base_probs.clone();
    let base = mean_metrics(&per_prompt);

    let mut out = RunResult::at_start(arm, replicate, &seed, base, None, (cfg.steps, record));
    if !arm.trains() {
        return (out, theta);
    }
    let mut trajectory = std::mem::take(&mut out.trajectory);

    let mut s = Scratch {
        old: vec![0.0; if observer.is_some() { k } else { 0 }],
        before: vec![0.0; if observer.is_some() { k } else { 0 }],
        cdf: vec![0.0; k],
        cur: vec![0.0; k],
        grad: vec![0.0; k],
        samples: vec![0; cfg.batch * g],
        rewards: vec![0.0; cfg.batch * g],
        adv: vec![0.0; g],
        counts: vec![0; k],
    };
    let priority = tie_ranks(cfg, &seed, n, k);
    // Closures take the sizes by value: a captured reference would keep `k` in memory, and the
    // sized copies would lose their constant row length.
    let priority = priority.as_slice();
    let priority_of = move |q: usize| (!priority.is_empty()).then(|| &priority[q * k..(q + 1) * k]);
    let fixed_labels: Vec<Option<usize>> = match arm {
        Arm::MajorityFixed { samples } => (0..n)
            .map(|q| {
                let row = problem.row(&base_probs, q);
                let draws: Vec<usize> = (0..*samples)
                    .map(|_| rng::categorical(row, &mut reward_rng))
                    .collect();
                arm::vote(
                    &draws,
                    &mut s.counts,
                    priority_of(q),
                    problem.gate,
                    &mut reward_rng,
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut order: Vec<usize> = (0..n).collect();
    let mut swaps: Vec<usize> = vec![0; cfg.batch];
    // Prompts updated this step whose probabilities are not yet recomputed.
    let mut stale: Vec<usize> = Vec::with_capacity(cfg.batch);
    // Per-prompt metrics are recomputed only when read (a trajectory point or the end).
    let mut dirty = vec![false; n];
    let problem = &problem;
    let refresh = move |per_prompt: &mut [Metrics], dirty: &mut [bool], probs: &[f64]| {
        for q in 0..n {
            if dirty[q] {
                per_prompt[q] = Metrics::of_prompt(
                    problem.row(probs, q),
                    problem.row(&problem.correct, q),
                    cfg.pass_k,
                );
                dirty[q] = false;
            }
        }
    };

    for step in 1..=cfg.steps {
        // A batch of B distinct prompts: a partial Fisher–Yates shuffle of 0..N, undone after
        // the step so every step starts from the identity order.
        for (i, swap) in swaps.iter_mut().enumerate() {
            let j = i + rng::below(&mut batch_rng, n - i);
            *swap = j;
            order.swap(i, j);
        }
        // Samples and rewards of every group first, in batch order (the order the streams are
        // drawn in), then the updates.
        for (b, &q) in order[..cfg.batch].iter().enumerate() {
            let old = &probs[q * k..(q + 1) * k];
            let cdf = &mut s.cdf[..k];
            let samples = &mut s.samples[b * g..(b + 1) * g];
            fill_cdf(old, cdf);
            for a in samples.iter_mut() {
                *a = draw_from_cdf(cdf, old, rng::uniform(&mut sample_rng));
            }
            let view = PromptView {
                correct: problem.row(&problem.correct, q),
                format_answer: problem.format_answer[q],
                incorrect_answer: problem.incorrect_answer[q],
                fixed_label: fixed_labels.get(q).copied().flatten(),
                gate: problem.gate,
                priority: priority_of(q),
                probs: old,
            };
            arm::reward(
                arm,
                &view,
                samples,
                &mut s.rewards[b * g..(b + 1) * g],
                &mut s.counts[..k],
                &mut reward_rng,
            );
        }
        for (b, &q) in order[..cfg.batch].iter().enumerate() {
            let row = q * k..(q + 1) * k;
            // The prompt's row of `probs` is its old policy until its softmax rewrites it.
            let old = &probs[row.clone()];
            if observer.is_some() {
                s.before.copy_from_slice(&theta[row.clone()]);
                s.old.copy_from_slice(old);
            }
            let outcome = update_prompt::<X>(
                cfg,
                &mut theta[row.clone()],
                old,
                &base_probs[row.clone()],
                &base_logprobs[row.clone()],
                &s.samples[b * g..(b + 1) * g],
                &s.rewards[b * g..(b + 1) * g],
                &mut s.adv[..g],
                &mut s.cur[..k],
                &mut s.grad[..k],
            );
            match outcome {
                GroupOutcome::Dropped => out.dropped_groups += 1,
                GroupOutcome::Updated { clipped } => {
                    out.updated_groups += 1;
                    out.clipped_samples += clipped as u64;
                    dirty[q] = true;
                    match observer.as_mut() {
                        None => stale.push(q),
                        Some(obs) => {
                            softmax_with::<X>(&theta[row.clone()], &mut probs[row.clone()]);
                            let after = &theta[row.clone()];
                            for ((d, t), was) in s.grad.iter_mut().zip(after).zip(&s.before) {
                                *d = t - was;
                            }
                            obs(&s.old, &probs[row], &s.grad);
                        }
                    }
                }
            }
        }
        // The batch's prompts are distinct and no draw depends on another prompt's row, so the
        // new policies can wait until every group is updated. Done apart, consecutive softmaxes
        // are independent work the processor overlaps, where each group's long chain of
        // dependent operations (sums, divisions, exponentials) otherwise runs alone.
        for q in stale.drain(..) {
            let row = q * k..(q + 1) * k;
            softmax_with::<X>(&theta[row.clone()], &mut probs[row]);
        }
        for i in (0..cfg.batch).rev() {
            order.swap(i, swaps[i]);
        }
        if record.keeps(step) {
            refresh(&mut per_prompt, &mut dirty, &probs);
            trajectory.push(mean_metrics(&per_prompt));
        }
    }
    refresh(&mut per_prompt, &mut dirty, &probs);
    out.final_metrics = mean_metrics(&per_prompt);
    out.trajectory = trajectory;
    (out, theta)
}

/// Every (arm, replicate) run, arm-major, replicates `0..replicates`. Parallel or serial, the
/// results are the same bytes: each run's seed depends only on what it is.
pub fn run_many(
    cfg: &SimConfig,
    arms: &[Arm],
    replicates: u64,
    keep_trajectory: bool,
    parallel: bool,
) -> Vec<RunResult> {
    let jobs: Vec<(&Arm, u64)> = arms
        .iter()
        .flat_map(|a| (0..replicates).map(move |r| (a, r)))
        .collect();
    if parallel {
        jobs.par_iter()
            .map(|&(a, r)| run(cfg, a, r, keep_trajectory))
            .collect()
    } else {
        jobs.iter()
            .map(|&(a, r)| run(cfg, a, r, keep_trajectory))
            .collect()
    }
}
