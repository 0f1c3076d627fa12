//! The text plan, snapshotted whole, for each kind of change; and the properties every plan
//! must have (order, no secrets, round trips to "No changes").

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

#[path = "../../flowform-planner/tests/common/mod.rs"]
mod common;

use common::*;
use flowform_core::{Address, ResourceKind};
use flowform_planner::{Action, PlanOptions};
use flowform_views::{diagnostics, plan_text, style};

/// The planner's fixtures: these tests show its plans.
const BASE: &str = "../flowform-planner/tests/fixtures/plans/base";

fn text_of(plan: &flowform_planner::Plan) -> String {
    let out = style::plain(&plan_text::render(plan));
    assert!(
        !out.contains("SENTINEL"),
        "a secret reached the plan:\n{out}"
    );
    out
}

/// The fixture, applied (so the next plan starts from an existing state).
fn applied() -> (tempfile::TempDir, flowform_state::State) {
    let dir = copy_fixture(BASE);
    let config = load(dir.path());
    let state = empty_state();
    let plan = plan(&config, &state);
    let state = fake_apply(&config, &plan, &state);
    (dir, state)
}

#[test]
fn create_everything_from_an_empty_state() {
    let config = load(BASE);
    let plan = plan(&config, &empty_state());
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn applying_then_planning_again_changes_nothing() {
    let (dir, state) = applied();
    let config = load(dir.path());
    let again = plan(&config, &state);
    assert!(!again.has_changes(), "{}", text_of(&again));
    assert_eq!(text_of(&again), format!("{}\n", plan_text::NO_CHANGES));
}

#[test]
fn update_in_place() {
    let (dir, state) = applied();
    edit(
        &dir,
        "main.hcl",
        "description   = \"The connected app\"",
        "description   = \"The Salesforce connected app\"",
    );
    let config = load(dir.path());
    let plan = plan(&config, &state);
    assert_eq!(
        plan.change(&"secret.app".parse().unwrap()).unwrap().action,
        Action::Update
    );
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn a_changed_secret_value_is_an_update_that_shows_no_value() {
    let (dir, state) = applied();
    edit(
        &dir,
        "main.hcl",
        "SENTINEL-SECRET-client",
        "SENTINEL-SECRET-rotated",
    );
    let config = load(dir.path());
    let plan = plan(&config, &state);
    let change = plan.change(&"secret.app".parse().unwrap()).unwrap();
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.changed, vec!["secret_string".to_string()]);
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn renaming_a_profile_replaces_it() {
    let (dir, state) = applied();
    edit(
        &dir,
        "main.hcl",
        "name            = \"salesforce-prod\"",
        "name            = \"salesforce-production\"",
    );
    let config = load(dir.path());
    let plan = plan(&config, &state);
    let change = plan
        .change(&"connector_profile.salesforce".parse().unwrap())
        .unwrap();
    assert_eq!(change.action, Action::Replace);
    assert_eq!(change.replace_paths, vec!["name".to_string()]);
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn removing_a_block_deletes_the_resource() {
    let (dir, state) = applied();
    let text = std::fs::read_to_string(dir.path().join("main.hcl")).unwrap();
    let start = text.find("connector_profile \"salesforce\"").unwrap();
    let trimmed = format!("{}\n", &text[..start]);
    std::fs::write(dir.path().join("main.hcl"), trimmed).unwrap();
    let config = load(dir.path());
    let plan = plan(&config, &state);
    assert_eq!(
        plan.change(&"connector_profile.salesforce".parse().unwrap())
            .unwrap()
            .action,
        Action::Delete
    );
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn a_mixed_plan_lists_changes_in_the_order_they_run() {
    let (dir, state) = applied();
    // Replace the key policy (new key), update the secret, add a second secret.
    edit(
        &dir,
        "main.hcl",
        "description   = \"The connected app\"",
        "description   = \"Rotated\"",
    );
    edit(
        &dir,
        "main.hcl",
        "  key_id = kms_key.appflow.arn",
        "  key_id = \"arn:aws:kms:us-east-1:123456789012:key/99999999-0000-0000-0000-000000000000\"",
    );
    let mut text = std::fs::read_to_string(dir.path().join("main.hcl")).unwrap();
    text.push_str("\nsecret \"extra\" {\n  name = \"appflow/extra\"\n}\n");
    std::fs::write(dir.path().join("main.hcl"), text).unwrap();
    let config = load(dir.path());
    let plan = plan(&config, &state);
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn a_policy_that_differs_only_in_layout_is_no_change() {
    let (dir, state) = applied();
    // The same secret policy as raw JSON: other whitespace, key order, a one-element list.
    let text = std::fs::read_to_string(dir.path().join("main.hcl")).unwrap();
    let start = text
        .find("  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [{")
        .unwrap();
    let end = start + text[start..].find("  })\n").unwrap() + "  })\n".len();
    let raw = r#"  policy = "{\"Statement\":{\"Resource\":\"*\",   \"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":[\"123456789012\"]}},\"Action\":[\"secretsmanager:GetSecretValue\"],\"Principal\":{\"Service\":\"appflow.amazonaws.com\"},\"Effect\":\"Allow\"},\n \"Version\":\"2012-10-17\"}"
"#;
    std::fs::write(
        dir.path().join("main.hcl"),
        format!("{}{raw}{}", &text[..start], &text[end..]),
    )
    .unwrap();
    let config = load(dir.path());
    let plan = plan(&config, &state);
    assert!(!plan.has_changes(), "{}", text_of(&plan));
    assert!(
        text_of(&plan).ends_with("No changes. Your infrastructure matches the configuration.\n")
    );
}

#[test]
fn a_destroy_plan_deletes_in_reverse_kind_order() {
    let (dir, state) = applied();
    let config = load(dir.path());
    let plan = plan_with(
        &config,
        &state,
        PlanOptions {
            destroy: true,
            ..Default::default()
        },
    );
    let kinds: Vec<ResourceKind> = plan.changes.iter().map(|c| c.address.kind).collect();
    assert_eq!(
        kinds,
        [
            ResourceKind::ConnectorProfile,
            ResourceKind::KmsKeyPolicy,
            ResourceKind::Secret,
            ResourceKind::KmsKey
        ]
    );
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn a_target_plan_takes_the_target_and_what_it_depends_on() {
    let config = load(BASE);
    let target: Address = "secret.app".parse().unwrap();
    let plan = plan_with(
        &config,
        &empty_state(),
        PlanOptions {
            targets: vec![flowform_core::Target::Resource(target)],
            ..Default::default()
        },
    );
    let addresses: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(addresses, ["kms_key.appflow", "secret.app"]);
    assert_eq!(plan.warnings.warning_count(), 1);
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn a_replaced_dependency_makes_its_dependents_unknown() {
    let (dir, state) = applied();
    edit(
        &dir,
        "main.hcl",
        "name          = \"appflow/app\"",
        "name          = \"appflow/app-v2\"",
    );
    let config = load(dir.path());
    let plan = plan(&config, &state);
    assert_eq!(
        plan.change(&"secret.app".parse().unwrap()).unwrap().action,
        Action::Replace
    );
    // The profile's client_credentials_arn now refers to an ARN known only after apply.
    let profile = plan
        .change(&"connector_profile.salesforce".parse().unwrap())
        .unwrap();
    assert_eq!(profile.action, Action::Update);
    assert!(
        profile
            .changed
            .iter()
            .any(|c| c == "credentials.client_credentials_arn"),
        "{:?}",
        profile.changed
    );
    insta::assert_snapshot!(text_of(&plan));
}

#[test]
fn prevent_destroy_refuses_a_plan_that_destroys() {
    let (dir, state) = applied();
    edit(
        &dir,
        "main.hcl",
        "  description = \"AppFlow credentials\"",
        "  description = \"AppFlow credentials\"\n  lifecycle {\n    prevent_destroy = true\n  }",
    );
    let config = load(dir.path());
    let err = flowform_planner::plan(
        &config,
        &state,
        &PlanOptions {
            destroy: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    let text = style::plain(&diagnostics::text(&config.sources, &err))
        .replace(&dir.path().display().to_string(), "[dir]");
    insta::assert_snapshot!(text);
}

#[test]
fn ignore_changes_keeps_what_exists() {
    let (dir, state) = applied();
    edit(
        &dir,
        "main.hcl",
        "description   = \"The connected app\"",
        "description   = \"Changed\"\n  lifecycle {\n    ignore_changes = [description]\n  }",
    );
    let config = load(dir.path());
    let plan = plan(&config, &state);
    assert!(!plan.has_changes(), "{}", text_of(&plan));
}

/// A key policy's `previous_policy` (the policy it replaced, recorded by the applier) is not
/// part of the configuration: an update keeps it, so the plan must not show it going to null.
#[test]
fn updating_a_key_policy_keeps_the_policy_it_replaced() {
    let (dir, mut state) = applied();
    let previous = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#;
    state
        .resources
        .get_mut("kms_key_policy.appflow")
        .expect("the key policy is applied")
        .attributes
        .insert("previous_policy".into(), previous.into());
    edit(
        &dir,
        "main.hcl",
        "Sid       = \"AppFlow\"",
        "Sid       = \"AppFlowRead\"",
    );
    let config = load(dir.path());
    let plan = plan(&config, &state);
    let change = plan
        .change(&"kms_key_policy.appflow".parse().unwrap())
        .unwrap();
    assert_eq!(change.action, Action::Update);
    assert_eq!(
        change.after.as_ref().and_then(|a| a.get("previous_policy")),
        Some(&flowform_core::Value::String(previous.into())),
        "the update keeps what the state records"
    );
    let text = text_of(&plan);
    assert!(!text.contains("previous_policy"), "{text}");
    insta::assert_snapshot!(text);
}
