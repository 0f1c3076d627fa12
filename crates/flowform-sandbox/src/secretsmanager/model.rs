//! What Secrets Manager keeps per region: secrets, their versions with staging labels, tags and
//! resource policies.

use serde::{Deserialize, Serialize};

use crate::expiry::Earliest;
use crate::sensitive::Sensitive;
use crate::store::Table;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SecretsRegion {
    /// By secret name.
    pub secrets: Table<Secret>,
    /// No secret is due to be purged before this; lowered by every `deletion_date` set.
    #[serde(skip)]
    pub purge: Earliest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Secret {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub created: f64,
    pub last_changed: f64,
    /// When DeleteSecret was called, while the secret waits for its recovery window to pass.
    pub deleted: Option<f64>,
    /// When a secret pending deletion is gone for good.
    pub deletion_date: Option<f64>,
    pub tags: Vec<Tag>,
    /// Oldest first.
    pub versions: Vec<Version>,
    pub policy: Option<String>,
    /// Set for secrets a service made for itself, e.g. `appflow` for connector credentials.
    pub owning_service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub id: String,
    pub value: SecretValue,
    pub stages: Vec<String>,
    pub created: f64,
}

/// A version's value: a string, or binary data kept as the base64 text the protocol carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretValue {
    String(Sensitive),
    Binary(Sensitive),
}

impl Secret {
    pub fn is_pending_deletion(&self) -> bool {
        self.deleted.is_some()
    }

    pub fn version(&self, id: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn version_with_stage(&self, stage: &str) -> Option<&Version> {
        self.versions
            .iter()
            .find(|v| v.stages.iter().any(|s| s == stage))
    }

    /// Adds a version and moves `stages` onto it. Moving AWSCURRENT hands AWSPREVIOUS to the
    /// version that held AWSCURRENT, as Secrets Manager does.
    pub fn add_version(&mut self, id: String, value: SecretValue, stages: Vec<String>, now: f64) {
        let previous_current = self.version_with_stage("AWSCURRENT").map(|v| v.id.clone());
        let moves_current = stages.iter().any(|s| s == "AWSCURRENT");
        for version in &mut self.versions {
            version.stages.retain(|s| !stages.contains(s));
            if moves_current {
                version.stages.retain(|s| s != "AWSPREVIOUS");
            }
        }
        if moves_current
            && let Some(previous) = previous_current
            && let Some(version) = self.versions.iter_mut().find(|v| v.id == previous)
        {
            version.stages.push("AWSPREVIOUS".to_owned());
        }
        self.versions.push(Version {
            id,
            value,
            stages,
            created: now,
        });
        self.last_changed = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret {
            arn: "arn".into(),
            name: "n".into(),
            description: None,
            kms_key_id: None,
            created: 0.0,
            last_changed: 0.0,
            deleted: None,
            deletion_date: None,
            tags: vec![],
            versions: vec![],
            policy: None,
            owning_service: None,
        }
    }

    fn value(s: &str) -> SecretValue {
        SecretValue::String(Sensitive::new(s))
    }

    #[test]
    fn staging_labels_move_like_aws() {
        let mut s = secret();
        let current = || vec!["AWSCURRENT".to_owned()];
        s.add_version("v1".into(), value("a"), current(), 1.0);
        s.add_version("v2".into(), value("b"), current(), 2.0);
        s.add_version("v3".into(), value("c"), current(), 3.0);
        assert_eq!(s.version("v3").unwrap().stages, ["AWSCURRENT"]);
        assert_eq!(s.version("v2").unwrap().stages, ["AWSPREVIOUS"]);
        assert!(s.version("v1").unwrap().stages.is_empty());
        s.add_version("v4".into(), value("d"), vec!["custom".into()], 4.0);
        assert_eq!(s.version("v3").unwrap().stages, ["AWSCURRENT"]);
    }
}
