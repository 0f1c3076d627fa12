//! Resource addresses: `secret.salesforce_app`, `connector_profile.salesforce_prod`, and the
//! instances of a resource with `count` or `for_each`: `secret.app[0]`,
//! `connector_profile.sf["prod"]`, written and read as Terraform writes them.

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

/// Which instance of a resource with `count` (`[0]`) or `for_each` (`["prod"]`).
///
/// `Ord` puts every number before every string and numbers in numeric order, so `[2]` comes
/// before `[10]`, as Terraform lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    Int(u64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => {
                f.write_str("[\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"]")
            }
        }
    }
}

/// The address of one resource instance: its kind, the label the configuration gives it, and
/// (for a resource with `count` or `for_each`) its instance key. Without a key it is either a
/// resource without `count`/`for_each`, or (in `--target`) every instance of a resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: ResourceKind,
    pub label: String,
    pub key: Option<InstanceKey>,
}

impl Address {
    pub fn new(kind: ResourceKind, label: impl Into<String>) -> Self {
        Address {
            kind,
            label: label.into(),
            key: None,
        }
    }

    /// This resource's instance `key`.
    pub fn instance(&self, key: Option<InstanceKey>) -> Self {
        Address {
            kind: self.kind,
            label: self.label.clone(),
            key,
        }
    }

    /// The resource this instance belongs to (the address without its key).
    pub fn resource(&self) -> Self {
        self.instance(None)
    }

    /// Whether this address, used as a `--target`, selects `other`: the same instance, or
    /// (without a key) any instance of the same resource.
    pub fn selects(&self, other: &Address) -> bool {
        self.kind == other.kind
            && self.label == other.label
            && (self.key.is_none() || self.key == other.key)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.keyword(), self.label)?;
        if let Some(key) = &self.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error(
        "\"{0}\" is not a resource address: expected KIND.LABEL, such as secret.salesforce_app, optionally with an instance key, such as secret.app[0] or connector_profile.sf[\"prod\"]"
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
        let malformed = || AddressError::Malformed(s.to_string());
        let (kind, rest) = s.split_once('.').ok_or_else(malformed)?;
        let kind = ResourceKind::from_keyword(kind)
            .ok_or_else(|| AddressError::UnknownKind(kind.into()))?;
        let (label, key) = match rest.find('[') {
            Some(i) => (
                &rest[..i],
                Some(parse_key(&rest[i..]).ok_or_else(malformed)?),
            ),
            None => (rest, None),
        };
        let valid_label = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_label {
            return Err(malformed());
        }
        Ok(Address::new(kind, label).instance(key))
    }
}

/// `[0]` or `["prod"]` (the whole rest of an address).
fn parse_key(text: &str) -> Option<InstanceKey> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    if let Some(quoted) = inner.strip_prefix('"') {
        let body = quoted.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(match chars.next()? {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    c @ ('"' | '\\') => c,
                    _ => return None,
                }),
                '"' => return None,
                c => out.push(c),
            }
        }
        return Some(InstanceKey::Str(out));
    }
    if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    inner.parse().ok().map(InstanceKey::Int)
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
    fn instance_keys_parse_and_print_as_terraform_writes_them() {
        for text in [
            "secret.app[0]",
            "secret.app[12]",
            "connector_profile.sf[\"prod\"]",
            "connector_profile.sf[\"a \\\"b\\\" c\"]",
            "connector_profile.sf[\"\"]",
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        let a: Address = "connector_profile.sf[\"prod\"]".parse().unwrap();
        assert_eq!(a.key, Some(InstanceKey::Str("prod".into())));
        assert_eq!(a.resource().to_string(), "connector_profile.sf");
        for bad in [
            "secret.app[",
            "secret.app[]",
            "secret.app[-1]",
            "secret.app[x]",
            "secret.app[0]x",
            "secret.app[\"a\"\"]",
            "secret.[0]",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
        let target: Address = "secret.app".parse().unwrap();
        assert!(target.selects(&"secret.app[3]".parse().unwrap()));
        assert!(!target.selects(&"secret.other[3]".parse().unwrap()));
        let two: Address = "secret.app[2]".parse().unwrap();
        let ten: Address = "secret.app[10]".parse().unwrap();
        assert!(two < ten);
    }

    #[test]
    fn kinds_order_as_applied() {
        assert!(ResourceKind::KmsKey < ResourceKind::Secret);
        assert!(ResourceKind::Secret < ResourceKind::KmsKeyPolicy);
        assert!(ResourceKind::KmsKeyPolicy < ResourceKind::ConnectorProfile);
    }
}
