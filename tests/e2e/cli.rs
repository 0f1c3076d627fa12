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

/// The binary sets two of mimalloc's options (`main.rs`, `allocator_options`) by their number
/// in mimalloc's list; reading them back by name means a mimalloc whose numbering moved fails
/// here instead of quietly setting other options.
#[test]
fn mimalloc_options_are_set() {
    Test::new()
        .args(["--version"])
        .env("MIMALLOC_VERBOSE", "1")
        .stderr_contains("option 'arena_reserve': 262144 KiB")
        .stderr_contains("option 'purge_delay': 25")
        .run();
    // mimalloc's variables still set them.
    Test::new()
        .args(["--version"])
        .env("MIMALLOC_VERBOSE", "1")
        .env("MIMALLOC_ARENA_RESERVE", "64MiB")
        .env("MIMALLOC_PURGE_DELAY", "500")
        .stderr_contains("option 'arena_reserve': 65536 KiB")
        .stderr_contains("option 'purge_delay': 500")
        .run();
}
