//! The secret and version operations: create, read, write, delete, restore, list, tag.

use serde_json::{Map, Value, json};

use super::model::{Secret, SecretValue, SecretsRegion, Tag};
use super::{marked_for_deletion, not_found, resolve, resolve_mut};
use crate::input::{Fields, not_null, validation_errors};
use crate::protocol::{ApiError, ApiResult};
use crate::rng::Rng;
use crate::sensitive::Sensitive;
use crate::server::Context;

const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidRequestException", message)
}

/// The value of a request, if it has one; both kinds at once is refused as AWS refuses it.
fn value_of(fields: &Fields<'_>) -> ApiResult<Option<SecretValue>> {
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

fn token_of(fields: &Fields<'_>) -> ApiResult<Option<String>> {
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

fn tags_of(fields: &Fields<'_>) -> ApiResult<Vec<Tag>> {
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

fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(old) => old.value = tag.value,
            None => existing.push(tag),
        }
    }
}

fn validate_name(name: &str) -> ApiResult<()> {
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

/// Applies a versioned write (Put/Update/Create) with AWS's idempotency rule: a token that names
/// an existing version is a retry if the value is the same, and an error if it is not.
/// Returns the version id and whether a new version was made.
fn write_version(
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

pub fn create_secret(
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

fn new_secret(
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
        if !secrets.secrets.values().any(|s| s.arn == candidate) {
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

fn stages_json(secret: &Secret) -> Value {
    let mut map = Map::new();
    for version in secret.versions.iter().filter(|v| !v.stages.is_empty()) {
        map.insert(version.id.clone(), json!(version.stages));
    }
    Value::Object(map)
}

fn describe(secret: &Secret, versions_key: &str) -> Value {
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

pub fn describe_secret(input: &Map<String, Value>, secrets: &SecretsRegion) -> ApiResult<Value> {
    let id = Fields::new(input).req_str("SecretId")?;
    let secret = resolve(secrets, id).ok_or_else(not_found)?;
    Ok(describe(secret, "VersionIdsToStages"))
}

pub fn get_secret_value(input: &Map<String, Value>, secrets: &SecretsRegion) -> ApiResult<Value> {
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

pub fn put_secret_value(
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

pub fn update_secret(
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

pub fn delete_secret(
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
    ctx.mutated = true;
    Ok(json!({"ARN": arn, "Name": name, "DeletionDate": deletion_date}))
}

pub fn restore_secret(
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

/// Reads a page position written by [`page`].
fn start_of(next_token: Option<&str>) -> ApiResult<usize> {
    match next_token {
        None => Ok(0),
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid_parameter("The NextToken is not valid.")),
    }
}

fn page<T>(items: Vec<T>, start: usize, max: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = (start + max < total).then(|| format!("page-{}", start + max));
    (page, next)
}

fn max_results(fields: &Fields<'_>, field: &str) -> ApiResult<usize> {
    match fields.opt_i64(field)? {
        None => Ok(100),
        Some(n) if (1..=100).contains(&n) => Ok(n as usize),
        Some(n) => Err(validation_errors(&[format!(
            "Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
        )])),
    }
}

fn filter_matches(secret: &Secret, key: &str, values: &[&str]) -> bool {
    let hit = |candidate: &str, value: &str| candidate.starts_with(value);
    values.iter().any(|raw| {
        let (negate, value) = match raw.strip_prefix('!') {
            Some(v) => (true, v),
            None => (false, *raw),
        };
        let matched = match key {
            "name" => hit(&secret.name, value),
            "description" => secret.description.as_deref().is_some_and(|d| hit(d, value)),
            "tag-key" => secret.tags.iter().any(|t| hit(&t.key, value)),
            "tag-value" => secret.tags.iter().any(|t| hit(&t.value, value)),
            "owning-service" => secret
                .owning_service
                .as_deref()
                .is_some_and(|o| hit(o, value)),
            "all" => {
                hit(&secret.name, value)
                    || secret.description.as_deref().is_some_and(|d| hit(d, value))
                    || secret
                        .tags
                        .iter()
                        .any(|t| hit(&t.key, value) || hit(&t.value, value))
            }
            _ => false,
        };
        matched != negate
    })
}

pub fn list_secrets(input: &Map<String, Value>, secrets: &SecretsRegion) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let max = max_results(&fields, "MaxResults")?;
    let start = start_of(fields.opt_str("NextToken")?)?;
    let include_deleted = fields.opt_bool("IncludePlannedDeletion")?.unwrap_or(false);
    let mut filters = Vec::new();
    for filter in fields.opt_array("Filters")?.into_iter().flatten() {
        let key = filter.get("Key").and_then(Value::as_str).unwrap_or("");
        if ![
            "name",
            "description",
            "tag-key",
            "tag-value",
            "owning-service",
            "primary-region",
            "all",
        ]
        .contains(&key)
        {
            return Err(invalid_parameter(format!("Invalid filter key: {key}")));
        }
        let values: Vec<&str> = filter
            .get("Values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        filters.push((key, values));
    }
    let matching: Vec<&Secret> = secrets
        .secrets
        .values()
        .filter(|s| include_deleted || !s.is_pending_deletion())
        .filter(|s| {
            filters
                .iter()
                .all(|(key, values)| filter_matches(s, key, values))
        })
        .collect();
    let (items, next) = page(matching, start, max);
    let mut out = json!({
        "SecretList": items.iter().map(|s| describe(s, "SecretVersionsToStages")).collect::<Vec<_>>()
    });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

pub fn list_secret_version_ids(
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

pub fn tag_resource(
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

pub fn untag_resource(
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
