//! `count`, `for_each`, `moved`, `import` blocks, `--replace` and `--refresh-only` against a
//! sandbox reached as AWS is: what flowform says is checked against what the sandbox holds.

use crate::harness::{Ran, Sandbox, Test};

const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJpbnN0YW5jZXMifQ.c2lnbmF0dXJl";

/// One Salesforce profile per entry of `orgs` (key → profile name), and `extra` blocks.
fn config(orgs: &[(&str, &str)], extra: &str) -> String {
    let entries: String = orgs
        .iter()
        .map(|(k, v)| format!("    {k} = \"{v}\"\n"))
        .collect();
    format!(
        r#"variable "jwt" {{
  sensitive = true
  default   = "{JWT}"
}}

locals {{
  orgs = {{
{entries}  }}
}}

connector_profile "sf" {{
  for_each        = local.orgs
  name            = each.value
  connector_type  = "Salesforce"
  connection_mode = "Public"

  properties {{
    instance_url = "https://${{each.value}}.my.salesforce.com"
  }}
  credentials {{
    oauth2_grant_type = "JWT_BEARER"
    jwt_token         = var.jwt
  }}
}}

output "names" {{
  value = {{ for k, p in connector_profile.sf : k => p.name }}
}}

output "first_arn" {{
  value = connector_profile.sf["org00"].arn
}}
{extra}"#
    )
}

fn twenty() -> Vec<(String, String)> {
    (0..20)
        .map(|i| (format!("org{i:02}"), format!("sf-org-{i:02}")))
        .collect()
}

fn refs(orgs: &[(String, String)]) -> Vec<(&str, &str)> {
    orgs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn arn_of(ran: &Ran, address: &str) -> String {
    ran.state()["resources"][address]["attributes"]["arn"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no arn in the state"))
        .to_string()
}

fn write_config(ran: &Ran, text: &str) {
    std::fs::write(ran.path("config/main.hcl"), text).expect("write config");
}

#[test]
fn a_for_each_of_twenty_profiles_loses_one_renames_one_gains_one_and_replaces_one() {
    let aws = Sandbox::start();
    let mut orgs = twenty();
    let ran = Test::new()
        .file("main.hcl", &config(&refs(&orgs), ""))
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("connector_profile.sf[\"org07\"]: Creation complete")
        .stdout_contains("Apply complete! Resources: 20 added, 0 changed, 0 destroyed.")
        .run();
    let mut expected: Vec<String> = orgs.iter().map(|(_, v)| v.clone()).collect();
    assert_eq!(sorted(aws.profile_names()), sorted(expected.clone()));
    assert_eq!(ran.state_addresses().len(), 20);
    assert!(
        ran.state_addresses()
            .contains(&"connector_profile.sf[\"org19\"]".to_string())
    );

    // One key removed: exactly one delete, of that instance.
    let removed = orgs.remove(3);
    write_config(&ran, &config(&refs(&orgs), ""));
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# connector_profile.sf[\"org03\"] will be destroyed")
        .stdout_contains("Plan: 0 to add, 0 to change, 1 to destroy.")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 1 destroyed.")
        .run();
    expected.retain(|n| *n != removed.1);
    assert_eq!(sorted(aws.profile_names()), sorted(expected.clone()));

    // One key renamed with a moved block: the state follows, AWS is not touched.
    let before = arn_of(&ran, "connector_profile.sf[\"org05\"]");
    let (_, name) = orgs.remove(4);
    assert_eq!(name, "sf-org-05");
    orgs.push(("renamed05".into(), name));
    let moved = "\nmoved {\n  from = connector_profile.sf[\"org05\"]\n  to   = connector_profile.sf[\"renamed05\"]\n}\n";
    let text = config(&refs(&orgs), moved);
    write_config(&ran, &text);
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains(
            "# connector_profile.sf[\"org05\"] has moved to connector_profile.sf[\"renamed05\"]",
        )
        .stdout_contains("Plan: 0 to add, 0 to change, 0 to destroy.")
        .stdout_contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        .stdout_lacks("Creating...")
        .stdout_lacks("Destroying...")
        .run();
    assert_eq!(arn_of(&ran, "connector_profile.sf[\"renamed05\"]"), before);
    assert!(
        !ran.state_addresses()
            .contains(&"connector_profile.sf[\"org05\"]".to_string())
    );
    assert_eq!(sorted(aws.profile_names()), sorted(expected.clone()));
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert!(ran.stdout().contains("No changes."), "{}", ran.stdout());

    // One key added: one create.
    orgs.push(("org20".into(), "sf-org-20".into()));
    let text = text.replace(
        "  }\n}\n\nconnector_profile",
        "    org20 = \"sf-org-20\"\n  }\n}\n\nconnector_profile",
    );
    write_config(&ran, &text);
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# connector_profile.sf[\"org20\"] will be created")
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    expected.push("sf-org-20".into());
    assert_eq!(sorted(aws.profile_names()), sorted(expected.clone()));

    // --replace of one instance: that one is destroyed and created, nothing else.
    let ran = ran
        .then()
        .aws(&aws)
        .args([
            "apply",
            "--auto-approve",
            "--replace",
            "connector_profile.sf[\"org11\"]",
        ])
        .stdout_contains("# connector_profile.sf[\"org11\"] will be replaced, as requested")
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.")
        .run();
    let out = ran.stdout();
    assert_eq!(out.matches("Destroying...").count(), 1, "{out}");
    assert_eq!(out.matches("Creating...").count(), 1, "{out}");
    assert_eq!(sorted(aws.profile_names()), sorted(expected));

    // The outputs see the instances: a map for for_each, one instance by key.
    let ran = ran.then().args(["output", "--raw", "first_arn"]).run();
    assert!(
        ran.stdout().starts_with("arn:aws:appflow:"),
        "{}",
        ran.stdout()
    );
    let ran = ran.then().args(["output", "--json", "names"]).run();
    let names: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON");
    assert_eq!(names["renamed05"], "sf-org-05");
    assert_eq!(names.as_object().map(|o| o.len()), Some(20));

    // A resource address without a key targets every instance; state rm takes them all.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--destroy", "--target", "connector_profile.sf"])
        .stdout_contains("Plan: 0 to add, 0 to change, 20 to destroy.")
        .run();
    ran.then()
        .args(["state", "rm", "connector_profile.sf[\"org00\"]"])
        .stdout_contains("Removed connector_profile.sf[\"org00\"] from the state.")
        .run();
}

#[test]
fn an_import_block_adopts_a_profile_made_outside() {
    use aws_sdk_appflow::types::{
        ConnectionMode, ConnectorProfileConfig, ConnectorProfileCredentials,
        ConnectorProfileProperties, ConnectorType, OAuth2GrantType,
        SalesforceConnectorProfileCredentials, SalesforceConnectorProfileProperties,
    };
    let aws = Sandbox::start();
    let appflow = aws.appflow();
    aws.block_on(async {
        let config = ConnectorProfileConfig::builder()
            .connector_profile_properties(
                ConnectorProfileProperties::builder()
                    .salesforce(
                        SalesforceConnectorProfileProperties::builder()
                            .instance_url("https://sf-org-00.my.salesforce.com")
                            .build(),
                    )
                    .build(),
            )
            .connector_profile_credentials(
                ConnectorProfileCredentials::builder()
                    .salesforce(
                        SalesforceConnectorProfileCredentials::builder()
                            .o_auth2_grant_type(OAuth2GrantType::JwtBearer)
                            .jwt_token(JWT)
                            .build(),
                    )
                    .build(),
            )
            .build();
        appflow
            .create_connector_profile()
            .connector_profile_name("sf-org-00")
            .connector_type(ConnectorType::Salesforce)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(config)
            .send()
            .await
            .expect("CreateConnectorProfile");
    });
    let import = "\nimport {\n  to = connector_profile.sf[\"org00\"]\n  id = \"sf-org-00\"\n}\n";
    let ran = Test::new()
        .file(
            "main.hcl",
            &config(&[("org00", "sf-org-00"), ("org01", "sf-org-01")], import),
        )
        .aws(&aws)
        .args(["plan"])
        .stdout_contains("# connector_profile.sf[\"org00\"] will be updated in-place")
        .stdout_contains("# (imported from \"sf-org-00\")")
        .stdout_contains("# connector_profile.sf[\"org01\"] will be created")
        .stdout_contains("Plan: 1 to import, 1 to add, 1 to change, 0 to destroy.")
        .run();
    // Planning reads, it records nothing.
    assert!(!ran.path("state.json").exists() || ran.state_addresses().is_empty());
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 imported, 1 added, 1 changed, 0 destroyed.")
        .run();
    assert_eq!(
        sorted(ran.state_addresses()),
        [
            "connector_profile.sf[\"org00\"]",
            "connector_profile.sf[\"org01\"]"
        ]
    );
    assert_eq!(
        sorted(aws.profile_names()),
        ["sf-org-00".to_string(), "sf-org-01".to_string()]
    );
    // Imported once: the block is a no-op from now on.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan"])
        .stdout_contains("No changes.")
        .run();

    // Deleted outside: --refresh-only plans no create, and its apply only forgets it.
    aws.block_on(async {
        appflow
            .delete_connector_profile()
            .connector_profile_name("sf-org-01")
            .send()
            .await
            .expect("DeleteConnectorProfile");
    });
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--refresh-only"])
        .stdout_contains("# connector_profile.sf[\"org01\"] has been deleted")
        .stdout_contains("This is a refresh-only plan")
        .stdout_lacks("will be created")
        .run();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--refresh-only", "--auto-approve"])
        .stdout_lacks("Creating...")
        .run();
    assert_eq!(ran.state_addresses(), ["connector_profile.sf[\"org00\"]"]);
    assert_eq!(aws.profile_names(), ["sf-org-00".to_string()]);
}

#[test]
fn required_version_refuses_a_flowform_outside_the_range() {
    Test::new()
        .file(
            "main.hcl",
            "flowform {\n  required_version = \">= 0.1, < 1.0\"\n}\n",
        )
        .args(["validate"])
        .stdout_contains("Success!")
        .run();
    Test::new()
        .file(
            "main.hcl",
            "flowform {\n  required_version = \">= 2.0\"\n}\n",
        )
        .args(["plan"])
        .status(1)
        .stderr_contains("This configuration requires flowform >= 2.0, but this is flowform 0.1.0.")
        .run();
}

/// Data sources feed a key policy and a profile: a key made outside (found by its alias), a
/// secret made outside (never its value), the account and the region.
const DATA_CONFIG: &str = r#"data "caller_identity" "me" {}

data "region" "current" {}

data "kms_key" "team" {
  key_id = "alias/team-appflow"
}

data "secret" "team" {
  name = "team/connected-app"
}

kms_key_policy "team" {
  key_id = data.kms_key.team.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.caller_identity.me.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowAppFlowToUseTheKey"
        Effect    = "Allow"
        Principal = { Service = "appflow.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          ArnLike = { "aws:SourceArn" = "arn:aws:appflow:${data.region.current.name}:${data.caller_identity.me.account_id}:*" }
        }
      },
    ]
  })
}

connector_profile "sf" {
  name            = "sf-data"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.team.key_arn

  properties {
    instance_url = "https://data.my.salesforce.com"
  }
  credentials {
    oauth2_grant_type = "JWT_BEARER"
    jwt_token         = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJkYXRhIn0.c2lnbmF0dXJl"
  }
}

output "secret_arn" {
  value = data.secret.team.arn
}

output "account" {
  value = data.caller_identity.me.account_id
}
"#;

#[test]
fn data_sources_feed_a_key_policy_and_a_profile() {
    let aws = Sandbox::start();
    let (kms, sm) = (aws.kms(), aws.secretsmanager());
    let key_arn = aws.block_on(async {
        let key = kms.create_key().send().await.expect("CreateKey");
        let meta = key.key_metadata().expect("metadata");
        kms.create_alias()
            .alias_name("alias/team-appflow")
            .target_key_id(meta.key_id())
            .send()
            .await
            .expect("CreateAlias");
        sm.create_secret()
            .name("team/connected-app")
            .secret_string(crate::harness::SENTINEL)
            .send()
            .await
            .expect("CreateSecret");
        meta.arn().expect("arn").to_string()
    });
    // A missing object is an error that names the data block.
    Test::new()
        .file(
            "main.hcl",
            &DATA_CONFIG.replace("team/connected-app", "team/nothing-here"),
        )
        .aws(&aws)
        .args(["plan", "--refresh=false"])
        .status(1)
        .stderr_contains(
            "data.secret.team found nothing: there is no secret with name = \"team/nothing-here\"",
        )
        .run();
    let ran = Test::new()
        .file("main.hcl", DATA_CONFIG)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains(&format!("= \"{key_arn}\""))
        .stdout_contains("arn:aws:iam::123456789012:root")
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    let state = ran.state();
    assert_eq!(
        state["resources"]["kms_key_policy.team"]["attributes"]["key_arn"],
        key_arn.as_str()
    );
    assert_eq!(state["outputs"]["account"]["value"], "123456789012");
    assert!(
        state["outputs"]["secret_arn"]["value"]
            .as_str()
            .is_some_and(|a| a.contains(":secret:team/connected-app")),
        "{state}"
    );
    assert!(!ran.all_files_text().contains(crate::harness::SENTINEL));
    // Read again by every plan; nothing changed.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--refresh=false"])
        .stdout_contains("No changes.")
        .run();
    // A profile read as data: its type and properties, as the plan shows them.
    std::fs::write(
        ran.path("config/read.hcl"),
        "data \"connector_profile\" \"made\" {\n  name = \"sf-data\"\n}\n\noutput \"made\" {\n  value = \"${data.connector_profile.made.connector_type} ${data.connector_profile.made.properties.instance_url}\"\n}\n",
    )
    .expect("write");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--format", "json"])
        .run();
    let plan: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON plan");
    assert_eq!(
        plan["output_changes"]["made"]["after"],
        "Salesforce https://data.my.salesforce.com"
    );
}

/// `for_each` and `count` on data blocks: one read per instance, `data.K.N["KEY"].attr` and the
/// whole map or list, in a module too.
#[test]
fn data_blocks_with_for_each_and_count_read_one_object_per_instance() {
    let aws = Sandbox::start();
    let made = r#"
secret "team" {
  for_each      = toset(["red", "blue"])
  name          = "appflow/team-${each.key}"
  secret_string = "not a secret"
}
"#;
    let ran = Test::new()
        .file("main.hcl", made)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    let red = arn_of(&ran, "secret.team[\"red\"]");
    let blue = arn_of(&ran, "secret.team[\"blue\"]");
    let reading = format!(
        r#"{made}
data "secret" "by_team" {{
  for_each = toset(["red", "blue"])
  name     = "appflow/team-${{each.key}}"
}}

data "secret" "first" {{
  count = 1
  name  = "appflow/team-red"
}}

output "red" {{
  value = data.secret.by_team["red"].arn
}}

output "all" {{
  value = {{ for team, s in data.secret.by_team : team => s.arn }}
}}

output "counted" {{
  value = data.secret.first[0].arn
}}
"#
    );
    write_config(&ran, &reading);
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains(&format!("red = \"{red}\""))
        .stdout_contains(&format!("\"blue\" = \"{blue}\""))
        .stdout_contains(&format!("counted = \"{red}\""))
        .run();
    // A key with no such object is an error naming that instance.
    write_config(
        &ran,
        &reading.replace(
            "toset([\"red\", \"blue\"])\n  name     =",
            "toset([\"red\", \"green\"])\n  name     =",
        ),
    );
    ran.then()
        .aws(&aws)
        .args(["plan"])
        .status(1)
        .stderr_contains("data.secret.by_team[\"green\"]")
        .run();
}
