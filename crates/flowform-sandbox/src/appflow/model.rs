//! What AppFlow keeps per region: connector profiles (never their credentials, which live in a
//! Secrets Manager secret as on AWS) and the idempotency tokens it has seen.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::expiry::Earliest;
use crate::store::Table;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AppFlowRegion {
    /// By profile name.
    pub profiles: Table<Profile>,
    /// By `operation:clientToken`.
    pub tokens: Table<TokenRecord>,
    /// No token expires before this; lowered by every token remembered.
    #[serde(skip)]
    pub token_expiry: Earliest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub arn: String,
    pub name: String,
    pub connector_type: String,
    pub connector_label: Option<String>,
    pub connection_mode: String,
    pub credentials_arn: String,
    pub kms_arn: Option<String>,
    /// `connectorProfileProperties` as AWS returns it: `{ "<Connector>": { ... } }`.
    pub properties: Value,
    pub created_at: f64,
    pub last_updated_at: f64,
}

/// A request made with a client token, kept so that a retry gets the first answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The request without its token. It may hold credentials; the data file is private.
    pub request: Value,
    pub response: Value,
    pub expires_at: f64,
}
