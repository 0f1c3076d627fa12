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

/// The JSON plan has every top-level key tools written for `terraform show -json` read, from
/// `plan --format json` and from `show FILE --format json` alike, and no secret anywhere
/// (`Test::run` checks standard output and error for the sentinel; the document is checked
/// here, and so is the plan file).
#[test]
fn the_json_plan_has_what_terraform_tools_read() {
    const KEYS: [&str; 10] = [
        "format_version",
        "variables",
        "planned_values",
        "resource_drift",
        "resource_changes",
        "output_changes",
        "prior_state",
        "configuration",
        "errored",
        "flowform_version",
    ];
    let vars = format!(
        "client_id      = \"{SENTINEL}-client-id\"\nclient_secret  = \"{SENTINEL}-client-secret\"\nsalesforce_jwt = \"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{SENTINEL}-jwt\"\n"
    );
    let ran = Test::new()
        .example("salesforce-jwt")
        .file("sandbox.auto.vars.hcl", &vars)
        .args(["plan", "--sandbox", "--format", "json", "-out", "tfplan"])
        .run();
    let planned: serde_json::Value =
        serde_json::from_str(&ran.stdout()).expect("plan --format json prints one document");
    let file = std::fs::read_to_string(ran.path("tfplan")).expect("plan file");
    assert!(!file.contains(SENTINEL), "the plan file holds a secret");
    let shown = ran
        .then()
        .args(["show", "tfplan", "--format", "json"])
        .run();
    let from_file: serde_json::Value =
        serde_json::from_str(&shown.stdout()).expect("show --format json prints one document");
    for doc in [&planned, &from_file] {
        let text = doc.to_string();
        assert!(!text.contains(SENTINEL), "the JSON plan shows a secret");
        for key in KEYS {
            assert!(doc.get(key).is_some(), "no {key} in {text}");
        }
        assert!(doc["planned_values"]["root_module"]["resources"].is_array());
        assert!(doc["prior_state"]["values"]["root_module"]["resources"].is_array());
        let resources = doc["configuration"]["root_module"]["resources"]
            .as_array()
            .expect("configuration.root_module.resources");
        assert_eq!(resources.len(), 4);
        let profile = resources
            .iter()
            .find(|r| r["address"] == "connector_profile.salesforce")
            .expect("the profile's configuration");
        assert_eq!(
            profile["expressions"]["credentials"]["client_credentials_arn"]["references"],
            serde_json::json!(["secret.salesforce_app.arn", "secret.salesforce_app"])
        );
        let variables = doc["variables"].as_object().expect("variables");
        for hidden in ["client_id", "client_secret", "salesforce_jwt"] {
            assert!(
                !variables.contains_key(hidden),
                "the sensitive variable {hidden} is listed"
            );
        }
        assert_eq!(variables["region"]["value"], "us-east-1");
        let profile_change = doc["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == "connector_profile.salesforce")
            .unwrap();
        assert_eq!(
            profile_change["change"]["after_sensitive"]["credentials"]["jwt_token"],
            true
        );
    }
    assert_eq!(
        planned, from_file,
        "show FILE --format json differs from plan --format json"
    );
}

/// A plan whose only change is an output says so (not "No changes"), exits 2 with
/// `--detailed-exitcode`, and apply records the output without touching AWS.
#[test]
fn an_output_only_change_is_planned_and_recorded() {
    let config = "secret \"s\" {\n  name          = \"appflow/outputs-only\"\n  secret_string = \"not a secret\"\n}\n";
    let ran = Test::new()
        .file("main.hcl", config)
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let with_output = format!("{config}\noutput \"name\" {{\n  value = secret.s.name\n}}\n");
    std::fs::write(ran.path("config/main.hcl"), with_output).expect("write");
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("Changes to Outputs:\n  + name = \"appflow/outputs-only\"")
        .stdout_contains("You can apply this plan to save these new output values to the flowform state, without changing any real infrastructure.")
        .stdout_lacks("No changes.")
        .run();
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_lacks("Creating...")
        .run();
    let ran = ran
        .then()
        .args(["output", "--raw", "name"])
        .stdout_contains("appflow/outputs-only")
        .run();
    ran.then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
}

/// Marking a recorded output sensitive (or no longer) is a change: apply rewrites the record,
/// so a newly sensitive output keeps no clear value in the state.
#[test]
fn an_output_marked_sensitive_later_loses_its_recorded_value() {
    let clear = "output \"x\" {\n  value = \"PLAIN-OUTPUT-VALUE\"\n}\n";
    let ran = Test::new()
        .file("main.hcl", clear)
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    assert!(ran.all_files_text().contains("PLAIN-OUTPUT-VALUE"));
    let hidden = "output \"x\" {\n  value     = \"PLAIN-OUTPUT-VALUE\"\n  sensitive = true\n}\n";
    std::fs::write(ran.path("config/main.hcl"), hidden).expect("write");
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Changes to Outputs:")
        .run();
    // (The backup of the previous state still has it, as Terraform's would.)
    let state = ran.state();
    assert!(
        !state.to_string().contains("PLAIN-OUTPUT-VALUE"),
        "the state still holds the value: {state}"
    );
    ran.then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
}

/// The terminal's plan leaves out what only tools read (the configuration's expressions, the
/// unchanged resources' values), so the JSON plan must ask for it: after an apply, every
/// resource is still in `resource_changes` as a no-op with its values, and the configuration
/// is described, with or without `-out`.
#[test]
fn a_json_plan_of_an_applied_configuration_lists_every_resource_as_a_no_op() {
    let config = "secret \"s\" {\n  name          = \"appflow/no-op-json\"\n  description   = \"kept\"\n  secret_string = \"not a secret\"\n}\n";
    let ran = Test::new()
        .file("main.hcl", config)
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let mut ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    for args in [
        &["plan", "--sandbox", "--format", "json"][..],
        &["plan", "--sandbox", "--format", "json", "-out", "tfplan"][..],
        &["show", "tfplan", "--format", "json"][..],
    ] {
        ran = ran.then().args(args.iter().copied()).run();
        let doc: serde_json::Value =
            serde_json::from_str(&ran.stdout()).expect("one JSON document");
        let changes = doc["resource_changes"]
            .as_array()
            .expect("resource_changes");
        assert_eq!(changes.len(), 1, "{doc}");
        let change = &changes[0]["change"];
        assert_eq!(change["actions"], serde_json::json!(["no-op"]));
        for side in ["before", "after"] {
            assert_eq!(change[side]["description"], "kept", "{side}: {change}");
            assert!(
                change[side]["arn"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("arn:aws:secretsmanager:")),
                "{side}: {change}"
            );
        }
        let configured = doc["configuration"]["root_module"]["resources"]
            .as_array()
            .expect("configuration.root_module.resources");
        assert_eq!(configured.len(), 1, "{doc}");
        assert_eq!(
            configured[0]["expressions"]["description"]["constant_value"],
            "kept"
        );
    }
}

/// An apply writes the state once: its changes and its outputs together (one serial), and the
/// backup is the state from before the apply.
#[test]
fn an_apply_that_changes_resources_and_outputs_writes_the_state_once() {
    let config = |description: &str| {
        format!(
            "secret \"s\" {{\n  name          = \"appflow/written-once\"\n  description   = \"{description}\"\n  secret_string = \"not a secret\"\n}}\n\noutput \"d\" {{\n  value = \"{description}\"\n}}\n"
        )
    };
    let ran = Test::new()
        .file("main.hcl", &config("first"))
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let before = ran.state()["serial"].as_u64().expect("serial");
    std::fs::write(ran.path("config/main.hcl"), config("second")).expect("write");
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.")
        .run();
    let state = ran.state();
    assert_eq!(state["serial"].as_u64(), Some(before + 1), "{state}");
    assert_eq!(state["outputs"]["d"]["value"], "second");
    let backup: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ran.path("state.json.backup")).expect("backup"),
    )
    .expect("JSON");
    assert_eq!(backup["serial"].as_u64(), Some(before));
    assert_eq!(backup["outputs"]["d"]["value"], "first");
}

/// A targeted destroy removes the outputs that read what it destroys and keeps the others, in
/// its plan and in the state it leaves alike (Terraform keeps them all, stale:
/// hashicorp/terraform#27151). A destroy of everything removes every output.
#[test]
fn a_targeted_destroy_removes_only_the_outputs_that_read_what_it_destroys() {
    let applied = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let planned = applied
        .then()
        .args([
            "plan",
            "--sandbox",
            "--destroy",
            "-target=connector_profile.salesforce",
        ])
        .stdout_contains("  - profile_arn = ")
        .stdout_lacks("secret_arn")
        .run();
    let destroyed = planned
        .then()
        .args([
            "destroy",
            "--sandbox",
            "--auto-approve",
            "-target=connector_profile.salesforce",
        ])
        .run();
    let outputs = destroyed.state()["outputs"].clone();
    let names: Vec<&String> = outputs.as_object().unwrap().keys().collect();
    assert_eq!(names, ["secret_arn"], "{outputs}");
    let all = destroyed
        .then()
        .args(["destroy", "--sandbox", "--auto-approve"])
        .run();
    assert_eq!(all.state()["outputs"], serde_json::json!({}));
}
