//! Saved plans show as the plans they were made from.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

#[path = "../../flowform-planner/tests/common/mod.rs"]
mod common;

use common::*;
use flowform_planner::planfile::SavedPlan;
use flowform_views::plan_markdown;

const BASE: &str = "../flowform-planner/tests/fixtures/plans/base";

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

/// `show FILE --format markdown` gives the same comment as `plan --format markdown`: the
/// warnings travel in the file.
#[test]
fn a_saved_plan_keeps_its_warnings_for_the_pull_request_comment() {
    let config = load(BASE);
    let state = empty_state();
    let plan = plan_with(
        &config,
        &state,
        flowform_planner::PlanOptions {
            targets: vec!["secret.app".parse().unwrap()],
            ..Default::default()
        },
    );
    assert!(!plan.warnings.is_empty(), "the test needs a warning");
    let bytes = SavedPlan::new(plan.clone(), &config, &state, "0.1.0", target())
        .to_json()
        .expect("serializes");
    let back = SavedPlan::from_json("plan", &bytes).expect("reads back");
    assert_eq!(back.plan.warnings, plan.warnings);
    let comment = plan_markdown::render(&back.plan).join("");
    assert_eq!(comment, plan_markdown::render(&plan).join(""));
    let warnings = &comment[comment.find("#### Warnings").expect("a warnings section")..];
    insta::assert_snapshot!(warnings);
}
