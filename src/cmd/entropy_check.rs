//! `entropy`: the entropy mechanism checked in the simulator.

use super::*;

pub(crate) fn write_entropy(
    e: &crate::entropy::EntropyReport,
    dir: &Path,
    regenerate: &str,
) -> Result<()> {
    write_files(
        dir,
        &[
            ("figures/entropy-law.svg", report::svg::entropy_law(e)?),
            (
                "figures/entropy-dynamics.svg",
                report::svg::entropy_dynamics(e)?,
            ),
            ("entropy.md", report::markdown::entropy(e, regenerate)),
        ],
    )
}

pub(crate) fn entropy_cmd(a: EntropyArgs) -> Result<()> {
    anyhow::ensure!(a.replicates >= 1, "--replicates must be at least 1");
    let cfg = a.sim.resolve()?;
    let e = crate::entropy::study(&cfg, a.replicates);
    if let Some(dir) = &a.out {
        write_entropy(
            &e,
            dir,
            "rlvr-audit entropy with the config and replicates recorded in this report",
        )?;
        eprintln!("wrote {}", dir.join("entropy.md").display());
    }
    if a.json {
        return print_json(&e);
    }
    say_raw!("{}", terminal::entropy(&e));
    Ok(())
}
