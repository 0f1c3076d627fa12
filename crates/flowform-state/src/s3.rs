//! The s3 backend: the state of a team, in the S3 bucket every AWS team already has.
//!
//! Objects beside the state object `KEY`:
//!
//! | object | what it is |
//! |---|---|
//! | `KEY` | the state, replaced whole by a conditional PutObject |
//! | `KEY.backup` | the state that the last content-changing write replaced (only when the bucket does not keep versions) |
//! | `KEY.lock` | the lock: exists while someone holds it, and holds their [`LockInfo`] |
//! | `KEY.journal/000001`, ... | changes finished by an apply that has not been folded yet |
//!
//! # Why conditional writes, and nothing else
//!
//! The lock is created with `If-None-Match: *`, which S3 honours atomically: of two writers
//! exactly one gets 200, the other 412 PreconditionFailed (or 409 ConditionalRequestConflict
//! while the first is in flight). No DynamoDB table is needed. A lock can still be lost — a
//! `force-unlock` by someone who thought its holder dead — so the lock alone is not what keeps
//! the state safe: every write of `KEY` carries `If-Match: ETAG` of the version this backend
//! read (or `If-None-Match: *` when there was none). A writer whose state changed under it
//! gets 412 and writes nothing ([`StateError::StateChangedRemotely`]).
//!
//! # The journal
//!
//! An apply's changes are journal lines (the same lines as the local `PATH.journal`), written
//! by the journal's one writer thread into numbered segment objects: one segment per batch,
//! at once when an *intent* or a checkpoint waits for it (it must be durable before the create
//! or the next call is sent), otherwise at least every second and every 100 lines. Lines that
//! queue while a segment is being written go together into the next one, so concurrent creates
//! share segments instead of each paying a PutObject. A finished change that had not reached
//! S3 when the process died is repeated safely by the next apply; `journal.rs` lists exactly
//! what that relies on. The state is written once at the end and the segments deleted; the
//! next command that takes the lock — on any machine — folds segments an interrupted apply
//! left.
//!
//! # Blocking
//!
//! The backend's API is synchronous, like the local backend's, so that the commands do not
//! care which they have. Its requests run on a small runtime of its own, on a helper thread
//! when the caller is itself inside a runtime (the applier records changes from its tasks).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use crate::document::{Serial, State};
use crate::error::{Refusal, StateError, StateWarning};
use crate::journal::{self, Journal};
use crate::lock::{LockGuard, LockInfo, RemoteLock};
use crate::recorded::{Recorded, Write};

/// Where the state lives in S3 and how to reach it: the `backend "s3"` block, after
/// `--backend-config` and the workspace are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// The state object's key (for a workspace other than `default`: `env/NAME/KEY`).
    pub key: String,
    /// The bucket's region; else the SDK's resolution (`AWS_REGION`, the profile).
    pub region: Option<String>,
    /// SSE-KMS for every object written (the state, its backup, lock and journal).
    pub kms_key_id: Option<String>,
    /// The KMS key that wraps the state's digest key (`KEY.key`).
    pub digest_kms_key_id: Option<String>,
    /// Another S3 endpoint (moto, the sandbox, MinIO); path-style addressing is used then.
    pub endpoint_url: Option<String>,
    /// A named profile of `~/.aws`.
    pub profile: Option<String>,
    /// Fixed credentials (the sandbox's) instead of the normal chain.
    pub static_credentials: Option<(String, String)>,
    /// Create the bucket (with versioning), and the `digest_kms_key_id` alias with a key
    /// behind it, when they do not exist: for the sandbox, which starts empty. Against AWS,
    /// making them is the team's business.
    pub bootstrap: bool,
}

/// The S3 (and KMS) clients of one backend, the runtime their requests run on, and a count
/// of the requests made (for the benchmark and the debug log).
#[derive(Debug)]
pub(crate) struct Store {
    s3: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
    /// Taken (and shut down without blocking) when the store is dropped, which may happen
    /// inside the command's runtime where a blocking drop would panic.
    runtime: Option<tokio::runtime::Runtime>,
    bucket: String,
    key: String,
    kms_key_id: Option<String>,
    requests: AtomicU64,
}

/// A failed S3 request: the AWS error code and message, and the HTTP status.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    code: String,
    message: String,
    status: Option<u16>,
}

impl Failure {
    fn from_sdk<E, R>(error: SdkError<E, R>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + HttpStatus,
    {
        let status = error.raw_response().map(HttpStatus::status);
        match error.as_service_error() {
            Some(service) => Failure {
                code: service
                    .code()
                    .map(str::to_owned)
                    .unwrap_or_else(|| status_code_name(status)),
                message: service.message().unwrap_or_default().to_owned(),
                status,
            },
            None => Failure {
                code: status_code_name(status),
                message: aws_smithy_types::error::display::DisplayErrorContext(&error).to_string(),
                status,
            },
        }
    }

    /// 412 PreconditionFailed, or 409 ConditionalRequestConflict (a concurrent conditional
    /// write of the same key): someone else won.
    fn lost_the_race(&self) -> bool {
        matches!(self.status, Some(412 | 409))
            || self.code == "PreconditionFailed"
            || self.code == "ConditionalRequestConflict"
    }

    fn not_found(&self) -> bool {
        self.status == Some(404) || self.code == "NoSuchKey" || self.code == "NotFound"
    }

    fn into_error(self, action: &'static str, bucket: &str, key: &str) -> StateError {
        StateError::S3 {
            action,
            object: format!("s3://{bucket}/{key}"),
            code: self.code,
            message: self.message,
        }
    }
}

/// The name AWS gives an error that came without a code (a HEAD answers with no body).
fn status_code_name(status: Option<u16>) -> String {
    match status {
        Some(403) => "AccessDenied".into(),
        Some(404) => "NotFound".into(),
        Some(412) => "PreconditionFailed".into(),
        Some(409) => "ConditionalRequestConflict".into(),
        Some(status) => format!("HTTP {status}"),
        None => "no answer".into(),
    }
}

/// The status of a raw HTTP response, whatever its type.
pub(crate) trait HttpStatus {
    fn status(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// What a PutObject requires of the object it replaces.
#[derive(Debug, Clone, Copy)]
enum Condition<'a> {
    None,
    /// `If-None-Match: *`: only if there is no object.
    Absent,
    /// `If-Match: ETAG`: only if the object is still that version.
    Is(&'a str),
}

impl Store {
    fn connect(settings: &S3Settings) -> Result<Store, StateError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("flowform-s3")
            .enable_all()
            .build()
            .map_err(|error| StateError::io("start the S3 client for", "s3", error))?;
        let shared = block_on(&runtime, async {
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5));
            if let Some(region) = &settings.region {
                loader = loader.region(aws_config::Region::new(region.clone()));
            }
            if let Some(profile) = &settings.profile {
                loader = loader.profile_name(profile);
            }
            if let Some(url) = &settings.endpoint_url {
                loader = loader.endpoint_url(url);
            }
            if let Some((id, secret)) = &settings.static_credentials {
                loader = loader.credentials_provider(aws_credential_types::Credentials::new(
                    id,
                    secret,
                    None,
                    None,
                    "flowform-sandbox",
                ));
            }
            loader.load().await
        });
        if shared.region().is_none() {
            return Err(StateError::S3Settings(format!(
                "the s3 backend for s3://{}/{} has no region: set `region` in the backend block, --backend-config region=..., or AWS_REGION",
                settings.bucket, settings.key
            )));
        }
        // No trailing checksums (aws-chunked bodies): the state is small and written with
        // conditions, and every S3-compatible store understands a plain body.
        let mut s3 = aws_sdk_s3::config::Builder::from(&shared)
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
        if settings.endpoint_url.is_some() {
            // moto, the sandbox and MinIO serve every bucket under one host.
            s3 = s3.force_path_style(true);
        }
        Ok(Store {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            kms: aws_sdk_kms::Client::new(&shared),
            runtime: Some(runtime),
            bucket: settings.bucket.clone(),
            key: settings.key.clone(),
            kms_key_id: settings.kms_key_id.clone(),
            requests: AtomicU64::new(0),
        })
    }

    /// Runs one request to its end, from any thread (inside a runtime or not).
    fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match &self.runtime {
            Some(runtime) => block_on(runtime, future),
            // Only while the store is being dropped, when nothing runs requests any more.
            None => unreachable!("the S3 runtime is gone only once the store is dropped"),
        }
    }

    fn object(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// The object's bytes and ETag; `None` when there is no such object.
    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, Failure> {
        let answer = self.run(async {
            let output = self
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(Failure::from_sdk)?;
            let etag = output.e_tag().unwrap_or_default().to_owned();
            let length = output.content_length().unwrap_or(0);
            if length as u64 > crate::STATE_LIMIT {
                return Err(Failure {
                    code: "TooLarge".into(),
                    message: format!(
                        "the object is {length} bytes, more than the {} MiB flowform reads",
                        crate::STATE_LIMIT >> 20
                    ),
                    status: None,
                });
            }
            let bytes = output.body.collect().await.map_err(|error| Failure {
                code: "ReadError".into(),
                message: error.to_string(),
                status: None,
            })?;
            Ok((bytes.to_vec(), etag))
        });
        match answer {
            Ok(found) => Ok(Some(found)),
            Err(failure) if failure.not_found() && failure.code != "NoSuchBucket" => Ok(None),
            Err(failure) => Err(failure),
        }
    }

    /// Writes `bytes` to `key` if `condition` holds; returns the new ETag.
    fn put(&self, key: &str, bytes: Vec<u8>, condition: Condition<'_>) -> Result<String, Failure> {
        self.run(async {
            let mut request = self
                .s3
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type("application/json")
                .body(ByteStream::from(bytes));
            request = match condition {
                Condition::None => request,
                Condition::Absent => request.if_none_match("*"),
                Condition::Is(etag) => request.if_match(etag),
            };
            if let Some(kms) = &self.kms_key_id {
                request = request
                    .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                    .ssekms_key_id(kms);
            }
            let output = request.send().await.map_err(Failure::from_sdk)?;
            Ok(output.e_tag().unwrap_or_default().to_owned())
        })
    }

    fn delete(&self, key: &str) -> Result<(), Failure> {
        self.delete_if(key, None)
    }

    /// Deletes `key`; with `etag`, only while the object is still that version (`If-Match`:
    /// 412 otherwise, 404 when there is none).
    fn delete_if(&self, key: &str, etag: Option<&str>) -> Result<(), Failure> {
        self.run(async {
            self.s3
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .set_if_match(etag.map(str::to_owned))
                .send()
                .await
                .map(|_| ())
                .map_err(Failure::from_sdk)
        })
    }

    /// Deletes `keys`, up to 1,000 a request (DeleteObjects): the folded journal's segments
    /// cost one round trip, not one each.
    fn delete_many(&self, keys: &[String]) -> Result<(), Failure> {
        for chunk in keys.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|key| {
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key(key)
                        .build()
                        .map_err(|error| Failure {
                            code: "InvalidRequest".into(),
                            message: error.to_string(),
                            status: None,
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let delete = aws_sdk_s3::types::Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|error| Failure {
                    code: "InvalidRequest".into(),
                    message: error.to_string(),
                    status: None,
                })?;
            let output = self.run(async {
                self.s3
                    .delete_objects()
                    .bucket(&self.bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(Failure::from_sdk)
            })?;
            if let Some(error) = output.errors().first() {
                return Err(Failure {
                    code: error.code().unwrap_or("DeleteFailed").to_owned(),
                    message: format!(
                        "{} ({})",
                        error.message().unwrap_or_default(),
                        error.key().unwrap_or_default()
                    ),
                    status: None,
                });
            }
        }
        Ok(())
    }

    /// Every key under `prefix`, in order.
    pub(crate) fn list(&self, prefix: &str) -> Result<Vec<String>, Failure> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self.run(async {
                self.s3
                    .list_objects_v2()
                    .bucket(&self.bucket)
                    .prefix(prefix)
                    .set_continuation_token(token.clone())
                    .send()
                    .await
                    .map_err(Failure::from_sdk)
            })?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|object| object.key().map(str::to_owned)),
            );
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn create_bucket(&self) -> Result<(), Failure> {
        let created = self.run(async {
            self.s3
                .create_bucket()
                .bucket(&self.bucket)
                .send()
                .await
                .map(|_| ())
                .map_err(Failure::from_sdk)
        });
        match created {
            Err(f) if f.code == "BucketAlreadyOwnedByYou" || f.code == "BucketAlreadyExists" => {
                Ok(())
            }
            Err(f) => Err(f),
            Ok(()) => self.run(async {
                self.s3
                    .put_bucket_versioning()
                    .bucket(&self.bucket)
                    .versioning_configuration(
                        aws_sdk_s3::types::VersioningConfiguration::builder()
                            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                            .build(),
                    )
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(Failure::from_sdk)
            }),
        }
    }

    /// Makes a key behind `alias` unless the alias exists.
    fn ensure_alias(&self, alias: &str) -> Result<(), Failure> {
        self.run(async {
            let described = self.kms.describe_key().key_id(alias).send().await;
            match described {
                Ok(_) => return Ok(()),
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|e| e.is_not_found_exception()) => {}
                Err(error) => return Err(Failure::from_sdk(error)),
            }
            let key = self
                .kms
                .create_key()
                .description("flowform: wraps the state's digest key")
                .send()
                .await
                .map_err(Failure::from_sdk)?;
            let id = key
                .key_metadata()
                .map(|m| m.key_id().to_owned())
                .unwrap_or_default();
            self.kms
                .create_alias()
                .alias_name(alias)
                .target_key_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(Failure::from_sdk)
        })
    }

    fn versioning_enabled(&self) -> Result<bool, Failure> {
        self.run(async {
            let output = self
                .s3
                .get_bucket_versioning()
                .bucket(&self.bucket)
                .send()
                .await
                .map_err(Failure::from_sdk)?;
            Ok(output.status() == Some(&aws_sdk_s3::types::BucketVersioningStatus::Enabled))
        })
    }

    fn kms_encrypt(&self, key_id: &str, plaintext: Vec<u8>) -> Result<Vec<u8>, Failure> {
        self.run(async {
            let output = self
                .kms
                .encrypt()
                .key_id(key_id)
                .plaintext(aws_smithy_types::Blob::new(plaintext))
                .send()
                .await
                .map_err(Failure::from_sdk)?;
            Ok(output
                .ciphertext_blob()
                .map(|blob| blob.as_ref().to_vec())
                .unwrap_or_default())
        })
    }

    fn kms_decrypt(&self, key_id: &str, ciphertext: Vec<u8>) -> Result<Vec<u8>, Failure> {
        self.run(async {
            let output = self
                .kms
                .decrypt()
                .key_id(key_id)
                .ciphertext_blob(aws_smithy_types::Blob::new(ciphertext))
                .send()
                .await
                .map_err(Failure::from_sdk)?;
            Ok(output
                .plaintext()
                .map(|blob| blob.as_ref().to_vec())
                .unwrap_or_default())
        })
    }
}

/// Runs `future` on `runtime` to its end, from any thread: `block_on` may not be called from a
/// thread that drives a runtime, so there it runs on a helper thread.
fn block_on<F>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime.block_on(future);
    }
    std::thread::scope(
        |scope| match scope.spawn(|| runtime.block_on(future)).join() {
            Ok(output) => output,
            Err(panic) => std::panic::resume_unwind(panic),
        },
    )
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        tracing::debug!(
            bucket = %self.bucket,
            key = %self.key,
            requests = self.requests.load(Ordering::Relaxed),
            "s3 backend done"
        );
    }
}

/// What the backend knows of the state object.
#[derive(Debug)]
enum Known {
    Unread,
    Missing,
    /// `bytes`: the object as read or written, which the next write is decided against and
    /// keeps as the backup (reading it again would be another request).
    Present {
        recorded: Recorded,
        etag: String,
        bytes: Vec<u8>,
    },
    Refused(Refusal),
}

/// A state kept in S3. One backend serves one command: lock, load, persist or journal, drop.
#[derive(Debug)]
pub struct S3Backend {
    store: Arc<Store>,
    settings: S3Settings,
    known: Known,
    warnings: Vec<StateWarning>,
    versioning: Option<bool>,
    digest: crate::keyfile::KeyStatus,
}

impl S3Backend {
    /// Builds the clients (no request is made yet).
    pub fn connect(settings: S3Settings) -> Result<S3Backend, StateError> {
        if settings.bucket.is_empty() || settings.key.is_empty() {
            return Err(StateError::S3Settings(
                "the s3 backend needs `bucket` and `key` (in the backend block or --backend-config)"
                    .into(),
            ));
        }
        let store = Store::connect(&settings)?;
        if settings.bootstrap {
            store
                .create_bucket()
                .map_err(|f| f.into_error("create the bucket", &settings.bucket, ""))?;
            if let Some(alias) = settings
                .digest_kms_key_id
                .as_deref()
                .filter(|a| a.starts_with("alias/") && !a.starts_with("alias/aws/"))
            {
                store
                    .ensure_alias(alias)
                    .map_err(|failure| StateError::Kms {
                        action: "create",
                        key_id: alias.to_owned(),
                        code: failure.code,
                        message: failure.message,
                    })?;
            }
        }
        Ok(S3Backend {
            store: Arc::new(store),
            settings,
            known: Known::Unread,
            warnings: Vec::new(),
            versioning: None,
            digest: crate::keyfile::KeyStatus::default(),
        })
    }

    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    /// `s3://BUCKET/KEY`.
    pub fn location(&self) -> String {
        self.store.object(&self.store.key)
    }

    /// How many requests (S3 and KMS) this backend has made so far.
    pub fn requests(&self) -> u64 {
        self.store.requests.load(Ordering::Relaxed)
    }

    fn location_path(&self) -> PathBuf {
        PathBuf::from(self.location())
    }

    fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.store.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.store.key)
    }

    fn failure(&self, action: &'static str, key: &str) -> impl FnOnce(Failure) -> StateError {
        let bucket = self.store.bucket.clone();
        let key = key.to_owned();
        move |failure| failure.into_error(action, &bucket, &key)
    }

    /// Reads the state (`None` when there is no object yet). Journal segments an interrupted
    /// apply left are replayed, the result written and the segments deleted; take the lock
    /// first.
    pub fn load(&mut self) -> Result<Option<State>, StateError> {
        self.read(true)
    }

    /// As [`S3Backend::load`], but leaves journal segments where they are (replayed in memory).
    pub fn load_without_folding(&mut self) -> Result<Option<State>, StateError> {
        self.read(false)
    }

    fn read(&mut self, fold: bool) -> Result<Option<State>, StateError> {
        self.warnings.clear();
        let key = self.store.key.clone();
        let found = self
            .store
            .get(&key)
            .map_err(self.failure("read the state", &key))?;
        let state = match found {
            None => {
                self.known = Known::Missing;
                None
            }
            Some((bytes, etag)) => match State::from_json(&self.location_path(), &bytes) {
                Ok(mut state) => {
                    self.digest = crate::keyfile::remote_attach(self, &mut state)?;
                    self.known = Known::Present {
                        recorded: Recorded::new(&state),
                        etag,
                        bytes,
                    };
                    Some(state)
                }
                Err(refusal) => return Err(self.refuse(refusal)),
            },
        };
        let prefix = self.journal_prefix();
        let segments = self
            .store
            .list(&prefix)
            .map_err(self.failure("list the journal", &prefix))?;
        if segments.is_empty() {
            return Ok(state);
        }
        let journal_path = PathBuf::from(self.store.object(&prefix));
        let Some(mut state) = state else {
            return Err(self.refuse(Refusal::JournalWithoutState {
                path: journal_path,
                state: self.location_path(),
            }));
        };
        let mut changes = 0;
        let mut warnings = Vec::new();
        for segment in &segments {
            let Some((bytes, _)) = self
                .store
                .get(segment)
                .map_err(self.failure("read the journal segment", segment))?
            else {
                continue;
            };
            let path = PathBuf::from(self.store.object(segment));
            match journal::replay(&path, &bytes, &mut state) {
                Ok((n, w)) => {
                    changes += n;
                    warnings.extend(w);
                }
                Err(refusal) => return Err(self.refuse(refusal)),
            }
        }
        if !fold {
            self.warnings.push(StateWarning::JournalPending {
                path: journal_path,
                changes,
            });
            self.warnings.extend(warnings);
            return Ok(Some(state));
        }
        state.serial = self.persist(&state)?;
        self.delete_segments(&segments)?;
        tracing::info!(journal = %journal_path.display(), changes, serial = state.serial.0, "interrupted apply's journal folded into the state");
        self.warnings.push(StateWarning::JournalReplayed {
            path: journal_path,
            changes,
        });
        self.warnings.extend(warnings);
        Ok(Some(state))
    }

    fn delete_segments(&self, segments: &[String]) -> Result<(), StateError> {
        if segments.is_empty() {
            return Ok(());
        }
        let prefix = self.journal_prefix();
        self.store
            .delete_many(segments)
            .map_err(self.failure("delete the folded journal segments", &prefix))
    }

    /// What the last load wants the user to know. Empties the list.
    pub fn take_warnings(&mut self) -> Vec<StateWarning> {
        std::mem::take(&mut self.warnings)
    }

    /// Writes `state` with `If-Match` of the version read (or `If-None-Match: *` when there was
    /// none) and returns the serial it was written with; the serial rules are the local
    /// backend's. The replaced version is kept: by the bucket's versioning, else as
    /// `KEY.backup`.
    pub fn persist(&mut self, state: &State) -> Result<Serial, StateError> {
        if matches!(self.known, Known::Unread) {
            self.load()?;
        }
        let (serial, previous) = match &self.known {
            Known::Unread | Known::Missing => (state.serial.next(), None),
            Known::Refused(refusal) => return Err(refusal.clone().into()),
            Known::Present {
                recorded,
                etag,
                bytes,
            } => {
                let location = self.location_path();
                match recorded.next_write(state, bytes, self.digest.must_move(), &location)? {
                    Write::Unneeded(serial) => return Ok(serial),
                    Write::With(serial) => (serial, Some((etag.clone(), bytes.clone()))),
                }
            }
        };
        let mut written = state.clone();
        written.serial = serial;
        crate::keyfile::remote_store(self, &written)?;
        let bytes = written.to_json();
        let key = self.store.key.clone();
        let etag = match &previous {
            None => self.store.put(&key, bytes.clone(), Condition::Absent),
            Some((etag, old)) => {
                self.keep_backup(old)?;
                self.store.put(&key, bytes.clone(), Condition::Is(etag))
            }
        };
        let etag = match etag {
            Ok(etag) => etag,
            Err(failure) if failure.lost_the_race() => {
                return Err(StateError::StateChangedRemotely {
                    object: self.location(),
                    code: failure.code,
                });
            }
            Err(failure) => {
                return Err(failure.into_error("write the state", &self.store.bucket, &key));
            }
        };
        self.known = Known::Present {
            recorded: Recorded::new(&written),
            etag,
            bytes,
        };
        Ok(serial)
    }

    fn keep_backup(&mut self, old: &[u8]) -> Result<(), StateError> {
        let versioned = match self.versioning {
            Some(known) => known,
            None => {
                let known = self.store.versioning_enabled().unwrap_or(false);
                self.versioning = Some(known);
                known
            }
        };
        if versioned {
            return Ok(());
        }
        let backup = format!("{}.backup", self.store.key);
        self.store
            .put(&backup, old.to_vec(), Condition::None)
            .map(|_| ())
            .map_err(self.failure("keep the backup", &backup))
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

    /// Starts journalling an apply of `state` in S3 segments. The state is written first if
    /// it differs from the object, so the journal always has its base in S3.
    pub fn begin_journal(&mut self, state: &State) -> Result<Journal, StateError> {
        if matches!(self.known, Known::Unread) {
            self.load()?;
        }
        let prefix = self.journal_prefix();
        let left = self
            .store
            .list(&prefix)
            .map_err(self.failure("list the journal", &prefix))?;
        if !left.is_empty() {
            return Err(StateError::JournalExists {
                path: PathBuf::from(self.store.object(&prefix)),
            });
        }
        let mut base = state.clone();
        base.serial = self.persist(state)?;
        let segments = Segments::new(
            self.store.clone(),
            prefix.clone(),
            Journal::header_line(&base),
        );
        Journal::segments(PathBuf::from(self.store.object(&prefix)), base, segments)
    }

    /// Ends an apply: writes the journal's state and deletes its segments. If this fails, the
    /// segments stay and the next `load` (on any machine) recovers them.
    pub fn fold(&mut self, journal: Journal) -> Result<State, StateError> {
        let (path, mut state, sink) = journal.into_parts();
        let segments = match sink {
            Some(journal::Sink::Segments(segments)) => segments.written,
            // The writer thread died (a bug): which segments it wrote is in S3 only.
            None => {
                let prefix = self.journal_prefix();
                self.store
                    .list(&prefix)
                    .map_err(self.failure("list the journal", &prefix))?
            }
            Some(_) => {
                return Err(StateError::JournalForOtherState {
                    path,
                    state: self.location_path(),
                    journal_lineage: state.lineage.to_string(),
                    state_lineage: String::from("(a local journal)"),
                });
            }
        };
        if let Known::Present {
            recorded: current, ..
        } = &self.known
            && current.lineage != state.lineage
        {
            return Err(StateError::JournalForOtherState {
                path,
                state: self.location_path(),
                journal_lineage: state.lineage.to_string(),
                state_lineage: current.lineage.to_string(),
            });
        }
        state.serial = self.persist(&state)?;
        self.delete_segments(&segments)?;
        tracing::debug!(journal = %path.display(), segments = segments.len(), serial = state.serial.0, "journal folded into the state");
        Ok(state)
    }

    /// Takes the lock: creates `KEY.lock` with `If-None-Match: *`, retrying with backoff
    /// until `timeout` while someone else holds it.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        let info = LockInfo::new(operation, Path::new(&self.location()));
        let bytes = match serde_json::to_vec_pretty(&info) {
            Ok(bytes) => bytes,
            Err(error) => unreachable!("LockInfo always serializes: {error}"),
        };
        let key = self.lock_key();
        let started = Instant::now();
        let deadline = started + timeout;
        let mut pause = Duration::from_millis(50);
        let etag = loop {
            match self.store.put(&key, bytes.clone(), Condition::Absent) {
                Ok(etag) => break etag,
                Err(failure) if failure.lost_the_race() => {}
                Err(failure) => {
                    return Err(failure.into_error("take the lock", &self.store.bucket, &key));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StateError::RemoteLocked {
                    object: self.location(),
                    waited: now - started,
                    holder: self.lock_info().ok().flatten().map(Box::new),
                });
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_secs(1));
        };
        tracing::debug!(lock = %self.store.object(&key), id = %info.id, operation, "state lock acquired");
        Ok(LockGuard::remote(
            info,
            Box::new(S3Lock {
                store: self.store.clone(),
                key,
                etag,
            }),
        ))
    }

    /// Deletes the lock object when it holds `id` — conditionally on the version read, so
    /// that a lock someone took meanwhile is never the one removed. Returns the removed record.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let key = self.lock_key();
        let not_locked = || StateError::NotLocked {
            path: self.location_path(),
            info_path: PathBuf::from(self.store.object(&key)),
        };
        let Some((info, etag)) = self.lock_record()? else {
            return Err(not_locked());
        };
        if info.id != id {
            return Err(StateError::LockIdMismatch {
                path: self.location_path(),
                given: id.to_owned(),
                actual: info.id,
            });
        }
        match self.store.delete_if(&key, Some(&etag)) {
            Ok(()) => Ok(info),
            // Released, or released and taken again, since it was read: not ours to remove.
            Err(f) if f.not_found() => Err(not_locked()),
            Err(f) if f.lost_the_race() => match self.lock_info()? {
                Some(now) => Err(StateError::LockIdMismatch {
                    path: self.location_path(),
                    given: id.to_owned(),
                    actual: now.id,
                }),
                None => Err(not_locked()),
            },
            Err(f) => Err(f.into_error("delete the lock", &self.store.bucket, &key)),
        }
    }

    /// The current lock record, if any.
    pub fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.lock_record()?.map(|(info, _)| info))
    }

    /// The current lock record and the ETag of its object.
    fn lock_record(&self) -> Result<Option<(LockInfo, String)>, StateError> {
        let key = self.lock_key();
        let Some((bytes, etag)) = self
            .store
            .get(&key)
            .map_err(self.failure("read the lock", &key))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(|info| Some((info, etag)))
            .map_err(|error| StateError::LockInfoCorrupt {
                path: PathBuf::from(self.store.object(&key)),
                detail: error.to_string(),
            })
    }

    /// The workspaces that have a state under this backend's bucket: `env/NAME/KEY` for every
    /// NAME (the caller adds `default`). `base_key` is the default workspace's key.
    pub fn workspaces(&self, base_key: &str) -> Result<Vec<String>, StateError> {
        let keys = self
            .store
            .list("env/")
            .map_err(self.failure("list the workspaces", "env/"))?;
        let suffix = format!("/{base_key}");
        Ok(keys
            .iter()
            .filter_map(|k| k.strip_prefix("env/")?.strip_suffix(&suffix))
            .filter(|name| !name.contains('/'))
            .map(str::to_owned)
            .collect())
    }

    /// Deletes the state object and everything beside it (for `workspace delete`).
    pub fn delete_all(&self) -> Result<(), StateError> {
        let key = self.store.key.clone();
        for suffix in ["", ".backup", ".key"] {
            let object = format!("{key}{suffix}");
            self.store
                .delete(&object)
                .map_err(self.failure("delete", &object))?;
        }
        Ok(())
    }

    pub(crate) fn warn(&mut self, warning: StateWarning) {
        self.warnings.push(warning);
    }

    pub(crate) fn digest_status(&self) -> crate::keyfile::KeyStatus {
        self.digest
    }

    pub(crate) fn set_digest_status(&mut self, status: crate::keyfile::KeyStatus) {
        self.digest = status;
    }

    pub(crate) fn key_object(&self) -> String {
        format!("{}.key", self.store.key)
    }

    pub(crate) fn get_object(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self
            .store
            .get(key)
            .map_err(self.failure("read", key))?
            .map(|(bytes, _)| bytes))
    }

    pub(crate) fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), StateError> {
        self.store
            .put(key, bytes, Condition::None)
            .map(|_| ())
            .map_err(self.failure("write", key))
    }

    pub(crate) fn wrap(&self, plaintext: Vec<u8>) -> Result<Vec<u8>, StateError> {
        let id = self.digest_kms_key()?;
        self.store
            .kms_encrypt(&id, plaintext)
            .map_err(|failure| StateError::Kms {
                action: "wrap the digest key with",
                key_id: id.clone(),
                code: failure.code,
                message: failure.message,
            })
    }

    pub(crate) fn unwrap(&self, ciphertext: Vec<u8>) -> Result<Vec<u8>, StateError> {
        let id = self.digest_kms_key()?;
        self.store
            .kms_decrypt(&id, ciphertext)
            .map_err(|failure| StateError::Kms {
                action: "unwrap the digest key with",
                key_id: id.clone(),
                code: failure.code,
                message: failure.message,
            })
    }

    fn digest_kms_key(&self) -> Result<String, StateError> {
        self.settings.digest_kms_key_id.clone().ok_or_else(|| {
            StateError::S3Settings(format!(
                "the s3 backend for {} needs `digest_kms_key_id`: the KMS key that wraps the state's digest key (the key never goes into the state object)",
                self.location()
            ))
        })
    }

    fn refuse(&mut self, refusal: Refusal) -> StateError {
        self.known = Known::Refused(refusal.clone());
        refusal.into()
    }
}

/// The held `KEY.lock`; released by deleting it, but only while it is still ours (a
/// force-unlocked holder must not delete its successor's lock): one DeleteObject with
/// `If-Match` of the ETag our PutObject got, which S3 refuses with 412 when the object is
/// another holder's. There is no window between a check and the delete: S3 makes both at once.
#[derive(Debug)]
struct S3Lock {
    store: Arc<Store>,
    key: String,
    /// The ETag of the lock object this holder wrote.
    etag: String,
}

impl RemoteLock for S3Lock {
    fn release(&mut self, id: &str) -> Result<(), StateError> {
        let bucket = self.store.bucket.clone();
        let object = self.store.object(&self.key);
        match self.store.delete_if(&self.key, Some(&self.etag)) {
            Ok(()) => {
                tracing::debug!(lock = %object, id, "state lock released");
                Ok(())
            }
            Err(f) if f.lost_the_race() => {
                tracing::warn!(lock = %object, id, "the lock was force-unlocked and taken by someone else; theirs is left in place");
                Ok(())
            }
            Err(f) if f.not_found() => {
                tracing::warn!(lock = %object, id, "the lock was force-unlocked; nothing to release");
                Ok(())
            }
            Err(f) => Err(f.into_error("release the lock", &bucket, &self.key)),
        }
    }
}

/// The S3 journal's segments, written by the journal's writer thread (see `journal.rs`): each
/// batch is one object, `KEY.journal/000001`, `000002`, ..., the header line then the batch's
/// lines, created with `If-None-Match: *` so that it never replaces another's.
#[derive(Debug)]
pub(crate) struct Segments {
    store: Arc<Store>,
    prefix: String,
    header: Vec<u8>,
    next: u64,
    written: Vec<String>,
}

impl Segments {
    fn new(store: Arc<Store>, prefix: String, header: Vec<u8>) -> Segments {
        Segments {
            store,
            prefix,
            header,
            next: 1,
            written: Vec::new(),
        }
    }

    /// Writes `lines` as the next segment.
    pub(crate) fn write(&mut self, lines: &[u8]) -> Result<(), StateError> {
        let key = format!("{}{:06}", self.prefix, self.next);
        let mut body = Vec::with_capacity(self.header.len() + lines.len());
        body.extend_from_slice(&self.header);
        body.extend_from_slice(lines);
        self.store
            .put(&key, body, Condition::Absent)
            .map_err(|f| f.into_error("write the journal segment", &self.store.bucket, &key))?;
        self.next += 1;
        self.written.push(key);
        Ok(())
    }
}
