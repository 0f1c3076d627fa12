//! How a sandbox is started: the knobs that `flowform sandbox serve` exposes as flags.

use std::path::PathBuf;
use std::time::Duration;

/// AWS's soft quota of connector profiles per account and region.
pub const DEFAULT_PROFILE_QUOTA: usize = 100;

/// Everything a sandbox needs to start. `Default` gives a quiet, in-memory sandbox on any free
/// loopback port with the credentials and account id that moto and LocalStack also use.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The loopback port to listen on; 0 lets the operating system choose one.
    pub port: u16,
    /// Where the sandbox keeps its data between runs; `None` keeps everything in memory.
    pub data_file: Option<PathBuf>,
    /// How long every request waits before it is answered, to make timing bugs visible.
    pub latency: Duration,
    /// The share of requests (0.0..=1.0) answered with a throttling error before any work.
    pub throttle_rate: f64,
    /// The share of requests (0.0..=1.0) answered with an internal error before any work.
    pub error_rate: f64,
    /// Seeds the random choices (faults, secret ARN suffixes) so that runs are repeatable.
    pub seed: u64,
    /// The only access key id whose signed requests are accepted.
    pub access_key_id: String,
    /// The secret access key that belongs to `access_key_id`.
    pub secret_access_key: String,
    /// The twelve-digit account id that owns everything in the sandbox.
    pub account_id: String,
    /// Whether to recompute each request's SigV4 signature with `secret_access_key` and refuse
    /// mismatches, as AWS does. On by default; turn off only for clients that cannot sign.
    pub verify_signatures: bool,
    /// How many connector profiles one account may have in one region before CreateConnectorProfile
    /// answers ServiceQuotaExceededException. 100 by default, AWS's soft quota; raise it to stand
    /// for an account whose quota AWS raised on request.
    pub profile_quota: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            data_file: None,
            latency: Duration::ZERO,
            throttle_rate: 0.0,
            error_rate: 0.0,
            seed: 0,
            access_key_id: "test".to_owned(),
            secret_access_key: "test".to_owned(),
            account_id: "123456789012".to_owned(),
            verify_signatures: true,
            profile_quota: DEFAULT_PROFILE_QUOTA,
        }
    }
}
