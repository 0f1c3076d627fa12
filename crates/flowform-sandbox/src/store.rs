//! Everything the sandbox remembers, and how it survives a restart.
//!
//! All data sits behind one mutex: requests are tiny, and one lock keeps the cross-service checks
//! (AppFlow reading a secret's policy and its KMS key's policy) consistent without lock ordering.
//! The lock is never held across an `.await`.
//!
//! Stored objects live in [`Table`]s, which remember which keys changed. Saving is a group
//! commit: a mutating request bumps the generation, then waits until a write of that generation
//! or a newer one reached the disk. Whoever holds the writer lock takes every change made so far
//! (only the changed objects, never the whole store), appends them to the data file as one
//! commit (`data_log`) and fsyncs it, so a burst of concurrent requests costs few writes, a
//! request's write is proportional to what it changed, and a response is only sent once its
//! change is durable.
//!
//! When the log has grown past twice its size after the last compaction (and past twice
//! [`COMPACT_AT_LEAST`]), the writer compacts it from the file itself, right after the
//! append that crossed the line (whose request waits for it): other requests keep being
//! answered meanwhile (only those waiting for their own save wait), and each compaction
//! follows at least as many appended bytes as it writes, so its cost is linear overall. On
//! start the log is compacted when it is mostly history.
//! Compacting, converting an old file and recovering from a failed append (the one case that
//! serializes the whole store, as the failed commit's changes are no longer marked) replace the
//! file through a temporary file, fsync and rename, so a crash leaves the old or the new file,
//! never half of one.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::SandboxError;
use crate::appflow::model::AppFlowRegion;
use crate::data_log::{self, LoadError};
use crate::kms::model::KmsRegion;
use crate::rng::Rng;
use crate::secretsmanager::model::SecretsRegion;
pub use crate::table::Table;

/// The smallest log worth compacting: below it, rewriting saves too little to bother.
pub const COMPACT_AT_LEAST: u64 = 1 << 20;

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

/// Everything stored. It is also the shape of the old data file format (`flowform-sandbox/1`,
/// one JSON document), which is still read.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Only meaningful in an old-format file.
    #[serde(default)]
    pub format: String,
    pub regions: BTreeMap<String, RegionState>,
    /// S3 buckets: one namespace for every region, as in AWS.
    #[serde(default)]
    pub s3: crate::s3::Buckets,
    /// Only meaningful in an old-format file: the log keeps it in its commit lines.
    #[serde(default)]
    pub name_rng: Option<u64>,
}

pub struct Inner {
    pub state: State,
    /// Draws names that AWS makes random (secret ARN suffixes), seeded for repeatable runs.
    /// Its position is saved with every commit: continuing it keeps a secret made after a
    /// restart from getting the ARN suffix of one made before.
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

/// The data file as the writer knows it. Only the holder of [`Store::log`]'s lock touches it.
/// The default is a file not written yet.
#[derive(Default)]
struct LogFile {
    /// The newest generation on disk.
    written: u64,
    /// Open for appending; `None` while the file does not exist yet.
    append: Option<Arc<File>>,
    /// The next commit rewrites the whole file: an append failed, and what it held is no
    /// longer in any table's changed keys.
    rewrite: bool,
    /// Bytes in the file.
    len: u64,
    /// Its size right after the last compaction (or rewrite, or start).
    compacted_len: u64,
}

pub struct Store {
    inner: Mutex<Inner>,
    file: Option<PathBuf>,
    log: tokio::sync::Mutex<LogFile>,
    /// Held while the store is open, so that a second sandbox cannot write the same data file.
    _guard: Option<File>,
}

impl Store {
    /// Opens the store, reading `file` if it exists.
    pub fn open(file: Option<PathBuf>, seed: u64) -> Result<Store, SandboxError> {
        let guard = file.as_deref().map(lock_data_file).transpose()?;
        let seeded = seed ^ 0x5EC2_E75A_17D0_0001;
        let (state, rng, log) = match &file {
            Some(path) => open_log(path, seeded)?,
            None => (State::default(), Rng::new(seeded), LogFile::default()),
        };
        Ok(Store {
            inner: Mutex::new(Inner {
                state,
                rng,
                generation: 0,
            }),
            file,
            log: tokio::sync::Mutex::new(log),
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
        let mut log = self.log.lock().await;
        if log.written >= generation {
            return Ok(());
        }
        let write_error = |source: std::io::Error| SandboxError::WriteData {
            path: path.clone(),
            source,
        };
        // Only the changed objects are serialized under the lock; the disk work happens after.
        let (newest, bytes, whole) = {
            let mut inner = self.lock();
            let name_rng = inner.rng.state();
            let newest = inner.generation;
            let serialized = if log.rewrite {
                data_log::everything(&mut inner.state, name_rng).map(|b| (b, true))
            } else {
                let whole = log.append.is_none();
                let mut out = if whole {
                    data_log::header()
                } else {
                    Vec::new()
                };
                data_log::changes(&mut inner.state, name_rng, &mut out).map(|()| (out, whole))
            };
            match serialized {
                Ok((bytes, whole)) => (newest, bytes, whole),
                Err(e) => {
                    log.rewrite = true;
                    return Err(write_error(std::io::Error::other(e)));
                }
            }
        };
        let job = Append {
            path: path.clone(),
            bytes,
            whole,
            file: log.append.clone(),
            len: log.len,
            compacted_len: log.compacted_len,
        };
        let outcome = tokio::task::spawn_blocking(move || job.run())
            .await
            .map_err(std::io::Error::other)
            .and_then(|done| done);
        match outcome {
            Ok(done) => {
                log.append = Some(done.file);
                log.len = done.len;
                log.compacted_len = done.compacted_len;
                log.rewrite = false;
                log.written = newest;
                Ok(())
            }
            Err(source) => {
                // The changes taken for this commit are known to no table any more: the next
                // commit writes everything. Until then the file ends with a torn commit at
                // worst, which reading it back drops.
                log.rewrite = true;
                Err(write_error(source))
            }
        }
    }

    /// Writes whatever has changed since the last write.
    pub async fn flush(&self) -> Result<(), SandboxError> {
        let generation = self.lock().generation;
        self.persist(generation).await
    }
}

/// One commit's disk work, run on a blocking thread.
struct Append {
    path: PathBuf,
    bytes: Vec<u8>,
    /// `bytes` is a whole log that replaces the file.
    whole: bool,
    file: Option<Arc<File>>,
    len: u64,
    compacted_len: u64,
}

struct Appended {
    file: Arc<File>,
    len: u64,
    compacted_len: u64,
}

impl Append {
    fn run(self) -> std::io::Result<Appended> {
        let (file, len, compacted_len) = match (self.whole, self.file) {
            (false, Some(file)) => {
                (&*file).write_all(&self.bytes)?;
                file.sync_data()?;
                (file, self.len + self.bytes.len() as u64, self.compacted_len)
            }
            (_, _) => {
                write_atomically(&self.path, &self.bytes)?;
                let len = self.bytes.len() as u64;
                (open_append(&self.path)?, len, len)
            }
        };
        if len <= 2 * compacted_len.max(COMPACT_AT_LEAST) {
            return Ok(Appended {
                file,
                len,
                compacted_len,
            });
        }
        match compact_file(&self.path) {
            Ok(Some(new_len)) => Ok(Appended {
                file: open_append(&self.path)?,
                len: new_len,
                compacted_len: new_len,
            }),
            // The commit itself is durable; a failed compaction is tried again once the log
            // has doubled once more.
            Ok(None) => Ok(Appended {
                file,
                len,
                compacted_len: len,
            }),
            Err(error) => {
                eprintln!(
                    "flowform-sandbox: could not compact {}: {error}",
                    self.path.display()
                );
                Ok(Appended {
                    file,
                    len,
                    compacted_len: len,
                })
            }
        }
    }
}

/// Rewrites the log at `path` with only its live records; the new length, or `None` if the
/// file is not a log this sandbox can compact.
fn compact_file(path: &Path) -> std::io::Result<Option<u64>> {
    let bytes = std::fs::read(path)?;
    let Some(compacted) = data_log::compact(&bytes) else {
        return Ok(None);
    };
    write_atomically(path, &compacted)?;
    Ok(Some(compacted.len() as u64))
}

fn open_append(path: &Path) -> std::io::Result<Arc<File>> {
    Ok(Arc::new(
        std::fs::OpenOptions::new().append(true).open(path)?,
    ))
}

/// Reads the data file, converting or compacting it first if it asks for that.
fn open_log(path: &Path, seeded: u64) -> Result<(State, Rng, LogFile), SandboxError> {
    let empty = |state| (state, Rng::new(seeded), LogFile::default());
    let Some(bytes) = read_data(path)? else {
        return Ok(empty(State::default()));
    };
    let loaded = data_log::load(&bytes).map_err(|error| load_error(path, error))?;
    for warning in &loaded.warnings {
        eprintln!("flowform-sandbox: {}: {warning}", path.display());
    }
    let mut state = loaded.state;
    let rng = Rng::new(loaded.name_rng.unwrap_or(seeded));
    let write_error = |source: std::io::Error| SandboxError::WriteData {
        path: path.to_owned(),
        source,
    };
    let rewritten = if loaded.rewrite {
        Some(data_log::everything(&mut state, rng.state()).map_err(|e| write_error(e.into()))?)
    } else if bytes.len() as u64 > COMPACT_AT_LEAST {
        data_log::compact(&bytes).filter(|c| c.len() * 2 <= bytes.len())
    } else {
        None
    };
    let len = match &rewritten {
        Some(new) => {
            write_atomically(path, new).map_err(write_error)?;
            new.len() as u64
        }
        None => bytes.len() as u64,
    };
    let append = open_append(path).map_err(write_error)?;
    Ok((
        state,
        rng,
        LogFile {
            written: 0,
            append: Some(append),
            rewrite: false,
            len,
            compacted_len: len,
        },
    ))
}

/// The data file at `path` as one JSON document (see [`crate::read_data_file`]). A missing file
/// is an empty store.
pub fn read_data_file(path: &Path) -> Result<serde_json::Value, SandboxError> {
    let state = match read_data(path)? {
        Some(bytes) => {
            data_log::load(&bytes)
                .map_err(|e| load_error(path, e))?
                .state
        }
        None => State::default(),
    };
    let mut out = serde_json::json!({
        "regions": serde_json::to_value(&state.regions).map_err(|e| SandboxError::ParseData {
            path: path.to_owned(),
            source: e,
        })?,
        "s3": {},
    });
    for (name, bucket) in state.s3.iter() {
        let mut value = serde_json::to_value(bucket).map_err(|e| SandboxError::ParseData {
            path: path.to_owned(),
            source: e,
        })?;
        value["objects"] =
            serde_json::to_value(&bucket.objects).map_err(|e| SandboxError::ParseData {
                path: path.to_owned(),
                source: e,
            })?;
        out["s3"][name] = value;
    }
    Ok(out)
}

fn load_error(path: &Path, error: LoadError) -> SandboxError {
    match error {
        LoadError::Parse(source) => SandboxError::ParseData {
            path: path.to_owned(),
            source,
        },
        LoadError::UnknownFormat(format) => SandboxError::UnknownDataFormat {
            path: path.to_owned(),
            format,
        },
        LoadError::Corrupt { line, message } => SandboxError::CorruptData {
            path: path.to_owned(),
            line,
            message,
        },
    }
}

/// Takes an exclusive lock on `<data file>.lock`. Two sandboxes saving to one file would
/// overwrite each other's changes; the second is refused instead.
fn lock_data_file(path: &Path) -> Result<File, SandboxError> {
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

fn read_data(path: &Path) -> Result<Option<Vec<u8>>, SandboxError> {
    match flowform_fs::read(path, DATA_LIMIT) {
        Ok(found) => Ok(found.map(|(bytes, _)| bytes)),
        Err(e) => Err(SandboxError::ReadData {
            path: path.to_owned(),
            source: match e {
                flowform_fs::ReadError::Io(source) => source,
                other => std::io::Error::other(other),
            },
        }),
    }
}

/// The file holds secret values (it stands in for AWS): only its owner may read it.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    flowform_fs::write_durably(path, bytes, flowform_fs::Access::OwnerOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::appflow::model::{Profile, TokenRecord};
    use crate::kms::model::{Alias, Key, KeyState};
    use crate::s3::{Bucket, Object};
    use crate::secretsmanager::model::{Secret, SecretValue, Version};
    use crate::sensitive::Sensitive;
    use serde_json::{Value, json};

    fn secret(name: &str, value: &str) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"),
            name: name.to_owned(),
            description: None,
            kms_key_id: None,
            created: 1.0,
            last_changed: 1.0,
            deleted: None,
            deletion_date: None,
            tags: vec![],
            versions: vec![Version {
                id: "v1".to_owned(),
                value: SecretValue::String(Sensitive::new(value)),
                stages: vec!["AWSCURRENT".to_owned()],
                created: 1.0,
            }],
            policy: None,
            owning_service: None,
        }
    }

    fn profile(name: &str) -> Profile {
        Profile {
            arn: format!("arn:aws:appflow:us-east-1:123456789012:connectorprofile/{name}"),
            name: name.to_owned(),
            connector_type: "Servicenow".to_owned(),
            connector_label: None,
            connection_mode: "Public".to_owned(),
            credentials_arn: "arn:creds".to_owned(),
            kms_arn: None,
            properties: json!({"ServiceNow": {"instanceUrl": "https://x.service-now.com"}}),
            created_at: 1.0,
            last_updated_at: 1.0,
        }
    }

    fn key(id: &str) -> Key {
        Key {
            id: id.to_owned(),
            arn: format!("arn:aws:kms:us-east-1:123456789012:key/{id}"),
            description: "d".to_owned(),
            key_usage: "ENCRYPT_DECRYPT".to_owned(),
            key_spec: "SYMMETRIC_DEFAULT".to_owned(),
            state: KeyState::Enabled,
            created: 1.0,
            deletion_date: None,
            pending_window_days: None,
            policy: "{}".to_owned(),
            tags: vec![],
        }
    }

    fn object(body: &str) -> Object {
        Object {
            body: body.to_owned(),
            etag: format!("\"{body}\""),
            last_modified: 1.0,
            sse_kms_key_id: None,
            version_id: None,
            delete_marker: false,
        }
    }

    /// Puts something in every table of two regions, and a bucket with objects.
    fn fill(inner: &mut Inner) {
        for region in ["us-east-1", "eu-west-1"] {
            let (r, _) = inner.region(region);
            r.secretsmanager
                .secrets
                .insert("app/db".to_owned(), secret("app/db", "hunter2"));
            r.appflow.profiles.insert("p".to_owned(), profile("p"));
            r.appflow.tokens.insert(
                "create:t".to_owned(),
                TokenRecord {
                    request: json!({"a": 1}),
                    response: json!({"b": 2}),
                    expires_at: 9.0,
                },
            );
            let id = "0b9c2a4e-6c1e-4a5e-9f59-1a0a2b3c4d5e";
            r.kms.keys.insert(id.to_owned(), key(id));
            r.kms.aliases.insert(
                "alias/a".to_owned(),
                Alias {
                    name: "alias/a".to_owned(),
                    arn: "arn:alias".to_owned(),
                    target_key_id: id.to_owned(),
                    created: 1.0,
                    last_updated: 1.0,
                },
            );
        }
        inner.state.s3.insert(
            "bucket".to_owned(),
            Bucket {
                region: "us-east-1".to_owned(),
                versioning: true,
                ..Bucket::default()
            },
        );
        if let Some(bucket) = inner.state.s3.get_mut("bucket") {
            bucket.objects.insert("a/state".to_owned(), object("e30="));
            bucket
                .objects
                .insert("a/lock".to_owned(), object("bG9jaw=="));
        }
    }

    /// Everything stored, as comparable JSON (bucket objects included, which the bucket's own
    /// serialization leaves out).
    fn contents(store: &Store) -> Value {
        let inner = store.lock();
        let mut out = serde_json::to_value(&inner.state).unwrap();
        for (name, bucket) in inner.state.s3.iter() {
            out["s3"][name]["objects"] = serde_json::to_value(&bucket.objects).unwrap();
        }
        out["rng"] = json!(inner.rng.state());
        out
    }

    async fn commit(store: &Store, change: impl FnOnce(&mut Inner)) {
        let generation = {
            let mut inner = store.lock();
            change(&mut inner);
            inner.touch()
        };
        store.persist(generation).await.unwrap();
    }

    fn data_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.json");
        (dir, path)
    }

    #[tokio::test]
    async fn a_restart_keeps_every_object() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        commit(&store, fill).await;
        commit(&store, |inner| {
            inner.rng.next_u64();
            let (r, _) = inner.region("us-east-1");
            r.appflow.profiles.remove("p");
            r.kms.aliases.retain(|_, _| false);
            if let Some(s) = r.secretsmanager.secrets.get_mut("app/db") {
                s.description = Some("changed".to_owned());
            }
            if let Some(bucket) = inner.state.s3.get_mut("bucket") {
                bucket.objects.remove("a/lock");
            }
        })
        .await;
        let before = contents(&store);
        assert_eq!(
            before["regions"]["us-east-1"]["appflow"]["profiles"],
            json!({})
        );
        drop(store);
        let reopened = Store::open(Some(path.clone()), 1).unwrap();
        assert_eq!(contents(&reopened), before);
        // And once more after a commit on the reopened store, appending to the same log.
        commit(&reopened, |inner| {
            let (r, _) = inner.region("eu-west-1");
            r.appflow.profiles.insert("q".to_owned(), profile("q"));
        })
        .await;
        let before = contents(&reopened);
        drop(reopened);
        assert_eq!(contents(&Store::open(Some(path), 1).unwrap()), before);
    }

    #[tokio::test]
    async fn the_data_file_reads_as_one_document() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        commit(&store, fill).await;
        let mut expected = contents(&store);
        // The document has no generator state; the old format's bookkeeping fields are gone.
        for field in ["rng", "format", "name_rng"] {
            expected.as_object_mut().unwrap().remove(field);
        }
        assert_eq!(read_data_file(&path).unwrap(), expected);
        assert_eq!(
            read_data_file(&path).unwrap()["s3"]["bucket"]["objects"]["a/state"]["body"],
            json!("e30=")
        );
        drop(store);
        assert_eq!(
            read_data_file(&path.with_extension("missing")).unwrap(),
            json!({"regions": {}, "s3": {}})
        );
    }

    #[tokio::test]
    async fn a_commit_writes_what_changed_not_the_store() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        commit(&store, |inner| {
            let (r, _) = inner.region("us-east-1");
            for i in 0..2_000 {
                let name = format!("s{i}");
                r.secretsmanager
                    .secrets
                    .insert(name.clone(), secret(&name, "v"));
            }
        })
        .await;
        let full = std::fs::metadata(&path).unwrap().len();
        commit(&store, |inner| {
            let (r, _) = inner.region("us-east-1");
            r.secretsmanager
                .secrets
                .insert("s7".to_owned(), secret("s7", "w"));
        })
        .await;
        let grown = std::fs::metadata(&path).unwrap().len() - full;
        assert!(
            grown < 1_000,
            "one changed secret appended {grown} bytes to a {full}-byte log"
        );
    }

    #[tokio::test]
    async fn a_torn_last_record_is_dropped_with_the_commit_it_belonged_to() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        commit(&store, fill).await;
        let before = contents(&store);
        drop(store);
        let committed = std::fs::read(&path).unwrap();
        // A crash in the middle of appending a commit: whole records, then half of one.
        let mut torn = committed.clone();
        torn.extend_from_slice(
            br#"{"op":"put","table":"appflow.profiles","scope":"us-east-1","key":"x","value":{}}
{"op":"put","table":"appflow.prof"#,
        );
        std::fs::write(&path, &torn).unwrap();
        let reopened = Store::open(Some(path.clone()), 1).unwrap();
        assert_eq!(contents(&reopened), before);
        // The file was cut back to whole commits, so the next append reads back.
        commit(&reopened, |inner| {
            let (r, _) = inner.region("us-east-1");
            r.appflow
                .profiles
                .insert("after".to_owned(), profile("after"));
        })
        .await;
        let after = contents(&reopened);
        drop(reopened);
        assert_eq!(
            contents(&Store::open(Some(path.clone()), 1).unwrap()),
            after
        );

        // Whole records with no commit line after them were never acknowledged either.
        let mut uncommitted = committed;
        uncommitted.extend_from_slice(
            br#"{"op":"delete","table":"appflow.profiles","scope":"us-east-1","key":"p"}
"#,
        );
        std::fs::write(&path, &uncommitted).unwrap();
        assert_eq!(contents(&Store::open(Some(path), 1).unwrap()), before);
    }

    #[tokio::test]
    async fn a_log_cut_anywhere_reads_back_as_its_whole_commits() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        // The file after each commit, and the contents it stands for.
        let mut states = vec![(0, Value::Null)];
        commit(&store, fill).await;
        states.push((std::fs::metadata(&path).unwrap().len(), contents(&store)));
        for i in 0..3 {
            commit(&store, |inner| {
                let (r, _) = inner.region("us-east-1");
                r.appflow.profiles.remove("p");
                let name = format!("s{i}");
                r.secretsmanager
                    .secrets
                    .insert(name.clone(), secret(&name, "v"));
            })
            .await;
            states.push((std::fs::metadata(&path).unwrap().len(), contents(&store)));
        }
        drop(store);
        let full = std::fs::read(&path).unwrap();
        let header = data_log::header().len();
        for cut in header..=full.len() {
            let loaded =
                data_log::load(&full[..cut]).unwrap_or_else(|e| panic!("cut {cut}: {e:?}"));
            let expected = states
                .iter()
                .rev()
                .find(|(len, _)| *len as usize <= cut)
                .map(|(_, v)| v.clone())
                .unwrap();
            let mut got = serde_json::to_value(&loaded.state).unwrap();
            if expected.is_null() {
                assert_eq!(got["regions"], json!({}), "cut {cut}");
                continue;
            }
            for (name, bucket) in loaded.state.s3.iter() {
                got["s3"][name]["objects"] = serde_json::to_value(&bucket.objects).unwrap();
            }
            got["rng"] = json!(loaded.name_rng.unwrap());
            assert_eq!(got, expected, "cut at byte {cut}");
        }
        // Garbage after the header never panics: it is refused or dropped.
        for garbage in [
            &b"\xff\xfe"[..],
            b"[1,2]\n{}",
            b"{\"op\":7}\n{}\n",
            b"\n\n\n",
            b"{}",
        ] {
            let mut bytes = data_log::header();
            bytes.extend_from_slice(garbage);
            let _ = data_log::load(&bytes);
            let _ = data_log::compact(&bytes);
        }
    }

    #[tokio::test]
    async fn a_damaged_record_before_the_last_is_refused_with_its_line() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        commit(&store, fill).await;
        commit(&store, |inner| {
            inner.region("us-east-1").0.appflow.profiles.remove("p");
        })
        .await;
        drop(store);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[3] = r#"{"op":"put","table":"secretsmanager.secr"#;
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let err = Store::open(Some(path.clone()), 1).err().unwrap();
        assert!(
            matches!(err, SandboxError::CorruptData { line: 4, .. }),
            "{err}"
        );
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("damaged at line 4"), "{message}");

        // A record that reads as JSON but does not fit is refused too, even on the last commit.
        lines[3] =
            r#"{"op":"put","table":"appflow.flows","scope":"us-east-1","key":"f","value":{}}"#;
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let err = Store::open(Some(path.clone()), 1).err().unwrap();
        assert!(err.to_string().contains("unknown table"), "{err}");

        std::fs::write(&path, "{\"format\":\"flowform-sandbox/9\"}\n").unwrap();
        let err = Store::open(Some(path), 1).err().unwrap();
        assert!(
            matches!(err, SandboxError::UnknownDataFormat { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("flowform-sandbox/9"), "{err}");
    }

    #[tokio::test]
    async fn compaction_keeps_everything_and_shrinks_the_file() {
        let (_dir, path) = data_file();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        commit(&store, fill).await;
        // Rewriting one large secret over and over: the log grows, the live data does not.
        let big = "x".repeat(100_000);
        let mut largest = 0;
        let mut shrank = false;
        let mut last = 0;
        for i in 0..60 {
            commit(&store, |inner| {
                let (r, _) = inner.region("us-east-1");
                let value = format!("{i}{big}");
                r.secretsmanager
                    .secrets
                    .insert("big".to_owned(), secret("big", &value));
            })
            .await;
            let size = std::fs::metadata(&path).unwrap().len();
            shrank |= size < last;
            last = size;
            largest = largest.max(size);
        }
        assert!(shrank, "the log was never compacted");
        // Compacted whenever it passes twice its compacted size (or the minimum), so never
        // much more than that: 60 commits of 100 kB would be 6 MB.
        assert!(
            largest <= 2 * COMPACT_AT_LEAST + 200_000,
            "the log reached {largest} bytes"
        );
        let before = contents(&store);
        drop(store);
        let reopened = Store::open(Some(path.clone()), 1).unwrap();
        assert_eq!(contents(&reopened), before);
        let value = match &reopened.lock().state.regions["us-east-1"]
            .secretsmanager
            .secrets["big"]
            .versions[0]
            .value
        {
            SecretValue::String(s) => s.expose().to_owned(),
            SecretValue::Binary(_) => String::new(),
        };
        assert!(value.starts_with("59x"), "the newest value is kept");
    }

    #[test]
    fn compacting_keeps_the_newest_record_of_each_live_object() {
        let log = concat!(
            "{\"format\":\"flowform-sandbox/2\"}\n",
            "{\"op\":\"put\",\"table\":\"s3.buckets\",\"scope\":\"\",\"key\":\"b\",\"value\":{\"region\":\"r\"}}\n",
            "{\"op\":\"put\",\"table\":\"kms.keys\",\"scope\":\"r\",\"key\":\"k\",\"value\":1}\n",
            "{\"op\":\"commit\",\"name_rng\":1}\n",
            "{\"op\":\"put\",\"table\":\"kms.keys\",\"scope\":\"r\",\"key\":\"k\",\"value\":2}\n",
            "{\"op\":\"put\",\"table\":\"kms.keys\",\"scope\":\"r\",\"key\":\"gone\",\"value\":3}\n",
            "{\"op\":\"commit\",\"name_rng\":2}\n",
            "{\"op\":\"delete\",\"table\":\"kms.keys\",\"scope\":\"r\",\"key\":\"gone\"}\n",
            "{\"op\":\"put\",\"table\":\"s3.buckets\",\"scope\":\"\",\"key\":\"b\",\"value\":{\"region\":\"s\"}}\n",
            "{\"op\":\"commit\",\"name_rng\":3}\n",
            "{\"op\":\"put\",\"table\":\"kms.keys\",\"scope\":\"r\",\"key\":\"k\",\"value\":4}\n",
        );
        let compacted = String::from_utf8(data_log::compact(log.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            compacted,
            concat!(
                "{\"format\":\"flowform-sandbox/2\"}\n",
                "{\"op\":\"put\",\"table\":\"s3.buckets\",\"scope\":\"\",\"key\":\"b\",\"value\":{\"region\":\"s\"}}\n",
                "{\"op\":\"put\",\"table\":\"kms.keys\",\"scope\":\"r\",\"key\":\"k\",\"value\":2}\n",
                "{\"op\":\"commit\",\"name_rng\":3}\n",
            )
        );
    }

    /// What the sandbox wrote before the log: the whole store as one pretty JSON document.
    const OLD_FORMAT_FILE: &str = r#"{
  "format": "flowform-sandbox/1",
  "regions": {
    "us-east-1": {
      "secretsmanager": {
        "secrets": {
          "app/db": {
            "arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf",
            "name": "app/db",
            "description": null,
            "kms_key_id": null,
            "created": 1.0,
            "last_changed": 1.0,
            "deleted": null,
            "deletion_date": null,
            "tags": [],
            "versions": [
              {
                "id": "v1",
                "value": {
                  "String": "hunter2"
                },
                "stages": [
                  "AWSCURRENT"
                ],
                "created": 1.0
              }
            ],
            "policy": null,
            "owning_service": null
          }
        }
      },
      "kms": {
        "keys": {},
        "aliases": {}
      },
      "appflow": {
        "profiles": {
          "p": {
            "arn": "arn:aws:appflow:us-east-1:123456789012:connectorprofile/p",
            "name": "p",
            "connector_type": "Servicenow",
            "connector_label": null,
            "connection_mode": "Public",
            "credentials_arn": "arn:creds",
            "kms_arn": null,
            "properties": {
              "ServiceNow": {
                "instanceUrl": "https://x.service-now.com"
              }
            },
            "created_at": 1.0,
            "last_updated_at": 1.0
          }
        },
        "tokens": {}
      }
    }
  },
  "s3": {
    "bucket": {
      "region": "us-east-1",
      "versioning": true,
      "objects": {
        "a/state": {
          "body": "e30=",
          "etag": "\"e30=\"",
          "last_modified": 1.0
        }
      }
    }
  },
  "name_rng": 42
}"#;

    #[tokio::test]
    async fn an_old_format_file_loads_and_becomes_a_log() {
        let (_dir, path) = data_file();
        std::fs::write(&path, OLD_FORMAT_FILE).unwrap();
        let store = Store::open(Some(path.clone()), 1).unwrap();
        let before = contents(&store);
        assert_eq!(before["rng"], json!(42));
        assert_eq!(
            before["regions"]["us-east-1"]["secretsmanager"]["secrets"]["app/db"]["versions"][0]["value"],
            json!({"String": "hunter2"})
        );
        assert_eq!(
            before["regions"]["us-east-1"]["appflow"]["profiles"]["p"]["connector_type"],
            json!("Servicenow")
        );
        assert_eq!(
            before["s3"]["bucket"]["objects"]["a/state"]["body"],
            json!("e30=")
        );
        assert_eq!(before["s3"]["bucket"]["versioning"], json!(true));
        drop(store);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("{\"format\":\"flowform-sandbox/2\"}\n"),
            "{text}"
        );
        assert_eq!(contents(&Store::open(Some(path), 1).unwrap()), before);
    }

    #[tokio::test]
    async fn concurrent_writers_are_all_durable_when_answered() {
        let (_dir, path) = data_file();
        let store = Arc::new(Store::open(Some(path.clone()), 1).unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..200 {
            let store = store.clone();
            tasks.spawn(async move {
                commit(&store, |inner| {
                    let name = format!("s{i}");
                    let (r, _) = inner.region("us-east-1");
                    r.secretsmanager
                        .secrets
                        .insert(name.clone(), secret(&name, "v"));
                })
                .await;
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        // No flush: what was acknowledged is on disk already.
        let commits = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| l.contains(r#""op":"commit""#))
            .count();
        assert!((1..=200).contains(&commits), "{commits} commits");
        drop(store);
        let reopened = Store::open(Some(path), 1).unwrap();
        assert_eq!(
            reopened.lock().state.regions["us-east-1"]
                .secretsmanager
                .secrets
                .len(),
            200
        );
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
