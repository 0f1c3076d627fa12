//! A saved plan records its target — configuration, state, sandbox or AWS, endpoint, account,
//! region — and `apply FILE` reaches exactly that target with no other flag, or refuses.

use crate::harness::{Sandbox, Test};

const SECRET: &str = r#"
secret "s" {
  name                    = "planned/s"
  secret_string           = "value"
  recovery_window_in_days = 7
}
"#;

/// Made with `--sandbox`, applied with no flag at all — while the environment points at an
/// "AWS" (a standalone sandbox standing in for it): the plan goes to the sandbox it was made
/// against, and the "AWS" is never touched.
#[test]
fn a_sandbox_plan_is_applied_to_the_sandbox_and_never_to_aws() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", SECRET)
        .args(["plan", "--sandbox", "-out", "tfplan"])
        .stdout_contains("To perform exactly these actions, run:\n  flowform apply tfplan")
        .run();
    // Followed literally, from the same directory, the hint works: no -C, no --state.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowform"))
        .current_dir(ran.dir.path())
        .args(["apply", "tfplan"])
        .envs(aws.env())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    flowform_test::filters::settings().bind(|| {
        insta::assert_snapshot!("sandbox_plan_applied_stdout", stdout);
    });
    assert_eq!(ran.state_addresses(), ["secret.s"]);
    assert_eq!(
        aws.live_secret_names(),
        Vec::<String>::new(),
        "the AWS in the environment was not touched"
    );
    ran.then()
        .args(["plan", "--sandbox"])
        .stdout_contains("No changes.")
        .run();
}

#[test]
fn a_plan_is_refused_for_another_target() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", SECRET)
        .aws(&aws)
        .args(["plan", "-out", "tfplan"])
        .run();
    // An AWS plan is not applied to the sandbox.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "tfplan", "--sandbox"])
        .status(1)
        .stderr_contains("made against AWS, not the sandbox")
        .run();
    // Nor with another configuration directory or state than it was made for.
    std::fs::create_dir_all(ran.path("other")).unwrap();
    std::fs::write(ran.path("other/main.hcl"), SECRET).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowform"))
        .current_dir(ran.dir.path())
        .args(["-C", "other", "apply", "tfplan"])
        .envs(aws.env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the saved plan was made for the configuration in"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowform"))
        .current_dir(ran.dir.path())
        .args(["--state", "elsewhere.json", "apply", "tfplan"])
        .envs(aws.env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the saved plan was made for the state"),
        "{stderr}"
    );
    assert_eq!(aws.live_secret_names(), Vec::<String>::new());
    // The environment cannot send it elsewhere either: another endpoint (an account of its
    // own) or another region in the environment are ignored, and the plan goes where it was
    // made. (A different account behind the *same* endpoint — other credentials against AWS —
    // is refused by the account check, which this offline test cannot stage.)
    let other_account = Sandbox::with_args(&["--account-id", "999999999999"]);
    ran.then()
        .env("AWS_ENDPOINT_URL", &other_account.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "eu-west-1")
        .args(["apply", "tfplan"])
        .stdout_contains("Apply complete! Resources: 1 added")
        .run();
    assert_eq!(other_account.live_secret_names(), Vec::<String>::new());
    assert_eq!(aws.live_secret_names(), ["planned/s"]);
}

/// A plan made against an endpoint (`AWS_ENDPOINT_URL`) is applied there by `apply FILE`
/// alone: the environment of the apply need not name it again.
#[test]
fn a_plan_reaches_the_endpoint_it_was_made_against() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file("main.hcl", SECRET)
        .aws(&aws)
        .args(["plan", "-out", "tfplan"])
        .run();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowform"))
        .current_dir(ran.dir.path())
        .args(["apply", "tfplan"])
        .envs(
            aws.env()
                .into_iter()
                .filter(|(k, _)| *k != "AWS_ENDPOINT_URL"),
        )
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(aws.live_secret_names(), ["planned/s"]);
}
