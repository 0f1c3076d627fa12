//! `flowform-sandbox`: a local, AWS-compatible endpoint for Amazon AppFlow connector profiles,
//! Secrets Manager, KMS, STS `GetCallerIdentity`, and the part of S3 that flowform's s3 state
//! backend uses (objects with conditional writes, listing, bucket versioning).
//!
//! # Why it exists
//!
//! No public emulator implements AppFlow, yet `flowform plan`/`apply` must be runnable without an
//! AWS account, in tests and in CI. The sandbox answers the real AWS SDK for Rust, boto3 and the
//! AWS CLI unchanged (point them at [`RunningSandbox::endpoint`]) and behaves as AWS documents:
//! it validates AppFlow requests *on the service's side*: from AWS's AppFlow model (the same
//! extract the client is generated from, read by an interpreter of its own) and the reference's
//! business rules, never through flowform's own connector catalogue, so that it catches the
//! client's mistakes instead of sharing them.
//!
//! # Using it
//!
//! ```no_run
//! # async fn demo() -> Result<(), flowform_sandbox::SandboxError> {
//! let sandbox = flowform_sandbox::start(flowform_sandbox::SandboxConfig::default()).await?;
//! println!("AWS_ENDPOINT_URL={}", sandbox.endpoint()); // http://127.0.0.1:PORT
//! // ... run SDK calls signed with access key "test" ...
//! sandbox.shutdown().await?; // stops listening and saves the data file
//! # Ok(()) }
//! ```
//!
//! `flowform sandbox serve` uses [`serve_forever`] (blocking, until Ctrl-C) or
//! [`RunningSandbox::run_until`] when it already has a runtime.
//!
//! # Behaviour worth knowing
//!
//! - It listens on 127.0.0.1 only. Requests must carry a SigV4 `Authorization` header signed with
//!   [`SandboxConfig::access_key_id`]; any other key gets `UnrecognizedClientException` (403;
//!   `InvalidClientTokenId` for STS, as AWS names it there). The signature is recomputed with
//!   [`SandboxConfig::secret_access_key`] (unless [`SandboxConfig::verify_signatures`] is off);
//!   a mismatch gets `InvalidSignatureException` (`SignatureDoesNotMatch` for STS).
//!   Resources live in the region the request was signed for, in account
//!   [`SandboxConfig::account_id`].
//! - With a [`SandboxConfig::data_file`], every change is saved before the response is sent:
//!   appended (only the objects it changed) to a log and fsynced, so a request costs the same
//!   with 100 or 10,000 objects stored. The log is compacted when it has doubled, and read back
//!   on start; a file of the old whole-snapshot format is converted. The file holds secret
//!   values, so it is created with mode 0600. A `<data file>.lock` lock keeps a second sandbox
//!   from using the same file at the same time.
//! - [`SandboxConfig::latency`] delays every answer; [`SandboxConfig::throttle_rate`] and
//!   [`SandboxConfig::error_rate`] answer that share of requests with `ThrottlingException` or a
//!   500 before anything is changed, drawn from [`SandboxConfig::seed`] so runs repeat.
//! - AppFlow: a credential value of exactly `flowform-sandbox:reject` makes Create/Update answer
//!   `ConnectorAuthenticationException` (401), which is how a test can exercise the error AWS
//!   gives when the connector refuses the credentials.
//!
//! # Decisions where AWS's documentation is silent
//!
//! - AppFlow `clientToken` reused with a different request: the docs only say "an error occurs";
//!   the sandbox answers `ConflictException` (409), the error AppFlow documents for conflicting
//!   requests. Tokens are remembered for 8 hours, as documented.
//! - Credentials are kept in a secret named `appflow!ACCOUNT-NAME-EPOCHMILLIS` with
//!   `OwningService` `appflow`, encrypted with `kmsArn` when one is given. Update writes a new
//!   version of it; Delete removes it at once.
//! - `clientCredentialsArn` (Salesforce, Pardot) is accepted only if the secret exists in the
//!   sandbox, is not pending deletion, its resource policy allows `appflow.amazonaws.com`
//!   `secretsmanager:GetSecretValue`, and, when it names a customer managed key, that key is
//!   enabled and its policy allows AppFlow `kms:Decrypt`. `aws:SourceAccount`/`aws:SourceArn`
//!   conditions are evaluated with the account and the profile's ARN. Anything else gets AWS's
//!   single message, "Please validate the ClientCredentialsArn provided and please make sure
//!   Appflow has required permissions". The secret's content is not inspected.
//! - Required members follow the 2023-09-06 API change note's \[REQUIRED\] markers (e.g. Snowflake
//!   needs a password, although the newest service model also allows key-pair authentication).
//!   A connector whose credentials have required members needs its credentials; a custom
//!   connector needs `connectorLabel` and the credentials its `authenticationType` names; the
//!   connector types without profiles (S3, EventBridge, ...) are refused.
//! - Private connections are `CREATED` at once (there is no PrivateLink to wait for), and
//!   `forceDelete` changes nothing because the sandbox has no flows.
//! - Secrets Manager's BlockPublicPolicy refuses a statement that allows `Principal: "*"` (or
//!   `{"AWS": "*"}`) without a `Condition`. KMS's lockout check requires a statement allowing the
//!   account root `kms:PutKeyPolicy` (the sandbox's caller is the account root).
//! - Error status codes: awsJson errors are 400 except internal errors (500); a bad signature is
//!   `InvalidSignatureException` (400 for Secrets Manager and KMS, 403 for AppFlow) or STS's
//!   `SignatureDoesNotMatch` (403).
//!
//! # Layout
//!
//! - `server`: routing (restJson path, `X-Amz-Target`, awsQuery `Action`), auth, latency, faults.
//! - `protocol`: how results and errors are written in restJson1, awsJson1.1 and awsQuery.
//! - `auth`, `signature`, `faults`, `rng`, `clock`, `input`, `sensitive`, `expiry`: the small pieces
//!   `server` and the services use.
//! - `store`: all data behind one lock, and its group-committed data file; `table`: the maps
//!   that remember which objects changed; `data_log`: the file's format (an append-only log of
//!   changed objects), reading it back, and compaction.
//! - `iam_policy`: the bit of IAM policy evaluation the services need.
//! - `s3`: buckets and objects, with `If-None-Match`/`If-Match` answered 412 as S3 does
//!   (requests are told apart by their SigV4 scope's service, `s3`, and path-style URLs).
//! - `appflow/`, `secretsmanager/`, `kms/`, `sts`: one module per service; `model` holds what is
//!   stored, `validate`/`policy` the service's rules, `mod` dispatches operations.

mod appflow;
mod auth;
mod clock;
mod config;
mod data_log;
mod error;
mod expiry;
mod faults;
mod iam_policy;
mod input;
mod kms;
mod protocol;
mod request_time;
mod rng;
mod s3;
mod secretsmanager;
mod sensitive;
mod server;
mod signature;
mod store;
mod sts;
mod table;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

pub use config::{DEFAULT_PROFILE_QUOTA, SandboxConfig};
pub use error::SandboxError;

/// A sandbox listening on a loopback port. Every change is saved before it is answered;
/// [`RunningSandbox::shutdown`] stops the server, waits for requests in flight and frees the data
/// file. Dropping it only tells the server to stop.
pub struct RunningSandbox {
    addr: SocketAddr,
    app: Arc<server::App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts a sandbox on 127.0.0.1 and returns once it accepts connections. Call it inside a Tokio
/// runtime: the server runs as a task of that runtime.
pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
    for (name, rate) in [
        ("throttle rate", config.throttle_rate),
        ("error rate", config.error_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(SandboxError::Config(format!(
                "the {name} must be between 0 and 1, not {rate}"
            )));
        }
    }
    if config.throttle_rate + config.error_rate > 1.0 {
        return Err(SandboxError::Config(
            "the throttle rate and error rate together must not exceed 1".to_owned(),
        ));
    }
    if config.account_id.len() != 12 || !config.account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SandboxError::Config(format!(
            "the account id must be twelve digits, not {:?}",
            config.account_id
        )));
    }
    let store = store::Store::open(config.data_file.clone(), config.seed)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|source| SandboxError::Bind {
            port: config.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
        port: config.port,
        source,
    })?;
    let app = Arc::new(server::App {
        store,
        faults: faults::Faults::new(config.throttle_rate, config.error_rate, config.seed),
        latency: config.latency,
        access_key_id: config.access_key_id,
        secret_access_key: config.verify_signatures.then_some(config.secret_access_key),
        account_id: config.account_id,
        profile_quota: config.profile_quota,
    });
    let router = axum::Router::new()
        .fallback(server::handle)
        .with_state(app.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningSandbox {
        addr,
        app,
        stop: Some(stop),
        task,
    })
}

impl RunningSandbox {
    /// The URL to give the SDKs as `endpoint_url`, e.g. `http://127.0.0.1:4566`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port the sandbox listens on (useful when it was started with port 0).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Saves any unsaved data now, without stopping.
    pub async fn flush(&self) -> Result<(), SandboxError> {
        self.app.store.flush().await
    }

    /// Stops accepting requests, lets requests in flight finish, and saves the data file.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = (&mut self.task).await;
        self.app.store.flush().await?;
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SandboxError::Serve(e)),
            Err(e) => Err(SandboxError::Serve(std::io::Error::other(e))),
        }
    }

    /// Serves until `signal` completes (e.g. `tokio::signal::ctrl_c()`), then shuts down.
    pub async fn run_until<F: Future>(self, signal: F) -> Result<(), SandboxError> {
        signal.await;
        self.shutdown().await
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Everything a sandbox data file holds, as one JSON document:
/// `{"regions": {REGION: {"appflow": {"profiles", "tokens"}, "secretsmanager": {"secrets"},
/// "kms": {"keys", "aliases"}}}, "s3": {BUCKET: {..., "objects"}}}`, the shape of the old
/// whole-snapshot format. The file itself is a log of changes (see the `data_log` module); this
/// is for tests and for looking into a sandbox's data, not for a running sandbox's requests.
pub fn read_data_file(path: &std::path::Path) -> Result<serde_json::Value, SandboxError> {
    store::read_data_file(path)
}

/// Runs a sandbox on its own runtime until Ctrl-C, printing its endpoint to stderr. For
/// `flowform sandbox serve` when no runtime is running yet.
pub fn serve_forever(config: SandboxConfig) -> Result<(), SandboxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(SandboxError::Serve)?;
    runtime.block_on(async {
        let sandbox = start(config).await?;
        eprintln!(
            "flowform sandbox listening on {} (Ctrl-C to stop)",
            sandbox.endpoint()
        );
        sandbox
            .run_until(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}
