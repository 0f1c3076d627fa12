//! The test kit, as uv's `uv-test` is uv's: what every end-to-end test, differential test and
//! benchmark needs to stand up the world around flowform, written once.
//!
//! - [`Moto`]: moto's server on a free loopback port (Secrets Manager, KMS, S3), once it
//!   answers; found through `FLOWFORM_MOTO_SERVER` or `<workspace>/.venv/bin/moto_server`.
//! - [`Sandbox`]: a `flowform sandbox serve` process on a free port with its own data, and SDK
//!   clients for it ([`Sandbox::appflow`], ...) plus listings of what it holds.
//! - [`Server`]: either, as a child process killed when dropped (even when a test panics).
//! - [`filters`]: insta settings that replace what changes from run to run (ARNs' random parts,
//!   UUIDs, timings, temporary paths) so whole outputs can be snapshots.
//!
//! It is a dev-dependency only; a panic here is a failed test, with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

mod clients;
pub mod filters;
mod moto;
mod sandbox;
mod server;

pub use clients::Clients;
pub use moto::Moto;
pub use sandbox::Sandbox;
pub use server::Server;

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The `flowform` binary of this build: `FLOWFORM_BIN`, else the one next to the running test
/// or benchmark (`target/PROFILE/deps/NAME-HASH` → `target/PROFILE/flowform`), as cargo puts
/// them.
pub fn flowform_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FLOWFORM_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/PROFILE/deps");
    let binary = profile_dir.join(format!("flowform{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} does not exist: build the flowform binary first (cargo test builds it for the flowform-cli tests), or set FLOWFORM_BIN",
        binary.display()
    );
    binary
}
