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
    let (_, state) = match ctx.open_state() {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(state) = state else {
        out!("{}", flowform_views::state::empty(&ctx.state_path()));
        return Exit::Success;
    };
    match args.format {
        Format::Json => {
            // The state never holds a secret, so it can be shown as it is (digests stay digests).
            outln!("{}", String::from_utf8_lossy(&state.to_json()));
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
