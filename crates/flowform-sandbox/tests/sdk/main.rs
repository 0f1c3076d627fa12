//! The sandbox through the real AWS SDK for Rust, over HTTP on loopback: every operation, the
//! errors AWS documents for them, and the sandbox's own operation (auth, faults, persistence,
//! load).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

#[path = "../common/mod.rs"]
mod common;

mod appflow;
mod kms;
mod model_table;
mod operation;
mod request_time;
mod secretsmanager;
