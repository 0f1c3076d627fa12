//! Shared by the planner's tests (and the views', which include this file): load a fixture, plan it against a state, and "apply" a plan
//! the way the applier will (re-evaluating each resource once what it refers to exists), with
//! made-up ids instead of AWS calls.

#![allow(dead_code)]

use flowform_core::{ResourceKind, Value};
use flowform_parser::{Config, VariableInputs};
use flowform_planner::{Action, Plan, PlanOptions, StateExports};
use flowform_state::{DigestKey, Lineage, ResourceState, State};
use std::path::Path;

/// Diagnostics in a panic message (the views that render them are `flowform-views`').
pub fn describe(diagnostics: &flowform_core::Diagnostics) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{:?}: {}\n{}\n", d.severity, d.summary, d.detail))
        .collect()
}

pub fn load(dir: impl AsRef<Path>) -> Config {
    match flowform_parser::load(dir.as_ref(), &VariableInputs::default()) {
        Ok(c) => c,
        Err(f) => panic!("{}", describe(&f.diagnostics)),
    }
}

/// A state with a fixed identity, so digests (and snapshots) are stable.
pub fn empty_state() -> State {
    State::with_identity(
        Lineage::from_uuid(uuid_nil()),
        DigestKey::from_bytes([1; 32]),
        "0.1.0",
    )
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)
}

pub fn plan(config: &Config, state: &State) -> Plan {
    plan_with(config, state, PlanOptions::default())
}

/// A plan as `flowform plan -json` makes it: with its configuration described for the JSON view.
pub fn plan_with(config: &Config, state: &State, options: PlanOptions) -> Plan {
    let options = PlanOptions {
        for_tools: true,
        ..options
    };
    match flowform_planner::plan(config, state, &options) {
        Ok(p) => p,
        Err(d) => panic!("{}", describe(&d)),
    }
}

/// Applies `plan` to `state` without AWS: each create/update re-evaluates the resource with what
/// is applied so far and records made-up computed attributes.
pub fn fake_apply(config: &Config, plan: &Plan, state: &State) -> State {
    let mut state = state.clone();
    // Moves and imports are recorded first, as the applier records them.
    for change in &plan.changes {
        if let Some(from) = &change.previous_address
            && let Some(record) = state.resources.remove(&from.to_string())
        {
            state.resources.insert(change.address.to_string(), record);
        }
        if let Some(import) = &change.importing {
            state
                .resources
                .insert(change.address.to_string(), import.record.clone());
        }
    }
    for change in &plan.changes {
        let key = change.address.to_string();
        match change.action {
            Action::NoOp => {}
            Action::Delete => {
                state.resources.remove(&key);
            }
            Action::Create | Action::Update | Action::Replace => {
                let mut attrs = config
                    .evaluate_resource(&change.address, &StateExports(&state))
                    .unwrap_or_else(|d| panic!("{}", describe(&d)));
                let prior = state.resources.get(&key).cloned();
                for attr in change.address.kind.computed_attributes() {
                    let kept = prior
                        .as_ref()
                        .filter(|_| change.action == Action::Update)
                        .and_then(|p| p.attributes.get(*attr))
                        .map(|v| Value::from_json(v.clone()));
                    attrs.insert(
                        attr.to_string(),
                        kept.unwrap_or_else(|| Value::String(fake_id(&change.address, attr))),
                    );
                }
                let (json, digests) = flowform_state::values::to_state(&attrs, &state.digest_key)
                    .expect("everything is known at apply");
                let mut record = ResourceState::new(
                    change.address.kind.keyword(),
                    fake_id(&change.address, "arn"),
                );
                record.attributes = json;
                record.sensitive = digests;
                record.dependencies = config.resources[&change.address]
                    .references
                    .iter()
                    .chain(&config.resources[&change.address].depends_on)
                    .map(|a| a.to_string())
                    .collect();
                state.resources.insert(key, record);
            }
        }
    }
    state.outputs = flowform_planner::applied_outputs(config, &state)
        .unwrap_or_else(|d| panic!("{}", describe(&d)));
    state.serial = state.serial.next();
    state
}

fn fake_id(address: &flowform_core::Address, attr: &str) -> String {
    // Each instance its own ids: `app-prod` for secret.app["prod"], `k-1` for kms_key.k[1].
    let label = &match &address.key {
        None => address.label.clone(),
        Some(flowform_core::InstanceKey::Int(i)) => format!("{}-{i}", address.label),
        Some(flowform_core::InstanceKey::Str(k)) => format!("{}-{k}", address.label),
    };
    match (address.kind, attr) {
        (ResourceKind::KmsKey, "key_id") => format!("1234abcd-0000-0000-0000-{:0>12}", label.len()),
        (ResourceKind::KmsKey, _) => format!(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-0000-0000-0000-{:0>12}",
            label.len()
        ),
        (ResourceKind::Secret, "version_id") => "00000000-0000-0000-0000-000000000001".into(),
        (ResourceKind::Secret, _) => {
            format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{label}-AbCdEf")
        }
        (ResourceKind::KmsKeyPolicy, _) => {
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-0000-0000-0000-000000000007".into()
        }
        (ResourceKind::ConnectorProfile, "credentials_arn") => format!(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-{label}-AbCdEf"
        ),
        (ResourceKind::ConnectorProfile, _) => {
            format!("arn:aws:appflow:us-east-1:123456789012:connectorprofile/{label}")
        }
    }
}

/// Copies a fixture folder into a temporary directory, so a test can edit it.
pub fn copy_fixture(from: impl AsRef<Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(from.as_ref()).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

/// Rewrites a file of a copied fixture.
pub fn edit(dir: &tempfile::TempDir, file: &str, from: &str, to: &str) {
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}
