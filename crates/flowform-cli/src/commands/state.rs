//! `flowform state list|show|rm|mv|pull|push`.

use super::Exit;
use super::context::{Context, VERSION, error, fail, state_error};
use crate::args::StateCommand;
use flowform_core::{Address, Target};
use std::time::Duration;

pub fn run(ctx: &Context, command: &StateCommand) -> Exit {
    match command {
        StateCommand::List => list(ctx),
        StateCommand::Show { address } => show(ctx, address),
        StateCommand::Pull => pull(ctx),
        StateCommand::Push {
            file,
            force,
            lock_timeout,
        } => push(ctx, file, *force, *lock_timeout),
        StateCommand::Rm {
            address,
            lock_timeout,
        } => edit(ctx, *lock_timeout, "state rm", |state| {
            let removed = matching(state, address);
            // A create an interrupted apply left unsettled is forgotten when named exactly:
            // the one way out when its resource has left the configuration (or AWS will never
            // answer the repeated create with proof), after checking AWS by hand. Never by a
            // pattern: one that removes records must not take the proof an apply still needs
            // to recover another instance's object.
            let forgotten = state.pending.remove(address.as_str());
            if removed.is_empty() && forgotten.is_none() {
                return Err(format!("{address} is not in the state."));
            }
            for a in &removed {
                state.resources.remove(a);
            }
            let mut said = Vec::new();
            if !removed.is_empty() {
                said.push(format!(
                    "Removed {} from the state. {} still in AWS; flowform no longer manages {}.",
                    removed.join(", "),
                    if removed.len() == 1 {
                        "It exists"
                    } else {
                        "They exist"
                    },
                    if removed.len() == 1 { "it" } else { "them" },
                ));
            }
            if let Some(p) = forgotten {
                said.push(format!(
                    "Forgot the create of {address} that an apply interrupted at {} had sent. If AWS made that object, it exists there and flowform does not manage it (a secret or KMS key flowform makes is tagged flowform:address = {address}): bring it under flowform with `flowform import {address} ID`, or delete it.",
                    p.started
                ));
            }
            Ok(said.join("\n"))
        }),
        StateCommand::Mv {
            from,
            to,
            lock_timeout,
        } => {
            if let (Ok(Target::Module(f)), Ok(Target::Module(t))) =
                (from.parse::<Target>(), to.parse::<Target>())
            {
                return move_module(ctx, *lock_timeout, f, t);
            }
            let (Ok(f), Ok(t)) = (from.parse::<Address>(), to.parse::<Address>()) else {
                return fail(
                    "Invalid addresses",
                    format!(
                        "state mv takes two resource addresses, such as secret.old secret.new or secret.app[0] secret.app[\"a\"], or two module addresses, such as module.old module.new; got {from} and {to}."
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
                // One instance to another, or (both without a key) every instance of a resource
                // to the same keys of another.
                let moves: Vec<(String, String)> = if state.resources.contains_key(from) {
                    vec![(from.clone(), to.clone())]
                } else if f.key.is_none() && t.key.is_none() {
                    matching(state, from)
                        .into_iter()
                        .filter_map(|a| {
                            let a: Address = a.parse().ok()?;
                            Some((a.to_string(), t.instance(a.key).to_string()))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                if moves.is_empty() {
                    return Err(format!("{from} is not in the state."));
                }
                rename(state, &moves)
            })
        }
    }
}

/// `state mv module.old module.new` (or one instance, `module.conn["b"] module.solo`): every
/// resource in it moves as a `moved` block between the same addresses moves it.
fn move_module(
    ctx: &Context,
    lock_timeout: Duration,
    from: flowform_core::ModulePath,
    to: flowform_core::ModulePath,
) -> Exit {
    let shown = (
        flowform_core::module_path_string(&from),
        flowform_core::module_path_string(&to),
    );
    let depth = to.len();
    let moved = flowform_parser::Moved {
        from: flowform_parser::Endpoint::Module(from),
        to: flowform_parser::Endpoint::Module(to),
        range: None,
    };
    edit(ctx, lock_timeout, "state mv", |state| {
        let mut moves: Vec<(String, String)> = Vec::new();
        let mut destinations = std::collections::BTreeSet::new();
        for k in state.resources.keys() {
            let Some(to) = k.parse().ok().and_then(|a| moved.destination(&a)) else {
                continue;
            };
            destinations.insert(to.module[..depth].to_vec());
            moves.push((k.clone(), to.to_string()));
        }
        if moves.is_empty() {
            return Err(format!("{} holds nothing in the state.", shown.0));
        }
        if moves.iter().all(|(f, t)| f == t) {
            return Err(format!("{} and {} are the same place.", shown.0, shown.1));
        }
        // A module instance moves whole into a place that holds nothing yet, never merges
        // with what is there.
        for k in state.resources.keys() {
            if moves.iter().any(|(f, _)| f == k) {
                continue;
            }
            if let Ok(a) = k.parse::<Address>()
                && a.module.len() >= depth
                && destinations.contains(&a.module[..depth])
            {
                return Err(format!(
                    "{} already holds {k} in the state: move or remove it first.",
                    flowform_core::module_path_string(&a.module[..depth])
                ));
            }
        }
        rename(state, &moves)
    })
}

/// Renames each `(from, to)` record, refusing when a destination is taken; other records'
/// dependencies follow. Returns what to print.
fn rename(state: &mut flowform_state::State, moves: &[(String, String)]) -> Result<String, String> {
    for (_, to) in moves {
        if state.resources.contains_key(to) {
            return Err(format!("{to} is already in the state."));
        }
    }
    for (from, to) in moves {
        if let Some(resource) = state.resources.remove(from) {
            state.resources.insert(to.clone(), resource);
        }
        // Other resources' recorded dependencies follow the rename.
        for r in state.resources.values_mut() {
            if r.dependencies.remove(from) {
                r.dependencies.insert(to.clone());
            }
        }
    }
    Ok(moves
        .iter()
        .map(|(f, t)| format!("Moved {f} to {t}."))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The state's addresses `address` names: itself, (a resource address without a key) every
/// instance of that resource, or (a module address) every resource in that module call or
/// instance.
fn matching(state: &flowform_state::State, address: &str) -> Vec<String> {
    if state.resources.contains_key(address) {
        return vec![address.to_string()];
    }
    let Ok(wanted) = address.parse::<Target>() else {
        return Vec::new();
    };
    state
        .resources
        .keys()
        .filter(|k| k.parse::<Address>().is_ok_and(|a| wanted.selects(&a)))
        .cloned()
        .collect()
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
        Ok((_, Some(state))) => {
            let found = matching(&state, address);
            if found.is_empty() {
                return error(&format!("{address} is not in the state."));
            }
            for a in found {
                out!(
                    "{}",
                    flowform_views::state::resource(&a, &state.resources[&a])
                );
            }
            Exit::Success
        }
        Ok((_, None)) => error(&format!(
            "{address} is not in the state: there is no state yet."
        )),
        Err(e) => e,
    }
}

/// The state as JSON. The document never holds the digest key (it is kept apart), so what is
/// printed is exactly what a reader of the backend would find.
fn pull(ctx: &Context) -> Exit {
    match ctx.open_state() {
        Ok((_, Some(state))) => {
            out!("{}", String::from_utf8_lossy(&state.to_json()));
            Exit::Success
        }
        Ok((_, None)) => Exit::Success,
        Err(e) => e,
    }
}

/// Replaces the state with FILE, under the lock: refused when FILE is another lineage or an
/// older serial than what is there, unless `--force`.
fn push(ctx: &Context, file: &std::path::Path, force: bool, timeout: Duration) -> Exit {
    let bytes = match flowform_fs::read(file, flowform_state::STATE_LIMIT) {
        Ok(Some((bytes, _))) => bytes,
        Ok(None) => {
            return error(&format!(
                "cannot read {}: there is no such file.",
                file.display()
            ));
        }
        Err(e) => return error(&format!("cannot read {}: {e}.", file.display())),
    };
    let pushed = match flowform_state::State::from_json(file, &bytes) {
        Ok(s) => s,
        Err(e) => return error(&e.to_string()),
    };
    let (mut backend, _lock, current) = match ctx.lock_state("state push", timeout) {
        Ok(locked) => locked,
        Err(e) => return e,
    };
    if let Some(current) = &current {
        if current.lineage != pushed.lineage && !force {
            return error(&format!(
                "{} has lineage {}, but {} holds lineage {}: they are different states. Nothing was pushed; use --force to replace it anyway.",
                file.display(),
                pushed.lineage,
                backend.location(),
                current.lineage
            ));
        }
        if pushed.serial < current.serial && !force {
            return error(&format!(
                "{} has serial {}, older than the serial {} of {}: pushing it would undo later changes. Nothing was pushed; use --force to replace it anyway.",
                file.display(),
                pushed.serial,
                current.serial,
                backend.location()
            ));
        }
    }
    let mut pushed = pushed;
    if let Some(current) = &current {
        // Same lineage: the stored digest key still fits the pushed digests.
        pushed.digest_key = current.digest_key.clone();
    }
    let written = if current
        .as_ref()
        .is_some_and(|c| c.lineage != pushed.lineage)
    {
        backend.replace(&pushed)
    } else {
        backend.persist(&pushed)
    };
    match written {
        Ok(serial) => {
            outln!(
                "Pushed {} to {} (lineage {}, serial {serial}).",
                file.display(),
                backend.location(),
                pushed.lineage
            );
            Exit::Success
        }
        Err(e) => error(&e.to_string()),
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
