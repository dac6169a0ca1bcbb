//! The descriptor's top level: its keys, paper, claim, model, benchmark, targets, training and
//! simulation, and the cross-checks between them.

use super::arms::{arms_of, cross_check_arms};
use super::check::{Check, is_id};
use super::*;

/// The top-level keys; the first [`REQUIRED`] of them must be present.
const TOP_KEYS: &[&str] = &[
    "schema",
    "id",
    "descriptor_version",
    "paper",
    "claim",
    "model",
    "benchmark",
    "targets",
    "training",
    "arms",
    "simulation",
    "notes",
];
const REQUIRED: usize = 7;

/// Checks the top level of one descriptor file.
///
/// Stays whole (about 300 lines): one short check per top-level key in the schema's order, all
/// reading the same key map and writing into one `Check`, so every error of the file is reported
/// at once; split, the pieces would hand the map and the half-built descriptor back and forth.
pub(super) fn validate(c: &mut Check, root: &Node, text: &str) -> Option<Descriptor> {
    c.map(root, "", TOP_KEYS, &TOP_KEYS[..REQUIRED])?;
    if let Some(n) = root.get("schema")
        && let Some(v) = c.uint(n, "schema", 0, u64::MAX)
        && v != SCHEMA
    {
        let hint = if v == 1 {
            ": schema 1 is no longer read — arms are now named, each with a `role`, and `target` became the \
                 list `targets` (see the README, \"The descriptor format\")"
        } else {
            ""
        };
        c.error(
            n,
            "schema",
            format!("version {v} is not supported (this tool reads {SCHEMA}){hint}"),
        );
        return None;
    }
    let id = root.get("id").and_then(|n| {
        let t = c.text(n, "id")?;
        if !is_id(&t) {
            c.error(
                n,
                "id",
                format!("`{t}` must be lower-case letters, digits and dashes"),
            );
            return None;
        }
        if c.path.file_stem().is_some_and(|s| s.to_string_lossy() != t) {
            c.error(
                n,
                "id",
                format!("`{t}` must match the file name `{}`", c.path.display()),
            );
        }
        Some(t)
    });
    let version = root
        .get("descriptor_version")
        .and_then(|n| c.uint(n, "descriptor_version", 1, 1_000_000));
    let paper = root.get("paper").and_then(|n| {
        c.map(
            n,
            "paper",
            &["title", "authors", "arxiv", "version", "url"],
            &["title", "authors", "version"],
        )?;
        let mut s = |k: &str, req: bool| -> Option<String> {
            match n.get(k) {
                Some(v) if req => c.nonempty(v, &format!("paper.{k}")),
                Some(v) => c.text(v, &format!("paper.{k}")),
                None => (!req).then(String::new),
            }
        };
        // Every field read before any is required, so each problem (a TODO too) is reported.
        let (title, authors, arxiv) = (s("title", true), s("authors", true), s("arxiv", false));
        let (version, url) = (s("version", true), s("url", false));
        Some(Paper {
            title: title?,
            authors: authors?,
            arxiv: arxiv?,
            version: version?,
            url: url?,
        })
    });
    let claim = root.get("claim").and_then(|n| c.nonempty(n, "claim"));
    let model = root.get("model").and_then(|n| c.nonempty(n, "model"));
    let simulation = root.get("simulation").and_then(|n| simulation(c, n));
    let benchmark = root.get("benchmark").and_then(|n| {
        c.map(
            n,
            "benchmark",
            &["name", "n", "metric", "metric_note"],
            &["name", "metric"],
        )?;
        let name = n.get("name").and_then(|v| c.nonempty(v, "benchmark.name"));
        let items = n.get("n").map(|v| c.uint(v, "benchmark.n", 1, MAX_ITEMS));
        let metric = n.get("metric").and_then(|v| {
            let t = c.text(v, "benchmark.metric")?;
            match Metric::parse(&t) {
                Ok(m) => Some((m, v)),
                Err(msg) => {
                    c.error(v, "benchmark.metric", msg);
                    None
                }
            }
        });
        let note = match n.get("metric_note") {
            Some(v) => c.text(v, "benchmark.metric_note")?,
            None => String::new(),
        };
        let (metric, mnode) = metric?;
        Some((
            Benchmark {
                name: name?,
                n: match items {
                    Some(n) => Some(n?),
                    None => None,
                },
                metric,
                metric_note: note,
            },
            mnode.clone(),
        ))
    });
    let training = match root.get("training") {
        Some(n) => {
            let mut t = BTreeMap::new();
            match n.entries() {
                Some(m) => {
                    for (k, v) in m {
                        if let Some(s) = c.text(v, &format!("training.{}", k.name)) {
                            t.insert(k.name.clone(), s);
                        }
                    }
                }
                None => c.error(
                    n,
                    "training",
                    format!("expected a mapping, got {}", n.describe()),
                ),
            }
            t
        }
        None => BTreeMap::new(),
    };
    let notes = match root.get("notes") {
        Some(n) => c.text(n, "notes").unwrap_or_default(),
        None => String::new(),
    };
    // Arms.
    let mut arms: Vec<ArmDef> = Vec::new();
    let mut arm_nodes: Vec<&Node> = Vec::new();
    // Every arm name in the file, valid or not (a broken arm is reported once, at its field).
    let declared: Vec<String> = root
        .get("arms")
        .and_then(|n| n.entries())
        .map(|m| m.iter().map(|(k, _)| k.name.clone()).collect())
        .unwrap_or_default();
    match (root.get("arms"), &simulation) {
        (Some(n), Some(_)) => c.error(
            n,
            "arms",
            "a simulated audit takes its arms from the simulator, not from `arms`",
        ),
        (None, None) if root.get("simulation").is_none() => c.error(
            root,
            "arms",
            "missing: list the paper's arms (or give `simulation`)",
        ),
        (Some(n), None) if root.get("simulation").is_none() => {
            arms_of(c, n, &mut arms, &mut arm_nodes);
        }
        _ => {}
    }
    // Targets.
    let mut targets = Vec::new();
    match (root.get("targets"), &simulation) {
        (Some(n), _) => match &n.kind {
            Kind::Seq(items) if !items.is_empty() => {
                for (i, it) in items.iter().enumerate() {
                    let field = format!("targets[{i}]");
                    let Some(t) = c.text(it, &field) else {
                        continue;
                    };
                    if targets.contains(&t) {
                        c.error(it, &field, format!("`{t}` is listed twice"));
                    } else if simulation.is_some() || root.get("simulation").is_some() {
                        if t != "true" {
                            c.error(it, &field, "a simulated audit targets `true`");
                        }
                        targets.push(t);
                    } else {
                        match arms.iter().find(|a| a.name == t) {
                            None if declared.contains(&t) => {}
                            None => {
                                let mut e = c.at(
                                    it.line,
                                    it.column,
                                    &field,
                                    format!(
                                        "`{t}` is not an arm of this descriptor ({})",
                                        declared.join(", ")
                                    ),
                                );
                                e.hint =
                                    yaml::did_you_mean(&t, declared.iter().map(String::as_str));
                                c.errors.push(e);
                            }
                            Some(a) if a.role == Role::Base => c.error(
                                it,
                                &field,
                                format!("`{t}` is the base arm: it has no gain to audit"),
                            ),
                            Some(a) if a.role == Role::Random => c.error(
                                it,
                                &field,
                                format!(
                                    "`{t}` is the random arm: its gain is the null term itself, not a claim"
                                ),
                            ),
                            Some(_) => targets.push(t),
                        }
                    }
                }
            }
            _ => c.error(
                n,
                "targets",
                format!(
                    "expected a non-empty list of arm names, got {}",
                    n.describe()
                ),
            ),
        },
        (None, Some(_)) => targets.push("true".into()),
        (None, None) => {
            if root.get("simulation").is_none() {
                c.error(root, "targets", "missing: list the arms whose claimed gains are audited, e.g. `targets: [ground-truth]`")
            }
        }
    }
    let (benchmark, metric_node) = match benchmark {
        Some((b, n)) => (Some(b), Some(n)),
        None => (None, None),
    };
    if let (Some(b), Some(mn)) = (&benchmark, &metric_node) {
        let simulated = root.get("simulation").is_some();
        if simulated != (b.metric == Metric::Exact) {
            c.error(
                mn,
                "benchmark.metric",
                if simulated {
                    "a simulated audit measures `exact` expected accuracy"
                } else {
                    "`exact` is the simulator's metric; a paper's arms are pass@1, avg@k, maj@k or pass@k"
                },
            );
        }
    }
    if let (Some(b), Some(bn), None) = (&benchmark, root.get("benchmark"), root.get("simulation"))
        && b.n.is_none()
    {
        c.warn(
            bn,
            "benchmark.n",
            "not stated: without the number of items the sampling noise is unknown, intervals reflect printed \
             precision only, and survival is UNDETERMINED unless the target and random arms give seed spreads",
        );
    }
    if root.get("simulation").is_none()
        && root.get("arms").is_some()
        && arms.len() == declared.len()
    {
        cross_check_arms(c, &arms, &arm_nodes);
        let count = |a: Option<&ArmDef>| match a.map(|a| &a.spec) {
            Some(ArmSpec::Reported { readings, .. }) => readings.len().max(1),
            _ => 1,
        };
        let of_role = |r: Role| arms.iter().find(|a| a.role == r);
        let shared = count(of_role(Role::Base))
            * count(of_role(Role::Random))
            * count(of_role(Role::Majority));
        for t in &targets {
            let readings = shared * count(arms.iter().find(|a| &a.name == t));
            if readings > MAX_READINGS
                && let Some(n) = root.get("targets")
            {
                c.error(
                    n,
                    "targets",
                    format!(
                        "target `{t}` would be audited under {readings} readings (the alternatives of its base, random, \
                         majority and own arm multiply); at most {MAX_READINGS}"
                    ),
                );
            }
        }
    }
    let _ = text;
    Some(Descriptor {
        path: c.path.to_path_buf(),
        hash: crate::io::sha256_hex(text),
        id: id?,
        descriptor_version: version?,
        paper: paper?,
        claim: claim?,
        model: model?,
        benchmark: benchmark?,
        training,
        targets,
        arms,
        simulation,
        notes,
        warnings: Vec::new(),
    })
}

fn simulation(c: &mut Check, n: &Node) -> Option<Simulation> {
    c.map(
        n,
        "simulation",
        &["preset", "prior", "replicates", "seed"],
        &["prior", "replicates"],
    )?;
    let preset = match n.get("preset") {
        Some(v) => {
            let t = c.text(v, "simulation.preset")?;
            if let Err(e) = crate::sim::config::preset(&t) {
                c.error(v, "simulation.preset", e);
                return None;
            }
            t
        }
        None => "paper".into(),
    };
    let prior = n.get("prior").and_then(|v| {
        let p = c.float(v, "simulation.prior")?;
        if !(p > 0.0 && p < 1.0) {
            c.error(v, "simulation.prior", format!("{p} is outside (0, 1)"));
            return None;
        }
        Some(p)
    });
    let replicates = n
        .get("replicates")
        .and_then(|v| c.uint(v, "simulation.replicates", 2, MAX_REPLICATES));
    let seed = match n.get("seed") {
        Some(v) => c.uint(v, "simulation.seed", 0, u64::MAX)?,
        None => 0,
    };
    Some(Simulation {
        preset,
        prior: prior?,
        replicates: replicates?,
        seed,
    })
}
