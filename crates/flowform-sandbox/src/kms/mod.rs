//! KMS (awsJson1.1, `X-Amz-Target: TrentService.<Operation>`): key metadata, key policies,
//! aliases, tags and the key life cycle (scheduled deletion), and Encrypt/Decrypt for the s3
//! state backend's digest key (`crypto`: a sandbox's stand-in for cryptography).

mod aliases;
mod crypto;
mod keys;
mod lifecycle;
pub mod model;
mod policy;

use serde_json::{Value, json};

use crate::input::{Fields, validation_errors};
use crate::protocol::{ApiError, ApiResult};
use crate::server::{Context, Reply};
use crate::store::RegionState;
use model::{Key, KeyState, KmsRegion};

pub use policy::default_policy;

pub fn handle(
    operation: &str,
    body: &[u8],
    ctx: &mut Context<'_>,
    region: &mut RegionState,
) -> ApiResult<Reply> {
    let input = crate::input::parse_body(body)?;
    let kms = &mut region.kms;
    purge_expired(kms, ctx);
    let output = match operation {
        "CreateKey" => keys::create_key(&input, ctx, kms)?,
        "DescribeKey" => keys::describe_key(&input, ctx, kms)?,
        "GetKeyPolicy" => policy::get_key_policy(&input, ctx, kms)?,
        "PutKeyPolicy" => policy::put_key_policy(&input, ctx, kms)?,
        "ListKeyPolicies" => policy::list_key_policies(&input, ctx, kms)?,
        "CreateAlias" => aliases::create_alias(&input, ctx, kms)?,
        "DeleteAlias" => aliases::delete_alias(&input, ctx, kms)?,
        "ListAliases" => aliases::list_aliases(&input, ctx, kms)?,
        "UpdateKeyDescription" => keys::update_key_description(&input, ctx, kms)?,
        "TagResource" => keys::tag_resource(&input, ctx, kms)?,
        "UntagResource" => keys::untag_resource(&input, ctx, kms)?,
        "ListResourceTags" => keys::list_resource_tags(&input, ctx, kms)?,
        "ScheduleKeyDeletion" => lifecycle::schedule_key_deletion(&input, ctx, kms)?,
        "CancelKeyDeletion" => lifecycle::cancel_key_deletion(&input, ctx, kms)?,
        "EnableKey" => lifecycle::set_enabled(&input, ctx, kms, true)?,
        "DisableKey" => lifecycle::set_enabled(&input, ctx, kms, false)?,
        "ListKeys" => keys::list_keys(&input, kms)?,
        "Encrypt" => crypto::encrypt(&input, ctx, kms)?,
        "Decrypt" => crypto::decrypt(&input, ctx, kms)?,
        other => {
            return Err(ApiError::client(
                "UnknownOperationException",
                format!("The sandbox does not implement TrentService.{other}."),
            ));
        }
    };
    Ok(Reply::Json(output))
}

/// Keys whose waiting period is over are deleted, with their aliases, as on AWS.
fn purge_expired(kms: &mut KmsRegion, ctx: &mut Context<'_>) {
    if !kms.purge.may_have_expired(ctx.now) {
        return;
    }
    let expired: Vec<String> = kms
        .keys
        .values()
        .filter(|k| k.deletion_date.is_some_and(|d| d <= ctx.now))
        .map(|k| k.id.clone())
        .collect();
    for id in &expired {
        kms.keys.remove(id);
        kms.aliases.retain(|_, a| &a.target_key_id != id);
        ctx.mutated = true;
    }
    let earliest = kms
        .keys
        .values()
        .filter_map(|k| k.deletion_date)
        .reduce(f64::min);
    kms.purge.looked(earliest);
}

fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::client("NotFoundException", message)
}

fn invalid_state(key: &Key) -> ApiError {
    ApiError::client(
        "KMSInvalidStateException",
        format!(
            "{} is {}.",
            key.arn,
            match key.state {
                KeyState::PendingDeletion => "pending deletion",
                KeyState::Disabled => "disabled",
                KeyState::Enabled => "enabled",
            }
        ),
    )
}

fn key_arn(ctx: &Context<'_>, id: &str) -> String {
    format!("arn:aws:kms:{}:{}:key/{id}", ctx.region, ctx.account)
}

fn alias_arn(ctx: &Context<'_>, name: &str) -> String {
    format!("arn:aws:kms:{}:{}:{name}", ctx.region, ctx.account)
}

fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

/// The key id that a key id or key ARN names; aliases are refused, as by the operations that
/// only take keys.
fn key_id_of(ctx: &Context<'_>, kms: &KmsRegion, key_id: &str) -> ApiResult<String> {
    let id = if let Some(rest) = key_id.strip_prefix("arn:") {
        match rest.rsplit_once(":key/") {
            Some((_, id)) => id.to_owned(),
            None => return Err(not_found(format!("Invalid keyId {key_id}"))),
        }
    } else if is_uuid(key_id) {
        key_id.to_owned()
    } else {
        return Err(not_found(format!("Invalid keyId {key_id}")));
    };
    let display = if key_id.starts_with("arn:") {
        key_id.to_owned()
    } else {
        key_arn(ctx, &id)
    };
    match kms.keys.get(&id) {
        Some(key) if key_id.starts_with("arn:") && key.arn != key_id => {
            Err(not_found(format!("Key '{display}' does not exist")))
        }
        Some(_) => Ok(id),
        None => Err(not_found(format!("Key '{display}' does not exist"))),
    }
}

/// Like [`key_id_of`], also accepting an alias name or alias ARN.
fn key_id_or_alias(ctx: &Context<'_>, kms: &KmsRegion, key_id: &str) -> ApiResult<String> {
    let alias_name = if key_id.starts_with("alias/") {
        Some(key_id.to_owned())
    } else if key_id.starts_with("arn:") && key_id.contains(":alias/") {
        key_id
            .split_once(":alias/")
            .map(|(_, n)| format!("alias/{n}"))
    } else {
        None
    };
    match alias_name {
        Some(name) => kms
            .aliases
            .get(&name)
            .map(|a| a.target_key_id.clone())
            .ok_or_else(|| not_found(format!("Alias {} is not found.", alias_arn(ctx, &name)))),
        None => key_id_of(ctx, kms, key_id),
    }
}

fn key<'a>(kms: &'a KmsRegion, id: &str) -> ApiResult<&'a Key> {
    kms.keys
        .get(id)
        .ok_or_else(|| not_found(format!("Key '{id}' does not exist")))
}

fn key_mut<'a>(kms: &'a mut KmsRegion, id: &str) -> ApiResult<&'a mut Key> {
    kms.keys
        .get_mut(id)
        .ok_or_else(|| not_found(format!("Key '{id}' does not exist")))
}

fn enum_violation(field: &str, value: &str, allowed: &[&str]) -> String {
    format!(
        "Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    )
}

/// Reads `Limit` (1..=1000, default 100 as KMS) and `Marker`.
fn paging(fields: &Fields<'_>) -> ApiResult<(usize, usize)> {
    let limit = match fields.opt_i64("Limit")? {
        None => 100,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(n) => {
            return Err(validation_errors(&[format!(
                "Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000"
            )]));
        }
    };
    let start = match fields.opt_str("Marker")? {
        None => 0,
        Some(marker) => marker
            .strip_prefix("page-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                ApiError::client("InvalidMarkerException", "The marker is not valid.")
            })?,
    };
    Ok((limit, start))
}

fn paged(field: &str, items: Vec<Value>, limit: usize, start: usize) -> Value {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let truncated = start + limit < total;
    let mut out = json!({ field: page, "Truncated": truncated });
    if truncated {
        out["NextMarker"] = json!(format!("page-{}", start + limit));
    }
    out
}

/// The key named by `KeyId`, refusing keys pending deletion as KMS refuses changes to them.
fn usable_key<'a>(
    fields: &Fields<'_>,
    ctx: &Context<'_>,
    kms: &'a mut KmsRegion,
) -> ApiResult<&'a mut Key> {
    let key_id = fields.req_str("KeyId")?;
    let id = key_id_of(ctx, kms, key_id)?;
    let key = key_mut(kms, &id)?;
    if key.state == KeyState::PendingDeletion {
        return Err(invalid_state(key));
    }
    Ok(key)
}

/// For AppFlow's check: the key a secret's `KmsKeyId` names, if the sandbox holds it.
pub fn find_key<'a>(ctx: &Context<'_>, kms: &'a KmsRegion, key_id: &str) -> Option<&'a Key> {
    key_id_or_alias(ctx, kms, key_id)
        .ok()
        .and_then(|id| kms.keys.get(&id))
}
