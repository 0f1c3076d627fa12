//! KMS (awsJson1.1, `X-Amz-Target: TrentService.<Operation>`): key metadata, key policies,
//! aliases, tags and the key life cycle (scheduled deletion). No cryptography: flowform only
//! manages keys and their policies.

pub mod model;
mod policy;

use serde_json::{Map, Value, json};

use crate::input::{Fields, not_null, validation_errors};
use crate::protocol::{ApiError, ApiResult};
use crate::server::{Context, Reply};
use crate::store::RegionState;
use model::{Alias, Key, KeyState, KmsRegion};

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
        "CreateKey" => create_key(&input, ctx, kms)?,
        "DescribeKey" => describe_key(&input, ctx, kms)?,
        "GetKeyPolicy" => get_key_policy(&input, ctx, kms)?,
        "PutKeyPolicy" => put_key_policy(&input, ctx, kms)?,
        "ListKeyPolicies" => list_key_policies(&input, ctx, kms)?,
        "CreateAlias" => create_alias(&input, ctx, kms)?,
        "DeleteAlias" => delete_alias(&input, ctx, kms)?,
        "ListAliases" => list_aliases(&input, ctx, kms)?,
        "UpdateKeyDescription" => update_key_description(&input, ctx, kms)?,
        "TagResource" => tag_resource(&input, ctx, kms)?,
        "UntagResource" => untag_resource(&input, ctx, kms)?,
        "ListResourceTags" => list_resource_tags(&input, ctx, kms)?,
        "ScheduleKeyDeletion" => schedule_key_deletion(&input, ctx, kms)?,
        "CancelKeyDeletion" => cancel_key_deletion(&input, ctx, kms)?,
        "EnableKey" => set_enabled(&input, ctx, kms, true)?,
        "DisableKey" => set_enabled(&input, ctx, kms, false)?,
        "ListKeys" => list_keys(&input, kms)?,
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

fn metadata(ctx: &Context<'_>, key: &Key) -> Value {
    let mut meta = json!({
        "AWSAccountId": ctx.account,
        "KeyId": key.id,
        "Arn": key.arn,
        "CreationDate": key.created,
        "Enabled": key.state == KeyState::Enabled,
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": key.state.as_str(),
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": key.key_spec,
        "KeySpec": key.key_spec,
        "MultiRegion": false,
    });
    if key.key_spec == "SYMMETRIC_DEFAULT" {
        meta["EncryptionAlgorithms"] = json!(["SYMMETRIC_DEFAULT"]);
    }
    if let Some(date) = key.deletion_date {
        meta["DeletionDate"] = json!(date);
    }
    if let Some(days) = key.pending_window_days {
        meta["PendingDeletionWindowInDays"] = json!(days);
    }
    meta
}

fn enum_violation(field: &str, value: &str, allowed: &[&str]) -> String {
    format!(
        "Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    )
}

const KEY_USAGES: &[&str] = &[
    "SIGN_VERIFY",
    "ENCRYPT_DECRYPT",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
];
const KEY_SPECS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
];

fn tags_of(fields: &Fields<'_>) -> ApiResult<Vec<(String, String)>> {
    let Some(items) = fields.opt_array("Tags")? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|t| {
            let key = t.get("TagKey").and_then(Value::as_str);
            let value = t.get("TagValue").and_then(Value::as_str);
            match (key, value) {
                (Some(k), Some(v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
                _ => Err(ApiError::client(
                    "TagException",
                    "Every tag needs a TagKey and a TagValue.",
                )),
            }
        })
        .collect()
}

fn merge_tags(existing: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    for (k, v) in new {
        match existing.iter_mut().find(|(ek, _)| *ek == k) {
            Some(old) => old.1 = v,
            None => existing.push((k, v)),
        }
    }
}

fn create_key(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let usage = fields.opt_str("KeyUsage")?.unwrap_or("ENCRYPT_DECRYPT");
    let spec = match fields.opt_str("KeySpec")? {
        Some(spec) => spec,
        None => fields
            .opt_str("CustomerMasterKeySpec")?
            .unwrap_or("SYMMETRIC_DEFAULT"),
    };
    let mut violations = Vec::new();
    if !KEY_USAGES.contains(&usage) {
        violations.push(enum_violation("keyUsage", usage, KEY_USAGES));
    }
    if !KEY_SPECS.contains(&spec) {
        violations.push(enum_violation("keySpec", spec, KEY_SPECS));
    }
    let description = fields.opt_str("Description")?.unwrap_or("");
    if description.chars().count() > 8192 {
        violations.push("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192".to_owned());
    }
    if !violations.is_empty() {
        return Err(validation_errors(&violations));
    }
    let bypass = fields
        .opt_bool("BypassPolicyLockoutSafetyCheck")?
        .unwrap_or(false);
    let policy = match fields.opt_str("Policy")? {
        Some(policy) => {
            policy::check(policy, ctx.account, bypass)?;
            policy.to_owned()
        }
        None => default_policy(ctx.account),
    };
    let tags = tags_of(&fields)?;
    let id = uuid::Uuid::new_v4().to_string();
    let key = Key {
        id: id.clone(),
        arn: key_arn(ctx, &id),
        description: description.to_owned(),
        key_usage: usage.to_owned(),
        key_spec: spec.to_owned(),
        state: KeyState::Enabled,
        created: ctx.now,
        deletion_date: None,
        pending_window_days: None,
        policy,
        tags,
    };
    let out = json!({"KeyMetadata": metadata(ctx, &key)});
    kms.keys.insert(id, key);
    ctx.mutated = true;
    Ok(out)
}

fn describe_key(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let key_id = Fields::new(input).req_str("KeyId")?;
    let id = key_id_or_alias(ctx, kms, key_id)?;
    Ok(json!({"KeyMetadata": metadata(ctx, key(kms, &id)?)}))
}

fn policy_name(fields: &Fields<'_>) -> ApiResult<()> {
    match fields.opt_str("PolicyName")? {
        None | Some("default") => Ok(()),
        Some(_) => Err(not_found("No such policy exists")),
    }
}

fn get_key_policy(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key_id = fields.req_str("KeyId")?;
    policy_name(&fields)?;
    let id = key_id_of(ctx, kms, key_id)?;
    Ok(json!({"Policy": key(kms, &id)?.policy, "PolicyName": "default"}))
}

fn put_key_policy(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key_id = fields.req_str("KeyId")?;
    let policy = fields.req_str("Policy")?;
    policy_name(&fields)?;
    let bypass = fields
        .opt_bool("BypassPolicyLockoutSafetyCheck")?
        .unwrap_or(false);
    let id = key_id_of(ctx, kms, key_id)?;
    policy::check(policy, ctx.account, bypass)?;
    key_mut(kms, &id)?.policy = policy.to_owned();
    ctx.mutated = true;
    Ok(json!({}))
}

fn list_key_policies(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let key_id = Fields::new(input).req_str("KeyId")?;
    key_id_of(ctx, kms, key_id)?;
    Ok(json!({"PolicyNames": ["default"], "Truncated": false}))
}

fn alias_name_of(fields: &Fields<'_>) -> ApiResult<String> {
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

fn create_alias(
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

fn delete_alias(
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

fn list_aliases(
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

fn list_keys(input: &Map<String, Value>, kms: &KmsRegion) -> ApiResult<Value> {
    let (limit, start) = paging(&Fields::new(input))?;
    let items = kms
        .keys
        .values()
        .map(|k| json!({"KeyId": k.id, "KeyArn": k.arn}))
        .collect();
    Ok(paged("Keys", items, limit, start))
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

fn update_key_description(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let description = fields.req_str("Description")?;
    usable_key(&fields, ctx, kms)?.description = description.to_owned();
    ctx.mutated = true;
    Ok(json!({}))
}

fn tag_resource(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    if fields.opt_array("Tags")?.is_none() {
        return Err(validation_errors(&[not_null("tags")]));
    }
    let tags = tags_of(&fields)?;
    merge_tags(&mut usable_key(&fields, ctx, kms)?.tags, tags);
    ctx.mutated = true;
    Ok(json!({}))
}

fn untag_resource(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let keys = fields
        .opt_str_list("TagKeys")?
        .ok_or_else(|| validation_errors(&[not_null("tagKeys")]))?;
    usable_key(&fields, ctx, kms)?
        .tags
        .retain(|(k, _)| !keys.contains(&k.as_str()));
    ctx.mutated = true;
    Ok(json!({}))
}

fn list_resource_tags(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key_id = fields.req_str("KeyId")?;
    let (limit, start) = paging(&fields)?;
    let id = key_id_of(ctx, kms, key_id)?;
    let items = key(kms, &id)?
        .tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    Ok(paged("Tags", items, limit, start))
}

fn schedule_key_deletion(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let days = fields.opt_i64("PendingWindowInDays")?.unwrap_or(30);
    if !(7..=30).contains(&days) {
        let bound = if days < 7 {
            "greater than or equal to 7"
        } else {
            "less than or equal to 30"
        };
        return Err(validation_errors(&[format!(
            "Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {bound}"
        )]));
    }
    let key = usable_key(&fields, ctx, kms)?;
    let deletion_date = ctx.now + days as f64 * 86_400.0;
    key.state = KeyState::PendingDeletion;
    key.deletion_date = Some(deletion_date);
    key.pending_window_days = Some(days);
    ctx.mutated = true;
    Ok(
        json!({"KeyId": key.arn, "DeletionDate": deletion_date, "KeyState": "PendingDeletion", "PendingWindowInDays": days}),
    )
}

fn cancel_key_deletion(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let key_id = Fields::new(input).req_str("KeyId")?;
    let id = key_id_of(ctx, kms, key_id)?;
    let key = key_mut(kms, &id)?;
    if key.state != KeyState::PendingDeletion {
        return Err(invalid_state(key));
    }
    // AWS leaves a key whose deletion was cancelled disabled, to be enabled on purpose.
    key.state = KeyState::Disabled;
    key.deletion_date = None;
    key.pending_window_days = None;
    ctx.mutated = true;
    Ok(json!({"KeyId": key.arn}))
}

fn set_enabled(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
    enabled: bool,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key = usable_key(&fields, ctx, kms)?;
    key.state = if enabled {
        KeyState::Enabled
    } else {
        KeyState::Disabled
    };
    ctx.mutated = true;
    Ok(json!({}))
}

/// For AppFlow's check: the key a secret's `KmsKeyId` names, if the sandbox holds it.
pub fn find_key<'a>(ctx: &Context<'_>, kms: &'a KmsRegion, key_id: &str) -> Option<&'a Key> {
    key_id_or_alias(ctx, kms, key_id)
        .ok()
        .and_then(|id| kms.keys.get(&id))
}
