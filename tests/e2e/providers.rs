//! A second provider configuration (`provider "aws" { alias = "eu", region = "eu-west-1" }`)
//! used by a resource, a data source and a module call, against a sandbox reached as AWS is:
//! each object is made in its own region, the state records the alias, and a resource that
//! leaves the configuration is destroyed in the region it was made in.

use crate::harness::{Sandbox, Test};

const CONFIG: &str = r#"
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "eu"
  region = "eu-west-1"
}

secret "home" {
  name          = "appflow/home"
  secret_string = "not a secret"
}

secret "abroad" {
  provider      = aws.eu
  name          = "appflow/abroad"
  secret_string = "not a secret"
}

data "region" "eu" {
  provider = aws.eu
}

module "eu" {
  source    = "./modules/one"
  providers = { aws = aws.eu }
}

output "eu_region" {
  value = data.region.eu.name
}

output "module_arn" {
  value = module.eu.arn
}
"#;

const MODULE: &str = r#"
secret "inside" {
  name          = "appflow/inside"
  secret_string = "not a secret"
}

output "arn" {
  value = secret.inside.arn
}
"#;

/// The live secret names of `region`.
fn secrets_in(aws: &Sandbox, region: &str) -> Vec<String> {
    let base = aws.secretsmanager();
    let client = aws_sdk_secretsmanager::Client::from_conf(
        base.config()
            .to_builder()
            .region(aws_sdk_secretsmanager::config::Region::new(
                region.to_string(),
            ))
            .build(),
    );
    let mut names: Vec<String> = aws.block_on(async {
        client
            .list_secrets()
            .send()
            .await
            .expect("ListSecrets")
            .secret_list()
            .iter()
            .filter(|s| s.deleted_date().is_none())
            .map(|s| s.name().unwrap_or_default().to_string())
            .collect()
    });
    names.sort();
    names
}

#[test]
fn an_aliased_provider_makes_reads_and_destroys_in_its_own_region() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", CONFIG)
        .file("modules/one/main.hcl", MODULE)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.")
        .stdout_contains("eu_region = \"eu-west-1\"")
        .run();
    assert_eq!(secrets_in(&aws, "us-east-1"), ["appflow/home"]);
    assert_eq!(
        secrets_in(&aws, "eu-west-1"),
        ["appflow/abroad", "appflow/inside"]
    );
    let state = ran.state();
    let resources = &state["resources"];
    assert_eq!(resources["secret.abroad"]["provider"], "eu");
    assert_eq!(resources["module.eu.secret.inside"]["provider"], "eu");
    assert!(resources["secret.home"].get("provider").is_none());
    assert!(
        resources["secret.abroad"]["attributes"]["arn"]
            .as_str()
            .is_some_and(|a| a.contains(":eu-west-1:"))
    );
    assert!(
        ran.stdout()
            .contains("module_arn = \"arn:aws:secretsmanager:eu-west-1:")
    );

    // Settled, refreshed region by region.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert!(ran.stdout().contains("No changes."), "{}", ran.stdout());

    // The aliased secret leaves the configuration: it is destroyed in eu-west-1.
    ran.edit_config(
        "main.hcl",
        "secret \"abroad\" {\n  provider      = aws.eu\n  name          = \"appflow/abroad\"\n  secret_string = \"not a secret\"\n}\n",
        "",
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 1 destroyed.")
        .run();
    assert_eq!(secrets_in(&aws, "eu-west-1"), ["appflow/inside"]);
    assert_eq!(secrets_in(&aws, "us-east-1"), ["appflow/home"]);

    // Dropping the provider block its resources still need is refused, never applied to
    // the default region.
    ran.edit_config(
        "main.hcl",
        "provider \"aws\" {\n  alias  = \"eu\"\n  region = \"eu-west-1\"\n}\n",
        "",
    );
    ran.then()
        .aws(&aws)
        .args(["plan"])
        .status(1)
        .stderr_contains("Provider configuration not present")
        .run();
}

/// Moving a resource to another provider configuration replaces it (destroyed where it was
/// made, created where it is configured now) — never an update through the new configuration
/// of an object that lives under the old one. `providers = { aws = aws }` in a module passes
/// the module's own provider on; `flowform import` records the alias it read with.
#[test]
fn a_resource_that_changes_provider_is_replaced_and_import_records_the_alias() {
    let aws = Sandbox::start();
    let base = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\nprovider \"aws\" {\n  alias  = \"eu\"\n  region = \"eu-west-1\"\n}\n";
    let home = format!(
        "{base}\nsecret \"moving\" {{\n  name          = \"appflow/moving\"\n  secret_string = \"not a secret\"\n}}\n"
    );
    let ran = Test::new()
        .file("main.hcl", &home)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    let abroad = home.replace(
        "secret \"moving\" {\n",
        "secret \"moving\" {\n  provider      = aws.eu\n",
    );
    std::fs::write(ran.path("config/main.hcl"), &abroad).expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stderr_contains("Provider configuration changed")
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.")
        .run();
    assert_eq!(secrets_in(&aws, "eu-west-1"), ["appflow/moving"]);
    assert!(secrets_in(&aws, "us-east-1").is_empty());
    assert_eq!(ran.state()["resources"]["secret.moving"]["provider"], "eu");

    // A nested call passing `aws` on gets the eu configuration its caller was given.
    let nested = format!(
        "{base}\nmodule \"o\" {{\n  source    = \"./modules/outer\"\n  providers = {{ aws = aws.eu }}\n}}\n"
    );
    std::fs::write(ran.path("config/main.hcl"), nested).expect("write");
    for (file, text) in [
        (
            "modules/outer/main.hcl",
            "module \"i\" {\n  source    = \"../inner\"\n  providers = { aws = aws }\n}\n",
        ),
        (
            "modules/inner/main.hcl",
            "secret \"inner\" {\n  name          = \"appflow/inner\"\n  secret_string = \"not a secret\"\n}\n",
        ),
    ] {
        let path = ran.path(&format!("config/{file}"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.")
        .run();
    assert_eq!(secrets_in(&aws, "eu-west-1"), ["appflow/inner"]);

    // An object made outside, imported through its alias, settles.
    let client = aws_sdk_secretsmanager::Client::from_conf(
        aws.secretsmanager()
            .config()
            .to_builder()
            .region(aws_sdk_secretsmanager::config::Region::new("eu-west-1"))
            .build(),
    );
    aws.block_on(async {
        client
            .create_secret()
            .name("appflow/external")
            .secret_string("not a secret")
            .send()
            .await
            .expect("CreateSecret")
    });
    let with_import = format!(
        "{base}\nsecret \"ext\" {{\n  provider      = aws.eu\n  name          = \"appflow/external\"\n  secret_string = \"not a secret\"\n}}\n"
    );
    std::fs::write(ran.path("config/main.hcl"), with_import).expect("write");
    std::fs::remove_dir_all(ran.path("config/modules")).expect("rm modules");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["import", "secret.ext", "appflow/external"])
        .stdout_contains("Import successful!")
        .run();
    assert_eq!(ran.state()["resources"]["secret.ext"]["provider"], "eu");
    ran.then()
        .aws(&aws)
        .args(["plan"])
        .stdout_lacks("secret.ext will be created")
        .stdout_lacks("secret.ext has been deleted")
        .run();
}
