//! The AWS clients, built from aws-config's normal resolution (environment, `~/.aws`, SSO,
//! instance roles) plus what the `provider "aws"` block says — or, for `--sandbox`, pointed
//! at the in-process sandbox with its fixed test credentials.
//!
//! Nothing is read from AWS, and no credential is looked up, until a command needs a client:
//! [`Clients::connect`] is called by the commands that talk to AWS, never by `validate`/`plan
//! --refresh=false`.
//!
//! # Retries
//!
//! Throttling and 5xx answers are retried with the SDK's *standard* strategy: exponential
//! backoff with full jitter starting at 5 ms and doubling up to 2 s, at most
//! [`DEFAULT_MAX_RETRIES`] retries per call, and no retry quota (the per-call limit bounds
//! them). A short first backoff keeps occasional throttles cheap (at 50 % throttling an apply
//! of 100 resources takes 2–3× its unthrottled time: `cargo bench -p flowform-cli --bench apply
//! -- throttle`); the doubling makes a worker that keeps being throttled slow down to one try
//! every second or so, which is what brings the request rate down to what AWS allows. Not *adaptive*: its process-wide,
//! per-service rate limiter drops to 0.5 requests/s after one throttle and charges a throttled
//! retry 10 tokens, so every worker of the apply waits 8–20 s per retry whatever the backoff —
//! 24 resources at 20 % throttling took 100–116 s. Not the default retry quota either: it
//! charges 5 tokens a throttled retry out of 500, which a few hundred throttled calls in one
//! apply exhaust, after which calls fail at once instead of backing off. Backoff on the calls
//! that were throttled is what lowers the request rate towards what AWS allows.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::time::Duration;

/// Where and how to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Overrides every service's endpoint (`provider "aws" { endpoint_url }`, or the sandbox).
    /// Without it, aws-config honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`.
    pub endpoint_url: Option<String>,
    /// Retries after the first attempt, for throttling and 5xx. Default
    /// [`DEFAULT_MAX_RETRIES`].
    pub max_retries: Option<u32>,
    /// Fixed credentials (the sandbox's), instead of the normal chain.
    pub static_credentials: Option<(String, String)>,
}

/// Retries per call unless `provider "aws" { max_retries }` says otherwise: at a throttling
/// rate of 50 %, 15 retries leave one call in 65,000 failing.
pub const DEFAULT_MAX_RETRIES: u32 = 15;

/// One client per service.
#[derive(Clone)]
pub struct Clients {
    pub appflow: aws_sdk_appflow::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    /// The region the clients sign for (ARNs are built with it).
    pub region: String,
    /// The clients of each aliased provider configuration (`provider "aws" { alias = "eu" }`),
    /// by alias; see [`Clients::for_alias`].
    pub aliases: std::sync::Arc<std::collections::BTreeMap<String, Clients>>,
}

impl Clients {
    pub async fn connect(settings: &ClientSettings) -> Clients {
        let attempts = settings
            .max_retries
            .unwrap_or(DEFAULT_MAX_RETRIES)
            .saturating_add(1);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // See the module's doc: standard, not adaptive, and no retry quota.
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(attempts)
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_backoff(Duration::from_secs(2)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
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
        let shared = loader.load().await;
        let region = shared
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        Clients {
            appflow: aws_sdk_appflow::Client::from_conf(
                aws_sdk_appflow::config::Builder::from(&shared)
                    .retry_partition(unlimited_retries("appflow"))
                    .build(),
            ),
            secrets: aws_sdk_secretsmanager::Client::from_conf(
                aws_sdk_secretsmanager::config::Builder::from(&shared)
                    .retry_partition(unlimited_retries("secretsmanager"))
                    .build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(&shared)
                    .retry_partition(unlimited_retries("kms"))
                    .build(),
            ),
            sts: aws_sdk_sts::Client::new(&shared),
            region,
            aliases: Default::default(),
        }
    }

    /// These clients with the aliased provider configurations' own.
    pub fn with_aliases(mut self, aliases: std::collections::BTreeMap<String, Clients>) -> Self {
        self.aliases = std::sync::Arc::new(aliases);
        self
    }

    /// The clients of provider configuration `alias` (`None`: the default one). An alias the
    /// configuration no longer declares is an error, never the default region or account: a
    /// resource is changed or destroyed only where it was made.
    pub fn for_alias(&self, alias: Option<&str>) -> Result<&Clients, crate::AwsError> {
        match alias {
            None => Ok(self),
            Some(a) => self.aliases.get(a).ok_or_else(|| {
                crate::AwsError::other(format!(
                    "the provider configuration aws.{a} it was made with is not declared in the configuration: declare provider \"aws\" {{ alias = \"{a}\", ... }} again to change or destroy it"
                ))
            }),
        }
    }

    /// The account the credentials belong to (STS GetCallerIdentity).
    pub async fn account(&self) -> Result<String, crate::AwsError> {
        use crate::error::SdkResultExt;
        let out = self.sts.get_caller_identity().send().await.aws()?;
        out.account()
            .map(str::to_string)
            .ok_or_else(|| crate::AwsError::other("GetCallerIdentity returned no account"))
    }
}

/// A retry partition for one service whose retries cost nothing from a quota: each call is
/// bounded by its attempts instead (see the module's doc).
fn unlimited_retries(service: &'static str) -> aws_sdk_appflow::config::retry::RetryPartition {
    aws_sdk_appflow::config::retry::RetryPartition::custom(format!("flowform-{service}"))
        .token_bucket(aws_sdk_appflow::config::retry::TokenBucket::unlimited())
        .build()
}
