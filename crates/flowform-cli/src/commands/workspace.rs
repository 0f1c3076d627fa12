//! `flowform workspace list|show|new|select|delete`: one state per workspace.
//!
//! Layouts (SPEC §4): the `default` workspace's state is where it always was; workspace NAME
//! keeps its state in `flowform.state.d/NAME/` beside it (local), or under `env/NAME/KEY`
//! (s3). The selection is kept in `DIR/.flowform/environment`; `FLOWFORM_WORKSPACE`
//! overrides it. Also here: reading `--backend-config`, which names the state too.

use super::Exit;
use super::context::{Context, StateLocation, VERSION, error};
use crate::args::WorkspaceCommand;
use flowform_state::{Backend, State};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT: &str = "default";

/// The selected workspace: `FLOWFORM_WORKSPACE`, else `DIR/.flowform/environment`, else
/// `default`.
pub fn selected(dir: &Path) -> String {
    if let Ok(name) = std::env::var("FLOWFORM_WORKSPACE")
        && !name.trim().is_empty()
    {
        return name.trim().to_string();
    }
    flowform_fs::read_text(&environment_file(dir), 4096)
        .ok()
        .map(|text| text.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| DEFAULT.to_string())
}

/// What selected the workspace, for messages: the variable, or the file `workspace select`
/// writes.
pub fn selection_source(dir: &Path) -> String {
    match std::env::var("FLOWFORM_WORKSPACE") {
        Ok(name) if !name.trim().is_empty() => "FLOWFORM_WORKSPACE".to_string(),
        _ => environment_file(dir).display().to_string(),
    }
}

fn environment_file(dir: &Path) -> PathBuf {
    dir.join(".flowform").join("environment")
}

/// The local state of `workspace`, given the default workspace's path.
pub fn local_path(default_path: &Path, workspace: &str) -> PathBuf {
    if workspace == DEFAULT {
        return default_path.to_path_buf();
    }
    let dir = default_path.parent().unwrap_or(Path::new(""));
    let file = default_path
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("flowform.state.json"));
    dir.join("flowform.state.d").join(workspace).join(file)
}

/// The S3 key of `workspace`'s state, given the default workspace's key.
pub fn s3_key(key: &str, workspace: &str) -> String {
    if workspace == DEFAULT {
        key.to_string()
    } else {
        format!("env/{workspace}/{key}")
    }
}

/// The most flowform reads as a `--backend-config` file.
const BACKEND_CONFIG_LIMIT: u64 = 1 << 20;

/// `--backend-config K=V` and `--backend-config FILE` (lines of `name = "value"`; `#` and
/// `//` comments), in order: a later one wins.
pub fn backend_config(entries: &[String]) -> Result<BTreeMap<String, String>, Exit> {
    let mut settings = BTreeMap::new();
    for entry in entries {
        let path = Path::new(entry);
        let is_file = !entry.contains('=') || path.is_file();
        if !is_file {
            let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
            settings.insert(name.trim().to_string(), value.trim().to_string());
            continue;
        }
        let text = flowform_fs::read_text(path, BACKEND_CONFIG_LIMIT).map_err(|e| {
            error(&format!(
                "--backend-config {entry}: neither NAME=VALUE nor a file that can be read ({e})."
            ))
        })?;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                return Err(error(&format!(
                    "{entry} line {}: expected name = \"value\", found {line:?}.",
                    number + 1
                )));
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            settings.insert(name.trim().to_string(), value.to_string());
        }
    }
    Ok(settings)
}

fn valid_name(name: &str) -> Result<(), Exit> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(error(&format!(
            "\"{name}\" is not a workspace name: use letters, digits, - and _ (at most 64)."
        )))
    }
}

/// The same context, for another workspace.
fn in_workspace(ctx: &Context, workspace: &str) -> Context {
    Context {
        dir: ctx.dir.clone(),
        dir_given: ctx.dir_given,
        state_override: ctx.state_override.clone(),
        backend_config: ctx.backend_config.clone(),
        workspace: workspace.to_string(),
        sandbox: ctx.sandbox,
        ui: ctx.ui,
        workspace_must_exist: false,
    }
}

fn exists(ctx: &Context, workspace: &str) -> Result<bool, Exit> {
    if workspace == DEFAULT {
        return Ok(true);
    }
    let (_, state) = in_workspace(ctx, workspace).open_state()?;
    Ok(state.is_some())
}

/// Every workspace with a state, `default` first.
fn list_names(ctx: &Context) -> Result<Vec<String>, Exit> {
    let mut names = vec![DEFAULT.to_string()];
    let mut others = match ctx.state_location()? {
        StateLocation::Local(_) => {
            let base = in_workspace(ctx, DEFAULT).state_path();
            let dir = base
                .parent()
                .unwrap_or(Path::new(""))
                .join("flowform.state.d");
            let file = base.file_name().map(PathBuf::from).unwrap_or_default();
            std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok())
                .filter(|e| e.path().join(&file).is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect::<Vec<_>>()
        }
        StateLocation::S3(_) => {
            let default = in_workspace(ctx, DEFAULT);
            let Ok(StateLocation::S3(settings)) = default.state_location() else {
                return Ok(names);
            };
            let base_key = settings.key.clone();
            let backend =
                flowform_state::S3Backend::connect(settings).map_err(|e| error(&e.to_string()))?;
            backend
                .workspaces(&base_key)
                .map_err(|e| error(&e.to_string()))?
        }
    };
    others.sort();
    others.retain(|n| n != DEFAULT);
    names.extend(others);
    Ok(names)
}

fn select(ctx: &Context, name: &str) -> Result<(), Exit> {
    let file = environment_file(&ctx.dir);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| error(&format!("cannot create {}: {e}", dir.display())))?;
    }
    flowform_fs::write_durably(
        &file,
        format!("{name}\n").as_bytes(),
        flowform_fs::Access::Default,
    )
    .map_err(|e| error(&format!("cannot write {}: {e}", file.display())))
}

pub fn run(ctx: &Context, command: &WorkspaceCommand) -> Exit {
    let result = match command {
        WorkspaceCommand::Show => {
            outln!("{}", ctx.workspace);
            Ok(())
        }
        WorkspaceCommand::List => list_names(ctx).map(|names| {
            for name in names {
                let mark = if name == ctx.workspace { "*" } else { " " };
                outln!("{mark} {name}");
            }
        }),
        WorkspaceCommand::New { name, lock_timeout } => new(ctx, name, *lock_timeout),
        WorkspaceCommand::Select { name } => valid_name(name).and_then(|()| {
            if !exists(ctx, name)? {
                return Err(error(&format!(
                    "the workspace \"{name}\" does not exist: create it with `flowform workspace new {name}`."
                )));
            }
            select(ctx, name)?;
            outln!("Switched to workspace \"{name}\".");
            Ok(())
        }),
        WorkspaceCommand::Delete {
            name,
            force,
            lock_timeout,
        } => delete(ctx, name, *force, *lock_timeout),
    };
    match result {
        Ok(()) => Exit::Success,
        Err(e) => e,
    }
}

fn new(ctx: &Context, name: &str, timeout: Duration) -> Result<(), Exit> {
    valid_name(name)?;
    if name == DEFAULT {
        return Err(error("the workspace \"default\" always exists."));
    }
    let target = in_workspace(ctx, name);
    if let StateLocation::Local(path) = target.state_location()?
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| error(&format!("cannot create {}: {e}", dir.display())))?;
    }
    let (mut backend, _lock, state) = target.lock_state("workspace new", timeout)?;
    if state.is_some() {
        return Err(error(&format!("the workspace \"{name}\" already exists.")));
    }
    backend
        .persist(&State::new(VERSION))
        .map_err(|e| error(&e.to_string()))?;
    select(ctx, name)?;
    outln!(
        "Created and switched to workspace \"{name}\"!\n\nIts state is empty ({}): plan and apply here touch only this workspace's resources.",
        backend.location()
    );
    Ok(())
}

fn delete(ctx: &Context, name: &str, force: bool, timeout: Duration) -> Result<(), Exit> {
    valid_name(name)?;
    if name == DEFAULT {
        return Err(error("the workspace \"default\" cannot be deleted."));
    }
    if name == ctx.workspace {
        return Err(error(&format!(
            "the workspace \"{name}\" is selected: select another one (`flowform workspace select default`) before deleting it."
        )));
    }
    let target = in_workspace(ctx, name);
    let (backend, lock, state) = target.lock_state("workspace delete", timeout)?;
    let Some(state) = state else {
        return Err(error(&format!("the workspace \"{name}\" does not exist.")));
    };
    if !state.resources.is_empty() && !force {
        return Err(error(&format!(
            "the workspace \"{name}\" still manages {} resource(s): destroy them first (`FLOWFORM_WORKSPACE={name} flowform destroy`), or delete it with --force to forget them (they stay in AWS).",
            state.resources.len()
        )));
    }
    match &backend {
        Backend::Local(local) => {
            let file = local.file_path().to_path_buf();
            drop(lock);
            if let Some(dir) = file.parent() {
                std::fs::remove_dir_all(dir)
                    .map_err(|e| error(&format!("cannot remove {}: {e}", dir.display())))?;
            }
        }
        Backend::S3(s3) => {
            s3.delete_all().map_err(|e| error(&e.to_string()))?;
            drop(lock);
        }
    }
    outln!("Deleted workspace \"{name}\".");
    Ok(())
}
