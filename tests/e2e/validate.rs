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
