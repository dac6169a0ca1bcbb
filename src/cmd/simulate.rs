//! `simulate`, `decompose`, `presets` and `bench`: runs of the simulator and their tables.

use super::*;

/// The config of a command that runs each of `arms` arms `replicates` times: the preset with the
/// flags applied, its runs checked against the command's budget.
fn budgeted_config(
    sim: &crate::cli::SimArgs,
    common: &crate::cli::CommonArgs,
    arms: usize,
    replicates: u64,
    trajectory: bool,
) -> Result<SimConfig> {
    let cfg = sim.resolve()?;
    anyhow::ensure!(replicates >= 1, "--replicates must be at least 1");
    within_budget(
        &cfg,
        (arms as u64).saturating_mul(replicates),
        trajectory,
        !common.serial,
        &common.budget,
    )?;
    Ok(cfg)
}

pub(crate) fn simulate(a: SimulateArgs) -> Result<()> {
    let cfg = budgeted_config(&a.sim, &a.common, a.arm.len(), a.replicates, a.trajectory)?;
    let runs = run_many(&cfg, &a.arm, a.replicates, a.trajectory, !a.common.serial);
    let boot = decompose::bootstrap_for(&cfg, "simulate", a.replicates, a.common.resamples);
    let summaries: Vec<ArmSummary> = a
        .arm
        .iter()
        .map(|arm| ArmSummary::of(&runs, arm, &boot))
        .collect();
    if a.common.json {
        let arms = summaries
            .iter()
            .map(|s| {
                let runs = runs.iter().filter(|r| r.arm == s.arm).collect();
                (s.arm.to_string(), SimulatedArm { summary: s, runs })
            })
            .collect();
        return print_record(&SimulateRecord {
            tool: report::tool(),
            config: &cfg,
            seeds: Seeds::of(cfg.seed, a.replicates),
            base_accuracy: base_accuracy(&cfg),
            interval_method: format!(
                "95% percentile bootstrap over replicates ({} resamples)",
                a.common.resamples
            ),
            arms,
        });
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
    let cfg = budgeted_config(&a.sim, &a.common, a.chain.len(), a.replicates, false)?;
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
        return print_record(&DecomposeRecord {
            decomposition: &d,
            tool: report::tool(),
            config: &cfg,
            seeds: Seeds::of(cfg.seed, a.replicates),
            base_accuracy: base,
            crossover_prior: cross,
        });
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
    // The simulator workloads by default; the `report` ones (tens of seconds cold) when named.
    let mut suite = crate::bench::suite(a.quick);
    if !a.workloads.is_empty() {
        suite.extend(crate::bench::report_workloads());
        let names: Vec<&str> = suite.iter().map(|w| w.name).collect();
        if let Some(bad) = a.workloads.iter().find(|n| !names.contains(&n.as_str())) {
            anyhow::bail!(
                "--workload {bad}: no such workload; the suite has {}",
                names.join(", ")
            );
        }
        suite.retain(|w| a.workloads.iter().any(|n| n == w.name));
    }
    let results = crate::bench::measure(&suite, a.repeat)?;
    if a.json {
        return print_record(&crate::bench::BenchRecord {
            tool: report::tool(),
            cores: rayon::current_num_threads(),
            repeat: a.repeat,
            quick: a.quick,
            run_loop: crate::sim::isa::Isa::detect().to_string(),
            workloads: &results,
            peak_memory_bytes: crate::bench::peak_memory_bytes(),
        });
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
            let rate = |r: Option<f64>, f: fn(f64) -> String| r.map_or("—".to_string(), f);
            t.add_row(vec![
                m.name.to_string(),
                m.runs.to_string(),
                format!("{mode} ({})", s.cores),
                format!("{:.3}", s.seconds),
                rate(s.runs_per_s, |x| format!("{x:.0}")),
                rate(s.sampled_answers_per_s, |x| format!("{x:.3e}")),
                rate(s.updates_per_s, |x| format!("{x:.3e}")),
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
