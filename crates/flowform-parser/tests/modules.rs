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

fn load_files(
    files: &[(&str, &str)],
) -> Result<flowform_parser::Config, flowform_parser::LoadFailure> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    load(dir.path(), &VariableInputs::default())
}

fn errors(failure: &flowform_parser::LoadFailure) -> Vec<String> {
    failure
        .diagnostics
        .0
        .iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

const ONE_SECRET: &str = "variable \"n\" {\n  type = string\n}\n\nsecret \"s\" {\n  name          = \"x-${var.n}\"\n  secret_string = \"x\"\n}\n\noutput \"arn\" {\n  value = secret.s.arn\n}\n\noutput \"hidden\" {\n  value     = \"x\"\n  sensitive = true\n}\n";

#[test]
fn a_module_variables_validation_runs_on_the_calls_argument() {
    let module = "variable \"n\" {\n  type = string\n  validation {\n    condition     = startswith(var.n, \"zz\")\n    error_message = \"n must start with zz.\"\n  }\n}\n\nsecret \"s\" {\n  name          = \"x-${var.n}\"\n  secret_string = \"x\"\n}\n";
    let failure = load_files(&[
        (
            "main.hcl",
            "module \"a\" {\n  source = \"./m\"\n  n      = \"abc\"\n}\n",
        ),
        ("m/main.hcl", module),
    ])
    .expect_err("the validation fails");
    assert!(
        errors(&failure)
            .iter()
            .any(|e| e.contains("n must start with zz.")),
        "{:?}",
        errors(&failure)
    );
    load_files(&[
        (
            "main.hcl",
            "module \"a\" {\n  source = \"./m\"\n  n      = \"zzz\"\n}\n",
        ),
        ("m/main.hcl", module),
    ])
    .expect("the validation passes");
}

#[test]
fn a_set_variable_is_a_for_each_for_module_calls_and_data_blocks() {
    let config = load_files(&[
        (
            "main.hcl",
            "variable \"names\" {\n  type    = set(string)\n  default = [\"r1\", \"r2\"]\n}\n\ndata \"region\" \"x\" {\n  for_each = var.names\n}\n\nmodule \"fe\" {\n  source   = \"./m\"\n  for_each = var.names\n  n        = each.key\n}\n",
        ),
        ("m/main.hcl", ONE_SECRET),
    ])
    .expect("set variables iterate");
    assert_eq!(config.resources.len(), 2);
    assert_eq!(config.data_sources.len(), 2);
}

#[test]
fn iterating_module_instances_hides_only_their_sensitive_output() {
    let config = load_files(&[
        (
            "main.hcl",
            "module \"c\" {\n  source = \"./m\"\n  count  = 2\n  n      = \"c${count.index}\"\n}\n\nmodule \"f\" {\n  source   = \"./m\"\n  for_each = toset([\"a\", \"b\"])\n  n        = each.key\n}\n\noutput \"splat\" {\n  value = module.c[*].arn\n}\n\noutput \"formap\" {\n  value = { for k, m in module.f : k => m.arn }\n}\n",
        ),
        ("m/main.hcl", ONE_SECRET),
    ]);
    assert!(config.is_ok(), "{:?}", config.err().map(|f| errors(&f)));
    // Reading the sensitive output itself still needs sensitive = true.
    let failure = load_files(&[
        (
            "main.hcl",
            "module \"f\" {\n  source   = \"./m\"\n  for_each = toset([\"a\"])\n  n        = each.key\n}\n\noutput \"leak\" {\n  value = { for k, m in module.f : k => m.hidden }\n}\n",
        ),
        ("m/main.hcl", ONE_SECRET),
    ])
    .expect_err("a sensitive output read without sensitive = true");
    assert!(
        errors(&failure)
            .iter()
            .any(|e| e.starts_with("Output refers to sensitive values"))
    );
}

#[test]
fn reserved_variable_names_huge_counts_and_data_in_for_each_are_refused_clearly() {
    let failure = load_files(&[
        ("main.hcl", "module \"a\" {\n  source = \"./m\"\n}\n"),
        ("m/main.hcl", "variable \"count\" {\n  default = 1\n}\n"),
    ])
    .expect_err("reserved");
    assert!(
        errors(&failure)
            .iter()
            .any(|e| e.starts_with("Invalid variable name")),
        "{:?}",
        errors(&failure)
    );

    let failure = load_files(&[(
        "main.hcl",
        "secret \"s\" {\n  count         = 100000000\n  name          = \"x-${count.index}\"\n  secret_string = \"x\"\n}\n",
    )])
    .expect_err("too many");
    assert!(
        errors(&failure)
            .iter()
            .any(|e| e.contains("more than flowform makes of one block")),
        "{:?}",
        errors(&failure)
    );

    let failure = load_files(&[(
        "main.hcl",
        "data \"region\" \"r\" {}\n\nsecret \"a\" {\n  for_each      = toset([data.region.r.name])\n  name          = \"a-${each.key}\"\n  secret_string = \"x\"\n}\n",
    )])
    .expect_err("keys from a data source");
    let all = errors(&failure);
    assert!(
        all.iter()
            .any(|e| e.contains("cannot be determined until apply")),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|e| e.contains("undeclared data source")),
        "{all:?}"
    );
}

#[test]
fn two_provider_configurations_in_one_region_share_names() {
    let failure = load_files(&[(
        "main.hcl",
        "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n\nprovider \"aws\" {\n  alias  = \"eu\"\n  region = \"eu-west-1\"\n}\n\nsecret \"a\" {\n  name          = \"dupname\"\n  secret_string = \"x\"\n}\n\nsecret \"b\" {\n  provider      = aws.eu\n  name          = \"dupname\"\n  secret_string = \"x\"\n}\n",
    )])
    .expect_err("one region, one name");
    assert!(
        errors(&failure)
            .iter()
            .any(|e| e.starts_with("Duplicate secret name")),
        "{:?}",
        errors(&failure)
    );
}
