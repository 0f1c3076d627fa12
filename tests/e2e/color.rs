//! Colour only on a terminal, and never with `--no-color` or `NO_COLOR`. A terminal is made
//! with util-linux's `script`, which runs the command on a pseudo-terminal.

use crate::harness::{Test, root};
use std::process::Command;

const ESC: &str = "\x1b[";

/// Runs flowform on a pseudo-terminal in the salesforce-jwt example and returns what it printed.
fn on_a_terminal(extra_args: &str, no_color_env: Option<&str>) -> String {
    let binary = env!("CARGO_BIN_EXE_flowform");
    let example = root().join("examples/salesforce-jwt");
    let dir = tempfile::tempdir().expect("temp dir");
    let command = format!(
        "{binary} -C {} --state {} {extra_args} plan",
        example.display(),
        dir.path().join("state.json").display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR");
    if let Some(v) = no_color_env {
        cmd.env("NO_COLOR", v);
    }
    let out = cmd.output().expect("script (util-linux) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_gets_colour() {
    let out = on_a_terminal("", None);
    assert!(out.contains(ESC), "no colour on a terminal:\n{out}");
    assert!(out.contains("Plan: 4 to add, 0 to change, 0 to destroy."));
}

#[test]
fn no_color_flag_and_env_turn_it_off_on_a_terminal() {
    for out in [
        on_a_terminal("--no-color", None),
        on_a_terminal("", Some("1")),
    ] {
        assert!(
            !out.contains(ESC),
            "colour despite --no-color/NO_COLOR:\n{out}"
        );
        assert!(out.contains("Plan: 4 to add, 0 to change, 0 to destroy."));
    }
}

#[test]
fn a_pipe_gets_no_colour() {
    // NO_COLOR empty counts as unset: only the pipe keeps colour away here.
    let ran = Test::new()
        .example("salesforce-jwt")
        .env("NO_COLOR", "")
        .args(["plan"])
        .run();
    assert!(!ran.stdout().contains(ESC) && !ran.stderr().contains(ESC));
    let ran = Test::new()
        .file("main.hcl", "secret \"a\" {\n  nmae = \"x\"\n}\n")
        .env("NO_COLOR", "")
        .args(["validate"])
        .status(1)
        .run();
    assert!(!ran.stderr().contains(ESC), "{}", ran.stderr());
}

/// Without colour, control characters in values (a DEL or a NUL that reached an output or an
/// instance key) are dropped like colour codes, in every view: they would act on the reader's
/// terminal.
#[test]
fn control_characters_never_reach_an_uncoloured_terminal() {
    let config = "secret \"s\" {\n  name          = \"appflow/control\"\n  secret_string = \"not a secret\"\n}\n\noutput \"o\" {\n  value = \"ok\\u0008\\u0008FAKE\\u007f\"\n}\n";
    let ran = crate::harness::Test::new()
        .file("main.hcl", config)
        .args(["apply", "--sandbox", "--auto-approve"])
        .run();
    let ran = ran.then().args(["output"]).stdout_contains("FAKE").run();
    for b in ran.output.stdout.iter().chain(&ran.output.stderr) {
        assert!(
            *b == b'\n' || *b == b'\t' || (0x20..0x7f).contains(b) || *b >= 0x80,
            "a control character {b:#04x} reached the output:\n{}",
            ran.stdout()
        );
    }
}
