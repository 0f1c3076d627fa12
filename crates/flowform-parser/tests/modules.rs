//! Modules as the checks see them: every rule that follows references (AppFlow's access to a
//! secret and its key, duplicate names) follows them inside module instances too, through the
//! module's locals and the call's arguments.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_parser::{VariableInputs, load};
use std::path::Path;

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn a_key_policy_inside_a_module_is_checked_for_appflow_like_one_at_the_root() {
    let dir = tempfile::tempdir().unwrap();
    copy(Path::new("../../examples/multi-environment"), dir.path());
    let config = load(dir.path(), &VariableInputs::default()).expect("the example loads");
    assert!(config.warnings.0.is_empty(), "{:?}", config.warnings);
    assert_eq!(config.modules.len(), 4, "the root and three environments");

    // Without kms:Decrypt for AppFlow, every environment's profile would be refused.
    let module = dir.path().join("modules/salesforce-connection/main.hcl");
    let text = std::fs::read_to_string(&module).unwrap();
    let broken = text.replace(
        r#"Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]"#,
        r#"Action    = ["kms:Encrypt"]"#,
    );
    assert_ne!(text, broken);
    std::fs::write(&module, broken).unwrap();
    let config = load(dir.path(), &VariableInputs::default()).expect("warnings only");
    let warned: Vec<String> = config
        .warnings
        .0
        .iter()
        .filter(|d| d.summary == "AppFlow cannot use this KMS key")
        .map(|d| d.detail.clone())
        .collect();
    assert_eq!(warned.len(), 3, "{warned:?}");
    assert!(
        warned.iter().any(|w| w.starts_with(
            "module.salesforce[\"prod\"].secret.client_credentials is encrypted with this key"
        )),
        "{warned:?}"
    );
}

#[test]
fn the_same_name_in_two_module_instances_is_a_duplicate_but_not_across_providers() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "modules/one/main.hcl",
        "secret \"s\" {\n  name          = \"appflow/same\"\n  secret_string = \"x\"\n}\n",
    );
    write(
        "main.hcl",
        "provider \"aws\" {\n  alias  = \"eu\"\n  region = \"eu-west-1\"\n}\n\nmodule \"home\" {\n  source = \"./modules/one\"\n}\n\nmodule \"abroad\" {\n  source    = \"./modules/one\"\n  providers = { aws = aws.eu }\n}\n",
    );
    let config = load(dir.path(), &VariableInputs::default()).expect("two regions, two names");
    assert_eq!(
        config.resources[&"module.abroad.secret.s".parse().unwrap()].provider,
        Some("eu".to_string())
    );
    write(
        "main.hcl",
        "module \"home\" {\n  source = \"./modules/one\"\n}\n\nmodule \"again\" {\n  source = \"./modules/one\"\n}\n",
    );
    let failure = load(dir.path(), &VariableInputs::default()).expect_err("one region");
    assert!(
        failure
            .diagnostics
            .0
            .iter()
            .any(|d| d.summary == "Duplicate secret name"),
        "{:?}",
        failure.diagnostics
    );
}
