//! Everything that can go wrong with a state file, worded for the person who has to act on it.
//!
//! Two families live here. [`Refusal`] is a verdict on a file's *content* (corrupt, not a
//! flowform state, too new, a journal from another state): once a backend has refused a file it
//! keeps refusing every write, so the same `Refusal` is handed back again and again — that is why
//! it is `Clone` and carries no I/O error. [`StateError`] is everything else (I/O, locking,
//! misuse) plus a refusal.

use std::path::PathBuf;
use std::time::Duration;

use crate::lock::LockInfo;

/// Why flowform will neither use nor overwrite a file it found on disk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "The state file {path} is empty. flowform never writes an empty state, so the file was \
         probably truncated. Restore it from {path}.backup if there is one, or delete it if you mean to start \
         with no state; flowform will not overwrite it."
    )]
    Empty { path: PathBuf },

    #[error(
        "The state file {path} is not valid JSON: {detail} at line {line}, column {column}. \
         flowform will not overwrite it; restore it from {path}.backup if there is one, or repair it by hand."
    )]
    Corrupt {
        path: PathBuf,
        detail: String,
        line: usize,
        column: usize,
    },

    #[error(
        "{path} is a Terraform state (written by Terraform {terraform_version}), not a flowform \
         state. Point flowform at its own state file with --state, and use `flowform import` to \
         bring existing resources under flowform; flowform will not overwrite this file."
    )]
    TerraformState {
        path: PathBuf,
        terraform_version: String,
    },

    #[error(
        "{path} is JSON but not a flowform state: {reason}. Point flowform at its own state file \
         with --state; flowform will not overwrite this file."
    )]
    NotAState { path: PathBuf, reason: String },

    #[error(
        "The state file {path} has format_version {found} and was written by flowform {writer}; \
         this flowform ({ours}) reads format_version {supported} at most. Upgrade flowform to \
         {writer} or later to use this state; flowform will not overwrite it."
    )]
    TooNew {
        path: PathBuf,
        found: u64,
        supported: u32,
        writer: String,
        ours: String,
    },

    #[error(
        "The state file {path} looks like a flowform state but does not match format_version \
         {format_version}: {detail} at line {line}, column {column}. flowform will not \
         overwrite it; restore it from {path}.backup if there is one, or repair it by hand."
    )]
    Invalid {
        path: PathBuf,
        format_version: u32,
        detail: String,
        line: usize,
        column: usize,
    },

    #[error(
        "The journal {path} belongs to the state with lineage {journal_lineage}, but {state} has \
         lineage {state_lineage}. It was left by an interrupted apply of another state; move it \
         away (it is not replayed) and run again."
    )]
    JournalLineage {
        path: PathBuf,
        state: PathBuf,
        journal_lineage: String,
        state_lineage: String,
    },

    #[error(
        "The journal {path} is damaged at line {line}: {detail}. Only a torn last line is \
         tolerated, so nothing was replayed. Keep a copy of it, repair or remove that line, \
         and run again."
    )]
    JournalCorrupt {
        path: PathBuf,
        line: usize,
        detail: String,
    },

    #[error(
        "The journal {path} records an interrupted apply, but its state file {state} is missing. \
         Restore the state file (perhaps from {state}.backup) so the journal can be replayed on \
         top of it."
    )]
    JournalWithoutState { path: PathBuf, state: PathBuf },

    #[error(
        "{path} is {what}, not a regular file. flowform keeps its state, journal and lock \
         record only in regular files, so it neither read it nor will write over it; point \
         --state at a regular file (or a path where none exists yet)."
    )]
    NotAFile { path: PathBuf, what: &'static str },

    #[error(
        "{path} is larger than {limit_mib} MiB, the most flowform reads as a state, journal or \
         lock record, so it was not read. A state flowform wrote is far smaller; check that \
         this is the file you meant. flowform will not overwrite it."
    )]
    TooLarge { path: PathBuf, limit_mib: u64 },
}

/// Every error of this crate.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Refused(#[from] Refusal),

    #[error(
        "Could not {action} {path}: {source}. Check that the directory exists and that you may write to it."
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "The state to write to {path} has lineage {given}, but the state there has lineage \
         {on_disk}: they are different states. flowform will not replace one with the other; \
         use another --state path."
    )]
    LineageMismatch {
        path: PathBuf,
        given: String,
        on_disk: String,
    },

    #[error(
        "The state file {path} changed on disk since flowform read it: another process wrote it \
         without taking the lock. Nothing was written; run the command again so that it starts \
         from the current state."
    )]
    ChangedOnDisk { path: PathBuf },

    #[error(
        "The journal {path} already exists: an earlier apply was interrupted and its journal \
         has not been folded into the state yet. Load the state first (every flowform command \
         does), which replays it."
    )]
    JournalExists { path: PathBuf },

    #[error(
        "The journal {path} was opened for the state with lineage {journal_lineage}, which is \
         not the state in {state} (lineage {state_lineage}); it was not folded."
    )]
    JournalForOtherState {
        path: PathBuf,
        state: PathBuf,
        journal_lineage: String,
        state_lineage: String,
    },

    #[error(
        "The journal {path} could not be written: {detail}. Nothing more is recorded in it; \
         what it already holds is replayed by the next command."
    )]
    JournalWrite { path: PathBuf, detail: String },

    #[error("{}", lock_timeout_message(.path, .waited, .holder.as_deref()))]
    LockTimeout {
        path: PathBuf,
        waited: Duration,
        holder: Option<Box<LockInfo>>,
    },

    #[error("{}", held_by_live_message(.path, .holder.as_deref()))]
    LockHeldByLiveProcess {
        path: PathBuf,
        holder: Option<Box<LockInfo>>,
    },

    #[error(
        "The lock on {path} has ID {actual}, not {given}; nothing was unlocked. Check the ID \
         and run `flowform force-unlock {actual}` if that is the lock you mean."
    )]
    LockIdMismatch {
        path: PathBuf,
        given: String,
        actual: String,
    },

    #[error(
        "The state {path} is not locked: there is no lock record {info_path}, so there is nothing to unlock."
    )]
    NotLocked { path: PathBuf, info_path: PathBuf },

    #[error(
        "The lock record {path} is not readable lock information: {detail}. If no flowform \
         process is running, delete that file and run again."
    )]
    LockInfoCorrupt { path: PathBuf, detail: String },

    #[error("Could not {action} {object}: {code}: {message}. {}", s3_hint(.code))]
    S3 {
        action: &'static str,
        object: String,
        code: String,
        message: String,
    },

    #[error(
        "Could not write {object}: the state changed since it was read: someone else applied \
         ({code} from S3). Nothing was written over their state; the changes this run made are in its journal, which \
         the next command folds in. Run the command again so that it starts from the current \
         state."
    )]
    StateChangedRemotely { object: String, code: String },

    #[error("{}", remote_locked_message(.object, .waited, .holder.as_deref()))]
    RemoteLocked {
        object: String,
        waited: Duration,
        holder: Option<Box<LockInfo>>,
    },

    #[error("The s3 backend is not usable: {0}.")]
    S3Settings(String),

    #[error(
        "Could not {action} the KMS key {key_id}: {code}: {message}. The credentials need \
         kms:Encrypt and kms:Decrypt on that key."
    )]
    Kms {
        action: &'static str,
        key_id: String,
        code: String,
        message: String,
    },

    #[error(
        "The digest key {location} cannot be used: {detail}. flowform will not guess; move \
         that file or object away (the state's sensitive values are then re-sent once) or \
         restore the right one."
    )]
    DigestKey { location: String, detail: String },
}

fn s3_hint(code: &str) -> &'static str {
    match code {
        "AccessDenied" | "Forbidden" => {
            "The credentials need s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the bucket (README, \"Working as a team\")."
        }
        "NoSuchBucket" => {
            "Create the bucket (with versioning) first, or fix `bucket` in the backend block or --backend-config."
        }
        "PermanentRedirect" | "AuthorizationHeaderMalformed" => {
            "The bucket is in another region: set `region` in the backend block."
        }
        _ => "Check the backend's bucket, key, region and credentials.",
    }
}

fn remote_locked_message(object: &str, waited: &Duration, holder: Option<&LockInfo>) -> String {
    let waited = format!("{:.1}s", waited.as_secs_f64());
    match holder {
        Some(info) => format!(
            "The state {object} is locked by {} for `{}` since {} (lock ID {}); flowform waited \
             {waited} for it. Wait for that run to finish or raise --lock-timeout. If that run \
             died, `flowform force-unlock {}` releases the lock.",
            info.who, info.operation, info.created, info.id, info.id
        ),
        None => format!(
            "The state {object} is locked (its lock object {object}.lock exists but could not be \
             read); flowform waited {waited} for it. Wait for that run to finish or raise \
             --lock-timeout."
        ),
    }
}

fn lock_timeout_message(
    path: &std::path::Path,
    waited: &Duration,
    holder: Option<&LockInfo>,
) -> String {
    let waited = format!("{:.1}s", waited.as_secs_f64());
    match holder {
        Some(info) => format!(
            "The state {} is locked by {} for `{}` since {} (lock ID {}); flowform waited {} for \
             it. Wait for that run to finish or raise --lock-timeout. A local lock is released \
             when its process exits; if the record outlives a crashed process, \
             `flowform force-unlock {}` removes it.",
            path.display(),
            info.who,
            info.operation,
            info.created,
            info.id,
            waited,
            info.id
        ),
        None => format!(
            "The state {} is locked by another process that left no lock record; flowform \
             waited {} for it. Wait for that run to finish or raise --lock-timeout; the lock is \
             released when that process exits.",
            path.display(),
            waited
        ),
    }
}

fn held_by_live_message(path: &std::path::Path, holder: Option<&LockInfo>) -> String {
    let who = match holder {
        Some(info) => format!(
            "{} (`{}` since {}, lock ID {})",
            info.who, info.operation, info.created, info.id
        ),
        None => "a process that left no lock record".to_owned(),
    };
    format!(
        "The lock on {} is held by a running process: {}. A local lock cannot be broken from \
         outside; it is released when that process exits. Stop that process, or wait for it.",
        path.display(),
        who
    )
}

impl Refusal {
    /// A title for the error (the message is its detail): what a diagnostic's summary says.
    pub fn summary(&self) -> &'static str {
        match self {
            Refusal::Empty { .. } => "Empty state file",
            Refusal::Corrupt { .. } => "State file is not valid JSON",
            Refusal::TerraformState { .. } => "Not a flowform state",
            Refusal::NotAState { .. } => "Not a flowform state",
            Refusal::TooNew { .. } => "State written by a newer flowform",
            Refusal::Invalid { .. } => "Invalid state file",
            Refusal::JournalLineage { .. } => "Journal of another state",
            Refusal::JournalCorrupt { .. } => "Damaged journal",
            Refusal::JournalWithoutState { .. } => "Journal without its state",
            Refusal::NotAFile { .. } => "Not a regular file",
            Refusal::TooLarge { .. } => "File too large",
        }
    }
}

impl StateError {
    /// A title for the error (the message is its detail): what a diagnostic's summary says.
    pub fn summary(&self) -> &'static str {
        match self {
            StateError::Refused(r) => r.summary(),
            StateError::Io { .. } => "Cannot access the state",
            StateError::LineageMismatch { .. } => "Another state is there",
            StateError::ChangedOnDisk { .. } => "State changed on disk",
            StateError::JournalExists { .. } => "Unfinished journal",
            StateError::JournalForOtherState { .. } => "Journal of another state",
            StateError::JournalWrite { .. } => "Cannot write the journal",
            StateError::LockTimeout { .. } => "Error acquiring the state lock",
            StateError::LockHeldByLiveProcess { .. } => "State locked by a running process",
            StateError::LockIdMismatch { .. } => "Wrong lock ID",
            StateError::NotLocked { .. } => "State not locked",
            StateError::LockInfoCorrupt { .. } => "Unreadable lock record",
            StateError::S3 { .. } => "S3 request failed",
            StateError::StateChangedRemotely { .. } => "State changed since it was read",
            StateError::RemoteLocked { .. } => "Error acquiring the state lock",
            StateError::S3Settings(_) => "Invalid s3 backend settings",
            StateError::Kms { .. } => "KMS request failed",
            StateError::DigestKey { .. } => "Cannot read the digest key",
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Something the caller should show the user, but that did not stop the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateWarning {
    /// An interrupted apply's journal was replayed into the state.
    JournalReplayed { path: PathBuf, changes: usize },
    /// An interrupted apply's journal was read but left to be folded in by the next write.
    JournalPending { path: PathBuf, changes: usize },
    /// The journal's last line was cut short by the crash and was left out.
    TornJournalLine {
        path: PathBuf,
        line: usize,
        bytes: usize,
    },
    /// The state's digest key was not found: its sensitive values will be re-sent.
    DigestKeyMissing { location: String },
}

impl StateWarning {
    /// A title for the warning (the message is its detail).
    pub fn summary(&self) -> &'static str {
        match self {
            StateWarning::JournalReplayed { .. } => "Interrupted apply or destroy recovered",
            StateWarning::JournalPending { .. } => "Interrupted apply or destroy found",
            StateWarning::TornJournalLine { .. } => "Torn journal line left out",
            StateWarning::DigestKeyMissing { .. } => "Digest key missing",
        }
    }
}

impl std::fmt::Display for StateWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateWarning::JournalReplayed { path, changes } => write!(
                f,
                "An earlier apply or destroy was interrupted; the {changes} change(s) it had \
                 finished were recovered from {} and saved into the state.",
                path.display()
            ),
            StateWarning::JournalPending { path, changes } => write!(
                f,
                "An earlier apply or destroy was interrupted; the {changes} change(s) it had \
                 finished are in {} and are shown here. The next command that takes the lock \
                 records them in the state.",
                path.display()
            ),
            StateWarning::TornJournalLine { path, line, bytes } => write!(
                f,
                "Line {line} of {}, its last, was cut short ({bytes} bytes) when the earlier \
                 apply was interrupted, and was left out. That change had not been reported \
                 finished; running apply again retries it.",
                path.display()
            ),
            StateWarning::DigestKeyMissing { location } => write!(
                f,
                "The state's digest key {location} is missing, so flowform cannot tell whether \
                 the sensitive values changed: the plan re-sends them as \"(sensitive value)\" \
                 updates, and the next write keeps a new key."
            ),
        }
    }
}
