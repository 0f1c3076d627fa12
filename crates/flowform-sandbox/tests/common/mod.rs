//! What both test binaries share: SDK clients pointed at an endpoint, a raw HTTP helper for
//! requests the SDKs refuse to send, and outcome codes to compare.

#![allow(dead_code)]

pub mod scenarios;

use std::time::Duration;

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::error::SdkError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const REGION: &str = "us-east-1";

macro_rules! client_builder {
    ($krate:ident, $endpoint:expr, $region:expr, $key:expr, $retry:expr) => {{
        let credentials = $krate::config::Credentials::new($key, "test", None, None, "test");
        let config = $krate::Config::builder()
            .behavior_version($krate::config::BehaviorVersion::latest())
            .endpoint_url($endpoint)
            .credentials_provider(credentials)
            .region($krate::config::Region::new($region.to_owned()))
            .retry_config($retry)
            .build();
        $krate::Client::from_conf(config)
    }};
}

/// Standard retries with short backoff, so that fault tests stay fast.
pub fn retries(attempts: u32) -> aws_sdk_kms::config::retry::RetryConfig {
    aws_sdk_kms::config::retry::RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
}

/// Every client of one endpoint, signed for one region with one access key.
#[derive(Clone)]
pub struct Clients {
    pub appflow: aws_sdk_appflow::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
}

impl Clients {
    pub fn new(endpoint: &str) -> Self {
        Self::with(endpoint, REGION, "test", retries(3))
    }

    pub fn with(
        endpoint: &str,
        region: &str,
        key: &str,
        retry: aws_sdk_kms::config::retry::RetryConfig,
    ) -> Self {
        Clients {
            appflow: client_builder!(aws_sdk_appflow, endpoint, region, key, retry.clone()),
            secrets: client_builder!(aws_sdk_secretsmanager, endpoint, region, key, retry.clone()),
            kms: client_builder!(aws_sdk_kms, endpoint, region, key, retry.clone()),
            sts: client_builder!(aws_sdk_sts, endpoint, region, key, retry),
        }
    }
}

/// `"ok"`, or the AWS error code the SDK parsed (`"dispatch"` when no answer came).
pub fn outcome<T, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    result: &Result<T, SdkError<E, R>>,
) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(SdkError::ServiceError(e)) => e.err().code().unwrap_or("(no code)").to_owned(),
        Err(other) => format!("transport: {other:?}"),
    }
}

/// The HTTP status and error code of a failed call.
pub fn status_and_code<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, aws_sdk_kms::config::http::HttpResponse>>,
) -> (u16, String, String) {
    match result {
        Ok(_) => panic!("expected an error, the call succeeded"),
        Err(SdkError::ServiceError(e)) => (
            e.raw().status().as_u16(),
            e.err().code().unwrap_or_default().to_owned(),
            e.err().message().unwrap_or_default().to_owned(),
        ),
        Err(other) => panic!("expected a service error, got {other:?}"),
    }
}

/// A raw HTTP/1.1 POST, for requests the SDKs would not send (bad JSON, missing auth).
/// Returns the status, the headers (lower-cased names) and the body.
pub async fn raw_post(
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect to the endpoint");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// A sandbox that reads the access key and region from `SIGNED` but does not recompute
/// signatures, for raw requests written by hand.
pub async fn unsigned_sandbox() -> flowform_sandbox::RunningSandbox {
    flowform_sandbox::start(flowform_sandbox::SandboxConfig {
        verify_signatures: false,
        ..Default::default()
    })
    .await
    .expect("start")
}

/// An Authorization header with the right access key and a made-up signature.
pub const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=test/20261123/us-east-1/appflow/aws4_request, SignedHeaders=host, Signature=0";

/// A policy document that lets AppFlow read a secret.
pub fn appflow_secret_policy(resource: &str) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "appflow.amazonaws.com"},
        "Action": "secretsmanager:GetSecretValue", "Resource": resource}]})
    .to_string()
}

/// A key policy that keeps the account in control and lets AppFlow use the key, as the
/// Salesforce connector guide asks.
pub fn appflow_key_policy(account: &str) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": "appflow.amazonaws.com"},
         "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}]})
    .to_string()
}

/// Asserts a scenario's steps and outcomes, in order.
pub fn assert_scenario(actual: scenarios::Steps, expected: &[(&str, &str)]) {
    let actual: Vec<(&str, &str)> = actual.iter().map(|(s, o)| (*s, o.as_str())).collect();
    assert_eq!(actual, expected);
}

/// A request signed by hand with SigV4 for the sandbox's default key (`test`/`test`), dated
/// `age_seconds` in the past (negative: in the future). Written apart from the sandbox's own
/// verifier so that the two check each other.
pub struct HandSigned {
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HandSigned {
    pub fn new(
        endpoint: &str,
        service: &str,
        path: &'static str,
        target: Option<&str>,
        body: &str,
        age_seconds: i64,
    ) -> Self {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        let hmac = |key: &[u8], data: &str| {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        };
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs() as i64;
        let amz_date = amz_date(now - age_seconds);
        let day = &amz_date[..8];
        let host = endpoint.trim_start_matches("http://");
        let mut signed: Vec<(String, String)> = vec![
            ("host".into(), host.into()),
            ("x-amz-date".into(), amz_date.clone()),
        ];
        if let Some(target) = target {
            signed.push(("x-amz-target".into(), target.into()));
        }
        let names: Vec<&str> = signed.iter().map(|(n, _)| n.as_str()).collect();
        let names = names.join(";");
        let canonical_headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let canonical = format!(
            "POST\n{path}\n\n{canonical_headers}\n{names}\n{}",
            hex(&Sha256::digest(body.as_bytes()))
        );
        let scope = format!("{day}/{REGION}/{service}/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(b"AWS4test", day);
        for part in [REGION, service, "aws4_request"] {
            key = hmac(&key, part);
        }
        let signature = hex(&hmac(&key, &to_sign));
        let mut headers: Vec<(String, String)> = signed.into_iter().skip(1).collect();
        headers.push((
            "authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders={names}, Signature={signature}"
            ),
        ));
        HandSigned {
            path,
            headers,
            body: body.to_owned(),
        }
    }

    pub async fn send(&self, endpoint: &str) -> (u16, Vec<(String, String)>, String) {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        raw_post(endpoint, self.path, &headers, &self.body).await
    }
}

/// Seconds since the epoch as `20150830T123600Z`.
fn amz_date(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
