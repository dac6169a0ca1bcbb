//! Helpers shared by the integration tests: the binary under test, temporary directories that
//! are removed (with everything in them) when dropped, and a scripted local HTTP server.

// Each test binary compiles this module and uses a part of it.
#![allow(dead_code, unused_imports)]

pub mod server;

use std::process::{Command, Output};

pub use server::{Reply, Server};
pub use tempfile::TempDir;

/// The binary under test, run from the crate's root (where its default paths point) and without
/// `RLVR_AUDIT_ARXIV_BASE`, so a developer's setting never sends a test to the network.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rlvr-audit"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RLVR_AUDIT_ARXIV_BASE");
    c
}

/// Runs the binary with `args` and collects its output.
pub fn cli(args: &[&str]) -> Output {
    command().args(args).output().expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh, empty temporary directory named after `tag`; it is removed when dropped, also when
/// the test fails.
pub fn temp(tag: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("rlvr-audit-{tag}-"))
        .tempdir()
        .expect("a temporary directory")
}
