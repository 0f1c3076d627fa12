//! No secret value ever reaches the terminal, the state, its backup, the journal or a plan file,
//! whatever the command and whatever the log level.

use crate::harness::{Ran, SENTINEL, Test, root};

/// The top-level `NAME = VALUE` assignments of a variables file (a value may span lines).
fn assignments(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut depth = 0i32;
    for line in text.lines() {
        if depth == 0 {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (name, value) = line.split_once('=').expect("NAME = VALUE");
            out.push((name.trim().to_owned(), value.trim().to_owned()));
        } else {
            let last = out.last_mut().expect("an open value");
            last.1.push('\n');
            last.1.push_str(line);
        }
        let counted = if depth == 0 {
            line.split_once('=').map_or(line, |(_, v)| v)
        } else {
            line
        };
        depth += counted.matches(['{', '[']).count() as i32;
        depth -= counted.matches(['}', ']']).count() as i32;
    }
    out
}

/// The variables declared `sensitive = true` in `*.hcl` files of `dir`.
fn sensitive_variables(dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !file.ends_with(".hcl") || file.ends_with(".vars.hcl") {
            continue;
        }
        let text = format!("\n{}", std::fs::read_to_string(entry.path()).unwrap());
        for block in text.split("\nvariable \"").skip(1) {
            let name = block.split('"').next().unwrap().to_owned();
            let body = block.split("\n}").next().unwrap();
            if body
                .lines()
                .any(|l| l.split_whitespace().collect::<String>() == "sensitive=true")
            {
                names.push(name);
            }
        }
    }
    names
}

/// Every string literal in `value` with `prefix` put in front of its text.
fn mark_strings(value: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in value.chars() {
        out.push(c);
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push_str(prefix);
        }
    }
    out
}

/// Copies the example; moves every sensitive variable out of `sandbox.auto.vars.hcl` (which
/// would win over the environment) into `FLOWFORM_VAR_*` values whose every string starts with
/// `SENTINEL-SECRET-<tag>-`. Returns the test and the environment.
fn with_sentinel_secrets(example: &str, tag: &str) -> (Test, Vec<(String, String)>) {
    let dir = root().join("examples").join(example);
    let sensitive = sensitive_variables(&dir);
    assert!(!sensitive.is_empty(), "{example} has no sensitive variable");
    let vars = std::fs::read_to_string(dir.join("sandbox.auto.vars.hcl")).unwrap();
    let mut kept = String::new();
    let mut env = Vec::new();
    let marker = format!("{SENTINEL}-{tag}-");
    for (name, value) in assignments(&vars) {
        if !sensitive.contains(&name) {
            kept.push_str(&format!("{name} = {value}\n"));
        } else if let Some(text) = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .filter(|v| !v.contains('"'))
        {
            // A string variable's environment value is its text, without quotes. A JWT's
            // first part allows no '-', its signature does: the marker goes there.
            let marked = match text.rsplit_once('.') {
                Some((head, sig)) if text.matches('.').count() == 2 => {
                    format!("{head}.{marker}{sig}")
                }
                _ => format!("{marker}{text}"),
            };
            env.push((format!("FLOWFORM_VAR_{name}"), marked));
        } else {
            // Objects and maps are HCL expressions.
            env.push((
                format!("FLOWFORM_VAR_{name}"),
                mark_strings(&value, &marker),
            ));
        }
    }
    // Sensitive variables with a default (null) and no stand-in get a value too.
    for name in &sensitive {
        let key = format!("FLOWFORM_VAR_{name}");
        if !env.iter().any(|(k, _)| k == &key) {
            env.push((key, format!("{marker}{name}")));
        }
    }
    let test = Test::new()
        .example(example)
        .file("sandbox.auto.vars.hcl", &kept);
    (test, env)
}

/// One command of the cycle: the sentinel values and `RUST_LOG=trace` in its environment;
/// `Test::run` checks stdout and stderr; then every file but the sandbox's data is scanned.
fn step(test: Test, env: &[(String, String)], args: &[&str], status: i32) -> Ran {
    let mut test = test.args(args.iter().copied()).status(status);
    for (k, v) in env {
        test = test.env(k, v);
    }
    let ran = test
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1")
        .run();
    let files = ran.files_text_except_sandbox_data();
    if let Some(at) = files.find(SENTINEL) {
        let start = files[..at].rfind("\n=== ").unwrap_or(0);
        panic!(
            "after flowform {args:?} a file holds a secret:\n{}",
            &files[start..(at + 40).min(files.len())]
        );
    }
    ran
}

fn whole_cycle_leaks_nothing(example: &str) {
    let (test, env) = with_sentinel_secrets(example, "v1");
    let ran = step(test, &env, &["plan", "--sandbox", "-out", "tfplan"], 0);
    assert!(ran.path("tfplan").exists());
    let ran = step(ran.then(), &env, &["show", "tfplan"], 0);
    let ran = step(ran.then(), &env, &["show", "tfplan", "--format", "json"], 0);
    let ran = step(
        ran.then(),
        &env,
        &["show", "tfplan", "--format", "markdown"],
        0,
    );
    let ran = step(ran.then(), &env, &["apply", "--sandbox", "tfplan"], 0);
    assert!(ran.stdout().contains("Apply complete!"), "{}", ran.stdout());
    // The values did reach AWS (else this test would prove nothing): the emulated account
    // holds them, as AWS would.
    let aws_data = std::fs::read_to_string(ran.path("state.sandbox.json")).unwrap();
    assert!(
        aws_data.contains(&format!("{SENTINEL}-v1-")),
        "{example}: the secret values never reached the sandbox"
    );
    let ran = step(ran.then(), &env, &["show"], 0);
    let ran = step(ran.then(), &env, &["show", "--format", "json"], 0);
    let ran = step(ran.then(), &env, &["state", "list"], 0);
    let addresses: Vec<String> = ran.stdout().lines().map(str::to_owned).collect();
    assert!(!addresses.is_empty());
    let mut ran = ran;
    for address in &addresses {
        ran = step(ran.then(), &env, &["state", "show", address], 0);
    }
    let ran = step(
        ran.then(),
        &env,
        &["plan", "--sandbox", "--format", "json"],
        0,
    );
    let ran = step(
        ran.then(),
        &env,
        &["plan", "--sandbox", "--format", "markdown"],
        0,
    );
    let ran = step(
        ran.then(),
        &env,
        &["plan", "--sandbox", "--detailed-exitcode"],
        0,
    );
    let ran = step(ran.then(), &env, &["graph"], 0);

    // New secret values: seen by digest, shown as (sensitive value), never in clear.
    let (_, env2) = with_sentinel_secrets(example, "v2");
    let ran = step(
        ran.then(),
        &env2,
        &["plan", "--sandbox", "--detailed-exitcode"],
        2,
    );
    assert!(
        ran.stdout().contains("(sensitive value)"),
        "{}",
        ran.stdout()
    );
    let ran = step(
        ran.then(),
        &env2,
        &["plan", "--sandbox", "--format", "json"],
        0,
    );
    let ran = step(
        ran.then(),
        &env2,
        &["plan", "--sandbox", "--format", "markdown"],
        0,
    );
    let ran = step(
        ran.then(),
        &env2,
        &["apply", "--sandbox", "--auto-approve"],
        0,
    );
    assert!(ran.stdout().contains("Apply complete!"), "{}", ran.stdout());
    let aws_data = std::fs::read_to_string(ran.path("state.sandbox.json")).unwrap();
    assert!(
        aws_data.contains(&format!("{SENTINEL}-v2-")),
        "{example}: the new values never reached the sandbox"
    );
    let ran = step(
        ran.then(),
        &env2,
        &["plan", "--sandbox", "--detailed-exitcode"],
        0,
    );
    let ran = step(
        ran.then(),
        &env2,
        &["destroy", "--sandbox", "--auto-approve"],
        0,
    );
    assert!(
        ran.stdout().contains("Destroy complete!"),
        "{}",
        ran.stdout()
    );
    assert!(
        ran.path("state.json.backup").exists(),
        "the backup was scanned too"
    );
}

#[test]
fn secrets_never_leak_in_the_salesforce_jwt_cycle() {
    whole_cycle_leaks_nothing("salesforce-jwt");
}

#[test]
fn secrets_never_leak_in_the_all_connectors_cycle() {
    whole_cycle_leaks_nothing("all-connectors");
}

#[test]
fn secrets_never_leak_in_the_other_examples_cycles() {
    for example in [
        "custom-connector",
        "servicenow-oauth2",
        "salesforce-client-credentials",
    ] {
        whole_cycle_leaks_nothing(example);
    }
}

/// Values *derived* from a sensitive variable — a description, a tag, a resource policy, a
/// profile property — are sensitive wherever they go: refreshed from AWS (which answers them in
/// clear), as drift, in saved and JSON plans, in destroy's output, in the state. And a plan of
/// them settles: applied once, the next plan has no changes.
#[test]
fn values_derived_from_a_sensitive_variable_never_leak_and_settle() {
    let config = format!(
        r#"
variable "team" {{
  type      = string
  sensitive = true
  default   = "{SENTINEL}-team"
}}

secret "app" {{
  name                    = "derived/app"
  description             = "owned by ${{var.team}}"
  secret_string           = "value"
  recovery_window_in_days = 7
  tags                    = {{ team = var.team, env = "prod" }}
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "for-${{var.team}}"
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }}]
  }})
}}

connector_profile "p" {{
  name            = "derived-profile"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {{
    instance_url = "https://${{lower(var.team)}}.service-now.com"
  }}

  credentials {{
    username = "appflow"
    password = "pw"
  }}
}}
"#
    );
    let mut everything = String::new();
    let mut run = |ran: Ran| {
        everything.push_str(&ran.stdout());
        everything.push_str(&ran.stderr());
        ran
    };
    let ran = run(Test::new()
        .file("main.hcl", &config)
        .args(["plan", "--sandbox", "-out", "tfplan"])
        .run());
    let ran = run(ran.then().args(["apply", "tfplan"]).run());
    let ran = run(ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run());
    // Changed outside flowform: the drift is shown, as a sensitive value.
    let sandbox_data = ran.path("state.sandbox.json");
    let data = std::fs::read_to_string(&sandbox_data).expect("sandbox data");
    // Every record of the secret in the sandbox's log, so that the newest one says it too.
    let edited = data.replace(
        &format!("owned by {SENTINEL}-team"),
        &format!("owned by {SENTINEL}-someone-else"),
    );
    assert_ne!(data, edited, "the sandbox keeps the description as sent");
    std::fs::write(&sandbox_data, edited).unwrap();
    let ran = run(ran
        .then()
        .args(["plan", "--sandbox"])
        .stdout_contains("has changed")
        .stdout_contains("(sensitive value)")
        .stdout_contains("Plan: 0 to add, 1 to change, 0 to destroy.")
        .run());
    let mut ran = ran;
    for format in ["json", "markdown"] {
        ran = run(ran
            .then()
            .args(["plan", "--sandbox", "--format", format])
            .run());
    }
    let ran = run(ran
        .then()
        .args(["plan", "--sandbox", "-out", "drifted.tfplan"])
        .run());
    let ran = run(ran
        .then()
        .args(["show", "drifted.tfplan", "--format", "json"])
        .run());
    let ran = run(ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .run());
    let ran = run(ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run());
    let ran = run(ran.then().args(["show"]).run());
    let ran = run(ran.then().args(["state", "show", "secret.app"]).run());
    let ran = run(ran
        .then()
        .args(["plan", "--sandbox", "--destroy", "--format", "json"])
        .run());
    let ran = run(ran
        .then()
        .args(["destroy", "--sandbox", "--auto-approve"])
        .run());
    let files = ran.files_text_except_sandbox_data();
    assert!(
        !files.contains(SENTINEL),
        "a derived secret reached a file:\n{files}"
    );
    assert!(
        !everything.contains(SENTINEL),
        "a derived secret was printed:\n{everything}"
    );
}

/// `show --format json` prints the state without its digest key: with the key, a reader could
/// test a guess of a secret against the digests (SPEC §4 and §6).
#[test]
fn show_never_prints_the_digest_key() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let key = ran.state()["digest_key"].as_str().map(str::to_owned);
    let ran = ran.then().args(["show", "--format", "json"]).run();
    let shown: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON");
    assert!(shown.get("digest_key").is_none(), "{shown}");
    assert!(shown["resources"].is_object());
    if let Some(key) = key {
        assert!(!ran.stdout().contains(&key));
    }
}

/// A connector property set from a sensitive variable settles: AWS describes the property in
/// clear and drops the `false` defaults, and neither may be taken for drift.
#[test]
fn a_profile_property_from_a_sensitive_variable_settles() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["validate"])
        .run();
    ran.edit_config(
        "variables.hcl",
        "  description = \"Your Salesforce org's URL.\"\n",
        "  description = \"Your Salesforce org's URL.\"\n  sensitive   = true\n",
    );
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let ran = ran
        .then()
        .args(["plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .stdout_lacks("has changed")
        .run();
    assert!(
        !ran.state()
            .to_string()
            .contains("example.my.salesforce.com")
    );
}

/// A state whose digest key file is gone plans its sensitive values as re-sent, and says so
/// once (plan loads the state twice: under the lock, then to plan).
#[test]
fn a_missing_digest_key_is_said_once_and_secrets_are_re_sent() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    std::fs::remove_file(ran.path("state.json.key")).expect("the key beside the state");
    let ran = ran.then().args(["plan", "--sandbox"]).run();
    assert_eq!(
        ran.stderr().matches("Digest key missing").count(),
        1,
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stdout().contains("(sensitive value)"),
        "{}",
        ran.stdout()
    );
}
