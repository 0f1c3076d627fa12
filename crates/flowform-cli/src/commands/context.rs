//! What every command needs: where the configuration and the state are, and how to report
//! what went wrong — always as diagnostics, through the views, whether the configuration, the
//! state or AWS is at fault.

use super::Exit;
use crate::ui::Ui;
use flowform_core::{Diagnostic, Diagnostics};
use flowform_parser::{Config, VariableInputs};
use flowform_state::{Backend, LocalBackend, LockGuard, S3Backend, S3Settings, State};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The version written into states and plans.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct Context {
    pub dir: PathBuf,
    /// Whether `-C DIR` was given (else `dir` is the default, `.`).
    pub dir_given: bool,
    pub state_override: Option<PathBuf>,
    /// `--backend-config K=V|FILE`, in the order given (a later one wins).
    pub backend_config: Vec<String>,
    /// The selected workspace (see [`super::workspace::selected`]).
    pub workspace: String,
    /// `--sandbox`: the s3 backend is reached in the in-process sandbox too.
    pub sandbox: bool,
    pub ui: Ui,
    /// Refuse a selected workspace that has no state, as Terraform does ("Currently selected
    /// workspace ... does not exist"): every command but `init` and `workspace
    /// new|list|select|show|delete` (and those that never touch a state). Not with `--state`.
    pub workspace_must_exist: bool,
}

/// Where the state is, once the backend block, `--backend-config` and the workspace are
/// applied.
pub enum StateLocation {
    Local(PathBuf),
    S3(S3Settings),
}

impl Context {
    /// The state file: `--state`, else the `backend "local"` path (relative to the
    /// configuration directory), else `DIR/flowform.state.json`; for a workspace other than
    /// `default`, `flowform.state.d/NAME/` beside it. (With the s3 backend this is where the
    /// local files that go with a state — the sandbox's data — are kept.)
    pub fn state_path(&self) -> PathBuf {
        if let Some(p) = &self.state_override {
            return p.clone();
        }
        let local = match flowform_parser::backend_path(&self.dir) {
            Some(p) if Path::new(&p).is_absolute() => PathBuf::from(p),
            Some(p) => self.dir.join(p),
            None => self.dir.join("flowform.state.json"),
        };
        super::workspace::local_path(&local, &self.workspace)
    }

    /// Where the state is: a local path or an S3 object, with `--backend-config` applied.
    pub fn state_location(&self) -> Result<StateLocation, Exit> {
        if self.state_override.is_some() {
            return Ok(StateLocation::Local(self.state_path()));
        }
        let block = flowform_parser::backend_block(&self.dir).filter(|b| b.kind != "local");
        let mut settings = match &block {
            Some(b) if b.kind == "s3" => b.settings.clone(),
            _ => BTreeMap::new(),
        };
        let overrides = super::workspace::backend_config(&self.backend_config)?;
        if block.is_none() {
            // The local backend: `--backend-config path=...` only.
            if let Some(path) = overrides.get("path") {
                let path = self.dir.join(path);
                return Ok(StateLocation::Local(super::workspace::local_path(
                    &path,
                    &self.workspace,
                )));
            }
            if let Some(other) = overrides.keys().next() {
                return Err(error(&format!(
                    "--backend-config {other}=...: the local backend takes only path; add a backend \"s3\" block to keep the state in S3."
                )));
            }
            return Ok(StateLocation::Local(self.state_path()));
        }
        for (name, value) in overrides {
            if !flowform_parser::S3_BACKEND_SETTINGS.contains(&name.as_str()) {
                return Err(error(&format!(
                    "--backend-config {name}=...: the s3 backend takes {}.",
                    flowform_parser::S3_BACKEND_SETTINGS.join(", ")
                )));
            }
            settings.insert(name, value);
        }
        let get = |name: &str| settings.get(name).filter(|v| !v.is_empty()).cloned();
        let (Some(bucket), Some(key)) = (get("bucket"), get("key")) else {
            return Err(error(
                "the s3 backend needs a bucket and a key: set them in the backend \"s3\" block or with --backend-config bucket=... --backend-config key=...",
            ));
        };
        let mut s3 = S3Settings {
            bucket,
            key: super::workspace::s3_key(&key, &self.workspace),
            region: get("region").or_else(|| flowform_parser::provider_region(&self.dir)),
            kms_key_id: get("kms_key_id"),
            digest_kms_key_id: get("digest_kms_key_id"),
            endpoint_url: get("endpoint_url"),
            profile: get("profile"),
            static_credentials: None,
            bootstrap: false,
        };
        if self.sandbox {
            s3.endpoint_url = Some(super::aws::sandbox_endpoint(self)?);
            s3.static_credentials = Some(("test".into(), "test".into()));
            s3.region.get_or_insert_with(|| "us-east-1".into());
            s3.profile = None;
            s3.bootstrap = true;
        }
        Ok(StateLocation::S3(s3))
    }

    /// The state's location for messages and saved plans: an absolute path or `s3://B/K`.
    pub fn state_display(&self) -> Result<String, Exit> {
        Ok(match self.state_location()? {
            StateLocation::Local(path) => std::path::absolute(&path)
                .unwrap_or(path)
                .display()
                .to_string(),
            StateLocation::S3(s3) => format!("s3://{}/{}", s3.bucket, s3.key),
        })
    }

    /// The backend that keeps this configuration's state.
    pub fn backend(&self) -> Result<Backend, Exit> {
        match self.state_location()? {
            StateLocation::Local(path) => {
                // Before the lock, which would be taken in a directory that is not there.
                if self.checks_workspace() && !path.is_file() {
                    return Err(self.missing_workspace());
                }
                Ok(LocalBackend::new(path).into())
            }
            StateLocation::S3(settings) => S3Backend::connect(settings)
                .map(Backend::from)
                .map_err(|e| error(&e.to_string())),
        }
    }

    /// Loads and validates the configuration, printing its errors. Its warnings travel with
    /// the plan (they belong in a pull request's comment too), so they are printed from there.
    pub fn load_config(&self, inputs: &VariableInputs) -> Result<Config, Exit> {
        flowform_parser::load(&self.dir, inputs).map_err(|failure| {
            self.print_diagnostics(&failure.sources, &failure.diagnostics);
            Exit::Error
        })
    }

    pub fn print_diagnostics(&self, sources: &flowform_core::Sources, diagnostics: &Diagnostics) {
        if !diagnostics.is_empty() {
            err!(
                "{}",
                flowform_views::diagnostics::text(sources, diagnostics)
            );
        }
    }

    /// Reads the state (None when there is no state yet) without writing it, for the commands
    /// that only read (`show`, `state list`, `graph`): an interrupted apply's journal is
    /// replayed in memory and left where it is.
    pub fn open_state(&self) -> Result<(Backend, Option<State>), Exit> {
        let mut backend = self.backend()?;
        let state = backend
            .load_without_folding()
            .map_err(|e| state_error(&e))?;
        self.print_state_warnings(&mut backend);
        if state.is_none() && self.checks_workspace() {
            return Err(self.missing_workspace());
        }
        Ok((backend, state))
    }

    /// Takes the state's lock for `operation` — every command that may write, and `plan`, so
    /// that nothing reads a journal an apply is still writing — and then folds a journal left
    /// by an interrupted apply into the state. A lock record left by a process that died is
    /// replaced, with a warning that names it.
    pub fn lock_state(
        &self,
        operation: &str,
        timeout: Duration,
    ) -> Result<(Backend, LockGuard, Option<State>), Exit> {
        let (mut backend, lock) = self.lock_backend(operation, timeout)?;
        let state = self.read_locked(&mut backend)?;
        Ok((backend, lock, state))
    }

    /// Takes the state's lock without reading the state yet: `plan` and `apply` read it after
    /// loading the configuration ([`Context::read_locked`]), so the two are never in memory
    /// while the configuration's syntax trees are (the largest moment of a big plan).
    pub fn lock_backend(
        &self,
        operation: &str,
        timeout: Duration,
    ) -> Result<(Backend, LockGuard), Exit> {
        let backend = self.backend()?;
        let lock = backend
            .lock(operation, timeout)
            .map_err(|e| state_error(&e))?;
        if let Some(stale) = lock.stale() {
            show(&Diagnostic::warning(
                format!(
                    "replaced the lock record {} left by a process that died ({} by {}, since {})",
                    stale.id, stale.operation, stale.who, stale.created
                ),
                "That run may have been cut short.",
            ));
        }
        Ok((backend, lock))
    }

    /// Reads the state through a backend whose lock this process holds, folding an
    /// interrupted apply's journal in and warning about the creates it left pending.
    pub fn read_locked(&self, backend: &mut Backend) -> Result<Option<State>, Exit> {
        let state = backend.load().map_err(|e| state_error(&e))?;
        self.print_state_warnings(backend);
        if state.is_none() && self.checks_workspace() {
            return Err(self.missing_workspace());
        }
        if let Some(state) = &state {
            for (address, pending) in &state.pending {
                let mut warning = Diagnostic::warning(
                    format!(
                        "an apply interrupted at {} had asked AWS to create {address} and did not live to record the answer",
                        pending.started
                    ),
                    "The next apply repeats that create with the same idempotency token, and takes the object as this state's only if AWS confirms it made it.",
                );
                warning.address = address.parse().ok();
                show(&warning);
            }
        }
        Ok(state)
    }

    /// Whether a missing state means a workspace that does not exist (see
    /// [`Context::workspace_must_exist`]): `default` always exists, its state or not.
    fn checks_workspace(&self) -> bool {
        self.workspace_must_exist
            && self.state_override.is_none()
            && self.workspace != super::workspace::DEFAULT
    }

    fn missing_workspace(&self) -> Exit {
        let name = &self.workspace;
        fail(
            format!("Currently selected workspace \"{name}\" does not exist"),
            format!(
                "It is selected by {}, but no state was ever made for it, so flowform will not go on with an empty one. Create it with `flowform workspace new {name}`, or select one that exists (`flowform workspace list`, `flowform workspace select default`).",
                super::workspace::selection_source(&self.dir)
            ),
        )
    }

    fn print_state_warnings(&self, backend: &mut Backend) {
        for w in backend.take_warnings() {
            show(&Diagnostic::warning(w.summary(), w.to_string()));
        }
    }
}

/// Shows a diagnostic that is not about a place in the configuration.
pub fn show(d: &Diagnostic) {
    err!("{}", flowform_views::diagnostics::one(d));
}

/// Shows an error, `Error: summary` and its detail, and fails the command.
pub fn fail(summary: impl Into<String>, detail: impl Into<String>) -> Exit {
    show(&Diagnostic::error(summary, detail));
    Exit::Error
}

/// An error whose message is one sentence, and says it all.
pub fn error(message: &str) -> Exit {
    fail(message, "")
}

/// A state that cannot be read, written or locked: its title, and its message as the detail.
pub fn state_error(e: &flowform_state::StateError) -> Exit {
    fail(e.summary(), e.to_string())
}
