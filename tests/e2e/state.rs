//! The state commands and the state file's safety through the binary.

use crate::harness::Test;

#[test]
fn a_corrupt_state_is_refused_and_left_untouched() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .run_setup(|dir| std::fs::write(dir.join("state.json"), b"{ not json").unwrap());
    let ran = ran
        .args(["plan"])
        .status(1)
        .stderr_contains("state.json")
        .run();
    assert_eq!(
        std::fs::read(ran.path("state.json")).unwrap(),
        b"{ not json"
    );
}

#[test]
fn a_terraform_state_is_refused() {
    let tfstate = br#"{"version": 4, "terraform_version": "1.9.0", "serial": 1, "lineage": "x", "outputs": {}, "resources": []}"#;
    let ran = Test::new()
        .example("salesforce-jwt")
        .run_setup(|dir| std::fs::write(dir.join("state.json"), tfstate).unwrap());
    let ran = ran
        .args(["state", "list"])
        .status(1)
        .stderr_contains("Terraform")
        .run();
    assert_eq!(std::fs::read(ran.path("state.json")).unwrap(), tfstate);
}

#[test]
fn without_a_state_list_is_empty_and_show_says_so() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .args(["state", "list"])
        .run();
    assert_eq!(ran.stdout(), "");
    ran.then()
        .args(["show"])
        .stdout_contains("nothing has been applied yet")
        .run();
}

#[test]
fn force_unlock_of_an_unknown_lock_fails() {
    Test::new()
        .example("salesforce-jwt")
        .args(["force-unlock", "1234"])
        .status(1)
        .run();
}

trait Setup {
    fn run_setup(self, f: impl FnOnce(&std::path::Path)) -> Self;
}

impl Setup for Test {
    fn run_setup(self, f: impl FnOnce(&std::path::Path)) -> Self {
        f(self.dir.path());
        self
    }
}

/// A selected workspace with no state is refused, as Terraform refuses it ("Currently selected
/// workspace ... does not exist"), by every command that reads or writes a state — rather than
/// planning against an empty state and creating everything again. `init`, `validate` and the
/// workspace commands still work, nothing is made for the missing workspace, and `workspace new`
/// or `workspace select` is the way out. A stale selection file is refused the same way.
#[test]
fn a_selected_workspace_that_does_not_exist_is_refused() {
    const REFUSED: &str = "Currently selected workspace \"nope\" does not exist";
    let in_nope = |t: Test| {
        t.bare()
            .env("FLOWFORM_WORKSPACE", "nope")
            .append_args(["-C", "config"])
    };
    let mut ran = in_nope(Test::new().example("salesforce-jwt"))
        .append_args(["plan", "--refresh=false"])
        .status(1)
        .stderr_contains(REFUSED)
        .stderr_contains("selected by FLOWFORM_WORKSPACE")
        .stderr_contains("flowform workspace new nope")
        .run();
    let refused: [&[&str]; 9] = [
        &["apply", "--auto-approve", "--refresh=false"],
        &["destroy", "--auto-approve", "--refresh=false"],
        &["show"],
        &["state", "list"],
        &["state", "pull"],
        &["output"],
        &["graph"],
        &[
            "import",
            "secret.salesforce_app",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        ],
        &["force-unlock", "1234"],
    ];
    for args in refused {
        ran = in_nope(ran.then())
            .append_args(args.iter().copied())
            .status(1)
            .stderr_contains(REFUSED)
            .run();
    }
    assert!(
        !ran.path("config/flowform.state.d").exists()
            && !ran.path("config/flowform.state.json").exists(),
        "nothing was made for the missing workspace"
    );
    let ran = in_nope(ran.then())
        .append_args(["workspace", "show"])
        .stdout_contains("nope")
        .run();
    let ran = in_nope(ran.then())
        .append_args(["workspace", "list"])
        .stdout_contains("default")
        .run();
    let ran = in_nope(ran.then()).append_args(["validate"]).run();
    let ran = in_nope(ran.then())
        .append_args(["workspace", "new", "nope"])
        .stdout_contains("Created and switched to workspace \"nope\"")
        .run();
    let ran = in_nope(ran.then())
        .append_args(["plan", "--refresh=false"])
        .stdout_contains("to add")
        .run();

    // A selection file naming a workspace that is gone.
    std::fs::write(ran.path("config/.flowform/environment"), "gone\n").unwrap();
    let ran = ran
        .then()
        .bare()
        .args(["-C", "config", "plan", "--refresh=false"])
        .status(1)
        .stderr_contains("Currently selected workspace \"gone\" does not exist")
        .stderr_contains(".flowform/environment")
        .run();
    let ran = ran
        .then()
        .bare()
        .args(["-C", "config", "workspace", "select", "default"])
        .stdout_contains("Switched to workspace \"default\"")
        .run();
    ran.then()
        .bare()
        .args(["-C", "config", "plan", "--refresh=false"])
        .stdout_contains("to add")
        .run();
}
