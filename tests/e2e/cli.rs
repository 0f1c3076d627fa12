//! The command line itself: flags in both spellings, exit codes, help.

use crate::harness::Test;

#[test]
fn single_and_double_dash_flags_both_work() {
    Test::new()
        .example("salesforce-jwt")
        .args(["plan", "-detailed-exitcode", "-refresh=false"])
        .status(2)
        .run();
    Test::new()
        .example("salesforce-jwt")
        .args(["plan", "--detailed-exitcode", "--refresh=false"])
        .status(2)
        .run();
}

#[test]
fn a_bad_flag_is_an_error_with_usage() {
    Test::new()
        .args(["plan", "--no-such-flag"])
        .status(1)
        .stderr_contains("--no-such-flag")
        .run();
}

#[test]
fn a_malformed_var_is_refused() {
    Test::new()
        .example("salesforce-jwt")
        .args(["plan", "-var", "novalue"])
        .status(1)
        .stderr_contains("-var needs NAME=VALUE")
        .run();
}
