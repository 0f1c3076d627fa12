//! ListSecrets: filters, planned deletions and pagination.

use serde_json::{Map, Value, json};

use super::invalid_parameter;
use super::model::{Secret, SecretsRegion};
use super::secrets::describe;
use crate::input::{Fields, validation_errors};
use crate::protocol::ApiResult;

/// Reads a page position written by [`page`].
pub(super) fn start_of(next_token: Option<&str>) -> ApiResult<usize> {
    match next_token {
        None => Ok(0),
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid_parameter("The NextToken is not valid.")),
    }
}

pub(super) fn page<T>(items: Vec<T>, start: usize, max: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = (start + max < total).then(|| format!("page-{}", start + max));
    (page, next)
}

pub(super) fn max_results(fields: &Fields<'_>, field: &str) -> ApiResult<usize> {
    match fields.opt_i64(field)? {
        None => Ok(100),
        Some(n) if (1..=100).contains(&n) => Ok(n as usize),
        Some(n) => Err(validation_errors(&[format!(
            "Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
        )])),
    }
}

pub(super) fn filter_matches(secret: &Secret, key: &str, values: &[&str]) -> bool {
    let hit = |candidate: &str, value: &str| candidate.starts_with(value);
    values.iter().any(|raw| {
        let (negate, value) = match raw.strip_prefix('!') {
            Some(v) => (true, v),
            None => (false, *raw),
        };
        let matched = match key {
            "name" => hit(&secret.name, value),
            "description" => secret.description.as_deref().is_some_and(|d| hit(d, value)),
            "tag-key" => secret.tags.iter().any(|t| hit(&t.key, value)),
            "tag-value" => secret.tags.iter().any(|t| hit(&t.value, value)),
            "owning-service" => secret
                .owning_service
                .as_deref()
                .is_some_and(|o| hit(o, value)),
            "all" => {
                hit(&secret.name, value)
                    || secret.description.as_deref().is_some_and(|d| hit(d, value))
                    || secret
                        .tags
                        .iter()
                        .any(|t| hit(&t.key, value) || hit(&t.value, value))
            }
            _ => false,
        };
        matched != negate
    })
}

pub(super) fn list_secrets(
    input: &Map<String, Value>,
    secrets: &SecretsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let max = max_results(&fields, "MaxResults")?;
    let start = start_of(fields.opt_str("NextToken")?)?;
    let include_deleted = fields.opt_bool("IncludePlannedDeletion")?.unwrap_or(false);
    let mut filters = Vec::new();
    for filter in fields.opt_array("Filters")?.into_iter().flatten() {
        let key = filter.get("Key").and_then(Value::as_str).unwrap_or("");
        if ![
            "name",
            "description",
            "tag-key",
            "tag-value",
            "owning-service",
            "primary-region",
            "all",
        ]
        .contains(&key)
        {
            return Err(invalid_parameter(format!("Invalid filter key: {key}")));
        }
        let values: Vec<&str> = filter
            .get("Values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        filters.push((key, values));
    }
    let matching: Vec<&Secret> = secrets
        .secrets
        .values()
        .filter(|s| include_deleted || !s.is_pending_deletion())
        .filter(|s| {
            filters
                .iter()
                .all(|(key, values)| filter_matches(s, key, values))
        })
        .collect();
    let (items, next) = page(matching, start, max);
    let mut out = json!({
        "SecretList": items.iter().map(|s| describe(s, "SecretVersionsToStages")).collect::<Vec<_>>()
    });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}
