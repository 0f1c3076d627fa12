//! Benchmark of `plan` without refresh, against a state that already holds every resource,
//! with 1% of them changed.
//!
//! `cargo bench -p flowform-planner --bench plan` (divan) prints, per size (1,000 and 10,000
//! resources), the planner alone and load + validate + plan: fastest, slowest, median and mean
//! of five runs, and what each run allocates. A third of the resources are secrets, a third KMS key policies, a third
//! Salesforce profiles referring to both. The `_for_each` benchmarks take the same resources from three
//! blocks with `for_each` over one map, to compare instances with hand-written blocks; the
//! `_module` one from a module of the three blocks called once per key.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's failed unwrap is its failure

use flowform_core::Value;
use flowform_parser::VariableInputs;
use flowform_planner::{Action, PlanOptions, values};
use flowform_state::{DigestKey, Lineage, ResourceState, State};
use std::fmt::Write as _;

fn secret(out: &mut String, i: usize, changed: bool) {
    let description = if changed { "rotated" } else { "connected app" };
    let _ = write!(
        out,
        "secret \"s{i}\" {{\n  name = \"appflow/s{i}\"\n  description = \"{description}\"\n  secret_string = jsonencode({{ id = \"{i}\" }})\n  policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", Principal = {{ Service = \"appflow.amazonaws.com\" }}, Action = \"secretsmanager:GetSecretValue\", Resource = \"*\", Condition = {{ StringEquals = {{ \"aws:SourceAccount\" = \"123456789012\" }} }} }}] }})\n}}\n"
    );
}

fn key_policy(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "kms_key_policy \"k{i}\" {{\n  key_id = \"arn:aws:kms:us-east-1:123456789012:key/{i:08}-0000-0000-0000-000000000000\"\n  policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", Principal = {{ AWS = \"arn:aws:iam::123456789012:root\" }}, Action = \"kms:*\", Resource = \"*\" }}] }})\n}}\n"
    );
}

fn profile(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "connector_profile \"p{i}\" {{\n  name = \"sf-{i}\"\n  connector_type = \"Salesforce\"\n  connection_mode = \"Public\"\n  kms_arn = kms_key_policy.k{i}.key_arn\n  properties {{\n    instance_url = \"https://o{i}.my.salesforce.com\"\n  }}\n  credentials {{\n    oauth2_grant_type = \"CLIENT_CREDENTIALS\"\n    client_credentials_arn = secret.s{i}.arn\n  }}\n}}\n"
    );
}

fn configuration(resources: usize, changed_every: Option<usize>) -> String {
    let mut out = String::new();
    for i in 0..resources / 3 {
        secret(&mut out, i, changed_every.is_some_and(|n| i % n == 0));
        key_policy(&mut out, i);
        profile(&mut out, i);
    }
    out
}

/// The same resources as [`configuration`], as three blocks with `for_each`; a changed secret's
/// description is in its map entry.
fn configuration_for_each(resources: usize, changed_every: Option<usize>) -> String {
    let n = resources / 3;
    let mut out = String::from("locals {\n  orgs = {\n");
    for i in 0..n {
        let description = if changed_every.is_some_and(|e| i % e == 0) {
            "rotated"
        } else {
            "connected app"
        };
        let _ = writeln!(
            out,
            "    k{i} = {{ pad = \"{i:08}\", description = \"{description}\" }}"
        );
    }
    out.push_str(
        r#"  }
}

secret "s" {
  for_each = local.orgs
  name = "appflow/s${each.key}"
  description = each.value.description
  secret_string = jsonencode({ id = each.key })
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "appflow.amazonaws.com" }, Action = "secretsmanager:GetSecretValue", Resource = "*", Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } } }] })
}

kms_key_policy "k" {
  for_each = local.orgs
  key_id = "arn:aws:kms:us-east-1:123456789012:key/${each.value.pad}-0000-0000-0000-000000000000"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }] })
}

connector_profile "p" {
  for_each = local.orgs
  name = "sf-${each.key}"
  connector_type = "Salesforce"
  connection_mode = "Public"
  kms_arn = kms_key_policy.k[each.key].key_arn
  properties {
    instance_url = "https://o${each.key}.my.salesforce.com"
  }
  credentials {
    oauth2_grant_type = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.s[each.key].arn
  }
}
"#,
    );
    out
}

/// The same resources as [`configuration`], as one module instance per key (`for_each` on the
/// call) whose module holds the three blocks; a changed secret's description is an argument.
fn configuration_module(resources: usize, changed_every: Option<usize>) -> String {
    let n = resources / 3;
    let mut out = String::from("locals {\n  orgs = {\n");
    for i in 0..n {
        let description = if changed_every.is_some_and(|e| i % e == 0) {
            "rotated"
        } else {
            "connected app"
        };
        let _ = writeln!(
            out,
            "    k{i} = {{ pad = \"{i:08}\", description = \"{description}\" }}"
        );
    }
    out.push_str(
        r#"  }
}

module "org" {
  source      = "./modules/org"
  for_each    = local.orgs
  key         = each.key
  pad         = each.value.pad
  description = each.value.description
}
"#,
    );
    out
}

/// The module [`configuration_module`] calls.
const ORG_MODULE: &str = r#"
variable "key" {
  type = string
}
variable "pad" {
  type = string
}
variable "description" {
  type = string
}

secret "s" {
  name = "appflow/s${var.key}"
  description = var.description
  secret_string = jsonencode({ id = var.key })
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "appflow.amazonaws.com" }, Action = "secretsmanager:GetSecretValue", Resource = "*", Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } } }] })
}

kms_key_policy "k" {
  key_id = "arn:aws:kms:us-east-1:123456789012:key/${var.pad}-0000-0000-0000-000000000000"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }] })
}

connector_profile "p" {
  name = "sf-${var.key}"
  connector_type = "Salesforce"
  connection_mode = "Public"
  kms_arn = kms_key_policy.k.key_arn
  properties {
    instance_url = "https://o${var.key}.my.salesforce.com"
  }
  credentials {
    oauth2_grant_type = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.s.arn
  }
}
"#;

/// The state after applying `config` (computed attributes made up), built directly so the
/// benchmark measures the planner, not a simulated apply.
fn applied_state(dir: &std::path::Path) -> State {
    let config = flowform_parser::load(dir, &VariableInputs::default()).expect("valid");
    let mut state =
        State::with_identity(Lineage::generate(), DigestKey::from_bytes([3; 32]), "bench");
    let plan = flowform_planner::plan(&config, &state, &PlanOptions::default()).expect("plans");
    for change in plan.changes.iter().filter(|c| c.action == Action::Create) {
        let label = &change
            .address
            .to_string()
            .replace(['"', '[', ']', '.'], "-");
        let service = match change.address.kind {
            flowform_core::ResourceKind::Secret => "secretsmanager",
            flowform_core::ResourceKind::ConnectorProfile => "appflow",
            _ => "kms",
        };
        let arn = format!(
            "arn:aws:{service}:us-east-1:123456789012:{}/{label}",
            change.address.kind
        );
        let exports = flowform_planner::StateExports(&state);
        let mut after = config
            .evaluate_resource(&change.address, &exports)
            .expect("evaluates");
        for attr in change.address.kind.computed_attributes() {
            let v = if *attr == "key_arn" {
                after.get("key_id").cloned().unwrap_or(Value::Null)
            } else {
                Value::String(arn.clone())
            };
            after.insert(attr.to_string(), v);
        }
        let (json, digests) = values::to_state(&after, &state.digest_key).expect("known");
        let mut record = ResourceState::new(change.address.kind.keyword(), arn);
        record.attributes = json;
        record.sensitive = digests;
        state.resources.insert(change.address.to_string(), record);
    }
    state
}

/// Counts allocations, so each benchmark also reports how much it allocates, around the
/// allocator the `flowform` binary uses (mimalloc): where memory lands decides how fast a
/// configuration is evaluated again, so a benchmark on the system allocator would tune for
/// another program.
#[global_allocator]
static ALLOC: divan::AllocProfiler<mimalloc::MiMalloc> =
    divan::AllocProfiler::new(mimalloc::MiMalloc);

fn main() {
    divan::main();
}

/// A configuration with 1% changed (every 33rd secret's description) and the state of the
/// unchanged one, in a temporary directory.
fn fixture(size: usize, make: fn(usize, Option<usize>) -> String) -> (tempfile::TempDir, State) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), make(size, None)).expect("write");
    let module = dir.path().join("modules/org");
    std::fs::create_dir_all(&module).expect("mkdir");
    std::fs::write(module.join("main.hcl"), ORG_MODULE).expect("write");
    let state = applied_state(dir.path());
    std::fs::write(dir.path().join("main.hcl"), make(size, Some(33))).expect("write");
    (dir, state)
}

fn bench_plan(bencher: divan::Bencher, size: usize, make: fn(usize, Option<usize>) -> String) {
    let (dir, state) = fixture(size, make);
    let config = flowform_parser::load(dir.path(), &VariableInputs::default()).expect("valid");
    bencher.bench(|| {
        let plan = flowform_planner::plan(&config, &state, &PlanOptions::default()).expect("plans");
        assert_eq!(
            plan.changes.iter().filter(|c| c.action.is_change()).count(),
            (size / 3).div_ceil(33)
        );
        plan
    });
}

/// The planner alone (configuration and state loaded), hand-written blocks.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn plan(bencher: divan::Bencher, size: usize) {
    bench_plan(bencher, size, configuration);
}

/// The planner alone, the same resources from three `for_each` blocks.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn plan_for_each(bencher: divan::Bencher, size: usize) {
    bench_plan(bencher, size, configuration_for_each);
}

/// The planner alone, the same resources from one module called with `for_each`.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn plan_module(bencher: divan::Bencher, size: usize) {
    bench_plan(bencher, size, configuration_module);
}

/// Load and validate, then plan: what `plan --refresh=false` does between reading the state
/// and printing.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn load_and_plan(bencher: divan::Bencher, size: usize) {
    let (dir, state) = fixture(size, configuration);
    bencher.bench(|| {
        let config = flowform_parser::load(dir.path(), &VariableInputs::default()).expect("valid");
        flowform_planner::plan(&config, &state, &PlanOptions::default()).expect("plans")
    });
}
