//! End-to-end tests: the real `flowform` binary, real HCL, real files.
//!
//! One test binary for everything, built around [`Test`], a fluent builder in the manner of
//! casey/just's: `Test::new().example("salesforce-jwt").args(["plan"]).stdout_contains(..).run()`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

mod harness;

mod cli;
mod color;
mod crash_trials;
mod flags;
mod instances;
mod lifecycle;
mod logging;
mod modules;
mod moto;
mod pipe;
mod plan;
mod providers;
mod recovery;
mod resilience;
mod s3_backend;
mod saved_plan;
mod secrets;
mod signals;
mod state;
mod validate;
