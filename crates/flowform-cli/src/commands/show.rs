//! `flowform show`: a saved plan, or what the state records.

use super::Exit;
use super::context::Context;
use crate::args::{Format, ShowArgs};

pub fn run(ctx: &Context, args: &ShowArgs) -> Exit {
    if let Some(path) = &args.planfile {
        return match super::plan::read_planfile(path) {
            Ok(saved) => {
                super::plan::print_plan(&saved.plan, args.format);
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
        out!("{}", flowform_views::state::empty(&backend.location()));
        return Exit::Success;
    };
    match args.format {
        Format::Json => {
            // The state holds no secret (digests stay digests), but never its digest key: with
            // it, a reader could test a guess of a secret against its digest (SPEC §4, §6).
            let mut doc: serde_json::Value =
                serde_json::from_slice(&state.to_json()).unwrap_or_default();
            if let Some(fields) = doc.as_object_mut() {
                fields.remove("digest_key");
            }
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Text | Format::Markdown => {
            for (address, resource) in &state.resources {
                out!("{}", flowform_views::state::resource(address, resource));
            }
            if state.resources.is_empty() {
                outln!("The state holds no resources.");
            }
        }
    }
    Exit::Success
}
