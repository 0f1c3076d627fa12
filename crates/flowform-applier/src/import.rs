//! `flowform import ADDR ID`: an existing AWS object, recorded under a configured address.

use crate::clients::Clients;
use crate::error::AwsError;
use crate::resources;
use flowform_core::Address;
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
    resources::of(address.kind)
        .import(clients, id, key)
        .await?
        .ok_or_else(missing)
}
