//! The commands: one short recipe per command family (parse → run the stage → write the views),
//! in the submodules; this module dispatches and holds what every recipe shares.

/// `println!` to stdout, except that a closed stdout (`rlvr-audit … | head`) ends the process
/// quietly, as it would end any Unix filter, instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($t)*) {
            $crate::cmd::stdout_failed(e)
        }
    }};
}

/// [`say!`] without the newline.
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($t)*) {
            $crate::cmd::stdout_failed(e)
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

pub(crate) use crate::audit::{self as audits, AuditResult, Thresholds, fit::FitCache};
pub(crate) use crate::cli::{
    AuditArgs, BenchArgs, CheckArgs, Cli, Command, DecomposeArgs, EntropyArgs, EvidenceArgs,
    FactorialArgs, FetchArgs, MergeArgs, PreregCommand, ReportArgs, SimulateArgs, SweepArgs,
    TablesArgs, ValidateArgs,
};
pub(crate) use crate::decompose::{
    self, ArmSummary, Chain, DecomposeRecord, SimulateRecord, SimulatedArm,
};
pub(crate) use crate::factorial::{self, FactorialResult, lock, study::Study};
pub(crate) use crate::gate::GateRule;
pub(crate) use crate::io::write_atomic;
pub(crate) use crate::progress;
pub(crate) use crate::report::{self, terminal};
pub(crate) use crate::rng::Seeds;
pub(crate) use crate::sim::config::{self, SimConfig};
pub(crate) use crate::sim::policy::{base_accuracy, crossover};
pub(crate) use crate::sim::{Arm, run_many};
pub(crate) use crate::stats;
pub(crate) use crate::sweep::{self, Sweep, SweepSpec};
pub(crate) use anyhow::{Context, Result};
pub(crate) use serde::Serialize;
pub(crate) use std::path::{Path, PathBuf};

mod auditing;
mod drafting;
mod entropy_check;
mod main_job;
mod papers;
mod simulate;
mod studies;
mod sweeps;

pub(crate) use self::{
    auditing::*, drafting::*, entropy_check::*, main_job::*, papers::*, simulate::*, studies::*,
    sweeps::*,
};

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

/// Writes each (path under `dir`, text) atomically, in order: a report and its figures.
pub(crate) fn write_files(dir: &Path, files: &[(&str, String)]) -> Result<()> {
    for (rel, text) in files {
        write_atomic(&dir.join(rel), text.as_bytes())?;
    }
    Ok(())
}

pub(crate) fn print_json(v: &impl Serialize) -> Result<()> {
    say!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Prints a command's JSON record with the keys of every object, nested ones included, in
/// alphabetical order: the published order of these records (README, "JSON outputs").
pub(crate) fn print_record(v: &impl Serialize) -> Result<()> {
    print_json(&serde_json::to_value(v)?)
}

/// Checks every cell of a study against the budget (each as if it ran all the study's runs: a
/// bound, since cells differ only in their factor levels).
pub(crate) fn study_within_budget(
    study: &Study,
    parallel: bool,
    b: &crate::cli::BudgetArgs,
) -> Result<()> {
    let per = if study.outcome.needs_chain() { 4 } else { 1 };
    let runs = factorial::run_count(study).saturating_mul(per);
    for cell in &study.cells {
        within_budget(&cell.config, runs, false, parallel, b)?;
    }
    Ok(())
}

/// Checks `runs` runs of `cfg` against the command's budget before anything is allocated.
pub(crate) fn within_budget(
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
