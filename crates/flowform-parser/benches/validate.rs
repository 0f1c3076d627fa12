//! Benchmark of `validate` (load + every check) on generated configurations.
//!
//! `cargo bench -p flowform-parser --bench validate -- 1000 10000` prints, per size, the best
//! and median time of a few runs and the process's peak resident memory. Each size is a third
//! secrets, a third KMS key policies and a third Salesforce profiles that reference them, so
//! references, policy checks and the AppFlow-access warnings all run. With `--for-each`, the
//! same resources come from three blocks with `for_each` over one map (a profile refers to
//! `secret.app[each.key].arn`), to compare instances with as many hand-written blocks.

use flowform_parser::{VariableInputs, load};
use std::fmt::Write as _;
use std::time::Instant;

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

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let for_each = std::env::args().any(|a| a == "--for-each");
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    for size in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = if for_each {
            generate_for_each(size)
        } else {
            generate(size)
        };
        std::fs::write(dir.path().join("main.hcl"), &text).expect("write");
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let config = load(dir.path(), &VariableInputs::default())
                .expect("the generated configuration is valid");
            times.push(start.elapsed());
            assert_eq!(config.resources.len(), size / 3 * 3);
            // The profile-quota warning (past 300 resources there are over 100 profiles), and
            // one "AppFlow cannot decrypt this secret" per secret block: the generated secrets
            // use the AWS managed key. For a for_each that is one block, whose instances all
            // have the problem at the same place in the text: one warning.
            let quota = usize::from(size / 3 > 100);
            let decrypt = config
                .warnings
                .iter()
                .filter(|w| w.summary == "AppFlow cannot decrypt this secret")
                .count();
            assert_eq!(decrypt, if for_each { 1 } else { size / 3 });
            assert_eq!(
                config.warnings.warning_count(),
                quota + decrypt,
                "{}",
                config.sources.render(&config.warnings, false)
            );
        }
        times.sort();
        println!(
            "validate {size:>6} resources{} ({:.1} MB of HCL): best {:>8.1} ms, median {:>8.1} ms, peak RSS {:.0} MiB",
            if for_each { " as for_each" } else { "" },
            text.len() as f64 / 1e6,
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3,
            peak_rss_mib().unwrap_or(f64::NAN),
        );
    }
}
