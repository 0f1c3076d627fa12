//! Secret values and their versions: reading by version or staging label, writing new versions
//! with ClientRequestToken idempotency, listing versions.

use serde_json::{Map, Value, json};

use super::listing::{max_results, page, start_of};
use super::model::{Secret, SecretValue, SecretsRegion};
use super::{
    invalid_parameter, invalid_request, marked_for_deletion, not_found, resolve, resolve_mut,
};
use crate::input::Fields;
use crate::protocol::{ApiError, ApiResult};
use crate::sensitive::Sensitive;
use crate::server::Context;

/// The value of a request, if it has one; both kinds at once is refused as AWS refuses it.
pub(super) fn value_of(fields: &Fields<'_>) -> ApiResult<Option<SecretValue>> {
    match (
        fields.opt_str("SecretString")?,
        fields.opt_str("SecretBinary")?,
    ) {
        (Some(_), Some(_)) => Err(invalid_parameter(
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        )),
        (Some(s), None) => Ok(Some(SecretValue::String(Sensitive::new(s)))),
        (None, Some(b)) => Ok(Some(SecretValue::Binary(Sensitive::new(b)))),
        (None, None) => Ok(None),
    }
}

pub(super) fn token_of(fields: &Fields<'_>) -> ApiResult<Option<String>> {
    let token = fields.opt_str("ClientRequestToken")?;
    if let Some(token) = token
        && !(32..=64).contains(&token.chars().count())
    {
        return Err(invalid_parameter(
            "ClientRequestToken must be 32-64 characters long.",
        ));
    }
    Ok(token.map(str::to_owned))
}

/// Applies a versioned write (Put/Update/Create) with AWS's idempotency rule: a token that names
/// an existing version is a retry if the value is the same, and an error if it is not.
/// Returns the version id and whether a new version was made.
pub(super) fn write_version(
    secret: &mut Secret,
    token: Option<String>,
    value: SecretValue,
    stages: Vec<String>,
    now: f64,
) -> ApiResult<(String, bool)> {
    if let Some(token) = &token
        && let Some(existing) = secret.version(token)
    {
        if existing.value == value {
            return Ok((token.clone(), false));
        }
        return Err(ApiError::client(
            "ResourceExistsException",
            format!(
                "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {}.",
                secret.arn
            ),
        ));
    }
    let id = token.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    secret.add_version(id.clone(), value, stages, now);
    Ok((id, true))
}

pub(super) fn get_secret_value(
    input: &Map<String, Value>,
    secrets: &SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let version_id = fields.opt_str("VersionId")?;
    let stage = fields.opt_str("VersionStage")?;
    let secret = resolve(secrets, id).ok_or_else(not_found)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    let version = match (version_id, stage) {
        (Some(vid), stage) => {
            let version = secret.version(vid).ok_or_else(|| {
                ApiError::client(
                    "ResourceNotFoundException",
                    format!(
                        "Secrets Manager can't find the specified secret value for VersionId: {vid}"
                    ),
                )
            })?;
            if let Some(stage) = stage
                && !version.stages.iter().any(|s| s == stage)
            {
                return Err(invalid_request(
                    "You provided a VersionStage that is not associated to the provided VersionId.",
                ));
            }
            version
        }
        (None, stage) => {
            let stage = stage.unwrap_or("AWSCURRENT");
            secret.version_with_stage(stage).ok_or_else(|| {
                ApiError::client(
                    "ResourceNotFoundException",
                    format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
                )
            })?
        }
    };
    let mut out = json!({
        "ARN": secret.arn,
        "Name": secret.name,
        "VersionId": version.id,
        "VersionStages": version.stages,
        "CreatedDate": version.created,
    });
    match &version.value {
        SecretValue::String(s) => out["SecretString"] = json!(s.expose()),
        SecretValue::Binary(b) => out["SecretBinary"] = json!(b.expose()),
    }
    Ok(out)
}

pub(super) fn put_secret_value(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let token = token_of(&fields)?;
    let value = value_of(&fields)?
        .ok_or_else(|| invalid_request("You must provide either SecretString or SecretBinary."))?;
    let stages = match fields.opt_str_list("VersionStages")? {
        Some(stages) if !stages.is_empty() => stages.into_iter().map(str::to_owned).collect(),
        _ => vec!["AWSCURRENT".to_owned()],
    };
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    let (version_id, created) = write_version(secret, token, value, stages, ctx.now)?;
    ctx.mutated |= created;
    let stages = secret
        .version(&version_id)
        .map(|v| v.stages.clone())
        .unwrap_or_default();
    Ok(
        json!({"ARN": secret.arn, "Name": secret.name, "VersionId": version_id, "VersionStages": stages}),
    )
}

pub(super) fn list_secret_version_ids(
    input: &Map<String, Value>,
    secrets: &SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let max = max_results(&fields, "MaxResults")?;
    let start = start_of(fields.opt_str("NextToken")?)?;
    let include_deprecated = fields.opt_bool("IncludeDeprecated")?.unwrap_or(false);
    let secret = resolve(secrets, id).ok_or_else(not_found)?;
    let versions: Vec<Value> = secret
        .versions
        .iter()
        .filter(|v| include_deprecated || !v.stages.is_empty())
        .map(|v| json!({"VersionId": v.id, "VersionStages": v.stages, "CreatedDate": v.created}))
        .collect();
    let (items, next) = page(versions, start, max);
    let mut out = json!({"ARN": secret.arn, "Name": secret.name, "Versions": items});
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}
