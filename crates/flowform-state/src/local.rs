//! The local backend: a state file on disk, written so that no crash can lose or tear it.
//!
//! Files next to the state `PATH`:
//!
//! | file | what it is |
//! |---|---|
//! | `PATH` | the state, replaced whole by rename |
//! | `PATH.backup` | the file that the last content-changing write replaced |
//! | `PATH.journal` | changes finished by an apply that has not been folded yet |
//! | `PATH.lock` | an empty file that carries the OS lock; never deleted (see `lock.rs`) |
//! | `PATH.lock.info` | who holds the lock, while it is held |
//! | `PATH.key` | the digest key (0600), apart from the state (see `keyfile.rs`) |
//!
//! A write goes to a temporary file in the same directory, which is fsynced and renamed over
//! `PATH`; then the directory is fsynced so the rename itself survives a crash. Before that,
//! the current `PATH` is hard-linked to `PATH.backup` (through a temporary name and a rename,
//! so `PATH.backup` is never missing or half-written either). The link costs nothing however
//! large the state, and `PATH` is never missing at any moment. Where the file system has no
//! hard links the current file is copied instead.
//!
//! The backend remembers what it last read or wrote. That is how it decides the serial (bumped
//! only when the content changes), how it keeps a promise — once it has refused a file
//! (corrupt, foreign, too new), every later write through it is refused too, so that file is
//! left exactly as it was — and how it notices that someone else replaced the file since
//! (size, mtime and inode of the file it read), instead of writing over their changes.
//!
//! Callers take the lock ([`LocalBackend::lock`]) before `load` in any command that may write;
//! the backend does not take it for them, because read-only commands may choose not to.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use flowform_fs::ReadError;

/// The most flowform reads as a state file or a journal: 64 MiB. A state of 10,000 resources
/// is a few MiB.
pub const STATE_LIMIT: u64 = 64 << 20;
use crate::document::{Serial, State};
use crate::error::{Refusal, StateError, StateWarning};
use crate::journal::{self, Journal};
use crate::lock::{LockGuard, LockInfo, LockPaths};
use crate::recorded::{Recorded, Write};

/// A state kept in a local file. The default path is the CLI's business, not this crate's.
///
/// One backend serves one command: lock, load, persist or journal, drop.
#[derive(Debug)]
pub struct LocalBackend {
    /// The path as given, for [`LocalBackend::path`].
    path: PathBuf,
    /// Where the state really is: the given path, or the file a symlink there points to. All
    /// reads and writes, and the backup, journal and lock beside the state, use this path, so
    /// a symlinked state stays a symlink and its target gets the new content.
    file: PathBuf,
    known: Known,
    warnings: Vec<StateWarning>,
    digest: crate::keyfile::KeyStatus,
}

/// What the backend knows of the file on disk.
#[derive(Debug)]
enum Known {
    Unread,
    Missing,
    Present {
        recorded: Box<Recorded>,
        on_disk: Fingerprint,
    },
    Refused(Refusal),
}

/// Enough of a file's metadata to notice that it was replaced or edited since we read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Fingerprint {
    fn of(metadata: &std::fs::Metadata) -> Self {
        Fingerprint {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt as _;
                (metadata.dev(), metadata.ino())
            },
        }
    }
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        LocalBackend {
            file: follow_symlink(&path),
            path,
            known: Known::Unread,
            warnings: Vec::new(),
            digest: crate::keyfile::KeyStatus::default(),
        }
    }

    /// The state path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file the state is read from and written to: [`LocalBackend::path`], or the target
    /// when that is a symlink.
    pub fn file_path(&self) -> &Path {
        &self.file
    }

    pub fn backup_path(&self) -> PathBuf {
        sibling(&self.file, ".backup")
    }

    pub fn journal_path(&self) -> PathBuf {
        sibling(&self.file, ".journal")
    }

    pub fn lock_path(&self) -> PathBuf {
        sibling(&self.file, ".lock")
    }

    pub fn lock_info_path(&self) -> PathBuf {
        sibling(&self.file, ".lock.info")
    }

    /// `PATH.key`: the digest key, kept apart from the state.
    pub fn key_path(&self) -> PathBuf {
        sibling(&self.file, ".key")
    }

    /// Reads the state: `None` when there is no file yet.
    ///
    /// If an interrupted apply left a journal, it is replayed on top of the state, the result
    /// is written, and the journal is deleted; what happened is reported by
    /// [`LocalBackend::take_warnings`]. Take the lock first when the command may write.
    pub fn load(&mut self) -> Result<Option<State>, StateError> {
        self.read(true)
    }

    /// Reads the state as [`LocalBackend::load`] does, but leaves an interrupted apply's journal
    /// where it is (replayed in memory only), so that a command that only reads without the
    /// lock — `show`, `state list`, `graph` — never writes, and the next apply still sees that
    /// the last one was interrupted. (`plan` takes the lock, and folds as every command under
    /// the lock does.)
    pub fn load_without_folding(&mut self) -> Result<Option<State>, StateError> {
        self.read(false)
    }

    fn read(&mut self, fold: bool) -> Result<Option<State>, StateError> {
        self.warnings.clear();
        let state = match read_state_file(&self.file).map_err(|e| self.refuse_error(e))? {
            None => {
                self.known = Known::Missing;
                None
            }
            Some((bytes, on_disk)) => match State::from_json(&self.file, &bytes) {
                Ok(mut state) => {
                    let (status, warning) =
                        crate::keyfile::local_attach(&self.key_path(), &mut state)?;
                    self.digest = status;
                    self.warnings.extend(warning);
                    self.known = Known::Present {
                        recorded: Box::new(Recorded::new(&state)),
                        on_disk,
                    };
                    Some(state)
                }
                Err(refusal) => return Err(self.refuse(refusal)),
            },
        };

        let journal_path = self.journal_path();
        let Some(bytes) =
            read_optional(&journal_path, "read the journal").map_err(|e| self.refuse_error(e))?
        else {
            return Ok(state);
        };
        let Some(mut state) = state else {
            return Err(self.refuse(Refusal::JournalWithoutState {
                path: journal_path,
                state: self.file.clone(),
            }));
        };
        let (changes, warnings) = match journal::replay(&journal_path, &bytes, &mut state) {
            Ok(replayed) => replayed,
            Err(refusal) => return Err(self.refuse(refusal)),
        };
        if !fold {
            self.warnings.push(StateWarning::JournalPending {
                path: journal_path,
                changes,
            });
            self.warnings.extend(warnings);
            return Ok(Some(state));
        }
        state.serial = self.persist(&state)?;
        remove_durably(&journal_path, "remove the folded journal")?;
        tracing::info!(journal = %journal_path.display(), changes, serial = state.serial.0, "interrupted apply's journal folded into the state");
        self.warnings.push(StateWarning::JournalReplayed {
            path: journal_path,
            changes,
        });
        self.warnings.extend(warnings);
        Ok(Some(state))
    }

    /// What the last [`LocalBackend::load`] wants the user to know (a replayed journal, a
    /// torn journal line). Empties the list.
    pub fn take_warnings(&mut self) -> Vec<StateWarning> {
        std::mem::take(&mut self.warnings)
    }

    /// Writes `state` and returns the serial it was written with.
    ///
    /// The caller's `state.serial` is ignored: the serial is the one on disk, plus one if the
    /// content changed. Nothing is written when neither the content nor the writer's version
    /// changed. A state of another lineage than the one on disk is refused, and so is a write
    /// when the file changed on disk since this backend read or wrote it (a writer that did not
    /// take the lock): replacing it would silently lose that writer's changes.
    pub fn persist(&mut self, state: &State) -> Result<Serial, StateError> {
        if matches!(self.known, Known::Unread) {
            // Establishes what is on disk (and folds a journal) before anything replaces it.
            self.load()?;
        }
        let (serial, keep_backup) = match &self.known {
            Known::Unread | Known::Missing => (state.serial.next(), false),
            Known::Refused(refusal) => return Err(refusal.clone().into()),
            Known::Present { recorded, on_disk } => {
                // The file as it was read or written: the state of thousands of resources is
                // not kept in memory twice for the rare command that writes. A file changed
                // on disk since is refused, whatever the write would be.
                let bytes = match read_state_file(&self.file)? {
                    Some((bytes, now)) if now == *on_disk => bytes,
                    _ => {
                        return Err(StateError::ChangedOnDisk {
                            path: self.file.clone(),
                        });
                    }
                };
                match recorded.next_write(state, &bytes, self.digest.must_move(), &self.file)? {
                    Write::Unneeded(serial) => return Ok(serial),
                    Write::With(serial) => (serial, true),
                }
            }
        };
        self.check_unchanged_on_disk()?;
        let mut written = state.clone();
        written.serial = serial;
        if keep_backup {
            self.keep_backup()?;
        }
        if self.digest.must_move() {
            // Before the state that needs it: a state never exists without its key.
            crate::keyfile::local_store(&self.key_path(), &written)?;
            self.digest = crate::keyfile::KeyStatus::Stored;
        }
        let bytes = written.to_json();
        write_atomically(&self.file, &bytes)?;
        let on_disk = std::fs::metadata(&self.file)
            .map(|metadata| Fingerprint::of(&metadata))
            .map_err(|error| StateError::io("read back", &self.file, error))?;
        self.known = Known::Present {
            recorded: Box::new(Recorded::new(&written)),
            on_disk,
        };
        Ok(serial)
    }

    /// Replaces the state with `state` even when its lineage differs (`state push --force`):
    /// the serial goes on from the one there, the replaced state is kept as the backup, and
    /// the digest key beside it is rewritten for the new lineage.
    pub fn replace(&mut self, state: &State) -> Result<Serial, StateError> {
        if matches!(self.known, Known::Unread) {
            self.load()?;
        }
        if let Known::Present { recorded, .. } = &mut self.known {
            recorded.lineage = state.lineage;
        }
        self.digest = crate::keyfile::KeyStatus::New;
        self.persist(state)
    }

    /// Starts journalling an apply of `state`. The state is persisted first if it differs
    /// from the file, so the journal always has its base on disk.
    pub fn begin_journal(&mut self, state: &State) -> Result<Journal, StateError> {
        if matches!(self.known, Known::Unread) {
            self.load()?;
        }
        let journal_path = self.journal_path();
        if journal_path.exists() {
            return Err(StateError::JournalExists { path: journal_path });
        }
        let mut base = state.clone();
        base.serial = self.persist(state)?;
        Journal::create(journal_path, base)
    }

    /// Ends an apply: writes the journal's state and deletes the journal. Returns the state as
    /// written. If this fails, the journal stays and the next `load` recovers it.
    pub fn fold(&mut self, journal: Journal) -> Result<State, StateError> {
        let (journal_path, mut state, sink) = journal.into_parts();
        if matches!(sink, Some(journal::Sink::Segments(_))) {
            return Err(StateError::JournalForOtherState {
                path: journal_path,
                state: self.file.clone(),
                journal_lineage: state.lineage.to_string(),
                state_lineage: String::from("(an S3 journal)"),
            });
        }
        if let Known::Present {
            recorded: current, ..
        } = &self.known
            && (journal_path != self.journal_path() || current.lineage != state.lineage)
        {
            return Err(StateError::JournalForOtherState {
                path: journal_path,
                state: self.file.clone(),
                journal_lineage: state.lineage.to_string(),
                state_lineage: current.lineage.to_string(),
            });
        }
        state.serial = self.persist(&state)?;
        remove_durably(&journal_path, "remove the folded journal")?;
        tracing::debug!(journal = %journal_path.display(), serial = state.serial.0, resources = state.resources.len(), "journal folded into the state");
        Ok(state)
    }

    /// Takes the lock for `operation` (`"apply"`, `"plan"`, ...), retrying with backoff until
    /// `timeout`. A zero timeout tries once.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        self.lock_paths().lock(operation, timeout)
    }

    /// Removes the lock record `id` left by a process that died. Refuses while a live process
    /// holds the lock, and when `id` is not the recorded one. Returns the removed record.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.lock_paths().force_unlock(id)
    }

    /// The current lock record, if any.
    pub fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        self.lock_paths().read_info()
    }

    fn lock_paths(&self) -> LockPaths {
        LockPaths {
            state: self.file.clone(),
            lock: self.lock_path(),
            info: self.lock_info_path(),
        }
    }

    fn check_unchanged_on_disk(&self) -> Result<(), StateError> {
        let now = match std::fs::metadata(&self.file) {
            Ok(metadata) => Some(Fingerprint::of(&metadata)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(StateError::io("read", &self.file, error)),
        };
        let expected = match &self.known {
            Known::Present { on_disk, .. } => Some(*on_disk),
            _ => None,
        };
        if now == expected {
            Ok(())
        } else {
            Err(StateError::ChangedOnDisk {
                path: self.file.clone(),
            })
        }
    }

    fn refuse(&mut self, refusal: Refusal) -> StateError {
        self.known = Known::Refused(refusal.clone());
        refusal.into()
    }

    /// A refusal among read errors sticks, as every refusal does (see [`Known::Refused`]).
    fn refuse_error(&mut self, error: StateError) -> StateError {
        match error {
            StateError::Refused(refusal) => self.refuse(refusal),
            other => other,
        }
    }

    fn keep_backup(&self) -> Result<(), StateError> {
        let backup = self.backup_path();
        let temporary = temporary_sibling(&self.file, "backup");
        match std::fs::hard_link(&self.file, &temporary) {
            Ok(()) => {}
            // Someone removed the state since we read it; there is nothing to keep.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) => {
                // No hard links here (some network and FAT file systems): copy instead.
                let copied = std::fs::copy(&self.file, &temporary)
                    .and_then(|_| File::open(&temporary)?.sync_all());
                if let Err(error) = copied {
                    let _ = std::fs::remove_file(&temporary);
                    return Err(StateError::io("keep the backup", &backup, error));
                }
            }
        }
        std::fs::rename(&temporary, &backup).map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            StateError::io("keep the backup", &backup, error)
        })
    }
}

/// `PATH` + suffix, e.g. `state.json` → `state.json.backup`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// A unique temporary name in `path`'s directory (same file system, so rename is atomic).
fn temporary_sibling(path: &Path, purpose: &str) -> PathBuf {
    sibling(
        path,
        &format!(".{purpose}-{}.tmp", uuid::Uuid::new_v4().simple()),
    )
}

/// The state file's bytes and the fingerprint of exactly the file they came from.
fn read_state_file(path: &Path) -> Result<Option<(Vec<u8>, Fingerprint)>, StateError> {
    Ok(read_bounded(path, "read the state file", STATE_LIMIT)?
        .map(|(bytes, metadata)| (bytes, Fingerprint::of(&metadata))))
}

fn read_optional(path: &Path, action: &'static str) -> Result<Option<Vec<u8>>, StateError> {
    Ok(read_bounded(path, action, STATE_LIMIT)?.map(|(bytes, _)| bytes))
}

/// A regular file's bytes, at most `limit` of them; anything else is refused (see
/// [`flowform_fs::read`]).
pub(crate) fn read_bounded(
    path: &Path,
    action: &'static str,
    limit: u64,
) -> Result<Option<(Vec<u8>, std::fs::Metadata)>, StateError> {
    flowform_fs::read(path, limit).map_err(|problem| match problem {
        ReadError::NotAFile(what) => Refusal::NotAFile {
            path: path.to_path_buf(),
            what,
        }
        .into(),
        ReadError::TooLarge { .. } => Refusal::TooLarge {
            path: path.to_path_buf(),
            limit_mib: limit >> 20,
        }
        .into(),
        ReadError::Io(error) => StateError::io(action, path, error),
        ReadError::NotText => StateError::io(action, path, std::io::Error::other(problem)),
    })
}

/// Where a state path really leads: a symlink's final target (made absolute), the path itself
/// otherwise. A dangling link is followed too, so the first write creates its target instead
/// of replacing the link with a file.
fn follow_symlink(path: &Path) -> PathBuf {
    let is_link = |p: &Path| {
        std::fs::symlink_metadata(p).is_ok_and(|metadata| metadata.file_type().is_symlink())
    };
    if !is_link(path) {
        return path.to_path_buf();
    }
    if let Ok(target) = std::fs::canonicalize(path) {
        return target;
    }
    let mut current = path.to_path_buf();
    // As many hops as Linux follows before it calls a chain of links a loop.
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        current = match current.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
        if !is_link(&current) {
            break;
        }
    }
    current
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    // The state names every resource and its settings: only its owner may read it.
    flowform_fs::write_durably(path, bytes, flowform_fs::Access::OwnerOnly)
        .map_err(|error| StateError::io("write the state file", path, error))
}

fn remove_durably(path: &Path, action: &'static str) -> Result<(), StateError> {
    flowform_fs::remove_durably(path).map_err(|error| StateError::io(action, path, error))
}

/// Fsyncs the directory holding `path`, so a create, rename or delete in it survives a crash.
pub(crate) fn sync_dir(path: &Path) -> Result<(), StateError> {
    flowform_fs::sync_dir(path).map_err(|error| StateError::io("sync the directory", path, error))
}
