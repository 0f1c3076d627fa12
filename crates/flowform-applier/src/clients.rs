//! The AWS clients, built from aws-config's normal resolution (environment, `~/.aws`, SSO,
//! instance roles) plus what the `provider "aws"` block says — or, for `--sandbox`, pointed
//! at the in-process sandbox with its fixed test credentials.
//!
//! Nothing is read from AWS, and no credential is looked up, until a command needs a client:
//! [`Clients::connect`] is called by the commands that talk to AWS, never by `validate`/`plan
//! --refresh=false`.

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
    /// Attempts after the first, for throttling and 5xx (adaptive retry). Default 9.
    pub max_retries: Option<u32>,
    /// Fixed credentials (the sandbox's), instead of the normal chain.
    pub static_credentials: Option<(String, String)>,
}

/// One client per service.
#[derive(Clone)]
pub struct Clients {
    pub appflow: aws_sdk_appflow::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    /// The region the clients sign for (ARNs are built with it).
    pub region: String,
}

impl Clients {
    pub async fn connect(settings: &ClientSettings) -> Clients {
        let attempts = settings.max_retries.unwrap_or(9).saturating_add(1);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // Adaptive retry backs off on throttling as well as retrying it: AppFlow's and
            // KMS's request quotas are low and an apply of hundreds of resources meets them.
            .retry_config(
                RetryConfig::adaptive()
                    .with_max_attempts(attempts)
                    .with_initial_backoff(Duration::from_millis(50)),
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
            appflow: aws_sdk_appflow::Client::new(&shared),
            secrets: aws_sdk_secretsmanager::Client::new(&shared),
            kms: aws_sdk_kms::Client::new(&shared),
            sts: aws_sdk_sts::Client::new(&shared),
            region,
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
