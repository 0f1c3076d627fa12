//! What every command needs: where the configuration and the state are, and how to print.

use super::Exit;
use crate::ui::Ui;
use flowform_core::Diagnostics;
use flowform_parser::{Config, VariableInputs};
use flowform_state::{LocalBackend, State};
use std::path::{Path, PathBuf};

/// The version written into states and plans.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct Context {
    pub dir: PathBuf,
    pub state_override: Option<PathBuf>,
    pub ui: Ui,
    /// Set when loading the state replayed the journal of an interrupted apply.
    pub recovered: std::cell::Cell<bool>,
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
            eprint!("{}", sources.render(diagnostics, self.ui.color_stderr));
        }
    }

    /// Reads the state (None when there is no state yet) without writing it: an interrupted
    /// apply's journal is shown, and left for the next apply to fold in.
    pub fn open_state(&self) -> Result<(LocalBackend, Option<State>), Exit> {
        let mut backend = LocalBackend::new(self.state_path());
        let state = backend
            .load_without_folding()
            .map_err(|e| error(&e.to_string()))?;
        self.print_state_warnings(&mut backend);
        Ok((backend, state))
    }

    /// For commands that write, under the lock: folds an interrupted apply's journal into the
    /// state, and remembers that the next changes resume that apply.
    pub fn fold_state(&self, backend: &mut LocalBackend) -> Result<(), Exit> {
        backend.load().map_err(|e| error(&e.to_string()))?;
        self.print_state_warnings(backend);
        Ok(())
    }

    fn print_state_warnings(&self, backend: &mut LocalBackend) {
        for w in backend.take_warnings() {
            if matches!(
                w,
                flowform_state::StateWarning::JournalReplayed { .. }
                    | flowform_state::StateWarning::JournalPending { .. }
            ) {
                self.recovered.set(true);
            }
            eprintln!("Warning: {w}\n");
        }
    }
}

/// Prints an error that is not about a place in the configuration.
pub fn error(message: &str) -> Exit {
    eprintln!("Error: {message}");
    Exit::Error
}
