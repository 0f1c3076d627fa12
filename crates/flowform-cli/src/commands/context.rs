//! What every command needs: where the configuration and the state are, and how to report
//! what went wrong — always as diagnostics, through the views, whether the configuration, the
//! state or AWS is at fault.

use super::Exit;
use crate::ui::Ui;
use flowform_core::{Diagnostic, Diagnostics};
use flowform_parser::{Config, VariableInputs};
use flowform_state::{LocalBackend, LockGuard, State};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The version written into states and plans.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct Context {
    pub dir: PathBuf,
    /// Whether `-C DIR` was given (else `dir` is the default, `.`).
    pub dir_given: bool,
    pub state_override: Option<PathBuf>,
    pub ui: Ui,
}

impl Context {
    /// The state file: `--state`, else the `backend "local"` path (relative to the
    /// configuration directory), else `DIR/flowform.state.json`.
    pub fn state_path(&self) -> PathBuf {
        if let Some(p) = &self.state_override {
            return p.clone();
        }
        match flowform_parser::backend_path(&self.dir) {
            Some(p) if Path::new(&p).is_absolute() => PathBuf::from(p),
            Some(p) => self.dir.join(p),
            None => self.dir.join("flowform.state.json"),
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
    pub fn open_state(&self) -> Result<(LocalBackend, Option<State>), Exit> {
        let mut backend = LocalBackend::new(self.state_path());
        let state = backend
            .load_without_folding()
            .map_err(|e| state_error(&e))?;
        self.print_state_warnings(&mut backend);
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
    ) -> Result<(LocalBackend, LockGuard, Option<State>), Exit> {
        let mut backend = LocalBackend::new(self.state_path());
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
        let state = backend.load().map_err(|e| state_error(&e))?;
        self.print_state_warnings(&mut backend);
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
        Ok((backend, lock, state))
    }

    fn print_state_warnings(&self, backend: &mut LocalBackend) {
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
