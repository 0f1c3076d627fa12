//! Resource addresses: `secret.salesforce_app`, `connector_profile.salesforce_prod`.

use std::fmt;
use std::str::FromStr;

/// The kinds of resource flowform manages.
///
/// The declaration order is the order creates and updates run in (and the reverse is the order
/// of deletes): a KMS key must exist before a secret can be encrypted with it, the secret before
/// the key policy that names it, and both before the connector profile that AppFlow validates
/// against them. `Ord` follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    KmsKey,
    Secret,
    KmsKeyPolicy,
    ConnectorProfile,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::KmsKey,
        ResourceKind::Secret,
        ResourceKind::KmsKeyPolicy,
        ResourceKind::ConnectorProfile,
    ];

    /// The block type that declares it, which is also the first part of its address.
    pub fn keyword(self) -> &'static str {
        match self {
            ResourceKind::KmsKey => "kms_key",
            ResourceKind::Secret => "secret",
            ResourceKind::KmsKeyPolicy => "kms_key_policy",
            ResourceKind::ConnectorProfile => "connector_profile",
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<ResourceKind> {
        Self::ALL.into_iter().find(|k| k.keyword() == keyword)
    }

    /// The attributes known only once the resource exists.
    pub fn computed_attributes(self) -> &'static [&'static str] {
        match self {
            ResourceKind::KmsKey => &["arn", "key_id"],
            ResourceKind::Secret => &["arn", "version_id"],
            ResourceKind::KmsKeyPolicy => &["key_arn"],
            ResourceKind::ConnectorProfile => &["arn", "credentials_arn"],
        }
    }

    /// The keyword's plural, for labels that count resources of a kind (`kms_key_policies`).
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::KmsKey => "kms_keys",
            ResourceKind::Secret => "secrets",
            ResourceKind::KmsKeyPolicy => "kms_key_policies",
            ResourceKind::ConnectorProfile => "connector_profiles",
        }
    }

    /// Every attribute another resource may reference (`secret.x.arn`).
    pub fn exported_attributes(self) -> &'static [&'static str] {
        match self {
            ResourceKind::KmsKey => &["arn", "key_id"],
            ResourceKind::Secret => &["arn", "name", "version_id"],
            ResourceKind::KmsKeyPolicy => &["key_arn"],
            ResourceKind::ConnectorProfile => &["arn", "name", "credentials_arn"],
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The address of one resource: its kind and the label the configuration gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: ResourceKind,
    pub label: String,
}

impl Address {
    pub fn new(kind: ResourceKind, label: impl Into<String>) -> Self {
        Address {
            kind,
            label: label.into(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.keyword(), self.label)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error(
        "\"{0}\" is not a resource address: expected KIND.LABEL, such as secret.salesforce_app"
    )]
    Malformed(String),
    #[error(
        "\"{0}\" is not a resource kind: expected one of kms_key, secret, kms_key_policy, connector_profile"
    )]
    UnknownKind(String),
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, label) = s
            .split_once('.')
            .ok_or_else(|| AddressError::Malformed(s.to_string()))?;
        let kind = ResourceKind::from_keyword(kind)
            .ok_or_else(|| AddressError::UnknownKind(kind.into()))?;
        let valid_label = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_label {
            return Err(AddressError::Malformed(s.to_string()));
        }
        Ok(Address::new(kind, label))
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let a: Address = "connector_profile.salesforce_prod".parse().unwrap();
        assert_eq!(a.kind, ResourceKind::ConnectorProfile);
        assert_eq!(a.to_string(), "connector_profile.salesforce_prod");
        assert!(matches!(
            "bucket.x".parse::<Address>(),
            Err(AddressError::UnknownKind(_))
        ));
        assert!("secret".parse::<Address>().is_err());
        assert!("secret.".parse::<Address>().is_err());
        assert!("secret.a.b".parse::<Address>().is_err());
    }

    #[test]
    fn kinds_order_as_applied() {
        assert!(ResourceKind::KmsKey < ResourceKind::Secret);
        assert!(ResourceKind::Secret < ResourceKind::KmsKeyPolicy);
        assert!(ResourceKind::KmsKeyPolicy < ResourceKind::ConnectorProfile);
    }
}
