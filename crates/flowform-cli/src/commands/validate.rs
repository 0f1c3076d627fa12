//! `flowform validate`: load the configuration and report every problem, before any AWS call.

use super::Exit;
use crate::ui::Ui;
use flowform_core::Diagnostics;
use flowform_parser::VariableInputs;
use std::path::Path;

pub fn run(dir: &Path, inputs: &VariableInputs, json: bool, ui: Ui) -> Exit {
    let (diagnostics, sources, ok) = match flowform_parser::load(dir, inputs) {
        Ok(config) => (config.warnings.clone(), config.sources, true),
        Err(failure) => (failure.diagnostics, failure.sources, false),
    };
    if json {
        let doc = sources.to_json(&diagnostics);
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print_diagnostics(&sources, &diagnostics, ui);
        if ok {
            println!(
                "Success! The configuration is valid{}.",
                warnings_note(&diagnostics)
            );
        }
    }
    if ok { Exit::Success } else { Exit::Error }
}

fn warnings_note(d: &Diagnostics) -> String {
    match d.warning_count() {
        0 => String::new(),
        1 => ", with 1 warning".into(),
        n => format!(", with {n} warnings"),
    }
}

/// Diagnostics go to stderr, as Terraform's do, so stdout stays clean for the plan.
pub fn print_diagnostics(sources: &flowform_core::Sources, diagnostics: &Diagnostics, ui: Ui) {
    if !diagnostics.is_empty() {
        eprint!("{}", sources.render(diagnostics, ui.color));
    }
}
