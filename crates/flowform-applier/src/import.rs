//! `flowform import ADDR ID`: an existing AWS object, recorded under a configured address.

use crate::clients::Clients;
use crate::error::{AwsError, SdkResultExt};
use crate::resources;
use flowform_core::{Address, ResourceKind};
use flowform_state::{DigestKey, ResourceState};

/// Reads the object `id` names (a key id or ARN, a secret name or ARN, a key for its policy, a
/// profile name) as a state record for `address`. A profile comes without credentials (AWS
/// never returns them), so the next plan updates it to send the configured ones.
pub async fn import(
    clients: &Clients,
    address: &Address,
    id: &str,
    key: &DigestKey,
) -> Result<ResourceState, AwsError> {
    let missing = || {
        AwsError::other(format!(
            "there is no {} \"{id}\" in this account and region",
            address.kind
        ))
    };
    match address.kind {
        ResourceKind::KmsKey => resources::kms_key::read(clients, id, None)
            .await?
            .ok_or_else(missing),
        ResourceKind::Secret => resources::secret::read(clients, id, None, key)
            .await?
            .ok_or_else(missing),
        ResourceKind::KmsKeyPolicy => resources::key_policy::import(clients, id).await,
        ResourceKind::ConnectorProfile => {
            let out = clients
                .appflow
                .describe_connector_profiles()
                .connector_profile_names(id)
                .send()
                .await
                .aws()?;
            let found = out
                .connector_profile_details()
                .iter()
                .find(|p| p.connector_profile_name() == Some(id))
                .ok_or_else(missing)?;
            resources::connector_profile::record(found, None)
        }
    }
}
