//! Data sources: what a configuration reads without managing it (`data "secret" "app" {...}`,
//! referred to as `data.secret.app.arn`). SPEC §2.1.

use std::fmt;

/// The kinds of data source flowform reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataKind {
    CallerIdentity,
    Region,
    KmsKey,
    Secret,
    ConnectorProfile,
}

impl DataKind {
    pub const ALL: [DataKind; 5] = [
        DataKind::CallerIdentity,
        DataKind::Region,
        DataKind::KmsKey,
        DataKind::Secret,
        DataKind::ConnectorProfile,
    ];

    /// The first label of its block: `data "KEYWORD" "LABEL" {}`.
    pub fn keyword(self) -> &'static str {
        match self {
            DataKind::CallerIdentity => "caller_identity",
            DataKind::Region => "region",
            DataKind::KmsKey => "kms_key",
            DataKind::Secret => "secret",
            DataKind::ConnectorProfile => "connector_profile",
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<DataKind> {
        Self::ALL.into_iter().find(|k| k.keyword() == keyword)
    }

    /// The arguments its block takes, all required.
    pub fn arguments(self) -> &'static [&'static str] {
        match self {
            DataKind::CallerIdentity | DataKind::Region => &[],
            DataKind::KmsKey => &["key_id"],
            DataKind::Secret | DataKind::ConnectorProfile => &["name"],
        }
    }

    /// What it exports. A secret's value is never read, so never one of them.
    pub fn exported_attributes(self) -> &'static [&'static str] {
        match self {
            DataKind::CallerIdentity => &["account_id", "arn"],
            DataKind::Region => &["name"],
            DataKind::KmsKey => &["arn", "key_id", "policy"],
            DataKind::Secret => &["arn", "kms_key_id", "policy"],
            DataKind::ConnectorProfile => {
                &["arn", "connector_type", "credentials_arn", "properties"]
            }
        }
    }
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}
