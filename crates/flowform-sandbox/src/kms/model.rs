//! What KMS keeps per region: keys (metadata, policy, tags, state) and aliases.

use serde::{Deserialize, Serialize};

use crate::expiry::Earliest;
use crate::store::Table;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct KmsRegion {
    /// By key id (a UUID).
    pub keys: Table<Key>,
    /// By alias name (`alias/...`).
    pub aliases: Table<Alias>,
    /// No key is due to be deleted before this; lowered by every `deletion_date` set.
    #[serde(skip)]
    pub purge: Earliest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Key {
    pub id: String,
    pub arn: String,
    pub description: String,
    pub key_usage: String,
    pub key_spec: String,
    pub state: KeyState,
    pub created: f64,
    pub deletion_date: Option<f64>,
    pub pending_window_days: Option<i64>,
    pub policy: String,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub arn: String,
    pub target_key_id: String,
    pub created: f64,
    pub last_updated: f64,
}
