//! Benchmark of the sandbox's cost per request as it fills: requests/s with 100 and with
//! 10,000 connector profiles stored (each with its credentials secret and client token, so
//! three times as many objects), saved to a data file as `flowform sandbox serve --data` does.
//!
//! `cargo bench -p flowform-sandbox --bench requests` (divan) prints the time per request of
//! each operation at each size; requests/s is its inverse. The requests go through the real
//! AWS SDK for Rust, one at a time, so a mutating request's time includes its fsync. The cost
//! must be flat: the same at 10,000 as at 100.
//!
//! - `create_connector_profile`: a new profile (and its secret and token), durably saved.
//! - `update_connector_profile`: a new credentials version of an existing profile, saved.
//! - `describe_connector_profiles`: one profile by name.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's failed unwrap is its failure

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_appflow::types::{
    ConnectionMode, ConnectorProfileConfig, ConnectorProfileCredentials,
    ConnectorProfileProperties, ConnectorType, ServiceNowConnectorProfileCredentials,
    ServiceNowConnectorProfileProperties,
};
use divan::Bencher;

fn main() {
    divan::main();
}

const SIZES: [usize; 2] = [100, 10_000];

/// A sandbox with `stored` profiles in a data file, and a client for it.
struct Filled {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_appflow::Client,
    _sandbox: flowform_sandbox::RunningSandbox,
    _dir: tempfile::TempDir,
}

fn config(i: u64) -> ConnectorProfileConfig {
    ConnectorProfileConfig::builder()
        .connector_profile_properties(
            ConnectorProfileProperties::builder()
                .service_now(
                    ServiceNowConnectorProfileProperties::builder()
                        .instance_url(format!("https://i{i}.service-now.com"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .connector_profile_credentials(
            ConnectorProfileCredentials::builder()
                .service_now(
                    ServiceNowConnectorProfileCredentials::builder()
                        .username(format!("u{i}"))
                        .password(format!("p{i}"))
                        .build(),
                )
                .build(),
        )
        .build()
}

async fn create(client: &aws_sdk_appflow::Client, i: u64) {
    client
        .create_connector_profile()
        .connector_profile_name(format!("bench-p{i}"))
        .connector_type(ConnectorType::Servicenow)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(config(i))
        .send()
        .await
        .unwrap();
}

fn filled(stored: usize) -> Filled {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sandbox = runtime
        .block_on(flowform_sandbox::start(flowform_sandbox::SandboxConfig {
            data_file: Some(dir.path().join("aws.json")),
            profile_quota: 1_000_000,
            ..Default::default()
        }))
        .unwrap();
    let credentials =
        aws_sdk_appflow::config::Credentials::new("test", "test", None, None, "bench");
    let client = aws_sdk_appflow::Client::from_conf(
        aws_sdk_appflow::Config::builder()
            .behavior_version(aws_sdk_appflow::config::BehaviorVersion::latest())
            .endpoint_url(sandbox.endpoint())
            .credentials_provider(credentials)
            .region(aws_sdk_appflow::config::Region::new("us-east-1"))
            .build(),
    );
    // Filled 64 requests at a time, which group commit makes quick.
    runtime.block_on(async {
        let next = std::sync::Arc::new(AtomicU64::new(0));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..64 {
            let (client, next) = (client.clone(), next.clone());
            workers.spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= stored as u64 {
                        break;
                    }
                    create(&client, i).await;
                }
            });
        }
        while let Some(done) = workers.join_next().await {
            done.unwrap();
        }
    });
    Filled {
        runtime,
        client,
        _sandbox: sandbox,
        _dir: dir,
    }
}

#[divan::bench(args = SIZES, sample_count = 20, sample_size = 10)]
fn create_connector_profile(bencher: Bencher, stored: usize) {
    let f = filled(stored);
    let next = AtomicU64::new(1_000_000);
    bencher.bench_local(|| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        f.runtime.block_on(create(&f.client, i));
    });
}

#[divan::bench(args = SIZES, sample_count = 20, sample_size = 10)]
fn update_connector_profile(bencher: Bencher, stored: usize) {
    let f = filled(stored);
    let next = AtomicU64::new(0);
    bencher.bench_local(|| {
        let i = next.fetch_add(1, Ordering::Relaxed) % stored as u64;
        f.runtime.block_on(async {
            f.client
                .update_connector_profile()
                .connector_profile_name(format!("bench-p{i}"))
                .connection_mode(ConnectionMode::Public)
                .connector_profile_config(config(i))
                .send()
                .await
                .unwrap();
        });
    });
}

#[divan::bench(args = SIZES, sample_count = 20, sample_size = 50)]
fn describe_connector_profiles(bencher: Bencher, stored: usize) {
    let f = filled(stored);
    let next = AtomicU64::new(0);
    bencher.bench_local(|| {
        let i = next.fetch_add(1, Ordering::Relaxed) % stored as u64;
        f.runtime.block_on(async {
            let out = f
                .client
                .describe_connector_profiles()
                .connector_profile_names(format!("bench-p{i}"))
                .send()
                .await
                .unwrap();
            assert_eq!(out.connector_profile_details().len(), 1);
        });
    });
}
