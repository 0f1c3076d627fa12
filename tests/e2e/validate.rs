//! `flowform validate` on every example and on broken input.

use crate::harness::{Test, root};

#[test]
fn every_example_validates_without_warnings() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("examples")).expect("examples") {
        let path = entry.expect("entry").path();
        if !path.join("main.hcl").exists() {
            continue;
        }
        let ran = Test::new()
            .copy_dir(&path)
            .args(["validate"])
            .stdout_contains("Success! The configuration is valid.")
            .run();
        assert!(
            ran.stderr().is_empty(),
            "{}: {}",
            path.display(),
            ran.stderr()
        );
        seen += 1;
    }
    assert!(seen >= 6, "expected at least six examples, found {seen}");
}

#[test]
fn errors_exit_1_and_point_at_the_source() {
    Test::new()
        .file("main.hcl", "secret \"a\" {\n  nmae = \"x\"\n}\n")
        .args(["validate"])
        .status(1)
        .stderr_contains("Error: Unsupported argument")
        .stderr_contains("on config/main.hcl line 2, column 3, in secret \"a\":")
        .stderr_contains("Did you mean \"name\"?")
        .run();
}

#[test]
fn json_diagnostics_have_ranges() {
    let ran = Test::new()
        .file("main.hcl", "secret \"a\" {\n  nmae = \"x\"\n}\n")
        .args(["validate", "-json"])
        .status(1)
        .run();
    let doc: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON");
    assert_eq!(doc["valid"], false);
    let d = doc["diagnostics"]
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["summary"] == "Unsupported argument")
        .expect("the error");
    assert_eq!(d["range"]["filename"], "config/main.hcl");
    assert_eq!(d["range"]["start"]["line"], 2);
    assert_eq!(d["range"]["start"]["column"], 3);
}

#[test]
fn variables_come_from_every_source_in_order() {
    let config = "variable \"who\" {\n  type = string\n}\n\noutput \"who\" {\n  value = var.who\n}\n\nsecret \"s\" {\n  name = \"x-${var.who}\"\n}\n";
    // -var after -var-file wins; the environment loses to both.
    Test::new()
        .file("main.hcl", config)
        .file("b.vars.hcl", "who = \"file\"\n")
        .env("FLOWFORM_VAR_who", "env")
        .args(["plan", "-var-file", "config/b.vars.hcl", "-var", "who=cli"])
        .stdout_contains("\"x-cli\"")
        .run();
    Test::new()
        .file("main.hcl", config)
        .file("b.vars.hcl", "who = \"file\"\n")
        .env("FLOWFORM_VAR_who", "env")
        .args(["plan", "-var", "who=cli", "--var-file=config/b.vars.hcl"])
        .stdout_contains("\"x-file\"")
        .run();
    Test::new()
        .file("main.hcl", config)
        .env("FLOWFORM_VAR_who", "env")
        .args(["plan"])
        .stdout_contains("\"x-env\"")
        .run();
    Test::new()
        .file("main.hcl", config)
        .args(["plan"])
        .status(1)
        .stderr_contains("No value for required variable")
        .stderr_contains("FLOWFORM_VAR_who")
        .run();
}

#[test]
fn fmt_lays_files_out_and_keeps_every_comment() {
    let messy = "# keep me\nsecret \"a\" {\n      name = \"x\" # and me\n  description=\"d\"\n}\n";
    let tidy =
        "# keep me\nsecret \"a\" {\n  name        = \"x\" # and me\n  description = \"d\"\n}\n";
    // --check changes nothing and exits 3; --diff shows the change.
    let ran = Test::new()
        .file("main.hcl", messy)
        .args(["fmt", "-check", "-diff"])
        .status(3)
        .stdout_contains("config/main.hcl")
        .stdout_contains("+  description = \"d\"")
        .run();
    assert_eq!(
        std::fs::read_to_string(ran.path("config/main.hcl")).unwrap(),
        messy
    );
    // Without flags it rewrites; a second run has nothing to do.
    let ran = ran
        .then()
        .args(["fmt"])
        .stdout_contains("config/main.hcl")
        .run();
    assert_eq!(
        std::fs::read_to_string(ran.path("config/main.hcl")).unwrap(),
        tidy
    );
    let ran = ran.then().args(["fmt", "--check"]).run();
    assert_eq!(ran.stdout(), "");
}

#[test]
fn fmt_refuses_a_file_that_does_not_parse_and_leaves_it_alone() {
    let broken = "secret \"a\" {\n  name =\n";
    let ran = Test::new()
        .file("main.hcl", broken)
        .args(["fmt"])
        .status(1)
        .stderr_contains("not valid HCL")
        .run();
    assert_eq!(
        std::fs::read_to_string(ran.path("config/main.hcl")).unwrap(),
        broken
    );
}

/// CI validates without the secrets: a required variable without a value is unknown at
/// validate (as in `terraform validate`), while plan still refuses and names it.
#[test]
fn validate_needs_no_values_for_required_variables() {
    let config = r#"variable "client_secret" {
  type      = string
  sensitive = true
}

variable "region" {
  type = string
  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

provider "aws" {
  region = var.region
}

secret "app" {
  name          = "appflow/app-${var.region}"
  secret_string = jsonencode({ clientSecret = var.client_secret })
}
"#;
    Test::new()
        .file("main.hcl", config)
        .args(["validate"])
        .stdout_contains("Success! The configuration is valid.")
        .run();
    // An example as committed, its secrets (the sandbox's stand-in tokens) taken away.
    Test::new()
        .example("salesforce-per-environment")
        .file("sandbox.auto.vars.hcl", "")
        .args(["validate"])
        .stdout_contains("Success! The configuration is valid.")
        .run();
    // Unknown settings that plan needs known (a data source's name, for_each) are left for
    // plan to check.
    let more = format!(
        "{config}\nvariable \"teams\" {{\n  type = set(string)\n}}\n\nvariable \"key_alias\" {{\n  type = string\n}}\n\ndata \"kms_key\" \"shared\" {{\n  key_id = var.key_alias\n}}\n\nsecret \"team\" {{\n  for_each = var.teams\n  name     = \"appflow/${{each.key}}\"\n}}\n"
    );
    Test::new()
        .file("main.hcl", &more)
        .args(["validate"])
        .stdout_contains("Success! The configuration is valid.")
        .run();
    // A type error elsewhere is still reported.
    let broken = format!(
        "{config}\nsecret \"other\" {{\n  name                = \"x\"\n  block_public_policy = \"maybe\"\n}}\n"
    );
    Test::new()
        .file("main.hcl", &broken)
        .args(["validate"])
        .status(1)
        .stderr_contains("in secret \"other\"")
        .stderr_contains("block_public_policy")
        .run();
    // plan (and so apply) still needs the values, and says which.
    Test::new()
        .file("main.hcl", config)
        .args(["plan"])
        .status(1)
        .stderr_contains("Error: No value for required variable")
        .stderr_contains("The input variable \"client_secret\" is not set")
        .run();
}
