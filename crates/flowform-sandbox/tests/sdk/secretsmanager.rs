//! Secrets Manager through the SDK: the shared scenarios with the outcomes AWS gives, plus
//! what the scenarios cannot see (status codes, ARNs, staging labels).

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use crate::common::{Clients, assert_scenario, scenarios, status_and_code};

#[tokio::test]
async fn lifecycle_answers_as_aws() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let steps = scenarios::secrets_lifecycle(&Clients::new(&sandbox.endpoint())).await;
    assert_scenario(
        steps,
        &[
            ("create", "ok"),
            ("create retried with the same token", "ok same-arn=true"),
            ("create duplicate name", "ResourceExistsException"),
            ("create same token other value", "ResourceExistsException"),
            ("create with a short token", "InvalidParameterException"),
            ("describe by name", "ok"),
            ("describe by arn", "ok"),
            ("describe missing", "ResourceNotFoundException"),
            ("get", "ok v1"),
            ("put v2", "ok"),
            ("put v2 retried", "ok"),
            (
                "put other value with a used token",
                "ResourceExistsException",
            ),
            ("put without a value", "InvalidRequestException"),
            ("get previous", "ok v1"),
            ("get current", "ok v2"),
            ("get unknown stage", "ResourceNotFoundException"),
            ("list versions", "ok 2"),
            ("update description", "ok"),
            ("update value", "ok"),
            ("get after update", "ok v3"),
            ("tag", "ok"),
            ("untag", "ok"),
            ("tags after untag", "team=data"),
            (
                "put public policy with BlockPublicPolicy",
                "PublicPolicyException",
            ),
            ("put policy", "ok"),
            ("get policy", "ok has-policy=true"),
            ("delete policy", "ok"),
            ("get policy after delete", "ok has-policy=false"),
            ("delete with a 5-day window", "InvalidParameterException"),
            ("delete with window and force", "InvalidParameterException"),
            ("delete with a 7-day window", "ok has-date=true"),
            ("get while pending deletion", "InvalidRequestException"),
            ("describe while pending deletion", "ok deleted-date=true"),
            ("list hides pending deletion", "ok 0"),
            ("delete again while pending", "InvalidRequestException"),
            ("restore", "ok"),
            ("get after restore", "ok v3"),
            ("force delete", "ok"),
            ("describe after force delete", "ResourceNotFoundException"),
            ("force delete of a missing secret", "ok"),
            ("get missing", "ResourceNotFoundException"),
        ],
    );
}

#[tokio::test]
async fn pending_deletion_is_refused_as_aws_refuses_it() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let steps = scenarios::secrets_pending_deletion(&Clients::new(&sandbox.endpoint())).await;
    assert_scenario(
        steps,
        &[
            ("create", "ok"),
            ("delete", "ok"),
            ("put while pending deletion", "InvalidRequestException"),
            (
                "create the name again while pending deletion",
                "InvalidRequestException",
            ),
            (
                "put policy while pending deletion",
                "InvalidRequestException",
            ),
            ("restore", "ok"),
            (
                "put a policy that is not JSON",
                "MalformedPolicyDocumentException",
            ),
        ],
    );
}

#[tokio::test]
async fn list_secrets_pages() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let steps = scenarios::secrets_pagination(&Clients::new(&sandbox.endpoint())).await;
    assert_eq!(steps.last().map(|(_, o)| o.as_str()), Some("5 secrets"));
}

#[tokio::test]
async fn arns_stages_and_status_codes() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let sm = Clients::new(&sandbox.endpoint()).secrets;
    let created = sm
        .create_secret()
        .name("db/password")
        .secret_string("one")
        .send()
        .await
        .expect("create");
    let arn = created.arn().expect("arn");
    let suffix = arn
        .strip_prefix("arn:aws:secretsmanager:us-east-1:123456789012:secret:db/password-")
        .expect(arn);
    assert_eq!(suffix.len(), 6);
    assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));

    // A partial ARN (without the random suffix) finds the secret too.
    let partial = arn.trim_end_matches(suffix).trim_end_matches('-');
    sm.describe_secret()
        .secret_id(partial)
        .send()
        .await
        .expect("describe by partial ARN");

    sm.put_secret_value()
        .secret_id(arn)
        .secret_string("two")
        .send()
        .await
        .expect("put");
    let described = sm
        .describe_secret()
        .secret_id("db/password")
        .send()
        .await
        .expect("describe");
    let stages = described.version_ids_to_stages().expect("stages");
    let mut labels: Vec<String> = stages.values().flatten().cloned().collect();
    labels.sort();
    assert_eq!(labels, ["AWSCURRENT", "AWSPREVIOUS"]);

    let (status, code, message) =
        status_and_code(sm.describe_secret().secret_id("nope").send().await);
    assert_eq!((status, code.as_str()), (400, "ResourceNotFoundException"));
    assert_eq!(message, "Secrets Manager can't find the specified secret.");

    let err = sm
        .create_secret()
        .name("bad name!")
        .secret_string("x")
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(err.code(), Some("InvalidParameterException"));

    // Deleting with the default window schedules deletion 30 days out.
    let deleted = sm
        .delete_secret()
        .secret_id("db/password")
        .send()
        .await
        .expect("delete");
    let days = (deleted.deletion_date().expect("date").secs()
        - std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64)
        / 86_400;
    assert!((29..=30).contains(&days), "{days}");
}
