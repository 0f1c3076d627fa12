//! The apply journal: one durable line per finished change, so apply stays linear.
//!
//! Terraform rewrites the whole state after every resource, which makes an apply quadratic in
//! the number of resources (1,334 resources took 153 s). flowform instead appends each
//! finished change to `PATH.journal` and fsyncs that append — O(1) per change, and a `kill -9`
//! loses nothing that was reported done. The state file itself is rewritten once, when the
//! apply ends (`LocalBackend::fold`), or by the next `load` after a crash, which replays the
//! journal on top of the state.
//!
//! The file is JSON lines. The first line names the state it belongs to, so a journal is never
//! replayed onto a different state:
//!
//! ```text
//! {"flowform_journal":1,"lineage":"…","base_serial":7}
//! {"op":"set","address":"secret.app","resource":{"type":"secret",…}}
//! {"op":"remove","address":"connector_profile.old"}
//! {"op":"intent","address":"connector_profile.new","pending":{"token":"…","started":"…"}}
//! ```
//!
//! Every entry is absolute (the whole resource, or its removal), so replaying a journal twice,
//! or onto a state that already contains some of it, gives the same result.
//!
//! An `intent` is written, durably, *before* a create is sent to AWS: if the process dies
//! before the answer is recorded, the state keeps it as [`State::pending`], and the next apply
//! repeats the create with the same idempotency token — the only proof that an object found
//! under that name is the one this state asked for. A `set` or `remove` of the address clears
//! it.
//!
//! A journal is opened through a backend's `begin_journal` rather than on a bare path: it
//! needs its base state written first (or a crash would leave changes with nothing to replay
//! them onto), and that state's lineage for its header.
//!
//! The s3 backend keeps the same lines in numbered segment objects (`KEY.journal/000001`, ...),
//! each starting with the header: a segment is written whole by one PutObject, so S3 never
//! holds a torn line. See `s3.rs`.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::document::{Lineage, PendingCreate, ResourceState, Serial, State};
use crate::error::{Refusal, StateError, StateWarning};
use crate::local::sync_dir;

const JOURNAL_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    flowform_journal: u32,
    lineage: Lineage,
    base_serial: Serial,
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum EntryRef<'a> {
    Set {
        address: &'a str,
        resource: &'a ResourceState,
    },
    Remove {
        address: &'a str,
    },
    Intent {
        address: &'a str,
        pending: &'a PendingCreate,
    },
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Entry {
    Set {
        address: String,
        resource: ResourceState,
    },
    Remove {
        address: String,
    },
    Intent {
        address: String,
        pending: PendingCreate,
    },
}

impl Entry {
    /// Whether the entry records a finished change (an intent is not one).
    fn is_change(&self) -> bool {
        !matches!(self, Entry::Intent { .. })
    }

    fn apply(self, state: &mut State) {
        match self {
            Entry::Set { address, resource } => {
                state.pending.remove(&address);
                state.resources.insert(address, resource);
            }
            Entry::Remove { address } => {
                state.pending.remove(&address);
                state.resources.remove(&address);
            }
            Entry::Intent { address, pending } => {
                state.pending.insert(address, pending);
            }
        }
    }
}

/// An open journal of one apply. Made by `begin_journal` of a backend, ended by its `fold`;
/// dropping it without folding is what a crash looks like, and the next `load` recovers from
/// it.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    sink: Sink,
    state: State,
    changes: usize,
    line: Vec<u8>,
}

/// Where the journal's lines go.
#[derive(Debug)]
enum Sink {
    /// `PATH.journal`: every line appended and fsynced before the call returns.
    File {
        file: File,
        /// The length of the journal up to its last complete line.
        good_len: u64,
        /// A failed append could not be undone: nothing more may be written after it.
        poisoned: bool,
    },
    /// Numbered S3 segment objects, written in batches (see `s3::SegmentWriter`).
    Segments(crate::s3::SegmentWriter),
}

/// Whether a line must be durable before `append` returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// Before the call returns: an intent, which must be safe before its create is sent.
    Now,
    /// Soon: a finished change. A local journal makes it durable at once all the same; the
    /// S3 journal within a second or 100 entries (a lost one is repeated safely: a create
    /// was preceded by its durable intent, and updates and deletes are absolute).
    Soon,
}

impl Journal {
    /// Creates `path` (it must not exist) with its header, durably.
    pub(crate) fn create(path: PathBuf, state: State) -> Result<Journal, StateError> {
        let mut options = OpenOptions::new();
        options.append(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|error| {
            if error.kind() == std::io::ErrorKind::AlreadyExists {
                StateError::JournalExists { path: path.clone() }
            } else {
                StateError::io("create the journal", &path, error)
            }
        })?;
        let mut journal = Journal {
            path,
            sink: Sink::File {
                file,
                good_len: 0,
                poisoned: false,
            },
            state,
            changes: 0,
            line: Vec::with_capacity(4096),
        };
        let header = journal.header();
        journal.append(&header, Durability::Now)?;
        // The file's name must survive a crash too, or the entries would be unreachable.
        sync_dir(&journal.path)?;
        Ok(journal)
    }

    /// A journal whose lines go to S3 segments through `writer`, which already knows the
    /// header (`header_line`).
    pub(crate) fn segments(
        location: PathBuf,
        state: State,
        writer: crate::s3::SegmentWriter,
    ) -> Journal {
        Journal {
            path: location,
            sink: Sink::Segments(writer),
            state,
            changes: 0,
            line: Vec::with_capacity(4096),
        }
    }

    /// The first line of every journal (and of every S3 segment).
    pub(crate) fn header_line(state: &State) -> Vec<u8> {
        let header = Header {
            flowform_journal: JOURNAL_VERSION,
            lineage: state.lineage,
            base_serial: state.serial,
        };
        let mut line = match serde_json::to_vec(&header) {
            Ok(line) => line,
            Err(error) => unreachable!("a journal header always serializes: {error}"),
        };
        line.push(b'\n');
        line
    }

    fn header(&self) -> Header {
        Header {
            flowform_journal: JOURNAL_VERSION,
            lineage: self.state.lineage,
            base_serial: self.state.serial,
        }
    }

    /// Records that `address` now is `resource`. Durable when this returns (local); within a
    /// second (S3).
    pub fn set(&mut self, address: &str, resource: ResourceState) -> Result<(), StateError> {
        self.append(
            &EntryRef::Set {
                address,
                resource: &resource,
            },
            Durability::Soon,
        )?;
        self.state.pending.remove(address);
        self.state.resources.insert(address.to_owned(), resource);
        self.changes += 1;
        Ok(())
    }

    /// Records that `address` is gone. Durable when this returns (local); within a second
    /// (S3).
    pub fn remove(&mut self, address: &str) -> Result<(), StateError> {
        self.append(&EntryRef::Remove { address }, Durability::Soon)?;
        self.state.pending.remove(address);
        self.state.resources.remove(address);
        self.changes += 1;
        Ok(())
    }

    /// Records that a create of `address` is about to be sent to AWS with `pending.token`.
    /// Durable when this returns, with every backend; call it before sending.
    pub fn intend(&mut self, address: &str, pending: PendingCreate) -> Result<(), StateError> {
        self.append(
            &EntryRef::Intent {
                address,
                pending: &pending,
            },
            Durability::Now,
        )?;
        self.state.pending.insert(address.to_owned(), pending);
        Ok(())
    }

    /// The state with every recorded change applied.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// How many changes were recorded.
    pub fn len(&self) -> usize {
        self.changes
    }

    pub fn is_empty(&self) -> bool {
        self.changes == 0
    }

    /// Where the journal is: `PATH.journal`, or `s3://BUCKET/KEY.journal/` for the s3 backend.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ends the journal: for S3, stops its background flusher (so nothing is written after
    /// the fold) and hands back the segments it wrote.
    pub(crate) fn into_parts(self) -> (PathBuf, State, Option<crate::s3::SegmentWriter>) {
        let writer = match self.sink {
            Sink::File { .. } => None,
            Sink::Segments(writer) => Some(writer),
        };
        (self.path, self.state, writer)
    }

    fn append(&mut self, entry: &impl Serialize, durability: Durability) -> Result<(), StateError> {
        self.line.clear();
        if let Err(error) = serde_json::to_writer(&mut self.line, entry) {
            unreachable!("a journal entry always serializes: {error}");
        }
        self.line.push(b'\n');
        let (file, good_len, poisoned) = match &mut self.sink {
            Sink::Segments(writer) => {
                return writer.append(&self.line, durability == Durability::Now);
            }
            Sink::File {
                file,
                good_len,
                poisoned,
            } => (file, good_len, poisoned),
        };
        if *poisoned {
            return Err(StateError::io(
                "append to the journal",
                &self.path,
                std::io::Error::other("an earlier append failed and could not be undone"),
            ));
        }
        // One write of the whole line: a crash can only leave a torn *last* line, which
        // `replay` recognises. `sync_data` is enough: the size is data, the mtime is not.
        let written = file.write_all(&self.line).and_then(|()| file.sync_data());
        match written {
            Ok(()) => {
                *good_len += self.line.len() as u64;
                Ok(())
            }
            Err(error) => {
                // A failed write (a full disk) may have left part of the line: cut it off, so
                // the next line does not follow a torn one — only a torn *last* line is
                // recoverable. If even that fails, refuse every later append.
                if file
                    .set_len(*good_len)
                    .and_then(|()| file.sync_data())
                    .is_err()
                {
                    *poisoned = true;
                }
                Err(StateError::io("append to the journal", &self.path, error))
            }
        }
    }
}

/// Replays a journal's bytes onto `state`. Returns how many changes it applied and the
/// warnings to show.
pub(crate) fn replay(
    path: &Path,
    bytes: &[u8],
    state: &mut State,
) -> Result<(usize, Vec<StateWarning>), Refusal> {
    let mut warnings = Vec::new();
    let mut lines: Vec<&[u8]> = bytes.split(|byte| *byte == b'\n').collect();
    // `split` always yields a last piece: empty when the file ends with a newline, otherwise
    // the unterminated tail a crash left behind.
    let tail = lines.pop().unwrap_or_default();
    let corrupt = |line: usize, detail: String| Refusal::JournalCorrupt {
        path: path.to_path_buf(),
        line,
        detail,
    };

    let mut changes = 0;
    match lines.first() {
        None => {
            // Not even the header was finished, so no change was ever reported done.
            if !tail.is_empty() {
                warnings.push(StateWarning::TornJournalLine {
                    path: path.to_path_buf(),
                    line: 1,
                    bytes: tail.len(),
                });
            }
            return Ok((0, warnings));
        }
        Some(first) => {
            let header: Header = serde_json::from_slice(first)
                .map_err(|error| corrupt(1, format!("the header does not parse ({error})")))?;
            if header.flowform_journal != JOURNAL_VERSION {
                return Err(corrupt(
                    1,
                    format!(
                        "journal version {} is not {JOURNAL_VERSION}; it was written by another flowform version",
                        header.flowform_journal
                    ),
                ));
            }
            if header.lineage != state.lineage {
                return Err(Refusal::JournalLineage {
                    path: path.to_path_buf(),
                    state: state_path_of(path),
                    journal_lineage: header.lineage.to_string(),
                    state_lineage: state.lineage.to_string(),
                });
            }
        }
    }
    for (index, line) in lines.iter().enumerate().skip(1) {
        let entry: Entry =
            serde_json::from_slice(line).map_err(|error| corrupt(index + 1, error.to_string()))?;
        changes += usize::from(entry.is_change());
        entry.apply(state);
    }
    if !tail.is_empty() {
        match serde_json::from_slice::<Entry>(tail) {
            // Complete but for its newline: the change was written whole, so keep it.
            Ok(entry) => {
                changes += usize::from(entry.is_change());
                entry.apply(state);
            }
            Err(_) => warnings.push(StateWarning::TornJournalLine {
                path: path.to_path_buf(),
                line: lines.len() + 1,
                bytes: tail.len(),
            }),
        }
    }
    Ok((changes, warnings))
}

/// `PATH.journal` → `PATH`, for messages.
fn state_path_of(journal: &Path) -> PathBuf {
    let text = journal.as_os_str().to_string_lossy();
    PathBuf::from(text.strip_suffix(".journal").unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::DigestKey;

    fn state() -> State {
        State::with_identity(
            Lineage::from_uuid(uuid::Uuid::from_u128(1)),
            DigestKey::from_bytes([1; 32]),
            "0.1.0",
        )
    }

    fn journal_bytes(lineage: Lineage, entries: &[&str]) -> Vec<u8> {
        let mut text = format!(r#"{{"flowform_journal":1,"lineage":"{lineage}","base_serial":1}}"#);
        text.push('\n');
        for entry in entries {
            text.push_str(entry);
            text.push('\n');
        }
        text.into_bytes()
    }

    const SET_A: &str = r#"{"op":"set","address":"secret.a","resource":{"type":"secret","id":"a","attributes":{}}}"#;
    const REMOVE_A: &str = r#"{"op":"remove","address":"secret.a"}"#;

    #[test]
    fn replays_in_order() {
        let mut s = state();
        let bytes = journal_bytes(s.lineage, &[SET_A, REMOVE_A, SET_A]);
        let (changes, warnings) = replay(Path::new("s.journal"), &bytes, &mut s).expect("replays");
        assert_eq!((changes, warnings.len()), (3, 0));
        assert_eq!(s.resources["secret.a"].id, "a");
    }

    const INTENT_A: &str =
        r#"{"op":"intent","address":"secret.a","pending":{"token":"t1","started":"x"}}"#;

    #[test]
    fn an_intent_survives_replay_until_the_address_is_recorded() {
        let mut s = state();
        let bytes = journal_bytes(s.lineage, &[INTENT_A]);
        replay(Path::new("s.journal"), &bytes, &mut s).expect("replays");
        assert_eq!(s.pending["secret.a"].token, "t1");
        assert!(!s.resources.contains_key("secret.a"));

        let mut s = state();
        let bytes = journal_bytes(s.lineage, &[INTENT_A, SET_A]);
        replay(Path::new("s.journal"), &bytes, &mut s).expect("replays");
        assert!(
            s.pending.is_empty(),
            "a recorded create is no longer pending"
        );

        let mut s = state();
        let bytes = journal_bytes(s.lineage, &[INTENT_A, REMOVE_A]);
        replay(Path::new("s.journal"), &bytes, &mut s).expect("replays");
        assert!(
            s.pending.is_empty(),
            "a removed address is no longer pending"
        );
    }

    #[test]
    fn torn_tail_is_a_warning() {
        let mut s = state();
        let mut bytes = journal_bytes(s.lineage, &[SET_A]);
        bytes.extend_from_slice(&REMOVE_A.as_bytes()[..10]);
        let (changes, warnings) = replay(Path::new("s.journal"), &bytes, &mut s).expect("replays");
        assert_eq!(changes, 1);
        assert!(matches!(
            warnings[..],
            [StateWarning::TornJournalLine {
                line: 3,
                bytes: 10,
                ..
            }]
        ));
        assert!(s.resources.contains_key("secret.a"));
    }

    #[test]
    fn tail_missing_only_its_newline_is_kept() {
        let mut s = state();
        let mut bytes = journal_bytes(s.lineage, &[SET_A]);
        bytes.extend_from_slice(REMOVE_A.as_bytes());
        let (changes, warnings) = replay(Path::new("s.journal"), &bytes, &mut s).expect("replays");
        assert_eq!((changes, warnings.len()), (2, 0));
        assert!(s.resources.is_empty());
    }

    #[test]
    fn damage_before_the_end_is_refused() {
        let mut s = state();
        let bytes = journal_bytes(s.lineage, &[SET_A, "{\"op\":\"se", REMOVE_A]);
        let refusal = replay(Path::new("s.journal"), &bytes, &mut s).expect_err("refused");
        assert!(
            matches!(refusal, Refusal::JournalCorrupt { line: 3, .. }),
            "{refusal}"
        );
    }

    #[test]
    fn other_lineage_is_refused() {
        let mut s = state();
        let bytes = journal_bytes(Lineage::from_uuid(uuid::Uuid::from_u128(2)), &[SET_A]);
        let refusal = replay(Path::new("s.json.journal"), &bytes, &mut s).expect_err("refused");
        assert!(
            matches!(refusal, Refusal::JournalLineage { ref state, .. } if state == Path::new("s.json"))
        );
    }

    #[test]
    fn torn_header_means_nothing_was_done() {
        let mut s = state();
        let (changes, warnings) =
            replay(Path::new("s.journal"), b"{\"flowform_jou", &mut s).expect("replays");
        assert_eq!((changes, warnings.len()), (0, 1));
    }
}
