//! `flowform output [NAME] [--json|--raw]`: the outputs the state recorded at the last apply,
//! as Terraform prints them. A sensitive output's value is never recorded, so it is never
//! printed: `(sensitive value)` in text, `null` with `"sensitive": true` in JSON.

use super::Exit;
use super::context::{Context, error};
use crate::args::OutputArgs;
use flowform_core::Value;

pub fn run(ctx: &Context, args: &OutputArgs) -> Exit {
    let (_, state) = match ctx.open_state() {
        Ok(s) => s,
        Err(e) => return e,
    };
    let outputs = state.map(|s| s.outputs).unwrap_or_default();
    let Some(name) = &args.name else {
        if args.json {
            let all: serde_json::Map<String, serde_json::Value> = outputs
                .iter()
                .map(|(n, o)| (n.clone(), json_entry(o)))
                .collect();
            outln!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            return Exit::Success;
        }
        if outputs.is_empty() {
            eprintln!(
                "Warning: No outputs found\n\nThe state has no outputs: either the configuration declares none, or it has not been applied yet."
            );
        }
        for (n, o) in &outputs {
            outln!("{n} = {}", text(o));
        }
        return Exit::Success;
    };
    let Some(o) = outputs.get(name) else {
        return error(&format!(
            "Output \"{name}\" not found: the state has no output of that name. Apply the configuration, or check the name (flowform output lists them)."
        ));
    };
    if args.json {
        outln!(
            "{}",
            o.value()
                .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                .unwrap_or_else(|| "null".into())
        );
    } else if args.raw {
        match o.value() {
            None => {
                return error(&format!(
                    "output \"{name}\" is sensitive: its value is not recorded in the state, so it cannot be printed."
                ));
            }
            Some(serde_json::Value::String(s)) => out!("{s}"),
            Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => out!("{v}"),
            Some(_) => {
                return error(&format!(
                    "--raw prints only strings, numbers and bools; output \"{name}\" is a structure. Use --json."
                ));
            }
        }
    } else {
        outln!("{}", text(o));
    }
    Exit::Success
}

fn text(o: &flowform_state::OutputState) -> String {
    match o.value() {
        Some(v) => flowform_planner::diff::display(&Value::from_json(v.clone()), 0),
        None => "(sensitive value)".into(),
    }
}

fn json_entry(o: &flowform_state::OutputState) -> serde_json::Value {
    serde_json::json!({
        "sensitive": o.is_sensitive(),
        "value": o.value().cloned().unwrap_or(serde_json::Value::Null),
    })
}
