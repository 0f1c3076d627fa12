//! Reading what exists, so the planner can show what changed outside flowform.

use crate::clients::Clients;
use crate::error::{AwsError, ChangeError};
use crate::resources;
use flowform_core::{Address, ResourceKind};
use flowform_planner::Refreshed;
use flowform_state::State;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Reads every resource of the state: connector profiles with one paged listing, the others
/// one by one, `parallelism` at a time. A resource that is gone is `None`.
pub async fn refresh(
    clients: &Clients,
    state: &State,
    parallelism: usize,
) -> Result<Refreshed, Vec<ChangeError>> {
    let mut refreshed = Refreshed::new();
    let mut errors = Vec::new();
    let profiles_needed = state
        .resources
        .values()
        .any(|r| r.resource_type == "connector_profile");
    let profiles = if profiles_needed {
        match resources::connector_profile::list_all(clients).await {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(ChangeError {
                    address: Address::new(ResourceKind::ConnectorProfile, "*"),
                    doing: "refresh",
                    error: e,
                });
                None
            }
        }
    } else {
        None
    };
    let gate = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (address, prior) in &state.resources {
        let Ok(addr) = address.parse::<Address>() else {
            continue;
        };
        if addr.kind == ResourceKind::ConnectorProfile {
            // A name from a sensitive variable is recorded only as a digest: the ARN ends with it.
            let name = prior
                .attributes
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| prior.id.rsplit('/').next().unwrap_or_default());
            match profiles.as_ref().map(|all| all.get(name)) {
                Some(Some(p)) => match resources::connector_profile::record(p, Some(prior)) {
                    Ok(r) => {
                        refreshed.insert(address.clone(), Some(r));
                    }
                    Err(e) => errors.push(ChangeError {
                        address: addr,
                        doing: "refresh",
                        error: e,
                    }),
                },
                Some(None) => {
                    refreshed.insert(address.clone(), None);
                }
                None => {}
            }
            continue;
        }
        let (clients, prior, key, gate) = (
            clients.clone(),
            prior.clone(),
            state.digest_key.clone(),
            gate.clone(),
        );
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let read = match addr.kind {
                ResourceKind::KmsKey => {
                    let id = prior
                        .attributes
                        .get("key_id")
                        .and_then(|v| v.as_str())
                        .unwrap_or(&prior.id)
                        .to_string();
                    resources::kms_key::read(&clients, &id, Some(&prior)).await
                }
                ResourceKind::Secret => {
                    let id = prior
                        .attributes
                        .get("arn")
                        .and_then(|v| v.as_str())
                        .unwrap_or(&prior.id)
                        .to_string();
                    resources::secret::read(&clients, &id, Some(&prior), &key).await
                }
                ResourceKind::KmsKeyPolicy => resources::key_policy::read(&clients, &prior).await,
                ResourceKind::ConnectorProfile => unreachable!("listed above"),
            };
            (addr, read)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((addr, Ok(found))) => {
                refreshed.insert(addr.to_string(), found);
            }
            Ok((addr, Err(e))) => errors.push(ChangeError {
                address: addr,
                doing: "refresh",
                error: e,
            }),
            Err(e) => errors.push(ChangeError {
                address: Address::new(ResourceKind::Secret, "*"),
                doing: "refresh",
                error: AwsError::other(e.to_string()),
            }),
        }
    }
    if errors.is_empty() {
        Ok(refreshed)
    } else {
        Err(errors)
    }
}
