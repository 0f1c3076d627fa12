//! The apply journal: one durable line per finished change, so apply stays linear.
//!
//! Terraform rewrites the whole state after every resource, which makes an apply quadratic in
//! the number of resources (1,334 resources took 153 s). flowform instead appends each
//! finished change to `PATH.journal` — O(1) per change, and a `kill -9` loses nothing that was
//! reported done. The state file itself is rewritten once, when the apply ends
//! (`LocalBackend::fold`), or by the next `load` after a crash, which replays the journal on
//! top of the state.
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
//!
//! # Group commit
//!
//! One writer thread per journal does every write. A caller [`Journal::enqueue`]s an entry —
//! the in-memory state changes at once, the line joins the queue — and gets a [`Ticket`] to
//! wait on (blocking, or `.await` from the applier's tasks) only where a guarantee needs it.
//! Whatever queued while a write was in flight goes in the next write, together: one `write`
//! and one `fdatasync` locally, one segment object in S3, however many entries. Ten changes
//! finishing at once cost one fsync, not ten, and none of them is reported done before its
//! line is on disk. Order is kept: a write holds every line queued before its last one, so
//! what is durable is always a prefix of what was enqueued. A failed write fails the journal:
//! every later enqueue and every wait not yet satisfied gets [`StateError::JournalWrite`],
//! and nothing is appended after the failure (locally the torn bytes are cut off first).
//!
//! # What recovery relies on ([`Durability`])
//!
//! - [`Durability::Now`], with both backends, before the caller goes on:
//!   - an **intent**, before its create is sent. Without it a killed apply would leave an
//!     object AWS made and no record that this state asked for it; with it, the resumed apply
//!     repeats the create under the same token (AppFlow answers a replay of the identical
//!     request with the same profile; a secret or KMS key is recognised by this state's lineage
//!     and address tags) — proof, never a guess by name;
//!   - a **checkpoint** that holds what nothing else could recover (`Op::checkpoint` in the
//!     applier): a key policy's partial record holds the policy it is about to replace; were
//!     it lost after PutKeyPolicy, the resumed apply would take flowform's own policy for the
//!     original and "restore" it on destroy. Nothing but this line knows the original. (The
//!     checkpoints of secrets, keys and profiles are `Finished`: their create's durable intent
//!     already lets the resumed apply prove the object its own, by tags or by token.)
//! - [`Durability::Finished`]: a finished change (the final record of a create, an update, a
//!   delete; a move, an import or a forgotten record). Locally it is still durable before the
//!   caller goes on — an entry reported done is on disk. In S3 it may wait for the next segment:
//!   at most a second, or 100 entries, or the next `Now` line (whose segment carries every line
//!   queued before it). Losing such a line to a kill is safe, and only because:
//!   - a create's line follows its durable intent: the intent stays pending in the state, and
//!     the resumed apply repeats the create with the same token and adopts only what the
//!     token (or the tags) prove ours;
//!   - an update or a delete is absolute: the state still records the object under its id,
//!     the next refresh reads what it is now, and the change is planned again (a delete of
//!     what is gone is the goal reached);
//!   - a move, an import or a forgotten record is planned again from the same configuration
//!     (`moved` and `import` blocks, the refresh that found the object gone);
//!   - a line that depends on another (a profile referring to a secret's ARN) is only sent
//!     after that one was enqueued, and its own intent's segment carries it.
//!
//! What the journal never does: write a line out of order, write after a failure, or report an
//! intent or checkpoint durable before the write that holds it has returned.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::document::{Lineage, PendingCreate, ResourceState, Serial, State};
use crate::error::{Refusal, StateError, StateWarning};
use crate::local::sync_dir;

const JOURNAL_VERSION: u32 = 1;

/// An S3 journal writes a segment when this many lines wait...
pub(crate) const SEGMENT_LINES: usize = 100;
/// ... or when the oldest waiting line is this old (or at once for an intent or a checkpoint).
pub(crate) const SEGMENT_AGE: Duration = Duration::from_secs(1);

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

/// How soon an entry must be durable (see the module documentation for why each is enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Before the caller goes on, with every backend: an intent, a checkpoint.
    Now,
    /// A finished change: before the caller goes on locally; within a second or 100 entries
    /// in S3.
    Finished,
}

/// One change to record.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// `address` now is this resource.
    Set(&'a ResourceState),
    /// `address` is gone.
    Remove,
    /// A create of `address` is about to be sent with this token.
    Intent(&'a PendingCreate),
}

/// An open journal of one apply. Made by `begin_journal` of a backend, ended by its `fold`;
/// dropping it without folding is what a crash looks like, and the next `load` recovers from
/// it.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    state: State,
    changes: usize,
    line: Vec<u8>,
    writer: Writer,
}

/// Where the journal's lines go. Only the writer thread touches it.
#[derive(Debug)]
pub(crate) enum Sink {
    /// `PATH.journal`: each batch appended and fdatasynced.
    File {
        file: File,
        /// The length of the journal up to its last complete line.
        good_len: u64,
    },
    /// Numbered S3 segment objects, one per batch (see `s3::Segments`).
    Segments(crate::s3::Segments),
    /// Batches kept in memory, each write taking `delay`: for the tests of the writer.
    #[cfg(test)]
    Memory {
        batches: Arc<Mutex<Vec<Vec<u8>>>>,
        delay: Duration,
        lingers: bool,
    },
}

impl Sink {
    /// Whether finished changes may wait for a later write (S3), rather than be written at once.
    fn lingers(&self) -> bool {
        match self {
            Sink::Segments(_) => true,
            Sink::File { .. } => false,
            #[cfg(test)]
            Sink::Memory { lingers, .. } => *lingers,
        }
    }

    /// Makes `lines` (whole lines) durable after everything written before.
    fn write(&mut self, path: &Path, lines: &[u8]) -> Result<(), String> {
        match self {
            #[cfg(test)]
            Sink::Memory { batches, delay, .. } => {
                std::thread::sleep(*delay);
                batches
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(lines.to_vec());
                Ok(())
            }
            Sink::Segments(segments) => segments.write(lines).map_err(|e| e.to_string()),
            Sink::File { file, good_len } => {
                // One write of the whole batch: a crash can only leave a torn *last* line,
                // which `replay` recognises. `sync_data` is enough: the size is data, the
                // mtime is not.
                match file.write_all(lines).and_then(|()| file.sync_data()) {
                    Ok(()) => {
                        *good_len += lines.len() as u64;
                        Ok(())
                    }
                    Err(error) => {
                        // A failed write (a full disk) may have left part of a line: cut it
                        // off, so the file ends with a whole line. Nothing is written after.
                        let _ = file.set_len(*good_len).and_then(|()| file.sync_data());
                        Err(format!("appending to {} failed: {error}", path.display()))
                    }
                }
            }
        }
    }
}

/// The writer thread and what it shares with the callers.
#[derive(Debug)]
struct Writer {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<Sink>>,
    lingers: bool,
}

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    queue: Mutex<Queue>,
    /// Wakes the writer: work arrived, someone waits, or it is told to stop.
    work: Condvar,
    /// Wakes blocking waiters: a write ended.
    written: Condvar,
    /// Wakes async waiters: the durable sequence number, or that the journal failed.
    progress: tokio::sync::watch::Sender<(u64, bool)>,
}

#[derive(Debug, Default)]
struct Queue {
    /// Lines enqueued and not yet handed to a write.
    lines: Vec<u8>,
    count: usize,
    /// When the oldest of `lines` was enqueued.
    oldest: Option<Instant>,
    /// Sequence number of the last line enqueued (the first is 1).
    queued: u64,
    /// The highest sequence number someone needs durable now.
    wanted: u64,
    /// Every line up to this sequence number is durable.
    durable: u64,
    failed: Option<String>,
    stop: Stop,
    /// How many writes were made (fsyncs, segments): for the debug log and the tests.
    writes: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stop {
    #[default]
    Run,
    /// Write what is queued, then end (a fold).
    Flush,
    /// End after the write in flight (a drop: what a crash looks like).
    Abandon,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn failure(&self, detail: &str) -> StateError {
        StateError::JournalWrite {
            path: self.path.clone(),
            detail: detail.to_owned(),
        }
    }

    /// The writer thread: writes a batch whenever one is due, until told to stop.
    fn run(&self, mut sink: Sink) -> Sink {
        let lingers = sink.lingers();
        let mut spare = Vec::new();
        let mut queue = self.lock();
        loop {
            if queue.failed.is_some() {
                return sink;
            }
            if queue.stop == Stop::Abandon {
                // Whoever still waits is answered, never left waiting on a writer gone.
                if queue.durable < queue.queued {
                    queue.failed =
                        Some("the journal was closed before these entries were written".into());
                    self.written.notify_all();
                    self.progress.send_replace((queue.durable, true));
                }
                return sink;
            }
            let due = queue.count > 0
                && (!lingers
                    || queue.wanted > queue.durable
                    || queue.count >= SEGMENT_LINES
                    || queue.stop == Stop::Flush
                    || queue.oldest.is_some_and(|o| o.elapsed() >= SEGMENT_AGE));
            if !due {
                if queue.stop == Stop::Flush {
                    return sink;
                }
                let wait = match queue.oldest {
                    Some(oldest) if lingers => SEGMENT_AGE.saturating_sub(oldest.elapsed()),
                    _ => Duration::from_secs(3600),
                };
                queue = match self.work.wait_timeout(queue, wait) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
                continue;
            }
            let mut lines = std::mem::replace(&mut queue.lines, std::mem::take(&mut spare));
            let upto = queue.queued;
            queue.count = 0;
            queue.oldest = None;
            drop(queue);
            let written = sink.write(&self.path, &lines);
            lines.clear();
            spare = lines;
            queue = self.lock();
            queue.writes += 1;
            match written {
                Ok(()) => queue.durable = upto,
                Err(detail) => {
                    tracing::error!(journal = %self.path.display(), %detail, "journal write failed");
                    queue.failed = Some(detail);
                }
            }
            self.written.notify_all();
            self.progress
                .send_replace((queue.durable, queue.failed.is_some()));
        }
    }
}

/// A line enqueued: wait on it where its durability matters.
#[must_use = "an entry is durable only once its ticket has been waited on"]
#[derive(Debug)]
pub struct Ticket {
    /// `None`: nothing to wait for (a finished change an S3 journal writes later).
    shared: Option<Arc<Shared>>,
    seq: u64,
}

impl Ticket {
    /// Blocks until the line is durable.
    pub fn wait(self) -> Result<(), StateError> {
        let Some(shared) = self.shared else {
            return Ok(());
        };
        let mut queue = shared.lock();
        loop {
            if queue.durable >= self.seq {
                return Ok(());
            }
            if let Some(detail) = &queue.failed {
                return Err(shared.failure(detail));
            }
            queue = shared
                .written
                .wait(queue)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Waits, without blocking a thread, until the line is durable.
    pub async fn durable(self) -> Result<(), StateError> {
        let Some(shared) = self.shared else {
            return Ok(());
        };
        let mut progress = shared.progress.subscribe();
        let seq = self.seq;
        let reached = progress
            .wait_for(|(durable, failed)| *durable >= seq || *failed)
            .await
            .map(|now| now.0 >= seq);
        match reached {
            Ok(true) => Ok(()),
            // Failed, or the writer is gone (it never leaves with a waiter unanswered).
            _ => Err(shared.failure(
                shared
                    .lock()
                    .failed
                    .as_deref()
                    .unwrap_or("the writer ended"),
            )),
        }
    }
}

impl Writer {
    fn start(path: &Path, sink: Sink) -> Result<Writer, StateError> {
        let lingers = sink.lingers();
        let shared = Arc::new(Shared {
            path: path.to_path_buf(),
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            written: Condvar::new(),
            progress: tokio::sync::watch::Sender::new((0, false)),
        });
        let background = shared.clone();
        let thread = std::thread::Builder::new()
            .name("flowform-journal".into())
            .spawn(move || background.run(sink))
            .map_err(|error| StateError::io("start the journal writer for", path, error))?;
        Ok(Writer {
            shared,
            thread: Some(thread),
            lingers,
        })
    }

    fn enqueue(&self, line: &[u8], durability: Durability) -> Result<Ticket, StateError> {
        let mut queue = self.shared.lock();
        if let Some(detail) = &queue.failed {
            return Err(self.shared.failure(detail));
        }
        queue.lines.extend_from_slice(line);
        queue.count += 1;
        queue.queued += 1;
        let seq = queue.queued;
        let first = queue.oldest.is_none();
        if first {
            queue.oldest = Some(Instant::now());
        }
        let wait = durability == Durability::Now || !self.lingers;
        if wait {
            queue.wanted = seq;
        }
        // The writer sleeps until something is due; a lingering batch's first line sets the
        // clock it sleeps by.
        if wait || first || queue.count >= SEGMENT_LINES {
            self.shared.work.notify_one();
        }
        Ok(Ticket {
            shared: wait.then(|| self.shared.clone()),
            seq,
        })
    }

    /// Stops the thread: `Flush` writes what is queued first. Returns the sink, and the failure
    /// that stopped the journal, if one did.
    fn stop(&mut self, how: Stop) -> (Option<Sink>, Option<String>) {
        {
            let mut queue = self.shared.lock();
            queue.stop = how;
            self.shared.work.notify_one();
        }
        let sink = self.thread.take().and_then(|thread| thread.join().ok());
        let queue = self.shared.lock();
        tracing::debug!(journal = %self.shared.path.display(), entries = queue.queued, durable = queue.durable, writes = queue.writes, "journal writer stopped");
        (sink, queue.failed.clone())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop(Stop::Abandon);
        }
    }
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
        let writer = Writer::start(&path, Sink::File { file, good_len: 0 })?;
        let journal = Journal {
            path,
            state,
            changes: 0,
            line: Vec::with_capacity(4096),
            writer,
        };
        let header = Journal::header_line(&journal.state);
        journal.writer.enqueue(&header, Durability::Now)?.wait()?;
        // The file's name must survive a crash too, or the entries would be unreachable.
        sync_dir(&journal.path)?;
        Ok(journal)
    }

    /// A journal whose lines go to S3 segments, each of which starts with the header
    /// (`header_line`).
    pub(crate) fn segments(
        location: PathBuf,
        state: State,
        segments: crate::s3::Segments,
    ) -> Result<Journal, StateError> {
        let writer = Writer::start(&location, Sink::Segments(segments))?;
        Ok(Journal {
            path: location,
            state,
            changes: 0,
            line: Vec::with_capacity(4096),
            writer,
        })
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

    /// Records that `address` now is `resource`. Durable when this returns (local); within a
    /// second (S3).
    pub fn set(&mut self, address: &str, resource: ResourceState) -> Result<(), StateError> {
        self.enqueue(address, Change::Set(&resource), Durability::Finished)?
            .wait()
    }

    /// Records that `address` is gone. Durable when this returns (local); within a second
    /// (S3).
    pub fn remove(&mut self, address: &str) -> Result<(), StateError> {
        self.enqueue(address, Change::Remove, Durability::Finished)?
            .wait()
    }

    /// Records that a create of `address` is about to be sent to AWS with `pending.token`.
    /// Durable when this returns, with every backend; call it before sending.
    pub fn intend(&mut self, address: &str, pending: PendingCreate) -> Result<(), StateError> {
        self.enqueue(address, Change::Intent(&pending), Durability::Now)?
            .wait()
    }

    /// Records `change` of `address` in the state at once and queues its line; returns the
    /// ticket to wait on before anything that relies on the line being durable. An intent is
    /// always [`Durability::Now`], whatever is asked.
    ///
    /// Many callers may each enqueue and then wait outside whatever lock guards the journal:
    /// lines that queue while a write is in flight go out together in the next one.
    pub fn enqueue(
        &mut self,
        address: &str,
        change: Change<'_>,
        durability: Durability,
    ) -> Result<Ticket, StateError> {
        self.line.clear();
        let (entry, durability) = match change {
            Change::Set(resource) => (EntryRef::Set { address, resource }, durability),
            Change::Remove => (EntryRef::Remove { address }, durability),
            Change::Intent(pending) => (EntryRef::Intent { address, pending }, Durability::Now),
        };
        if let Err(error) = serde_json::to_writer(&mut self.line, &entry) {
            unreachable!("a journal entry always serializes: {error}");
        }
        self.line.push(b'\n');
        let ticket = self.writer.enqueue(&self.line, durability)?;
        match change {
            Change::Set(resource) => {
                self.state.pending.remove(address);
                self.state
                    .resources
                    .insert(address.to_owned(), resource.clone());
                self.changes += 1;
            }
            Change::Remove => {
                self.state.pending.remove(address);
                self.state.resources.remove(address);
                self.changes += 1;
            }
            Change::Intent(pending) => {
                self.state
                    .pending
                    .insert(address.to_owned(), pending.clone());
            }
        }
        Ok(ticket)
    }

    /// The state with every recorded change applied.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Sets what the fold writes besides the journaled changes: the outputs and the writer's
    /// version, which an apply derives from the resources once every change is in (so the
    /// state is written once per apply). Not journaled: a journal replayed after a crash has
    /// the resources, and the next apply records the outputs again.
    pub fn set_derived(
        &mut self,
        outputs: Option<std::collections::BTreeMap<String, crate::OutputState>>,
        flowform_version: &str,
    ) {
        if let Some(outputs) = outputs {
            self.state.outputs = outputs;
        }
        self.state.flowform_version = flowform_version.to_string();
    }

    /// Forgets the intent to create `address` once AWS answered that another object holds its
    /// name (the create made nothing), unless the address has a record. Not journaled: a
    /// journal replayed after a crash still has the intent, and the next apply repeats the
    /// create under its token.
    pub fn forget_intent(&mut self, address: &str) {
        if !self.state.resources.contains_key(address) {
            self.state.pending.remove(address);
        }
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

    /// Ends the journal: writes what is queued, stops the writer (so nothing is written after
    /// the fold), and hands back its sink. A journal whose writes failed still hands back its
    /// state: every change in it happened, and the fold writes them into the state.
    pub(crate) fn into_parts(self) -> (PathBuf, State, Option<Sink>) {
        let Journal {
            path,
            state,
            mut writer,
            ..
        } = self;
        let (sink, failed) = writer.stop(Stop::Flush);
        if let Some(detail) = failed {
            tracing::warn!(journal = %path.display(), %detail, "the journal had failed; the state is written from memory");
        }
        (path, state, sink)
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

    // The writer.

    fn memory(delay_ms: u64, lingers: bool) -> (Journal, Arc<Mutex<Vec<Vec<u8>>>>) {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink::Memory {
            batches: batches.clone(),
            delay: Duration::from_millis(delay_ms),
            lingers,
        };
        let journal = Journal {
            path: PathBuf::from("memory.journal"),
            state: state(),
            changes: 0,
            line: Vec::new(),
            writer: Writer::start(Path::new("memory.journal"), sink).expect("writer"),
        };
        (journal, batches)
    }

    fn secret(i: usize) -> ResourceState {
        ResourceState::new("secret", format!("arn:{i}"))
    }

    fn lines_of(batches: &Arc<Mutex<Vec<Vec<u8>>>>) -> Vec<usize> {
        let batches = batches.lock().expect("lock");
        batches
            .iter()
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .collect()
    }

    #[test]
    fn entries_that_queue_during_a_write_share_the_next_one() {
        let (mut journal, batches) = memory(100, false);
        let first = journal
            .enqueue("secret.s0", Change::Set(&secret(0)), Durability::Finished)
            .expect("enqueue");
        std::thread::sleep(Duration::from_millis(20)); // the writer is now in its write
        let tickets: Vec<Ticket> = (1..=20)
            .map(|i| {
                let address = format!("secret.s{i}");
                journal
                    .enqueue(&address, Change::Set(&secret(i)), Durability::Finished)
                    .expect("enqueue")
            })
            .collect();
        first.wait().expect("durable");
        for ticket in tickets {
            ticket.wait().expect("durable");
        }
        assert_eq!(lines_of(&batches), vec![1, 20], "21 entries, 2 writes");
        // In order: the batches together are the lines as enqueued.
        let all: Vec<u8> = batches.lock().expect("lock").concat();
        let mut replayed = state();
        let mut bytes = Journal::header_line(&replayed);
        bytes.extend_from_slice(&all);
        let (changes, _) = replay(Path::new("m"), &bytes, &mut replayed).expect("replays");
        assert_eq!(changes, 21);
        assert_eq!(&replayed.resources, &journal.state().resources);
    }

    #[test]
    fn a_ticket_resolves_only_once_its_write_has_returned() {
        let (mut journal, batches) = memory(200, false);
        let ticket = journal
            .enqueue("secret.s0", Change::Set(&secret(0)), Durability::Finished)
            .expect("enqueue");
        let started = Instant::now();
        ticket.wait().expect("durable");
        assert!(started.elapsed() >= Duration::from_millis(150));
        assert_eq!(lines_of(&batches), vec![1]);
    }

    #[test]
    fn lingering_sink_writes_finished_changes_with_the_next_intent_or_after_a_second() {
        let (mut journal, batches) = memory(0, true);
        for i in 0..5 {
            journal
                .enqueue(
                    &format!("secret.s{i}"),
                    Change::Set(&secret(i)),
                    Durability::Finished,
                )
                .expect("enqueue")
                .wait()
                .expect("nothing to wait for");
        }
        std::thread::sleep(Duration::from_millis(100));
        assert!(lines_of(&batches).is_empty(), "finished changes linger");
        let pending = PendingCreate::now("t");
        journal
            .enqueue("secret.new", Change::Intent(&pending), Durability::Finished)
            .expect("enqueue")
            .wait()
            .expect("an intent is durable at once, even when asked for less");
        assert_eq!(
            lines_of(&batches),
            vec![6],
            "the intent carries what queued before it"
        );

        journal
            .enqueue("secret.s9", Change::Set(&secret(9)), Durability::Finished)
            .expect("enqueue")
            .wait()
            .expect("nothing to wait for");
        std::thread::sleep(SEGMENT_AGE + Duration::from_millis(300));
        assert_eq!(lines_of(&batches), vec![6, 1], "written within a second");

        for i in 0..SEGMENT_LINES {
            journal
                .enqueue(
                    &format!("secret.b{i}"),
                    Change::Set(&secret(i)),
                    Durability::Finished,
                )
                .expect("enqueue")
                .wait()
                .expect("nothing to wait for");
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            lines_of(&batches),
            vec![6, 1, SEGMENT_LINES],
            "and every 100 lines"
        );

        journal
            .enqueue("secret.last", Change::Remove, Durability::Finished)
            .expect("enqueue")
            .wait()
            .expect("nothing to wait for");
        let (_, _, sink) = journal.into_parts();
        assert!(sink.is_some());
        assert_eq!(
            lines_of(&batches),
            vec![6, 1, SEGMENT_LINES, 1],
            "the fold writes what lingers"
        );
    }

    #[test]
    fn concurrent_waiters_async_all_resolve_and_share_writes() {
        let (journal, batches) = memory(5, false);
        let journal = Arc::new(Mutex::new(journal));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..50 {
                let journal = journal.clone();
                tasks.spawn(async move {
                    let ticket = journal.lock().expect("lock").enqueue(
                        &format!("secret.s{i}"),
                        Change::Set(&secret(i)),
                        Durability::Finished,
                    );
                    ticket.expect("enqueue").durable().await.expect("durable");
                });
            }
            while let Some(done) = tasks.join_next().await {
                done.expect("task");
            }
        });
        let written = lines_of(&batches);
        assert_eq!(written.iter().sum::<usize>(), 50);
        assert!(written.len() < 50, "some writes were shared: {written:?}");
    }

    #[test]
    fn a_failed_write_fails_its_waiters_and_every_later_entry() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.journal");
        std::fs::write(&path, b"").expect("file");
        // Read-only: every write fails, as on a full disk.
        let file = File::open(&path).expect("open");
        let mut journal = Journal {
            path: path.clone(),
            state: state(),
            changes: 0,
            line: Vec::new(),
            writer: Writer::start(&path, Sink::File { file, good_len: 0 }).expect("writer"),
        };
        let error = journal
            .enqueue("secret.s0", Change::Set(&secret(0)), Durability::Finished)
            .expect("enqueue")
            .wait()
            .expect_err("the write failed");
        assert!(matches!(error, StateError::JournalWrite { .. }), "{error}");
        let error = journal
            .enqueue("secret.s1", Change::Set(&secret(1)), Durability::Finished)
            .expect_err("nothing is written after a failure");
        assert!(matches!(error, StateError::JournalWrite { .. }), "{error}");
        assert!(
            !journal.state().resources.contains_key("secret.s1"),
            "a refused entry does not change the state"
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"");
    }
}
