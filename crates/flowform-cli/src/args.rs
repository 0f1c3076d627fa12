//! The command line, as clap sees it. Kept apart from what the commands do.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Declarative provisioning for Amazon AppFlow connector profiles, the Secrets Manager secrets
/// that hold their credentials, and the KMS key policies that let AppFlow read them.
#[derive(Debug, Parser)]
#[command(name = "flowform", version, about, max_term_width = 100)]
pub struct Cli {
    /// Read the configuration from DIR instead of the current directory.
    #[arg(
        short = 'C',
        long = "chdir",
        global = true,
        value_name = "DIR",
        default_value = "."
    )]
    pub dir: PathBuf,

    /// The state file (default: the backend's path, else DIR/flowform.state.json).
    #[arg(long, global = true, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Never colour the output (colour is also off when NO_COLOR is set or output is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Append the diagnostic log to PATH (created readable by you only) instead of standard
    /// error. Its level is FLOWFORM_LOG, else RUST_LOG, else info; secrets are never logged.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// A setting of the backend block (`bucket=...`, `key=...`, `region=...`), or a file of
    /// `name = "value"` lines; may be repeated, a later one wins.
    #[arg(long = "backend-config", global = true, value_name = "K=V|FILE")]
    pub backend_config: Vec<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that the backend answers, and move the state when the backend changed.
    Init(InitArgs),
    /// Manage workspaces: one state per workspace.
    Workspace(WorkspaceArgs),
    /// Check the configuration: syntax, types, the API's constraints, references.
    Validate(ValidateArgs),
    /// Lay the configuration files out canonically (comments are always kept).
    Fmt(FmtArgs),
    /// Show what apply would change, in the order it would change it.
    Plan(PlanArgs),
    /// Show a saved plan, or (without a file) what the state records.
    Show(ShowArgs),
    /// Inspect and edit the state.
    State(StateArgs),
    /// Print the plan's dependency graph in DOT.
    Graph(GraphArgs),
    /// Release a lock left behind by a process that died.
    ForceUnlock(ForceUnlockArgs),
    /// Make the infrastructure match the configuration (or carry out a saved plan).
    Apply(ApplyArgs),
    /// Destroy everything the state manages.
    Destroy(DestroyArgs),
    /// Bring an existing AWS object under a configured address.
    Import(ImportArgs),
    /// Print the outputs the state recorded at the last apply.
    Output(OutputArgs),
    /// The local AWS-compatible endpoint (AppFlow, Secrets Manager, KMS, STS).
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Copy the state from the backend used before to the one configured now (asks first).
    #[arg(long)]
    pub migrate_state: bool,

    /// Copy the state without asking (for scripts and CI, where there is no terminal to ask
    /// on); implies -migrate-state.
    #[arg(long)]
    pub force_copy: bool,

    /// How long to wait for the state lock.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,

    /// Reach an s3 backend in the in-process sandbox (as plan and apply do with --sandbox).
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Debug, Args)]
pub struct WorkspaceArgs {
    /// Reach an s3 backend in the in-process sandbox.
    #[arg(long, global = true)]
    pub sandbox: bool,

    #[command(subcommand)]
    pub command: WorkspaceCommand,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces; the selected one is marked with *.
    List,
    /// Print the selected workspace.
    Show,
    /// Create a workspace (with an empty state) and select it.
    New {
        name: String,
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
    /// Select a workspace (kept in DIR/.flowform/environment; FLOWFORM_WORKSPACE overrides).
    Select { name: String },
    /// Delete a workspace whose state is empty (--force: forget what it still manages).
    Delete {
        name: String,
        #[arg(long)]
        force: bool,
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
}

/// Where AWS is: the real one, or the built-in sandbox.
#[derive(Debug, Args, Default, Clone)]
pub struct AwsArgs {
    /// Run against a local sandbox instead of AWS; its data is kept next to the state file.
    #[arg(long)]
    pub sandbox: bool,

    /// How many changes (or reads) may run at once.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,

    /// The endpoint a saved plan was made against, which `apply FILE` reaches again (not a
    /// flag: it comes from the plan file).
    #[arg(skip)]
    pub endpoint: Option<String>,

    /// Likewise the region a saved plan was made in.
    #[arg(skip)]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan -out FILE`: carry out exactly that.
    pub planfile: Option<PathBuf>,

    #[command(flatten)]
    pub planning: PlanningArgs,

    #[command(flatten)]
    pub changes: ChangeArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub planning: PlanningArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
}

/// Import reads one object and records it: of the planning flags only the variables (the
/// configuration must load), the lock's timeout and `--sandbox` have an effect, so only those
/// are offered.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The configured address, such as connector_profile.salesforce.
    pub address: String,
    /// The object: a key id or ARN, a secret name or ARN, a key (for its policy), a profile name.
    pub id: String,

    #[command(flatten)]
    pub vars: VarArgs,

    /// How long to wait for the state lock.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,

    /// Run against a local sandbox instead of AWS; its data is kept next to the state file.
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until interrupted, for the AWS CLI, boto3 or the SDKs.
    Serve(SandboxServeArgs),
}

#[derive(Debug, Args)]
pub struct SandboxServeArgs {
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    /// Keep the data in FILE (saved on every change, read back on start).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Delay every answer by N milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// Answer this share of requests (0..1) with ThrottlingException.
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// Answer this share of requests (0..1) with an internal server error.
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    pub error_rate: f64,
    /// Seed for the injected faults, for repeatable runs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The access key id requests must be signed with.
    #[arg(long, default_value = "test")]
    pub access_key_id: String,
    /// The secret access key requests must be signed with.
    #[arg(long, default_value = "test")]
    pub secret_access_key: String,
    /// The account id in ARNs.
    #[arg(long, default_value = "123456789012")]
    pub account_id: String,
    /// Connector profiles allowed per account and region (AWS's default quota; AWS raises it on
    /// request).
    #[arg(long, value_name = "N", default_value_t = flowform_sandbox::DEFAULT_PROFILE_QUOTA)]
    pub profile_quota: usize,
}

/// How to read and plan a configuration: shared by plan, apply and destroy.
#[derive(Debug, Args, Default, Clone)]
pub struct PlanningArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    /// Plan only this resource (and what it depends on). May be repeated.
    #[arg(long = "target", value_name = "ADDR")]
    pub target: Vec<String>,

    /// Read what exists in AWS before planning (--refresh=false skips it).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub refresh: bool,

    /// How long to wait for the state lock.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
}

/// What plan and apply may be asked to do besides following the configuration.
#[derive(Debug, Args, Default, Clone)]
pub struct ChangeArgs {
    /// Replace this resource instance even if nothing about it changed, such as
    /// connector_profile.sf["prod"]. May be repeated.
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,

    /// Only read what exists and record it in the state: change nothing in AWS.
    #[arg(long)]
    pub refresh_only: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub planning: PlanningArgs,

    #[command(flatten)]
    pub changes: ChangeArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Write the plan to FILE, for `apply FILE` (no secret is written).
    #[arg(long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Plan to destroy everything the state holds.
    #[arg(long)]
    pub destroy: bool,

    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file written by `plan -out`; without it, the state.
    pub planfile: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// Reach an s3 backend in the in-process sandbox.
    #[arg(long, global = true)]
    pub sandbox: bool,

    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses in the state.
    List,
    /// Show one resource as the state records it.
    Show { address: String },
    /// Forget a resource (it is not destroyed in AWS).
    Rm {
        address: String,
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
    /// Rename a resource in the state (after renaming its block).
    Mv {
        from: String,
        to: String,
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
    /// Print the state as JSON (never its digest key).
    Pull,
    /// Replace the state with FILE (same lineage and a serial not lower, unless --force).
    Push {
        file: PathBuf,
        /// Replace it even when the lineage differs or the serial is lower.
        #[arg(long)]
        force: bool,
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
}

/// The graph is drawn from the configuration and the state, without reading AWS or taking the
/// lock: of the planning flags only the variables and `--target` change it.
#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    /// Draw only this resource (and what it depends on). May be repeated.
    #[arg(long = "target", value_name = "ADDR")]
    pub target: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print only this output.
    pub name: Option<String>,

    /// Print as JSON (every output with its sensitivity, or the one named).
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,

    /// Print the value of the one named output as it is, without quotes (a string, number or
    /// bool).
    #[arg(long, requires = "name")]
    pub raw: bool,
}

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The lock's ID, as the lock error printed it.
    pub lock_id: String,

    /// Reach an s3 backend in the in-process sandbox.
    #[arg(long)]
    pub sandbox: bool,
}

/// `30s`, `2m`, `500ms`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |i| text.split_at(i));
    let n: f64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration: write 30s, 2m or 500ms"))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "\"{text}\" is not a duration: write 30s, 2m or 500ms"
            ));
        }
    };
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Change nothing; exit 3 when a file is not formatted.
    #[arg(long)]
    pub check: bool,

    /// Show the changes as a diff.
    #[arg(long)]
    pub diff: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub vars: VarArgs,
}

/// `-var` and `-var-file`, whose relative order matters.
#[derive(Debug, Args, Default, Clone)]
pub struct VarArgs {
    /// Set an input variable: NAME=VALUE. May be repeated.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,

    /// Read input variables from a file of NAME = VALUE lines. May be repeated.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
}

/// The long flags that Terraform users type with one dash (`-var`, `-out`): each is rewritten
/// to its two-dash spelling before clap sees it, so both work.
pub const SINGLE_DASH_FLAGS: &[&str] = &[
    "var",
    "var-file",
    "out",
    "state",
    "no-color",
    "json",
    "auto-approve",
    "detailed-exitcode",
    "destroy",
    "refresh",
    "target",
    "format",
    "parallelism",
    "sandbox",
    "lock-timeout",
    "check",
    "diff",
    "chdir",
    "port",
    "data",
    "latency-ms",
    "throttle-rate",
    "error-rate",
    "lock",
    "seed",
    "access-key-id",
    "secret-access-key",
    "account-id",
    "profile-quota",
    "log-file",
    "replace",
    "refresh-only",
    "raw",
    "backend-config",
    "migrate-state",
    "force-copy",
    "force",
];

/// Rewrites `-var` to `--var`, `-refresh=false` to `--refresh=false`, and so on; then moves
/// variables given before the subcommand after it (see [`hoist_variables`]).
pub fn normalize(args: impl IntoIterator<Item = String>) -> Vec<String> {
    hoist_variables(single_dash_to_double(args))
}

fn single_dash_to_double(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest_are_values = false;
    for arg in args {
        if rest_are_values || arg == "--" {
            rest_are_values = true;
            out.push(arg);
            continue;
        }
        let rewritten = arg
            .strip_prefix('-')
            .filter(|s| !s.starts_with('-'))
            .filter(|s| SINGLE_DASH_FLAGS.contains(&s.split('=').next().unwrap_or(s)))
            .map(|s| format!("--{s}"));
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

/// `flowform -C DIR -var x=1 plan`, as Terraform users (and the README) write it: `--var` and
/// `--var-file` before the subcommand are moved to just after its name, in their order and
/// ahead of the subcommand's own, so that a later one still wins. They stay per-command
/// arguments (not clap globals) because clap does not merge a global's values given on both
/// sides of the subcommand, and their relative order is what decides which value wins. A
/// command that takes no variables then refuses them, rather than ignoring them.
fn hoist_variables(args: Vec<String>) -> Vec<String> {
    use clap::CommandFactory;
    let cli = Cli::command();
    let mut with_value: Vec<String> = Vec::new();
    for arg in cli.get_arguments() {
        if arg.get_action().takes_values() {
            with_value.extend(arg.get_long().map(|l| format!("--{l}")));
            with_value.extend(arg.get_short().map(|s| format!("-{s}")));
        }
    }
    let mut before = Vec::new();
    let mut hoisted = Vec::new();
    let mut rest = args.into_iter();
    if let Some(program) = rest.next() {
        before.push(program);
    }
    while let Some(arg) = rest.next() {
        if arg == "--" {
            before.push(arg);
            break;
        }
        if arg == "--var" || arg == "--var-file" {
            hoisted.push(arg);
            hoisted.extend(rest.next());
        } else if arg.starts_with("--var=") || arg.starts_with("--var-file=") {
            hoisted.push(arg);
        } else if arg.starts_with('-') {
            let needs_value = with_value.contains(&arg);
            before.push(arg);
            if needs_value {
                before.extend(rest.next());
            }
        } else {
            // The subcommand.
            before.push(arg);
            break;
        }
    }
    before.extend(hoisted);
    before.extend(rest);
    before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_dash_long_flags_are_rewritten() {
        let args = [
            "flowform",
            "-C",
            "x",
            "plan",
            "-var",
            "a=b",
            "-refresh=false",
            "--var-file",
            "f",
            "-v",
        ]
        .map(String::from);
        assert_eq!(
            normalize(args),
            [
                "flowform",
                "-C",
                "x",
                "plan",
                "--var",
                "a=b",
                "--refresh=false",
                "--var-file",
                "f",
                "-v"
            ]
        );
    }

    #[test]
    fn variables_before_the_subcommand_move_after_it_in_order() {
        let args = [
            "flowform",
            "-C",
            "x",
            "-var",
            "a=1",
            "--state",
            "s",
            "-var-file=f",
            "plan",
            "-var",
            "a=2",
        ]
        .map(String::from);
        assert_eq!(
            normalize(args),
            [
                "flowform",
                "-C",
                "x",
                "--state",
                "s",
                "plan",
                "--var",
                "a=1",
                "--var-file=f",
                "--var",
                "a=2"
            ]
        );
    }

    #[test]
    fn sandbox_serve_takes_a_profile_quota() {
        let quota = |args: &[&str]| match Cli::try_parse_from(args).map(|c| c.command) {
            Ok(Command::Sandbox(SandboxCommand::Serve(s))) => s.profile_quota,
            other => panic!("{other:?}"),
        };
        assert_eq!(quota(&["flowform", "sandbox", "serve"]), 100);
        assert_eq!(
            quota(&["flowform", "sandbox", "serve", "--profile-quota", "1000"]),
            1000
        );
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
