//! Where the digest key lives, since it left the state document (SPEC §4).
//!
//! An HMAC under a key nobody else has is what stops a reader of the state from testing a
//! guess of a secret; a key that sits in the state stops nobody. So the key is kept apart:
//!
//! - local backend: `PATH.key`, a 0600 file beside the state (git-ignored by the examples);
//! - s3 backend: `KEY.key`, the key encrypted by KMS under `digest_kms_key_id` (one Decrypt
//!   per run, when the state is loaded).
//!
//! Both hold the lineage of their state, so a key is never used with another state. The key is
//! written *before* the state that needs it, so a state without its key in the document never
//! exists without the key beside it. A state written before the move still carries the key:
//! it is used, and moved out by the next write. A state whose key is missing is given a fresh
//! one (see `State::digest_key`): its sensitive values no longer match their digests, so the
//! planner plans them as re-sent, rather than failing — and the next write stores the new key.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::digest::DigestKey;
use crate::document::{Lineage, State};
use crate::error::{StateError, StateWarning};
use crate::s3::S3Backend;

/// The most flowform reads as a key file: a few hundred bytes.
const KEY_LIMIT: u64 = 64 << 10;

/// Where the loaded state's key came from, and so whether the next write must store it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum KeyStatus {
    /// Nothing loaded yet, or no state: the first write stores the key.
    #[default]
    New,
    /// Read from its file or object: nothing to do.
    Stored,
    /// Found inside the state document: moved out by the next write.
    InsideState,
    /// Not found: a fresh key was made; stored by the next write.
    Missing,
}

impl KeyStatus {
    pub(crate) fn must_move(self) -> bool {
        self != KeyStatus::Stored
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalKeyFile {
    flowform_digest_key: u32,
    lineage: Lineage,
    key: DigestKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrappedKey {
    flowform_digest_key: u32,
    lineage: Lineage,
    kms_key_id: String,
    /// The KMS ciphertext of the 32 key bytes, base64.
    wrapped: String,
}

/// Puts the key of `PATH.key` into `state`. Returns where it came from, and a warning when it
/// is missing.
pub(crate) fn local_attach(
    key_path: &Path,
    state: &mut State,
) -> Result<(KeyStatus, Option<StateWarning>), StateError> {
    let found = crate::local::read_bounded(key_path, "read the digest key", KEY_LIMIT)?;
    let Some((bytes, _)) = found else {
        return Ok(missing(state, key_path.display().to_string()));
    };
    let file: LocalKeyFile =
        serde_json::from_slice(&bytes).map_err(|error| StateError::DigestKey {
            location: key_path.display().to_string(),
            detail: format!("it is not a flowform digest key file ({error})"),
        })?;
    if file.lineage != state.lineage {
        return Err(StateError::DigestKey {
            location: key_path.display().to_string(),
            detail: format!(
                "it belongs to the state with lineage {}, not {}",
                file.lineage, state.lineage
            ),
        });
    }
    state.digest_key = file.key;
    Ok((KeyStatus::Stored, None))
}

fn missing(state: &State, location: String) -> (KeyStatus, Option<StateWarning>) {
    if state.had_key_inside() {
        (KeyStatus::InsideState, None)
    } else if state.resources.values().all(|r| r.sensitive.is_empty()) {
        // Nothing was digested: a new key loses nothing worth a warning.
        (KeyStatus::Missing, None)
    } else {
        (
            KeyStatus::Missing,
            Some(StateWarning::DigestKeyMissing { location }),
        )
    }
}

/// Writes `PATH.key` (0600, durably) for `state`.
pub(crate) fn local_store(key_path: &Path, state: &State) -> Result<(), StateError> {
    let file = LocalKeyFile {
        flowform_digest_key: 1,
        lineage: state.lineage,
        key: state.digest_key.clone(),
    };
    let mut bytes = match serde_json::to_vec_pretty(&file) {
        Ok(bytes) => bytes,
        Err(error) => unreachable!("a key file always serializes: {error}"),
    };
    bytes.push(b'\n');
    flowform_fs::write_durably(key_path, &bytes, flowform_fs::Access::OwnerOnly)
        .map_err(|error| StateError::io("write the digest key", key_path, error))
}

/// Puts the key of `KEY.key` (unwrapped by KMS) into `state`.
pub(crate) fn remote_attach(
    backend: &mut S3Backend,
    state: &mut State,
) -> Result<KeyStatus, StateError> {
    let object = backend.key_object();
    let location = format!("s3://{}/{object}", backend.settings().bucket);
    let Some(bytes) = backend.get_object(&object)? else {
        let (status, warning) = missing(state, location);
        if let Some(warning) = warning {
            backend.warn(warning);
        }
        return Ok(status);
    };
    let stored: WrappedKey =
        serde_json::from_slice(&bytes).map_err(|error| StateError::DigestKey {
            location: location.clone(),
            detail: format!("it is not a flowform wrapped digest key ({error})"),
        })?;
    if stored.lineage != state.lineage {
        return Err(StateError::DigestKey {
            location,
            detail: format!(
                "it belongs to the state with lineage {}, not {}",
                stored.lineage, state.lineage
            ),
        });
    }
    let ciphertext =
        BASE64
            .decode(stored.wrapped.as_bytes())
            .map_err(|error| StateError::DigestKey {
                location: location.clone(),
                detail: format!("its ciphertext is not base64 ({error})"),
            })?;
    let plaintext = backend.unwrap(ciphertext)?;
    let bytes: [u8; 32] = plaintext.try_into().map_err(|_| StateError::DigestKey {
        location,
        detail: "KMS returned a key that is not 32 bytes long".into(),
    })?;
    state.digest_key = DigestKey::from_bytes(bytes);
    Ok(KeyStatus::Stored)
}

/// Wraps `state`'s key with KMS and writes `KEY.key`, when the loaded status asks for it.
pub(crate) fn remote_store(backend: &mut S3Backend, state: &State) -> Result<(), StateError> {
    if !backend.digest_status().must_move() {
        return Ok(());
    }
    let wrapped = backend.wrap(state.digest_key.bytes().to_vec())?;
    let stored = WrappedKey {
        flowform_digest_key: 1,
        lineage: state.lineage,
        kms_key_id: backend
            .settings()
            .digest_kms_key_id
            .clone()
            .unwrap_or_default(),
        wrapped: BASE64.encode(wrapped),
    };
    let bytes = match serde_json::to_vec_pretty(&stored) {
        Ok(bytes) => bytes,
        Err(error) => unreachable!("a wrapped key always serializes: {error}"),
    };
    backend.put_object(&backend.key_object(), bytes)?;
    backend.set_digest_status(KeyStatus::Stored);
    Ok(())
}
