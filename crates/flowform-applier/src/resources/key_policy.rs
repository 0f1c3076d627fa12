//! `kms_key_policy`: PutKeyPolicy (policy name `default`), recording the policy it replaced so
//! that destroying it puts that policy back.

use super::Op;
use crate::attrs;
use crate::clients::Clients;
use crate::error::{AwsError, ExpectedError, SdkResultExt};
use flowform_core::Value;
use flowform_planner::Attrs;
use flowform_state::ResourceState;

/// `kms_key_policy`.
pub struct KeyPolicy;

super::resource!(
    KeyPolicy,
    read(clients, prior, _key) { read(clients, prior).await },
    import(clients, id, _key) { import(clients, id).await.map(Some) }
);

/// The attribute (not part of the configuration) that keeps the replaced policy.
pub const PREVIOUS_POLICY: &str = "previous_policy";

async fn put(clients: &Clients, key_id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let policy = attrs::required_text(attrs, "policy")?;
    let bypass = attrs::boolean(attrs, "bypass_policy_lockout_safety_check").unwrap_or(false);
    clients
        .kms
        .put_key_policy()
        .key_id(key_id)
        .policy_name("default")
        .policy(policy)
        .bypass_policy_lockout_safety_check(bypass)
        .send()
        .await
        .aws()?;
    Ok(())
}

async fn create(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let key_id = attrs::required_text(attrs, "key_id")?;
    let kms = &op.clients.kms;
    let described = kms.describe_key().key_id(&key_id).send().await.aws()?;
    let arn = described
        .key_metadata()
        .and_then(|m| m.arn())
        .unwrap_or_default()
        .to_string();
    let previous = kms
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .aws()?;
    // The policy being replaced is recorded before it is replaced: if the process dies after
    // PutKeyPolicy, the resumed apply must not take flowform's own policy for the original.
    // Durable before PutKeyPolicy with every backend: nothing else knows the original.
    (op.checkpoint)(
        super::identity(
            "kms_key_policy",
            &arn,
            &[
                ("key_id", Some(key_id.clone())),
                ("key_arn", Some(arn.clone())),
                (PREVIOUS_POLICY, previous.policy().map(str::to_string)),
            ],
        ),
        flowform_state::Durability::Now,
    )
    .await?;
    put(op.clients, &key_id, attrs).await?;
    attrs.insert("key_arn".into(), Value::String(arn.clone()));
    if let Some(p) = previous.policy() {
        attrs.insert(PREVIOUS_POLICY.into(), Value::String(p.to_string()));
    }
    Ok(arn)
}

async fn update(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let prior = op
        .prior
        .ok_or_else(|| AwsError::other("no recorded key policy to update"))?;
    let key_id = attrs::required_text(attrs, "key_id")?;
    put(op.clients, &key_id, attrs).await?;
    for kept in ["key_arn", PREVIOUS_POLICY] {
        if let Some(v) = prior.attributes.get(kept) {
            attrs.insert(kept.into(), Value::from_json(v.clone()));
        }
    }
    Ok(prior.id.clone())
}

/// Puts back the policy this resource replaced. A key that is gone or scheduled for deletion
/// has nothing to restore.
async fn delete(clients: &Clients, prior: &ResourceState) -> Result<(), AwsError> {
    let Some(previous) = attrs::recorded(prior, PREVIOUS_POLICY) else {
        return Ok(());
    };
    let key_id = attrs::recorded(prior, "key_id").unwrap_or_else(|| prior.id.clone());
    let result = clients
        .kms
        .put_key_policy()
        .key_id(key_id)
        .policy_name("default")
        .policy(previous)
        .send()
        .await;
    // A key gone or pending deletion has no policy left to put back.
    result.none_when(|e| e.is_not_found_exception() || e.is_kms_invalid_state_exception())?;
    Ok(())
}

async fn read(clients: &Clients, prior: &ResourceState) -> Result<Option<ResourceState>, AwsError> {
    let key_id = attrs::recorded(prior, "key_id").unwrap_or_else(|| prior.id.clone());
    let Some(out) = clients
        .kms
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .none_when(|e| e.is_not_found_exception())?
    else {
        return Ok(None);
    };
    let mut record = prior.clone();
    if let Some(p) = out.policy() {
        let same = attrs::recorded(prior, "policy").is_some_and(|r| {
            match (serde_json::from_str(&r), serde_json::from_str(p)) {
                (Ok(a), Ok(b)) => flowform_core::policy::equivalent(&a, &b),
                _ => r == p,
            }
        });
        if !same {
            record.attributes.insert("policy".into(), p.into());
        }
    }
    Ok(Some(record))
}

/// `import kms_key_policy.X KEY`: the key's current policy becomes both the managed policy and
/// the one to restore.
async fn import(clients: &Clients, key_id: &str) -> Result<ResourceState, AwsError> {
    let described = clients
        .kms
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .aws()?;
    let arn = described
        .key_metadata()
        .and_then(|m| m.arn())
        .unwrap_or_default()
        .to_string();
    let out = clients
        .kms
        .get_key_policy()
        .key_id(key_id)
        .policy_name("default")
        .send()
        .await
        .aws()?;
    let policy = out.policy().unwrap_or_default().to_string();
    let mut record = ResourceState::new("kms_key_policy", arn.clone());
    record.attributes.insert("key_id".into(), key_id.into());
    record.attributes.insert("key_arn".into(), arn.into());
    record
        .attributes
        .insert("policy".into(), policy.clone().into());
    record
        .attributes
        .insert("bypass_policy_lockout_safety_check".into(), false.into());
    record
        .attributes
        .insert(PREVIOUS_POLICY.into(), policy.into());
    Ok(record)
}
