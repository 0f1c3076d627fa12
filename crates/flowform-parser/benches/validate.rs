//! Benchmark of `validate` (load + every check) on generated configurations.
//!
//! `cargo bench -p flowform-parser --bench validate` (divan) prints, per size (1,000 and
//! 10,000 resources), the fastest, slowest, median and mean of five runs, and what each run
//! allocates. Each size is a third
//! secrets, a third KMS key policies and a third Salesforce profiles that reference them, so
//! references, policy checks and the AppFlow-access warnings all run.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

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
  kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-{i:012}"
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

/// Counts allocations, so each benchmark also reports how much it allocates.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// `load` of a generated configuration: parse, evaluate, every check and warning.
#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn validate(bencher: divan::Bencher, size: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), generate(size)).expect("write");
    bencher.bench(|| {
        let config = load(dir.path(), &VariableInputs::default())
            .expect("the generated configuration is valid");
        assert_eq!(config.resources.len(), size / 3 * 3);
        // Only the profile-quota warning: past 300 resources there are over 100 profiles.
        assert_eq!(config.warnings.warning_count(), usize::from(size / 3 > 100));
        config
    });
}
