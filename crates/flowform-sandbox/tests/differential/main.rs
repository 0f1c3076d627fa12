//! The same Secrets Manager and KMS scenarios against moto and against the sandbox: outcomes and
//! error codes must agree, except where moto is known to be looser than AWS, where the sandbox
//! follows AWS and each difference is listed, with the reason, in `KNOWN_DIFFERENCES`.
//!
//! moto is started as a subprocess (`moto_server -H 127.0.0.1 -p PORT`). It is found through
//! `FLOWFORM_MOTO_SERVER` or `<workspace>/.venv/bin/moto_server`; without it the tests fail and
//! say to run `scripts/install-test-deps`: a skipped comparison would hide drift.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

#[path = "../common/mod.rs"]
mod common;

use common::Clients;
use common::scenarios::{self, Steps};

const ACCOUNT: &str = "123456789012";

/// Steps where moto answers differently from AWS, with the sandbox's (AWS's) and moto's outcome.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    // (step, sandbox = AWS, moto, why)
    (
        "put while pending deletion",
        "InvalidRequestException",
        "ok",
        "AWS refuses PutSecretValue on a secret marked for deletion; moto accepts it",
    ),
    (
        "create the name again while pending deletion",
        "InvalidRequestException",
        "ResourceExistsException",
        "AWS answers InvalidRequestException (scheduled for deletion); moto ResourceExistsException",
    ),
    (
        "put policy while pending deletion",
        "InvalidRequestException",
        "ok",
        "AWS refuses changes to a secret marked for deletion; moto accepts any policy text",
    ),
    (
        "put a policy that is not JSON",
        "MalformedPolicyDocumentException",
        "ok",
        "AWS validates policy documents; moto accepts any text as a policy",
    ),
    (
        "put a policy that locks the account out",
        "MalformedPolicyDocumentException",
        "ok",
        "KMS's policy lockout safety check; moto has none",
    ),
    (
        "create a key with a lockout policy",
        "MalformedPolicyDocumentException",
        "ok",
        "KMS's policy lockout safety check; moto has none",
    ),
    (
        "put public policy with BlockPublicPolicy",
        "PublicPolicyException",
        "ok",
        "with BlockPublicPolicy AWS refuses a policy that allows everyone; moto does not check",
    ),
    (
        "new key",
        "Some(Enabled) Some(EncryptDecrypt) Some(SymmetricDefault)",
        "Some(Enabled) None Some(SymmetricDefault)",
        "AWS reports the default KeyUsage ENCRYPT_DECRYPT; moto leaves KeyUsage out when it was not given",
    ),
    (
        "schedule deletion in 5 days",
        "ValidationException",
        "ok",
        "PendingWindowInDays must be 7..30 on AWS; moto accepts any number",
    ),
    (
        "update a key pending deletion",
        "KMSInvalidStateException",
        "ok",
        "AWS refuses changes to a key pending deletion (key state table); moto allows them",
    ),
    (
        "schedule deletion again",
        "KMSInvalidStateException",
        "ok",
        "AWS refuses to schedule the deletion of a key already pending deletion; moto reschedules",
    ),
    (
        "cancel again",
        "KMSInvalidStateException",
        "ok",
        "AWS refuses CancelKeyDeletion for a key that is not pending deletion; moto allows it",
    ),
];

fn compare(sandbox: &Steps, moto: &Steps) {
    assert_eq!(
        sandbox.len(),
        moto.len(),
        "the scenario took different paths:\nsandbox {sandbox:#?}\nmoto {moto:#?}"
    );
    let mut problems = Vec::new();
    for ((step, ours), (_, theirs)) in sandbox.iter().zip(moto) {
        match KNOWN_DIFFERENCES.iter().find(|(s, ..)| s == step) {
            Some((_, aws, moto_answer, why)) => {
                if ours != aws {
                    problems.push(format!(
                        "{step}: the sandbox answered {ours}, AWS answers {aws} ({why})"
                    ));
                }
                if theirs != moto_answer {
                    problems.push(format!("{step}: moto now answers {theirs}, not {moto_answer}: update KNOWN_DIFFERENCES ({why})"));
                }
            }
            None if ours != theirs => {
                problems.push(format!("{step}: sandbox {ours}, moto {theirs}"))
            }
            None => {}
        }
    }
    assert!(
        problems.is_empty(),
        "sandbox and moto disagree:\n{}",
        problems.join("\n")
    );
}

async fn run<F, Fut>(scenario: F)
where
    F: Fn(Clients) -> Fut,
    Fut: std::future::Future<Output = Steps>,
{
    // moto takes a second or two to answer; waiting for it must not hold a runtime worker.
    let moto = tokio::task::spawn_blocking(flowform_test::Moto::start)
        .await
        .expect("moto starts");
    let sandbox = flowform_sandbox::start(flowform_sandbox::SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let ours = scenario(Clients::new(&sandbox.endpoint())).await;
    let theirs = scenario(Clients::new(&moto.endpoint)).await;
    sandbox.shutdown().await.expect("sandbox stops");
    compare(&ours, &theirs);
}

#[tokio::test]
async fn secrets_lifecycle_agrees_with_moto() {
    run(|c| async move { scenarios::secrets_lifecycle(&c).await }).await;
}

#[tokio::test]
async fn secrets_pending_deletion_differs_from_moto_as_aws_does() {
    run(|c| async move { scenarios::secrets_pending_deletion(&c).await }).await;
}

#[tokio::test]
async fn secrets_pagination_agrees_with_moto() {
    run(|c| async move { scenarios::secrets_pagination(&c).await }).await;
}

#[tokio::test]
async fn kms_lifecycle_agrees_with_moto() {
    run(|c| async move { scenarios::kms_lifecycle(&c, ACCOUNT).await }).await;
}

#[tokio::test]
async fn kms_policy_checks_differ_from_moto_as_aws_does() {
    run(|c| async move { scenarios::kms_policy_checks(&c, ACCOUNT).await }).await;
}
