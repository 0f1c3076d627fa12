//! The three wire protocols the sandbox speaks, and how an AWS error looks in each of them.
//!
//! AppFlow is restJson1 (error code in the `x-amzn-ErrorType` header), Secrets Manager and KMS are
//! awsJson1.1 (error code in the body's `__type`), STS is awsQuery (an XML `ErrorResponse`).
//! The SDKs parse exactly these shapes, so a service module only says *which* error happened and
//! this module says how it is written.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

/// The emulated services, each with the protocol its SDK client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    AppFlow,
    SecretsManager,
    Kms,
    Sts,
    S3,
}

impl Service {
    pub fn protocol(self) -> Protocol {
        match self {
            Service::AppFlow => Protocol::RestJson,
            Service::SecretsManager | Service::Kms => Protocol::AwsJson,
            Service::Sts => Protocol::AwsQuery,
            Service::S3 => Protocol::RestXml,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    RestJson,
    AwsJson,
    AwsQuery,
    /// S3: errors are an XML `<Error>` document.
    RestXml,
}

/// An error answer from one of the emulated services: the AWS error code, the HTTP status and
/// the message a client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 ValidationException, the AppFlow answer to a request that breaks the model.
    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::new(400, "ValidationException", message)
    }

    /// 400 with a code of the caller's choosing, the usual shape of awsJson client errors.
    pub fn client(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(400, code, message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn with_request_id(mut response: Response<Body>, id: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(id) {
        response
            .headers_mut()
            .insert("x-amzn-RequestId", value.clone());
        response.headers_mut().insert("x-amz-request-id", value);
    }
    response
}

fn response(status: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert("content-type", value);
    }
    response
}

/// A successful answer carrying `body` in the protocol's encoding.
pub fn ok(protocol: Protocol, body: &Value) -> Response<Body> {
    let content_type = match protocol {
        Protocol::RestJson => "application/json",
        Protocol::AwsJson => "application/x-amz-json-1.1",
        Protocol::AwsQuery => "text/xml",
        Protocol::RestXml => "application/xml",
    };
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    with_request_id(response(200, content_type, bytes), &request_id())
}

/// A successful answer with its own status, headers and body (S3).
pub fn ok_http(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Response<Body> {
    let mut r = response(status, "application/octet-stream", body);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            r.headers_mut().insert(name, value);
        }
    }
    with_request_id(r, &request_id())
}

/// A successful awsQuery answer whose XML the caller already wrote.
pub fn ok_xml(xml: String) -> Response<Body> {
    with_request_id(response(200, "text/xml", xml.into_bytes()), &request_id())
}

/// Writes `error` the way `protocol` carries errors.
pub fn error(protocol: Protocol, error: &ApiError) -> Response<Body> {
    let id = request_id();
    let response = match protocol {
        Protocol::RestJson => {
            let body = serde_json::to_vec(&json!({ "message": error.message })).unwrap_or_default();
            let mut r = response(error.status, "application/json", body);
            if let Ok(value) = HeaderValue::from_str(&error.code) {
                r.headers_mut().insert("x-amzn-ErrorType", value);
            }
            r
        }
        Protocol::AwsJson => {
            let body =
                serde_json::to_vec(&json!({ "__type": error.code, "message": error.message }))
                    .unwrap_or_default();
            response(error.status, "application/x-amz-json-1.1", body)
        }
        Protocol::AwsQuery => {
            let kind = if error.status >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            let xml = format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>",
                xml_escape(&error.code),
                xml_escape(&error.message)
            );
            response(error.status, "text/xml", xml.into_bytes())
        }
        Protocol::RestXml => {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>{}</Message><RequestId>{id}</RequestId></Error>",
                xml_escape(&error.code),
                xml_escape(&error.message)
            );
            response(error.status, "application/xml", xml.into_bytes())
        }
    };
    with_request_id(response, &id)
}

pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_covers_markup() {
        assert_eq!(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
