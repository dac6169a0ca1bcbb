//! Command-line definitions (clap) and the overlay of simulator flags on a preset.
//!
//! The file is long because it is every command's flag list (with its help text) in one place;
//! the commands' logic lives in `cmd/`.

use clap::{Args, Parser, Subcommand};

use crate::io::paths;

use crate::sim::arm::Arm;
use crate::sim::config::{
    self, Advantage, ConfigError, CovControl, Family, Optimizer, RatioLevel, Regulariser,
    SimConfig, TieBreak, Update,
};

#[derive(Parser, Debug)]
#[command(
    name = "rlvr-audit",
    version,
    about = "Re-audit RLVR results: how much of a claimed gain survives the null (random-reward) term, \
             how much is self-consistency elicitation, how much is reward design",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the tabular-GRPO simulator for one or more reward arms over R replicates.
    Simulate(SimulateArgs),
    /// Decompose Δ_total = Δ_null + Δ_elicit + Δ_rd in the simulator at one prior strength.
    Decompose(DecomposeArgs),
    /// Sweep prior strength: the decomposition, the gate and the crossover at each level.
    Sweep(SweepArgs),
    /// Run a locked pre-registered factorial study.
    Factorial(FactorialArgs),
    /// Check the entropy mechanism (Cui et al. 2025) exactly: the covariance law, R = −a·e^H + b,
    /// and the Clip-Cov / KL-Cov controls.
    Entropy(EntropyArgs),
    /// Combine the shard files of a sweep or factorial run into its result.
    Merge(MergeArgs),
    /// Lock, verify or amend a pre-registration file.
    #[command(subcommand)]
    Prereg(PreregCommand),
    /// Regenerate every report under reports/ (the main job).
    Report(ReportArgs),
    /// Check audit descriptors: keys, types, ranges, borrowed ids, the chain (exit 2 on any error).
    Validate(ValidateArgs),
    /// Audit one descriptor and write reports/<id>.md.
    Audit(AuditArgs),
    /// Does the claimed gain survive the null term? Exit 0 SURVIVES, 1 NOT_SHOWN, 3 UNDETERMINED,
    /// 2 error.
    Check(CheckArgs),
    /// Download a paper's arXiv HTML and extract its tables into the cache (data/papers/<id>/).
    Fetch(FetchArgs),
    /// List a paper's cached tables, or show one.
    Tables(TablesArgs),
    /// Draft descriptors from a paper's cached tables: one per model × benchmark, every number
    /// citing its cell, every unknown a TODO (run `fetch ID` first; never touches the network).
    New(NewArgs),
    /// Measure simulator throughput on a documented config.
    Bench(BenchArgs),
    /// List the simulator presets and their values.
    Presets,
}

/// Every simulator parameter, as an optional override of the preset.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Simulator (each flag overrides the preset)")]
pub struct SimArgs {
    /// Named set of defaults: `paper` (the seed paper's settings), `ppo-clip` or `clip-bias`.
    #[arg(long, default_value = "paper")]
    pub preset: String,
    /// Base-policy family.
    #[arg(long, value_enum)]
    pub family: Option<Family>,
    /// Answers per prompt, K.
    #[arg(long, short = 'K')]
    pub answers: Option<usize>,
    /// Correct answers per prompt, c (paper family).
    #[arg(long)]
    pub correct: Option<usize>,
    /// Format strength f: the format answer's prior is multiplied by 1 + f·K (paper family).
    #[arg(long, allow_negative_numbers = true)]
    pub format_strength: Option<f64>,
    /// Share d of the wrong mass on the distractor (distractor family).
    #[arg(long, allow_negative_numbers = true)]
    pub distractor_share: Option<f64>,
    /// Prior strength p_s in (0, 1); the mean of the Beta prior when --prior-concentration is set.
    #[arg(long, allow_negative_numbers = true)]
    pub prior: Option<f64>,
    /// Draw p_s per prompt from Beta(p̄κ, (1−p̄)κ) with this concentration κ.
    #[arg(long, allow_negative_numbers = true)]
    pub prior_concentration: Option<f64>,
    /// Prompts, N.
    #[arg(long, short = 'N')]
    pub prompts: Option<usize>,
    /// Group size, G (≥ 2).
    #[arg(long, short = 'G')]
    pub group: Option<usize>,
    /// Prompts per step, B (drawn without replacement).
    #[arg(long, short = 'B')]
    pub batch: Option<usize>,
    /// Training steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Learning rate η.
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Regulariser weight β.
    #[arg(long, allow_negative_numbers = true)]
    pub beta: Option<f64>,
    /// Regulariser: `paper` (−(π − π_base)), `kl` (exact KL gradient) or `none`.
    #[arg(long, value_enum)]
    pub regulariser: Option<Regulariser>,
    /// Group advantage: `grpo` ((r − mean)/(std + ε)) or `dr-grpo` (r − mean).
    #[arg(long, value_enum)]
    pub advantage: Option<Advantage>,
    /// ε in the GRPO advantage.
    #[arg(long, allow_negative_numbers = true)]
    pub adv_eps: Option<f64>,
    /// Drop groups whose rewards are all equal (dynamic sampling): on/off.
    #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
    pub filter: Option<bool>,
    /// Update rule: `on-policy` (the paper's) or `ppo` (clipped surrogate, μ inner epochs).
    #[arg(long, value_enum)]
    pub update: Option<Update>,
    /// Inner epochs μ of the PPO update.
    #[arg(long)]
    pub inner_epochs: Option<usize>,
    /// PPO clipping: on/off.
    #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
    pub clip: Option<bool>,
    /// Lower clip ε_low (ratio floor 1 − ε_low).
    #[arg(long, allow_negative_numbers = true)]
    pub eps_low: Option<f64>,
    /// Upper clip ε_high (ratio ceiling 1 + ε_high).
    #[arg(long, allow_negative_numbers = true)]
    pub eps_high: Option<f64>,
    /// Plurality tie rule: `shuffled` (per-prompt random answer order, first wins; the seed
    /// harness's rule) or `random` (a fresh uniform draw per tie).
    #[arg(long, value_enum)]
    pub tie_break: Option<TieBreak>,
    /// Entropy control: `none`, `clip-cov` (drop the highest-covariance samples from the
    /// gradient) or `kl-cov` (penalise their log-ratio; needs --update ppo with μ > 1).
    #[arg(long, value_enum)]
    pub cov_control: Option<CovControl>,
    /// Share of each group's samples the entropy control acts on.
    #[arg(long, allow_negative_numbers = true)]
    pub cov_fraction: Option<f64>,
    /// KL-Cov's penalty weight.
    #[arg(long, allow_negative_numbers = true)]
    pub kl_cov_coef: Option<f64>,
    /// Style model: base probability of style 0 of a style token shared by every prompt (off
    /// when absent). Needs --update ppo and no regulariser.
    #[arg(long, allow_negative_numbers = true)]
    pub style_share: Option<f64>,
    /// Style model: prior p_s of style 0's answers (style 1 answers with --prior).
    #[arg(long, allow_negative_numbers = true)]
    pub style_prior: Option<f64>,
    /// Style model: `token` (a ratio and clip per token) or `sequence` (their product).
    #[arg(long, value_enum)]
    pub ratio_level: Option<RatioLevel>,
    /// Style model: optimizer steps per rollout batch and inner epoch (the batch split evenly).
    #[arg(long)]
    pub minibatches: Option<usize>,
    /// Style model: `sgd` (θ += η·g) or `adam` (β = 0.9, 0.999; every parameter each step).
    #[arg(long, value_enum)]
    pub optimizer: Option<Optimizer>,
    /// Format rate q in (0, 1]: the base policy formats an answer with probability q, and the
    /// grader credits only formatted correct answers (format-gated family).
    #[arg(long, allow_negative_numbers = true)]
    pub format_rate: Option<f64>,
    /// Draw q per prompt from Beta(qκ, (1−q)κ) with this concentration κ (format-gated family).
    #[arg(long, allow_negative_numbers = true)]
    pub format_concentration: Option<f64>,
    /// k of the pass@k metric.
    #[arg(long)]
    pub pass_k: Option<usize>,
    /// Master seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl SimArgs {
    /// The preset with every given flag applied, validated. Errors name the flag.
    pub fn resolve(&self) -> anyhow::Result<SimConfig> {
        // Every field of SimArgs is named once, below: the macro destructures `self` without
        // `..`, so a flag added to SimArgs and not applied does not compile (a parsed,
        // documented and ignored flag cannot return). A field of the config is replaced where
        // its flag is given (`Option` fields of the config keep the preset's value otherwise).
        macro_rules! overlay {
            (plain: $($f:ident),*; optional: $($o:ident),*) => {{
                let SimArgs { preset, $($f,)* $($o,)* } = self;
                let mut c = config::preset(preset)?;
                $( if let Some(v) = $f { c.$f = v.clone(); } )*
                $( if $o.is_some() { c.$o = *$o; } )*
                c
            }};
        }
        let mut c = overlay!(
            plain: family,
            answers,
            correct,
            format_strength,
            distractor_share,
            prior,
            prompts,
            group,
            batch,
            steps,
            lr,
            beta,
            regulariser,
            advantage,
            adv_eps,
            filter,
            update,
            inner_epochs,
            clip,
            eps_low,
            eps_high,
            tie_break,
            cov_control,
            cov_fraction,
            kl_cov_coef,
            ratio_level,
            minibatches,
            optimizer,
            format_rate,
            pass_k,
            seed;
            optional: prior_concentration,
            style_share,
            style_prior,
            format_concentration
        );
        if self.family == Some(Family::Distractor) && self.correct.is_none() {
            c.correct = 1;
        }
        c.validate().map_err(|e| match e {
            ConfigError::Invalid { field, value, rule } => {
                anyhow::anyhow!(
                    "invalid value for --{}: {value} ({rule})",
                    field.replace('_', "-")
                )
            }
            other => other.into(),
        })?;
        Ok(c)
    }
}

/// The most replicates a command accepts (its memory and work are checked besides).
pub const MAX_REPLICATES: u64 = 1_000_000;

/// Bootstrap resamples: fewer than 100 cannot give a 2.5 % tail (a "95 %" interval of one
/// resample excludes its own mean); more than a million is memory, not precision.
pub fn parse_resamples(s: &str) -> Result<usize, String> {
    let v: usize = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if !(crate::stats::MIN_RESAMPLES..=crate::stats::MAX_RESAMPLES).contains(&v) {
        return Err(format!(
            "{v} is outside {}..={}",
            crate::stats::MIN_RESAMPLES,
            crate::stats::MAX_RESAMPLES
        ));
    }
    Ok(v)
}

fn parse_arm(s: &str) -> Result<Arm, String> {
    s.parse()
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Reward arms (comma-separated or repeated): base, true, random[:γ], majority,
    /// majority-fixed[:M], format, incorrect, noisy[:ρ], constant.
    #[arg(long, value_delimiter = ',', value_parser = parse_arm, default_value = "true")]
    pub arm: Vec<Arm>,
    /// Replicates per arm.
    #[arg(long, short = 'R', default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATES))]
    pub replicates: u64,
    /// Include each run's per-step trajectory in the JSON.
    #[arg(long)]
    pub trajectory: bool,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

#[derive(Args, Debug)]
pub struct DecomposeArgs {
    /// Ordered chain of arms: starts with base, ends with the target, a random arm before a
    /// majority arm; other arms may be inserted.
    #[arg(long, value_delimiter = ',', value_parser = parse_arm, default_value = "base,random,majority,true")]
    pub chain: Vec<Arm>,
    /// Replicates (each arm of a replicate shares its seeds).
    #[arg(long, short = 'R', default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATES))]
    pub replicates: u64,
    /// Denominators below this make a share undefined (accuracy units).
    #[arg(long, default_value_t = crate::decompose::DEFAULT_SHARE_TOLERANCE)]
    pub share_tol: f64,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Prior levels: a list `0.2,0.35,0.5` or a grid `start:stop:step` (both ends included).
    #[arg(long, default_value = "0.2,0.35,0.5,0.65,0.8")]
    pub levels: String,
    /// Replicates per level (the seed paper used 8).
    #[arg(long, short = 'R', default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATES))]
    pub replicates: u64,
    /// Ordered chain of arms (see `decompose --help`).
    #[arg(long, value_delimiter = ',', value_parser = parse_arm, default_value = "base,random,majority,true")]
    pub chain: Vec<Arm>,
    /// Denominators below this make a share undefined (accuracy units).
    #[arg(long, default_value_t = crate::decompose::DEFAULT_SHARE_TOLERANCE)]
    pub share_tol: f64,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Write sweep.md and figures/sweep.svg into this directory.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub shard: ShardArgs,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Running one slice of the runs.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Scale-out")]
pub struct ShardArgs {
    /// Run only shard i of n (job j belongs to shard j mod n) and write its records.
    #[arg(long, requires = "shard_out")]
    pub shard: Option<crate::shard::Shard>,
    /// Where the shard's records go (JSON lines); combine shards with `rlvr-audit merge`.
    #[arg(long, requires = "shard")]
    pub shard_out: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct EntropyArgs {
    /// Replicates per cell.
    #[arg(long, short = 'R', default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATES))]
    pub replicates: u64,
    /// Write entropy.md and its figures into this directory.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Print the complete record as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sim: SimArgs,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard files of one sweep or factorial run (every shard exactly once).
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Write the reports the unsharded command writes with --out DIR.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Print the complete record as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Thresholds of the points-vs-bounds gate.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Gate")]
pub struct GateArgs {
    /// Coverage of the Δ_elicit interval the gate reads.
    #[arg(long, default_value_t = 0.95)]
    pub gate_level: f64,
    /// The interval must clear zero by this margin for POINT.
    #[arg(long, default_value_t = 0.0)]
    pub gate_margin: f64,
    /// For BOUNDED levels, double the replicates up to this cap and re-gate.
    #[arg(long)]
    pub escalate_to: Option<u64>,
}

impl GateArgs {
    pub fn rule(&self) -> anyhow::Result<crate::gate::GateRule> {
        anyhow::ensure!(
            self.gate_level > 0.0 && self.gate_level < 1.0,
            "invalid value for --gate-level: {} (must lie strictly between 0 and 1)",
            self.gate_level
        );
        anyhow::ensure!(
            self.gate_margin >= 0.0,
            "invalid value for --gate-margin: {} (must be ≥ 0)",
            self.gate_margin
        );
        Ok(crate::gate::GateRule {
            level: self.gate_level,
            margin: self.gate_margin,
        })
    }
}

#[derive(Args, Debug)]
pub struct FactorialArgs {
    /// The study (YAML); its lock `<file>.lock` must match.
    pub file: std::path::PathBuf,
    /// Write factorial-<name>.md and figures/factorial-<name>.svg into this directory.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub shard: ShardArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Subcommand, Debug)]
pub enum PreregCommand {
    /// Record the study's hash, the tool version and the time in `<file>.lock`.
    Lock { file: std::path::PathBuf },
    /// Check the study against its lock (exit 0 when it matches), and the lock's history against
    /// the one the study's report in --reports-dir recorded.
    Verify {
        file: std::path::PathBuf,
        /// Where the study's report `factorial-<study>.md` is (its recorded lock history must
        /// still be in the lock).
        #[arg(long, default_value = paths::REPORTS)]
        reports_dir: std::path::PathBuf,
    },
    /// Record an edit of a locked study, with the reason.
    Amend {
        file: std::path::PathBuf,
        #[arg(long)]
        why: String,
        /// Where the study's report `factorial-<study>.md` is (its recorded lock history must
        /// still be in the lock).
        #[arg(long, default_value = paths::REPORTS)]
        reports_dir: std::path::PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Where the reports go.
    #[arg(long, default_value = paths::REPORTS)]
    pub reports_dir: std::path::PathBuf,
    /// Pre-registered studies to run (every *.yaml here, each with its lock).
    #[arg(long, default_value = paths::PREREG)]
    pub prereg_dir: std::path::PathBuf,
    /// Audit descriptors to audit (every *.yaml here).
    #[arg(long, default_value = paths::AUDITS)]
    pub audits_dir: std::path::PathBuf,
    /// Printed rows that cannot be audited, with their reasons (listed on the papers' pages and
    /// counted in the summary); a missing file lists none.
    #[arg(long, default_value = paths::NOT_AUDITED)]
    pub not_audited: std::path::PathBuf,
    /// The paper cache that descriptors' `cell:` references are read from.
    #[arg(long, default_value = paths::PAPER_CACHE)]
    pub paper_cache: std::path::PathBuf,
    /// The model check's cached simulator runs: read if present, and rewritten atomically when
    /// this report computed runs it did not hold (new runs are added; none is removed).
    #[arg(long, default_value = paths::FIT_CACHE)]
    pub fit_cache: std::path::PathBuf,
    /// Keep in the fit cache only the runs this report used (after descriptors were removed or
    /// changed).
    #[arg(long)]
    pub prune_fit_cache: bool,
    /// The evidence on the null read besides the descriptors.
    #[command(flatten)]
    pub evidence: EvidenceArgs,
    /// Recompute every fit-cache entry used and refuse the cache if one disagrees (the cold
    /// time); without it, two entries are recomputed and every one is range-checked.
    #[arg(long)]
    pub verify_fit_cache: bool,
    /// Print the complete record of the audits as JSON.
    #[arg(long)]
    pub json: bool,
    /// Run on one thread (results are identical either way).
    #[arg(long)]
    pub serial: bool,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Descriptor files or directories (default: audits/).
    pub paths: Vec<std::path::PathBuf>,
    /// The paper cache that descriptors' `cell:` references are read from.
    #[arg(long, default_value = paths::PAPER_CACHE)]
    pub paper_cache: std::path::PathBuf,
}

/// One descriptor to audit and what its audit reads besides: shared by `audit` and `check`.
#[derive(Args, Debug)]
pub struct DescriptorArgs {
    /// The descriptor.
    pub file: std::path::PathBuf,
    /// Directory of the other descriptors (for borrowed arms).
    #[arg(long, default_value = paths::AUDITS)]
    pub audits_dir: std::path::PathBuf,
    /// The paper cache that descriptors' `cell:` references are read from.
    #[arg(long, default_value = paths::PAPER_CACHE)]
    pub paper_cache: std::path::PathBuf,
    /// The model check's cached simulator runs (read if present; runs not in it are computed).
    #[arg(long, default_value = paths::FIT_CACHE)]
    pub fit_cache: std::path::PathBuf,
    /// Recompute every fit-cache entry used and refuse the cache if one disagrees (the cold
    /// time); without it, two entries are recomputed and every one is range-checked.
    #[arg(long)]
    pub verify_fit_cache: bool,
    /// The evidence on the null read besides the descriptors.
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub descriptor: DescriptorArgs,
    /// Where reports/<id>.md goes.
    #[arg(long, default_value = paths::REPORTS)]
    pub reports_dir: std::path::PathBuf,
    /// Print the complete record as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub descriptor: DescriptorArgs,
    /// Exit 0 on a survival that rests on other papers' measured nulls alone (under every
    /// transfer); by default such an answer exits 3, since the paper ran no random arm.
    #[arg(long)]
    pub accept_cross_paper: bool,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// arXiv id (2506.10947, 2506.10947v2) or an arxiv.org /abs/ or /html/ URL.
    pub id: String,
    /// Base URL of the HTML renderings [default: $RLVR_AUDIT_ARXIV_BASE, else https://arxiv.org/html/].
    #[arg(long)]
    pub base_url: Option<String>,
    /// Cache directory.
    #[arg(long, default_value = paths::PAPER_CACHE)]
    pub cache_dir: std::path::PathBuf,
    /// Use the cached page only (re-extract its tables); never touch the network.
    #[arg(long)]
    pub offline: bool,
    /// Retries after the first attempt, on 429, 5xx and time-outs (back-off doubles from 1 s).
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// First back-off between retries, in milliseconds (doubles each retry; a Retry-After header
    /// up to 60 s is honoured as well).
    #[arg(long, default_value_t = 1000)]
    pub backoff_ms: u64,
    /// Read time-out in seconds (connect time-out: 10 s).
    #[arg(long, default_value_t = 60)]
    pub timeout_secs: u64,
    /// Largest page accepted, in MiB.
    #[arg(long, default_value_t = 20)]
    pub max_mib: u64,
}

#[derive(Args, Debug)]
pub struct TablesArgs {
    /// arXiv id as cached (with its version if it was fetched with one).
    pub id: String,
    /// Show one table: its printed tag ("Table 2"), display name ("Table 2 a") or float id.
    #[arg(long)]
    pub show: Option<String>,
    /// Cache directory.
    #[arg(long, default_value = paths::PAPER_CACHE)]
    pub cache_dir: std::path::PathBuf,
}

/// Flags shared by the commands that run the simulator.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Print the complete record as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Bootstrap resamples for the intervals (100 to 1000000).
    #[arg(long, default_value_t = crate::stats::DEFAULT_RESAMPLES,
          value_parser = parse_resamples)]
    pub resamples: usize,
    /// Run on one thread (results are identical either way).
    #[arg(long)]
    pub serial: bool,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// Limits on a command's memory and work, checked before it starts.
#[derive(Args, Debug, Clone, Copy, PartialEq)]
pub struct BudgetArgs {
    /// Memory the command may hold at once, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = config::DEFAULT_MAX_MEMORY_MIB,
          value_parser = clap::value_parser!(u64).range(1..=1 << 30))]
    pub max_memory: u64,
    /// Sampled answers (× PPO inner epochs) the command may draw in all.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_MAX_WORK,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_work: u64,
}

impl Default for BudgetArgs {
    fn default() -> Self {
        BudgetArgs {
            max_memory: config::DEFAULT_MAX_MEMORY_MIB,
            max_work: config::DEFAULT_MAX_WORK,
        }
    }
}

impl BudgetArgs {
    pub fn budget(&self) -> config::Budget {
        config::Budget {
            max_memory: self.max_memory << 20,
            max_work: self.max_work,
        }
    }
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Shrink every workload (a smoke run; its numbers are not the documented benchmark).
    #[arg(long)]
    pub quick: bool,
    /// Timed repetitions; the best is reported.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Time only these workloads (by name; repeatable). Default: every simulator workload;
    /// `report-warm` and `report-cold` (the main job, run from the repository with a scratch
    /// fit cache and reports directory) only when named.
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// arXiv id as cached (with its version if it was fetched with one).
    pub id: String,
    /// Only this table: its printed tag ("Table 2"), display name or float id.
    #[arg(long)]
    pub table: Option<String>,
    /// Only drafts whose model contains this (ignoring case, spaces and dashes).
    #[arg(long)]
    pub model: Option<String>,
    /// Only drafts whose benchmark contains this (ignoring case, spaces and dashes).
    #[arg(long)]
    pub benchmark: Option<String>,
    /// List what was found without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print what was found (and written) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the drafts go.
    #[arg(long, default_value = paths::AUDITS)]
    pub out: std::path::PathBuf,
    /// Overwrite drafts that already exist.
    #[arg(long)]
    pub force: bool,
    /// The arm synonyms file (role → label patterns); outside the repository, the project's file
    /// built into the binary.
    #[arg(long, default_value = paths::ARM_SYNONYMS)]
    pub synonyms: std::path::PathBuf,
    /// Cache directory.
    #[arg(long, default_value = paths::PAPER_CACHE)]
    pub cache_dir: std::path::PathBuf,
}

/// Where the evidence on the null besides the descriptors is read from, and the seed-spread
/// sensitivity.
#[derive(Args, Debug, Clone)]
pub struct EvidenceArgs {
    /// Correctness-blind arms printed without a full descriptor (the project's built-in copy is
    /// used when the default path is absent).
    #[arg(long, default_value = paths::MEASURED_NULLS)]
    pub measured_nulls: std::path::PathBuf,
    /// Names that denote one model or one benchmark across papers.
    #[arg(long, default_value = paths::ALIASES)]
    pub aliases: std::path::PathBuf,
    /// The training-seed spread, in points, at which every survival answer is recomputed to show
    /// which answers it would change (default: the sample sd of TTRL's three printed reruns,
    /// 1.96 points, rounded; 0 turns the sensitivity off).
    #[arg(long, default_value_t = 2.0, value_parser = seed_sd_points)]
    pub seed_sd: f64,
}

fn seed_sd_points(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of points"))?;
    if v.is_finite() && (0.0..=50.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "`{s}`: the seed spread must be from 0 to 50 points"
        ))
    }
}
