//! `flowform state list|show|rm|mv`.

use super::Exit;
use super::context::{Context, VERSION, error, fail, state_error};
use crate::args::StateCommand;
use flowform_core::Address;
use std::time::Duration;

pub fn run(ctx: &Context, command: &StateCommand) -> Exit {
    match command {
        StateCommand::List => list(ctx),
        StateCommand::Show { address } => show(ctx, address),
        StateCommand::Rm {
            address,
            lock_timeout,
        } => edit(ctx, *lock_timeout, "state rm", |state| {
            match state.resources.remove(address) {
                Some(_) => Ok(format!(
                    "Removed {address} from the state. It still exists in AWS; flowform no longer manages it."
                )),
                None => Err(format!("{address} is not in the state.")),
            }
        }),
        StateCommand::Mv {
            from,
            to,
            lock_timeout,
        } => {
            let (Ok(f), Ok(t)) = (from.parse::<Address>(), to.parse::<Address>()) else {
                return fail(
                    "Invalid addresses",
                    format!(
                        "state mv takes two resource addresses, such as secret.old secret.new; got {from} and {to}."
                    ),
                );
            };
            if f.kind != t.kind {
                return fail(
                    format!("cannot move {from} to {to}"),
                    "A resource keeps its kind.",
                );
            }
            edit(ctx, *lock_timeout, "state mv", |state| {
                if state.resources.contains_key(to) {
                    return Err(format!("{to} is already in the state."));
                }
                let resource = state
                    .resources
                    .remove(from)
                    .ok_or_else(|| format!("{from} is not in the state."))?;
                state.resources.insert(to.clone(), resource);
                // Other resources' recorded dependencies follow the rename.
                for r in state.resources.values_mut() {
                    if r.dependencies.remove(from) {
                        r.dependencies.insert(to.clone());
                    }
                }
                Ok(format!("Moved {from} to {to}."))
            })
        }
    }
}

fn list(ctx: &Context) -> Exit {
    match ctx.open_state() {
        Ok((_, Some(state))) => {
            for address in state.resources.keys() {
                outln!("{address}");
            }
            Exit::Success
        }
        Ok((_, None)) => Exit::Success,
        Err(e) => e,
    }
}

fn show(ctx: &Context, address: &str) -> Exit {
    match ctx.open_state() {
        Ok((_, Some(state))) => match state.resources.get(address) {
            Some(r) => {
                out!("{}", flowform_views::state::resource(address, r));
                Exit::Success
            }
            None => error(&format!("{address} is not in the state.")),
        },
        Ok((_, None)) => error(&format!(
            "{address} is not in the state: there is no state yet."
        )),
        Err(e) => e,
    }
}

/// Changes the state under its lock, writing it once.
fn edit(
    ctx: &Context,
    timeout: Duration,
    operation: &str,
    change: impl FnOnce(&mut flowform_state::State) -> Result<String, String>,
) -> Exit {
    let (mut backend, _lock, state) = match ctx.lock_state(operation, timeout) {
        Ok(locked) => locked,
        Err(e) => return e,
    };
    let Some(mut state) = state else {
        return error("there is no state yet.");
    };
    let message = match change(&mut state) {
        Ok(m) => m,
        Err(e) => return error(&e),
    };
    state.flowform_version = VERSION.to_string();
    match backend.persist(&state) {
        Ok(_) => {
            outln!("{message}");
            Exit::Success
        }
        Err(e) => state_error(&e),
    }
}
