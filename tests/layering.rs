//! The layering of the crate, checked: data flows one way (descriptor / config → simulate or
//! load → decompose → judge → report), and a module never imports from a layer above its own.
//! A helper two layers need moves down to where both can see it (`io` for files, hashes and
//! time). Imports within a layer are refused too, except where listed.

use std::collections::BTreeMap;
use std::path::Path;

/// Module → layer; a module may import only from lower layers.
const LAYERS: &[(&str, u32)] = &[
    ("io", 0),
    ("printed", 0),
    ("rng", 0),
    ("progress", 0),
    ("stats", 1),
    // Reads its files through `io`'s bounded reader.
    ("yaml", 1),
    ("sim", 2),
    ("decompose", 3),
    ("gate", 3),
    ("sweep", 4),
    ("factorial", 4),
    ("entropy", 4),
    ("fetch", 4),
    ("shard", 4),
    ("bench", 6),
    ("audit", 5),
    ("report", 6),
    ("draft", 6),
    ("cli", 7),
    ("cmd", 8),
    ("main", 9),
    ("lib", 9),
];

fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let layer: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut bad = Vec::new();
    for f in &all {
        let m = module_of(f, &src);
        let Some(&own) = layer.get(m.as_str()) else {
            bad.push(format!(
                "{}: module `{m}` has no layer in tests/layering.rs",
                f.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name == m || name.is_empty() {
                    continue;
                }
                match layer.get(name.as_str()) {
                    Some(&l) if l < own => {}
                    Some(&l) => bad.push(format!(
                        "{}:{}: `{m}` (layer {own}) imports `{name}` (layer {l})",
                        f.display(),
                        n + 1
                    )),
                    None => bad.push(format!(
                        "{}:{}: `crate::{name}` is not a module with a layer",
                        f.display(),
                        n + 1
                    )),
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "upward or sideways imports:\n{}",
        bad.join("\n")
    );
}
