//! Stage 2 of an audit, the draws: the one noise model of every printed number and the seeded
//! parametric bootstrap of each reading (resolve → **draw** → terms → judge).
//!
//! A printed accuracy is an evaluation over its benchmark's items ([`draw_printed`]); every
//! other number the audit sizes — a gain, a carried measured null, the model check's tolerances
//! ([`gain_se`]) and a base's range ([`printed_range`]) — is built from it here, so no two places
//! size the noise of one number differently. The stage hands the judge everything drawn for one
//! reading ([`Drawn`]): the four anchors' draws for the terms, and the target paired with each
//! null or control arm for the survival comparisons.

use rand_distr::{Distribution, Gamma, Normal};

use super::descriptor::{Transfer, Unit};
use super::evidence::MeasuredNull;
use super::resolve::{Chain, NullArms, Reading, Target};
use super::result::{Basis, NullEvidence};
use super::thresholds::Thresholds;
use crate::decompose::Anchor;
use crate::printed::Printed;
use crate::rng::{self, Seed, derive_seed};
use crate::stats::{Estimate, percentile_interval};

/// How to draw one arm's accuracy.
#[derive(Clone, Debug)]
pub enum Draw {
    /// An accuracy printed directly, in accuracy units: see [`draw_printed`] for its noise; `n`
    /// is the number of independent items.
    Direct {
        value: f64,
        half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain printed over the descriptor's printed base. The two are evaluations of two models,
    /// so the arm's accuracy is the printed base plus the gain, drawn as an evaluation of its own
    /// (independent of the base's draw): a printed gain carries the base's noise and its own.
    /// `base_half_width` is the base's printed precision, which the sum inherits.
    Gain {
        value: f64,
        half_width: f64,
        base_half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain printed with no base at all (a measured null that only states its gain): the
    /// difference of two evaluations of `n` items, placed at the base it is carried to.
    GainOnly {
        value: f64,
        half_width: f64,
        spread: f64,
        n: Option<u64>,
    },
    /// A gain over base known only as a range (imputed): uniform over it.
    GainRange { lo: f64, hi: f64 },
    /// Accuracies already drawn elsewhere (simulator replicates resampled), one per draw.
    Given { point: f64, draws: Vec<f64> },
    /// The same accuracy as another anchor of the chain (index in [`Anchor::ALL`] order): a
    /// target that is the majority arm itself has Δ_rd ≡ 0 in every draw.
    SameAs(usize),
    /// Another paper's arm carried over as its gain over that paper's own base.
    Transfer {
        lender_base: Box<Draw>,
        lender_arm: Box<Draw>,
        scale: Transfer,
    },
}

/// The variance of an accuracy `p` evaluated over `n` independent items, p(1 − p)/n (0 when `n`
/// is unknown): the one place the sampling noise of a printed number is sized, for the model
/// check's tolerances as for the draws' scale.
pub fn binomial_var(p: f64, n: Option<u64>) -> f64 {
    n.map_or(0.0, |n| {
        p.clamp(0.0, 1.0) * (1.0 - p.clamp(0.0, 1.0)) / n as f64
    })
}

/// Which distribution an evaluation over n items is drawn from (k = value·n items right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// The Jeffreys posterior Beta(k + ½, n − k + ½): the decomposition's terms and shares.
    Centre,
    /// Beta(k, n − k + 1), the lower Clopper–Pearson confidence distribution: an arm that must be
    /// shown to be higher (the target, in a survival comparison).
    Low,
    /// Beta(k + 1, n − k), the upper one: an arm that must be shown to be lower (the null, the
    /// control, and the base a claimed gain must exceed). Paired with `Low`, a survival comparison
    /// is as conservative as an exact test: 4/30 against 0/30 has P(target > null) ≈ 0.94, where
    /// Fisher's one-sided p is 0.056.
    High,
}

impl Tail {
    fn flip(self) -> Tail {
        match self {
            Tail::Centre => Tail::Centre,
            Tail::Low => Tail::High,
            Tail::High => Tail::Low,
        }
    }
}

/// One draw of a printed accuracy (METHOD §7), the one noise function of every printed number:
/// the printed value moved within each printed precision it inherits (uniform over ± each
/// half-width), then the evaluation over `n` items from a Beta in k = value·n (see [`Tail`]: so
/// 0 %, 100 % and small n keep their skew and stay within [0, 1]), then the seed spread (normal,
/// standard deviation `spread`). Without `n` there is no evaluation term.
pub fn draw_printed(
    value: f64,
    halves: &[f64],
    spread: f64,
    n: Option<u64>,
    tail: Tail,
    r: &mut rng::SimRng,
) -> f64 {
    let mut v = value;
    for h in halves {
        v += (2.0 * rng::uniform(r) - 1.0) * h;
    }
    let v = v.clamp(0.0, 1.0);
    let p = match n {
        Some(n) if n > 0 => {
            let (k, n) = (v * n as f64, n as f64);
            let (a, b) = match tail {
                Tail::Centre => (k + 0.5, n - k + 0.5),
                Tail::Low => (k, n - k + 1.0),
                Tail::High => (k + 1.0, n - k),
            };
            // A shape of 0 is the point mass at that end (k = 0 drawn low, k = n drawn high).
            if a <= 0.0 {
                0.0
            } else if b <= 0.0 {
                1.0
            } else {
                beta(a, b, r).unwrap_or(v)
            }
        }
        _ => v,
    };
    let z = match Normal::new(0.0, spread) {
        Ok(d) if spread > 0.0 => d.sample(r),
        _ => 0.0,
    };
    p + z
}

/// One draw of Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (Marsaglia–Tsang,
/// boosted below a shape of 1): the same distribution as `rand_distr::Beta`, in less than half
/// its time (no logarithm or exponential in most draws), which most of an audit's draws are.
/// `None` for shapes no Gamma has, or when both draws underflow to 0.
fn beta(a: f64, b: f64, r: &mut rng::SimRng) -> Option<f64> {
    let x = Gamma::new(a, 1.0).ok()?.sample(r);
    let y = Gamma::new(b, 1.0).ok()?.sample(r);
    let s = x + y;
    (s > 0.0).then(|| x / s)
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `base` moved by the lender's change from `lender_base` to `lender_arm`, on `scale`.
fn carry(base: f64, lender_base: f64, lender_arm: f64, scale: Transfer) -> f64 {
    match scale {
        Transfer::Additive => base + (lender_arm - lender_base),
        Transfer::Logit => expit(logit(base) + logit(lender_arm) - logit(lender_base)),
    }
}

impl Draw {
    /// The point value given the base's point value.
    pub fn point(&self, base: f64) -> f64 {
        match self {
            Draw::Direct { value, .. } => *value,
            Draw::Gain { value, .. } | Draw::GainOnly { value, .. } => base + value,
            Draw::GainRange { lo, hi } => base + 0.5 * (lo + hi),
            Draw::Given { point, .. } => *point,
            Draw::Transfer {
                lender_base,
                lender_arm,
                scale,
            } => {
                let lb = lender_base.point(0.0);
                carry(base, lb, lender_arm.point(lb), *scale)
            }
            Draw::SameAs(_) => unreachable!("resolved by the draw stage"),
        }
    }

    /// Whether the draw's sampling noise is known: a benchmark size or a seed spread behind every
    /// printed number it rests on (a lender's too). Simulated replicates carry their own noise;
    /// an imputed range is a model's estimate, not a measurement.
    pub fn noise_known(&self) -> bool {
        match self {
            Draw::Direct { spread, n, .. } | Draw::Gain { spread, n, .. } => {
                n.is_some() || *spread > 0.0
            }
            Draw::GainOnly { n, spread, .. } => n.is_some() || *spread > 0.0,
            Draw::GainRange { .. } => false,
            Draw::Given { .. } => true,
            Draw::SameAs(_) => true,
            Draw::Transfer {
                lender_base,
                lender_arm,
                ..
            } => lender_base.noise_known() && lender_arm.noise_known(),
        }
    }

    /// One draw. `base_draw` and `base_point` are this chain's base (drawn and printed);
    /// `seed_sd` is the sensitivity's training-seed spread, added to a trained arm (`trained`)
    /// whose paper prints no spread of its own; `tail` the evaluation's distribution.
    #[allow(clippy::too_many_arguments)]
    pub fn sample(
        &self,
        base_draw: f64,
        base_point: f64,
        i: usize,
        trained: bool,
        seed_sd: f64,
        tail: Tail,
        r: &mut rng::SimRng,
    ) -> f64 {
        let sd = |spread: f64| {
            if trained && spread == 0.0 {
                seed_sd
            } else {
                spread
            }
        };
        match self {
            Draw::Direct {
                value,
                half_width,
                spread,
                n,
            } => draw_printed(*value, &[*half_width], sd(*spread), *n, tail, r),
            Draw::Gain {
                value,
                half_width,
                base_half_width,
                spread,
                n,
            } => draw_printed(
                base_point + value,
                &[*half_width, *base_half_width],
                sd(*spread),
                *n,
                tail,
                r,
            ),
            Draw::GainOnly {
                value,
                half_width,
                spread,
                n,
            } => {
                // The lender's base is not printed: its evaluation noise is sized at this base.
                let arm =
                    draw_printed(base_point + value, &[*half_width], sd(*spread), *n, tail, r);
                let base = draw_printed(base_point, &[], 0.0, *n, tail.flip(), r);
                base_draw + arm - base
            }
            Draw::GainRange { lo, hi } => base_draw + lo + (hi - lo) * rng::uniform(r),
            Draw::Given { draws, .. } => draws[i],
            Draw::SameAs(_) => unreachable!("resolved by the draw stage"),
            Draw::Transfer {
                lender_base,
                lender_arm,
                scale,
            } => {
                let lbp = lender_base.point(0.0);
                let lb = lender_base.sample(0.0, lbp, i, false, seed_sd, tail.flip(), r);
                let la = lender_arm.sample(lb, lbp, i, trained, seed_sd, tail, r);
                carry(base_draw, lb, la, *scale)
            }
        }
    }
}

/// The standard error of a printed gain: two evaluations over `n` items (the arm's accuracy and
/// the base's) and the printed seed spreads of both, as [`draw_printed`] draws them. The model
/// check's tolerances and the calibration's measured gains are sized by it.
pub fn gain_se(arm: f64, base: f64, n: Option<u64>, arm_spread: f64, base_spread: f64) -> f64 {
    (binomial_var(arm, n)
        + binomial_var(base, n)
        + arm_spread * arm_spread
        + base_spread * base_spread)
        .sqrt()
}

/// A printed accuracy's 95 % range: printed precision plus 1.96 standard errors (the evaluation
/// over the items and the seed spread).
pub fn printed_range(p: &Printed, unit: Unit, spread: Option<f64>, n: Option<u64>) -> (f64, f64) {
    let v = p.value * unit.scale();
    let se = binomial_var(v, n).sqrt();
    let s = spread.unwrap_or(0.0) * unit.scale();
    let half = p.half_width * unit.scale() + 1.96 * (se * se + s * s).sqrt();
    (v - half, v + half)
}

/// A printed number's draw in accuracy units: an accuracy, a gain over `base` (printed beside
/// it), or a gain with no base.
pub fn printed_draw(
    p: &Printed,
    unit: Unit,
    spread: Option<f64>,
    n: Option<u64>,
    base: Option<(&Printed, Unit)>,
) -> Draw {
    let s = unit.scale();
    let (value, half_width, spread) = (p.value * s, p.half_width * s, spread.unwrap_or(0.0) * s);
    match (unit.is_gain(), base) {
        (false, _) => Draw::Direct {
            value,
            half_width,
            spread,
            n,
        },
        (true, Some((b, bu))) => Draw::Gain {
            value,
            half_width,
            base_half_width: b.half_width * bu.scale(),
            spread,
            n,
        },
        (true, None) => Draw::GainOnly {
            value,
            half_width,
            spread,
            n,
        },
    }
}

/// The target paired with one null or control arm, summarised: `thr.draws` seeded draws of
/// base, arm and target, each printed number with its own noise, the target from its lower
/// confidence distribution and the base and arm from their upper ones ([`Tail`]), so a survival
/// is shown only as an exact test would show it; and as many mirrored draws (the target from its
/// upper distribution, the base and arm from their lower ones), so a failure is shown only as an
/// exact test of the other side would show it. Equal printed numbers are then neither. The
/// stage hands on what the survival comparison reads of the draws, not the draws.
#[derive(Clone, Debug)]
pub struct Paired {
    /// The scale a cross-paper gain was carried on (`None` for an in-paper arm).
    pub transfer: Option<Transfer>,
    /// The point values of base, arm and target.
    pub points: [f64; 3],
    /// The arm's gain over the base, as carried (over the draws).
    pub null_gain: Estimate,
    /// target − arm: the lower end over the draws, the upper end over the mirrored draws.
    pub delta: Estimate,
    /// target − base over the draws.
    pub total: Estimate,
    /// P(target − arm > 0) over the draws.
    pub p_positive: f64,
    /// P(target − base > 0) over the draws.
    pub p_gain: f64,
    /// Whether the sampling noise of the target and of the arm is known.
    pub noise_known: bool,
}

/// The seed of one pairing: from what is compared (the draw rules), never from file order.
pub fn pair_seed(base: &Draw, target: &Draw, null: &Draw, scale: Option<Transfer>) -> Seed {
    derive_seed(&[
        b"rlvr-audit/evidence/v1",
        format!("{base:?}|{target:?}|{null:?}|{scale:?}").as_bytes(),
    ])
}

/// One side of a pairing: `thr.draws` draws of [base, arm, target] from stream `stream` of
/// `seed`, the target from `t_tail` and the base and arm from the other tail.
fn side(
    base: &Draw,
    target: &Draw,
    null: &Draw,
    thr: &Thresholds,
    seed: &Seed,
    stream: u64,
    t_tail: Tail,
) -> Vec<[f64; 3]> {
    let bp = base.point(0.0);
    let mut r = rng::stream(seed, stream);
    let o_tail = t_tail.flip();
    (0..thr.draws)
        .map(|i| {
            let b = base
                .sample(0.0, bp, i, false, thr.seed_sd, o_tail, &mut r)
                .clamp(0.0, 1.0);
            let t = target
                .sample(b, bp, i, true, thr.seed_sd, t_tail, &mut r)
                .clamp(0.0, 1.0);
            let z = null
                .sample(b, bp, i, true, thr.seed_sd, o_tail, &mut r)
                .clamp(0.0, 1.0);
            [b, z, t]
        })
        .collect()
}

/// A process-wide memo of values that depend only on their key (a digest of everything they
/// are computed from): many readings compare the same target with the same arm (a descriptor's
/// readings and its sensitivity, the calibration's re-audits, a paper printed in two versions),
/// draw the same anchors and size the same measured nulls, and each claim meets every measured
/// null of its model and benchmark, so without it the pairings of a corpus grow with the square
/// of the papers that share a model and benchmark.
struct Memo<V> {
    /// Entries kept at most; past it the memo starts again.
    kept: usize,
    map: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<Seed, V>>>,
}

impl<V: Clone> Memo<V> {
    const fn new(kept: usize) -> Self {
        Memo {
            kept,
            map: std::sync::LazyLock::new(Default::default),
        }
    }

    fn get_or(&self, key: Seed, compute: impl FnOnce() -> V) -> V {
        if let Some(v) = self.map.lock().expect("no panics under the lock").get(&key) {
            return v.clone();
        }
        let v = compute();
        let mut memo = self.map.lock().expect("no panics under the lock");
        if memo.len() >= self.kept {
            memo.clear();
        }
        memo.insert(key, v.clone());
        v
    }
}

/// The key of a pairing's memo entry: the draw rules, the seed and the thresholds it reads.
fn memo_key(kind: &[u8], seed: &Seed, rules: &Seed, thr: &Thresholds) -> Seed {
    derive_seed(&[
        kind,
        seed,
        rules,
        &(thr.draws as u64).to_le_bytes(),
        &thr.seed_sd.to_bits().to_le_bytes(),
    ])
}

/// Draws `target` against `null` over `base` and summarises the draws (see [`Paired`]): stream
/// 0 for the target's lower bound (base and arm high), stream 1 for the mirrored draws.
pub fn pair(
    base: &Draw,
    target: &Draw,
    null: &Draw,
    transfer: Option<Transfer>,
    thr: &Thresholds,
    seed: &Seed,
) -> Paired {
    static PAIRS: Memo<Paired> = Memo::new(1 << 16);
    let rules = pair_seed(base, target, null, transfer);
    PAIRS.get_or(memo_key(b"pair", seed, &rules, thr), || {
        let bp = base.point(0.0);
        let (tp, np) = (target.point(bp), null.point(bp));
        let draws = side(base, target, null, thr, seed, 0, Tail::Low);
        let mirrored = side(base, target, null, thr, seed, 1, Tail::High);
        let over = |draws: &[[f64; 3]], point: f64, f: &dyn Fn(&[f64; 3]) -> f64| {
            percentile_interval(point, draws.iter().map(|a| Some(f(a))), 0.025)
        };
        let share = |f: &dyn Fn(&[f64; 3]) -> bool| {
            draws.iter().filter(|a| f(a)).count() as f64 / draws.len().max(1) as f64
        };
        let low = over(&draws, tp - np, &|a| a[2] - a[1]);
        let high = over(&mirrored, tp - np, &|a| a[2] - a[1]);
        Paired {
            transfer,
            points: [bp, np, tp],
            null_gain: over(&draws, np - bp, &|a| a[1] - a[0]),
            delta: Estimate { hi: high.hi, ..low },
            total: over(&draws, tp - bp, &|a| a[2] - a[0]),
            p_positive: share(&|a| a[2] - a[1] > 0.0),
            p_gain: share(&|a| a[2] - a[0] > 0.0),
            noise_known: target.noise_known() && null.noise_known(),
        }
    })
}

/// The gain of a carried null over `base` (accuracy units), with its interval (the pairing's
/// first side only: no target is compared).
pub fn carried_gain(base: &Draw, null: &Draw, thr: &Thresholds) -> Estimate {
    static GAINS: Memo<Estimate> = Memo::new(1 << 16);
    let seed = pair_seed(base, base, null, None);
    GAINS.get_or(memo_key(b"carried", &seed, &seed, thr), || {
        let draws = side(base, base, null, thr, &seed, 0, Tail::Low);
        let bp = base.point(0.0);
        percentile_interval(
            null.point(bp) - bp,
            draws.iter().map(|a| Some(a[1] - a[0])),
            0.025,
        )
    })
}

/// A measured null's gain over its own paper's base, with both evaluations' noise; a gain
/// printed without a base is sized where its noise is largest (the base and the arm either side
/// of 50 %).
pub fn own_gain(m: &MeasuredNull, thr: &Thresholds) -> Estimate {
    let base = m.base.clone().unwrap_or_else(|| {
        let g = m.arm.point(0.0);
        Draw::Direct {
            value: (0.5 - g / 2.0).clamp(0.0, 1.0),
            half_width: 0.0,
            spread: 0.0,
            n: m.n,
        }
    });
    static OWN: Memo<Estimate> = Memo::new(1 << 16);
    let seed = pair_seed(&base, &m.arm, &m.arm, None);
    let unseeded = Thresholds {
        seed_sd: 0.0,
        ..*thr
    };
    OWN.get_or(memo_key(b"own", &seed, &seed, &unseeded), || {
        let bp = base.point(0.0);
        let mut r = rng::stream(&seed, 0);
        let draws: Vec<f64> = (0..thr.draws)
            .map(|i| {
                let b = base
                    .sample(0.0, bp, i, false, 0.0, Tail::Centre, &mut r)
                    .clamp(0.0, 1.0);
                // A gain with no base is already the difference of two evaluations.
                let a = m
                    .arm
                    .sample(b, bp, i, true, 0.0, Tail::Centre, &mut r)
                    .clamp(0.0, 1.0);
                a - b
            })
            .collect();
        percentile_interval(m.arm.point(bp) - bp, draws.into_iter().map(Some), 0.025)
    })
}

/// A measured null's record for the null-evidence page and the audits that lend from it: what it
/// is and where it was printed, with its gain over its own base ([`own_gain`]).
pub fn null_evidence(m: &MeasuredNull, thr: &Thresholds) -> NullEvidence {
    NullEvidence {
        id: m.id.clone(),
        paper: m.paper.clone(),
        model: m.model.clone(),
        benchmark: m.benchmark.clone(),
        n: m.n,
        control: m.control,
        arm_label: m.label.clone(),
        reading: m.reading.clone(),
        null: own_gain(m, thr),
        details: m.details.clone(),
        caveat: m.caveat.clone(),
        source: m.source.clone(),
        listed: m.listed,
    }
}

/// Everything drawn for one reading: what the terms and the judge read.
#[derive(Clone, Debug)]
pub struct Drawn {
    /// Which reading of ambiguous arms this is ("as printed" when none is ambiguous).
    pub reading: String,
    /// Which anchors are known, and how ([`Anchor::ALL`] order).
    pub known: [bool; 4],
    pub basis: [Option<Basis>; 4],
    /// The anchors' point accuracies (NaN where unknown).
    pub points: [f64; 4],
    /// One draw of the four anchors per bootstrap draw (NaN where unknown).
    pub draws: Vec<[f64; 4]>,
    /// Whether the sampling noise of the random and the target arm is known.
    pub noise_known: bool,
    /// The target against the chain's own random arm, drawn where that arm may decide survival:
    /// the paper's or the simulator's, identified, with its and the target's noise known.
    pub in_paper: Option<Paired>,
    /// The target against each of the paper's correctness-blind controls ([`NullArms`] order);
    /// `None` for the control that is the target itself.
    pub controls: Vec<Option<Paired>>,
    /// The target against each measured null, on each transfer scale that applies.
    pub cross: Vec<Vec<Paired>>,
}

/// The draw stage of one target: every reading drawn, the sensitivity's with the training-seed
/// spread on every trained arm that prints none.
pub fn target(t: Target<Reading>, nulls: &NullArms, thr: &Thresholds) -> Target<Drawn> {
    let sens = Thresholds {
        seed_sd: thr.sensitivity_sd,
        ..*thr
    };
    let name = t.arm.clone();
    let all = |rs: Vec<Reading>, thr: &Thresholds| -> Vec<Drawn> {
        rs.into_iter()
            .map(|r| reading(r, &name, nulls, thr))
            .collect()
    };
    Target {
        arm: t.arm,
        role: t.role,
        label: t.label,
        readings: all(t.readings, thr),
        under_seed_sd: all(t.under_seed_sd, &sens),
        transfer: t.transfer.map(|(scale, rs)| (scale, all(rs, thr))),
    }
}

/// An anchor's own draw rule (the anchor it is, for a target that is one).
fn own(chain: &Chain, k: Anchor) -> Option<&Draw> {
    match &chain[k as usize] {
        Some((Draw::SameAs(j), _)) => chain[*j].as_ref().map(|c| &c.0),
        other => other.as_ref().map(|c| &c.0),
    }
}

/// Draws one reading: the shared anchors from `reading.shared`, the target from
/// `reading.target`, so every target of a descriptor sees the same draws of its base, random and
/// majority arms; then the survival pairings, each from its own seed.
pub fn reading(reading: Reading, target_arm: &str, nulls: &NullArms, thr: &Thresholds) -> Drawn {
    let chain = &reading.chain;
    let known: [bool; 4] = std::array::from_fn(|k| chain[k].is_some());
    let basis: [Option<Basis>; 4] = std::array::from_fn(|k| chain[k].as_ref().map(|c| c.1));
    let (points, draws) = bootstrap(chain, thr);
    let noise_of = |k: Anchor| own(chain, k).is_some_and(Draw::noise_known);
    let noise_known = noise_of(Anchor::Random) && noise_of(Anchor::Target);
    let identified = |k: Anchor| basis[k as usize].is_some_and(Basis::identified);
    let random_in_paper = matches!(
        basis[Anchor::Random as usize],
        Some(Basis::Reported | Basis::Simulated)
    );
    let base = own(chain, Anchor::Base).expect("the base is known");
    let target = own(chain, Anchor::Target).expect("the target is known");
    let in_paper = (identified(Anchor::Random)
        && identified(Anchor::Target)
        && random_in_paper
        && noise_known)
        .then(|| {
            let random = own(chain, Anchor::Random).expect("the random arm is known");
            let seed = derive_seed(&[&reading.shared, &reading.target, b"survival"]);
            pair(base, target, random, None, thr, &seed)
        });
    let with = |null: &Draw, scale: Option<Transfer>| {
        pair(
            base,
            target,
            null,
            scale,
            thr,
            &pair_seed(base, target, null, scale),
        )
    };
    let (controls, cross) = if nulls.ladder {
        let controls = nulls
            .controls
            .iter()
            .map(|c| (c.name != target_arm).then(|| with(&c.draw, None)))
            .collect();
        let cross = nulls
            .cross
            .iter()
            .map(|m| {
                [Transfer::Additive, Transfer::Logit]
                    .into_iter()
                    .filter_map(|scale| Some(with(&m.carried(scale)?, Some(scale))))
                    .collect()
            })
            .collect();
        (controls, cross)
    } else {
        (Vec::new(), Vec::new())
    };
    Drawn {
        reading: reading.label,
        known,
        basis,
        points,
        draws,
        noise_known,
        in_paper,
        controls,
        cross,
    }
}

/// The seed of one anchor's draws: from that anchor's own draw rule and place in the chain
/// only, so the draws of the base and the target (and Δ_total) never move with the random or
/// majority arm beside them (an imputed arm moves with the measured nulls, a borrowed one with
/// its lender), and every target of a descriptor sees the same draws of the shared anchors.
fn anchor_seed(chain: &Chain, k: usize) -> Seed {
    derive_seed(&[
        b"rlvr-audit/audit/anchor/v1",
        &[k as u8],
        format!("{:?}", chain[k]).as_bytes(),
    ])
}

/// The point accuracies and `thr.draws` draws of a chain's four anchors, each anchor from its
/// own stream ([`anchor_seed`]). An accuracy lies in [0, 1]: a draw past either end (a printed
/// 100 plus its rounding, a seed spread) is held at the end. An anchor's draws depend only on its
/// rule and the base's (a gain is drawn over the base's draw), so each anchor's are drawn once
/// per process and shared by every reading and target that has them.
fn bootstrap(chain: &Chain, thr: &Thresholds) -> ([f64; 4], Vec<[f64; 4]>) {
    static ANCHORS: Memo<std::sync::Arc<[f64]>> = Memo::new(1 << 11);
    let base_point = chain[0].as_ref().map_or(0.0, |(d, _)| d.point(0.0));
    let mut points = [f64::NAN; 4];
    for k in 0..4 {
        points[k] = match &chain[k] {
            Some((Draw::SameAs(j), _)) => points[*j],
            Some((d, _)) => d.point(base_point),
            None => f64::NAN,
        };
    }
    let base_seed = anchor_seed(chain, 0);
    let column = |k: usize, draw: &dyn Fn(usize, &mut rng::SimRng) -> f64| {
        let seed = anchor_seed(chain, k);
        ANCHORS.get_or(memo_key(b"anchor", &seed, &base_seed, thr), || {
            let mut r = rng::stream(&seed, 0);
            (0..thr.draws)
                .map(|i| draw(i, &mut r).clamp(0.0, 1.0))
                .collect()
        })
    };
    let nan = || -> std::sync::Arc<[f64]> { vec![f64::NAN; thr.draws].into() };
    let base = match &chain[0] {
        Some((d, _)) => column(0, &|i, r| {
            d.sample(0.0, base_point, i, false, thr.seed_sd, Tail::Centre, r)
        }),
        None => vec![0.0; thr.draws].into(),
    };
    let mut cols = vec![base.clone()];
    for (k, rule) in chain.iter().enumerate().skip(1) {
        let col = match rule {
            Some((Draw::SameAs(j), _)) => cols.get(*j).cloned().unwrap_or_else(nan),
            Some((d, _)) => column(k, &|i, r| {
                d.sample(base[i], base_point, i, true, thr.seed_sd, Tail::Centre, r)
            }),
            None => nan(),
        };
        cols.push(col);
    }
    let draws = (0..thr.draws)
        .map(|i| std::array::from_fn(|k| cols[k][i]))
        .collect();
    (points, draws)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every printed number's evaluation is drawn by `beta` (Gamma ratios): it must be the
    // Beta distribution, at the shapes the tails give — half-integers, a shape near 0 for a
    // printed 0 % drawn low, large symmetric ones — by a Kolmogorov–Smirnov distance below the
    // 0.1 % critical value at this sample size.
    #[test]
    fn the_gamma_ratio_draws_are_the_beta_distribution() {
        use statrs::distribution::{Beta as Exact, ContinuousCDF};
        let mut r = rng::stream(&derive_seed(&[b"beta-draw-test"]), 0);
        let n = 40_000;
        for (a, b) in [
            (0.5, 40.5),
            (0.01, 31.0),
            (3.5, 37.5),
            (250.5, 250.5),
            (40.0, 0.2),
            (1.0, 1.0),
        ] {
            let mut xs: Vec<f64> = (0..n).map(|_| beta(a, b, &mut r).unwrap()).collect();
            xs.sort_by(f64::total_cmp);
            let exact = Exact::new(a, b).unwrap();
            let ks = xs
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let f = exact.cdf(x);
                    (f - i as f64 / n as f64)
                        .abs()
                        .max((f - (i + 1) as f64 / n as f64).abs())
                })
                .fold(0.0, f64::max);
            assert!(
                ks < 1.95 / (n as f64).sqrt(),
                "Beta({a}, {b}): KS distance {ks}"
            );
        }
    }

    // The model check's tolerances and the calibration size a printed gain in closed form; the
    // audit draws it. Both must describe one noise model, or the two would drift apart.
    #[test]
    fn closed_form_gain_se_matches_the_printed_draws() {
        let mut r = rng::stream(&derive_seed(&[b"gain-se-test"]), 0);
        for (arm, base, n, spread) in [(0.6, 0.5, 500, 0.0), (0.3, 0.1, 40, 0.02)] {
            let gains: Vec<f64> = (0..20_000)
                .map(|_| {
                    draw_printed(arm, &[], spread, Some(n), Tail::Centre, &mut r)
                        - draw_printed(base, &[], spread, Some(n), Tail::Centre, &mut r)
                })
                .collect();
            let drawn = crate::stats::sd(&gains);
            let closed = gain_se(arm, base, Some(n), spread, spread);
            assert!(
                (drawn / closed - 1.0).abs() < 0.03,
                "drawn {drawn} vs closed form {closed} at {arm} over {base}, n = {n}"
            );
        }
    }
}
