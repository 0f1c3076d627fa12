//! Placeholder until the policy module lands (branch `catalogue`).
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(String);

pub fn parse(text: &str) -> Result<Value, PolicyError> {
    serde_json::from_str(text).map_err(|e| PolicyError(e.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub missing_actions: Vec<String>,
    pub unconditioned: bool,
}

pub fn grants_service(_doc: &Value, _service: &str, actions: &[&str]) -> Grant {
    Grant {
        missing_actions: actions.iter().map(|s| s.to_string()).collect(),
        unconditioned: false,
    }
}

pub fn allows_account_admin(_doc: &Value, _account: Option<&str>) -> bool {
    true
}
