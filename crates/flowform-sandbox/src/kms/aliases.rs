//! Aliases: friendly names (`alias/...`) that point at keys and can stand in for them.

use serde_json::{Map, Value, json};

use super::model::{Alias, KeyState, KmsRegion};
use super::{alias_arn, invalid_state, key, key_id_of, not_found, paged, paging};
use crate::input::{Fields, validation_errors};
use crate::protocol::{ApiError, ApiResult};
use crate::server::Context;

pub(super) fn alias_name_of(fields: &Fields<'_>) -> ApiResult<String> {
    let name = fields.req_str("AliasName")?;
    if !name.starts_with("alias/") {
        return Err(ApiError::client(
            "ValidationException",
            "Invalid identifier",
        ));
    }
    if name.chars().count() > 256
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
    {
        return Err(validation_errors(&[format!(
            "Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9/_-]+$"
        )]));
    }
    Ok(name.to_owned())
}

pub(super) fn create_alias(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let name = alias_name_of(&fields)?;
    let target = fields.req_str("TargetKeyId")?;
    if name.starts_with("alias/aws/") {
        return Err(ApiError::client(
            "NotAuthorizedException",
            "Aliases that begin with alias/aws/ are reserved for AWS managed keys.",
        ));
    }
    if target.starts_with("alias/") || target.contains(":alias/") {
        return Err(ApiError::client(
            "ValidationException",
            "Aliases must refer to keys. Not aliases",
        ));
    }
    let id = key_id_of(ctx, kms, target)?;
    let target_key = key(kms, &id)?;
    if target_key.state == KeyState::PendingDeletion {
        return Err(invalid_state(target_key));
    }
    if kms.aliases.contains_key(&name) {
        return Err(ApiError::client(
            "AlreadyExistsException",
            format!(
                "An alias with the name {} already exists",
                alias_arn(ctx, &name)
            ),
        ));
    }
    let alias = Alias {
        arn: alias_arn(ctx, &name),
        name: name.clone(),
        target_key_id: id,
        created: ctx.now,
        last_updated: ctx.now,
    };
    kms.aliases.insert(name, alias);
    ctx.mutated = true;
    Ok(json!({}))
}

pub(super) fn delete_alias(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let name = alias_name_of(&Fields::new(input))?;
    if kms.aliases.remove(&name).is_none() {
        return Err(not_found(format!(
            "Alias {} is not found.",
            alias_arn(ctx, &name)
        )));
    }
    ctx.mutated = true;
    Ok(json!({}))
}

pub(super) fn list_aliases(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let (limit, start) = paging(&fields)?;
    let key_filter = match fields.opt_str("KeyId")? {
        Some(key_id) => Some(key_id_of(ctx, kms, key_id)?),
        None => None,
    };
    let items = kms
        .aliases
        .values()
        .filter(|a| key_filter.as_ref().is_none_or(|k| *k == a.target_key_id))
        .map(|a| {
            json!({"AliasName": a.name, "AliasArn": a.arn, "TargetKeyId": a.target_key_id,
                   "CreationDate": a.created, "LastUpdatedDate": a.last_updated})
        })
        .collect();
    Ok(paged("Aliases", items, limit, start))
}
