//! Benchmark of `validate` (load + every check) on generated configurations.
//!
//! `cargo bench -p flowform-parser --bench validate` (divan) prints, per size (1,000 and
//! 10,000 resources), the fastest, slowest, median and mean of five runs, and what each run
//! allocates. Each size is a third
//! secrets, a third KMS key policies and a third Salesforce profiles that reference them, so
//! references, policy checks and the AppFlow-access warnings all run. `validate_for_each`: the
//! same resources come from three blocks with `for_each` over one map (a profile refers to
//! `secret.app[each.key].arn`), to compare instances with as many hand-written blocks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's failed unwrap is its failure

use flowform_parser::{VariableInputs, load};
use std::fmt::Write as _;

fn generate(resources: usize) -> String {
    let n = resources / 3;
    let mut out = String::from(
        "variable \"jwt\" {\n  sensitive = true\n  default = \"eyJh.eyJp.c2ln\"\n}\n\n",
    );
    for i in 0..n {
        let _ = write!(
            out,
            r#"secret "app_{i}" {{
  name          = "appflow/app-{i}"
  secret_string = jsonencode({{ clientId = "id-{i}", clientSecret = var.jwt }})
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "appflow.amazonaws.com" }}, Action = "secretsmanager:GetSecretValue", Resource = "*", Condition = {{ StringEquals = {{ "aws:SourceAccount" = "123456789012" }} }} }}]
  }})
}}

kms_key_policy "key_{i}" {{
  key_id = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-{i:012}"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}, Action = "kms:*", Resource = "*" }}]
  }})
}}

connector_profile "sf_{i}" {{
  name            = "salesforce-{i}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.key_{i}.key_arn

  properties {{
    instance_url = "https://org-{i}.my.salesforce.com"
  }}
  credentials {{
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.jwt
    client_credentials_arn = secret.app_{i}.arn
  }}
}}

"#
        );
    }
    out
}

/// The same resources as [`generate`], as three blocks with `for_each` over `resources / 3` keys.
fn generate_for_each(resources: usize) -> String {
    let n = resources / 3;
    let mut out = String::from(
        "variable \"jwt\" {\n  sensitive = true\n  default = \"eyJh.eyJp.c2ln\"\n}\n\nlocals {\n  orgs = {\n",
    );
    for i in 0..n {
        let _ = writeln!(out, "    k{i} = \"{i:012}\"");
    }
    out.push_str(
        r#"  }
}

secret "app" {
  for_each      = local.orgs
  name          = "appflow/app-${each.key}"
  secret_string = jsonencode({ clientId = "id-${each.key}", clientSecret = var.jwt })
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "appflow.amazonaws.com" }, Action = "secretsmanager:GetSecretValue", Resource = "*", Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } } }]
  })
}

kms_key_policy "key" {
  for_each = local.orgs
  key_id   = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-${each.value}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}

connector_profile "sf" {
  for_each        = local.orgs
  name            = "salesforce-${each.key}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.key[each.key].key_arn

  properties {
    instance_url = "https://org-${each.key}.my.salesforce.com"
  }
  credentials {
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.jwt
    client_credentials_arn = secret.app[each.key].arn
  }
}
"#,
    );
    out
}

/// The same resources as [`generate`], from a module holding the three blocks, called with
/// `for_each` once per key. Returns the root and the module.
fn generate_module(resources: usize) -> (String, String) {
    let n = resources / 3;
    let mut root = String::from(
        "variable \"jwt\" {\n  sensitive = true\n  default = \"eyJh.eyJp.c2ln\"\n}\n\nlocals {\n  orgs = {\n",
    );
    for i in 0..n {
        let _ = writeln!(root, "    k{i} = \"{i:012}\"");
    }
    root.push_str(
        r#"  }
}

module "org" {
  source   = "./modules/org"
  for_each = local.orgs
  key      = each.key
  pad      = each.value
  jwt      = var.jwt
}
"#,
    );
    let module = r#"variable "key" {
  type = string
}
variable "pad" {
  type = string
}
variable "jwt" {
  type      = string
  sensitive = true
}

secret "app" {
  name          = "appflow/app-${var.key}"
  secret_string = jsonencode({ clientId = "id-${var.key}", clientSecret = var.jwt })
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "appflow.amazonaws.com" }, Action = "secretsmanager:GetSecretValue", Resource = "*", Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } } }]
  })
}

kms_key_policy "key" {
  key_id = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-${var.pad}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}

connector_profile "sf" {
  name            = "salesforce-${var.key}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.key.key_arn

  properties {
    instance_url = "https://org-${var.key}.my.salesforce.com"
  }
  credentials {
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.jwt
    client_credentials_arn = secret.app.arn
  }
}
"#;
    (root, module.to_string())
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

/// `load` of a configuration: parse, evaluate, every check and warning.
fn bench_load(bencher: divan::Bencher, size: usize, text: String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), text).expect("write");
    bencher.bench(|| {
        let config = load(dir.path(), &VariableInputs::default())
            .expect("the generated configuration is valid");
        assert_eq!(config.resources.len(), size / 3 * 3);
        config
    });
}

/// Hand-written blocks, one per resource.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn validate(bencher: divan::Bencher, size: usize) {
    bench_load(bencher, size, generate(size));
}

/// The same resources from one module called with `for_each`.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn validate_module(bencher: divan::Bencher, size: usize) {
    let (root, module) = generate_module(size);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), root).expect("write");
    std::fs::create_dir_all(dir.path().join("modules/org")).expect("mkdir");
    std::fs::write(dir.path().join("modules/org/main.hcl"), module).expect("write");
    bencher.bench(|| {
        let config = load(dir.path(), &VariableInputs::default())
            .expect("the generated configuration is valid");
        assert_eq!(config.resources.len(), size / 3 * 3);
        config
    });
}

/// The same resources from three `for_each` blocks.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn validate_for_each(bencher: divan::Bencher, size: usize) {
    bench_load(bencher, size, generate_for_each(size));
}
