//! The format-gated base-policy family: its closed-form base accuracy and prior solver, its
//! identity with the paper family, determinism and the update on its wider rows, and the
//! mechanism it exists for (label-free training lifting a base that rarely formats).

use rlvr_audit::rng::{self, derive_seed};
use rlvr_audit::sim::config::{self, Family, Regulariser, SimConfig};
use rlvr_audit::sim::policy::{
    Metrics, Problem, SimExp, base_accuracy, expected_base_accuracy, latent_accuracy,
    prior_for_base_accuracy, softmax,
};
use rlvr_audit::sim::run::{GroupOutcome, update_prompt};
use rlvr_audit::sim::update::{kl, pg_objective};
use rlvr_audit::sim::{Arm, run, run_full, run_many};

fn gated(q: f64, prior: f64) -> SimConfig {
    SimConfig {
        family: Family::FormatGated,
        format_rate: q,
        prior,
        ..config::paper()
    }
}

/// Exact accuracy of every base row of replicate 0's problem.
fn row_accuracies(cfg: &SimConfig) -> (Problem, Vec<f64>) {
    let p = Problem::build(cfg, &mut rng::stream(&derive_seed(&[b"gated-rows"]), 0));
    let acc = (0..p.prompts)
        .map(|q| Metrics::of_prompt(p.row(&p.base_probs, q), p.row(&p.correct, q), 1).accuracy)
        .collect();
    (p, acc)
}

#[test]
fn closed_form_base_accuracy_is_the_exact_accuracy_of_the_built_policy() {
    // Fixed q: every prompt's row is q·π_latent formatted, so the built policy's exact accuracy
    // is q·(latent correct mass).
    for q in [0.05, 0.15, 0.5, 0.9, 1.0] {
        for prior in [0.2, 0.5, 0.8] {
            let cfg = gated(q, prior);
            let closed = expected_base_accuracy(&cfg);
            let exact = base_accuracy(&cfg);
            assert!(
                (closed - exact).abs() < 1e-12,
                "q {q} p {prior}: {closed} vs {exact}"
            );
            assert!((closed - q.min(1.0 - 1e-9) * latent_accuracy(&cfg, prior)).abs() < 1e-15);
        }
    }
    // Beta q: a prompt's accuracy is q_i·(latent accuracy), linear in q_i, so the mean over
    // prompts is mean(q_i)·(latent accuracy) exactly, and mean(q_i) estimates q̄ with standard
    // error sqrt(q̄(1 − q̄)/(κ + 1)/N).
    let (q_bar, kappa, n) = (0.2, 4.0, 20_000);
    let cfg = SimConfig {
        format_concentration: Some(kappa),
        prompts: n,
        batch: 16,
        ..gated(q_bar, 0.65)
    };
    let (problem, acc) = row_accuracies(&cfg);
    assert_eq!(problem.format_rates.len(), n);
    let mean_q = problem.format_rates.iter().sum::<f64>() / n as f64;
    let mean_acc = acc.iter().sum::<f64>() / n as f64;
    let latent = latent_accuracy(&cfg, 0.65);
    assert!((mean_acc - mean_q * latent).abs() < 1e-12);
    let se = (q_bar * (1.0 - q_bar) / (kappa + 1.0) / n as f64).sqrt();
    assert!((mean_q - q_bar).abs() < 4.0 * se, "{mean_q} vs {q_bar}");
    let closed = expected_base_accuracy(&cfg);
    assert!((closed - q_bar * latent).abs() < 1e-15);
    assert!((mean_acc - closed).abs() < 4.0 * se * latent);
    // The prompts differ: the Beta was drawn per prompt.
    assert!(acc.iter().any(|&a| a != acc[0]));
}

#[test]
fn the_prior_solver_round_trips_and_refuses_unreachable_accuracies() {
    for f in [0.0, 0.2, 0.5] {
        for q in [0.1, 0.3, 0.7, 1.0] {
            let cfg = SimConfig {
                format_strength: f,
                ..gated(q, 0.5)
            };
            let q_eff = q.min(1.0 - 1e-9);
            for share in [0.01, 0.2, 0.5, 0.9, 0.999] {
                let acc = share * q_eff;
                let p = prior_for_base_accuracy(&cfg, acc).expect("reachable");
                assert!(p > 0.0 && p < 1.0);
                let back = expected_base_accuracy(&SimConfig {
                    prior: p,
                    ..cfg.clone()
                });
                assert!((back - acc).abs() < 1e-12, "f {f} q {q} acc {acc}: {back}");
                // And the run's own base policy has that accuracy.
                let built = base_accuracy(&SimConfig {
                    prior: p,
                    ..cfg.clone()
                });
                assert!((built - acc).abs() < 1e-12);
            }
            // A base that formats a share q of its answers is right at most that often.
            for acc in [q_eff, q_eff + 0.01, 1.0, 0.0, -0.1] {
                assert_eq!(prior_for_base_accuracy(&cfg, acc), None, "q {q} acc {acc}");
            }
        }
    }
    // The other families: the paper family's solver is the fit's, the distractor's is p = acc.
    let paper = config::paper();
    let p = prior_for_base_accuracy(&paper, 0.3).unwrap();
    assert!((latent_accuracy(&paper, p) - 0.3).abs() < 1e-12);
    assert_eq!(rlvr_audit::audit::fit::prior_for_base(&paper, 0.3), p);
    let distractor = SimConfig {
        family: Family::Distractor,
        correct: 1,
        ..config::paper()
    };
    assert_eq!(prior_for_base_accuracy(&distractor, 0.3), Some(0.3));
}

#[test]
fn a_gated_base_row_is_q_times_the_paper_row() {
    for prior in [0.2, 0.35, 0.5, 0.65, 0.8] {
        let (_, paper) = row_accuracies(&SimConfig {
            prior,
            ..config::paper()
        });
        for q in [0.05, 0.15, 0.3, 0.99] {
            let (problem, acc) = row_accuracies(&gated(q, prior));
            assert_eq!(problem.answers, 16);
            for (g, p) in acc.iter().zip(&paper) {
                assert!(
                    (g - q * p).abs() < 1e-12,
                    "p_s {prior} q {q}: {g} vs {q}·{p}"
                );
            }
            // The unformatted half holds (1 − q) of every latent answer's mass.
            let row = problem.row(&problem.base_probs, 0);
            for a in 0..8 {
                assert!((row[a] * (1.0 - q) - row[8 + a] * q).abs() < 1e-15);
            }
            assert!(row.iter().all(|x| *x > 0.0));
            assert!(
                problem
                    .row(&problem.base_logits, 0)
                    .iter()
                    .all(|x| x.is_finite())
            );
        }
    }
}

#[test]
fn gated_runs_are_deterministic_and_parallel_equals_serial() {
    let cfg = SimConfig {
        steps: 60,
        format_concentration: Some(3.0),
        prior_concentration: Some(6.0),
        ..gated(0.3, 0.6)
    };
    let arms: Vec<Arm> = [
        "true",
        "random",
        "majority",
        "majority-fixed:16",
        "noisy:0.2",
        "format",
        "incorrect",
        "entropy",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();
    let serial = serde_json::to_string(&run_many(&cfg, &arms, 3, true, false)).unwrap();
    let parallel = serde_json::to_string(&run_many(&cfg, &arms, 3, true, true)).unwrap();
    assert_eq!(serial, parallel);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for arm in &arms {
        let (a, la) = run_full(&cfg, arm, 1, true);
        let (b, lb) = run_full(&cfg, arm, 1, true);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!(bits(&la), bits(&lb));
        assert_eq!(la.len(), cfg.prompts * 16);
        assert!(la.iter().all(|x| x.is_finite()), "{arm}");
    }
    // The format rate is part of the seed: another q, other draws and numbers.
    let other = run(
        &SimConfig {
            format_rate: 0.31,
            ..cfg.clone()
        },
        &arms[2],
        0,
        false,
    );
    assert_ne!(other.seed, run(&cfg, &arms[2], 0, false).seed);
}

/// Central finite differences of `f` at `theta`.
fn fd(theta: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-6;
    (0..theta.len())
        .map(|j| {
            let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
            up[j] += h;
            down[j] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        })
        .collect()
}

fn sm(theta: &[f64]) -> Vec<f64> {
    let mut p = vec![0.0; theta.len()];
    softmax(theta, &mut p);
    p
}

#[test]
fn the_update_of_a_gated_row_is_the_gradient_of_its_objective() {
    // The gated family runs the same generic update as every family, over a row of 2K entries
    // instead of K; checked once on such a row: the on-policy step with the KL regulariser is
    // η·∇[(1/G)Σ A_i log π(a_i) − β·KL(π‖π_base)], by finite differences.
    let cfg = SimConfig {
        regulariser: Regulariser::Kl,
        beta: 0.3,
        filter: false,
        ..gated(0.3, 0.7)
    };
    let problem = Problem::build(&cfg, &mut rng::stream(&derive_seed(&[b"fd"]), 0));
    let base = problem.row(&problem.base_probs, 0).to_vec();
    let base_log: Vec<f64> = base.iter().map(|p| p.ln()).collect();
    let mut r = rng::stream(&derive_seed(&[b"gated-fd"]), 0);
    for _ in 0..20 {
        let start: Vec<f64> = problem
            .row(&problem.base_logits, 0)
            .iter()
            .map(|t| t + rng::uniform(&mut r) - 0.5)
            .collect();
        let old = sm(&start);
        let samples: Vec<usize> = (0..8).map(|_| rng::below(&mut r, 16)).collect();
        let rewards: Vec<f64> = samples
            .iter()
            .map(|&a| f64::from(u8::from(a < 8)))
            .collect();
        let (mut adv, mut cur, mut grad) = (vec![0.0; 8], vec![0.0; 16], vec![0.0; 16]);
        let mut theta = start.clone();
        let out = update_prompt::<SimExp>(
            &cfg, &mut theta, &old, &base, &base_log, &samples, &rewards, &mut adv, &mut cur,
            &mut grad,
        );
        assert_eq!(out, GroupOutcome::Updated { clipped: 0 });
        let num = fd(&start, |t| {
            let p = sm(t);
            pg_objective(&p, &samples, &adv) - cfg.beta * kl(&p, &base_log)
        });
        for ((t, s), n) in theta.iter().zip(&start).zip(&num) {
            assert!(
                ((t - s) / cfg.lr - n).abs() < 1e-7,
                "{} vs {n}",
                (t - s) / cfg.lr
            );
        }
    }
}

/// Final accuracy of `arm` per replicate, and the base accuracy.
fn finals(cfg: &SimConfig, arm: &str, replicates: u64) -> (f64, Vec<f64>) {
    let arm: Arm = arm.parse().unwrap();
    let runs = run_many(cfg, &[arm], replicates, false, true);
    let base = runs[0].base.accuracy;
    (
        base,
        runs.iter().map(|r| r.final_metrics.accuracy).collect(),
    )
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn label_free_training_lifts_a_base_that_rarely_formats() {
    // A base that formats 15 % of its answers, with a latent prior p_s = 0.80 (the seed paper's
    // strong level, above the crossover 0.464: the latent mode is correct). Base accuracy
    // q·acc_latent = 0.15 × 0.7595 = 0.114.
    //
    // Limit: MAJORITY rewards the formatted plurality, whose latent answer is the latent mode
    // (correct); FORMAT rewards formatting. Under either, q → 1, and since the on-policy softmax
    // step moves a sampled answer's logit by its advantage — an expected change proportional to
    // its probability — mass also drifts to the modal latent answer. The limit is accuracy → 1
    // (less the weak β = 0.01 pull to the base); RANDOM has zero expected update and stays at
    // the base.
    //
    // Rate, hence the budget. One on-policy step changes an answer set F's probability by
    // (η/G)·Σ_i A_i·π(a_i)·(1[a_i ∈ F] − π(F)) (the GRPO advantages sum to 0), so on a group
    // whose rewarded share is r, with s = sqrt(r(1 − r)) the spread the advantage divides by:
    // * MAJORITY, F = the label (one formatted correct answer, r ≈ q·0.38 ≈ 0.057): its log-odds
    //   rise by ≈ η·s per update; at G = 8, E[s] ≈ 0.13, so ≈ 0.0065 logits per update.
    // * FORMAT, F = the formatted half (r ≈ q): the formatting log-odds rise by ≈ 2η·S·s, with
    //   S = Σ_a π_latent(a)² ≈ 0.30 and E[s] ≈ 0.28, so ≈ 0.0084 logits per update.
    // Both rates grow as r grows. The budget is the fit's longest, fit::MAX_STEPS = 800 steps,
    // i.e. 320 updates per prompt (B/N = 16/40): at least ≈ 2.1 logits for MAJORITY's label (its
    // mass from ≈ 0.06 to ≥ 0.33, the other correct answer's formatted mass on top) and ≈ 2.7
    // logits of formatting for FORMAT (q from 0.15 to ≥ 0.72, accuracy ≥ 0.72 × 0.76 = 0.55).
    // So MAJORITY, FORMAT and TRUE (whose reward contains MAJORITY's usual label) must each gain
    // ≥ 0.20 in every replicate. The paper preset's 200 steps (80 updates, ≈ 0.5–0.7 logits)
    // are too few for that.
    let steps = rlvr_audit::audit::fit::MAX_STEPS;
    let replicates = 8;
    let up = SimConfig {
        steps,
        ..gated(0.15, 0.80)
    };
    let (base, majority) = finals(&up, "majority", replicates);
    let (_, format) = finals(&up, "format", replicates);
    let (_, truth) = finals(&up, "true", replicates);
    let (_, random) = finals(&up, "random", replicates);
    eprintln!(
        "q 0.15, p_s 0.80, {steps} steps: base {base:.4}, MAJORITY {:.4}, FORMAT {:.4}, TRUE {:.4}, RANDOM {:.4}",
        mean(&majority),
        mean(&format),
        mean(&truth),
        mean(&random)
    );
    assert!((base - expected_base_accuracy(&up)).abs() < 1e-12);
    for (arm, finals) in [
        ("majority", &majority),
        ("format", &format),
        ("true", &truth),
    ] {
        for (r, a) in finals.iter().enumerate() {
            assert!(*a >= base + 0.20, "{arm} replicate {r}: {a} from {base}");
        }
    }
    // RANDOM: rewards independent of the answer, so zero expected update; its drift is noise,
    // held to a tenth of the gain the other arms must make.
    assert!((mean(&random) - base).abs() < 0.02, "{random:?}");

    // The latent mode wrong: p_s = 0.20 (the seed's weak level; its latent mode is the
    // format-boosted wrong answer). MAJORITY's formatted plurality is then usually that wrong
    // answer, and its limit is accuracy → 0; TRUE's is 1. On the same replicates (common random
    // numbers) MAJORITY ends below TRUE in every one.
    let down = SimConfig {
        steps,
        ..gated(0.15, 0.20)
    };
    let (base, majority) = finals(&down, "majority", replicates);
    let (_, truth) = finals(&down, "true", replicates);
    eprintln!(
        "q 0.15, p_s 0.20, {steps} steps: base {base:.4}, MAJORITY {:.4}, TRUE {:.4}",
        mean(&majority),
        mean(&truth)
    );
    for (r, (m, t)) in majority.iter().zip(&truth).enumerate() {
        assert!(m < t, "replicate {r}: MAJORITY {m} ≥ TRUE {t}");
    }
    assert!(mean(&truth) > base);
}
