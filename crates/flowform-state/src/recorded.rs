//! What a backend last read or wrote, and what the next write over it must be.
//!
//! Both backends decide a write the same way: a state of another lineage is refused; a state
//! whose content differs gets the next serial; one that differs only in the writer's version
//! (or whose digest key moves) is rewritten under the same serial; an identical one is not
//! written at all. That needs the recorded content, which is never kept as a second parsed
//! copy of the state (a copy doubled the memory of every command, and cloning it was a tenth
//! of a no-op plan): the backend hands [`Recorded::next_write`] the bytes it read or wrote —
//! the S3 backend keeps them, the local one reads its file again, which it has just checked is
//! unchanged — and they are parsed only when a write has to be decided, which only commands
//! that write do.

use crate::digest::DigestKey;
use crate::document::{Lineage, Serial, State};
use crate::error::StateError;
use std::path::Path;

/// The state as the backend last saw it on disk or in S3.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub lineage: Lineage,
    pub serial: Serial,
    flowform_version: String,
    resources: usize,
    /// The key the state was read with: it is kept apart from the bytes.
    digest_key: DigestKey,
}

/// What writing a state over a [`Recorded`] one takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// Nothing to write: the content, the writer's version and the key are as recorded.
    Unneeded(Serial),
    /// Write under this serial (the next one when the content changed).
    With(Serial),
}

impl Recorded {
    /// `state` as it was read or written.
    pub fn new(state: &State) -> Self {
        Recorded {
            lineage: state.lineage,
            serial: state.serial,
            flowform_version: state.flowform_version.clone(),
            resources: state.resources.len(),
            digest_key: state.digest_key.clone(),
        }
    }

    /// What persisting `state` over this record takes. `recorded` is the bytes this record was
    /// read from or written as; `location` names the state in the lineage error; `key_moves` is
    /// whether the digest key must be written anew (which rewrites an otherwise unchanged
    /// state).
    pub fn next_write(
        &self,
        state: &State,
        recorded: &[u8],
        key_moves: bool,
        location: &Path,
    ) -> Result<Write, StateError> {
        if self.lineage != state.lineage {
            return Err(StateError::LineageMismatch {
                path: location.to_path_buf(),
                given: state.lineage.to_string(),
                on_disk: self.lineage.to_string(),
            });
        }
        Ok(if !self.same_content(state, recorded, location) {
            Write::With(self.serial.next())
        } else if self.flowform_version != state.flowform_version || key_moves {
            Write::With(self.serial)
        } else {
            Write::Unneeded(self.serial)
        })
    }

    /// [`State::same_content`] against the recorded bytes.
    fn same_content(&self, state: &State, recorded: &[u8], location: &Path) -> bool {
        if self.resources != state.resources.len() {
            return false;
        }
        // The bytes parsed when they were recorded (or were just written from a state), so
        // this parse succeeds; should it not, the states are taken to differ and the write
        // goes ahead with the next serial, which loses nothing.
        match State::from_json(location, recorded) {
            Ok(mut recorded) => {
                recorded.digest_key = self.digest_key.clone();
                recorded.lineage = self.lineage;
                recorded.same_content(state)
            }
            Err(_) => false,
        }
    }
}
