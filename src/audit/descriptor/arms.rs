//! The arms of a descriptor: each arm's role, printed number or alternatives, unit, spread,
//! source, cited cell or borrowing, and the checks across arms (one base, one random, one
//! majority; units that look mistyped).

use super::check::{Check, is_id};
use super::*;

const ARM_FIELDS: &[&str] = &[
    "role",
    "label",
    "printed",
    "alternatives",
    "unit",
    "spread",
    "source",
    "borrow",
    "cell",
];

/// The named arms of `arms:`.
pub(super) fn arms_of<'n>(
    c: &mut Check,
    n: &'n Node,
    arms: &mut Vec<ArmDef>,
    nodes: &mut Vec<&'n Node>,
) {
    let Some(entries) = n.entries() else {
        c.error(
            n,
            "arms",
            format!("expected a mapping of arm names, got {}", n.describe()),
        );
        return;
    };
    if entries.len() > MAX_ARMS {
        c.error(
            n,
            "arms",
            format!("{} arms; at most {MAX_ARMS}", entries.len()),
        );
        return;
    }
    for (k, v) in entries {
        let field = format!("arms.{}", k.name);
        if !is_id(&k.name) {
            let e = c.at(
                k.line,
                k.column,
                &field,
                format!(
                    "the arm name `{}` must be lower-case letters, digits and dashes",
                    k.name
                ),
            );
            c.errors.push(e);
            continue;
        }
        if let Some(a) = arm(c, v, &k.name, &field) {
            arms.push(a);
            nodes.push(v);
        }
    }
}

/// Checks one arm of a descriptor.
///
/// Stays whole: one short check per key of an arm in the schema's order (role, label, printed or
/// alternatives, unit, spread, source, cell, borrow), all reading one key map into one `ArmDef`.
fn arm(c: &mut Check, n: &Node, name: &str, field: &str) -> Option<ArmDef> {
    c.map(n, field, ARM_FIELDS, &["role"])?;
    let sub = |k: &str| format!("{field}.{k}");
    let role = n
        .get("role")
        .and_then(|v| c.choice(v, &sub("role"), ROLES))
        .and_then(|r| Role::parse(&r));
    let label = match n.get("label") {
        Some(v) => c.text(v, &sub("label")).unwrap_or_default(),
        None => String::new(),
    };
    if let Some(b) = n.get("borrow") {
        for k in [
            "printed",
            "alternatives",
            "unit",
            "spread",
            "source",
            "cell",
        ] {
            if let Some(v) = n.get(k) {
                c.error(
                    v,
                    &sub(k),
                    "a borrowed arm carries no number or source of its own: its lender's are used",
                );
            }
        }
        c.map(b, &sub("borrow"), &["from", "arm", "transfer"], &["from"])?;
        let from = b
            .get("from")
            .and_then(|v| c.nonempty(v, &sub("borrow.from")));
        let lender_arm = match b.get("arm") {
            Some(v) => Some(c.nonempty(v, &sub("borrow.arm"))?),
            None => None,
        };
        let transfer = match b.get("transfer") {
            Some(v) => match c
                .choice(v, &sub("borrow.transfer"), &["additive", "logit"])?
                .as_str()
            {
                "logit" => Transfer::Logit,
                _ => Transfer::Additive,
            },
            None => Transfer::Additive,
        };
        let role = role?;
        if role == Role::Base {
            c.error(
                b,
                &sub("borrow"),
                "the base arm must be reported by this paper",
            );
            return None;
        }
        return Some(ArmDef {
            name: name.into(),
            role,
            label,
            spec: ArmSpec::Borrowed {
                from: from?,
                arm: lender_arm,
                transfer,
            },
        });
    }
    let cell = match n.get("cell") {
        Some(v) => match cell_ref(c, v, &sub("cell")) {
            Some(r) => Some(Box::new(r)),
            None => return None,
        },
        None => None,
    };
    let readings: Option<Vec<Printed>> = match (n.get("printed"), n.get("alternatives")) {
        (Some(p), None) => c.printed(p, &sub("printed")).map(|p| vec![p]),
        (None, Some(alt)) => match &alt.kind {
            Kind::Seq(items) if items.len() >= 2 && items.len() <= MAX_ALTERNATIVES => {
                let v: Vec<Option<Printed>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| c.printed(it, &format!("{field}.alternatives[{i}]")))
                    .collect();
                v.into_iter().collect()
            }
            _ => {
                c.error(
                    alt,
                    &sub("alternatives"),
                    format!(
                        "list 2 to {MAX_ALTERNATIVES} readings, got {}",
                        alt.describe()
                    ),
                );
                None
            }
        },
        (Some(p), Some(_)) => {
            c.error(
                p,
                &sub("printed"),
                "give `printed` or `alternatives`, not both",
            );
            None
        }
        (None, None) if cell.is_some() => Some(Vec::new()),
        (None, None) => {
            c.error(
                n,
                field,
                "needs `printed`, `alternatives`, `cell` or `borrow`",
            );
            None
        }
    };
    let unit = match n.get("unit") {
        Some(v) => c
            .choice(v, &sub("unit"), UNITS)
            .and_then(|u| Unit::parse(&u)),
        None => {
            c.error(
                n,
                &sub("unit"),
                "missing (required): percent, fraction, gain_points or gain_fraction",
            );
            None
        }
    };
    let mut failed = false;
    let spread = match n.get("spread") {
        Some(v) => match (c.float(v, &sub("spread")), unit) {
            (Some(sp), Some(u)) if !(0.0..=0.5).contains(&(sp * u.scale())) => {
                c.error(
                    v,
                    &sub("spread"),
                    format!(
                        "{sp} is not a seed standard deviation of an accuracy (0 to {} in this unit)",
                        0.5 / u.scale()
                    ),
                );
                failed = true;
                None
            }
            (Some(sp), _) => Some(sp),
            (None, _) => {
                failed = true;
                None
            }
        },
        None => None,
    };
    let source = match n.get("source") {
        Some(v) => source(c, v, &sub("source")),
        None => {
            c.error(
                n,
                &sub("source"),
                "missing (required): where the number stands in the paper",
            );
            None
        }
    };
    let role = role?;
    let unit = unit?;
    let readings = readings?;
    if failed {
        return None;
    }
    if role == Role::Base && unit.is_gain() {
        c.error(
            n.get("unit").unwrap_or(n),
            &sub("unit"),
            "the base arm is an accuracy, not a gain",
        );
        return None;
    }
    if role == Role::Base && readings.len() > 1 {
        c.error(
            n,
            &sub("alternatives"),
            "the base arm needs one reading: it anchors every gain",
        );
        return None;
    }
    let mut seen: Vec<f64> = Vec::new();
    for r in &readings {
        if seen.contains(&r.value) {
            c.error(
                n.get("alternatives").unwrap_or(n),
                &sub("alternatives"),
                format!("the reading {} is listed twice", r.raw),
            );
        }
        seen.push(r.value);
    }
    Some(ArmDef {
        name: name.into(),
        role,
        label,
        spec: ArmSpec::Reported {
            readings,
            unit,
            spread,
            source: source?,
            cell,
            citation: None,
        },
    })
}

fn source(c: &mut Check, n: &Node, field: &str) -> Option<Source> {
    let keys = ["version", "location", "row", "column", "read_from"];
    c.map(n, field, &keys, &keys)?;
    let mut s = |k: &str| {
        n.get(k)
            .and_then(|v| c.nonempty(v, &format!("{field}.{k}")))
    };
    let (version, location, row, column) = (s("version"), s("location"), s("row"), s("column"));
    let read_from = n.get("read_from").and_then(|v| {
        c.choice(
            v,
            &format!("{field}.read_from"),
            &["text", "table", "figure"],
        )
    });
    Some(Source {
        version: version?,
        location: location?,
        row: row?,
        column: column?,
        read_from: read_from?,
    })
}

fn cell_ref(c: &mut Check, n: &Node, field: &str) -> Option<CellRef> {
    let keys = ["paper", "table", "row", "column"];
    c.map(n, field, &keys, &keys)?;
    let mut s = |k: &str| {
        n.get(k)
            .and_then(|v| c.nonempty(v, &format!("{field}.{k}")))
    };
    Some(CellRef {
        paper: s("paper")?,
        table: s("table")?,
        row: s("row")?,
        column: s("column")?,
    })
}

/// Rules across the arms of one file: one base, at most one random and one majority (the
/// chain's anchors), gains that stay accuracies, and values that look mistyped.
pub(super) fn cross_check_arms(c: &mut Check, arms: &[ArmDef], nodes: &[&Node]) {
    let count = |r: Role| arms.iter().filter(|a| a.role == r).count();
    match count(Role::Base) {
        1 => {}
        0 => {
            let n = nodes.first().copied();
            let e = match n {
                Some(n) => c.at(
                    n.line,
                    n.column,
                    "arms",
                    "no arm has `role: base`: the base model's accuracy anchors every gain",
                ),
                None => LoadError::new(c.path, "field `arms`: no arm has `role: base`"),
            };
            c.errors.push(e);
        }
        k => {
            let i = second_of(arms, Role::Base);
            c.error(
                nodes[i],
                &format!("arms.{}.role", arms[i].name),
                format!("exactly one arm has `role: base`; this file has {k}"),
            );
        }
    }
    for r in [Role::Random, Role::Majority] {
        if count(r) > 1 {
            let i = second_of(arms, r);
            c.error(
                nodes[i],
                &format!("arms.{}.role", arms[i].name),
                format!("{} arms have `role: {r}`; the decomposition has one {r} anchor (give the others `role: baseline`)", count(r)),
            );
        }
    }
}

/// The index of the second arm of `role` (where a repeated anchor is reported), else 0.
fn second_of(arms: &[ArmDef], role: Role) -> usize {
    arms.iter()
        .enumerate()
        .filter(|(_, a)| a.role == role)
        .nth(1)
        .map_or(0, |(i, _)| i)
}
