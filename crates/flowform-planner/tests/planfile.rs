//! Saved plans: they round-trip, hold no secret, and are refused once stale.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

mod common;

use common::*;
use flowform_planner::planfile::{SavedPlan, StalePlan};

const BASE: &str = "tests/fixtures/plans/base";

/// Every change's diff, as the views receive it.
fn lines(plan: &flowform_planner::Plan) -> Vec<flowform_planner::diff::DiffLine> {
    plan.changes
        .iter()
        .flat_map(flowform_planner::diff::resource_lines)
        .collect()
}

#[test]
fn a_saved_plan_round_trips_and_holds_no_secret() {
    let config = load(BASE);
    let state = empty_state();
    let plan = plan(&config, &state);
    let saved = SavedPlan::new(plan.clone(), &config, &state, "0.1.0", target());
    let bytes = saved.to_json().expect("serializes");
    let text_file = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        !text_file.contains("SENTINEL"),
        "a secret reached the plan file"
    );
    assert!(
        text_file.contains("\"$sensitive\": \"hmac-sha256:"),
        "secrets are recorded by digest"
    );
    let back = SavedPlan::from_json("plan", &bytes).expect("reads back");
    assert_eq!(lines(&back.plan), lines(&plan));
    assert_eq!(back.sensitive, saved.sensitive);
    assert_eq!(back.check(&config, Some(&state), "0.1.0"), Ok(()));
    // The state's digest key never travels with a plan.
    let key = serde_json::to_string(&state.digest_key).unwrap();
    assert!(
        !text_file.contains(key.trim_matches('"')),
        "the plan file holds the state's key"
    );
}

#[test]
fn a_stale_saved_plan_is_refused() {
    let dir = copy_fixture(BASE);
    let config = load(dir.path());
    let state = fake_apply(&config, &plan(&config, &empty_state()), &empty_state());
    let saved = SavedPlan::new(plan(&config, &state), &config, &state, "0.1.0", target());
    assert_eq!(saved.check(&config, Some(&state), "0.1.0"), Ok(()));

    assert!(matches!(
        saved.check(&config, Some(&state), "0.2.0"),
        Err(StalePlan::Version { .. })
    ));
    let mut moved = state.clone();
    moved.serial = moved.serial.next();
    assert!(matches!(
        saved.check(&config, Some(&moved), "0.1.0"),
        Err(StalePlan::Serial { .. })
    ));
    let other = empty_state_with_new_lineage();
    assert!(matches!(
        saved.check(&config, Some(&other), "0.1.0"),
        Err(StalePlan::Lineage { .. })
    ));
    assert!(matches!(
        saved.check(&config, None, "0.1.0"),
        Err(StalePlan::Lineage { .. })
    ));

    // A changed secret value is a changed configuration, though the file never held it.
    edit(
        &dir,
        "main.hcl",
        "SENTINEL-SECRET-client",
        "SENTINEL-SECRET-other",
    );
    let changed = load(dir.path());
    assert_eq!(
        saved.check(&changed, Some(&state), "0.1.0"),
        Err(StalePlan::Config)
    );
}

#[test]
fn a_plan_file_from_a_newer_flowform_or_not_a_plan_is_refused() {
    let err = SavedPlan::from_json("p", br#"{"format_version": 99}"#).unwrap_err();
    assert!(err.to_string().contains("newer flowform"), "{err}");
    let err = SavedPlan::from_json("p", b"not json").unwrap_err();
    assert!(
        err.to_string().contains("is not a flowform plan file"),
        "{err}"
    );
}

fn empty_state_with_new_lineage() -> flowform_state::State {
    flowform_state::State::new("0.1.0")
}

fn target() -> flowform_planner::planfile::PlanTarget {
    flowform_planner::planfile::PlanTarget {
        config_dir: "/repo/appflow".into(),
        state: "/repo/appflow/flowform.state.json".into(),
        workspace: "default".into(),
        sandbox: true,
        endpoint: None,
        account: "123456789012".into(),
        region: "us-east-1".into(),
    }
}

#[test]
fn a_plan_file_keeps_its_target_and_one_without_a_target_is_refused() {
    let config = load(BASE);
    let state = empty_state();
    let saved = SavedPlan::new(plan(&config, &state), &config, &state, "0.1.0", target());
    let bytes = saved.to_json().expect("saves");
    let back = SavedPlan::from_json("plan", &bytes).expect("reads back");
    assert_eq!(back.target, target());
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    json.as_object_mut().unwrap().remove("target");
    let err = SavedPlan::from_json("plan", json.to_string().as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .contains("which state and which AWS account"),
        "{err}"
    );
}

/// A plan file of format 1 (before plans recorded their warnings and their target) is refused:
/// it cannot say where it applies. A newer format is refused too.
#[test]
fn a_format_1_plan_file_is_refused_for_want_of_a_target() {
    let config = load(BASE);
    let state = empty_state();
    let plan = plan(&config, &state);
    let bytes = SavedPlan::new(plan.clone(), &config, &state, "0.1.0", target())
        .to_json()
        .expect("serializes");
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    doc["format_version"] = 1.into();
    doc.as_object_mut().expect("object").remove("warnings");
    doc.as_object_mut().expect("object").remove("target");
    let err = SavedPlan::from_json("plan", doc.to_string().as_bytes()).expect_err("no target");
    assert!(
        err.to_string()
            .contains("which state and which AWS account"),
        "{err}"
    );
    doc["format_version"] = (flowform_planner::planfile::PLAN_FORMAT_VERSION + 1).into();
    let err = SavedPlan::from_json("plan", doc.to_string().as_bytes()).expect_err("too new");
    assert!(err.to_string().contains("newer flowform"), "{err}");
}

/// A plan file of format 2 (before plans recorded the configuration's expressions and the
/// variables) is still read: it just has neither to show.
#[test]
fn a_format_2_plan_file_is_read_without_configuration_or_variables() {
    let config = load(BASE);
    let state = empty_state();
    let plan = plan(&config, &state);
    assert!(!plan.configuration.is_empty() && !plan.variables.is_empty());
    let bytes = SavedPlan::new(plan.clone(), &config, &state, "0.1.0", target())
        .to_json()
        .expect("serializes");
    let back = SavedPlan::from_json("plan", &bytes).expect("reads back");
    assert_eq!(back.plan.configuration, plan.configuration);
    assert_eq!(back.plan.variables, plan.variables);
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    doc["format_version"] = 2.into();
    doc.as_object_mut().expect("object").remove("configuration");
    doc.as_object_mut().expect("object").remove("variables");
    let old = SavedPlan::from_json("plan", doc.to_string().as_bytes()).expect("format 2 reads");
    assert!(old.plan.configuration.is_empty() && old.plan.variables.is_empty());
}
