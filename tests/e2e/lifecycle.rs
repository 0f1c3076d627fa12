//! Whole lifecycles of the real binary against the sandbox: apply, plan, update, replace,
//! drift, import and destroy.

use crate::harness::{Ran, Sandbox, Test, count_resource_blocks, read_sandbox, root};

/// The examples (every folder of `examples/` with a `main.hcl`), sorted.
fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .expect("examples")
        .flatten()
        .filter(|e| e.path().join("main.hcl").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The last non-empty line of `text`.
/// The plan's last line says nothing is left to do (the line tools made for Terraform read).
fn assert_no_changes(ran: &crate::harness::Ran) {
    assert_eq!(
        last_line(&ran.stdout()),
        "No changes. Your infrastructure matches the configuration.",
        "{}",
        ran.stdout()
    );
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

/// What `--sandbox` left in its data file (`state.sandbox.json`, the emulated AWS account) that
/// is still live: profiles, secrets not pending deletion, keys not pending deletion. The file's
/// shape is `regions.REGION.{appflow.profiles, secretsmanager.secrets, kms.keys}`.
fn live_in_sandbox_data(ran: &Ran) -> Vec<String> {
    let data = read_sandbox(&ran.path("state.sandbox.json"));
    let regions = data["regions"]
        .as_object()
        .expect("regions in the sandbox data");
    let mut live = Vec::new();
    for (region, r) in regions {
        for name in r["appflow"]["profiles"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            live.push(format!("{region} profile {name}"));
        }
        for (name, s) in r["secretsmanager"]["secrets"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if s["deleted"].is_null() {
                live.push(format!("{region} secret {name}"));
            }
        }
        for (id, k) in r["kms"]["keys"].as_object().into_iter().flatten() {
            if k["state"] != "PendingDeletion" {
                live.push(format!("{region} key {id} ({})", k["state"]));
            }
        }
    }
    live
}

/// Examples whose blocks make several instances (`count`, `for_each`): the resources and the
/// connector profiles they make, counted by hand from their configuration, since counting
/// blocks in the text no longer gives them.
const INSTANCES: &[(&str, usize, usize)] = &[
    // A key, its policy, and a profile per environment (dev, staging, prod).
    ("salesforce-per-environment", 5, 3),
    // A module of four resources (key, secret, key policy, profile) per environment.
    ("multi-environment", 12, 3),
    // A profile per connection (reporting, sync, partner), from one block.
    ("custom-connector-dynamic-auth", 3, 3),
];

/// Dynamic blocks generate, for each connection, the blocks its authentication type needs and
/// no other: only the OAuth 2.0 connection reaches AppFlow with oAuth2Properties.
#[test]
fn dynamic_blocks_generate_each_connections_own_blocks() {
    let ran = Test::new()
        .example("custom-connector-dynamic-auth")
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.")
        .run();
    let data = read_sandbox(&ran.path("state.sandbox.json"));
    let profiles = &data["regions"]["us-east-1"]["appflow"]["profiles"];
    let custom = |name: &str| profiles[name]["properties"]["CustomConnector"].clone();
    assert_eq!(
        custom("acme-crm-partner")["oAuth2Properties"]["tokenUrl"],
        "https://partner.acme-crm.example.com/oauth2/token"
    );
    for name in ["acme-crm-reporting", "acme-crm-sync"] {
        assert!(
            custom(name)["oAuth2Properties"].is_null(),
            "{name}: {}",
            custom(name)
        );
    }
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .run();
    assert_no_changes(&ran);
}

#[test]
fn every_example_applies_plans_clean_and_destroys_in_the_sandbox() {
    let all = examples();
    assert!(
        all.len() >= 6,
        "expected at least six examples, found {all:?}"
    );
    for example in all {
        // Its key is not flowform's: it has tests of its own below (the stand-in key ARN in its
        // sandbox.auto.vars.hcl does not exist in the sandbox, and its key policy is guarded by
        // prevent_destroy, so destroy is refused by design).
        if example == "bring-your-own-key" {
            continue;
        }
        let counted = INSTANCES.iter().find(|(name, _, _)| *name == example);
        let n = match counted {
            Some((_, n, _)) => *n,
            None => count_resource_blocks(&root().join("examples").join(&example)),
        };
        assert!(n > 0, "{example} has no resources");
        let ran = Test::new()
            .example(&example)
            .args(["apply", "--sandbox", "--auto-approve"])
            .stdout_contains(&format!(
                "Apply complete! Resources: {n} added, 0 changed, 0 destroyed."
            ))
            .run();
        assert_eq!(
            ran.state_addresses().len(),
            n,
            "{example}: state after apply"
        );
        // What was made is really there: one profile per connector_profile block.
        let main = std::fs::read_to_string(ran.path("config/main.hcl")).unwrap();
        let profiles = match counted {
            Some((_, _, profiles)) => *profiles,
            None => main
                .lines()
                .filter(|l| l.starts_with("connector_profile \""))
                .count(),
        };
        let live = live_in_sandbox_data(&ran);
        assert_eq!(
            live.iter().filter(|l| l.contains(" profile ")).count(),
            profiles,
            "{example}: live after apply: {live:?}"
        );
        let ran = ran
            .then()
            .args(["plan", "--sandbox", "--detailed-exitcode"])
            .run();
        assert_eq!(
            last_line(&ran.stdout()),
            "No changes. Your infrastructure matches the configuration.",
            "{example}: plan after apply\n{}",
            ran.stdout()
        );
        let ran = ran
            .then()
            .args(["destroy", "--sandbox", "--auto-approve"])
            .stdout_contains(&format!("Destroy complete! Resources: {n} destroyed."))
            .run();
        assert_eq!(
            ran.state_addresses(),
            Vec::<String>::new(),
            "{example}: state after destroy"
        );
        assert_eq!(
            live_in_sandbox_data(&ran),
            Vec::<String>::new(),
            "{example}: still live in the sandbox after destroy"
        );
    }
}

/// `appflow.profiles` of the sandbox data file, by name.
fn sandbox_profiles(ran: &Ran) -> Vec<String> {
    let data = read_sandbox(&ran.path("state.sandbox.json"));
    data["regions"]["us-east-1"]["appflow"]["profiles"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn sandbox_secret(ran: &Ran, name: &str) -> serde_json::Value {
    let data = read_sandbox(&ran.path("state.sandbox.json"));
    data["regions"]["us-east-1"]["secretsmanager"]["secrets"][name].clone()
}

const SF_SECRET_DESCRIPTION: &str =
    "Client id and secret of the Salesforce connected app used by AppFlow";

#[test]
fn an_edited_description_is_updated_in_place() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed.")
        .run();
    let arn_before = sandbox_secret(&ran, "appflow/salesforce/connected-app")["arn"].clone();
    ran.edit_config(
        "main.hcl",
        &format!("description = \"{SF_SECRET_DESCRIPTION}\""),
        "description = \"Edited in a pull request\"",
    );
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# secret.salesforce_app will be updated in-place")
        .stdout_contains("\"Edited in a pull request\"")
        .stdout_lacks("must be replaced")
        .run();
    assert_eq!(
        last_line(&ran.stdout()),
        "Plan: 0 to add, 1 to change, 0 to destroy.",
        "{}",
        ran.stdout()
    );
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.")
        .run();
    let secret = sandbox_secret(&ran, "appflow/salesforce/connected-app");
    assert_eq!(secret["description"], "Edited in a pull request");
    assert_eq!(secret["arn"], arn_before, "updated in place, not replaced");
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .run();
    assert_no_changes(&ran);
}

#[test]
fn a_renamed_profile_is_replaced() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    assert_eq!(sandbox_profiles(&ran), ["salesforce-prod"]);
    ran.edit_config(
        "main.hcl",
        "name            = \"salesforce-prod\"",
        "name            = \"salesforce-prod-eu\"",
    );
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# connector_profile.salesforce must be replaced")
        .stdout_contains("# forces replacement")
        .run();
    assert_eq!(
        last_line(&ran.stdout()),
        "Plan: 1 to add, 0 to change, 1 to destroy.",
        "{}",
        ran.stdout()
    );
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.")
        .run();
    assert_eq!(sandbox_profiles(&ran), ["salesforce-prod-eu"]);
    assert_eq!(
        ran.state()["resources"]["connector_profile.salesforce"]["attributes"]["name"],
        "salesforce-prod-eu"
    );
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .run();
    assert_no_changes(&ran);
}

/// Applies salesforce-jwt to a standalone sandbox (the real-AWS code path).
fn applied_salesforce_jwt(aws: &Sandbox) -> Ran {
    let ran = Test::new()
        .example("salesforce-jwt")
        .aws(aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(aws.profile_names(), ["salesforce-prod"]);
    ran
}

fn describe_sf_secret(aws: &Sandbox) -> (Option<String>, Vec<(String, String)>) {
    let sm = aws.secretsmanager();
    aws.block_on(async {
        let out = sm
            .describe_secret()
            .secret_id("appflow/salesforce/connected-app")
            .send()
            .await
            .expect("DescribeSecret");
        let tags = out
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        (out.description().map(str::to_owned), tags)
    })
}

#[test]
fn drift_made_outside_is_shown_and_planned_back() {
    let aws = Sandbox::start();
    let ran = applied_salesforce_jwt(&aws);
    // Someone edits the secret in the console and deletes the profile.
    let sm = aws.secretsmanager();
    let appflow = aws.appflow();
    aws.block_on(async {
        sm.update_secret()
            .secret_id("appflow/salesforce/connected-app")
            .description("Changed in the console")
            .send()
            .await
            .expect("UpdateSecret");
        appflow
            .delete_connector_profile()
            .connector_profile_name("salesforce-prod")
            .send()
            .await
            .expect("DeleteConnectorProfile");
    });
    assert_eq!(aws.profile_names(), Vec::<String>::new());
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("Objects have changed outside of flowform")
        .stdout_contains("# secret.salesforce_app has changed")
        .stdout_contains(&format!(
            "~ description = \"{SF_SECRET_DESCRIPTION}\" -> \"Changed in the console\""
        ))
        .stdout_contains("# connector_profile.salesforce has been deleted")
        .stdout_contains("# secret.salesforce_app will be updated in-place")
        .stdout_contains(&format!(
            "~ description = \"Changed in the console\" -> \"{SF_SECRET_DESCRIPTION}\""
        ))
        .stdout_contains("# connector_profile.salesforce will be created")
        .run();
    let out = ran.stdout();
    assert_eq!(
        last_line(&out),
        "Plan: 1 to add, 1 to change, 0 to destroy.",
        "{out}"
    );
    // The drift section comes before the plan that undoes it.
    assert!(
        out.find("has been deleted") < out.find("will be created"),
        "{out}"
    );
}

#[test]
fn a_profile_deleted_outside_is_created_again() {
    let aws = Sandbox::start();
    let ran = applied_salesforce_jwt(&aws);
    let appflow = aws.appflow();
    aws.block_on(async {
        appflow
            .delete_connector_profile()
            .connector_profile_name("salesforce-prod")
            .send()
            .await
            .expect("DeleteConnectorProfile");
    });
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# connector_profile.salesforce has been deleted")
        .stdout_contains("# connector_profile.salesforce will be created")
        .run();
    assert_eq!(
        last_line(&ran.stdout()),
        "Plan: 1 to add, 0 to change, 0 to destroy."
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(aws.profile_names(), ["salesforce-prod"]);
    let arn = aws.block_on(async {
        appflow
            .describe_connector_profiles()
            .connector_profile_names("salesforce-prod")
            .send()
            .await
            .expect("DescribeConnectorProfiles")
            .connector_profile_details()[0]
            .connector_profile_arn()
            .map(str::to_owned)
    });
    assert_eq!(
        ran.state()["resources"]["connector_profile.salesforce"]["attributes"]["arn"].as_str(),
        arn.as_deref(),
        "the state records the re-created profile"
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .stdout_lacks("changed outside")
        .run();
    assert_no_changes(&ran);
}

#[test]
fn a_secret_changed_outside_is_put_back() {
    let aws = Sandbox::start();
    let ran = applied_salesforce_jwt(&aws);
    let (_, tags_before) = describe_sf_secret(&aws);
    let sm = aws.secretsmanager();
    aws.block_on(async {
        sm.update_secret()
            .secret_id("appflow/salesforce/connected-app")
            .description("Changed in the console")
            .send()
            .await
            .expect("UpdateSecret");
        sm.tag_resource()
            .secret_id("appflow/salesforce/connected-app")
            .tags(
                aws_sdk_secretsmanager::types::Tag::builder()
                    .key("added-by-hand")
                    .value("x")
                    .build(),
            )
            .send()
            .await
            .expect("TagResource");
    });
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# secret.salesforce_app has changed")
        .stdout_contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.")
        .run();
    let (description, tags) = describe_sf_secret(&aws);
    assert_eq!(description.as_deref(), Some(SF_SECRET_DESCRIPTION));
    assert_eq!(tags, tags_before, "the tag added by hand is removed");
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .stdout_lacks("changed outside")
        .run();
    assert_no_changes(&ran);
}

#[test]
fn a_destroyed_configuration_can_be_applied_again() {
    let ran = Test::new()
        .example("servicenow-oauth2")
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    let ran = ran
        .then()
        .args(["destroy", "--sandbox", "--auto-approve"])
        .stdout_contains("Destroy complete! Resources: 1 destroyed.")
        .run();
    assert_eq!(sandbox_profiles(&ran), Vec::<String>::new());
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(sandbox_profiles(&ran), ["servicenow-oauth2"]);
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .run();
    assert_no_changes(&ran);
}

const IMPORT_CONFIG: &str = r#"
secret "imported" {
  name                    = "team/hand-made"
  description             = "Made by hand"
  secret_string           = "hand-made-value"
  recovery_window_in_days = 7
}

connector_profile "imported" {
  name            = "hand-made-datadog"
  connector_type  = "Datadog"
  connection_mode = "Public"

  properties {
    instance_url = "https://api.datadoghq.com"
  }

  credentials {
    api_key         = "configured-api-key"
    application_key = "configured-application-key"
  }
}
"#;

#[test]
fn objects_made_by_hand_are_imported_and_then_managed() {
    use aws_sdk_appflow::types::{
        ConnectionMode, ConnectorProfileConfig, ConnectorProfileCredentials,
        ConnectorProfileProperties, ConnectorType, DatadogConnectorProfileCredentials,
        DatadogConnectorProfileProperties,
    };
    let aws = Sandbox::start();
    let sm = aws.secretsmanager();
    let appflow = aws.appflow();
    aws.block_on(async {
        sm.create_secret()
            .name("team/hand-made")
            .description("Made by hand")
            .secret_string("hand-made-value")
            .send()
            .await
            .expect("CreateSecret");
        let config = ConnectorProfileConfig::builder()
            .connector_profile_properties(
                ConnectorProfileProperties::builder()
                    .datadog(
                        DatadogConnectorProfileProperties::builder()
                            .instance_url("https://api.datadoghq.com")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .connector_profile_credentials(
                ConnectorProfileCredentials::builder()
                    .datadog(
                        DatadogConnectorProfileCredentials::builder()
                            .api_key("old-api-key")
                            .application_key("old-application-key")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build();
        appflow
            .create_connector_profile()
            .connector_profile_name("hand-made-datadog")
            .connector_type(ConnectorType::Datadog)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(config)
            .send()
            .await
            .expect("CreateConnectorProfile");
    });

    let ran = Test::new()
        .file("main.hcl", IMPORT_CONFIG)
        .aws(&aws)
        .args(["import", "secret.imported", "team/hand-made"])
        .stdout_contains("Import successful!")
        .run();
    assert_eq!(ran.state_addresses(), ["secret.imported"]);
    // The secret matches its block in everything AWS reports, its value included. The recovery
    // window is not reported by AWS: an import assumes AWS's default of 30 days, so that is
    // the one difference the plan may show.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# secret.imported will be updated in-place")
        .stdout_contains("~ recovery_window_in_days = 30 -> 7")
        .stdout_lacks("secret_string")
        .stdout_lacks("must be replaced")
        .run();
    let out = ran.stdout();
    let changed: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("~ ") && l.contains(" = "))
        .filter_map(|l| l.split(" = ").next())
        .collect();
    assert_eq!(changed, ["~ recovery_window_in_days"], "{}", ran.stdout());
    let ran = ran
        .then()
        .aws(&aws)
        .args(["import", "connector_profile.imported", "hand-made-datadog"])
        .stdout_contains("Import successful!")
        .run();
    // AWS never returns credentials, so flowform cannot know them: it sends the configured ones.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# connector_profile.imported will be updated in-place")
        .stdout_contains("api_key         = (sensitive value)")
        .stdout_lacks("must be replaced")
        .run();
    assert_eq!(
        last_line(&ran.stdout()),
        "Plan: 0 to add, 2 to change, 0 to destroy.",
        "{}",
        ran.stdout()
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.")
        .run();
    // AppFlow keeps a profile's credentials in a secret of its own (credentialsArn), which the
    // sandbox lets the account read: the configured credentials must be there now.
    let stored = aws.block_on(async {
        let out = appflow
            .describe_connector_profiles()
            .connector_profile_names("hand-made-datadog")
            .send()
            .await
            .expect("DescribeConnectorProfiles");
        let arn = out.connector_profile_details()[0]
            .credentials_arn()
            .expect("credentialsArn")
            .to_owned();
        sm.get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .expect("GetSecretValue of the profile's credentials")
            .secret_string()
            .unwrap_or_default()
            .to_owned()
    });
    assert!(
        stored.contains("configured-api-key") && !stored.contains("old-api-key"),
        "the profile's credentials were not sent: {stored}"
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert_no_changes(&ran);
    // Only what differs is planned: a new description, nothing about the value.
    ran.edit_config(
        "main.hcl",
        "description             = \"Made by hand\"",
        "description             = \"Managed by flowform\"",
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# secret.imported will be updated in-place")
        .stdout_contains("\"Made by hand\" -> \"Managed by flowform\"")
        .stdout_lacks("secret_string")
        .run();
    assert_eq!(
        last_line(&ran.stdout()),
        "Plan: 0 to add, 1 to change, 0 to destroy."
    );
}

#[test]
fn a_saved_plan_applies_only_to_what_it_was_made_from() {
    // From nothing: an unchanged saved plan applies.
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["plan", "--sandbox", "-out", "first.tfplan"])
        .run();
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "first.tfplan"])
        .stdout_contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed.")
        .run();
    // The same plan again: the state it was made from is gone.
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "first.tfplan"])
        .status(1)
        .stderr_contains("the saved plan first.tfplan cannot be applied")
        .stderr_contains("make a new plan")
        .stdout_lacks("Apply complete!")
        .run();

    // The serial moves under a saved plan: refused, and nothing is touched.
    ran.edit_config(
        "main.hcl",
        &format!("description = \"{SF_SECRET_DESCRIPTION}\""),
        "description = \"First edit\"",
    );
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "-out", "stale.tfplan"])
        .stdout_contains("Plan: 0 to add, 1 to change, 0 to destroy.")
        .run();
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.")
        .run();
    let serial = ran.state()["serial"].clone();
    let aws_before = std::fs::read(ran.path("state.sandbox.json")).unwrap();
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "stale.tfplan"])
        .status(1)
        .stderr_contains("the saved plan stale.tfplan cannot be applied")
        .stderr_contains("the state has changed since the plan was made")
        .stdout_lacks("Apply complete!")
        .run();
    assert_eq!(
        ran.state()["serial"],
        serial,
        "a refused plan writes no state"
    );
    assert_eq!(
        std::fs::read(ran.path("state.sandbox.json")).unwrap(),
        aws_before,
        "a refused plan changes nothing in AWS"
    );

    // The configuration changes under a saved plan: refused; put back, the plan applies.
    ran.edit_config("main.hcl", "\"First edit\"", "\"Second edit\"");
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "-out", "second.tfplan"])
        .stdout_contains("Plan: 0 to add, 1 to change, 0 to destroy.")
        .run();
    ran.edit_config("main.hcl", "\"Second edit\"", "\"Third edit\"");
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "second.tfplan"])
        .status(1)
        .stderr_contains("the configuration or the variable values have changed")
        .stdout_lacks("Apply complete!")
        .run();
    ran.edit_config("main.hcl", "\"Third edit\"", "\"Second edit\"");
    // A variable's value is part of what the plan was made from, secret ones included.
    let ran = ran
        .then()
        .args([
            "apply",
            "--sandbox",
            "second.tfplan",
            "-var",
            "client_secret=rotated",
        ])
        .status(1)
        .stderr_contains("the configuration or the variable values have changed")
        .stdout_lacks("Apply complete!")
        .run();
    assert_eq!(
        sandbox_secret(&ran, "appflow/salesforce/connected-app")["description"],
        "First edit"
    );
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "second.tfplan"])
        .stdout_contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.")
        .run();
    assert_eq!(
        sandbox_secret(&ran, "appflow/salesforce/connected-app")["description"],
        "Second edit"
    );
}

fn key_policy(aws: &Sandbox, key: &str) -> serde_json::Value {
    let kms = aws.kms();
    let text = aws.block_on(async {
        kms.get_key_policy()
            .key_id(key)
            .policy_name("default")
            .send()
            .await
            .expect("GetKeyPolicy")
            .policy()
            .unwrap_or_default()
            .to_owned()
    });
    serde_json::from_str(&text).expect("policy JSON")
}

#[test]
fn a_key_brought_from_elsewhere_gets_its_policy_back_and_survives_destroy() {
    let aws = Sandbox::start();
    let kms = aws.kms();
    let key = aws.block_on(async {
        kms.create_key()
            .description("the security team's key")
            .send()
            .await
            .expect("CreateKey")
            .key_metadata()
            .expect("metadata")
            .arn()
            .expect("arn")
            .to_owned()
    });
    let original = key_policy(&aws, &key);
    let var = format!("kms_key_arn={key}");
    let ran = Test::new()
        .example("bring-your-own-key")
        .aws(&aws)
        .args(["apply", "--auto-approve", "-var", &var])
        .stdout_contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.")
        .run();
    let applied = key_policy(&aws, &key);
    assert_ne!(applied, original);
    assert!(
        applied.to_string().contains("AllowAppFlowToUseTheKey"),
        "{applied}"
    );
    assert_eq!(aws.profile_names(), ["salesforce-prod-byok"]);
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode", "-var", &var])
        .run();
    assert_no_changes(&ran);

    // prevent_destroy guards the key policy: nothing at all is destroyed.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve", "-var", &var])
        .status(1)
        .stderr_contains("kms_key_policy.appflow has lifecycle.prevent_destroy set")
        .stdout_lacks("Destroy complete!")
        .run();
    assert_eq!(ran.state_addresses().len(), 3);
    assert_eq!(aws.profile_names(), ["salesforce-prod-byok"]);
    assert_eq!(key_policy(&aws, &key), applied);

    // Without the guard, destroy puts the key's previous policy back and leaves the key alone.
    ran.edit_config(
        "main.hcl",
        "prevent_destroy = true",
        "prevent_destroy = false",
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve", "-var", &var])
        .stdout_contains("Destroy complete! Resources: 3 destroyed.")
        .run();
    assert_eq!(ran.state_addresses(), Vec::<String>::new());
    assert_eq!(
        key_policy(&aws, &key),
        original,
        "the replaced policy is back"
    );
    let state = aws.block_on(async {
        kms.describe_key()
            .key_id(&key)
            .send()
            .await
            .expect("DescribeKey")
            .key_metadata()
            .and_then(|m| m.key_state())
            .cloned()
    });
    assert_eq!(state, Some(aws_sdk_kms::types::KeyState::Enabled));
    assert_eq!(aws.profile_names(), Vec::<String>::new());
    assert_eq!(aws.live_secret_names(), Vec::<String>::new());
}

#[test]
fn destroy_leaves_no_outputs_in_the_state() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    assert_eq!(
        ran.state()["outputs"]["profile_arn"]["sensitive"],
        false,
        "profile_arn is not a sensitive output"
    );
    let ran = ran
        .then()
        .args(["destroy", "--sandbox", "--auto-approve"])
        .stdout_contains("Destroy complete!")
        .run();
    let state = ran.state();
    // As Terraform: nothing is left to output once everything is destroyed.
    assert!(
        state["outputs"]
            .as_object()
            .is_none_or(|outputs| outputs.is_empty()),
        "outputs after destroy: {}",
        state["outputs"]
    );
}

/// The credentials AppFlow keeps for profile `name` (the AWSCURRENT value of its `appflow!`
/// secret in the sandbox's data).
fn sandbox_profile_credentials(ran: &Ran, name: &str) -> String {
    let data = read_sandbox(&ran.path("state.sandbox.json"));
    let region = &data["regions"]["us-east-1"];
    let arn = region["appflow"]["profiles"][name]["credentials_arn"]
        .as_str()
        .unwrap_or_else(|| panic!("no profile {name}"))
        .to_owned();
    let secret = region["secretsmanager"]["secrets"]
        .as_object()
        .unwrap()
        .values()
        .find(|s| s["arn"] == arn.as_str())
        .expect("the credentials secret");
    let current = secret["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["stages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "AWSCURRENT")
        })
        .expect("a current version");
    current["value"]["String"].as_str().unwrap().to_owned()
}

#[test]
fn a_renamed_secret_is_replaced_and_the_profile_follows_it() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let old_arn = ran.state()["resources"]["secret.salesforce_app"]["attributes"]["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(sandbox_profile_credentials(&ran, "salesforce-prod").contains(&old_arn));
    ran.edit_config(
        "main.hcl",
        "name        = \"appflow/salesforce/connected-app\"",
        "name        = \"appflow/salesforce/connected-app-v2\"",
    );
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .status(2)
        .stdout_contains("# secret.salesforce_app must be replaced")
        .stdout_contains("# connector_profile.salesforce will be updated in-place")
        .run();
    assert_eq!(
        last_line(&ran.stdout()),
        "Plan: 1 to add, 1 to change, 1 to destroy."
    );
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 1 changed, 1 destroyed.")
        .run();
    let new_arn = ran.state()["resources"]["secret.salesforce_app"]["attributes"]["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_arn, old_arn);
    let old = sandbox_secret(&ran, "appflow/salesforce/connected-app");
    assert!(
        !old["deleted"].is_null(),
        "the old secret is scheduled for deletion"
    );
    let new = sandbox_secret(&ran, "appflow/salesforce/connected-app-v2");
    assert_eq!(new["arn"], new_arn.as_str());
    assert!(new["deleted"].is_null());
    let credentials = sandbox_profile_credentials(&ran, "salesforce-prod");
    assert!(
        credentials.contains(&new_arn) && !credentials.contains(&old_arn),
        "the profile reads the new secret: {credentials}"
    );
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .run();
    assert_no_changes(&ran);
}

/// A dynamic block whose collection depends on a resource not created yet: the plan shows the
/// block as known after apply, apply makes it once the secret exists, and nothing is left over.
#[test]
fn a_dynamic_block_known_only_after_apply() {
    let config = r#"secret "client" {
  name                    = "client-id"
  secret_string           = "x"
  recovery_window_in_days = 0
}

connector_profile "p" {
  name            = "p"
  connector_type  = "CustomConnector"
  connector_label = "acme"
  connection_mode = "Public"

  properties {}

  credentials {
    authentication_type = "OAUTH2"

    dynamic "oauth2" {
      for_each = secret.client.arn == "" ? [] : [secret.client.name]
      iterator = id
      content {
        client_id     = id.value
        client_secret = "s"
      }
    }
  }
}
"#;
    let ran = Test::new()
        .file("main.hcl", config)
        .args(["plan", "--sandbox"])
        .stdout_contains("+ oauth2 = (known after apply)")
        .run();
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    let ran = ran.then().args(["plan", "--sandbox"]).run();
    assert_no_changes(&ran);
}
