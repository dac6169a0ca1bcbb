//! The commands: each reads its arguments, runs the pipeline stages and prints.

/// `println!` to stdout, except that a closed stdout (`rlvr-audit … | head`) ends the process
/// quietly, as it would end any Unix filter, instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($t)*) {
            $crate::app::stdout_failed(e)
        }
    }};
}

/// [`say!`] without the newline.
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($t)*) {
            $crate::app::stdout_failed(e)
        }
    }};
}

/// A progress line: to stdout, or to stderr when stdout carries JSON.
macro_rules! note {
    ($json:expr, $($t:tt)*) => {{
        if $json {
            eprintln!($($t)*);
        } else {
            say!($($t)*);
        }
    }};
}

/// Stdout failed: a reader that went away (broken pipe) ends the process with the status a
/// SIGPIPE would give (128 + 13), anything else is reported.
pub fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    eprintln!("Error: writing to standard output: {e}");
    std::process::exit(2);
}

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self as audits, AuditResult, engine::Thresholds};
use crate::cli::{
    AuditArgs, BenchArgs, CheckArgs, Cli, Command, DecomposeArgs, EntropyArgs, FactorialArgs,
    FetchArgs, MergeArgs, PreregCommand, ReportArgs, SimulateArgs, SweepArgs, TablesArgs,
    ValidateArgs,
};
use crate::factorial::{self, FactorialResult, lock, study::Study};
use std::path::{Path, PathBuf};

use crate::decompose::{self, Chain, Decomposition};
use crate::gate::GateRule;
use crate::progress;
use crate::report::write::write_atomic;
use crate::report::{self, terminal};
use crate::rng::derive_seed;
use crate::sim::config::{self, SimConfig};
use crate::sim::policy::{Metrics, Problem, crossover};
use crate::sim::{Arm, RunResult, run_many};
use crate::stats::{self, Bootstrap, Estimate};
use crate::sweep::{self, Sweep, SweepSpec};

/// Runs a command; the value is the process exit code (errors exit 2 from `main`).
pub fn run(cli: Cli) -> Result<u8> {
    let done = |r: Result<()>| r.map(|()| 0);
    match cli.command {
        Command::Simulate(a) => done(simulate(a)),
        Command::Decompose(a) => done(decompose_cmd(a)),
        Command::Sweep(a) => done(sweep_cmd(a)),
        Command::Report(a) => done(report_cmd(a)),
        Command::Factorial(a) => done(factorial_cmd(a)),
        Command::Prereg(c) => done(prereg_cmd(c)),
        Command::Merge(a) => done(merge_cmd(a)),
        Command::Entropy(a) => done(entropy_cmd(a)),
        Command::Bench(a) => done(bench(a)),
        Command::Presets => done(presets()),
        Command::Validate(a) => done(validate_cmd(a)),
        Command::Audit(a) => done(audit_cmd(a)),
        Command::Check(a) => check_cmd(a),
        Command::Fetch(a) => done(fetch_cmd(a)),
        Command::Tables(a) => done(tables_cmd(a)),
        Command::New(a) => done(new_cmd(a)),
    }
}

/// How run seeds are derived, printed beside every simulated number.
pub fn seeds_record(cfg: &SimConfig, replicates: u64) -> serde_json::Value {
    json!({
        "master": cfg.seed,
        "replicates": replicates,
        "generator": "ChaCha8 (rand_chacha)",
        "derivation": "replicate seed = SHA-256(\"rlvr-audit/run/v1\", canonical config JSON, replicate); \
                       prompt, batch and sample streams are shared by the arms of a replicate; \
                       reward draws use SHA-256(replicate seed, \"reward\", arm)",
    })
}

/// Exact base accuracy of the config (mean over prompts; with a Beta prior, of replicate 0's draw).
pub fn base_accuracy(cfg: &SimConfig) -> f64 {
    let seed = crate::sim::run::replicate_seed(cfg, 0);
    let p = Problem::build(cfg, &mut crate::rng::stream(&seed, 0));
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

fn final_of(runs: &[RunResult], arm: &Arm, f: fn(&Metrics) -> f64) -> Vec<f64> {
    runs.iter()
        .filter(|r| &r.arm == arm)
        .map(|r| f(&r.final_metrics))
        .collect()
}

fn bootstrap_for(cfg: &SimConfig, tag: &str, replicates: u64, resamples: usize) -> Bootstrap {
    let seed = derive_seed(&[
        b"rlvr-audit/bootstrap/v1",
        cfg.canonical_json().as_bytes(),
        tag.as_bytes(),
        &replicates.to_le_bytes(),
    ]);
    Bootstrap::new(replicates as usize, resamples, &seed)
}

fn print_json(v: &impl Serialize) -> Result<()> {
    say!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Checks every cell of a study against the budget (each as if it ran all the study's runs: a
/// bound, since cells differ only in their factor levels).
fn study_within_budget(study: &Study, parallel: bool, b: &crate::cli::BudgetArgs) -> Result<()> {
    let per = if study.outcome.needs_chain() { 4 } else { 1 };
    let runs = factorial::run_count(study).saturating_mul(per);
    for cell in &study.cells {
        within_budget(&cell.config, runs, false, parallel, b)?;
    }
    Ok(())
}

/// Checks `runs` runs of `cfg` against the command's budget before anything is allocated.
fn within_budget(
    cfg: &SimConfig,
    runs: u64,
    trajectory: bool,
    parallel: bool,
    b: &crate::cli::BudgetArgs,
) -> Result<()> {
    let threads = if parallel {
        rayon::current_num_threads() as u64
    } else {
        1
    };
    b.budget().check(cfg, runs, trajectory, threads)?;
    Ok(())
}

fn simulate(a: SimulateArgs) -> Result<()> {
    let cfg = a.sim.resolve()?;
    anyhow::ensure!(a.replicates >= 1, "--replicates must be at least 1");
    within_budget(
        &cfg,
        (a.arm.len() as u64).saturating_mul(a.replicates),
        a.trajectory,
        !a.common.serial,
        &a.common.budget,
    )?;
    let runs = run_many(&cfg, &a.arm, a.replicates, a.trajectory, !a.common.serial);
    let boot = bootstrap_for(&cfg, "simulate", a.replicates, a.common.resamples);
    let summaries: Vec<ArmSummary> = a
        .arm
        .iter()
        .map(|arm| ArmSummary::of(&runs, arm, &boot))
        .collect();
    if a.common.json {
        let arms: serde_json::Map<String, serde_json::Value> = summaries
            .iter()
            .map(|s| {
                let rs: Vec<&RunResult> = runs.iter().filter(|r| r.arm == s.arm).collect();
                (s.arm.to_string(), json!({"final": s, "runs": rs}))
            })
            .collect();
        return print_json(&json!({
            "tool": report::tool(),
            "config": cfg,
            "seeds": seeds_record(&cfg, a.replicates),
            "base_accuracy": base_accuracy(&cfg),
            "interval_method": format!("95% percentile bootstrap over replicates ({} resamples)", a.common.resamples),
            "arms": arms,
        }));
    }
    let mut t = terminal::table(&[
        "arm",
        "base acc",
        "final acc [95% CI]",
        "greedy",
        "pass@k",
        "entropy",
        "groups dropped/run",
    ]);
    for s in &summaries {
        t.add_row(vec![
            s.arm.to_string(),
            format!("{:.4}", s.base_accuracy),
            report::est(&s.accuracy, 4),
            format!("{:.4}", s.greedy.mean),
            format!("{:.4}", s.pass_k.mean),
            format!("{:.4}", s.entropy.mean),
            format!("{:.1}", s.dropped_groups_per_run),
        ]);
    }
    say!("{}", describe(&cfg, a.replicates));
    say!("{t}");
    Ok(())
}

/// Final metrics of one arm over its replicates.
#[derive(Serialize)]
pub struct ArmSummary {
    #[serde(skip)]
    pub arm: Arm,
    pub base_accuracy: f64,
    pub accuracy: Estimate,
    pub greedy: Estimate,
    pub pass_k: Estimate,
    pub entropy: Estimate,
    pub dropped_groups_per_run: f64,
}

impl ArmSummary {
    pub fn of(runs: &[RunResult], arm: &Arm, boot: &Bootstrap) -> ArmSummary {
        let rs: Vec<&RunResult> = runs.iter().filter(|r| &r.arm == arm).collect();
        let e = |f: fn(&Metrics) -> f64| boot.mean_of(&final_of(runs, arm, f));
        ArmSummary {
            arm: arm.clone(),
            base_accuracy: stats::mean(&rs.iter().map(|r| r.base.accuracy).collect::<Vec<_>>()),
            accuracy: e(|m| m.accuracy),
            greedy: e(|m| m.greedy),
            pass_k: e(|m| m.pass_k),
            entropy: e(|m| m.entropy),
            dropped_groups_per_run: stats::mean(
                &rs.iter()
                    .map(|r| r.dropped_groups as f64)
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

/// One line naming the config and seeds behind printed numbers.
pub fn describe(cfg: &SimConfig, replicates: u64) -> String {
    format!(
        "config: family={:?} K={} c={} f={} p_s={} N={} G={} B={} steps={} η={} β={} ({:?} regulariser) update={:?} filter={}; \
         seed {} × {} replicates (run with --json for the full record)",
        cfg.family,
        cfg.answers,
        cfg.correct,
        cfg.format_strength,
        cfg.prior,
        cfg.prompts,
        cfg.group,
        cfg.batch,
        cfg.steps,
        cfg.lr,
        cfg.beta,
        cfg.regulariser,
        cfg.update,
        cfg.filter,
        cfg.seed,
        replicates
    )
}

/// The simulated decomposition of one config over `replicates`.
pub fn simulate_decomposition(
    cfg: &SimConfig,
    chain: &Chain,
    replicates: u64,
    resamples: usize,
    share_tol: f64,
    parallel: bool,
) -> Decomposition {
    let runs = run_many(cfg, &chain.arms, replicates, false, parallel);
    let acc: Vec<Vec<f64>> = chain
        .arms
        .iter()
        .map(|arm| final_of(&runs, arm, |m| m.accuracy))
        .collect();
    let tag: Vec<String> = chain.arms.iter().map(|a| a.to_string()).collect();
    let boot = bootstrap_for(cfg, &tag.join(","), replicates, resamples);
    decompose::decompose(chain, &acc, &boot, share_tol)
}

fn decompose_cmd(a: DecomposeArgs) -> Result<()> {
    let cfg = a.sim.resolve()?;
    anyhow::ensure!(a.replicates >= 1, "--replicates must be at least 1");
    within_budget(
        &cfg,
        (a.chain.len() as u64).saturating_mul(a.replicates),
        false,
        !a.common.serial,
        &a.common.budget,
    )?;
    anyhow::ensure!(a.share_tol >= 0.0, "--share-tol must be ≥ 0");
    let chain = Chain::new(a.chain.clone()).context("invalid --chain")?;
    let d = simulate_decomposition(
        &cfg,
        &chain,
        a.replicates,
        a.common.resamples,
        a.share_tol,
        !a.common.serial,
    );
    let base = base_accuracy(&cfg);
    let cross = crossover(&cfg);
    if a.common.json {
        let mut v = serde_json::to_value(&d)?;
        let obj = v.as_object_mut().expect("a struct serialises to an object");
        obj.insert("tool".into(), report::tool());
        obj.insert("config".into(), serde_json::to_value(&cfg)?);
        obj.insert("seeds".into(), seeds_record(&cfg, a.replicates));
        obj.insert("base_accuracy".into(), json!(base));
        obj.insert("crossover_prior".into(), json!(cross));
        return print_json(&v);
    }
    say!("{}", describe(&cfg, a.replicates));
    say!(
        "base accuracy (exact) {base:.4} at nominal p_s {}; self-consistency crossover of this family at p_s = {cross:.4}",
        cfg.prior
    );
    say_raw!("{}", terminal::decomposition(&d));
    Ok(())
}

fn presets() -> Result<()> {
    for p in config::PRESETS {
        say!("{}: {}", p.name, p.about);
        say!("  {}", serde_json::to_string(&(p.config)())?);
    }
    Ok(())
}

/// The benchmark suite (see `bench.rs` for the workloads).
fn bench(a: BenchArgs) -> Result<()> {
    anyhow::ensure!(a.repeat >= 1, "--repeat must be at least 1");
    let mut suite = crate::bench::suite(a.quick);
    if !a.workloads.is_empty() {
        let names: Vec<&str> = suite.iter().map(|w| w.name).collect();
        if let Some(bad) = a.workloads.iter().find(|n| !names.contains(&n.as_str())) {
            anyhow::bail!(
                "--workload {bad}: no such workload; the suite has {}",
                names.join(", ")
            );
        }
        suite.retain(|w| a.workloads.iter().any(|n| n == w.name));
    }
    let results = crate::bench::measure(&suite, a.repeat);
    let record = json!({
        "tool": report::tool(),
        "cores": rayon::current_num_threads(),
        "repeat": a.repeat,
        "quick": a.quick,
        "run_loop": crate::sim::isa::Isa::detect().to_string(),
        "workloads": results,
        "peak_memory_bytes": crate::bench::peak_memory_bytes(),
    });
    if a.json {
        return print_json(&record);
    }
    let mut t = terminal::table(&[
        "workload",
        "runs",
        "mode",
        "seconds",
        "runs/s",
        "sampled answers/s",
        "updates/s",
    ]);
    for m in &results {
        let rows = m
            .serial
            .iter()
            .map(|s| ("1 core", s))
            .chain(std::iter::once(("all cores", &m.parallel)));
        for (mode, s) in rows {
            t.add_row(vec![
                m.name.to_string(),
                m.runs.to_string(),
                format!("{mode} ({})", s.cores),
                format!("{:.3}", s.seconds),
                format!("{:.0}", s.runs_per_s),
                format!("{:.3e}", s.sampled_answers_per_s),
                format!("{:.3e}", s.updates_per_s),
            ]);
        }
    }
    say!("{t}");
    for m in &results {
        say!("{}: {}", m.name, m.description);
    }
    if let Some(b) = crate::bench::peak_memory_bytes() {
        say!("peak resident memory: {:.1} MiB", b as f64 / 1048576.0);
    }
    let shapes: Vec<String> = crate::sim::run::SIZED_SHAPES
        .iter()
        .map(|(k, g)| format!("K={k} G={g}"))
        .collect();
    say!(
        "run loop: the {} copy (chosen at run time for this CPU), sized for {} and general otherwise",
        crate::sim::isa::Isa::detect(),
        shapes.join(", ")
    );
    Ok(())
}

fn sweep_spec(a: &SweepArgs) -> Result<SweepSpec> {
    let base = a.sim.resolve()?;
    let levels = sweep::parse_levels(&a.levels)
        .map_err(|e| anyhow::anyhow!("invalid value for --levels: {e}"))?;
    anyhow::ensure!(a.replicates >= 1, "--replicates must be at least 1");
    let most = a.gate.escalate_to.unwrap_or(0).max(a.replicates);
    within_budget(
        &base,
        (levels.len() as u64)
            .saturating_mul(a.chain.len() as u64)
            .saturating_mul(most),
        false,
        !a.common.serial,
        &a.common.budget,
    )?;
    Ok(SweepSpec {
        base,
        levels,
        chain: Chain::new(a.chain.clone()).context("invalid --chain")?,
        replicates: a.replicates,
        resamples: a.common.resamples,
        share_tolerance: a.share_tol,
        gate: a.gate.rule()?,
        escalate_to: a.gate.escalate_to,
        parallel: !a.common.serial,
    })
}

fn run_with_progress(spec: &SweepSpec) -> Sweep {
    let pb = progress::bar(sweep::run_count(spec), "sweep");
    let s = sweep::run_sweep(spec, &pb);
    pb.finish_and_clear();
    s
}

/// Writes `<dir>/sweep.md` and `<dir>/figures/sweep.svg`.
fn write_sweep(s: &Sweep, dir: &Path, regenerate: &str) -> Result<()> {
    write_atomic(
        &dir.join("figures/sweep.svg"),
        report::svg::sweep_figure(s)?.as_bytes(),
    )?;
    write_atomic(
        &dir.join("sweep.md"),
        report::markdown::sweep(s, regenerate).as_bytes(),
    )
}

/// How sweep reports name the command that rebuilds them: the same text for a single run and a
/// merge of its shards, so both write the same bytes.
const SWEEP_REGENERATE: &str =
    "rlvr-audit sweep with the config, levels and replicates recorded in this report";

/// Everything a merge needs to rebuild a sweep.
fn sweep_spec_record(spec: &SweepSpec) -> serde_json::Value {
    json!({
        "base": spec.base,
        "levels": spec.levels,
        "chain": spec.chain.arms.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "replicates": spec.replicates,
        "resamples": spec.resamples,
        "share_tolerance": spec.share_tolerance,
        "gate": spec.gate,
    })
}

fn sweep_spec_from_record(v: &serde_json::Value) -> Result<SweepSpec> {
    let chain: Vec<String> = serde_json::from_value(v["chain"].clone())?;
    let arms = chain
        .iter()
        .map(|a| a.parse::<Arm>().map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    Ok(SweepSpec {
        base: serde_json::from_value(v["base"].clone())?,
        levels: serde_json::from_value(v["levels"].clone())?,
        chain: Chain::new(arms)?,
        replicates: serde_json::from_value(v["replicates"].clone())?,
        resamples: serde_json::from_value(v["resamples"].clone())?,
        share_tolerance: serde_json::from_value(v["share_tolerance"].clone())?,
        gate: serde_json::from_value(v["gate"].clone())?,
        escalate_to: None,
        parallel: true,
    })
}

fn print_sweep(s: &Sweep, json: bool, replicates: u64) -> Result<()> {
    if json {
        let mut v = serde_json::to_value(s)?;
        v.as_object_mut()
            .expect("object")
            .insert("tool".into(), report::tool());
        v.as_object_mut()
            .expect("object")
            .insert("seeds".into(), seeds_record(&s.config, replicates));
        return print_json(&v);
    }
    say!("{}", describe(&s.config, replicates));
    say_raw!("{}", terminal::sweep(s));
    Ok(())
}

fn sweep_cmd(a: SweepArgs) -> Result<()> {
    let spec = sweep_spec(&a)?;
    if let (Some(shard), Some(out)) = (a.shard.shard, &a.shard.shard_out) {
        anyhow::ensure!(
            spec.escalate_to.is_none(),
            "--escalate-to cannot be sharded: run it on one machine"
        );
        let cells = sweep::cells_of(&spec);
        let jobs = sweep::jobs_of(&cells, &spec.chain);
        let n = crate::shard::write(
            out,
            "sweep",
            &sweep_spec_record(&spec),
            shard,
            jobs.len(),
            spec.parallel,
            |j| sweep::job_value(&cells, &spec.chain, jobs[j]),
        )?;
        eprintln!(
            "wrote {n} of {} runs to {} (shard {}/{})",
            jobs.len(),
            out.display(),
            shard.index,
            shard.count
        );
        return Ok(());
    }
    let s = run_with_progress(&spec);
    if let Some(dir) = &a.out {
        write_sweep(&s, dir, SWEEP_REGENERATE)?;
        eprintln!("wrote {}", dir.join("sweep.md").display());
    }
    print_sweep(&s, a.common.json, a.replicates)
}

/// Everything a merge needs to rebuild a factorial study.
fn factorial_spec_record(
    study: &Study,
    path: &Path,
    lock: &lock::Lock,
    resamples: usize,
) -> serde_json::Value {
    json!({"path": path.display().to_string(), "study": study.file, "lock": lock, "resamples": resamples})
}

/// The most jobs a merge accepts (a spec edited to ask for more is refused before allocation).
const MAX_MERGED_JOBS: u64 = 100_000_000;

fn merge_cmd(a: MergeArgs) -> Result<()> {
    let (h, values) = crate::shard::merge(&a.files, |h| match h.command.as_str() {
        "sweep" => {
            let spec = sweep_spec_from_record(&h.spec)?;
            (spec.levels.len() as u64)
                .checked_mul(spec.chain.arms.len() as u64)
                .and_then(|n| n.checked_mul(spec.replicates))
                .filter(|&n| n <= MAX_MERGED_JOBS)
                .map(|n| n as usize)
                .with_context(|| format!("the spec asks for more than {MAX_MERGED_JOBS} runs"))
        }
        "factorial" => Ok(factorial::jobs(&study_of_shard(&h.spec)?.0).len()),
        other => anyhow::bail!("shards of `{other}` cannot be merged"),
    })?;
    match h.command.as_str() {
        "sweep" => {
            let spec = sweep_spec_from_record(&h.spec)?;
            let cells = sweep::cells_of(&spec);
            let s = sweep::assemble(&spec, &sweep::group(&cells, &spec.chain, &values));
            if let Some(dir) = &a.out {
                write_sweep(&s, dir, SWEEP_REGENERATE)?;
                eprintln!("wrote {}", dir.join("sweep.md").display());
            }
            print_sweep(&s, a.json, spec.replicates)
        }
        "factorial" => {
            let (study, path, l) = study_of_shard(&h.spec)?;
            let r = factorial::assemble(
                &study,
                &path.display().to_string(),
                l,
                study.file.resamples,
                &values,
            )?;
            finish_factorial(&r, &path, a.out.as_deref(), a.json)
        }
        other => anyhow::bail!("shards of `{other}` cannot be merged"),
    }
}

/// The study a factorial shard ran, checked like `factorial` checks it: the study file must be
/// where the shard says, verify against its lock, and be the study (and lock and analysis) the
/// shard recorded.
fn study_of_shard(spec: &serde_json::Value) -> Result<(Study, PathBuf, lock::Lock)> {
    let path = PathBuf::from(
        spec["path"]
            .as_str()
            .context("the shard names no study file")?,
    );
    let recorded: factorial::study::StudyFile = serde_json::from_value(spec["study"].clone())?;
    let recorded = Study::from_file(&path, recorded)?;
    let on_disk = Study::load(&path).with_context(|| {
        format!(
            "the shard's study {} must be present to merge",
            path.display()
        )
    })?;
    let l = lock::verify(&path, &on_disk)?;
    anyhow::ensure!(
        recorded.canonical() == on_disk.canonical(),
        "{}: the shard ran a different study than the locked file",
        path.display()
    );
    let shard_lock: lock::Lock = serde_json::from_value(spec["lock"].clone())?;
    anyhow::ensure!(
        shard_lock.current() == l.current(),
        "{}: the shard's lock ({}) is not the study's lock ({})",
        path.display(),
        shard_lock.current(),
        l.current()
    );
    let resamples: usize = serde_json::from_value(spec["resamples"].clone())?;
    anyhow::ensure!(
        resamples == on_disk.file.resamples,
        "{}: the shard's analysis used {resamples} resamples, the locked study {}",
        path.display(),
        on_disk.file.resamples
    );
    Ok((on_disk, path, l))
}

/// The main job: regenerate every report. Descriptors and studies are checked before anything
/// is written, so an invalid one leaves every report as it was. With `--json` stdout carries
/// only the JSON record of the audits; progress goes to stderr.
fn report_cmd(a: ReportArgs) -> Result<()> {
    let results = audit_dir(&a.audits_dir, &a.paper_cache)?;
    let missing = report::papers::read_not_audited(&a.not_audited)?;
    let studies = studies_in(&a.prereg_dir)?;
    for study in &studies {
        let s = Study::load(study)?;
        lock::verify(study, &s)?;
    }
    let spec = SweepSpec {
        base: config::paper(),
        levels: vec![0.2, 0.35, 0.5, 0.65, 0.8],
        chain: Chain::new(Arm::default_chain()).expect("the default chain is valid"),
        replicates: 8,
        resamples: stats::DEFAULT_RESAMPLES,
        share_tolerance: decompose::DEFAULT_SHARE_TOLERANCE,
        gate: GateRule::default(),
        escalate_to: None,
        parallel: !a.serial,
    };
    let s = run_with_progress(&spec);
    write_sweep(&s, &a.reports_dir, "cargo run --release -- report")?;
    note!(
        a.json,
        "seed paper's sweep (paper preset, 8 replicates per level):"
    );
    note!(a.json, "{}", terminal::sweep(&s).trim_end());
    note!(a.json, "wrote {}", a.reports_dir.join("sweep.md").display());
    {
        for r in &results {
            write_audit(r, &a.reports_dir)?;
        }
        remove_stale_audit_reports(&a.reports_dir, &results)?;
        write_atomic(
            &a.reports_dir.join("README.md"),
            report::audit::summary(
                &results,
                a.audits_dir.display().to_string().trim_end_matches('/'),
                &missing,
            )
            .as_bytes(),
        )?;
        write_paper_pages(&a.reports_dir, &results, &missing)?;
        let files = audits::descriptor_files(&a.audits_dir)?;
        let (descriptors, _) = audits::load_set(&files, &a.paper_cache);
        let evidence = audits::measured_nulls(&descriptors, &Thresholds::default());
        write_atomic(
            &a.reports_dir.join("null-evidence.md"),
            report::audit::null_evidence(&evidence).as_bytes(),
        )?;
        note!(a.json, "\naudits ({}):", results.len());
        note!(a.json, "{}", report::audit::terminal_summary(&results));
        note!(
            a.json,
            "wrote {}",
            a.reports_dir.join("README.md").display()
        );
        note!(
            a.json,
            "wrote {}",
            a.reports_dir.join("null-evidence.md").display()
        );
    }
    let e = crate::entropy::study(&config::paper(), 4);
    write_entropy(&e, &a.reports_dir, "cargo run --release -- report")?;
    note!(
        a.json,
        "wrote {}",
        a.reports_dir.join("entropy.md").display()
    );
    for study in studies {
        let r = run_factorial(&study, None, !a.serial, &crate::cli::BudgetArgs::default())?;
        let out = write_factorial(&r, &study, &a.reports_dir, "cargo run --release -- report")?;
        note!(a.json, "\n{} ({}):", r.title, study.display());
        note!(a.json, "{}", terminal::factorial(&r).trim_end());
        note!(a.json, "wrote {}", out.display());
    }
    if a.json {
        print_json(&results)?;
    }
    Ok(())
}

/// The study files of a directory, sorted.
fn studies_in(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    anyhow::ensure!(
        dir.is_dir(),
        "{}: no pre-registration directory (give --prereg-dir)",
        dir.display()
    );
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    v.sort();
    Ok(v)
}

/// Loads, verifies against its lock, and runs a study.
fn run_factorial(
    path: &Path,
    resamples: Option<usize>,
    parallel: bool,
    budget: &crate::cli::BudgetArgs,
) -> Result<FactorialResult> {
    let study = Study::load(path)?;
    let l = lock::verify(path, &study)?;
    if let Some(r) = resamples {
        locked_resamples(&study, path, r)?;
    }
    study_within_budget(&study, parallel, budget)?;
    let pb = progress::bar(factorial::run_count(&study), "factorial");
    let r = factorial::run_study(
        &study,
        &path.display().to_string(),
        l,
        study.file.resamples,
        parallel,
        &pb,
    )?;
    pb.finish_and_clear();
    Ok(r)
}

fn write_factorial(
    r: &FactorialResult,
    path: &Path,
    dir: &Path,
    regenerate: &str,
) -> Result<std::path::PathBuf> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "study".into());
    let figure = format!("figures/factorial-{stem}.svg");
    write_atomic(
        &dir.join(&figure),
        report::svg::factorial_figure(r)?.as_bytes(),
    )?;
    let md = dir.join(format!("factorial-{stem}.md"));
    write_atomic(
        &md,
        report::markdown::factorial(r, regenerate, &figure).as_bytes(),
    )?;
    Ok(md)
}

fn factorial_cmd(a: FactorialArgs) -> Result<()> {
    if let (Some(shard), Some(out)) = (a.shard.shard, &a.shard.shard_out) {
        let study = Study::load(&a.file)?;
        let l = lock::verify(&a.file, &study)?;
        locked_resamples(&study, &a.file, a.common.resamples)?;
        study_within_budget(&study, !a.common.serial, &a.common.budget)?;
        let jobs = factorial::jobs(&study);
        let spec = factorial_spec_record(&study, &a.file, &l, study.file.resamples);
        let n = crate::shard::write(
            out,
            "factorial",
            &spec,
            shard,
            jobs.len(),
            !a.common.serial,
            |j| factorial::job_value(&study, jobs[j]),
        )?;
        eprintln!(
            "wrote {n} of {} jobs to {} (shard {}/{})",
            jobs.len(),
            out.display(),
            shard.index,
            shard.count
        );
        return Ok(());
    }
    let r = run_factorial(
        &a.file,
        Some(a.common.resamples),
        !a.common.serial,
        &a.common.budget,
    )?;
    finish_factorial(&r, &a.file, a.out.as_deref(), a.common.json)
}

/// The analysis of a study is locked with it: `--resamples` may only repeat the study's value.
fn locked_resamples(study: &Study, path: &Path, flag: usize) -> Result<()> {
    anyhow::ensure!(
        flag == study.file.resamples,
        "{}: the study's analysis is locked with {} bootstrap resamples; --resamples {flag} would change it \
         (edit the study's `resamples` and record it with `rlvr-audit prereg amend`)",
        path.display(),
        study.file.resamples
    );
    Ok(())
}

fn finish_factorial(
    r: &FactorialResult,
    path: &Path,
    out: Option<&Path>,
    json: bool,
) -> Result<()> {
    if let Some(dir) = out {
        let md = write_factorial(
            r,
            path,
            dir,
            &format!("rlvr-audit factorial {}", path.display()),
        )?;
        eprintln!("wrote {}", md.display());
    }
    if json {
        let mut v = serde_json::to_value(r)?;
        v.as_object_mut()
            .expect("object")
            .insert("tool".into(), report::tool());
        return print_json(&v);
    }
    say!("{} — lock {}", r.title, r.lock.current());
    say_raw!("{}", terminal::factorial(r));
    Ok(())
}

fn prereg_cmd(c: PreregCommand) -> Result<()> {
    match c {
        PreregCommand::Lock { file } => {
            let l = lock::lock(&file, &Study::load(&file)?)?;
            say!(
                "locked {} at {} (sha256 {})",
                file.display(),
                l.locked_at,
                l.sha256
            );
        }
        PreregCommand::Verify { file } => {
            let l = lock::verify(&file, &Study::load(&file)?)?;
            say!(
                "{} matches its lock (sha256 {}, {} amendment(s))",
                file.display(),
                l.current(),
                l.amendments.len()
            );
        }
        PreregCommand::Amend { file, why } => {
            anyhow::ensure!(
                !why.trim().is_empty(),
                "--why must give the reason for the amendment"
            );
            let l = lock::amend(&file, &Study::load(&file)?, &why)?;
            say!(
                "recorded amendment {} of {} (sha256 {})",
                l.amendments.len(),
                file.display(),
                l.current()
            );
        }
    }
    Ok(())
}

/// Loads and audits every descriptor of a directory; any invalid descriptor fails the whole run
/// with every error listed (none is skipped) before anything is written.
fn audit_dir(dir: &Path, cache: &Path) -> Result<Vec<AuditResult>> {
    anyhow::ensure!(
        dir.is_dir(),
        "{}: no audits directory (give --audits-dir)",
        dir.display()
    );
    let files = audits::descriptor_files(dir)?;
    let (descriptors, errors) = audits::load_set(&files, cache);
    if !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::bail!(
            "{} error(s) in the descriptors; nothing was written:\n{}",
            errors.len(),
            list.join("\n")
        );
    }
    let pb = progress::bar(descriptors.len() as u64, "audits");
    let results = descriptors
        .iter()
        .map(|d| {
            let r = audits::audit(d, &descriptors, &Thresholds::default());
            pb.inc(1);
            r
        })
        .collect();
    pb.finish_and_clear();
    Ok(results)
}

/// Writes `papers/<paper>.md` and its figure for every paper, and removes the pages of papers
/// that no longer have one (the `papers/` directory is the tool's own).
fn write_paper_pages(
    dir: &Path,
    results: &[AuditResult],
    missing: &[report::papers::NotAudited],
) -> Result<()> {
    let papers = report::papers::group(results, missing);
    let pages = dir.join("papers");
    let mut written: std::collections::BTreeSet<std::ffi::OsString> = Default::default();
    for p in &papers {
        let slug = p.slug();
        let figure = match report::papers::figure(p)? {
            Some(svg) => {
                let rel = format!("figures/{slug}.svg");
                write_atomic(&pages.join(&rel), svg.as_bytes())?;
                written.insert(format!("{slug}.svg").into());
                Some(rel)
            }
            None => None,
        };
        write_atomic(
            &pages.join(format!("{slug}.md")),
            report::papers::page(p, figure.as_deref()).as_bytes(),
        )?;
        written.insert(format!("{slug}.md").into());
    }
    for sub in [pages.clone(), pages.join("figures")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for e in entries.flatten() {
                if e.path().is_file() && !written.contains(&e.file_name()) {
                    std::fs::remove_file(e.path())
                        .with_context(|| format!("cannot remove {}", e.path().display()))?;
                }
            }
        }
    }
    Ok(())
}

/// Removes the reports and figures of audits whose descriptors are gone: a file `<id>.md` that
/// this tool wrote (its first line is `# Audit: <id>`) and a `figures/<id>/` directory of
/// waterfalls, for an id that no longer has a descriptor. Nothing else is touched.
fn remove_stale_audit_reports(dir: &Path, results: &[AuditResult]) -> Result<()> {
    let live: std::collections::BTreeSet<&str> = results.iter().map(|r| r.id.as_str()).collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let p = e.path();
        let Some(id) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".md"))
        else {
            continue;
        };
        let ours = std::fs::read_to_string(&p)
            .ok()
            .and_then(|t| t.lines().next().map(|l| l == format!("# Audit: {id}")))
            .unwrap_or(false);
        if ours && !live.contains(id) {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    if let Ok(figs) = std::fs::read_dir(dir.join("figures")) {
        for e in figs.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() && !live.contains(name.as_str()) {
                std::fs::remove_dir_all(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
            }
        }
    }
    Ok(())
}

/// Writes an audit's report and one waterfall per target.
fn write_audit(r: &AuditResult, dir: &Path) -> Result<std::path::PathBuf> {
    for t in &r.targets {
        if let Some(j) = t.judgements.first() {
            let figure = report::audit::figure_path(r, t);
            write_atomic(
                &dir.join(&figure),
                report::svg::waterfall(&r.id, &t.arm, j)?.as_bytes(),
            )?;
        }
    }
    let md = dir.join(format!("{}.md", r.id));
    write_atomic(&md, report::audit::report(r).as_bytes())?;
    Ok(md)
}

/// The descriptors `files` name, loaded with every other descriptor in their directories and in
/// `extra` (the lenders of borrowed arms and the measured nulls); errors are those of `files`
/// only.
fn load_with_neighbours(
    files: &[PathBuf],
    extra: Option<&Path>,
    cache: &Path,
) -> Result<(
    Vec<audits::descriptor::Descriptor>,
    Vec<crate::yaml::LoadError>,
)> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut seen: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    let mut all: Vec<PathBuf> = Vec::new();
    let mut add = |p: PathBuf, all: &mut Vec<PathBuf>| {
        if seen.insert(canon(&p)) {
            all.push(p);
        }
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for f in files {
        let dir = f
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dirs.iter().any(|d| d == dir) {
            dirs.push(dir.to_path_buf());
        }
    }
    if let Some(e) = extra.filter(|e| e.is_dir()) {
        dirs.push(e.to_path_buf());
    }
    for f in files {
        add(f.clone(), &mut all);
    }
    for dir in &dirs {
        if dir.is_dir() {
            for n in audits::descriptor_files(dir)? {
                add(n, &mut all);
            }
        }
    }
    let (descriptors, errors) = audits::load_set(&all, cache);
    let wanted: std::collections::BTreeSet<PathBuf> = files.iter().map(|f| canon(f)).collect();
    let own = errors
        .into_iter()
        .filter(|e| wanted.contains(&canon(&e.path)))
        .collect();
    Ok((descriptors, own))
}

/// The descriptor `file` audited against the descriptors of its directory and of `dir`.
fn audit_one(file: &Path, dir: &Path, cache: &Path) -> Result<AuditResult> {
    anyhow::ensure!(file.exists(), "{}: no such file", file.display());
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (descriptors, own) = load_with_neighbours(&[file.to_path_buf()], Some(dir), cache)?;
    if !own.is_empty() {
        let list: Vec<String> = own.iter().map(|e| e.to_string()).collect();
        anyhow::bail!("{}", list.join("\n"));
    }
    let me = canon(file);
    let d = descriptors
        .iter()
        .find(|d| canon(&d.path) == me)
        .ok_or_else(|| anyhow::anyhow!("{}: not loaded", file.display()))?;
    Ok(audits::audit(d, &descriptors, &Thresholds::default()))
}

fn validate_cmd(a: ValidateArgs) -> Result<()> {
    let targets = if a.paths.is_empty() {
        vec![std::path::PathBuf::from("audits")]
    } else {
        a.paths
    };
    let mut files = Vec::new();
    for t in &targets {
        if t.is_dir() {
            files.extend(audits::descriptor_files(t)?);
        } else {
            files.push(t.clone());
        }
    }
    anyhow::ensure!(
        !files.is_empty(),
        "no descriptor files found in {:?}",
        targets
    );
    let (ok, errors) = load_with_neighbours(&files, None, &a.paper_cache)?;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let named: Vec<PathBuf> = files.iter().map(|f| canon(f)).collect();
    let mut warned = 0;
    for d in ok.iter().filter(|d| named.contains(&canon(&d.path))) {
        for w in &d.warnings {
            eprintln!("warning: {w}");
            warned += 1;
        }
    }
    for e in &errors {
        eprintln!("{e}");
    }
    let bad: std::collections::BTreeSet<PathBuf> = errors.iter().map(|e| canon(&e.path)).collect();
    anyhow::ensure!(
        errors.is_empty(),
        "{} error(s) in {} of {} descriptor(s)",
        errors.len(),
        bad.len(),
        files.len()
    );
    say!(
        "{} descriptor(s) valid{}",
        files.len(),
        if warned > 0 {
            format!(", {warned} warning(s)")
        } else {
            String::new()
        }
    );
    Ok(())
}

fn audit_cmd(a: AuditArgs) -> Result<()> {
    let r = audit_one(&a.file, &a.audits_dir, &a.paper_cache)?;
    let md = write_audit(&r, &a.reports_dir)?;
    if a.json {
        return print_json(&r);
    }
    say!(
        "{}",
        report::audit::terminal_summary(std::slice::from_ref(&r))
    );
    say!("wrote {}", md.display());
    Ok(())
}

/// `check`: 0 SURVIVES, 1 NOT_SHOWN, 3 UNDETERMINED (errors exit 2 from `main`).
fn check_cmd(a: CheckArgs) -> Result<u8> {
    let r = audit_one(&a.file, &a.audits_dir, &a.paper_cache)?;
    let verdict = r.survival();
    if a.json {
        print_json(&json!({
            "id": r.id,
            "survival": verdict,
            "exit_code": verdict.exit_code(),
            "targets": r.targets.iter().map(|t| json!({
                "arm": t.arm,
                "readings": t.judgements.iter().map(|j| json!({
                    "reading": j.reading,
                    "survival": j.survival,
                    "three_way": j.three_way,
                    "two_way": j.two_way,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "null_evidence": r.null_evidence,
        }))?;
    } else {
        say_raw!("{}", report::audit::check_text(&r));
    }
    Ok(verdict.exit_code())
}

fn fetch_cmd(a: FetchArgs) -> Result<()> {
    use crate::fetch::{self, FetchOptions, HttpFetcher, PaperId, cache, extract};
    let id = PaperId::parse(&a.id)?;
    let key = id.key();
    let (html, url) = if a.offline {
        let page = cache::paper_dir(&a.cache_dir, &key).join("page.html");
        let html = std::fs::read_to_string(&page).with_context(|| {
            format!(
                "{}: no cached page for `{key}` (offline mode reads the cache only)",
                page.display()
            )
        })?;
        let index = cache::read_index(&a.cache_dir, &key).ok();
        (
            html,
            index.map_or_else(|| page.display().to_string(), |i| i.source_url),
        )
    } else {
        anyhow::ensure!(
            (1..=1024).contains(&a.max_mib) && (1..=3600).contains(&a.timeout_secs),
            "--max-mib must be from 1 to 1024 and --timeout-secs from 1 to 3600"
        );
        anyhow::ensure!(
            a.retries <= 10 && a.backoff_ms <= 60_000,
            "--retries may be at most 10 and --backoff-ms at most 60000"
        );
        anyhow::ensure!(
            !a.cache_dir.exists() || a.cache_dir.is_dir(),
            "{}: --cache-dir is not a directory",
            a.cache_dir.display()
        );
        let opts = FetchOptions {
            read_timeout: std::time::Duration::from_secs(a.timeout_secs),
            retries: a.retries,
            backoff: std::time::Duration::from_millis(a.backoff_ms),
            max_bytes: a.max_mib * 1024 * 1024,
            ..FetchOptions::default()
        };
        let f = HttpFetcher::new(&opts)?;
        fetch::fetch_html(&f, &fetch::base_url(a.base_url.as_deref()), &id, &opts)?
    };
    let tables = extract::extract(&html, true).map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let dir = cache::write(&a.cache_dir, &key, &url, &lock::now_utc(), &html, &tables)?;
    let mut t = terminal::table(&[
        "#",
        "table",
        "float id",
        "rows × cols",
        "header rows/cols",
        "caption",
    ]);
    for tb in &tables {
        let cap: String = tb.caption.chars().take(70).collect();
        t.add_row(vec![
            tb.index.to_string(),
            tb.display_name(),
            tb.float_id.clone(),
            format!("{} × {}", tb.rows(), tb.cols()),
            format!("{}/{}", tb.header_rows, tb.header_cols),
            cap,
        ]);
    }
    say!("{t}");
    say!(
        "{} table(s) from {url} cached in {}",
        tables.len(),
        dir.display()
    );
    Ok(())
}

fn tables_cmd(a: TablesArgs) -> Result<()> {
    use crate::fetch::{PaperId, cache};
    let key = PaperId::parse(&a.id)?.key();
    let index = cache::read_index(&a.cache_dir, &key)?;
    match &a.show {
        None => {
            let mut t = terminal::table(&["#", "table", "float id", "rows × cols", "caption"]);
            for m in &index.tables {
                let name = m.tag.clone().unwrap_or_else(|| m.float_id.clone());
                let name = m
                    .panel
                    .as_ref()
                    .map_or(name.clone(), |p| format!("{name} {p}"));
                t.add_row(vec![
                    m.index.to_string(),
                    name,
                    m.float_id.clone(),
                    format!("{} × {}", m.rows, m.cols),
                    m.caption.chars().take(70).collect(),
                ]);
            }
            say!("{t}");
            say!(
                "{} (retrieved {} from {})",
                key,
                index.retrieved,
                index.source_url
            );
        }
        Some(name) => {
            let found = cache::find(&index, name);
            let meta = match found.as_slice() {
                [one] => *one,
                [] => anyhow::bail!(
                    "{key} has no table \"{name}\" (run `rlvr-audit tables {key}` for the list)"
                ),
                many => anyhow::bail!(
                    "\"{name}\" matches {} tables ({}); name one by float id",
                    many.len(),
                    many.iter()
                        .map(|m| m.float_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let tb = cache::read_table(&a.cache_dir, &key, meta)?;
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            for (i, row) in tb.cells.iter().enumerate() {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| format!("{}{}", c.text, if c.bold { " (bold)" } else { "" }))
                    .collect();
                if i < tb.header_rows {
                    if i == 0 {
                        t.set_header(cells);
                    } else {
                        t.add_row(cells);
                    }
                } else {
                    t.add_row(cells);
                }
            }
            say!("{}: {}", tb.display_name(), tb.caption);
            say!("{t}");
        }
    }
    Ok(())
}

fn write_entropy(e: &crate::entropy::EntropyReport, dir: &Path, regenerate: &str) -> Result<()> {
    write_atomic(
        &dir.join("figures/entropy-law.svg"),
        report::svg::entropy_law(e)?.as_bytes(),
    )?;
    write_atomic(
        &dir.join("figures/entropy-dynamics.svg"),
        report::svg::entropy_dynamics(e)?.as_bytes(),
    )?;
    write_atomic(
        &dir.join("entropy.md"),
        report::markdown::entropy(e, regenerate).as_bytes(),
    )
}

fn entropy_cmd(a: EntropyArgs) -> Result<()> {
    anyhow::ensure!(a.replicates >= 1, "--replicates must be at least 1");
    let cfg = a.sim.resolve()?;
    let e = crate::entropy::study(&cfg, a.replicates);
    if let Some(dir) = &a.out {
        write_entropy(
            &e,
            dir,
            "rlvr-audit entropy with the config and replicates recorded in this report",
        )?;
        eprintln!("wrote {}", dir.join("entropy.md").display());
    }
    if a.json {
        return print_json(&e);
    }
    say_raw!("{}", terminal::entropy(&e));
    Ok(())
}

/// `new`: drafts descriptors from a paper's cached tables.
fn new_cmd(a: crate::cli::NewArgs) -> Result<()> {
    use crate::draft;
    let key = crate::fetch::PaperId::parse(&a.id)?.key();
    let syn = draft::Synonyms::load(&a.synonyms)?;
    let filter = draft::Filter {
        table: a.table.clone(),
        model: a.model.clone(),
        benchmark: a.benchmark.clone(),
    };
    let found = draft::drafts(&a.cache_dir, &key, &syn, &filter)?;
    anyhow::ensure!(
        !found.is_empty(),
        "no table of {key} names training arms that the synonyms in {} recognise (a base and at least \
         one other role); see `rlvr-audit tables {key}`, or extend the synonyms",
        a.synonyms.display()
    );
    let paths: Vec<PathBuf> = found
        .iter()
        .map(|d| a.out.join(format!("{}.yaml", d.id)))
        .collect();
    if !a.dry_run {
        let existing: Vec<String> = paths
            .iter()
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        anyhow::ensure!(
            a.force || existing.is_empty(),
            "refusing to overwrite {} (pass --force to replace)",
            existing.join(", ")
        );
        std::fs::create_dir_all(&a.out)
            .with_context(|| format!("{}: cannot create", a.out.display()))?;
        let (title, authors) = draft::title_and_authors(&a.cache_dir, &key);
        for (d, p) in found.iter().zip(&paths) {
            let text = draft::render(d, title.as_deref(), authors.as_deref());
            write_atomic(p, text.as_bytes())?;
        }
    }
    if a.json {
        return print_json(&json!({
            "paper": key,
            "written": !a.dry_run,
            "drafts": found.iter().zip(&paths).map(|(d, p)| json!({
                "path": p.display().to_string(),
                "draft": d,
            })).collect::<Vec<_>>(),
        }));
    }
    for (d, p) in found.iter().zip(&paths) {
        say!(
            "{} {} — {} ({}), model {}, benchmark {}, metric {}",
            if a.dry_run { "would write" } else { "wrote" },
            p.display(),
            d.table,
            d.layout,
            d.model.as_deref().unwrap_or("TODO"),
            d.benchmark,
            d.metric.as_deref().unwrap_or("pass@1 (assumed: TODO)")
        );
        for arm in &d.arms {
            say!(
                "    {:<16} {:<10} {:>8}{}  row \"{}\", column \"{}\"",
                arm.name,
                arm.role,
                arm.printed,
                arm.spread
                    .as_ref()
                    .map_or(String::new(), |s| format!(" ± {s}")),
                arm.row,
                arm.column
            );
        }
    }
    say!(
        "{} draft(s); fill in every TODO, then `rlvr-audit validate`",
        found.len()
    );
    Ok(())
}
