//! `flowform validate`: load the configuration and report every problem, before any AWS call.
//! It needs no values for required variables: those are unknown (known only at plan).

use super::Exit;
use super::context::Context;
use flowform_core::Diagnostics;
use flowform_parser::VariableInputs;

pub fn run(ctx: &Context, inputs: &VariableInputs, json: bool) -> Exit {
    // Required variables without a value are unknown here, as in `terraform validate`: CI can
    // validate without the secrets. plan and apply still refuse to run without them.
    let inputs = VariableInputs {
        missing_are_unknown: true,
        ..inputs.clone()
    };
    let (diagnostics, sources, ok) = match flowform_parser::load(&ctx.dir, &inputs) {
        Ok(config) => {
            let kept = (config.warnings.clone(), config.sources.clone(), true);
            super::leak_at_exit(config);
            kept
        }
        Err(failure) => (failure.diagnostics, failure.sources, false),
    };
    if json {
        let doc = flowform_views::diagnostics::json(&sources, &diagnostics);
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        ctx.print_diagnostics(&sources, &diagnostics);
        if ok {
            outln!(
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
