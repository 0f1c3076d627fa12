//! The HTTP front door: works out which service and operation a request is for, checks who
//! signed it, applies latency and injected faults, then hands it to the service under the store's
//! lock and saves the data before answering.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, Response};

use crate::auth;
use crate::faults::Faults;
use crate::protocol::{self, ApiError, Protocol, Service};
use crate::request_time::{self, DateError};
use crate::signature::{self, SignatureError};
use crate::store::Store;
use crate::{appflow, kms, s3, secretsmanager, sts};

/// What every request handler shares.
pub struct App {
    pub store: Store,
    pub faults: Faults,
    pub latency: Duration,
    pub access_key_id: String,
    /// `None` when signatures are not verified.
    pub secret_access_key: Option<String>,
    pub account_id: String,
    /// Connector profiles allowed per account and region.
    pub profile_quota: usize,
}

/// Where a service module does its work: the caller's account and region, the time, and whether
/// the operation changed anything that must be saved.
pub struct Context<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub now: f64,
    pub mutated: bool,
    /// Connector profiles allowed per account and region.
    pub profile_quota: usize,
}

/// Largest request body accepted; AWS's own limits for these services are far below it. A
/// larger `Content-Length` is refused before any of the body is read, and the read itself
/// stops at this size whatever the header said.
const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub service: Service,
    pub operation: String,
}

/// Reads the target service and operation from the request line, headers and body.
pub fn route(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Route, (Protocol, ApiError)> {
    if let Some(routed) = route_by_headers(method, path, headers) {
        return routed;
    }
    if let Some(action) = sts::action(body) {
        return Ok(Route {
            service: Service::Sts,
            operation: action,
        });
    }
    Err((
        Protocol::AwsJson,
        ApiError::client(
            "UnknownOperationException",
            format!("The sandbox cannot tell which operation {method} {path} is for."),
        ),
    ))
}

/// The route when the request line and headers decide it (every protocol but STS's query
/// protocol, whose action is in the body); `None` when the body is needed.
fn route_by_headers(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Result<Route, (Protocol, ApiError)>> {
    route_s3(method, path, None, headers).or_else(|| route_others(method, path, headers))
}

/// S3 is told apart by the service its requests are signed for (`.../s3/aws4_request`).
fn route_s3(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Option<Result<Route, (Protocol, ApiError)>> {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
    let caller = auth::parse_authorization(authorization).ok()?;
    if caller.service != "s3" {
        return None;
    }
    Some(match s3::operation(method, path, query) {
        Some(operation) => Ok(Route {
            service: Service::S3,
            operation: operation.to_owned(),
        }),
        None => Err((
            Protocol::RestXml,
            ApiError::new(
                501,
                "NotImplemented",
                format!("The sandbox does not implement {method} {path} in S3."),
            ),
        )),
    })
}

fn route_others(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Result<Route, (Protocol, ApiError)>> {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let (prefix, operation) = target.split_once('.').unwrap_or((target, ""));
        let service = match prefix {
            "secretsmanager" => Some(Service::SecretsManager),
            "TrentService" => Some(Service::Kms),
            _ => None,
        };
        return Some(match service {
            Some(service) if !operation.is_empty() => Ok(Route {
                service,
                operation: operation.to_owned(),
            }),
            _ => Err((
                Protocol::AwsJson,
                ApiError::client(
                    "UnknownOperationException",
                    format!("The sandbox does not implement the target {target}."),
                ),
            )),
        });
    }
    if method == Method::POST && path != "/" {
        return Some(match appflow::operation_for_path(path) {
            Some(operation) => Ok(Route {
                service: Service::AppFlow,
                operation: operation.to_owned(),
            }),
            None => Err((
                Protocol::RestJson,
                ApiError::new(
                    404,
                    "UnknownOperationException",
                    format!("The sandbox does not implement POST {path}."),
                ),
            )),
        });
    }
    None
}

pub async fn handle(State(app): State<Arc<App>>, request: Request<Body>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    // Everything the headers alone can decide is decided before a byte of the body is read, as
    // AWS does: an unknown operation, a missing or malformed Authorization header, an unknown
    // key, a stale or future X-Amz-Date, an over-limit Content-Length. Only STS's query
    // protocol needs the body to route; until then its errors use STS's words.
    let early = match route_s3(
        &parts.method,
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
    )
    .or_else(|| route_by_headers(&parts.method, parts.uri.path(), &parts.headers))
    {
        Some(Err((protocol, error))) => return protocol::error(protocol, &error),
        Some(Ok(route)) => Some(route),
        None => None,
    };
    let early_service = early.as_ref().map_or(Service::Sts, |r| r.service);
    let early_protocol = early_service.protocol();

    let authorization = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let caller = match auth::parse_authorization(authorization) {
        Ok(caller) => caller,
        Err(error) => return protocol::error(early_protocol, &error),
    };
    if caller.access_key_id != app.access_key_id {
        return protocol::error(early_protocol, &unrecognized_client(early_service));
    }
    if app.secret_access_key.is_some() {
        let amz_date = parts
            .headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok());
        let now = crate::clock::now_epoch_seconds() as i64;
        if let Err(error) = request_time::check(amz_date, now) {
            return protocol::error(early_protocol, &date_error(early_service, &error));
        }
    }
    let declared_length = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > MAX_BODY as u64) {
        return protocol::error(early_protocol, &too_large());
    }

    let body: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return protocol::error(early_protocol, &too_large()),
    };
    let route = match early {
        Some(route) => route,
        None => match route(&parts.method, parts.uri.path(), &parts.headers, &body) {
            Ok(route) => route,
            Err((protocol, error)) => return protocol::error(protocol, &error),
        },
    };
    let protocol = route.service.protocol();

    if let (Some(secret), Some(authorization)) = (&app.secret_access_key, authorization) {
        let signed = signature::Signed {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &body,
            single_encoded_path: route.service == Service::S3,
        };
        if let Err(error) = signature::verify(authorization, secret, &signed) {
            return protocol::error(protocol, &signature_error(route.service, &error));
        }
    }

    // Latency is applied without holding any lock, so concurrent requests wait in parallel.
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }
    if let Some(fault) = app.faults.draw(route.service) {
        return protocol::error(protocol, &fault);
    }

    let (result, generation) = {
        let mut inner = app.store.lock();
        let now = crate::clock::now_epoch_seconds();
        let mut ctx = Context {
            account: &app.account_id,
            region: &caller.region,
            now,
            mutated: false,
            profile_quota: app.profile_quota,
        };
        let result = if route.service == Service::S3 {
            let request = s3::Request {
                operation: &route.operation,
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &parts.headers,
                body: &body,
            };
            s3::handle(&request, &mut ctx, &mut inner.state.s3)
        } else {
            let (region, rng) = inner.region(&caller.region);
            match route.service {
                Service::AppFlow => appflow::handle(&route.operation, &body, &mut ctx, region, rng),
                Service::SecretsManager => {
                    secretsmanager::handle(&route.operation, &body, &mut ctx, region, rng)
                }
                Service::Kms => kms::handle(&route.operation, &body, &mut ctx, region),
                Service::Sts => sts::handle(&route.operation, &ctx),
                Service::S3 => Err(ApiError::new(500, "InternalError", "misrouted S3 request")),
            }
        };
        let generation = ctx.mutated.then(|| inner.touch());
        (result, generation)
    };

    if let Some(generation) = generation
        && let Err(error) = app.store.persist(generation).await
    {
        // The change is applied in memory; tell the client the save failed so it can retry.
        eprintln!("flowform-sandbox: {error}");
        return protocol::error(
            protocol,
            &ApiError::new(500, internal_code(route.service), error.to_string()),
        );
    }

    match result {
        Ok(Reply::Json(value)) => protocol::ok(protocol, &value),
        Ok(Reply::Xml(xml)) => protocol::ok_xml(xml),
        Ok(Reply::Http {
            status,
            headers,
            body,
        }) => protocol::ok_http(status, headers, body),
        // A HEAD answer never has a body, not even an error document.
        Err(error) if parts.method == Method::HEAD => {
            protocol::ok_http(error.status, Vec::new(), Vec::new())
        }
        Err(error) => protocol::error(protocol, &error),
    }
}

/// A successful answer, in the encoding of the service's protocol.
pub enum Reply {
    Json(serde_json::Value),
    Xml(String),
    /// A REST answer (S3): status, headers and raw body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
}

fn internal_code(service: Service) -> &'static str {
    match service {
        Service::AppFlow => "InternalServerException",
        Service::SecretsManager => "InternalServiceError",
        Service::Kms => "KMSInternalException",
        Service::Sts => "InternalFailure",
        Service::S3 => "InternalError",
    }
}

/// AWS's answer to a request signed with an access key it does not know.
fn unrecognized_client(service: Service) -> ApiError {
    match service {
        // STS names the same situation differently.
        Service::Sts => ApiError::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        Service::S3 => ApiError::new(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        _ => ApiError::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        413,
        "RequestEntityTooLarge",
        format!(
            "The request body is larger than {} MiB, the most the sandbox reads.",
            MAX_BODY >> 20
        ),
    )
}

/// AWS's answer to an X-Amz-Date it cannot accept: an expired or not-yet-current signature is
/// answered like a signature that does not match (same code and status, per service), a
/// missing or malformed date like an incomplete signature.
fn date_error(service: Service, error: &DateError) -> ApiError {
    let message = error.to_string();
    match (service, error) {
        (Service::S3, DateError::Missing | DateError::Malformed(_)) => {
            ApiError::new(403, "AccessDenied", message)
        }
        (Service::S3, _) => ApiError::new(403, "RequestTimeTooSkewed", message),
        (_, DateError::Missing) => signature_error(service, &SignatureError::NoDate),
        (Service::Sts, DateError::Malformed(_)) => {
            ApiError::new(400, "IncompleteSignature", message)
        }
        (_, DateError::Malformed(_)) => ApiError::new(400, "IncompleteSignatureException", message),
        (Service::Sts, _) => ApiError::new(403, "SignatureDoesNotMatch", message),
        (Service::AppFlow, _) => ApiError::new(403, "InvalidSignatureException", message),
        (_, _) => ApiError::new(400, "InvalidSignatureException", message),
    }
}

/// AWS's answer to a signature it cannot accept, in each service's words.
fn signature_error(service: Service, error: &SignatureError) -> ApiError {
    const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    match (service, error) {
        (Service::S3, _) => ApiError::new(403, "SignatureDoesNotMatch", MISMATCH),
        (Service::Sts, SignatureError::Mismatch) => {
            ApiError::new(403, "SignatureDoesNotMatch", MISMATCH)
        }
        (Service::Sts, other) => ApiError::new(
            400,
            "IncompleteSignature",
            format!("The request signature does not conform to AWS standards: {other}."),
        ),
        (Service::AppFlow, SignatureError::Mismatch) => {
            ApiError::new(403, "InvalidSignatureException", MISMATCH)
        }
        (_, SignatureError::Mismatch) => ApiError::new(400, "InvalidSignatureException", MISMATCH),
        (_, other) => ApiError::new(
            400,
            "IncompleteSignatureException",
            format!("The request signature does not conform to AWS standards: {other}."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn target(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn routes_each_protocol_to_its_service() {
        let none = HeaderMap::new();
        let cases = [
            (
                Method::POST,
                "/",
                target("secretsmanager.GetSecretValue"),
                &b"{}"[..],
                Service::SecretsManager,
                "GetSecretValue",
            ),
            (
                Method::POST,
                "/",
                target("TrentService.CreateKey"),
                &b"{}"[..],
                Service::Kms,
                "CreateKey",
            ),
            (
                Method::POST,
                "/create-connector-profile",
                none.clone(),
                &b"{}"[..],
                Service::AppFlow,
                "CreateConnectorProfile",
            ),
            (
                Method::POST,
                "/",
                none.clone(),
                &b"Action=GetCallerIdentity&Version=2011-06-15"[..],
                Service::Sts,
                "GetCallerIdentity",
            ),
        ];
        for (method, path, headers, body, service, operation) in cases {
            let route = route(&method, path, &headers, body).expect("routed");
            assert_eq!(
                (route.service, route.operation.as_str()),
                (service, operation),
                "{path}"
            );
        }
    }

    #[test]
    fn unknown_targets_and_paths_are_protocol_errors() {
        let (protocol, error) = route(
            &Method::POST,
            "/",
            &target("DynamoDB_20120810.GetItem"),
            b"{}",
        )
        .unwrap_err();
        assert_eq!(
            (protocol, error.code.as_str()),
            (Protocol::AwsJson, "UnknownOperationException")
        );
        let (protocol, error) =
            route(&Method::POST, "/list-flows", &HeaderMap::new(), b"{}").unwrap_err();
        assert_eq!((protocol, error.status), (Protocol::RestJson, 404));
        assert!(route(&Method::GET, "/", &HeaderMap::new(), b"").is_err());
    }
}
