//! Stage 3 of an audit, the terms (resolve → draw → **terms** → judge): every term and share of
//! [`crate::decompose`] that the known arms of one reading identify, each with its percentile
//! interval over the draws, and the points-vs-bounds gate on Δ_elicit. A term that needs an
//! imputed arm is marked model-based: the judge shows it as bounds, never as a point.

use serde::Serialize;

use super::draw::Drawn;
use super::resolve::Target;
use super::result::Basis;
use super::thresholds::Thresholds;
use crate::decompose::{Share, Term};
use crate::gate::Decision;
use crate::stats::{Estimate, percentile_interval};

/// A term or share with its interval, and whether it rests on an imputed arm.
#[derive(Clone, Debug, Serialize)]
pub struct Value {
    pub estimate: Estimate,
    /// True when an arm it needs is imputed: a model's estimate, shown as bounds, never a point.
    pub model_based: bool,
}

/// Every term the known arms allow (`None` = an arm it needs is unknown).
#[derive(Clone, Debug, Serialize)]
pub struct Terms {
    pub total: Option<Value>,
    pub null: Option<Value>,
    pub elicit: Option<Value>,
    pub rd: Option<Value>,
    pub naive: Option<Value>,
    pub label_free: Option<Value>,
}

impl Terms {
    pub fn get(&self, t: Term) -> Option<&Value> {
        match t {
            Term::Total => self.total.as_ref(),
            Term::Null => self.null.as_ref(),
            Term::Elicit => self.elicit.as_ref(),
            Term::Rd => self.rd.as_ref(),
            Term::Naive => self.naive.as_ref(),
            Term::LabelFree => self.label_free.as_ref(),
        }
    }
}

/// A share: `None` when an arm it needs is unknown; `estimate: None` inside when its
/// denominator is below the tolerance (undefined).
#[derive(Clone, Debug, Serialize)]
pub struct ShareValue {
    pub estimate: Option<Estimate>,
    pub model_based: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Shares {
    pub null_of_total: Option<ShareValue>,
    pub elicit_of_total: Option<ShareValue>,
    pub rd_of_total: Option<ShareValue>,
    pub label_free_of_total: Option<ShareValue>,
    pub rd_of_naive: Option<ShareValue>,
    pub elicit_of_naive: Option<ShareValue>,
}

impl Shares {
    pub fn get(&self, s: Share) -> Option<&ShareValue> {
        match s {
            Share::NullOfTotal => self.null_of_total.as_ref(),
            Share::ElicitOfTotal => self.elicit_of_total.as_ref(),
            Share::RdOfTotal => self.rd_of_total.as_ref(),
            Share::LabelFreeOfTotal => self.label_free_of_total.as_ref(),
            Share::RdOfNaive => self.rd_of_naive.as_ref(),
            Share::ElicitOfNaive => self.elicit_of_naive.as_ref(),
        }
    }
}

/// One reading's draws with the terms, shares and gate they give: what the judge reads.
#[derive(Clone, Debug)]
pub struct Decomposed {
    pub drawn: Drawn,
    pub terms: Terms,
    pub shares: Shares,
    /// The gate on Δ_elicit; `None` when Δ_elicit is not identified.
    pub gate: Option<Decision>,
}

/// The terms stage of one target: every reading of every pass decomposed.
pub fn target(t: Target<Drawn>, thr: &Thresholds) -> Target<Decomposed> {
    let all =
        |ds: Vec<Drawn>| -> Vec<Decomposed> { ds.into_iter().map(|d| decompose(d, thr)).collect() };
    Target {
        arm: t.arm,
        role: t.role,
        label: t.label,
        readings: all(t.readings),
        under_seed_sd: all(t.under_seed_sd),
        transfer: t.transfer.map(|(scale, ds)| (scale, all(ds))),
    }
}

/// The terms, shares and gate of one reading.
pub fn decompose(drawn: Drawn, thr: &Thresholds) -> Decomposed {
    let terms = terms(&drawn);
    let shares = shares(&drawn, &terms, thr);
    let gate = terms.elicit.as_ref().map(|v| {
        if v.model_based {
            Decision::Bounded
        } else {
            thr.gate.decide(&v.estimate)
        }
    });
    Decomposed {
        drawn,
        terms,
        shares,
        gate,
    }
}

/// Whether term `t` is identified (`None`: an arm it needs is unknown) and, if so, whether it
/// rests on an imputed arm.
fn model_based(d: &Drawn, t: Term) -> Option<bool> {
    let (p, m) = t.anchors();
    let (p, m) = (p as usize, m as usize);
    (d.known[p] && d.known[m]).then(|| {
        !(d.basis[p].is_some_and(Basis::identified) && d.basis[m].is_some_and(Basis::identified))
    })
}

fn terms(d: &Drawn) -> Terms {
    let term = |t: Term| {
        model_based(d, t).map(|model_based| Value {
            estimate: percentile_interval(
                t.of(&d.points),
                d.draws.iter().map(|a| Some(t.of(a))),
                0.025,
            ),
            model_based,
        })
    };
    Terms {
        total: term(Term::Total),
        null: term(Term::Null),
        elicit: term(Term::Elicit),
        rd: term(Term::Rd),
        naive: term(Term::Naive),
        label_free: term(Term::LabelFree),
    }
}

fn shares(d: &Drawn, terms: &Terms, thr: &Thresholds) -> Shares {
    let share = |s: Share| {
        let (num, den) = s.parts();
        let model_based = model_based(d, num)? || model_based(d, den)?;
        let tol = thr.share_tolerance;
        // A ratio whose denominator's interval reaches 0 has no interval: its resamples run off
        // to ±∞, and percentiles of them need not even contain the point.
        let den_reaches_zero = terms.get(den).is_none_or(|v| {
            !(v.estimate.lo.is_some_and(|lo| lo > tol) || v.estimate.hi.is_some_and(|hi| hi < -tol))
        });
        let estimate = s.of(|t| t.of(&d.points), tol).map(|p| {
            if den_reaches_zero {
                Estimate::point(p)
            } else {
                percentile_interval(p, d.draws.iter().map(|a| s.of(|t| t.of(a), tol)), 0.025)
            }
        });
        Some(ShareValue {
            estimate,
            model_based,
        })
    };
    Shares {
        null_of_total: share(Share::NullOfTotal),
        elicit_of_total: share(Share::ElicitOfTotal),
        rd_of_total: share(Share::RdOfTotal),
        label_free_of_total: share(Share::LabelFreeOfTotal),
        rd_of_naive: share(Share::RdOfNaive),
        elicit_of_naive: share(Share::ElicitOfNaive),
    }
}
