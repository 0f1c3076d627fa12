//! Reading data sources (`data "secret" "app" { name = ... }`): what a configuration refers to
//! without managing it, read before every plan (SPEC §2.1). A secret's value is never read:
//! only what DescribeSecret and GetResourcePolicy say.

use crate::clients::Clients;
use crate::error::{AwsError, ExpectedError, SdkResultExt};
use crate::resources;
use flowform_core::{DataKind, ResourceKind, Value};
use std::collections::BTreeMap;

/// The attributes of the object a data source names, or `None` when there is no such object.
pub async fn read_data(
    clients: &Clients,
    kind: DataKind,
    args: &BTreeMap<String, String>,
) -> Result<Option<BTreeMap<String, Value>>, AwsError> {
    let arg = |name: &str| args.get(name).map(String::as_str).unwrap_or_default();
    let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::String(s.to_string()));
    let mut out = BTreeMap::new();
    match kind {
        DataKind::CallerIdentity => {
            let me = clients.sts.get_caller_identity().send().await.aws()?;
            out.insert("account_id".into(), text(me.account()));
            out.insert("arn".into(), text(me.arn()));
        }
        DataKind::Region => {
            out.insert("name".into(), Value::String(clients.region.clone()));
        }
        DataKind::KmsKey => {
            let key_id = arg("key_id");
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
            let policy = clients
                .kms
                .get_key_policy()
                .key_id(meta.key_id())
                .policy_name("default")
                .send()
                .await
                .aws()?;
            out.insert("arn".into(), text(meta.arn()));
            out.insert("key_id".into(), Value::String(meta.key_id().to_string()));
            out.insert("policy".into(), text(policy.policy()));
        }
        DataKind::Secret => {
            let Some(d) = clients
                .secrets
                .describe_secret()
                .secret_id(arg("name"))
                .send()
                .await
                .none_when(|e| e.is_resource_not_found_exception())?
            else {
                return Ok(None);
            };
            if d.deleted_date().is_some() {
                return Ok(None);
            }
            let policy = clients
                .secrets
                .get_resource_policy()
                .secret_id(d.arn().unwrap_or_default())
                .send()
                .await
                .aws()?;
            out.insert("arn".into(), text(d.arn()));
            out.insert("kms_key_id".into(), text(d.kms_key_id()));
            out.insert("policy".into(), text(policy.resource_policy()));
        }
        DataKind::ConnectorProfile => {
            // The import's reading: AWS never returns credentials, so none are read. The digest
            // key only matters for values that are not there.
            let key = flowform_state::DigestKey::from_bytes([0; 32]);
            let Some(record) = resources::of(ResourceKind::ConnectorProfile)
                .import(clients, arg("name"), &key)
                .await?
            else {
                return Ok(None);
            };
            let attrs = flowform_state::values::from_state(&record);
            for name in ["arn", "connector_type", "credentials_arn", "properties"] {
                out.insert(name.into(), attrs.get(name).cloned().unwrap_or(Value::Null));
            }
        }
    }
    Ok(Some(out))
}
