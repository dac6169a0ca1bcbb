//! Scale-out: shards merged give the unsharded result byte for byte; merge refuses missing,
//! duplicated and foreign shards.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{cli, command, temp};

const SWEEP: &[&str] = &[
    "sweep",
    "--levels",
    "0.2,0.5,0.8",
    "-R",
    "2",
    "--steps",
    "20",
    "--resamples",
    "200",
];

fn read_dir_bytes(d: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for sub in ["", "figures"] {
        for e in std::fs::read_dir(d.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                v.push((
                    p.strip_prefix(d).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    v.sort();
    v
}

/// `merge FILES --out OUT --json`, which must succeed.
fn merge_ok(files: &[PathBuf], out: &Path) -> Output {
    let mut m: Vec<&str> = vec!["merge"];
    m.extend(files.iter().map(|f| f.to_str().unwrap()));
    m.extend(["--out", out.to_str().unwrap(), "--json"]);
    let merged = cli(&m);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    merged
}

fn shard_files(dir: &Path, args: &[&str], n: u64) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let f = dir.join(format!("s{i}-of-{n}.jsonl"));
            let shard = format!("{i}/{n}");
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--shard", &shard, "--shard-out", f.to_str().unwrap()]);
            let o = cli(&all);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            f
        })
        .collect()
}

#[test]
fn merged_sweep_shards_equal_the_unsharded_sweep() {
    let tmp = temp("sweep");
    let dir = tmp.path();
    let whole = dir.join("whole");
    let mut args = SWEEP.to_vec();
    args.extend(["--out", whole.to_str().unwrap(), "--json"]);
    let single = cli(&args);
    assert!(single.status.success());
    // 3 levels × 4 arms × 2 replicates = 24 runs; 30 shards leaves some empty.
    for n in [1u64, 2, 3, 30] {
        let files = shard_files(dir, SWEEP, n);
        let out = dir.join(format!("merged-{n}"));
        let merged = merge_ok(&files, &out);
        assert_eq!(merged.stdout, single.stdout, "JSON differs for n = {n}");
        assert_eq!(
            read_dir_bytes(&out),
            read_dir_bytes(&whole),
            "reports differ for n = {n}"
        );
    }
}

#[test]
fn merge_refuses_missing_duplicated_and_foreign_shards() {
    let tmp = temp("refuse");
    let dir = tmp.path();
    let files = shard_files(dir, SWEEP, 3);
    let f = |p: &PathBuf| p.to_str().unwrap().to_string();
    let err = |args: Vec<String>| {
        let o = command().arg("merge").args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(err(vec![f(&files[0]), f(&files[2])]).contains("missing shard(s): 1/3"));
    assert!(
        err(vec![f(&files[0]), f(&files[1]), f(&files[1]), f(&files[2])]).contains("given twice")
    );
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let mut other_args = SWEEP.to_vec();
    other_args.extend(["--seed", "7"]);
    let other = shard_files(&other_dir, &other_args, 3);
    let e = err(vec![f(&files[0]), f(&other[1]), f(&files[2])]);
    assert!(e.contains("shard of another run"), "{e}");
    // A truncated shard file is caught too: its records no longer match their hash.
    let text = std::fs::read_to_string(&files[1]).unwrap();
    let cut: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(&files[1], cut.join("\n") + "\n").unwrap();
    let e = err(vec![f(&files[0]), f(&files[1]), f(&files[2])]);
    assert!(e.contains("records_sha256") && e.contains("cut"), "{e}");
}

#[test]
fn merged_factorial_shards_equal_the_unsharded_study() {
    let tmp = temp("factorial");
    let dir = tmp.path();
    let study = dir.join("s.yaml");
    std::fs::write(
        &study,
        "schema: 1\ntitle: t\nbase: {steps: 20}\nfactors:\n  - {name: A, label: reward, parameter: arm, low: majority, high: \"true\"}\n  - {name: B, label: prior, parameter: prior, low: 0.35, high: 0.8}\noutcome: accuracy\nreplicates: 3\nseed: 1\nhypotheses:\n  - {id: H1, effect: AxB, direction: \"<0\", alpha: 0.05}\ndecision_rule: test\n",
    )
    .unwrap();
    assert!(
        cli(&["prereg", "lock", study.to_str().unwrap()])
            .status
            .success()
    );
    let whole = dir.join("whole");
    let single = cli(&[
        "factorial",
        study.to_str().unwrap(),
        "--out",
        whole.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        single.status.success(),
        "{}",
        String::from_utf8_lossy(&single.stderr)
    );
    let files = shard_files(dir, &["factorial", study.to_str().unwrap()], 5);
    let out = dir.join("merged");
    let merged = merge_ok(&files, &out);
    assert_eq!(merged.stdout, single.stdout);
    assert_eq!(read_dir_bytes(&out), read_dir_bytes(&whole));
}
