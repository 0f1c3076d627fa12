//! Placeholder until the mapping lands (branch `profile-config`).
use aws_sdk_appflow::types::{ConnectorProfileConfig, ConnectorProfileProperties, ConnectorType};
use flowform_core::Value;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProfileConfigError(String);

pub fn connector_type(t: &str) -> Result<ConnectorType, ProfileConfigError> {
    Ok(ConnectorType::from(t))
}

pub fn to_sdk(t: &str, _p: &Value, _c: Option<&Value>) -> Result<ConnectorProfileConfig, ProfileConfigError> {
    Err(ProfileConfigError(format!("{t}: not mapped yet")))
}

pub fn properties_from_sdk(_t: &str, _p: &ConnectorProfileProperties) -> Result<Value, ProfileConfigError> {
    Ok(Value::Null)
}
