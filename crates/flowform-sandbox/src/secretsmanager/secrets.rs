//! Secrets as a whole: create, describe, update, tag. AppFlow makes its credentials secrets here
//! too.

use serde_json::{Map, Value, json};

use super::model::{Secret, SecretValue, SecretsRegion, Tag};
use super::values::{token_of, value_of, write_version};
use super::{
    invalid_parameter, invalid_request, marked_for_deletion, not_found, resolve, resolve_mut,
};
use crate::input::{Fields, not_null, validation_errors};
use crate::protocol::{ApiError, ApiResult};
use crate::rng::Rng;
use crate::sensitive::Sensitive;
use crate::server::Context;

const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(super) fn tags_of(fields: &Fields<'_>) -> ApiResult<Vec<Tag>> {
    let Some(items) = fields.opt_array("Tags")? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let key = item.get("Key").and_then(Value::as_str);
            let value = item.get("Value").and_then(Value::as_str).unwrap_or("");
            match key {
                Some(key) if !key.is_empty() => Ok(Tag {
                    key: key.to_owned(),
                    value: value.to_owned(),
                }),
                _ => Err(invalid_parameter("Every tag needs a non-empty Key.")),
            }
        })
        .collect()
}

pub(super) fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

pub(super) fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(old) => old.value = tag.value,
            None => existing.push(tag),
        }
    }
}

pub(super) fn validate_name(name: &str) -> ApiResult<()> {
    let length = name.chars().count();
    let mut violations = Vec::new();
    if length == 0 || length > 512 {
        violations.push(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must have length between 1 and 512"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
    {
        return Err(invalid_parameter(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        ));
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(validation_errors(&violations))
    }
}

pub(super) fn create_secret(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
    rng: &mut Rng,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let name = fields.req_str("Name")?;
    validate_name(name)?;
    let token = token_of(&fields)?;
    let value = value_of(&fields)?;
    let tags = tags_of(&fields)?;
    if let Some(existing) = secrets.secrets.get(name) {
        if existing.is_pending_deletion() {
            return Err(invalid_request(
                "You can't create this secret because a secret with this name is already scheduled for deletion.",
            ));
        }
        // A retried CreateSecret carries the same token: answer as the first time.
        if let (Some(token), Some(value)) = (&token, &value)
            && let Some(version) = existing.version(token)
        {
            if &version.value == value {
                return Ok(json!({"ARN": existing.arn, "Name": existing.name, "VersionId": token}));
            }
            return Err(ApiError::client(
                "ResourceExistsException",
                format!(
                    "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {}.",
                    existing.arn
                ),
            ));
        }
        return Err(ApiError::client(
            "ResourceExistsException",
            format!("The operation failed because the secret {name} already exists."),
        ));
    }
    let description = fields.opt_str("Description")?;
    let kms_key_id = fields.opt_str("KmsKeyId")?;
    let secret = new_secret(ctx, secrets, rng, name, description, kms_key_id, tags);
    let arn = secret.arn.clone();
    let mut output = json!({"ARN": arn, "Name": name});
    let mut secret = secret;
    if let Some(value) = value {
        let (id, _) = write_version(
            &mut secret,
            token,
            value,
            vec!["AWSCURRENT".to_owned()],
            ctx.now,
        )?;
        output["VersionId"] = json!(id);
    }
    secrets.secrets.insert(name.to_owned(), secret);
    ctx.mutated = true;
    Ok(output)
}

pub(super) fn new_secret(
    ctx: &Context<'_>,
    secrets: &SecretsRegion,
    rng: &mut Rng,
    name: &str,
    description: Option<&str>,
    kms_key_id: Option<&str>,
    tags: Vec<Tag>,
) -> Secret {
    // Six random characters make a recreated secret's ARN differ from the old one's.
    let arn = loop {
        let candidate = format!(
            "arn:aws:secretsmanager:{}:{}:secret:{name}-{}",
            ctx.region,
            ctx.account,
            rng.string(SUFFIX_ALPHABET, 6)
        );
        // Only a secret of the same name can have the same ARN (the suffix holds no `-`).
        if secrets.secrets.get(name).is_none_or(|s| s.arn != candidate) {
            break candidate;
        }
    };
    Secret {
        arn,
        name: name.to_owned(),
        description: description.map(str::to_owned),
        kms_key_id: kms_key_id.map(str::to_owned),
        created: ctx.now,
        last_changed: ctx.now,
        deleted: None,
        deletion_date: None,
        tags,
        versions: Vec::new(),
        policy: None,
        owning_service: None,
    }
}

/// Makes the secret in which AppFlow keeps a connector profile's credentials.
pub fn create_service_secret(
    ctx: &Context<'_>,
    secrets: &mut SecretsRegion,
    rng: &mut Rng,
    name: &str,
    owner: &str,
    kms_key_id: Option<&str>,
    value: String,
) -> String {
    let mut secret = new_secret(ctx, secrets, rng, name, None, kms_key_id, Vec::new());
    secret.owning_service = Some(owner.to_owned());
    secret.add_version(
        uuid::Uuid::new_v4().to_string(),
        SecretValue::String(Sensitive::new(value)),
        vec!["AWSCURRENT".to_owned()],
        ctx.now,
    );
    let arn = secret.arn.clone();
    secrets.secrets.insert(name.to_owned(), secret);
    arn
}

pub(super) fn stages_json(secret: &Secret) -> Value {
    let mut map = Map::new();
    for version in secret.versions.iter().filter(|v| !v.stages.is_empty()) {
        map.insert(version.id.clone(), json!(version.stages));
    }
    Value::Object(map)
}

pub(super) fn describe(secret: &Secret, versions_key: &str) -> Value {
    let mut out = json!({
        "ARN": secret.arn,
        "Name": secret.name,
        "CreatedDate": secret.created,
        "LastChangedDate": secret.last_changed,
        "Tags": tags_json(&secret.tags),
    });
    out[versions_key] = stages_json(secret);
    if let Some(d) = &secret.description {
        out["Description"] = json!(d);
    }
    if let Some(k) = &secret.kms_key_id {
        out["KmsKeyId"] = json!(k);
    }
    if let Some(d) = secret.deleted {
        out["DeletedDate"] = json!(d);
    }
    if let Some(o) = &secret.owning_service {
        out["OwningService"] = json!(o);
    }
    out
}

pub(super) fn describe_secret(
    input: &Map<String, Value>,
    secrets: &SecretsRegion,
) -> ApiResult<Value> {
    let id = Fields::new(input).req_str("SecretId")?;
    let secret = resolve(secrets, id).ok_or_else(not_found)?;
    Ok(describe(secret, "VersionIdsToStages"))
}

pub(super) fn update_secret(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let token = token_of(&fields)?;
    let value = value_of(&fields)?;
    let description = fields.opt_str("Description")?;
    let kms_key_id = fields.opt_str("KmsKeyId")?;
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    if let Some(value) = value {
        let (version_id, created) =
            write_version(secret, token, value, vec!["AWSCURRENT".to_owned()], ctx.now)?;
        ctx.mutated |= created;
        out["VersionId"] = json!(version_id);
    }
    if let Some(d) = description {
        secret.description = Some(d.to_owned());
        secret.last_changed = ctx.now;
        ctx.mutated = true;
    }
    if let Some(k) = kms_key_id {
        secret.kms_key_id = Some(k.to_owned());
        secret.last_changed = ctx.now;
        ctx.mutated = true;
    }
    Ok(out)
}

pub(super) fn tag_resource(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    if fields.opt_array("Tags")?.is_none() {
        return Err(validation_errors(&[not_null("tags")]));
    }
    let tags = tags_of(&fields)?;
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    merge_tags(&mut secret.tags, tags);
    ctx.mutated = true;
    Ok(json!({}))
}

pub(super) fn untag_resource(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    secrets: &mut SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = fields.req_str("SecretId")?;
    let keys = fields
        .opt_str_list("TagKeys")?
        .ok_or_else(|| validation_errors(&[not_null("tagKeys")]))?;
    let secret = resolve_mut(secrets, id)?;
    if secret.is_pending_deletion() {
        return Err(marked_for_deletion());
    }
    secret.tags.retain(|t| !keys.contains(&t.key.as_str()));
    ctx.mutated = true;
    Ok(json!({}))
}
