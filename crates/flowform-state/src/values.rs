//! The state's codec: between attribute values and what the state holds.
//!
//! It lives with the state because it decides what the state may contain: a value marked
//! sensitive becomes a digest here and nowhere else, so no other crate can write one in clear.
//!
//! The state keeps non-sensitive attributes as JSON and every sensitive value as an HMAC digest
//! keyed by its dotted path (`credentials.jwt_token`). To compare a configuration with the
//! state, both are flattened into the same shape: one [`Leaf`] per path.

use crate::{Digest, DigestKey, ResourceState};
use flowform_core::Value;
use std::collections::BTreeMap;

/// A resource's attribute values by name, as the configuration gives them (sensitive values
/// marked, unknown ones unknown).
pub type Attrs = BTreeMap<String, Value>;

/// One value at one path, as far as comparison can see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    Plain(serde_json::Value),
    Digest(Digest),
    Unknown,
}

/// Whether a dotted `path` is `attribute` itself or lies under it (`credentials.jwt_token`
/// under `credentials`).
pub fn is_under(path: &str, attribute: &str) -> bool {
    path.strip_prefix(attribute)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The digest of a sensitive value: HMAC-SHA-256 of its JSON text, so a string, a number and a
/// map are each digested unambiguously. The applier digests what it reads back the same way.
pub fn digest(key: &DigestKey, value: &Value) -> Option<Digest> {
    let (bare, _) = value.clone().unmark();
    let json = bare.to_json()?;
    Some(key.digest(json.to_string().as_bytes()))
}

/// Flattens planned attributes; sensitive values become digests (under `key`).
pub fn flatten(attrs: &Attrs, key: &DigestKey) -> BTreeMap<String, Leaf> {
    let mut out = BTreeMap::new();
    for (name, value) in attrs {
        flatten_value(name.clone(), value, key, &mut out);
    }
    out
}

fn flatten_value(path: String, value: &Value, key: &DigestKey, out: &mut BTreeMap<String, Leaf>) {
    match value {
        Value::Null => {}
        Value::Unknown => {
            out.insert(path, Leaf::Unknown);
        }
        // A list with a secret in it is digested whole, like a secret.
        Value::Sensitive(_) | Value::List(_) if value.contains_sensitive() => {
            let leaf = if value.is_known() {
                digest(key, value).map_or(Leaf::Unknown, Leaf::Digest)
            } else {
                Leaf::Unknown
            };
            out.insert(path, leaf);
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten_value(format!("{path}.{k}"), v, key, out);
            }
        }
        other => {
            let leaf = other.to_json().map_or(Leaf::Unknown, Leaf::Plain);
            out.insert(path, leaf);
        }
    }
}

/// Flattens a state record (its attributes and its digests).
pub fn flatten_state(resource: &ResourceState) -> BTreeMap<String, Leaf> {
    let mut out = BTreeMap::new();
    for (name, value) in &resource.attributes {
        flatten_json(name.clone(), value, &mut out);
    }
    for (path, d) in &resource.sensitive {
        out.insert(path.clone(), Leaf::Digest(*d));
    }
    out
}

fn flatten_json(path: String, value: &serde_json::Value, out: &mut BTreeMap<String, Leaf>) {
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten_json(format!("{path}.{k}"), v, out);
            }
        }
        other => {
            out.insert(path, Leaf::Plain(other.clone()));
        }
    }
}

/// A state record as attribute values: sensitive paths hold a sensitive placeholder, so views
/// show `(sensitive value)` where a secret was.
pub fn from_state(resource: &ResourceState) -> Attrs {
    let mut attrs: Attrs = resource
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v.clone())))
        .collect();
    for path in resource.sensitive.keys() {
        insert_path(&mut attrs, path, Value::sensitive(Value::Null));
    }
    attrs
}

fn insert_path(attrs: &mut Attrs, path: &str, value: Value) {
    let mut parts = path.split('.');
    let Some(first) = parts.next() else { return };
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        attrs.insert(first.to_string(), value);
        return;
    }
    let mut slot = attrs
        .entry(first.to_string())
        .or_insert_with(|| Value::Object(BTreeMap::new()));
    for part in &rest[..rest.len() - 1] {
        if !matches!(slot, Value::Object(_)) {
            *slot = Value::Object(BTreeMap::new());
        }
        let Value::Object(map) = slot else { return };
        slot = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(BTreeMap::new()));
    }
    if !matches!(slot, Value::Object(_)) {
        *slot = Value::Object(BTreeMap::new());
    }
    if let (Value::Object(map), Some(last)) = (slot, rest.last()) {
        map.insert(last.to_string(), value);
    }
}

/// What the state records for applied attributes: non-sensitive JSON and sensitive digests.
/// `None` when a value is still unknown (nothing unknown may be recorded).
pub fn to_state(
    attrs: &Attrs,
    key: &DigestKey,
) -> Option<(
    serde_json::Map<String, serde_json::Value>,
    BTreeMap<String, Digest>,
)> {
    let mut json = serde_json::Map::new();
    let mut digests = BTreeMap::new();
    for (name, value) in attrs {
        if let Some(v) = split(name, value, key, &mut digests)? {
            json.insert(name.clone(), v);
        }
    }
    Some((json, digests))
}

fn split(
    path: &str,
    value: &Value,
    key: &DigestKey,
    digests: &mut BTreeMap<String, Digest>,
) -> Option<Option<serde_json::Value>> {
    Some(match value {
        Value::Unknown => return None,
        Value::Null => None,
        Value::Sensitive(_) | Value::List(_) if value.contains_sensitive() => {
            digests.insert(path.to_string(), digest(key, value)?);
            None
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                if let Some(v) = split(&format!("{path}.{k}"), v, key, digests)? {
                    out.insert(k.clone(), v);
                }
            }
            (!out.is_empty()).then_some(serde_json::Value::Object(out))
        }
        other => Some(other.to_json()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_become_digests_and_never_json() {
        let key = DigestKey::from_bytes([7; 32]);
        let mut attrs = Attrs::new();
        attrs.insert("name".into(), Value::String("n".into()));
        let creds = BTreeMap::from([(
            "jwt_token".to_string(),
            Value::sensitive(Value::String("SENTINEL-SECRET".into())),
        )]);
        attrs.insert("credentials".into(), Value::Object(creds));
        let (json, digests) = to_state(&attrs, &key).unwrap();
        let text = serde_json::to_string(&json).unwrap();
        assert!(!text.contains("SENTINEL"));
        assert_eq!(json.get("credentials"), None);
        assert_eq!(digests.len(), 1);
        let record = ResourceState {
            resource_type: "connector_profile".into(),
            id: "n".into(),
            attributes: json,
            dependencies: Default::default(),
            sensitive: digests,
            provider: None,
        };
        assert_eq!(flatten(&attrs, &key), flatten_state(&record));
        let back = from_state(&record);
        assert_eq!(
            back["credentials"],
            Value::Object(BTreeMap::from([(
                "jwt_token".to_string(),
                Value::sensitive(Value::Null)
            )]))
        );
    }
}
