//! What goes wrong in real life: an apply killed half-way, a flaky and throttling AWS, and a
//! change AWS refuses.

use crate::harness::{SENTINEL, Sandbox, Test, read_json, read_sandbox};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

/// `n` independent secrets named `PREFIX-00`, `PREFIX-01`, ... Their values hold the sentinel:
/// a secret value must not reach the terminal, the state or the journal. Each has a resource
/// policy, so that its creation takes two calls (CreateSecret, PutResourcePolicy) and a kill can
/// fall between them.
fn secrets_config(prefix: &str, n: usize) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}-{i:02}");
        text.push_str(&format!(
            r#"secret "s{i:02}" {{
  name                    = "{name}"
  description             = "secret number {i}"
  secret_string           = "{SENTINEL}-value-{i}"
  recovery_window_in_days = 7
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }}]
  }})
}}

"#
        ));
        names.push(name);
    }
    (text, names)
}

fn sorted(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().collect();
    v.sort();
    v
}

/// Runs `test` as a child, reads its stdout until `n` lines say `ADDRESS: MARKER`, then kills it
/// (SIGKILL). Returns those addresses and everything it printed. Fails if it ends first.
fn kill_after(test: &Test, marker: &str, n: usize) -> (BTreeSet<String>, String) {
    let mut child = test.spawn();
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut done = BTreeSet::new();
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let tag = format!(": {marker}");
    while done.len() < n {
        assert!(Instant::now() < deadline, "too slow; so far:\n{seen}");
        let Some(Ok(line)) = lines.next() else {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("it ended before {n} lines of {marker:?}:\n{seen}\n--- stderr\n{err}");
        };
        seen.push_str(&line);
        seen.push('\n');
        if let Some((address, _)) = line.split_once(&tag) {
            done.insert(address.to_owned());
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(
        !seen.contains(" complete! Resources"),
        "it finished before it was killed; nothing was interrupted:\n{seen}"
    );
    (done, seen)
}

#[test]
fn an_apply_killed_half_way_loses_nothing_and_resumes_without_duplicates() {
    let aws = Sandbox::with_args(&["--latency-ms", "300"]);
    let (config, names) = secrets_config("interrupted", 12);
    let test = Test::new().file("main.hcl", &config).aws(&aws).args([
        "apply",
        "--auto-approve",
        "--parallelism",
        "2",
    ]);
    let (completed, seen) = kill_after(&test, "Creation complete", 3);
    assert!(!seen.contains(SENTINEL), "a secret was printed:\n{seen}");

    // What the kill left is readable: the state file, and each line of the journal, which
    // already records every change reported complete.
    let dir = test.dir.path();
    read_json(&dir.join("state.json"));
    let journal = std::fs::read_to_string(dir.join("state.json.journal"))
        .expect("an interrupted apply leaves its journal");
    // A kill may cut the last line short; every finished line must be JSON.
    for line in journal.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("journal line is not JSON ({e}): {line}"));
    }
    for address in &completed {
        assert!(
            journal.contains(&format!("\"address\":\"{address}\"")),
            "{address} was reported complete but is not journaled:\n{journal}"
        );
    }
    assert!(
        !journal.contains(SENTINEL),
        "the journal holds a secret value"
    );

    let in_aws = aws.live_secret_names().len();
    eprintln!(
        "killed with {} changes journaled and {in_aws} secrets in AWS",
        completed.len()
    );

    let ran = test.args(["state", "list"]).run();
    let listed: BTreeSet<String> = ran.stdout().lines().map(str::to_owned).collect();
    assert!(
        completed.is_subset(&listed),
        "reported complete: {completed:?}\nbut state list says: {listed:?}"
    );
    assert!(listed.len() < names.len(), "{listed:?}");
    let recorded = listed.len();

    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve", "--parallelism", "2"])
        .stdout_contains(&format!(
            // An object the killed apply had made but not finished was recorded at once
            // (checkpointed) and is finished now by an update, not made again.
            "Apply complete! Resources: {} added, ",
            names.len() - recorded
        ))
        .run();
    assert_eq!(ran.state_addresses().len(), names.len());

    // Exactly one secret per configured name: no duplicate, none left out, none untracked.
    assert_eq!(sorted(aws.live_secret_names()), sorted(names.clone()));
    let state = ran.state();
    let tracked: BTreeSet<String> = state["resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| {
            r["attributes"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(tracked, names.iter().cloned().collect::<BTreeSet<_>>());
    assert!(
        !ran.files_text_except_sandbox_data().contains(SENTINEL),
        "a state file holds a secret value"
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert!(
        ran.stdout()
            .ends_with("No changes. Your infrastructure matches the configuration.\n"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn a_throttling_and_failing_aws_is_retried_to_the_end_without_duplicates() {
    let aws = Sandbox::with_args(&[
        "--throttle-rate",
        "0.2",
        "--error-rate",
        "0.1",
        "--seed",
        "7",
    ]);
    let (extra, names) = secrets_config("flaky", 20);
    let ran = Test::new()
        .example("salesforce-jwt")
        .file("extra.hcl", &extra)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 24 added, 0 changed, 0 destroyed.")
        .run();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert!(
        ran.stdout()
            .ends_with("No changes. Your infrastructure matches the configuration.\n"),
        "{}",
        ran.stdout()
    );

    let live = aws.live_secret_names();
    let (appflow_owned, ours): (Vec<String>, Vec<String>) =
        live.into_iter().partition(|n| n.starts_with("appflow!"));
    let mut expected = names;
    expected.push("appflow/salesforce/connected-app".to_owned());
    assert_eq!(sorted(ours), sorted(expected));
    assert_eq!(
        appflow_owned.len(),
        1,
        "one credentials secret per profile: {appflow_owned:?}"
    );
    assert_eq!(aws.profile_names(), ["salesforce-prod"]);
    let kms = aws.kms();
    let live_keys = aws.block_on(async {
        let keys = kms.list_keys().send().await.expect("ListKeys");
        let mut live = 0;
        for k in keys.keys() {
            let meta = kms
                .describe_key()
                .key_id(k.key_id().unwrap_or_default())
                .send()
                .await
                .expect("DescribeKey");
            let state = meta.key_metadata().and_then(|m| m.key_state()).cloned();
            if state != Some(aws_sdk_kms::types::KeyState::PendingDeletion) {
                live += 1;
            }
        }
        live
    });
    assert_eq!(live_keys, 1, "one KMS key, not one per attempt");
}

const FAILING: &str = r#"
secret "independent" {
  name                    = "failure/independent"
  secret_string           = "independent-value"
  recovery_window_in_days = 7
}

connector_profile "rejected" {
  name            = "rejected-salesforce"
  connector_type  = "Salesforce"
  connection_mode = "Public"

  properties {
    instance_url           = "https://example.my.salesforce.com"
    is_sandbox_environment = false
  }

  credentials {
    oauth2_grant_type = "AUTHORIZATION_CODE"
    access_token      = "flowform-sandbox:reject"
    refresh_token     = "a-refresh-token"
  }
}

connector_profile "dependent" {
  name            = "dependent-servicenow"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {
    instance_url = "https://example.service-now.com"
  }

  credentials {
    username = "appflow"
    password = "a-password"
  }

  depends_on = [connector_profile.rejected]
}
"#;

#[test]
fn a_refused_change_fails_alone_and_names_aws_error() {
    let ran = Test::new()
        .file("main.hcl", FAILING)
        .args(["apply", "--sandbox", "--auto-approve"])
        .status(1)
        .stdout_lacks("Apply complete!")
        .stderr_contains("connector_profile.rejected")
        .stderr_contains("ConnectorAuthenticationException")
        .stderr_contains("connector_profile.dependent was not changed")
        .run();
    let err = ran.stderr();
    let error_line = err
        .lines()
        .find(|l| l.contains("ConnectorAuthenticationException"))
        .unwrap();
    assert!(
        error_line.contains("connector_profile.rejected"),
        "the error line names the failed resource: {error_line}"
    );
    assert_eq!(ran.state_addresses(), ["secret.independent"]);
    let data = read_sandbox(&ran.path("state.sandbox.json"));
    let region = &data["regions"]["us-east-1"];
    assert!(
        region["secretsmanager"]["secrets"]["failure/independent"]["deleted"].is_null()
            && region["secretsmanager"]["secrets"]["failure/independent"].is_object(),
        "the independent secret exists: {region}"
    );
    assert_eq!(
        region["appflow"]["profiles"].as_object().map(|m| m.len()),
        Some(0),
        "no profile was made: {region}"
    );

    // Fixing the cause and applying again finishes the job.
    ran.edit_config("main.hcl", "flowform-sandbox:reject", "a-good-token");
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(ran.state_addresses().len(), 3);
}

const TWO_SECRETS: &str = r#"
secret "a" {
  name                    = "adopt/a"
  description             = "configured a"
  secret_string           = "configured-value-a"
  recovery_window_in_days = 7
}

secret "b" {
  name                    = "adopt/b"
  secret_string           = "configured-value-b"
  recovery_window_in_days = 7
}
"#;

fn secret_value_and_description(aws: &Sandbox, name: &str) -> (String, Option<String>) {
    let sm = aws.secretsmanager();
    aws.block_on(async {
        let value = sm
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .expect("GetSecretValue")
            .secret_string()
            .unwrap_or_default()
            .to_owned();
        let d = sm
            .describe_secret()
            .secret_id(name)
            .send()
            .await
            .expect("DescribeSecret");
        (value, d.description().map(str::to_owned))
    })
}

fn create_secret_by_hand(aws: &Sandbox, name: &str, tags: &[(&str, &str)]) {
    use aws_sdk_secretsmanager::types::Tag;
    let sm = aws.secretsmanager();
    aws.block_on(async {
        let mut req = sm
            .create_secret()
            .name(name)
            .description("half made")
            .secret_string("stale-value");
        for (k, v) in tags {
            req = req.tags(Tag::builder().key(*k).value(*v).build());
        }
        req.send().await.expect("CreateSecret");
    });
}

#[test]
fn a_secret_left_by_an_interrupted_create_is_taken_over() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", TWO_SECRETS)
        .aws(&aws)
        .args(["apply", "--auto-approve", "--target", "secret.b"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    let lineage = ran.state()["lineage"].as_str().expect("lineage").to_owned();
    // What an apply of this state killed between CreateSecret and recording it leaves behind.
    create_secret_by_hand(
        &aws,
        "adopt/a",
        &[
            ("flowform:address", "secret.a"),
            ("flowform:lineage", &lineage),
        ],
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(sorted(aws.live_secret_names()), ["adopt/a", "adopt/b"]);
    assert_eq!(
        secret_value_and_description(&aws, "adopt/a"),
        (
            "configured-value-a".to_owned(),
            Some("configured a".to_owned())
        )
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .run();
    assert!(
        ran.stdout()
            .ends_with("No changes. Your infrastructure matches the configuration.\n"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn a_secret_someone_else_made_under_the_configured_name_is_left_alone() {
    let aws = Sandbox::start();
    create_secret_by_hand(&aws, "adopt/a", &[("owner", "another-team")]);
    let ran = Test::new()
        .file("main.hcl", TWO_SECRETS)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .status(1)
        .stderr_contains("secret.a")
        .stderr_contains("ResourceExistsException")
        .stderr_contains("flowform import secret.a adopt/a")
        .run();
    assert_eq!(ran.state_addresses(), ["secret.b"]);
    assert_eq!(
        secret_value_and_description(&aws, "adopt/a"),
        ("stale-value".to_owned(), Some("half made".to_owned())),
        "another team's secret is not touched"
    );
}

/// `n` independent ServiceNow profiles named `PREFIX-00`, ...
fn profiles_config(prefix: &str, n: usize) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}-{i:02}");
        text.push_str(&format!(
            r#"connector_profile "p{i:02}" {{
  name            = "{name}"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {{
    instance_url = "https://example{i}.service-now.com"
  }}

  credentials {{
    username = "appflow"
    password = "{SENTINEL}-password-{i}"
  }}
}}

"#
        ));
        names.push(name);
    }
    (text, names)
}

#[test]
fn a_profile_apply_killed_half_way_resumes_without_conflicts_or_duplicates() {
    let aws = Sandbox::with_args(&["--latency-ms", "300"]);
    let (config, names) = profiles_config("interrupted", 10);
    let test = Test::new().file("main.hcl", &config).aws(&aws).args([
        "apply",
        "--auto-approve",
        "--parallelism",
        "2",
    ]);
    let (completed, _) = kill_after(&test, "Creation complete", 3);
    let in_aws = aws.profile_names().len();
    eprintln!(
        "killed with {} profiles reported and {in_aws} in AWS",
        completed.len()
    );
    let ran = test.args(["state", "list"]).run();
    let listed: BTreeSet<String> = ran.stdout().lines().map(str::to_owned).collect();
    assert!(completed.is_subset(&listed), "{completed:?} vs {listed:?}");
    // A profile AWS made whose answer was lost to the kill is taken over by the resumed apply
    // (same clientToken, same answer), not refused as someone else's.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve", "--parallelism", "2"])
        .stdout_contains(&format!(
            // An object the killed apply had made but not finished was recorded at once
            // (checkpointed) and is finished now by an update, not made again.
            "Apply complete! Resources: {} added, ",
            names.len() - listed.len()
        ))
        .run();
    assert_eq!(sorted(aws.profile_names()), names);
    let tracked: BTreeSet<String> = ran.state()["resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| {
            r["attributes"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(tracked, names.iter().cloned().collect::<BTreeSet<_>>());
    // One credentials secret per profile, none left over from the interrupted attempt.
    let credentials = aws
        .live_secret_names()
        .into_iter()
        .filter(|n| n.starts_with("appflow!"))
        .count();
    assert_eq!(credentials, names.len());
}

#[test]
fn a_destroy_killed_half_way_finishes_on_the_next_run() {
    let aws = Sandbox::with_args(&["--latency-ms", "300"]);
    let (config, names) = secrets_config("destroyed", 10);
    let ran = Test::new()
        .file("main.hcl", &config)
        .aws(&aws)
        .args(["apply", "--auto-approve", "--parallelism", "4"])
        .stdout_contains(&format!("Apply complete! Resources: {} added", names.len()))
        .run();
    let test = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve", "--parallelism", "2"]);
    let (destroyed, _) = kill_after(&test, "Destruction complete", 3);
    let ran = test.args(["state", "list"]).run();
    let listed: BTreeSet<String> = ran.stdout().lines().map(str::to_owned).collect();
    assert!(
        destroyed.is_disjoint(&listed),
        "destroyed {destroyed:?} but the state still lists {listed:?}"
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete!")
        .run();
    assert_eq!(
        ran.state_addresses(),
        Vec::<String>::new(),
        "{}",
        ran.stdout()
    );
    assert_eq!(aws.live_secret_names(), Vec::<String>::new());
}

#[test]
fn a_resource_deleted_outside_is_dropped_from_the_state() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", TWO_SECRETS)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .run();
    let sm = aws.secretsmanager();
    aws.block_on(async {
        sm.delete_secret()
            .secret_id("adopt/a")
            .force_delete_without_recovery(true)
            .send()
            .await
            .expect("DeleteSecret");
    });
    // Its block is removed too: nothing is left to do but forget it.
    std::fs::write(
        ran.path("config/main.hcl"),
        &TWO_SECRETS[TWO_SECRETS.find("secret \"b\"").unwrap()..],
    )
    .unwrap();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("# secret.a has been deleted")
        .run();
    assert_eq!(ran.state_addresses(), ["secret.b"], "{}", ran.stdout());
    // And the same through destroy.
    aws.block_on(async {
        sm.delete_secret()
            .secret_id("adopt/b")
            .force_delete_without_recovery(true)
            .send()
            .await
            .expect("DeleteSecret");
    });
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .run();
    assert_eq!(
        ran.state_addresses(),
        Vec::<String>::new(),
        "{}",
        ran.stdout()
    );
}
