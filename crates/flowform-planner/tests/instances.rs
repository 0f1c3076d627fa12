//! Plans of resources with `count` and `for_each`: instance addresses in the text, markdown and
//! JSON views, moves (`moved` blocks and count's implied move), imports and `--replace`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

mod common;

use common::*;
use flowform_core::Address;
use flowform_planner::{Action, Importing, PlanOptions};
use flowform_views::plan_json::{self as json, JsonMeta};
use flowform_views::plan_markdown as markdown;
use flowform_views::style::plain;
use std::collections::BTreeMap;

const FIXTURE: &str = "tests/fixtures/plans/instances";

fn views(plan: &flowform_planner::Plan) -> (String, String, String) {
    let text = plain(&flowform_views::plan_text::render(plan));
    let markdown = markdown::render(plan).concat();
    let json =
        serde_json::to_string_pretty(&json::render(plan, &JsonMeta::new("0.1.0"))).expect("JSON");
    for view in [&text, &markdown, &json] {
        assert!(
            !view.contains("SENTINEL"),
            "a secret reached a view:\n{view}"
        );
    }
    (text, markdown, json)
}

fn address(text: &str) -> Address {
    text.parse().expect("address")
}

fn applied() -> (tempfile::TempDir, flowform_state::State) {
    let dir = copy_fixture(FIXTURE);
    let config = load(dir.path());
    let state = fake_apply(&config, &plan(&config, &empty_state()), &empty_state());
    (dir, state)
}

#[test]
fn every_instance_is_planned_under_its_own_address() {
    let config = load(FIXTURE);
    let plan = plan(&config, &empty_state());
    let addresses: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(
        addresses,
        [
            "kms_key.k[0]",
            "kms_key.k[1]",
            "secret.app[\"prod\"]",
            "secret.app[\"staging\"]",
            "connector_profile.sf[\"prod\"]",
            "connector_profile.sf[\"staging\"]",
        ]
    );
    // Each profile waits for its own secret only: the index is known before apply.
    let prod = plan
        .change(&address("connector_profile.sf[\"prod\"]"))
        .unwrap();
    assert_eq!(prod.depends_on, [address("secret.app[\"prod\"]")]);
    let dot = flowform_planner::Schedule::new(&plan).to_dot(&plan);
    assert!(
        dot.contains(r#"label = "connector_profile.sf[\"prod\"]\ncreate""#),
        "{dot}"
    );
    let (text, markdown, json) = views(&plan);
    insta::assert_snapshot!("create_text", text);
    insta::assert_snapshot!("create_markdown", markdown);
    insta::assert_snapshot!("create_json", json);
}

#[test]
fn a_removed_key_a_moved_key_and_an_added_key() {
    let (dir, state) = applied();
    // staging is renamed uat (a moved block), prod removed, dev added.
    edit(
        &dir,
        "main.hcl",
        "    prod    = \"https://acme.my.salesforce.com\"\n    staging = \"https://acme--staging.sandbox.my.salesforce.com\"",
        "    uat = \"https://acme--staging.sandbox.my.salesforce.com\"\n    dev = \"https://acme--dev.sandbox.my.salesforce.com\"",
    );
    edit(
        &dir,
        "main.hcl",
        "name            = \"salesforce-${each.key}\"",
        "name            = each.key == \"uat\" ? \"salesforce-staging\" : \"salesforce-${each.key}\"",
    );
    edit(
        &dir,
        "main.hcl",
        "name          = \"appflow/salesforce/${each.key}\"\n  description   = \"Connected app for ${each.key}\"",
        "name          = \"appflow/salesforce/${each.key == \"uat\" ? \"staging\" : each.key}\"\n  description   = \"Connected app for ${each.key == \"uat\" ? \"staging\" : each.key}\"",
    );
    edit(
        &dir,
        "main.hcl",
        "clientId = \"id-${each.key}\"",
        "clientId = \"id-${each.key == \"uat\" ? \"staging\" : each.key}\"",
    );
    std::fs::write(
        dir.path().join("moved.hcl"),
        "moved {\n  from = secret.app[\"staging\"]\n  to   = secret.app[\"uat\"]\n}\n\nmoved {\n  from = connector_profile.sf[\"staging\"]\n  to   = connector_profile.sf[\"uat\"]\n}\n",
    )
    .unwrap();
    let config = load(dir.path());
    let plan = plan(&config, &state);
    let uat = plan
        .change(&address("connector_profile.sf[\"uat\"]"))
        .unwrap();
    assert_eq!(uat.action, Action::NoOp);
    assert_eq!(
        uat.previous_address,
        Some(address("connector_profile.sf[\"staging\"]"))
    );
    let prod = plan
        .change(&address("connector_profile.sf[\"prod\"]"))
        .unwrap();
    assert_eq!(prod.action, Action::Delete);
    assert_eq!(plan.summary().add, 2);
    assert_eq!(plan.summary().destroy, 2);
    let (text, markdown, json) = views(&plan);
    insta::assert_snapshot!("moved_text", text);
    insta::assert_snapshot!("moved_markdown", markdown);
    insta::assert_snapshot!("moved_json", json);
    // Once applied, the moved instances are where the configuration says.
    let after = fake_apply(&config, &plan, &state);
    assert!(after.resources.contains_key("secret.app[\"uat\"]"));
    assert!(!after.resources.contains_key("secret.app[\"staging\"]"));
    assert!(
        !flowform_planner::plan(&config, &after, &PlanOptions::default())
            .unwrap()
            .has_changes()
    );
}

#[test]
fn removing_count_moves_the_first_instance_as_terraform_does() {
    let (dir, state) = applied();
    edit(&dir, "main.hcl", "  count                   = 2\n", "");
    edit(
        &dir,
        "main.hcl",
        "AppFlow key ${count.index}",
        "AppFlow key 0",
    );
    edit(&dir, "main.hcl", "kms_key.k[0].arn", "kms_key.k.arn");
    let config = load(dir.path());
    let plan = plan(&config, &state);
    let k = plan.change(&address("kms_key.k")).unwrap();
    assert_eq!(k.action, Action::NoOp);
    assert_eq!(k.previous_address, Some(address("kms_key.k[0]")));
    assert_eq!(
        plan.change(&address("kms_key.k[1]")).unwrap().action,
        Action::Delete
    );
    insta::assert_snapshot!(plain(&flowform_views::plan_text::render(&plan)));
}

#[test]
fn an_import_and_a_requested_replacement() {
    let (_dir, mut state) = applied();
    let prod = "secret.app[\"prod\"]";
    let record = state.resources.remove(prod).unwrap();
    let config = load(FIXTURE);
    let options = PlanOptions {
        replace: vec![address("kms_key.k[1]")],
        imports: BTreeMap::from([(
            address(prod),
            Importing {
                id: "appflow/salesforce/prod".into(),
                record,
            },
        )]),
        ..PlanOptions::default()
    };
    let plan = plan_with(&config, &state, options);
    assert_eq!(plan.imports(), 1);
    let k1 = plan.change(&address("kms_key.k[1]")).unwrap();
    assert_eq!(k1.action, Action::Replace);
    assert!(k1.replace_requested);
    let (text, _, json) = views(&plan);
    insta::assert_snapshot!("import_replace_text", text);
    assert!(json.contains("\"replace_by_request\""), "{json}");
    assert!(json.contains("\"importing\""), "{json}");
}

/// Module instances: every resource under its module path in the text, markdown and JSON
/// views (`module_address`, `child_modules`, `module_calls` with the call's expressions), and
/// the profile in module.eu under its provider alias.
#[test]
fn module_resources_are_planned_under_their_module_addresses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = std::path::Path::new("tests/fixtures/plans/modules");
    std::fs::create_dir_all(dir.path().join("modules/conn")).unwrap();
    std::fs::copy(from.join("main.hcl"), dir.path().join("main.hcl")).unwrap();
    std::fs::copy(
        from.join("modules/conn/main.hcl"),
        dir.path().join("modules/conn/main.hcl"),
    )
    .unwrap();
    let config = load(dir.path());
    let plan = plan(&config, &empty_state());
    let addresses: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(
        addresses,
        [
            "kms_key.shared",
            "module.conn[\"prod\"].secret.app",
            "module.conn[\"staging\"].secret.app",
            "module.eu.secret.app",
            "module.conn[\"prod\"].connector_profile.sf",
            "module.conn[\"staging\"].connector_profile.sf",
            "module.eu.connector_profile.sf",
        ]
    );
    // The module's secret waits for the key its argument names.
    let prod = plan
        .change(&address("module.conn[\"prod\"].secret.app"))
        .unwrap();
    assert_eq!(prod.depends_on, [address("kms_key.shared")]);
    assert_eq!(
        config.resources[&address("module.eu.connector_profile.sf")].provider,
        Some("eu".into())
    );
    let (text, markdown, json) = views(&plan);
    insta::assert_snapshot!("modules_text", text);
    insta::assert_snapshot!("modules_markdown", markdown);
    insta::assert_snapshot!("modules_json", json);
}
