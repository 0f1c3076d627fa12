//! The `flowform` binary: parses the command line, runs one command, and turns its outcome into
//! an exit code (0 success, 1 error, 2 "the plan has changes" with `--detailed-exitcode`).

#[macro_use]
mod output;
mod args;
mod commands;
mod logging;
mod ui;

use args::{Cli, Command};
use clap::{CommandFactory, FromArgMatches};
use commands::Exit;
use commands::context::Context;
use flowform_parser::{VarArg, VariableInputs};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a plan of thousands of resources is a storm of
/// small allocations (values, strings, maps), and glibc's malloc/free took ~40 % of it. The
/// `system-allocator` feature keeps the system's, for heap profilers that hook malloc
/// (`heaptrack`): `cargo build --release -p flowform-cli --features system-allocator`.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Two of mimalloc's defaults, changed before anything is allocated; `MIMALLOC_ARENA_RESERVE`
/// and `MIMALLOC_PURGE_DELAY` still set them, as they set mimalloc's own. Measured on a no-op
/// plan of 6,667 resources (`scripts/bench-plan`):
///
/// - its first arena (address space, committed as needed) is reserved by the runtime's first
///   allocation, before `main`; with the 1 GiB default the peak resident memory is 10 MiB
///   higher than with any reservation from 32 to 512 MiB, at the same speed. Later arenas grow
///   as mimalloc needs them, so a larger heap is not limited by it.
/// - it gives memory freed in bulk (the configuration's syntax trees once they are converted,
///   the state file's bytes once parsed) back to the OS after `purge_delay` ms, 1000 by
///   default: longer than a plan runs, so its resident memory was the sum of every phase's
///   pages (94 MiB for a 44 MB heap). At 25 ms: 75 MiB, 7 % slower; at 0, 73 MiB and 30 %
///   slower. An apply of 6,667 resources costs 3–5 % more CPU with it.
#[cfg(not(feature = "system-allocator"))]
mod allocator_options {
    use std::ffi::{c_int, c_long};

    /// `mi_option_purge_delay` and `mi_option_arena_reserve` in mimalloc v3's `mi_option_t`
    /// (the e2e test `cli::mimalloc_options_are_set` reads them back by name, so a mimalloc
    /// whose numbering moved fails it instead of quietly setting other options).
    const PURGE_DELAY: c_int = 15;
    const ARENA_RESERVE: c_int = 23;

    unsafe extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
        fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
    }

    /// Whether the environment sets the option (as mimalloc reads it: either case, or its
    /// older name). Asked of the C library: nothing may be allocated yet.
    fn in_environment(names: &[&std::ffi::CStr]) -> bool {
        // SAFETY: `getenv` reads the environment with NUL-terminated names; nothing changes
        // the environment this early in the process.
        names
            .iter()
            .any(|n| !unsafe { getenv(n.as_ptr()) }.is_null())
    }

    extern "C" fn set() {
        // mimalloc may have read the environment already (its own constructor), and setting
        // an option overrides that: so an option the environment sets is left alone.
        // SAFETY: sets two of mimalloc's process-wide options, which take any value (sizes out
        // of bounds are clamped) and are read when memory is reserved or purged.
        if !in_environment(&[c"MIMALLOC_ARENA_RESERVE", c"mimalloc_arena_reserve"]) {
            unsafe { mi_option_set(ARENA_RESERVE, 256 * 1024) }; // KiB
        }
        let purge = [
            c"MIMALLOC_PURGE_DELAY",
            c"mimalloc_purge_delay",
            c"MIMALLOC_RESET_DELAY",
            c"mimalloc_reset_delay",
        ];
        if !in_environment(&purge) {
            unsafe { mi_option_set(PURGE_DELAY, 25) }; // ms
        }
    }

    /// Runs before `main`, and so before the runtime's first allocation reserves an arena.
    #[used]
    #[unsafe(link_section = ".init_array")]
    static SET: extern "C" fn() = set;
}

fn main() -> ExitCode {
    let argv = args::normalize(std::env::args());
    let matches = match Cli::command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(1);
        }
    };
    let ctx = Context {
        dir: cli.dir.clone(),
        dir_given: matches.value_source("dir") == Some(clap::parser::ValueSource::CommandLine),
        state_override: cli.state.clone(),
        backend_config: cli.backend_config.clone(),
        workspace: commands::workspace::selected(&cli.dir),
        sandbox: uses_sandbox(&matches),
        ui: ui::Ui::new(cli.no_color),
        // `init` and the workspace commands make, find and select workspaces; validate, fmt
        // and the sandbox never touch a state.
        workspace_must_exist: !matches!(
            cli.command,
            Command::Init(_)
                | Command::Workspace(_)
                | Command::Validate(_)
                | Command::Fmt(_)
                | Command::Sandbox(_)
        ),
    };
    output::init(ctx.ui);
    if let Err(message) = logging::init(cli.log_file.as_deref(), ctx.ui.color_stderr) {
        commands::context::error(&message);
        return ExitCode::from(1);
    }
    // The command's name only: its arguments may hold a secret (-var client_secret=...).
    tracing::info!(
        command = command_name(&matches),
        dir = %ctx.dir.display(),
        version = commands::context::VERSION,
        "flowform starts"
    );
    let exit = match variable_inputs(&matches).map(|mut inputs| {
        inputs.workspace = ctx.workspace.clone();
        inputs
    }) {
        Err(message) => commands::context::error(&message),
        Ok(inputs) => match &cli.command {
            Command::Validate(a) => commands::validate::run(&ctx, &inputs, a.json),
            Command::Init(a) => commands::init::run(&ctx, a),
            Command::Workspace(c) => commands::workspace::run(&ctx, &c.command),
            Command::Fmt(a) => commands::fmt::run(&ctx, a),
            Command::Plan(a) => commands::plan::run(&ctx, a, &inputs),
            Command::Show(a) => commands::show::run(&ctx, a),
            Command::State(c) => commands::state::run(&ctx, &c.command),
            Command::Graph(a) => commands::graph::run(&ctx, a, &inputs),
            Command::ForceUnlock(a) => commands::force_unlock::run(&ctx, &a.lock_id),
            Command::Apply(a) => commands::apply::run(
                &ctx,
                &commands::apply::Request {
                    planfile: a.planfile.as_deref(),
                    planning: &a.planning,
                    changes: &a.changes,
                    aws: &a.aws,
                    auto_approve: a.auto_approve,
                    destroy: false,
                },
                &inputs,
            ),
            Command::Destroy(a) => commands::apply::run(
                &ctx,
                &commands::apply::Request {
                    planfile: None,
                    planning: &a.planning,
                    changes: &args::ChangeArgs::default(),
                    aws: &a.aws,
                    auto_approve: a.auto_approve,
                    destroy: true,
                },
                &inputs,
            ),
            Command::Import(a) => commands::import::run(&ctx, a, &inputs),
            Command::Output(a) => commands::output::run(&ctx, a),
            Command::Sandbox(args::SandboxCommand::Serve(a)) => commands::sandbox::serve(a),
        },
    };
    tracing::info!(exit = ?exit, "flowform ends");
    match exit {
        Exit::Success => ExitCode::SUCCESS,
        Exit::Error => ExitCode::from(1),
        Exit::Changes => ExitCode::from(2),
        Exit::Code(c) => ExitCode::from(c),
    }
}

/// Whether the command was given `--sandbox` (its s3 backend is then the sandbox's too).
fn uses_sandbox(matches: &clap::ArgMatches) -> bool {
    let mut at = matches;
    while let Some((_, sub)) = at.subcommand() {
        if sub.try_get_one::<bool>("sandbox").ok().flatten().copied() == Some(true) {
            return true;
        }
        at = sub;
    }
    false
}

/// `state rm`, `plan`: the subcommand path, for the log.
fn command_name(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut at = matches;
    while let Some((name, sub)) = at.subcommand() {
        names.push(name);
        at = sub;
    }
    names.join(" ")
}

/// `-var` and `-var-file` in the order given (a later one wins), and `FLOWFORM_VAR_*`. A
/// `-var-file` counts on its own, and one that cannot be read is an error naming it.
fn variable_inputs(matches: &clap::ArgMatches) -> Result<VariableInputs, String> {
    let mut inputs = VariableInputs::from_process_env();
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(inputs);
    };
    let mut ordered: Vec<(usize, VarArg)> = Vec::new();
    // Only planning commands define the arguments: `try_get_many` answers Err for the others,
    // and `indices_of` is asked only once values exist (it panics on an unknown id).
    if let Ok(Some(values)) = sub.try_get_many::<String>("var") {
        let indices = sub.indices_of("var").into_iter().flatten();
        for (v, i) in values.zip(indices) {
            let Some((name, value)) = v.split_once('=') else {
                return Err(format!("-var needs NAME=VALUE, but got \"{v}\"."));
            };
            ordered.push((
                i,
                VarArg::Assign {
                    name: name.trim().to_string(),
                    value: value.to_string(),
                },
            ));
        }
    }
    if let Ok(Some(values)) = sub.try_get_many::<std::path::PathBuf>("var_file") {
        let indices = sub.indices_of("var_file").into_iter().flatten();
        for (path, i) in values.zip(indices) {
            if let Err(e) = std::fs::File::open(path) {
                return Err(format!(
                    "-var-file {}: the file cannot be read: {e}.",
                    path.display()
                ));
            }
            ordered.push((i, VarArg::File(path.clone())));
        }
    }
    ordered.sort_by_key(|(i, _)| *i);
    tracing::debug!(count = ordered.len(), "variables from the command line");
    inputs.args = ordered.into_iter().map(|(_, a)| a).collect();
    Ok(inputs)
}
