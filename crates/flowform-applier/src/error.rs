//! Errors from AWS, named by the resource they are about.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use flowform_core::{Address, Diagnostic};
use std::fmt;

/// An AWS error: its code (`ConflictException`) and message, or, for a failure that never
/// reached AWS (network, credentials), the whole cause chain.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub code: Option<String>,
    pub message: String,
    /// AWS answered the call and refused it for good: a client error (4xx) that is not
    /// throttling or a timeout, so the call changed nothing. A create refused so made nothing
    /// (its retries carried the same idempotency token, and AWS answers a repeated create that
    /// it carried out with what it made, not with an error).
    pub refused: bool,
    /// AWS holds an object of the name being created that provably is not this state's (a
    /// secret without this state's tags): a create an interrupted apply sent under this
    /// name made nothing either.
    pub not_ours: bool,
}

/// Error codes of a 4xx answer that say "not now" rather than "no": throttling and timeouts,
/// as the AWS SDKs' retry classifiers list them.
const NOT_NOW: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
];

impl AwsError {
    pub fn from_sdk<E>(
        e: aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::http::Response,
        >,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = e.code().map(str::to_string);
        let message = match (e.message(), &code) {
            (Some(m), _) => m.to_string(),
            (None, _) => DisplayErrorContext(&e).to_string(),
        };
        let status = match &e {
            aws_smithy_runtime_api::client::result::SdkError::ServiceError(s) => {
                Some(s.raw().status().as_u16())
            }
            _ => None,
        };
        let refused = status.is_some_and(|s| (400..500).contains(&s) && s != 429)
            && code.as_deref().is_some_and(|c| !NOT_NOW.contains(&c));
        AwsError {
            code,
            message,
            refused,
            not_ours: false,
        }
    }

    pub fn other(message: impl Into<String>) -> AwsError {
        AwsError {
            code: None,
            message: message.into(),
            refused: false,
            not_ours: false,
        }
    }

    /// The error as a diagnostic about `address`: `ADDR: DOING failed: CODE` as its summary
    /// (one line a log search finds), AWS's message as its detail.
    pub fn diagnostic(&self, address: &Address, doing: &str) -> Diagnostic {
        let summary = match &self.code {
            Some(code) => format!("{address}: {doing} failed: {code}"),
            None => format!("{address}: {doing} failed"),
        };
        Diagnostic::error(summary, self.message.clone())
            .with_address(address.clone())
            .with_code(self.code.clone())
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A change that failed: which resource, doing what, and AWS's answer.
#[derive(Debug, Clone)]
pub struct ChangeError {
    pub address: Address,
    pub doing: &'static str,
    pub error: AwsError,
}

impl ChangeError {
    /// The failure as a diagnostic: see [`AwsError::diagnostic`].
    pub fn diagnostic(&self) -> Diagnostic {
        self.error.diagnostic(&self.address, self.doing)
    }
}

impl fmt::Display for ChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} failed: {}", self.address, self.doing, self.error)
    }
}

/// `?` on an SDK call inside a resource operation.
pub(crate) trait SdkResultExt<T> {
    fn aws(self) -> Result<T, AwsError>;
}

impl<T, E> SdkResultExt<T>
    for Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn aws(self) -> Result<T, AwsError> {
        self.map_err(AwsError::from_sdk)
    }
}

/// An SDK call whose outcome has one expected failure, matched on the SDK's typed service
/// error (`DeleteAliasError::NotFoundException`), never on a code string.
pub(crate) trait ExpectedError<T, E> {
    /// `Ok(None)` when the call failed with an error `expected` accepts (a delete of what is
    /// already gone, say); any other failure is an [`AwsError`].
    fn none_when(self, expected: impl FnOnce(&E) -> bool) -> Result<Option<T>, AwsError>;
    /// `Ok(Err(error))` when the call failed with an error `expected` accepts, for a caller
    /// that must look at it further; `Err` for any other failure.
    fn split_when(self, expected: impl FnOnce(&E) -> bool)
    -> Result<Result<T, AwsError>, AwsError>;
}

impl<T, E> ExpectedError<T, E>
    for Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn none_when(self, expected: impl FnOnce(&E) -> bool) -> Result<Option<T>, AwsError> {
        match self.split_when(expected)? {
            Ok(v) => Ok(Some(v)),
            Err(_) => Ok(None),
        }
    }

    fn split_when(
        self,
        expected: impl FnOnce(&E) -> bool,
    ) -> Result<Result<T, AwsError>, AwsError> {
        match self {
            Ok(v) => Ok(Ok(v)),
            Err(e) if e.as_service_error().is_some_and(expected) => Ok(Err(AwsError::from_sdk(e))),
            Err(e) => Err(AwsError::from_sdk(e)),
        }
    }
}
