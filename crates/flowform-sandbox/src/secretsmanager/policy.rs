//! Secret resource policies, with the checks AWS applies before it stores one: the text must be
//! a policy document (MalformedPolicyDocumentException) and, with BlockPublicPolicy, must not
//! grant access to everyone (PublicPolicyException).

use serde_json::{Map, Value, json};

use super::model::SecretsRegion;
use super::{marked_for_deletion, not_found, resolve, resolve_mut};
use crate::iam_policy;
use crate::input::Fields;
use crate::protocol::{ApiError, ApiResult};
use crate::server::Context;

/// AWS's limit on a secret's resource policy.
const MAX_POLICY_LENGTH: usize = 20_480;

pub fn put_resource_policy(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let text = fields.req_str("ResourcePolicy")?;
    let block_public = fields.opt_bool("BlockPublicPolicy")?.unwrap_or(false);
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    if text.len() > MAX_POLICY_LENGTH {
        return Err(ApiError::client(
            "MalformedPolicyDocumentException",
            format!(
                "The resource policy is longer than the {MAX_POLICY_LENGTH} characters Secrets Manager accepts."
            ),
        ));
    }
    let policy = iam_policy::parse(text).map_err(|e| {
        ApiError::client(
            "MalformedPolicyDocumentException",
            format!("This resource policy contains a syntax error: {e}."),
        )
    })?;
    if block_public && iam_policy::grants_public_access(&policy) {
        return Err(ApiError::client(
            "PublicPolicyException",
            "This resource policy contains a public policy. BlockPublicPolicy refuses policies that allow access to everyone.",
        ));
    }
    secret.policy = Some(text.to_owned());
    ctx.mutated = true;
    Ok(json!({"ARN": secret.arn, "Name": secret.name}))
}

pub fn get_resource_policy(
    input: &Map<String, Value>,
    secrets: &SecretsRegion,
) -> ApiResult<Value> {
    let id = Fields::new(input).req_str("SecretId")?;
    let secret = resolve(secrets, id).ok_or_else(not_found)?;
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    if let Some(policy) = &secret.policy {
        out["ResourcePolicy"] = json!(policy);
    }
    Ok(out)
}

pub fn delete_resource_policy(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let id = Fields::new(input).req_str("SecretId")?;
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    if secret.policy.take().is_some() {
        ctx.mutated = true;
    }
    Ok(json!({"ARN": secret.arn, "Name": secret.name}))
}
