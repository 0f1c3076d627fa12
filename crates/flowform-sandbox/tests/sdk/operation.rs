//! The sandbox as a server: who may call it, STS, wire-level errors, injected faults, latency,
//! persistence across restarts, and hundreds of concurrent requests.

use std::time::{Duration, Instant};

use aws_sdk_appflow::types::{
    AmplitudeConnectorProfileCredentials, AmplitudeConnectorProfileProperties, ConnectionMode,
    ConnectorProfileConfig, ConnectorProfileCredentials, ConnectorProfileProperties, ConnectorType,
};
use aws_sdk_kms::error::ProvideErrorMetadata;
use flowform_sandbox::SandboxConfig;
use tokio::task::JoinSet;

use crate::common::{Clients, SIGNED, raw_post, retries, status_and_code};

fn amplitude() -> ConnectorProfileConfig {
    ConnectorProfileConfig::builder()
        .connector_profile_properties(
            ConnectorProfileProperties::builder()
                .amplitude(AmplitudeConnectorProfileProperties::builder().build())
                .build(),
        )
        .connector_profile_credentials(
            ConnectorProfileCredentials::builder()
                .amplitude(
                    AmplitudeConnectorProfileCredentials::builder()
                        .api_key("k")
                        .secret_key("s")
                        .build()
                        .expect("credentials"),
                )
                .build(),
        )
        .build()
}

async fn create_profile(c: &Clients, name: &str) -> Result<(), String> {
    c.appflow
        .create_connector_profile()
        .connector_profile_name(name)
        .connector_type(ConnectorType::Amplitude)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(amplitude())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("{:?}", e.into_service_error()))
}

#[tokio::test]
async fn requests_signed_with_another_key_are_refused() {
    let sandbox = flowform_sandbox::start(SandboxConfig::default())
        .await
        .expect("start");
    let stranger = Clients::with(&sandbox.endpoint(), "us-east-1", "AKIASTRANGER", retries(1));
    let (status, code, _) = status_and_code(stranger.kms.list_keys().send().await);
    assert_eq!(
        (status, code.as_str()),
        (403, "UnrecognizedClientException")
    );
    let (status, code, _) = status_and_code(stranger.secrets.list_secrets().send().await);
    assert_eq!(
        (status, code.as_str()),
        (403, "UnrecognizedClientException")
    );
    let (status, code, _) =
        status_and_code(stranger.appflow.describe_connector_profiles().send().await);
    assert_eq!(
        (status, code.as_str()),
        (403, "UnrecognizedClientException")
    );
    // STS names the same refusal InvalidClientTokenId.
    let (status, code, _) = status_and_code(stranger.sts.get_caller_identity().send().await);
    assert_eq!((status, code.as_str()), (403, "InvalidClientTokenId"));

    // A configured key is accepted, the default one then is not.
    let custom = flowform_sandbox::start(SandboxConfig {
        access_key_id: "AKIAFLOWFORM".into(),
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let ok = Clients::with(&custom.endpoint(), "us-east-1", "AKIAFLOWFORM", retries(1));
    ok.kms.list_keys().send().await.expect("configured key");
    let (_, code, _) = status_and_code(
        Clients::new(&custom.endpoint())
            .kms
            .list_keys()
            .send()
            .await,
    );
    assert_eq!(code, "UnrecognizedClientException");

    // No signature at all.
    let (status, headers, body) = raw_post(
        &sandbox.endpoint(),
        "/",
        &[
            ("x-amz-target", "TrentService.ListKeys"),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );
    assert!(headers.iter().any(|(k, _)| k == "x-amzn-requestid"));
}

#[tokio::test]
async fn requests_signed_with_the_wrong_secret_are_refused() {
    let sandbox = flowform_sandbox::start(SandboxConfig::default())
        .await
        .expect("start");
    let kms_with = |endpoint: String, secret: &str| {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_kms::config::Credentials::new(
                "test", secret, None, None, "test",
            ))
            .region(aws_sdk_kms::config::Region::new("us-east-1"))
            .retry_config(retries(1))
            .build();
        aws_sdk_kms::Client::from_conf(config)
    };
    let (status, code, message) = status_and_code(
        kms_with(sandbox.endpoint(), "not-the-secret")
            .list_keys()
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "InvalidSignatureException"));
    assert!(message.contains("does not match"), "{message}");

    // A hand-written request whose signature was never computed fails the same way.
    let (status, _, body) = raw_post(
        &sandbox.endpoint(),
        "/",
        &[
            ("authorization", SIGNED),
            ("x-amz-date", "20261123T000000Z"),
            ("x-amz-target", "TrentService.ListKeys"),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("InvalidSignatureException"), "{body}");

    // With verification off, only the access key counts.
    let lenient = crate::common::unsigned_sandbox().await;
    kms_with(lenient.endpoint(), "not-the-secret")
        .list_keys()
        .send()
        .await
        .expect("accepted");
}

#[tokio::test]
async fn sts_reports_the_configured_account() {
    let sandbox = flowform_sandbox::start(SandboxConfig {
        account_id: "210987654321".into(),
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let identity = c.sts.get_caller_identity().send().await.expect("identity");
    assert_eq!(identity.account(), Some("210987654321"));
    assert_eq!(identity.arn(), Some("arn:aws:iam::210987654321:root"));
    // Resources are made in that account.
    let key = c
        .kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("metadata");
    assert_eq!(key.aws_account_id(), Some("210987654321"));
}

#[tokio::test]
async fn malformed_requests_get_protocol_errors_not_crashes() {
    let sandbox = crate::common::unsigned_sandbox().await;
    let endpoint = sandbox.endpoint();
    let json11 = ("content-type", "application/x-amz-json-1.1");
    let (status, _, body) = raw_post(
        &endpoint,
        "/",
        &[
            ("authorization", SIGNED),
            ("x-amz-target", "secretsmanager.GetSecretValue"),
            json11,
        ],
        "{oops",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("\"__type\":\"SerializationException\""),
        "{body}"
    );
    let (status, _, body) = raw_post(
        &endpoint,
        "/",
        &[
            ("authorization", SIGNED),
            ("x-amz-target", "secretsmanager.GetSecretValue"),
            json11,
        ],
        r#"{"SecretId": 42}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"), "{body}");
    let (status, _, body) = raw_post(
        &endpoint,
        "/",
        &[
            ("authorization", SIGNED),
            ("x-amz-target", "secretsmanager.GetSecretValue"),
            json11,
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("ValidationException") && body.contains("Member must not be null"),
        "{body}"
    );
    let (status, _, body) = raw_post(
        &endpoint,
        "/",
        &[
            ("authorization", SIGNED),
            ("x-amz-target", "TrentService.EncryptEverything"),
            json11,
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("UnknownOperationException"), "{body}");
    let (status, headers, _) = raw_post(
        &endpoint,
        "/launch-rockets",
        &[("authorization", SIGNED)],
        "{}",
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "x-amzn-errortype" && v == "UnknownOperationException")
    );
    let (status, _, body) = raw_post(
        &endpoint,
        "/",
        &[
            ("authorization", "AWS4-HMAC-SHA256 Credential=garbage"),
            ("x-amz-target", "TrentService.ListKeys"),
            json11,
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("IncompleteSignatureException"), "{body}");
    // The server is still serving.
    Clients::new(&endpoint)
        .kms
        .list_keys()
        .send()
        .await
        .expect("still up");
}

#[tokio::test]
async fn injected_errors_are_answered_before_any_change() {
    let sandbox = flowform_sandbox::start(SandboxConfig {
        error_rate: 1.0,
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let c = Clients::with(&sandbox.endpoint(), "us-east-1", "test", retries(1));
    let (status, code, _) = status_and_code(c.kms.create_key().send().await);
    assert_eq!((status, code.as_str()), (500, "KMSInternalException"));
    let (status, code, _) = status_and_code(
        c.secrets
            .create_secret()
            .name("s")
            .secret_string("v")
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (500, "InternalServiceError"));
    let err = c
        .appflow
        .create_connector_profile()
        .connector_profile_name("p")
        .connector_type(ConnectorType::Amplitude)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(amplitude())
        .send()
        .await
        .expect_err("injected");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert!(err.into_service_error().is_internal_server_exception());
    let (status, code, _) = status_and_code(c.sts.get_caller_identity().send().await);
    assert_eq!((status, code.as_str()), (500, "InternalFailure"));

    let throttled = flowform_sandbox::start(SandboxConfig {
        throttle_rate: 1.0,
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let c = Clients::with(&throttled.endpoint(), "us-east-1", "test", retries(1));
    let (status, code, _) = status_and_code(c.kms.list_keys().send().await);
    assert_eq!((status, code.as_str()), (400, "ThrottlingException"));
    let err = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(
        (err.raw_response().map(|r| r.status().as_u16()), err.code()),
        (Some(429), Some("ThrottlingException"))
    );
}

#[tokio::test]
async fn sdk_retries_through_faults_without_duplicates() {
    let sandbox = flowform_sandbox::start(SandboxConfig {
        throttle_rate: 0.25,
        error_rate: 0.15,
        seed: 7,
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let c = Clients::with(&sandbox.endpoint(), "us-east-1", "test", retries(12));
    for i in 0..20 {
        c.secrets
            .create_secret()
            .name(format!("retry/{i}"))
            .secret_string("v")
            .send()
            .await
            .expect("retried create");
        create_profile(&c, &format!("retry-{i}"))
            .await
            .expect("retried profile");
        c.secrets
            .put_secret_value()
            .secret_id(format!("retry/{i}"))
            .secret_string("v2")
            .send()
            .await
            .expect("retried put");
    }
    // Count through the still-faulty sandbox with the same retries: every object exactly once.
    let mut secrets = 0;
    let name_filter = aws_sdk_secretsmanager::types::Filter::builder()
        .key(aws_sdk_secretsmanager::types::FilterNameStringType::Name)
        .values("retry/")
        .build();
    let mut pages = c
        .secrets
        .list_secrets()
        .filters(name_filter)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        secrets += page.expect("page").secret_list().len();
    }
    assert_eq!(secrets, 20);
    let profiles = c
        .appflow
        .describe_connector_profiles()
        .max_results(100)
        .send()
        .await
        .expect("describe");
    assert_eq!(profiles.connector_profile_details().len(), 20);
    let versions = c
        .secrets
        .list_secret_version_ids()
        .secret_id("retry/3")
        .send()
        .await
        .expect("versions");
    assert_eq!(versions.versions().len(), 2, "one version per logical put");
}

#[tokio::test]
async fn latency_is_applied_without_serialising_requests() {
    let sandbox = flowform_sandbox::start(SandboxConfig {
        latency: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let started = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..20 {
        let c = c.clone();
        set.spawn(async move { c.kms.list_keys().send().await.map(|_| ()) });
    }
    while let Some(result) = set.join_next().await {
        result.expect("task").expect("request");
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "requests waited for each other: {elapsed:?}"
    );
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sandbox.json");
    let config = || SandboxConfig {
        data_file: Some(file.clone()),
        ..SandboxConfig::default()
    };

    let sandbox = flowform_sandbox::start(config()).await.expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let key = c
        .kms
        .create_key()
        .description("kept")
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("metadata");
    c.kms
        .create_alias()
        .alias_name("alias/kept")
        .target_key_id(key.key_id())
        .send()
        .await
        .expect("alias");
    let secret_arn = c
        .secrets
        .create_secret()
        .name("kept")
        .secret_string("value")
        .send()
        .await
        .expect("secret")
        .arn
        .unwrap_or_default();
    create_profile(&c, "kept").await.expect("profile");
    let west = Clients::with(&sandbox.endpoint(), "eu-west-1", "test", retries(1));
    west.secrets
        .create_secret()
        .name("west")
        .secret_string("w")
        .send()
        .await
        .expect("west secret");
    let first_arn = c
        .secrets
        .create_secret()
        .name("recreated")
        .secret_string("1")
        .send()
        .await
        .expect("secret")
        .arn
        .unwrap_or_default();
    c.secrets
        .delete_secret()
        .secret_id("recreated")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("deleted");
    sandbox.shutdown().await.expect("shutdown");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("data file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the data file holds secrets");
    }

    let again = flowform_sandbox::start(config()).await.expect("restart");
    let c = Clients::new(&again.endpoint());
    let described = c
        .kms
        .describe_key()
        .key_id("alias/kept")
        .send()
        .await
        .expect("key kept");
    assert_eq!(
        described.key_metadata.and_then(|m| m.description),
        Some("kept".to_owned())
    );
    let value = c
        .secrets
        .get_secret_value()
        .secret_id("kept")
        .send()
        .await
        .expect("secret kept");
    assert_eq!(
        (value.arn(), value.secret_string()),
        (Some(secret_arn.as_str()), Some("value"))
    );
    let profiles = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect("profiles");
    assert_eq!(profiles.connector_profile_details().len(), 1);
    let credentials = profiles.connector_profile_details()[0]
        .credentials_arn()
        .expect("credentials arn");
    c.secrets
        .describe_secret()
        .secret_id(credentials)
        .send()
        .await
        .expect("credentials kept");
    let west = Clients::with(&again.endpoint(), "eu-west-1", "test", retries(1));
    west.secrets
        .describe_secret()
        .secret_id("west")
        .send()
        .await
        .expect("west kept");
    let (_, code, _) = status_and_code(c.secrets.describe_secret().secret_id("west").send().await);
    assert_eq!(code, "ResourceNotFoundException", "regions stay apart");
    // A secret made after the restart does not reuse the ARN of one made before it.
    let second_arn = c
        .secrets
        .create_secret()
        .name("recreated")
        .secret_string("2")
        .send()
        .await
        .expect("secret")
        .arn
        .unwrap_or_default();
    assert_ne!(first_arn, second_arn);
    again.shutdown().await.expect("shutdown");

    // A data file that is not sandbox data is refused with a readable error.
    std::fs::write(&file, "{ not json").expect("write");
    let err = flowform_sandbox::start(config())
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("is not valid sandbox data"),
        "{err}"
    );
}

#[tokio::test]
async fn five_hundred_concurrent_requests() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sandbox.json");
    let sandbox = flowform_sandbox::start(SandboxConfig {
        data_file: Some(file.clone()),
        ..SandboxConfig::default()
    })
    .await
    .expect("start");
    let c = Clients::new(&sandbox.endpoint());

    let started = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..500 {
        let c = c.clone();
        set.spawn(async move {
            match i % 5 {
                0 => create_profile(&c, &format!("load-{i}")).await,
                1 | 2 => c
                    .secrets
                    .create_secret()
                    .name(format!("load/{i}"))
                    .secret_string("v")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}")),
                3 => c
                    .kms
                    .create_key()
                    .description(format!("load-{i}"))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}")),
                _ => c
                    .kms
                    .list_keys()
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}")),
            }
        });
    }
    let outcome = tokio::time::timeout(Duration::from_secs(120), async {
        let mut failures = Vec::new();
        while let Some(result) = set.join_next().await {
            if let Err(e) = result.expect("task") {
                failures.push(e);
            }
        }
        failures
    })
    .await
    .expect("500 requests finish within 120 s");
    let elapsed = started.elapsed();
    eprintln!("500 concurrent requests took {elapsed:?}");
    assert!(
        outcome.is_empty(),
        "{} failed, first: {:?}",
        outcome.len(),
        outcome.first()
    );

    // Every created thing is there exactly once, in memory and on disk.
    let check = |c: Clients| async move {
        let mut secrets = Vec::new();
        let mut pages = c.secrets.list_secrets().into_paginator().send();
        while let Some(page) = pages.next().await {
            secrets.extend(
                page.expect("page")
                    .secret_list()
                    .iter()
                    .filter_map(|s| s.name().map(str::to_owned)),
            );
        }
        let mut keys = 0;
        let mut marker = None;
        loop {
            let page = c
                .kms
                .list_keys()
                .set_marker(marker)
                .send()
                .await
                .expect("keys");
            keys += page.keys().len();
            marker = page.next_marker.clone();
            if !page.truncated {
                break;
            }
        }
        let mut profiles = 0;
        let mut pages = c
            .appflow
            .describe_connector_profiles()
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            profiles += page.expect("page").connector_profile_details().len();
        }
        let own = secrets.iter().filter(|n| n.starts_with("load/")).count();
        let credentials = secrets.iter().filter(|n| n.starts_with("appflow!")).count();
        for name in secrets.iter().filter(|n| n.starts_with("load/")).take(20) {
            c.secrets
                .get_secret_value()
                .secret_id(name)
                .send()
                .await
                .expect("describable");
        }
        (own, credentials, keys, profiles)
    };
    assert_eq!(check(c.clone()).await, (200, 100, 100, 100));
    sandbox.shutdown().await.expect("shutdown");
    let again = flowform_sandbox::start(SandboxConfig {
        data_file: Some(file),
        ..SandboxConfig::default()
    })
    .await
    .expect("restart");
    assert_eq!(
        check(Clients::new(&again.endpoint())).await,
        (200, 100, 100, 100)
    );
}

#[tokio::test]
async fn kms_errors_carry_codes_the_sdk_classifies() {
    let sandbox = flowform_sandbox::start(SandboxConfig::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let err = c
        .kms
        .describe_key()
        .key_id("alias/none")
        .send()
        .await
        .expect_err("missing");
    assert!(err.into_service_error().is_not_found_exception());
    let key = c
        .kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("metadata");
    c.kms
        .create_alias()
        .alias_name("alias/a")
        .target_key_id(key.key_id())
        .send()
        .await
        .expect("alias");
    let err = c
        .kms
        .create_alias()
        .alias_name("alias/a")
        .target_key_id(key.key_id())
        .send()
        .await
        .expect_err("exists");
    assert!(err.into_service_error().is_already_exists_exception());
    c.kms
        .schedule_key_deletion()
        .key_id(key.key_id())
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule");
    let err = c
        .kms
        .update_key_description()
        .key_id(key.key_id())
        .description("x")
        .send()
        .await
        .expect_err("pending");
    assert!(err.into_service_error().is_kms_invalid_state_exception());
    let err = c
        .kms
        .put_key_policy()
        .key_id(key.key_id())
        .policy_name("default")
        .policy("x")
        .send()
        .await
        .expect_err("malformed");
    assert!(
        err.into_service_error()
            .is_malformed_policy_document_exception()
    );
}
