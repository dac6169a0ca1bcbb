//! `simulate`, `decompose`, `presets` and `bench`: runs of the simulator and their tables.

use super::*;

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

pub(crate) fn final_of(runs: &[RunResult], arm: &Arm, f: fn(&Metrics) -> f64) -> Vec<f64> {
    runs.iter()
        .filter(|r| &r.arm == arm)
        .map(|r| f(&r.final_metrics))
        .collect()
}

pub(crate) fn simulate(a: SimulateArgs) -> Result<()> {
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
    let boot = decompose::bootstrap_for(&cfg, "simulate", a.replicates, a.common.resamples);
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
        "config: family={:?}{} K={} c={} f={} p_s={} N={} G={} B={} steps={} η={} β={} ({:?} regulariser) update={:?} filter={}; \
         seed {} × {} replicates (run with --json for the full record)",
        cfg.family,
        cfg.format_gate_text(),
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

pub(crate) fn decompose_cmd(a: DecomposeArgs) -> Result<()> {
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
    let d = decompose::simulate_decomposition(
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

pub(crate) fn presets() -> Result<()> {
    for p in config::PRESETS {
        say!("{}: {}", p.name, p.about);
        say!("  {}", serde_json::to_string(&(p.config)())?);
    }
    Ok(())
}

/// The benchmark suite (see `bench.rs` for the workloads).
pub(crate) fn bench(a: BenchArgs) -> Result<()> {
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
