//! The diagnostic log (`FLOWFORM_LOG`/`RUST_LOG`, `--log-file`): it shows the AWS calls, and no
//! secret reaches it even at `trace` with the SDK's own body-logging switches on.

use crate::harness::{Ran, SENTINEL, Test, root};
use base64::Engine;

/// The salesforce-jwt example with the connected app's client secret replaced by `secret`.
fn example_with_client_secret(secret: &str) -> Test {
    let vars =
        std::fs::read_to_string(root().join("examples/salesforce-jwt/sandbox.auto.vars.hcl"))
            .expect("the example's variables");
    assert!(vars.contains("\"example-consumer-secret\""), "{vars}");
    let vars = vars.replace(
        "\"example-consumer-secret\"",
        &format!("\"{}\"", secret.replace('\\', "\\\\").replace('"', "\\\"")),
    );
    Test::new()
        .example("salesforce-jwt")
        .file("sandbox.auto.vars.hcl", &vars)
}

/// One command of the cycle, logging at `trace` to `flowform.log` (appended to), with the SDK's
/// switches that put request and answer bodies into its trace events.
fn step(test: Test, args: &[&str]) -> Ran {
    test.args(
        ["--log-file", "flowform.log"]
            .into_iter()
            .chain(args.iter().copied()),
    )
    .env("FLOWFORM_LOG", "trace")
    .env("LOG_SENSITIVE_BODIES", "true")
    .env("LOG_SIGNABLE_BODY", "true")
    .run()
}

#[test]
fn a_trace_log_of_a_whole_cycle_shows_the_aws_calls_and_no_secret() {
    // A quote and a backslash, so that the JSON-escaped forms differ from the value itself.
    let secret = format!("{SENTINEL}-log-\"quoted\\back");
    let secret_string = serde_json::json!({
        "clientId": "3MVG9example-consumer-key",
        "clientSecret": secret,
    })
    .to_string();
    let ran = step(
        example_with_client_secret(&secret),
        &["apply", "--sandbox", "--auto-approve"],
    );
    let ran = step(ran.then(), &["plan", "--sandbox"]);
    let mut stderr = ran.stderr();
    let ran = step(ran.then(), &["destroy", "--sandbox", "--auto-approve"]);
    stderr.push_str(&ran.stderr());

    // The value did reach AWS (else the test would prove nothing).
    let aws = std::fs::read_to_string(ran.path("state.sandbox.json")).expect("sandbox data");
    assert!(
        aws.contains(SENTINEL),
        "the secret never reached the sandbox"
    );

    let log = std::fs::read_to_string(ran.path("flowform.log")).expect("the log file");
    for call in [
        "rpc.method=\"CreateSecret\"",
        "rpc.method=\"CreateConnectorProfile\"",
        "rpc.method=\"GetSecretValue\"",
        "rpc.method=\"DeleteConnectorProfile\"",
        "flowform starts",
        "state lock acquired",
        "journal folded into the state",
    ] {
        assert!(log.contains(call), "the log lacks {call:?}:\n{log}");
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let json_in_json = serde_json::to_string(&secret_string).expect("JSON");
    for (what, form) in [
        ("the value", secret.clone()),
        ("the sentinel", SENTINEL.to_string()),
        (
            "the value, JSON-escaped",
            serde_json::to_string(&secret).expect("JSON"),
        ),
        ("the secret string", secret_string.clone()),
        ("the secret string, JSON-escaped", json_in_json),
        ("the value in base64", b64.encode(&secret)),
        ("the secret string in base64", b64.encode(&secret_string)),
    ] {
        assert!(!log.contains(&form), "{what} is in the log: {form}");
        assert!(!stderr.contains(&form), "{what} is on stderr: {form}");
    }
}

#[test]
fn flowform_log_wins_over_rust_log_and_stderr_is_the_default() {
    let quiet = Test::new()
        .example("salesforce-jwt")
        .args(["validate"])
        .env("RUST_LOG", "debug")
        .env("FLOWFORM_LOG", "off")
        .run();
    assert_eq!(quiet.stderr(), "", "FLOWFORM_LOG=off wins over RUST_LOG");
    let loud = Test::new()
        .example("salesforce-jwt")
        .args(["validate"])
        .env("RUST_LOG", "off")
        .env("FLOWFORM_LOG", "info")
        .run();
    assert!(
        loud.stderr().contains("flowform starts") && loud.stderr().contains("command=\"validate\""),
        "{}",
        loud.stderr()
    );
    let rust_log = Test::new()
        .example("salesforce-jwt")
        .args(["validate"])
        .env("RUST_LOG", "info")
        .run();
    assert!(
        rust_log.stderr().contains("flowform starts"),
        "{}",
        rust_log.stderr()
    );
    let silent = Test::new()
        .example("salesforce-jwt")
        .args(["validate"])
        .run();
    assert_eq!(silent.stderr(), "", "no log unless asked for");
}

#[test]
fn a_log_file_that_cannot_be_opened_is_an_error_naming_it() {
    Test::new()
        .example("salesforce-jwt")
        .args(["--log-file", "no/such/dir/flowform.log", "validate"])
        .status(1)
        .stderr_contains("no/such/dir/flowform.log")
        .run();
}
