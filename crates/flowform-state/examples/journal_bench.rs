//! How long recording an apply takes, with the journal and without it.
//!
//! ```text
//! cargo run --release -p flowform-state --example journal_bench [DIR]
//! ```
//!
//! DIR (default: a temporary directory) should be on the disk the state will live on: the
//! numbers are dominated by fsync. The "rewrite per change" row is what Terraform does (the
//! whole state rewritten after every resource); it is run for fewer resources because it grows
//! quadratically.
//!
//! Measured on the 2-core development VM (release build), 2026-11-23:
//!
//! | | disk, quiet | disk, shared with other builds | tmpfs (fsync free) |
//! |---|---|---|---|
//! | journal, 1,000 changes | 0.20 s | 1.9–2.9 s | 9 ms |
//! | journal, 10,000 changes | 2.1 s (0.21 ms each) | 14–20 s | 52 ms (5 µs each) |
//! | fold after 10,000 changes | 0.10 s | 0.09–0.13 s | 50 ms |
//! | persist / load, 10,000 resources (5.9 MiB) | 64 ms / 77 ms | 60 ms / 102–112 ms | 27 ms / 61 ms |
//! | rewrite per change, 1,000 / 2,000 changes | 3.2 s / 15.4 s | 11 s / 24–34 s | 2.9 s / 14.2 s |
//!
//! Appending costs one `fdatasync` and is flat in the journal's length; rewriting is quadratic
//! even where fsync is free.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flowform_state::{LocalBackend, ResourceState, State, StateError};
use serde_json::json;

fn profile(n: usize) -> ResourceState {
    ResourceState::new(
        "connector_profile",
        format!("arn:aws:appflow:us-east-1:123456789012:connectorprofile/salesforce-{n}"),
    )
    .attribute("name", format!("salesforce-{n}"))
    .attribute("connector_type", "Salesforce")
    .attribute("connection_mode", "Public")
    .attribute(
        "properties",
        json!({"instance_url": "https://example.my.salesforce.com", "is_sandbox_environment": false}),
    )
    .attribute("credentials_arn", format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow-{n}"))
    .depends_on(format!("secret.app_{n}"))
}

fn fresh(dir: &Path, name: &str) -> (LocalBackend, State) {
    let path: PathBuf = dir.join(name);
    (
        LocalBackend::new(path),
        State::new(env!("CARGO_PKG_VERSION")),
    )
}

fn journal_apply(dir: &Path, n: usize) -> Result<(Duration, Duration), StateError> {
    let (mut backend, state) = fresh(dir, &format!("journal-{n}.json"));
    let mut journal = backend.begin_journal(&state)?;
    let started = Instant::now();
    for i in 0..n {
        journal.set(&format!("connector_profile.p{i}"), profile(i))?;
    }
    let appended = started.elapsed();
    let folded = Instant::now();
    backend.fold(journal)?;
    Ok((appended, folded.elapsed()))
}

fn rewrite_per_change(dir: &Path, n: usize) -> Result<Duration, StateError> {
    let (mut backend, mut state) = fresh(dir, &format!("rewrite-{n}.json"));
    let started = Instant::now();
    for i in 0..n {
        state
            .resources
            .insert(format!("connector_profile.p{i}"), profile(i));
        backend.persist(&state)?;
    }
    Ok(started.elapsed())
}

fn persist_and_load(dir: &Path, n: usize) -> Result<(Duration, Duration, usize), StateError> {
    let (mut backend, mut state) = fresh(dir, &format!("big-{n}.json"));
    for i in 0..n {
        state
            .resources
            .insert(format!("connector_profile.p{i}"), profile(i));
    }
    let started = Instant::now();
    backend.persist(&state)?;
    let persisted = started.elapsed();
    let size = std::fs::metadata(backend.path())
        .map(|meta| meta.len() as usize)
        .unwrap_or(0);
    let started = Instant::now();
    let loaded = LocalBackend::new(backend.path()).load()?;
    let load = started.elapsed();
    assert_eq!(loaded.map(|state| state.resources.len()), Some(n));
    Ok((persisted, load, size))
}

fn ms(duration: Duration) -> String {
    format!("{:>9.1} ms", duration.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temporary = tempfile::tempdir()?;
    let dir = match std::env::args_os().nth(1) {
        Some(parent) => {
            std::fs::create_dir_all(&parent)?;
            tempfile::tempdir_in(parent)?
        }
        None => temporary,
    };
    let dir = dir.path();
    println!("directory: {}", dir.display());

    for n in [1_000, 10_000] {
        let (appended, folded) = journal_apply(dir, n)?;
        println!(
            "journal: append {n:>6} changes {}  ({:.1} us/change, fsync each)   fold {}",
            ms(appended),
            appended.as_secs_f64() * 1e6 / n as f64,
            ms(folded)
        );
    }
    for n in [1_000, 10_000] {
        let (persisted, loaded, size) = persist_and_load(dir, n)?;
        println!(
            "state:   persist {n:>6} resources {}  load {}  ({:.1} MiB)",
            ms(persisted),
            ms(loaded),
            size as f64 / (1024.0 * 1024.0)
        );
    }
    for n in [250, 1_000, 2_000] {
        let rewritten = rewrite_per_change(dir, n)?;
        println!(
            "rewrite per change (Terraform's way): {n:>6} changes {}",
            ms(rewritten)
        );
    }
    Ok(())
}
