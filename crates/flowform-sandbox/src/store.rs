//! Everything the sandbox remembers, and how it survives a restart.
//!
//! All data sits behind one mutex: requests are tiny, and one lock keeps the cross-service checks
//! (AppFlow reading a secret's policy and its KMS key's policy) consistent without lock ordering.
//! The lock is never held across an `.await`.
//!
//! Saving is a group commit: a mutating request bumps the generation, then waits until a write of
//! that generation or a newer one reached the disk. Whoever holds the writer lock writes the
//! newest snapshot, so a burst of concurrent requests costs few writes, and a response is only
//! sent once its change is durable. A write goes to a temporary file in the same directory, is
//! fsynced, then renamed over the data file, so a crash leaves the old or the new file, never half
//! of one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::SandboxError;
use crate::appflow::model::AppFlowRegion;
use crate::kms::model::KmsRegion;
use crate::rng::Rng;
use crate::secretsmanager::model::SecretsRegion;

/// The format tag written into the data file, so that a future layout can tell old files apart.
const FORMAT: &str = "flowform-sandbox/1";

/// One region's resources of all emulated services.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RegionState {
    #[serde(default)]
    pub secretsmanager: SecretsRegion,
    #[serde(default)]
    pub kms: KmsRegion,
    #[serde(default)]
    pub appflow: AppFlowRegion,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub format: String,
    pub regions: BTreeMap<String, RegionState>,
    /// S3 buckets: one namespace for every region, as in AWS.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub s3: crate::s3::Buckets,
    /// Where the name generator stood when saved: continuing it keeps a secret made after a
    /// restart from getting the ARN suffix of one made before.
    #[serde(default)]
    pub name_rng: Option<u64>,
}

pub struct Inner {
    pub state: State,
    /// Draws names that AWS makes random (secret ARN suffixes), seeded for repeatable runs.
    pub rng: Rng,
    generation: u64,
}

impl Inner {
    pub fn region(&mut self, region: &str) -> (&mut RegionState, &mut Rng) {
        let state = self.state.regions.entry(region.to_owned()).or_default();
        (state, &mut self.rng)
    }

    /// Records that the data changed and returns the generation to wait for.
    pub fn touch(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }
}

pub struct Store {
    inner: Mutex<Inner>,
    file: Option<PathBuf>,
    written: tokio::sync::Mutex<u64>,
    /// Held while the store is open, so that a second sandbox cannot write the same data file.
    _guard: Option<std::fs::File>,
}

impl Store {
    /// Opens the store, reading `file` if it exists.
    pub fn open(file: Option<PathBuf>, seed: u64) -> Result<Store, SandboxError> {
        let guard = file.as_deref().map(lock_data_file).transpose()?;
        let state = match &file {
            Some(path) => load(path)?,
            None => State::default(),
        };
        let rng = Rng::new(state.name_rng.unwrap_or(seed ^ 0x5EC2_E75A_17D0_0001));
        Ok(Store {
            inner: Mutex::new(Inner {
                state,
                rng,
                generation: 0,
            }),
            file,
            written: tokio::sync::Mutex::new(0),
            _guard: guard,
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the JSON-shaped data half-typed, so keep
        // serving rather than poisoning every later request.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until generation `generation` (or a newer one) is on disk.
    pub async fn persist(&self, generation: u64) -> Result<(), SandboxError> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let mut written = self.written.lock().await;
        if *written >= generation {
            return Ok(());
        }
        let (snapshot_generation, bytes) = {
            let mut inner = self.lock();
            inner.state.format = FORMAT.to_owned();
            inner.state.name_rng = Some(inner.rng.state());
            let bytes =
                serde_json::to_vec_pretty(&inner.state).map_err(|e| SandboxError::WriteData {
                    path: path.clone(),
                    source: std::io::Error::other(e),
                })?;
            (inner.generation, bytes)
        };
        let target = path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&target, &bytes))
            .await
            .map_err(|e| SandboxError::WriteData {
                path: path.clone(),
                source: std::io::Error::other(e),
            })??;
        *written = snapshot_generation;
        Ok(())
    }

    /// Writes whatever has changed since the last write.
    pub async fn flush(&self) -> Result<(), SandboxError> {
        let generation = self.lock().generation;
        self.persist(generation).await
    }
}

/// Takes an exclusive lock on `<data file>.lock`. Two sandboxes saving to one file would
/// overwrite each other's changes; the second is refused instead.
fn lock_data_file(path: &Path) -> Result<std::fs::File, SandboxError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| SandboxError::ReadData {
            path: lock_path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(SandboxError::DataInUse {
            path: path.to_owned(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(SandboxError::ReadData {
            path: lock_path,
            source,
        }),
    }
}

/// The most the sandbox reads back as its data file: far above 10,000 stored objects.
const DATA_LIMIT: u64 = 1 << 30;

fn load(path: &Path) -> Result<State, SandboxError> {
    let bytes = match flowform_fs::read(path, DATA_LIMIT) {
        Ok(Some((bytes, _))) => bytes,
        Ok(None) => return Ok(State::default()),
        Err(e) => {
            return Err(SandboxError::ReadData {
                path: path.to_owned(),
                source: match e {
                    flowform_fs::ReadError::Io(source) => source,
                    other => std::io::Error::other(other),
                },
            });
        }
    };
    serde_json::from_slice(&bytes).map_err(|source| SandboxError::ParseData {
        path: path.to_owned(),
        source,
    })
}

/// The file holds secret values (it stands in for AWS): only its owner may read it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    flowform_fs::write_durably(path, bytes, flowform_fs::Access::OwnerOnly).map_err(|source| {
        SandboxError::WriteData {
            path: path.to_owned(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.json");
        let store = Store::open(Some(path.clone()), 1).unwrap();
        let generation = {
            let mut inner = store.lock();
            inner.region("eu-west-1");
            inner.touch()
        };
        store.persist(generation).await.unwrap();
        drop(store);
        let reopened = Store::open(Some(path), 1).unwrap();
        assert!(reopened.lock().state.regions.contains_key("eu-west-1"));
    }

    #[test]
    fn one_data_file_serves_one_sandbox_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.json");
        let first = Store::open(Some(path.clone()), 1).unwrap();
        let err = Store::open(Some(path.clone()), 1).err().unwrap();
        assert!(matches!(err, SandboxError::DataInUse { .. }), "{err}");
        assert!(err.to_string().contains("another sandbox"), "{err}");
        drop(first);
        Store::open(Some(path), 1).unwrap();
    }

    #[test]
    fn garbage_file_is_a_readable_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.json");
        std::fs::write(&path, b"not json").unwrap();
        let err = Store::open(Some(path), 1).err().unwrap();
        assert!(
            err.to_string().contains("is not valid sandbox data"),
            "{err}"
        );
    }
}
