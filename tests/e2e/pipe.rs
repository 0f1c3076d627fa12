//! A closed standard output (`flowform show | head`) is a normal end: no panic, the usual exit
//! code, and an apply still makes and records every change (its progress lines just stop).

use crate::harness::Test;

/// `n` independent secrets: enough resources that `show` and `plan` write many times.
fn many_secrets(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "secret \"s{i:03}\" {{\n  name          = \"pipe/s{i:03}\"\n  description   = \"secret number {i}, with a description long enough to fill the pipe\"\n  secret_string = \"value-{i}\"\n}}\n\n"
            )
        })
        .collect()
}

#[test]
fn show_and_plan_into_a_closed_pipe_end_quietly() {
    let mut ran = Test::new()
        .file("main.hcl", &many_secrets(150))
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 150 added")
        .run();
    for args in [
        &["show"][..],
        &["show", "--format", "json"],
        &["state", "list"],
        &["plan", "--refresh=false"],
        &["plan", "--refresh=false", "--destroy"],
        &[
            "plan",
            "--refresh=false",
            "--destroy",
            "--format",
            "markdown",
        ],
        &["plan", "--refresh=false", "--destroy", "--format", "json"],
        &["graph"],
    ] {
        ran = ran
            .then()
            .args(args.iter().copied())
            .run_with_stdout_closed();
    }
}

#[test]
fn an_apply_with_a_closed_stdout_still_makes_and_records_every_change() {
    let n = 40;
    let ran = Test::new()
        .file("main.hcl", &many_secrets(n))
        .args(["apply", "--sandbox", "--auto-approve"])
        .run_with_stdout_closed();
    let listed = ran.then().args(["state", "list"]).run();
    assert_eq!(
        listed.stdout().lines().count(),
        n,
        "every change is recorded:\n{}",
        listed.stdout()
    );
    // And AWS (the sandbox) holds them all: the next plan has nothing to do.
    listed
        .then()
        .args(["plan", "--sandbox"])
        .stdout_contains("No changes. Your infrastructure matches the configuration.")
        .run();
}
