//! [`Backend`]: one state, wherever it is kept, so that the commands do not care where.
//!
//! An enum rather than a trait object: there are two backends, both known here, and a match
//! keeps each method's contract (lock before load, one write per apply, the journal's base
//! written first) in one place where a reader sees both sides of it.

use std::time::Duration;

use crate::document::{Serial, State};
use crate::error::{StateError, StateWarning};
use crate::journal::Journal;
use crate::local::LocalBackend;
use crate::lock::{LockGuard, LockInfo};
use crate::s3::S3Backend;

/// Where a state is kept: a local file, or an S3 object.
#[derive(Debug)]
pub enum Backend {
    Local(LocalBackend),
    S3(Box<S3Backend>),
}

impl From<LocalBackend> for Backend {
    fn from(backend: LocalBackend) -> Self {
        Backend::Local(backend)
    }
}

impl From<S3Backend> for Backend {
    fn from(backend: S3Backend) -> Self {
        Backend::S3(Box::new(backend))
    }
}

macro_rules! each {
    ($self:expr, $backend:ident => $body:expr) => {
        match $self {
            Backend::Local($backend) => $body,
            Backend::S3($backend) => $body,
        }
    };
}

impl Backend {
    /// The state's location for messages: its path, or `s3://BUCKET/KEY`.
    pub fn location(&self) -> String {
        match self {
            Backend::Local(local) => local.path().display().to_string(),
            Backend::S3(s3) => s3.location(),
        }
    }

    /// Reads the state (`None` when there is none yet), folding a journal an interrupted apply
    /// left. Take the lock first.
    pub fn load(&mut self) -> Result<Option<State>, StateError> {
        each!(self, b => b.load())
    }

    /// Reads the state, replaying a left journal in memory only (for commands that only read).
    pub fn load_without_folding(&mut self) -> Result<Option<State>, StateError> {
        each!(self, b => b.load_without_folding())
    }

    /// What the last load wants the user to know. Empties the list.
    pub fn take_warnings(&mut self) -> Vec<StateWarning> {
        each!(self, b => b.take_warnings())
    }

    /// Writes `state`; returns the serial it was written with.
    pub fn persist(&mut self, state: &State) -> Result<Serial, StateError> {
        each!(self, b => b.persist(state))
    }

    /// Replaces the state even when its lineage differs (`state push --force`).
    pub fn replace(&mut self, state: &State) -> Result<Serial, StateError> {
        each!(self, b => b.replace(state))
    }

    /// Starts journalling an apply of `state`.
    pub fn begin_journal(&mut self, state: &State) -> Result<Journal, StateError> {
        each!(self, b => b.begin_journal(state))
    }

    /// Ends an apply: writes the journal's state and removes the journal.
    pub fn fold(&mut self, journal: Journal) -> Result<State, StateError> {
        each!(self, b => b.fold(journal))
    }

    /// Takes the lock for `operation`, waiting up to `timeout`.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        each!(self, b => b.lock(operation, timeout))
    }

    /// Removes the lock `id` left by a run that died; returns its record.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        each!(self, b => b.force_unlock(id))
    }

    /// The current lock record, if any.
    pub fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        each!(self, b => b.lock_info())
    }
}
