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
    if !secrets.purge.may_have_expired(ctx.now) {
        return;
    }
    let before = secrets.secrets.len();
    secrets
        .secrets
        .retain(|_, s| s.deletion_date.is_none_or(|date| date > ctx.now));
    if secrets.secrets.len() != before {
        ctx.mutated = true;
    }
    let earliest = secrets
        .secrets
        .values()
        .filter_map(|s| s.deletion_date)
        .reduce(f64::min);
    secrets.purge.looked(earliest);
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
    if !id.starts_with("arn:") {
        return secrets.secrets.get(id);
    }
    // An ARN ends in `:secret:NAME-XXXXXX`, or `:secret:NAME` without the random suffix; a
    // name holds no `:` and a suffix no `-`, so only the secrets named by those two readings
    // can match, and they are looked up rather than searched for. Of two matches, the one
    // first by name wins.
    let rest = id.rsplit_once(":secret:")?.1;
    let full = rest.rsplit_once('-').map(|(name, _)| name);
    [full, Some(rest)]
        .into_iter()
        .flatten()
        .filter_map(|name| secrets.secrets.get(name))
        .filter(|s| {
            s.arn == id
                || s.arn
                    .rsplit_once('-')
                    .is_some_and(|(partial, _)| partial == id)
        })
        .min_by(|a, b| a.name.cmp(&b.name))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn region_with(names: &[(&str, &str)]) -> SecretsRegion {
        let mut region = SecretsRegion::default();
        for (name, suffix) in names {
            let mut secret: Secret = serde_json::from_value(serde_json::json!({
                "arn": format!("arn:aws:secretsmanager:r:1:secret:{name}-{suffix}"),
                "name": name, "description": null, "kms_key_id": null, "created": 0.0,
                "last_changed": 0.0, "deleted": null, "deletion_date": null, "tags": [],
                "versions": [], "policy": null, "owning_service": null
            }))
            .unwrap();
            secret.name = (*name).to_owned();
            region.secrets.insert((*name).to_owned(), secret);
        }
        region
    }

    #[test]
    fn arns_full_and_partial_find_their_secret_by_lookup() {
        let region = region_with(&[("a", "bcdefg"), ("a-bcdefg", "XYZ123"), ("x-y", "Q1w2E3")]);
        let name = |id: &str| resolve(&region, id).map(|s| s.name.clone());
        let arn = |rest: &str| format!("arn:aws:secretsmanager:r:1:secret:{rest}");
        assert_eq!(name(&arn("x-y-Q1w2E3")).as_deref(), Some("x-y"));
        assert_eq!(name(&arn("x-y")).as_deref(), Some("x-y"));
        assert_eq!(name(&arn("a-bcdefg-XYZ123")).as_deref(), Some("a-bcdefg"));
        // Both "a" (full ARN) and "a-bcdefg" (partial ARN) match: the first by name wins.
        assert_eq!(name(&arn("a-bcdefg")).as_deref(), Some("a"));
        assert_eq!(name(&arn("x-y-wrong1")), None);
        assert_eq!(
            name("arn:aws:secretsmanager:other:1:secret:x-y-Q1w2E3"),
            None
        );
        assert_eq!(name("arn:aws:kms:r:1:key/x"), None);
        assert_eq!(name("x-y").as_deref(), Some("x-y"));
    }
}
