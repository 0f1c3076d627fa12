//! The diagnostic log: flowform's own events and the AWS SDK's, through `tracing`.
//!
//! The level comes from `FLOWFORM_LOG`, else `RUST_LOG` (the usual `tracing` filter syntax:
//! `debug`, `flowform=trace,aws_smithy_runtime=debug`); without either, nothing is logged to
//! standard error and `info` is logged to a `--log-file`. A log file is appended to, created
//! readable by its owner only, and written without colour. At `debug` every AWS call shows
//! (the SDK's `Secrets Manager.CreateSecret{rpc.method=CreateSecret ...}` spans and their
//! attempts).
//!
//! Secrets must never reach the log, whatever level is asked for. At `trace` the SDK logs each
//! request and answer; with `LOG_SENSITIVE_BODIES=true` or `LOG_SIGNABLE_BODY=true` in the
//! environment (switches of the SDK, not ours) that includes their bodies — the `SecretString`
//! of GetSecretValue and CreateSecret, the credentials of CreateConnectorProfile — and whether
//! a body shows without them depends on how the SDK version at hand buffers it. So the SDK's crates
//! and the HTTP stack below them are capped at `debug` by a filter of their own ([`SDK_CAP`]),
//! separate from the user's: no directive in `FLOWFORM_LOG`/`RUST_LOG`, however specific, can
//! lift it. flowform's own events name addresses and counts, never attribute values.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Arc;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Targets that log request or response bodies (or the canonical request) below `debug`.
/// Prefixes: `aws_smithy_runtime` covers `aws_smithy_runtime_api` as well.
pub const SDK_CAP: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_http",
    "aws_smithy_types",
    "aws_sigv4",
    "aws_runtime",
    "aws_config",
    "aws_credential_types",
    "aws_sdk_",
    "hyper",
    "h2",
    "rustls",
];

/// Installs the subscriber. Returns an error naming the log file when it cannot be opened.
pub fn init(log_file: Option<&Path>, color: bool) -> Result<(), String> {
    let asked = ["FLOWFORM_LOG", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    let default = if log_file.is_some() { "info" } else { "off" };
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::OFF.into())
        .parse_lossy(asked.as_deref().unwrap_or(default));
    let cap = SDK_CAP.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |t, target| t.with_target(*target, LevelFilter::DEBUG),
    );
    let registry = tracing_subscriber::registry().with(filter).with(cap);
    match log_file {
        Some(path) => {
            let file = open(path)?;
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(Arc::new(file));
            registry.with(layer).try_init()
        }
        None => {
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(color)
                .with_writer(std::io::stderr);
            registry.with(layer).try_init()
        }
    }
    .map_err(|e| format!("cannot start the log: {e}"))
}

/// Opens the log for appending, creating it readable and writable by its owner only.
fn open(path: &Path) -> Result<File, String> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))
}
