//! Reading evaluated attributes for an API call. This is where a secret leaves its
//! [`Sensitive`](flowform_core::Sensitive) wrapper: only to be sent to AWS.

use crate::error::AwsError;
use flowform_core::Value;
use flowform_planner::Attrs;

/// A string attribute (exposing a sensitive one: it is about to be sent to AWS).
pub fn text(attrs: &Attrs, name: &str) -> Option<String> {
    match attrs.get(name)?.peel() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn required_text(attrs: &Attrs, name: &str) -> Result<String, AwsError> {
    text(attrs, name)
        .ok_or_else(|| AwsError::other(format!("\"{name}\" has no value at apply time")))
}

pub fn boolean(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name)?.as_bool()
}

/// `tags`, as (key, value) pairs in key order.
pub fn tags(attrs: &Attrs) -> Vec<(String, String)> {
    match attrs.get("tags").map(Value::peel) {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every value must be known before it is sent.
pub fn ensure_known(attrs: &Attrs) -> Result<(), AwsError> {
    match attrs.iter().find(|(_, v)| !v.is_known()) {
        Some((name, _)) => Err(AwsError::other(format!(
            "\"{name}\" is still unknown at apply time"
        ))),
        None => Ok(()),
    }
}

/// A state record's attribute as a string.
pub fn recorded(record: &flowform_state::ResourceState, name: &str) -> Option<String> {
    record
        .attributes
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}
