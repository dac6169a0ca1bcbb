//! The shared-style model: a parameter shared by every prompt, two-token samples, token- or
//! sequence-level clipping, minibatches and Adam — the features of LLM GRPO that the per-prompt
//! tabular model lacks and that a clipping bias needs (README, "Clipping bias with a shared
//! style").
//!
//! Each sample is a style token s ∈ {0, 1} drawn from softmax(φ), φ shared by every prompt, then
//! an answer a from the prompt's own softmax θ[q, s, ·]. Style 0 answers with prior
//! `style_prior`, style 1 with `prior` (both through the config's family), so the two styles can
//! differ in accuracy and in how peaked they are. Rewards see only the answer. The benchmark
//! sees the answer marginal Σ_s π(s)·π(a | q, s): accuracy, greedy, pass@k and entropy are those
//! of that marginal, exact.
//!
//! The update ascends the clipped surrogate of every group, summed over the prompts of a
//! minibatch — the same objective the per-prompt model ascends, in which a prompt's logits see
//! only its own group and the shared φ sees them all. A rollout batch is split into
//! `minibatches` steps per inner epoch, so every step after the first sees φ moved (ratios ≠ 1)
//! even at μ = 1.
//!
//! The clipped two-token objective, its gradient and Adam are in [`objective`]; this module is
//! the run loop (sampling, rewards, the update and the exact marginal metrics), whose parts share
//! every buffer.

pub mod objective;

pub use objective::{Adam, GroupPolicy, Sample, add_group_gradient, group_objective};

use super::arm::{self, Arm, PromptView};
use super::config::{Family, Optimizer, SimConfig};
use super::isa::Isa;
use super::policy::{Metrics, base_distribution, softmax, special_answer};
use super::replicate::{Record, RunResult, Streams, tie_ranks};
use super::update::{self, Clip};
use crate::rng;

/// Styles of the model: 0 (prior `style_prior`) and 1 (prior `prior`).
pub const STYLES: usize = 2;

/// The answer marginal Σ_s π(s)·π(a | s) of one prompt's rows into `out`.
#[inline(always)]
fn marginal(style: &[f64], rows: &[f64], out: &mut [f64]) {
    let k = out.len();
    out.fill(0.0);
    for (s, &ps) in style.iter().enumerate() {
        for (o, &q) in out.iter_mut().zip(&rows[s * k..(s + 1) * k]) {
            *o += ps * q;
        }
    }
}

/// The base logits of the two styles (`STYLES × K`) and the correctness of each answer.
fn base_rows(cfg: &SimConfig) -> (Vec<f64>, Vec<bool>) {
    let priors = [cfg.style_prior.unwrap_or(cfg.prior), cfg.prior];
    let logits = priors
        .iter()
        .flat_map(|&p| base_distribution(cfg, p).into_iter().map(f64::ln))
        .collect();
    let c = match cfg.family {
        // The format-gated family is refused by validation (one row per style, no gate).
        Family::Paper | Family::FormatGated => cfg.correct,
        Family::Distractor => 1,
    };
    (logits, (0..cfg.answers).map(|a| a < c).collect())
}

/// Mean metrics of the answer marginals of every prompt.
#[inline(always)]
fn metrics(cfg: &SimConfig, style: &[f64], probs: &[f64], correct: &[bool]) -> Metrics {
    let (k, n) = (cfg.answers, cfg.prompts);
    let mut m = vec![0.0; k];
    let mut sum = Metrics::default();
    for q in 0..n {
        marginal(style, &probs[q * STYLES * k..(q + 1) * STYLES * k], &mut m);
        sum.add(&Metrics::of_prompt(&m, correct, cfg.pass_k));
    }
    sum.scaled(1.0 / n as f64)
}

#[inline(always)]
fn softmax_rows(theta: &[f64], probs: &mut [f64], k: usize) {
    for (t, p) in theta.chunks(k).zip(probs.chunks_mut(k)) {
        softmax(t, p);
    }
}

/// One run of the style model (`cfg.style_share` set, the config valid). Returns the result and
/// the final logits θ (`prompts × STYLES × answers`, row-major). Seeds and streams are those of
/// the plain run loop: prompts, batches and samples shared by the arms of a replicate, rewards
/// drawn by the arm.
pub fn run(
    cfg: &SimConfig,
    arm: &Arm,
    replicate: u64,
    record: Record<'_>,
) -> (RunResult, Vec<f64>) {
    run_on(Isa::detect(), cfg, arm, replicate, record)
}

/// [`run`] on the copy of the loop compiled for `isa` (available on this CPU); every copy gives
/// the same bits (see [`super::isa`]).
pub fn run_on(
    isa: Isa,
    cfg: &SimConfig,
    arm: &Arm,
    replicate: u64,
    record: Record<'_>,
) -> (RunResult, Vec<f64>) {
    assert!(isa.available(), "this CPU cannot run the {isa} copy");
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: checked above that this CPU has AVX2.
        Isa::Avx2 => unsafe { run_avx2(cfg, arm, replicate, record) },
        _ => run_body(cfg, arm, replicate, record),
    }
}

/// The style loop compiled with AVX2. Safe to call only on a CPU with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(
    cfg: &SimConfig,
    arm: &Arm,
    replicate: u64,
    record: Record<'_>,
) -> (RunResult, Vec<f64>) {
    run_body(cfg, arm, replicate, record)
}

/// The style loop; inlined into each copy so each is compiled for its own instruction set.
#[inline(always)]
fn run_body(
    cfg: &SimConfig,
    arm: &Arm,
    replicate: u64,
    record: Record<'_>,
) -> (RunResult, Vec<f64>) {
    let share = cfg.style_share.expect("the style model needs style_share");
    let (n, k, g, sk) = (cfg.prompts, cfg.answers, cfg.group, STYLES * cfg.answers);
    // No prompt stream: the style model's prompts are all alike.
    let Streams {
        seed,
        batch: mut batch_rng,
        samples: mut sample_rng,
        rewards: mut reward_rng,
        ..
    } = Streams::of(cfg, arm, replicate);

    let (row_logits, correct) = base_rows(cfg);
    let mut phi = vec![share.ln(), (1.0 - share).ln()];
    let mut style = vec![0.0; STYLES];
    softmax(&phi, &mut style);
    let mut theta: Vec<f64> = (0..n).flat_map(|_| row_logits.iter().copied()).collect();
    let mut probs = vec![0.0; n * sk];
    softmax_rows(&theta, &mut probs, k);
    let mut m = vec![0.0; k];
    marginal(&style, &probs[..sk], &mut m);
    let format_answer = special_answer(cfg);
    let incorrect_answer = (0..k)
        .filter(|&a| !correct[a])
        .fold(None, |best: Option<usize>, a| match best {
            Some(b) if m[b] >= m[a] => Some(b),
            _ => Some(a),
        })
        .expect("a config has a wrong answer");

    let base = metrics(cfg, &style, &probs, &correct);
    let mut out = RunResult::at_start(
        arm,
        replicate,
        &seed,
        base,
        Some(share),
        (cfg.steps, record),
    );
    if !arm.trains() {
        return (out, theta);
    }
    let mut trajectory = std::mem::take(&mut out.trajectory);

    let priority = tie_ranks(cfg, &seed, n, k);
    let priority_of = |q: usize| (!priority.is_empty()).then(|| &priority[q * k..(q + 1) * k]);
    let mut counts = vec![0u32; k];
    let fixed_labels: Vec<usize> = match arm {
        Arm::MajorityFixed { samples } => (0..n)
            .map(|q| {
                let draws: Vec<usize> = (0..*samples)
                    .map(|_| rng::categorical(&m, &mut reward_rng))
                    .collect();
                arm::plurality(&draws, &mut counts, priority_of(q), &mut reward_rng)
            })
            .collect(),
        _ => Vec::new(),
    };

    let clip = cfg.clip.then_some(Clip {
        eps_low: cfg.eps_low,
        eps_high: cfg.eps_high,
    });
    let adam = cfg.optimizer == Optimizer::Adam;
    let (mut adam_phi, mut adam_theta) = (Adam::new(STYLES), Adam::new(n * sk));
    let b_size = cfg.batch;
    let mb_size = b_size.div_ceil(cfg.minibatches);
    let mut order: Vec<usize> = (0..n).collect();
    let mut swaps = vec![0; b_size];
    let mut samples = vec![
        Sample {
            style: 0,
            answer: 0
        };
        b_size * g
    ];
    let mut answers = vec![0usize; g];
    let mut rewards = vec![0.0; g];
    let mut adv = vec![0.0; b_size * g];
    let mut live = vec![false; b_size];
    let mut rows_old = vec![0.0; b_size * sk];
    let mut style_old = vec![0.0; STYLES];
    let (mut g_style, mut g_rows) = (vec![0.0; STYLES], vec![0.0; sk]);
    let mut g_theta = vec![0.0; if adam { n * sk } else { 0 }];

    for step in 1..=cfg.steps {
        for (i, swap) in swaps.iter_mut().enumerate() {
            let j = i + rng::below(&mut batch_rng, n - i);
            *swap = j;
            order.swap(i, j);
        }
        style_old.copy_from_slice(&style);
        for (b, &q) in order[..b_size].iter().enumerate() {
            let rows = &probs[q * sk..(q + 1) * sk];
            rows_old[b * sk..(b + 1) * sk].copy_from_slice(rows);
            for (x, a) in samples[b * g..(b + 1) * g].iter_mut().zip(&mut answers) {
                let s = rng::categorical(&style_old, &mut sample_rng);
                *x = Sample {
                    style: s,
                    answer: rng::categorical(&rows[s * k..(s + 1) * k], &mut sample_rng),
                };
                *a = x.answer;
            }
            marginal(&style_old, rows, &mut m);
            let view = PromptView {
                correct: &correct,
                format_answer,
                incorrect_answer,
                fixed_label: fixed_labels.get(q).copied(),
                gate: None,
                priority: priority_of(q),
                probs: &m,
            };
            arm::reward(
                arm,
                &view,
                &answers,
                &mut rewards,
                &mut counts,
                &mut reward_rng,
            );
            live[b] = !(cfg.filter && rewards.iter().all(|&r| r == rewards[0]));
            if live[b] {
                update::advantages(
                    &rewards,
                    cfg.advantage,
                    cfg.adv_eps,
                    &mut adv[b * g..(b + 1) * g],
                );
                out.updated_groups += 1;
            } else {
                out.dropped_groups += 1;
            }
        }
        for _ in 0..cfg.inner_epochs {
            for mb in (0..b_size).step_by(mb_size) {
                g_style.fill(0.0);
                g_theta.fill(0.0);
                for b in mb..(mb + mb_size).min(b_size) {
                    if !live[b] {
                        continue;
                    }
                    let q = order[b];
                    let row = q * sk..(q + 1) * sk;
                    g_rows.fill(0.0);
                    let p = GroupPolicy {
                        style: &style,
                        style_old: &style_old,
                        rows: &probs[row.clone()],
                        rows_old: &rows_old[b * sk..(b + 1) * sk],
                    };
                    out.clipped_samples += add_group_gradient(
                        &p,
                        &samples[b * g..(b + 1) * g],
                        &adv[b * g..(b + 1) * g],
                        cfg.ratio_level,
                        clip,
                        &mut g_style,
                        &mut g_rows,
                    ) as u64;
                    if adam {
                        g_theta[row].copy_from_slice(&g_rows);
                    } else {
                        for (t, d) in theta[row.clone()].iter_mut().zip(&g_rows) {
                            *t += cfg.lr * d;
                        }
                        softmax_rows(&theta[row.clone()], &mut probs[row], k);
                    }
                }
                if adam {
                    adam_theta.step(cfg.lr, &g_theta, &mut theta);
                    adam_phi.step(cfg.lr, &g_style, &mut phi);
                    softmax_rows(&theta, &mut probs, k);
                } else {
                    for (f, d) in phi.iter_mut().zip(&g_style) {
                        *f += cfg.lr * d;
                    }
                }
                softmax(&phi, &mut style);
            }
        }
        for i in (0..b_size).rev() {
            order.swap(i, swaps[i]);
        }
        if record.keeps(step) {
            trajectory.push(metrics(cfg, &style, &probs, &correct));
        }
    }
    out.final_metrics = metrics(cfg, &style, &probs, &correct);
    out.style_share = Some(style[0]);
    out.trajectory = trajectory;
    (out, theta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::RatioLevel;

    fn small(cfg: SimConfig) -> SimConfig {
        SimConfig {
            prompts: 12,
            batch: 8,
            steps: 30,
            ..cfg
        }
    }

    #[test]
    fn same_seed_same_bits_and_arms_share_their_streams() {
        use crate::sim::config::{clip_bias, preset};
        for cfg in [
            small(clip_bias()),
            small(SimConfig {
                ratio_level: RatioLevel::Sequence,
                minibatches: 3,
                optimizer: Optimizer::Adam,
                lr: 0.05,
                ..clip_bias()
            }),
        ] {
            cfg.validate().unwrap();
            let bits = |r: &(RunResult, Vec<f64>)| {
                let mut v: Vec<u64> = r.1.iter().map(|x| x.to_bits()).collect();
                v.push(r.0.final_metrics.accuracy.to_bits());
                v.push(r.0.style_share.unwrap().to_bits());
                v
            };
            let a = run(&cfg, &Arm::Random { gamma: 0.5 }, 3, Record::Every);
            let b = run(&cfg, &Arm::Random { gamma: 0.5 }, 3, Record::Every);
            assert_eq!(bits(&a), bits(&b));
            assert_eq!(a.0.trajectory, b.0.trajectory);
            assert_eq!(a.0.trajectory.len(), cfg.steps + 1);
            let c = run(&cfg, &Arm::Random { gamma: 0.5 }, 4, Record::Final);
            assert_ne!(bits(&a), bits(&c));
            // BASE does not train: its metrics are those of the base marginal.
            let base = run(&cfg, &Arm::Base, 3, Record::Final).0;
            assert_eq!(base.final_metrics, a.0.base);
        }
        // The preset's base accuracy is the share-weighted accuracy of the two styles.
        let acc = |p: f64| -> f64 {
            base_distribution(&preset("paper").unwrap(), p)[..2]
                .iter()
                .sum()
        };
        let r = run(&clip_bias(), &Arm::Base, 0, Record::Final).0;
        let want = 0.65 * acc(0.80) + 0.35 * acc(0.35);
        assert!(
            (r.base.accuracy - want).abs() < 1e-12,
            "{} vs {want}",
            r.base.accuracy
        );
    }

    #[test]
    fn style_fields_are_absent_from_the_canonical_form_at_their_defaults() {
        use crate::sim::config::{DEFAULTED_FIELDS, clip_bias, paper};
        let json = paper().canonical_json();
        for f in DEFAULTED_FIELDS {
            assert!(!json.contains(&format!("\"{f}\"")), "{f} in {json}");
        }
        let json = clip_bias().canonical_json();
        assert!(json.contains("\"style_share\":0.65") && json.contains("\"style_prior\":0.8"));
        let back: SimConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, clip_bias());
    }

    #[test]
    fn style_settings_are_checked_with_their_field_named() {
        use crate::sim::config::{ConfigError, clip_bias, paper};
        let field = |c: SimConfig| match c.validate() {
            Err(ConfigError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(SimConfig {
                style_share: Some(1.0),
                ..clip_bias()
            }),
            "style_share"
        );
        assert_eq!(
            field(SimConfig {
                style_prior: Some(0.0),
                ..clip_bias()
            }),
            "style_prior"
        );
        assert_eq!(
            field(SimConfig {
                style_prior: Some(0.5),
                ..paper()
            }),
            "style_prior"
        );
        assert_eq!(
            field(SimConfig {
                minibatches: 2,
                ..paper()
            }),
            "minibatches"
        );
        assert_eq!(
            field(SimConfig {
                minibatches: 17,
                ..clip_bias()
            }),
            "minibatches"
        );
        assert_eq!(
            field(SimConfig {
                optimizer: Optimizer::Adam,
                ..paper()
            }),
            "optimizer"
        );
        assert_eq!(
            field(SimConfig {
                ratio_level: RatioLevel::Sequence,
                ..paper()
            }),
            "ratio_level"
        );
        assert_eq!(
            field(SimConfig {
                style_share: Some(0.5),
                ..paper()
            }),
            "update"
        );
        assert_eq!(
            field(SimConfig {
                prior_concentration: Some(5.0),
                ..clip_bias()
            }),
            "prior_concentration"
        );
    }
}
