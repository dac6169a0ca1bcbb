//! The benchmark suite: simulator throughput on documented workloads, serial (per core) and
//! across every core, plus the seed paper's own workloads, the main job (`report`, warm and
//! cold) and peak memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::sim::config::{self, SimConfig};
use crate::sim::{Arm, run};

/// One timed workload.
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: &'static str,
    pub description: String,
    /// The simulator config of a workload of runs (the first one's, when they differ).
    pub config: Option<SimConfig>,
    pub work: Work,
    /// Whether it is also timed on one core.
    pub serial: bool,
}

/// What a workload times.
#[derive(Clone, Debug)]
pub enum Work {
    /// (config, arm, replicate) simulator runs.
    Runs(Vec<(SimConfig, Arm, u64)>),
    /// The main job, `report`, run as a child process of this binary from the current directory
    /// (the repository: its audits, studies and paper cache), writing its reports and its fit
    /// cache to a scratch directory so the committed ones are never touched. Warm: the
    /// committed fit cache copied there before each timing; cold: no cache. One core:
    /// `report --serial`.
    Report { warm: bool },
}

/// The names of the `report` workloads, timed only when named (`--workload`).
pub const REPORT_WORKLOADS: [&str; 2] = ["report-warm", "report-cold"];

#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    pub seconds: f64,
    pub cores: usize,
    /// Throughputs of a workload of runs (`null` for `report`).
    pub runs_per_s: Option<f64>,
    pub sampled_answers_per_s: Option<f64>,
    /// Group updates (groups not dropped by filtering) per second.
    pub updates_per_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Measured {
    pub name: &'static str,
    pub description: String,
    pub config: Option<SimConfig>,
    /// Simulator runs (0 for `report`).
    pub runs: usize,
    pub sampled_answers: u64,
    pub serial: Option<Timing>,
    pub parallel: Timing,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}: not found; the report workloads run from the repository (its audits/ and data/)")]
    NotARepository(String),
    #[error("{what}: {msg}")]
    Io { what: String, msg: String },
    #[error("`report` failed while timing {workload} (exit {code:?}); run it alone to see why")]
    ReportFailed {
        workload: &'static str,
        code: Option<i32>,
    },
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
                config: Some(config),
                work: Work::Runs(jobs),
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

/// The `report` workloads ([`REPORT_WORKLOADS`]): the main job warm and cold.
pub fn report_workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: REPORT_WORKLOADS[0],
            description: format!(
                "`report` with every model-check run in the fit cache (a copy of the committed `{}`): \
                 every report regenerated, studies included, as a user who edited one descriptor waits for it",
                crate::io::paths::FIT_CACHE
            ),
            config: None,
            work: Work::Report { warm: true },
            serial: true,
        },
        Workload {
            name: REPORT_WORKLOADS[1],
            description: "`report` from an empty fit cache: every model-check run computed, then the same reports"
                .into(),
            config: None,
            work: Work::Report { warm: false },
            serial: false,
        },
    ]
}

/// One timing of a workload: seconds and group updates.
fn time_once(w: &Workload, parallel: bool, scratch: &Path) -> Result<(f64, u64), BenchError> {
    match &w.work {
        Work::Runs(jobs) => {
            let t = Instant::now();
            let u: u64 = if parallel {
                jobs.par_iter()
                    .map(|(c, a, r)| run(c, a, *r, false).updated_groups)
                    .sum()
            } else {
                jobs.iter()
                    .map(|(c, a, r)| run(c, a, *r, false).updated_groups)
                    .sum()
            };
            Ok((t.elapsed().as_secs_f64(), u))
        }
        Work::Report { warm } => {
            let io = |what: &str| {
                let what = what.to_string();
                move |e: std::io::Error| BenchError::Io {
                    what,
                    msg: e.to_string(),
                }
            };
            let committed = Path::new(crate::io::paths::FIT_CACHE);
            for needed in [Path::new(crate::io::paths::AUDITS), committed] {
                if !needed.exists() {
                    return Err(BenchError::NotARepository(needed.display().to_string()));
                }
            }
            let cache = scratch.join("fit-cache.json");
            if *warm {
                std::fs::copy(committed, &cache).map_err(io("copying the fit cache"))?;
            } else if cache.exists() {
                std::fs::remove_file(&cache).map_err(io("removing the scratch fit cache"))?;
            }
            let exe = std::env::current_exe().map_err(io("finding this program"))?;
            let mut cmd = Command::new(exe);
            cmd.arg("report")
                .arg("--reports-dir")
                .arg(scratch.join("reports"))
                .arg("--fit-cache")
                .arg(&cache)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if !parallel {
                cmd.arg("--serial");
            }
            let t = Instant::now();
            let status = cmd.status().map_err(io("running `report`"))?;
            let seconds = t.elapsed().as_secs_f64();
            if !status.success() {
                return Err(BenchError::ReportFailed {
                    workload: w.name,
                    code: status.code(),
                });
            }
            Ok((seconds, 0))
        }
    }
}

fn time(
    w: &Workload,
    parallel: bool,
    repeat: usize,
    scratch: &Path,
) -> Result<(Timing, u64), BenchError> {
    let mut best = f64::INFINITY;
    let mut updates = 0u64;
    for _ in 0..repeat {
        let (seconds, u) = time_once(w, parallel, scratch)?;
        best = best.min(seconds);
        updates = u;
    }
    let answers = sampled_answers(w);
    let cores = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let runs = match &w.work {
        Work::Runs(jobs) => Some(jobs.len()),
        Work::Report { .. } => None,
    };
    Ok((
        Timing {
            seconds: best,
            cores,
            runs_per_s: runs.map(|r| r as f64 / best),
            sampled_answers_per_s: runs.map(|_| answers as f64 / best),
            updates_per_s: runs.map(|_| updates as f64 / best),
        },
        answers,
    ))
}

/// Answers sampled by a workload (training arms only; BASE samples nothing).
pub fn sampled_answers(w: &Workload) -> u64 {
    match &w.work {
        Work::Runs(jobs) => jobs
            .iter()
            .filter(|(_, a, _)| a.trains())
            .map(|(c, _, _)| (c.steps * c.batch * c.group) as u64)
            .sum(),
        Work::Report { .. } => 0,
    }
}

/// A scratch directory for the report workloads, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Times every workload: best of `repeat`, serial where the workload says so, then parallel.
pub fn measure(ws: &[Workload], repeat: usize) -> Result<Vec<Measured>, BenchError> {
    let scratch =
        Scratch(std::env::temp_dir().join(format!("rlvr-audit-bench-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).map_err(|e| BenchError::Io {
        what: scratch.0.display().to_string(),
        msg: e.to_string(),
    })?;
    ws.iter()
        .map(|w| {
            let serial = match w.serial {
                true => Some(time(w, false, repeat, &scratch.0)?.0),
                false => None,
            };
            let (parallel, answers) = time(w, true, repeat, &scratch.0)?;
            Ok(Measured {
                name: w.name,
                description: w.description.clone(),
                config: w.config.clone(),
                runs: match &w.work {
                    Work::Runs(jobs) => jobs.len(),
                    Work::Report { .. } => 0,
                },
                sampled_answers: answers,
                serial,
                parallel,
            })
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
