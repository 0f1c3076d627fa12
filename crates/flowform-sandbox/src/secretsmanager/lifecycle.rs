//! Deletion with a recovery window, forced deletion, and restoring a secret pending deletion.

use serde_json::{Map, Value, json};

use super::model::SecretsRegion;
use super::{invalid_parameter, invalid_request, not_found, resolve, resolve_mut};
use crate::input::Fields;
use crate::protocol::ApiResult;
use crate::server::Context;

pub(super) fn delete_secret(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let window = fields.opt_i64("RecoveryWindowInDays")?;
    let force = fields
        .opt_bool("ForceDeleteWithoutRecovery")?
        .unwrap_or(false);
    if let Some(days) = window
        && !(7..=30).contains(&days)
    {
        return Err(invalid_parameter(
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ));
    }
    if window.is_some() && force {
        return Err(invalid_parameter(
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        ));
    }
    let Some(secret) = resolve(secrets, id) else {
        // AWS answers a forced delete of a secret that does not exist with success.
        if force {
            return Ok(json!({"ARN": id, "Name": id, "DeletionDate": ctx.now}));
        }
        return Err(not_found());
    };
    let (name, arn) = (secret.name.clone(), secret.arn.clone());
    if force {
        secrets.secrets.remove(&name);
        ctx.mutated = true;
        return Ok(json!({"ARN": arn, "Name": name, "DeletionDate": ctx.now}));
    }
    if secret.is_pending_deletion() {
        return Err(invalid_request(
            "You can't perform this operation on the secret because it was already scheduled for deletion.",
        ));
    }
    let deletion_date = ctx.now + (window.unwrap_or(30) as f64) * 86_400.0;
    let secret = resolve_mut(secrets, id)?;
    secret.deleted = Some(ctx.now);
    secret.deletion_date = Some(deletion_date);
    secrets.purge.note(deletion_date);
    ctx.mutated = true;
    Ok(json!({"ARN": arn, "Name": name, "DeletionDate": deletion_date}))
}

pub(super) fn restore_secret(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let id = Fields::new(input).req_str("SecretId")?;
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        secret.deleted = None;
        secret.deletion_date = None;
        ctx.mutated = true;
    }
    Ok(json!({"ARN": secret.arn, "Name": secret.name}))
}
