//! The markdown and JSON views of real plans: whole-output snapshots, plus the properties a
//! snapshot cannot show at a glance (no secret anywhere, parts within GitHub's limit, the JSON
//! order respecting dependencies).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_core::{ResourceKind, Value};
use flowform_planner::{Action, Plan, PlanOptions};
use flowform_state::{DigestKey, Lineage, ResourceState, State};
use flowform_views::plan_json::{self as json, JsonMeta};
use flowform_views::plan_markdown::{self as markdown, MAX_PART_CHARS};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The configuration the views are shown with: the quickstart example itself, so the
/// snapshots show what a new user sees.
fn fixture(name: &str) -> PathBuf {
    assert_eq!(
        name, "salesforce",
        "the views are tested on the salesforce-jwt example"
    );
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/salesforce-jwt")
}

/// A copy of a fixture with textual edits, each of which must apply.
fn variant(name: &str, edits: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    for (from, to) in edits {
        let mut found = false;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if text.contains(from) {
                found = true;
                std::fs::write(&path, text.replace(from, to)).unwrap();
            }
        }
        assert!(found, "edit {from:?} did not apply to {name}");
    }
    dir
}

fn config(dir: &Path) -> flowform_parser::Config {
    match flowform_parser::load(dir, &flowform_parser::VariableInputs::default()) {
        Ok(c) => c,
        Err(e) => panic!("{:?}", e.diagnostics),
    }
}

fn empty_state() -> State {
    State::with_identity(Lineage::generate(), DigestKey::from_bytes([1; 32]), "0.1.0")
}

/// A plan as `flowform plan` makes it for the JSON view: with its configuration described.
fn plan(dir: &Path, state: &State, options: &PlanOptions) -> Plan {
    let options = PlanOptions {
        for_tools: true,
        ..options.clone()
    };
    match flowform_planner::plan(&config(dir), state, &options) {
        Ok(p) => p,
        Err(d) => panic!("{d:?}"),
    }
}

/// What AWS would report for a value known only after apply.
fn computed(address: &flowform_core::Address, attr: &str) -> Value {
    let label = &address.label;
    let text = match (address.kind, attr) {
        (ResourceKind::KmsKey, "arn") => {
            "arn:aws:kms:us-east-1:123456789012:key/0b5f2c1e-7d4a-4c1e-9a43-5f1d2e3c4b5a".into()
        }
        (ResourceKind::KmsKey, "key_id") => "0b5f2c1e-7d4a-4c1e-9a43-5f1d2e3c4b5a".into(),
        (ResourceKind::Secret, "arn") => {
            format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{label}-AbCdEf")
        }
        (ResourceKind::Secret, "version_id") => "e6b1a9f0-0000-4000-8000-000000000001".into(),
        (ResourceKind::ConnectorProfile, "arn") => {
            format!("arn:aws:appflow:us-east-1:123456789012:connectorprofile/{label}")
        }
        (ResourceKind::ConnectorProfile, "credentials_arn") => format!(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-{label}-AbCdEf"
        ),
        _ => format!("computed-{address}-{attr}"),
    };
    Value::String(text)
}

fn fill(value: &mut Value, address: &flowform_core::Address, attr: &str) {
    match value {
        Value::Unknown => *value = computed(address, attr),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                fill(v, address, k);
            }
        }
        Value::Sensitive(_) => {
            let (mut bare, _) = value.clone().unmark();
            fill(&mut bare, address, attr);
            *value = Value::sensitive(bare);
        }
        _ => {}
    }
}

/// The state after applying `dir` to `state`, one change at a time in run order, re-planning
/// before each so that references to what was just created are known.
fn applied(dir: &Path, state: &State) -> State {
    let mut state = state.clone();
    let order: Vec<_> = plan(dir, &state, &PlanOptions::default())
        .changes
        .iter()
        .map(|c| c.address.clone())
        .collect();
    for address in order {
        let p = plan(dir, &state, &PlanOptions::default());
        let change = p.change(&address).unwrap();
        match &change.after {
            None => {
                state.resources.remove(&address.to_string());
            }
            Some(after) => {
                let mut after = after.clone();
                for (k, v) in after.iter_mut() {
                    fill(v, &address, k);
                }
                let (json, digests) =
                    flowform_state::values::to_state(&after, &state.digest_key).unwrap();
                let id = json
                    .get("arn")
                    .and_then(|a| a.as_str())
                    .unwrap_or(&address.label)
                    .to_string();
                let mut record = ResourceState::new(address.kind.keyword(), id);
                record.attributes = json;
                record.sensitive = digests;
                for d in &change.depends_on {
                    record = record.depends_on(d.to_string());
                }
                state.resources.insert(address.to_string(), record);
            }
        }
    }
    let config = flowform_parser::load(dir, &flowform_parser::VariableInputs::default()).unwrap();
    state.outputs = flowform_planner::applied_outputs(&config, &state).unwrap();
    state
}

fn applied_salesforce() -> State {
    applied(&fixture("salesforce"), &empty_state())
}

fn meta() -> JsonMeta {
    JsonMeta::new("0.1.0")
}

fn json_text(plan: &Plan) -> String {
    serde_json::to_string_pretty(&json::render(plan, &meta())).unwrap()
}

/// The markdown parts as one snapshot, with a visible seam between parts.
fn markdown_text(plan: &Plan) -> String {
    let parts = markdown::render(plan);
    for part in &parts {
        assert!(part.chars().count() <= MAX_PART_CHARS);
    }
    parts.join("\n======== next part ========\n")
}

fn assert_no_secret(plan: &Plan, secret: &str) {
    let md = markdown::render(plan).concat();
    assert!(!md.contains(secret), "the markdown shows {secret}");
    let js = json_text(plan);
    assert!(!js.contains(secret), "the JSON shows {secret}");
    let text = flowform_views::plan_text::render(plan);
    assert!(!text.contains(secret), "the text shows {secret}");
}

// The example's stand-in secrets must never be shown, whatever the plan.
const EXAMPLE_SECRETS: [&str; 3] = [
    "3MVG9example-consumer-key",
    "example-consumer-secret",
    "eyJhbGciOiJSUzI1NiJ9",
];

fn assert_no_example_secret(plan: &Plan) {
    for s in EXAMPLE_SECRETS {
        assert_no_secret(plan, s);
    }
}

#[test]
fn new_configuration_creates_everything() {
    let plan = plan(
        &fixture("salesforce"),
        &empty_state(),
        &PlanOptions::default(),
    );
    assert_eq!(plan.summary().add, 4);
    assert_no_example_secret(&plan);
    insta::assert_snapshot!("create_markdown", markdown_text(&plan));
    insta::assert_snapshot!("create_json", json_text(&plan));
}

#[test]
fn in_place_update_of_a_secret_description() {
    let state = applied_salesforce();
    let dir = variant(
        "salesforce",
        &[(
            "Client id and secret of the Salesforce connected app used by AppFlow",
            "Client id and secret of the connected app (rotated yearly)",
        )],
    );
    let plan = plan(dir.path(), &state, &PlanOptions::default());
    assert_eq!(
        plan.summary(),
        flowform_planner::Summary {
            add: 0,
            change: 1,
            destroy: 0
        }
    );
    assert_no_example_secret(&plan);
    insta::assert_snapshot!("update_markdown", markdown_text(&plan));
    insta::assert_snapshot!("update_json", json_text(&plan));
}

#[test]
fn renamed_profile_is_replaced() {
    let state = applied_salesforce();
    let dir = variant(
        "salesforce",
        &[("\"salesforce-prod\"", "\"salesforce-production\"")],
    );
    let plan = plan(dir.path(), &state, &PlanOptions::default());
    assert_eq!(
        plan.summary(),
        flowform_planner::Summary {
            add: 1,
            change: 0,
            destroy: 1
        }
    );
    let md = markdown_text(&plan);
    assert!(md.contains("> [!WARNING]"));
    assert!(md.contains("forces replacement: name"));
    assert_no_example_secret(&plan);
    insta::assert_snapshot!("replace_markdown", md);
    insta::assert_snapshot!("replace_json", json_text(&plan));
}

const PROFILE_BLOCK: &str = r#"connector_profile "salesforce" {
  name            = "salesforce-prod"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.appflow.key_arn

  properties {
    instance_url           = var.instance_url
    is_sandbox_environment = false
  }

  credentials {
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.salesforce_jwt
    client_credentials_arn = secret.salesforce_app.arn
  }
}

"#;

#[test]
fn resource_removed_from_the_configuration_is_deleted() {
    let state = applied_salesforce();
    let dir = variant(
        "salesforce",
        &[
            (PROFILE_BLOCK, ""),
            (
                "output \"profile_arn\" {\n  value = connector_profile.salesforce.arn\n}\n",
                "",
            ),
        ],
    );
    let plan = plan(dir.path(), &state, &PlanOptions::default());
    insta::assert_snapshot!("delete_markdown", markdown_text(&plan));
    insta::assert_snapshot!("delete_json", json_text(&plan));
    assert_no_example_secret(&plan);
}

#[test]
fn mixed_plan() {
    let mut state = applied_salesforce();
    // A secret that has left the configuration.
    state.resources.insert(
        "secret.legacy".into(),
        ResourceState::new(
            "secret",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow/legacy-XyZ123",
        )
        .attribute("name", "appflow/legacy")
        .attribute(
            "arn",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow/legacy-XyZ123",
        )
        .attribute("recovery_window_in_days", 30)
        .sensitive("secret_string", state.digest(b"\"old\"")),
    );
    let dir = variant(
        "salesforce",
        &[
            ("\"salesforce-prod\"", "\"salesforce-production\""),
            (
                "recovery_window_in_days = 7",
                "recovery_window_in_days = 14",
            ),
            (
                "output \"profile_arn\"",
                "secret \"extra\" {\n  name          = \"appflow/extra\"\n  secret_string = var.client_secret\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Principal = { Service = \"appflow.amazonaws.com\" }, Action = \"secretsmanager:GetSecretValue\", Resource = \"*\" }] })\n}\n\noutput \"profile_arn\"",
            ),
        ],
    );
    let plan = plan(dir.path(), &state, &PlanOptions::default());
    assert_eq!(
        plan.summary(),
        flowform_planner::Summary {
            add: 2,
            change: 1,
            destroy: 2
        }
    );
    assert_no_example_secret(&plan);
    insta::assert_snapshot!("mixed_markdown", markdown_text(&plan));
    insta::assert_snapshot!("mixed_json", json_text(&plan));
}

#[test]
fn destroy_plan_warns_about_the_kms_key() {
    let state = applied_salesforce();
    let plan = plan(
        &fixture("salesforce"),
        &state,
        &PlanOptions {
            destroy: true,
            ..Default::default()
        },
    );
    assert_eq!(plan.summary().destroy, 4);
    let md = markdown_text(&plan);
    assert!(
        md.contains("`kms_key.appflow` will be destroyed: the key's deletion will be scheduled")
    );
    assert_no_example_secret(&plan);
    insta::assert_snapshot!("destroy_markdown", md);
    insta::assert_snapshot!("destroy_json", json_text(&plan));
}

#[test]
fn unknown_values_are_omitted_from_after_and_marked() {
    let plan = plan(
        &fixture("salesforce"),
        &empty_state(),
        &PlanOptions::default(),
    );
    let doc = json::render(&plan, &meta());
    let profile = &doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "connector_profile.salesforce")
        .unwrap()["change"];
    assert!(profile["after"].get("arn").is_none());
    assert_eq!(profile["after_unknown"]["arn"], true);
    assert_eq!(profile["after_unknown"]["kms_arn"], true);
    // A reference to an ARN not yet known, passed as a credential: unknown and sensitive.
    assert_eq!(
        profile["after_unknown"]["credentials"]["client_credentials_arn"],
        true
    );
    assert_eq!(
        profile["after_sensitive"]["credentials"]["client_credentials_arn"],
        true
    );
    assert!(profile["after_unknown"].get("name").is_none());
    assert_eq!(profile["after"]["name"], "salesforce-prod");
    assert_eq!(doc["output_changes"]["profile_arn"]["after_unknown"], true);
    let md = markdown::render(&plan).concat();
    assert!(md.contains("+       arn             = (known after apply)"));
}

#[test]
fn policy_layout_only_change_is_no_change() {
    let state = applied_salesforce();
    // The same key policy with its statements and keys in another order and a string in place
    // of a one-element list.
    let dir = variant(
        "salesforce",
        &[
            (
                "    Version = \"2012-10-17\"\n    Statement = [\n      {\n        Sid       = \"EnableIAMUserPermissions\"",
                "    Statement = [\n      {\n        Sid       = \"EnableIAMUserPermissions\"",
            ),
            (
                "        Resource  = \"*\"\n      },\n      {",
                "        Resource  = [\"*\"]\n      },\n      {",
            ),
            (
                "      },\n    ]\n  })\n}",
                "      },\n    ]\n    Version = \"2012-10-17\"\n  })\n}",
            ),
        ],
    );
    let plan = plan(dir.path(), &state, &PlanOptions::default());
    assert!(
        !plan.has_changes(),
        "{:?}",
        plan.changes
            .iter()
            .map(|c| (&c.address, c.action, &c.changed))
            .collect::<Vec<_>>()
    );
    let md = markdown_text(&plan);
    assert!(!md.contains("Plan:"));
    assert!(md.contains("No changes. Your infrastructure matches the configuration."));
    insta::assert_snapshot!("no_change_markdown", md);
    let doc = json::render(&plan, &meta());
    for c in doc["resource_changes"].as_array().unwrap() {
        assert_eq!(c["change"]["actions"], serde_json::json!(["no-op"]));
    }
}

#[test]
fn sensitive_values_appear_nowhere() {
    let dir = variant(
        "salesforce",
        &[
            (
                "\"example-consumer-secret\"",
                "\"SENTINEL-SECRET-client-7f3a\"",
            ),
            (
                "\"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOWV4YW1wbGUifQ.c2lnbmF0dXJl\"",
                "\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.SENTINEL-SECRET-jwt-91c2\"",
            ),
            (
                "output \"secret_arn\" {",
                "output \"jwt\" {\n  value     = var.salesforce_jwt\n  sensitive = true\n}\n\noutput \"secret_arn\" {",
            ),
        ],
    );
    for state in [empty_state(), applied_salesforce()] {
        let plan = plan(dir.path(), &state, &PlanOptions::default());
        assert!(plan.has_changes());
        assert_no_secret(&plan, "SENTINEL-SECRET");
        let doc = json::render(&plan, &meta());
        let changes = doc["resource_changes"].as_array().unwrap();
        let find = |a: &str| &changes.iter().find(|c| c["address"] == a).unwrap()["change"];
        let secret = find("secret.salesforce_app");
        assert_eq!(secret["after_sensitive"]["secret_string"], true);
        assert_eq!(secret["after"]["secret_string"], serde_json::Value::Null);
        let profile = find("connector_profile.salesforce");
        assert_eq!(profile["after_sensitive"]["credentials"]["jwt_token"], true);
        assert_eq!(
            profile["after"]["credentials"]["jwt_token"],
            serde_json::Value::Null
        );
        let output = &doc["output_changes"]["jwt"];
        assert_eq!(output["after"], serde_json::Value::Null);
        assert_eq!(output["after_sensitive"], true);
        if !state.resources.is_empty() {
            assert_eq!(secret["before_sensitive"]["secret_string"], true);
            assert_eq!(secret["before"]["secret_string"], serde_json::Value::Null);
        }
    }
}

#[test]
fn json_order_respects_dependencies_and_kinds() {
    let state = applied_salesforce();
    let dir = variant(
        "salesforce",
        &[
            ("\"salesforce-prod\"", "\"salesforce-production\""),
            (
                "Client id and secret of the Salesforce",
                "Client id and secret of our Salesforce",
            ),
        ],
    );
    for (plan, label) in [
        (
            plan(
                &fixture("salesforce"),
                &empty_state(),
                &PlanOptions::default(),
            ),
            "create",
        ),
        (plan(dir.path(), &state, &PlanOptions::default()), "mixed"),
    ] {
        let text = json_text(&plan);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let changes = doc["resource_changes"].as_array().unwrap();
        let order_of = |address: &str| -> u64 {
            changes
                .iter()
                .find(|c| c["address"] == address)
                .and_then(|c| c["order"].as_u64())
                .unwrap_or_else(|| panic!("{label}: no order for {address}"))
        };
        for (i, c) in changes.iter().enumerate() {
            assert_eq!(c["order"].as_u64(), Some(i as u64));
            for dep in c["depends_on"].as_array().unwrap() {
                assert!(
                    order_of(dep.as_str().unwrap()) < c["order"].as_u64().unwrap(),
                    "{label}: {} before {dep}",
                    c["address"]
                );
            }
        }
        let rank = |t: &str| {
            ["kms_key", "secret", "kms_key_policy", "connector_profile"]
                .iter()
                .position(|k| *k == t)
                .unwrap()
        };
        let creates_and_updates: Vec<usize> = changes
            .iter()
            .filter(|c| {
                let a = &c["change"]["actions"];
                *a == serde_json::json!(["create"])
                    || *a == serde_json::json!(["update"])
                    || *a == serde_json::json!(["delete", "create"])
            })
            .map(|c| rank(c["type"].as_str().unwrap()))
            .collect();
        assert!(
            creates_and_updates.is_sorted(),
            "{label}: {creates_and_updates:?}"
        );
    }
}

/// `n` secrets and `n / 3` profiles, each with enough of a diff to need several parts.
fn many(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut hcl = String::from(
        "variable \"jwt\" {\n  type      = string\n  sensitive = true\n  default   = \"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.SENTINEL-SECRET-many\"\n}\n\n",
    );
    for i in 0..n {
        let _ = write!(
            hcl,
            r#"secret "app_{i:03}" {{
  name          = "appflow/app-{i:03}"
  description   = "Connected app number {i} of the data platform"
  secret_string = jsonencode({{ clientId = "id-{i}", clientSecret = var.jwt }})
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "AllowAppFlow{i}"
      Effect    = "Allow"
      Principal = {{ Service = "appflow.amazonaws.com" }}
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = {{ StringEquals = {{ "aws:SourceAccount" = "123456789012" }} }}
    }}]
  }})
}}

"#
        );
        if i % 3 == 0 {
            let _ = write!(
                hcl,
                r#"connector_profile "crm_{i:03}" {{
  name            = "crm-{i:03}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  properties {{
    instance_url           = "https://org{i}.my.salesforce.com"
    is_sandbox_environment = false
  }}
  credentials {{
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.jwt
    client_credentials_arn = secret.app_{i:03}.arn
  }}
}}

"#
            );
        }
    }
    std::fs::write(dir.path().join("main.hcl"), hcl).unwrap();
    dir
}

#[test]
fn large_plans_split_into_parts_within_the_limit() {
    let dir = many(300);
    let plan = plan(dir.path(), &empty_state(), &PlanOptions::default());
    let addresses: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(addresses.len(), 400);
    let parts = markdown::render(&plan);
    assert!(parts.len() > 1, "expected several parts");
    check_parts(&parts, MAX_PART_CHARS, &addresses);
    assert!(parts[0].contains("Plan: 400 to add, 0 to change, 0 to destroy."));
    assert_no_secret(&plan, "SENTINEL-SECRET");
}

#[test]
fn a_table_split_across_parts_repeats_its_heading() {
    let dir = many(30);
    let plan = plan(dir.path(), &empty_state(), &PlanOptions::default());
    let addresses: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    let parts = markdown::render_with_limit(&plan, 1_500);
    let with_rows = parts
        .iter()
        .filter(|p| p.contains("| `+ create` |"))
        .count();
    assert!(with_rows > 1, "the table should span parts");
    check_parts(&parts, 1_500, &addresses);
}

/// Every part within `limit`, numbered, with whole `<details>` and table headings; every
/// address in exactly one row and one resource section.
fn check_parts(parts: &[String], limit: usize, addresses: &[String]) {
    let n = parts.len();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            part.chars().count() <= limit,
            "part {} has {} chars",
            i + 1,
            part.chars().count()
        );
        if i > 0 {
            assert!(
                part.starts_with(&format!("(part {} of {n})\n", i + 1)),
                "{}",
                &part[..40]
            );
        }
        // A table that goes on in this part repeats its heading row.
        if let Some(row) = part.find("| `+ create` |") {
            let head = part.find("| Action | Resource | Details |\n| --- | --- | --- |\n");
            assert!(
                head.is_some_and(|h| h < row),
                "part {} has rows without the heading",
                i + 1
            );
        }
        // Never split inside a resource's details.
        assert_eq!(
            part.matches("<details>").count(),
            part.matches("</details>").count()
        );
    }
    let all = parts.concat();
    for a in addresses {
        assert_eq!(
            all.matches(&format!("<summary>{a} will be created</summary>"))
                .count(),
            1,
            "{a}"
        );
        assert_eq!(
            all.matches(&format!("| `+ create` | `{a}` |")).count(),
            1,
            "{a}"
        );
    }
}

#[test]
fn a_resource_too_large_for_a_part_has_its_diff_truncated() {
    let plan = plan(
        &fixture("salesforce"),
        &empty_state(),
        &PlanOptions::default(),
    );
    let limit = 1_000;
    let parts = markdown::render_with_limit(&plan, limit);
    for part in &parts {
        assert!(
            part.chars().count() <= limit,
            "{} chars",
            part.chars().count()
        );
        assert_eq!(
            part.matches("<details>").count(),
            part.matches("</details>").count()
        );
    }
    insta::assert_snapshot!(
        "truncated_markdown",
        parts.join("\n======== next part ========\n")
    );
    let all = parts.concat();
    assert!(all.contains("(diff truncated: "), "{all}");
    assert!(all.contains("more lines; run flowform show PLANFILE for all)"));
    for c in &plan.changes {
        assert_eq!(
            all.matches(&format!("<summary>{} will be created</summary>", c.address))
                .count(),
            1
        );
    }
}

#[test]
fn actions_in_the_json_follow_terraform() {
    assert_eq!(Action::Replace.json_actions(), ["delete", "create"]);
    let state = applied_salesforce();
    let dir = variant(
        "salesforce",
        &[("\"salesforce-prod\"", "\"salesforce-production\"")],
    );
    let plan = plan(dir.path(), &state, &PlanOptions::default());
    let doc = json::render(&plan, &meta());
    let profile = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "connector_profile.salesforce")
        .unwrap();
    assert_eq!(profile["type"], "connector_profile");
    assert_eq!(profile["name"], "salesforce");
    assert_eq!(profile["mode"], "managed");
    assert_eq!(
        profile["change"]["actions"],
        serde_json::json!(["delete", "create"])
    );
    assert_eq!(
        profile["change"]["replace_paths"],
        serde_json::json!([["name"]])
    );
    assert_eq!(doc["format_version"], "1.2");
    assert_eq!(doc["errored"], false);
}

#[test]
fn drift_is_shown_in_its_own_section() {
    let state = applied_salesforce();
    let mut refreshed = flowform_planner::Refreshed::new();
    let mut secret = state.resources["secret.salesforce_app"].clone();
    secret
        .attributes
        .insert("description".into(), "edited in the console".into());
    refreshed.insert("secret.salesforce_app".into(), Some(secret));
    refreshed.insert("connector_profile.salesforce".into(), None);
    let plan = plan(
        &fixture("salesforce"),
        &state,
        &PlanOptions {
            refreshed: Some(refreshed),
            ..Default::default()
        },
    );
    assert_eq!(plan.drift.len(), 2);
    let md = markdown_text(&plan);
    assert!(md.contains("<summary>secret.salesforce_app has changed</summary>"));
    assert!(md.contains("<summary>connector_profile.salesforce has been deleted</summary>"));
    assert_no_example_secret(&plan);
    insta::assert_snapshot!("drift_markdown", md);
    let doc = json::render(&plan, &meta());
    let drift = doc["resource_drift"].as_array().unwrap();
    assert_eq!(drift.len(), 2);
    insta::assert_json_snapshot!("drift_json", doc["resource_drift"]);
}

#[test]
fn warnings_are_listed_once_per_kind_of_warning() {
    let dir = many(6);
    let path = dir.path().join("main.hcl");
    let hcl = std::fs::read_to_string(&path).unwrap().replace(
        "      Condition = { StringEquals = { \"aws:SourceAccount\" = \"123456789012\" } }\n",
        "",
    );
    std::fs::write(&path, hcl).unwrap();
    let plan = plan(dir.path(), &empty_state(), &PlanOptions::default());
    let md = markdown_text(&plan);
    let warnings = &md[md.find("#### Warnings").expect("a warnings section")..];
    insta::assert_snapshot!("warnings_markdown", warnings);
}

/// The parts of the JSON plan tools read besides the changes — `variables`, `planned_values`,
/// `prior_state`, `configuration` — in Terraform's shape, for a configuration whose secret
/// comes from a variable *not* declared sensitive, through a local: it must not be shown.
#[test]
fn json_plan_describes_variables_values_and_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.hcl"),
        r#"variable "team" {
  type    = string
  default = "data-platform"
}

variable "client_secret" {
  type    = string
  default = "SENTINEL-SECRET-undeclared"
}

variable "jwt" {
  type      = string
  sensitive = true
  default   = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.SENTINEL-SECRET-declared"
}

locals {
  credentials = jsonencode({ clientSecret = var.client_secret })
}

secret "app" {
  name          = "appflow/app"
  description   = "Connected app of ${var.team}"
  secret_string = local.credentials
}

connector_profile "crm" {
  name            = "crm"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  properties {
    instance_url           = "https://org.my.salesforce.com"
    is_sandbox_environment = false
  }
  credentials {
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.jwt
    client_credentials_arn = secret.app.arn
  }
  depends_on = [secret.app]
}

output "secret_arn" {
  value = secret.app.arn
}
"#,
    )
    .unwrap();
    let first = plan(dir.path(), &empty_state(), &PlanOptions::default());
    let state = applied(dir.path(), &empty_state());
    std::fs::write(
        dir.path().join("main.hcl"),
        std::fs::read_to_string(dir.path().join("main.hcl"))
            .unwrap()
            .replace("Connected app of", "The connected app of"),
    )
    .unwrap();
    let second = plan(dir.path(), &state, &PlanOptions::default());
    for plan in [&first, &second] {
        assert_no_secret(plan, "SENTINEL-SECRET");
        let doc = json::render(plan, &meta());
        for key in [
            "format_version",
            "variables",
            "planned_values",
            "resource_changes",
            "output_changes",
            "prior_state",
            "configuration",
        ] {
            assert!(doc.get(key).is_some(), "no {key}");
        }
        assert_eq!(
            doc["variables"],
            serde_json::json!({ "team": { "value": "data-platform" } }),
            "client_secret reaches a secret through a local, jwt is sensitive: neither is shown"
        );
        let resources = doc["configuration"]["root_module"]["resources"]
            .as_array()
            .unwrap();
        let profile = resources
            .iter()
            .find(|r| r["address"] == "connector_profile.crm")
            .unwrap();
        assert_eq!(
            profile["expressions"]["credentials"]["client_credentials_arn"]["references"],
            serde_json::json!(["secret.app.arn", "secret.app"])
        );
        assert_eq!(
            profile["expressions"]["name"],
            serde_json::json!({ "constant_value": "crm" })
        );
        assert_eq!(profile["depends_on"], serde_json::json!(["secret.app"]));
        let secret = resources
            .iter()
            .find(|r| r["address"] == "secret.app")
            .unwrap();
        assert_eq!(
            secret["expressions"]["secret_string"],
            serde_json::json!({ "references": ["local.credentials"] })
        );
    }
    let doc = json::render(&first, &meta());
    assert_eq!(
        doc["prior_state"]["values"]["root_module"]["resources"],
        serde_json::json!([])
    );
    let planned = doc["planned_values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    let secret = planned
        .iter()
        .find(|r| r["address"] == "secret.app")
        .unwrap();
    assert!(
        secret["values"].get("arn").is_none(),
        "unknown values are left out"
    );
    assert_eq!(secret["values"]["secret_string"], serde_json::Value::Null);
    assert_eq!(secret["sensitive_values"]["secret_string"], true);
    insta::assert_snapshot!("variables_and_configuration_json", json_text(&second));
}
