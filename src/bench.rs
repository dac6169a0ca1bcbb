//! The benchmark suite: simulator throughput on documented workloads, serial (per core) and
//! across every core, plus the seed paper's own workloads and peak memory.

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::sim::config::{self, SimConfig};
use crate::sim::{Arm, run};

/// One timed workload.
#[derive(Clone, Debug, Serialize)]
pub struct Workload {
    pub name: &'static str,
    pub description: String,
    pub config: SimConfig,
    /// (config, arm, replicate) runs.
    #[serde(skip)]
    pub jobs: Vec<(SimConfig, Arm, u64)>,
    pub runs: usize,
    pub serial: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    pub seconds: f64,
    pub cores: usize,
    pub runs_per_s: f64,
    pub sampled_answers_per_s: f64,
    /// Group updates (groups not dropped by filtering) per second.
    pub updates_per_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Measured {
    pub name: &'static str,
    pub description: String,
    pub config: SimConfig,
    pub runs: usize,
    pub sampled_answers: u64,
    pub serial: Option<Timing>,
    pub parallel: Timing,
}

fn jobs(cfgs: &[SimConfig], arms: &[Arm], replicates: u64) -> Vec<(SimConfig, Arm, u64)> {
    cfgs.iter()
        .flat_map(|c| {
            arms.iter()
                .flat_map(move |a| (0..replicates).map(move |r| (c.clone(), a.clone(), r)))
        })
        .collect()
}

/// The suite. `quick` shrinks every workload (for tests), keeping its shape.
pub fn suite(quick: bool) -> Vec<Workload> {
    let three: Vec<Arm> = ["true", "random", "majority"]
        .iter()
        .map(|a| a.parse().expect("arm"))
        .collect();
    let steps = |s: usize| if quick { (s / 20).max(2) } else { s };
    let reps = |r: u64| if quick { 1 } else { r };
    let small = SimConfig {
        answers: 4,
        group: 8,
        steps: steps(200),
        ..config::paper()
    };
    let medium = SimConfig {
        answers: 16,
        group: 16,
        steps: steps(200),
        ..config::paper()
    };
    let large = SimConfig {
        answers: 64,
        group: 64,
        prompts: 4096,
        batch: 256,
        steps: steps(20),
        ..config::paper()
    };
    let paper = SimConfig {
        steps: steps(200),
        ..config::paper()
    };
    let levels: Vec<SimConfig> = [0.2, 0.35, 0.5, 0.65, 0.8]
        .iter()
        .map(|&p| SimConfig {
            prior: p,
            ..paper.clone()
        })
        .collect();
    let heavy_base = SimConfig {
        prompts: 80,
        answers: 10,
        group: 10,
        batch: 20,
        steps: steps(500),
        ..config::paper()
    };
    let mut heavy = Vec::new();
    for prior in [0.35, 0.8] {
        for filter in [false, true] {
            for arm in ["majority", "true"] {
                let c = SimConfig {
                    prior,
                    filter,
                    ..heavy_base.clone()
                };
                heavy.extend(
                    (0..reps(100)).map(|r| (c.clone(), arm.parse::<Arm>().expect("arm"), r)),
                );
            }
        }
    }
    let w =
        |name, description: String, config: SimConfig, jobs: Vec<(SimConfig, Arm, u64)>, serial| {
            Workload {
                name,
                description,
                config,
                runs: jobs.len(),
                jobs,
                serial,
            }
        };
    // The model check of one audit (base accuracy 0.40): every member of the fitted class under
    // each simulated arm, its replicates, the full budget.
    let fit_jobs: Vec<(SimConfig, Arm, u64)> = crate::audit::fit::requests(0.40)
        .into_iter()
        .flat_map(|r| {
            let c = SimConfig {
                steps: steps(r.config.steps),
                ..r.config.clone()
            };
            let a = r.arm();
            (0..crate::audit::fit::REPLICATES).map(move |i| (c.clone(), a.clone(), i))
        })
        .collect();
    let fit_cfg = fit_jobs
        .first()
        .map(|j| j.0.clone())
        .unwrap_or_else(config::paper);
    vec![
        w("small", "K=4, G=8, N=40, B=16, 200 steps; arms true/random/majority × 16 replicates".into(), small.clone(), jobs(&[small], &three, reps(16)), true),
        w("medium", "K=16, G=16, N=40, B=16, 200 steps; arms true/random/majority × 8 replicates".into(), medium.clone(), jobs(&[medium], &three, reps(8)), true),
        w("large", "K=64, G=64, N=4096, B=256, 20 steps; arms true/random/majority × 2 replicates".into(), large.clone(), jobs(&[large], &three, reps(2)), true),
        w(
            "seed-sweep",
            "the seed paper's light workload: paper preset, 5 prior levels × arms base/random/majority/true × 8 seeds × 200 steps (160 runs)".into(),
            paper,
            jobs(&levels, &Arm::default_chain(), reps(8)),
            true,
        ),
        w(
            "seed-factorial-heavy",
            "the seed paper's heavy factorial: 8 cells (reward × filtering × prior) × 100 seeds × 500 steps, N=80, K=10, G=10, B=20".into(),
            heavy_base,
            heavy,
            false,
        ),
        w(
            "model-check",
            format!(
                "one audit's model check from an empty cache: every member of the fitted class × arms true/random/majority \
                 × {} replicates × {} steps ({} runs); `report` runs this once per distinct reported base accuracy",
                crate::audit::fit::REPLICATES,
                crate::audit::fit::MAX_STEPS,
                fit_jobs.len()
            ),
            fit_cfg,
            fit_jobs,
            true,
        ),
    ]
}

fn time(w: &Workload, parallel: bool, repeat: usize) -> (Timing, u64) {
    let mut best = f64::INFINITY;
    let mut updates = 0u64;
    for _ in 0..repeat {
        let t = Instant::now();
        let u: u64 = if parallel {
            w.jobs
                .par_iter()
                .map(|(c, a, r)| run(c, a, *r, false).updated_groups)
                .sum()
        } else {
            w.jobs
                .iter()
                .map(|(c, a, r)| run(c, a, *r, false).updated_groups)
                .sum()
        };
        best = best.min(t.elapsed().as_secs_f64());
        updates = u;
    }
    let answers = sampled_answers(w);
    let cores = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    (
        Timing {
            seconds: best,
            cores,
            runs_per_s: w.runs as f64 / best,
            sampled_answers_per_s: answers as f64 / best,
            updates_per_s: updates as f64 / best,
        },
        answers,
    )
}

/// Answers sampled by a workload (training arms only; BASE samples nothing).
pub fn sampled_answers(w: &Workload) -> u64 {
    w.jobs
        .iter()
        .filter(|(_, a, _)| a.trains())
        .map(|(c, _, _)| (c.steps * c.batch * c.group) as u64)
        .sum()
}

/// Times every workload: best of `repeat`, serial where the workload says so, then parallel.
pub fn measure(ws: &[Workload], repeat: usize) -> Vec<Measured> {
    ws.iter()
        .map(|w| {
            let serial = w.serial.then(|| time(w, false, repeat).0);
            let (parallel, answers) = time(w, true, repeat);
            Measured {
                name: w.name,
                description: w.description.clone(),
                config: w.config.clone(),
                runs: w.runs,
                sampled_answers: answers,
                serial,
                parallel,
            }
        })
        .collect()
}

/// The `bench --json` record.
#[derive(Serialize)]
pub struct BenchRecord<'a> {
    pub tool: crate::io::Tool,
    /// Threads of the parallel runs.
    pub cores: usize,
    /// Timings per workload and mode: the best of this many.
    pub repeat: usize,
    /// Whether the smaller `--quick` suite ran.
    pub quick: bool,
    /// The copy of the run loop this CPU runs (`baseline` or `avx2`).
    pub run_loop: String,
    pub workloads: &'a [Measured],
    /// Peak resident memory of the process (bytes), where the platform reports it.
    pub peak_memory_bytes: Option<u64>,
}

/// Peak resident memory of this process (VmHWM), where the platform reports it.
pub fn peak_memory_bytes() -> Option<u64> {
    let s = crate::io::read_text(
        std::path::Path::new("/proc/self/status"),
        1 << 20,
        "a status file",
    )
    .ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
