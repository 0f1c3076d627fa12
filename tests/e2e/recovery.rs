//! Recovery after a crash: an object is adopted only with proof that this state made it, a
//! leftover journal is folded by the next command that takes the lock, and nothing reads the
//! journal of an apply that is still running.

use crate::harness::{Sandbox, Test};
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

const PROFILE: &str = r#"
connector_profile "p" {
  name            = "contested"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {
    instance_url = "https://ours.service-now.com"
  }

  credentials {
    username = "appflow"
    password = "configured-password"
  }
}
"#;

const SECRET: &str = r#"
secret "s" {
  name                    = "recovery/s"
  secret_string           = "value"
  recovery_window_in_days = 7
}
"#;

/// A ServiceNow profile made by someone else, outside flowform.
fn create_foreign_profile(aws: &Sandbox, name: &str, url: &str) {
    use aws_sdk_appflow::types::*;
    let appflow = aws.appflow();
    aws.block_on(async {
        appflow
            .create_connector_profile()
            .connector_profile_name(name)
            .connector_type(ConnectorType::Servicenow)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(
                ConnectorProfileConfig::builder()
                    .connector_profile_properties(
                        ConnectorProfileProperties::builder()
                            .service_now(
                                ServiceNowConnectorProfileProperties::builder()
                                    .instance_url(url)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .connector_profile_credentials(
                        ConnectorProfileCredentials::builder()
                            .service_now(
                                ServiceNowConnectorProfileCredentials::builder()
                                    .username("someone-else")
                                    .password("their-password")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("CreateConnectorProfile");
    });
}

fn profile_url(aws: &Sandbox, name: &str) -> String {
    let appflow = aws.appflow();
    aws.block_on(async {
        let out = appflow
            .describe_connector_profiles()
            .connector_profile_names(name)
            .send()
            .await
            .expect("DescribeConnectorProfiles");
        out.connector_profile_details()[0]
            .connector_profile_properties()
            .and_then(|p| p.service_now())
            .map(|s| s.instance_url().to_owned())
            .unwrap_or_default()
    })
}

/// A state with `SECRET` applied to it.
fn applied_secret(aws: &Sandbox) -> crate::harness::Ran {
    Test::new()
        .file("main.hcl", SECRET)
        .aws(aws)
        .args(["apply", "--auto-approve"])
        .run()
}

/// What an apply killed before its first change leaves besides the state: a journal with its
/// header only.
fn leave_empty_journal(ran: &crate::harness::Ran) {
    let state = ran.state();
    std::fs::write(
        ran.path("state.json.journal"),
        format!(
            "{{\"flowform_journal\":1,\"lineage\":\"{}\",\"base_serial\":{}}}\n",
            state["lineage"].as_str().unwrap(),
            state["serial"]
        ),
    )
    .unwrap();
}

/// Rewrites the state file as an apply killed between sending a create of `address` (with
/// `token`) and recording AWS's answer leaves it.
fn mark_pending(ran: &crate::harness::Ran, address: &str, token: &str) {
    let mut state = ran.state();
    state["pending"] = serde_json::json!({
        address: { "token": token, "started": "2026-11-30T00:00:00Z" }
    });
    std::fs::write(
        ran.path("state.json"),
        serde_json::to_vec_pretty(&state).unwrap(),
    )
    .unwrap();
}

/// An interrupted apply used to put the next one in a "recovering" mode in which any
/// ConflictException on CreateConnectorProfile meant "we made it": a profile made outside
/// flowform under the configured name was overwritten and recorded, and destroy deleted it.
#[test]
fn a_foreign_profile_is_never_taken_over_after_an_interrupted_apply() {
    let aws = Sandbox::start();
    // A state with an interrupted apply behind it: its journal is still there.
    let ran = Test::new()
        .file("main.hcl", SECRET)
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .run();
    leave_empty_journal(&ran);
    create_foreign_profile(&aws, "contested", "https://theirs.service-now.com");
    std::fs::write(ran.path("config/profile.hcl"), PROFILE).unwrap();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .status(1)
        .stderr_contains("ConflictException")
        .stderr_contains("flowform import connector_profile.p contested")
        .run();
    assert_eq!(ran.state_addresses(), ["secret.s"]);
    assert_eq!(
        profile_url(&aws, "contested"),
        "https://theirs.service-now.com",
        "another team's profile is not touched"
    );
}

/// Even when this state did start a create of that very address, a profile AppFlow does not
/// confirm under the create's own client token is not provably ours.
#[test]
fn a_pending_create_adopts_a_profile_only_when_its_token_is_confirmed() {
    let aws = Sandbox::start();
    let ran = applied_secret(&aws);
    mark_pending(
        &ran,
        "connector_profile.p",
        "token-of-a-create-that-never-arrived",
    );
    create_foreign_profile(&aws, "contested", "https://theirs.service-now.com");
    std::fs::write(ran.path("config/profile.hcl"), PROFILE).unwrap();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .status(1)
        .run();
    // The whole of what the user is told: the pending create, then the refusal.
    flowform_test::filters::settings().bind(|| {
        insta::assert_snapshot!("pending_create_refused_stderr", ran.stderr());
    });
    assert_eq!(ran.state_addresses(), ["secret.s"]);
    assert_eq!(
        profile_url(&aws, "contested"),
        "https://theirs.service-now.com"
    );
    // Without such a profile, the same pending create simply goes ahead.
    let appflow = aws.appflow();
    aws.block_on(async {
        appflow
            .delete_connector_profile()
            .connector_profile_name("contested")
            .send()
            .await
            .expect("DeleteConnectorProfile");
    });
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(ran.state_addresses(), ["connector_profile.p", "secret.s"]);
    assert!(ran.state().get("pending").is_none(), "{}", ran.state());
    assert_eq!(
        profile_url(&aws, "contested"),
        "https://ours.service-now.com"
    );
}

/// An apply killed after its last change, before folding: the next command that takes the lock
/// folds the journal; nothing is reported as "No changes" over an empty state forever.
#[test]
fn a_journal_left_after_the_last_change_is_folded_by_the_next_command() {
    let aws = Sandbox::start();
    let ran = applied_secret(&aws);
    // What the killed apply left: the state as it was before, and every change in the journal.
    let after = ran.state();
    let mut before = after.clone();
    before["resources"] = serde_json::json!({});
    before["serial"] = serde_json::json!(after["serial"].as_u64().unwrap() - 1);
    std::fs::write(
        ran.path("state.json"),
        serde_json::to_vec_pretty(&before).unwrap(),
    )
    .unwrap();
    let journal = format!(
        "{}\n{}\n",
        serde_json::json!({"flowform_journal": 1, "lineage": after["lineage"], "base_serial": before["serial"]}),
        serde_json::json!({"op": "set", "address": "secret.s", "resource": after["resources"]["secret.s"]}),
    );
    std::fs::write(ran.path("state.json.journal"), journal).unwrap();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan"])
        .stderr_contains("recovered from")
        .stdout_contains("No changes.")
        .run();
    assert!(
        !ran.path("state.json.journal").exists(),
        "the journal is folded"
    );
    assert_eq!(ran.state_addresses(), ["secret.s"]);
    assert_eq!(
        aws.live_secret_names(),
        ["recovery/s"],
        "nothing made twice"
    );
}

/// A KMS key whose create was interrupted before it was recorded is found by its tags, and
/// finished: the alias it was configured with is created, not skipped.
#[test]
fn a_recovered_kms_key_gets_its_alias() {
    let aws = Sandbox::start();
    let ran = applied_secret(&aws);
    let lineage = ran.state()["lineage"].as_str().unwrap().to_owned();
    mark_pending(&ran, "kms_key.k", "no-token-for-kms");
    // What the killed apply had made: the key, with this state's tags, but no alias yet.
    let kms = aws.kms();
    let key_id = aws.block_on(async {
        use aws_sdk_kms::types::Tag;
        let tag = |k: &str, v: &str| Tag::builder().tag_key(k).tag_value(v).build().unwrap();
        kms.create_key()
            .description("flowform recovery")
            .tags(tag("flowform:address", "kms_key.k"))
            .tags(tag("flowform:lineage", &lineage))
            .send()
            .await
            .expect("CreateKey")
            .key_metadata()
            .unwrap()
            .key_id()
            .to_owned()
    });
    std::fs::write(
        ran.path("config/key.hcl"),
        r#"
kms_key "k" {
  description = "flowform recovery"
  alias       = "alias/recovered"
}
"#,
    )
    .unwrap();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
        .run();
    assert_eq!(
        ran.state()["resources"]["kms_key.k"]["attributes"]["key_id"],
        key_id.as_str(),
        "the key the interrupted apply made is adopted, not made again"
    );
    let aliases = aws.block_on(async {
        kms.list_aliases()
            .key_id(&key_id)
            .send()
            .await
            .expect("ListAliases")
            .aliases()
            .iter()
            .filter_map(|a| a.alias_name().map(str::to_owned))
            .collect::<Vec<_>>()
    });
    assert_eq!(aliases, ["alias/recovered"]);
    ran.then()
        .aws(&aws)
        .args(["plan"])
        .stdout_contains("No changes.")
        .run();
}

/// `plan` takes the lock: during a running apply it fails on the lock (or waits with
/// `--lock-timeout`) instead of reading the half-written journal as an interrupted apply.
#[test]
fn plan_during_an_apply_waits_for_the_lock() {
    let aws = Sandbox::with_args(&["--latency-ms", "400"]);
    let mut config = String::new();
    for i in 0..6 {
        config.push_str(&format!(
            "secret \"s{i}\" {{\n  name = \"locked/{i}\"\n  secret_string = \"v\"\n  recovery_window_in_days = 7\n}}\n"
        ));
    }
    let test = Test::new().file("main.hcl", &config).aws(&aws).args([
        "apply",
        "--auto-approve",
        "--parallelism",
        "1",
    ]);
    let mut child = test.spawn();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "apply never started a change");
        match lines.next() {
            Some(Ok(l)) if l.contains("Creation complete") => break,
            Some(_) => {}
            None => panic!("apply ended early"),
        }
    }
    // The same directory as the running apply: `Test` owns its scratch dir, so run by hand.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowform"))
        .current_dir(test.dir.path())
        .args(["-C", "config", "--state", "state.json", "plan"])
        .envs(aws.env())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("lock"), "{stderr}");
    assert!(!stderr.contains("interrupted"), "{stderr}");
    // With a timeout long enough, the plan waits for the apply and then sees it whole.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowform"))
        .current_dir(test.dir.path())
        .args([
            "-C",
            "config",
            "--state",
            "state.json",
            "plan",
            "--lock-timeout",
            "60s",
        ])
        .envs(aws.env())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No changes."), "{stdout}");
    assert!(child.wait().unwrap().success());
}

/// A lock record left by a process that died is replaced, with a warning that names it.
#[test]
fn a_stale_lock_record_is_replaced_with_a_warning() {
    let ran = Test::new()
        .file("main.hcl", SECRET)
        .args(["plan", "--refresh=false"])
        .run();
    std::fs::write(
        ran.path("state.json.lock.info"),
        r#"{"ID":"0b7e-dead","Operation":"apply","Info":"","Who":"ci@runner-7","Version":"0.1.0","Created":"2026-11-29T10:00:00Z","Path":"state.json"}"#,
    )
    .unwrap();
    ran.then()
        .args(["plan", "--refresh=false"])
        .stderr_contains("Warning: replaced the lock record 0b7e-dead")
        .stderr_contains("apply by ci@runner-7")
        .run();
}

/// A profile create killed after AppFlow answered but before flowform read what it computed
/// leaves the whole profile in the state (properties, credentials by digest), so the next plan
/// reports neither drift nor an update: the credentials ARN it learns then is no change.
#[test]
fn a_profile_create_killed_before_its_describe_leaves_the_whole_profile_recorded() {
    let aws = Sandbox::with_args(&["--latency-ms", "1500"]);
    let test = Test::new()
        .file("main.hcl", PROFILE)
        .aws(&aws)
        .args(["apply", "--auto-approve"]);
    let mut child = test.spawn();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "the create never started");
        match lines.next() {
            Some(Ok(l)) if l.contains("Creating...") => break,
            Some(_) => {}
            None => panic!("apply ended early"),
        }
    }
    // CreateConnectorProfile answers after 1.5 s; the Describe that follows takes 1.5 s more.
    std::thread::sleep(Duration::from_millis(2300));
    child.kill().unwrap();
    child.wait().unwrap();
    let ran = test.args(["state", "show", "connector_profile.p"]).run();
    assert!(
        ran.stdout().contains("https://ours.service-now.com"),
        "the record holds what was sent:\n{}",
        ran.stdout()
    );
    ran.then()
        .aws(&aws)
        .args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .stdout_lacks("has changed")
        .run();
}

/// A create AWS refuses (the name is another's) made nothing, so it leaves no unsettled create
/// behind: one did, and then blocked every destroy for good.
#[test]
fn a_create_aws_refuses_leaves_nothing_pending() {
    let aws = Sandbox::start();
    create_foreign_profile(&aws, "contested", "https://theirs.service-now.com");
    let sm = aws.secretsmanager();
    aws.block_on(async {
        sm.create_secret()
            .name("recovery/s")
            .secret_string("theirs")
            .send()
            .await
            .expect("CreateSecret");
    });
    let ran = Test::new()
        .file("main.hcl", &format!("{PROFILE}{SECRET}"))
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .status(1)
        .stderr_contains("ConflictException")
        .stderr_contains("ResourceExistsException")
        .run();
    assert!(ran.state().get("pending").is_none(), "{}", ran.state());
    assert!(ran.state_addresses().is_empty());
    // The configuration is given up on; the destroy has nothing to wait for.
    std::fs::write(ran.path("config/main.hcl"), "").unwrap();
    ran.then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .stdout_contains("No changes.")
        .run();
    assert_eq!(
        profile_url(&aws, "contested"),
        "https://theirs.service-now.com"
    );
}

/// An unsettled create whose resource has left the configuration can be settled by no apply:
/// plan says so, destroy says how out, and `state rm` forgets it.
#[test]
fn state_rm_forgets_an_unsettled_create_whose_resource_has_left_the_configuration() {
    let aws = Sandbox::start();
    let ran = applied_secret(&aws);
    mark_pending(
        &ran,
        "secret.gone[1]",
        "token-of-a-create-that-never-arrived",
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan"])
        .stderr_contains(
            "secret.gone[1] has an unsettled create and is no longer in the configuration",
        )
        .stderr_contains("`flowform state rm secret.gone[1]`")
        .run();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .status(1)
        .stderr_contains("forget the create with `flowform state rm ADDRESS`")
        .stderr_contains("`flowform apply -target='secret.gone[1]'`")
        .run();
    // Only by its exact address: a pattern removes records, never the proof an apply needs.
    let ran = ran
        .then()
        .args(["state", "rm", "secret.gone"])
        .status(1)
        .stderr_contains("secret.gone is not in the state.")
        .run();
    let ran = ran
        .then()
        .args(["state", "rm", "secret.gone[1]"])
        .stdout_contains("Forgot the create of secret.gone[1]")
        .run();
    assert!(ran.state().get("pending").is_none(), "{}", ran.state());
    assert_eq!(ran.state_addresses(), ["secret.s"], "the records stay");
    ran.then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete! Resources: 1 destroyed.")
        .run();
}

/// plan reads the state once the configuration is loaded; a configuration that fails to load
/// does not keep the state from being read: what is wrong with it is said too, and an
/// interrupted apply's journal is folded in as by any command under the lock.
#[test]
fn a_configuration_that_fails_to_load_does_not_hide_the_state() {
    Test::new()
        .file("main.hcl", "secret \"b\" { name = }")
        .file("../state.json", "{not json")
        .args(["plan", "--refresh=false"])
        .status(1)
        .stderr_contains("Invalid HCL syntax")
        .stderr_contains("State file is not valid JSON")
        .run();

    let aws = Sandbox::start();
    let ran = applied_secret(&aws);
    leave_empty_journal(&ran);
    std::fs::write(ran.path("config/main.hcl"), "secret \"b\" { name = }").unwrap();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["plan"])
        .status(1)
        .stderr_contains("Invalid HCL syntax")
        .run();
    assert!(
        !ran.path("state.json.journal").exists(),
        "the journal is folded in"
    );
}
