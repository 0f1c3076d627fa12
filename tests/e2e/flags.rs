//! Every flag of every command, in every spelling, has the effect its help promises.
//!
//! [`FLAGS`] names, per command and flag, the test that proves it; [`every_flag_has_a_test`]
//! walks clap's definition of the command line (`Cli::command()`, from the binary's own
//! `args.rs`) and fails on any flag the table lacks, so a new flag cannot ship untested. Each
//! proof runs the real binary once per spelling — `-flag`, `--flag`, and for a flag with a
//! value also `-flag=value` and `--flag=value` — and checks what the flag changes, against a
//! run without it where that is not obvious.

#[path = "../../crates/flowform-cli/src/args.rs"]
#[allow(dead_code)]
mod args;

use crate::harness::{Ran, Test};
use crate::s3_backend as s3;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One flag (or positional argument) of one command, and the test that proves its effect.
struct Flag {
    /// The subcommand path (`"state rm"`), empty for flowform itself.
    command: &'static str,
    /// The long name, or for a positional argument its id.
    flag: &'static str,
    proof: fn(),
}

const fn f(command: &'static str, flag: &'static str, proof: fn()) -> Flag {
    Flag {
        command,
        flag,
        proof,
    }
}

/// The commands that read variables (`-var`, `-var-file`).
const WITH_VARIABLES: &[&str] = &["validate", "plan", "apply", "destroy", "graph", "import"];

const FLAGS: &[Flag] = &[
    f("", "dir", chdir_reads_the_configuration_from_dir),
    f(
        "",
        "backend_config",
        s3::s3_on_the_sandbox_lock_race_lost_lock_and_no_secret_in_any_object,
    ),
    f(
        "init",
        "migrate_state",
        s3::s3_migration_from_local_to_s3_and_back_keeps_the_lineage,
    ),
    f(
        "init",
        "force_copy",
        s3::s3_migration_from_local_to_s3_and_back_keeps_the_lineage,
    ),
    f(
        "init",
        "lock_timeout",
        s3::s3_migration_from_local_to_s3_and_back_keeps_the_lineage,
    ),
    f(
        "init",
        "sandbox",
        s3::s3_sandbox_flag_keeps_the_state_in_the_in_process_sandbox,
    ),
    f(
        "force-unlock",
        "sandbox",
        s3::s3_sandbox_flag_keeps_the_state_in_the_in_process_sandbox,
    ),
    f(
        "workspace new",
        "name",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "workspace new",
        "lock_timeout",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "workspace select",
        "name",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "workspace delete",
        "name",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "workspace delete",
        "force",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "workspace delete",
        "lock_timeout",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "state push",
        "file",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "state push",
        "force",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f(
        "state push",
        "lock_timeout",
        s3::s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial,
    ),
    f("", "state", state_names_the_state_file),
    // Also proven for the text plan by color::no_color_flag_and_env_turn_it_off_on_a_terminal.
    f("", "no_color", no_color_keeps_a_terminal_plain),
    f("", "log_file", log_file_receives_the_log),
    f("", "help", help_and_version_answer_for_every_command),
    f("", "version", help_and_version_answer_for_every_command),
    f(
        "validate",
        "json",
        validate_json_prints_the_diagnostics_as_json,
    ),
    f("validate", "var", var_sets_a_variable),
    f("validate", "var_file", var_file_sets_variables),
    f("fmt", "check", fmt_check_changes_nothing_and_exits_3),
    f("fmt", "diff", fmt_diff_shows_the_changes),
    f("plan", "var", var_sets_a_variable),
    f("plan", "var_file", var_file_sets_variables),
    f("plan", "target", target_limits_the_plan),
    f("plan", "refresh", refresh_false_skips_reading_aws),
    f("plan", "lock_timeout", lock_timeout_waits_for_the_lock),
    f("plan", "sandbox", sandbox_runs_against_the_local_endpoint),
    f("plan", "parallelism", parallelism_bounds_the_calls_at_once),
    f("plan", "out", out_saves_the_plan),
    f(
        "plan",
        "detailed_exitcode",
        detailed_exitcode_exits_2_on_changes,
    ),
    f("plan", "destroy", plan_destroy_plans_to_destroy_everything),
    f("plan", "format", format_picks_text_markdown_or_json),
    f("plan", "replace", replace_replaces_the_named_instance),
    f("plan", "refresh_only", refresh_only_records_what_exists),
    f("show", "planfile", show_planfile_shows_the_saved_plan),
    f("show", "format", format_picks_text_markdown_or_json),
    f(
        "state show",
        "address",
        state_subcommands_act_on_their_addresses,
    ),
    f(
        "state rm",
        "address",
        state_subcommands_act_on_their_addresses,
    ),
    f("state rm", "lock_timeout", lock_timeout_waits_for_the_lock),
    f("state mv", "from", state_subcommands_act_on_their_addresses),
    f("state mv", "to", state_subcommands_act_on_their_addresses),
    f("state mv", "lock_timeout", lock_timeout_waits_for_the_lock),
    f("graph", "var", var_sets_a_variable),
    f("graph", "var_file", var_file_sets_variables),
    f("graph", "target", target_limits_the_plan),
    f(
        "force-unlock",
        "lock_id",
        force_unlock_removes_the_named_lock,
    ),
    f(
        "apply",
        "planfile",
        apply_planfile_carries_out_the_saved_plan,
    ),
    f("apply", "var", var_sets_a_variable),
    f("apply", "var_file", var_file_sets_variables),
    f("apply", "target", target_limits_the_plan),
    f("apply", "refresh", refresh_false_skips_reading_aws),
    f("apply", "lock_timeout", lock_timeout_waits_for_the_lock),
    f("apply", "sandbox", sandbox_runs_against_the_local_endpoint),
    f("apply", "parallelism", parallelism_bounds_the_calls_at_once),
    f("apply", "auto_approve", auto_approve_skips_the_question),
    f("apply", "replace", replace_replaces_the_named_instance),
    f("apply", "refresh_only", refresh_only_records_what_exists),
    f("output", "name", output_prints_the_recorded_outputs),
    f("output", "json", output_prints_the_recorded_outputs),
    f("output", "raw", output_prints_the_recorded_outputs),
    f("destroy", "var", var_sets_a_variable),
    f("destroy", "var_file", var_file_sets_variables),
    f("destroy", "target", target_limits_the_plan),
    f("destroy", "refresh", refresh_false_skips_reading_aws),
    f("destroy", "lock_timeout", lock_timeout_waits_for_the_lock),
    f(
        "destroy",
        "sandbox",
        sandbox_runs_against_the_local_endpoint,
    ),
    f(
        "destroy",
        "parallelism",
        parallelism_bounds_the_calls_at_once,
    ),
    f("destroy", "auto_approve", auto_approve_skips_the_question),
    f(
        "import",
        "address",
        import_records_the_object_under_the_address,
    ),
    f("import", "id", import_records_the_object_under_the_address),
    f("import", "var", var_sets_a_variable),
    f("import", "var_file", var_file_sets_variables),
    f("import", "lock_timeout", lock_timeout_waits_for_the_lock),
    f("import", "sandbox", sandbox_runs_against_the_local_endpoint),
    f("sandbox serve", "port", serve_port_and_data),
    f("sandbox serve", "data", serve_port_and_data),
    f(
        "sandbox serve",
        "latency_ms",
        serve_latency_delays_every_answer,
    ),
    f(
        "sandbox serve",
        "throttle_rate",
        serve_fault_rates_fail_requests,
    ),
    f(
        "sandbox serve",
        "error_rate",
        serve_fault_rates_fail_requests,
    ),
    f("sandbox serve", "seed", serve_seed_repeats_the_faults),
    f(
        "sandbox serve",
        "access_key_id",
        serve_credentials_are_required,
    ),
    f(
        "sandbox serve",
        "secret_access_key",
        serve_credentials_are_required,
    ),
    f(
        "sandbox serve",
        "account_id",
        serve_account_id_is_in_the_arns,
    ),
    // Also proven by moto::sandbox_serve_honours_profile_quota.
    f(
        "sandbox serve",
        "profile_quota",
        serve_profile_quota_refuses_one_too_many,
    ),
];

/// The command line as clap completes it (with -h, -V and the globals on every subcommand).
fn built() -> clap::Command {
    use clap::CommandFactory;
    let mut cli = args::Cli::command();
    cli.build();
    cli
}

#[test]
fn every_flag_has_a_test() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            // Globals are flowform's own (proven once); every command's -h is proven by
            // help_and_version_answer_for_every_command.
            let global = arg.is_global_set() && !path.is_empty();
            if global || (id == "help" && !path.is_empty()) {
                continue;
            }
            if !FLAGS.iter().any(|f| f.command == path && f.flag == id) {
                missing.push(format!("{path} {id}").trim().to_string());
            }
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let sub_path = format!("{path} {}", sub.get_name()).trim().to_string();
            walk(sub, &sub_path, missing);
        }
    }
    let mut missing = Vec::new();
    walk(&built(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "flags without a test in FLAGS (tests/e2e/flags.rs): {missing:?}"
    );
    // And the table names nothing that is gone.
    let cli = built();
    for flag in FLAGS {
        let mut cmd = &cli;
        for name in flag.command.split_whitespace() {
            cmd = cmd
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("no command {}", flag.command));
        }
        assert!(
            cmd.get_arguments().any(|a| a.get_id() == flag.flag),
            "FLAGS names {} {}, which does not exist",
            flag.command,
            flag.flag
        );
        let _ = flag.proof;
    }
}

#[test]
fn every_subcommand_takes_variables_only_if_it_reads_them() {
    use clap::CommandFactory;
    let cli = args::Cli::command();
    for sub in cli.get_subcommands() {
        let takes = sub.get_arguments().any(|a| a.get_id() == "var");
        assert_eq!(
            takes,
            WITH_VARIABLES.contains(&sub.get_name()),
            "{}",
            sub.get_name()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Spellings and fixtures

/// `-flag VALUE`, `--flag VALUE`, `-flag=VALUE`, `--flag=VALUE` (or `-flag`, `--flag`).
fn spellings(flag: &str, value: Option<&str>) -> Vec<Vec<String>> {
    match value {
        None => vec![vec![format!("-{flag}")], vec![format!("--{flag}")]],
        Some(v) => vec![
            vec![format!("-{flag}"), v.to_string()],
            vec![format!("--{flag}"), v.to_string()],
            vec![format!("-{flag}={v}")],
            vec![format!("--{flag}={v}")],
        ],
    }
}

/// `args` with the spelled flag put where `{}` stands.
fn with(args: &[&str], spelled: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in args {
        if *a == "{}" {
            out.extend(spelled.iter().cloned());
        } else {
            out.push(a.to_string());
        }
    }
    out
}

/// Two independent KMS keys.
const KEYS: &str =
    "kms_key \"a\" {\n  description = \"a\"\n}\n\nkms_key \"b\" {\n  description = \"b\"\n}\n";

/// A key whose description is a required variable.
const NEEDS_VAR: &str = "variable \"description\" {\n  type = string\n}\n\nkms_key \"a\" {\n  description = var.description\n}\n";

/// Two keys of one block with count.
const COUNTED: &str = "kms_key \"k\" {\n  count       = 2\n  description = \"key ${count.index}\"\n}\n\noutput \"first\" {\n  value = \"key ${length(kms_key.k) - 2}\"\n}\n\noutput \"all\" {\n  value = [for k in kms_key.k : length(k.key_id) > 0]\n}\n\noutput \"hidden\" {\n  value     = kms_key.k[1].key_id\n  sensitive = true\n}\n";

fn counted_applied() -> Ran {
    Test::new()
        .file("main.hcl", COUNTED)
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added")
        .run()
}

fn key_id_of(ran: &Ran, address: &str) -> String {
    ran.state()["resources"][address]["attributes"]["key_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn replace_replaces_the_named_instance() {
    for s in spellings("replace", Some("kms_key.k[1]")) {
        let ran = counted_applied();
        let (k0, k1) = (
            key_id_of(&ran, "kms_key.k[0]"),
            key_id_of(&ran, "kms_key.k[1]"),
        );
        let ran = ran
            .then()
            .args(with(&["plan", "--sandbox", "{}"], &s))
            .stdout_contains("# kms_key.k[1] will be replaced, as requested")
            .stdout_lacks("# kms_key.k[0]")
            .stdout_contains("Plan: 1 to add, 0 to change, 1 to destroy.")
            .run();
        let ran = ran
            .then()
            .args(with(&["apply", "--sandbox", "--auto-approve", "{}"], &s))
            .stdout_contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.")
            .run();
        assert_eq!(key_id_of(&ran, "kms_key.k[0]"), k0, "{s:?}");
        assert_ne!(key_id_of(&ran, "kms_key.k[1]"), k1, "{s:?}");
    }
    // A resource with count needs one of its instances named.
    counted_applied()
        .then()
        .args(["plan", "--sandbox", "--replace", "kms_key.k"])
        .status(1)
        .stderr_contains("--replace kms_key.k: it has count or for_each")
        .run();
}

#[test]
fn replace() {
    replace_replaces_the_named_instance();
}

fn refresh_only_records_what_exists() {
    for s in spellings("refresh-only", None) {
        let ran = keys_gone_from_aws()
            .then()
            .args(with(&["plan", "--sandbox", "{}"], &s))
            .stdout_contains("# kms_key.a has been deleted")
            .stdout_contains("This is a refresh-only plan")
            .stdout_lacks("will be created")
            .run();
        let ran = ran
            .then()
            .args(with(&["apply", "--sandbox", "--auto-approve", "{}"], &s))
            .stdout_lacks("Creating...")
            .run();
        let (_, list) = state_list(ran);
        assert!(list.is_empty(), "{s:?}: {list:?}");
    }
    // Without it, the same plan makes them again.
    keys_gone_from_aws()
        .then()
        .args(["plan", "--sandbox"])
        .stdout_contains("# kms_key.a will be created")
        .run();
}

#[test]
fn refresh_only() {
    refresh_only_records_what_exists();
}

fn output_prints_the_recorded_outputs() {
    let ran = counted_applied();
    let ran = ran
        .then()
        .args(["output"])
        .stdout_contains("first = \"key 0\"")
        .stdout_contains("hidden = (sensitive value)")
        .run();
    let ran = ran
        .then()
        .args(["output", "first"])
        .stdout_contains("\"key 0\"")
        .stdout_lacks("all")
        .run();
    let mut ran = ran;
    for s in spellings("json", None) {
        ran = ran.then().args(with(&["output", "{}"], &s)).run();
        let all: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON");
        assert_eq!(all["all"]["value"], serde_json::json!([true, true]));
        assert_eq!(all["hidden"]["sensitive"], true);
        assert_eq!(all["hidden"]["value"], serde_json::Value::Null);
        ran = ran.then().args(with(&["output", "{}", "all"], &s)).run();
        let one: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON");
        assert_eq!(one, serde_json::json!([true, true]));
    }
    for s in spellings("raw", None) {
        ran = ran.then().args(with(&["output", "{}", "first"], &s)).run();
        assert_eq!(ran.stdout(), "key 0", "{s:?}");
        ran = ran
            .then()
            .args(with(&["output", "{}", "hidden"], &s))
            .status(1)
            .stderr_contains("is sensitive")
            .run();
    }
    ran.then()
        .args(["output", "nosuch"])
        .status(1)
        .stderr_contains("Output \"nosuch\" not found")
        .run();
}

#[test]
fn output() {
    output_prints_the_recorded_outputs();
}

fn keys_applied() -> Ran {
    Test::new()
        .file("main.hcl", KEYS)
        .args(["apply", "--sandbox", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added")
        .run()
}

fn state_list(ran: Ran) -> (Ran, Vec<String>) {
    let listed = ran.then().args(["state", "list"]).run();
    let list = listed.stdout().lines().map(str::to_owned).collect();
    (listed, list)
}

fn description_of(ran: &Ran, address: &str) -> String {
    ran.state()["resources"][address]["attributes"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// flowform's own flags

fn chdir_reads_the_configuration_from_dir() {
    let mut spelled = spellings("chdir", Some("config"));
    spelled.extend([
        vec!["-C".into(), "config".into()],
        vec!["-Cconfig".into()],
        vec!["-C=config".into()],
    ]);
    for s in spelled {
        Test::new()
            .file("main.hcl", KEYS)
            .bare()
            .args(with(&["{}", "plan", "--refresh=false"], &s))
            .stdout_contains("# kms_key.a will be created")
            .run();
    }
    // Without it, the current directory (which has no configuration) is read.
    Test::new()
        .file("main.hcl", KEYS)
        .bare()
        .args(["plan", "--refresh=false"])
        .status(1)
        .stderr_contains("No configuration files")
        .run();
}

#[test]
fn chdir() {
    chdir_reads_the_configuration_from_dir();
}

fn state_names_the_state_file() {
    let mut ran = keys_applied();
    for s in spellings("state", Some("state.json")) {
        ran = ran
            .then()
            .bare()
            .args(with(&["-C", "config", "{}", "state", "list"], &s))
            .stdout_contains("kms_key.a\nkms_key.b")
            .run();
        // Another state file holds nothing.
        ran = ran
            .then()
            .bare()
            .args(["-C", "config", "--state", "other.json", "state", "list"])
            .stdout_lacks("kms_key.a")
            .run();
    }
}

#[test]
fn state() {
    state_names_the_state_file();
}

/// Runs `flowform ARGS plan` on a pseudo-terminal (util-linux `script`); returns its output.
fn plan_on_a_terminal(dir: &std::path::Path, flags: &[String]) -> String {
    let command = format!(
        "{} -C {} --state {} {} plan --refresh=false",
        env!("CARGO_BIN_EXE_flowform"),
        dir.join("config").display(),
        dir.join("state.json").display(),
        flags.join(" ")
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .expect("script (util-linux) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn no_color_keeps_a_terminal_plain() {
    let test = Test::new().file("main.hcl", KEYS);
    let coloured = plan_on_a_terminal(test.dir.path(), &[]);
    assert!(
        coloured.contains("\x1b["),
        "no colour to turn off:\n{coloured}"
    );
    for s in spellings("no-color", None) {
        let plain = plan_on_a_terminal(test.dir.path(), &s);
        assert!(!plain.contains("\x1b["), "{s:?}: colour:\n{plain}");
        assert!(plain.contains("Plan: 2 to add"), "{plain}");
    }
}

#[test]
fn no_color() {
    no_color_keeps_a_terminal_plain();
}

fn log_file_receives_the_log() {
    for s in spellings("log-file", Some("flowform.log")) {
        let ran = Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["{}", "validate"], &s))
            .run();
        // Nothing on stderr: the log went to the file.
        assert_eq!(ran.stderr(), "", "{s:?}");
        let ran = ran.then().args(with(&["{}", "validate"], &s)).run();
        let log = std::fs::read_to_string(ran.path("flowform.log")).expect("the log");
        assert_eq!(
            log.matches("flowform starts").count(),
            2,
            "{s:?}: appended to, once per run:\n{log}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ran.path("flowform.log"))
                .expect("the log")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{s:?}: the log is for its owner only");
        }
    }
}

#[test]
fn log_file() {
    log_file_receives_the_log();
}

fn help_and_version_answer_for_every_command() {
    fn paths(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            paths(sub, format!("{path} {}", sub.get_name()).trim(), out);
        }
    }
    let mut all = Vec::new();
    paths(&built(), "", &mut all);
    for path in all {
        for help in ["-h", "--help"] {
            let mut argv: Vec<&str> = path.split_whitespace().collect();
            argv.push(help);
            Test::new()
                .bare()
                .args(argv)
                .stdout_contains(
                    &format!("Usage: flowform {path}").replace("flowform  ", "flowform "),
                )
                .run();
        }
    }
    for version in ["-V", "--version"] {
        Test::new()
            .bare()
            .args([version])
            .stdout_contains(&format!("flowform {}", env!("CARGO_PKG_VERSION")))
            .run();
    }
}

#[test]
fn help_and_version() {
    help_and_version_answer_for_every_command();
}

// ---------------------------------------------------------------------------------------------
// validate and fmt

fn validate_json_prints_the_diagnostics_as_json() {
    for s in spellings("json", None) {
        let ran = Test::new()
            .file("main.hcl", "secret \"a\" {\n  nmae = \"x\"\n}\n")
            .args(with(&["validate", "{}"], &s))
            .status(1)
            .run();
        let doc: serde_json::Value = serde_json::from_str(&ran.stdout())
            .unwrap_or_else(|e| panic!("{s:?}: not JSON ({e}):\n{}", ran.stdout()));
        assert_eq!(doc["valid"], false, "{doc}");
        let file = doc["diagnostics"][0]["range"]["filename"]
            .as_str()
            .unwrap_or_default();
        assert!(file.ends_with("main.hcl"), "{doc}");
    }
}

#[test]
fn validate_json() {
    validate_json_prints_the_diagnostics_as_json();
}

const UNFORMATTED: &str = "kms_key \"a\" {\n      description = \"a\"\n}\n";

fn fmt_check_changes_nothing_and_exits_3() {
    for s in spellings("check", None) {
        let ran = Test::new()
            .file("main.hcl", UNFORMATTED)
            .args(with(&["fmt", "{}"], &s))
            .status(3)
            .stdout_contains("main.hcl")
            .run();
        let text = std::fs::read_to_string(ran.path("config/main.hcl")).expect("main.hcl");
        assert_eq!(text, UNFORMATTED, "{s:?} changed the file");
    }
    let ran = Test::new()
        .file("main.hcl", UNFORMATTED)
        .args(["fmt"])
        .run();
    let text = std::fs::read_to_string(ran.path("config/main.hcl")).expect("main.hcl");
    assert_ne!(text, UNFORMATTED, "fmt without --check formats");
}

#[test]
fn fmt_check() {
    fmt_check_changes_nothing_and_exits_3();
}

fn fmt_diff_shows_the_changes() {
    for s in spellings("diff", None) {
        Test::new()
            .file("main.hcl", UNFORMATTED)
            .args(with(&["fmt", "{}"], &s))
            .stdout_contains("-      description = \"a\"")
            .stdout_contains("+  description = \"a\"")
            .run();
    }
    Test::new()
        .file("main.hcl", UNFORMATTED)
        .args(["fmt"])
        .stdout_lacks("+  description")
        .run();
}

#[test]
fn fmt_diff() {
    fmt_diff_shows_the_changes();
}

// ---------------------------------------------------------------------------------------------
// Variables

/// Runs `command` of [`WITH_VARIABLES`] on [`NEEDS_VAR`] with `extra` arguments (the
/// variable), and checks that the description reached what the command made; `prepare` lets a
/// test add files. Returns nothing: every check is inside.
fn run_with_variable(command: &str, extra: &[String], prepare: &dyn Fn(&Test), expected: &str) {
    let test = Test::new().file("main.hcl", NEEDS_VAR);
    prepare(&test);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let args = |base: &[&str]| -> Vec<String> {
        base.iter()
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect()
    };
    match command {
        "validate" => {
            test.args(args(&["validate"]))
                .stdout_contains("Success!")
                .run();
        }
        "plan" => {
            test.args(args(&["plan"]))
                .stdout_contains(&format!("= \"{expected}\""))
                .run();
        }
        "graph" => {
            test.args(args(&["graph"]))
                .stdout_contains("kms_key.a")
                .run();
        }
        "apply" => {
            let ran = test
                .args(args(&["apply", "--sandbox", "--auto-approve"]))
                .run();
            assert_eq!(description_of(&ran, "kms_key.a"), expected);
        }
        "destroy" => {
            let ran = test
                .args(args(&["apply", "--sandbox", "--auto-approve"]))
                .run();
            ran.then()
                .args(args(&["destroy", "--sandbox", "--auto-approve"]))
                .stdout_contains("Destroy complete! Resources: 1 destroyed.")
                .run();
        }
        "import" => {
            let ran = test
                .args(args(&["apply", "--sandbox", "--auto-approve"]))
                .run();
            let arn = ran.state()["resources"]["kms_key.a"]["id"]
                .as_str()
                .expect("the key's id")
                .to_owned();
            let ran = ran.then().args(["state", "rm", "kms_key.a"]).run();
            let ran = ran
                .then()
                .args(args(&["import", "kms_key.a", &arn, "--sandbox"]))
                .stdout_contains("Import successful!")
                .run();
            assert_eq!(description_of(&ran, "kms_key.a"), expected);
        }
        other => panic!("no variable test for {other}"),
    }
}

/// Without a value for the required variable, every command that reads variables fails so,
/// except validate, which takes it as unknown (as `terraform validate` does).
fn fails_without_the_variable(command: &str) {
    if command == "validate" {
        Test::new()
            .file("main.hcl", NEEDS_VAR)
            .args(["validate"])
            .stdout_contains("Success! The configuration is valid.")
            .run();
        return;
    }
    let args: &[&str] = match command {
        "import" => &["import", "kms_key.a", "x", "--sandbox"],
        "apply" | "destroy" => &[command, "--sandbox", "--auto-approve"],
        _ => &[command],
    };
    Test::new()
        .file("main.hcl", NEEDS_VAR)
        .args(args.iter().copied())
        .status(1)
        .stderr_contains("No value for required variable")
        .run();
}

fn var_sets_a_variable() {
    for command in WITH_VARIABLES {
        fails_without_the_variable(command);
        for s in spellings("var", Some("description=from -var")) {
            run_with_variable(command, &s, &|_| {}, "from -var");
        }
    }
}

#[test]
fn var() {
    var_sets_a_variable();
}

fn write_var_file(test: &Test, name: &str, value: &str) {
    std::fs::write(
        test.dir.path().join(name),
        format!("description = \"{value}\"\n"),
    )
    .expect("var file");
}

fn var_file_sets_variables() {
    for command in WITH_VARIABLES {
        for s in spellings("var-file", Some("desc.vars")) {
            run_with_variable(
                command,
                &s,
                &|t| write_var_file(t, "desc.vars", "from a file"),
                "from a file",
            );
        }
    }
}

#[test]
fn var_file() {
    var_file_sets_variables();
}

#[test]
fn a_var_file_counts_alone_and_the_later_of_var_and_var_file_wins() {
    let prepare = |t: &Test| write_var_file(t, "desc.vars", "from a file");
    // Alone (it was ignored unless a -var came with it).
    let test = Test::new().file("main.hcl", NEEDS_VAR);
    prepare(&test);
    test.args(["plan", "-var-file", "desc.vars"])
        .stdout_contains("= \"from a file\"")
        .run();
    for (args, expected) in [
        (
            &["-var-file", "desc.vars", "-var", "description=later"][..],
            "later",
        ),
        (
            &["-var", "description=earlier", "-var-file", "desc.vars"][..],
            "from a file",
        ),
    ] {
        let test = Test::new().file("main.hcl", NEEDS_VAR);
        prepare(&test);
        test.args(["plan"].iter().chain(args).copied())
            .stdout_contains(&format!("= \"{expected}\""))
            .run();
    }
}

#[test]
fn a_missing_var_file_is_an_error_naming_it() {
    Test::new()
        .file("main.hcl", NEEDS_VAR)
        .args(["plan", "-var-file", "missing.vars", "-var", "description=x"])
        .status(1)
        .stderr_contains("missing.vars")
        .stderr_contains("cannot be read")
        .run();
    Test::new()
        .file("main.hcl", NEEDS_VAR)
        .args(["validate", "-var-file=missing.vars"])
        .status(1)
        .stderr_contains("missing.vars")
        .run();
}

/// The README's form: `flowform -C DIR -var x=1 plan`, in order with those after the command.
#[test]
fn variables_before_the_subcommand_work_and_keep_their_order() {
    let test = Test::new().file("main.hcl", NEEDS_VAR);
    write_var_file(&test, "desc.vars", "from a file");
    let ran = test
        .bare()
        .args(["-C", "config", "-var", "description=before", "plan"])
        .stdout_contains("= \"before\"")
        .run();
    let ran = ran
        .then()
        .bare()
        .args([
            "-C",
            "config",
            "-var",
            "description=before",
            "--var-file=desc.vars",
            "plan",
        ])
        .stdout_contains("= \"from a file\"")
        .run();
    let ran = ran
        .then()
        .bare()
        .args([
            "-C",
            "config",
            "-var-file",
            "desc.vars",
            "plan",
            "-var",
            "description=after",
        ])
        .stdout_contains("= \"after\"")
        .run();
    // A command that reads no variables refuses them instead of ignoring them.
    ran.then()
        .args(["-var", "description=x", "show"])
        .status(1)
        .stderr_contains("--var")
        .run();
}

// ---------------------------------------------------------------------------------------------
// Planning

fn target_limits_the_plan() {
    for s in spellings("target", Some("kms_key.a")) {
        Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["plan", "{}"], &s))
            .stdout_contains("# kms_key.a will be created")
            .stdout_lacks("kms_key.b")
            .run();
        let graph = Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["graph", "{}"], &s))
            .stdout_contains("kms_key.a")
            .run();
        assert!(
            !graph.stdout().contains("kms_key.b"),
            "{s:?}:\n{}",
            graph.stdout()
        );
        let applied = Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["apply", "--sandbox", "--auto-approve", "{}"], &s))
            .run();
        let (_, list) = state_list(applied);
        assert_eq!(list, ["kms_key.a"], "apply {s:?}");
        let destroyed = keys_applied()
            .then()
            .args(with(&["destroy", "--sandbox", "--auto-approve", "{}"], &s))
            .run();
        let (_, list) = state_list(destroyed);
        assert_eq!(list, ["kms_key.b"], "destroy {s:?}");
    }
}

#[test]
fn target() {
    target_limits_the_plan();
}

/// The keys applied, then forgotten by AWS (the sandbox's data removed): only a refresh sees
/// that they are gone.
fn keys_gone_from_aws() -> Ran {
    let ran = keys_applied();
    std::fs::remove_file(ran.path("state.sandbox.json")).expect("sandbox data");
    ran
}

fn refresh_false_skips_reading_aws() {
    let mut off = Vec::new();
    for flag in ["-refresh", "--refresh"] {
        off.push(vec![format!("{flag}=false")]);
        off.push(vec![flag.to_string(), "false".to_string()]);
    }
    for s in &off {
        keys_gone_from_aws()
            .then()
            .args(with(&["plan", "--sandbox", "{}"], s))
            .stdout_contains("No changes.")
            .run();
        keys_gone_from_aws()
            .then()
            .args(with(&["apply", "--sandbox", "--auto-approve", "{}"], s))
            .stdout_contains("No changes.")
            .run();
        keys_gone_from_aws()
            .then()
            .args(with(&["destroy", "--sandbox", "--auto-approve", "{}"], s))
            .stdout_contains("Plan: 0 to add, 0 to change, 2 to destroy.")
            .run();
    }
    // On (the default, or said explicitly), the refresh finds them gone.
    for s in [
        vec![],
        vec!["-refresh".to_string()],
        vec!["--refresh=true".to_string()],
    ] {
        keys_gone_from_aws()
            .then()
            .args(with(&["plan", "--sandbox", "{}"], &s))
            .stdout_contains("Plan: 2 to add")
            .run();
        keys_gone_from_aws()
            .then()
            .args(with(&["apply", "--sandbox", "--auto-approve", "{}"], &s))
            .stdout_contains("Apply complete! Resources: 2 added")
            .run();
        keys_gone_from_aws()
            .then()
            .args(with(&["destroy", "--sandbox", "--auto-approve", "{}"], &s))
            .stdout_lacks("2 to destroy")
            .run();
    }
}

#[test]
fn refresh() {
    refresh_false_skips_reading_aws();
}

/// Holds the state's lock (as another flowform would) for `hold`, from another thread.
fn hold_lock(dir: &std::path::Path, hold: Duration) -> std::thread::JoinHandle<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("state.json.lock"))
        .expect("lock file");
    file.lock().expect("the lock");
    std::thread::spawn(move || {
        std::thread::sleep(hold);
        file.unlock().expect("unlock");
    })
}

/// Makes the directory a command runs in.
type Prepare = fn() -> Test;

fn lock_timeout_waits_for_the_lock() {
    let hold = Duration::from_millis(400);
    // Each command: its arguments, and how to prepare the directory.
    let commands: Vec<(&[&str], Prepare)> = vec![
        // plan takes the lock too (SPEC §6), whether or not it writes a new state for -out.
        (&["plan", "--sandbox", "-out", "tfplan"], || {
            Test::new().file("main.hcl", KEYS)
        }),
        (&["apply", "--sandbox", "--auto-approve"], || {
            Test::new().file("main.hcl", KEYS)
        }),
        (&["destroy", "--sandbox", "--auto-approve"], || {
            keys_applied().then()
        }),
        (&["state", "rm", "kms_key.a"], || keys_applied().then()),
        (&["state", "mv", "kms_key.a", "kms_key.c"], || {
            keys_applied().then()
        }),
        (&["import", "kms_key.a", "no-such-key", "--sandbox"], || {
            Test::new().file("main.hcl", KEYS)
        }),
    ];
    for (args, prepare) in &commands {
        // Without it, a held lock fails at once.
        let test = prepare();
        let holder = hold_lock(test.dir.path(), hold);
        test.args(args.iter().copied())
            .status(1)
            .stderr_contains("lock")
            .run();
        holder.join().expect("holder");
        for s in spellings("lock-timeout", Some("20s")) {
            let test = prepare();
            let holder = hold_lock(test.dir.path(), hold);
            let started = Instant::now();
            let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            all.extend(s.iter().cloned());
            let expect = if args[0] == "import" { 1 } else { 0 };
            let ran = test.args(all).status(expect).run();
            assert!(
                started.elapsed() >= hold / 2,
                "{args:?} {s:?} did not wait for the lock"
            );
            if expect == 1 {
                // import got the lock, then looked the object up: its failure is AWS's.
                assert!(!ran.stderr().contains("lock"), "{}", ran.stderr());
                assert!(ran.stderr().contains("import failed"), "{}", ran.stderr());
            }
            holder.join().expect("holder");
        }
    }
}

#[test]
fn lock_timeout() {
    lock_timeout_waits_for_the_lock();
}

/// Points AWS (without `--sandbox`) at a port where nothing listens.
fn nowhere(test: Test) -> Test {
    test.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
}

fn sandbox_runs_against_the_local_endpoint() {
    for s in spellings("sandbox", None) {
        let ran = nowhere(Test::new().file("main.hcl", KEYS))
            .args(with(&["apply", "{}", "--auto-approve"], &s))
            .stdout_contains("Apply complete! Resources: 2 added")
            .run();
        let data = std::fs::read_to_string(ran.path("state.sandbox.json")).expect("sandbox data");
        let id = ran.state()["resources"]["kms_key.a"]["attributes"]["key_id"]
            .as_str()
            .expect("key id")
            .to_owned();
        assert!(data.contains(&id), "{s:?}: the key is not in the sandbox");
        let ran = nowhere(ran.then())
            .args(with(&["plan", "{}"], &s))
            .stdout_contains("No changes.")
            .run();
        // Without it, the same plan goes to "AWS" (nowhere here) to refresh, and fails.
        let ran = nowhere(ran.then()).args(["plan"]).status(1).run();
        let arn = ran.state()["resources"]["kms_key.a"]["id"]
            .as_str()
            .expect("arn")
            .to_owned();
        let ran = ran.then().args(["state", "rm", "kms_key.a"]).run();
        let ran = nowhere(ran.then())
            .args(with(&["import", "kms_key.a", &arn, "{}"], &s))
            .stdout_contains("Import successful!")
            .run();
        nowhere(ran.then())
            .args(with(&["destroy", "{}", "--auto-approve"], &s))
            .stdout_contains("Destroy complete! Resources: 2 destroyed.")
            .run();
    }
}

#[test]
fn sandbox() {
    sandbox_runs_against_the_local_endpoint();
}

/// `sandbox serve` on a free port with `extra` arguments; killed when dropped.
struct Serve {
    child: Child,
    endpoint: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[String]) -> Serve {
    let mut args: Vec<String> = vec!["sandbox".into(), "serve".into()];
    if !extra.iter().any(|a| a.contains("-port")) {
        args.extend(["--port".into(), "0".into()]);
    }
    args.extend(extra.iter().cloned());
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowform"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sandbox serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.split_whitespace().next().unwrap_or_default().to_owned());
            }
        }
    });
    let endpoint = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("sandbox serve {args:?} did not start"));
    Serve { child, endpoint }
}

/// flowform pointed at `serve` as at AWS, with these credentials.
fn against(test: Test, serve: &Serve, key: &str, secret: &str) -> Test {
    test.env("AWS_ENDPOINT_URL", &serve.endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
}

/// `n` independent keys, with retries off so that an injected fault shows at once.
fn keys_without_retries(n: usize) -> String {
    let mut text = String::from("provider \"aws\" {\n  max_retries = 0\n}\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "kms_key \"k{i}\" {{\n  description = \"k{i}\"\n}}\n\n"
        ));
    }
    text
}

fn parallelism_bounds_the_calls_at_once() {
    let aws = serve(&["--latency-ms".into(), "100".into()]);
    // Progress lines that started before the first change finished.
    let started_before_any_finished = |out: &str| {
        out.lines()
            .take_while(|l| !l.contains("complete"))
            .filter(|l| l.contains(": Creating...") || l.contains(": Destroying..."))
            .count()
    };
    for s in spellings("parallelism", Some("1")) {
        let ran = against(
            Test::new().file("main.hcl", &keys_without_retries(4)),
            &aws,
            "test",
            "test",
        )
        .args(with(&["apply", "--auto-approve", "{}"], &s))
        .run();
        let progress = ran.stdout();
        assert_eq!(
            started_before_any_finished(&progress),
            1,
            "{s:?}:\n{progress}"
        );
        let started = Instant::now();
        let ran = against(ran.then(), &aws, "test", "test")
            .args(with(&["plan", "{}"], &s))
            .run();
        let serial = started.elapsed();
        assert!(
            serial >= Duration::from_millis(400),
            "{s:?}: 4 reads at once? {serial:?}"
        );
        let ran = against(ran.then(), &aws, "test", "test")
            .args(with(
                &["destroy", "--auto-approve", "--refresh=false", "{}"],
                &s,
            ))
            .run();
        let progress = ran.stdout();
        assert_eq!(
            started_before_any_finished(&progress),
            1,
            "{s:?}:\n{progress}"
        );
    }
    // With room for all four, all four start before any finishes.
    let ran = against(
        Test::new().file("main.hcl", &keys_without_retries(4)),
        &aws,
        "test",
        "test",
    )
    .args(["apply", "--auto-approve", "--parallelism=4"])
    .run();
    let progress = ran.stdout();
    assert_eq!(started_before_any_finished(&progress), 4, "{progress}");
}

#[test]
fn parallelism() {
    parallelism_bounds_the_calls_at_once();
}

fn out_saves_the_plan() {
    for s in spellings("out", Some("saved.plan")) {
        let ran = Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["plan", "--sandbox", "{}"], &s))
            .run();
        assert!(ran.path("saved.plan").exists(), "{s:?}: no plan file");
        ran.then()
            .args(["show", "saved.plan"])
            .stdout_contains("# kms_key.a will be created")
            .run();
    }
}

#[test]
fn out() {
    out_saves_the_plan();
}

fn detailed_exitcode_exits_2_on_changes() {
    for s in spellings("detailed-exitcode", None) {
        let ran = Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["plan", "{}"], &s))
            .status(2)
            .run();
        ran.then().args(["plan"]).status(0).run();
        keys_applied()
            .then()
            .args(with(&["plan", "--sandbox", "{}"], &s))
            .status(0)
            .stdout_contains("No changes.")
            .run();
    }
}

#[test]
fn detailed_exitcode() {
    detailed_exitcode_exits_2_on_changes();
}

fn plan_destroy_plans_to_destroy_everything() {
    let mut ran = keys_applied();
    for s in spellings("destroy", None) {
        ran = ran
            .then()
            .args(with(&["plan", "--sandbox", "{}"], &s))
            .stdout_contains("# kms_key.a will be destroyed")
            .stdout_contains("Plan: 0 to add, 0 to change, 2 to destroy.")
            .run();
    }
    ran.then()
        .args(["plan", "--sandbox"])
        .stdout_contains("No changes.")
        .run();
}

#[test]
fn plan_destroy() {
    plan_destroy_plans_to_destroy_everything();
}

/// What each format looks like, for `plan` and `show PLANFILE`.
fn check_format(format: &str, out: &str, context: &str) {
    match format {
        "text" => assert!(
            out.contains("# kms_key.a will be created"),
            "{context}:\n{out}"
        ),
        "markdown" => assert!(out.contains("<details>"), "{context}:\n{out}"),
        _ => {
            let doc: serde_json::Value = serde_json::from_str(out)
                .unwrap_or_else(|e| panic!("{context}: not JSON ({e}):\n{out}"));
            assert_eq!(
                doc["resource_changes"][0]["change"]["actions"][0], "create",
                "{doc}"
            );
        }
    }
}

fn format_picks_text_markdown_or_json() {
    let saved = Test::new()
        .file("main.hcl", KEYS)
        .args(["plan", "--sandbox", "-out", "tfplan"])
        .run();
    let mut ran = saved;
    for format in ["text", "markdown", "json"] {
        for s in spellings("format", Some(format)) {
            ran = ran.then().args(with(&["plan", "{}"], &s)).run();
            check_format(format, &ran.stdout(), &format!("plan {s:?}"));
            ran = ran.then().args(with(&["show", "tfplan", "{}"], &s)).run();
            check_format(format, &ran.stdout(), &format!("show tfplan {s:?}"));
        }
    }
    // The state, shown as JSON, is the state document.
    let mut ran = keys_applied();
    for s in spellings("format", Some("json")) {
        ran = ran.then().args(with(&["show", "{}"], &s)).run();
        let doc: serde_json::Value = serde_json::from_str(&ran.stdout()).expect("JSON");
        assert!(doc["resources"]["kms_key.a"].is_object(), "{doc}");
    }
}

#[test]
fn format() {
    format_picks_text_markdown_or_json();
}

fn show_planfile_shows_the_saved_plan() {
    let ran = Test::new()
        .file("main.hcl", KEYS)
        .args(["plan", "--sandbox", "-out", "tfplan"])
        .run();
    let ran = ran
        .then()
        .args(["show", "tfplan"])
        .stdout_contains("# kms_key.a will be created")
        .run();
    // Without it, the state (empty: the plan was never applied).
    ran.then().args(["show"]).stdout_lacks("kms_key.a").run();
}

#[test]
fn show_planfile() {
    show_planfile_shows_the_saved_plan();
}

fn apply_planfile_carries_out_the_saved_plan() {
    let ran = Test::new()
        .file("main.hcl", KEYS)
        .args([
            "plan",
            "--sandbox",
            "--target",
            "kms_key.a",
            "-out",
            "tfplan",
        ])
        .run();
    let ran = ran
        .then()
        .args(["apply", "--sandbox", "tfplan"])
        .stdout_contains("Apply complete! Resources: 1 added")
        .run();
    // Exactly the saved plan (only kms_key.a), not a new one of the whole configuration.
    let (_, list) = state_list(ran);
    assert_eq!(list, ["kms_key.a"]);
}

#[test]
fn apply_planfile() {
    apply_planfile_carries_out_the_saved_plan();
}

fn auto_approve_skips_the_question() {
    for s in spellings("auto-approve", None) {
        let ran = Test::new()
            .file("main.hcl", KEYS)
            .args(with(&["apply", "--sandbox", "{}"], &s))
            .stdout_contains("Apply complete! Resources: 2 added")
            .run();
        ran.then()
            .args(with(&["destroy", "--sandbox", "{}"], &s))
            .stdout_contains("Destroy complete! Resources: 2 destroyed.")
            .run();
    }
    // Without it, and without a terminal to ask on, nothing is done.
    let ran = Test::new()
        .file("main.hcl", KEYS)
        .args(["apply", "--sandbox"])
        .status(1)
        .stderr_contains("--auto-approve")
        .run();
    assert!(!ran.path("state.json").exists());
    keys_applied()
        .then()
        .args(["destroy", "--sandbox"])
        .status(1)
        .stderr_contains("--auto-approve")
        .run();
}

#[test]
fn auto_approve() {
    auto_approve_skips_the_question();
}

// ---------------------------------------------------------------------------------------------
// state, import, force-unlock

fn state_subcommands_act_on_their_addresses() {
    let ran = keys_applied()
        .then()
        .args(["state", "show", "kms_key.b"])
        .stdout_contains("# kms_key.b:")
        .stdout_contains("description")
        .run();
    assert!(!ran.stdout().contains("kms_key.a"), "{}", ran.stdout());
    let ran = ran
        .then()
        .args(["state", "mv", "kms_key.a", "kms_key.c"])
        .run();
    let (ran, list) = state_list(ran);
    assert_eq!(list, ["kms_key.b", "kms_key.c"]);
    let ran = ran.then().args(["state", "rm", "kms_key.b"]).run();
    let (_, list) = state_list(ran);
    assert_eq!(list, ["kms_key.c"]);
}

#[test]
fn state_subcommands() {
    state_subcommands_act_on_their_addresses();
}

fn import_records_the_object_under_the_address() {
    let ran = keys_applied();
    let arn = ran.state()["resources"]["kms_key.a"]["id"]
        .as_str()
        .expect("arn")
        .to_owned();
    let ran = ran.then().args(["state", "rm", "kms_key.a"]).run();
    let ran = ran.then().args(["state", "rm", "kms_key.b"]).run();
    // Key a's object, recorded as kms_key.b (the address decides where, the id what).
    let ran = ran
        .then()
        .args(["import", "kms_key.b", &arn, "--sandbox"])
        .stdout_contains("Import successful!")
        .run();
    assert_eq!(ran.state()["resources"]["kms_key.b"]["id"], arn.as_str());
    assert_eq!(description_of(&ran, "kms_key.b"), "a");
}

#[test]
fn import() {
    import_records_the_object_under_the_address();
}

fn force_unlock_removes_the_named_lock() {
    let ran = keys_applied();
    let info = ran.path("state.json.lock.info");
    std::fs::write(
        &info,
        r#"{"ID":"11111111-2222-3333-4444-555555555555","Operation":"apply","Info":"","Who":"gone@nowhere","Version":"0.1.0","Created":"2026-11-23T15:04:05Z","Path":"state.json"}"#,
    )
    .expect("lock record");
    let ran = ran
        .then()
        .args(["force-unlock", "00000000-0000-0000-0000-000000000000"])
        .status(1)
        .run();
    assert!(info.exists(), "another id removed the record");
    let ran = ran
        .then()
        .args(["force-unlock", "11111111-2222-3333-4444-555555555555"])
        .run();
    assert!(
        !ran.path("state.json.lock.info").exists(),
        "the record is still there"
    );
}

#[test]
fn force_unlock() {
    force_unlock_removes_the_named_lock();
}

// ---------------------------------------------------------------------------------------------
// sandbox serve

fn serve_port_and_data() {
    for (i, s) in spellings("port", Some("PORT")).into_iter().enumerate() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let data_file = tempfile::tempdir().expect("dir");
        let data = data_file.path().join("aws.json");
        let data = data.to_str().expect("utf-8");
        let port_args: Vec<String> = s
            .iter()
            .map(|a| a.replace("PORT", &port.to_string()))
            .collect();
        let data_args = &spellings("data", Some(data))[i];
        let aws = serve(
            &port_args
                .iter()
                .chain(data_args)
                .cloned()
                .collect::<Vec<_>>(),
        );
        assert_eq!(aws.endpoint, format!("http://127.0.0.1:{port}"), "{s:?}");
        let ran = against(Test::new().file("main.hcl", KEYS), &aws, "test", "test")
            .args(["apply", "--auto-approve"])
            .run();
        let id = ran.state()["resources"]["kms_key.a"]["attributes"]["key_id"]
            .as_str()
            .expect("key id")
            .to_owned();
        let saved = std::fs::read_to_string(data).unwrap_or_default();
        assert!(
            saved.contains(&id),
            "{data_args:?}: the data file lacks the key"
        );
    }
}

#[test]
fn serve_port_data() {
    serve_port_and_data();
}

fn serve_latency_delays_every_answer() {
    for s in spellings("latency-ms", Some("300")) {
        let aws = serve(&s);
        let started = Instant::now();
        against(
            Test::new().file("main.hcl", &keys_without_retries(2)),
            &aws,
            "test",
            "test",
        )
        .args(["apply", "--auto-approve", "--parallelism=1"])
        .run();
        // Two keys one after the other: at least two answers, each 300 ms late.
        assert!(
            started.elapsed() >= Duration::from_millis(600),
            "{s:?}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn serve_latency() {
    serve_latency_delays_every_answer();
}

fn serve_fault_rates_fail_requests() {
    for (flag, error) in [
        ("throttle-rate", "ThrottlingException"),
        ("error-rate", "An internal error occurred"),
    ] {
        for s in spellings(flag, Some("1")) {
            let aws = serve(&s);
            against(
                Test::new().file("main.hcl", &keys_without_retries(1)),
                &aws,
                "test",
                "test",
            )
            .args(["apply", "--auto-approve"])
            .status(1)
            .stderr_contains(error)
            .run();
        }
    }
}

#[test]
fn serve_fault_rates() {
    serve_fault_rates_fail_requests();
}

/// Which of 6 keys an apply against a sandbox failing half its requests (seeded) made.
fn made_with_faults(seed: &[String]) -> Vec<String> {
    let mut extra: Vec<String> = vec!["--error-rate".into(), "0.5".into()];
    extra.extend(seed.iter().cloned());
    let aws = serve(&extra);
    let ran = against(
        Test::new().file("main.hcl", &keys_without_retries(6)),
        &aws,
        "test",
        "test",
    )
    .args(["apply", "--auto-approve", "--parallelism", "1"])
    .status(1)
    .run();
    if !ran.path("state.json").exists() {
        return Vec::new();
    }
    let (_, list) = state_list(ran);
    list
}

fn serve_seed_repeats_the_faults() {
    for s in spellings("seed", Some("7")) {
        let first = made_with_faults(&s);
        assert_eq!(
            first,
            made_with_faults(&s),
            "{s:?}: the same seed, other faults"
        );
    }
    let outcomes: std::collections::BTreeSet<Vec<String>> = (1..=4)
        .map(|seed| made_with_faults(&["--seed".into(), seed.to_string()]))
        .collect();
    assert!(outcomes.len() > 1, "the seed changes nothing: {outcomes:?}");
}

#[test]
fn serve_seed() {
    serve_seed_repeats_the_faults();
}

fn serve_credentials_are_required() {
    for (flag, key, secret) in [
        ("access-key-id", "AKIDFLAGS", "test"),
        ("secret-access-key", "test", "flags-secret"),
    ] {
        let value = if flag == "access-key-id" { key } else { secret };
        for s in spellings(flag, Some(value)) {
            let aws = serve(&s);
            against(
                Test::new().file("main.hcl", &keys_without_retries(1)),
                &aws,
                "test",
                "test",
            )
            .args(["apply", "--auto-approve"])
            .status(1)
            .run();
            against(
                Test::new().file("main.hcl", &keys_without_retries(1)),
                &aws,
                key,
                secret,
            )
            .args(["apply", "--auto-approve"])
            .stdout_contains("Apply complete!")
            .run();
        }
    }
}

#[test]
fn serve_credentials() {
    serve_credentials_are_required();
}

fn serve_account_id_is_in_the_arns() {
    for s in spellings("account-id", Some("111122223333")) {
        let aws = serve(&s);
        let ran = against(Test::new().file("main.hcl", KEYS), &aws, "test", "test")
            .args(["apply", "--auto-approve"])
            .run();
        let arn = ran.state()["resources"]["kms_key.a"]["id"].to_string();
        assert!(arn.contains(":111122223333:"), "{s:?}: {arn}");
    }
}

#[test]
fn serve_account_id() {
    serve_account_id_is_in_the_arns();
}

fn serve_profile_quota_refuses_one_too_many() {
    for s in spellings("profile-quota", Some("1")) {
        let aws = serve(&s);
        against(
            Test::new().example("custom-connector"),
            &aws,
            "test",
            "test",
        )
        .args(["apply", "--auto-approve"])
        .status(1)
        .stderr_contains("ServiceQuotaExceededException")
        .run();
    }
}

#[test]
fn serve_profile_quota() {
    serve_profile_quota_refuses_one_too_many();
}

// ---------------------------------------------------------------------------------------------
// The README's examples, as written there (paths made the test's own).

#[test]
fn the_readme_quickstart_runs_as_written() {
    let ran = Test::new()
        .example("salesforce-jwt")
        .bare()
        .args([
            "-C",
            "config",
            "--state",
            "state/quickstart.json",
            "apply",
            "--sandbox",
            "--auto-approve",
        ])
        .stdout_contains("Apply complete! Resources: 4 added")
        .run();
    assert!(ran.path("state/quickstart.sandbox.json").exists());
    let ran = ran
        .then()
        .bare()
        .args([
            "-C",
            "config",
            "--state",
            "state/quickstart.json",
            "plan",
            "--sandbox",
        ])
        .stdout_contains("No changes.")
        .run();
    let ran = ran
        .then()
        .bare()
        .args([
            "-C",
            "config",
            "--state",
            "state/quickstart.json",
            "state",
            "list",
        ])
        .stdout_contains("connector_profile.salesforce")
        .run();
    ran.then()
        .bare()
        .args([
            "-C",
            "config",
            "--state",
            "state/quickstart.json",
            "destroy",
            "--sandbox",
            "--auto-approve",
        ])
        .stdout_contains("Destroy complete! Resources: 4 destroyed.")
        .run();
}

/// "Using real AWS", with a standalone sandbox standing in for AWS.
#[test]
fn the_readme_real_aws_flow_runs_as_written() {
    let aws = serve(&["--account-id".into(), "111122223333".into()]);
    let ran = against(Test::new().example("salesforce-jwt"), &aws, "test", "test")
        .bare()
        .args([
            "-C",
            "config",
            "-var",
            "account_id=111122223333",
            "plan",
            "-out",
            "flowform.plan",
        ])
        .stdout_contains("Plan: 4 to add")
        .run();
    let ran = against(ran.then(), &aws, "test", "test")
        .bare()
        .args([
            "-C",
            "config",
            "-var",
            "account_id=111122223333",
            "apply",
            "flowform.plan",
        ])
        .stdout_contains("Apply complete! Resources: 4 added")
        .run();
    let state = crate::harness::read_json(&ran.path("config/flowform.state.json"));
    let policy = state["resources"]["kms_key_policy.appflow"]["attributes"]["policy"].to_string();
    assert!(
        policy.contains("111122223333"),
        "-var reached the plan: {policy}"
    );
}
