//! `plan`, `show`, saved plans and `graph` through the binary.

use crate::harness::{SENTINEL, Test};

#[test]
fn plan_of_the_quickstart_example_creates_everything() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["plan"])
        .stdout_contains("# kms_key.appflow will be created")
        .stdout_contains("# connector_profile.salesforce will be created")
        .stdout_contains("jwt_token              = (sensitive value)")
        .run();
    assert!(
        ran.stdout()
            .ends_with("Plan: 4 to add, 0 to change, 0 to destroy.\n"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn a_saved_plan_holds_no_secret_and_shows_the_same_plan() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .env(
            "FLOWFORM_VAR_client_secret",
            &format!("{SENTINEL}-client-secret"),
        )
        .args(["plan", "--sandbox", "-out", "tfplan"])
        .stdout_contains("Saved the plan to: tfplan")
        .run();
    let file = std::fs::read_to_string(ran.path("tfplan")).expect("plan file");
    assert!(!file.contains(SENTINEL), "the plan file holds a secret");
    assert!(
        file.contains("hmac-sha256:"),
        "sensitive values are recorded by digest"
    );
    let plan_text = ran.stdout();
    let shown = ran.then().args(["show", "tfplan"]).run();
    assert!(
        plan_text.starts_with(&shown.stdout()),
        "show differs from plan:\n{}",
        shown.stdout()
    );
}

#[test]
fn json_and_markdown_formats_never_show_secrets() {
    for format in ["json", "markdown"] {
        Test::new()
            .example("salesforce-jwt")
            .env("FLOWFORM_VAR_salesforce_jwt", &format!("{SENTINEL}.x.y"))
            .args(["plan", "--format", format])
            .run();
    }
}

#[test]
fn graph_prints_dot_with_every_change() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["graph"])
        .stdout_contains("digraph flowform {")
        .run();
    for address in [
        "kms_key.appflow",
        "secret.salesforce_app",
        "kms_key_policy.appflow",
        "connector_profile.salesforce",
    ] {
        assert!(
            ran.stdout().contains(address),
            "{address} missing from\n{}",
            ran.stdout()
        );
    }
}

/// `show FILE --format markdown` is the comment `plan --format markdown` makes, warnings
/// included (they travel in the plan file).
#[test]
fn a_saved_plans_markdown_is_the_plans_warnings_included() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args([
            "plan",
            "--target",
            "secret.salesforce_app",
            "--format",
            "markdown",
        ])
        .stdout_contains("#### Warnings")
        .stdout_contains("Resource targeting is in effect")
        .run();
    let comment = ran.stdout();
    let ran = ran
        .then()
        .args([
            "plan",
            "--sandbox",
            "--target",
            "secret.salesforce_app",
            "-out",
            "tfplan",
        ])
        .run();
    let shown = ran
        .then()
        .args(["show", "tfplan", "--format", "markdown"])
        .run();
    assert_eq!(shown.stdout(), comment);
}
