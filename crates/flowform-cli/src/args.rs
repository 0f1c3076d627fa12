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

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration: syntax, types, the API's constraints, references.
    Validate(ValidateArgs),
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
#[derive(Debug, Args, Default)]
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
];

/// Rewrites `-var` to `--var`, `-refresh=false` to `--refresh=false`, and so on.
pub fn normalize(args: impl IntoIterator<Item = String>) -> Vec<String> {
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
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
