//! Loading a set of descriptors: the files of a directory, each parsed and validated, its `cell:`
//! references resolved against the paper cache, and the checks that need the whole set
//! (borrowing, ids, values against their lenders).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::descriptor::{self, ArmDef, ArmSpec, Descriptor, Printed, Transfer, Unit};
use super::draw;
use super::resolve::{lender_arm, lent};
use crate::yaml::LoadError;

/// Every descriptor file (`*.yaml`) in a directory, sorted.
pub fn descriptor_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| LoadError::new(dir, format!("cannot list the audits directory: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    v.sort();
    Ok(v)
}

/// Loads every file and checks what spans files: unique ids, and borrowed arms that exist in a
/// descriptor of the same model and benchmark that reports them. Returns the descriptors and
/// every error (a bad file is never skipped silently); a borrow whose lender's base differs from
/// the borrower's beyond both intervals becomes a warning on the borrower.
///
/// Stays whole: the cross-file checks run in order over the same loaded set and error lists
/// (ids, then each borrow: lender, model and benchmark, arm, role, single reading, base range).
pub fn load_set(paths: &[PathBuf], cache: &Path) -> (Vec<Descriptor>, Vec<LoadError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match descriptor::load(p) {
            Ok(d) => match resolve_cells(d, cache) {
                Ok(d) => ok.push(d),
                Err(e) => errors.push(e),
            },
            Err(es) => errors.extend(es),
        }
    }
    // An id shared by two files is an error of each of them (a command given one of the files
    // reports it, whichever of the two it would otherwise have picked), and neither is audited.
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in ok.iter().enumerate() {
        by_id.entry(d.id.as_str()).or_default().push(i);
    }
    let mut bad: Vec<usize> = Vec::new();
    for (id, holders) in by_id.iter().filter(|(_, h)| h.len() > 1) {
        for &i in holders {
            let others: Vec<String> = holders
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| ok[j].path.display().to_string())
                .collect();
            errors.push(descriptor::field_error(
                &ok[i].path,
                &ok[i].text(),
                "id",
                format!("`{id}` is also the id of {}", others.join(", ")),
            ));
            bad.push(i);
        }
    }
    let mut warnings: Vec<(usize, LoadError)> = Vec::new();
    for (i, d) in ok.iter().enumerate() {
        if bad.contains(&i) {
            continue;
        }
        for a in &d.arms {
            let ArmSpec::Borrowed { from, arm, .. } = &a.spec else {
                continue;
            };
            let text = d.text();
            let field = format!("arms.{}.borrow", a.name);
            let fail = |msg: String| descriptor::field_error(&d.path, &text, &field, msg);
            if from == &d.id {
                errors.push(fail(
                    "an arm cannot be borrowed from its own descriptor".to_string(),
                ));
                bad.push(i);
                continue;
            }
            let Some(l) = ok.iter().find(|o| &o.id == from) else {
                let invalid = paths
                    .iter()
                    .find(|p| p.file_stem().is_some_and(|s| s.to_string_lossy() == *from));
                let msg = match invalid {
                    Some(p) => format!(
                        "the lender `{from}` ({}) is itself invalid: fix its errors first",
                        p.display()
                    ),
                    None => {
                        let hint = crate::yaml::did_you_mean(
                            from,
                            ok.iter().map(|o| o.id.as_str()).filter(|id| *id != d.id),
                        )
                        .map(|h| format!(" (did you mean `{h}`?)"))
                        .unwrap_or_default();
                        format!("no descriptor in the set has the id `{from}`{hint}")
                    }
                };
                errors.push(fail(msg));
                bad.push(i);
                continue;
            };
            let names = &super::evidence::NullSet::builtin().aliases;
            if names.model(&l.model) != names.model(&d.model)
                || names.benchmark(&l.benchmark.name) != names.benchmark(&d.benchmark.name)
            {
                errors.push(fail(format!(
                    "`{from}` is {} on {}, not {} on {}",
                    l.model, l.benchmark.name, d.model, d.benchmark.name
                )));
                bad.push(i);
                continue;
            }
            let Some(la) = lender_arm(l, arm, a.role) else {
                errors.push(fail(match arm {
                    Some(n) => format!("`{from}` has no arm `{n}`"),
                    None => format!("`{from}` has no arm with `role: {}`", a.role),
                }));
                bad.push(i);
                continue;
            };
            if la.role != a.role {
                errors.push(fail(format!(
                    "`{from}`'s arm `{}` has role `{}`, not `{}`: an arm borrows an arm of its own kind",
                    la.name, la.role, a.role
                )));
                bad.push(i);
                continue;
            }
            match &la.spec {
                ArmSpec::Reported { readings, .. } if readings.len() == 1 => {}
                ArmSpec::Reported { .. } => {
                    errors.push(fail(format!(
                        "`{from}` prints `{}` with several readings (alternatives): borrow a single number",
                        la.name
                    )));
                    bad.push(i);
                    continue;
                }
                ArmSpec::Borrowed { from: f2, .. } => {
                    errors.push(fail(format!(
                        "`{from}`'s arm `{}` is itself borrowed (from `{f2}`): borrow from the descriptor that reports it",
                        la.name
                    )));
                    bad.push(i);
                    continue;
                }
            }
            if let (Some((lb, lu)), Some((bb, bu))) = (l.base_reading(), d.base_reading()) {
                let lr = draw::printed_range(lb, lu, l.base_spread(), l.benchmark.n);
                let br = draw::printed_range(bb, bu, d.base_spread(), d.benchmark.n);
                if lr.1 < br.0 || br.1 < lr.0 {
                    warnings.push((
                        i,
                        descriptor::field_error(
                            &d.path,
                            &text,
                            &field,
                            format!(
                                "the lender's base {} ({}) differs from this base {} beyond both intervals \
                                 ([{:.1}, {:.1}] vs [{:.1}, {:.1}] %): the two evaluations differ, and carrying the gain \
                                 over is an assumption (the report shows both transfer scales)",
                                lb.raw,
                                l.id,
                                bb.raw,
                                100.0 * lr.0,
                                100.0 * lr.1,
                                100.0 * br.0,
                                100.0 * br.1
                            ),
                        ),
                    ));
                }
            }
        }
    }
    for (i, w) in warnings {
        ok[i].warnings.push(w);
    }
    for i in 0..ok.len() {
        if bad.contains(&i) {
            continue;
        }
        let (errs, warns) = check_values(&ok[i], &ok);
        if !errs.is_empty() {
            bad.push(i);
        }
        errors.extend(errs);
        ok[i].warnings.extend(warns);
    }
    bad.sort();
    bad.dedup();
    for i in bad.into_iter().rev() {
        ok.remove(i);
    }
    (ok, errors)
}

/// The value checks that need resolved numbers (cells read from the paper cache, borrowed gains):
/// every accuracy within 0–100 %, base + gain included (beyond the printed precision), and
/// warnings for values that look mistyped. Returns (errors, warnings).
///
/// Stays whole: one pass over the arms, each kind of value (accuracy, gain, borrowed gain) checked
/// against the same base and the same error and warning lists.
fn check_values(d: &Descriptor, all: &[Descriptor]) -> (Vec<LoadError>, Vec<LoadError>) {
    let text = d.text();
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let Some((base, bu)) = d.base_reading() else {
        return (errors, warnings);
    };
    let base_acc = base.value * bu.scale();
    let base_hw = base.half_width * bu.scale();
    let mut percent: Vec<(&ArmDef, f64)> = Vec::new();
    for a in &d.arms {
        match &a.spec {
            ArmSpec::Reported {
                readings,
                unit,
                cell,
                ..
            } => {
                let field = format!(
                    "arms.{}.{}",
                    a.name,
                    if cell.is_some() { "cell" } else { "printed" }
                );
                for r in readings {
                    let v = r.value * unit.scale();
                    let fail = |m: String| descriptor::field_error(&d.path, &text, &field, m);
                    if *unit == Unit::Percent {
                        percent.push((a, r.value));
                    }
                    if !unit.is_gain() {
                        if !(0.0..=1.0).contains(&v) {
                            errors.push(fail(format!(
                                "{} is out of range for unit {unit} (0–100 %)",
                                r.raw
                            )));
                        }
                        continue;
                    }
                    let acc = base_acc + v;
                    let slack = base_hw + r.half_width * unit.scale();
                    if acc < -slack || acc > 1.0 + slack {
                        errors.push(fail(format!(
                            "base {} plus the gain {} is {:.1} %, not an accuracy (0–100 %)",
                            base.raw,
                            r.raw,
                            100.0 * acc
                        )));
                    }
                }
            }
            ArmSpec::Borrowed { from, transfer, .. } => {
                let Some((l, la)) = lent(a, all) else {
                    continue;
                };
                let Some((lb, lbu)) = l.base_reading() else {
                    continue;
                };
                let ArmSpec::Reported { readings, unit, .. } = &la.spec else {
                    continue;
                };
                let Some(r) = readings.first() else { continue };
                let lb_acc = lb.value * lbu.scale();
                let la_acc = if unit.is_gain() {
                    lb_acc + r.value * unit.scale()
                } else {
                    r.value * unit.scale()
                };
                let field = format!("arms.{}.borrow", a.name);
                let at = |m: String| descriptor::field_error(&d.path, &text, &field, m);
                let edge = |p: f64| p <= 0.0 || p >= 1.0;
                if *transfer == Transfer::Logit && (edge(lb_acc) || edge(la_acc)) {
                    warnings.push(at(format!(
                        "`{from}` prints an accuracy of 0 or 100 %, where log-odds are infinite: the logit transfer is not \
                         defined there (the report holds such values 10⁻⁶ from the end)"
                    )));
                }
                let carried = base_acc + (la_acc - lb_acc);
                let slack = base_hw + r.half_width * unit.scale() + lb.half_width * lbu.scale();
                if *transfer == Transfer::Additive && (carried < -slack || carried > 1.0 + slack) {
                    errors.push(at(format!(
                        "`{from}`'s gain of {:+.1} points carries this base {} to {:.1} %, not an accuracy; \
                         borrow with `transfer: logit` or from another lender",
                        100.0 * (la_acc - lb_acc),
                        base.raw,
                        100.0 * carried
                    )));
                }
            }
        }
    }
    if percent.iter().any(|(_, v)| *v > 10.0) {
        for (a, v) in &percent {
            if *v < 1.5 {
                warnings.push(descriptor::field_error(
                    &d.path,
                    &text,
                    &format!("arms.{}.printed", a.name),
                    format!(
                        "{v} percent beside arms above 10 percent: is it a fraction typed as `percent`? (unit: fraction)"
                    ),
                ));
            }
        }
    }
    (errors, warnings)
}

/// Reads arms that cite a table cell from the paper cache: fills `printed` from the cell, or
/// checks a typed number against it within printed precision.
fn resolve_cells(mut d: Descriptor, cache: &Path) -> Result<Descriptor, LoadError> {
    let text = d.text();
    for a in d.arms.iter_mut() {
        let ArmSpec::Reported {
            readings,
            spread,
            cell: Some(cref),
            citation,
            unit,
            ..
        } = &mut a.spec
        else {
            continue;
        };
        let field = format!("arms.{}.cell", a.name);
        let fail = |msg: String| descriptor::field_error(&d.path, &text, &field, msg);
        let rc = crate::fetch::resolve::resolve(cache, cref).map_err(fail)?;
        let Some(value) = rc.cell.value else {
            return Err(fail(format!("{} is not a number", rc.citation())));
        };
        let (number, _) = crate::printed::split_spread(&rc.cell.text);
        let cell_printed = descriptor::parse_printed(number)
            .map(|p| Printed {
                raw: rc.cell.text.clone(),
                ..p
            })
            .unwrap_or(Printed {
                raw: rc.cell.text.clone(),
                value,
                half_width: 0.0,
            });
        if readings.is_empty() {
            readings.push(cell_printed);
            if spread.is_none()
                && let Some(sp) = rc.cell.spread
            {
                // The range check a typed `spread` gets (arms.rs), for one read from the cell.
                if !(sp.is_finite() && (0.0..=0.5).contains(&(sp * unit.scale()))) {
                    return Err(fail(format!(
                        "{} prints the spread {sp}, not a seed standard deviation of an accuracy (0 to {} in unit {unit}); \
                         give `spread` by hand, or `printed` without the cell's spread",
                        rc.citation(),
                        0.5 / unit.scale()
                    )));
                }
                *spread = Some(sp);
            }
        } else {
            for r in readings.iter() {
                if (r.value - value).abs() > r.half_width + cell_printed.half_width + 1e-9 {
                    return Err(fail(format!(
                        "the typed number {} disagrees with {} beyond its printed precision",
                        r.raw,
                        rc.citation()
                    )));
                }
            }
        }
        *citation = Some(rc.citation());
    }
    Ok(d)
}
