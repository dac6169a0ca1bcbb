//! Audits of published results (METHOD §7–§8). One descriptor runs down a pipeline of stages,
//! each a module that takes the previous stage's value and hands its own on:
//!
//! 1. [`resolve`] — the arms: reported, borrowed or cross-paper, imputed by the model check
//!    ([`fit`]), or simulated; the survival evidence; each target's readings ([`resolve::Reading`]);
//! 2. [`draw`] — the one noise model of every printed number and the seeded bootstrap of each
//!    reading ([`draw::Drawn`]);
//! 3. [`terms`] — the terms and shares the known arms identify, and the gate
//!    ([`terms::Decomposed`]);
//! 4. [`judge`] — the two answers, survival ([`survival`], the evidence ladder) and attribution,
//!    into the target's record ([`TargetResult`]);
//!
//! then the views (`crate::report`). [`audit_in`] is that sequence; loading is in `load`, the
//! records in `result`, the verdict thresholds in `thresholds`.

pub mod calibration;
pub mod consistency;
pub mod descriptor;
pub mod draw;
pub mod evidence;
pub mod fit;
pub mod judge;
mod load;
pub mod resolve;
mod result;
pub mod survival;
pub mod terms;
mod thresholds;

pub use load::{descriptor_files, load_set};
pub use result::*;
pub use thresholds::{DEFAULT_SENSITIVITY_SD, Thresholds};

use crate::rng::Seed;
use descriptor::Descriptor;
use fit::FitCache;
use judge::Judgement;

/// Audits one descriptor; `all` is the loaded set (for borrowing and the measured nulls). The
/// model check's runs are computed on the spot; [`audit_with`] takes them from a cache.
pub fn audit(d: &Descriptor, all: &[Descriptor], thr: &Thresholds) -> AuditResult {
    audit_with(d, all, thr, &FitCache::default())
}

/// The simulator runs the model check of `d` needs (none for a simulated audit).
pub fn fit_requests(d: &Descriptor) -> Vec<fit::Request> {
    if d.simulation.is_some() {
        return Vec::new();
    }
    match d.base_reading() {
        Some((p, unit)) => fit::requests(p.value * unit.scale()),
        None => Vec::new(),
    }
}

/// [`audit`] with the model check's runs taken from (and added to) `cache`, and the project's
/// built-in measured nulls and aliases.
pub fn audit_with(
    d: &Descriptor,
    all: &[Descriptor],
    thr: &Thresholds,
    cache: &FitCache,
) -> AuditResult {
    audit_in(d, all, evidence::NullSet::builtin(), thr, cache)
}

/// [`audit_with`] reading the measured nulls and aliases of `set`: the stages in order, each
/// target handed from one to the next.
pub fn audit_in(
    d: &Descriptor,
    all: &[Descriptor],
    set: &evidence::NullSet,
    thr: &Thresholds,
    cache: &FitCache,
) -> AuditResult {
    let resolved = resolve::resolve(d, all, set, thr, cache);
    let nulls = &resolved.nulls;
    let targets = resolved
        .targets
        .iter()
        .cloned()
        .map(|t| {
            let drawn = draw::target(t, nulls, thr);
            let decomposed = terms::target(drawn, thr);
            judge::target(decomposed, nulls, thr)
        })
        .collect();
    AuditResult::of(d, thr, resolved, targets)
}

/// One bare chain of draw rules through the stages after [`resolve`] (no evidence beside the
/// chain's own random arm): the shared anchors drawn from `shared`, the target from `target`.
pub fn judge_chain(
    reading: &str,
    chain: &resolve::Chain,
    thr: &Thresholds,
    shared: &Seed,
    target: &Seed,
) -> Judgement {
    let nulls = resolve::NullArms::default();
    let r = resolve::Reading {
        label: reading.to_string(),
        chain: chain.clone(),
        shared: *shared,
        target: *target,
    };
    let drawn = draw::reading(r, "", &nulls, thr);
    judge::judge(terms::decompose(drawn, thr), &nulls, thr)
}
