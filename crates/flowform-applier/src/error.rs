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
    /// A create's answer: the name is taken by an object this create did not make (AppFlow's
    /// `ConflictException` to a create whose retries carried one client token, which AppFlow
    /// answers with the profile it made; a secret of the name without this state's tags).
    /// Proof that the create made nothing, which no other refusal is: an SDK retry refused
    /// for another reason (credentials, a quota the first attempt just filled) may follow a
    /// first attempt that made the object and whose answer was lost.
    pub name_taken: bool,
}

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
        AwsError {
            code,
            message,
            name_taken: false,
        }
    }

    pub fn other(message: impl Into<String>) -> AwsError {
        AwsError {
            code: None,
            message: message.into(),
            name_taken: false,
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
