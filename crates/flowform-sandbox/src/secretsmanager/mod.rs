//! Secrets Manager (awsJson1.1, `X-Amz-Target: secretsmanager.<Operation>`).
//!
//! Follows AWS where moto is looser: a secret pending deletion refuses PutSecretValue, and
//! CreateSecret of its name answers InvalidRequestException; resource policies must be policy
//! documents.

mod lifecycle;
mod listing;
pub mod model;
mod policy;
mod secrets;
mod values;

pub use secrets::create_service_secret;

use serde_json::Value;

use crate::input::parse_body;
use crate::protocol::{ApiError, ApiResult};
use crate::rng::Rng;
use crate::server::{Context, Reply};
use crate::store::RegionState;
use model::{Secret, SecretsRegion};

pub fn handle(
    operation: &str,
    body: &[u8],
    ctx: &mut Context<'_>,
    region: &mut RegionState,
    rng: &mut Rng,
) -> ApiResult<Reply> {
    let input = parse_body(body)?;
    let secrets = &mut region.secretsmanager;
    purge_expired(secrets, ctx);
    let output: Value = match operation {
        "CreateSecret" => secrets::create_secret(&input, ctx, secrets, rng)?,
        "DescribeSecret" => secrets::describe_secret(&input, secrets)?,
        "GetSecretValue" => values::get_secret_value(&input, secrets)?,
        "PutSecretValue" => values::put_secret_value(&input, ctx, secrets)?,
        "UpdateSecret" => secrets::update_secret(&input, ctx, secrets)?,
        "DeleteSecret" => lifecycle::delete_secret(&input, ctx, secrets)?,
        "RestoreSecret" => lifecycle::restore_secret(&input, ctx, secrets)?,
        "ListSecrets" => listing::list_secrets(&input, secrets)?,
        "ListSecretVersionIds" => values::list_secret_version_ids(&input, secrets)?,
        "TagResource" => secrets::tag_resource(&input, ctx, secrets)?,
        "UntagResource" => secrets::untag_resource(&input, ctx, secrets)?,
        "PutResourcePolicy" => policy::put_resource_policy(&input, ctx, secrets)?,
        "GetResourcePolicy" => policy::get_resource_policy(&input, secrets)?,
        "DeleteResourcePolicy" => policy::delete_resource_policy(&input, ctx, secrets)?,
        other => {
            return Err(ApiError::client(
                "UnknownOperationException",
                format!("The sandbox does not implement secretsmanager.{other}."),
            ));
        }
    };
    Ok(Reply::Json(output))
}

/// Secrets whose recovery window has passed are gone, as on AWS.
fn purge_expired(secrets: &mut SecretsRegion, ctx: &mut Context<'_>) {
    let before = secrets.secrets.len();
    secrets
        .secrets
        .retain(|_, s| s.deletion_date.is_none_or(|date| date > ctx.now));
    if secrets.secrets.len() != before {
        ctx.mutated = true;
    }
}

pub fn not_found() -> ApiError {
    ApiError::client(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    )
}

pub fn marked_for_deletion() -> ApiError {
    ApiError::client(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
    )
}

/// The name of the secret that `id` (a name, a full ARN, or an ARN without the random suffix)
/// refers to.
pub fn resolve<'a>(secrets: &'a SecretsRegion, id: &str) -> Option<&'a Secret> {
    if id.starts_with("arn:") {
        secrets.secrets.values().find(|s| {
            s.arn == id
                || s.arn
                    .rsplit_once('-')
                    .is_some_and(|(partial, _)| partial == id)
        })
    } else {
        secrets.secrets.get(id)
    }
}

/// Like [`resolve`], mutable, answering ResourceNotFoundException when nothing matches.
pub fn resolve_mut<'a>(secrets: &'a mut SecretsRegion, id: &str) -> ApiResult<&'a mut Secret> {
    let name = resolve(secrets, id)
        .map(|s| s.name.clone())
        .ok_or_else(not_found)?;
    secrets.secrets.get_mut(&name).ok_or_else(not_found)
}

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidRequestException", message)
}
