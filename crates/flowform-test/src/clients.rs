//! SDK clients for a test endpoint: the sandbox's or moto's fixed test credentials, one region,
//! standard retries (the sandbox may be told to throttle).

/// AppFlow, Secrets Manager and KMS at one endpoint.
#[derive(Clone)]
pub struct Clients {
    pub appflow: aws_sdk_appflow::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub kms: aws_sdk_kms::Client,
}

impl Clients {
    /// Clients for `endpoint`, signing as `test`/`test` in us-east-1. Needs a tokio runtime
    /// entered (the SDK's HTTP client is built on it).
    pub fn new(endpoint: &str) -> Clients {
        macro_rules! client {
            ($sdk:ident) => {{
                use $sdk::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig};
                $sdk::Client::from_conf(
                    $sdk::Config::builder()
                        .behavior_version(BehaviorVersion::latest())
                        .endpoint_url(endpoint)
                        .credentials_provider(Credentials::new("test", "test", None, None, "t"))
                        .region(Region::new("us-east-1"))
                        .retry_config(RetryConfig::standard().with_max_attempts(10))
                        .build(),
                )
            }};
        }
        Clients {
            appflow: client!(aws_sdk_appflow),
            secretsmanager: client!(aws_sdk_secretsmanager),
            kms: client!(aws_sdk_kms),
        }
    }
}
