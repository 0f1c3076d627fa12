//! The `flowform` binary: parses the command line, runs one command, and turns its outcome into
//! an exit code (0 success, 1 error, 2 "the plan has changes" with `--detailed-exitcode`).

mod args;
mod commands;
mod ui;

use args::{Cli, Command};
use clap::{CommandFactory, FromArgMatches};
use commands::Exit;
use flowform_parser::VarArg;
use std::process::ExitCode;

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
    let ui = ui::Ui::new(cli.no_color);
    let var_order = var_order(&matches);
    let exit = match &cli.command {
        Command::Validate(a) => match commands::variable_inputs(&a.vars, &var_order) {
            Ok(inputs) => commands::validate::run(&cli.dir, &inputs, a.json, ui),
            Err(e) => fail(&e),
        },
    };
    match exit {
        Exit::Success => ExitCode::SUCCESS,
        Exit::Error => ExitCode::from(1),
    }
}

fn fail(message: &str) -> Exit {
    eprintln!("Error: {message}");
    Exit::Error
}

/// `-var` and `-var-file` values in the order they were given (a later one wins).
fn var_order(matches: &clap::ArgMatches) -> Vec<(usize, VarArg)> {
    let Some((_, sub)) = matches.subcommand() else {
        return Vec::new();
    };
    let mut out: Vec<(usize, VarArg)> = Vec::new();
    if let (Some(values), Some(indices)) = (sub.get_many::<String>("var"), sub.indices_of("var")) {
        for (v, i) in values.zip(indices) {
            let (name, value) = v.split_once('=').unwrap_or((v.as_str(), ""));
            out.push((
                i,
                VarArg::Assign {
                    name: name.to_string(),
                    value: value.to_string(),
                },
            ));
        }
    }
    if let (Some(values), Some(indices)) = (
        sub.get_many::<std::path::PathBuf>("var_file"),
        sub.indices_of("var_file"),
    ) {
        for (v, i) in values.zip(indices) {
            out.push((i, VarArg::File(v.clone())));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}
