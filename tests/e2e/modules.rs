//! Local modules against a sandbox reached as AWS is: a module called once per environment
//! with `for_each`, inputs that refer to resources outside the module, outputs read by the
//! caller, `depends_on` on the call, nesting with `count`, `path.module`, and a resource moved
//! into a module without an AWS call.

use crate::harness::{Ran, SENTINEL, Sandbox, Test};

const SECRET: &str = "SENTINEL-MODULE-CLIENT-SECRET";

/// The module: a secret holding a connected app's credentials, encrypted with the key the
/// caller passes, and the profile that reads it.
const CONNECTION: &str = r#"
variable "environment" {
  type = string
}

variable "kms_key_arn" {
  type        = string
  description = "A key made outside the module: its ARN is known only once it exists."
}

variable "client_secret" {
  type      = string
  sensitive = true
}

variable "profile_kms_arn" {
  type        = string
  description = "The key policy's key_arn: the profile waits for the policy through it."
}

secret "app" {
  name       = "appflow/${var.environment}/salesforce"
  kms_key_id = var.kms_key_arn
  secret_string = jsonencode({
    clientId     = "3MVG9-${var.environment}"
    clientSecret = var.client_secret
  })
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "appflow.amazonaws.com" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
  })
}

connector_profile "salesforce" {
  name            = "salesforce-${var.environment}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = var.profile_kms_arn

  properties {
    instance_url = "https://acme-${var.environment}.my.salesforce.com"
  }

  credentials {
    oauth2_grant_type      = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.app.arn
  }
}

output "profile_arn" {
  value = connector_profile.salesforce.arn
}

output "secret_arn" {
  value = secret.app.arn
}
"#;

/// The root: one shared key, its policy, a secret the modules wait for, and the module once per
/// environment. The profiles need the key policy in place (AppFlow decrypts the secret when
/// the profile is made): they get the policy's `key_arn` as an input. Nothing in the module
/// refers to the audit secret: `depends_on` on the call orders it first.
fn root(environments: &[&str]) -> String {
    let envs = environments
        .iter()
        .map(|e| format!("\"{e}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
variable "client_secret" {{
  type      = string
  sensitive = true
  default   = "{SECRET}"
}}

kms_key "shared" {{
  description = "Encrypts every environment's connected app"
}}

kms_key_policy "shared" {{
  key_id = kms_key.shared.arn
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid       = "Account"
        Effect    = "Allow"
        Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
        Action    = "kms:*"
        Resource  = "*"
      }},
      {{
        Sid       = "AppFlow"
        Effect    = "Allow"
        Principal = {{ Service = "appflow.amazonaws.com" }}
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = {{ StringEquals = {{ "aws:SourceAccount" = "123456789012" }} }}
      }},
    ]
  }})
}}

secret "audit" {{
  name          = "appflow/audit"
  secret_string = "not a secret"
}}

module "conn" {{
  source = "./modules/connection"
  # Keys known now, values (the key's ARN) only once the key exists.
  for_each = {{ for env in [{envs}] : env => kms_key.shared.arn }}

  environment     = each.key
  kms_key_arn     = each.value
  profile_kms_arn = kms_key_policy.shared.key_arn
  client_secret   = var.client_secret

  depends_on = [secret.audit]
}}

output "profiles" {{
  value = {{ for env, c in module.conn : env => c.profile_arn }}
}}

output "dev_secret" {{
  value = module.conn["dev"].secret_arn
}}
"#
    )
}

/// Where `needle` first appears in `text`, for ordering checks.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in:\n{text}"))
}

#[test]
fn a_module_called_per_environment_applies_in_order_reads_outputs_and_loses_one_instance() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", &root(&["dev", "staging", "prod"]))
        .file("modules/connection/main.hcl", CONNECTION)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# module.conn[\"staging\"].connector_profile.salesforce will be created")
        .stdout_contains("Apply complete! Resources: 9 added, 0 changed, 0 destroyed.")
        .run();
    let out = ran.stdout();
    // The module's secret waits for the key its input names and for the secret the call
    // depends on; the profile for the key policy its input names.
    assert!(
        at(&out, "kms_key.shared: Creation complete")
            < at(&out, "module.conn[\"dev\"].secret.app: Creating..."),
        "{out}"
    );
    assert!(
        at(&out, "secret.audit: Creation complete")
            < at(&out, "module.conn[\"staging\"].secret.app: Creating..."),
        "{out}"
    );
    assert!(
        at(&out, "kms_key_policy.shared: Creation complete")
            < at(
                &out,
                "module.conn[\"prod\"].connector_profile.salesforce: Creating..."
            ),
        "{out}"
    );
    let mut names = aws.profile_names();
    names.sort();
    assert_eq!(
        names,
        ["salesforce-dev", "salesforce-prod", "salesforce-staging"]
    );
    let state = ran.state();
    let dev_secret = state["resources"]["module.conn[\"dev\"].secret.app"]["attributes"]["arn"]
        .as_str()
        .expect("the module's secret is in the state")
        .to_string();
    assert!(dev_secret.contains(":secret:appflow/dev/salesforce"));
    // The caller read the module's outputs.
    assert!(
        out.contains(&format!("dev_secret = \"{dev_secret}\"")),
        "{out}"
    );
    assert!(
        out.contains("\"staging\" = \"arn:aws:appflow:us-east-1:123456789012:connectorprofile/salesforce-staging\""),
        "{out}"
    );
    // What was passed into the module as sensitive stayed hidden everywhere.
    assert!(!ran.files_text_except_sandbox_data().contains(SECRET));
    assert!(!out.contains(SECRET) && !ran.stderr().contains(SECRET));

    // Settled: nothing to do.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert!(ran.stdout().contains("No changes."), "{}", ran.stdout());

    // The JSON plan names the module of each change, as Terraform's does.
    std::fs::write(ran.path("config/main.hcl"), root(&["dev", "prod"])).expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--format", "json"])
        .run();
    let plan: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("a JSON plan");
    let changes = plan["resource_changes"].as_array().expect("changes");
    let deleted: std::collections::BTreeSet<(&str, &str)> = changes
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["delete"]))
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default(),
                c["module_address"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let staging = "module.conn[\"staging\"]";
    assert_eq!(
        deleted,
        [
            ("module.conn[\"staging\"].secret.app", staging),
            (
                "module.conn[\"staging\"].connector_profile.salesforce",
                staging
            ),
        ]
        .into_iter()
        .collect()
    );
    let calls = &plan["configuration"]["root_module"]["module_calls"]["conn"];
    assert_eq!(calls["source"], "./modules/connection");
    assert!(
        calls["module"]["resources"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["address"] == "secret.app")),
        "{calls}"
    );

    // One environment removed: its instance's two resources are destroyed, nothing else.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains(
            "# module.conn[\"staging\"].connector_profile.salesforce will be destroyed",
        )
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 2 destroyed.")
        .run();
    let mut names = aws.profile_names();
    names.sort();
    assert_eq!(names, ["salesforce-dev", "salesforce-prod"]);
    assert_eq!(ran.state_addresses().len(), 7);
}

#[test]
fn a_resource_moves_into_a_nested_module_without_an_aws_call() {
    let aws = Sandbox::start();
    let before = r#"
secret "legacy" {
  name          = "appflow/legacy"
  secret_string = "not a secret"
}
"#;
    let ran = Test::new()
        .file("main.hcl", before)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    let arn = ran.state()["resources"]["secret.legacy"]["attributes"]["arn"]
        .as_str()
        .expect("arn")
        .to_string();

    // The secret now lives two modules down; the inner call has count, and the inner module
    // reads a file next to it through path.module.
    let after = r#"
module "outer" {
  source = "./modules/outer"
}

moved {
  from = secret.legacy
  to   = module.outer.module.inner[0].secret.kept
}

output "name" {
  value = module.outer.name
}
"#;
    let outer = r#"
module "inner" {
  source = "./inner"
  count  = 1
  prefix = "appflow"
}

output "name" {
  value = module.inner[0].name
}
"#;
    let inner = r#"
variable "prefix" {
  type = string
}

secret "kept" {
  name          = "${var.prefix}/${trimspace(file("${path.module}/suffix.txt"))}"
  secret_string = "not a secret"
}

output "name" {
  value = secret.kept.name
}
"#;
    std::fs::write(ran.path("config/main.hcl"), after).expect("write");
    for (file, text) in [
        ("modules/outer/main.hcl", outer),
        ("modules/outer/inner/main.hcl", inner),
        ("modules/outer/inner/suffix.txt", "legacy\n"),
    ] {
        let path = ran.path(&format!("config/{file}"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# secret.legacy has moved to module.outer.module.inner[0].secret.kept")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_contains("name = \"appflow/legacy\"")
        .stdout_lacks("Creating...")
        .stdout_lacks("Destroying...")
        .run();
    assert_eq!(
        ran.state()["resources"]["module.outer.module.inner[0].secret.kept"]["attributes"]["arn"],
        serde_json::json!(arn)
    );
    assert_eq!(
        ran.state_addresses(),
        ["module.outer.module.inner[0].secret.kept"]
    );
}

/// `depends_on = [module.other]` on a module call: every resource of the call waits for every
/// resource of the other one.
#[test]
fn a_module_call_waits_for_the_module_it_depends_on() {
    let aws = Sandbox::start();
    let module = "variable \"n\" {\n  type = string\n}\n\nsecret \"s\" {\n  name          = \"appflow/dep-${var.n}\"\n  secret_string = \"not a secret\"\n}\n";
    let root = "module \"z\" {\n  source = \"./modules/m\"\n  n      = \"z\"\n}\n\nmodule \"b\" {\n  source     = \"./modules/m\"\n  n          = \"b\"\n  depends_on = [module.z]\n}\n";
    let ran = Test::new()
        .file("main.hcl", root)
        .file("modules/m/main.hcl", module)
        .aws(&aws)
        .args(["apply", "--auto-approve", "--parallelism", "4"])
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    let out = ran.stdout();
    assert!(
        at(&out, "module.z.secret.s: Creation complete")
            < at(&out, "module.b.secret.s: Creating..."),
        "{out}"
    );
}

/// `module "x"` (without count or for_each) holding one secret named `name`, applied.
fn one_module_applied(aws: &Sandbox, name: &str) -> Ran {
    let module = format!(
        "secret \"s\" {{\n  name          = \"{name}\"\n  secret_string = \"not a secret\"\n}}\n"
    );
    Test::new()
        .file(
            "main.hcl",
            "module \"x\" {\n  source = \"./modules/m\"\n}\n",
        )
        .file("modules/m/main.hcl", &module)
        .aws(aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run()
}

/// Adding `count` to a module call moves its resources to `[0]` (and removing it moves them
/// back), as Terraform does: no AWS call.
#[test]
fn count_added_to_a_module_call_moves_its_resources_to_index_zero() {
    let aws = Sandbox::start();
    let ran = one_module_applied(&aws, "appflow/counted-module");
    std::fs::write(
        ran.path("config/main.hcl"),
        "module \"x\" {\n  source = \"./modules/m\"\n  count  = 1\n}\n",
    )
    .expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# module.x.secret.s has moved to module.x[0].secret.s")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_lacks("Creating...")
        .stdout_lacks("Destroying...")
        .run();
    assert_eq!(ran.state_addresses(), ["module.x[0].secret.s"]);
    std::fs::write(
        ran.path("config/main.hcl"),
        "module \"x\" {\n  source = \"./modules/m\"\n}\n",
    )
    .expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# module.x[0].secret.s has moved to module.x.secret.s")
        .stdout_lacks("Creating...")
        .run();
    assert_eq!(ran.state_addresses(), ["module.x.secret.s"]);
    assert_eq!(aws.live_secret_names(), ["appflow/counted-module"]);
}

/// `moved { from = module.old, to = module.new }`: renaming a module call moves every
/// instance's resources with their keys, without an AWS call; then one instance moves alone
/// (`module.new["b"]` to `module.solo`, a call without for_each).
#[test]
fn a_renamed_module_call_moves_all_its_instances_without_an_aws_call() {
    let aws = Sandbox::start();
    let module = "variable \"n\" {\n  type = string\n}\n\nsecret \"s\" {\n  name          = \"appflow/renamed-${var.n}\"\n  secret_string = \"not a secret\"\n}\n";
    let call = |name: &str, keys: &str| {
        format!(
            "module \"{name}\" {{\n  source   = \"./modules/m\"\n  for_each = toset([{keys}])\n  n        = each.key\n}}\n"
        )
    };
    let ran = Test::new()
        .file("main.hcl", &call("old", "\"a\", \"b\""))
        .file("modules/m/main.hcl", module)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    let renamed = format!(
        "{}\nmoved {{\n  from = module.old\n  to   = module.new\n}}\n",
        call("new", "\"a\", \"b\"")
    );
    std::fs::write(ran.path("config/main.hcl"), renamed).expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# module.old[\"a\"].secret.s has moved to module.new[\"a\"].secret.s")
        .stdout_contains("# module.old[\"b\"].secret.s has moved to module.new[\"b\"].secret.s")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_lacks("Creating...")
        .stdout_lacks("Destroying...")
        .run();
    assert_eq!(
        ran.state_addresses(),
        ["module.new[\"a\"].secret.s", "module.new[\"b\"].secret.s"]
    );
    let split = format!(
        "{}\nmodule \"solo\" {{\n  source = \"./modules/m\"\n  n      = \"b\"\n}}\n\nmoved {{\n  from = module.new[\"b\"]\n  to   = module.solo\n}}\n",
        call("new", "\"a\"")
    );
    std::fs::write(ran.path("config/main.hcl"), split).expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# module.new[\"b\"].secret.s has moved to module.solo.secret.s")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_lacks("Creating...")
        .run();
    assert_eq!(
        ran.state_addresses(),
        ["module.new[\"a\"].secret.s", "module.solo.secret.s"]
    );
    assert_eq!(
        aws.live_secret_names(),
        ["appflow/renamed-a", "appflow/renamed-b"]
    );
}

/// `--target module.X` and `--target module.X["k"]`: every resource of the call (or of that
/// instance), and what they depend on, as Terraform targets a module.
#[test]
fn a_module_call_or_one_instance_of_it_is_a_target() {
    let aws = Sandbox::start();
    let module = "variable \"n\" {\n  type = string\n}\n\nsecret \"s\" {\n  name          = \"appflow/target-${var.n}\"\n  secret_string = \"not a secret\"\n}\n";
    let root = "module \"a\" {\n  source   = \"./modules/m\"\n  for_each = toset([\"x\", \"y\"])\n  n        = \"a-${each.key}\"\n}\n\nmodule \"b\" {\n  source = \"./modules/m\"\n  n      = \"b\"\n}\n";
    let ran = Test::new()
        .file("main.hcl", root)
        .file("modules/m/main.hcl", module)
        .aws(&aws)
        .args(["plan", "--target", "module.a"])
        .stdout_contains("# module.a[\"x\"].secret.s will be created")
        .stdout_contains("# module.a[\"y\"].secret.s will be created")
        .stdout_lacks("module.b.secret.s")
        .stdout_contains("Plan: 2 to add, 0 to change, 0 to destroy.")
        .run();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve", "--target", "module.a[\"y\"]"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(ran.state_addresses(), ["module.a[\"y\"].secret.s"]);
    ran.then()
        .aws(&aws)
        .args(["plan", "--target", "module.c"])
        .status(1)
        .stderr_contains("--target module.c: no such resource in the configuration or the state.")
        .run();
}

/// `state mv` and `state rm` take module addresses: a call moves with every instance (or one
/// instance alone), and removing a call forgets every resource in it, leaving the objects.
#[test]
fn state_mv_and_rm_take_whole_modules() {
    let aws = Sandbox::start();
    let module = "variable \"n\" {\n  type = string\n}\n\nsecret \"s\" {\n  name          = \"appflow/state-${var.n}\"\n  secret_string = \"not a secret\"\n}\n";
    let root = "module \"a\" {\n  source   = \"./modules/m\"\n  for_each = toset([\"x\", \"y\"])\n  n        = each.key\n}\n";
    let ran = Test::new()
        .file("main.hcl", root)
        .file("modules/m/main.hcl", module)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    let ran = ran
        .then()
        .args(["state", "mv", "module.a", "module.b"])
        .stdout_contains("Moved module.a[\"x\"].secret.s to module.b[\"x\"].secret.s.")
        .run();
    assert_eq!(
        ran.state_addresses(),
        ["module.b[\"x\"].secret.s", "module.b[\"y\"].secret.s"]
    );
    let ran = ran
        .then()
        .args(["state", "mv", "module.b[\"y\"]", "module.solo"])
        .stdout_contains("Moved module.b[\"y\"].secret.s to module.solo.secret.s.")
        .run();
    // Never merged into an instance that already holds objects.
    let ran = ran
        .then()
        .args(["state", "mv", "module.b[\"x\"]", "module.solo"])
        .status(1)
        .stderr_contains("module.solo already holds module.solo.secret.s in the state")
        .run();
    let ran = ran
        .then()
        .args(["state", "rm", "module.b"])
        .stdout_contains("Removed module.b[\"x\"].secret.s from the state.")
        .run();
    assert_eq!(ran.state_addresses(), ["module.solo.secret.s"]);
    let ran = ran
        .then()
        .args(["state", "mv", "module.nothing", "module.other"])
        .status(1)
        .stderr_contains("module.nothing holds nothing in the state.")
        .run();
    ran.then()
        .args(["state", "rm", "module.solo"])
        .stdout_contains("Removed module.solo.secret.s from the state.")
        .run();
    assert_eq!(
        aws.live_secret_names(),
        ["appflow/state-x", "appflow/state-y"]
    );
}

/// The JSON plan shows a module call's references (`each.key`) but never the value of an
/// argument: a literal may reach a secret inside the module through variables that are not
/// declared sensitive (here through `jsonencode`, two levels down, and a `for_each` value that
/// goes to a sensitive variable), and the JSON plan and the plan file must not hold it.
#[test]
fn a_module_calls_arguments_never_show_their_values() {
    let plain = "variable \"label\" {\n  type = string\n}\n\nvariable \"token\" {\n  type = string\n}\n\nsecret \"s\" {\n  name          = \"appflow/${var.label}\"\n  secret_string = var.token\n}\n";
    let leaf = "variable \"label\" {\n  type = string\n}\n\nvariable \"pw\" {\n  type      = string\n  sensitive = true\n}\n\nsecret \"s\" {\n  name          = \"appflow/${var.label}\"\n  secret_string = var.pw\n}\n";
    let mid = format!(
        "module \"inner\" {{\n  source = \"../plain\"\n  label  = \"mid\"\n  token  = \"{SENTINEL}-nested\"\n}}\n"
    );
    let root = format!(
        "module \"fe\" {{\n  source   = \"./modules/leaf\"\n  for_each = {{ a = \"{SENTINEL}-for-each\" }}\n  label    = \"fe-${{each.key}}\"\n  pw       = each.value\n}}\n\nmodule \"plain\" {{\n  source = \"./modules/plain\"\n  label  = \"plain\"\n  token  = jsonencode({{ password = \"{SENTINEL}-json\" }})\n}}\n\nmodule \"mid\" {{\n  source = \"./modules/mid\"\n}}\n"
    );
    let ran = Test::new()
        .file("main.hcl", &root)
        .file("modules/plain/main.hcl", plain)
        .file("modules/leaf/main.hcl", leaf)
        .file("modules/mid/main.hcl", &mid)
        .args(["plan", "--sandbox", "--format", "json", "-out", "tfplan"])
        .run();
    let out = ran.stdout();
    let file = std::fs::read_to_string(ran.path("tfplan")).expect("plan file");
    assert!(!out.contains(SENTINEL), "the JSON plan shows a secret");
    assert!(!file.contains(SENTINEL), "the plan file holds a secret");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let calls = &doc["configuration"]["root_module"]["module_calls"];
    assert_eq!(
        calls["fe"]["expressions"]["label"],
        serde_json::json!({ "references": ["each.key"] })
    );
    assert_eq!(
        calls["fe"]["expressions"]["pw"],
        serde_json::json!({ "references": ["each.value"] })
    );
    assert_eq!(calls["fe"]["for_each_expression"], serde_json::json!({}));
    assert_eq!(
        calls["plain"]["expressions"]["token"],
        serde_json::json!({})
    );
}

/// Adding `for_each` to a module call with `moved { from = module.x, to = module.x["k"] }`
/// moves its resources to that instance, as the same move does for a resource.
#[test]
fn for_each_added_to_a_module_call_moves_its_resources_to_the_named_instance() {
    let aws = Sandbox::start();
    let ran = one_module_applied(&aws, "appflow/keyed-module");
    std::fs::write(
        ran.path("config/main.hcl"),
        "module \"x\" {\n  source   = \"./modules/m\"\n  for_each = toset([\"k\"])\n}\n\nmoved {\n  from = module.x\n  to   = module.x[\"k\"]\n}\n",
    )
    .expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# module.x.secret.s has moved to module.x[\"k\"].secret.s")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_lacks("Creating...")
        .run();
    assert_eq!(ran.state_addresses(), ["module.x[\"k\"].secret.s"]);
}
