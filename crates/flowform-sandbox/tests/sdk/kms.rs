//! KMS through the SDK: the shared scenarios with the outcomes AWS gives, plus ARNs and status
//! codes.

use crate::common::{Clients, assert_scenario, scenarios, status_and_code};

#[tokio::test]
async fn lifecycle_answers_as_aws() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let steps = scenarios::kms_lifecycle(&Clients::new(&sandbox.endpoint()), "123456789012").await;
    assert_scenario(
        steps,
        &[
            ("create key", "ok"),
            (
                "new key",
                "Some(Enabled) Some(EncryptDecrypt) Some(SymmetricDefault)",
            ),
            ("default key policy", "ok root-has-kms:*=true"),
            ("describe by id", "ok"),
            ("describe by arn", "ok"),
            ("describe missing", "NotFoundException"),
            ("create alias", "ok"),
            ("create alias again", "AlreadyExistsException"),
            ("create alias without prefix", "ValidationException"),
            ("create reserved alias", "NotAuthorizedException"),
            ("describe by alias", "ok same-key=true"),
            ("describe by alias arn", "ok"),
            ("list aliases of the key", "ok 1"),
            ("delete alias", "ok"),
            ("delete alias again", "NotFoundException"),
            ("describe by deleted alias", "NotFoundException"),
            ("put key policy", "ok"),
            ("get key policy", "ok has-appflow=true"),
            ("get a policy that is not default", "NotFoundException"),
            ("list key policies", "ok [\"default\"]"),
            ("update description", "ok"),
            ("description", "renamed"),
            ("tag", "ok"),
            ("untag", "ok"),
            ("tags", "env=dev"),
            ("schedule deletion", "ok has-date=true"),
            ("state while pending", "Some(PendingDeletion)"),
            ("cancel deletion", "ok"),
            ("state after cancel", "Some(Disabled) disabled=true"),
            ("enable", "ok"),
        ],
    );
}

#[tokio::test]
async fn policy_checks_answer_as_aws() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let steps =
        scenarios::kms_policy_checks(&Clients::new(&sandbox.endpoint()), "123456789012").await;
    assert_scenario(
        steps,
        &[
            (
                "put a policy that is not JSON",
                "MalformedPolicyDocumentException",
            ),
            (
                "put a policy that locks the account out",
                "MalformedPolicyDocumentException",
            ),
            ("put it with the safety check bypassed", "ok"),
            (
                "create a key with a lockout policy",
                "MalformedPolicyDocumentException",
            ),
            ("create a key with a good policy", "ok"),
            ("schedule deletion in 5 days", "ValidationException"),
            ("schedule deletion in 30 days", "ok"),
            ("update a key pending deletion", "KMSInvalidStateException"),
            ("schedule deletion again", "KMSInvalidStateException"),
            ("cancel", "ok"),
            ("cancel again", "KMSInvalidStateException"),
        ],
    );
}

#[tokio::test]
async fn arns_and_status_codes() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let kms = Clients::new(&sandbox.endpoint()).kms;
    let key = kms
        .create_key()
        .send()
        .await
        .expect("create")
        .key_metadata
        .expect("metadata");
    let arn = key.arn().expect("arn");
    assert_eq!(
        arn,
        format!("arn:aws:kms:us-east-1:123456789012:key/{}", key.key_id())
    );
    assert!(
        uuid::Uuid::parse_str(key.key_id()).is_ok(),
        "key ids are UUIDs"
    );

    let (status, code, message) = status_and_code(
        kms.describe_key()
            .key_id("11111111-2222-3333-4444-555555555555")
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "NotFoundException"));
    assert!(message.contains("does not exist"), "{message}");

    let big = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*", "Sid": "x".repeat(33_000)}]}).to_string();
    let (_, code, message) = status_and_code(
        kms.put_key_policy()
            .key_id(key.key_id())
            .policy_name("default")
            .policy(big)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
    assert!(message.contains("32768"), "{message}");
}
