//! `kms_key`: CreateKey, aliases, description, tags; ScheduleKeyDeletion on destroy.

use super::{Op, TAG_ADDRESS, TAG_LINEAGE, is_own_tag, tag_changes};
use crate::attrs::{self, text};
use crate::clients::Clients;
use crate::error::{AwsError, ExpectedError, SdkResultExt};
use flowform_core::Value;
use flowform_planner::Attrs;
use flowform_state::ResourceState;

/// `kms_key`.
pub struct KmsKey;

super::resource!(
    KmsKey,
    read(clients, prior, _key) {
        let key_id = attrs::recorded(prior, "key_id").unwrap_or_else(|| prior.id.clone());
        read(clients, &key_id, Some(prior)).await
    },
    import(clients, id, _key) { read(clients, id, None).await }
);

fn tag(k: &str, v: &str) -> Result<aws_sdk_kms::types::Tag, AwsError> {
    aws_sdk_kms::types::Tag::builder()
        .tag_key(k)
        .tag_value(v)
        .build()
        .map_err(|e| AwsError::other(e.to_string()))
}

async fn create(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    // CreateKey has no idempotency token: when an earlier apply sent this create and died
    // before recording it, the key it made is found by its tags (this state's lineage and this
    // address) instead of being made twice — and then finished like a new one.
    let found = match op.resumed {
        Some(_) => find_own_key(op).await?,
        None => None,
    };
    let (key_id, arn) = match found {
        Some(found) => found,
        None => create_key(op, attrs).await?,
    };
    // A kill before this line is durable leaves the intent: the resumed apply finds the key
    // by its tags, as above.
    (op.checkpoint)(
        super::identity(
            "kms_key",
            &arn,
            &[
                ("arn", Some(arn.clone())),
                ("key_id", Some(key_id.clone())),
                ("deletion_window_in_days", None),
            ],
        ),
        flowform_state::Durability::Finished,
    )
    .await?;
    if let Some(alias) = text(attrs, "alias") {
        create_alias(op.clients, &alias, &key_id).await?;
    }
    attrs.insert("key_id".into(), Value::String(key_id));
    attrs.insert("arn".into(), Value::String(arn.clone()));
    Ok(arn)
}

/// CreateAlias, where an alias that already names this very key (made before an interruption)
/// is the goal reached; one naming another key is an error that says so.
async fn create_alias(clients: &Clients, alias: &str, key_id: &str) -> Result<(), AwsError> {
    match clients
        .kms
        .create_alias()
        .alias_name(alias)
        .target_key_id(key_id)
        .send()
        .await
        .split_when(|e| e.is_already_exists_exception())?
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let aliases = clients
                .kms
                .list_aliases()
                .key_id(key_id)
                .send()
                .await
                .aws()?;
            if aliases
                .aliases()
                .iter()
                .any(|a| a.alias_name() == Some(alias))
            {
                Ok(())
            } else {
                Err(AwsError {
                    message: format!(
                        "{} The alias \"{alias}\" already names another key: choose another alias, or move it with `aws kms update-alias`.",
                        e.message
                    ),
                    ..e
                })
            }
        }
    }
}

/// CreateKey with this state's tags; returns the key id and ARN.
async fn create_key(op: &Op<'_>, attrs: &Attrs) -> Result<(String, String), AwsError> {
    let mut req = op
        .clients
        .kms
        .create_key()
        .tags(tag(TAG_ADDRESS, &op.address.to_string())?)
        .tags(tag(TAG_LINEAGE, &op.lineage)?);
    if let Some(d) = text(attrs, "description") {
        req = req.description(d);
    }
    for (k, v) in attrs::tags(attrs) {
        req = req.tags(tag(&k, &v)?);
    }
    let out = req.send().await.aws()?;
    let meta = out
        .key_metadata()
        .ok_or_else(|| AwsError::other("CreateKey returned no key metadata"))?;
    Ok((
        meta.key_id().to_string(),
        meta.arn().unwrap_or_default().to_string(),
    ))
}

/// Sends what the plan changes, against what exists (refreshed): a description or alias
/// changed in the console is put back too.
async fn update(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let prior = op
        .prior
        .ok_or_else(|| AwsError::other("no recorded key to update"))?;
    let key_id = attrs::recorded(prior, "key_id")
        .ok_or_else(|| AwsError::other("the state records no key_id"))?;
    let kms = &op.clients.kms;
    if op.changes("description") {
        kms.update_key_description()
            .key_id(&key_id)
            .description(text(attrs, "description").unwrap_or_default())
            .send()
            .await
            .aws()?;
    }
    if op.changes("alias") {
        if let Some(old) = op.before("alias") {
            kms.delete_alias()
                .alias_name(old)
                .send()
                .await
                .none_when(|e| e.is_not_found_exception())?;
        }
        if let Some(new) = text(attrs, "alias") {
            create_alias(op.clients, &new, &key_id).await?;
        }
    }
    if op.changes("tags") {
        let current = kms
            .list_resource_tags()
            .key_id(&key_id)
            .send()
            .await
            .aws()?;
        let current: Vec<(String, String)> = current
            .tags()
            .iter()
            .filter(|t| !is_own_tag(t.tag_key()))
            .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
            .collect();
        let (add, remove) = tag_changes(&current, &attrs::tags(attrs));
        if !remove.is_empty() {
            kms.untag_resource()
                .key_id(&key_id)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .aws()?;
        }
        if !add.is_empty() {
            let tags = add
                .iter()
                .map(|(k, v)| tag(k, v))
                .collect::<Result<Vec<_>, _>>()?;
            kms.tag_resource()
                .key_id(&key_id)
                .set_tags(Some(tags))
                .send()
                .await
                .aws()?;
        }
    }
    for computed in ["key_id", "arn"] {
        if let Some(v) = prior.attributes.get(computed) {
            attrs.insert(computed.into(), Value::from_json(v.clone()));
        }
    }
    Ok(prior.id.clone())
}

async fn delete(clients: &Clients, prior: &ResourceState) -> Result<(), AwsError> {
    let key_id = attrs::recorded(prior, "key_id").unwrap_or_else(|| prior.id.clone());
    if let Some(alias) = attrs::recorded(prior, "alias") {
        clients
            .kms
            .delete_alias()
            .alias_name(alias)
            .send()
            .await
            .none_when(|e| e.is_not_found_exception())?;
    }
    let days = prior
        .attributes
        .get("deletion_window_in_days")
        .and_then(|v| v.as_i64())
        .unwrap_or(30) as i32;
    // Already gone, or already scheduled: the goal is reached.
    clients
        .kms
        .schedule_key_deletion()
        .key_id(key_id)
        .pending_window_in_days(days)
        .send()
        .await
        .none_when(|e| e.is_not_found_exception() || e.is_kms_invalid_state_exception())?;
    Ok(())
}

/// What exists now, or `None` when the key is gone or scheduled for deletion.
async fn read(
    clients: &Clients,
    key_id: &str,
    prior: Option<&ResourceState>,
) -> Result<Option<ResourceState>, AwsError> {
    let Some(described) = clients
        .kms
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .none_when(|e| e.is_not_found_exception())?
    else {
        return Ok(None);
    };
    let Some(meta) = described.key_metadata() else {
        return Ok(None);
    };
    if matches!(
        meta.key_state(),
        Some(aws_sdk_kms::types::KeyState::PendingDeletion)
    ) {
        return Ok(None);
    }
    let key_id = meta.key_id().to_string();
    let arn = meta.arn().unwrap_or_default().to_string();
    let aliases = clients
        .kms
        .list_aliases()
        .key_id(&key_id)
        .send()
        .await
        .aws()?;
    let alias = aliases
        .aliases()
        .iter()
        .filter_map(|a| a.alias_name())
        .find(|a| !a.starts_with("alias/aws/"))
        .map(str::to_string);
    let tags = clients
        .kms
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .aws()?;
    let tags: serde_json::Map<String, serde_json::Value> = tags
        .tags()
        .iter()
        .filter(|t| !is_own_tag(t.tag_key()))
        .map(|t| (t.tag_key().to_string(), t.tag_value().into()))
        .collect();
    let mut record = ResourceState::new("kms_key", arn.clone());
    let window = prior
        .and_then(|p| p.attributes.get("deletion_window_in_days").cloned())
        .unwrap_or(serde_json::json!(30));
    record.attributes.insert("arn".into(), arn.into());
    record.attributes.insert("key_id".into(), key_id.into());
    record
        .attributes
        .insert("deletion_window_in_days".into(), window);
    if let Some(d) = meta.description().filter(|d| !d.is_empty()) {
        record.attributes.insert("description".into(), d.into());
    }
    if let Some(a) = alias {
        record.attributes.insert("alias".into(), a.into());
    }
    if !tags.is_empty() {
        record
            .attributes
            .insert("tags".into(), serde_json::Value::Object(tags));
    }
    if let Some(p) = prior {
        record.dependencies = p.dependencies.clone();
    }
    Ok(Some(record))
}

/// A live key tagged with this state's lineage and this address (made by an interrupted apply).
async fn find_own_key(op: &Op<'_>) -> Result<Option<(String, String)>, AwsError> {
    let kms = &op.clients.kms;
    let address = op.address.to_string();
    let mut marker: Option<String> = None;
    loop {
        let page = kms
            .list_keys()
            .set_marker(marker.take())
            .send()
            .await
            .aws()?;
        for key in page.keys() {
            let Some(id) = key.key_id() else { continue };
            let tags = match kms.list_resource_tags().key_id(id).send().await.aws() {
                Ok(t) => t,
                Err(_) => continue, // a key we may not read the tags of is not ours
            };
            let has = |k: &str, v: &str| {
                tags.tags()
                    .iter()
                    .any(|t| t.tag_key() == k && t.tag_value() == v)
            };
            if has(TAG_ADDRESS, &address) && has(TAG_LINEAGE, &op.lineage) {
                let d = kms.describe_key().key_id(id).send().await.aws()?;
                if let Some(meta) = d.key_metadata().filter(|m| {
                    !matches!(
                        m.key_state(),
                        Some(aws_sdk_kms::types::KeyState::PendingDeletion)
                    )
                }) {
                    return Ok(Some((
                        meta.key_id().to_string(),
                        meta.arn().unwrap_or_default().to_string(),
                    )));
                }
            }
        }
        match page.next_marker() {
            Some(m) if page.truncated() => marker = Some(m.to_string()),
            _ => return Ok(None),
        }
    }
}
