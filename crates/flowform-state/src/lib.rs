//! flowform's state: what flowform remembers between runs, and how it is kept on disk.
//!
//! The state records, per resource address, what flowform last applied: the AWS id, the
//! non-sensitive attributes, the dependencies (for ordering deletes), and for each sensitive
//! attribute an HMAC digest instead of its value. **No secret value ever reaches the file**:
//! the API takes only non-sensitive attributes and [`Digest`]s, and a `Digest` can only be made
//! by [`DigestKey::digest`].
//!
//! The flow through this crate, the same with either backend ([`Backend`]: a local file or
//! an S3 object):
//!
//! ```no_run
//! # use flowform_state::*;
//! # use std::time::Duration;
//! # fn main() -> Result<(), StateError> {
//! let mut backend = Backend::from(LocalBackend::new("state/flowform.state.json"));
//! let _lock = backend.lock("apply", Duration::from_secs(10))?; // released on drop
//! let state = backend.load()?.unwrap_or_else(|| State::new("0.1.0"));
//! for warning in backend.take_warnings() {
//!     eprintln!("Warning: {warning}");
//! }
//! let mut journal = backend.begin_journal(&state)?;
//! journal.set("secret.app", ResourceState::new("secret", "arn:aws:secretsmanager:..."))?;
//! let state = backend.fold(journal)?; // one rewrite of the state per apply
//! # Ok(()) }
//! ```
//!
//! One idea per file:
//!
//! - [`document`]: the state document ([`State`], [`ResourceState`],
//!   [`OutputState`], [`Lineage`], [`Serial`]) and its JSON form, including telling a corrupt,
//!   foreign or too-new file apart from a state.
//! - [`digest`]: [`DigestKey`] and [`Digest`], the HMAC-SHA-256 of sensitive values.
//! - [`backend`]: [`Backend`], either backend behind one API.
//! - [`local`]: [`LocalBackend`]: load, atomic persist with a backup, serials.
//! - `recorded`: what either backend last read or wrote (as bytes, not a second parsed copy)
//!   and the decision of the next write: refused, next serial, same serial, or none.
//! - [`s3`]: [`S3Backend`]: the state in S3, locked and written with conditional writes
//!   (`If-None-Match`, `If-Match`), its journal in numbered segment objects.
//! - [`keyfile`]: where the digest key lives, apart from the state: `PATH.key` (0600), or
//!   `KEY.key` wrapped by KMS.
//! - [`journal`]: [`Journal`], the append-only record of an apply that keeps
//!   apply linear and crash-safe; one writer thread group-commits it (entries that finish
//!   together share one fsync, or one S3 segment), and its doc lists what recovery relies on.
//! - [`lock`]: the OS lock and its `PATH.lock.info` record ([`LockGuard`], [`LockInfo`]);
//!   the S3 lock object shares the guard and the record.
//! - [`error`]: [`StateError`], [`Refusal`], [`StateWarning`].
//! - [`values`]: the codec between attribute values and records: non-sensitive values as JSON,
//!   sensitive ones as digests, and the flattened shape both are compared in.
//!
//! Every read of a file the user named is of a regular file, and bounded ([`STATE_LIMIT`],
//! [`LOCK_INFO_LIMIT`]); every write is durable — both through `flowform-fs`. An S3 object is
//! read up to [`STATE_LIMIT`] too.
//!
//! Addresses are plain `String`s here: the typed `Address` belongs to `flowform-core`, and a
//! state must still load when it holds an address the current configuration cannot parse.
//! The default state path is the CLI's decision; this crate is always given a path.

pub mod backend;
pub mod digest;
pub mod document;
pub mod error;
pub mod journal;
pub mod keyfile;
pub mod local;
pub mod lock;
mod recorded;
pub mod s3;
pub mod values;

pub use backend::Backend;
pub use digest::{Digest, DigestKey};
pub use document::{
    FORMAT_VERSION, Lineage, OutputState, PendingCreate, ResourceState, Serial, State,
};
pub use error::{Refusal, StateError, StateWarning};
pub use journal::{Change, Durability, Journal, Ticket};
pub use local::LocalBackend;
pub use local::STATE_LIMIT;
pub use lock::LOCK_INFO_LIMIT;
pub use lock::{LockGuard, LockInfo};
pub use s3::{S3Backend, S3Settings};
