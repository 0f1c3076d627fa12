//! A plan for the terminal keeps no values of unchanged resources: what other resources and
//! outputs read of one (its exported attributes: ids, ARNs, names) comes from its record. Were
//! it read as unknown instead, every resource referring to an unchanged one would be planned
//! as an update.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

mod common;

use common::*;
use flowform_core::Value;
use flowform_planner::{Action, PlanOptions};

const CONFIG: &str = r#"
kms_key "appflow" {
  description = "AppFlow's key"
}

secret "login" {
  name          = "appflow/login"
  kms_key_id    = kms_key.appflow.arn
  secret_string = jsonencode({ username = "integration", password = "not-a-real-password" })
}

connector_profile "itsm" {
  name            = "itsm"
  connector_type  = "Servicenow"
  connection_mode = "Public"
  kms_arn         = kms_key.appflow.arn
  properties {
    instance_url = "https://example.service-now.com"
  }
  credentials {
    username = "integration"
    password = "not-a-real-password"
  }
}

output "login_arn" {
  value = secret.login.arn
}
"#;

#[test]
fn an_unchanged_resource_is_read_from_its_record_by_what_refers_to_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), CONFIG).expect("write");
    let config = load(dir.path());
    let state = fake_apply(&config, &plan(&config, &empty_state()), &empty_state());
    let arn = state.resources["secret.login"].id.clone();

    // As `flowform plan` makes it for the terminal, and as it makes it for tools.
    let terminal = flowform_planner::plan(&config, &state, &PlanOptions::default())
        .unwrap_or_else(|d| panic!("{}", describe(&d)));
    let for_tools = PlanOptions {
        for_tools: true,
        ..PlanOptions::default()
    };
    let tools = flowform_planner::plan(&config, &state, &for_tools).unwrap();
    for plan in [&terminal, &tools] {
        let actions: Vec<(String, Action)> = plan
            .changes
            .iter()
            .map(|c| (c.address.to_string(), c.action))
            .collect();
        assert!(
            actions.iter().all(|(_, a)| *a == Action::NoOp),
            "{actions:?}"
        );
        let output = &plan.outputs[0];
        assert_eq!(output.action, Action::NoOp);
        assert_eq!(output.value, Value::String(arn.clone()));
    }
    assert!(
        terminal
            .changes
            .iter()
            .all(|c| c.before.is_none() && c.after.is_none()),
        "the terminal's plan keeps no values of unchanged resources"
    );
    assert!(tools.changes.iter().all(|c| c.after.is_some()));
}
