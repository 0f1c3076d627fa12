//! `flowform show`: a saved plan, or what the state records.

use super::Exit;
use super::context::Context;
use crate::args::{Format, ShowArgs};
use flowform_state::ResourceState;

pub fn run(ctx: &Context, args: &ShowArgs) -> Exit {
    if let Some(path) = &args.planfile {
        return match super::plan::read_planfile(path) {
            Ok(saved) => {
                super::plan::print_plan(&saved.plan, args.format, ctx);
                Exit::Success
            }
            Err(e) => e,
        };
    }
    let (backend, state) = match ctx.open_state() {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(state) = state else {
        outln!(
            "The state is empty: nothing has been applied yet ({}).",
            backend.location()
        );
        return Exit::Success;
    };
    match args.format {
        Format::Json => {
            // The state never holds a secret, so it can be shown as it is (digests stay digests).
            outln!("{}", String::from_utf8_lossy(&state.to_json()));
        }
        Format::Text | Format::Markdown => {
            for (address, resource) in &state.resources {
                out!("{}", resource_text(address, resource));
            }
            if state.resources.is_empty() {
                outln!("The state holds no resources.");
            }
        }
    }
    Exit::Success
}

/// One resource as the state records it, in HCL's shape; secrets as `(sensitive value)`.
pub fn resource_text(address: &str, resource: &ResourceState) -> String {
    let attrs = flowform_state::values::from_state(resource);
    let (kind, label) = address.split_once('.').unwrap_or((address, ""));
    let mut out = format!("# {address}:\nresource \"{kind}\" \"{label}\" {{\n");
    let width = attrs.keys().map(String::len).max().unwrap_or(0).max(2);
    out.push_str(&format!(
        "    {:<width$} = {}\n",
        "id",
        serde_json::Value::String(resource.id.clone())
    ));
    for (k, v) in &attrs {
        out.push_str(&format!(
            "    {k:<width$} = {}\n",
            flowform_planner::render::display(v, 4)
        ));
    }
    out.push_str("}\n\n");
    out
}
