//! `secret`: CreateSecret (or RestoreSecret of a name pending deletion), UpdateSecret,
//! PutSecretValue, resource policies, tags; DeleteSecret with the configured recovery window.

use super::{Op, TAG_ADDRESS, TAG_LINEAGE, is_own_tag, tag_changes};
use crate::attrs::{self, text};
use crate::clients::Clients;
use crate::error::{AwsError, ExpectedError, SdkResultExt};
use aws_sdk_secretsmanager::operation::create_secret::CreateSecretError;
use flowform_core::Value;
use flowform_planner::Attrs;
use flowform_state::{DigestKey, ResourceState};

/// `secret`.
pub struct Secret;

super::resource!(
    Secret,
    read(clients, prior, key) {
        let arn = attrs::recorded(prior, "arn").unwrap_or_else(|| prior.id.clone());
        read(clients, &arn, Some(prior), key).await
    },
    import(clients, id, key) { read(clients, id, None, key).await }
);

fn tag(k: &str, v: &str) -> aws_sdk_secretsmanager::types::Tag {
    aws_sdk_secretsmanager::types::Tag::builder()
        .key(k)
        .value(v)
        .build()
}

async fn create(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let sm = &op.clients.secrets;
    let name = attrs::required_text(attrs, "name")?;
    let mut req = sm
        .create_secret()
        .name(&name)
        .client_request_token(&op.token)
        .tags(tag(TAG_ADDRESS, &op.address.to_string()))
        .tags(tag(TAG_LINEAGE, &op.lineage));
    if let Some(d) = text(attrs, "description") {
        req = req.description(d);
    }
    if let Some(k) = text(attrs, "kms_key_id") {
        req = req.kms_key_id(k);
    }
    if let Some(s) = text(attrs, "secret_string") {
        req = req.secret_string(s);
    }
    for (k, v) in attrs::tags(attrs) {
        req = req.tags(tag(&k, &v));
    }
    // Taken over (restored, or made by an interrupted apply): it is recorded at once, like a
    // new one, and only then brought in line with the configuration; it may carry a policy
    // the configuration does not have, which must then go.
    let mut adopted = None;
    // What a refused create means is told apart by the SDK's typed error.
    let sent = req.send().await;
    let refused_as = |is: fn(&CreateSecretError) -> bool| matches!(&sent, Err(e) if e.as_service_error().is_some_and(is));
    let (invalid, exists) = (
        refused_as(CreateSecretError::is_invalid_request_exception),
        refused_as(CreateSecretError::is_resource_exists_exception),
    );
    let arn = match sent.aws() {
        Ok(out) => {
            attrs.insert(
                "version_id".into(),
                out.version_id()
                    .map_or(Value::Null, |v| Value::String(v.to_string())),
            );
            out.arn().unwrap_or_default().to_string()
        }
        // A secret of this name is waiting out its recovery window (destroyed earlier, maybe
        // by this configuration): bring it back and make it what the configuration says.
        Err(e) if invalid && e.message.contains("deletion") => {
            let Some(d) = owned(op, &name).await? else {
                // Without this state's tags: not made by a create of this state, interrupted
                // or not.
                return Err(AwsError {
                    message: format!(
                        "{} It is not this state's to restore: restore it yourself and bring it under flowform with `flowform import {} {name}`, or choose another name.",
                        e.message, op.address
                    ),
                    name_taken: true,
                    ..e
                });
            };
            sm.restore_secret().secret_id(&name).send().await.aws()?;
            let arn = d.arn().unwrap_or_default().to_string();
            adopted = Some(d);
            arn
        }
        // Created by an earlier, interrupted apply of this very state: take it over.
        Err(e) if exists => match owned(op, &name).await? {
            Some(d) => {
                let arn = d.arn().unwrap_or_default().to_string();
                adopted = Some(d);
                arn
            }
            None => {
                return Err(AwsError {
                    message: format!(
                        "{} A secret named \"{name}\" already exists and this state does not manage it: bring it under flowform with `flowform import {} {name}`.",
                        e.message, op.address
                    ),
                    name_taken: true,
                    ..e
                });
            }
        },
        Err(e) => return Err(e),
    };
    // Recorded the moment it is ours, before the calls that finish it: a restored (or taken
    // over) secret that a failure or a kill leaves half-adopted is in the state, where the next
    // plan finishes it and a destroy deletes it, instead of live and untracked.
    // A kill before this line is durable (S3) leaves the intent: the resumed apply repeats
    // CreateSecret under the same token and takes the secret only with this state's tags.
    (op.checkpoint)(
        super::identity(
            "secret",
            &arn,
            &[("arn", Some(arn.clone())), ("name", Some(name.clone()))],
        ),
        flowform_state::Durability::Finished,
    )
    .await?;
    if let Some(d) = &adopted {
        adopt(op, d, attrs).await?;
    }
    set_policy(op.clients, &arn, attrs, adopted.is_some()).await?;
    attrs.insert("arn".into(), Value::String(arn.clone()));
    Ok(arn)
}

/// The existing secret, described, when it carries this state's tags.
async fn owned(
    op: &Op<'_>,
    name: &str,
) -> Result<
    Option<aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput>,
    AwsError,
> {
    let d = op
        .clients
        .secrets
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .aws()?;
    let has = |k: &str, v: &str| {
        d.tags()
            .iter()
            .any(|t| t.key() == Some(k) && t.value() == Some(v))
    };
    Ok((has(TAG_ADDRESS, &op.address.to_string()) && has(TAG_LINEAGE, &op.lineage)).then_some(d))
}

/// Brings an existing secret (`d`, as described before it was taken over) in line with
/// `attrs`, after a restore or an interrupted create.
async fn adopt(
    op: &Op<'_>,
    d: &aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput,
    attrs: &mut Attrs,
) -> Result<(), AwsError> {
    let arn = d.arn().unwrap_or_default().to_string();
    describe(op, &arn, attrs).await?;
    put_value(op, &arn, attrs).await?;
    let existing: Vec<(String, String)> = d
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .filter(|(k, _)| !is_own_tag(k))
        .collect();
    retag(op.clients, &arn, &existing, &attrs::tags(attrs)).await
}

/// Sends what the plan changes, against what exists (refreshed): a value, description, policy
/// or tag changed outside flowform is put back too.
async fn update(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let prior = op
        .prior
        .ok_or_else(|| AwsError::other("no recorded secret to update"))?;
    let sm = &op.clients.secrets;
    let arn = attrs::recorded(prior, "arn").unwrap_or_else(|| prior.id.clone());
    if op.changes("description") || op.changes("kms_key_id") {
        describe(op, &arn, attrs).await?;
    }
    let version = prior
        .attributes
        .get("version_id")
        .map(|v| Value::from_json(v.clone()))
        .unwrap_or(Value::Null);
    attrs.insert("version_id".into(), version);
    if op.changes("secret_string") {
        put_value(op, &arn, attrs).await?;
    }
    if op.changes("policy") || op.changes("block_public_policy") {
        set_policy(op.clients, &arn, attrs, op.before("policy").is_some()).await?;
    }
    if op.changes("tags") {
        let current = sm.describe_secret().secret_id(&arn).send().await.aws()?;
        let current: Vec<(String, String)> = current
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .filter(|(k, _)| !is_own_tag(k))
            .collect();
        retag(op.clients, &arn, &current, &attrs::tags(attrs)).await?;
    }
    attrs.insert("arn".into(), Value::String(arn.clone()));
    Ok(prior.id.clone())
}

/// UpdateSecret with the configured description and key.
async fn describe(op: &Op<'_>, arn: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let mut req = op
        .clients
        .secrets
        .update_secret()
        .secret_id(arn)
        .description(text(attrs, "description").unwrap_or_default());
    if let Some(k) = text(attrs, "kms_key_id") {
        req = req.kms_key_id(k);
    }
    req.send().await.aws()?;
    Ok(())
}

/// PutSecretValue with the configured value, recording the new version. No token of ours: an
/// update is a new request every time (putting a value back after it drifted twice must not be
/// taken for a replay of the first time); the SDK supplies a fresh one, which its retries reuse.
async fn put_value(op: &Op<'_>, arn: &str, attrs: &mut Attrs) -> Result<(), AwsError> {
    let Some(s) = text(attrs, "secret_string") else {
        return Ok(());
    };
    let out = op
        .clients
        .secrets
        .put_secret_value()
        .secret_id(arn)
        .secret_string(s)
        .send()
        .await
        .aws()?;
    attrs.insert(
        "version_id".into(),
        out.version_id()
            .map_or(Value::Null, |v| Value::String(v.to_string())),
    );
    Ok(())
}

/// Puts the configured resource policy, or removes the one there is when none is configured.
async fn set_policy(
    clients: &Clients,
    arn: &str,
    attrs: &Attrs,
    has_policy: bool,
) -> Result<(), AwsError> {
    match text(attrs, "policy") {
        Some(p) => {
            let block = attrs::boolean(attrs, "block_public_policy").unwrap_or(true);
            clients
                .secrets
                .put_resource_policy()
                .secret_id(arn)
                .resource_policy(p)
                .block_public_policy(block)
                .send()
                .await
                .aws()?;
        }
        None if has_policy => {
            clients
                .secrets
                .delete_resource_policy()
                .secret_id(arn)
                .send()
                .await
                .aws()?;
        }
        None => {}
    }
    Ok(())
}

fn same_policy(a: &str, b: &str) -> bool {
    match (serde_json::from_str(a), serde_json::from_str(b)) {
        (Ok(a), Ok(b)) => flowform_core::policy::equivalent(&a, &b),
        _ => a == b,
    }
}

async fn retag(
    clients: &Clients,
    arn: &str,
    old: &[(String, String)],
    new: &[(String, String)],
) -> Result<(), AwsError> {
    let (add, remove) = tag_changes(old, new);
    if !remove.is_empty() {
        clients
            .secrets
            .untag_resource()
            .secret_id(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .aws()?;
    }
    if !add.is_empty() {
        clients
            .secrets
            .tag_resource()
            .secret_id(arn)
            .set_tags(Some(add.iter().map(|(k, v)| tag(k, v)).collect()))
            .send()
            .await
            .aws()?;
    }
    Ok(())
}

async fn delete(clients: &Clients, prior: &ResourceState) -> Result<(), AwsError> {
    let arn = attrs::recorded(prior, "arn").unwrap_or_else(|| prior.id.clone());
    let days = prior
        .attributes
        .get("recovery_window_in_days")
        .and_then(|v| v.as_i64())
        .unwrap_or(30);
    let mut req = clients.secrets.delete_secret().secret_id(arn);
    req = if days == 0 {
        req.force_delete_without_recovery(true)
    } else {
        req.recovery_window_in_days(days)
    };
    req.send()
        .await
        .none_when(|e| e.is_resource_not_found_exception())?;
    Ok(())
}

/// What exists now (`None`: deleted, or pending deletion). The value is compared by digest and
/// never kept.
async fn read(
    clients: &Clients,
    secret_id: &str,
    prior: Option<&ResourceState>,
    key: &DigestKey,
) -> Result<Option<ResourceState>, AwsError> {
    let sm = &clients.secrets;
    let Some(d) = sm
        .describe_secret()
        .secret_id(secret_id)
        .send()
        .await
        .none_when(|e| e.is_resource_not_found_exception())?
    else {
        return Ok(None);
    };
    if d.deleted_date().is_some() {
        return Ok(None);
    }
    let arn = d.arn().unwrap_or_default().to_string();
    let mut record = ResourceState::new("secret", arn.clone());
    let keep = |name: &str| prior.and_then(|p| p.attributes.get(name).cloned());
    record.attributes.insert("arn".into(), arn.clone().into());
    record
        .attributes
        .insert("name".into(), d.name().unwrap_or_default().into());
    if let Some(desc) = d.description().filter(|s| !s.is_empty()) {
        record.attributes.insert("description".into(), desc.into());
    }
    // AWS reports the key as an ARN even when it was given as an id or alias: keep what the
    // configuration said unless the key was removed.
    match (d.kms_key_id(), keep("kms_key_id")) {
        (Some(_), Some(recorded)) => {
            record.attributes.insert("kms_key_id".into(), recorded);
        }
        (Some(k), None) if !k.contains("alias/aws/secretsmanager") => {
            record.attributes.insert("kms_key_id".into(), k.into());
        }
        _ => {}
    }
    let tags: serde_json::Map<String, serde_json::Value> = d
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .filter(|(k, _)| !is_own_tag(k))
        .map(|(k, v)| (k, v.into()))
        .collect();
    if !tags.is_empty() {
        record
            .attributes
            .insert("tags".into(), serde_json::Value::Object(tags));
    }
    for name in ["block_public_policy", "recovery_window_in_days"] {
        record.attributes.insert(
            name.into(),
            keep(name).unwrap_or(match name {
                "block_public_policy" => serde_json::json!(true),
                _ => serde_json::json!(30),
            }),
        );
    }
    let policy = sm
        .get_resource_policy()
        .secret_id(&arn)
        .send()
        .await
        .aws()?;
    if let Some(p) = policy.resource_policy() {
        let recorded = keep("policy").and_then(|v| v.as_str().map(str::to_string));
        let shown = match recorded {
            Some(r) if same_policy(&r, p) => r,
            _ => p.to_string(),
        };
        record.attributes.insert("policy".into(), shown.into());
    }
    // A secret without a value yet has no current version to read.
    if let Some(v) = sm
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .none_when(|e| e.is_resource_not_found_exception())?
    {
        if let Some(s) = v.secret_string() {
            let d = flowform_state::values::digest(key, &Value::String(s.to_string()));
            if let Some(d) = d {
                record.sensitive.insert("secret_string".into(), d);
            }
        }
        if let Some(version) = v.version_id() {
            record
                .attributes
                .insert("version_id".into(), version.into());
        }
    }
    if let Some(p) = prior {
        record.dependencies = p.dependencies.clone();
    }
    Ok(Some(record))
}
