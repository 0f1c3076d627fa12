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
