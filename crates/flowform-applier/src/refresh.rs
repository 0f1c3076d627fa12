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
    // One listing of profiles per provider configuration that holds some.
    let providers: std::collections::BTreeSet<Option<&str>> = state
        .resources
        .values()
        .filter(|r| r.resource_type == "connector_profile")
        .map(|r| r.provider.as_deref())
        .collect();
    let mut listings = std::collections::BTreeMap::new();
    for provider in providers {
        let listed = match clients.for_alias(provider) {
            Ok(c) => resources::connector_profile::list_all(c).await,
            Err(e) => Err(e),
        };
        match listed {
            Ok(p) => {
                listings.insert(provider, p);
            }
            Err(e) => errors.push(ChangeError {
                address: Address::new(ResourceKind::ConnectorProfile, "*"),
                doing: "refresh",
                error: e,
            }),
        }
    }
    let gate = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (address, prior) in &state.resources {
        let Ok(addr) = address.parse::<Address>() else {
            continue;
        };
        // Profiles come from the one listing above rather than a call each.
        if addr.kind == ResourceKind::ConnectorProfile {
            let name = resources::connector_profile::recorded_name(prior);
            match listings
                .get(&prior.provider.as_deref())
                .map(|all| all.get(&name))
            {
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
        let clients = match clients.for_alias(prior.provider.as_deref()) {
            Ok(c) => c.clone(),
            Err(e) => {
                errors.push(ChangeError {
                    address: addr,
                    doing: "refresh",
                    error: e,
                });
                continue;
            }
        };
        let (clients, prior, key, gate) = (
            clients,
            prior.clone(),
            state.digest_key.clone(),
            gate.clone(),
        );
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let read = resources::of(addr.kind).read(&clients, &prior, &key).await;
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
    if !errors.is_empty() {
        return Err(errors);
    }
    for (address, found) in refreshed.iter_mut() {
        if let (Some(found), Some(prior)) = (found, state.resources.get(address)) {
            seal(found, prior, &state.digest_key);
            // What AWS answers says nothing of the provider configuration it was read through.
            found.provider = prior.provider.clone();
        }
    }
    Ok(refreshed)
}

/// Keeps sensitive what was sensitive when it was applied. AWS answers in clear what it was
/// sent — a description, a tag or a policy built from a sensitive variable — so every path the
/// state holds by digest is digested again from what AWS returned, and its clear value dropped
/// from the record. The planner then compares digests (no drift when the value is unchanged,
/// a "(sensitive value)" drift when it changed), and no view, plan file or state ever gets the
/// value.
pub(crate) fn seal(
    found: &mut flowform_state::ResourceState,
    prior: &flowform_state::ResourceState,
    key: &flowform_state::DigestKey,
) {
    for path in prior.sensitive.keys() {
        if let Some(clear) = take_path(&mut found.attributes, path)
            && let Some(d) =
                flowform_state::values::digest(key, &flowform_core::Value::from_json(clear))
        {
            found.sensitive.insert(path.clone(), d);
        }
    }
}

/// Removes and returns the value at a dotted path (`tags.team`), dropping objects it leaves
/// empty.
fn take_path(
    map: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
) -> Option<serde_json::Value> {
    match path.split_once('.') {
        None => map.remove(path).filter(|v| !v.is_null()),
        Some((head, rest)) => {
            let inner = map.get_mut(head)?.as_object_mut()?;
            let taken = take_path(inner, rest);
            if inner.is_empty() {
                map.remove(head);
            }
            taken
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowform_state::{DigestKey, ResourceState};

    #[test]
    fn what_was_applied_as_sensitive_stays_sensitive_when_read_back() {
        let key = DigestKey::from_bytes([3; 32]);
        let value = flowform_core::Value::String("SENTINEL-SECRET-team".into());
        let d = flowform_state::values::digest(&key, &value).unwrap();
        let prior = ResourceState::new("secret", "arn")
            .attribute("name", "s")
            .sensitive("description", d)
            .sensitive("tags.team", d);
        let mut found = ResourceState::new("secret", "arn")
            .attribute("name", "s")
            .attribute("description", "SENTINEL-SECRET-team")
            .attribute(
                "tags",
                serde_json::json!({"team": "SENTINEL-SECRET-team", "env": "prod"}),
            );
        seal(&mut found, &prior, &key);
        let text = serde_json::to_string(&found.attributes).unwrap();
        assert!(!text.contains("SENTINEL"), "{text}");
        assert_eq!(found.attributes["tags"], serde_json::json!({"env": "prod"}));
        assert_eq!(
            found.sensitive["description"], d,
            "unchanged: the same digest"
        );
        assert_eq!(found.sensitive["tags.team"], d);

        let mut changed =
            ResourceState::new("secret", "arn").attribute("description", "changed by hand");
        seal(&mut changed, &prior, &key);
        assert_ne!(
            changed.sensitive["description"], d,
            "changed: another digest"
        );
        assert!(changed.attributes.get("description").is_none());
    }
}
