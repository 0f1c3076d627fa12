//! The whole life cycle against services flowform did not write: Secrets Manager and KMS on
//! moto, AppFlow on a `flowform sandbox serve` process, reached only through the environment
//! (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL_APPFLOW`), as a
//! user's shell would. apply → plan (no changes) → update in place → replace → destroy, then
//! what is left is checked with the SDK against moto and the sandbox.
//!
//! moto is found through `FLOWFORM_MOTO_SERVER` or `<workspace>/.venv/bin/moto_server`; without
//! it these tests fail and say to run `scripts/install-test-deps` (a skipped test would hide a
//! regression). The sandbox's AppFlow cannot see moto's secrets, so no profile here names a
//! `client_credentials_arn`.

use crate::harness::{Ran, SENTINEL, Test};
use flowform_applier::{AwsError, ClientSettings, Clients};
use flowform_test::{Moto, Sandbox, Server};
use std::time::Instant;

/// What `plan` prints when nothing would change.
const NO_CHANGES: &str = "No changes. Your infrastructure matches the configuration.";

/// The environment of every flowform run: `secrets_and_keys` (moto, or the sandbox) for Secrets
/// Manager and KMS, `appflow` for AppFlow, the test credentials, and no shared AWS files.
fn aws_env(test: Test, secrets_and_keys: &str, appflow: &str) -> Test {
    let nowhere = test.dir.path().join("no-such-aws-file");
    let nowhere = nowhere.to_str().expect("utf-8 temp path").to_owned();
    test.env("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets_and_keys)
        .env("AWS_ENDPOINT_URL_KMS", secrets_and_keys)
        .env("AWS_ENDPOINT_URL_APPFLOW", appflow)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
}

fn clients(endpoint: &str) -> Clients {
    let runtime = runtime();
    runtime.block_on(Clients::connect(&ClientSettings {
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.into()),
        max_retries: Some(1),
        static_credentials: Some(("test".into(), "test".into())),
        ..Default::default()
    }))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A key, a secret with a policy and tags, the key's policy, and a profile encrypted with the
/// key (through the key policy, so it is created after AppFlow may use the key).
fn fixture(secret_name: &str, description: &str, key_actions: &[&str]) -> String {
    let actions = key_actions
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
kms_key "app" {{
  description             = "flowform moto lifecycle"
  deletion_window_in_days = 7
  tags                    = {{ team = "data-platform" }}
}}

secret "app" {{
  name          = "{secret_name}"
  description   = "{description}"
  kms_key_id    = kms_key.app.arn
  secret_string = jsonencode({{ clientId = "moto-client", clientSecret = "{SENTINEL}" }})
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "AllowAppFlowToRead"
      Effect    = "Allow"
      Principal = {{ Service = "appflow.amazonaws.com" }}
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = {{ StringEquals = {{ "aws:SourceAccount" = "123456789012" }} }}
    }}]
  }})
  recovery_window_in_days = 0
  tags                    = {{ team = "data-platform", purpose = "moto" }}
}}

kms_key_policy "app" {{
  key_id = kms_key.app.arn
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
        Action    = "kms:*"
        Resource  = "*"
      }},
      {{
        Sid       = "AllowAppFlowToUseTheKey"
        Effect    = "Allow"
        Principal = {{ Service = "appflow.amazonaws.com" }}
        Action    = [{actions}]
        Resource  = "*"
      }},
    ]
  }})
}}

connector_profile "encrypted" {{
  name            = "moto-servicenow-kms"
  connector_type  = "Servicenow"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.app.key_arn

  properties {{
    instance_url = "https://moto.service-now.com"
  }}

  credentials {{
    username = "integration"
    password = "{SENTINEL}"
  }}
}}

output "key_arn" {{
  value = kms_key.app.arn
}}

output "secret_arn" {{
  value = secret.app.arn
}}
"#
    )
}

/// `NAME = VALUE` from apply's outputs.
fn output(ran: &Ran, name: &str) -> String {
    let prefix = format!("{name} = ");
    ran.stdout()
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("no output {name} in\n{}", ran.stdout()))
}

/// `plan` with refresh: everything read back from moto and the sandbox matches.
fn assert_no_changes(ran: Ran, moto: &Server, sandbox: &Sandbox) -> Ran {
    aws_env(ran.then(), &moto.endpoint, &sandbox.endpoint())
        .args(["plan", "--detailed-exitcode"])
        .stdout_contains(NO_CHANGES)
        .run()
}

#[test]
fn lifecycle_with_secrets_manager_and_kms_on_moto() {
    let started = Instant::now();
    let moto = Moto::start();
    let sandbox = Sandbox::start();
    let steps = |t: Test| aws_env(t, &moto.endpoint, &sandbox.endpoint());
    let v1 = fixture("flowform/moto/app", "v1", &["kms:Decrypt"]);

    // apply: the servicenow-oauth2 example and the fixture, side by side.
    let ran = steps(
        Test::new()
            .example("servicenow-oauth2")
            .file("lifecycle.hcl", &v1),
    )
    .args(["apply", "--auto-approve"])
    .stdout_contains("Apply complete! Resources: 5 added, 0 changed, 0 destroyed.")
    .run();
    let key_arn = output(&ran, "key_arn");
    let first_secret = output(&ran, "secret_arn");
    assert!(
        key_arn.starts_with("arn:aws:kms:us-east-1:123456789012:key/"),
        "{key_arn}"
    );
    let ran = assert_no_changes(ran, &moto, &sandbox);

    // In place: the secret's description and the key policy's statement.
    let v2 = fixture(
        "flowform/moto/app",
        "v2",
        &["kms:Decrypt", "kms:GenerateDataKey"],
    );
    let ran = steps(ran.then().file("lifecycle.hcl", &v2))
        .args(["plan", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("Plan: 0 to add, 2 to change, 0 to destroy.")
        .run();
    let ran = steps(ran.then())
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.")
        .run();
    let sm = clients(&moto.endpoint);
    let rt = runtime();
    let described = rt
        .block_on(sm.secrets.describe_secret().secret_id(&first_secret).send())
        .map_err(AwsError::from_sdk)
        .expect("the secret exists");
    assert_eq!(described.description(), Some("v2"));
    let policy = rt
        .block_on(
            sm.kms
                .get_key_policy()
                .key_id(&key_arn)
                .policy_name("default")
                .send(),
        )
        .map_err(AwsError::from_sdk)
        .expect("the key policy");
    assert!(
        policy
            .policy()
            .unwrap_or_default()
            .contains("kms:GenerateDataKey"),
        "{policy:?}"
    );
    let ran = assert_no_changes(ran, &moto, &sandbox);

    // Replace: a secret's name cannot change in place.
    let v3 = fixture(
        "flowform/moto/app-renamed",
        "v2",
        &["kms:Decrypt", "kms:GenerateDataKey"],
    );
    let ran = steps(ran.then().file("lifecycle.hcl", &v3))
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.")
        .run();
    let second_secret = output(&ran, "secret_arn");
    assert_ne!(first_secret, second_secret);
    assert!(
        second_secret.contains(":secret:flowform/moto/app-renamed-"),
        "{second_secret}"
    );
    let ran = assert_no_changes(ran, &moto, &sandbox);

    // Destroy.
    let ran = steps(ran.then())
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete! Resources: 5 destroyed.")
        .run();
    assert!(
        !ran.all_files_text().contains(SENTINEL),
        "a secret value was written to the state"
    );

    // What moto and the sandbox hold now.
    for secret in [&first_secret, &second_secret] {
        match rt.block_on(
            sm.secrets
                .describe_secret()
                .secret_id(secret.as_str())
                .send(),
        ) {
            Err(e) => assert!(
                e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()),
                "{secret}: {}",
                AwsError::from_sdk(e)
            ),
            Ok(d) => assert!(
                d.deleted_date().is_some(),
                "{secret} is neither deleted nor pending deletion: {d:?}"
            ),
        }
    }
    let key = rt
        .block_on(sm.kms.describe_key().key_id(&key_arn).send())
        .map_err(AwsError::from_sdk)
        .expect("the key is still described");
    let state = key.key_metadata().and_then(|m| m.key_state());
    assert_eq!(
        state.map(|s| s.as_str()),
        Some("PendingDeletion"),
        "{key:?}"
    );
    let appflow = clients(&sandbox.endpoint());
    let profiles = rt
        .block_on(appflow.appflow.describe_connector_profiles().send())
        .map_err(AwsError::from_sdk)
        .expect("describe profiles");
    assert!(
        profiles.connector_profile_details().is_empty(),
        "profiles remain: {profiles:?}"
    );
    eprintln!("moto lifecycle took {:?}", started.elapsed());
}

#[test]
fn custom_connector_profiles_apply_and_destroy_through_the_environment() {
    let moto = Moto::start();
    let sandbox = Sandbox::start();
    let ran = aws_env(
        Test::new().example("custom-connector"),
        &moto.endpoint,
        &sandbox.endpoint(),
    )
    .args(["apply", "--auto-approve"])
    .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
    .run();
    let ran = assert_no_changes(ran, &moto, &sandbox);
    aws_env(ran.then(), &moto.endpoint, &sandbox.endpoint())
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete! Resources: 2 destroyed.")
        .run();
    let rt = runtime();
    let appflow = clients(&sandbox.endpoint());
    let profiles = rt
        .block_on(appflow.appflow.describe_connector_profiles().send())
        .map_err(AwsError::from_sdk)
        .expect("describe profiles");
    assert!(profiles.connector_profile_details().is_empty());
}

/// `sandbox serve --profile-quota N` (for the benchmarks' 1,000 profiles): the N+1st profile
/// is refused as AWS refuses one past the quota.
#[test]
fn sandbox_serve_honours_profile_quota() {
    // Profiles only: the sandbox stands in for every service.
    let sandbox = Sandbox::with_args(&["--profile-quota", "1"]);
    aws_env(
        Test::new().example("custom-connector"),
        &sandbox.endpoint(),
        &sandbox.endpoint(),
    )
    .args(["apply", "--auto-approve"])
    .status(1)
    .stderr_contains("ServiceQuotaExceededException")
    .stderr_contains("quota of 1 connector profiles")
    .run();
}
