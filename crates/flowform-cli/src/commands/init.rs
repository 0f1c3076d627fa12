//! `flowform init [--backend-config ...] [-migrate-state]`: check that the backend is reachable,
//! and move the state when the backend changed (local → s3, s3 → local, one bucket to another).
//!
//! The backend a working copy last used is remembered in `DIR/.flowform/backend.json` (its
//! kind and location, never credentials), as Terraform keeps `.terraform/terraform.tfstate`:
//! that is how the first `init` after the block changed knows where the state was. With no
//! record, a local state at the default path is the one to move. A state is moved only with
//! `-migrate-state`, and never over a state of another lineage.
//!
//! As Terraform does, `-migrate-state` asks before copying (`yes` only), and `-force-copy`
//! copies without asking. Where there is no terminal to ask on (CI, a pipe), `-migrate-state`
//! alone refuses rather than copy unasked: the copy decides where every later run writes.

use super::Exit;
use super::context::{Context, StateLocation, error};
use crate::args::InitArgs;
use serde_json::json;
use std::path::PathBuf;

pub fn run(ctx: &Context, args: &InitArgs) -> Exit {
    match init(ctx, args) {
        Ok(()) => Exit::Success,
        Err(e) => e,
    }
}

fn record_file(ctx: &Context) -> PathBuf {
    ctx.dir.join(".flowform").join("backend.json")
}

/// What the record says: `("local", path)` or `("s3", settings)`.
fn describe(location: &StateLocation) -> serde_json::Value {
    match location {
        StateLocation::Local(path) => json!({
            "kind": "local",
            "path": std::path::absolute(path).unwrap_or(path.clone()).display().to_string(),
        }),
        StateLocation::S3(s3) => json!({
            "kind": "s3",
            "bucket": s3.bucket,
            // The default workspace's key: the record serves every workspace.
            "key": s3.key,
            "region": s3.region,
            "kms_key_id": s3.kms_key_id,
            "digest_kms_key_id": s3.digest_kms_key_id,
            "endpoint_url": s3.endpoint_url,
            "profile": s3.profile,
        }),
    }
}

fn from_record(value: &serde_json::Value, ctx: &Context) -> Option<StateLocation> {
    let text = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let workspace = &ctx.workspace;
    match text("kind")?.as_str() {
        "local" => Some(StateLocation::Local(super::workspace::local_path(
            &PathBuf::from(text("path")?),
            workspace,
        ))),
        "s3" => {
            let mut settings = flowform_state::S3Settings {
                bucket: text("bucket")?,
                key: super::workspace::s3_key(&text("key")?, workspace),
                region: text("region"),
                kms_key_id: text("kms_key_id"),
                digest_kms_key_id: text("digest_kms_key_id"),
                endpoint_url: text("endpoint_url"),
                profile: text("profile"),
                static_credentials: None,
                bootstrap: false,
            };
            if ctx.sandbox {
                settings.endpoint_url = super::aws::sandbox_endpoint(ctx).ok();
                settings.static_credentials = Some(("test".into(), "test".into()));
                settings.region.get_or_insert_with(|| "us-east-1".into());
            }
            Some(StateLocation::S3(settings))
        }
        _ => None,
    }
}

fn backend_of(location: StateLocation) -> Result<flowform_state::Backend, Exit> {
    match location {
        StateLocation::Local(path) => Ok(flowform_state::LocalBackend::new(path).into()),
        StateLocation::S3(settings) => flowform_state::S3Backend::connect(settings)
            .map(Into::into)
            .map_err(|e| error(&e.to_string())),
    }
}

/// Asks whether to copy the state from `from` to `to`; only `yes` goes on.
fn confirm_copy(from: &str, to: &str) -> Result<(), Exit> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if !std::io::stdin().is_terminal() {
        return Err(super::context::fail(
            "no terminal to confirm the state copy on",
            format!(
                "Copying the state from {from} to {to} decides where every later run writes. Run again with -force-copy to copy without asking."
            ),
        ));
    }
    out!(
        "Do you want to copy the existing state to the new backend?\n  The state in {from} will be copied to {to}.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(error("the state was not copied: init cancelled."))
    }
}

fn init(ctx: &Context, args: &InitArgs) -> Result<(), Exit> {
    let current = ctx.state_location()?;
    let record = record_file(ctx);
    let previous = flowform_fs::read_text(&record, 1 << 20)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|value| from_record(&value, ctx));
    let previous = match (previous, &current) {
        (Some(p), _) => Some(p),
        // No record: a local state at the default path is what an s3 block replaces.
        (None, StateLocation::S3(_)) => {
            let local = ctx.state_path();
            local.is_file().then_some(StateLocation::Local(local))
        }
        (None, StateLocation::Local(_)) => None,
    };
    let moved = previous
        .as_ref()
        .is_some_and(|p| describe(p) != describe(&current));

    // The backend must answer, under its lock, before anything is recorded.
    let (mut target, lock, existing) = ctx.lock_state("init", args.lock_timeout)?;
    if moved && let Some(previous) = previous {
        let mut source = backend_of(previous)?;
        let from = source.location();
        let state = source
            .load_without_folding()
            .map_err(|e| error(&e.to_string()))?;
        if let Some(state) = state {
            if !args.migrate_state && !args.force_copy {
                return Err(error(&format!(
                    "the backend changed: the state is in {from}, and the configuration now keeps it in {}. Run `flowform init -migrate-state` to copy it there (nothing is copied without it).",
                    target.location()
                )));
            }
            if let Some(existing) = &existing
                && existing.lineage != state.lineage
            {
                return Err(error(&format!(
                    "{} already holds another state (lineage {}, not {} as in {from}): flowform will not overwrite it. Point the backend elsewhere, or remove that state first.",
                    target.location(),
                    existing.lineage,
                    state.lineage
                )));
            }
            if !args.force_copy {
                confirm_copy(&from, &target.location())?;
            }
            let serial = target.persist(&state).map_err(|e| error(&e.to_string()))?;
            outln!(
                "Copied the state (lineage {}, {} resources) from {from} to {} (serial {serial}). The old copy is no longer used; remove it once you are sure.",
                state.lineage,
                state.resources.len(),
                target.location()
            );
        }
    }
    drop(lock);
    if let Some(dir) = record.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| error(&format!("cannot create {}: {e}", dir.display())))?;
    }
    let default_ws = Context {
        dir: ctx.dir.clone(),
        dir_given: ctx.dir_given,
        state_override: ctx.state_override.clone(),
        backend_config: ctx.backend_config.clone(),
        workspace: super::workspace::DEFAULT.into(),
        sandbox: ctx.sandbox,
        ui: ctx.ui,
        workspace_must_exist: false,
    };
    let mut recorded = describe(&default_ws.state_location()?);
    if let Some(object) = recorded.as_object_mut() {
        // The sandbox's endpoint changes with every run; it is found again each time.
        if ctx.sandbox {
            object.insert("endpoint_url".into(), serde_json::Value::Null);
        }
    }
    let bytes = serde_json::to_vec_pretty(&recorded).unwrap_or_default();
    flowform_fs::write_durably(&record, &bytes, flowform_fs::Access::Default)
        .map_err(|e| error(&format!("cannot write {}: {e}", record.display())))?;
    outln!(
        "flowform has been successfully initialized: the state is kept in {}.",
        target.location()
    );
    Ok(())
}
