//! Keys themselves: creation, metadata, description, tags and listing.

use serde_json::{Map, Value, json};

use super::model::{Key, KeyState, KmsRegion};
use super::{
    default_policy, enum_violation, key, key_arn, key_id_of, key_id_or_alias, paged, paging,
    policy, usable_key,
};
use crate::input::{Fields, not_null, validation_errors};
use crate::protocol::{ApiError, ApiResult};
use crate::server::Context;

pub(super) fn metadata(ctx: &Context<'_>, key: &Key) -> Value {
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

pub(super) fn tags_of(fields: &Fields<'_>) -> ApiResult<Vec<(String, String)>> {
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

pub(super) fn merge_tags(existing: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    for (k, v) in new {
        match existing.iter_mut().find(|(ek, _)| *ek == k) {
            Some(old) => old.1 = v,
            None => existing.push((k, v)),
        }
    }
}

pub(super) fn create_key(
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

pub(super) fn describe_key(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let key_id = Fields::new(input).req_str("KeyId")?;
    let id = key_id_or_alias(ctx, kms, key_id)?;
    Ok(json!({"KeyMetadata": metadata(ctx, key(kms, &id)?)}))
}

pub(super) fn list_keys(input: &Map<String, Value>, kms: &KmsRegion) -> ApiResult<Value> {
    let (limit, start) = paging(&Fields::new(input))?;
    let items = kms
        .keys
        .values()
        .map(|k| json!({"KeyId": k.id, "KeyArn": k.arn}))
        .collect();
    Ok(paged("Keys", items, limit, start))
}

pub(super) fn update_key_description(
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

pub(super) fn tag_resource(
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

pub(super) fn untag_resource(
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

pub(super) fn list_resource_tags(
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
